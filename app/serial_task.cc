#include "app/serial_task.h"

#include <utility>

namespace accord::app {

SerialTask::SerialTask(Executor executor, std::function<void()> work)
    : executor_(std::move(executor)), work_(std::move(work)) {}

void SerialTask::Trigger() {
  {
    core::MutexLock lock(&mutex_);
    if (scheduled_) {
      again_ = true;
      return;
    }
    scheduled_ = true;
  }
  executor_([this] { Run(); });
}

void SerialTask::Run() {
  {
    // Triggers before this run began are served by it.
    core::MutexLock lock(&mutex_);
    again_ = false;
  }
  work_();
  {
    core::MutexLock lock(&mutex_);
    if (!again_) {
      scheduled_ = false;
      return;
    }
  }
  executor_([this] { Run(); });
}

}  // namespace accord::app
