#include "core/schedule.h"

#include <gtest/gtest.h>

#include "core/decider.h"
#include "tests/testing/builders.h"

namespace accord::core {
namespace {

Day On(int y, int m, int d) { return ToDay(accord::testing::Day(y, m, d).date()); }

class Schedule : public ::testing::Test {
 protected:
  void Log(const accord::v1::Command& command) {
    Decision decision = Decide(command, state_);
    ASSERT_TRUE(decision.ok()) << decision.error().message;
    for (const auto& e : decision.value()) state_ = Evolve(std::move(state_), e);
  }
  MilestoneStatus Status(const char* id, Day today) {
    return StatusOf(state_.milestones.at(id), state_, today);
  }

  accord::testing::CommandBuilder b_;
  AgreementState state_ = InitialState(accord::testing::kMou);
};

TEST_F(Schedule, AnOpenMilestoneIsOverdueOnceItsLastPossibleDayHasPassed) {
  Log(b_.Propose());
  Log(b_.Schedule("signing", accord::testing::Autumn(2024, "this autumn")));
  EXPECT_EQ(Status("signing", On(2024, 11, 30)), MilestoneStatus::kPlanned);
  EXPECT_EQ(Status("signing", On(2024, 12, 1)), MilestoneStatus::kOverdue);
}

TEST_F(Schedule, ASigningIsFulfilledByTheLastSignature) {
  Log(b_.Propose());
  Log(b_.Schedule("signing", accord::testing::Autumn(2024)));
  Log(b_.Terms());
  Log(b_.Sign("cospar"));
  EXPECT_EQ(Status("signing", On(2025, 1, 1)), MilestoneStatus::kOverdue) << "one of two signed";
  Log(b_.Sign("apsco"));
  EXPECT_EQ(Status("signing", On(2025, 1, 1)), MilestoneStatus::kFulfilled);
}

TEST_F(Schedule, AMilestonePlannedInWordsOnlyIsNeverOverdue) {
  Log(b_.Propose());
  accord::v1::FuzzyDate words;
  words.set_precision(accord::v1::FuzzyDate::UNDATED);
  words.set_as_stated("in the coming months");
  Log(b_.Schedule("signing", words));
  EXPECT_EQ(Status("signing", On(2099, 1, 1)), MilestoneStatus::kPlanned);
}

TEST_F(Schedule, AnEventThatNamesAMilestoneFulfilsIt) {
  Log(b_.Propose());
  Log(b_.Schedule("second-meeting", accord::testing::Autumn(2024)));
  Log(b_.Terms());
  accord::v1::Command meeting = b_.FollowUp();
  meeting.mutable_milestone()->mutable_follow_up_meeting_held()->set_fulfils_milestone_id(
      "second-meeting");
  Log(meeting);
  EXPECT_EQ(Status("second-meeting", On(2030, 1, 1)), MilestoneStatus::kFulfilled);
}

}  // namespace
}  // namespace accord::core
