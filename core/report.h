// The agreements report, built by replaying the log: feed every event in log
// order (from position 0, from a data folder or a subscription), then ask
// for the report as of a day. Pure.
//
// Cycle times count days between the earliest possible days of the effective
// dates (proposed -> terms agreed -> last signature); undated steps are not
// counted. A commitment is open until a follow-up meeting records progress
// on it.
#pragma once

#include <map>
#include <string>

#include "accord/v1/record.pb.h"
#include "accord/v1/views.pb.h"
#include "core/agreement_state.h"
#include "core/fuzzy_date.h"

namespace accord::core {

class ReportBuilder {
 public:
  void Add(const accord::v1::RecordedEvent& event);
  accord::v1::AgreementsReport Build(Day as_of) const;

 private:
  std::map<std::string, AgreementState, std::less<>> agreements_;
  std::map<std::string, uint64_t, std::less<>> versions_;
  uint64_t events_ = 0;
};

}  // namespace accord::core
