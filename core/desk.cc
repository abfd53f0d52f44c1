#include "core/desk.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <tuple>

#include "core/schedule.h"
#include "core/summary.h"

namespace accord::core {
namespace {

// The event that made the milestone's latest plan: the last MilestoneScheduled
// naming it (a reschedule is another one).
std::string PlanEventId(const AgreementState& state, const std::string& milestone_id) {
  for (auto e = state.history.rbegin(); e != state.history.rend(); ++e) {
    if (e->event.has_milestone_scheduled() &&
        e->event.milestone_scheduled().milestone_id() == milestone_id) {
      return e->event_id;
    }
  }
  return "";
}

std::string PlaceWords(const accord::v1::Place& place) {
  std::vector<std::string> parts;
  for (const std::string* part : {&place.name(), &place.city(), &place.country()}) {
    if (!part->empty()) parts.push_back(*part);
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

// Undated ("") after every day; days in order.
bool DueBefore(const accord::v1::PlannedItem& a, const accord::v1::PlannedItem& b) {
  auto key = [](const accord::v1::PlannedItem& item) {
    return std::make_tuple(item.due_by().empty(), item.due_by(), item.agreement_id(),
                           item.milestone_id());
  };
  return key(a) < key(b);
}

// The event that agreed a commitment: the TermsAgreed listing its id.
std::string TermsEventId(const AgreementState& state, const std::string& commitment_id) {
  for (const AgreementEvent& e : state.history) {
    if (!e.event.has_terms_agreed()) continue;
    for (const auto& c : e.event.terms_agreed().commitments()) {
      if (c.id() == commitment_id) return e.event_id;
    }
  }
  return "";
}

accord::v1::OpenCommitment CommitmentItem(const AgreementState& state,
                                          const accord::v1::Commitment& c, Day today) {
  accord::v1::OpenCommitment item;
  item.set_agreement_id(state.agreement_id);
  item.set_agreement_title(state.proposal.title());
  item.set_text(c.description());
  item.set_commitment_id(c.id());
  item.set_kind(c.kind());
  item.set_event_id(TermsEventId(state, c.id()));
  item.set_status("open");
  if (!HasDate(c.due())) {
    item.set_due_text("no due date");
    return item;
  }
  *item.mutable_due() = c.due();
  item.set_due_text(FormatFuzzyDate(c.due()));
  if (std::optional<Day> last = LatestDay(c.due())) {
    item.set_due_by(IsoDay(*last));
    if (*last < today) item.set_status("overdue");
  }
  return item;
}

}  // namespace

std::string MilestoneKindWords(accord::v1::MilestoneScheduled::Kind kind) {
  if (kind == accord::v1::MilestoneScheduled::OTHER ||
      !accord::v1::MilestoneScheduled::Kind_IsValid(kind) ||
      kind == accord::v1::MilestoneScheduled::KIND_UNSPECIFIED) {
    return "milestone";
  }
  // SIGNING -> "signing", ENTRY_INTO_FORCE -> "entry into force"
  std::string words = accord::v1::MilestoneScheduled::Kind_Name(kind);
  for (char& c : words) c = c == '_' ? ' ' : static_cast<char>(std::tolower(c));
  return words;
}

std::string IsoDay(Day day) {
  std::chrono::year_month_day ymd(day);
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

std::vector<accord::v1::PlannedItem> OpenMilestones(const AgreementState& state, Day today) {
  std::vector<accord::v1::PlannedItem> items;
  if (state.stage == Stage::kNone || state.IsClosed()) return items;
  for (const auto& [milestone_id, milestone] : state.milestones) {
    MilestoneStatus status = StatusOf(milestone, state, today);
    if (status == MilestoneStatus::kFulfilled) continue;
    const accord::v1::MilestoneScheduled& plan = milestone.plan;
    accord::v1::PlannedItem& item = items.emplace_back();
    item.set_agreement_id(state.agreement_id);
    item.set_agreement_title(state.proposal.title());
    item.set_event_id(PlanEventId(state, milestone_id));
    item.set_milestone(MilestoneKindWords(plan.kind()));
    *item.mutable_planned() = plan.planned();
    item.set_planned_text(FormatFuzzyDate(plan.planned()));
    item.set_description(plan.description());
    item.set_milestone_id(milestone_id);
    item.set_status(std::string(MilestoneStatusName(status)));
    if (std::optional<Day> last = LatestDay(plan.planned())) item.set_due_by(IsoDay(*last));
    item.set_place(PlaceWords(plan.place()));
  }
  std::sort(items.begin(), items.end(), DueBefore);
  return items;
}

std::vector<accord::v1::OpenCommitment> OpenCommitmentItems(const AgreementState& state,
                                                            Day today) {
  std::vector<accord::v1::OpenCommitment> items;
  for (const accord::v1::Commitment* c : OpenCommitments(state)) {
    items.push_back(CommitmentItem(state, *c, today));
  }
  return items;
}

accord::v1::Desk BuildDesk(const FoldedAgreements& agreements, Day today) {
  accord::v1::Desk desk;
  desk.set_today(IsoDay(today));
  std::vector<accord::v1::PlannedItem> planned;
  std::map<accord::v1::AgreementStage, uint32_t> stages;
  // Party id -> its name (the first agreement naming it) and its commitments.
  std::map<std::string, accord::v1::PartyCommitments> by_party;
  for (const auto& [id, state] : agreements) {
    if (state.stage == Stage::kNone) continue;
    ++stages[ToStage(state.stage)];
    for (auto& item : OpenMilestones(state, today)) planned.push_back(std::move(item));
    for (const accord::v1::Commitment* c : OpenCommitments(state)) {
      const accord::v1::OpenCommitment item = CommitmentItem(state, *c, today);
      for (const std::string& party : ResponsibleParties(*c)) {
        accord::v1::PartyCommitments& row = by_party[party];
        row.set_party(party);
        if (row.party_name().empty()) {
          const PartyStatus* status = state.FindParty(party);
          row.set_party_name(status != nullptr ? status->party.name() : party);
        }
        *row.add_commitments() = item;
      }
    }
  }
  std::sort(planned.begin(), planned.end(), DueBefore);
  for (auto& item : planned) {
    if (item.due_by().empty()) continue;  // planned in words only: never due
    Day due = *LatestDay(item.planned());
    auto days = (due - today).count();
    if (days < 0) {
      *desk.add_overdue() = std::move(item);
    } else if (days <= 30) {
      *desk.add_due_within_30_days() = std::move(item);
    } else if (days <= 90) {
      *desk.add_due_within_90_days() = std::move(item);
    }
  }
  for (auto& [party, row] : by_party) *desk.add_open_commitments_by_party() = std::move(row);
  for (const auto& [stage, count] : stages) {
    auto* row = desk.add_pipeline();
    row->set_stage(stage);
    row->set_count(count);
  }
  return desk;
}

accord::v1::CalendarItems BuildCalendarItems(const FoldedAgreements& agreements, Day today) {
  accord::v1::CalendarItems items;
  items.set_today(IsoDay(today));
  for (const auto& [id, state] : agreements) {
    for (auto& item : OpenMilestones(state, today)) *items.add_milestones() = std::move(item);
    for (auto& item : OpenCommitmentItems(state, today)) *items.add_commitments() = std::move(item);
  }
  return items;
}

}  // namespace accord::core
