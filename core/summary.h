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
// the agreement's last event.
accord::v1::AgreementSummary Summarize(const AgreementState& state, uint64_t version, Day today);

}  // namespace accord::core
