// accord-local: logs and reads agreements in a data folder on this machine,
// with no server. It goes through the same lifecycle rules and store as the
// server: what it logs, the server will read, and the reverse.
//
//   accord-local --data DIR load FILE.ndjson...   log commands, one per line
//   accord-local --data DIR show AGREEMENT        status, parties, milestones
//   accord-local --data DIR history AGREEMENT     every event, in log order
//   accord-local --data DIR verify                check the chain and indexes
//   accord-local salvage DAMAGED NEW             copy what is intact, say what is lost
//
// Each command has its own flags (accord-local COMMAND --help); the global
// ones (--data, --actor) stand before or after it. Exits 2 on a command line
// that does not fit (a flag of another command, a missing argument).
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/util/delimited_message_util.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "app/agreement_index.h"
#include "app/command_handler.h"
#include "app/desk.h"
#include "app/documents.h"
#include "app/render.h"
#include "app/stream_reader.h"
#include "core/core.h"
#include "core/hash.h"
#include "core/report.h"
#include "store/document_store.h"
#include "store/event_store.h"
#include "tools/audit_page.h"
#include "tools/cli.h"
#include "tools/export_file.h"

namespace {

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
                      accord.v1.EventRecord per line with its payload and hash;
                      before the first record naming a document, the document
                      (an accord.v1.DocumentContent line, its bytes in base64).
                      --binary: the binary format instead (export.proto: a
                      header, then each record's stored bytes and hash,
                      length-delimited, documents before the records naming
                      them, an end item), several times faster both ways
  import FILE         append an export's records (NDJSON or binary, told apart
                      by the header) exactly as they were stored (same
                      positions and hashes), into an empty data folder or one
                      the export continues; an edited record is refused, naming
                      its position, with nothing of its batch written
  salvage DAMAGED NEW for a data folder that refuses to open because it is
                      damaged, once you accept the loss: copies the intact,
                      chain-verified prefix of its log into a new data folder
                      NEW and prints exactly which positions were lost (and
                      which later records were readable but could not be
                      kept). DAMAGED is only read.
)";

// The global flags: every command but salvage uses them.
struct Globals {
  std::string data = "data";
  std::string actor;
};

// Each command's own flags and arguments. `today` is a day
// core::ParseCalendarDay reads (checked while parsing), or empty for today.
struct ShowFlags {
  std::string agreement;
  bool json = false;
  std::string today;
};
struct HistoryFlags {
  std::string agreement;
  bool json = false;
};
struct AuditFlags {
  std::string agreement;
  bool json = false;
  bool html = false;
  std::string today;
};
struct ReportFlags {
  bool json = false;
  bool csv = false;
  std::string today;
};

int Fail(const std::string& message) {
  std::fprintf(stderr, "accord-local: %s\n", message.c_str());
  return 1;
}

int Load(accord::app::CommandHandler& handler, const std::string& actor,
         const std::vector<std::string>& files) {
  int failures = accord::tools::ForEachCommand(
      files, [&](const accord::v1::Command& command) -> std::optional<std::string> {
        auto logged = handler.Log(command, actor);
        if (!logged) return "refused: " + logged.error().Message();
        fmt::print("{:<18} v{:<3} position {:<5} {:<36} {}\n", command.agreement_id(),
                   logged->version, logged->position,
                   accord::core::EventTypeName(command.milestone()),
                   logged->already_stored ? "(already logged)" : "logged");
        return std::nullopt;
      });
  return failures == 0 ? 0 : 1;
}

// The day of --today (checked while parsing), or today.
Day Today(const std::string& today) {
  if (auto day = accord::core::ParseCalendarDay(today); !today.empty() && day) return *day;
  return std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
}

int Show(accord::app::CommandHandler& handler, const ShowFlags& options) {
  accord::app::LoadedAgreement loaded;
  accord::core::Status s = handler.Load(options.agreement, &loaded);
  if (!s.ok()) return Fail(s.ToString());
  if (loaded.event_count == 0) return Fail("no agreement '" + options.agreement + "'");
  accord::v1::AgreementSummary summary =
      accord::core::Summarize(loaded.state, loaded.event_count - 1, Today(options.today));
  if (options.json) {
    std::printf("%s\n", accord::app::ToJson(summary).c_str());
  } else {
    std::fputs(accord::app::RenderSummary(summary).c_str(), stdout);
  }
  return 0;
}

int History(const accord::store::EventStore& store, const HistoryFlags& options) {
  size_t shown = 0;
  accord::core::Status s =
      accord::app::StreamReader::Stream(store, options.agreement)
          .ForEachEvent([&](const accord::v1::EventRecord& record, accord::v1::DomainEvent event) {
            ++shown;
            if (!options.json) {
              std::fputs(accord::app::HistoryLine(record, event).c_str(), stdout);
              return accord::core::Status::OK();
            }
            accord::v1::RecordedEvent view;
            *view.mutable_record() = record;
            view.mutable_record()->clear_payload();
            *view.mutable_event() = std::move(event);
            std::printf("%s\n", accord::app::ToJson(view).c_str());
            return accord::core::Status::OK();
          });
  if (!s.ok()) return Fail(s.ToString());
  if (shown == 0) return Fail("no agreement '" + options.agreement + "'");
  return 0;
}

// The data folder's document store (DATA/documents), unlimited in size:
// what was stored under any limit is read and copied.
std::unique_ptr<accord::store::DocumentStore> OpenDocuments(const std::string& data) {
  std::unique_ptr<accord::store::DocumentStore> documents;
  accord::core::Status s = accord::store::DocumentStore::Open(data, UINT64_MAX, &documents);
  if (!s.ok()) std::fprintf(stderr, "accord-local: %s\n", s.ToString().c_str());
  return documents;
}

// The document a DocumentAttached record names, as an export's item, the
// first time `exported` sees its digest; nullopt for any other record and
// for a document already exported.
accord::core::Status DocumentToExport(const accord::v1::EventRecord& record,
                                      const accord::store::DocumentStore& documents,
                                      std::set<std::string>* exported,
                                      std::optional<accord::v1::DocumentContent>* content) {
  content->reset();
  if (record.event_type() != accord::app::kDocumentAttachedType) return accord::core::Status::OK();
  accord::v1::DomainEvent event;
  if (auto decoded = accord::app::DecodePayload(record, &event); !decoded.ok()) return decoded;
  const accord::v1::Document& document = event.document_attached().document();
  if (!exported->insert(document.sha256()).second) return accord::core::Status::OK();
  content->emplace();
  *(*content)->mutable_document() = document;
  if (auto read = documents.Get(document.sha256(), (*content)->mutable_content()); !read.ok()) {
    return accord::core::Status::Corruption(fmt::format("position {} records document {}: {}",
                                                        record.position(), document.sha256(),
                                                        read.message()));
  }
  return accord::core::Status::OK();
}

// One accord.v1.EventRecord per line, in protobuf's JSON mapping, with its
// payload and hash: what Import takes back. Before the first record that
// names a document, the document itself: one accord.v1.DocumentContent
// line (its digest, name, type and size, and its bytes in base64), so that
// an import stores the bytes before the record that names them.
int ExportNdjson(const accord::store::EventStore& store,
                 const accord::store::DocumentStore& documents, const std::string& agreement) {
  std::set<std::string> exported;
  auto reader = agreement.empty() ? accord::app::StreamReader::Log(store)
                                  : accord::app::StreamReader::Stream(store, agreement);
  accord::core::Status s = reader.ForEach([&](const accord::v1::EventRecord& record) {
    std::optional<accord::v1::DocumentContent> content;
    if (auto found = DocumentToExport(record, documents, &exported, &content); !found.ok()) {
      return found;
    }
    if (content) std::printf("%s\n", accord::app::ToJson(*content).c_str());
    std::printf("%s\n", accord::app::ToJson(record).c_str());
    return accord::core::Status::OK();
  });
  return s.ok() ? 0 : Fail(s.ToString());
}

// The binary export (proto/accord/v1/export.proto) on standard output:
// the header, each record's stored bytes and hash (documents before the
// first record naming them), the end item.
class BinaryExportWriter {
 public:
  BinaryExportWriter() : out_(STDOUT_FILENO, 1 << 20) {}

  bool Write(const google::protobuf::MessageLite& message) {
    return google::protobuf::util::SerializeDelimitedToZeroCopyStream(message, &out_);
  }
  bool Entry(std::string record, std::string hash) {
    entry_.mutable_entry()->set_record(std::move(record));
    entry_.mutable_entry()->set_hash(std::move(hash));
    ++records_;
    return Write(entry_);
  }
  bool Document(accord::v1::DocumentContent content) {
    accord::v1::ExportItem item;
    *item.mutable_document() = std::move(content);
    ++documents_;
    return Write(item);
  }
  // The end item, then everything flushed; false when standard output
  // refused any of it.
  bool Finish() {
    accord::v1::ExportItem item;
    item.mutable_end()->set_records(records_);
    item.mutable_end()->set_documents(documents_);
    return Write(item) && out_.Flush() && out_.GetErrno() == 0;
  }
  int error() const { return out_.GetErrno(); }

 private:
  google::protobuf::io::FileOutputStream out_;
  accord::v1::ExportItem entry_;  // reused: one record's buffers at a time
  uint64_t records_ = 0;
  uint64_t documents_ = 0;
};

int ExportBinary(const accord::store::EventStore& store,
                 const accord::store::DocumentStore& documents, const std::string& agreement) {
  if (::isatty(STDOUT_FILENO) != 0) {
    return Fail("a binary export is not for a terminal: redirect it to a file (> log.export)");
  }
  BinaryExportWriter out;
  accord::v1::ExportHeader header;
  header.set_format(accord::tools::kExportFormat);
  header.set_version(accord::tools::kExportVersion);
  header.set_agreement_id(agreement);
  bool written = out.Write(header);
  std::set<std::string> exported;
  std::optional<accord::v1::DocumentContent> content;
  accord::core::Status s;
  if (agreement.empty()) {
    // The whole log as stored, page by page, decoding only the records
    // that may name a document (their bytes hold its event type's name).
    constexpr std::string_view kAttached = accord::app::kDocumentAttachedType;
    accord::store::StoredPage page;
    for (uint64_t next = 0; s.ok() && written;) {
      s = store.ReadStored(next, 0, 0, &page);
      if (!s.ok()) break;
      for (size_t i = 0; i < page.records.size(); ++i) {
        std::string& bytes = page.records[i];
        if (std::string_view(bytes).find(kAttached) != std::string_view::npos) {
          accord::v1::EventRecord record;
          if (!record.ParseFromString(bytes)) {
            s = accord::core::Status::Corruption("a stored record does not parse");
            break;
          }
          s = DocumentToExport(record, documents, &exported, &content);
          if (!s.ok()) break;
          if (content && !out.Document(std::move(*content))) written = false;
        }
        // Checked against the record by ReadStored.
        if (!out.Entry(std::move(bytes), std::move(page.hashes[i]))) written = false;
      }
      if (page.end_of_data) break;
      next = page.next;
    }
  } else {
    // One agreement: its records by version, each as its stored leaf.
    s = accord::app::StreamReader::Stream(store, agreement)
            .ForEach([&](const accord::v1::EventRecord& record) {
              std::string leaf;
              if (auto read = store.ReadLeaf(record.position(), &leaf); !read.ok()) return read;
              if (auto found = DocumentToExport(record, documents, &exported, &content);
                  !found.ok()) {
                return found;
              }
              if (content && !out.Document(std::move(*content))) written = false;
              if (!out.Entry(std::move(leaf), record.hash())) written = false;
              return written ? accord::core::Status::OK()
                             : accord::core::Status::IOError("writing standard output");
            });
  }
  if (!s.ok()) return Fail(s.ToString());
  if (!written || !out.Finish()) {
    return Fail(fmt::format("writing the export failed: {}", std::strerror(out.error())));
  }
  return 0;
}

int Export(const accord::store::EventStore& store, const std::string& data,
           const std::string& agreement, bool binary) {
  auto documents = OpenDocuments(data);
  if (!documents) return 1;
  return binary ? ExportBinary(store, *documents, agreement)
                : ExportNdjson(store, *documents, agreement);
}

// Reads an export of either format on this thread while the batch before
// is written on another (EventStore::ImportEntries blocks until durable).
int Import(accord::store::EventStore& store, const std::string& data, const std::string& path,
           bool timings) {
  std::unique_ptr<accord::tools::ExportReader> reader;
  if (auto s = accord::tools::ExportReader::Open(path, &reader); !s.ok()) return Fail(s.ToString());
  auto documents = OpenDocuments(data);
  if (!documents) return 1;
  accord::tools::PipeCounts counts;
  accord::core::Status s = accord::tools::PipeImport(
      *reader, accord::tools::PipeOptions{},
      [&](accord::tools::ImportBatch& batch) {
        // Each document's bytes are stored, checked against its digest,
        // before the records that name it.
        for (const accord::v1::DocumentContent& content : batch.documents) {
          accord::core::Status put =
              accord::store::PutAsNamed(*documents, content.content(), content.document().sha256());
          if (!put.ok()) return put;
        }
        if (batch.entries.empty()) return accord::core::Status::OK();
        accord::core::Status imported = store.ImportEntries(batch.entries);
        if (imported.IsCorruption()) {
          return accord::core::Status::Corruption(fmt::format(
              "{}; nothing of its batch (positions {} to {}) was written", imported.message(),
              batch.first_position, batch.first_position + batch.entries.size() - 1));
        }
        return imported;
      },
      &counts);
  if (!s.ok()) {
    const accord::store::LogHead head = store.Head();
    std::fprintf(stderr,
                 "accord-local: import stopped: %s\naccord-local: the log holds %llu records "
                 "(%llu imported from %s); head hash %s\n",
                 s.ToString().c_str(), static_cast<unsigned long long>(head.next_position),
                 static_cast<unsigned long long>(counts.entries), path.c_str(),
                 accord::core::HexEncode(head.last_hash).c_str());
    return 1;
  }
  if (timings) {
    std::fprintf(
        stderr,
        "accord-local: %llu records in %llu batches; writing them (ImportEntries and "
        "documents) took %.3f s, %.0f records/s; the reader waited %.3f s for the writer\n",
        static_cast<unsigned long long>(counts.entries),
        static_cast<unsigned long long>(counts.batches), counts.write_seconds,
        counts.write_seconds > 0 ? static_cast<double>(counts.entries) / counts.write_seconds : 0.0,
        counts.reader_wait_seconds);
  }
  std::printf("imported %llu events and %llu documents (%s); head hash %s\n",
              static_cast<unsigned long long>(counts.entries),
              static_cast<unsigned long long>(counts.documents),
              reader->binary() ? "binary" : "NDJSON",
              accord::core::HexEncode(store.Head().last_hash).c_str());
  return 0;
}

// The store's own checks (chain, Merkle tree, indexes), then the agreement
// index projection against the log.
// Then every document a record names: stored, and hashing to its digest.
accord::core::Status VerifyAll(accord::store::EventStore& store, const std::string& data,
                               accord::store::VerifyReport* report, uint64_t* indexed,
                               uint64_t* documents_checked = nullptr) {
  accord::core::Status s = store.Verify(report);
  if (s.ok()) s = accord::app::AgreementIndex(&store).Verify(indexed);
  if (s.ok()) {
    std::unique_ptr<accord::store::DocumentStore> documents;
    s = accord::store::DocumentStore::Open(data, UINT64_MAX, &documents);
    uint64_t checked = 0;
    if (s.ok()) s = accord::app::Documents(&store, documents.get()).Verify(&checked);
    if (documents_checked != nullptr) *documents_checked = checked;
  }
  return s;
}

// The audit report: every event of the agreement with the verification of
// the whole log, as Markdown (or JSON, or the HTML page).
int Audit(accord::store::EventStore& store, const AuditFlags& options) {
  const std::string& agreement = options.agreement;
  std::vector<accord::v1::RecordedEvent> events;
  accord::v1::AuditReport report;
  accord::app::AgreementIndex index(&store);
  accord::core::Status s =
      accord::app::BuildAgreementAudit(store, &index, agreement, &report, &events);
  if (!s.ok()) return Fail(s.IsNotFound() ? std::string(s.message()) : s.ToString());
  if (options.json) {
    std::printf("%s\n", accord::app::ToJson(report).c_str());
  } else if (options.html) {
    accord::core::AgreementState state =
        accord::core::Fold(agreement, accord::core::ToAgreementEvents(events));
    std::fputs(accord::tools::RenderAuditHtml(
                   report, accord::core::BuildTimeline(agreement, events),
                   accord::core::Summarize(state, events.size() - 1, Today(options.today)))
                   .c_str(),
               stdout);
  } else {
    std::fputs(accord::app::RenderAuditMarkdown(report).c_str(), stdout);
  }
  return report.log_verified() ? 0 : 1;
}

// The agreements report, built by replaying the whole log from position 0.
int Report(const accord::store::EventStore& store, const ReportFlags& options) {
  accord::core::ReportBuilder builder;
  accord::core::Status s = accord::app::StreamReader::Log(store).ForEachEvent(
      [&builder](const accord::v1::EventRecord& record, accord::v1::DomainEvent event) {
        accord::v1::RecordedEvent view;
        *view.mutable_record() = record;
        *view.mutable_event() = std::move(event);
        builder.Add(view);
        return accord::core::Status::OK();
      });
  if (!s.ok()) return Fail(s.ToString());
  accord::v1::AgreementsReport report = builder.Build(Today(options.today));
  if (options.json) {
    std::printf("%s\n", accord::app::ToJson(report).c_str());
  } else if (options.csv) {
    std::fputs(accord::app::RenderReportCsv(report).c_str(), stdout);
  } else {
    std::fputs(accord::app::RenderReportMarkdown(report).c_str(), stdout);
  }
  return 0;
}

int Verify(accord::store::EventStore& store, const std::string& data) {
  accord::store::VerifyReport report;
  uint64_t indexed = 0;
  uint64_t documents = 0;
  accord::core::Status s = VerifyAll(store, data, &report, &indexed, &documents);
  if (!s.ok()) return Fail("verification failed: " + s.ToString());
  std::printf(
      "verified: %llu events in %llu agreements; the hash chain, the Merkle tree and every index "
      "agree with the log, and %llu agreement index entries; %llu documents recorded are "
      "stored and match their digests\nhead hash: %s\n",
      static_cast<unsigned long long>(report.records),
      static_cast<unsigned long long>(report.streams), static_cast<unsigned long long>(indexed),
      static_cast<unsigned long long>(documents),
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

int Salvage(const std::string& damaged_path, const std::string& new_path) {
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

// Opens the data folder (read-only unless the command `writes`), then runs
// `command` on it.
int WithStore(const Globals& globals, bool writes,
              const std::function<int(accord::store::EventStore&)>& command) {
  accord::store::StoreOptions store_options;
  store_options.read_only = !writes;
  store_options.create_if_missing = writes;
  std::unique_ptr<accord::store::EventStore> store;
  accord::core::Status s = accord::store::EventStore::Open(store_options, globals.data, &store);
  if (!s.ok()) return Fail(s.ToString());
  return command(*store);
}

void AddJson(CLI::App* command, bool* json, const char* what) {
  command->add_flag("--json", *json, what);
}

// --today DAY, refused while parsing when core::ParseCalendarDay cannot read it.
void AddToday(CLI::App* command, std::string* today) {
  accord::tools::ReadsCalendarDay(
      command
          ->add_option("--today", *today,
                       "the day milestones are judged on: 2024-08-01, 1 August 2024 (default: "
                       "today)")
          ->option_text("DAY"));
}

}  // namespace

int main(int argc, char** argv) {
  Globals globals;
  const char* user = std::getenv("USER");
  globals.actor = user != nullptr ? user : "accord-local";
  auto program = accord::tools::NewProgram("accord-local", kUsage);
  program->add_option("--data", globals.data, "the data folder (data)")->option_text("DIR");
  program->add_option("--actor", globals.actor, "who logs (recorded on every event logged)")
      ->option_text("NAME");

  // The chosen command, set by its callback during the parse.
  std::function<int()> run;
  auto command = [&](const char* name, const char* summary, std::function<int()> body) {
    CLI::App* app = accord::tools::AddCommand(*program, name, summary);
    app->callback([&run, body = std::move(body)] { run = body; });
    return app;
  };
  // A command on the data folder.
  auto on_store = [&](const char* name, const char* summary, bool writes,
                      std::function<int(accord::store::EventStore&)> body) {
    return command(name, summary, [&globals, writes, body = std::move(body)] {
      return WithStore(globals, writes, body);
    });
  };

  std::vector<std::string> files;
  on_store("load", "log each line of each NDJSON file, in order", true,
           [&](accord::store::EventStore& store) {
             accord::app::CommandHandler handler(&store);
             return Load(handler, globals.actor, files);
           })
      ->add_option("FILE", files, "an NDJSON file of accord.v1.Command, one per line")
      ->required();

  ShowFlags show;
  CLI::App* show_command = on_store("show", "stage, parties, commitments, planned milestones",
                                    false, [&](accord::store::EventStore& store) {
                                      accord::app::CommandHandler handler(&store);
                                      return Show(handler, show);
                                    });
  show_command->add_option("AGREEMENT", show.agreement, "the agreement's id")->required();
  AddJson(show_command, &show.json, "an accord.v1.AgreementSummary in protobuf JSON");
  AddToday(show_command, &show.today);

  HistoryFlags history;
  CLI::App* history_command =
      on_store("history", "every event in log order", false,
               [&](accord::store::EventStore& store) { return History(store, history); });
  history_command->add_option("AGREEMENT", history.agreement, "the agreement's id")->required();
  AddJson(history_command, &history.json, "one accord.v1.RecordedEvent per line");

  on_store("verify", "recompute the hash chain and check every index", false,
           [&](accord::store::EventStore& store) { return Verify(store, globals.data); });

  AuditFlags audit;
  CLI::App* audit_command =
      on_store("audit", "the audit report: every event, its hash, and the log's verification",
               false, [&](accord::store::EventStore& store) { return Audit(store, audit); });
  audit_command->add_option("AGREEMENT", audit.agreement, "the agreement's id")->required();
  AddJson(audit_command, &audit.json, "an accord.v1.AuditReport in protobuf JSON");
  audit_command->add_flag("--html", audit.html,
                          "a self-contained HTML page with an SVG timeline of its milestones");
  AddToday(audit_command, &audit.today);

  ReportFlags report;
  CLI::App* report_command =
      on_store("report", "the agreements report, built by replaying the whole log", false,
               [&](accord::store::EventStore& store) { return Report(store, report); });
  AddJson(report_command, &report.json, "an accord.v1.AgreementsReport in protobuf JSON");
  report_command->add_flag("--csv", report.csv, "CSV instead of Markdown");
  AddToday(report_command, &report.today);

  std::string exported;
  bool binary = false;
  CLI::App* export_command =
      on_store("export", "every stored record (or one agreement's) as NDJSON, or --binary", false,
               [&](accord::store::EventStore& store) {
                 return Export(store, globals.data, exported, binary);
               });
  export_command->add_option("AGREEMENT", exported, "only this agreement's records");
  export_command->add_flag("--binary", binary,
                           "the binary format (proto/accord/v1/export.proto): each record's "
                           "stored bytes, length-delimited; several times faster to write and "
                           "to import than NDJSON");

  std::string imported;
  bool timings = false;
  CLI::App* import_command = on_store(
      "import", "append an export's records (NDJSON or binary) exactly as they were stored", true,
      [&](accord::store::EventStore& store) {
        return Import(store, globals.data, imported, timings);
      });
  import_command->add_option("FILE", imported, "an export (accord-local export [--binary])")
      ->required();
  import_command->add_flag("--timings", timings,
                           "say on stderr how long the writes took (the store's share)");

  std::string damaged, salvaged;
  CLI::App* salvage_command =
      command("salvage", "copy the intact, chain-verified prefix of a damaged data folder",
              [&] { return Salvage(damaged, salvaged); });
  salvage_command->add_option("DAMAGED", damaged, "the damaged data folder (only read)")
      ->required();
  salvage_command->add_option("NEW", salvaged, "a new data folder")->required();

  if (auto done = accord::tools::ParseCommandLine(*program, argc, argv)) return *done;
  return run();
}
