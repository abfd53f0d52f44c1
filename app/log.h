// app/log: the server's log, one line per event, on stderr (spdlog).
//
//   ServerLog().warn("TLS handshake with {} failed: {}", peer, reason);
//
// What is logged, and at which level:
//   info   start and stop;
//   warn   refused connections (at the connection limit), failed TLS
//          handshakes, readers dropped as slow;
//   error  accept errors, a projection that cannot catch up with the log;
//   debug  each connection's protocol errors and idle closes.
// Thread safety: any thread.
#pragma once

#include <spdlog/spdlog.h>

#include <optional>
#include <string_view>

namespace accord::app {

// The logger of the service and of accordd, named "accordd"; info and up
// unless SetLogLevel says otherwise.
spdlog::logger& ServerLog();

// trace, debug, info, warn, error, critical or off; nullopt for anything else.
std::optional<spdlog::level::level_enum> ParseLogLevel(std::string_view name);

void SetLogLevel(spdlog::level::level_enum level);

}  // namespace accord::app
