// The agreement summary projection: what legal affairs asks of an agreement
// (stage, each party's signature and membership, commitments, planned
// milestones and which are overdue, entry into force), as of a day. Pure:
// the caller folds the state and says which day it is.
#pragma once

#include <cstdint>

#include "accord/v1/views.pb.h"
#include "core/agreement_state.h"
#include "core/fuzzy_date.h"

namespace accord::core {

accord::v1::AgreementStage ToStage(Stage stage);

// REQUIRES: state.stage != Stage::kNone. `version` is the stream version of
// the agreement's last event. Every party row, count and entry into force
// is judged on `today` among the parties `state` holds: fold the state
// with AsTrueOn (core/as_of.h) to judge a past day by its own parties.
// Incoming links are not in the state: the caller adds them (the
// agreement index knows them).
accord::v1::AgreementSummary Summarize(const AgreementState& state, uint64_t version, Day today);

// How many of the state's parties had signed, were bound, had it in force
// (in effect, when non-binding) or had withdrawn on `day`, counting only
// acts whose dates are certainly on or before it (undated acts count: the
// source says they happened).
accord::v1::PartyCounts CountParties(const AgreementState& state, Day day);

// Days from when the party could first act (the proposal's date, or its
// joining, for a party that joined by its own event) to `to`; -1 unknown.
int64_t DaysFromOpening(const AgreementState& state, const PartyStatus& party,
                        const accord::v1::FuzzyDate& to);

}  // namespace accord::core
