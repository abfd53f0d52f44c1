#include "core/agreement_state.h"

#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/util/field_mask_util.h>

#include <algorithm>

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

Stage SignatureStage(const AgreementState& state) {
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

// Evolve for every event but a correction.
void Apply(AgreementState& s, const AgreementEvent& e) {
  const DomainEvent& ev = e.event;
  switch (ev.kind_case()) {
    case DomainEvent::kAgreementProposed:
      s.stage = Stage::kProposed;
      s.proposal = ev.agreement_proposed();
      s.parties.clear();
      for (const auto& party : s.proposal.parties()) {
        PartyStatus status;
        status.party = party;
        s.parties.push_back(std::move(status));
      }
      break;
    case DomainEvent::kVisitHeld:
      MarkFulfilled(s, ev.visit_held().fulfils_milestone_id(), e.event_id);
      break;
    case DomainEvent::kTermsAgreed:
      s.commitments.assign(ev.terms_agreed().commitments().begin(),
                           ev.terms_agreed().commitments().end());
      if (s.stage == Stage::kProposed) s.stage = SignatureStage(s);
      break;
    case DomainEvent::kAgreementSigned:
      if (PartyStatus* p = FindMutableParty(s, ev.agreement_signed().party_id())) {
        p->signature = ev.agreement_signed();
        p->signed_on = e.effective;
      }
      if (!s.IsClosed()) s.stage = SignatureStage(s);
      MarkFulfilled(s, ev.agreement_signed().fulfils_milestone_id(), e.event_id);
      break;
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
    case DomainEvent::kConsentToBeBound:
      if (PartyStatus* p = FindMutableParty(s, ev.consent_to_be_bound().party_id())) {
        p->consent = ev.consent_to_be_bound();
      }
      MarkFulfilled(s, ev.consent_to_be_bound().fulfils_milestone_id(), e.event_id);
      break;
    case DomainEvent::kMembershipCategoryChanged:
      if (PartyStatus* p = FindMutableParty(s, ev.membership_category_changed().party_id())) {
        p->category = ev.membership_category_changed().category();
        p->category_note = ev.membership_category_changed().note();
      }
      break;
    case DomainEvent::kPartyWithdrew:
      if (PartyStatus* p = FindMutableParty(s, ev.party_withdrew().party_id())) {
        p->withdrawal = ev.party_withdrew();
      }
      break;
    case DomainEvent::kEntryIntoForceConditionSet:
      s.entry_into_force = ev.entry_into_force_condition_set();
      break;
    case DomainEvent::kAgreementWithdrawn:
      s.stage = Stage::kWithdrawn;
      s.closing_reason = ev.agreement_withdrawn().reason();
      break;
    case DomainEvent::kAgreementTerminated:
      s.stage = Stage::kTerminated;
      s.closing_reason = ev.agreement_terminated().reason();
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

}  // namespace accord::core
