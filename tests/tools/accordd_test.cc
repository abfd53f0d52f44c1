// accordd as a process: what it does with its data folder's lock, its
// open-file limit and accept errors, seen from outside as an operator would.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "net/client.h"
#include "tests/testing/accordd_process.h"
#include "tests/testing/raw_connection.h"
#include "tests/testing/temp_dir.h"

namespace accord {
namespace {

using accord::testing::AccorddProcess;
using accord::testing::RawConnection;
using accord::v1::Request;
using accord::v1::Response;

constexpr auto kDeadline = std::chrono::seconds(20);

size_t Count(const std::string& text, const std::string& what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

// Polls `server`'s log (another process) until it holds `what`.
bool LogShows(const AccorddProcess& server, const std::string& what) {
  auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (std::chrono::steady_clock::now() < deadline) {
    if (server.log().find(what) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// A health answer from `port`, polled until one comes; its connection count
// (0 if none came).
uint32_t ConnectionsWhenServed(uint16_t port) {
  auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (std::chrono::steady_clock::now() < deadline) {
    net::ConnectOptions options;
    options.client_name = "operator";
    options.timeout = std::chrono::seconds(5);
    std::unique_ptr<net::Client> client;
    if (net::Client::Connect("127.0.0.1", port, options, &client).ok()) {
      client->SetReceiveTimeout(std::chrono::seconds(5));
      Request health;
      health.mutable_get_health();
      Response response;
      if (client->Call(health, &response).ok() && response.has_health()) {
        return response.health().connections();
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return 0;
}

TEST(Accordd, RefusesADataFolderAnotherAccorddHolds) {
  testing::TempDir dir;
  std::string data = dir.Sub("data");
  AccorddProcess first(ACCORD_ACCORDD, {"--data", data, "--no-auth"}, dir.Sub("first.log"));
  ASSERT_TRUE(first.WaitUntilServing()) << first.log();

  AccorddProcess second(ACCORD_ACCORDD, {"--data", data, "--no-auth"}, dir.Sub("second.log"));
  std::optional<int> exit_code = second.WaitForExit();
  ASSERT_TRUE(exit_code.has_value()) << "the second accordd did not exit: " << second.log();
  EXPECT_EQ(*exit_code, 1);
  EXPECT_NE(
      second.log().find("data folder " + data + " is in use by another accordd (pid " +
                        std::to_string(first.pid()) + " holds the lock on " + data + "/LOCK)"),
      std::string::npos)
      << second.log();
  EXPECT_EQ(ConnectionsWhenServed(first.port()), 1u) << "the first goes on serving";
}

TEST(Accordd, RaisesItsOpenFileLimitToFitItsConnections) {
  testing::TempDir dir;
  AccorddProcess::Options options;
  options.open_file_limit = rlimit{256, 4096};
  AccorddProcess server(ACCORD_ACCORDD,
                        {"--data", dir.Sub("data"), "--no-auth", "--max-connections", "2000"},
                        dir.Sub("accordd.log"), options);
  ASSERT_TRUE(server.WaitUntilServing()) << server.log();
  EXPECT_EQ(server.OpenFileLimit(), 2000 + 1024);
  EXPECT_NE(server.log().find("raised the open-file limit from 256 to 3024"), std::string::npos)
      << server.log();
}

TEST(Accordd, OutOfFileDescriptorsItSaysSoBacksOffAndRecovers) {
  testing::TempDir dir;
  AccorddProcess::Options options;
  options.open_file_limit = rlimit{64, 64};  // a hard limit it cannot raise
  AccorddProcess server(ACCORD_ACCORDD, {"--data", dir.Sub("data"), "--no-auth"},
                        dir.Sub("accordd.log"), options);
  ASSERT_TRUE(server.WaitUntilServing()) << server.log();
  EXPECT_NE(server.log().find("the open-file limit is 64 (hard limit 64), under the 2048 that "
                              "--max-connections 1024 needs"),
            std::string::npos)
      << server.log();

  // More connections than it has descriptors: the kernel queues them, and
  // accepting them fails with EMFILE until some close.
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 100; ++i) {
    held.push_back(std::make_unique<RawConnection>(server.port()));
    ASSERT_TRUE(held.back()->connected()) << i;
  }
  ASSERT_TRUE(
      LogShows(server, "accepting a TCP connection failed: Too many open files; trying again"))
      << server.log();
  ASSERT_TRUE(LogShows(server, "trying again in 1000 ms")) << "it backs off: " << server.log();
  held.clear();

  EXPECT_EQ(ConnectionsWhenServed(server.port()), 1u) << server.log();
  // Retrying at once would have written a line per attempt, millions of them.
  EXPECT_LT(Count(server.log(), "accepting a TCP connection failed"), 100u);
}

TEST(Accordd, LogsAtTheLevelItIsGiven) {
  testing::TempDir dir;
  AccorddProcess bogus(ACCORD_ACCORDD, {"--data", dir.Sub("data"), "--log-level", "loud"},
                       dir.Sub("bogus.log"));
  EXPECT_EQ(bogus.WaitForExit(), 2);
  EXPECT_NE(bogus.log().find("--log-level loud: not one of trace, debug, info, warn, error, "
                             "critical, off"),
            std::string::npos)
      << bogus.log();

  // At warn, only warnings and worse: here the one about a low open-file
  // limit, and not the start and stop lines (info).
  AccorddProcess::Options low;
  low.open_file_limit = rlimit{128, 128};
  AccorddProcess quiet(ACCORD_ACCORDD,
                       {"--data", dir.Sub("data"), "--no-auth", "--log-level", "warn"},
                       dir.Sub("quiet.log"), low);
  ASSERT_TRUE(LogShows(quiet, "the open-file limit is 128")) << quiet.log();
  EXPECT_EQ(quiet.Stop(), 0);
  EXPECT_EQ(Count(quiet.log(), "\n"), 1u) << quiet.log();
  EXPECT_EQ(quiet.log().find("serving"), std::string::npos) << quiet.log();
}

}  // namespace
}  // namespace accord
