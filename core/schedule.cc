#include "core/schedule.h"

namespace accord::core {

std::string_view MilestoneStatusName(MilestoneStatus status) {
  switch (status) {
    case MilestoneStatus::kPlanned:
      return "planned";
    case MilestoneStatus::kOverdue:
      return "overdue";
    case MilestoneStatus::kFulfilled:
      return "fulfilled";
  }
  return "?";
}

MilestoneStatus StatusOf(const PlannedMilestone& milestone, const AgreementState& state,
                         Day today) {
  bool signed_in_full = state.stage == Stage::kSigned || state.stage == Stage::kTerminated;
  if (!milestone.fulfilled_by_event_id.empty() ||
      (milestone.plan.kind() == accord::v1::MilestoneScheduled::SIGNING && signed_in_full)) {
    return MilestoneStatus::kFulfilled;
  }
  std::optional<Day> last = LatestDay(milestone.plan.planned());
  return last && *last < today ? MilestoneStatus::kOverdue : MilestoneStatus::kPlanned;
}

std::vector<const accord::v1::Commitment*> OpenCommitments(const AgreementState& state) {
  std::vector<const accord::v1::Commitment*> open;
  if (state.IsClosed()) return open;
  for (const auto& c : state.commitments) {
    if (state.commitment_progress.count(c.id()) == 0) open.push_back(&c);
  }
  return open;
}

std::vector<std::string> ResponsibleParties(const accord::v1::Commitment& commitment) {
  std::vector<std::string> parties(commitment.responsible_party_ids().begin(),
                                   commitment.responsible_party_ids().end());
  if (parties.empty()) parties.emplace_back(kAllParties);
  return parties;
}

}  // namespace accord::core
