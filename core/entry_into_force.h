// When an agreement is in force, evaluated from its folded state on a day.
//
// With an entry-into-force condition (a convention's "N days after the
// deposit of the Kth instrument"), it is in force from the day after the
// Kth-earliest instrument's deposit plus N days, counting only instruments
// whose deposit date is certainly on or before `as_of` and whose party has
// not withdrawn. Without one (a memorandum of understanding), it is in force
// from its last signature once every signatory party has signed. Pure.
#pragma once

#include <optional>

#include "core/agreement_state.h"
#include "core/fuzzy_date.h"

namespace accord::core {

struct EntryIntoForce {
  bool in_force = false;
  std::optional<Day> since;            // set when in_force
  uint32_t instruments_deposited = 0;  // counted on as_of
  uint32_t instruments_required = 0;   // 0 without a condition
};

EntryIntoForce EvaluateEntryIntoForce(const AgreementState& state, Day as_of);

}  // namespace accord::core
