#include "core/timeline.h"

#include <gtest/gtest.h>

#include "core/decider.h"
#include "tests/testing/builders.h"

namespace accord::core {
namespace {

using accord::testing::Day;
using accord::testing::Month;

class TimelineTest : public ::testing::Test {
 protected:
  // Decides and records `command` as the store would give it back.
  void Log(const accord::v1::Command& command) {
    Decision decision = Decide(command, state_);
    ASSERT_TRUE(decision.ok()) << decision.error().message;
    for (const auto& e : decision.value()) {
      state_ = Evolve(std::move(state_), e);
      accord::v1::RecordedEvent& recorded = events_.emplace_back();
      recorded.mutable_record()->set_event_id(e.event_id);
      recorded.mutable_record()->set_position(events_.size() - 1);
      recorded.mutable_record()->set_stream_version(events_.size() - 1);
      *recorded.mutable_record()->mutable_effective() = e.effective;
      recorded.mutable_record()->set_actor("clerk");
      *recorded.mutable_event() = e.event;
    }
  }

  accord::testing::CommandBuilder b_;
  AgreementState state_ = InitialState(accord::testing::kMou);
  std::vector<accord::v1::RecordedEvent> events_;
};

TEST_F(TimelineTest, OrdersByWhenThingsHappenedNotWhenTheyWereLogged) {
  accord::v1::Command propose = b_.Propose();
  propose.mutable_effective()->Clear();       // undated
  Log(propose);
  Log(b_.Terms());                            // July 2024
  Log(b_.Sign("cospar", Day(2024, 11, 5)));   // logged before the visit
  accord::v1::Command visit = b_.Visit();     // July 2024, logged last
  *visit.mutable_effective() = Day(2024, 7, 1);
  Log(visit);

  accord::v1::Timeline t = BuildTimeline(accord::testing::kMou, events_);
  ASSERT_EQ(t.entries_size(), 4);
  EXPECT_TRUE(t.entries(0).event().has_visit_held()) << "1 July 2024 starts before 'July 2024' ends";
  EXPECT_TRUE(t.entries(1).event().has_terms_agreed());
  EXPECT_TRUE(t.entries(2).event().has_agreement_signed());
  EXPECT_TRUE(t.entries(3).event().has_agreement_proposed()) << "undated last";
  EXPECT_EQ(t.entries(0).position(), 3u) << "each entry keeps its log position";
}

TEST_F(TimelineTest, ShowsACorrectedEventWithWhatWasBelievedBefore) {
  Log(b_.Propose());
  accord::v1::Command visit = b_.Visit();
  Log(visit);
  accord::v1::Command fix = b_.Base({});
  auto* c = fix.mutable_milestone()->mutable_event_corrected();
  c->set_corrected_event_id(visit.event_id());
  c->mutable_replacement()->mutable_visit_held()->mutable_place()->set_city("Sharjah");
  c->add_fields("place.city");
  *c->mutable_effective() = Month(2024, 11);
  c->set_reason("wrong visit");
  c->set_source("minutes");
  Log(fix);

  accord::v1::Timeline t = BuildTimeline(accord::testing::kMou, events_);
  ASSERT_EQ(t.entries_size(), 2) << "the correction is shown on its event, not on its own";
  const auto& entry = t.entries(1);
  ASSERT_EQ(entry.event_id(), visit.event_id()) << "now in November, after the July proposal";
  EXPECT_EQ(entry.event().visit_held().place().city(), "Sharjah");
  EXPECT_EQ(entry.original().visit_held().place().city(), "Beijing");
  EXPECT_EQ(entry.effective().date().month(), 11);
  EXPECT_EQ(entry.original_effective().date().month(), 7);
  ASSERT_EQ(entry.corrected_by_size(), 1);
  EXPECT_EQ(entry.corrected_by(0), fix.event_id());
  EXPECT_FALSE(t.entries(0).has_original()) << "uncorrected events carry no original";
}

}  // namespace
}  // namespace accord::core
