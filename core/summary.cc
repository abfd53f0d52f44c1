#include "core/summary.h"

#include <algorithm>
#include <limits>
#include <vector>

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

accord::v1::JoinedBy ToJoinedBy(JoinedBy how) {
  switch (how) {
    case JoinedBy::kProposal:
      return accord::v1::BY_PROPOSAL;
    case JoinedBy::kJoining:
      return accord::v1::BY_JOINING;
    case JoinedBy::kSignature:
      return accord::v1::BY_SIGNATURE;
    case JoinedBy::kConsent:
      return accord::v1::BY_CONSENT;
  }
  return accord::v1::JOINED_BY_UNSPECIFIED;
}

// Certainly on or before `day`; undated acts count, the source saying they
// happened.
bool ByDay(const accord::v1::FuzzyDate& date, Day day) {
  std::optional<Day> latest = LatestDay(date);
  return !latest || *latest <= day;
}

// Join order: by the earliest day each could have joined, undated last,
// ties in the state's (log) order. Returns 1-based ranks by state index.
std::vector<uint32_t> JoinOrder(const AgreementState& state) {
  std::vector<size_t> order(state.parties.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto key = [&state](size_t i) {
    std::optional<Day> day = EarliestDay(state.parties[i].joined_on);
    return day ? day->time_since_epoch().count() : std::numeric_limits<int64_t>::max();
  };
  std::stable_sort(order.begin(), order.end(),
                   [&key](size_t a, size_t b) { return key(a) < key(b); });
  std::vector<uint32_t> rank(order.size());
  for (size_t r = 0; r < order.size(); ++r) rank[order[r]] = static_cast<uint32_t>(r + 1);
  return rank;
}

void FillInForce(const PartyInForce& in, accord::v1::PartyInForce* out) {
  out->set_in_force(in.in_force);
  if (in.recorded) {
    out->set_recorded(true);
    out->set_as_stated(in.as_stated);
    if (in.in_force) *out->mutable_since() = in.since_as_recorded;
  } else if (in.since) {
    *out->mutable_since() = FuzzyDay(*in.since);
  }
  out->set_in_effect(in.in_effect);
  if (in.in_effect) *out->mutable_in_effect_since() = in.in_effect_since;
  out->set_withdrawn(in.withdrawn);
}

}  // namespace

int64_t DaysFromOpening(const AgreementState& state, const PartyStatus& party,
                        const accord::v1::FuzzyDate& to) {
  const accord::v1::FuzzyDate& from =
      party.joined_by == JoinedBy::kJoining ? party.joined_on : state.proposed_on;
  std::optional<Day> a = EarliestDay(from);
  std::optional<Day> b = EarliestDay(to);
  if (!a || !b) return -1;
  return std::max<int64_t>(0, (*b - *a).count());
}

accord::v1::PartyCounts CountParties(const AgreementState& state, Day day) {
  accord::v1::PartyCounts counts;
  EntryIntoForce force = EvaluateEntryIntoForce(state, day);
  for (const PartyStatus& p : state.parties) {
    if (!ByDay(p.joined_on, day)) continue;
    counts.set_parties(counts.parties() + 1);
    if (p.party.role() == accord::v1::Party::OBSERVER) counts.set_observers(counts.observers() + 1);
    if (p.signature && ByDay(p.signed_on, day)) counts.set_have_signed(counts.have_signed() + 1);
    if (p.consent && ByDay(p.consent->deposited(), day)) counts.set_bound(counts.bound() + 1);
    PartyInForce in = EvaluateForParty(state, p, force, day);
    if (in.in_force || in.in_effect) counts.set_in_force_for(counts.in_force_for() + 1);
    if (in.withdrawn) counts.set_withdrawn(counts.withdrawn() + 1);
  }
  return counts;
}

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

  out.set_non_binding(state.NonBinding());
  if (state.proposal.has_openness()) *out.mutable_openness() = state.proposal.openness();
  for (const std::string& id : ProposerIds(state.proposal)) out.add_proposer_ids(id);
  for (const DatedLink& l : state.links) {
    auto* link = out.add_links();
    link->set_relation(l.link.relation());
    link->set_other_agreement_id(l.link.other_agreement_id());
    link->set_direction(accord::v1::LinkSummary::OUTGOING);
    link->set_note(l.link.note());
    *link->mutable_effective() = l.effective;
  }

  for (const AttachedDocument& d : state.documents) {
    auto* document = out.add_documents();
    document->set_sha256(d.attached.document().sha256());
    document->set_name(d.attached.document().name());
    document->set_media_type(d.attached.document().media_type());
    document->set_size(d.attached.document().size());
    document->set_about_event_id(d.attached.about_event_id());
    document->set_event_id(d.event_id);
    document->set_note(d.attached.note());
    if (d.effective.ByteSizeLong() > 0) *document->mutable_effective() = d.effective;
  }

  EntryIntoForce force = EvaluateEntryIntoForce(state, today);
  std::vector<uint32_t> join_order = JoinOrder(state);
  for (size_t i = 0; i < state.parties.size(); ++i) {
    const PartyStatus& p = state.parties[i];
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
    *party->mutable_joined_on() = p.joined_on;
    party->set_joined_by(ToJoinedBy(p.joined_by));
    party->set_join_order(join_order[i]);
    for (const CategoryChange& c : p.category_history) {
      auto* change = party->add_category_history();
      change->set_category(c.category);
      change->set_note(c.note);
      *change->mutable_effective() = c.effective;
    }
    for (const DatedDeclaration& d : p.declarations) {
      auto* declaration = party->add_declarations();
      *declaration->mutable_declaration() = d.declaration;
      *declaration->mutable_effective() = d.effective;
    }
    FillInForce(EvaluateForParty(state, p, force, today), party->mutable_in_force());
    party->set_days_to_signature(p.signature ? DaysFromOpening(state, p, p.signed_on) : -1);
    party->set_days_to_consent(p.consent ? DaysFromOpening(state, p, p.consent->deposited()) : -1);
  }
  *out.mutable_counts() = CountParties(state, today);

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

  auto* in_force = out.mutable_entry_into_force();
  in_force->set_in_force(force.in_force);
  if (force.recorded && force.in_force) {
    *in_force->mutable_since() = force.recorded_on;
  } else if (force.since) {
    *in_force->mutable_since() = FuzzyDay(*force.since);
  }
  in_force->set_instruments_deposited(force.instruments_deposited);
  in_force->set_instruments_required(force.instruments_required);
  in_force->set_non_binding(force.non_binding);
  in_force->set_recorded(force.recorded);
  if (force.recorded) *in_force->mutable_recorded_on() = force.recorded_on;
  in_force->set_recorded_as_stated(force.recorded_as_stated);
  in_force->set_rule_in_force(force.rule_in_force);
  if (force.rule_since) *in_force->mutable_rule_since() = FuzzyDay(*force.rule_since);
  in_force->set_disagree(force.disagree);
  in_force->set_explanation(force.explanation);
  return out;
}

}  // namespace accord::core
