#include "core/entry_into_force.h"

#include <algorithm>
#include <vector>

namespace accord::core {

EntryIntoForce EvaluateEntryIntoForce(const AgreementState& state, Day as_of) {
  EntryIntoForce result;
  if (state.stage == Stage::kNone || state.stage == Stage::kWithdrawn) return result;

  if (!state.entry_into_force) {
    if (state.stage != Stage::kSigned && state.stage != Stage::kTerminated) return result;
    std::optional<Day> last;
    for (const PartyStatus& p : state.parties) {
      if (!p.signature) continue;
      std::optional<Day> day = LatestDay(p.signed_on);
      if (!day) return result;  // an undated signature: the day of effect is unknown
      last = last ? std::max(*last, *day) : *day;
    }
    if (last && *last <= as_of) {
      result.in_force = true;
      result.since = last;
    }
    return result;
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
  if (deposits.size() < condition.instruments_required()) return result;
  Day since = deposits[condition.instruments_required() - 1] +
              std::chrono::days{condition.days_after_last_instrument()};
  if (since <= as_of) {
    result.in_force = true;
    result.since = since;
  }
  return result;
}

}  // namespace accord::core
