#include "core/report.h"

#include <algorithm>

#include "core/as_of.h"
#include "core/schedule.h"
#include "core/summary.h"

namespace accord::core {
namespace {

int64_t DaysBetween(const accord::v1::FuzzyDate& from, const accord::v1::FuzzyDate& to) {
  auto a = EarliestDay(from);
  auto b = EarliestDay(to);
  if (!a || !b) return -1;
  return (*b - *a).count();
}

int64_t Median(std::vector<int64_t> values) {
  std::erase_if(values, [](int64_t v) { return v < 0; });
  if (values.empty()) return -1;
  std::sort(values.begin(), values.end());
  size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

// The first year any of the agreement's events is dated in.
std::optional<int> FirstYear(const std::vector<AgreementEvent>& corrected) {
  std::optional<Day> first;
  for (const auto& e : corrected) {
    std::optional<Day> day = EarliestDay(e.effective);
    if (day && (!first || *day < *first)) first = day;
  }
  if (!first) return std::nullopt;
  return static_cast<int>(std::chrono::year_month_day(*first).year());
}

void AddYearCounts(const std::string& id, const AgreementState& state, Day as_of,
                   accord::v1::AgreementsReport* report) {
  std::vector<AgreementEvent> corrected = CorrectedHistory(state.history);
  std::optional<int> first = FirstYear(corrected);
  if (!first) return;
  int last = static_cast<int>(std::chrono::year_month_day(as_of).year());
  for (int year = std::max(*first, last - kMaxReportYears + 1); year <= last; ++year) {
    Day end = std::min(as_of, Day(std::chrono::year{year} / std::chrono::December / 31));
    AgreementState then = Fold(id, TrueOn(corrected, end));
    if (then.stage == Stage::kNone) continue;
    auto* row = report->add_counts_by_year();
    row->set_agreement_id(id);
    row->set_year(year);
    *row->mutable_counts() = CountParties(then, end);
  }
}

}  // namespace

bool IsMultilateral(const AgreementState& state) {
  return state.proposal.kind() == accord::v1::CONVENTION || state.parties.size() > 2 ||
         state.OpenToNewParties();
}

void ReportBuilder::Add(const accord::v1::RecordedEvent& e) {
  const std::string& id = e.record().stream_id();
  auto it = agreements_.find(id);
  if (it == agreements_.end()) it = agreements_.emplace(id, InitialState(id)).first;
  it->second = Evolve(std::move(it->second),
                      AgreementEvent{e.record().event_id(), e.record().effective(), e.event()});
  versions_[id] = e.record().stream_version();
  ++events_;
}

accord::v1::AgreementsReport ReportBuilder::Build(Day as_of) const {
  accord::v1::AgreementsReport report;
  *report.mutable_as_of() = FuzzyDay(as_of);
  report.set_events_replayed(events_);
  std::map<accord::v1::AgreementStage, std::vector<std::string>> by_stage;
  std::vector<int64_t> to_agreed;
  std::vector<int64_t> to_signed;
  std::map<std::string, std::vector<accord::v1::AgreementsReport::OpenCommitment>> open_by_party;

  for (const auto& [id, state] : agreements_) {
    if (state.stage == Stage::kNone) continue;
    by_stage[ToStage(state.stage)].push_back(id);

    // Cycle times, from the corrected history's effective dates.
    std::vector<AgreementEvent> corrected = CorrectedHistory(state.history);
    const accord::v1::FuzzyDate* proposed = nullptr;
    const accord::v1::FuzzyDate* agreed = nullptr;
    for (const auto& e : corrected) {
      if (e.event.has_agreement_proposed() && proposed == nullptr) proposed = &e.effective;
      if (e.event.has_terms_agreed() && agreed == nullptr) agreed = &e.effective;
    }
    auto* cycle = report.add_cycle_times();
    cycle->set_agreement_id(id);
    cycle->set_days_proposed_to_agreed(proposed && agreed ? DaysBetween(*proposed, *agreed) : -1);
    int64_t signing = -1;
    if ((state.stage == Stage::kSigned || state.stage == Stage::kTerminated) &&
        state.fully_signed_on) {
      // To full signature by the parties of that day, not to a later joiner's.
      std::optional<Day> last = EarliestDay(*state.fully_signed_on);
      if (agreed && last && EarliestDay(*agreed)) signing = (*last - *EarliestDay(*agreed)).count();
    }
    cycle->set_days_agreed_to_signed(signing);
    to_agreed.push_back(cycle->days_proposed_to_agreed());
    to_signed.push_back(signing);

    for (const auto& [milestone_id, m] : state.milestones) {
      if (StatusOf(m, state, as_of) != MilestoneStatus::kOverdue) continue;
      auto* overdue = report.add_overdue();
      overdue->set_agreement_id(id);
      *overdue->mutable_plan() = m.plan;
    }

    for (const accord::v1::Commitment* c : OpenCommitments(state)) {
      for (const auto& party : ResponsibleParties(*c)) {
        accord::v1::AgreementsReport::OpenCommitment open;
        open.set_party_id(party);
        open.set_agreement_id(id);
        *open.mutable_commitment() = *c;
        open_by_party[party].push_back(std::move(open));
      }
    }

    if (IsMultilateral(state)) {
      accord::v1::AgreementSummary summary = Summarize(state, versions_.at(id), as_of);
      for (const auto& party : summary.parties()) {
        auto* row = report.add_convention_parties();
        row->set_agreement_id(id);
        *row->mutable_party() = party;
      }
      AddYearCounts(id, state, as_of, &report);
    }
  }
  for (auto& [stage, ids] : by_stage) {
    auto* count = report.add_pipeline();
    count->set_stage(stage);
    for (auto& id : ids) count->add_agreement_ids(id);
  }
  report.set_median_days_proposed_to_agreed(Median(to_agreed));
  report.set_median_days_agreed_to_signed(Median(to_signed));
  for (auto& [party, rows] : open_by_party) {
    for (auto& row : rows) *report.add_open_commitments() = std::move(row);
  }
  return report;
}

}  // namespace accord::core
