#include "store/event_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include <google/protobuf/util/json_util.h>

#include "accord/v1/legacy.pb.h"
#include "core/event_types.h"
#include "store/cluster.h"
#include "store/coding.h"
#include "tests/testing/builders.h"
#include "tests/testing/etcd_process.h"
#include "tests/testing/raw_db.h"
#include "tests/testing/temp_dir.h"

namespace accord::store {
namespace {

using accord::testing::RawEvent;
using accord::testing::Uuid;
using accord::v1::EventRecord;
using accord::v1::NewEvent;

// The store's contract holds for both implementations: the tests below
// that are TEST_P run against the single-node RocksDB store and against the
// replicated one (one node of a cluster on a real etcd member, started once
// for the suite; each test has its own key prefix).
enum class Backend { kRocksDb, kEtcd };

void PrintTo(Backend backend, std::ostream* out) {
  *out << (backend == Backend::kRocksDb ? "RocksDB" : "etcd");
}

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kRocksDb ? "RocksDb" : "Etcd";
}

class StoreFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    etcd_dir_ = new accord::testing::TempDir();
    etcd_ = new accord::testing::EtcdCluster(etcd_dir_->Sub("etcd"), 1);
    ASSERT_TRUE(etcd_->WaitUntilHealthy()) << etcd_->log(0);
  }
  static void TearDownTestSuite() {
    delete etcd_;
    delete etcd_dir_;
    etcd_ = nullptr;
  }

  void SetUp() override { Reopen(); }

  void Reopen(StoreOptions options = {}) {
    store_.reset();
    if (backend_ == Backend::kRocksDb) {
      core::Status s = EventStore::Open(options, dir_.path(), &store_);
      ASSERT_TRUE(s.ok()) << s.ToString();
      return;
    }
    if (cluster_.node_name.empty()) {
      static int tests = 0;
      cluster_.prefix = "/test" + std::to_string(++tests) + "/";
      cluster_.node_name = "n1";
      cluster_.etcd_endpoints = etcd_->endpoints();
      cluster_.lease_seconds = 2;
    }
    cluster_.peer_address = "127.0.0.1:" + std::to_string(accord::testing::FreePort());
    core::Status s = OpenClustered(options, dir_.path(), cluster_, &store_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    // A lone node elects itself: wait for it, so that a test starts with a
    // store that takes appends at once, as a single node does.
    ASSERT_TRUE(store_->AwaitWritable(std::chrono::seconds(20)));
  }

  // Appends events with ids first..first+count-1 and asserts it worked.
  AppendResult MustAppend(const std::string& stream, ExpectedVersion expected, uint64_t first,
                          size_t count = 1) {
    AppendResult result;
    core::Status s = store_->Append(stream, expected, Events(first, count), &result);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return result;
  }

  static std::vector<NewEvent> Events(uint64_t first, size_t count) {
    std::vector<NewEvent> events;
    for (size_t i = 0; i < count; ++i) events.push_back(RawEvent(first + i));
    return events;
  }

  std::vector<EventRecord> ReadEverything() {
    std::vector<EventRecord> all;
    ReadPage page;
    uint64_t from = 0;
    do {
      core::Status s = store_->ReadAll(from, 0, &page);
      EXPECT_TRUE(s.ok()) << s.ToString();
      if (!s.ok()) break;
      all.insert(all.end(), page.records.begin(), page.records.end());
      from = page.next;
    } while (!page.end_of_data);
    return all;
  }

  Backend backend_ = Backend::kRocksDb;
  ClusterOptions cluster_;
  accord::testing::TempDir dir_;
  std::unique_ptr<EventStore> store_;
  static inline accord::testing::TempDir* etcd_dir_ = nullptr;
  static inline accord::testing::EtcdCluster* etcd_ = nullptr;
};

class EventStoreTest : public StoreFixture, public ::testing::WithParamInterface<Backend> {
 protected:
  void SetUp() override {
    backend_ = GetParam();
    StoreFixture::SetUp();
  }
};
INSTANTIATE_TEST_SUITE_P(Backends, EventStoreTest,
                         ::testing::Values(Backend::kRocksDb, Backend::kEtcd), BackendName);

// What only the single-node store has: read-only opens, its RocksDB folder.
class RocksDbStoreTest : public StoreFixture {
 protected:
  static void SetUpTestSuite() {}
  static void TearDownTestSuite() {}
};

TEST_P(EventStoreTest, AppendsAndReadsBackInOrder) {
  MustAppend("a", ExpectedVersion::NoStream(), 1, 3);
  MustAppend("b", ExpectedVersion::NoStream(), 4, 2);
  AppendResult third = MustAppend("a", ExpectedVersion::Exact(2), 6, 2);
  EXPECT_EQ(third.first_position, 5u);
  EXPECT_EQ(third.last_position, 6u);
  EXPECT_EQ(third.last_version, 4u);

  std::vector<EventRecord> all = ReadEverything();
  ASSERT_EQ(all.size(), 7u);
  std::string expected_streams = "aaabbaa";
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].position(), i);
    EXPECT_EQ(all[i].stream_id(), std::string(1, expected_streams[i]));
    EXPECT_EQ(all[i].event_id(), Uuid(i + 1));
  }

  ReadPage page;
  ASSERT_TRUE(store_->ReadStreamForward("a", 0, 100, &page).ok());
  ASSERT_EQ(page.records.size(), 5u);
  for (uint64_t v = 0; v < 5; ++v) EXPECT_EQ(page.records[v].stream_version(), v);
  EXPECT_TRUE(page.end_of_data);
  EXPECT_EQ(store_->Head().next_position, 7u);
}

TEST_P(EventStoreTest, StampsTheEnvelopeAndChainsEveryRecord) {
  NewEvent event = RawEvent(1);
  *event.mutable_effective() = accord::testing::Month(2024, 7);
  event.set_correlation_id("c-1");
  event.set_causation_id("x-1");
  AppendResult result;
  ASSERT_TRUE(store_->Append("a", ExpectedVersion::Any(), {event}, &result).ok());
  MustAppend("a", ExpectedVersion::Any(), 2, 2);

  std::vector<EventRecord> all = ReadEverything();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].prev_hash(), std::string(32, '\0'));
  EXPECT_EQ(all[0].actor(), "tester");
  EXPECT_EQ(all[0].correlation_id(), "c-1");
  EXPECT_EQ(all[0].causation_id(), "x-1");
  EXPECT_EQ(all[0].effective().date().month(), 7);
  EXPECT_GT(all[0].recorded_at().seconds(), 1700000000);
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].hash().size(), 32u);
    if (i > 0) {
      EXPECT_EQ(all[i].prev_hash(), all[i - 1].hash());
      EXPECT_GE(
          all[i].recorded_at().seconds() * 1000000000LL + all[i].recorded_at().nanos(),
          all[i - 1].recorded_at().seconds() * 1000000000LL + all[i - 1].recorded_at().nanos());
    }
  }
  EXPECT_EQ(store_->Head().last_hash, all.back().hash());
}

TEST_P(EventStoreTest, StampsRecordedAtFromItsClockNeverGoingBack) {
  core::ManualClock clock(std::chrono::sys_days{std::chrono::year{2020} / 1 / 1});
  StoreOptions options;
  options.clock = &clock;
  Reopen(options);
  MustAppend("a", ExpectedVersion::Any(), 1);
  clock.Advance(std::chrono::hours(1));
  MustAppend("a", ExpectedVersion::Any(), 2);
  clock.Advance(-std::chrono::hours(2));  // the clock is set back: the log is not
  MustAppend("a", ExpectedVersion::Any(), 3);
  std::vector<EventRecord> records = ReadEverything();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].recorded_at().seconds(), 1577836800);  // 2020-01-01T00:00:00Z
  EXPECT_EQ(records[1].recorded_at().seconds(), 1577836800 + 3600);
  EXPECT_EQ(records[2].recorded_at().seconds(), 1577836800 + 3600);
}

TEST_P(EventStoreTest, ChecksEachKindOfExpectedVersion) {
  AppendResult result;
  core::Status s = store_->Append("a", ExpectedVersion::StreamExists(), Events(1, 1), &result);
  EXPECT_TRUE(s.IsWrongExpectedVersion()) << s.ToString();
  EXPECT_FALSE(result.current_version.has_value());

  s = store_->Append("a", ExpectedVersion::Exact(0), Events(1, 1), &result);
  EXPECT_TRUE(s.IsWrongExpectedVersion()) << s.ToString();

  MustAppend("a", ExpectedVersion::NoStream(), 1, 2);
  s = store_->Append("a", ExpectedVersion::NoStream(), Events(3, 1), &result);
  EXPECT_TRUE(s.IsWrongExpectedVersion()) << s.ToString();
  EXPECT_EQ(result.current_version, 1u);

  s = store_->Append("a", ExpectedVersion::Exact(0), Events(3, 1), &result);
  EXPECT_TRUE(s.IsWrongExpectedVersion());
  EXPECT_EQ(s.message(), "stream 'a' was expected at version 0 but is at version 1");
  EXPECT_EQ(result.current_version, 1u);

  MustAppend("a", ExpectedVersion::StreamExists(), 3);
  MustAppend("a", ExpectedVersion::Any(), 4);
  MustAppend("a", ExpectedVersion::Exact(3), 5);
}

TEST_P(EventStoreTest, ARejectedAppendConsumesNoPosition) {
  MustAppend("a", ExpectedVersion::NoStream(), 1);
  AppendResult result;
  ASSERT_FALSE(store_->Append("a", ExpectedVersion::NoStream(), Events(2, 3), &result).ok());
  AppendResult next = MustAppend("b", ExpectedVersion::NoStream(), 5);
  EXPECT_EQ(next.first_position, 1u);
  EXPECT_EQ(ReadEverything().size(), 2u);
}

TEST_P(EventStoreTest, IdempotentRetryReturnsOriginalPositionsAndWritesNothing) {
  MustAppend("a", ExpectedVersion::NoStream(), 1, 2);
  MustAppend("b", ExpectedVersion::NoStream(), 3, 1);

  AppendResult retry;
  core::Status s = store_->Append("a", ExpectedVersion::NoStream(), Events(1, 2), &retry);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(retry.already_stored);
  EXPECT_EQ(retry.first_position, 0u);
  EXPECT_EQ(retry.last_position, 1u);
  EXPECT_EQ(retry.last_version, 1u);
  EXPECT_EQ(store_->Head().next_position, 3u);

  Reopen();
  s = store_->Append("a", ExpectedVersion::Exact(7), Events(1, 2), &retry);
  ASSERT_TRUE(s.ok()) << "ids are remembered across restarts: " << s.ToString();
  EXPECT_TRUE(retry.already_stored);
  EXPECT_EQ(ReadEverything().size(), 3u);
}

TEST_P(EventStoreTest, RefusesRetriesThatDoNotMatchTheOriginal) {
  MustAppend("a", ExpectedVersion::NoStream(), 1, 2);
  AppendResult result;

  std::vector<NewEvent> changed = Events(1, 2);
  changed[1].set_payload("other content");
  core::Status s = store_->Append("a", ExpectedVersion::Any(), changed, &result);
  EXPECT_TRUE(s.IsDuplicateEvent()) << s.ToString();

  s = store_->Append("a", ExpectedVersion::Any(), Events(2, 2), &result);
  EXPECT_TRUE(s.IsDuplicateEvent()) << "a partial overlap: " << s.ToString();

  s = store_->Append("a", ExpectedVersion::Any(), Events(1, 1), &result);
  EXPECT_TRUE(s.ok()) << "the first event alone is the same content: " << s.ToString();

  s = store_->Append("b", ExpectedVersion::Any(), Events(1, 2), &result);
  EXPECT_TRUE(s.IsDuplicateEvent()) << "same ids in another stream: " << s.ToString();
  EXPECT_EQ(ReadEverything().size(), 2u);
}

TEST_P(EventStoreTest, RefusesMalformedAppends) {
  AppendResult result;
  EXPECT_EQ(store_->Append("", ExpectedVersion::Any(), Events(1, 1), &result).code(),
            core::Status::Code::kInvalidArgument);
  EXPECT_EQ(
      store_->Append(std::string("a\0b", 3), ExpectedVersion::Any(), Events(1, 1), &result).code(),
      core::Status::Code::kInvalidArgument);
  EXPECT_EQ(store_->Append("a", ExpectedVersion::Any(), {}, &result).code(),
            core::Status::Code::kInvalidArgument);
  std::vector<NewEvent> bad_id = Events(1, 1);
  bad_id[0].set_event_id("00000000-0000-4000-8000-00000000000A");
  EXPECT_EQ(store_->Append("a", ExpectedVersion::Any(), bad_id, &result).code(),
            core::Status::Code::kInvalidArgument);
  std::vector<NewEvent> twice = {RawEvent(1), RawEvent(1)};
  EXPECT_EQ(store_->Append("a", ExpectedVersion::Any(), twice, &result).code(),
            core::Status::Code::kInvalidArgument);
  std::vector<NewEvent> untyped = Events(1, 1);
  untyped[0].clear_event_type();
  EXPECT_EQ(store_->Append("a", ExpectedVersion::Any(), untyped, &result).code(),
            core::Status::Code::kInvalidArgument);
  EXPECT_EQ(ReadEverything().size(), 0u);
}

TEST_P(EventStoreTest, ReadsInBoundedPages) {
  Reopen(StoreOptions{.max_page_size = 10});
  for (uint64_t i = 0; i < 25; ++i)
    MustAppend(i % 2 ? "odd" : "even", ExpectedVersion::Any(), i + 1);

  ReadPage page;
  ASSERT_TRUE(store_->ReadAll(0, 1000, &page).ok());
  EXPECT_EQ(page.records.size(), 10u) << "capped at max_page_size";
  EXPECT_FALSE(page.end_of_data);
  ASSERT_TRUE(store_->ReadAll(20, 1000, &page).ok());
  EXPECT_EQ(page.records.size(), 5u);
  EXPECT_TRUE(page.end_of_data);
  EXPECT_EQ(page.next, 25u);
  ASSERT_TRUE(store_->ReadAll(25, 10, &page).ok());
  EXPECT_TRUE(page.records.empty());

  std::vector<uint64_t> versions;
  uint64_t from = 0;
  do {
    ASSERT_TRUE(store_->ReadStreamForward("even", from, 4, &page).ok());
    for (const auto& r : page.records) versions.push_back(r.stream_version());
    from = page.next;
  } while (!page.end_of_data);
  EXPECT_EQ(versions, (std::vector<uint64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}));

  versions.clear();
  from = UINT64_MAX;
  do {
    ASSERT_TRUE(store_->ReadStreamBackward("odd", from, 5, &page).ok());
    for (const auto& r : page.records) versions.push_back(r.stream_version());
    from = page.next;
  } while (!page.end_of_data);
  EXPECT_EQ(versions, (std::vector<uint64_t>{11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));

  ASSERT_TRUE(store_->ReadStreamBackward("odd", 3, 2, &page).ok());
  ASSERT_EQ(page.records.size(), 2u);
  EXPECT_EQ(page.records[0].stream_version(), 3u);
  EXPECT_EQ(page.next, 1u);

  ASSERT_TRUE(store_->ReadStreamForward("missing", 0, 10, &page).ok());
  EXPECT_TRUE(page.records.empty());
  EXPECT_TRUE(page.end_of_data);
}

// A page of large records stops at max_page_bytes (after the record that
// reaches it), so that one read never holds max_page_size large records.
TEST_P(EventStoreTest, ReadsAreCutByBytesAsWellAsByCount) {
  // Each record here is a few hundred bytes: a limit of 1 byte gives one
  // record a page, every page still makes progress.
  Reopen(StoreOptions{.max_page_bytes = 1});
  for (uint64_t i = 0; i < 7; ++i)
    MustAppend(i % 2 ? "odd" : "even", ExpectedVersion::Any(), i + 1);

  std::vector<uint64_t> positions;
  uint64_t from = 0;
  ReadPage page;
  do {
    ASSERT_TRUE(store_->ReadAll(from, 1000, &page).ok());
    ASSERT_EQ(page.records.size(), 1u);
    positions.push_back(page.records[0].position());
    from = page.next;
  } while (!page.end_of_data);
  EXPECT_EQ(positions, (std::vector<uint64_t>{0, 1, 2, 3, 4, 5, 6}));

  std::vector<uint64_t> versions;
  from = 0;
  do {
    ASSERT_TRUE(store_->ReadStreamForward("even", from, 1000, &page).ok());
    ASSERT_EQ(page.records.size(), 1u);
    versions.push_back(page.records[0].stream_version());
    from = page.next;
  } while (!page.end_of_data);
  EXPECT_EQ(versions, (std::vector<uint64_t>{0, 1, 2, 3}));

  versions.clear();
  from = UINT64_MAX;
  do {
    ASSERT_TRUE(store_->ReadStreamBackward("odd", from, 1000, &page).ok());
    ASSERT_EQ(page.records.size(), 1u);
    versions.push_back(page.records[0].stream_version());
    from = page.next;
  } while (!page.end_of_data);
  EXPECT_EQ(versions, (std::vector<uint64_t>{2, 1, 0}));
}

TEST_P(EventStoreTest, ReadStoredGivesEachRecordsExactBytesInPages) {
  for (uint64_t i = 0; i < 7; ++i)
    MustAppend(i % 2 ? "odd" : "even", ExpectedVersion::Any(), i + 1);
  std::vector<EventRecord> all = ReadEverything();

  // Pages of 3 by count: 0-2, 3-5, 6, each record the bytes of its leaf.
  std::vector<uint64_t> firsts;
  StoredPage page;
  uint64_t from = 0;
  do {
    core::Status s = store_->ReadStored(from, 3, 0, &page);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_FALSE(page.records.empty());
    EXPECT_LE(page.records.size(), 3u);
    firsts.push_back(page.first_position);
    for (size_t i = 0; i < page.records.size(); ++i) {
      const uint64_t position = page.first_position + i;
      std::string leaf;
      ASSERT_TRUE(store_->ReadLeaf(position, &leaf).ok());
      EXPECT_EQ(page.records[i], leaf);
      EventRecord parsed;
      ASSERT_TRUE(parsed.ParseFromString(page.records[i]));
      EXPECT_EQ(parsed.position(), position);
      EXPECT_EQ(Sha256(page.records[i]), all[position].hash());
      ASSERT_EQ(page.hashes.size(), page.records.size());
      EXPECT_EQ(page.hashes[i], all[position].hash());
    }
    EXPECT_EQ(page.next, page.first_position + page.records.size());
    from = page.next;
  } while (!page.end_of_data);
  EXPECT_EQ(firsts, (std::vector<uint64_t>{0, 3, 6}));
  EXPECT_EQ(from, 7u);

  // A byte limit stops the page once its records hold that many bytes.
  const size_t limit = all[0].ByteSizeLong() + all[1].ByteSizeLong() / 2;
  ASSERT_TRUE(store_->ReadStored(0, 0, limit, &page).ok());
  ASSERT_EQ(page.records.size(), 2u) << "the second record takes the page past the limit";
  EXPECT_FALSE(page.end_of_data);
  EXPECT_EQ(page.next, 2u);
  // A byte limit of 1 still gives one record a page; past the end, none.
  ASSERT_TRUE(store_->ReadStored(4, 0, 1, &page).ok());
  EXPECT_EQ(page.records.size(), 1u);
  EXPECT_EQ(page.next, 5u);
  EXPECT_FALSE(page.end_of_data);
  ASSERT_TRUE(store_->ReadStored(7, 0, 0, &page).ok());
  EXPECT_TRUE(page.records.empty());
  EXPECT_TRUE(page.end_of_data);
  EXPECT_EQ(page.next, 7u);
}

TEST_P(EventStoreTest, ReopenRecoversHeadsAndTheChainWithoutAScan) {
  MustAppend("a", ExpectedVersion::NoStream(), 1, 3);
  MustAppend("b", ExpectedVersion::NoStream(), 4, 1);
  std::string hash = store_->Head().last_hash;
  Reopen();
  EXPECT_EQ(store_->Head().next_position, 4u);
  EXPECT_EQ(store_->Head().last_hash, hash);
  accord::v1::StreamHead head;
  ASSERT_TRUE(store_->GetStreamHead("a", &head).ok());
  EXPECT_EQ(head.last_version(), 2u);
  EXPECT_EQ(head.event_count(), 3u);
  EXPECT_TRUE(store_->GetStreamHead("c", &head).IsNotFound());

  AppendResult next = MustAppend("a", ExpectedVersion::Exact(2), 5);
  EXPECT_EQ(next.first_position, 4u);
  EXPECT_EQ(next.last_version, 3u);
  std::vector<EventRecord> all = ReadEverything();
  EXPECT_EQ(all[4].prev_hash(), hash);
  VerifyReport report;
  ASSERT_TRUE(store_->Verify(&report).ok());
  EXPECT_EQ(report.records, 5u);
  EXPECT_EQ(report.streams, 2u);
}

TEST_P(EventStoreTest, ListsStreamsInPages) {
  for (const char* stream : {"c", "a", "d", "b"})
    MustAppend(stream, ExpectedVersion::Any(), 0x100 + stream[0]);
  std::vector<std::string> streams;
  bool end = false;
  ASSERT_TRUE(store_->ListStreams("", 3, &streams, &end).ok());
  EXPECT_EQ(streams, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_FALSE(end);
  ASSERT_TRUE(store_->ListStreams("c", 3, &streams, &end).ok());
  EXPECT_EQ(streams, (std::vector<std::string>{"d"}));
  EXPECT_TRUE(end);
}

TEST_P(EventStoreTest, FindsEventsById) {
  MustAppend("a", ExpectedVersion::NoStream(), 1, 2);
  EventRecord record;
  ASSERT_TRUE(store_->FindEvent(Uuid(2), &record).ok());
  EXPECT_EQ(record.position(), 1u);
  EXPECT_TRUE(store_->FindEvent(Uuid(3), &record).IsNotFound());
  EXPECT_EQ(store_->FindEvent("nope", &record).code(), core::Status::Code::kInvalidArgument);
}

TEST_P(EventStoreTest, ConcurrentWritersOnOneVersionHaveExactlyOneWinner) {
  constexpr int kWriters = 8;
  constexpr int kRounds = 20;
  MustAppend("contested", ExpectedVersion::NoStream(), 1);
  std::atomic<int> wins{0};
  std::atomic<int> conflicts{0};
  std::barrier round_start(kWriters);
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int round = 0; round < kRounds; ++round) {
        round_start.arrive_and_wait();
        AppendResult result;
        uint64_t id = 1000 + static_cast<uint64_t>(round * kWriters + w);
        core::Status s =
            store_->Append("contested", ExpectedVersion::Exact(static_cast<uint64_t>(round)),
                           Events(id, 1), &result);
        if (s.ok()) {
          ++wins;
        } else if (s.IsWrongExpectedVersion() &&
                   result.current_version == static_cast<uint64_t>(round + 1)) {
          ++conflicts;
        }
        round_start.arrive_and_wait();
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(wins.load(), kRounds);
  EXPECT_EQ(conflicts.load(), kRounds * (kWriters - 1));
  EXPECT_EQ(ReadEverything().size(), static_cast<size_t>(kRounds + 1));
}

TEST_P(EventStoreTest, ConcurrentAppendsGetGaplessOrderedPositions) {
  constexpr int kThreads = 16;
  constexpr int kAppends = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAppends; ++i) {
        AppendResult result;
        uint64_t id = static_cast<uint64_t>(t * 1000 + i * 2 + 1);
        std::string stream = "s" + std::to_string(t);
        ExpectedVersion expected = i == 0
                                       ? ExpectedVersion::NoStream()
                                       : ExpectedVersion::Exact(static_cast<uint64_t>(i * 2 - 1));
        if (!store_->Append(stream, expected, Events(id, 2), &result).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  std::vector<EventRecord> all = ReadEverything();
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kAppends * 2));
  std::map<std::string, uint64_t> next_version;
  for (size_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(all[i].position(), i);
    EXPECT_EQ(all[i].stream_version(), next_version[all[i].stream_id()]++);
    // An append's two events are never split by another append.
    if (all[i].stream_version() % 2 == 1) {
      EXPECT_EQ(all[i - 1].stream_id(), all[i].stream_id());
    }
  }
  VerifyReport report;
  core::Status s = store_->Verify(&report);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_P(EventStoreTest, KeepsProjectionState) {
  std::string value;
  EXPECT_TRUE(store_->GetProjectionState("summary", &value).IsNotFound());
  ASSERT_TRUE(store_->PutProjectionState("summary", "checkpoint 7").ok());
  Reopen();
  ASSERT_TRUE(store_->GetProjectionState("summary", &value).ok());
  EXPECT_EQ(value, "checkpoint 7");
}

// The replicated log bounds its groups by what one etcd transaction takes.
TEST_F(RocksDbStoreTest, AGroupCommitStaysWithinItsByteLimit) {
  StoreOptions options;
  options.max_group_bytes = 4000;  // about nine of these events
  Reopen(options);
  constexpr int kAppends = 300;
  std::atomic<int> ok{0};
  std::atomic<int> done{0};
  for (int i = 0; i < kAppends; ++i) {
    store_->AppendAsync("a", ExpectedVersion::Any(), Events(1 + i, 1),
                        [&](const core::Status& s, const AppendResult&) {
                          ok += s.ok() ? 1 : 0;
                          ++done;
                        });
  }
  while (done.load() < kAppends) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(ok.load(), kAppends);
  StoreStats stats = store_->Stats();
  EXPECT_EQ(stats.events_written, static_cast<uint64_t>(kAppends));
  // Bounds 1, 2, 4, 8, 16, ...: no group above 16 events.
  EXPECT_EQ(stats.group_commit_events.cumulative_counts[4], stats.group_commit_events.count);
  EXPECT_EQ(ReadEverything().size(), static_cast<size_t>(kAppends));
}

TEST_F(RocksDbStoreTest, ReadOnlyStoresRefuseWrites) {
  MustAppend("a", ExpectedVersion::NoStream(), 1);
  store_.reset();
  Reopen(StoreOptions{.read_only = true});
  AppendResult result;
  EXPECT_EQ(store_->Append("a", ExpectedVersion::Any(), Events(2, 1), &result).code(),
            core::Status::Code::kReadOnly);
  EXPECT_EQ(ReadEverything().size(), 1u);
  VerifyReport report;
  EXPECT_TRUE(store_->Verify(&report).ok());
}

// A VisitHeld written at schema version 1, stored as such, read back today.
TEST_P(EventStoreTest, StoredOldSchemaRecordsAreReadThroughUpcasters) {
  accord::v1::legacy::VisitHeldV1 old;
  old.set_location("APSCO headquarters, Beijing");
  old.set_host("APSCO");
  NewEvent event = RawEvent(1);
  event.set_event_type("accord.v1.VisitHeld");
  event.set_schema_version(1);
  event.set_payload(old.SerializeAsString());
  AppendResult result;
  ASSERT_TRUE(store_->Append("mou", ExpectedVersion::NoStream(), {event}, &result).ok());
  Reopen();

  ReadPage page;
  ASSERT_TRUE(store_->ReadStreamForward("mou", 0, 10, &page).ok());
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_EQ(page.records[0].schema_version(), 1u) << "the log is never rewritten";
  auto decoded = core::ToAgreementEvent(page.records[0]);
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded->event.visit_held().place().name(), "APSCO headquarters, Beijing");
  EXPECT_EQ(decoded->event.visit_held().host_party_id(), "apsco");
}

TEST_P(EventStoreTest, AppendAsyncCallsBackOnceEachInCommitOrder) {
  constexpr int kAppends = 300;
  std::mutex mutex;
  std::condition_variable all_done;
  std::vector<uint64_t> positions;  // in callback order
  std::vector<int> calls(kAppends, 0);
  for (int i = 0; i < kAppends; ++i) {
    store_->AppendAsync(i % 3 == 0 ? "a" : "b", ExpectedVersion::Any(), Events(1 + i, 1),
                        [&, i](const core::Status& s, const AppendResult& r) {
                          EXPECT_TRUE(s.ok()) << s.ToString();
                          std::lock_guard lock(mutex);
                          ++calls[i];
                          positions.push_back(r.first_position);
                          all_done.notify_one();
                        });
  }
  std::unique_lock lock(mutex);
  all_done.wait(lock, [&] { return positions.size() == kAppends; });
  for (int i = 0; i < kAppends; ++i) EXPECT_EQ(calls[i], 1) << "append " << i;
  for (size_t i = 0; i < positions.size(); ++i) EXPECT_EQ(positions[i], i);
  EXPECT_LT(store_->Stats().group_commits, static_cast<uint64_t>(kAppends))
      << "queued appends share synced writes";
}

TEST_P(EventStoreTest, StatsCountEachGroupCommitsSizeAndWriteTimeAndTheBytesOnDisk) {
  StoreStats empty = store_->Stats();
  EXPECT_EQ(empty.group_commit_events.count, 0u);
  EXPECT_EQ(empty.synced_write_seconds.count, 0u);
  EXPECT_EQ(empty.group_commit_events.upper_bounds.back(), 2048);

  MustAppend("a", ExpectedVersion::NoStream(), 1, 3);  // one group of 3
  MustAppend("a", ExpectedVersion::Exact(2), 4, 1);    // one group of 1
  StoreStats stats = store_->Stats();
  EXPECT_EQ(stats.group_commits, 2u);
  EXPECT_EQ(stats.events_written, 4u);
  EXPECT_EQ(stats.group_commit_events.count, 2u);
  EXPECT_EQ(stats.group_commit_events.sum, 4);
  EXPECT_EQ(stats.group_commit_events.cumulative_counts[0], 1u) << "le=1: the group of 1";
  EXPECT_EQ(stats.group_commit_events.cumulative_counts[2], 2u) << "le=4: both";
  EXPECT_EQ(stats.synced_write_seconds.count, 2u);
  EXPECT_GT(stats.synced_write_seconds.sum, 0);
  EXPECT_GT(stats.wal_bytes, 0u) << "the appends are in the write-ahead log";

  Reopen();  // recovery writes what the WAL held into table files
  EXPECT_GT(store_->Stats().table_bytes, 0u);
  EXPECT_EQ(store_->Stats().group_commits, 0u) << "counted since open";
}

// A group of more than a few events is written by the syncer, which calls
// back itself when nothing else waits; an append made meanwhile is written by
// the stager. Its callback must wait for the first to return: callbacks run
// one at a time, in commit order.
TEST_P(EventStoreTest, ACallbackIsNeverOverlappedByTheNextGroupsCallback) {
  std::atomic<bool> in_callback{false};
  std::atomic<int> overlaps{0};
  std::atomic<uint64_t> work{0};
  std::mutex mutex;
  std::condition_variable all_done;
  std::vector<uint64_t> order;  // first positions, in callback order
  auto finished = [&](uint64_t first_position) {
    std::lock_guard lock(mutex);
    order.push_back(first_position);
    all_done.notify_one();
  };
  AppendCallback second = [&](const core::Status& s, const AppendResult& r) {
    if (in_callback.exchange(true)) ++overlaps;
    EXPECT_TRUE(s.ok()) << s.ToString();
    in_callback = false;
    finished(r.first_position);
  };
  store_->AppendAsync("large", ExpectedVersion::Any(), Events(1, 20),
                      [&](const core::Status& s, const AppendResult& r) {
                        in_callback = true;
                        EXPECT_TRUE(s.ok()) << s.ToString();
                        store_->AppendAsync("small", ExpectedVersion::Any(), Events(100, 1),
                                            second);
                        // Still in this callback once the small append is durable, and for
                        // a while after: a thread calling it back now would overlap this one.
                        while (store_->Head().next_position < 21) std::this_thread::yield();
                        for (int spin = 0; spin < 2000000; ++spin)
                          work.fetch_add(1, std::memory_order_relaxed);
                        in_callback = false;
                        finished(r.first_position);
                      });
  std::unique_lock lock(mutex);
  all_done.wait(lock, [&] { return order.size() == 2; });
  EXPECT_EQ(overlaps.load(), 0) << "two threads called back at once";
  EXPECT_EQ(order, (std::vector<uint64_t>{0, 20})) << "callbacks in commit order";
}

TEST_P(EventStoreTest, ARetryQueuedBehindItsOriginalIsAnsweredWithTheOriginal) {
  // The retry is staged while the original is not yet on disk: the store
  // must find it among the events in flight, not only on disk.
  std::mutex mutex;
  std::condition_variable done;
  std::vector<std::pair<core::Status, AppendResult>> results;
  auto record = [&](const core::Status& s, const AppendResult& r) {
    std::lock_guard lock(mutex);
    results.emplace_back(s, r);
    done.notify_one();
  };
  for (int round = 0; round < 20; ++round) {
    store_->AppendAsync("a", ExpectedVersion::Any(), Events(100 + 2 * round, 2), record);
    store_->AppendAsync("a", ExpectedVersion::Any(), Events(100 + 2 * round, 2), record);
  }
  std::unique_lock lock(mutex);
  done.wait(lock, [&] { return results.size() == 40; });
  for (size_t i = 0; i < results.size(); i += 2) {
    ASSERT_TRUE(results[i].first.ok()) << results[i].first.ToString();
    ASSERT_TRUE(results[i + 1].first.ok()) << results[i + 1].first.ToString();
    EXPECT_FALSE(results[i].second.already_stored);
    EXPECT_TRUE(results[i + 1].second.already_stored);
    EXPECT_EQ(results[i + 1].second.first_position, results[i].second.first_position);
  }
  EXPECT_EQ(store_->Head().next_position, 40u);
}

TEST_P(EventStoreTest, ClosingFinishesEveryQueuedAppend) {
  std::atomic<int> ok{0};
  for (int i = 0; i < 200; ++i) {
    store_->AppendAsync("a", ExpectedVersion::Any(), Events(1 + i, 1),
                        [&](const core::Status& s, const AppendResult&) { ok += s.ok() ? 1 : 0; });
  }
  store_.reset();
  EXPECT_EQ(ok.load(), 200);
  Reopen();
  EXPECT_EQ(store_->Head().next_position, 200u);
}

TEST_P(EventStoreTest, AnExportImportedIntoAnEmptyStoreReproducesTheLogExactly) {
  MustAppend("a", ExpectedVersion::NoStream(), 1, 3);
  MustAppend("b", ExpectedVersion::NoStream(), 4, 2);
  MustAppend("a", ExpectedVersion::Exact(2), 6, 1);
  // Through protobuf's JSON mapping, as an NDJSON export carries them.
  std::vector<EventRecord> exported;
  for (const EventRecord& record : ReadEverything()) {
    std::string json;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(record, &json).ok());
    EventRecord back;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &back).ok());
    exported.push_back(back);
  }

  accord::testing::TempDir other_dir;
  std::unique_ptr<EventStore> other;
  ASSERT_TRUE(EventStore::Open({}, other_dir.path(), &other).ok());
  core::Status s = other->Import(exported);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(other->Head().next_position, 6u);
  EXPECT_EQ(other->Head().last_hash, store_->Head().last_hash);
  VerifyReport report;
  ASSERT_TRUE(other->Verify(&report).ok());
  EXPECT_EQ(report.head_hash, store_->Head().last_hash);

  // The imported store takes appends where the original left off.
  AppendResult result;
  ASSERT_TRUE(other->Append("a", ExpectedVersion::Exact(3), Events(7, 1), &result).ok());
  EXPECT_EQ(result.first_position, 6u);
  EXPECT_EQ(result.last_version, 4u);
}

TEST_P(EventStoreTest, ImportRefusesRecordsThatDoNotFit) {
  MustAppend("a", ExpectedVersion::NoStream(), 1, 3);
  std::vector<EventRecord> records = ReadEverything();
  auto import_into_new = [](std::vector<EventRecord> batch) {
    accord::testing::TempDir dir;
    std::unique_ptr<EventStore> store;
    EXPECT_TRUE(EventStore::Open({}, dir.path(), &store).ok());
    core::Status s = store->Import(batch);
    VerifyReport report;
    EXPECT_TRUE(store->Verify(&report).ok());
    EXPECT_EQ(report.records, 0u) << "nothing of a refused batch is written";
    return s;
  };
  std::vector<EventRecord> edited = records;
  edited[1].set_actor("someone else");
  core::Status s = import_into_new(edited);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("position 1: it does not match its hash"), std::string::npos)
      << s.ToString();

  std::vector<EventRecord> gap = {records[0], records[2]};
  s = import_into_new(gap);
  EXPECT_NE(s.message().find("position 2: position 1 was due"), std::string::npos) << s.ToString();

  s = import_into_new({records[1]});
  EXPECT_TRUE(s.IsCorruption()) << "a log starts at position 0: " << s.ToString();

  // Records that chain and hash correctly but repeat an event id, or skip a
  // stream version, are refused too.
  auto rehashed = [](EventRecord r) {
    r.clear_hash();
    r.set_hash(Sha256(r.SerializeAsString()));
    return r;
  };
  EventRecord repeated = records[1];
  repeated.set_event_id(records[0].event_id());
  s = import_into_new({records[0], rehashed(repeated)});
  EXPECT_NE(s.message().find("position 1: its event id is malformed or repeated"),
            std::string::npos)
      << s.ToString();
  EventRecord skipped = records[1];
  skipped.set_stream_version(5);
  s = import_into_new({records[0], rehashed(skipped)});
  EXPECT_NE(s.message().find("version 1 of stream 'a' was due"), std::string::npos) << s.ToString();

  accord::testing::TempDir dir;
  std::unique_ptr<EventStore> continued;
  ASSERT_TRUE(EventStore::Open({}, dir.path(), &continued).ok());
  ASSERT_TRUE(continued->Import({records[0]}).ok());
  EventRecord stored_again = records[1];
  stored_again.set_event_id(records[0].event_id());
  s = continued->Import({rehashed(stored_again)});
  EXPECT_NE(s.message().find("its event id is stored already"), std::string::npos) << s.ToString();
}

// The log entries of `store`, each with its record bytes exactly as stored.
std::vector<accord::v1::LogEntry> StoredEntries(const EventStore& store) {
  std::vector<accord::v1::LogEntry> entries;
  for (uint64_t position = 0; position < store.Head().next_position; ++position) {
    accord::v1::LogEntry entry;
    EXPECT_TRUE(store.ReadLeaf(position, entry.mutable_record()).ok());
    entry.set_hash(Sha256(entry.record()));
    entries.push_back(std::move(entry));
  }
  return entries;
}

TEST_P(EventStoreTest, ImportRefusesRecordBytesThatNoLongerMatchTheirHashAndWritesNothing) {
  MustAppend("a", ExpectedVersion::NoStream(), 1, 3);
  std::vector<accord::v1::LogEntry> entries = StoredEntries(*store_);
  accord::testing::TempDir other_dir;
  std::unique_ptr<EventStore> other;
  ASSERT_TRUE(EventStore::Open({}, other_dir.path(), &other).ok());
  ASSERT_TRUE(other->ImportEntries({entries[0], entries[1]}).ok());
  LogHead before = other->Head();

  // The same record once parsed (a repeated `position` field: the last
  // wins), other bytes: the hash covers the bytes, not what they parse to.
  accord::v1::LogEntry altered = entries[2];
  altered.mutable_record()->append("\x08\x02", 2);
  EventRecord parsed;
  ASSERT_TRUE(parsed.ParseFromString(altered.record()));
  ASSERT_EQ(parsed.position(), 2u);
  core::Status s = other->ImportEntries({altered});
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("record at position 2: it does not match its hash"), std::string::npos)
      << s.ToString();

  EXPECT_EQ(other->Head().next_position, before.next_position);
  EXPECT_EQ(other->Head().last_hash, before.last_hash);
  VerifyReport report;
  ASSERT_TRUE(other->Verify(&report).ok());
  EXPECT_EQ(report.records, 2u);
  // Nothing of the refused entry is left staged: its event id is still new.
  s = other->ImportEntries({entries[2]});
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(other->Head().last_hash, store_->Head().last_hash);
}

TEST_P(EventStoreTest, ImportKeepsTheRecordBytesItIsGiven) {
  // Bytes no protobuf library writes, hashed as they are: the store keeps
  // them as given, and the chain and the Merkle tree cover those bytes.
  MustAppend("a", ExpectedVersion::NoStream(), 1, 1);
  accord::v1::LogEntry entry = StoredEntries(*store_)[0];
  entry.mutable_record()->append("\x08\x00", 2);
  entry.set_hash(Sha256(entry.record()));
  accord::testing::TempDir other_dir;
  std::unique_ptr<EventStore> other;
  ASSERT_TRUE(EventStore::Open({}, other_dir.path(), &other).ok());
  core::Status s = other->ImportEntries({entry});
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::string leaf;
  ASSERT_TRUE(other->ReadLeaf(0, &leaf).ok());
  EXPECT_EQ(leaf, entry.record());
  EXPECT_EQ(other->Head().last_hash, entry.hash());
  VerifyReport report;
  s = other->Verify(&report);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_P(EventStoreTest, ImportThenAppendContinuesOneChain) {
  MustAppend("a", ExpectedVersion::NoStream(), 1, 3);
  MustAppend("b", ExpectedVersion::NoStream(), 4, 1);
  accord::testing::TempDir other_dir;
  std::unique_ptr<EventStore> other;
  ASSERT_TRUE(EventStore::Open({}, other_dir.path(), &other).ok());
  ASSERT_TRUE(other->ImportEntries(StoredEntries(*store_)).ok());

  AppendResult appended;
  ASSERT_TRUE(other->Append("a", ExpectedVersion::Exact(2), Events(10, 2), &appended).ok());
  EXPECT_EQ(appended.first_position, 4u);
  EXPECT_EQ(appended.last_version, 4u);
  ReadPage page;
  ASSERT_TRUE(other->ReadAll(4, 1, &page).ok());
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_EQ(page.records[0].prev_hash(), store_->Head().last_hash);

  // And an import after the appends chains to them, on the same path.
  EventRecord next;
  next.set_position(6);
  next.set_stream_id("c");
  next.set_stream_version(0);
  next.set_event_id(Uuid(20));
  next.set_event_type("accord.test.Raw");
  next.set_schema_version(1);
  next.set_prev_hash(other->Head().last_hash);
  accord::v1::LogEntry entry;
  entry.set_record(next.SerializeAsString());
  entry.set_hash(Sha256(entry.record()));
  core::Status s = other->ImportEntries({entry});
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(other->Append("c", ExpectedVersion::Exact(0), Events(21, 1), &appended).ok());
  EXPECT_EQ(appended.first_position, 7u);

  VerifyReport report;
  s = other->Verify(&report);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(report.records, 8u);
  EXPECT_EQ(report.streams, 3u);
}

TEST_P(EventStoreTest, AppendTakesANullResult) {
  ASSERT_TRUE(store_->Append("a", ExpectedVersion::NoStream(), Events(1, 1), nullptr).ok());
  core::Status s = store_->Append("a", ExpectedVersion::NoStream(), Events(2, 1), nullptr);
  EXPECT_EQ(s.code(), core::Status::Code::kWrongExpectedVersion) << s.ToString();
  EXPECT_EQ(store_->Head().next_position, 1u);
}

// Tamper evidence: damage stored data directly in RocksDB.
class TamperTest : public RocksDbStoreTest {
 protected:
  void SetUp() override {
    RocksDbStoreTest::SetUp();
    for (uint64_t i = 0; i < 10; ++i) MustAppend(i < 5 ? "a" : "b", ExpectedVersion::Any(), i + 1);
    store_.reset();
  }

  core::Status VerifyAfterReopen() {
    core::Status s = EventStore::Open(StoreOptions{.read_only = true}, dir_.path(), &store_);
    if (!s.ok()) return s;
    VerifyReport report;
    return store_->Verify(&report);
  }
};

TEST_F(TamperTest, ChangingOneByteOfAnOldRecordIsNamed) {
  {
    accord::testing::RawDb raw(dir_.path());
    ASSERT_TRUE(raw.status().ok());
    std::string value = raw.Get(accord::testing::RawDb::kLog, raw.LogKey(3));
    value[value.size() / 2] ^= 0x01;
    raw.Put(accord::testing::RawDb::kLog, raw.LogKey(3), value);
  }
  core::Status s = VerifyAfterReopen();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("position 3"), std::string::npos) << s.ToString();
  ReadPage page;
  EXPECT_TRUE(store_->ReadAll(0, 100, &page).IsCorruption()) << "reads check hashes too";
  StoredPage stored;
  s = store_->ReadStored(0, 100, 0, &stored);
  EXPECT_TRUE(s.IsCorruption()) << "so do reads of stored bytes: " << s.ToString();
  EXPECT_NE(s.message().find("position 3"), std::string::npos) << s.ToString();
}

// A record with its own hash, moved under another position: the bytes name
// their position, and a read of stored bytes checks it without parsing all.
TEST_F(TamperTest, ARecordMovedUnderAnotherPositionIsNamedByReadsOfStoredBytes) {
  {
    accord::testing::RawDb raw(dir_.path());
    raw.Put(accord::testing::RawDb::kLog, raw.LogKey(5),
            raw.Get(accord::testing::RawDb::kLog, raw.LogKey(2)));
  }
  ASSERT_TRUE(EventStore::Open(StoreOptions{.read_only = true}, dir_.path(), &store_).ok());
  StoredPage stored;
  core::Status s = store_->ReadStored(0, 100, 0, &stored);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("stored at position 5 names another position"), std::string::npos)
      << s.ToString();
  ASSERT_TRUE(store_->ReadStored(0, 5, 0, &stored).ok()) << "what comes before it reads";
  EXPECT_EQ(stored.records.size(), 5u);
}

// The record matches its own new hash and chains to the one before it; the
// Merkle tree, kept apart from the records, names it (the chain would only
// break at the next record).
TEST_F(TamperTest, ARewrittenRecordWithAFreshHashIsNamed) {
  {
    accord::testing::RawDb raw(dir_.path());
    accord::v1::LogEntry entry;
    ASSERT_TRUE(entry.ParseFromString(raw.Get(accord::testing::RawDb::kLog, raw.LogKey(4))));
    EventRecord record;
    ASSERT_TRUE(record.ParseFromString(entry.record()));
    record.set_actor("someone else");
    entry.set_record(record.SerializeAsString());
    entry.set_hash(Sha256(entry.record()));
    raw.Put(accord::testing::RawDb::kLog, raw.LogKey(4), entry.SerializeAsString());
  }
  core::Status s = VerifyAfterReopen();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("Merkle node over positions 4 to 4 disagrees"), std::string::npos)
      << s.ToString();
}

TEST_F(TamperTest, ADeletedRecordIsNamed) {
  {
    accord::testing::RawDb raw(dir_.path());
    raw.Delete(accord::testing::RawDb::kLog, raw.LogKey(6));
  }
  core::Status s = VerifyAfterReopen();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("position 6 is missing"), std::string::npos) << s.ToString();
  StoredPage stored;
  s = store_->ReadStored(0, 100, 0, &stored);
  EXPECT_TRUE(s.IsCorruption()) << "reads of stored bytes name the gap too: " << s.ToString();
  EXPECT_NE(s.message().find("position 6 is missing"), std::string::npos) << s.ToString();
}

TEST_F(TamperTest, ATruncatedLogRefusesToOpenForWriting) {
  {
    accord::testing::RawDb raw(dir_.path());
    raw.Delete(accord::testing::RawDb::kLog, raw.LogKey(9));
  }
  core::Status s = EventStore::Open(StoreOptions{}, dir_.path(), &store_);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("ends at position 8 but the chain head names position 9"),
            std::string::npos)
      << s.ToString();
  s = VerifyAfterReopen();
  EXPECT_TRUE(s.IsCorruption()) << "read-only opens, and Verify names it: " << s.ToString();
  AppendResult result;
  EXPECT_TRUE(store_->Append("a", ExpectedVersion::Any(), Events(99, 1), &result).code() ==
              core::Status::Code::kReadOnly);
}

TEST_F(TamperTest, AnIndexThatDisagreesWithTheLogIsNamed) {
  {
    accord::testing::RawDb raw(dir_.path());
    raw.Put(accord::testing::RawDb::kStreamIndex, StreamIndexKey("a", 2), raw.LogKey(7));
  }
  core::Status s = VerifyAfterReopen();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("stream index disagrees with the log at position 2"),
            std::string::npos)
      << s.ToString();
}

TEST_F(TamperTest, AnExtraStreamHeadIsNamed) {
  {
    accord::testing::RawDb raw(dir_.path());
    raw.Put(accord::testing::RawDb::kStreamHeads, "ghost", "");
  }
  core::Status s = VerifyAfterReopen();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("ghost"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace accord::store
