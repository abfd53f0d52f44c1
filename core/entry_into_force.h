// When an agreement is in force, evaluated from its folded state on a day.
//
// The rule: with an entry-into-force condition (a convention's "N days after
// the deposit of the Kth instrument"), it is in force from the day after the
// Kth-earliest instrument's deposit plus N days, counting only instruments
// whose deposit date is certainly on or before `as_of` and whose party has
// not withdrawn. Without one (a memorandum of understanding), it is in force
// from the day every signatory party of that day had signed (parties that
// join and sign later do not move it).
//
// The fact: an EntryIntoForceRecorded wins over the rule. When a condition
// is set too and the rule says otherwise (not in force, or from another
// day), the result keeps the rule's answer beside it and says they
// disagree. Without a condition there is no stated rule to disagree with.
//
// A non-binding instrument never enters into force; for each party it is in
// effect from its signature or joining (EvaluateForParty). Pure.
#pragma once

#include <optional>
#include <string>

#include "core/agreement_state.h"
#include "core/fuzzy_date.h"

namespace accord::core {

struct EntryIntoForce {
  bool non_binding = false;
  bool in_force = false;
  std::optional<Day> since;            // set when in force on a known day
  uint32_t instruments_deposited = 0;  // counted on as_of
  uint32_t instruments_required = 0;   // 0 without a condition
  // The recorded fact, when there is one (in force once certainly begun, or
  // when its date is UNDATED: the source says it is in force).
  bool recorded = false;
  accord::v1::FuzzyDate recorded_on;
  std::string recorded_as_stated;
  // What the rule alone says.
  bool rule_in_force = false;
  std::optional<Day> rule_since;
  bool disagree = false;
  std::string explanation;  // one sentence: what decided it
};

EntryIntoForce EvaluateEntryIntoForce(const AgreementState& state, Day as_of);

struct PartyInForce {
  bool in_force = false;
  std::optional<Day> since;                 // unset when in force from a day not stated
  accord::v1::FuzzyDate since_as_recorded;  // set when from a recorded fact
  bool recorded = false;
  std::string as_stated;
  bool in_effect = false;  // non-binding instruments only
  accord::v1::FuzzyDate in_effect_since;
  bool withdrawn = false;  // its withdrawal has taken effect by as_of
};

// For one party, given the agreement's own evaluation on the same day: a
// recorded fact for the party wins; otherwise, once the agreement is in
// force, a party that is bound (or, where nobody records consent, that
// signed) has it in force from the later of the agreement's day and its own
// deposit (plus the condition's days), or from its instrument's stated date
// of effect. Withdrawal ends it from its date of effect.
PartyInForce EvaluateForParty(const AgreementState& state, const PartyStatus& party,
                              const EntryIntoForce& agreement, Day as_of);

// Whether the agreement binds by consent (a condition is set, or some party
// recorded an instrument) rather than by signature alone.
bool BindsByConsent(const AgreementState& state);

}  // namespace accord::core
