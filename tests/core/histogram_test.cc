// core/histogram.h: observations land in the first bucket whose bound is
// >= them, snapshots are cumulative with count == the +Inf bucket, and
// threads observing at once lose nothing.
#include "core/histogram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

namespace accord::core {
namespace {

TEST(Histogram, CountsEachValueInTheFirstBucketWhoseBoundHoldsIt) {
  const double bounds[] = {1, 2, 5};
  Histogram histogram(bounds);
  for (double value : {0.5, 1.0, 1.5, 2.0, 4.0, 5.0, 7.0, -3.0}) histogram.Observe(value);

  HistogramSnapshot s = histogram.Snapshot();
  EXPECT_EQ(s.upper_bounds, std::vector<double>({1, 2, 5}));
  // le=1: 0.5, 1, -3; le=2: + 1.5, 2; le=5: + 4, 5; +Inf: + 7.
  EXPECT_EQ(s.cumulative_counts, std::vector<uint64_t>({3, 5, 7}));
  EXPECT_EQ(s.count, 8u);
  EXPECT_DOUBLE_EQ(s.sum, 0.5 + 1 + 1.5 + 2 + 4 + 5 + 7 - 3);
}

TEST(Histogram, StartsEmptyAndIgnoresNaN) {
  Histogram histogram(kLatencyBoundsSeconds);
  histogram.Observe(std::nan(""));
  HistogramSnapshot s = histogram.Snapshot();
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.sum, 0);
  ASSERT_EQ(s.cumulative_counts.size(), std::size(kLatencyBoundsSeconds));
  for (uint64_t c : s.cumulative_counts) EXPECT_EQ(c, 0u);
}

TEST(Histogram, ValuesPastTheLastBoundCountOnlyInTheInfBucket) {
  const double bounds[] = {0.001};
  Histogram histogram(bounds);
  histogram.Observe(INFINITY);
  histogram.Observe(3);
  HistogramSnapshot s = histogram.Snapshot();
  EXPECT_EQ(s.cumulative_counts, std::vector<uint64_t>({0}));
  EXPECT_EQ(s.count, 2u);
}

TEST(Histogram, ThreadsObservingAtOnceLoseNothing) {
  const double bounds[] = {1, 2, 3};
  Histogram histogram(bounds);
  constexpr int kThreads = 4;
  constexpr int kEach = 20000;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&histogram] {
      for (int i = 0; i < kEach; ++i) histogram.Observe(static_cast<double>(i % 4));  // 0,1,2,3
    });
  }
  // Snapshots taken meanwhile stay cumulative, whatever they catch.
  for (int i = 0; i < 100; ++i) {
    HistogramSnapshot s = histogram.Snapshot();
    EXPECT_LE(s.cumulative_counts[0], s.cumulative_counts[1]);
    EXPECT_LE(s.cumulative_counts[1], s.cumulative_counts[2]);
    EXPECT_LE(s.cumulative_counts[2], s.count);
  }
  for (auto& t : threads) t.join();

  HistogramSnapshot s = histogram.Snapshot();
  constexpr uint64_t kQuarter = uint64_t{kThreads} * kEach / 4;
  EXPECT_EQ(s.cumulative_counts, std::vector<uint64_t>({2 * kQuarter, 3 * kQuarter, 4 * kQuarter}));
  EXPECT_EQ(s.count, 4 * kQuarter);
  EXPECT_DOUBLE_EQ(s.sum, static_cast<double>(kQuarter) * (0 + 1 + 2 + 3));
}

}  // namespace
}  // namespace accord::core
