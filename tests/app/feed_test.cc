// A subscription's feed (app/feed.h): every event once, in order, across
// batches cut by bytes; caught_up once at the first end; checkpoints for
// what the filter skips; a commit that races a read is not missed.
#include "app/feed.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/testing/builders.h"
#include "tests/testing/temp_dir.h"

namespace accord::app {
namespace {

class FeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store::EventStore::Open(store::StoreOptions{}, dir_.path(), &store_).ok());
  }

  // Appends notes to `stream` (NoteAdded, ~300 bytes each).
  void Append(const std::string& stream, int count) {
    for (int i = 0; i < count; ++i) {
      store::AppendResult result;
      ASSERT_TRUE(store_
                      ->Append(stream, store::ExpectedVersion::Any(),
                               {accord::testing::NoteEvent(next_id_++)}, &result)
                      .ok());
    }
  }

  // Every message of `feed` until it is at the head, in batches of
  // `max_bytes`, rendered one per line: "event 3", "caught_up 5", ...
  static std::vector<std::string> Drain(Feed& feed, size_t max_bytes, int* batches = nullptr) {
    std::vector<std::string> lines;
    for (int i = 0; i < 1000; ++i) {
      Feed::Batch batch = feed.Read(max_bytes);
      EXPECT_FALSE(batch.error) << batch.error->message();
      if (batches != nullptr) ++*batches;
      for (const auto& m : batch.messages) {
        if (m.has_event()) {
          lines.push_back("event " + std::to_string(m.event().record().position()));
        } else if (m.has_caught_up()) {
          lines.push_back("caught_up " + std::to_string(m.caught_up()));
        } else if (m.has_checkpoint()) {
          lines.push_back("checkpoint " + std::to_string(m.checkpoint()));
        }
      }
      if (feed.AtHead()) break;
    }
    return lines;
  }

  accord::testing::TempDir dir_;
  std::unique_ptr<store::EventStore> store_;
  uint64_t next_id_ = 0;
};

accord::v1::Subscribe WholeLogFrom(uint64_t from) {
  accord::v1::Subscribe subscribe;
  subscribe.set_from(from);
  return subscribe;
}

TEST_F(FeedTest, CatchesUpInBatchesCutByBytesThenMarksTheSwitchOnce) {
  Append("a", 10);
  Feed feed(store_.get(), WholeLogFrom(2), 4 << 20);
  int batches = 0;
  // About three events of ~400 bytes a batch.
  std::vector<std::string> lines = Drain(feed, 1000, &batches);
  EXPECT_EQ(lines, (std::vector<std::string>{"event 2", "event 3", "event 4", "event 5", "event 6",
                                             "event 7", "event 8", "event 9", "caught_up 10"}));
  EXPECT_GE(batches, 3);
  EXPECT_TRUE(feed.caught_up());
  EXPECT_EQ(feed.next(), 10u);
  // Live: what is appended next comes once, with no second caught_up.
  Append("a", 2);
  EXPECT_FALSE(feed.AtHead());
  EXPECT_EQ(Drain(feed, 1 << 20), (std::vector<std::string>{"event 10", "event 11"}));
}

TEST_F(FeedTest, ACommitAfterTheReadBeganIsNotMissed) {
  Append("a", 1);
  Feed feed(store_.get(), WholeLogFrom(0), 4 << 20);
  ASSERT_EQ(feed.Read(1 << 20).messages.size(), 2u);  // event 0, caught_up 1
  ASSERT_TRUE(feed.AtHead());
  Append("a", 1);  // committed after the read: the feed is no longer at the head
  EXPECT_FALSE(feed.AtHead());
}

TEST_F(FeedTest, FollowsOneStreamByVersion) {
  Append("a", 2);
  Append("b", 3);
  Append("a", 1);
  accord::v1::Subscribe subscribe;
  subscribe.set_stream_id("a");
  subscribe.set_from(1);
  Feed feed(store_.get(), subscribe, 4 << 20);
  std::vector<std::string> lines = Drain(feed, 1 << 20);
  EXPECT_EQ(lines, (std::vector<std::string>{"event 1", "event 5", "caught_up 3"}));
  EXPECT_FALSE(feed.FellBehind(0)) << "only whole-log feeds are dropped for lag";
}

TEST_F(FeedTest, SkippedEventsAreReportedAsCheckpoints) {
  Append("a", 7);
  accord::v1::Subscribe subscribe;
  subscribe.add_event_types("accord.v1.AgreementSigned");  // none of these
  subscribe.set_checkpoint_every(3);
  Feed feed(store_.get(), subscribe, 4 << 20);
  EXPECT_EQ(Drain(feed, 1 << 20),
            (std::vector<std::string>{"checkpoint 3", "checkpoint 6", "caught_up 7"}));
  Append("a", 1);
  EXPECT_EQ(Drain(feed, 1 << 20), (std::vector<std::string>{"checkpoint 8"}))
      << "live, the end of what is read is reported when something was skipped";
}

TEST_F(FeedTest, ALiveSubscriberFallsBehindPastTheLag) {
  Append("a", 1);
  Feed feed(store_.get(), WholeLogFrom(0), 4 << 20);
  EXPECT_FALSE(feed.FellBehind(2)) << "catching up is never falling behind";
  Drain(feed, 1 << 20);
  Append("a", 3);
  std::optional<std::string> why = feed.FellBehind(2);
  ASSERT_TRUE(why);
  EXPECT_EQ(*why,
            "the subscriber fell behind the live log (read up to 1, the log is at 4); resubscribe "
            "from 1");
  EXPECT_FALSE(feed.FellBehind(3));
}

TEST_F(FeedTest, AnEventOverTheMessageLimitEndsTheFeedSayingWhereToResume) {
  Append("a", 2);
  Feed feed(store_.get(), WholeLogFrom(0), 200);
  Feed::Batch batch = feed.Read(1 << 20);
  ASSERT_TRUE(batch.error);
  EXPECT_EQ(batch.error->code(), accord::v1::RESPONSE_TOO_LARGE);
  EXPECT_NE(batch.error->message().find("resubscribe from 1"), std::string::npos)
      << batch.error->message();
}

}  // namespace
}  // namespace accord::app
