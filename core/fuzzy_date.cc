#include "core/fuzzy_date.h"

#include <fmt/format.h>
#include <array>
#include <cctype>

namespace accord::core {
namespace {

using accord::v1::CalendarDate;
using accord::v1::FuzzyDate;
using accord::v1::Season;
using std::chrono::day;
using std::chrono::month;
using std::chrono::year;
using std::chrono::year_month_day;
using std::chrono::year_month_day_last;

constexpr int kMinYear = 1;
constexpr int kMaxYear = 9999;

constexpr std::array<const char*, 13> kMonthNames = {
    "",     "January", "February",  "March",   "April",    "May",     "June",
    "July", "August",  "September", "October", "November", "December"};

bool YearInRange(int y) { return y >= kMinYear && y <= kMaxYear; }

bool IsFullDay(const CalendarDate& d) {
  if (!YearInRange(d.year()) || d.month() < 1 || d.month() > 12 || d.day() < 1) return false;
  return year_month_day{year{d.year()}, month{static_cast<unsigned>(d.month())},
                        day{static_cast<unsigned>(d.day())}}
      .ok();
}

Day FirstOfMonth(int y, int m) {
  return Day{year_month_day{year{y}, month{static_cast<unsigned>(m)}, day{1}}};
}

Day LastOfMonth(int y, int m) {
  return Day{
      year_month_day_last{year{y}, std::chrono::month_day_last{month{static_cast<unsigned>(m)}}}};
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

}  // namespace

std::string ValidateFuzzyDate(const FuzzyDate& date) {
  const CalendarDate& d = date.date();
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
      return {};
    case FuzzyDate::YEAR:
      if (!YearInRange(d.year()) || d.month() != 0 || d.day() != 0)
        return "a YEAR date needs a year 1-9999 and no month or day";
      return {};
    case FuzzyDate::RANGE:
      if (!IsFullDay(d) || !IsFullDay(date.until()))
        return "a RANGE date needs two calendar days, date and until";
      if (ToDay(date.until()) < ToDay(d)) return "a RANGE date must not end before it starts";
      return {};
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
      text = fmt::format("{} {}", kMonthNames[d.month()], d.year());
      break;
    case FuzzyDate::SEASON:
      text = fmt::format("{} {}", SeasonName(date.season()), d.year());
      break;
    case FuzzyDate::YEAR:
      text = fmt::format("{}", d.year());
      break;
    case FuzzyDate::RANGE:
      text = fmt::format("{} to {}", IsoDay(d), IsoDay(date.until()));
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

namespace {

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

// "2024-07-15", "2024-07" or "2024": the numbers present, 0 for the rest.
bool ParseNumbers(std::string_view text, CalendarDate* date, int* parts) {
  int values[3] = {0, 0, 0};
  *parts = 0;
  size_t i = 0;
  while (*parts < 3) {
    size_t start = i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
    if (i == start || i - start > 4) return false;
    values[(*parts)++] = std::stoi(std::string(text.substr(start, i - start)));
    if (i == text.size()) break;
    if (text[i] != '-') return false;
    ++i;
  }
  if (i != text.size()) return false;
  date->set_year(values[0]);
  date->set_month(values[1]);
  date->set_day(values[2]);
  return true;
}

}  // namespace

Expected<FuzzyDate, std::string> ParseFuzzyDate(std::string_view text) {
  FuzzyDate date;
  text = Trim(text);
  if (!text.empty() && text.back() == ')') {
    size_t open = text.rfind('(');
    if (open == std::string_view::npos)
      return MakeUnexpected(std::string("unbalanced parentheses"));
    date.set_as_stated(std::string(Trim(text.substr(open + 1, text.size() - open - 2))));
    text = Trim(text.substr(0, open));
  }
  auto fail = [&] {
    return MakeUnexpected(
        fmt::format("'{}' is not a date: write 2024-07-15, 2024-07, 2024, autumn 2024, "
                    "2024-11-05..2024-11-07 or undated: the source's words",
                    text));
  };
  if (text.starts_with("undated")) {
    std::string_view words = Trim(text.substr(7));
    if (!words.empty() && words.front() == ':') words = Trim(words.substr(1));
    date.set_precision(FuzzyDate::UNDATED);
    if (!words.empty()) date.set_as_stated(std::string(words));
  } else if (size_t dots = text.find(".."); dots != std::string_view::npos) {
    int from_parts = 0;
    int to_parts = 0;
    if (!ParseNumbers(Trim(text.substr(0, dots)), date.mutable_date(), &from_parts) ||
        !ParseNumbers(Trim(text.substr(dots + 2)), date.mutable_until(), &to_parts) ||
        from_parts != 3 || to_parts != 3) {
      return fail();
    }
    date.set_precision(FuzzyDate::RANGE);
  } else if (size_t space = text.find(' '); space != std::string_view::npos) {
    std::string season(text.substr(0, space));
    for (char& c : season) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    accord::v1::Season value;
    int parts = 0;
    if (!accord::v1::Season_Parse(season, &value) ||
        !ParseNumbers(Trim(text.substr(space + 1)), date.mutable_date(), &parts) || parts != 1) {
      return fail();
    }
    date.set_precision(FuzzyDate::SEASON);
    date.set_season(value);
  } else {
    int parts = 0;
    if (!ParseNumbers(text, date.mutable_date(), &parts)) return fail();
    date.set_precision(parts == 3   ? FuzzyDate::DAY
                       : parts == 2 ? FuzzyDate::MONTH
                                    : FuzzyDate::YEAR);
  }
  if (std::string problem = ValidateFuzzyDate(date); !problem.empty()) {
    return MakeUnexpected(problem);
  }
  return date;
}

bool EffectiveBefore(const FuzzyDate& a, const FuzzyDate& b) {
  auto ea = EarliestDay(a);
  auto eb = EarliestDay(b);
  if (!ea || !eb) return ea.has_value() && !eb.has_value();
  if (*ea != *eb) return *ea < *eb;
  return *LatestDay(a) < *LatestDay(b);
}

}  // namespace accord::core
