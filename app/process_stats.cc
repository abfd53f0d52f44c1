#include "app/process_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace accord::app {
namespace {

std::optional<std::string> ReadWhole(const char* path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<uint64_t> ParseNumber(std::string_view text) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The boot time from /proc/stat's "btime SECONDS" line.
std::optional<double> BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) {
      std::optional<uint64_t> seconds = ParseNumber(std::string_view(line).substr(6));
      if (seconds) return static_cast<double>(*seconds);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<ProcessStats> ParseProcStat(std::string_view line, const ProcUnits& units) {
  // "pid (comm) state ppid ...": the fields after the last ')' are numbered
  // from 3 (state) in proc(5).
  size_t comm_end = line.rfind(')');
  if (comm_end == std::string_view::npos) return std::nullopt;
  std::vector<std::string_view> fields;
  std::string_view rest = line.substr(comm_end + 1);
  while (!rest.empty()) {
    size_t start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    size_t end = std::min(rest.find_first_of(" \n"), rest.size());
    fields.push_back(rest.substr(0, end));
    rest.remove_prefix(end);
  }
  auto field = [&fields](size_t number) -> std::optional<uint64_t> {
    if (number - 3 >= fields.size()) return std::nullopt;
    return ParseNumber(fields[number - 3]);
  };
  std::optional<uint64_t> utime = field(14), stime = field(15), starttime = field(22),
                          vsize = field(23), rss = field(24);
  if (!utime || !stime || !starttime || !vsize || !rss) return std::nullopt;
  ProcessStats stats;
  stats.cpu_seconds = static_cast<double>(*utime + *stime) / units.ticks_per_second;
  stats.start_time_seconds =
      units.boot_time_seconds + static_cast<double>(*starttime) / units.ticks_per_second;
  stats.virtual_bytes = *vsize;
  stats.resident_bytes = *rss * units.page_bytes;
  return stats;
}

std::optional<ProcessStats> ReadProcessStats() {
  std::optional<std::string> stat = ReadWhole("/proc/self/stat");
  std::optional<double> boot = BootTimeSeconds();
  if (!stat || !boot) return std::nullopt;
  ProcUnits units;
  units.ticks_per_second = static_cast<double>(sysconf(_SC_CLK_TCK));
  units.page_bytes = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  units.boot_time_seconds = *boot;
  std::optional<ProcessStats> stats = ParseProcStat(*stat, units);
  if (!stats) return std::nullopt;
  std::error_code error;
  for (std::filesystem::directory_iterator it("/proc/self/fd", error), end; !error && it != end;
       it.increment(error)) {
    ++stats->open_fds;
  }
  // The listing's own descriptor is among those it counts.
  if (stats->open_fds > 0) --stats->open_fds;
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0) stats->max_fds = files.rlim_cur;
  return stats;
}

}  // namespace accord::app
