#include "core/summary.h"

#include <algorithm>

#include "core/entry_into_force.h"
#include "core/schedule.h"

namespace accord::core {
namespace {

accord::v1::MilestoneSummary::Status ToStatus(MilestoneStatus status) {
  switch (status) {
    case MilestoneStatus::kPlanned:
      return accord::v1::MilestoneSummary::PLANNED;
    case MilestoneStatus::kOverdue:
      return accord::v1::MilestoneSummary::OVERDUE;
    case MilestoneStatus::kFulfilled:
      return accord::v1::MilestoneSummary::FULFILLED;
  }
  return accord::v1::MilestoneSummary::STATUS_UNSPECIFIED;
}

}  // namespace

accord::v1::AgreementStage ToStage(Stage stage) {
  switch (stage) {
    case Stage::kProposed:
      return accord::v1::PROPOSED;
    case Stage::kAgreed:
      return accord::v1::AGREED;
    case Stage::kPartiallySigned:
      return accord::v1::PARTIALLY_SIGNED;
    case Stage::kSigned:
      return accord::v1::SIGNED;
    case Stage::kWithdrawn:
      return accord::v1::WITHDRAWN;
    case Stage::kTerminated:
      return accord::v1::TERMINATED;
    case Stage::kNone:
      break;
  }
  return accord::v1::AGREEMENT_STAGE_UNSPECIFIED;
}

accord::v1::AgreementSummary Summarize(const AgreementState& state, uint64_t version, Day today) {
  accord::v1::AgreementSummary out;
  out.set_agreement_id(state.agreement_id);
  out.set_title(state.proposal.title());
  out.set_kind(state.proposal.kind());
  out.set_stage(ToStage(state.stage));
  out.set_version(version);
  *out.mutable_as_of() = FuzzyDay(today);
  out.set_closing_reason(state.closing_reason);
  *out.mutable_areas_of_cooperation() = state.proposal.areas_of_cooperation();

  for (const PartyStatus& p : state.parties) {
    auto* party = out.add_parties();
    *party->mutable_party() = p.party;
    if (p.signature) {
      *party->mutable_signature() = *p.signature;
      *party->mutable_signed_on() = p.signed_on;
    }
    if (p.consent) *party->mutable_consent() = *p.consent;
    party->set_category(p.category);
    party->set_category_note(p.category_note);
    if (p.withdrawal) *party->mutable_withdrawal() = *p.withdrawal;
  }

  for (const auto& c : state.commitments) {
    auto* commitment = out.add_commitments();
    *commitment->mutable_commitment() = c;
    if (auto it = state.commitment_progress.find(c.id()); it != state.commitment_progress.end()) {
      for (const auto& id : it->second) commitment->add_progressed_by_event_ids(id);
    }
  }

  for (const auto& [id, m] : state.milestones) {
    auto* milestone = out.add_milestones();
    *milestone->mutable_plan() = m.plan;
    milestone->set_status(ToStatus(StatusOf(m, state, today)));
    milestone->set_times_rescheduled(static_cast<uint32_t>(m.earlier.size()));
    for (const auto& plan : m.earlier) *milestone->add_earlier_plans() = plan;
    milestone->set_fulfilled_by_event_id(m.fulfilled_by_event_id);
  }
  auto* milestones = out.mutable_milestones();
  std::stable_sort(milestones->begin(), milestones->end(), [](const auto& a, const auto& b) {
    return EffectiveBefore(a.plan().planned(), b.plan().planned());
  });
  for (const auto& m : *milestones) {
    if (m.status() != accord::v1::MilestoneSummary::FULFILLED) {
      *out.mutable_next_milestone() = m;
      break;
    }
  }

  EntryIntoForce force = EvaluateEntryIntoForce(state, today);
  auto* in_force = out.mutable_entry_into_force();
  in_force->set_in_force(force.in_force);
  if (force.since) *in_force->mutable_since() = FuzzyDay(*force.since);
  in_force->set_instruments_deposited(force.instruments_deposited);
  in_force->set_instruments_required(force.instruments_required);
  return out;
}

}  // namespace accord::core
