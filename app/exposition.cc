#include "app/exposition.h"

#include <fmt/format.h>

#include <cassert>
#include <cmath>

namespace accord::app {
namespace {

void AppendEscaped(std::string_view text, bool quotes, std::string* out) {
  for (char c : text) {
    if (c == '\\') {
      *out += "\\\\";
    } else if (c == '\n') {
      *out += "\\n";
    } else if (c == '"' && quotes) {
      *out += "\\\"";
    } else {
      *out += c;
    }
  }
}

std::string_view TypeName(ExpositionWriter::Type type) {
  switch (type) {
    case ExpositionWriter::Type::kCounter:
      return "counter";
    case ExpositionWriter::Type::kGauge:
      return "gauge";
    case ExpositionWriter::Type::kHistogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string FormatSampleValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);  // the shortest form that reads back exactly
}

void ExpositionWriter::Family(std::string_view name, Type type, std::string_view help) {
  [[maybe_unused]] bool first = seen_.emplace(name).second;
  assert(first && "a family is begun once");
  family_ = name;
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  AppendEscaped(help, false, &text_);
  text_ += "\n# TYPE ";
  text_ += name;
  text_ += ' ';
  text_ += TypeName(type);
  text_ += '\n';
}

void ExpositionWriter::Line(std::string_view suffix, Labels labels, const Label* extra,
                            std::string_view value) {
  text_ += family_;
  text_ += suffix;
  if (labels.size() > 0 || extra != nullptr) {
    char separator = '{';
    auto add = [&](const Label& label) {
      text_ += separator;
      text_ += label.name;
      text_ += "=\"";
      AppendEscaped(label.value, true, &text_);
      text_ += '"';
      separator = ',';
    };
    for (const Label& label : labels) add(label);
    if (extra != nullptr) add(*extra);
    text_ += '}';
  }
  text_ += ' ';
  text_ += value;
  text_ += '\n';
}

void ExpositionWriter::Sample(Labels labels, uint64_t value) {
  Line("", labels, nullptr, fmt::format("{}", value));
}

void ExpositionWriter::Sample(Labels labels, double value) {
  Line("", labels, nullptr, FormatSampleValue(value));
}

void ExpositionWriter::Histogram(Labels labels, const core::HistogramSnapshot& snapshot) {
  for (size_t i = 0; i < snapshot.upper_bounds.size(); ++i) {
    std::string bound = FormatSampleValue(snapshot.upper_bounds[i]);
    Label le{"le", bound};
    Line("_bucket", labels, &le, fmt::format("{}", snapshot.cumulative_counts[i]));
  }
  Label inf{"le", "+Inf"};
  std::string count = fmt::format("{}", snapshot.count);
  Line("_bucket", labels, &inf, count);
  Line("_sum", labels, nullptr, FormatSampleValue(snapshot.sum));
  Line("_count", labels, nullptr, count);
}

}  // namespace accord::app
