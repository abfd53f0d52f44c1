#include "core/as_of.h"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include "core/decider.h"
#include "core/summary.h"
#include "tests/testing/builders.h"
#include "tests/testing/decider_harness.h"

namespace accord::core {
namespace {

using google::protobuf::util::TimeUtil;

class AsOf : public ::testing::Test, public accord::testing::DeciderHarness {
 protected:
  AsOf() : DeciderHarness(accord::testing::kMou) {}
  static Day On(int y, int m, int d) { return ToDay(accord::testing::Day(y, m, d).date()); }

  accord::testing::CommandBuilder b_;
};

// The MoU agreed in July 2024 but logged in September.
TEST_F(AsOf, AnswersBothTimeAxes) {
  accord::v1::Command propose = b_.Propose();
  *propose.mutable_effective() = accord::testing::Month(2024, 6);
  Log(propose, "2024-06-20T09:00:00Z");
  Log(b_.Terms(), "2024-09-10T09:00:00Z");  // effective July 2024

  // As recorded on 1 August: the log did not yet say the terms were agreed.
  AgreementState recorded = Fold(
      accord::testing::kMou, ToAgreementEvents(AsRecorded(events_, At("2024-08-01T00:00:00Z"))));
  EXPECT_EQ(recorded.stage, Stage::kProposed);
  // As true on 1 August, with what is known now: they were.
  AgreementState true_then = Fold(accord::testing::kMou, AsTrueOn(events_, On(2024, 8, 1)));
  EXPECT_EQ(true_then.stage, Stage::kAgreed);
  // On 15 July the month of the agreement was not over: not certainly agreed.
  EXPECT_EQ(Fold(accord::testing::kMou, AsTrueOn(events_, On(2024, 7, 15))).stage,
            Stage::kProposed);
  // Before anything was recorded, nothing.
  EXPECT_EQ(AsRecorded(events_, At("2024-01-01T00:00:00Z")).size(), 0u);
}

TEST_F(AsOf, ACorrectionChangesTheTruthButNotWhatWasRecordedBefore) {
  Log(b_.Propose(), "2024-07-01T09:00:00Z");  // July 2024
  accord::v1::Command sign = b_.Sign("cospar", accord::testing::Day(2024, 11, 5));
  Log(b_.Terms(), "2024-07-20T09:00:00Z");
  Log(sign, "2024-11-06T09:00:00Z");
  accord::v1::Command fix = b_.Base({});
  auto* c = fix.mutable_milestone()->mutable_event_corrected();
  c->set_corrected_event_id(sign.event_id());
  *c->mutable_effective() = accord::testing::Day(2024, 12, 2);
  c->set_reason("signed in December");
  c->set_source("the signed copy");
  Log(fix, "2025-01-10T09:00:00Z");

  // What was believed in December 2024: COSPAR signed on 5 November.
  auto believed = Fold(accord::testing::kMou,
                       AsTrueOn(AsRecorded(events_, At("2024-12-31T00:00:00Z")), On(2024, 11, 30)));
  EXPECT_TRUE(believed.FindParty("cospar")->signature.has_value());
  // What is known now: on 30 November nobody had signed yet.
  auto known = Fold(accord::testing::kMou, AsTrueOn(events_, On(2024, 11, 30)));
  EXPECT_FALSE(known.FindParty("cospar")->signature.has_value());
  EXPECT_EQ(known.stage, Stage::kAgreed);
}

}  // namespace
}  // namespace accord::core
