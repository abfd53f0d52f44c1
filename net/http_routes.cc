#include "net/http_routes.h"

#include <array>
#include <vector>

#include "accord/v1/desk.pb.h"
#include "accord/v1/documents.pb.h"
#include "accord/v1/http.pb.h"
#include "accord/v1/search.pb.h"
#include "accord/v1/views.pb.h"

namespace accord::net {
namespace {

using accord::v1::Request;
using http::status;
using http::verb;
using enum ParameterIn;
using enum ParameterType;
using enum RouteAction;

// Parameters several routes read.
constexpr Parameter kAgreementId{"id", kPath, kString,
                                 "The agreement's id, as it was logged: `cospar-apsco-mou`.", true};
constexpr Parameter kRecordedBefore{
    "recorded_before", kQuery, kDateTime,
    "As the log stood just before this moment (RFC 3339), before later events and corrections: "
    "the auditor's question. Absent: as it stands now."};
constexpr Parameter kTrueOn{
    "true_on", kQuery, kDay,
    "What held on this day, by effective dates: only events that had certainly happened by then, "
    "corrections applied, statuses judged on that day. `2020-12-31` or `31 December 2020`."};
constexpr Parameter kLimit{"limit", kQuery, kInteger,
                           "At most this many items (the server caps it, and cuts pages by bytes "
                           "too). Absent: the server's page size."};
constexpr Parameter kIfMatch{
    "If-Match", kHeader, kString,
    "The agreement's version the change was decided on, as its ETag gives it (`\"7\"`): when the "
    "agreement has moved on since, the change is refused with 412 and nothing is written."};
constexpr Parameter kIdempotencyKey{
    "Idempotency-Key", kHeader, kString,
    "Any text up to 255 characters that names this change, for retries: a request with the same "
    "key from the same user returns the original answer and writes nothing, forever. The event "
    "id of the body does the same; give one or the other."};
constexpr Parameter kFromPosition{"from", kQuery, kInteger,
                                  "The first log position to read (0: the beginning)."};
constexpr Parameter kFromVersion{"from", kQuery, kInteger,
                                 "The first version of the agreement to read (0: its proposal)."};
constexpr Parameter kTypes{
    "types", kQuery, kList,
    "Only events of these types, comma-separated (`accord.v1.AgreementSigned`); a `checkpoint` "
    "event says how far the stream has read past skipped ones. Absent: every event."};
constexpr Parameter kCheckpointEvery{
    "checkpoint_every", kQuery, kInteger,
    "With `types`: a `checkpoint` after at most this many skipped events (default 100)."};
constexpr Parameter kLastEventId{
    "Last-Event-ID", kHeader, kInteger,
    "Sent by an EventSource reconnecting: the id of the last event it received. The stream "
    "resumes after it, with nothing lost and nothing repeated; it wins over `from`."};

constexpr std::array kListParameters{
    Parameter{"stage", kQuery, kString,
              "Only agreements at this stage (an AgreementStage name: `SIGNED`)."},
    Parameter{"party", kQuery, kString, "Only agreements with this party (an organisation id)."},
    Parameter{"after", kQuery, kString,
              "The cursor: the `nextAfter` of the previous page (its last agreement id)."},
    kLimit,
};
constexpr std::array kSearchParameters{
    Parameter{"q", kQuery, kString,
              "What to find, at most 500 characters: words, each of which must match "
              "(`Ehrenfreund visit`; English stems: `signing` finds `signed`), \"a phrase\" in "
              "double quotes, a prefix with `*` (`Ehren*`), `OR`, `NOT`, `-word`.",
              true},
    Parameter{"limit", kQuery, kInteger, "At most this many hits (default 20, at most 100)."},
    Parameter{"agreement", kQuery, kString, "Only the events of this agreement (its id)."},
};
constexpr std::array kAgreementParameters{kAgreementId, kRecordedBefore, kTrueOn};
constexpr std::array kTimelineParameters{kAgreementId, kRecordedBefore};
constexpr std::array kHistoryParameters{kAgreementId, kFromVersion, kLimit};
constexpr std::array kProposeParameters{kIdempotencyKey};
constexpr std::array kMilestoneParameters{kAgreementId, kIfMatch, kIdempotencyKey};
constexpr std::array kAgreementStreamParameters{kAgreementId, kFromVersion, kTypes,
                                                kCheckpointEvery, kLastEventId};
constexpr std::array kLogParameters{kFromPosition, kLimit};
constexpr std::array kLogEntryParameters{
    Parameter{"position", kPath, kInteger, "The record's position in the log, from 0.", true}};
constexpr std::array kLogStreamParameters{kFromPosition, kTypes, kCheckpointEvery, kLastEventId};
constexpr std::array kAppendParameters{
    Parameter{"id", kPath, kString, "The stream: an agreement's id.", true},
    Parameter{"If-Match", kHeader, kString,
              "The stream's version the events follow (`\"7\"`): refused with 412 when the "
              "stream has another. The body's `expected` does the same, refused with 409."},
};
constexpr std::array kCheckpointParameters{
    Parameter{"size", kQuery, kInteger, "The tree size to sign. Absent: the log as it stands."}};
constexpr std::array kInclusionParameters{
    Parameter{"position", kQuery, kInteger, "The record's position (or give `event_id`)."},
    Parameter{"event_id", kQuery, kString, "The record's event id (or give `position`)."},
    Parameter{"tree_size", kQuery, kInteger,
              "The tree the proof is for. Absent: the log as it stands."},
};
constexpr std::array kConsistencyParameters{
    Parameter{"first", kQuery, kInteger, "The size of the earlier tree (a saved checkpoint's).",
              true},
    Parameter{"second", kQuery, kInteger,
              "The size of the later tree. Absent: the log as it stands."},
};
constexpr std::array kDeskParameters{
    Parameter{"today", kQuery, kDay,
              "The day to judge on: `2025-06-01` or `1 June 2025`. Absent: the server's today."}};
constexpr std::array kDateParameters{
    Parameter{"text", kQuery, kString,
              "A date as people write it: `June 2023`, `autumn 2024`, `5-7 November 2024`, "
              "`undated: before the visit` (docs/dates.md has every form).",
              true},
    Parameter{"relative_to", kQuery, kDay,
              "The day relative phrases count from (`next year`, `this autumn`). Absent: they are "
              "kept as words (undated), as the server records them."},
};
constexpr std::array kTimelineSvgParameters{kAgreementId, kRecordedBefore, kTrueOn};
constexpr std::array kAuditParameters{kAgreementId};
constexpr std::array kAgreementCalendarParameters{kAgreementId};
constexpr Parameter kDigest{"sha256", kPath, kString,
                            "The document's SHA-256 digest, 64 lower-case hex digits.", true};
constexpr std::array kAttachParameters{
    kAgreementId,
    Parameter{"name", kQuery, kString,
              "The file's name (1-500 characters, no `/`): `mou-signed.pdf`.", true},
    Parameter{"event", kQuery, kString,
              "The id of the agreement's event the document belongs to (the signature it "
              "records). Absent: the agreement as a whole."},
    Parameter{"note", kQuery, kString, "A note on the document."},
    kIdempotencyKey,
};
constexpr std::array kDocumentParameters{kDigest};
constexpr std::array<std::string_view, 3> kReportFormats{"json", "csv", "md"};
constexpr std::array kReportAsParameters{
    Parameter{"format", kPath, kString, "`json`, `csv` or `md` (Markdown).", true, kReportFormats}};
constexpr std::array kReportParameters{
    Parameter{"Accept", kHeader, kString,
              "`application/json` (the default), `text/csv` or `text/markdown`."}};

constexpr Parameter kIfNoneMatch{
    "If-None-Match", kHeader, kString,
    "The ETag of the copy the browser holds: 304 Not Modified, with no body, when it is still "
    "the file served."};
constexpr std::array kWebPageParameters{kIfNoneMatch};
constexpr std::array kWebFileParameters{
    Parameter{"name", kPath, kString,
              "The file's name in the web desk's folder: `app.js`. One segment: no `/`, no `..`, "
              "not hidden.",
              true},
    kIfNoneMatch};
constexpr std::array kSignOutParameters{
    Parameter{"X-CSRF-Token", kHeader, kString,
              "The session's `csrfToken`, as every change made with the cookie carries it.", true}};

const google::protobuf::Descriptor* Of(const google::protobuf::Message& message) {
  return message.GetDescriptor();
}

// The routes' answers, made once (descriptors are known at run time only).
struct Answers {
  std::vector<Answer> list, search, agreement, timeline, page, logged, stream, log_entry, appended,
      health, verified, checkpoint, inclusion, consistency, report, report_as, backed_up, openapi,
      metrics, liveness, readiness, signed_in, session, signed_out, web_page, web_file, desk,
      parsed_date, timeline_svg, audit, calendar, attached, document, document_records;
};

const Answers& TheAnswers() {
  static const Answers* answers = [] {
    auto* a = new Answers;
    a->list = {{status::ok, "A page of agreements, each as it stands today.",
                Of(accord::v1::AgreementList::default_instance())}};
    a->search = {{status::ok,
                  "The events that match, best first, each with its agreement, position and the "
                  "field that matched, and a snippet of it as HTML (escaped, matches in <mark>).",
                  Of(accord::v1::SearchResults::default_instance())}};
    a->agreement = {{status::ok,
                     "The agreement's summary. Its ETag is the agreement's version, for If-Match.",
                     Of(accord::v1::AgreementSummary::default_instance())}};
    a->timeline = {{status::ok, "What happened, beside when it was recorded and by whom.",
                    Of(accord::v1::Timeline::default_instance())}};
    a->page = {{status::ok, "A page of records; `next` is where the next page starts.",
                Of(accord::v1::Page::default_instance())}};
    a->logged = {
        {status::created, "Logged. Location names the agreement (a proposal) or the new event.",
         Of(accord::v1::Logged::default_instance())},
        {status::ok, "Already logged (a retry): the original answer; nothing was written.",
         Of(accord::v1::Logged::default_instance())},
        {status::unprocessable_entity,
         "Refused by the lifecycle rules: `code` is the rule's, `detail` its sentence; nothing "
         "was written.",
         Of(accord::v1::Problem::default_instance()), "application/problem+json"},
    };
    a->stream = {{status::ok,
                  "Server-Sent Events: `recorded` (an event; `id` is its position, or its version "
                  "on an agreement's stream), `caught-up` once at the switch from stored to live, "
                  "`checkpoint`, `dropped` and `problem` (the stream ends). A comment every 15 "
                  "seconds keeps it open.",
                  nullptr, "text/event-stream"}};
    a->log_entry = {{status::ok, "The record at that position, with its event decoded.",
                     Of(accord::v1::RecordedEvent::default_instance())}};
    a->appended = {
        {status::created, "Appended. Location names the first new record.",
         Of(accord::v1::Appended::default_instance())},
        {status::ok, "Already stored (a retry with the same event ids): nothing was written.",
         Of(accord::v1::Appended::default_instance())},
    };
    a->health = {{status::ok, "The log's head, the doors' figures, the projections' lag.",
                  Of(accord::v1::Health::default_instance())}};
    a->verified = {{status::ok, "Every record, the chain and every index entry checked.",
                    Of(accord::v1::Verified::default_instance())}};
    a->checkpoint = {{status::ok, "A checkpoint signed by the server's key.",
                      Of(accord::v1::SignedCheckpoint::default_instance())}};
    a->inclusion = {{status::ok, "The record and its inclusion path, with the signed checkpoint.",
                     Of(accord::v1::InclusionProof::default_instance())}};
    a->consistency = {{status::ok, "The consistency path, with the later tree's checkpoint.",
                       Of(accord::v1::ConsistencyProof::default_instance())}};
    a->report = {
        {status::ok, "The report as JSON (the default).",
         Of(accord::v1::AgreementsReport::default_instance())},
        {status::ok, "The report as CSV, one row per fact.", nullptr, "text/csv"},
        {status::ok, "The report as Markdown.", nullptr, "text/markdown"},
    };
    a->report_as = {
        {status::ok, "The report as JSON (`report.json`).",
         Of(accord::v1::AgreementsReport::default_instance())},
        {status::ok, "The report as CSV, one row per fact (`report.csv`).", nullptr, "text/csv"},
        {status::ok, "The report as Markdown (`report.md`).", nullptr, "text/markdown"},
    };
    a->backed_up = {
        {status::created, "The copy is made.", Of(accord::v1::BackedUp::default_instance())}};
    a->attached = {
        {status::created,
         "Stored and recorded. Location names the document (`/api/v1/documents/{sha256}`).",
         Of(accord::v1::AttachedDocument::default_instance())},
        {status::ok, "Already recorded (a retry): the original answer; nothing was written.",
         Of(accord::v1::AttachedDocument::default_instance())},
        {status::unprocessable_entity,
         "Refused by the lifecycle rules (no such agreement, no such event: `UNKNOWN_EVENT`): "
         "nothing was recorded.",
         Of(accord::v1::Problem::default_instance()), "application/problem+json"},
    };
    a->document = {{status::ok,
                    "The document's bytes, with the media type it was recorded with; "
                    "Content-Disposition names the file, ETag is its digest.",
                    nullptr, "application/octet-stream"}};
    a->document_records = {{status::ok, "Every event that records the document, in log order.",
                            Of(accord::v1::DocumentRecords::default_instance())}};
    a->openapi = {{status::ok, "This document (OpenAPI 3.1).", nullptr, "application/json"}};
    a->metrics = {{status::ok, "The Prometheus text exposition format, version 0.0.4.", nullptr,
                   "text/plain"}};
    a->liveness = {{status::ok, "The process is up.", nullptr, "text/plain"}};
    a->readiness = {
        {status::ok, "Ready for traffic.", Of(accord::v1::Readiness::default_instance())},
        {status::service_unavailable, "Not ready, and why.",
         Of(accord::v1::Readiness::default_instance())},
    };
    a->signed_in = {
        {status::created,
         "Signed in: the session, and a Set-Cookie header with its id (`accord_session`, "
         "HttpOnly, SameSite=Strict, Secure under TLS).",
         Of(accord::v1::Session::default_instance())},
        {status::unauthorized, "The token is not one this server knows.",
         Of(accord::v1::Problem::default_instance()), "application/problem+json"},
    };
    a->session = {
        {status::ok, "The session the cookie names.", Of(accord::v1::Session::default_instance())},
        {status::unauthorized, "No session cookie, or its session ended or expired.",
         Of(accord::v1::Problem::default_instance()), "application/problem+json"},
    };
    a->signed_out = {
        {status::no_content, "Signed out: the session is ended and the cookie cleared.", nullptr,
         ""},
        {status::unauthorized, "No session cookie, or its session ended or expired.",
         Of(accord::v1::Problem::default_instance()), "application/problem+json"},
        {status::forbidden,
         "No X-CSRF-Token, or not the session's (`code` CSRF_TOKEN_MISSING or CSRF_TOKEN_WRONG).",
         Of(accord::v1::Problem::default_instance()), "application/problem+json"},
    };
    a->web_page = {
        {status::ok, "The web desk's page.", nullptr, "text/html"},
        {status::not_modified, "The copy the browser holds is still the page.", nullptr, ""},
    };
    a->web_file = {
        {status::ok, "The file, its media type by its name's extension, its ETag its SHA-256.",
         nullptr, "*/*"},
        {status::not_modified, "The copy the browser holds is still the file.", nullptr, ""},
    };
    a->desk = {{status::ok,
                "Planned milestones overdue, due within 30 days and within 31 to 90 days (a fuzzy "
                "date is due by its last day), open commitments by party, the pipeline by stage.",
                Of(accord::v1::Desk::default_instance())}};
    a->parsed_date = {{status::ok,
                       "The date as the server reads it, and how accord prints it back; a text "
                       "that is no date is 400 with the parser's sentence.",
                       Of(accord::v1::ParsedDate::default_instance())}};
    a->timeline_svg = {{status::ok, "The timeline drawn as SVG, as the audit page draws it.",
                        nullptr, "image/svg+xml"}};
    a->audit = {{status::ok,
                 "Every event of the agreement with its envelope, hashes and corrections, and the "
                 "whole log's verification.",
                 Of(accord::v1::AuditReport::default_instance())}};
    a->calendar = {{status::ok, "An iCalendar file (RFC 5545).", nullptr, "text/calendar"}};
    return a;
  }();
  return *answers;
}

const std::vector<Route>& TheRoutes() {
  static const std::vector<Route>* routes = [] {
    const Answers& a = TheAnswers();
    const auto* command = Of(accord::v1::Command::default_instance());
    return new std::vector<Route>{
        {verb::get, "/api/v1/agreements", "listAgreements", "agreements", "List agreements",
         "Agreements in id order, each folded as it stands today; filter by stage or party. "
         "Pages by cursor: pass `nextAfter` as `after` until `endOfData`.",
         kApplication, Request::kListAgreements, kListParameters, nullptr, a.list},
        {verb::get, "/api/v1/search", "search", "agreements", "Search every event's words",
         "Full-text search over the log: titles, parties, people, notes, outcomes, commitments, "
         "places, dates and document names of every event, each hit naming the event, its "
         "position and the field that matched. Kept by a search index that follows the log "
         "(health shows its lag).",
         kApplication, Request::kSearch, kSearchParameters, nullptr, a.search},
        {verb::post, "/api/v1/agreements", "proposeAgreement", "agreements",
         "Log the first milestone of a new agreement",
         "The body is a Command whose `agreementId` names the new agreement and whose milestone "
         "is its proposal. Dates may be given in words: `{\"asStated\": \"June 2023\"}`. A "
         "command without an `eventId` (or Idempotency-Key) is given one.",
         kApplication, Request::kLogMilestone, kProposeParameters, command, a.logged},
        {verb::get, "/api/v1/agreements/{id}", "getAgreement", "agreements",
         "An agreement's summary",
         "Stage, parties and each party's status, commitments, planned milestones and which are "
         "overdue, entry into force, links. As it stands now, as recorded before a moment, or as "
         "true on a day.",
         kApplication, Request::kGetAgreement, kAgreementParameters, nullptr, a.agreement},
        {verb::get, "/api/v1/agreements/{id}/timeline", "getTimeline", "agreements",
         "An agreement's timeline",
         "Each milestone with when it happened (in its source's precision and words) beside when "
         "it was recorded and by whom; a corrected one with what was believed before.",
         kApplication, Request::kGetTimeline, kTimelineParameters, nullptr, a.timeline},
        {verb::get, "/api/v1/agreements/{id}/timeline.svg", "getTimelineSvg", "agreements",
         "An agreement's timeline as a picture",
         "The timeline drawn as SVG by the audit page's renderer: what happened above the axis "
         "at its effective date (a bar for a month, season or range), planned milestones below "
         "it marked planned, overdue or fulfilled. On either time axis, as the summary.",
         kApplication, Request::kGetTimelineSvg, kTimelineSvgParameters, nullptr, a.timeline_svg},
        {verb::get, "/api/v1/agreements/{id}/audit", "getAudit", "proofs",
         "An agreement's audit report",
         "Every event in log order with when it happened, when it was recorded and by whom, its "
         "hash and the previous one, the corrections made to it, and the verification of the "
         "whole log (as `accord-local audit --json` prints it). Takes a while on a long log.",
         kApplication, Request::kGetAudit, kAuditParameters, nullptr, a.audit},
        {verb::get, "/api/v1/agreements/{id}/calendar.ics", "getAgreementCalendar", "desk",
         "An agreement's calendar",
         "Its planned milestones not yet fulfilled (and commitments with a due date) as an "
         "iCalendar file: all-day entries over the whole span of each date, overdue ones said "
         "so. Undated ones are left out.",
         kApplication, Request::kGetCalendar, kAgreementCalendarParameters, nullptr, a.calendar},
        {verb::get, "/api/v1/agreements/{id}/history", "getHistory", "agreements",
         "An agreement's events",
         "The agreement's stream, in version order, a page at a time: every event as it was "
         "recorded.",
         kApplication, Request::kReadStream, kHistoryParameters, nullptr, a.page},
        {verb::post, "/api/v1/agreements/{id}/milestones", "logMilestone", "agreements",
         "Log a milestone",
         "The body is a Command (its `agreementId` may be left out: the path names it). The "
         "lifecycle rules decide it: logged (201), already logged (200, a retry), or refused "
         "(422, with the rule's code and sentence). Dates may be given in words.",
         kApplication, Request::kLogMilestone, kMilestoneParameters, command, a.logged},
        {verb::get, "/api/v1/agreements/{id}/stream", "followAgreement", "stream",
         "Follow one agreement live",
         "The agreement's events as Server-Sent Events, by version: first what is stored, then "
         "each as it is logged.",
         kEventStream, Request::kSubscribe, kAgreementStreamParameters, nullptr, a.stream},
        {verb::post, "/api/v1/agreements/{id}/documents", "attachDocument", "documents",
         "Attach a document",
         "Stores the file (the body, as it is) by its SHA-256 beside the log, then logs a "
         "DocumentAttached event recording its digest, name, media type (the Content-Type) and "
         "size, to the agreement or to one of its events: the file is then bound into the "
         "log's Merkle tree. The bytes are stored before the event, so no event names a file "
         "the server does not hold. Up to the server's document limit (16 MiB by default).",
         kApplication, Request::kAttachDocument, kAttachParameters, nullptr, a.attached, true,
         "The file's bytes, as they are; its Content-Type is recorded as the document's media "
         "type (application/octet-stream when absent)."},
        {verb::get, "/api/v1/documents/{sha256}", "getDocument", "documents", "Download a document",
         "The bytes of a document some event records, rehashed on the way out: a stored file "
         "that no longer matches its digest is refused (500, CORRUPTION), never served.",
         kApplication, Request::kGetDocument, kDocumentParameters, nullptr, a.document},
        {verb::get, "/api/v1/documents/{sha256}/records", "findDocument", "documents",
         "Where a document is recorded",
         "Every DocumentAttached event that records the digest: its agreement, event, position "
         "(prove it with `/api/v1/proofs/inclusion?position=`), name, media type and size. 404 "
         "when no event records it: check a file by hashing it and asking here.",
         kApplication, Request::kFindDocument, kDocumentParameters, nullptr, a.document_records},
        {verb::get, "/api/v1/log", "readLog", "log", "Read the log",
         "The whole log in position order, a page at a time, each record with its hash, the "
         "previous record's hash and its event decoded.",
         kApplication, Request::kReadAll, kLogParameters, nullptr, a.page},
        {verb::get, "/api/v1/log/{position}", "getLogRecord", "log", "One record of the log",
         "The record at a position.", kApplication, Request::kReadAll, kLogEntryParameters, nullptr,
         a.log_entry},
        {verb::get, "/api/v1/stream", "followLog", "stream", "Follow the whole log live",
         "Every event as Server-Sent Events, by position: first what is stored from `from`, then "
         "each as it is committed, with no gap and no duplicate at the switch. `curl -N` follows "
         "it; an EventSource resumes by itself.",
         kEventStream, Request::kSubscribe, kLogStreamParameters, nullptr, a.stream},
        {verb::post, "/api/v1/streams/{id}/events", "appendEvents", "log",
         "Append events as given (admins)",
         "For import and replay tools: events appended without the lifecycle rules, each payload "
         "checked against its type, schema version and limits. The body is an AppendEvents; its "
         "`streamId` may be left out.",
         kApplication, Request::kAppendEvents, kAppendParameters,
         Of(accord::v1::AppendEvents::default_instance()), a.appended},
        {verb::get,
         "/api/v1/health",
         "getHealth",
         "operations",
         "Health",
         "The log's position and head hash, synced writes, each door's connections and "
         "subscriptions, each projection's lag, and why writes are refused if they are.",
         kApplication,
         Request::kGetHealth,
         {},
         nullptr,
         a.health},
        {verb::post,
         "/api/v1/verify",
         "verifyLog",
         "proofs",
         "Verify the whole log",
         "Walks the whole log on the server: every hash, the chain, gapless positions, and every "
         "index entry against the log. Takes a while on a long log.",
         kApplication,
         Request::kVerifyLog,
         {},
         nullptr,
         a.verified},
        {verb::get, "/api/v1/checkpoint", "getCheckpoint", "proofs", "A signed checkpoint",
         "A C2SP signed note of the log's Merkle tree (RFC 9162): keep it, and later ask for a "
         "consistency proof from its size.",
         kApplication, Request::kGetCheckpoint, kCheckpointParameters, nullptr, a.checkpoint},
        {verb::get, "/api/v1/proofs/inclusion", "getInclusionProof", "proofs",
         "Prove a record is in the log", "An RFC 9162 inclusion proof of one record.", kApplication,
         Request::kGetInclusionProof, kInclusionParameters, nullptr, a.inclusion},
        {verb::get, "/api/v1/proofs/consistency", "getConsistencyProof", "proofs",
         "Prove the log extends an earlier one",
         "An RFC 9162 consistency proof: nothing before `first` was rewritten or dropped.",
         kApplication, Request::kGetConsistencyProof, kConsistencyParameters, nullptr,
         a.consistency},
        {verb::get, "/api/v1/report", "getReport", "reports", "The agreements report",
         "Built by replaying the whole log: the pipeline, cycle times, overdue milestones, open "
         "commitments, each multilateral agreement's parties and counts by year.",
         kApplication, Request::kGetReport, kReportParameters, nullptr, a.report},
        {verb::get, "/api/v1/report.{format}", "getReportAs", "reports",
         "The agreements report as a file",
         "The report as `report.json`, `report.csv` or `report.md`.", kApplication,
         Request::kGetReport, kReportAsParameters, nullptr, a.report_as},
        {verb::get, "/api/v1/desk", "getDesk", "desk", "What needs attention",
         "Planned milestones overdue, due within 30 days and within 31 to 90 days, open "
         "commitments by party and the pipeline by stage, over every agreement. A fuzzy planned "
         "date is due by its last day: `autumn 2024` by 30 November 2024; one planned only in "
         "words is never due. Closed agreements are left out.",
         kApplication, Request::kGetDesk, kDeskParameters, nullptr, a.desk},
        {verb::get, "/api/v1/dates", "parseDate", "desk", "Read a date as the server would",
         "The one date parser the server reads `asStated` dates with: the FuzzyDate it makes of "
         "the text and how accord prints it back, for a form to show as staff type.",
         kApplication, Request::kParseDate, kDateParameters, nullptr, a.parsed_date},
        {verb::get,
         "/api/v1/calendar.ics",
         "getCalendar",
         "desk",
         "Every agreement's calendar",
         "Every agreement's planned milestones not yet fulfilled (and commitments with a due "
         "date) as one iCalendar file, to load into a calendar. Undated ones are left out.",
         kApplication,
         Request::kGetCalendar,
         {},
         nullptr,
         a.calendar},
        {verb::post,
         "/api/v1/backup",
         "backup",
         "operations",
         "Back up the store (admins)",
         "A consistent copy of the whole store, taken while the server runs, into a directory on "
         "the server's machine that must not exist yet.",
         kApplication,
         Request::kBackup,
         {},
         Of(accord::v1::Backup::default_instance()),
         a.backed_up},
        {verb::get,
         "/api/v1/openapi.json",
         "getOpenApi",
         "operations",
         "This document",
         "The OpenAPI 3.1 document of this API, generated from the routes the server serves.",
         kOpenApi,
         Request::KIND_NOT_SET,
         {},
         nullptr,
         a.openapi,
         false},
        {verb::get,
         "/metrics",
         "getMetrics",
         "operations",
         "Prometheus metrics",
         "Appends and milestones by outcome, group-commit sizes and fsync latency, request "
         "latency by kind and door, connections and subscriptions, projection lag, bytes stored.",
         kMetrics,
         Request::KIND_NOT_SET,
         {},
         nullptr,
         a.metrics,
         false},
        {verb::get,
         "/healthz",
         "getLiveness",
         "operations",
         "Liveness",
         "200 while the process serves HTTP at all.",
         kLiveness,
         Request::KIND_NOT_SET,
         {},
         nullptr,
         a.liveness,
         false},
        {verb::get,
         "/readyz",
         "getReadiness",
         "operations",
         "Readiness",
         "200 when the store takes writes and every projection has caught up with the log; 503, "
         "saying why, otherwise.",
         kReadiness,
         Request::KIND_NOT_SET,
         {},
         nullptr,
         a.readiness,
         false},
        {verb::post,
         "/api/v1/session",
         "signIn",
         "session",
         "Sign in from a browser",
         "Trades a token (the same tokens as Bearer, checked the same way) for a session: its id "
         "goes in an HttpOnly cookie that the browser sends on every request, its CSRF token in "
         "the answer, for the header X-CSRF-Token on every change. A session lasts a fixed time "
         "from its sign-in (`accordd --session-minutes`, 480 by default); sessions live in the "
         "server's memory, so a restart signs everyone out.",
         kSignIn,
         Request::KIND_NOT_SET,
         {},
         Of(accord::v1::SignIn::default_instance()),
         a.signed_in,
         false},
        {verb::get,
         "/api/v1/session",
         "getSession",
         "session",
         "The browser's session",
         "Who the session cookie signs in, their role, the session's CSRF token and when it "
         "expires: what a page reloaded needs to go on.",
         kGetSession,
         Request::KIND_NOT_SET,
         {},
         nullptr,
         a.session,
         false},
        {verb::delete_, "/api/v1/session", "signOut", "session", "Sign out",
         "Ends the session on the server (its cookie then signs no one in, wherever it was "
         "copied) and clears the cookie.",
         kSignOut, Request::KIND_NOT_SET, kSignOutParameters, nullptr, a.signed_out, false},
        {verb::get, "/", "getWebDesk", "web", "The web desk",
         "The web desk's page (web/index.html), for legal-affairs staff and auditors in a "
         "browser. Served without a token: the page signs in through /api/v1/session.",
         kWebPage, Request::KIND_NOT_SET, kWebPageParameters, nullptr, a.web_page, false},
        {verb::get, "/web/{name}", "getWebFile", "web", "One of the web desk's files",
         "A script, stylesheet or image of the web desk, built into the server (or read from "
         "`accordd --web-dir` on each request). Cache-Control: no-cache with an ETag: the "
         "browser asks again each time and is answered 304 while the file is the same.",
         kWebFile, Request::KIND_NOT_SET, kWebFileParameters, nullptr, a.web_file, false},
    };
  }();
  return *routes;
}

// Splits "/a/b/c" into {"a", "b", "c"}; "" for a trailing slash's segment.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> segments;
  if (path.empty() || path.front() != '/') return segments;
  path.remove_prefix(1);
  for (;;) {
    size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

// Whether `segment` fits the template segment `pattern`; a parameter's
// decoded value goes to `parameters`.
bool SegmentMatches(std::string_view pattern, std::string_view segment,
                    std::map<std::string, std::string, std::less<>>* parameters) {
  size_t open = pattern.find('{');
  if (open == std::string_view::npos) return pattern == segment;
  std::string_view prefix = pattern.substr(0, open);
  std::string_view name = pattern.substr(open + 1, pattern.size() - open - 2);
  if (segment.size() <= prefix.size() || segment.substr(0, prefix.size()) != prefix) return false;
  std::optional<std::string> value = PercentDecode(segment.substr(prefix.size()), false);
  if (!value || value->empty()) return false;
  parameters->emplace(std::string(name), std::move(*value));
  return true;
}

}  // namespace

std::span<const Route> HttpRoutes() { return TheRoutes(); }

std::optional<RouteMatch> MatchRoute(http::verb method, std::string_view path,
                                     std::string* allowed) {
  if (allowed != nullptr) allowed->clear();
  // Each route's template, split once.
  static const std::vector<std::vector<std::string_view>>* patterns = [] {
    auto* split = new std::vector<std::vector<std::string_view>>;
    for (const Route& route : HttpRoutes()) split->push_back(Segments(route.path));
    return split;
  }();
  const std::vector<std::string_view> segments = Segments(path);
  for (size_t r = 0; r < HttpRoutes().size(); ++r) {
    const Route& route = HttpRoutes()[r];
    const std::vector<std::string_view>& pattern = (*patterns)[r];
    if (pattern.size() != segments.size()) continue;
    RouteMatch match;
    bool fits = true;
    for (size_t i = 0; i < pattern.size() && fits; ++i) {
      fits = SegmentMatches(pattern[i], segments[i], &match.path_parameters);
    }
    if (!fits) continue;
    if (route.method == method) {
      match.route = &route;
      return match;
    }
    if (allowed != nullptr) {
      if (!allowed->empty()) *allowed += ", ";
      *allowed += std::string(http::to_string(route.method));
    }
  }
  return std::nullopt;
}

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = hex(text[i + 1]);
      int low = hex(text[i + 2]);
      if (high < 0 || low < 0 || (high == 0 && low == 0)) return std::nullopt;
      out.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  for (std::string_view rest = out; !rest.empty();) {
    size_t length = Utf8SequenceLength(rest);
    if (length == 0) return std::nullopt;
    rest.remove_prefix(length);
  }
  return out;
}

size_t Utf8SequenceLength(std::string_view text) {
  auto byte = [&text](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length = 0;
  uint32_t code = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code = lead & 0x07;
  } else {
    return 0;
  }
  if (text.size() < length) return 0;
  for (size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i) & 0x3F);
  }
  // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8.
  constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kSmallest[length] || (code >= 0xD800 && code <= 0xDFFF) || code > 0x10FFFF) return 0;
  return length;
}

std::string Utf8Safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    size_t length = Utf8SequenceLength(text);
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      text.remove_prefix(1);
    } else {
      out.append(text.substr(0, length));
      text.remove_prefix(length);
    }
  }
  return out;
}

}  // namespace accord::net
