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
  kPartiallySigned,  // some but not all signatory parties of the day have signed
  kSigned,           // every signatory party of the day has signed; parties that
                     // join later sign on their own and do not unsign it
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

// How a party came to be one.
enum class JoinedBy {
  kProposal,   // listed in the proposal
  kJoining,    // its own PartyJoined
  kSignature,  // signed an open agreement it was not yet a party to
  kConsent,    // acceded (or succeeded, or signed definitively) likewise
};

struct CategoryChange {
  accord::v1::MembershipCategory category = accord::v1::MEMBERSHIP_CATEGORY_UNSPECIFIED;
  std::string note;
  accord::v1::FuzzyDate effective;
};

struct DatedDeclaration {
  accord::v1::DeclarationMade declaration;
  accord::v1::FuzzyDate effective;
};

struct PartyStatus {
  accord::v1::Party party;
  accord::v1::FuzzyDate joined_on;  // the proposal's date for listed parties
  JoinedBy joined_by = JoinedBy::kProposal;
  std::optional<accord::v1::AgreementSigned> signature;
  accord::v1::FuzzyDate signed_on;
  std::optional<accord::v1::ConsentToBeBound> consent;
  accord::v1::MembershipCategory category = accord::v1::MEMBERSHIP_CATEGORY_UNSPECIFIED;
  std::string category_note;
  std::vector<CategoryChange> category_history;  // in log order, each dated
  std::vector<DatedDeclaration> declarations;
  std::optional<accord::v1::PartyWithdrew> withdrawal;
  accord::v1::FuzzyDate withdrew_on;
  // Entry into force for this party, as a recorded fact.
  std::optional<accord::v1::EntryIntoForceRecorded> in_force_recorded;
  accord::v1::FuzzyDate in_force_recorded_on;
};

struct DatedLink {
  accord::v1::AgreementLinked link;
  accord::v1::FuzzyDate effective;
};

struct AttachedDocument {
  accord::v1::DocumentAttached attached;
  std::string event_id;
  accord::v1::FuzzyDate effective;
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
  accord::v1::FuzzyDate proposed_on;
  // The proposal's parties in its order, then those that joined, in log order.
  std::vector<PartyStatus> parties;
  std::vector<accord::v1::Commitment> commitments;
  // Commitment id -> the follow-up meetings (event ids) that moved it on.
  std::map<std::string, std::vector<std::string>, std::less<>> commitment_progress;
  std::map<std::string, PlannedMilestone, std::less<>> milestones;
  std::optional<accord::v1::EntryIntoForceConditionSet> entry_into_force;
  // When every signatory party of that day had signed: the latest of their
  // signatures' dates, taken when the stage first became kSigned. Parties
  // that join later do not move it.
  std::optional<accord::v1::FuzzyDate> fully_signed_on;
  // The agreement's entry into force as a recorded fact.
  std::optional<accord::v1::EntryIntoForceRecorded> in_force_recorded;
  accord::v1::FuzzyDate in_force_recorded_on;
  std::vector<DatedLink> links;
  std::vector<AttachedDocument> documents;  // in log order
  std::string closing_reason;               // why it was withdrawn or terminated
  std::vector<AgreementEvent> history;      // every event as logged, in order

  const PartyStatus* FindParty(std::string_view organisation_id) const;
  const AgreementEvent* FindEvent(std::string_view event_id) const;
  const accord::v1::Commitment* FindCommitment(std::string_view id) const;
  bool IsClosed() const { return stage == Stage::kWithdrawn || stage == Stage::kTerminated; }
  bool TermsAgreed() const;
  bool NonBinding() const { return proposal.non_binding(); }
  // Whether a new party may join on `day` (an effective date): the proposal
  // says it is open, and `day` is not certainly after the day it closed.
  bool OpenToNewPartiesOn(const accord::v1::FuzzyDate& day) const;
  // Open to new parties at all (whatever the day).
  bool OpenToNewParties() const { return proposal.openness().open(); }
};

// The proposers, first the old single proposer_party_id, then
// proposer_party_ids, without repeats.
std::vector<std::string> ProposerIds(const accord::v1::AgreementProposed& proposal);

// A signature by definitive signature: the consent counts as the signature.
bool IsDefinitiveSignature(const accord::v1::ConsentToBeBound& consent);

AgreementState InitialState(std::string agreement_id);
AgreementState Evolve(AgreementState state, const AgreementEvent& event);
// The same, keeping `event` in `history` without copying it: for folds that
// read an event only to fold it (replays of the log).
AgreementState Evolve(AgreementState state, AgreementEvent&& event);

// `history` with every EventCorrected applied to the event it names and
// then left out. Events keep their order and ids.
std::vector<AgreementEvent> CorrectedHistory(const std::vector<AgreementEvent>& history);

}  // namespace accord::core
