#include "core/audit.h"

#include <map>

namespace accord::core {

accord::v1::AuditReport BuildAuditReport(const std::string& agreement_id,
                                         const std::vector<accord::v1::RecordedEvent>& events) {
  std::map<std::string, std::vector<std::string>> corrected_by;
  for (const auto& e : events) {
    if (e.event().has_event_corrected()) {
      corrected_by[e.event().event_corrected().corrected_event_id()].push_back(
          e.record().event_id());
    }
  }
  accord::v1::AuditReport report;
  report.set_agreement_id(agreement_id);
  for (const auto& e : events) {
    auto* entry = report.add_entries();
    *entry->mutable_record() = e.record();
    entry->mutable_record()->clear_payload();
    *entry->mutable_event() = e.event();
    if (auto it = corrected_by.find(e.record().event_id()); it != corrected_by.end()) {
      for (const auto& id : it->second) entry->add_corrected_by(id);
    }
  }
  return report;
}

}  // namespace accord::core
