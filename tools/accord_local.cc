// accord-local: logs and reads agreements in a data folder on this machine,
// with no server. It goes through the same lifecycle rules and store as the
// server: what it logs, the server will read, and the reverse.
//
//   accord-local --data DIR load FILE.ndjson...   log commands, one per line
//   accord-local --data DIR show AGREEMENT        status, parties, milestones
//   accord-local --data DIR history AGREEMENT     every event, in log order
//   accord-local --data DIR verify                check the chain and indexes
//   accord-local salvage DAMAGED NEW             copy what is intact, say what is lost
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "app/agreement_index.h"
#include "app/command_handler.h"
#include "core/core.h"
#include "core/report.h"
#include "core/hash.h"
#include "store/event_store.h"
#include "tools/audit_page.h"
#include "tools/cli.h"
#include "tools/render.h"

namespace {

namespace po = boost::program_options;
using accord::core::Day;

constexpr char kUsage[] = R"(usage: accord-local [--data DIR] [--actor NAME] COMMAND [ARGS]

Logs and reads agreements in a data folder, without a server.

commands:
  load FILE...        log each line of each NDJSON file (an accord.v1.Command in
                      protobuf's JSON mapping), in order; a line already logged
                      is reported and skipped
  show AGREEMENT      stage, parties, commitments, planned milestones
  history AGREEMENT   every event in log order: when it happened, when it was
                      recorded and by whom (--json: one accord.v1.RecordedEvent
                      per line)
  verify              recompute the hash chain and check every index
  audit AGREEMENT     the audit report: every event with its envelope, content,
                      corrections and hash, and the log's verification, as
                      Markdown (--json: protobuf's JSON mapping; --html: a
                      self-contained page with an SVG timeline of its milestones)
  report              the agreements report built by replaying the whole log:
                      pipeline by stage, cycle times, overdue milestones, open
                      commitments by party, conventions' parties (Markdown;
                      --csv, --json)
  export [AGREEMENT]  every stored record (or one agreement's) as NDJSON, one
                      accord.v1.EventRecord per line with its payload and hash
  import FILE         append an export's records exactly as they were stored
                      (same positions and hashes), into an empty data folder
                      or one the export continues
  salvage DAMAGED NEW for a data folder that refuses to open because it is
                      damaged, once you accept the loss: copies the intact,
                      chain-verified prefix of its log into a new data folder
                      NEW and prints exactly which positions were lost (and
                      which later records were readable but could not be
                      kept). DAMAGED is only read.
)";

struct Options {
  std::string data;
  std::string actor;
  bool json = false;
  bool csv = false;
  bool html = false;
  std::string today;
  std::optional<Day> today_day;  // --today, read
  std::string command;
  std::vector<std::string> args;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "accord-local: %s\n", message.c_str());
  return 1;
}

int Load(accord::app::CommandHandler& handler, const Options& options) {
  if (options.args.empty()) return Fail("load needs at least one file");
  int failures = accord::tools::ForEachCommand(
      options.args, [&](const accord::v1::Command& command) -> std::optional<std::string> {
        auto logged = handler.Log(command, options.actor);
        if (!logged) return "refused: " + logged.error().Message();
        fmt::print("{:<18} v{:<3} position {:<5} {:<36} {}\n", command.agreement_id(),
                   logged->version, logged->position,
                   accord::core::EventTypeName(command.milestone()),
                   logged->already_stored ? "(already logged)" : "logged");
        return std::nullopt;
      });
  return failures == 0 ? 0 : 1;
}

Day Today(const Options& options) {
  if (options.today_day) return *options.today_day;
  return std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
}

int Show(accord::app::CommandHandler& handler, const Options& options) {
  if (options.args.size() != 1) return Fail("show needs one agreement id");
  accord::app::LoadedAgreement loaded;
  accord::core::Status s = handler.Load(options.args[0], &loaded);
  if (!s.ok()) return Fail(s.ToString());
  if (loaded.event_count == 0) return Fail("no agreement '" + options.args[0] + "'");
  accord::v1::AgreementSummary summary =
      accord::core::Summarize(loaded.state, loaded.event_count - 1, Today(options));
  if (options.json) {
    std::printf("%s\n", accord::tools::ToJson(summary).c_str());
  } else {
    std::fputs(accord::tools::RenderSummary(summary).c_str(), stdout);
  }
  return 0;
}

int History(accord::store::EventStore& store, const Options& options) {
  if (options.args.size() != 1) return Fail("history needs one agreement id");
  accord::store::ReadPage page;
  uint64_t from = 0;
  size_t shown = 0;
  do {
    accord::core::Status s = store.ReadStreamForward(options.args[0], from, 0, &page);
    if (!s.ok()) return Fail(s.ToString());
    for (const auto& record : page.records) {
      auto event =
          accord::core::DecodeEvent(record.event_type(), record.schema_version(), record.payload());
      if (!event) return Fail(fmt::format("position {}: {}", record.position(), event.error()));
      ++shown;
      if (options.json) {
        accord::v1::RecordedEvent view;
        *view.mutable_record() = record;
        view.mutable_record()->clear_payload();
        *view.mutable_event() = *event;
        std::printf("%s\n", accord::tools::ToJson(view).c_str());
        continue;
      }
      std::fputs(accord::tools::HistoryLine(record, *event).c_str(), stdout);
    }
    from = page.next;
  } while (!page.end_of_data);
  if (shown == 0) return Fail("no agreement '" + options.args[0] + "'");
  return 0;
}

// One accord.v1.EventRecord per line, in protobuf's JSON mapping, with its
// payload and hash: what Import takes back.
int Export(accord::store::EventStore& store, const Options& options) {
  if (options.args.size() > 1) return Fail("export takes at most one agreement id");
  accord::store::ReadPage page;
  uint64_t from = 0;
  do {
    accord::core::Status s = options.args.empty()
                                 ? store.ReadAll(from, 0, &page)
                                 : store.ReadStreamForward(options.args[0], from, 0, &page);
    if (!s.ok()) return Fail(s.ToString());
    for (const auto& record : page.records) {
      std::printf("%s\n", accord::tools::ToJson(record).c_str());
    }
    from = page.next;
  } while (!page.end_of_data);
  return 0;
}

int Import(accord::store::EventStore& store, const Options& options) {
  if (options.args.size() != 1) return Fail("import needs one export file");
  std::ifstream in(options.args[0]);
  if (!in) return Fail("cannot read " + options.args[0]);
  constexpr size_t kBatch = 1000;
  std::vector<accord::v1::EventRecord> batch;
  uint64_t imported = 0;
  auto flush = [&]() -> bool {
    if (batch.empty()) return true;
    accord::core::Status s = store.Import(batch);
    if (!s.ok()) {
      std::fprintf(stderr, "accord-local: import stopped: %s\n", s.ToString().c_str());
      return false;
    }
    imported += batch.size();
    batch.clear();
    return true;
  };
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    accord::v1::EventRecord record;
    auto parsed = google::protobuf::util::JsonStringToMessage(line, &record);
    if (!parsed.ok()) {
      return Fail(fmt::format("{}:{}: not a record: {}", options.args[0], number,
                              std::string(parsed.message())));
    }
    batch.push_back(std::move(record));
    if (batch.size() == kBatch && !flush()) return 1;
  }
  if (!flush()) return 1;
  std::printf("imported %llu events; head hash %s\n", static_cast<unsigned long long>(imported),
              accord::core::HexEncode(store.Head().last_hash).c_str());
  return 0;
}

// The audit report: every event of the agreement with the verification of
// The store's own checks (chain, Merkle tree, indexes), then the agreement
// index projection against the log.
accord::core::Status VerifyAll(accord::store::EventStore& store,
                               accord::store::VerifyReport* report, uint64_t* indexed) {
  accord::core::Status s = store.Verify(report);
  if (s.ok()) s = accord::app::AgreementIndex(&store).Verify(indexed);
  return s;
}

// the whole log, as Markdown (or JSON).
int Audit(accord::store::EventStore& store, const Options& options) {
  if (options.args.size() != 1) return Fail("audit needs one agreement id");
  std::vector<accord::v1::RecordedEvent> events;
  accord::store::ReadPage page;
  uint64_t from = 0;
  do {
    accord::core::Status s = store.ReadStreamForward(options.args[0], from, 0, &page);
    if (!s.ok()) return Fail(s.ToString());
    for (auto& record : page.records) {
      auto event =
          accord::core::DecodeEvent(record.event_type(), record.schema_version(), record.payload());
      if (!event) return Fail(fmt::format("position {}: {}", record.position(), event.error()));
      auto& view = events.emplace_back();
      *view.mutable_record() = std::move(record);
      *view.mutable_event() = std::move(event.value());
    }
    from = page.next;
  } while (!page.end_of_data);
  if (events.empty()) return Fail("no agreement '" + options.args[0] + "'");
  accord::v1::AuditReport report = accord::core::BuildAuditReport(options.args[0], events);
  accord::store::VerifyReport verified;
  uint64_t indexed = 0;
  accord::core::Status s = VerifyAll(store, &verified, &indexed);
  report.set_log_verified(s.ok());
  report.set_verification(
      s.ok() ? "the hash chain, the Merkle tree and every index agree with the log" : s.ToString());
  report.set_log_records(verified.records);
  report.set_log_head_hash(verified.head_hash);
  if (options.json) {
    std::printf("%s\n", accord::tools::ToJson(report).c_str());
  } else if (options.html) {
    accord::core::AgreementState state =
        accord::core::Fold(options.args[0], accord::core::ToAgreementEvents(events));
    std::fputs(accord::tools::RenderAuditHtml(
                   report, accord::core::BuildTimeline(options.args[0], events),
                   accord::core::Summarize(state, events.size() - 1, Today(options)))
                   .c_str(),
               stdout);
  } else {
    std::fputs(accord::tools::RenderAuditMarkdown(report).c_str(), stdout);
  }
  return s.ok() ? 0 : 1;
}

// The agreements report, built by replaying the whole log from position 0.
int Report(accord::store::EventStore& store, const Options& options) {
  accord::core::ReportBuilder builder;
  accord::store::ReadPage page;
  uint64_t from = 0;
  do {
    accord::core::Status s = store.ReadAll(from, 0, &page);
    if (!s.ok()) return Fail(s.ToString());
    for (auto& record : page.records) {
      auto event =
          accord::core::DecodeEvent(record.event_type(), record.schema_version(), record.payload());
      if (!event) return Fail(fmt::format("position {}: {}", record.position(), event.error()));
      accord::v1::RecordedEvent view;
      *view.mutable_record() = std::move(record);
      *view.mutable_event() = std::move(event.value());
      builder.Add(view);
    }
    from = page.next;
  } while (!page.end_of_data);
  accord::v1::AgreementsReport report = builder.Build(Today(options));
  if (options.json) {
    std::printf("%s\n", accord::tools::ToJson(report).c_str());
  } else if (options.csv) {
    std::fputs(accord::tools::RenderReportCsv(report).c_str(), stdout);
  } else {
    std::fputs(accord::tools::RenderReportMarkdown(report).c_str(), stdout);
  }
  return 0;
}

int Verify(accord::store::EventStore& store) {
  accord::store::VerifyReport report;
  uint64_t indexed = 0;
  accord::core::Status s = VerifyAll(store, &report, &indexed);
  if (!s.ok()) return Fail("verification failed: " + s.ToString());
  std::printf(
      "verified: %llu events in %llu agreements; the hash chain, the Merkle tree and every index "
      "agree with the log, and %llu agreement index entries\nhead hash: %s\n",
      static_cast<unsigned long long>(report.records),
      static_cast<unsigned long long>(report.streams), static_cast<unsigned long long>(indexed),
      accord::core::HexEncode(report.head_hash).c_str());
  return 0;
}

// "7", "7 to 9", or "7 to 9, 12, 14 to 20": positions as ranges.
std::string Ranges(const std::vector<uint64_t>& positions) {
  std::string text;
  for (size_t i = 0; i < positions.size();) {
    size_t j = i;
    while (j + 1 < positions.size() && positions[j + 1] == positions[j] + 1) ++j;
    if (!text.empty()) text += ", ";
    text +=
        i == j ? std::to_string(positions[i]) : fmt::format("{} to {}", positions[i], positions[j]);
    i = j + 1;
  }
  return text;
}

int Salvage(const Options& options) {
  if (options.args.size() != 2) return Fail("salvage needs the damaged folder and a new folder");
  const std::string& damaged_path = options.args[0];
  const std::string& new_path = options.args[1];
  if (std::filesystem::exists(new_path))
    return Fail(new_path + " exists already; name a new folder");
  accord::store::StoreOptions damaged_options;
  damaged_options.salvage = true;
  damaged_options.create_if_missing = false;
  std::unique_ptr<accord::store::EventStore> damaged;
  accord::core::Status s = accord::store::EventStore::Open(damaged_options, damaged_path, &damaged);
  if (!s.ok()) return Fail("cannot read " + damaged_path + " even to salvage it: " + s.ToString());
  std::unique_ptr<accord::store::EventStore> salvaged;
  s = accord::store::EventStore::Open({}, new_path, &salvaged);
  if (!s.ok()) return Fail(s.ToString());
  accord::store::SalvageReport report;
  s = damaged->Salvage(salvaged.get(), &report);
  if (!s.ok()) return Fail("salvage stopped: " + s.ToString());

  fmt::print("salvaged: positions 0 to {} ({} records) into {}; head hash {}\n",
             report.kept == 0 ? std::string("(none)") : std::to_string(report.kept - 1),
             report.kept, new_path, accord::core::HexEncode(salvaged->Head().last_hash));
  if (!report.damage.empty()) fmt::print("the intact prefix ends there: {}\n", report.damage);
  if (report.reached > report.kept) {
    fmt::print("LOST: positions {} to {} ({} records){}\n", report.kept, report.reached - 1,
               report.reached - report.kept,
               report.reach_known ? "" : " at least (no reach file said how far the log went)");
  } else if (report.reach_known) {
    fmt::print("lost: nothing (the log had reached {} records)\n", report.reached);
  } else {
    fmt::print("lost: nothing that can be known (the folder had no reach file)\n");
  }
  if (!report.readable_unkept.empty()) {
    fmt::print(
        "of those, readable but not kept (they follow the damage, so their chain cannot be "
        "checked): positions {}\n",
        Ranges(report.readable_unkept));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  const char* user = std::getenv("USER");
  po::options_description flags("options");
  flags.add_options()("help,h", "show this help")(
      "data", po::value(&options.data)->default_value("data"), "the data folder")(
      "actor", po::value(&options.actor)->default_value(user ? user : "accord-local"),
      "who logs (recorded on every event)")("json", po::bool_switch(&options.json),
                                            "protobuf JSON instead of text")(
      "csv", po::bool_switch(&options.csv), "report: CSV instead of Markdown")(
      "html", po::bool_switch(&options.html), "audit: an HTML page with an SVG timeline")(
      "today", po::value(&options.today),
      "the day milestones are judged on: 2024-08-01, 1 August 2024");
  if (auto done = accord::tools::ParseCommandLine(argc, argv, flags, "accord-local", kUsage,
                                                  &options.command, &options.args)) {
    return *done;
  }
  if (!options.today.empty()) {
    auto today = accord::core::ParseCalendarDay(options.today);
    if (!today) return Fail("--today: " + today.error());
    options.today_day = *today;
  }

  if (options.command == "salvage") return Salvage(options);
  bool writes = options.command == "load" || options.command == "import";
  if (!writes && options.command != "show" && options.command != "history" &&
      options.command != "verify" && options.command != "export" && options.command != "audit" &&
      options.command != "report") {
    return Fail("unknown command '" + options.command + "' (see --help)");
  }
  accord::store::StoreOptions store_options;
  store_options.read_only = !writes;
  store_options.create_if_missing = writes;
  std::unique_ptr<accord::store::EventStore> store;
  accord::core::Status s = accord::store::EventStore::Open(store_options, options.data, &store);
  if (!s.ok()) return Fail(s.ToString());
  accord::app::CommandHandler handler(store.get());

  if (options.command == "load") return Load(handler, options);
  if (options.command == "show") return Show(handler, options);
  if (options.command == "history") return History(*store, options);
  if (options.command == "export") return Export(*store, options);
  if (options.command == "audit") return Audit(*store, options);
  if (options.command == "report") return Report(*store, options);
  if (options.command == "import") return Import(*store, options);
  return Verify(*store);
}
