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

}  // namespace accord::core
