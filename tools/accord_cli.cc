// accord: the command-line client of an accordd server.
//
//   accord [--host H] [--port P] [--as NAME] log FILE.ndjson...
//   accord [--host H] [--port P] show AGREEMENT | list | history AGREEMENT [--json]
//
// Exits non-zero, with the server's sentence, on any refusal or error.
#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include "core/event_types.h"
#include "core/fuzzy_date.h"
#include "core/report.h"
#include "net/client.h"
#include "net/server.h"
#include "core/hash.h"
#include "tools/cli.h"
#include "tools/milestone_flags.h"
#include "core/proof_check.h"
#include "tools/render.h"

namespace {

namespace po = boost::program_options;
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
  report              the agreements report, built by replaying the log through a
                      subscription (Markdown; --csv, --json)
  backup DIR          a consistent copy of the running server's store into DIR (a
                      new directory on the server's machine); to restore, serve
                      DIR as the data folder
--json prints protobuf's JSON mapping, one message per line.

logging one milestone (accord COMMAND --help lists its flags, from the schema):
  propose, visit, agree, sign, meet, schedule, consent, category,
  withdraw-party, condition, withdraw, terminate, note, correct
)";

struct Options {
  std::string host;
  uint16_t port = accord::net::kDefaultPort;
  std::string name;
  bool json = false;
  bool csv = false;
  std::string stage;
  std::string party;
  uint64_t from = 0;
  std::vector<std::string> types;
  std::string recorded_before;
  std::string true_on;
  std::string token;
  std::string tls_ca;
  std::string vkey;
  std::string since;
  std::string save;
  std::string out;
  std::string checkpoint;
  std::string command;
  std::vector<std::string> args;
};

accord::net::ConnectOptions ConnectOptionsOf(const Options& options) {
  return accord::net::ConnectOptions{options.name, options.token, options.tls_ca};
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

int LogFiles(accord::net::Client& client, const Options& options) {
  if (options.args.empty()) return Fail("log needs at least one file");
  bool connection_lost = false;
  int failures = accord::tools::ForEachCommand(
      options.args, [&](const accord::v1::Command& command) -> std::optional<std::string> {
        if (connection_lost) return "not sent: the connection was lost";
        Request request;
        *request.mutable_log_milestone() = command;
        Response response;
        if (auto s = client.Call(std::move(request), &response); !s.ok()) {
          connection_lost = true;
          return s.ToString();
        }
        if (!response.has_logged()) return Explain(response);
        if (options.json) {
          std::printf("%s\n", accord::tools::ToJson(response.logged()).c_str());
        } else {
          fmt::print("{:<18} v{:<3} position {:<5} {:<36} {}\n", command.agreement_id(),
                     response.logged().version(), response.logged().position(),
                     accord::core::EventTypeName(command.milestone()),
                     response.logged().already_logged() ? "(already logged)" : "logged");
        }
        return std::nullopt;
      });
  return failures == 0 ? 0 : 1;
}

int History(accord::net::Client& client, const Options& options) {
  if (options.args.size() != 1) return Fail("history needs one agreement id");
  uint64_t from = 0;
  size_t shown = 0;
  for (;;) {
    Request request;
    request.mutable_read_stream()->set_stream_id(options.args[0]);
    request.mutable_read_stream()->set_from_version(from);
    Response response;
    if (auto failed = Ask(client, std::move(request), &Response::has_page, &response)) {
      return *failed;
    }
    for (const auto& view : response.page().events()) {
      ++shown;
      if (options.json) {
        std::printf("%s\n", accord::tools::ToJson(view).c_str());
      } else {
        std::fputs(accord::tools::HistoryLine(view.record(), view.event()).c_str(), stdout);
      }
    }
    if (response.page().end_of_data()) break;
    from = response.page().next();
  }
  if (shown == 0) return Fail("no agreement '" + options.args[0] + "'");
  return 0;
}

int Show(accord::net::Client& client, const Options& options) {
  if (options.args.size() != 1) return Fail("show needs one agreement id");
  Request request;
  request.mutable_get_agreement()->set_agreement_id(options.args[0]);
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
  if (options.json) {
    std::printf("%s\n", accord::tools::ToJson(response.agreement()).c_str());
  } else {
    std::fputs(accord::tools::RenderSummary(response.agreement()).c_str(), stdout);
  }
  return 0;
}

int List(accord::net::Client& client, const Options& options) {
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
      if (options.json) {
        std::printf("%s\n", accord::tools::ToJson(summary).c_str());
      } else {
        std::fputs(accord::tools::RenderListLine(summary).c_str(), stdout);
      }
    }
    if (response.agreements().end_of_data()) return 0;
    after = response.agreements().next_after();
  }
}

int ShowTimeline(accord::net::Client& client, const Options& options) {
  if (options.args.size() != 1) return Fail("timeline needs one agreement id");
  Request request;
  request.mutable_get_timeline()->set_agreement_id(options.args[0]);
  if (!options.recorded_before.empty() &&
      !google::protobuf::util::TimeUtil::FromString(
          options.recorded_before, request.mutable_get_timeline()->mutable_recorded_before())) {
    return Fail("--recorded-before takes an RFC 3339 time, e.g. 2024-09-01T00:00:00Z");
  }
  Response response;
  if (auto failed = Ask(client, std::move(request), &Response::has_timeline, &response)) {
    return *failed;
  }
  if (options.json) {
    for (const auto& entry : response.timeline().entries()) {
      std::printf("%s\n", accord::tools::ToJson(entry).c_str());
    }
  } else {
    std::fputs(accord::tools::RenderTimeline(response.timeline()).c_str(), stdout);
  }
  return 0;
}

int ShowHealth(accord::net::Client& client, const Options& options) {
  Request request;
  request.mutable_get_health();
  Response response;
  if (auto failed = Ask(client, std::move(request), &Response::has_health, &response)) {
    return *failed;
  }
  const auto& h = response.health();
  if (options.json) {
    std::printf("%s\n", accord::tools::ToJson(h).c_str());
  } else {
    fmt::print(
        "log position {}, {} connection(s), {} subscription(s), {} events in {} synced writes "
        "since start\n",
        h.log_position(), h.connections(), h.subscriptions(), h.events_written(),
        h.group_commits());
    for (const auto& p : h.projections()) {
      fmt::print("projection {}: at position {}, {} behind\n", p.name(), p.checkpoint(), p.lag());
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
void NoteUnpinnedKey(const Options& options, const std::string& announced) {
  if (options.vkey.empty()) {
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

int GetCheckpoint(accord::net::Client& client, const Options& options) {
  Request request;
  request.mutable_get_checkpoint();
  Response response;
  if (auto failed = Ask(client, std::move(request), &Response::has_checkpoint, &response)) {
    return *failed;
  }
  auto checked = accord::core::CheckSignedCheckpoint(response.checkpoint(), options.vkey);
  if (!checked) return Fail(checked.error());
  NoteUnpinnedKey(options, response.checkpoint().verifier_key());
  if (options.json) {
    std::printf("%s\n", accord::tools::ToJson(response.checkpoint()).c_str());
  } else {
    std::fputs(response.checkpoint().note().c_str(), stdout);
  }
  if (!options.out.empty()) return SaveCheckpoint(options.out, response.checkpoint());
  return 0;
}

// Checks that the log extends a checkpoint saved earlier.
int VerifySince(accord::net::Client& client, const Options& options) {
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
  NoteUnpinnedKey(options, response.consistency_proof().checkpoint().verifier_key());
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

int Prove(accord::net::Client& client, const Options& options) {
  if (options.args.size() != 1) return Fail("prove needs one event id");
  Request request;
  auto* get = request.mutable_get_inclusion_proof();
  get->set_event_id(options.args[0]);
  std::optional<accord::core::Checkpoint> pinned;
  if (!options.checkpoint.empty()) {
    std::optional<std::string> note = ReadWholeFile(options.checkpoint);
    if (!note) return Fail("cannot read " + options.checkpoint);
    // Opened with the pinned key, or, without one, after the server's
    // answer, with the key it announces.
    auto body = accord::core::ParseCheckpointBody(note->substr(0, note->rfind("\n\n") + 1));
    if (!body) return Fail(options.checkpoint + ": " + body.error());
    get->set_tree_size(body->size);
  }
  Response response;
  if (auto failed = Ask(client, std::move(request), &Response::has_inclusion_proof, &response)) {
    return *failed;
  }
  const auto& proof = response.inclusion_proof();
  std::string key = options.vkey.empty() ? proof.checkpoint().verifier_key() : options.vkey;
  if (!options.checkpoint.empty()) {
    auto held = accord::core::OpenCheckpoint(*ReadWholeFile(options.checkpoint), key);
    if (!held) return Fail(options.checkpoint + ": " + held.error());
    if (held->root_hash != proof.checkpoint().root_hash() ||
        held->size != proof.checkpoint().size()) {
      return Fail(fmt::format(
          "NOT PROVED: the server's log of {} records has another root than your checkpoint: its "
          "history was rewritten or forked",
          held->size));
    }
  }
  NoteUnpinnedKey(options, proof.checkpoint().verifier_key());
  auto record = accord::core::CheckInclusion(proof, key, options.args[0]);
  if (!record) return Fail("NOT PROVED: " + record.error());
  if (options.json) {
    std::printf("%s\n", accord::tools::ToJson(proof).c_str());
    return 0;
  }
  fmt::print(
      "proved: event {} ({} of {}, version {}, recorded {} by {}) is record {} of the log of {} "
      "records with root {}\n",
      record->event_id(), record->event_type(), record->stream_id(), record->stream_version(),
      google::protobuf::util::TimeUtil::ToString(record->recorded_at()), record->actor(),
      record->position(), proof.checkpoint().size(),
      accord::core::HexEncode(proof.checkpoint().root_hash()));
  fmt::print("record hash {}; {} proof hashes checked\n",
             accord::core::HexEncode(accord::core::Sha256(proof.leaf())), proof.hashes_size());
  return 0;
}

int VerifyLog(accord::net::Client& client, const Options& options) {
  if (!options.since.empty()) return VerifySince(client, options);
  Request request;
  request.mutable_verify_log();
  Response response;
  if (auto failed = Ask(client, std::move(request), &Response::has_verified, &response)) {
    return *failed;
  }
  if (options.json) {
    std::printf("%s\n", accord::tools::ToJson(response.verified()).c_str());
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

int BackupStore(accord::net::Client& client, const Options& options) {
  if (options.args.size() != 1) return Fail("backup needs a directory on the server's machine");
  Request request;
  request.mutable_backup()->set_directory(options.args[0]);
  Response response;
  if (auto failed = Ask(client, std::move(request), &Response::has_backed_up, &response)) {
    return *failed;
  }
  fmt::print("backed up to {} (log position {} at least)\n", response.backed_up().directory(),
             response.backed_up().log_position());
  return 0;
}

// The agreements report, built by the server replaying the whole log
// (GetReport: loggers and auditors may ask for it).
int ReportFromServer(accord::net::Client& client, const Options& options) {
  Request request;
  request.mutable_get_report();
  Response response;
  if (auto s = client.Call(request, &response); !s.ok()) return Fail(s.ToString());
  if (!response.has_report()) return Fail(Explain(response));
  const accord::v1::AgreementsReport& report = response.report();
  if (options.json) {
    std::printf("%s\n", accord::tools::ToJson(report).c_str());
  } else if (options.csv) {
    std::fputs(accord::tools::RenderReportCsv(report).c_str(), stdout);
  } else {
    std::fputs(accord::tools::RenderReportMarkdown(report).c_str(), stdout);
  }
  return 0;
}

// Prints the log (or one agreement) as it grows, until interrupted.
int Follow(accord::net::Client& client, const Options& options) {
  if (options.args.size() > 1) return Fail("follow takes at most one agreement id");
  Request request;
  auto* subscribe = request.mutable_subscribe();
  if (!options.args.empty()) subscribe->set_stream_id(options.args[0]);
  subscribe->set_from(options.from);
  for (const auto& type : options.types) subscribe->add_event_types(type);
  if (auto s = client.Send(&request); !s.ok()) return Fail(s.ToString());
  for (;;) {
    Response response;
    if (auto s = client.Receive(&response); !s.ok()) return Fail(s.ToString());
    if (!response.has_subscription()) return Fail(Explain(response));
    const auto& m = response.subscription();
    if (options.json) {
      std::printf("%s\n", accord::tools::ToJson(m).c_str());
    } else if (m.has_event()) {
      fmt::print("{:<18} {}", m.event().record().stream_id(),
                 accord::tools::HistoryLine(m.event().record(), m.event().event()));
    } else if (m.has_caught_up()) {
      fmt::print("-- caught up at {}; following live\n", m.caught_up());
    } else if (m.has_dropped()) {
      return Fail("dropped: " + m.dropped());
    }
    std::fflush(stdout);
  }
}

}  // namespace

// `accord sign --agreement ... --party-id cospar ...`: the flags after the
// subcommand are the milestone's fields (tools/milestone_flags.h).
int LogOne(const accord::tools::MilestoneCommand& milestone, std::vector<std::string> args,
           Options options) {
  std::vector<std::string> fields;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      std::cout << accord::tools::MilestoneHelp(milestone);
      return 0;
    }
    if (args[i] == "--json") {
      options.json = true;
      continue;
    }
    fields.push_back(args[i]);
  }
  auto command = accord::tools::BuildMilestoneCommand(milestone, fields);
  if (!command) return Fail(command.error() + " (see accord " + milestone.name + " --help)");
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
    std::printf("%s\n", accord::tools::ToJson(response.logged()).c_str());
  } else {
    fmt::print("{} v{} position {} event {} {}\n", command->agreement_id(),
               response.logged().version(), response.logged().position(), command->event_id(),
               response.logged().already_logged() ? "(already logged)" : "logged");
  }
  return 0;
}

// Finds a milestone subcommand: the first word that is not a global option
// or its value.
int FindMilestone(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string token = argv[i];
    if (token == "--host" || token == "--port" || token == "--as" || token == "--token" ||
        token == "--tls-ca") {
      ++i;
      continue;
    }
    if (token.starts_with("-")) continue;
    return accord::tools::FindMilestoneCommand(token) != nullptr ? i : 0;
  }
  return 0;
}

int main(int argc, char** argv) {
  Options options;
  if (const char* token = std::getenv("ACCORD_TOKEN"); token != nullptr) options.token = token;
  if (int at = FindMilestone(argc, argv); at > 0) {
    namespace po_cmd = boost::program_options;
    po_cmd::options_description globals;
    const char* user_name = std::getenv("USER");
    globals.add_options()("host", po_cmd::value(&options.host)->default_value("127.0.0.1"))(
        "port", po_cmd::value(&options.port)->default_value(accord::net::kDefaultPort))(
        "as", po_cmd::value(&options.name)->default_value(user_name ? user_name : "accord"))(
        "token", po_cmd::value(&options.token))("tls-ca", po_cmd::value(&options.tls_ca));
    try {
      po_cmd::variables_map vm;
      po_cmd::store(po_cmd::parse_command_line(at, argv, globals), vm);
      po_cmd::notify(vm);
    } catch (const po_cmd::error& e) {
      return Fail(std::string(e.what()) + " (see --help)");
    }
    return LogOne(*accord::tools::FindMilestoneCommand(argv[at]),
                  std::vector<std::string>(argv + at + 1, argv + argc), options);
  }
  const char* user = std::getenv("USER");
  po::options_description flags("options");
  flags.add_options()("help,h", "show this help")(
      "host", po::value(&options.host)->default_value("127.0.0.1"), "server address")(
      "port", po::value(&options.port)->default_value(accord::net::kDefaultPort), "server port")(
      "as", po::value(&options.name)->default_value(user ? user : "accord"),
      "a name for the server's logs (the token says who you are)")(
      "token", po::value(&options.token), "your token (default: $ACCORD_TOKEN)")(
      "tls-ca", po::value(&options.tls_ca),
      "speak TLS, trusting the server's certificate if this CA (PEM) signed it")(
      "json", po::bool_switch(&options.json), "print protobuf JSON, one message per line")(
      "csv", po::bool_switch(&options.csv), "report: CSV instead of Markdown")(
      "stage", po::value(&options.stage), "list: only agreements at this stage")(
      "party", po::value(&options.party), "list: only agreements with this party")(
      "from", po::value(&options.from)->default_value(0),
      "follow: the position (or, with an agreement, the version) to start at")(
      "type", po::value(&options.types)->composing(),
      "follow: only events of this type (repeatable), e.g. accord.v1.AgreementSigned")(
      "recorded-before", po::value(&options.recorded_before),
      "show, timeline: as the log stood before this time (RFC 3339)")(
      "true-on", po::value(&options.true_on),
      "show: what held on this day (2024-08-01, 1 August 2024), by effective dates, with "
      "corrections known now")(
      "vkey", po::value(&options.vkey),
      "checkpoint, verify --since, prove: the server's verifier key you trust")(
      "since", po::value(&options.since), "verify: check consistency with this saved checkpoint")(
      "save", po::value(&options.save), "verify --since: save the new checkpoint here")(
      "out", po::value(&options.out), "checkpoint: save it to this file")(
      "checkpoint", po::value(&options.checkpoint),
      "prove: prove against this saved checkpoint's log");
  if (auto done = accord::tools::ParseCommandLine(argc, argv, flags, "accord", kUsage,
                                                  &options.command, &options.args)) {
    return *done;
  }
  static const std::map<std::string, int (*)(accord::net::Client&, const Options&)> kCommands = {
      {"log", LogFiles},
      {"history", History},
      {"show", Show},
      {"list", List},
      {"timeline", ShowTimeline},
      {"health", ShowHealth},
      {"follow", Follow},
      {"verify", VerifyLog},
      {"backup", BackupStore},
      {"report", ReportFromServer},
      {"checkpoint", GetCheckpoint},
      {"prove", Prove}};
  auto command = kCommands.find(options.command);
  if (command == kCommands.end()) {
    return Fail("unknown command '" + options.command + "' (see --help)");
  }
  std::unique_ptr<accord::net::Client> client;
  if (auto s = accord::net::Client::Connect(options.host, options.port, ConnectOptionsOf(options),
                                            &client);
      !s.ok()) {
    return Fail(s.ToString());
  }
  return command->second(*client, options);
}
