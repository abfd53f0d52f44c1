// What the store does when the disk refuses: the append that hit the fault
// fails with IOError (its outcome unknown), nothing half-written becomes
// visible, and once the disk works again the store takes appends again and
// a retry with the same ids lands exactly once.
#include <gtest/gtest.h>

#include "store/event_store.h"
#include "tests/testing/builders.h"
#include "tests/testing/fault_fs.h"
#include "tests/testing/temp_dir.h"

namespace accord::store {
namespace {

using accord::testing::RawEvent;

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs_ = std::make_shared<accord::testing::FaultInjectingFs>();
    env_ = rocksdb::NewCompositeEnv(fs_);
    Open();
  }

  void Open() {
    store_.reset();
    StoreOptions options;
    options.env = env_.get();
    core::Status s = EventStore::Open(options, dir_.path(), &store_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  core::Status Append(uint64_t first_id, AppendResult* result) {
    return store_->Append("a", ExpectedVersion::Any(), {RawEvent(first_id), RawEvent(first_id + 1)},
                          result);
  }

  void ExpectWholeAppendsOnly() {
    VerifyReport report;
    core::Status s = store_->Verify(&report);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(report.records % 2, 0u) << "an append of two events was cut in half";
  }

  accord::testing::TempDir dir_;
  std::shared_ptr<accord::testing::FaultInjectingFs> fs_;
  std::unique_ptr<rocksdb::Env> env_;
  std::unique_ptr<EventStore> store_;
};

TEST_F(FaultTest, AFailedSyncIsAnIOErrorAndTheStoreRecovers) {
  AppendResult result;
  ASSERT_TRUE(Append(1, &result).ok());

  fs_->fail_wal_syncs = true;
  core::Status failed = Append(3, &result);
  EXPECT_EQ(failed.code(), core::Status::Code::kIOError) << failed.ToString();
  EXPECT_NE(failed.message().find("retry with the same event ids"), std::string::npos);
  EXPECT_GT(fs_->injected.load(), 0);
  fs_->fail_wal_syncs = false;
  ASSERT_TRUE(store_->AwaitWritable(std::chrono::seconds(10))) << store_->WriteHealth().ToString();

  // The retry lands exactly once, whether or not the failed write reached the log.
  core::Status retried = Append(3, &result);
  ASSERT_TRUE(retried.ok()) << retried.ToString();
  ASSERT_TRUE(Append(5, &result).ok());
  EXPECT_EQ(result.last_position, 5u) << "positions stay gapless after the failure";
  ExpectWholeAppendsOnly();

  Open();
  EXPECT_EQ(store_->Head().next_position, 6u);
  ExpectWholeAppendsOnly();
}

TEST_F(FaultTest, AFullDiskIsAnIOErrorAndWritesResumeWhenSpaceReturns) {
  AppendResult result;
  ASSERT_TRUE(Append(1, &result).ok());

  fs_->fail_wal_appends = true;
  for (uint64_t id = 3; id < 9; id += 2) {
    core::Status failed = Append(id, &result);
    EXPECT_EQ(failed.code(), core::Status::Code::kIOError) << failed.ToString();
  }
  ReadPage page;
  ASSERT_TRUE(store_->ReadAll(0, 100, &page).ok()) << "reads go on while writes fail";
  EXPECT_EQ(page.records.size(), 2u);
  fs_->fail_wal_appends = false;
  ASSERT_TRUE(store_->AwaitWritable(std::chrono::seconds(10))) << store_->WriteHealth().ToString();

  ASSERT_TRUE(Append(3, &result).ok());
  EXPECT_EQ(result.first_position, 2u);
  ExpectWholeAppendsOnly();
  Open();
  EXPECT_EQ(store_->Head().next_position, 4u);
  ExpectWholeAppendsOnly();
}

}  // namespace
}  // namespace accord::store
