// Fuzzes request decoding and every request kind's checks in process: the
// frames a connection sends after its hello (net/framing.h), each
// decoded as a Request and taken through the pure steps the server runs on
// its kind, against an in-memory log that this input's own requests fill.
//   input := frame*   (as on the wire; the first incomplete frame ends it)
// Per kind: the role table (app/auth.h) for every role; log_milestone:
// the command limits and lifecycle rules (core/decider.h), the accepted
// events encoded as the store keeps them; append_events: each payload
// decoded as the server's PrepareAppend does, then folded raw (as an
// admin's import can); get_agreement and get_timeline: both time axes
// (core/as_of.h), the fold, the summary and the timeline, as
// app::Queries::Agreement and Timeline do; read_stream, read_all and
// subscribe: every stored payload decoded again. The store's own checks
// (ids, versions) are not modelled: the log here takes what decodes.
#include <map>
#include <string>
#include <vector>

#include "app/auth.h"
#include "app/desk.h"
#include "app/icalendar.h"
#include "app/requests.h"
#include "app/timeline_svg.h"
#include "core/as_of.h"
#include "core/audit.h"
#include "core/decider.h"
#include "core/desk.h"
#include "core/event_types.h"
#include "core/fuzzy_date.h"
#include "core/report.h"
#include "core/summary.h"
#include "core/timeline.h"
#include "net/framing.h"
#include "tests/fuzz/fuzz_target.h"
#include "tests/fuzz/limits_hook.h"

namespace accord::fuzz {
namespace {

using accord::v1::RecordedEvent;
using accord::v1::Request;

constexpr uint32_t kMaxFrameBytes = 64 << 10;  // the sanitized server's, in fuzz_frames
constexpr size_t kMaxRequests = 64;
constexpr size_t kMaxStreamEvents = 256;  // keeps one input's folds cheap
const core::Day kToday = core::Day{std::chrono::year{2025} / 1 / 15};

class Log {
 public:
  const std::vector<RecordedEvent>& Stream(const std::string& id) { return streams_[id]; }

  void Append(const std::string& stream_id, const accord::v1::NewEvent& event,
              const accord::v1::DomainEvent& decoded) {
    std::vector<RecordedEvent>& stream = streams_[stream_id];
    if (stream.size() >= kMaxStreamEvents) return;
    RecordedEvent& out = stream.emplace_back();
    auto* record = out.mutable_record();
    record->set_position(next_position_++);
    record->set_stream_id(stream_id);
    record->set_stream_version(stream.size() - 1);
    record->set_event_id(event.event_id());
    record->set_event_type(event.event_type());
    record->set_schema_version(event.schema_version());
    record->mutable_recorded_at()->set_seconds(1700000000 + static_cast<int64_t>(next_position_));
    *record->mutable_effective() = event.effective();
    record->set_actor(event.actor());
    record->set_payload(event.payload());
    *out.mutable_event() = decoded;
  }

  std::map<std::string, std::vector<RecordedEvent>>& streams() { return streams_; }

 private:
  std::map<std::string, std::vector<RecordedEvent>> streams_;
  uint64_t next_position_ = 0;
};

// What a read returns: every stored payload decodes again to what it was.
void CheckReads(const std::vector<RecordedEvent>& events) {
  for (const RecordedEvent& e : events) {
    auto decoded = core::DecodeEvent(e.record().event_type(), e.record().schema_version(),
                                     e.record().payload());
    FUZZ_CHECK(decoded.ok(), "a stored event no longer decodes: %s", decoded.error().c_str());
    FUZZ_CHECK(decoded->SerializeAsString() == e.event().SerializeAsString(),
               "a stored event decodes differently");
  }
}

void LogMilestone(const accord::v1::Command& command, Log* log) {
  if (!CommandAdmitted(command)) return;
  const std::vector<RecordedEvent>& stream = log->Stream(command.agreement_id());
  core::AgreementState state = core::Fold(command.agreement_id(), core::ToAgreementEvents(stream));
  core::Decision decision = core::Decide(command, state);
  if (!decision) {
    FUZZ_CHECK(decision.error().code != accord::v1::REJECTION_CODE_UNSPECIFIED &&
                   !decision.error().message.empty(),
               "a rejection without a code or a sentence");
    return;
  }
  for (const core::AgreementEvent& e : *decision) {
    core::EncodedEvent encoded = core::EncodeEvent(e.event);
    auto decoded = core::DecodeEvent(encoded.event_type, encoded.schema_version, encoded.payload);
    FUZZ_CHECK(
        decoded.ok() && encoded.schema_version == core::CurrentSchemaVersion(encoded.event_type),
        "a decided event does not decode: %s", encoded.event_type.c_str());
    accord::v1::NewEvent out;
    out.set_event_id(e.event_id);
    out.set_event_type(encoded.event_type);
    out.set_schema_version(encoded.schema_version);
    out.set_payload(encoded.payload);
    *out.mutable_effective() = e.effective;
    log->Append(command.agreement_id(), out, *decoded);
  }
}

// As app::Application::AppendEvents (PrepareAppend): every payload must decode, or nothing is
// appended.
void AppendEvents(const accord::v1::AppendEvents& append, Log* log) {
  std::vector<accord::v1::DomainEvent> decoded;
  for (const accord::v1::NewEvent& e : append.events()) {
    auto event = core::DecodeEvent(e.event_type(), e.schema_version(), e.payload());
    if (!event) return;
    decoded.push_back(std::move(*event));
  }
  if (append.stream_id().empty() || append.events_size() == 0) return;  // the store refuses
  for (int i = 0; i < append.events_size(); ++i) {
    log->Append(append.stream_id(), append.events(i), decoded[i]);
  }
}

// As app::Queries::Agreement.
void GetAgreement(const accord::v1::GetAgreement& get, Log* log) {
  std::vector<RecordedEvent> events = log->Stream(get.agreement_id());
  CheckReads(events);
  if (get.has_recorded_before()) events = core::AsRecorded(events, get.recorded_before());
  if (events.empty()) return;
  core::Day day = kToday;
  std::vector<core::AgreementEvent> folded;
  if (get.has_true_on()) {
    accord::v1::FuzzyDate on;
    on.set_precision(accord::v1::FuzzyDate::DAY);
    *on.mutable_date() = get.true_on();
    if (!core::ValidateFuzzyDate(on).empty()) return;
    day = core::ToDay(get.true_on());
    folded = core::AsTrueOn(events, day);
  } else {
    folded = core::ToAgreementEvents(events);
  }
  core::AgreementState state = core::Fold(get.agreement_id(), folded);
  if (state.stage == core::Stage::kNone) return;
  accord::v1::AgreementSummary summary =
      core::Summarize(state, events.back().record().stream_version(), day);
  FUZZ_CHECK(summary.agreement_id() == get.agreement_id(), "the summary names the agreement");
  (void)core::AllowedActions(state);
}

// As app::Queries::Timeline.
void GetTimeline(const accord::v1::GetTimeline& get, Log* log) {
  std::vector<RecordedEvent> events = log->Stream(get.agreement_id());
  if (get.has_recorded_before()) events = core::AsRecorded(events, get.recorded_before());
  if (events.empty()) return;
  (void)core::BuildTimeline(get.agreement_id(), events);
}

void Handle(const Request& request, Log* log) {
  for (accord::v1::Role role :
       {accord::v1::ROLE_UNSPECIFIED, accord::v1::LOGGER, accord::v1::AUDITOR, accord::v1::ADMIN}) {
    bool allowed = app::Allows(role, request);
    FUZZ_CHECK(role != accord::v1::ADMIN || allowed ||
                   app::FindRequestKind(request.kind_case()) == nullptr,
               "an admin may make every request this build knows");
    FUZZ_CHECK(
        role == accord::v1::ADMIN || !allowed ||
            !(request.has_append_events() || request.has_backup() || request.has_import_records()),
        "only an admin appends raw events, imports or backs up");
  }
  switch (request.kind_case()) {
    case Request::kLogMilestone:
      LogMilestone(request.log_milestone(), log);
      return;
    case Request::kAppendEvents:
      AppendEvents(request.append_events(), log);
      return;
    case Request::kGetAgreement:
      GetAgreement(request.get_agreement(), log);
      return;
    case Request::kGetTimeline:
      GetTimeline(request.get_timeline(), log);
      return;
    case Request::kReadStream:
      CheckReads(log->Stream(request.read_stream().stream_id()));
      return;
    case Request::kReadAll:
    case Request::kSubscribe:
      for (const auto& entry : log->streams()) CheckReads(entry.second);
      return;
    case Request::kListAgreements:
      for (const auto& [id, stream] : log->streams()) {
        core::AgreementState state = core::Fold(id, core::ToAgreementEvents(stream));
        if (state.stage != core::Stage::kNone && !stream.empty()) {
          (void)core::Summarize(state, stream.size() - 1, kToday);
        }
      }
      return;
    case Request::kGetReport: {
      // As app::Queries::Report: every event folded, then the report built.
      core::ReportBuilder builder;
      for (const auto& entry : log->streams()) {
        for (const RecordedEvent& event : entry.second) builder.Add(event);
      }
      (void)builder.Build(kToday);
      return;
    }
    case Request::kGetDesk:
    case Request::kGetCalendar: {
      // As app::DeskQueries::Desk and ::Calendar: every agreement folded,
      // then the desk, the calendar's items and their iCalendar text.
      core::ReportBuilder builder;
      for (const auto& entry : log->streams()) {
        for (const RecordedEvent& event : entry.second) builder.Add(event);
      }
      (void)core::BuildDesk(builder.agreements(), kToday);
      (void)app::RenderICalendar(core::BuildCalendarItems(builder.agreements(), kToday));
      return;
    }
    case Request::kParseDate: {
      accord::v1::Response parsed = app::ParseDate(0, request.parse_date());
      FUZZ_CHECK(parsed.has_parsed_date() || parsed.has_error(), "a date or a sentence");
      return;
    }
    case Request::kGetTimelineSvg:
    case Request::kGetAudit: {
      // As app::DeskQueries::TimelineSvg and ::Audit, on what the log holds.
      const std::string& id = request.has_get_audit() ? request.get_audit().agreement_id()
                                                      : request.get_timeline_svg().agreement_id();
      std::vector<RecordedEvent> events = log->Stream(id);
      if (events.empty()) return;
      (void)core::BuildAuditReport(id, events);
      core::AgreementState state = core::Fold(id, core::ToAgreementEvents(events));
      if (state.stage == core::Stage::kNone) return;
      (void)app::TimelineSvg(core::BuildTimeline(id, events),
                             core::Summarize(state, events.size() - 1, kToday));
      return;
    }
    // Answered from the store, the search index or the network thread alone:
    // nothing pure to check.
    case Request::kSearch:
    case Request::kHello:
    case Request::kGetHealth:
    case Request::kVerifyLog:
    case Request::kBackup:
    case Request::kGetCheckpoint:
    case Request::kGetInclusionProof:
    case Request::kGetConsistencyProof:
    // Documents: bytes on disk and a pass over the log; the description's
    // rules are the decider's (fuzz_decider).
    case Request::kAttachDocument:
    case Request::kGetDocument:
    case Request::kFindDocument:
    // Stored records imported: the store checks each against the log.
    case Request::kImportRecords:
    case Request::KIND_NOT_SET:
      return;
  }
}

}  // namespace

int FuzzRequestDecoder(const uint8_t* data, size_t size) {
  std::string_view input = AsText(data, size);
  Log log;
  for (size_t n = 0; n < kMaxRequests; ++n) {
    net::FrameView frame = net::DecodeFrame(input, kMaxFrameBytes);
    if (frame.state != net::FrameView::State::kComplete) break;
    input.remove_prefix(frame.frame_bytes());
    Request request;
    if (!net::DecodeRequest(frame.message, &request)) break;  // the server closes
    Handle(request, &log);
  }
  return 0;
}

}  // namespace accord::fuzz

ACCORD_FUZZ_ENTRY(accord::fuzz::FuzzRequestDecoder)
