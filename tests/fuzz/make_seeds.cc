// Writes the fuzzers' seed corpora (tests/fuzz/corpus/) from the example
// stories: every request kind, well formed, and frames around them. Run by
// hand when the protocol grows:
//   build/tests/make_fuzz_seeds examples tests/fuzz/corpus
#include <google/protobuf/util/json_util.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "accord/v1/events.pb.h"
#include "accord/v1/wire.pb.h"
#include "service/framing.h"

using accord::v1::Request;

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
    std::string frame = accord::service::EncodeFrame(requests[i]);
    write(corpus + "/fuzz_frames/seed-" + name, frame);
    stream += frame;
  }
  write(corpus + "/fuzz_frames/seed-pipelined", stream.substr(0, 4000));
  write(corpus + "/fuzz_frames/seed-truncated", stream.substr(0, 37));
  write(corpus + "/fuzz_frames/seed-zero-length", std::string(4, '\0'));
  write(corpus + "/fuzz_frames/seed-oversized", std::string("\x7f\xff\xff\xff", 4) + "x");
  write(corpus + "/fuzz_frames/seed-garbage", std::string("\x00\x00\x00\x05hello", 9));
  std::cout << requests.size() << " requests written\n";
  return 0;
}
