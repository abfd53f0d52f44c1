#include "core/timeline.h"

#include <algorithm>
#include <map>

#include "core/agreement_state.h"
#include "core/fuzzy_date.h"

namespace accord::core {

accord::v1::Timeline BuildTimeline(const std::string& agreement_id,
                                   const std::vector<accord::v1::RecordedEvent>& events) {
  std::vector<AgreementEvent> history;
  history.reserve(events.size());
  std::map<std::string, std::vector<std::string>> corrected_by;
  for (const auto& e : events) {
    history.push_back(AgreementEvent{e.record().event_id(), e.record().effective(), e.event()});
    if (e.event().has_event_corrected()) {
      corrected_by[e.event().event_corrected().corrected_event_id()].push_back(
          e.record().event_id());
    }
  }
  std::vector<AgreementEvent> corrected = CorrectedHistory(history);

  accord::v1::Timeline timeline;
  timeline.set_agreement_id(agreement_id);
  size_t next = 0;  // `corrected` keeps log order, minus the corrections
  for (const auto& e : events) {
    if (e.event().has_event_corrected()) continue;
    const AgreementEvent& now = corrected[next++];
    auto* entry = timeline.add_entries();
    *entry->mutable_effective() = now.effective;
    *entry->mutable_recorded_at() = e.record().recorded_at();
    entry->set_actor(e.record().actor());
    entry->set_position(e.record().position());
    entry->set_version(e.record().stream_version());
    entry->set_event_id(e.record().event_id());
    *entry->mutable_event() = now.event;
    if (auto it = corrected_by.find(e.record().event_id()); it != corrected_by.end()) {
      *entry->mutable_original() = e.event();
      if (now.effective.SerializeAsString() != e.record().effective().SerializeAsString()) {
        *entry->mutable_original_effective() = e.record().effective();
      }
      for (const auto& id : it->second) entry->add_corrected_by(id);
    }
  }
  auto* entries = timeline.mutable_entries();
  std::stable_sort(entries->begin(), entries->end(), [](const auto& a, const auto& b) {
    return EffectiveBefore(a.effective(), b.effective());
  });
  return timeline;
}

}  // namespace accord::core
