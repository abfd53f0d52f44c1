// A real full disk: the store on a small tmpfs, filled until a write fails.
// The failure is a typed IOError, nothing acknowledged is lost, the store is
// not corrupt, and appends work again once space returns. (fault_test.cc
// covers the same with an injected error; this is the kernel's ENOSPC.)
#include <sys/mount.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

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
  }
  void TearDown() override {
    store_.reset();
    if (mounted_) umount2(mount_point_.c_str(), MNT_DETACH);
  }

  accord::testing::TempDir dir_;
  std::string mount_point_;
  bool mounted_ = false;
  std::unique_ptr<EventStore> store_;
};

TEST_F(FullDiskTest, AFullDiskIsATypedErrorAndTheStoreWorksWhenSpaceReturns) {
  // Room to give back later.
  std::string ballast = mount_point_ + "/ballast";
  {
    std::ofstream out(ballast, std::ios::binary);
    out << std::string(1 << 20, 'b');
  }
  std::string data = mount_point_ + "/data";
  ASSERT_TRUE(EventStore::Open({}, data, &store_).ok());

  std::vector<uint64_t> acknowledged;
  Status failure;
  for (uint64_t id = 1; id < 100000; ++id) {
    AppendResult result;
    Status s = store_->Append("filling", ExpectedVersion::Any(),
                              {accord::testing::RawEvent(id, std::string(2000, 'f'))}, &result);
    if (!s.ok()) {
      failure = s;
      break;
    }
    acknowledged.push_back(id);
  }
  ASSERT_FALSE(failure.ok()) << "6 MB never filled up";
  EXPECT_EQ(failure.code(), Status::Code::kIOError) << failure.ToString();
  EXPECT_GT(acknowledged.size(), 100u);

  std::filesystem::remove(ballast);
  // Space is back: the store takes appends again (it reopens RocksDB after
  // a failed write; give it a few tries while the reopen happens).
  AppendResult result;
  Status resumed;
  for (int attempt = 0; attempt < 50; ++attempt) {
    resumed = store_->Append("after", ExpectedVersion::Any(),
                             {accord::testing::RawEvent(300000 + attempt)}, &result);
    if (resumed.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(resumed.ok()) << resumed.ToString();

  // Every acknowledged append is there, and the store verifies, also after
  // a reopen.
  store_.reset();
  ASSERT_TRUE(EventStore::Open({}, data, &store_).ok());
  VerifyReport report;
  Status verified = store_->Verify(&report);
  ASSERT_TRUE(verified.ok()) << verified.ToString();
  for (uint64_t id : acknowledged) {
    EventRecord record;
    ASSERT_TRUE(store_->FindEvent(accord::testing::Uuid(id), &record).ok()) << id;
  }
}

}  // namespace
}  // namespace accord::store
