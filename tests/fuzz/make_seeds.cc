// Writes the fuzzers' seed corpora (tests/fuzz/corpus/) from the example
// stories: every request kind, well formed, and frames around them, for the
// server targets; the stories as pipelined connections, as decider steps,
// as NDJSON and command lines, and the date forms, for the in-process
// ones. Run by hand when the protocol grows (a crash input found by fuzzing
// is added by hand, named crash-*, and kept):
//   build/tests/make_fuzz_seeds examples tests/fuzz/corpus
#include <google/protobuf/util/json_util.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "accord/v1/events.pb.h"
#include "accord/v1/wire.pb.h"
#include "core/event_types.h"
#include "net/framing.h"

using accord::v1::Request;

namespace {

void Write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// fuzz_decider's step: mode, length:u16 big-endian, Command bytes.
std::string Step(uint8_t mode, const accord::v1::Command& command) {
  std::string bytes = command.SerializeAsString();
  std::string step;
  step.push_back(static_cast<char>(mode));
  step.push_back(static_cast<char>((bytes.size() >> 8) & 0xff));
  step.push_back(static_cast<char>(bytes.size() & 0xff));
  return step + bytes.substr(0, 0xffff);
}

Request Read(const std::string& agreement_id) {
  Request r;
  r.mutable_read_stream()->set_stream_id(agreement_id);
  return r;
}

// The seeds of the in-process targets (tests/fuzz/fuzz_*.cc but the server ones).
void WriteInProcessSeeds(const std::string& examples, const std::string& corpus,
                         const std::vector<std::string>& stories) {
  for (const char* target : {"fuzz_frame_decoder", "fuzz_request_decoder", "fuzz_decider",
                             "fuzz_command_json", "fuzz_fuzzy_date"}) {
    std::filesystem::create_directories(corpus + "/" + target);
  }
  std::string all_frames;
  for (const std::string& story : stories) {
    std::string text = ReadFile(examples + "/" + story + ".ndjson");
    std::vector<accord::v1::Command> commands;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      accord::v1::Command c;
      if (!line.empty() && google::protobuf::util::JsonStringToMessage(line, &c).ok()) {
        commands.push_back(c);
      }
    }
    if (commands.empty()) continue;
    const std::string agreement = commands.front().agreement_id();
    // A connection logging the story, then reading it back every way.
    std::string frames;
    uint64_t id = 2;
    auto add = [&](Request r) {
      r.set_request_id(id++);
      frames += accord::net::EncodeFrame(r);
    };
    for (const auto& c : commands) {
      Request r;
      *r.mutable_log_milestone() = c;
      add(r);
    }
    add(Read(agreement));
    Request get;
    get.mutable_get_agreement()->set_agreement_id(agreement);
    add(get);
    auto* on = get.mutable_get_agreement()->mutable_true_on();
    on->set_year(2024);
    on->set_month(10);
    on->set_day(1);
    get.mutable_get_agreement()->mutable_recorded_before()->set_seconds(1700000010);
    add(get);
    Request timeline;
    timeline.mutable_get_timeline()->set_agreement_id(agreement);
    add(timeline);
    Request list;
    list.mutable_list_agreements()->set_max_count(10);
    add(list);
    Write(corpus + "/fuzz_request_decoder/story-" + story, frames);
    all_frames += frames;
    // The same events as an admin's raw import.
    Request append;
    append.mutable_append_events()->set_stream_id(agreement);
    for (const auto& c : commands) {
      auto* e = append.mutable_append_events()->add_events();
      e->set_event_id(c.event_id());
      accord::core::EncodedEvent encoded = accord::core::EncodeEvent(c.milestone());
      e->set_event_type(encoded.event_type);
      e->set_schema_version(encoded.schema_version);
      e->set_payload(encoded.payload);
      *e->mutable_effective() = c.effective();
    }
    append.set_request_id(1);
    Write(corpus + "/fuzz_request_decoder/import-" + story, accord::net::EncodeFrame(append) +
                                                                accord::net::EncodeFrame(get) +
                                                                accord::net::EncodeFrame(timeline));
    // Decider steps: decided, and folded raw.
    std::string decided, raw;
    for (const auto& c : commands) {
      decided += Step(0, c);
      raw += Step(1, c);
    }
    Write(corpus + "/fuzz_decider/story-" + story, decided);
    Write(corpus + "/fuzz_decider/raw-" + story, raw);
    // Its first two lines (whole files are slow inputs: JSON parsing is).
    size_t second = text.find('\n', text.find('\n') + 1);
    Write(corpus + "/fuzz_command_json/lines-" + story, text.substr(0, second));
  }
  // The frame decoder: limit byte (see fuzz_frame_decoder.cc), then a stream.
  auto frame_seed = [&](const std::string& name, char limit, const std::string& stream) {
    Write(corpus + "/fuzz_frame_decoder/" + name, std::string(1, limit) + stream);
  };
  frame_seed("pipelined-64k", 4, all_frames.substr(0, 2000));
  frame_seed("pipelined-chunks-of-3", 4 + 6 * 2, all_frames.substr(0, 1000));
  frame_seed("pipelined-4k-limit", 3, all_frames.substr(0, 2000));
  frame_seed("truncated", 5, all_frames.substr(0, 37));
  frame_seed("zero-length", 4, std::string(4, '\0'));
  frame_seed("oversized", 5, std::string("\x7f\xff\xff\xff", 4) + "x");
  frame_seed("over-16", 2, std::string("\x00\x00\x00\x11", 4) + std::string(17, 'x'));
  frame_seed("garbage", 4, std::string("\x00\x00\x00\x05hello", 9));
  // Command lines, as `accord SUBCOMMAND --flag value...` would take them.
  for (const auto& [name, line] : std::vector<std::pair<std::string, std::string>>{
           {"flags-sign",
            "accord sign --agreement cospar-apsco-mou --party-id apsco "
            "--effective 2024-11 --event-id c05a0000-0000-4000-8000-0000000000a1"},
           {"flags-propose",
            "accord propose --agreement x --title T --parties "
            "{\"organisationId\":\"a\",\"name\":\"A\",\"role\":\"SIGNATORY\"} "
            "--effective autumn 2024"},
           {"flags-schedule",
            "accord schedule --agreement x --milestone-id m --planned "
            "2024-11-05..2024-11-07 --expected-version 3"},
           {"flags-note", "accord note --agreement x --text hello --effective undated: soon"},
       }) {
    Write(corpus + "/fuzz_command_json/" + name, line);
  }
  Write(corpus + "/fuzz_command_json/mixed",
        "accord sign --agreement a --party-id b\n{\"agreementId\": \"a\"}\n\n{}\n");
  // Dates, in every form people type, with and without the source's words.
  int n = 0;
  for (const char* date :
       {"2024-07-15", "2024-07", "2024", "autumn 2024", "winter 9999", "2024-11-05..2024-11-07",
        "undated: in the coming months", "autumn 2024 (this autumn)", "2024-02-29", "2023-02-29",
        "0001-01-01", "spring 2024\n2024-03", "2024-07 (July)\nsummer 2024", "undated (words)",
        "2024-13", "2024-11-07..2024-11-05"}) {
    Write(corpus + "/fuzz_fuzzy_date/text-" + std::to_string(n++), date);
  }
  accord::v1::FuzzyDate season;
  season.set_precision(accord::v1::FuzzyDate::SEASON);
  season.mutable_date()->set_year(2024);
  season.set_season(accord::v1::WINTER);
  Write(corpus + "/fuzz_fuzzy_date/proto-season",
        std::string(1, '\0') + season.SerializeAsString());
  accord::v1::FuzzyDate range;
  range.set_precision(accord::v1::FuzzyDate::RANGE);
  range.mutable_date()->set_year(2024);
  range.mutable_date()->set_month(1);
  range.mutable_date()->set_day(31);
  *range.mutable_until() = range.date();
  range.mutable_until()->set_month(2);
  range.mutable_until()->set_day(1);
  Write(corpus + "/fuzz_fuzzy_date/proto-range", std::string(1, '\0') + range.SerializeAsString());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: make_fuzz_seeds EXAMPLES_DIR CORPUS_DIR\n";
    return 2;
  }
  std::string examples = argv[1];
  std::string corpus = argv[2];
  std::vector<Request> requests;
  for (const char* file :
       {"cospar-apsco-mou.ndjson", "apsco-convention.ndjson", "mistakes.ndjson"}) {
    std::ifstream in(examples + "/" + file);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      Request r;
      if (google::protobuf::util::JsonStringToMessage(line, r.mutable_log_milestone()).ok()) {
        requests.push_back(r);
      }
    }
  }
  auto add = [&](auto set) {
    Request r;
    set(r);
    requests.push_back(r);
  };
  add([](Request& r) { r.mutable_read_stream()->set_stream_id("cospar-apsco-mou"); });
  add([](Request& r) { r.mutable_read_all()->set_max_count(5); });
  add([](Request& r) { r.mutable_get_agreement()->set_agreement_id("cospar-apsco-mou"); });
  add([](Request& r) {
    r.mutable_get_agreement()->set_agreement_id("cospar-apsco-mou");
    r.mutable_get_agreement()->mutable_recorded_before()->set_seconds(1800000000);
    auto* day = r.mutable_get_agreement()->mutable_true_on();
    day->set_year(2024);
    day->set_month(8);
    day->set_day(1);
  });
  add([](Request& r) { r.mutable_list_agreements()->set_max_count(10); });
  add([](Request& r) { r.mutable_get_timeline()->set_agreement_id("apsco-convention"); });
  add([](Request& r) { r.mutable_get_health(); });
  add([](Request& r) { r.mutable_verify_log(); });
  add([](Request& r) { r.mutable_get_checkpoint(); });
  add([](Request& r) { r.mutable_get_inclusion_proof()->set_position(3); });
  add([](Request& r) {
    r.mutable_get_inclusion_proof()->set_event_id("c05a0000-0000-4000-8000-000000000004");
  });
  add([](Request& r) { r.mutable_get_consistency_proof()->set_first_size(2); });
  add([](Request& r) {
    auto* append = r.mutable_append_events();
    append->set_stream_id("imported");
    auto* e = append->add_events();
    e->set_event_id("f0220000-0000-4000-8000-000000000001");
    e->set_event_type("accord.v1.NoteAdded");
    e->set_schema_version(1);
    accord::v1::NoteAdded note;
    note.set_text("imported");
    e->set_payload(note.SerializeAsString());
  });
  std::filesystem::create_directories(corpus + "/fuzz_requests");
  std::filesystem::create_directories(corpus + "/fuzz_frames");
  auto write = [](const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
  };
  std::string stream;
  for (size_t i = 0; i < requests.size(); ++i) {
    requests[i].set_request_id(i + 2);
    std::string name = std::to_string(i);
    write(corpus + "/fuzz_requests/seed-" + name, requests[i].SerializeAsString());
    std::string frame = accord::net::EncodeFrame(requests[i]);
    write(corpus + "/fuzz_frames/seed-" + name, frame);
    stream += frame;
  }
  write(corpus + "/fuzz_frames/seed-pipelined", stream.substr(0, 4000));
  write(corpus + "/fuzz_frames/seed-truncated", stream.substr(0, 37));
  write(corpus + "/fuzz_frames/seed-zero-length", std::string(4, '\0'));
  write(corpus + "/fuzz_frames/seed-oversized", std::string("\x7f\xff\xff\xff", 4) + "x");
  write(corpus + "/fuzz_frames/seed-garbage", std::string("\x00\x00\x00\x05hello", 9));
  WriteInProcessSeeds(examples, corpus, {"cospar-apsco-mou", "apsco-convention", "mistakes"});
  std::cout << requests.size() << " requests written\n";
  return 0;
}
