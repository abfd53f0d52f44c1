// Kills a process in the middle of appends (SIGKILL, no chance to flush or
// close) and checks what the store promises: every acknowledged append is
// there, at the position it was acknowledged with; nothing is half-written;
// the chain verifies; the store opens for writing again.
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "store/event_store.h"
#include "tests/testing/builders.h"
#include "tests/testing/temp_dir.h"

extern char** environ;

namespace accord::store {
namespace {

struct Ack {
  std::string stream;
  uint64_t first_id;
  uint64_t first_position;
};

// Runs the child for `run_for`, kills it, and returns what it acknowledged.
std::vector<Ack> RunAndKill(const std::string& dir, uint64_t first_id,
                            std::chrono::milliseconds run_for) {
  int out[2];
  EXPECT_EQ(pipe(out), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::string threads = "4";
  std::string first = std::to_string(first_id);
  std::vector<char*> argv = {const_cast<char*>(ACCORD_CRASH_CHILD), const_cast<char*>(dir.c_str()),
                             threads.data(), first.data(), nullptr};
  pid_t pid = 0;
  EXPECT_EQ(posix_spawn(&pid, ACCORD_CRASH_CHILD, &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);

  // The kill lands `run_for` after the first acknowledgement (the line after
  // the child's "ready"), not after the start: on a loaded machine opening
  // the store alone can take longer than any fixed delay, and a cycle that
  // acknowledged nothing tests nothing.
  std::string text;
  char buf[65536];
  ssize_t n;
  auto acknowledged = [&text] {
    size_t first_line = text.find('\n');
    return first_line != std::string::npos && text.find('\n', first_line + 1) != std::string::npos;
  };
  while (!acknowledged()) {
    pollfd ready{out[0], POLLIN, 0};
    if (poll(&ready, 1, 60'000) <= 0) break;  // the child hung; the checks below say so
    if ((n = read(out[0], buf, sizeof(buf))) <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  std::this_thread::sleep_for(run_for);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status)) << "the child stopped on its own: it failed";

  while ((n = read(out[0], buf, sizeof(buf))) > 0) text.append(buf, static_cast<size_t>(n));
  close(out[0]);

  std::vector<Ack> acks;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    Ack ack;
    if (fields >> ack.stream >> ack.first_id >> ack.first_position) acks.push_back(ack);
  }
  return acks;
}

TEST(CrashTest, AcknowledgedAppendsSurviveSigkillAndNothingIsHalfWritten) {
  accord::testing::TempDir dir;
  std::mt19937 random(20241105);
  std::vector<Ack> all_acks;
  constexpr int kCycles = 4;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    auto run_for = std::chrono::milliseconds(random() % 250);
    std::vector<Ack> acks = RunAndKill(dir.path(), (cycle + 1) * 100000000ULL, run_for);
    EXPECT_GT(acks.size(), 0u) << "cycle " << cycle << " acknowledged nothing";
    std::printf(
        "cycle %d: killed %lld ms after the first acknowledgement, %zu appends acknowledged\n",
        cycle, static_cast<long long>(run_for.count()), acks.size());
    all_acks.insert(all_acks.end(), acks.begin(), acks.end());

    std::unique_ptr<EventStore> store;
    core::Status s = EventStore::Open({}, dir.path(), &store);
    ASSERT_TRUE(s.ok()) << "cycle " << cycle << ": " << s.ToString();

    for (const Ack& ack : all_acks) {
      for (uint64_t k = 0; k < 3; ++k) {
        accord::v1::EventRecord record;
        core::Status found = store->FindEvent(accord::testing::Uuid(ack.first_id + k), &record);
        ASSERT_TRUE(found.ok()) << "acknowledged event lost: " << found.ToString();
        EXPECT_EQ(record.position(), ack.first_position + k);
        EXPECT_EQ(record.stream_id(), ack.stream);
      }
    }

    // Every append is whole: each stream holds runs of three consecutive ids.
    ReadPage page;
    uint64_t from = 0;
    std::map<std::string, std::vector<std::string>> ids_by_stream;
    do {
      ASSERT_TRUE(store->ReadAll(from, 0, &page).ok());
      for (const auto& r : page.records) ids_by_stream[r.stream_id()].push_back(r.event_id());
      from = page.next;
    } while (!page.end_of_data);
    for (const auto& [stream, ids] : ids_by_stream) {
      ASSERT_EQ(ids.size() % 3, 0u) << stream << " holds part of an append";
      for (size_t i = 0; i < ids.size(); i += 3) {
        uint64_t first = std::stoull(ids[i].substr(24), nullptr, 16);
        EXPECT_EQ(ids[i + 1], accord::testing::Uuid(first + 1));
        EXPECT_EQ(ids[i + 2], accord::testing::Uuid(first + 2));
      }
    }
    VerifyReport report;
    s = store->Verify(&report);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_GE(report.records, all_acks.size() * 3);
  }
}

}  // namespace
}  // namespace accord::store
