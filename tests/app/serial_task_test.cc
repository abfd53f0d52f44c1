#include "app/serial_task.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace accord::app {
namespace {

// An executor that runs nothing until asked: each posted task waits in order.
struct ManualExecutor {
  std::deque<std::function<void()>> queued;
  SerialTask::Executor executor() {
    return [this](std::function<void()> task) { queued.push_back(std::move(task)); };
  }
  void RunNext() {
    std::function<void()> task = std::move(queued.front());
    queued.pop_front();
    task();
  }
};

TEST(SerialTaskTest, TriggersBeforeARunStartsAreServedByIt) {
  ManualExecutor executor;
  int runs = 0;
  SerialTask task(executor.executor(), [&] { ++runs; });
  task.Trigger();
  task.Trigger();
  task.Trigger();
  ASSERT_EQ(executor.queued.size(), 1u) << "one run queued, however many asked";
  executor.RunNext();
  EXPECT_EQ(runs, 1);
  EXPECT_TRUE(executor.queued.empty());

  task.Trigger();
  ASSERT_EQ(executor.queued.size(), 1u) << "idle again: the next trigger queues a run";
  executor.RunNext();
  EXPECT_EQ(runs, 2);
}

TEST(SerialTaskTest, ATriggerDuringARunQueuesOneMoreBehindWhatWaits) {
  ManualExecutor executor;
  int runs = 0, other = 0;
  SerialTask* self = nullptr;
  SerialTask task(executor.executor(), [&] {
    if (++runs == 1) {
      self->Trigger();                        // a commit arrives while the run is under way
      executor.executor()([&] { ++other; });  // and a command is queued
      self->Trigger();
    }
  });
  self = &task;
  task.Trigger();
  executor.RunNext();
  EXPECT_EQ(runs, 1);
  ASSERT_EQ(executor.queued.size(), 2u) << "the command and one more run";
  executor.RunNext();
  EXPECT_EQ(other, 1) << "the command queued during the run goes first";
  EXPECT_EQ(runs, 1);
  executor.RunNext();
  EXPECT_EQ(runs, 2);
  EXPECT_TRUE(executor.queued.empty()) << "the second run saw no trigger after it began";
}

// Four threads taking tasks in order, as the application's store pool.
class Pool {
 public:
  Pool() {
    for (int i = 0; i < 4; ++i) threads_.emplace_back([this] { Work(); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (auto& t : threads_) t.join();
  }
  SerialTask::Executor executor() {
    return [this](std::function<void()> task) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++posted_;
      queued_.push_back(std::move(task));
      ready_.notify_one();
    };
  }
  int posted() {
    std::lock_guard<std::mutex> lock(mutex_);
    return posted_;
  }

 private:
  void Work() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [&] { return stopping_ || !queued_.empty(); });
        if (queued_.empty()) return;
        task = std::move(queued_.front());
        queued_.pop_front();
      }
      task();
    }
  }
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queued_;
  int posted_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// However many triggers arrive while a run is blocked, at most one of the
// pool's threads runs the work, and one more run follows.
TEST(SerialTaskTest, HoldsOneThreadOfAPoolHoweverManyTrigger) {
  std::mutex mutex;
  std::condition_variable changed;
  int active = 0, most_active = 0, runs = 0;
  bool release = false;
  auto pool = std::make_unique<Pool>();
  SerialTask task(pool->executor(), [&] {
    std::unique_lock<std::mutex> lock(mutex);
    most_active = std::max(most_active, ++active);
    changed.notify_all();
    changed.wait(lock, [&] { return release; });
    --active;
    ++runs;
    changed.notify_all();
  });
  task.Trigger();
  {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return active == 1; });
  }
  std::vector<std::thread> triggers;
  for (int i = 0; i < 8; ++i) triggers.emplace_back([&] { task.Trigger(); });
  for (auto& t : triggers) t.join();
  {
    std::unique_lock<std::mutex> lock(mutex);
    release = true;
    changed.notify_all();
    changed.wait(lock, [&] { return runs == 2; });
  }
  EXPECT_EQ(most_active, 1);
  EXPECT_EQ(pool->posted(), 2) << "the first run and one more, not one per trigger";
  pool.reset();  // joined before the task goes: its run may still be finishing
}

}  // namespace
}  // namespace accord::app
