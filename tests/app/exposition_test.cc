// app/exposition.h: the text format rendered once and compared whole,
// escaping, and numbers as Prometheus reads them.
#include "app/exposition.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/histogram.h"

namespace accord::app {
namespace {

using Type = ExpositionWriter::Type;

TEST(Exposition, WritesEachFamilyOnceWithEscapedLabelsAndCumulativeBuckets) {
  const double bounds[] = {0.001, 0.25, 1};
  core::Histogram latency(bounds);
  for (double seconds : {0.0005, 0.2, 0.25, 7.0}) latency.Observe(seconds);

  ExpositionWriter out;
  out.Family("accord_appends_total", Type::kCounter, "Raw appends,\nby \\ \"outcome\".");
  out.Sample({{"outcome", "logged"}}, uint64_t{3});
  out.Sample({{"outcome", "a \"quoted\" \\ back\nslash"}}, uint64_t{0});
  out.Family("accord_store_writes_refused", Type::kGauge, "1 while refused.");
  out.Sample({}, uint64_t{1});
  out.Family("accord_request_duration_seconds", Type::kHistogram, "Latency.");
  out.Histogram({{"door", "tcp"}, {"kind", "hello"}}, latency.Snapshot());
  EXPECT_EQ(std::move(out).Text(),
            R"(# HELP accord_appends_total Raw appends,\nby \\ "outcome".
# TYPE accord_appends_total counter
accord_appends_total{outcome="logged"} 3
accord_appends_total{outcome="a \"quoted\" \\ back\nslash"} 0
# HELP accord_store_writes_refused 1 while refused.
# TYPE accord_store_writes_refused gauge
accord_store_writes_refused 1
# HELP accord_request_duration_seconds Latency.
# TYPE accord_request_duration_seconds histogram
accord_request_duration_seconds_bucket{door="tcp",kind="hello",le="0.001"} 1
accord_request_duration_seconds_bucket{door="tcp",kind="hello",le="0.25"} 3
accord_request_duration_seconds_bucket{door="tcp",kind="hello",le="1"} 3
accord_request_duration_seconds_bucket{door="tcp",kind="hello",le="+Inf"} 4
accord_request_duration_seconds_sum{door="tcp",kind="hello"} 7.4505
accord_request_duration_seconds_count{door="tcp",kind="hello"} 4
)");
}

TEST(Exposition, WritesNumbersAsPrometheusReadsThem) {
  EXPECT_EQ(FormatSampleValue(3), "3");
  EXPECT_EQ(FormatSampleValue(0.25), "0.25");
  EXPECT_EQ(FormatSampleValue(0.0001), "0.0001");
  EXPECT_EQ(FormatSampleValue(1.5e-7), "1.5e-07");
  EXPECT_EQ(FormatSampleValue(1e21), "1e+21");
  EXPECT_EQ(FormatSampleValue(INFINITY), "+Inf");
  EXPECT_EQ(FormatSampleValue(-INFINITY), "-Inf");
  EXPECT_EQ(FormatSampleValue(NAN), "NaN");
}

}  // namespace
}  // namespace accord::app
