#include "app/queries.h"

#include <fmt/format.h>

#include <utility>

#include "app/errors.h"
#include "app/paging.h"
#include "app/stream_reader.h"
#include "core/as_of.h"
#include "core/event_types.h"
#include "core/fuzzy_date.h"
#include "core/report.h"
#include "core/summary.h"
#include "core/timeline.h"

namespace accord::app {

using accord::v1::Response;

// What a listing shows of an agreement whose summary would not fit in a
// response frame: enough to name it and find it.
accord::v1::AgreementSummary Abridged(const accord::v1::AgreementSummary& full) {
  accord::v1::AgreementSummary abridged;
  abridged.set_agreement_id(full.agreement_id());
  abridged.set_kind(full.kind());
  abridged.set_stage(full.stage());
  abridged.set_version(full.version());
  *abridged.mutable_as_of() = full.as_of();
  abridged.set_abridged(true);
  return abridged;
}

Response Queries::ReadStream(uint64_t request_id, const accord::v1::ReadStream& read) const {
  store::ReadPage page;
  core::Status s =
      store_->ReadStreamForward(read.stream_id(), read.from_version(), read.max_count(), &page);
  return Page(request_id, s, page, Cut::kByVersion);
}

Response Queries::ReadAll(uint64_t request_id, const accord::v1::ReadAll& read) const {
  store::ReadPage page;
  core::Status s = store_->ReadAll(read.from_position(), read.max_count(), &page);
  return Page(request_id, s, page, Cut::kByPosition);
}

std::optional<Response> Queries::ReadAgreement(
    uint64_t request_id, const std::string& agreement_id,
    std::vector<accord::v1::RecordedEvent>* events) const {
  core::Status s = StreamReader::Stream(*store_, agreement_id)
                       .ForEachEvent([events](const accord::v1::EventRecord& record,
                                              accord::v1::DomainEvent event) {
                         events->push_back(ToRecordedEvent(record, std::move(event)));
                         return core::Status::OK();
                       });
  if (!s.ok()) return ErrorResponse(request_id, s);
  return std::nullopt;
}

Response Queries::Agreement(uint64_t request_id, const accord::v1::GetAgreement& get) const {
  std::vector<accord::v1::RecordedEvent> events;
  if (auto error = ReadAgreement(request_id, get.agreement_id(), &events)) return *error;
  if (get.has_recorded_before()) events = core::AsRecorded(events, get.recorded_before());
  if (events.empty()) {
    return ErrorResponse(
        request_id, accord::v1::NOT_FOUND,
        fmt::format("no agreement '{}'{}", get.agreement_id(),
                    get.has_recorded_before() ? " had been recorded by then" : ""));
  }
  core::Day day = clock_->Today();
  std::vector<core::AgreementEvent> folded;
  if (get.has_true_on()) {
    accord::v1::FuzzyDate on;
    on.set_precision(accord::v1::FuzzyDate::DAY);
    *on.mutable_date() = get.true_on();
    if (std::string problem = core::ValidateFuzzyDate(on); !problem.empty()) {
      return ErrorResponse(request_id, accord::v1::INVALID_ARGUMENT, "true_on: " + problem);
    }
    day = core::ToDay(get.true_on());
    folded = core::AsTrueOn(events, day);
  } else {
    folded = core::ToAgreementEvents(events);
  }
  core::AgreementState state = core::Fold(get.agreement_id(), folded);
  if (state.stage == core::Stage::kNone) {
    return ErrorResponse(
        request_id, accord::v1::NOT_FOUND,
        fmt::format("agreement '{}' had not been proposed by then", get.agreement_id()));
  }
  Response response;
  response.set_request_id(request_id);
  *response.mutable_agreement() =
      core::Summarize(state, events.back().record().stream_version(), day);
  std::vector<accord::v1::LinkSummary> incoming;
  core::Status s = index_->CatchUp();
  if (s.ok()) s = index_->LinksTo(get.agreement_id(), &incoming);
  if (!s.ok()) return ErrorResponse(request_id, s);
  for (auto& link : incoming) *response.mutable_agreement()->add_links() = std::move(link);
  return response;
}

Response Queries::Timeline(uint64_t request_id, const accord::v1::GetTimeline& get) const {
  std::vector<accord::v1::RecordedEvent> events;
  if (auto error = ReadAgreement(request_id, get.agreement_id(), &events)) return *error;
  if (get.has_recorded_before()) events = core::AsRecorded(events, get.recorded_before());
  if (events.empty()) {
    return ErrorResponse(request_id, accord::v1::NOT_FOUND,
                         fmt::format("no agreement '{}'", get.agreement_id()));
  }
  Response response;
  response.set_request_id(request_id);
  *response.mutable_timeline() = core::BuildTimeline(get.agreement_id(), events);
  return response;
}

// The report builder keeps one folded state per agreement; the log is read
// a page at a time.
Response Queries::Report(uint64_t request_id) const {
  core::ReportBuilder builder;
  core::Status s = StreamReader::Log(*store_).ForEachEvent(
      [&builder](const accord::v1::EventRecord& record, accord::v1::DomainEvent event) {
        builder.Add(ToRecordedEvent(record, std::move(event)));
        return core::Status::OK();
      });
  if (!s.ok()) return ErrorResponse(request_id, s);
  Response response;
  response.set_request_id(request_id);
  *response.mutable_report() = builder.Build(clock_->Today());
  return response;
}

Response Queries::List(uint64_t request_id, const accord::v1::ListAgreements& list) const {
  constexpr size_t kMaxAgreements = 100;
  size_t wanted =
      list.max_count() == 0 ? kMaxAgreements : std::min<size_t>(list.max_count(), kMaxAgreements);
  if (core::Status s = index_->CatchUp(); !s.ok()) return ErrorResponse(request_id, s);
  std::vector<std::string> ids;
  bool end = false;
  core::Status s = index_->Find(list.stage(), list.party_id(), list.after(), wanted, &ids, &end);
  if (!s.ok()) return ErrorResponse(request_id, s);
  Response response;
  response.set_request_id(request_id);
  auto* out = response.mutable_agreements();
  core::Day today = clock_->Today();
  // Cut by bytes too: the page ends before the agreement that would pass
  // the budget, and one too large for a frame by itself is abridged.
  PageCutter cutter(PageBudget(limits_.page_bytes, limits_.max_frame_bytes));
  for (const std::string& id : ids) {
    LoadedAgreement loaded;
    s = commands_->Load(id, &loaded);
    if (!s.ok()) return ErrorResponse(request_id, s);
    if (loaded.event_count == 0) continue;
    accord::v1::AgreementSummary summary =
        core::Summarize(loaded.state, loaded.event_count - 1, today);
    if (!FitsInFrame(summary.ByteSizeLong(), limits_.max_frame_bytes)) summary = Abridged(summary);
    if (!cutter.Admit(summary.ByteSizeLong())) {
      out->set_end_of_data(false);
      return response;  // next_after is the last agreement listed
    }
    *out->add_agreements() = std::move(summary);
    out->set_next_after(id);
  }
  if (!ids.empty()) out->set_next_after(ids.back());
  out->set_end_of_data(end);
  return response;
}

Response Queries::Page(uint64_t request_id, const core::Status& s, const store::ReadPage& page,
                       Cut cut) const {
  if (!s.ok()) return ErrorResponse(request_id, s);
  Response response;
  response.set_request_id(request_id);
  auto* out = response.mutable_page();
  PageCutter cutter(PageBudget(limits_.page_bytes, limits_.max_frame_bytes));
  for (const auto& record : page.records) {
    accord::v1::DomainEvent event;
    if (core::Status decoded = DecodePayload(record, &event); !decoded.ok()) {
      return ErrorResponse(request_id, decoded);
    }
    accord::v1::RecordedEvent view = ToRecordedEvent(record, std::move(event));
    if (cut != Cut::kNone) {
      bool by_position = cut == Cut::kByPosition;
      uint64_t here = by_position ? record.position() : record.stream_version();
      size_t bytes = view.ByteSizeLong();
      if (!cutter.Admit(bytes)) {
        out->set_next(here);  // the rest is the next page's
        out->set_end_of_data(false);
        return response;
      }
      if (!FitsInFrame(bytes, limits_.max_frame_bytes)) {
        return ErrorResponse(
            request_id, accord::v1::RESPONSE_TOO_LARGE,
            fmt::format("the event at position {} is {} bytes, over the frame limit of {}; read "
                        "on from {} {}",
                        record.position(), bytes, limits_.max_frame_bytes,
                        by_position ? "position" : "version", here + 1));
      }
    }
    *out->add_events() = std::move(view);
  }
  out->set_next(page.next);
  out->set_end_of_data(page.end_of_data);
  return response;
}

}  // namespace accord::app
