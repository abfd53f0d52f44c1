// core/histogram: how observations (durations, sizes) are distributed over
// fixed buckets, counted without a lock.
//
// A Histogram has upper bounds fixed at construction, strictly increasing
// and finite; the bucket above the last bound (+Inf) is implicit. Observe
// adds one value to the first bucket whose bound is >= it (Prometheus's
// `le`, "less than or equal") and to the running sum.
//
// Thread safety: Observe and Snapshot may be called from any number of
// threads at once; Observe is a few relaxed atomic additions, no lock and
// no allocation, so it belongs on hot paths (a group commit, a request).
//
// Consistency: a snapshot is cumulative and internally coherent in its
// counts (count == the +Inf bucket, each bucket >= the one below), because
// count is taken as the sum of the buckets it read. The sum is read apart
// from them: while observations go on, it may include a few that the
// counts do not yet show, or miss a few that they do. That is what a
// scrape needs; an exact cut would cost every Observe a lock.
//
// Example:
//   core::Histogram sync_seconds(core::kLatencyBoundsSeconds);
//   sync_seconds.Observe(0.0031);
//   core::HistogramSnapshot s = sync_seconds.Snapshot();
//   // s.upper_bounds[5] == 0.005, s.cumulative_counts[5] == 1, s.count == 1
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace accord::core {

// Durations from 100 µs (a synced write on fast flash) to 10 s (a request
// stuck behind a slow disk), about 2.5x apart: one layout for every
// latency accord measures, so that they can be compared.
inline constexpr double kLatencyBoundsSeconds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                   0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                                   1,      2.5,     5,      10};

struct HistogramSnapshot {
  std::vector<double> upper_bounds;  // finite, increasing; +Inf is implicit
  // cumulative_counts[i]: the observations <= upper_bounds[i].
  std::vector<uint64_t> cumulative_counts;
  uint64_t count = 0;  // every observation: the +Inf bucket
  double sum = 0;      // of every observed value
};

class Histogram {
 public:
  // REQUIRES: upper_bounds strictly increasing and finite.
  explicit Histogram(std::span<const double> upper_bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // A NaN is not counted (it has no bucket and would poison the sum).
  void Observe(double value);
  HistogramSnapshot Snapshot() const;

 private:
  const std::vector<double> upper_bounds_;
  // One per bound, plus the +Inf bucket; each counts its own bucket only
  // (Snapshot accumulates), so that Observe touches one counter.
  const std::unique_ptr<std::atomic<uint64_t>[]> bucket_counts_;
  std::atomic<double> sum_{0};
};

}  // namespace accord::core
