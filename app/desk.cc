#include "app/desk.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "app/errors.h"
#include "app/stream_reader.h"
#include "app/timeline_svg.h"
#include "core/as_of.h"
#include "core/audit.h"
#include "core/desk.h"
#include "core/fuzzy_date.h"
#include "core/report.h"

namespace accord::app {
namespace {

using accord::v1::Response;

// Every agreement of the log, folded (the report's replay).
core::Status FoldLog(const store::EventStore& store, core::ReportBuilder* builder) {
  return StreamReader::Log(store).ForEachEvent(
      [builder](const accord::v1::EventRecord& record, accord::v1::DomainEvent event) {
        builder->Add(ToRecordedEvent(record, std::move(event)));
        return core::Status::OK();
      });
}

core::Status ReadAgreement(const store::EventStore& store, const std::string& agreement_id,
                           std::vector<accord::v1::RecordedEvent>* events) {
  core::Status s = StreamReader::Stream(store, agreement_id)
                       .ForEachEvent([events](const accord::v1::EventRecord& record,
                                              accord::v1::DomainEvent event) {
                         events->push_back(ToRecordedEvent(record, std::move(event)));
                         return core::Status::OK();
                       });
  if (s.ok() && events->empty()) {
    return core::Status::NotFound(fmt::format("no agreement '{}'", agreement_id));
  }
  return s;
}

google::protobuf::Timestamp TimestampOf(std::chrono::system_clock::time_point at) {
  google::protobuf::Timestamp stamp;
  stamp.set_seconds(
      std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count());
  return stamp;
}

// A CalendarDate of a request, checked: the day, or a sentence.
core::Expected<core::Day, std::string> DayOf(const accord::v1::CalendarDate& date,
                                             std::string_view name) {
  accord::v1::FuzzyDate day;
  day.set_precision(accord::v1::FuzzyDate::DAY);
  *day.mutable_date() = date;
  if (std::string problem = core::ValidateFuzzyDate(day); !problem.empty()) {
    return core::MakeUnexpected(fmt::format("{}: {}", name, problem));
  }
  return core::ToDay(date);
}

}  // namespace

Response DeskQueries::Desk(uint64_t request_id, const accord::v1::GetDesk& get) const {
  core::Day today = clock_->Today();
  if (get.has_today()) {
    auto day = DayOf(get.today(), "today");
    if (!day) return ErrorResponse(request_id, accord::v1::INVALID_ARGUMENT, day.error());
    today = *day;
  }
  core::ReportBuilder builder;
  if (core::Status s = FoldLog(*store_, &builder); !s.ok()) return ErrorResponse(request_id, s);
  Response response;
  response.set_request_id(request_id);
  *response.mutable_desk() = core::BuildDesk(builder.agreements(), today);
  return response;
}

Response DeskQueries::Calendar(uint64_t request_id, const accord::v1::GetCalendar& get) const {
  const core::Day today = clock_->Today();
  accord::v1::CalendarItems items;
  if (get.agreement_id().empty()) {
    core::ReportBuilder builder;
    if (core::Status s = FoldLog(*store_, &builder); !s.ok()) return ErrorResponse(request_id, s);
    items = core::BuildCalendarItems(builder.agreements(), today);
  } else {
    std::vector<accord::v1::RecordedEvent> events;
    if (core::Status s = ReadAgreement(*store_, get.agreement_id(), &events); !s.ok()) {
      return ErrorResponse(request_id, s);
    }
    core::FoldedAgreements one;
    one.emplace(get.agreement_id(),
                core::Fold(get.agreement_id(), core::ToAgreementEvents(events)));
    items = core::BuildCalendarItems(one, today);
    items.set_agreement_id(get.agreement_id());
  }
  *items.mutable_generated_at() = TimestampOf(clock_->Now());
  Response response;
  response.set_request_id(request_id);
  *response.mutable_calendar() = std::move(items);
  return response;
}

Response DeskQueries::TimelineSvg(uint64_t request_id,
                                  const accord::v1::GetTimelineSvg& get) const {
  accord::v1::GetAgreement agreement;
  agreement.set_agreement_id(get.agreement_id());
  if (get.has_recorded_before()) *agreement.mutable_recorded_before() = get.recorded_before();
  if (get.has_true_on()) *agreement.mutable_true_on() = get.true_on();
  Response summary = queries_->Agreement(request_id, agreement);
  if (!summary.has_agreement()) return summary;
  accord::v1::GetTimeline timeline;
  timeline.set_agreement_id(get.agreement_id());
  if (get.has_recorded_before()) *timeline.mutable_recorded_before() = get.recorded_before();
  Response drawn = queries_->Timeline(request_id, timeline);
  if (!drawn.has_timeline()) return drawn;
  accord::v1::Timeline* entries = drawn.mutable_timeline();
  if (get.has_true_on()) {
    // Only what had certainly happened by that day (as AsTrueOn folds it).
    const core::Day day = core::ToDay(get.true_on());
    auto* list = entries->mutable_entries();
    list->erase(std::remove_if(list->begin(), list->end(),
                               [day](const accord::v1::TimelineEntry& e) {
                                 std::optional<core::Day> last = core::LatestDay(e.effective());
                                 return last && *last > day;
                               }),
                list->end());
  }
  Response response;
  response.set_request_id(request_id);
  response.mutable_timeline_svg()->set_svg(app::TimelineSvg(*entries, summary.agreement()));
  return response;
}

Response DeskQueries::Audit(uint64_t request_id, const accord::v1::GetAudit& get) const {
  Response response;
  response.set_request_id(request_id);
  std::vector<accord::v1::RecordedEvent> events;
  core::Status s =
      BuildAgreementAudit(*store_, index_, get.agreement_id(), response.mutable_audit(), &events);
  if (!s.ok()) return ErrorResponse(request_id, s);
  return response;
}

Response ParseDate(uint64_t request_id, const accord::v1::ParseDate& parse) {
  core::FuzzyDateOptions options;
  if (parse.has_relative_to()) {
    auto day = DayOf(parse.relative_to(), "relative_to");
    if (!day) return ErrorResponse(request_id, accord::v1::INVALID_ARGUMENT, day.error());
    options.reference_day = *day;
  }
  auto date = core::ParseFuzzyDate(parse.text(), options);
  if (!date) return ErrorResponse(request_id, accord::v1::INVALID_ARGUMENT, date.error());
  Response response;
  response.set_request_id(request_id);
  response.mutable_parsed_date()->set_reads_as(core::FormatFuzzyDate(*date));
  *response.mutable_parsed_date()->mutable_date() = std::move(*date);
  return response;
}

core::Status BuildAgreementAudit(const store::EventStore& store, AgreementIndex* index,
                                 const std::string& agreement_id, accord::v1::AuditReport* report,
                                 std::vector<accord::v1::RecordedEvent>* events) {
  if (core::Status s = ReadAgreement(store, agreement_id, events); !s.ok()) return s;
  *report = core::BuildAuditReport(agreement_id, *events);
  store::VerifyReport verified;
  uint64_t indexed = 0;
  core::Status s = store.Verify(&verified);
  if (s.ok()) s = index->Verify(&indexed);
  report->set_log_verified(s.ok());
  report->set_verification(
      s.ok() ? "the hash chain, the Merkle tree and every index agree with the log" : s.ToString());
  report->set_log_records(verified.records);
  report->set_log_head_hash(verified.head_hash);
  return core::Status::OK();
}

}  // namespace accord::app
