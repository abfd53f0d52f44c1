// accord: the command-line client of an accordd server.
//
//   accord [--host H] [--port P] [--as NAME] log FILE.ndjson...
//   accord [--host H] [--port P] show AGREEMENT | list | history AGREEMENT [--json]
//
// Each command has its own flags (accord COMMAND --help); the global ones
// (--host, --port, --as, --token, --tls-ca, --json) stand before or after it.
// Exits 2 on a command line that does not fit (a flag of another command,
// a missing argument), 1, with the server's sentence, on any refusal or error.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include "app/render.h"
#include "app/search_index.h"
#include "core/event_types.h"
#include "core/fuzzy_date.h"
#include "core/hash.h"
#include "core/proof_check.h"
#include "core/report.h"
#include "net/client.h"
#include "net/server.h"
#include "tools/cli.h"
#include "tools/export_file.h"
#include "tools/milestone_flags.h"

namespace {

using accord::v1::Request;
using accord::v1::Response;

constexpr char kUsage[] = R"(usage: accord [--host H] [--port P] [--token T] COMMAND [ARGS]

The client of an accordd server. The token (--token, or the ACCORD_TOKEN
environment variable) says who you are; the server records that user, not
--as, as the actor of what you log.

commands:
  log FILE...         log each line of each NDJSON file (an accord.v1.Command in
                      protobuf's JSON mapping), in order, waiting for each answer
  show AGREEMENT      the agreement's stage, parties, commitments and planned
                      milestones, judged on the server's today
  list                agreements in id order (--stage S, --party P to filter)
  timeline AGREEMENT  its milestones by when they happened, each with when it was
                      recorded and by whom, corrections shown with what they changed
  history AGREEMENT   every event of the agreement in log order
  health              the log position, connections and writes of the server
  follow [AGREEMENT]  print the log (or one agreement) from --from, then each new
                      event as it is committed, until interrupted
  verify              have the server recompute the hash chain and check every
                      index; exits non-zero naming the first bad position
  verify --since FILE check here, with a consistency proof, that the log still
                      extends the checkpoint saved in FILE (nothing rewritten or
                      dropped); --save FILE keeps the new checkpoint
  checkpoint          the log's size and Merkle root, signed by the server (C2SP
                      tlog-checkpoint); --out FILE saves it for later proofs
  prove EVENT_ID      check here, with an inclusion proof, that the event is in
                      the log (of the checkpoint in --checkpoint FILE, or now)
--vkey KEY checks signatures against the server's verifier key as you obtained
it (accordd prints it); without it, against the key the server announces.
  search TEXT         the events whose words match TEXT (words, "a phrase",
                      prefix*), best first, one per line: position, agreement,
                      event type, the field that matched and its text
  report              the agreements report, built by replaying the log through a
                      subscription (Markdown; --csv, --json)
  attach FILE         attach a file to an agreement (--agreement ID, --event
                      EVENT_ID): stored by its SHA-256 and recorded in the log
  check-file FILE     whether FILE is exactly a recorded document: hashed here,
                      each record's inclusion proof checked here (--vkey KEY)
  backup DIR          a consistent copy of the running server's store into DIR (a
                      new directory on the server's machine); to restore, serve
                      DIR as the data folder
  import FILE         append an export's records (accord-local export, NDJSON or
                      --binary) exactly as they were stored (admins): batches
                      cut below the frame limit, several in flight
--json prints protobuf's JSON mapping, one message per line.

logging one milestone (accord COMMAND --help lists its flags, from the schema):
)";

// The global flags: every command takes them.
struct Globals {
  std::string host = "127.0.0.1";
  uint16_t port = accord::net::kDefaultPort;
  std::string name;
  std::string token;
  std::string tls_ca;
  bool json = false;
};

// Each command's own flags and arguments.
struct ShowFlags {
  std::string agreement;
  std::string recorded_before;
  std::string true_on;
};
struct ListFlags {
  std::string stage;
  std::string party;
};
struct TimelineFlags {
  std::string agreement;
  std::string recorded_before;
};
struct FollowFlags {
  std::string agreement;
  uint64_t from = 0;
  std::vector<std::string> types;
};
struct VerifyFlags {
  std::string since;
  std::string save;
  std::string vkey;
};
struct CheckpointFlags {
  std::string vkey;
  std::string out;
};
struct SearchFlags {
  std::string text;
  uint32_t limit = 0;
  std::string agreement;
};
struct ProveFlags {
  std::string event_id;
  std::string checkpoint;
  std::string vkey;
};

accord::net::ConnectOptions ConnectOptionsOf(const Globals& globals) {
  return accord::net::ConnectOptions{globals.name, globals.token, globals.tls_ca};
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "accord: %s\n", message.c_str());
  return 1;
}

std::string Explain(const Response& response) {
  if (response.has_rejected()) {
    return fmt::format("refused ({}): {}",
                       accord::v1::RejectionCode_Name(response.rejected().code()),
                       response.rejected().message());
  }
  if (response.has_error()) {
    return fmt::format("error ({}): {}", accord::v1::ErrorCode_Name(response.error().code()),
                       response.error().message());
  }
  return "unexpected answer";
}

// Sends `request` and waits for its answer. On a transport error, or an
// answer other than the one `answered` checks for, says why and returns the
// exit code to give.
std::optional<int> Ask(accord::net::Client& client, Request request,
                       bool (Response::*answered)() const, Response* response) {
  if (auto s = client.Call(std::move(request), response); !s.ok()) return Fail(s.ToString());
  if (!(response->*answered)()) return Fail(Explain(*response));
  return std::nullopt;
}

// One line of a command file on its way: parsed (or not), sent, answered.
struct LogLine {
  std::string path;
  int number = 0;
  std::optional<accord::v1::Command> command;
  std::string failure;  // why it was not logged; empty when it was
  std::optional<accord::v1::Logged> logged;
  bool done = false;
};

void PrintLogLine(const LogLine& line, const Globals& options) {
  if (!line.failure.empty()) {
    std::fprintf(stderr, "%s:%d: %s\n", line.path.c_str(), line.number, line.failure.c_str());
    return;
  }
  const accord::v1::Logged& logged = *line.logged;
  if (options.json) {
    std::printf("%s\n", accord::app::ToJson(logged).c_str());
  } else {
    fmt::print("{:<18} v{:<3} position {:<5} {:<36} {}\n", line.command->agreement_id(),
               logged.version(), logged.position(),
               accord::core::EventTypeName(line.command->milestone()),
               logged.already_logged() ? "(already logged)" : "logged");
  }
}

// Logs every line of every file with up to `window` commands in flight on
// the one connection. Commands on one agreement go one at a time, in file
// order (each is decided on the state the one before it left); commands on
// different agreements overlap. Lines are parsed a few at a time while the
// server works on those in flight (parsing JSON is most of the client's
// work, and parsing everything first left the server idle meanwhile).
// Answers are printed in file order.
int LogFiles(accord::net::Client& client, const Globals& options,
             const std::vector<std::string>& files, size_t window) {
  constexpr size_t kParseAhead = 32;  // lines parsed between two answers
  std::vector<std::string> texts;
  for (const std::string& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Fail("cannot read " + path);
    std::stringstream text;
    text << in.rdbuf();
    texts.push_back(text.str());
  }
  size_t file = 0;
  std::optional<accord::tools::CommandLineReader> reader;
  std::vector<LogLine> lines;
  // Each agreement's parsed lines waiting, in file order; an agreement is
  // free when none of its lines is in flight. The next line sent is the
  // earliest free one.
  std::map<std::string, std::deque<size_t>> waiting;
  std::set<std::string> busy;                      // agreements with a line in flight
  std::set<std::pair<size_t, std::string>> ready;  // (first waiting line, agreement)
  auto parse_more = [&](size_t count) {
    for (size_t parsed = 0; parsed < count && file < texts.size();) {
      if (!reader) reader.emplace(texts[file]);
      int number = 0;
      auto command = accord::core::Expected<accord::v1::Command, std::string>(
          accord::core::MakeUnexpected(std::string()));
      if (!reader->Next(&number, &command)) {
        reader.reset();
        ++file;
        continue;
      }
      ++parsed;
      LogLine& line = lines.emplace_back();
      line.path = files[file];
      line.number = number;
      if (!command) {
        line.failure = command.error();
        line.done = true;
        continue;
      }
      line.command = std::move(*command);
      const std::string& agreement = line.command->agreement_id();
      std::deque<size_t>& queue = waiting[agreement];
      queue.push_back(lines.size() - 1);
      if (queue.size() == 1 && !busy.count(agreement)) ready.emplace(queue.front(), agreement);
    }
  };
  auto all_parsed = [&] { return file >= texts.size(); };
  std::map<uint64_t, size_t> in_flight;  // request id -> line
  size_t printed = 0;
  bool connection_lost = false;
  auto print_done = [&] {
    while (printed < lines.size() && lines[printed].done) PrintLogLine(lines[printed++], options);
  };
  parse_more(kParseAhead);
  while (!all_parsed() || !ready.empty() || !in_flight.empty()) {
    while (!connection_lost && in_flight.size() < window && !ready.empty()) {
      auto [index, agreement] = *ready.begin();
      ready.erase(ready.begin());
      waiting[agreement].pop_front();
      busy.insert(agreement);
      Request request;
      *request.mutable_log_milestone() = *lines[index].command;
      uint64_t id = 0;
      if (auto s = client.Send(&request, &id); !s.ok()) {
        connection_lost = true;
        lines[index].failure = s.ToString();
        lines[index].done = true;
        // Those sent before may be logged: say so, not "not sent".
        for (auto& [sent_id, sent] : in_flight) {
          lines[sent].failure = "sent, but no answer came (it may be logged): " + s.ToString();
          lines[sent].done = true;
        }
        in_flight.clear();
        break;
      }
      in_flight[id] = index;
    }
    if (connection_lost) break;
    if (!all_parsed() && (in_flight.size() < window || ready.size() < kParseAhead)) {
      // The server has work in flight: parse the next lines meanwhile.
      parse_more(kParseAhead);
      if (in_flight.size() < window && !ready.empty()) continue;
    }
    if (in_flight.empty()) {
      print_done();
      continue;  // nothing to wait for: parse on (or end)
    }
    Response response;
    if (auto s = client.Receive(&response); !s.ok()) {
      connection_lost = true;
      for (auto& [id, index] : in_flight) {
        lines[index].failure = "sent, but no answer came (it may be logged): " + s.ToString();
        lines[index].done = true;
      }
      in_flight.clear();
      break;
    }
    auto answered = in_flight.find(response.request_id());
    if (answered == in_flight.end()) return Fail("an answer to a request never sent");
    LogLine& line = lines[answered->second];
    in_flight.erase(answered);
    if (response.has_logged()) {
      line.logged = response.logged();
    } else {
      line.failure = Explain(response);
    }
    line.done = true;
    const std::string& agreement = line.command->agreement_id();
    busy.erase(agreement);
    std::deque<size_t>& next = waiting[agreement];
    if (!next.empty()) ready.emplace(next.front(), agreement);
    print_done();
  }
  parse_more(std::numeric_limits<size_t>::max());  // after a lost connection: say what was not sent
  for (LogLine& line : lines) {
    if (!line.done) {
      line.failure = "not sent: the connection was lost";
      line.done = true;
    }
  }
  print_done();
  for (const LogLine& line : lines) {
    if (!line.failure.empty()) return 1;
  }
  return 0;
}

int History(accord::net::Client& client, const Globals& options, const std::string& agreement) {
  uint64_t from = 0;
  size_t shown = 0;
  for (;;) {
    Request request;
    request.mutable_read_stream()->set_stream_id(agreement);
    request.mutable_read_stream()->set_from_version(from);
    Response response;
    if (auto failed = Ask(client, std::move(request), &Response::has_page, &response)) {
      return *failed;
    }
    for (const auto& view : response.page().events()) {
      ++shown;
      if (options.json) {
        std::printf("%s\n", accord::app::ToJson(view).c_str());
      } else {
        std::fputs(accord::app::HistoryLine(view.record(), view.event()).c_str(), stdout);
      }
    }
    if (response.page().end_of_data()) break;
    from = response.page().next();
  }
  if (shown == 0) return Fail("no agreement '" + agreement + "'");
  return 0;
}

int Show(accord::net::Client& client, const Globals& globals, const ShowFlags& options) {
  Request request;
  request.mutable_get_agreement()->set_agreement_id(options.agreement);
  if (!options.recorded_before.empty()) {
    if (!google::protobuf::util::TimeUtil::FromString(
            options.recorded_before, request.mutable_get_agreement()->mutable_recorded_before())) {
      return Fail("--recorded-before takes an RFC 3339 time, e.g. 2024-09-01T00:00:00Z");
    }
  }
  if (!options.true_on.empty()) {
    auto day = accord::core::ParseCalendarDay(options.true_on);
    if (!day) return Fail("--true-on: " + day.error());
    *request.mutable_get_agreement()->mutable_true_on() = accord::core::FuzzyDay(*day).date();
  }
  Response response;
  if (auto failed = Ask(client, std::move(request), &Response::has_agreement, &response)) {
    return *failed;
  }
  if (globals.json) {
    std::printf("%s\n", accord::app::ToJson(response.agreement()).c_str());
  } else {
    std::fputs(accord::app::RenderSummary(response.agreement()).c_str(), stdout);
  }
  return 0;
}

int List(accord::net::Client& client, const Globals& globals, const ListFlags& options) {
  accord::v1::AgreementStage stage = accord::v1::AGREEMENT_STAGE_UNSPECIFIED;
  if (!options.stage.empty()) {
    std::string name;
    for (char c : options.stage)
      name.push_back(c == ' ' || c == '-'
                         ? '_'
                         : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    if (!accord::v1::AgreementStage_Parse(name, &stage)) {
      return Fail("unknown stage '" + options.stage +
                  "' (proposed, agreed, partially-signed, signed, withdrawn, terminated)");
    }
  }
  std::string after;
  for (;;) {
    Request request;
    auto* list = request.mutable_list_agreements();
    list->set_stage(stage);
    list->set_party_id(options.party);
    list->set_after(after);
    Response response;
    if (auto failed = Ask(client, std::move(request), &Response::has_agreements, &response)) {
      return *failed;
    }
    for (const auto& summary : response.agreements().agreements()) {
      if (globals.json) {
        std::printf("%s\n", accord::app::ToJson(summary).c_str());
      } else {
        std::fputs(accord::app::RenderListLine(summary).c_str(), stdout);
      }
    }
    if (response.agreements().end_of_data()) return 0;
    after = response.agreements().next_after();
  }
}

int ShowTimeline(accord::net::Client& client, const Globals& globals,
                 const TimelineFlags& options) {
  Request request;
  request.mutable_get_timeline()->set_agreement_id(options.agreement);
  if (!options.recorded_before.empty() &&
      !google::protobuf::util::TimeUtil::FromString(
          options.recorded_before, request.mutable_get_timeline()->mutable_recorded_before())) {
    return Fail("--recorded-before takes an RFC 3339 time, e.g. 2024-09-01T00:00:00Z");
  }
  Response response;
  if (auto failed = Ask(client, std::move(request), &Response::has_timeline, &response)) {
    return *failed;
  }
  if (globals.json) {
    for (const auto& entry : response.timeline().entries()) {
      std::printf("%s\n", accord::app::ToJson(entry).c_str());
    }
  } else {
    std::fputs(accord::app::RenderTimeline(response.timeline()).c_str(), stdout);
  }
  return 0;
}

int ShowHealth(accord::net::Client& client, const Globals& options) {
  Request request;
  request.mutable_get_health();
  Response response;
  if (auto failed = Ask(client, std::move(request), &Response::has_health, &response)) {
    return *failed;
  }
  const auto& h = response.health();
  if (options.json) {
    std::printf("%s\n", accord::app::ToJson(h).c_str());
  } else {
    fmt::print(
        "log position {}, {} connection(s), {} subscription(s), {} events in {} synced writes "
        "since start\n",
        h.log_position(), h.connections(), h.subscriptions(), h.events_written(),
        h.group_commits());
    for (const auto& p : h.projections()) {
      fmt::print("projection {}: at position {}, {} behind\n", p.name(), p.checkpoint(), p.lag());
    }
    for (const auto& d : h.doors()) {
      fmt::print(
          "door {}: {} connection(s), {} subscription(s); since start {} refused, closed {} slow "
          "reader(s), {} idle, {} after protocol errors; {} stalled and {} lagging "
          "subscription(s) ended\n",
          d.door(), d.connections(), d.subscriptions(), d.refused_connections(),
          d.dropped_slow_readers(), d.dropped_idle(), d.dropped_protocol_errors(),
          d.dropped_stalled_subscriptions(), d.dropped_lagging_subscriptions());
    }
    if (!h.write_refusal().empty()) fmt::print("REFUSING WRITES: {}\n", h.write_refusal());
  }
  return 0;
}

std::optional<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool WriteWholeFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out.flush());
}

// Says which key checked a signature, when the user gave none.
void NoteUnpinnedKey(const std::string& vkey, const std::string& announced) {
  if (vkey.empty()) {
    std::fprintf(stderr,
                 "accord: signatures checked with the key the server announced, %s; pass --vkey "
                 "with the key you hold to check that it is the server's\n",
                 announced.c_str());
  }
}

int SaveCheckpoint(const std::string& path, const accord::v1::SignedCheckpoint& checkpoint) {
  if (!WriteWholeFile(path, checkpoint.note())) return Fail("cannot write " + path);
  fmt::print("checkpoint saved to {}\n", path);
  return 0;
}

int GetCheckpoint(accord::net::Client& client, const Globals& globals,
                  const CheckpointFlags& options) {
  Request request;
  request.mutable_get_checkpoint();
  Response response;
  if (auto failed = Ask(client, std::move(request), &Response::has_checkpoint, &response)) {
    return *failed;
  }
  auto checked = accord::core::CheckSignedCheckpoint(response.checkpoint(), options.vkey);
  if (!checked) return Fail(checked.error());
  NoteUnpinnedKey(options.vkey, response.checkpoint().verifier_key());
  if (globals.json) {
    std::printf("%s\n", accord::app::ToJson(response.checkpoint()).c_str());
  } else {
    std::fputs(response.checkpoint().note().c_str(), stdout);
  }
  if (!options.out.empty()) return SaveCheckpoint(options.out, response.checkpoint());
  return 0;
}

// Checks that the log extends a checkpoint saved earlier.
int VerifySince(accord::net::Client& client, const VerifyFlags& options) {
  std::optional<std::string> note = ReadWholeFile(options.since);
  if (!note) return Fail("cannot read " + options.since);
  Request ask_key;
  ask_key.mutable_get_checkpoint();
  Response key_response;
  std::string key = options.vkey;
  if (key.empty()) {
    if (auto failed = Ask(client, std::move(ask_key), &Response::has_checkpoint, &key_response)) {
      return *failed;
    }
    key = key_response.checkpoint().verifier_key();
  }
  auto earlier = accord::core::OpenCheckpoint(*note, key);
  if (!earlier) return Fail(options.since + ": " + earlier.error());
  Request request;
  request.mutable_get_consistency_proof()->set_first_size(earlier->size);
  Response response;
  if (auto failed = Ask(client, std::move(request), &Response::has_consistency_proof, &response)) {
    return *failed;
  }
  NoteUnpinnedKey(options.vkey, response.consistency_proof().checkpoint().verifier_key());
  auto later = accord::core::CheckConsistency(*earlier, response.consistency_proof(), key);
  if (!later) return Fail("NOT CONSISTENT: " + later.error());
  fmt::print(
      "consistent: the log of {} records (root {}) extends the checkpoint of {} records (root "
      "{}); {} proof hashes checked\n",
      later->size, accord::core::HexEncode(later->root_hash), earlier->size,
      accord::core::HexEncode(earlier->root_hash), response.consistency_proof().hashes_size());
  if (!options.save.empty())
    return SaveCheckpoint(options.save, response.consistency_proof().checkpoint());
  return 0;
}

// Asks for the inclusion proof `get` (of the log of the checkpoint saved in
// `checkpoint_file`, when given) and checks it here: the checkpoint's
// signature with `vkey` (or the key the server announces), the saved
// checkpoint's root, the path, and, with `event_id`, that the record is
// that event. The proof and the record proved; otherwise why not.
accord::core::Expected<std::pair<accord::v1::InclusionProof, accord::v1::EventRecord>, std::string>
CheckedInclusion(accord::net::Client& client, accord::v1::GetInclusionProof get,
                 const std::string& checkpoint_file, const std::string& vkey,
                 const std::string& event_id) {
  using accord::core::MakeUnexpected;
  if (!checkpoint_file.empty()) {
    std::optional<std::string> note = ReadWholeFile(checkpoint_file);
    if (!note) return MakeUnexpected("cannot read " + checkpoint_file);
    // Opened with the pinned key, or, without one, after the server's
    // answer, with the key it announces.
    auto body = accord::core::ParseCheckpointBody(note->substr(0, note->rfind("\n\n") + 1));
    if (!body) return MakeUnexpected(checkpoint_file + ": " + body.error());
    get.set_tree_size(body->size);
  }
  Request request;
  *request.mutable_get_inclusion_proof() = std::move(get);
  Response response;
  if (auto s = client.Call(std::move(request), &response); !s.ok()) {
    return MakeUnexpected(s.ToString());
  }
  if (!response.has_inclusion_proof()) return MakeUnexpected(Explain(response));
  const auto& proof = response.inclusion_proof();
  std::string key = vkey.empty() ? proof.checkpoint().verifier_key() : vkey;
  if (!checkpoint_file.empty()) {
    auto held = accord::core::OpenCheckpoint(*ReadWholeFile(checkpoint_file), key);
    if (!held) return MakeUnexpected(checkpoint_file + ": " + held.error());
    if (held->root_hash != proof.checkpoint().root_hash() ||
        held->size != proof.checkpoint().size()) {
      return MakeUnexpected(fmt::format(
          "NOT PROVED: the server's log of {} records has another root than your checkpoint: its "
          "history was rewritten or forked",
          held->size));
    }
  }
  NoteUnpinnedKey(vkey, proof.checkpoint().verifier_key());
  auto record = accord::core::CheckInclusion(proof, key, event_id);
  if (!record) return MakeUnexpected("NOT PROVED: " + record.error());
  return std::pair{proof, std::move(record).value()};
}

int Prove(accord::net::Client& client, const Globals& globals, const ProveFlags& options) {
  accord::v1::GetInclusionProof get;
  get.set_event_id(options.event_id);
  auto checked = CheckedInclusion(client, get, options.checkpoint, options.vkey, options.event_id);
  if (!checked) return Fail(checked.error());
  const auto& [proof, record] = checked.value();
  if (globals.json) {
    std::printf("%s\n", accord::app::ToJson(proof).c_str());
    return 0;
  }
  fmt::print(
      "proved: event {} ({} of {}, version {}, recorded {} by {}) is record {} of the log of {} "
      "records with root {}\n",
      record.event_id(), record.event_type(), record.stream_id(), record.stream_version(),
      google::protobuf::util::TimeUtil::ToString(record.recorded_at()), record.actor(),
      record.position(), proof.checkpoint().size(),
      accord::core::HexEncode(proof.checkpoint().root_hash()));
  fmt::print("record hash {}; {} proof hashes checked\n",
             accord::core::HexEncode(accord::core::Sha256(proof.leaf())), proof.hashes_size());
  return 0;
}

struct AttachFlags {
  std::string file;
  std::string agreement;
  std::string event;
  std::string name;
  std::string type;
  std::string note;
  std::string event_id;
};

// A media type from a file's extension, for the few kinds of file a
// legal-affairs office attaches; application/octet-stream otherwise.
std::string GuessMediaType(const std::string& path) {
  static const std::map<std::string, std::string, std::less<>> kByExtension = {
      {".pdf", "application/pdf"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".tif", "image/tiff"},
      {".tiff", "image/tiff"},
      {".txt", "text/plain"},
      {".md", "text/markdown"},
      {".csv", "text/csv"},
      {".html", "text/html"},
      {".json", "application/json"},
      {".xml", "application/xml"},
      {".odt", "application/vnd.oasis.opendocument.text"},
      {".doc", "application/msword"},
      {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
  };
  std::string extension = std::filesystem::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto found = kByExtension.find(extension);
  return found == kByExtension.end() ? "application/octet-stream" : found->second;
}

// `accord attach --agreement ID FILE`: the file's bytes to the server, which
// stores them and records a DocumentAttached event.
int Attach(accord::net::Client& client, const Globals& globals, const AttachFlags& options) {
  std::optional<std::string> bytes = ReadWholeFile(options.file);
  if (!bytes) return Fail("cannot read " + options.file);
  Request request;
  auto* attach = request.mutable_attach_document();
  attach->set_agreement_id(options.agreement);
  attach->set_event_id(options.event_id.empty()
                           ? boost::uuids::to_string(boost::uuids::random_generator()())
                           : options.event_id);
  attach->set_about_event_id(options.event);
  attach->set_name(options.name.empty() ? std::filesystem::path(options.file).filename().string()
                                        : options.name);
  attach->set_media_type(options.type.empty() ? GuessMediaType(options.file) : options.type);
  attach->set_note(options.note);
  attach->set_content(std::move(*bytes));
  Response response;
  if (auto s = client.Call(std::move(request), &response); !s.ok()) return Fail(s.ToString());
  if (!response.has_attached_document()) {
    if (response.has_error() && response.error().code() == accord::v1::FRAME_TOO_LARGE) {
      return Fail(Explain(response) +
                  "; over the TCP door a document travels in one frame (the server's "
                  "--max-frame-bytes, 4 MiB by default): attach a larger one over HTTP, POST "
                  "/api/v1/agreements/" +
                  options.agreement + "/documents (docs/http.md, \"Documents\")");
    }
    return Fail(Explain(response));
  }
  const auto& attached = response.attached_document();
  if (globals.json) {
    std::printf("%s\n", accord::app::ToJson(attached).c_str());
    return 0;
  }
  fmt::print("{} v{} position {} document {} ({}, {}, {} bytes) {}\n", options.agreement,
             attached.version(), attached.position(), attached.document().sha256(),
             attached.document().name(), attached.document().media_type(),
             attached.document().size(),
             attached.already_logged() ? "(already logged)" : "attached");
  return 0;
}

struct CheckFileFlags {
  std::string file;
  std::string vkey;
  std::string checkpoint;
};

// `accord check-file FILE --vkey KEY`: whether the file is exactly a
// document the log records, proved here: its SHA-256 computed here, the
// records that name it found by the server, and each record's inclusion
// proved against a checkpoint signed by the key you trust, its leaf read
// here to name that digest and size.
int CheckFile(accord::net::Client& client, const Globals& globals, const CheckFileFlags& options) {
  std::optional<std::string> bytes = ReadWholeFile(options.file);
  if (!bytes) return Fail("cannot read " + options.file);
  const std::string sha256 = accord::core::HexEncode(accord::core::Sha256(*bytes));
  Request request;
  request.mutable_find_document()->set_sha256(sha256);
  Response response;
  if (auto s = client.Call(std::move(request), &response); !s.ok()) return Fail(s.ToString());
  if (response.has_error() && response.error().code() == accord::v1::NOT_FOUND) {
    return Fail(
        fmt::format("NOT RECORDED: {} (sha256 {}, {} bytes) is no document of this log: "
                    "no event records that digest, so the file is not one attached (a "
                    "changed copy has another digest)",
                    options.file, sha256, bytes->size()));
  }
  if (!response.has_document_records()) return Fail(Explain(response));
  for (const accord::v1::DocumentRecord& found : response.document_records().records()) {
    accord::v1::GetInclusionProof get;
    get.set_position(found.position());
    auto checked =
        CheckedInclusion(client, get, options.checkpoint, options.vkey, found.event_id());
    if (!checked) return Fail(checked.error());
    const auto& [proof, record] = checked.value();
    // The proved record itself must name this file: the server's list is
    // only where to look.
    auto event =
        accord::core::DecodeEvent(record.event_type(), record.schema_version(), record.payload());
    if (!event || !event->has_document_attached() ||
        event->document_attached().document().sha256() != sha256 ||
        event->document_attached().document().size() != bytes->size()) {
      return Fail(fmt::format("NOT PROVED: the record at position {} does not record {}",
                              record.position(), sha256));
    }
    const auto& attached = event->document_attached();
    if (globals.json) {
      std::printf("%s\n", accord::app::ToJson(proof).c_str());
      continue;
    }
    auto checkpoint = accord::core::ParseCheckpointBody(
        proof.checkpoint().note().substr(0, proof.checkpoint().note().rfind("\n\n") + 1));
    fmt::print(
        "{}: agreement {}, event {}{}, position {}, as {} ({}, {} bytes), recorded {} by {}: "
        "proved in the log of {} ({} records, root {})\n",
        options.file, record.stream_id(), record.event_id(),
        attached.about_event_id().empty() ? "" : " (about " + attached.about_event_id() + ")",
        record.position(), attached.document().name(), attached.document().media_type(),
        attached.document().size(),
        google::protobuf::util::TimeUtil::ToString(record.recorded_at()), record.actor(),
        checkpoint ? checkpoint->origin : std::string("the checkpoint"), proof.checkpoint().size(),
        accord::core::HexEncode(proof.checkpoint().root_hash()));
  }
  return 0;
}

int VerifyLog(accord::net::Client& client, const Globals& globals, const VerifyFlags& options) {
  if (!options.since.empty()) return VerifySince(client, options);
  Request request;
  request.mutable_verify_log();
  Response response;
  if (auto failed = Ask(client, std::move(request), &Response::has_verified, &response)) {
    return *failed;
  }
  if (globals.json) {
    std::printf("%s\n", accord::app::ToJson(response.verified()).c_str());
  } else {
    fmt::print(
        "verified: {} events in {} agreements; the hash chain, the Merkle tree and every index "
        "agree with the log, and {} agreement index entries\nhead hash: {}\n",
        response.verified().records(), response.verified().streams(),
        response.verified().agreements_indexed(),
        accord::core::HexEncode(response.verified().head_hash()));
  }
  return 0;
}

int BackupStore(accord::net::Client& client, const Globals& options, const std::string& directory) {
  Request request;
  request.mutable_backup()->set_directory(directory);
  Response response;
  if (auto failed = Ask(client, std::move(request), &Response::has_backed_up, &response)) {
    return *failed;
  }
  if (options.json) {
    std::printf("%s\n", accord::app::ToJson(response.backed_up()).c_str());
    return 0;
  }
  fmt::print("backed up to {} (log position {} at least)\n", response.backed_up().directory(),
             response.backed_up().log_position());
  return 0;
}

struct ImportFlags {
  std::string file;
  size_t window = 4;
  size_t batch_records = 8192;
  size_t batch_bytes = 3 << 20;
  uint32_t max_frame_bytes = 4 << 20;
};

// Sends an export (either format) as import_records requests, each cut by
// records and bytes below the server's frame limit, with up to `window` in
// flight: the server writes one connection's imports in the order they
// were sent (app/requests.cc), so the next batches travel while one is
// written. The file is read on this thread while another sends. A refused
// batch is named with the server's sentence; the batches sent after it are
// refused too (they no longer continue the log), and nothing of any
// refused batch is written.
int ImportFile(accord::net::Client& client, const Globals& globals, const ImportFlags& options) {
  std::unique_ptr<accord::tools::ExportReader> reader;
  if (auto s = accord::tools::ExportReader::Open(options.file, &reader); !s.ok()) {
    return Fail(s.ToString());
  }
  struct Sent {
    uint64_t first_position = 0;
    size_t entries = 0;
    size_t documents = 0;
  };
  std::map<uint64_t, Sent> in_flight;  // by request id
  uint64_t imported = 0;
  uint64_t documents = 0;
  uint64_t next_position = 0;
  std::string refusal;  // the first batch refused
  // One answer: counted, or kept as the refusal.
  auto receive = [&]() -> accord::core::Status {
    Response response;
    if (auto s = client.Receive(&response); !s.ok()) return s;
    auto sent = in_flight.find(response.request_id());
    if (sent == in_flight.end())
      return accord::core::Status::IOError("an answer to a request never sent");
    if (response.has_imported()) {
      imported += sent->second.entries;
      documents += sent->second.documents;
      next_position = std::max(next_position, response.imported().next_position());
    } else if (refusal.empty()) {
      refusal = fmt::format(
          "the batch of positions {} to {} was refused: {}", sent->second.first_position,
          sent->second.first_position + sent->second.entries - 1, Explain(response));
    }
    in_flight.erase(sent);
    return accord::core::Status::OK();
  };
  accord::tools::PipeOptions pipe;
  pipe.max_entries = options.batch_records;
  pipe.max_bytes = options.batch_bytes;
  accord::tools::PipeCounts counts;
  accord::core::Status s = accord::tools::PipeImport(
      *reader, pipe,
      [&](accord::tools::ImportBatch& batch) -> accord::core::Status {
        while (in_flight.size() >= options.window) {
          if (auto received = receive(); !received.ok()) return received;
        }
        // Stop sending once a batch was refused: what follows cannot fit.
        if (!refusal.empty()) return accord::core::Status::Corruption(refusal);
        Request request;
        auto* import = request.mutable_import_records();
        Sent sent{batch.first_position, batch.entries.size(), batch.documents.size()};
        for (auto& document : batch.documents) *import->add_documents() = std::move(document);
        for (auto& entry : batch.entries) *import->add_entries() = std::move(entry);
        if (size_t bytes = request.ByteSizeLong(); bytes > options.max_frame_bytes) {
          return accord::core::Status::InvalidArgument(fmt::format(
              "a batch from position {} takes {} bytes, over the frame limit of {} "
              "(--max-frame-bytes): "
              "a document or a record this large cannot travel in one frame; import the file on "
              "the server's machine (accord-local import) or raise accordd's --max-frame-bytes",
              batch.first_position, bytes, options.max_frame_bytes));
        }
        uint64_t id = 0;
        if (auto sent_ok = client.Send(&request, &id); !sent_ok.ok()) return sent_ok;
        in_flight.emplace(id, sent);
        return accord::core::Status::OK();
      },
      &counts);
  // The answers still owed, whatever stopped the sending.
  accord::core::Status drained;
  while (!in_flight.empty() && drained.ok()) drained = receive();
  if (!refusal.empty()) s = accord::core::Status::Corruption(refusal);
  if (s.ok()) s = drained;
  if (!s.ok()) {
    std::fprintf(stderr,
                 "accord: import stopped: %s\naccord: %llu records and %llu documents "
                 "of %s were imported\n",
                 s.ToString().c_str(), static_cast<unsigned long long>(imported),
                 static_cast<unsigned long long>(documents), options.file.c_str());
    return 1;
  }
  if (globals.json) {
    accord::v1::Imported answer;
    answer.set_next_position(next_position);
    answer.set_first_position(next_position - imported);
    answer.set_documents(static_cast<uint32_t>(documents));
    std::printf("%s\n", accord::app::ToJson(answer).c_str());
    return 0;
  }
  fmt::print(
      "imported {} events and {} documents ({}) in {} requests; the log's next position is {}\n",
      imported, documents, reader->binary() ? "binary" : "NDJSON", counts.batches, next_position);
  return 0;
}

// The events that match, one per line (Search: any role may ask).
int SearchLog(accord::net::Client& client, const Globals& globals, const SearchFlags& options) {
  Request request;
  auto* search = request.mutable_search();
  search->set_query(options.text);
  search->set_limit(options.limit);
  search->set_agreement_id(options.agreement);
  Response response;
  if (auto failed = Ask(client, std::move(request), &Response::has_search_results, &response)) {
    return *failed;
  }
  const accord::v1::SearchResults& results = response.search_results();
  if (globals.json) {
    std::printf("%s\n", accord::app::ToJson(results).c_str());
    return 0;
  }
  for (const auto& hit : results.hits()) {
    std::string_view type = hit.event_type();
    type.remove_prefix(std::min(type.size(), type.rfind('.') + 1));
    fmt::print("{:<6} {:<18} {:<20} {}: {}\n", hit.position(), hit.agreement_id(), type,
               hit.field(), accord::app::SnippetAsText(hit.snippet()));
  }
  if (results.hits().empty()) fmt::print(stderr, "no event matches\n");
  return 0;
}

// The agreements report, built by the server replaying the whole log
// (GetReport: loggers and auditors may ask for it).
int ReportFromServer(accord::net::Client& client, const Globals& options, bool csv) {
  Request request;
  request.mutable_get_report();
  Response response;
  if (auto s = client.Call(request, &response); !s.ok()) return Fail(s.ToString());
  if (!response.has_report()) return Fail(Explain(response));
  const accord::v1::AgreementsReport& report = response.report();
  if (options.json) {
    std::printf("%s\n", accord::app::ToJson(report).c_str());
  } else if (csv) {
    std::fputs(accord::app::RenderReportCsv(report).c_str(), stdout);
  } else {
    std::fputs(accord::app::RenderReportMarkdown(report).c_str(), stdout);
  }
  return 0;
}

// Prints the log (or one agreement) as it grows, until interrupted.
int Follow(accord::net::Client& client, const Globals& globals, const FollowFlags& options) {
  Request request;
  auto* subscribe = request.mutable_subscribe();
  if (!options.agreement.empty()) subscribe->set_stream_id(options.agreement);
  subscribe->set_from(options.from);
  for (const auto& type : options.types) subscribe->add_event_types(type);
  if (auto s = client.Send(&request); !s.ok()) return Fail(s.ToString());
  for (;;) {
    Response response;
    if (auto s = client.Receive(&response); !s.ok()) return Fail(s.ToString());
    if (!response.has_subscription()) return Fail(Explain(response));
    const auto& m = response.subscription();
    if (globals.json) {
      std::printf("%s\n", accord::app::ToJson(m).c_str());
    } else if (m.has_event()) {
      fmt::print("{:<18} {}", m.event().record().stream_id(),
                 accord::app::HistoryLine(m.event().record(), m.event().event()));
    } else if (m.has_caught_up()) {
      fmt::print("-- caught up at {}; following live\n", m.caught_up());
    } else if (m.has_dropped()) {
      return Fail("dropped: " + m.dropped());
    }
    std::fflush(stdout);
  }
}

// `accord sign --agreement ... --party-id cospar ...`: the flags after the
// subcommand are the milestone's fields (tools/milestone_flags.h).
int LogOne(const accord::tools::MilestoneCommand& milestone, const std::vector<std::string>& fields,
           const Globals& options) {
  auto command = accord::tools::BuildMilestoneCommand(milestone, fields);
  if (!command) {
    std::fprintf(stderr, "accord %s: %s (see accord %s --help)\n", milestone.name.c_str(),
                 command.error().c_str(), milestone.name.c_str());
    return 2;
  }
  std::unique_ptr<accord::net::Client> client;
  if (auto s = accord::net::Client::Connect(options.host, options.port, ConnectOptionsOf(options),
                                            &client);
      !s.ok()) {
    return Fail(s.ToString());
  }
  Request request;
  *request.mutable_log_milestone() = *command;
  Response response;
  if (auto s = client->Call(std::move(request), &response); !s.ok()) return Fail(s.ToString());
  if (!response.has_logged()) return Fail(Explain(response));
  if (options.json) {
    std::printf("%s\n", accord::app::ToJson(response.logged()).c_str());
  } else {
    fmt::print("{} v{} position {} event {} {}\n", command->agreement_id(),
               response.logged().version(), response.logged().position(), command->event_id(),
               response.logged().already_logged() ? "(already logged)" : "logged");
  }
  return 0;
}

// Connects, then runs `command` on the connection.
int Connected(const Globals& globals, const std::function<int(accord::net::Client&)>& command) {
  std::unique_ptr<accord::net::Client> client;
  if (auto s = accord::net::Client::Connect(globals.host, globals.port, ConnectOptionsOf(globals),
                                            &client);
      !s.ok()) {
    return Fail(s.ToString());
  }
  return command(*client);
}

// The usage text, with the milestone subcommands as the schema has them.
std::string Usage() {
  std::string usage = kUsage;
  std::string line = " ";
  const auto& milestones = accord::tools::MilestoneCommands();
  for (size_t i = 0; i < milestones.size(); ++i) {
    std::string word = " " + milestones[i].name + (i + 1 < milestones.size() ? "," : "");
    if (line.size() + word.size() > 78) {
      usage += line + "\n";
      line = " ";
    }
    line += word;
  }
  return usage + line + "\n";
}

CLI::Option* AddRecordedBefore(CLI::App* command, std::string* time) {
  return command
      ->add_option("--recorded-before", *time,
                   "as the log stood before this time (RFC 3339: 2024-09-01T00:00:00Z)")
      ->option_text("TIME");
}

CLI::Option* AddVerifierKey(CLI::App* command, std::string* key) {
  return command
      ->add_option("--vkey", *key,
                   "the server's verifier key you trust (default: the key it announces)")
      ->option_text("KEY");
}

}  // namespace

int main(int argc, char** argv) {
  Globals globals;
  const char* user = std::getenv("USER");
  globals.name = user != nullptr ? user : "accord";
  auto program = accord::tools::NewProgram("accord", Usage());
  program->add_option("--host", globals.host, "server address (127.0.0.1)")->option_text("H");
  program->add_option("--port", globals.port, fmt::format("server port ({})", globals.port))
      ->option_text("P");
  program
      ->add_option("--as", globals.name,
                   "a name for the server's logs (the token says who you are)")
      ->option_text("NAME");
  program->add_option("--token", globals.token, "your token (default: $ACCORD_TOKEN)")
      ->envname("ACCORD_TOKEN")
      ->option_text("T");
  program
      ->add_option("--tls-ca", globals.tls_ca,
                   "speak TLS, trusting the server's certificate if this CA (PEM) signed it")
      ->option_text("FILE");
  program->add_flag("--json", globals.json, "print protobuf JSON, one message per line");

  // The chosen command, set by its callback during the parse.
  std::function<int()> run;
  auto command = [&](const char* name, const char* summary,
                     std::function<int(accord::net::Client&)> body) {
    CLI::App* app = accord::tools::AddCommand(*program, name, summary);
    app->callback([&run, &globals, body = std::move(body)] {
      run = [&globals, body] { return Connected(globals, body); };
    });
    return app;
  };

  std::vector<std::string> files;
  size_t window = 128;
  CLI::App* log_command =
      command("log",
              "log each line of each NDJSON file: each agreement's lines in order, several "
              "agreements at once",
              [&](auto& client) { return LogFiles(client, globals, files, window); });
  log_command->add_option("FILE", files, "an NDJSON file of accord.v1.Command, one per line")
      ->required();
  log_command
      ->add_option("--window", window,
                   "commands in flight at once, on different agreements (1: one after another)")
      ->check(CLI::Range(size_t{1}, size_t{1024}));

  std::string history;
  command("history", "every event of the agreement in log order",
          [&](auto& client) { return History(client, globals, history); })
      ->add_option("AGREEMENT", history, "the agreement's id")
      ->required();

  ShowFlags show;
  CLI::App* show_command =
      command("show", "the agreement's stage, parties, commitments and planned milestones",
              [&](auto& client) { return Show(client, globals, show); });
  show_command->add_option("AGREEMENT", show.agreement, "the agreement's id")->required();
  AddRecordedBefore(show_command, &show.recorded_before);
  accord::tools::ReadsCalendarDay(
      show_command
          ->add_option(
              "--true-on", show.true_on,
              "what held on this day (2024-08-01, 1 August 2024), by effective dates, with "
              "corrections known now")
          ->option_text("DAY"));

  ListFlags list;
  CLI::App* list_command = command("list", "agreements in id order",
                                   [&](auto& client) { return List(client, globals, list); });
  list_command->add_option("--stage", list.stage, "only agreements at this stage")
      ->option_text("S");
  list_command->add_option("--party", list.party, "only agreements with this party")
      ->option_text("P");

  TimelineFlags timeline;
  CLI::App* timeline_command =
      command("timeline", "the agreement's milestones by when they happened",
              [&](auto& client) { return ShowTimeline(client, globals, timeline); });
  timeline_command->add_option("AGREEMENT", timeline.agreement, "the agreement's id")->required();
  AddRecordedBefore(timeline_command, &timeline.recorded_before);

  command("health", "the log position, connections and writes of the server",
          [&](auto& client) { return ShowHealth(client, globals); });

  FollowFlags follow;
  CLI::App* follow_command = command(
      "follow", "the log (or one agreement) from --from, then each new event, until interrupted",
      [&](auto& client) { return Follow(client, globals, follow); });
  follow_command->add_option("AGREEMENT", follow.agreement, "only this agreement");
  follow_command
      ->add_option("--from", follow.from,
                   "the position (or, with an agreement, the version) to start at (0)")
      ->option_text("N");
  follow_command
      ->add_option("--type", follow.types,
                   "only events of this type (repeatable), e.g. accord.v1.AgreementSigned")
      ->allow_extra_args(false)
      ->option_text("T");

  VerifyFlags verify;
  CLI::App* verify_command =
      command("verify",
              "have the server check the hash chain and every index; with --since, check here that "
              "the log extends a saved checkpoint",
              [&](auto& client) { return VerifyLog(client, globals, verify); });
  CLI::Option* since =
      verify_command
          ->add_option(
              "--since", verify.since,
              "check, with a consistency proof, that the log extends this saved checkpoint")
          ->option_text("FILE");
  verify_command->add_option("--save", verify.save, "save the new checkpoint here")
      ->option_text("FILE")
      ->needs(since);
  AddVerifierKey(verify_command, &verify.vkey)->needs(since);

  std::string backup;
  command("backup", "a consistent copy of the running server's store into a new directory",
          [&](auto& client) { return BackupStore(client, globals, backup); })
      ->add_option("DIR", backup, "a new directory on the server's machine")
      ->required();

  ImportFlags import;
  CLI::App* import_command =
      command("import", "append an export's records exactly as they were stored (admins)",
              [&](auto& client) { return ImportFile(client, globals, import); });
  import_command->add_option("FILE", import.file, "an export (accord-local export [--binary])")
      ->required();
  import_command
      ->add_option("--window", import.window,
                   "requests in flight at once (4; the server writes them in order)")
      ->check(CLI::Range(size_t{1}, size_t{64}))
      ->option_text("N");
  import_command->add_option("--batch-records", import.batch_records, "records per request (8192)")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20))
      ->option_text("N");
  import_command
      ->add_option("--batch-bytes", import.batch_bytes,
                   "record and document bytes per request, about (3 MiB)")
      ->check(CLI::Range(size_t{1}, size_t{1} << 30))
      ->option_text("N");
  import_command
      ->add_option("--max-frame-bytes", import.max_frame_bytes,
                   "the server's frame limit (accordd --max-frame-bytes; 4 MiB)")
      ->option_text("N");

  SearchFlags search;
  CLI::App* search_command =
      command("search", "the events whose words match, best first",
              [&](auto& client) { return SearchLog(client, globals, search); });
  search_command
      ->add_option("TEXT", search.text,
                   "words (each must match), \"a phrase\", prefix* (at most 500 characters)")
      ->required();
  search_command->add_option("--limit", search.limit, "at most this many hits (20; at most 100)")
      ->option_text("N");
  search_command->add_option("--agreement", search.agreement, "only this agreement's events")
      ->option_text("ID");

  bool csv = false;
  command("report", "the agreements report, built by replaying the log", [&](auto& client) {
    return ReportFromServer(client, globals, csv);
  })->add_flag("--csv", csv, "CSV instead of Markdown");

  CheckpointFlags checkpoint;
  CLI::App* checkpoint_command =
      command("checkpoint", "the log's size and Merkle root, signed by the server",
              [&](auto& client) { return GetCheckpoint(client, globals, checkpoint); });
  AddVerifierKey(checkpoint_command, &checkpoint.vkey);
  checkpoint_command->add_option("--out", checkpoint.out, "save it to this file")
      ->option_text("FILE");

  ProveFlags prove;
  CLI::App* prove_command =
      command("prove", "check, with an inclusion proof, that the event is in the log",
              [&](auto& client) { return Prove(client, globals, prove); });
  prove_command->add_option("EVENT_ID", prove.event_id, "the event's id")->required();
  prove_command
      ->add_option("--checkpoint", prove.checkpoint,
                   "prove against this saved checkpoint's log (default: the log now)")
      ->option_text("FILE");
  AddVerifierKey(prove_command, &prove.vkey);

  AttachFlags attach;
  CLI::App* attach_command =
      command("attach", "attach a file to an agreement: stored by its SHA-256, recorded in the log",
              [&](auto& client) { return Attach(client, globals, attach); });
  attach_command->add_option("FILE", attach.file, "the file")->required();
  attach_command->add_option("--agreement", attach.agreement, "the agreement's id")
      ->option_text("ID")
      ->required();
  attach_command
      ->add_option("--event", attach.event,
                   "the agreement's event the file belongs to (default: the agreement)")
      ->option_text("EVENT_ID");
  attach_command->add_option("--name", attach.name, "the document's name (default: the file's)")
      ->option_text("N");
  attach_command
      ->add_option("--type", attach.type,
                   "its media type (default: from the file's extension, application/pdf)")
      ->option_text("T");
  attach_command->add_option("--note", attach.note, "a note on it")->option_text("N");
  attach_command
      ->add_option("--event-id", attach.event_id,
                   "the new event's id (default: a new one); the same id again is a retry")
      ->option_text("UUID");

  CheckFileFlags check_file;
  CLI::App* check_file_command =
      command("check-file", "whether a file is exactly a recorded document, proved here",
              [&](auto& client) { return CheckFile(client, globals, check_file); });
  check_file_command->add_option("FILE", check_file.file, "the file to check")->required();
  check_file_command
      ->add_option("--vkey", check_file.vkey,
                   "the server's verifier key you trust (accordd prints it)")
      ->option_text("KEY")
      ->required();
  check_file_command
      ->add_option("--checkpoint", check_file.checkpoint,
                   "prove against this saved checkpoint's log (default: the log now)")
      ->option_text("FILE");

  std::vector<std::string> fields;
  for (const auto& milestone : accord::tools::MilestoneCommands()) {
    accord::tools::AddPassThroughCommand(*program, milestone.name, milestone.summary, [&milestone] {
      return accord::tools::MilestoneHelp(milestone);
    })->callback([&run, &milestone, &fields, &globals] {
      run = [&milestone, &fields, &globals] { return LogOne(milestone, fields, globals); };
    });
  }

  if (auto done = accord::tools::ParseCommandLine(*program, argc, argv, &fields)) return *done;
  return run();
}
