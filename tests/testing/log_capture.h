// Captures what the service logs (net/log.h) while it lives, for tests
// that check a line was written. Create it before the server starts and
// destroy it after the server stops: the logger's sinks are not to be
// changed while other threads log.
#pragma once

#include <spdlog/sinks/ostream_sink.h>

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>

#include "app/log.h"

namespace accord::testing {

class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(lines_)) {
    app::ServerLog().sinks().push_back(sink_);
  }
  ~LogCapture() {
    auto& sinks = app::ServerLog().sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::string text() {
    sink_->flush();
    return lines_.str();
  }

 private:
  std::ostringstream lines_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

}  // namespace accord::testing
