#include "core/fuzzy_date.h"

#include <fmt/format.h>

#include <array>

#include "core/fuzzy_date_internal.h"

namespace accord::core {
namespace fuzzy_date_internal {

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;
using std::chrono::year_month_day;
using std::chrono::year_month_day_last;

const char* MonthName(int m) {
  static constexpr std::array<const char*, 13> kNames = {
      "",     "January", "February",  "March",   "April",    "May",     "June",
      "July", "August",  "September", "October", "November", "December"};
  return kNames[static_cast<size_t>(m)];
}

int DaysInMonth(int y, int m) {
  return static_cast<int>(static_cast<unsigned>(year_month_day_last{
      year{y}, std::chrono::month_day_last{
                   month{static_cast<unsigned>(m)}}}.day()));
}

namespace {

Day On(int y, int m, int d) {
  return Day{
      year_month_day{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}}};
}

Day LastOf(int y, int m) { return On(y, m, DaysInMonth(y, m)); }

}  // namespace

std::optional<std::pair<Day, Day>> FixedSpanDays(accord::v1::FuzzyDate::Span span, int y, int m) {
  using F = accord::v1::FuzzyDate;
  // Spans of a year, as their first and last month.
  auto months = [y](int first, int last) {
    return std::make_optional(std::make_pair(On(y, first, 1), LastOf(y, last)));
  };
  switch (span) {
    case F::SPAN_EARLY_YEAR:
      return months(1, 4);
    case F::SPAN_MID_YEAR:
      return months(5, 8);
    case F::SPAN_LATE_YEAR:
      return months(9, 12);
    case F::SPAN_FIRST_HALF:
      return months(1, 6);
    case F::SPAN_SECOND_HALF:
      return months(7, 12);
    case F::SPAN_FIRST_QUARTER:
      return months(1, 3);
    case F::SPAN_SECOND_QUARTER:
      return months(4, 6);
    case F::SPAN_THIRD_QUARTER:
      return months(7, 9);
    case F::SPAN_FOURTH_QUARTER:
      return months(10, 12);
    case F::SPAN_START_OF_YEAR:
      return months(1, 1);
    case F::SPAN_END_OF_YEAR:
      return months(12, 12);
    case F::SPAN_EARLY_MONTH:
      return std::make_pair(On(y, m, 1), On(y, m, 10));
    case F::SPAN_MID_MONTH:
      return std::make_pair(On(y, m, 11), On(y, m, 20));
    case F::SPAN_LATE_MONTH:
      return std::make_pair(On(y, m, 21), LastOf(y, m));
    default:
      return std::nullopt;
  }
}

void SetRangeDays(Day first, Day last, accord::v1::FuzzyDate* date) {
  *date->mutable_date() = FuzzyDay(first).date();
  *date->mutable_until() = FuzzyDay(last).date();
}

}  // namespace fuzzy_date_internal

namespace {

using accord::v1::CalendarDate;
using accord::v1::FuzzyDate;
using accord::v1::Season;
using fuzzy_date_internal::DaysInMonth;
using fuzzy_date_internal::FixedSpanDays;
using fuzzy_date_internal::kMaxYear;
using fuzzy_date_internal::kMinYear;
using fuzzy_date_internal::MonthName;
using std::chrono::day;
using std::chrono::month;
using std::chrono::year;
using std::chrono::year_month_day;

bool YearInRange(int y) { return y >= kMinYear && y <= kMaxYear; }

bool IsFullDay(const CalendarDate& d) {
  return YearInRange(d.year()) && d.month() >= 1 && d.month() <= 12 && d.day() >= 1 &&
         d.day() <= DaysInMonth(d.year(), d.month());
}

Day FirstOfMonth(int y, int m) {
  return Day{year_month_day{year{y}, month{static_cast<unsigned>(m)}, day{1}}};
}

Day LastOfMonth(int y, int m) {
  return Day{year_month_day{year{y}, month{static_cast<unsigned>(m)},
                            day{static_cast<unsigned>(DaysInMonth(y, m))}}};
}

// Months of a northern-hemisphere meteorological season, as (first, last)
// with `last` possibly in the next year for winter.
std::pair<int, int> SeasonMonths(Season s) {
  switch (s) {
    case accord::v1::SPRING:
      return {3, 5};
    case accord::v1::SUMMER:
      return {6, 8};
    case accord::v1::AUTUMN:
      return {9, 11};
    case accord::v1::WINTER:
      return {12, 14};
    default:
      return {0, 0};
  }
}

const char* SeasonName(Season s) {
  switch (s) {
    case accord::v1::SPRING:
      return "spring";
    case accord::v1::SUMMER:
      return "summer";
    case accord::v1::AUTUMN:
      return "autumn";
    case accord::v1::WINTER:
      return "winter";
    default:
      return "season?";
  }
}

std::string IsoDay(const CalendarDate& d) {
  return fmt::format("{:04}-{:02}-{:02}", d.year(), d.month(), d.day());
}

bool IsMonthSpan(FuzzyDate::Span span) {
  return span == FuzzyDate::SPAN_EARLY_MONTH || span == FuzzyDate::SPAN_MID_MONTH ||
         span == FuzzyDate::SPAN_LATE_MONTH;
}

// The words a span that fixes its days is printed with, around the year
// (and, for the spans of a month, the month).
const char* SpanWords(FuzzyDate::Span span) {
  switch (span) {
    case FuzzyDate::SPAN_EARLY_YEAR:
    case FuzzyDate::SPAN_EARLY_MONTH:
      return "early ";
    case FuzzyDate::SPAN_MID_YEAR:
    case FuzzyDate::SPAN_MID_MONTH:
      return "mid-";
    case FuzzyDate::SPAN_LATE_YEAR:
    case FuzzyDate::SPAN_LATE_MONTH:
      return "late ";
    case FuzzyDate::SPAN_FIRST_HALF:
      return "first half of ";
    case FuzzyDate::SPAN_SECOND_HALF:
      return "second half of ";
    case FuzzyDate::SPAN_FIRST_QUARTER:
      return "Q1 ";
    case FuzzyDate::SPAN_SECOND_QUARTER:
      return "Q2 ";
    case FuzzyDate::SPAN_THIRD_QUARTER:
      return "Q3 ";
    case FuzzyDate::SPAN_FOURTH_QUARTER:
      return "Q4 ";
    case FuzzyDate::SPAN_START_OF_YEAR:
      return "beginning of ";
    case FuzzyDate::SPAN_END_OF_YEAR:
      return "end of ";
    default:
      return "";
  }
}

std::string ValidateRange(const FuzzyDate& date) {
  const CalendarDate& d = date.date();
  const CalendarDate& u = date.until();
  if (!IsFullDay(d) || !IsFullDay(u)) return "a RANGE date needs two calendar days, date and until";
  if (ToDay(u) < ToDay(d)) return "a RANGE date must not end before it starts";
  switch (date.span()) {
    case FuzzyDate::SPAN_DAYS:
      return {};
    case FuzzyDate::SPAN_MONTHS:
      if (d.day() != 1 || u.day() != DaysInMonth(u.year(), u.month()))
        return "a RANGE of whole months must run from the 1st of a month to the last day of one";
      return {};
    case FuzzyDate::SPAN_YEARS:
      if (d.month() != 1 || d.day() != 1 || u.month() != 12 || u.day() != 31)
        return "a RANGE of whole years must run from 1 January to 31 December";
      return {};
    default:
      break;
  }
  auto days = FixedSpanDays(date.span(), d.year(), d.month());
  if (!days) return "unknown range span";
  if (ToDay(d) != days->first || ToDay(u) != days->second) {
    return fmt::format("a RANGE written as '{}' must run from {} to {}", FormatFuzzyDate(date),
                       IsoDay(FuzzyDay(days->first).date()), IsoDay(FuzzyDay(days->second).date()));
  }
  return {};
}

std::string FormatRange(const FuzzyDate& date) {
  const CalendarDate& d = date.date();
  const CalendarDate& u = date.until();
  switch (date.span()) {
    case FuzzyDate::SPAN_DAYS:
      return fmt::format("{} to {}", IsoDay(d), IsoDay(u));
    case FuzzyDate::SPAN_MONTHS:
      if (d.year() == u.year())
        return fmt::format("{}-{} {:04}", MonthName(d.month()), MonthName(u.month()), u.year());
      return fmt::format("{} {:04} - {} {:04}", MonthName(d.month()), d.year(),
                         MonthName(u.month()), u.year());
    case FuzzyDate::SPAN_YEARS:
      return fmt::format("{:04}-{:04}", d.year(), u.year());
    default:
      if (IsMonthSpan(date.span()))
        return fmt::format("{}{} {:04}", SpanWords(date.span()), MonthName(d.month()), d.year());
      return fmt::format("{}{:04}", SpanWords(date.span()), d.year());
  }
}

// "winter 2024/25": the winter from December 2024 to February 2025; the
// following year in full when the century turns ("winter 1999/2000").
// Years have four digits at least everywhere, so that "July 0099" is not
// read back as 99 July.
std::string FormatSeason(const FuzzyDate& date) {
  int y = date.date().year();
  if (date.season() != accord::v1::WINTER)
    return fmt::format("{} {:04}", SeasonName(date.season()), y);
  if ((y + 1) % 100 == 0) return fmt::format("winter {:04}/{:04}", y, y + 1);
  return fmt::format("winter {:04}/{:02}", y, (y + 1) % 100);
}

}  // namespace

std::string ValidateFuzzyDate(const FuzzyDate& date) {
  const CalendarDate& d = date.date();
  if (date.span() != FuzzyDate::SPAN_DAYS && date.precision() != FuzzyDate::RANGE)
    return "only a RANGE date has a span";
  switch (date.precision()) {
    case FuzzyDate::PRECISION_UNSPECIFIED:
      return {};
    case FuzzyDate::DAY:
      if (!IsFullDay(d)) return fmt::format("{} is not a calendar day", IsoDay(d));
      return {};
    case FuzzyDate::MONTH:
      if (!YearInRange(d.year()) || d.month() < 1 || d.month() > 12 || d.day() != 0)
        return "a MONTH date needs a year and a month 1-12, and no day";
      return {};
    case FuzzyDate::SEASON:
      if (!YearInRange(d.year()) || date.season() == accord::v1::SEASON_UNSPECIFIED ||
          !accord::v1::Season_IsValid(date.season()))
        return "a SEASON date needs a year and a season";
      if (date.season() == accord::v1::WINTER && d.year() == kMaxYear)
        return fmt::format("winter {} would end in year {}, after {}", kMaxYear, kMaxYear + 1,
                           kMaxYear);
      return {};
    case FuzzyDate::YEAR:
      if (!YearInRange(d.year()) || d.month() != 0 || d.day() != 0)
        return "a YEAR date needs a year 1-9999 and no month or day";
      return {};
    case FuzzyDate::RANGE:
      return ValidateRange(date);
    case FuzzyDate::UNDATED:
      if (date.as_stated().empty()) return "an UNDATED date needs the source's words in as_stated";
      return {};
    default:
      return "unknown date precision";
  }
}

bool HasDate(const FuzzyDate& date) { return date.precision() != FuzzyDate::PRECISION_UNSPECIFIED; }

Day ToDay(const CalendarDate& d) {
  return Day{year_month_day{year{d.year()}, month{static_cast<unsigned>(d.month())},
                            day{static_cast<unsigned>(d.day())}}};
}

std::optional<Day> EarliestDay(const FuzzyDate& date) {
  const CalendarDate& d = date.date();
  switch (date.precision()) {
    case FuzzyDate::DAY:
    case FuzzyDate::RANGE:
      return ToDay(d);
    case FuzzyDate::MONTH:
      return FirstOfMonth(d.year(), d.month());
    case FuzzyDate::SEASON:
      return FirstOfMonth(d.year(), SeasonMonths(date.season()).first);
    case FuzzyDate::YEAR:
      return FirstOfMonth(d.year(), 1);
    default:
      return std::nullopt;
  }
}

std::optional<Day> LatestDay(const FuzzyDate& date) {
  const CalendarDate& d = date.date();
  switch (date.precision()) {
    case FuzzyDate::DAY:
      return ToDay(d);
    case FuzzyDate::RANGE:
      return ToDay(date.until());
    case FuzzyDate::MONTH:
      return LastOfMonth(d.year(), d.month());
    case FuzzyDate::SEASON: {
      int last = SeasonMonths(date.season()).second;
      return last > 12 ? LastOfMonth(d.year() + 1, last - 12) : LastOfMonth(d.year(), last);
    }
    case FuzzyDate::YEAR:
      return LastOfMonth(d.year(), 12);
    default:
      return std::nullopt;
  }
}

FuzzyDate FuzzyDay(Day day_point) {
  year_month_day ymd{day_point};
  FuzzyDate out;
  out.set_precision(FuzzyDate::DAY);
  out.mutable_date()->set_year(static_cast<int>(ymd.year()));
  out.mutable_date()->set_month(static_cast<int>(static_cast<unsigned>(ymd.month())));
  out.mutable_date()->set_day(static_cast<int>(static_cast<unsigned>(ymd.day())));
  return out;
}

std::string FormatFuzzyDate(const FuzzyDate& date) {
  const CalendarDate& d = date.date();
  std::string text;
  switch (date.precision()) {
    case FuzzyDate::DAY:
      text = IsoDay(d);
      break;
    case FuzzyDate::MONTH:
      text = d.month() >= 1 && d.month() <= 12
                 ? fmt::format("{} {:04}", MonthName(d.month()), d.year())
                 : fmt::format("{}-{:02}", d.year(), d.month());
      break;
    case FuzzyDate::SEASON:
      text = FormatSeason(date);
      break;
    case FuzzyDate::YEAR:
      text = fmt::format("{:04}", d.year());
      break;
    case FuzzyDate::RANGE:
      text = FormatRange(date);
      break;
    case FuzzyDate::UNDATED:
      text = "undated";
      break;
    default:
      text = "no date";
      break;
  }
  if (!date.as_stated().empty()) text += fmt::format(" (\"{}\")", date.as_stated());
  return text;
}

bool EffectiveBefore(const FuzzyDate& a, const FuzzyDate& b) {
  auto ea = EarliestDay(a);
  auto eb = EarliestDay(b);
  if (!ea || !eb) return ea.has_value() && !eb.has_value();
  if (*ea != *eb) return *ea < *eb;
  return *LatestDay(a) < *LatestDay(b);
}

}  // namespace accord::core
