#include "core/histogram.h"

#include <algorithm>
#include <cmath>

namespace accord::core {

Histogram::Histogram(std::span<const double> upper_bounds)
    : upper_bounds_(upper_bounds.begin(), upper_bounds.end()),
      bucket_counts_(std::make_unique<std::atomic<uint64_t>[]>(upper_bounds.size() + 1)) {}

void Histogram::Observe(double value) {
  if (std::isnan(value)) return;
  // The first bound >= value; past the last bound, the +Inf bucket.
  auto bucket = std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value);
  bucket_counts_[static_cast<size_t>(bucket - upper_bounds_.begin())].fetch_add(
      1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

HistogramSnapshot Histogram::Snapshot() const {
  HistogramSnapshot snapshot;
  snapshot.upper_bounds = upper_bounds_;
  snapshot.cumulative_counts.reserve(upper_bounds_.size());
  uint64_t below = 0;
  for (size_t i = 0; i <= upper_bounds_.size(); ++i) {
    below += bucket_counts_[i].load(std::memory_order_relaxed);
    if (i < upper_bounds_.size()) snapshot.cumulative_counts.push_back(below);
  }
  snapshot.count = below;
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

}  // namespace accord::core
