// app/serial_task: background work (a projection's catch-up) run on a
// shared executor, one run at a time.
//
// Trigger asks for a run that starts after the call. While a run is under
// way, more triggers ask for one more run after it, never a second run
// beside it: a second would only wait on the first's lock, holding one of
// the store pool's threads that commands need (under a steady stream of
// commits, catch-ups queued once per commit took three of four threads).
// The next run is posted to the executor rather than looped in place, so
// work queued meanwhile goes first.
//
// Thread safety: Trigger may be called from any number of threads at once,
// including from inside the work. REQUIRES: the executor runs every task
// it is given (one dropped, or work that throws, leaves the task scheduled
// and it never runs again), and is drained or joined before the task is
// destroyed.
#pragma once

#include <functional>

#include "core/mutex.h"
#include "core/thread_annotations.h"

namespace accord::app {

class SerialTask {
 public:
  using Executor = std::function<void(std::function<void()>)>;

  SerialTask(Executor executor, std::function<void()> work);
  SerialTask(const SerialTask&) = delete;
  SerialTask& operator=(const SerialTask&) = delete;

  void Trigger() EXCLUDES(mutex_);

 private:
  void Run() EXCLUDES(mutex_);

  const Executor executor_;
  const std::function<void()> work_;
  core::Mutex mutex_;
  bool scheduled_ GUARDED_BY(mutex_) = false;  // queued or running
  bool again_ GUARDED_BY(mutex_) = false;      // triggered since the run began
};

}  // namespace accord::app
