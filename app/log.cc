#include "app/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <array>

namespace accord::app {

spdlog::logger& ServerLog() {
  static spdlog::logger* logger = [] {
    auto made = spdlog::stderr_color_mt("accordd");
    made->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %n: %v");
    made->set_level(spdlog::level::info);
    return made.get();  // the registry keeps it for the process's life
  }();
  return *logger;
}

std::optional<spdlog::level::level_enum> ParseLogLevel(std::string_view name) {
  constexpr std::array<std::pair<std::string_view, spdlog::level::level_enum>, 7> kLevels = {{
      {"trace", spdlog::level::trace},
      {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},
      {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},
      {"critical", spdlog::level::critical},
      {"off", spdlog::level::off},
  }};
  for (const auto& [level_name, level] : kLevels) {
    if (name == level_name) return level;
  }
  return std::nullopt;
}

void SetLogLevel(spdlog::level::level_enum level) { ServerLog().set_level(level); }

}  // namespace accord::app
