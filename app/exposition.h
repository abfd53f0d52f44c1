// app/exposition: the Prometheus text exposition format (version 0.0.4),
// written in this one place.
//
// A scrape is a sequence of families. Each family is begun once, which
// writes its `# HELP` and `# TYPE` lines, and then holds its samples:
//
//   # HELP accord_appends_total Raw appends answered, by outcome.
//   # TYPE accord_appends_total counter
//   accord_appends_total{outcome="logged"} 3
//
// A histogram series is written whole: cumulative `_bucket{le="..."}`
// lines ending with le="+Inf", then `_sum` and `_count`. Label values are
// escaped (backslash, double quote, newline) and help texts too (backslash,
// newline); numbers are written as Go's strconv.ParseFloat reads them
// ("+Inf", "-Inf", "NaN", else the shortest form that reads back exactly),
// so that Prometheus and promtool accept every line.
//
// Names are the caller's: they must be valid metric and label names
// (snake_case by convention), and a counter's name ends in `_total`.
//
// Example:
//   ExpositionWriter out;
//   out.Family("accord_log_records", ExpositionWriter::Type::kGauge, "Records in the log.");
//   out.Sample({}, uint64_t{60});
//   out.Family("accord_store_synced_write_seconds", ExpositionWriter::Type::kHistogram, "...");
//   out.Histogram({}, stats.synced_write_seconds);
//   std::string text = std::move(out).Text();
//
// Thread safety: one writer per thread; it holds only its text.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <set>
#include <string>
#include <string_view>

#include "core/histogram.h"

namespace accord::app {

class ExpositionWriter {
 public:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Label {
    std::string_view name;
    std::string_view value;
  };
  using Labels = std::initializer_list<Label>;

  // Begins a family: its HELP and TYPE lines. REQUIRES: `name` was not
  // begun before in this writer (a family's lines must be together).
  void Family(std::string_view name, Type type, std::string_view help);
  // A sample of the counter or gauge begun last.
  void Sample(Labels labels, uint64_t value);
  void Sample(Labels labels, double value);
  // A series of the histogram begun last, with `labels` and its own `le`.
  void Histogram(Labels labels, const core::HistogramSnapshot& snapshot);

  std::string Text() && { return std::move(text_); }

 private:
  void Line(std::string_view suffix, Labels labels, const Label* extra, std::string_view value);

  std::string text_;
  std::string family_;          // the family begun last
  std::set<std::string> seen_;  // every family begun, to refuse a second start
};

// `value` as Prometheus reads a sample value or an `le` bound.
std::string FormatSampleValue(double value);

}  // namespace accord::app
