// core/clock: the time, as the application reads it.
//
// Whatever asks "what day is it" (statuses judged today, overdue dates) or
// stamps a moment takes a Clock, so that tests set the time instead of
// sleeping past it. SystemClock() is the real one; ManualClock moves only
// when told.
#pragma once

#include <atomic>
#include <chrono>

namespace accord::core {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point Now() const = 0;
  // The UTC day of Now().
  std::chrono::sys_days Today() const { return std::chrono::floor<std::chrono::days>(Now()); }
};

// The system's wall clock; lives for the whole program.
const Clock& SystemClock();

// A clock for tests: starts where it is set and moves only by Set/Advance.
// Safe to read from any thread while one thread moves it.
class ManualClock : public Clock {
 public:
  explicit ManualClock(std::chrono::system_clock::time_point start)
      : now_(start.time_since_epoch()) {}
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(now_.load());
  }
  void Set(std::chrono::system_clock::time_point now) { now_ = now.time_since_epoch(); }
  void Advance(std::chrono::system_clock::duration by) { now_ = now_.load() + by; }

 private:
  std::atomic<std::chrono::system_clock::duration> now_;
};

}  // namespace accord::core
