// Where a planned milestone stands on a given day. Pure.
//
// A milestone is fulfilled when an event names it (fulfils_milestone_id),
// or, for a SIGNING milestone, once the agreement is fully signed. An open
// milestone is overdue once the last day its planned date can stand for has
// passed: "autumn 2024" is overdue from 1 December 2024. A milestone planned
// only in words ("in the coming months") is never overdue.
#pragma once

#include "core/agreement_state.h"
#include "core/fuzzy_date.h"

namespace accord::core {

enum class MilestoneStatus { kPlanned, kOverdue, kFulfilled };

std::string_view MilestoneStatusName(MilestoneStatus status);

MilestoneStatus StatusOf(const PlannedMilestone& milestone, const AgreementState& state, Day today);

}  // namespace accord::core
