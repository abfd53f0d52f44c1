// Where a planned milestone stands on a given day. Pure.
//
// A milestone is fulfilled when an event names it (fulfils_milestone_id),
// or, for a SIGNING milestone, once the agreement is fully signed. An open
// milestone is overdue once the last day its planned date can stand for has
// passed: "autumn 2024" is overdue from 1 December 2024. A milestone planned
// only in words ("in the coming months") is never overdue.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/agreement_state.h"
#include "core/fuzzy_date.h"

namespace accord::core {

enum class MilestoneStatus { kPlanned, kOverdue, kFulfilled };

std::string_view MilestoneStatusName(MilestoneStatus status);

MilestoneStatus StatusOf(const PlannedMilestone& milestone, const AgreementState& state, Day today);

// The commitments of `state` that no follow-up meeting has moved on yet, in
// the order they were agreed; none once the agreement is closed (withdrawn
// or terminated). What the report and the desk call open.
std::vector<const accord::v1::Commitment*> OpenCommitments(const AgreementState& state);

// The organisations a commitment names as responsible, or "(all parties)"
// when it names none.
inline constexpr std::string_view kAllParties = "(all parties)";
std::vector<std::string> ResponsibleParties(const accord::v1::Commitment& commitment);

}  // namespace accord::core
