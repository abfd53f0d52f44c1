// The desk: what needs attention on a day, from folded agreement states
// (the report's, core/report.h), with the rules the summaries use
// (core/schedule.h). Pure: the caller folds the states and says which day
// it is.
//
// A planned milestone is due by the last day its planned date can stand for:
// "autumn 2024" by 30 November 2024, "June 2023" by 30 June 2023,
// "2024-11-05 to 2024-11-07" by 7 November 2024. It is overdue from the day
// after (StatusOf); a milestone planned only in words ("undated") is never
// due, and shows in no bucket. Closed agreements (withdrawn, terminated)
// need no attention and are left out.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "accord/v1/desk.pb.h"
#include "core/agreement_state.h"
#include "core/fuzzy_date.h"

namespace accord::core {

using FoldedAgreements = std::map<std::string, AgreementState, std::less<>>;

// "signing", "meeting", "event", "ratification", "entry into force",
// "milestone" (OTHER and unspecified).
std::string MilestoneKindWords(accord::v1::MilestoneScheduled::Kind kind);

// "2024-11-30"
std::string IsoDay(Day day);

// The planned milestones of `state` not fulfilled on `today`, each with its
// status ("planned" or "overdue") and the day it is due by, in the order
// they fall due (undated last, then by milestone id). None for a closed
// agreement.
std::vector<accord::v1::PlannedItem> OpenMilestones(const AgreementState& state, Day today);

// The open commitments of `state` (core/schedule.h's OpenCommitments), each
// "overdue" once the last day of its due date is before `today`.
std::vector<accord::v1::OpenCommitment> OpenCommitmentItems(const AgreementState& state, Day today);

// The desk on `today`: the three buckets of planned milestones (desk.proto
// says where each one's edges are), open commitments by responsible party
// (a commitment of two parties shows under each), and the pipeline.
accord::v1::Desk BuildDesk(const FoldedAgreements& agreements, Day today);

// Every open milestone and commitment of `agreements`, for a calendar.
accord::v1::CalendarItems BuildCalendarItems(const FoldedAgreements& agreements, Day today);

}  // namespace accord::core
