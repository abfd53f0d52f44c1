// app/process_stats.h: the process figures from a /proc/[pid]/stat line,
// and from this process's own /proc.
#include "app/process_stats.h"

#include <gtest/gtest.h>

#include <ctime>
#include <string>

namespace accord::app {
namespace {

TEST(ProcStat, ReadsTheFieldsAfterACommandNameThatHoldsParentheses) {
  // proc(5): pid (comm) state ppid pgrp session tty tpgid flags minflt
  // cminflt majflt cmajflt utime stime cutime cstime priority nice
  // num_threads itrealvalue starttime vsize rss ...
  std::string line =
      "4242 (accord (x) d) S 1 4242 4242 0 -1 4194560 900 0 0 0 250 50 0 0 20 0 7 0 "
      "1000 123456789 2048 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n";
  ProcUnits units;
  units.ticks_per_second = 100;
  units.page_bytes = 4096;
  units.boot_time_seconds = 1700000000;
  std::optional<ProcessStats> stats = ParseProcStat(line, units);
  ASSERT_TRUE(stats);
  EXPECT_DOUBLE_EQ(stats->cpu_seconds, 3.0);  // (250 + 50) ticks
  EXPECT_DOUBLE_EQ(stats->start_time_seconds, 1700000010.0);
  EXPECT_EQ(stats->virtual_bytes, 123456789u);
  EXPECT_EQ(stats->resident_bytes, 2048u * 4096);

  EXPECT_FALSE(ParseProcStat("4242 (cut short) S 1 2 3", units));
  EXPECT_FALSE(ParseProcStat("no parentheses", units));
}

TEST(ProcStat, ReadsThisProcess) {
  std::optional<ProcessStats> stats = ReadProcessStats();
  ASSERT_TRUE(stats) << "this test runs on Linux, with /proc";
  EXPECT_GT(stats->resident_bytes, 1u << 20);
  EXPECT_GE(stats->virtual_bytes, stats->resident_bytes);
  EXPECT_GE(stats->open_fds, 3u) << "stdin, stdout, stderr";
  EXPECT_GE(stats->max_fds, stats->open_fds);
  double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(stats->start_time_seconds, now + 1);
  EXPECT_GT(stats->start_time_seconds, now - 3600) << "started within the hour";
}

}  // namespace
}  // namespace accord::app
