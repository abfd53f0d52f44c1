#include "app/requests.h"

#include <algorithm>
#include <array>

#include "app/application.h"

namespace accord::app {
namespace {

using accord::v1::Request;

// Each handler unpacks its kind and calls the application.
// (Reply by value: the table's Handler type, which asynchronous handlers move.)
template <auto kAnswer>
void Answer(Application& app, const Identity&, const Request& request,
            Reply reply) {  // NOLINT(performance-unnecessary-value-param)
  reply((app.*kAnswer)(request));
}

void LogMilestone(Application& app, const Identity& caller, const Request& request, Reply reply) {
  app.LogMilestone(caller, request, std::move(reply));
}

void AttachDocument(Application& app, const Identity& caller, const Request& request, Reply reply) {
  app.AttachDocument(caller, request, std::move(reply));
}

void AppendEvents(Application& app, const Identity& caller, const Request& request, Reply reply) {
  app.AppendEvents(caller, request, std::move(reply));
}

void ImportRecords(Application& app, const Identity& caller, const Request& request, Reply reply) {
  app.ImportRecords(caller, request, std::move(reply));
}

// In field-number order (wire.proto's Request.kind), so that a kind is found
// by its number (a binary search: the numbers have gaps, left for kinds
// added side by side).
constexpr std::array kKinds = {
    //           kind                          name                    logger auditor runs
    RequestKind{Request::kHello, "hello", true, true, Runs::kFrontDoor, nullptr},
    RequestKind{Request::kLogMilestone, "log_milestone", true, false, Runs::kStorePool,
                &LogMilestone},
    RequestKind{Request::kReadStream, "read_stream", true, true, Runs::kStorePool,
                &Answer<&Application::ReadStream>},
    RequestKind{Request::kReadAll, "read_all", true, true, Runs::kStorePool,
                &Answer<&Application::ReadAll>},
    RequestKind{Request::kGetAgreement, "get_agreement", true, true, Runs::kStorePool,
                &Answer<&Application::GetAgreement>},
    RequestKind{Request::kListAgreements, "list_agreements", true, true, Runs::kStorePool,
                &Answer<&Application::ListAgreements>},
    // Raw appends (import, replay tools) skip the lifecycle rules: admins only.
    RequestKind{Request::kAppendEvents, "append_events", false, false, Runs::kQueued,
                &AppendEvents},
    RequestKind{Request::kGetTimeline, "get_timeline", true, true, Runs::kStorePool,
                &Answer<&Application::GetTimeline>},
    RequestKind{Request::kGetHealth, "get_health", true, true, Runs::kAtOnce,
                &Answer<&Application::GetHealth>},
    RequestKind{Request::kSubscribe, "subscribe", false, true, Runs::kFrontDoor, nullptr},
    RequestKind{Request::kVerifyLog, "verify_log", false, true, Runs::kStorePool,
                &Answer<&Application::VerifyLog>},
    RequestKind{Request::kBackup, "backup", false, false, Runs::kStorePool,
                &Answer<&Application::Backup>},
    // Loggers check the files they attach (accord check-file, the web desk):
    // a checkpoint and an inclusion proof tell them nothing the log they may
    // read does not, and let them trust none of it.
    RequestKind{Request::kGetCheckpoint, "get_checkpoint", true, true, Runs::kStorePool,
                &Answer<&Application::GetCheckpoint>},
    RequestKind{Request::kGetInclusionProof, "get_inclusion_proof", true, true, Runs::kStorePool,
                &Answer<&Application::GetInclusionProof>},
    RequestKind{Request::kGetConsistencyProof, "get_consistency_proof", false, true,
                Runs::kStorePool, &Answer<&Application::GetConsistencyProof>},
    // Legal-affairs staff run the report; subscribing stays auditors'.
    RequestKind{Request::kGetReport, "get_report", true, true, Runs::kStorePool,
                &Answer<&Application::GetReport>},
    // Full-text search (app/search_index.h): whoever may read.
    RequestKind{Request::kSearch, "search", true, true, Runs::kStorePool,
                &Answer<&Application::Search>},
    // Documents: attached by those who log, read by everyone.
    RequestKind{Request::kAttachDocument, "attach_document", true, false, Runs::kStorePool,
                &AttachDocument},
    RequestKind{Request::kGetDocument, "get_document", true, true, Runs::kStorePool,
                &Answer<&Application::GetDocument>},
    RequestKind{Request::kFindDocument, "find_document", true, true, Runs::kStorePool,
                &Answer<&Application::FindDocument>},
    // The web desk's reads (desk.proto). Parsing a date reads no store.
    RequestKind{Request::kGetDesk, "get_desk", true, true, Runs::kStorePool,
                &Answer<&Application::GetDesk>},
    RequestKind{Request::kParseDate, "parse_date", true, true, Runs::kAtOnce,
                &Answer<&Application::ParseDate>},
    RequestKind{Request::kGetTimelineSvg, "get_timeline_svg", true, true, Runs::kStorePool,
                &Answer<&Application::GetTimelineSvg>},
    // The audit report verifies the whole log: auditors' (and admins').
    RequestKind{Request::kGetAudit, "get_audit", false, true, Runs::kStorePool,
                &Answer<&Application::GetAudit>},
    RequestKind{Request::kGetCalendar, "get_calendar", true, true, Runs::kStorePool,
                &Answer<&Application::GetCalendar>},
    // Records exactly as another store wrote them (an export), bypassing
    // the rules as raw appends do: admins only. Queued in arrival order
    // for one writer, so that a connection's imports are written in the
    // order sent and a client may keep several in flight.
    RequestKind{Request::kImportRecords, "import_records", false, false, Runs::kQueued,
                &ImportRecords},
};

constexpr bool InFieldOrder() {
  if (kKinds.front().kind != Request::kHello) return false;
  for (size_t i = 1; i < kKinds.size(); ++i) {
    if (kKinds[i].kind <= kKinds[i - 1].kind) return false;
  }
  return true;
}
static_assert(InFieldOrder(), "kKinds must list Request.kind's fields in number order");

}  // namespace

const RequestKind* FindRequestKind(Request::KindCase kind) {
  const auto* row = std::lower_bound(
      kKinds.begin(), kKinds.end(), kind,
      [](const RequestKind& each, Request::KindCase wanted) { return each.kind < wanted; });
  return row != kKinds.end() && row->kind == kind ? &*row : nullptr;
}

std::span<const RequestKind> RequestKinds() { return kKinds; }

}  // namespace accord::app
