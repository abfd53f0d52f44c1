// app/process_stats: the figures of this process that every Prometheus
// client library exports as process_* (CPU time, memory, file descriptors,
// start time), read from Linux's /proc/self. Reading /proc is I/O, so this
// is the application's, not the domain's.
//
// Thread safety: ReadProcessStats may be called from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace accord::app {

struct ProcessStats {
  double cpu_seconds = 0;         // user and system time since the process started
  double start_time_seconds = 0;  // when it started, since the Unix epoch
  uint64_t resident_bytes = 0;
  uint64_t virtual_bytes = 0;
  uint64_t open_fds = 0;
  uint64_t max_fds = 0;  // the soft limit on open files (RLIMIT_NOFILE)
};

// Where the fields of /proc/[pid]/stat are turned into seconds and bytes.
struct ProcUnits {
  double ticks_per_second = 100;  // sysconf(_SC_CLK_TCK)
  uint64_t page_bytes = 4096;     // sysconf(_SC_PAGESIZE)
  double boot_time_seconds = 0;   // /proc/stat's btime
};

// Reads /proc/self/stat, /proc/stat, /proc/self/fd and the open-file limit;
// nullopt where /proc is not there or does not parse (not Linux).
std::optional<ProcessStats> ReadProcessStats();

// The CPU time, start time and memory in one /proc/[pid]/stat line
// (proc(5)); nullopt if it does not parse. The command name, in
// parentheses, may hold spaces and parentheses itself.
std::optional<ProcessStats> ParseProcStat(std::string_view line, const ProcUnits& units);

}  // namespace accord::app
