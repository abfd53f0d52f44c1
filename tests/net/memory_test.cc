// What connections cost the accordd process: memory held for a connection
// is bounded by what it sent, and all of it is released when it closes.
// Each test runs the real accordd binary and reads its resident memory
// (/proc/PID/status), checking the bound as it goes so that a leak fails
// early instead of exhausting the machine.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "net/client.h"
#include "tests/testing/accordd_process.h"
#include "tests/testing/builders.h"
#include "tests/testing/raw_connection.h"
#include "tests/testing/temp_dir.h"

namespace accord::net {
namespace {

using accord::testing::AccorddProcess;
using accord::testing::RawConnection;
using accord::v1::Request;
using accord::v1::Response;

constexpr long kBoundKb = 100 << 10;     // accordd's resident memory stays under this
constexpr long kNearStartKb = 16 << 10;  // back within this of the start after the closes
constexpr uint32_t kFourMiB = 4 << 20;   // the default frame limit: a frame it may announce
constexpr auto kDeadline = std::chrono::seconds(20);

class MemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    rlimit files{};
    getrlimit(RLIMIT_NOFILE, &files);
    if (files.rlim_cur < 4096 && files.rlim_max >= 4096) {
      files.rlim_cur = 4096;
      setrlimit(RLIMIT_NOFILE, &files);
    }
    ASSERT_GE(files.rlim_cur, 1300u) << "needs a file descriptor for each of 1,200 connections";
    server_ = std::make_unique<AccorddProcess>(
        ACCORD_ACCORDD, std::vector<std::string>{"--data", dir_.Sub("data"), "--no-auth"},
        dir_.Sub("accordd.log"));
    ASSERT_TRUE(server_->WaitUntilServing()) << server_->log();
    MarkStart();
  }
  void TearDown() override {
    std::printf("accordd resident memory: start %.1f MB, peak seen %.1f MB, end %.1f MB\n",
                static_cast<double>(start_kb_) / 1024, static_cast<double>(peak_kb_) / 1024,
                static_cast<double>(server_->ResidentKilobytes()) / 1024);
  }

  // The memory the closes must come back to: after a first connection.
  void MarkStart() {
    ASSERT_EQ(Connections(), 1u);
    start_kb_ = server_->ResidentKilobytes();
    peak_kb_ = start_kb_;
  }

  std::unique_ptr<Client> Connect() {
    std::unique_ptr<Client> client;
    core::Status s = Client::Connect("127.0.0.1", server_->port(), "memory-test", &client);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (client) client->SetReceiveTimeout(std::chrono::seconds(20));
    return client;
  }

  // What `health` counts, this question's own connection included.
  uint32_t Connections() {
    auto client = Connect();
    if (!client) return 0;
    Request health;
    health.mutable_get_health();
    Response response;
    EXPECT_TRUE(client->Call(health, &response).ok());
    return response.health().connections();
  }

  ::testing::AssertionResult UnderBound() {
    long kb = server_->ResidentKilobytes();
    peak_kb_ = std::max(peak_kb_, kb);
    if (kb > 0 && kb < kBoundKb) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "accordd holds " << kb / 1024 << " MB, over the bound of " << kBoundKb / 1024
           << " MB (it started at " << start_kb_ / 1024 << " MB)";
  }

  // Polls health (accordd is another process) until it counts `expected`.
  ::testing::AssertionResult ConnectionsBecome(uint32_t expected) {
    auto deadline = std::chrono::steady_clock::now() + kDeadline;
    uint32_t seen = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      seen = Connections();
      if (seen == expected) return ::testing::AssertionSuccess();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return ::testing::AssertionFailure()
           << "health counts " << seen << " connections, not " << expected;
  }

  ::testing::AssertionResult MemoryReturnsNearStart() {
    auto deadline = std::chrono::steady_clock::now() + kDeadline;
    long kb = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      kb = server_->ResidentKilobytes();
      if (kb > 0 && kb < start_kb_ + kNearStartKb) return ::testing::AssertionSuccess();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return ::testing::AssertionFailure()
           << "accordd still holds " << kb / 1024
           << " MB after the connections closed; it started at " << start_kb_ / 1024 << " MB";
  }

  // `count` connections that said hello, each then announcing a 4 MiB
  // frame and sending only `sent` bytes of it.
  void HoldConnections(size_t count, size_t sent,
                       std::vector<std::unique_ptr<RawConnection>>* held) {
    for (size_t i = 0; i < count; ++i) {
      auto connection = std::make_unique<RawConnection>(server_->port());
      ASSERT_TRUE(connection->connected()) << i;
      ASSERT_TRUE(connection->Hello()) << i;
      Response hello;
      ASSERT_TRUE(connection->Receive(&hello)) << i;
      ASSERT_TRUE(hello.has_hello()) << i;
      ASSERT_TRUE(connection->SendLengthPrefix(kFourMiB)) << i;
      ASSERT_TRUE(connection->SendBytes(std::string(sent, 'x'))) << i;
      held->push_back(std::move(connection));
      if (i % 25 == 24) {
        ASSERT_TRUE(UnderBound()) << "after " << i + 1 << " connections";
      }
    }
  }

  accord::testing::TempDir dir_;
  std::unique_ptr<AccorddProcess> server_;
  long start_kb_ = 0;
  long peak_kb_ = 0;
};

TEST_F(MemoryTest, FiveHundredStrangersAnnouncingBigFramesOneAfterAnotherCostNothing) {
  for (int i = 0; i < 500; ++i) {
    RawConnection stranger(server_->port());
    ASSERT_TRUE(stranger.connected()) << i;
    ASSERT_TRUE(stranger.SendLengthPrefix(kFourMiB)) << i;
    stranger.Close();
    if (i % 10 == 9) {
      Connections();  // accordd has caught up with the strangers
      ASSERT_TRUE(UnderBound()) << "after " << i + 1 << " connections";
    }
  }
  EXPECT_TRUE(ConnectionsBecome(1));
  EXPECT_TRUE(UnderBound());
  EXPECT_TRUE(MemoryReturnsNearStart());
}

TEST_F(MemoryTest, AnAnnouncedFrameCostsOnlyWhatWasSentOfIt) {
  std::vector<std::unique_ptr<RawConnection>> held;
  HoldConnections(64, 1024, &held);
  EXPECT_TRUE(ConnectionsBecome(65));
  EXPECT_TRUE(UnderBound());
  held.clear();
  EXPECT_TRUE(ConnectionsBecome(1));
  EXPECT_TRUE(MemoryReturnsNearStart());
}

TEST_F(MemoryTest, NineHundredConnectionsThenThreeHundredAreReleasedWhenTheyClose) {
  std::vector<std::unique_ptr<RawConnection>> held;
  HoldConnections(900, 100, &held);
  EXPECT_TRUE(ConnectionsBecome(901));
  EXPECT_TRUE(UnderBound());
  held.clear();
  EXPECT_TRUE(ConnectionsBecome(1));
  EXPECT_TRUE(MemoryReturnsNearStart());

  HoldConnections(300, 100, &held);
  EXPECT_TRUE(ConnectionsBecome(301));
  EXPECT_TRUE(UnderBound());
  held.clear();
  EXPECT_TRUE(ConnectionsBecome(1));
  EXPECT_TRUE(MemoryReturnsNearStart());
}

TEST_F(MemoryTest, SixHundredListsOnFreshConnectionsLeaveNothingBehind) {
  {
    auto logger = Connect();
    ASSERT_NE(logger, nullptr);
    for (int n = 0; n < 20; ++n) {
      accord::testing::CommandBuilder b("agreement-" + std::to_string(n), 1000u * n);
      Request log;
      *log.mutable_log_milestone() = b.Propose();
      Response response;
      ASSERT_TRUE(logger->Call(log, &response).ok());
      ASSERT_TRUE(response.has_logged()) << response.DebugString();
    }
  }
  MarkStart();
  for (int i = 0; i < 600; ++i) {
    auto client = Connect();
    ASSERT_NE(client, nullptr) << i;
    Request list;
    list.mutable_list_agreements();
    Response response;
    ASSERT_TRUE(client->Call(list, &response).ok()) << i;
    ASSERT_EQ(response.agreements().agreements_size(), 20) << response.DebugString();
    if (i % 50 == 49) {
      ASSERT_TRUE(UnderBound()) << "after " << i + 1 << " lists";
    }
  }
  EXPECT_TRUE(ConnectionsBecome(1));
  EXPECT_TRUE(MemoryReturnsNearStart());
}

}  // namespace
}  // namespace accord::net
