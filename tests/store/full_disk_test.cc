// A real full disk: the store on a small tmpfs, filled until a write fails.
// The failure is a typed IOError, nothing acknowledged is lost, the store is
// not corrupt, reads go on, and appends come back by themselves once space
// returns, also after a restart on the full disk. (fault_test.cc covers the
// same with an injected error; this is the kernel's ENOSPC.)
#include <sys/mount.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "store/event_store.h"
#include "tests/testing/builders.h"
#include "tests/testing/temp_dir.h"

namespace accord::store {
namespace {

using accord::v1::EventRecord;

class FullDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mount_point_ = dir_.path() + "/small";
    std::filesystem::create_directories(mount_point_);
    if (mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, "size=6m") != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN): "
                   << std::strerror(errno);
    }
    mounted_ = true;
    data_ = mount_point_ + "/data";
  }
  void TearDown() override {
    store_.reset();
    if (mounted_) umount2(mount_point_.c_str(), MNT_DETACH);
  }

  // Room to give back later.
  void MakeBallast() {
    ballast_ = mount_point_ + "/ballast";
    std::ofstream out(ballast_, std::ios::binary);
    out << std::string(1 << 20, 'b');
  }

  core::Status Append(uint64_t id, AppendResult* result) {
    return store_->Append("filling", ExpectedVersion::Any(),
                          {accord::testing::RawEvent(id, std::string(2000, 'f'))}, result);
  }

  // Appends until the store refuses even after its own retries: 20 refusals
  // in a row. Returns the first refusal.
  core::Status FillUntilRefused() {
    core::Status first;
    int refusals = 0;
    for (uint64_t id = 1; id < 100000 && refusals < 20; ++id) {
      AppendResult result;
      core::Status s = Append(id, &result);
      if (s.ok()) {
        acknowledged_.push_back(id);
        refusals = 0;
        continue;
      }
      if (refusals++ == 0) {
        first = s;
        failed_id_ = id;
      }
    }
    EXPECT_FALSE(first.ok()) << "6 MB never filled up";
    EXPECT_EQ(refusals, 20) << "the disk never stayed full";
    return first;
  }

  // Every acknowledged append is there, and the store verifies, also after
  // a reopen.
  void ExpectEveryAcknowledgedEventAfterReopen() {
    store_.reset();
    core::Status opened = EventStore::Open({}, data_, &store_);
    ASSERT_TRUE(opened.ok()) << opened.ToString();
    ASSERT_TRUE(store_->WriteHealth().ok()) << store_->WriteHealth().ToString();
    VerifyReport report;
    core::Status verified = store_->Verify(&report);
    ASSERT_TRUE(verified.ok()) << verified.ToString();
    for (uint64_t id : acknowledged_) {
      EventRecord record;
      ASSERT_TRUE(store_->FindEvent(accord::testing::Uuid(id), &record).ok()) << id;
    }
  }

  static constexpr std::chrono::seconds kResumeWithin{10};
  accord::testing::TempDir dir_;
  std::string mount_point_;
  std::string data_;
  std::string ballast_;
  bool mounted_ = false;
  std::unique_ptr<EventStore> store_;
  std::vector<uint64_t> acknowledged_;
  uint64_t failed_id_ = 0;  // of the first refused append
};

TEST_F(FullDiskTest, AFullDiskIsATypedErrorAndTheStoreWorksWhenSpaceReturns) {
  MakeBallast();
  ASSERT_TRUE(EventStore::Open({}, data_, &store_).ok());
  core::Status failure = FillUntilRefused();
  EXPECT_EQ(failure.code(), core::Status::Code::kIOError) << failure.ToString();
  EXPECT_GT(acknowledged_.size(), 100u);

  std::filesystem::remove(ballast_);
  // Space is back: the store takes appends again by itself.
  ASSERT_TRUE(store_->AwaitWritable(kResumeWithin)) << store_->WriteHealth().ToString();
  AppendResult result;
  core::Status resumed =
      store_->Append("after", ExpectedVersion::Any(), {accord::testing::RawEvent(300000)}, &result);
  ASSERT_TRUE(resumed.ok()) << resumed.ToString();
  ExpectEveryAcknowledgedEventAfterReopen();
}

TEST_F(FullDiskTest, ReadsGoOnWhileTheDiskIsFullAndAppendsComeBackByThemselves) {
  MakeBallast();
  ASSERT_TRUE(EventStore::Open({}, data_, &store_).ok());
  core::Status failure = FillUntilRefused();
  ASSERT_FALSE(failure.ok());

  // The store says why it refuses, and refuses at once.
  core::Status health = store_->WriteHealth();
  EXPECT_EQ(health.code(), core::Status::Code::kIOError) << health.ToString();
  EXPECT_NE(health.message().find("No space left on device"), std::string::npos)
      << health.message();
  EXPECT_FALSE(store_->Stats().write_refusal.empty());
  AppendResult result;
  core::Status refused = Append(failed_id_, &result);
  EXPECT_EQ(refused.code(), core::Status::Code::kIOError) << refused.ToString();
  EXPECT_NE(refused.message().find("retry with the same event ids"), std::string::npos);

  // Every read works meanwhile.
  ReadPage page;
  core::Status read = store_->ReadAll(0, 10, &page);
  ASSERT_TRUE(read.ok()) << read.ToString();
  EXPECT_EQ(page.records.size(), 10u);
  read = store_->ReadStreamForward("filling", 0, 10, &page);
  ASSERT_TRUE(read.ok()) << read.ToString();
  EventRecord record;
  read = store_->FindEvent(accord::testing::Uuid(acknowledged_.back()), &record);
  ASSERT_TRUE(read.ok()) << read.ToString();
  VerifyReport report;
  read = store_->Verify(&report);
  ASSERT_TRUE(read.ok()) << read.ToString();
  EXPECT_GE(report.records, acknowledged_.size());

  // Space returns: appends resume with no restart, and the retry of the
  // refused append lands exactly once.
  std::filesystem::remove(ballast_);
  ASSERT_TRUE(store_->AwaitWritable(kResumeWithin)) << store_->WriteHealth().ToString();
  EXPECT_TRUE(store_->Stats().write_refusal.empty());
  core::Status retried = Append(failed_id_, &result);
  ASSERT_TRUE(retried.ok()) << retried.ToString();
  uint64_t position = result.first_position;
  ASSERT_TRUE(Append(failed_id_, &result).ok());
  EXPECT_TRUE(result.already_stored);
  EXPECT_EQ(result.first_position, position);
  acknowledged_.push_back(failed_id_);
  ExpectEveryAcknowledgedEventAfterReopen();
}

TEST_F(FullDiskTest, ARestartOnAFullDiskOpensForReadingAndTakesAppendsWhenSpaceReturns) {
  MakeBallast();
  ASSERT_TRUE(EventStore::Open({}, data_, &store_).ok());
  ASSERT_FALSE(FillUntilRefused().ok());
  store_.reset();
  // Whatever closing gave back is taken too: the disk is full to the byte.
  std::string filler = mount_point_ + "/filler";
  {
    std::ofstream out(filler, std::ios::binary);
    std::string block(4096, 'x');
    while (out.write(block.data(), static_cast<std::streamsize>(block.size()))) {
    }
  }

  core::Status opened = EventStore::Open({}, data_, &store_);
  ASSERT_TRUE(opened.ok()) << opened.ToString();
  core::Status health = store_->WriteHealth();
  EXPECT_EQ(health.code(), core::Status::Code::kIOError);
  EXPECT_NE(health.message().find("opened read-only"), std::string::npos) << health.message();
  for (uint64_t id : acknowledged_) {
    EventRecord record;
    ASSERT_TRUE(store_->FindEvent(accord::testing::Uuid(id), &record).ok()) << id;
  }
  AppendResult result;
  core::Status refused = Append(failed_id_, &result);
  EXPECT_EQ(refused.code(), core::Status::Code::kIOError) << refused.ToString();

  std::filesystem::remove(filler);
  std::filesystem::remove(ballast_);
  ASSERT_TRUE(store_->AwaitWritable(kResumeWithin)) << store_->WriteHealth().ToString();
  core::Status appended = Append(failed_id_, &result);
  ASSERT_TRUE(appended.ok()) << appended.ToString();
  acknowledged_.push_back(failed_id_);
  ExpectEveryAcknowledgedEventAfterReopen();
}

}  // namespace
}  // namespace accord::store
