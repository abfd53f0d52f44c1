// An agreement's state, folded from its events: the "evolve" half of the
// decider (core/decider.h holds "decide").
//
//   AgreementState state = InitialState("cospar-apsco-mou");
//   for (const AgreementEvent& e : events) state = Evolve(std::move(state), e);
//
// Evolve is total: it trusts that every event was accepted by Decide, and
// ignores what it cannot use rather than failing. A correction (EventCorrected)
// rewrites nothing in `history`, which keeps events as logged; the derived
// fields are rebuilt from CorrectedHistory, the view in which every
// correction's fields have replaced those of the event it names.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accord/v1/events.pb.h"

namespace accord::core {

enum class Stage {
  kNone,  // no event yet: the stream does not exist
  kProposed,
  kAgreed,           // terms agreed, no signature yet
  kPartiallySigned,  // some but not all signatory parties have signed
  kSigned,           // every signatory party has signed
  kWithdrawn,        // abandoned before it was fully signed
  kTerminated,       // ended after it was fully signed
};

// "none", "proposed", "agreed", "partially signed", "signed", "withdrawn",
// "terminated".
std::string_view StageName(Stage stage);

// An event as Decide emits it and Evolve folds it: the payload with the
// envelope fields the rules look at.
struct AgreementEvent {
  std::string event_id;
  accord::v1::FuzzyDate effective;
  accord::v1::DomainEvent event;
};

struct PartyStatus {
  accord::v1::Party party;
  std::optional<accord::v1::AgreementSigned> signature;
  accord::v1::FuzzyDate signed_on;
  std::optional<accord::v1::ConsentToBeBound> consent;
  accord::v1::MembershipCategory category = accord::v1::MEMBERSHIP_CATEGORY_UNSPECIFIED;
  std::string category_note;
  std::optional<accord::v1::PartyWithdrew> withdrawal;
};

struct PlannedMilestone {
  accord::v1::MilestoneScheduled plan;                  // the latest plan
  std::vector<accord::v1::MilestoneScheduled> earlier;  // plans it replaced, oldest first
  std::string fulfilled_by_event_id;                    // empty while open
};

struct AgreementState {
  std::string agreement_id;
  Stage stage = Stage::kNone;
  accord::v1::AgreementProposed proposal;
  std::vector<PartyStatus> parties;  // in the order the proposal lists them
  std::vector<accord::v1::Commitment> commitments;
  // Commitment id -> the follow-up meetings (event ids) that moved it on.
  std::map<std::string, std::vector<std::string>, std::less<>> commitment_progress;
  std::map<std::string, PlannedMilestone, std::less<>> milestones;
  std::optional<accord::v1::EntryIntoForceConditionSet> entry_into_force;
  std::string closing_reason;           // why it was withdrawn or terminated
  std::vector<AgreementEvent> history;  // every event as logged, in order

  const PartyStatus* FindParty(std::string_view organisation_id) const;
  const AgreementEvent* FindEvent(std::string_view event_id) const;
  const accord::v1::Commitment* FindCommitment(std::string_view id) const;
  bool IsClosed() const { return stage == Stage::kWithdrawn || stage == Stage::kTerminated; }
  bool TermsAgreed() const;
};

AgreementState InitialState(std::string agreement_id);
AgreementState Evolve(AgreementState state, const AgreementEvent& event);

// `history` with every EventCorrected applied to the event it names and
// then left out. Events keep their order and ids.
std::vector<AgreementEvent> CorrectedHistory(const std::vector<AgreementEvent>& history);

}  // namespace accord::core
