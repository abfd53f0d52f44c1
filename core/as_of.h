// An agreement on either time axis (after XTDB's bitemporal queries):
//
//   as recorded: what the log said at a moment, before later events and
//                corrections were logged (the auditor's question);
//   as true:     what held on a day, by effective dates, with everything
//                known now (corrections included).
//
// Both take the agreement's events in version order, decoded, and return the
// ones to fold; Fold turns them into the state. Pure.
#pragma once

#include <google/protobuf/timestamp.pb.h>

#include <vector>

#include "accord/v1/record.pb.h"
#include "core/agreement_state.h"
#include "core/fuzzy_date.h"

namespace accord::core {

// The events recorded strictly before `moment`, as they were logged.
std::vector<accord::v1::RecordedEvent> AsRecorded(
    const std::vector<accord::v1::RecordedEvent>& events,
    const google::protobuf::Timestamp& moment);

// The corrected events that had certainly happened by `day`: those whose
// latest possible day is on or before it, and undated ones logged before an
// event that qualifies (the rules put them earlier in the agreement's life).
std::vector<AgreementEvent> AsTrueOn(const std::vector<accord::v1::RecordedEvent>& events, Day day);
// The same, from an agreement's corrected history (CorrectedHistory).
std::vector<AgreementEvent> TrueOn(std::vector<AgreementEvent> corrected, Day day);

AgreementState Fold(const std::string& agreement_id, const std::vector<AgreementEvent>& events);
std::vector<AgreementEvent> ToAgreementEvents(const std::vector<accord::v1::RecordedEvent>& events);

}  // namespace accord::core
