#include "core/agreement_state.h"

#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/util/field_mask_util.h>

#include <algorithm>
#include <utility>

#include "core/fuzzy_date.h"

namespace accord::core {
namespace {

using accord::v1::DomainEvent;
using google::protobuf::util::FieldMaskUtil;

PartyStatus* FindMutableParty(AgreementState& state, std::string_view id) {
  for (PartyStatus& p : state.parties) {
    if (p.party.organisation_id() == id) return &p;
  }
  return nullptr;
}

void MarkFulfilled(AgreementState& state, const std::string& milestone_id,
                   const std::string& event_id) {
  if (milestone_id.empty()) return;
  auto it = state.milestones.find(milestone_id);
  if (it != state.milestones.end()) it->second.fulfilled_by_event_id = event_id;
}

// Once every signatory party of a day has signed, the agreement stays signed:
// a party joining later signs (or accedes) on its own.
Stage SignatureStage(const AgreementState& state) {
  if (state.stage == Stage::kSigned) return Stage::kSigned;
  bool any = false;
  bool all = true;
  for (const PartyStatus& p : state.parties) {
    if (p.party.role() != accord::v1::Party::SIGNATORY) continue;
    any = any || p.signature.has_value();
    all = all && p.signature.has_value();
  }
  if (all) return Stage::kSigned;
  return any ? Stage::kPartiallySigned : Stage::kAgreed;
}

// Sets the stage from the signatures and, when it first becomes kSigned,
// the date of full signature: the latest signature of the parties then
// (an undated one makes it undated: its day is unknown).
void UpdateSignatureStage(AgreementState& state) {
  Stage before = state.stage;
  state.stage = SignatureStage(state);
  if (before == Stage::kSigned || state.stage != Stage::kSigned) return;
  std::optional<accord::v1::FuzzyDate> latest;
  for (const PartyStatus& p : state.parties) {
    if (!p.signature) continue;
    std::optional<Day> day = LatestDay(p.signed_on);
    if (!day) {
      latest = p.signed_on;
      break;
    }
    if (!latest || *day > *LatestDay(*latest)) latest = p.signed_on;
  }
  state.fully_signed_on = latest;
}

// A party not yet listed that signs or consents joins by that act (the
// decider lets it only where the agreement is open), as a signatory.
PartyStatus& JoinImplicitly(AgreementState& state, const std::string& party_id,
                            const accord::v1::FuzzyDate& effective, JoinedBy how) {
  if (PartyStatus* p = FindMutableParty(state, party_id)) return *p;
  PartyStatus status;
  status.party.set_organisation_id(party_id);
  status.party.set_name(party_id);
  status.party.set_role(accord::v1::Party::SIGNATORY);
  status.joined_on = effective;
  status.joined_by = how;
  state.parties.push_back(std::move(status));
  return state.parties.back();
}

// Evolve for every event but a correction. No default: an event kind
// without its case does not compile (-Wswitch).
void Apply(AgreementState& s, const AgreementEvent& e) {
  const DomainEvent& ev = e.event;
  switch (ev.kind_case()) {
    case DomainEvent::kAgreementProposed:
      s.stage = Stage::kProposed;
      s.proposal = ev.agreement_proposed();
      s.proposed_on = e.effective;
      s.parties.clear();
      for (const auto& party : s.proposal.parties()) {
        PartyStatus status;
        status.party = party;
        status.joined_on = e.effective;
        s.parties.push_back(std::move(status));
      }
      break;
    case DomainEvent::kPartyJoined: {
      const auto& joined = ev.party_joined();
      PartyStatus* p = FindMutableParty(s, joined.party().organisation_id());
      if (p == nullptr) {
        s.parties.emplace_back();
        p = &s.parties.back();
      }
      if (p->party.organisation_id().empty() || p->joined_by == JoinedBy::kSignature ||
          p->joined_by == JoinedBy::kConsent) {
        p->joined_on = e.effective;  // new, or its joining logged after the act it joined by
        p->joined_by = JoinedBy::kJoining;
      }
      p->party = joined.party();  // an observer joining as a signatory changes role
      if (joined.category() != accord::v1::MEMBERSHIP_CATEGORY_UNSPECIFIED) {
        p->category = joined.category();
        p->category_note = joined.note();
        p->category_history.push_back({joined.category(), joined.note(), e.effective});
      }
      if (!s.IsClosed() && s.stage != Stage::kProposed) UpdateSignatureStage(s);
      break;
    }
    case DomainEvent::kEntryIntoForceRecorded: {
      const auto& recorded = ev.entry_into_force_recorded();
      if (recorded.party_id().empty()) {
        s.in_force_recorded = recorded;
        s.in_force_recorded_on = e.effective;
      } else if (PartyStatus* p = FindMutableParty(s, recorded.party_id())) {
        p->in_force_recorded = recorded;
        p->in_force_recorded_on = e.effective;
      }
      break;
    }
    case DomainEvent::kDeclarationMade:
      if (PartyStatus* p = FindMutableParty(s, ev.declaration_made().party_id())) {
        p->declarations.push_back({ev.declaration_made(), e.effective});
      }
      break;
    case DomainEvent::kAgreementLinked:
      s.links.push_back({ev.agreement_linked(), e.effective});
      break;
    case DomainEvent::kVisitHeld:
      MarkFulfilled(s, ev.visit_held().fulfils_milestone_id(), e.event_id);
      break;
    case DomainEvent::kTermsAgreed:
      s.commitments.assign(ev.terms_agreed().commitments().begin(),
                           ev.terms_agreed().commitments().end());
      if (s.stage == Stage::kProposed) UpdateSignatureStage(s);
      break;
    case DomainEvent::kAgreementSigned: {
      PartyStatus& p =
          JoinImplicitly(s, ev.agreement_signed().party_id(), e.effective, JoinedBy::kSignature);
      p.signature = ev.agreement_signed();
      p.signed_on = e.effective;
      if (!s.IsClosed()) UpdateSignatureStage(s);
      MarkFulfilled(s, ev.agreement_signed().fulfils_milestone_id(), e.event_id);
      break;
    }
    case DomainEvent::kFollowUpMeetingHeld:
      for (const auto& id : ev.follow_up_meeting_held().commitments_progressed()) {
        s.commitment_progress[id].push_back(e.event_id);
      }
      MarkFulfilled(s, ev.follow_up_meeting_held().fulfils_milestone_id(), e.event_id);
      break;
    case DomainEvent::kMilestoneScheduled: {
      const auto& plan = ev.milestone_scheduled();
      auto [it, inserted] = s.milestones.try_emplace(plan.milestone_id());
      if (!inserted) it->second.earlier.push_back(it->second.plan);
      it->second.plan = plan;
      break;
    }
    case DomainEvent::kConsentToBeBound: {
      const auto& consent = ev.consent_to_be_bound();
      PartyStatus& p = JoinImplicitly(s, consent.party_id(), e.effective, JoinedBy::kConsent);
      p.consent = consent;
      if (IsDefinitiveSignature(consent) && !p.signature) {
        accord::v1::AgreementSigned signature;
        signature.set_party_id(consent.party_id());
        signature.set_ordinal(consent.ordinal());
        p.signature = signature;
        p.signed_on = e.effective;
        if (!s.IsClosed() && s.stage != Stage::kProposed) UpdateSignatureStage(s);
      }
      MarkFulfilled(s, ev.consent_to_be_bound().fulfils_milestone_id(), e.event_id);
      break;
    }
    case DomainEvent::kMembershipCategoryChanged:
      if (PartyStatus* p = FindMutableParty(s, ev.membership_category_changed().party_id())) {
        p->category = ev.membership_category_changed().category();
        p->category_note = ev.membership_category_changed().note();
        p->category_history.push_back({p->category, p->category_note, e.effective});
      }
      break;
    case DomainEvent::kPartyWithdrew:
      if (PartyStatus* p = FindMutableParty(s, ev.party_withdrew().party_id())) {
        p->withdrawal = ev.party_withdrew();
        p->withdrew_on = e.effective;
      }
      break;
    case DomainEvent::kEntryIntoForceConditionSet:
      // A condition of no instruments (refused by the rules, but a raw
      // append or an imported log can carry one) changes nothing: every
      // reading of the state would otherwise have to guard against it.
      if (ev.entry_into_force_condition_set().instruments_required() > 0) {
        s.entry_into_force = ev.entry_into_force_condition_set();
      }
      break;
    case DomainEvent::kAgreementWithdrawn:
      s.stage = Stage::kWithdrawn;
      s.closing_reason = ev.agreement_withdrawn().reason();
      break;
    case DomainEvent::kAgreementTerminated:
      s.stage = Stage::kTerminated;
      s.closing_reason = ev.agreement_terminated().reason();
      break;
    case DomainEvent::kDocumentAttached:
      s.documents.push_back({ev.document_attached(), e.event_id, e.effective});
      break;
    case DomainEvent::kNoteAdded:
    case DomainEvent::kEventCorrected:
    case DomainEvent::KIND_NOT_SET:
      break;
  }
}

// Copies the paths of `correction` from its replacement into `target`.
void ApplyCorrection(const accord::v1::EventCorrected& correction, AgreementEvent& target) {
  if (correction.has_effective()) target.effective = correction.effective();
  if (correction.fields().empty() ||
      correction.replacement().kind_case() != target.event.kind_case()) {
    return;
  }
  const auto* field = DomainEvent::descriptor()->FindFieldByNumber(target.event.kind_case());
  const auto& source =
      correction.replacement().GetReflection()->GetMessage(correction.replacement(), field);
  auto* destination = target.event.GetReflection()->MutableMessage(&target.event, field);
  google::protobuf::FieldMask mask;
  for (const auto& path : correction.fields()) mask.add_paths(path);
  FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  FieldMaskUtil::MergeMessageTo(source, mask, options, destination);
}

}  // namespace

std::string_view StageName(Stage stage) {
  switch (stage) {
    case Stage::kNone:
      return "none";
    case Stage::kProposed:
      return "proposed";
    case Stage::kAgreed:
      return "agreed";
    case Stage::kPartiallySigned:
      return "partially signed";
    case Stage::kSigned:
      return "signed";
    case Stage::kWithdrawn:
      return "withdrawn";
    case Stage::kTerminated:
      return "terminated";
  }
  return "unknown";
}

const PartyStatus* AgreementState::FindParty(std::string_view organisation_id) const {
  for (const PartyStatus& p : parties) {
    if (p.party.organisation_id() == organisation_id) return &p;
  }
  return nullptr;
}

const AgreementEvent* AgreementState::FindEvent(std::string_view event_id) const {
  for (const AgreementEvent& e : history) {
    if (e.event_id == event_id) return &e;
  }
  return nullptr;
}

const accord::v1::Commitment* AgreementState::FindCommitment(std::string_view id) const {
  for (const auto& c : commitments) {
    if (c.id() == id) return &c;
  }
  return nullptr;
}

bool AgreementState::OpenToNewPartiesOn(const accord::v1::FuzzyDate& day) const {
  if (!proposal.openness().open()) return false;
  if (!proposal.openness().has_until() || !HasDate(proposal.openness().until())) return true;
  std::optional<Day> earliest = EarliestDay(day);
  std::optional<Day> closes = LatestDay(proposal.openness().until());
  return !earliest || !closes || *earliest <= *closes;
}

std::vector<std::string> ProposerIds(const accord::v1::AgreementProposed& proposal) {
  std::vector<std::string> ids;
  auto add = [&ids](const std::string& id) {
    if (!id.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  };
  add(proposal.proposer_party_id());
  for (const auto& id : proposal.proposer_party_ids()) add(id);
  return ids;
}

bool IsDefinitiveSignature(const accord::v1::ConsentToBeBound& consent) {
  return consent.instrument() == accord::v1::ConsentToBeBound::DEFINITIVE_SIGNATURE;
}

bool AgreementState::TermsAgreed() const {
  return std::any_of(history.begin(), history.end(),
                     [](const AgreementEvent& e) { return e.event.has_terms_agreed(); });
}

AgreementState InitialState(std::string agreement_id) {
  AgreementState state;
  state.agreement_id = std::move(agreement_id);
  return state;
}

std::vector<AgreementEvent> CorrectedHistory(const std::vector<AgreementEvent>& history) {
  std::vector<AgreementEvent> view;
  view.reserve(history.size());
  for (const AgreementEvent& e : history) {
    if (!e.event.has_event_corrected()) {
      view.push_back(e);
      continue;
    }
    const auto& correction = e.event.event_corrected();
    for (AgreementEvent& target : view) {
      if (target.event_id == correction.corrected_event_id()) ApplyCorrection(correction, target);
    }
  }
  return view;
}

AgreementState Evolve(AgreementState state, const AgreementEvent& event) {
  state.history.push_back(event);
  if (!event.event.has_event_corrected()) {
    Apply(state, event);
    return state;
  }
  AgreementState rebuilt = InitialState(std::move(state.agreement_id));
  for (const AgreementEvent& e : CorrectedHistory(state.history)) Apply(rebuilt, e);
  rebuilt.history = std::move(state.history);
  return rebuilt;
}

AgreementState Evolve(AgreementState state, AgreementEvent&& event) {
  if (event.event.has_event_corrected()) return Evolve(std::move(state), std::as_const(event));
  Apply(state, event);  // reads only the event, so it may be moved into history after
  state.history.push_back(std::move(event));
  return state;
}

}  // namespace accord::core
