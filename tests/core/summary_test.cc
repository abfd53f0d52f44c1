#include "core/summary.h"

#include <gtest/gtest.h>

#include "core/decider.h"
#include "tests/testing/builders.h"

namespace accord::core {
namespace {

Day On(int y, int m, int d) { return ToDay(accord::testing::Day(y, m, d).date()); }

class Summary : public ::testing::Test {
 protected:
  void Log(const accord::v1::Command& command) {
    Decision decision = Decide(command, state_);
    ASSERT_TRUE(decision.ok()) << decision.error().message;
    for (const auto& e : decision.value()) state_ = Evolve(std::move(state_), e);
    ++events_;
  }
  accord::v1::AgreementSummary Now(Day today) { return Summarize(state_, events_ - 1, today); }

  accord::testing::CommandBuilder b_;
  AgreementState state_ = InitialState(accord::testing::kMou);
  uint64_t events_ = 0;
};

TEST_F(Summary, ShowsStagePartiesCommitmentsAndTheNextMilestone) {
  Log(b_.Propose());
  Log(b_.Schedule("signing", accord::testing::Autumn(2024, "this autumn")));
  Log(b_.Schedule("meeting", accord::testing::Month(2024, 10)));
  Log(b_.Terms());
  Log(b_.Sign("apsco", accord::testing::Day(2024, 11, 6)));

  accord::v1::AgreementSummary s = Now(On(2024, 10, 15));
  EXPECT_EQ(s.agreement_id(), accord::testing::kMou);
  EXPECT_EQ(s.stage(), accord::v1::PARTIALLY_SIGNED);
  EXPECT_EQ(s.version(), 4u);
  ASSERT_EQ(s.parties_size(), 2);
  EXPECT_FALSE(s.parties(0).has_signature());
  EXPECT_TRUE(s.parties(1).has_signature());
  EXPECT_EQ(s.parties(1).signed_on().date().day(), 6);
  ASSERT_EQ(s.commitments_size(), 1);
  ASSERT_EQ(s.milestones_size(), 2);
  EXPECT_EQ(s.milestones(0).plan().milestone_id(), "signing") << "autumn starts before October";
  EXPECT_EQ(s.next_milestone().plan().milestone_id(), "signing");
  EXPECT_EQ(s.next_milestone().status(), accord::v1::MilestoneSummary::PLANNED);
  EXPECT_FALSE(s.entry_into_force().in_force());

  accord::v1::AgreementSummary later = Now(On(2025, 1, 1));
  EXPECT_EQ(later.next_milestone().status(), accord::v1::MilestoneSummary::OVERDUE);
  EXPECT_EQ(later.as_of().date().year(), 2025);
}

TEST_F(Summary, CountsFollowUpsAgainstTheirCommitmentsAndShowsEntryIntoForce) {
  Log(b_.Propose());
  Log(b_.Terms());
  accord::v1::Command meeting = b_.FollowUp();
  meeting.mutable_milestone()->mutable_follow_up_meeting_held()->add_commitments_progressed(
      "train-the-trainers");
  Log(meeting);
  Log(b_.Sign("cospar", accord::testing::Day(2024, 11, 5)));
  Log(b_.Sign("apsco", accord::testing::Day(2024, 11, 6)));

  accord::v1::AgreementSummary s = Now(On(2025, 1, 1));
  EXPECT_EQ(s.stage(), accord::v1::SIGNED);
  ASSERT_EQ(s.commitments(0).progressed_by_event_ids_size(), 1);
  EXPECT_EQ(s.commitments(0).progressed_by_event_ids(0), meeting.event_id());
  EXPECT_TRUE(s.entry_into_force().in_force());
  EXPECT_EQ(s.entry_into_force().since().date().day(), 6);
  EXPECT_FALSE(s.has_next_milestone());
}

}  // namespace
}  // namespace accord::core
