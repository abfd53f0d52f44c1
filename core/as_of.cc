#include "core/as_of.h"

#include <google/protobuf/util/time_util.h>

namespace accord::core {

std::vector<accord::v1::RecordedEvent> AsRecorded(
    const std::vector<accord::v1::RecordedEvent>& events,
    const google::protobuf::Timestamp& moment) {
  std::vector<accord::v1::RecordedEvent> out;
  for (const auto& e : events) {
    if (e.record().recorded_at() < moment) out.push_back(e);
  }
  return out;
}

std::vector<AgreementEvent> ToAgreementEvents(
    const std::vector<accord::v1::RecordedEvent>& events) {
  std::vector<AgreementEvent> out;
  out.reserve(events.size());
  for (const auto& e : events) {
    out.push_back(AgreementEvent{e.record().event_id(), e.record().effective(), e.event()});
  }
  return out;
}

std::vector<AgreementEvent> AsTrueOn(const std::vector<accord::v1::RecordedEvent>& events,
                                     Day day) {
  return TrueOn(CorrectedHistory(ToAgreementEvents(events)), day);
}

std::vector<AgreementEvent> TrueOn(std::vector<AgreementEvent> corrected, Day day) {
  // Walk backwards: an undated event counts once something after it does.
  std::vector<bool> keep(corrected.size(), false);
  bool later_counts = false;
  for (size_t i = corrected.size(); i-- > 0;) {
    std::optional<Day> latest = LatestDay(corrected[i].effective);
    keep[i] = latest ? *latest <= day : later_counts;
    later_counts = later_counts || keep[i];
  }
  std::vector<AgreementEvent> out;
  for (size_t i = 0; i < corrected.size(); ++i) {
    if (keep[i]) out.push_back(std::move(corrected[i]));
  }
  return out;
}

AgreementState Fold(const std::string& agreement_id, const std::vector<AgreementEvent>& events) {
  AgreementState state = InitialState(agreement_id);
  for (const auto& e : events) state = Evolve(std::move(state), e);
  return state;
}

}  // namespace accord::core
