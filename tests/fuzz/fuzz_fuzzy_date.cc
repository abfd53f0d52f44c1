// Fuzzes fuzzy dates in process (core/fuzzy_date.h).
//   input := text ('\n' text)?         two dates people type, or
//   input := '\0', FuzzyDate bytes      a date as a command or a raw append carries it
// Properties of every date that parses or validates: it validates; its
// earliest day is on or before its latest, both present exactly when it is
// dated; it formats; it is not before itself, and of two dates at most one
// is before the other. A parsed date, printed (FormatFuzzyDate), reads
// back as the same date.
#include <google/protobuf/util/message_differencer.h>

#include <string>

#include "core/fuzzy_date.h"
#include "tests/fuzz/fuzz_target.h"

namespace accord::fuzz {
namespace {

using accord::v1::FuzzyDate;

// The first day of the month `months` after the one `day` is in.
core::Day MonthsLater(const std::chrono::year_month_day& day, int months) {
  return core::Day{(day.year() / day.month() + std::chrono::months{months}) / 1};
}

// The span each precision means: one day; a calendar month; a year; the
// three months of a named season, starting in its year; two days.
void CheckSpan(const FuzzyDate& date, core::Day earliest, core::Day latest) {
  const std::chrono::year_month_day first{earliest};
  const std::chrono::year y{date.date().year()};
  const unsigned starts = static_cast<unsigned>(first.month());
  const core::Day after_latest = latest + std::chrono::days{1};
  const std::string shown = date.ShortDebugString();
  switch (date.precision()) {
    case FuzzyDate::DAY:
      FUZZ_CHECK(earliest == core::ToDay(date.date()) && latest == earliest, "%s", shown.c_str());
      break;
    case FuzzyDate::RANGE:
      FUZZ_CHECK(earliest == core::ToDay(date.date()) && latest == core::ToDay(date.until()), "%s",
                 shown.c_str());
      break;
    case FuzzyDate::MONTH:
      FUZZ_CHECK(first.year() == y && starts == static_cast<unsigned>(date.date().month()) &&
                     first.day() == std::chrono::day{1} && after_latest == MonthsLater(first, 1),
                 "not its month: %s", shown.c_str());
      break;
    case FuzzyDate::YEAR:
      FUZZ_CHECK(earliest == core::Day{y / 1 / 1} && latest == core::Day{y / 12 / 31},
                 "not its year: %s", shown.c_str());
      break;
    case FuzzyDate::SEASON:
      FUZZ_CHECK(first.year() == y && first.day() == std::chrono::day{1} && starts % 3 == 0 &&
                     after_latest == MonthsLater(first, 3),
                 "not a season of its year: %s", shown.c_str());
      break;
    default:
      break;
  }
}

void CheckValid(const FuzzyDate& date) {
  FUZZ_CHECK(core::ValidateFuzzyDate(date).empty(), "invalid: %s", date.ShortDebugString().c_str());
  std::optional<core::Day> earliest = core::EarliestDay(date);
  std::optional<core::Day> latest = core::LatestDay(date);
  bool dated = date.precision() != FuzzyDate::UNDATED &&
               date.precision() != FuzzyDate::PRECISION_UNSPECIFIED;
  FUZZ_CHECK(earliest.has_value() == dated && latest.has_value() == dated,
             "a span exactly for dated precisions: %s", date.ShortDebugString().c_str());
  if (dated) {
    FUZZ_CHECK(*earliest <= *latest, "ends before it starts: %s", date.ShortDebugString().c_str());
    std::chrono::year_month_day first{*earliest};
    std::chrono::year_month_day last{*latest};
    FUZZ_CHECK(first.ok() && last.ok(), "a span day is not a calendar day: %s",
               date.ShortDebugString().c_str());
    CheckSpan(date, *earliest, *latest);
  }
  FUZZ_CHECK(!core::FormatFuzzyDate(date).empty(), "formats to nothing");
  FUZZ_CHECK(!core::EffectiveBefore(date, date), "before itself: %s",
             date.ShortDebugString().c_str());
}

std::optional<FuzzyDate> CheckText(std::string_view text) {
  auto parsed = core::ParseFuzzyDate(text);
  if (!parsed) {
    FUZZ_CHECK(!parsed.error().empty(), "a refusal without a sentence");
    return std::nullopt;
  }
  CheckValid(*parsed);
  FUZZ_CHECK(core::HasDate(*parsed), "a parsed date has no precision");
  std::string canonical = core::FormatFuzzyDate(*parsed);
  auto again = core::ParseFuzzyDate(canonical);
  FUZZ_CHECK(again.ok(), "'%s' (from '%.*s') does not parse: %s", canonical.c_str(),
             static_cast<int>(text.size()), text.data(), again.error().c_str());
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(*parsed, *again),
             "'%s' parses to another date than '%.*s'", canonical.c_str(),
             static_cast<int>(text.size()), text.data());
  return *parsed;
}

}  // namespace

int FuzzFuzzyDate(const uint8_t* data, size_t size) {
  std::string_view input = AsText(data, size);
  if (!input.empty() && input.front() == '\0') {
    FuzzyDate date;
    if (!date.ParseFromArray(data + 1, static_cast<int>(size - 1))) return 0;
    if (core::ValidateFuzzyDate(date).empty()) CheckValid(date);
    return 0;
  }
  size_t newline = input.find('\n');
  std::optional<FuzzyDate> a = CheckText(input.substr(0, newline));
  if (newline == std::string_view::npos) return 0;
  std::optional<FuzzyDate> b = CheckText(input.substr(newline + 1));
  if (a && b) {
    FUZZ_CHECK(!(core::EffectiveBefore(*a, *b) && core::EffectiveBefore(*b, *a)),
               "each before the other");
  }
  return 0;
}

}  // namespace accord::fuzz

ACCORD_FUZZ_ENTRY(accord::fuzz::FuzzFuzzyDate)
