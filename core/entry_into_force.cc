#include "core/entry_into_force.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace accord::core {
namespace {

// The rule's answer, as before recorded facts existed.
void EvaluateRule(const AgreementState& state, Day as_of, EntryIntoForce& result) {
  if (!state.entry_into_force) {
    if (state.stage != Stage::kSigned && state.stage != Stage::kTerminated) return;
    if (!state.fully_signed_on) return;
    // An undated signature: the day of effect is unknown. Parties that
    // signed after full signature (they joined later) do not move it.
    std::optional<Day> last = LatestDay(*state.fully_signed_on);
    if (last && *last <= as_of) {
      result.rule_in_force = true;
      result.rule_since = last;
    }
    return;
  }
  const auto& condition = *state.entry_into_force;
  result.instruments_required = condition.instruments_required();
  std::vector<Day> deposits;
  for (const PartyStatus& p : state.parties) {
    if (!p.consent || p.withdrawal) continue;
    std::optional<Day> day = LatestDay(p.consent->deposited());
    if (day && *day <= as_of) deposits.push_back(*day);
  }
  std::sort(deposits.begin(), deposits.end());
  result.instruments_deposited = static_cast<uint32_t>(deposits.size());
  if (deposits.size() < condition.instruments_required()) return;
  Day since = deposits[condition.instruments_required() - 1] +
              std::chrono::days{condition.days_after_last_instrument()};
  if (since <= as_of) {
    result.rule_in_force = true;
    result.rule_since = since;
  }
}

// Whether a withdrawal has taken effect by as_of (its date of effect, or
// else its notification's or the event's date).
bool WithdrawalInEffect(const PartyStatus& p, Day as_of) {
  if (!p.withdrawal) return false;
  const accord::v1::FuzzyDate& date =
      p.withdrawal->has_takes_effect() && HasDate(p.withdrawal->takes_effect())
          ? p.withdrawal->takes_effect()
          : p.withdrew_on;
  std::optional<Day> day = LatestDay(date);
  return !day || *day <= as_of;
}

}  // namespace

bool BindsByConsent(const AgreementState& state) {
  if (state.entry_into_force) return true;
  return std::any_of(state.parties.begin(), state.parties.end(),
                     [](const PartyStatus& p) { return p.consent.has_value(); });
}

EntryIntoForce EvaluateEntryIntoForce(const AgreementState& state, Day as_of) {
  EntryIntoForce result;
  if (state.NonBinding()) {
    result.non_binding = true;
    result.explanation =
        "a non-binding instrument: it never enters into force, and is in effect for each party "
        "from its signature or joining";
    return result;
  }
  if (state.stage == Stage::kNone || state.stage == Stage::kWithdrawn) return result;
  EvaluateRule(state, as_of, result);

  if (!state.in_force_recorded) {
    result.in_force = result.rule_in_force;
    result.since = result.rule_since;
    if (result.in_force) {
      result.explanation = state.entry_into_force
                               ? "by its condition: the instruments it needs were deposited"
                               : "on its last signature, every signatory party having signed";
    }
    return result;
  }
  result.recorded = true;
  result.recorded_on = state.in_force_recorded_on;
  result.recorded_as_stated = state.in_force_recorded->as_stated();
  std::optional<Day> earliest = EarliestDay(state.in_force_recorded_on);
  std::optional<Day> latest = LatestDay(state.in_force_recorded_on);
  result.in_force = !latest || *latest <= as_of;
  if (result.in_force && state.in_force_recorded_on.precision() == accord::v1::FuzzyDate::DAY) {
    result.since = earliest;
  }
  result.explanation = "as recorded";
  if (!state.entry_into_force) return result;  // no stated rule to disagree with
  bool same_day = result.rule_since && earliest && latest && *result.rule_since >= *earliest &&
                  *result.rule_since <= *latest;
  result.disagree = result.rule_in_force != result.in_force || (result.rule_in_force && !same_day);
  if (result.disagree) {
    result.explanation =
        result.rule_in_force
            ? fmt::format("as recorded; its condition would put it in force from {}",
                          FormatFuzzyDate(FuzzyDay(*result.rule_since)))
            : fmt::format("as recorded; its condition is not met ({} of {} instruments)",
                          result.instruments_deposited, result.instruments_required);
  }
  return result;
}

PartyInForce EvaluateForParty(const AgreementState& state, const PartyStatus& party,
                              const EntryIntoForce& agreement, Day as_of) {
  PartyInForce out;
  if (WithdrawalInEffect(party, as_of)) {
    out.withdrawn = true;
    return out;
  }
  if (agreement.non_binding) {
    const accord::v1::FuzzyDate* from = nullptr;
    if (party.signature) {
      from = &party.signed_on;
    } else if (party.joined_by == JoinedBy::kJoining &&
               party.party.role() == accord::v1::Party::SIGNATORY) {
      from = &party.joined_on;  // adherence
    }
    if (from != nullptr) {
      std::optional<Day> latest = LatestDay(*from);
      out.in_effect = !latest || *latest <= as_of;
      if (out.in_effect) out.in_effect_since = *from;
    }
    return out;
  }
  if (party.in_force_recorded) {
    std::optional<Day> latest = LatestDay(party.in_force_recorded_on);
    out.recorded = true;
    out.as_stated = party.in_force_recorded->as_stated();
    out.in_force = !latest || *latest <= as_of;
    if (out.in_force) {
      out.since_as_recorded = party.in_force_recorded_on;
      if (party.in_force_recorded_on.precision() == accord::v1::FuzzyDate::DAY) out.since = latest;
    }
    return out;
  }
  if (!agreement.in_force || party.party.role() != accord::v1::Party::SIGNATORY) return out;
  if (BindsByConsent(state) ? !party.consent : !party.signature) return out;
  if (!party.consent) {  // bound by signature: from the agreement's day
    out.in_force = true;
    out.since = agreement.since;
    return out;
  }
  if (party.consent->has_takes_effect() && HasDate(party.consent->takes_effect())) {
    std::optional<Day> day = LatestDay(party.consent->takes_effect());
    out.in_force = !day || *day <= as_of;
    if (out.in_force && party.consent->takes_effect().precision() == accord::v1::FuzzyDate::DAY) {
      out.since = day;
    }
    return out;
  }
  std::optional<Day> deposit = LatestDay(party.consent->deposited());
  if (!deposit) {  // bound on a day not stated, while the agreement is in force
    out.in_force = true;
    return out;
  }
  uint32_t days = state.entry_into_force ? state.entry_into_force->days_after_last_instrument() : 0;
  Day own = *deposit + std::chrono::days{days};
  if (own > as_of) return out;
  out.in_force = true;
  if (agreement.since) out.since = std::max(*agreement.since, own);
  return out;
}

}  // namespace accord::core
