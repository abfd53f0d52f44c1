// Fuzzes the lifecycle rules in process (core/decider.h, core/agreement_state.h):
// arbitrary commands decided against states folded from arbitrary event
// sequences. Structure-aware: the input is a story, a sequence of steps
//   input := step*
//   step  := mode:u8, length:u16 big-endian, Command[length] (protobuf bytes)
// An even mode decides the command against its agreement's state and, if
// the rules accept it, folds the events they return; an odd mode folds the
// command's milestone as an event without asking the rules (as a raw
// append can), so states no decision would reach are fuzzed too.
// Properties: Decide is deterministic; a rejection has a code and a
// sentence; an acceptance returns events, each with a kind and the
// command's event id first; folding them grows the history by as many and
// keeps the agreement's id; a proposal accepted starts a stream. After
// every step the allowed actions, and at the end each state's summary and
// corrected history, are built without failing.
#include <algorithm>
#include <map>
#include <string>

#include "core/decider.h"
#include "core/event_types.h"
#include "core/summary.h"
#include "tests/fuzz/fuzz_target.h"
#include "tests/fuzz/limits_hook.h"

namespace accord::fuzz {
namespace {

constexpr size_t kMaxSteps = 64;
constexpr size_t kMaxHistory = 256;
const core::Day kToday = core::Day{std::chrono::year{2025} / 1 / 15};

bool SameEvents(const std::vector<core::AgreementEvent>& a,
                const std::vector<core::AgreementEvent>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].event_id != b[i].event_id ||
        a[i].effective.SerializeAsString() != b[i].effective.SerializeAsString() ||
        a[i].event.SerializeAsString() != b[i].event.SerializeAsString()) {
      return false;
    }
  }
  return true;
}

void DecideStep(const accord::v1::Command& command, core::AgreementState* state) {
  if (!CommandAdmitted(command)) return;
  core::Decision decision = core::Decide(command, *state);
  core::Decision again = core::Decide(command, *state);
  FUZZ_CHECK(decision.ok() == again.ok(), "Decide is not deterministic");
  if (!decision) {
    FUZZ_CHECK(decision.error().code == again.error().code &&
                   decision.error().message == again.error().message,
               "Decide rejects differently on the same state");
    FUZZ_CHECK(decision.error().code != accord::v1::REJECTION_CODE_UNSPECIFIED &&
                   !decision.error().message.empty(),
               "a rejection without a code or a sentence");
    return;
  }
  const std::vector<core::AgreementEvent>& events = *decision;
  FUZZ_CHECK(SameEvents(events, *again), "Decide accepts differently on the same state");
  FUZZ_CHECK(!events.empty(), "an accepted command logs nothing");
  FUZZ_CHECK(events.front().event_id == command.event_id(),
             "the first event does not carry the command's event id");
  FUZZ_CHECK(core::IsValidAgreementId(command.agreement_id()),
             "accepted for an invalid agreement id '%s'", command.agreement_id().c_str());
  core::Stage before = state->stage;
  size_t history = state->history.size();
  for (const core::AgreementEvent& e : events) {
    FUZZ_CHECK(e.event.kind_case() != accord::v1::DomainEvent::KIND_NOT_SET,
               "a decided event has no kind");
    FUZZ_CHECK(!core::EventTypeName(e.event).empty(), "a decided event has no type name");
    *state = core::Evolve(std::move(*state), e);
  }
  FUZZ_CHECK(state->history.size() == history + events.size(),
             "folding %zu events grew the history by %zu", events.size(),
             state->history.size() - history);
  FUZZ_CHECK(state->agreement_id == command.agreement_id(), "the fold changed the agreement");
  if (before == core::Stage::kNone) {
    FUZZ_CHECK(state->stage != core::Stage::kNone, "an accepted first command left no stream");
  }
}

void RawStep(const accord::v1::Command& command, core::AgreementState* state) {
  if (command.milestone().kind_case() == accord::v1::DomainEvent::KIND_NOT_SET) return;
  *state = core::Evolve(
      std::move(*state),
      core::AgreementEvent{command.event_id(), command.effective(), command.milestone()});
}

void CheckViews(const core::AgreementState& state) {
  (void)core::AllowedActions(state);
  (void)core::CorrectedHistory(state.history);
  if (state.stage != core::Stage::kNone && !state.history.empty()) {
    accord::v1::AgreementSummary summary = core::Summarize(state, state.history.size() - 1, kToday);
    FUZZ_CHECK(summary.agreement_id() == state.agreement_id, "the summary names the agreement");
  }
}

}  // namespace

int FuzzDecider(const uint8_t* data, size_t size) {
  std::map<std::string, core::AgreementState> states;
  for (size_t step = 0; step < kMaxSteps && size >= 3; ++step) {
    uint8_t mode = data[0];
    size_t length = std::min<size_t>((size_t{data[1]} << 8) | data[2], size - 3);
    accord::v1::Command command;
    bool parsed = command.ParseFromArray(data + 3, static_cast<int>(length));
    data += 3 + length;
    size -= 3 + length;
    if (!parsed) continue;
    auto [it, added] =
        states.try_emplace(command.agreement_id(), core::InitialState(command.agreement_id()));
    core::AgreementState& state = it->second;
    if (state.history.size() >= kMaxHistory) continue;
    if (mode % 2 == 0) {
      DecideStep(command, &state);
    } else {
      RawStep(command, &state);
    }
    (void)core::AllowedActions(state);
  }
  for (const auto& entry : states) CheckViews(entry.second);
  return 0;
}

}  // namespace accord::fuzz

ACCORD_FUZZ_ENTRY(accord::fuzz::FuzzDecider)
