// The desk (core/desk.h): planned milestones in buckets judged on a given
// day, open commitments by party, the pipeline; from the MoU example as it
// was logged.
#include "core/desk.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <fstream>

#include "core/decider.h"
#include "core/summary.h"
#include "tests/testing/builders.h"

namespace accord::core {
namespace {

Day On(int y, int m, int d) { return ToDay(accord::testing::Day(y, m, d).date()); }

// Every agreement of an example file, decided and folded.
FoldedAgreements FoldExample(const std::string& file) {
  std::ifstream in(std::string(ACCORD_EXAMPLES_DIR) + "/" + file);
  EXPECT_TRUE(in.good()) << file;
  FoldedAgreements agreements;
  std::string line;
  while (std::getline(in, line)) {
    accord::v1::Command command;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &command).ok()) << line;
    auto it = agreements.find(command.agreement_id());
    if (it == agreements.end()) {
      it = agreements.emplace(command.agreement_id(), InitialState(command.agreement_id())).first;
    }
    Decision decision = Decide(command, it->second);
    EXPECT_TRUE(decision.ok()) << decision.error().message;
    if (!decision.ok()) continue;
    for (const auto& e : decision.value()) it->second = Evolve(std::move(it->second), e);
  }
  return agreements;
}

std::vector<std::string> Milestones(
    const google::protobuf::RepeatedPtrField<accord::v1::PlannedItem>& items) {
  std::vector<std::string> ids;
  for (const auto& item : items) ids.push_back(item.milestone_id());
  return ids;
}

using Ids = std::vector<std::string>;

TEST(Desk, TheMousPlansFallIntoBucketsByTheirLastPossibleDay) {
  FoldedAgreements mou = FoldExample("cospar-apsco-mou.ndjson");
  // Mid-October 2024: the symposium (5-7 November) is due within 30 days;
  // the signing and the second meeting (autumn: by 30 November) within 90.
  accord::v1::Desk desk = BuildDesk(mou, On(2024, 10, 15));
  EXPECT_EQ(desk.today(), "2024-10-15");
  EXPECT_EQ(Milestones(desk.overdue()), Ids{});
  EXPECT_EQ(Milestones(desk.due_within_30_days()), Ids{"sharjah-symposium"});
  EXPECT_EQ(Milestones(desk.due_within_90_days()), (Ids{"second-meeting", "signing"}));

  // The last day of autumn: the signing is due today, not overdue yet.
  desk = BuildDesk(mou, On(2024, 11, 30));
  EXPECT_EQ(Milestones(desk.overdue()), Ids{"sharjah-symposium"});
  EXPECT_EQ(Milestones(desk.due_within_30_days()), (Ids{"second-meeting", "signing"}));
}

TEST(Desk, TheMousPlannedSigningIsOverdueOnALaterDay) {
  accord::v1::Desk desk = BuildDesk(FoldExample("cospar-apsco-mou.ndjson"), On(2025, 6, 1));
  ASSERT_EQ(Milestones(desk.overdue()), (Ids{"sharjah-symposium", "second-meeting", "signing"}));
  EXPECT_EQ(desk.due_within_30_days_size(), 0);
  EXPECT_EQ(desk.due_within_90_days_size(), 0);
  const accord::v1::PlannedItem& signing = desk.overdue(2);
  EXPECT_EQ(signing.agreement_id(), "cospar-apsco-mou");
  EXPECT_EQ(signing.agreement_title(), "Memorandum of Understanding between COSPAR and APSCO");
  EXPECT_EQ(signing.event_id(), "c05a0000-0000-4000-8000-000000000004");
  EXPECT_EQ(signing.milestone(), "signing");
  EXPECT_EQ(signing.status(), "overdue");
  EXPECT_EQ(signing.due_by(), "2024-11-30");
  EXPECT_EQ(signing.planned().precision(), accord::v1::FuzzyDate::SEASON);
  EXPECT_TRUE(signing.planned_text().starts_with("autumn 2024")) << signing.planned_text();
  EXPECT_EQ(signing.description(), "Signing of the Memorandum of Understanding");
}

TEST(Desk, OpenCommitmentsAreGroupedByEachResponsibleParty) {
  accord::v1::Desk desk = BuildDesk(FoldExample("cospar-apsco-mou.ndjson"), On(2025, 6, 1));
  ASSERT_EQ(desk.open_commitments_by_party_size(), 2);
  const auto& apsco = desk.open_commitments_by_party(0);
  const auto& cospar = desk.open_commitments_by_party(1);
  EXPECT_EQ(apsco.party(), "apsco");
  EXPECT_EQ(apsco.party_name(), "Asia-Pacific Space Cooperation Organization");
  EXPECT_EQ(apsco.commitments_size(), 6);
  EXPECT_EQ(cospar.party(), "cospar");
  EXPECT_EQ(cospar.commitments_size(), 7) << "the Space Law Alliance is COSPAR's alone";
  EXPECT_EQ(cospar.commitments(0).commitment_id(), "joint-international-events");
  EXPECT_EQ(cospar.commitments(0).due_text(), "no due date");
  EXPECT_FALSE(HasDate(cospar.commitments(0).due()));
}

TEST(Desk, ThePipelineCountsAgreementsByStageAsTheReportDoes) {
  FoldedAgreements all = FoldExample("cospar-apsco-mou.ndjson");
  for (auto& [id, state] : FoldExample("apsco-convention.ndjson")) all.emplace(id, state);
  for (auto& [id, state] : FoldExample("open-arrangement.ndjson")) all.emplace(id, state);
  accord::v1::Desk desk = BuildDesk(all, On(2025, 6, 1));
  uint32_t total = 0;
  for (const auto& row : desk.pipeline()) total += row.count();
  EXPECT_EQ(total, all.size());
  std::map<accord::v1::AgreementStage, uint32_t> by_stage;
  for (const auto& [id, state] : all) ++by_stage[ToStage(state.stage)];
  for (const auto& row : desk.pipeline()) EXPECT_EQ(row.count(), by_stage[row.stage()]);
}

TEST(Desk, FulfilledUndatedAndClosedAreNotDue) {
  accord::testing::CommandBuilder b;
  AgreementState state = InitialState(accord::testing::kMou);
  auto log = [&state](const accord::v1::Command& command) {
    Decision decision = Decide(command, state);
    ASSERT_TRUE(decision.ok()) << decision.error().message;
    for (const auto& e : decision.value()) state = Evolve(std::move(state), e);
  };
  log(b.Propose());
  accord::v1::FuzzyDate words;
  words.set_precision(accord::v1::FuzzyDate::UNDATED);
  words.set_as_stated("in the coming months");
  log(b.Schedule("signing", words));
  log(b.Schedule("second-meeting", accord::testing::Autumn(2024)));
  log(b.Terms());
  accord::v1::Command meeting = b.FollowUp();
  meeting.mutable_milestone()->mutable_follow_up_meeting_held()->set_fulfils_milestone_id(
      "second-meeting");
  log(meeting);
  FoldedAgreements one{{accord::testing::kMou, state}};
  accord::v1::Desk desk = BuildDesk(one, On(2099, 1, 1));
  EXPECT_EQ(desk.overdue_size() + desk.due_within_30_days_size() + desk.due_within_90_days_size(),
            0);
  // The calendar's items keep the undated one (the file leaves it out).
  accord::v1::CalendarItems items = BuildCalendarItems(one, On(2099, 1, 1));
  ASSERT_EQ(items.milestones_size(), 1);
  EXPECT_EQ(items.milestones(0).milestone_id(), "signing");
  EXPECT_EQ(items.milestones(0).due_by(), "");
  // A withdrawn agreement needs no attention.
  log(b.Withdraw());
  EXPECT_TRUE(OpenMilestones(state, On(2099, 1, 1)).empty());
  EXPECT_TRUE(OpenCommitmentItems(state, On(2099, 1, 1)).empty());
}

TEST(Desk, ACommitmentWithADueDateIsDueByItsLastDayAndAnImpossibleOneIsRefused) {
  accord::testing::CommandBuilder b;
  AgreementState state = InitialState(accord::testing::kMou);
  auto decide = [&state](const accord::v1::Command& command) { return Decide(command, state); };
  auto log = [&](const accord::v1::Command& command) {
    Decision decision = decide(command);
    ASSERT_TRUE(decision.ok()) << decision.error().message;
    for (const auto& e : decision.value()) state = Evolve(std::move(state), e);
  };
  log(b.Propose());
  accord::v1::Command terms = b.Terms();
  auto* due =
      terms.mutable_milestone()->mutable_terms_agreed()->mutable_commitments(0)->mutable_due();
  *due = accord::testing::Day(2024, 2, 30);
  Decision refused = decide(terms);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("commitment due date: "), std::string::npos)
      << refused.error().message;

  auto parsed = ParseFuzzyDate("end of 2025");
  ASSERT_TRUE(parsed) << parsed.error();
  *due = *parsed;
  log(terms);
  FoldedAgreements one{{accord::testing::kMou, state}};
  accord::v1::Desk desk = BuildDesk(one, On(2025, 6, 1));
  ASSERT_EQ(desk.open_commitments_by_party_size(), 2);
  const accord::v1::OpenCommitment& open = desk.open_commitments_by_party(0).commitments(0);
  EXPECT_EQ(open.due_text(), "end of 2025");
  EXPECT_EQ(open.due_by(), "2025-12-31");
  EXPECT_EQ(open.status(), "open");
  EXPECT_EQ(open.event_id(), terms.event_id());
  EXPECT_EQ(OpenCommitmentItems(state, On(2026, 1, 1)).at(0).status(), "overdue");
  // The calendar's items carry it, for the file to place it.
  accord::v1::CalendarItems items = BuildCalendarItems(one, On(2025, 6, 1));
  ASSERT_EQ(items.commitments_size(), 1);
  EXPECT_EQ(items.commitments(0).due().precision(), accord::v1::FuzzyDate::RANGE);
}

}  // namespace
}  // namespace accord::core
