// A subscription's feed (app/feed.h): every event once, in order, across
// batches cut by bytes; caught_up once at the first end; checkpoints for
// what the filter skips; a commit that races a read is not missed.
#include "app/feed.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "app/paging.h"
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
        } else if (m.has_records()) {
          const uint64_t first = m.records().first_position();
          lines.push_back("records " + std::to_string(first) + "-" +
                          std::to_string(first + m.records().records_size() - 1));
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

accord::v1::Subscribe StoredRecordsFrom(uint64_t from) {
  accord::v1::Subscribe subscribe = WholeLogFrom(from);
  subscribe.set_stored_records(true);
  return subscribe;
}

TEST_F(FeedTest, StoredRecordsComeSeveralToAMessageAsStoredThenLive) {
  Append("a", 6);
  Append("b", 4);
  Feed feed(store_.get(), StoredRecordsFrom(2), 4 << 20);
  Feed::Batch batch = feed.Read(1 << 20);
  ASSERT_FALSE(batch.error);
  ASSERT_EQ(batch.messages.size(), 2u);
  const accord::v1::StoredRecords& records = batch.messages[0].records();
  EXPECT_EQ(records.first_position(), 2u);
  ASSERT_EQ(records.records_size(), 8);
  for (int i = 0; i < records.records_size(); ++i) {
    std::string leaf;
    ASSERT_TRUE(store_->ReadLeaf(2 + i, &leaf).ok());
    EXPECT_EQ(records.records(i), leaf) << "the stored bytes, the record's Merkle leaf";
    accord::v1::EventRecord record;
    ASSERT_TRUE(record.ParseFromString(records.records(i)));
    EXPECT_EQ(record.position(), 2u + i);
    EXPECT_EQ(record.stream_id(), i < 4 ? "a" : "b");
  }
  EXPECT_EQ(batch.messages[1].caught_up(), 10u);
  ASSERT_TRUE(feed.AtHead());
  Append("b", 2);
  EXPECT_EQ(Drain(feed, 1 << 20), (std::vector<std::string>{"records 10-11"}))
      << "live records come the same way, with no second caught_up";
}

TEST_F(FeedTest, StoredRecordsAreCutIntoMessagesByBytesAndBatchesByRoom) {
  Append("a", 10);
  // A message limit that leaves room for about two records of ~400 bytes.
  Feed feed(store_.get(), StoredRecordsFrom(0), kResponseEnvelopeBytes + 1000);
  int batches = 0;
  std::vector<std::string> lines = Drain(feed, 1000, &batches);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), "caught_up 10");
  uint64_t next = 0;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    const std::string& line = lines[i];
    ASSERT_EQ(line.rfind("records ", 0), 0u) << line;
    const size_t dash = line.find('-');
    const uint64_t first = std::stoull(line.substr(8, dash - 8));
    const uint64_t last = std::stoull(line.substr(dash + 1));
    EXPECT_EQ(first, next) << "no gap, no repeat";
    EXPECT_LE(last - first + 1, 3u) << line << ": over the message's budget";
    next = last + 1;
  }
  EXPECT_EQ(next, 10u);
  EXPECT_GE(lines.size(), 5u) << "several messages";
  EXPECT_GE(batches, 3) << "reads stop at the room given";
}

TEST_F(FeedTest, StoredRecordsFollowTheWholeLogOnly) {
  Append("a", 1);
  accord::v1::Subscribe by_stream = StoredRecordsFrom(0);
  by_stream.set_stream_id("a");
  accord::v1::Subscribe filtered = StoredRecordsFrom(0);
  filtered.add_event_types("accord.v1.NoteAdded");
  for (const auto& subscribe : {by_stream, filtered}) {
    Feed feed(store_.get(), subscribe, 4 << 20);
    Feed::Batch batch = feed.Read(1 << 20);
    ASSERT_TRUE(batch.error);
    EXPECT_EQ(batch.error->code(), accord::v1::INVALID_ARGUMENT) << batch.error->message();
    EXPECT_TRUE(batch.messages.empty());
  }
}

TEST_F(FeedTest, AStoredRecordOverTheMessageLimitEndsTheFeedSayingWhereToResume) {
  Append("a", 2);
  Feed feed(store_.get(), StoredRecordsFrom(0), 200);
  Feed::Batch batch = feed.Read(1 << 20);
  ASSERT_TRUE(batch.error);
  EXPECT_TRUE(batch.messages.empty());
  EXPECT_EQ(batch.error->code(), accord::v1::RESPONSE_TOO_LARGE);
  EXPECT_NE(batch.error->message().find("the record at 0 is"), std::string::npos)
      << batch.error->message();
  EXPECT_NE(batch.error->message().find("resubscribe from 1"), std::string::npos)
      << batch.error->message();
}

}  // namespace
}  // namespace accord::app
