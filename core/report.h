// The agreements report, built by replaying the log: feed every event in log
// order (from position 0, from a data folder or a subscription), then ask
// for the report as of a day. Pure.
//
// Cycle times count days between the earliest possible days of the effective
// dates (proposed -> terms agreed -> last signature); undated steps are not
// counted. A commitment is open until a follow-up meeting records progress
// on it.
//
// Every multilateral agreement (a convention, more than two parties, or
// open to new parties) gets a row per party (as its summary shows it: joined,
// signature, consent, entry into force for it, category, days from opening
// or joining to its signature and consent) and its counts at the end of
// each year from its first dated event's year to as_of's (at most
// kMaxReportYears, the latest), each year judged by the parties of that day.
#pragma once

#include <map>
#include <string>

#include "accord/v1/record.pb.h"
#include "accord/v1/views.pb.h"
#include "core/agreement_state.h"
#include "core/fuzzy_date.h"

namespace accord::core {

inline constexpr int kMaxReportYears = 100;

// A convention, more than two parties, or open to new ones.
bool IsMultilateral(const AgreementState& state);

class ReportBuilder {
 public:
  void Add(const accord::v1::RecordedEvent& event);
  accord::v1::AgreementsReport Build(Day as_of) const;
  // Every agreement fed so far, folded, by id (the desk and the calendar
  // read them: core/desk.h).
  const std::map<std::string, AgreementState, std::less<>>& agreements() const {
    return agreements_;
  }

 private:
  std::map<std::string, AgreementState, std::less<>> agreements_;
  std::map<std::string, uint64_t, std::less<>> versions_;
  uint64_t events_ = 0;
};

}  // namespace accord::core
