// ParseFuzzyDate: dates as people write them.
//
// The text is read in three steps:
//   1. "undated: words" and the source's words in parentheses are split off;
//   2. whole phrases with no date of their own ("in the coming months",
//      "soon", "next year") are looked up; the relative ones become dates
//      only when the caller names a reference day;
//   3. the rest is cut into tokens (numbers, ISO dates, words, range
//      separators) and matched against the forms below, one side of a range
//      at a time; a side may leave out what the other gives
//      ("5-7 November 2024", "November 5-7, 2024").
//
// side   := iso | year | day month [year] | month day [year] | month [year]
//         | day [year] | season year | winter year/yy | early|mid|late year
//         | early|mid|late month year | first|second half year | Qn year
//         | year Qn | first..fourth|last quarter year | beginning|end year
// range  := side SEP side       SEP := - | en or em dash | .. | to | until
//                                      | till | through | and
// Filler words (of, the, in, on, from, between, during) and commas are
// skipped; a weekday is checked against the day it names.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <span>
#include <vector>

#include "core/fuzzy_date.h"
#include "core/fuzzy_date_internal.h"
#include "core/limits.h"

namespace accord::core {
namespace {

using accord::v1::FuzzyDate;
using accord::v1::Season;
using fuzzy_date_internal::DaysInMonth;
using fuzzy_date_internal::FixedSpanDays;
using fuzzy_date_internal::kMaxYear;
using fuzzy_date_internal::kMinYear;
using fuzzy_date_internal::MonthName;
using fuzzy_date_internal::SetRangeDays;

constexpr int kMissing = -1;

// Whatever words the parser keeps, the server's limit on them lets through.
static_assert(kMaxFuzzyDateText <= kMaxNameChars);

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

// Lower case with runs of white space as one space: how two spellings of
// the same words are compared.
std::string Normalized(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : Trim(text)) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

const char* Hint() {
  return "write 2024-07-15, 15 July 2024, July 2024, autumn 2024, early 2024, Q3 2024, "
         "5-7 November 2024, or undated: the source's words";
}

// --- Words -----------------------------------------------------------------

int MonthOf(std::string_view word) {
  static constexpr std::array<const char*, 13> kShort = {
      "", "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  if (word == "sept") return 9;
  for (int m = 1; m <= 12; ++m) {
    if (word == kShort[m] || word == Normalized(MonthName(m))) return m;
  }
  return 0;
}

Season SeasonOf(std::string_view word) {
  if (word == "spring") return accord::v1::SPRING;
  if (word == "summer") return accord::v1::SUMMER;
  if (word == "autumn" || word == "fall") return accord::v1::AUTUMN;
  if (word == "winter") return accord::v1::WINTER;
  return accord::v1::SEASON_UNSPECIFIED;
}

constexpr std::array<const char*, 7> kWeekdayNames = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                      "Thursday", "Friday", "Saturday"};

// 0 for Sunday ... 6 for Saturday (C's encoding); kMissing if not a weekday.
int WeekdayOf(std::string_view word) {
  static constexpr std::array<const char*, 7> kShort = {"sun", "mon", "tue", "wed",
                                                        "thu", "fri", "sat"};
  if (word == "tues") return 2;
  if (word == "thur" || word == "thurs") return 4;
  for (int i = 0; i < 7; ++i) {
    if (word == kShort[i] || word == Normalized(kWeekdayNames[i])) return i;
  }
  return kMissing;
}

bool IsFiller(std::string_view word) {
  return word == "of" || word == "the" || word == "in" || word == "on" || word == "from" ||
         word == "between" || word == "during";
}

// Words that say how a range was written, keyed by the form's first word.
bool IsSpanWord(std::string_view word) {
  return word == "early" || word == "mid" || word == "late" || word == "beginning" ||
         word == "start" || word == "end" || word == "first" || word == "second" ||
         word == "third" || word == "fourth" || word == "last" || word == "half" ||
         word == "quarter";
}

// --- Tokens ----------------------------------------------------------------

enum class Kind { kNumber, kIso, kWord, kDash, kSlash };

struct Token {
  Kind kind = Kind::kWord;
  std::string text;      // as typed, for messages
  std::string word;      // kWord: lower case
  int value = 0;         // kNumber
  int digits = 0;        // kNumber
  bool ordinal = false;  // kNumber: "15th"
  int iso_year = 0;      // kIso
  int iso_month = 0;
  int iso_day = kMissing;
  size_t begin = 0;  // where it stands in the text
  size_t end = 0;
};

Token MakeToken(Kind kind, std::string text) {
  Token t;
  t.kind = kind;
  t.text = std::move(text);
  return t;
}

bool IsDigit(std::string_view text, size_t i) {
  return i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]));
}
bool IsAlpha(std::string_view text, size_t i) {
  return i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]));
}

// Reads the digits at text[*i], at most `limit` of them; -1 if more.
int ReadNumber(std::string_view text, size_t* i, int* digits, int limit) {
  int value = 0;
  *digits = 0;
  while (IsDigit(text, *i)) {
    if (++*digits > limit) return -1;
    value = value * 10 + (text[*i] - '0');
    ++*i;
  }
  return value;
}

Expected<std::vector<Token>, std::string> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    const size_t count = tokens.size();
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (std::isspace(c) || c == ',') {
      ++i;
    } else if (std::isdigit(c)) {
      Token t = MakeToken(Kind::kNumber, "");
      t.value = ReadNumber(text, &i, &t.digits, 5);
      if (t.value < 0) {
        while (IsDigit(text, i)) ++i;
        return MakeUnexpected(
            fmt::format("'{}' is too long for a day or a year", text.substr(start, i - start)));
      }
      // "2024-07" or "2024-07-15" is one token; "2023-2025" is two years.
      size_t after = i + 1;
      int month_digits = 0;
      if (t.digits == 4 && i < text.size() && text[i] == '-' && IsDigit(text, after)) {
        int month = ReadNumber(text, &after, &month_digits, 2);
        if (month >= 0 && !IsDigit(text, after)) {
          t.kind = Kind::kIso;
          t.iso_year = t.value;
          t.iso_month = month;
          i = after;
          size_t day_at = i + 1;
          int day_digits = 0;
          if (i < text.size() && text[i] == '-' && IsDigit(text, day_at)) {
            int day = ReadNumber(text, &day_at, &day_digits, 2);
            if (day < 0 || IsDigit(text, day_at)) {
              return MakeUnexpected(
                  fmt::format("'{}' is not an ISO date", Trim(text.substr(start))));
            }
            t.iso_day = day;
            i = day_at;
          }
        }
      }
      if (t.kind == Kind::kNumber && IsAlpha(text, i)) {
        size_t end = i;
        while (IsAlpha(text, end)) ++end;
        std::string suffix = Normalized(text.substr(i, end - i));
        if (suffix != "st" && suffix != "nd" && suffix != "rd" && suffix != "th") {
          return MakeUnexpected(
              fmt::format("'{}' is not a number or a word", text.substr(start, end - start)));
        }
        t.ordinal = true;
        i = end;
      }
      t.text = std::string(text.substr(start, i - start));
      tokens.push_back(std::move(t));
    } else if (std::isalpha(c)) {
      while (i < text.size() && std::isalnum(static_cast<unsigned char>(text[i]))) ++i;
      Token t = MakeToken(Kind::kWord, std::string(text.substr(start, i - start)));
      t.word = Normalized(t.text);
      // "Nov." is "Nov"; "mid-2023" and "mid-June" are one phrase, not a range.
      if (i < text.size() && text[i] == '.' && !(i + 1 < text.size() && text[i + 1] == '.')) ++i;
      if ((t.word == "mid" || t.word == "early" || t.word == "late") && i < text.size() &&
          text[i] == '-' && (IsDigit(text, i + 1) || IsAlpha(text, i + 1))) {
        ++i;
      }
      if (t.word == "to" || t.word == "until" || t.word == "till" || t.word == "through" ||
          t.word == "thru" || t.word == "and") {
        t.kind = Kind::kDash;
      }
      if (!IsFiller(t.word)) tokens.push_back(std::move(t));
    } else if (c == '-') {
      tokens.push_back(MakeToken(Kind::kDash, "-"));
      ++i;
    } else if (c == '/') {
      tokens.push_back(MakeToken(Kind::kSlash, "/"));
      ++i;
    } else if (text.substr(i).starts_with("..")) {
      tokens.push_back(MakeToken(Kind::kDash, ".."));
      i += 2;
    } else if (text.substr(i).starts_with("\u2013") || text.substr(i).starts_with("\u2014")) {
      tokens.push_back(MakeToken(Kind::kDash, std::string(text.substr(i, 3))));
      i += 3;
    } else if (c >= 0x80) {
      return MakeUnexpected(fmt::format(
          "'{}' has a character that is not part of any date form I read; {}", text, Hint()));
    } else {
      return MakeUnexpected(
          fmt::format("'{}' has no place in a date; {}", text.substr(i, 1), Hint()));
    }
    if (tokens.size() > count) {
      tokens.back().begin = start;
      tokens.back().end = i;
    }
  }
  return tokens;
}

// --- One side of a range, or a whole date ------------------------------------

// What one side says: plain pieces (kMissing where not said), or a date
// complete in itself (a season, a part of a year).
struct Side {
  int year = kMissing;
  int month = kMissing;
  int day = kMissing;
  int weekday = kMissing;
  bool iso = false;  // written as an ISO form
  std::optional<FuzzyDate> whole;
  std::string text;  // as typed, for messages
};

std::string YearProblem(int y) {
  if (y >= kMinYear && y <= kMaxYear) return {};
  return fmt::format("there is no year {} here: years are {}-{}", y, kMinYear, kMaxYear);
}

Expected<FuzzyDate, std::string> FixedSpan(FuzzyDate::Span span, int y, int m) {
  if (std::string problem = YearProblem(y); !problem.empty()) return MakeUnexpected(problem);
  FuzzyDate date;
  date.set_precision(FuzzyDate::RANGE);
  date.set_span(span);
  auto days = FixedSpanDays(span, y, m == kMissing ? 1 : m);
  SetRangeDays(days->first, days->second, &date);
  return date;
}

Expected<FuzzyDate, std::string> SeasonDate(Season season, int y, const FuzzyDateOptions& options) {
  if (std::string problem = YearProblem(y); !problem.empty()) return MakeUnexpected(problem);
  FuzzyDate date;
  date.set_precision(FuzzyDate::SEASON);
  date.mutable_date()->set_year(y);
  date.set_season(season);
  if (std::string problem = ValidateFuzzyDate(date); !problem.empty())
    return MakeUnexpected(problem);
  if (!options.southern_hemisphere) return date;
  // A southern season as a range of months, since a SEASON date always
  // means the northern months: spring September-November, summer December
  // to February of the next year, autumn March-May, winter June-August.
  static constexpr std::array<std::pair<int, int>, 5> kSouthern = {
      {{0, 0}, {9, 11}, {12, 14}, {3, 5}, {6, 8}}};
  auto [first_month, last_month] = kSouthern[static_cast<size_t>(season)];
  int last_year = last_month > 12 ? y + 1 : y;
  if (last_month > 12) last_month -= 12;
  if (std::string problem = YearProblem(last_year); !problem.empty())
    return MakeUnexpected(problem);
  FuzzyDate range;
  range.set_precision(FuzzyDate::RANGE);
  range.set_span(FuzzyDate::SPAN_MONTHS);
  SetRangeDays(Day{std::chrono::year{y} / first_month / 1},
               Day{std::chrono::year{last_year} / last_month / std::chrono::last}, &range);
  return range;
}

// "Q3", "H1": the number after the letter, or 0.
int NumberAfter(std::string_view word, char letter) {
  if (word.size() == 2 && word[0] == letter && std::isdigit(static_cast<unsigned char>(word[1])))
    return word[1] - '0';
  return 0;
}

FuzzyDate::Span QuarterSpan(int q) {
  static constexpr std::array<FuzzyDate::Span, 4> kQuarters = {
      FuzzyDate::SPAN_FIRST_QUARTER, FuzzyDate::SPAN_SECOND_QUARTER, FuzzyDate::SPAN_THIRD_QUARTER,
      FuzzyDate::SPAN_FOURTH_QUARTER};
  return kQuarters[static_cast<size_t>(q - 1)];
}

int OrdinalWord(std::string_view word) {
  if (word == "first") return 1;
  if (word == "second") return 2;
  if (word == "third") return 3;
  if (word == "fourth" || word == "last") return 4;
  return 0;
}

class SideReader {
 public:
  SideReader(std::string_view text, std::span<const Token> tokens, const FuzzyDateOptions& options)
      : text_(text), t_(tokens), options_(options) {}

  Expected<Side, std::string> Read() {
    Side side;
    std::vector<Token> kept;
    for (const Token& token : t_) {
      int weekday = token.kind == Kind::kWord ? WeekdayOf(token.word) : kMissing;
      if (weekday == kMissing) {
        kept.push_back(token);
      } else if (side.weekday != kMissing) {
        return MakeUnexpected(fmt::format("'{}': one weekday at most", Text()));
      } else {
        side.weekday = weekday;
      }
    }
    side.text = Text();
    if (kept.empty() && side.weekday != kMissing)
      return MakeUnexpected(fmt::format("'{}' names a weekday but no day", side.text));
    t_ = kept;
    if (auto problem = Match(&side); !problem.empty()) return MakeUnexpected(problem);
    if (side.weekday != kMissing && (side.whole || side.day == kMissing)) {
      return MakeUnexpected(fmt::format("'{}' names a weekday but no day", side.text));
    }
    return side;
  }

 private:
  bool Word(size_t i, std::string_view w) const {
    return i < t_.size() && t_[i].kind == Kind::kWord && t_[i].word == w;
  }
  bool DayNumber(size_t i) const {
    return i < t_.size() && t_[i].kind == Kind::kNumber && t_[i].digits <= 2;
  }
  bool YearNumber(size_t i) const {
    return i < t_.size() && t_[i].kind == Kind::kNumber && t_[i].digits >= 3 && !t_[i].ordinal;
  }
  int Month(size_t i) const {
    return i < t_.size() && t_[i].kind == Kind::kWord ? MonthOf(t_[i].word) : 0;
  }
  Season SeasonAt(size_t i) const {
    return i < t_.size() && t_[i].kind == Kind::kWord ? SeasonOf(t_[i].word)
                                                      : accord::v1::SEASON_UNSPECIFIED;
  }
  int Value(size_t i) const { return t_[i].value; }
  bool Is(std::initializer_list<bool> checks) const {
    if (checks.size() != t_.size()) return false;
    for (bool ok : checks)
      if (!ok) return false;
    return true;
  }
  // The side as typed.
  std::string Text() const {
    if (t_.empty()) return {};
    return std::string(text_.substr(t_.front().begin, t_.back().end - t_.front().begin));
  }

  // An empty string when the tokens are one of the side forms (filling
  // *side), otherwise what is wrong.
  std::string Match(Side* side) {
    const size_t n = t_.size();
    auto whole = [&](Expected<FuzzyDate, std::string> date) -> std::string {
      if (!date) return date.error();
      side->whole = std::move(*date);
      return {};
    };
    if (n == 0) return fmt::format("a range needs a date on each side; {}", Hint());
    // ISO forms and bare numbers.
    if (n == 1 && t_[0].kind == Kind::kIso) {
      side->year = t_[0].iso_year;
      side->month = t_[0].iso_month;
      side->day = t_[0].iso_day;
      side->iso = true;
      return {};
    }
    if (Is({YearNumber(0)})) {
      side->year = Value(0);
      side->iso = t_[0].digits == 4;
      return {};
    }
    if (Is({DayNumber(0)})) {
      side->day = Value(0);
      return {};
    }
    if (Is({Month(0) != 0})) {
      side->month = Month(0);
      return {};
    }
    // Day, month and year in words.
    if (Is({DayNumber(0), Month(1) != 0}) || Is({DayNumber(0), Month(1) != 0, YearNumber(2)})) {
      side->day = Value(0);
      side->month = Month(1);
      if (n == 3) side->year = Value(2);
      return {};
    }
    if (Is({Month(0) != 0, DayNumber(1)}) || Is({Month(0) != 0, DayNumber(1), YearNumber(2)})) {
      side->month = Month(0);
      side->day = Value(1);
      if (n == 3) side->year = Value(2);
      return {};
    }
    if (Is({Month(0) != 0, YearNumber(1)})) {
      side->month = Month(0);
      side->year = Value(1);
      return {};
    }
    if (Is({DayNumber(0), YearNumber(1)})) {  // "7, 2024" in "November 5-7, 2024"
      side->day = Value(0);
      side->year = Value(1);
      return {};
    }
    // Numbers with slashes: year first, or refused as ambiguous.
    if (n == 5 && t_[1].kind == Kind::kSlash && t_[3].kind == Kind::kSlash &&
        t_[0].kind == Kind::kNumber && t_[2].kind == Kind::kNumber && t_[4].kind == Kind::kNumber) {
      if (t_[0].digits != 4) {
        return fmt::format(
            "'{}' could be read day first or month first: write {}-{:02}-{:02} "
            "or {}-{:02}-{:02}, or the month in words",
            side->text, Value(4), Value(2), Value(0), Value(4), Value(0), Value(2));
      }
      side->year = Value(0);
      side->month = Value(2);
      side->day = Value(4);
      return {};
    }
    // Seasons.
    if (Season s = SeasonAt(0); s != accord::v1::SEASON_UNSPECIFIED) {
      if (Is({true, YearNumber(1)})) return whole(SeasonDate(s, Value(1), options_));
      int first = 0;
      int second = kMissing;
      bool pair = false;
      if (n == 2 && t_[1].kind == Kind::kIso && t_[1].iso_day == kMissing) {  // winter 2024-25
        first = t_[1].iso_year;
        second = t_[1].iso_month;
        pair = true;
      } else if (n == 4 && YearNumber(1) && t_[2].kind == Kind::kSlash &&
                 t_[3].kind == Kind::kNumber) {  // winter 2024/25, winter 2024/2025
        first = Value(1);
        second = Value(3);
        pair = true;
      }
      if (pair) {
        if (options_.southern_hemisphere)
          return fmt::format("'{}': a southern winter lies within one year", side->text);
        if (s != accord::v1::WINTER)
          return fmt::format("'{}': only a winter spans two years", side->text);
        bool follows = second == first + 1 || second == (first + 1) % 100;
        if (!follows) {
          return fmt::format(
              "'{}': a winter's two years must follow each other, as in "
              "winter {}/{:02}",
              side->text, first, (first + 1) % 100);
        }
        return whole(SeasonDate(s, first, options_));
      }
    }
    // Parts of a year or of a month.
    auto part = [&](FuzzyDate::Span of_year,
                    FuzzyDate::Span of_month) -> std::optional<std::string> {
      if (Is({true, YearNumber(1)})) return whole(FixedSpan(of_year, Value(1), kMissing));
      if (of_month != FuzzyDate::SPAN_DAYS && Is({true, Month(1) != 0, YearNumber(2)}))
        return whole(FixedSpan(of_month, Value(2), Month(1)));
      return std::nullopt;
    };
    std::optional<std::string> matched;
    if (Word(0, "early")) matched = part(FuzzyDate::SPAN_EARLY_YEAR, FuzzyDate::SPAN_EARLY_MONTH);
    if (Word(0, "mid")) matched = part(FuzzyDate::SPAN_MID_YEAR, FuzzyDate::SPAN_MID_MONTH);
    if (Word(0, "late")) matched = part(FuzzyDate::SPAN_LATE_YEAR, FuzzyDate::SPAN_LATE_MONTH);
    if (Word(0, "beginning") || Word(0, "start"))
      matched = part(FuzzyDate::SPAN_START_OF_YEAR, FuzzyDate::SPAN_DAYS);
    if (Word(0, "end")) matched = part(FuzzyDate::SPAN_END_OF_YEAR, FuzzyDate::SPAN_DAYS);
    if (matched) return *matched;
    if (n == 3 && Word(1, "half") && YearNumber(2)) {
      if (Word(0, "first")) return whole(FixedSpan(FuzzyDate::SPAN_FIRST_HALF, Value(2), kMissing));
      if (Word(0, "second"))
        return whole(FixedSpan(FuzzyDate::SPAN_SECOND_HALF, Value(2), kMissing));
      return fmt::format("'{}': a year has a first and a second half", side->text);
    }
    if (n == 2 && t_[0].kind == Kind::kWord && NumberAfter(t_[0].word, 'h') != 0 && YearNumber(1)) {
      int h = NumberAfter(t_[0].word, 'h');
      if (h > 2) return fmt::format("'{}': a year has two halves, H1 and H2", side->text);
      return whole(FixedSpan(h == 1 ? FuzzyDate::SPAN_FIRST_HALF : FuzzyDate::SPAN_SECOND_HALF,
                             Value(1), kMissing));
    }
    // Quarters: "Q3 2024", "2024 Q3", "third quarter of 2024", "3rd quarter 2024".
    size_t q_at = YearNumber(0) ? 1 : 0;
    if (n == 2 && t_[q_at].kind == Kind::kWord && NumberAfter(t_[q_at].word, 'q') != 0 &&
        YearNumber(1 - q_at)) {
      int q = NumberAfter(t_[q_at].word, 'q');
      if (q > 4) return fmt::format("there is no quarter {}: a year has Q1-Q4", q);
      return whole(FixedSpan(QuarterSpan(q), Value(1 - q_at), kMissing));
    }
    if (n == 3 && Word(1, "quarter") && YearNumber(2)) {
      int q = t_[0].kind == Kind::kWord ? OrdinalWord(t_[0].word) : t_[0].ordinal ? Value(0) : 0;
      if (q < 1 || q > 4)
        return fmt::format("'{}': a year has four quarters, first to fourth", side->text);
      return whole(FixedSpan(QuarterSpan(q), Value(2), kMissing));
    }
    return Unread(*side);
  }

  // Why the tokens are not a date: the first word no form uses, or the
  // forms there are.
  std::string Unread(const Side& side) const {
    for (const Token& token : t_) {
      if (token.kind != Kind::kWord) continue;
      const std::string& w = token.word;
      if (MonthOf(w) == 0 && SeasonOf(w) == accord::v1::SEASON_UNSPECIFIED && !IsSpanWord(w) &&
          NumberAfter(w, 'q') == 0 && NumberAfter(w, 'h') == 0) {
        return fmt::format("'{}' is not a month, a season or a word of any date form I read; {}",
                           token.text, Hint());
      }
    }
    if (side.text.find('/') != std::string::npos)
      return fmt::format("'{}' is not a date I can read; {}", side.text, Hint());
    bool has_year = false;
    for (size_t i = 0; i < t_.size(); ++i) has_year = has_year || YearNumber(i);
    if (!has_year)
      return fmt::format("'{}' has no year (write it in full, e.g. 2024); {}", side.text, Hint());
    return fmt::format("'{}' is not a date I can read; {}", side.text, Hint());
  }

  std::string_view text_;
  std::span<const Token> t_;
  const FuzzyDateOptions& options_;
};

// A side with its pieces complete as a DAY, MONTH or YEAR date.
Expected<FuzzyDate, std::string> PlainDate(const Side& side) {
  if (side.whole) return *side.whole;
  FuzzyDate date;
  auto* d = date.mutable_date();
  if (side.year == kMissing) {
    return MakeUnexpected(
        fmt::format("'{}' has no year (write it in full, e.g. 2024); {}", side.text, Hint()));
  }
  if (std::string problem = YearProblem(side.year); !problem.empty())
    return MakeUnexpected(problem);
  d->set_year(side.year);
  if (side.month == kMissing) {
    if (side.day != kMissing)
      return MakeUnexpected(fmt::format("'{}' has a day but no month", side.text));
    date.set_precision(FuzzyDate::YEAR);
    return date;
  }
  if (side.month < 1 || side.month > 12) {
    return MakeUnexpected(
        fmt::format("there is no month {} (in '{}'): months are 1-12", side.month, side.text));
  }
  d->set_month(side.month);
  if (side.day == kMissing) {
    date.set_precision(FuzzyDate::MONTH);
    return date;
  }
  const int days = DaysInMonth(side.year, side.month);
  if (side.day < 1 || side.day > days) {
    return MakeUnexpected(fmt::format("there is no {} {} {}: {} {} has {} days", side.day,
                                      MonthName(side.month), side.year, MonthName(side.month),
                                      side.year, days));
  }
  d->set_day(side.day);
  date.set_precision(FuzzyDate::DAY);
  if (side.weekday != kMissing) {
    int actual = static_cast<int>(std::chrono::weekday{ToDay(*d)}.c_encoding());
    if (actual != side.weekday) {
      return MakeUnexpected(fmt::format("{} {} {} is a {}, not a {}", side.day,
                                        MonthName(side.month), side.year, kWeekdayNames[actual],
                                        kWeekdayNames[side.weekday]));
    }
  }
  return date;
}

// "30 November - 2 December 2024": each side takes from the other what it
// leaves out. A side that borrows a year moves to the year before (or
// after) when that is the only reading in which the range runs forwards
// and it then spans six months at most ("30 December - 2 January 2025",
// "November-February 2025"); "2 December - 30 November 2024" stays refused.
void FillFromEachOther(Side* left, Side* right) {
  auto year_of = [](const Side& side) {
    return side.whole ? side.whole->date().year() : side.year;
  };
  if (!left->whole && left->day != kMissing && left->month == kMissing) left->month = right->month;
  if (!right->whole && right->day != kMissing && right->month == kMissing)
    right->month = left->month;
  const bool both_months =
      left->month != kMissing && right->month != kMissing && right->month + 12 - left->month < 6;
  if (!left->whole && left->year == kMissing && year_of(*right) != kMissing) {
    left->year = year_of(*right);
    if (both_months && left->month > right->month) --left->year;
  } else if (!right->whole && right->year == kMissing && year_of(*left) != kMissing) {
    right->year = year_of(*left);
    if (both_months && right->month < left->month) ++right->year;
  }
}

struct ReadResult {
  FuzzyDate date;
  bool iso = false;  // written in ISO forms only: nothing to keep as words
};

Expected<ReadResult, std::string> ReadDate(std::string_view body, const FuzzyDateOptions& options) {
  auto tokens = Tokenize(body);
  if (!tokens) return MakeUnexpected(tokens.error());
  std::vector<size_t> dashes;
  for (size_t i = 0; i < tokens->size(); ++i)
    if ((*tokens)[i].kind == Kind::kDash) dashes.push_back(i);
  if (tokens->empty()) return MakeUnexpected(fmt::format("'{}' has no date; {}", body, Hint()));
  if (dashes.size() > 1) {
    return MakeUnexpected(
        fmt::format("'{}' has more than one range separator: a range has two ends", body));
  }
  std::span<const Token> all(*tokens);
  if (dashes.empty()) {
    auto side = SideReader(body, all, options).Read();
    if (!side) return MakeUnexpected(side.error());
    auto date = PlainDate(*side);
    if (!date) return MakeUnexpected(date.error());
    return ReadResult{*date, side->iso};
  }
  auto left = SideReader(body, all.first(dashes[0]), options).Read();
  if (!left) return MakeUnexpected(left.error());
  auto right = SideReader(body, all.subspan(dashes[0] + 1), options).Read();
  if (!right) return MakeUnexpected(right.error());
  FillFromEachOther(&*left, &*right);
  auto first = PlainDate(*left);
  if (!first) return MakeUnexpected(first.error());
  auto last = PlainDate(*right);
  if (!last) return MakeUnexpected(last.error());
  if (*EarliestDay(*last) < *EarliestDay(*first) || *LatestDay(*last) < *LatestDay(*first)) {
    return MakeUnexpected(fmt::format("'{}' ends before it starts: {} comes before {}", body,
                                      FormatFuzzyDate(*last), FormatFuzzyDate(*first)));
  }
  ReadResult read;
  read.iso = left->iso && right->iso;
  read.date.set_precision(FuzzyDate::RANGE);
  if (first->precision() == FuzzyDate::MONTH && last->precision() == FuzzyDate::MONTH)
    read.date.set_span(FuzzyDate::SPAN_MONTHS);
  if (first->precision() == FuzzyDate::YEAR && last->precision() == FuzzyDate::YEAR)
    read.date.set_span(FuzzyDate::SPAN_YEARS);
  SetRangeDays(*EarliestDay(*first), *LatestDay(*last), &read.date);
  return read;
}

// --- Phrases with no date of their own ---------------------------------------

bool IsUndatedPhrase(std::string_view phrase) {
  static constexpr std::array<const char*, 24> kPhrases = {
      "soon",         "shortly",          "in due course",     "at a later date",
      "later",        "at a later stage", "to be determined",  "tbd",
      "tba",          "to be announced",  "to be confirmed",   "tbc",
      "not stated",   "date not stated",  "not known",         "unknown",
      "date unknown", "unspecified",      "in the future",     "at some point",
      "eventually",   "pending",          "not yet scheduled", "no date"};
  for (const char* p : kPhrases)
    if (phrase == p) return true;
  return false;
}

int SmallNumber(std::string_view word) {
  static constexpr std::array<const char*, 13> kNames = {"",     "one",    "two",   "three", "four",
                                                         "five", "six",    "seven", "eight", "nine",
                                                         "ten",  "eleven", "twelve"};
  if (word == "a" || word == "an") return 1;
  for (int i = 1; i <= 12; ++i)
    if (word == kNames[i]) return i;
  if (!word.empty() && word.size() <= 3 &&
      std::all_of(word.begin(), word.end(), [](char c) { return std::isdigit(c); })) {
    int value = 0;
    for (char c : word) value = value * 10 + (c - '0');
    return value;
  }
  return 0;
}

Day AddMonths(Day from, int months) {
  using std::chrono::year_month_day;
  year_month_day ymd = year_month_day{from} + std::chrono::months{months};
  if (!ymd.ok())
    ymd = year_month_day{
        std::chrono::year_month_day_last{ymd.year(), std::chrono::month_day_last{ymd.month()}}};
  return Day{ymd};
}

// "the coming months" and "the next 3 weeks" as a count of units; the unit
// in *unit ("day", "week", "month", "year"). A few is the table in
// docs/dates.md: 2 weeks of days, 8 weeks, 6 months, 3 years.
bool ReadPeriod(std::string_view phrase, int* count, std::string* unit) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < phrase.size()) {
    size_t end = phrase.find(' ', i);
    if (end == std::string_view::npos) end = phrase.size();
    words.emplace_back(phrase.substr(i, end - i));
    i = end + 1;
  }
  auto strip = [&](std::initializer_list<const char*> prefix) {
    if (words.size() < prefix.size()) return false;
    size_t k = 0;
    for (const char* w : prefix)
      if (words[k++] != w) return false;
    words.erase(words.begin(), words.begin() + static_cast<long>(prefix.size()));
    return true;
  };
  bool few = strip({"in", "the", "coming"}) || strip({"over", "the", "coming"}) ||
             strip({"within", "the", "coming"}) || strip({"in", "the", "next", "few"}) ||
             strip({"over", "the", "next", "few"}) || strip({"within", "the", "next", "few"}) ||
             strip({"in", "the", "coming", "few"});
  if (few) {
    if (words.size() == 1 && words[0] == "few") return false;
    if (words.size() != 1) return false;
    static const std::array<std::pair<const char*, int>, 4> kFew = {
        {{"days", 14}, {"weeks", 8}, {"months", 6}, {"years", 3}}};
    for (auto [name, n] : kFew) {
      if (words[0] == name) {
        *count = n;
        *unit = std::string(name);
        unit->pop_back();
        return true;
      }
    }
    return false;
  }
  if (!(strip({"within", "the", "next"}) || strip({"in", "the", "next"}) ||
        strip({"over", "the", "next"}) || strip({"within"}))) {
    return false;
  }
  if (words.size() == 1) words.insert(words.begin(), "one");  // "within the next month"
  if (words.size() != 2) return false;
  *count = SmallNumber(words[0]);
  std::string u = words[1];
  if (u.ends_with('s')) u.pop_back();
  if (*count < 1 || (u != "day" && u != "week" && u != "month" && u != "year")) return false;
  *unit = u;
  return true;
}

// A phrase relative to `reference`: nullopt when it is not one; an error
// when the answer falls outside the years a date can have.
std::optional<Expected<FuzzyDate, std::string>> RelativeDate(std::string_view phrase,
                                                             std::optional<Day> reference) {
  using std::chrono::year_month_day;
  int count = 0;
  std::string unit;
  FuzzyDate date;
  auto ymd = [&] { return year_month_day{*reference}; };
  auto year_of = [&](int shift) { return static_cast<int>(ymd().year()) + shift; };
  auto month_of = [&] { return static_cast<int>(static_cast<unsigned>(ymd().month())); };
  auto done = [&]() -> std::optional<Expected<FuzzyDate, std::string>> {
    int last_year = LatestDay(date) ? static_cast<int>(year_month_day{*LatestDay(date)}.year())
                                    : date.date().year();
    if (std::string problem = YearProblem(date.date().year()); !problem.empty())
      return Expected<FuzzyDate, std::string>(MakeUnexpected(problem));
    if (std::string problem = YearProblem(last_year); !problem.empty())
      return Expected<FuzzyDate, std::string>(MakeUnexpected(problem));
    return Expected<FuzzyDate, std::string>(date);
  };
  bool relative = ReadPeriod(phrase, &count, &unit);
  static constexpr std::array<const char*, 6> kCalendar = {
      "this year", "next year", "last year", "this month", "next month", "last month"};
  static constexpr std::array<const char*, 3> kWithin = {"later this year", "earlier this year",
                                                         "later this month"};
  bool calendar = std::find(kCalendar.begin(), kCalendar.end(), phrase) != kCalendar.end();
  bool within = std::find(kWithin.begin(), kWithin.end(), phrase) != kWithin.end();
  Season season = accord::v1::SEASON_UNSPECIFIED;
  std::string_view which;
  if (size_t space = phrase.find(' '); space != std::string_view::npos) {
    which = phrase.substr(0, space);
    season = SeasonOf(phrase.substr(space + 1));
    if (which != "this" && which != "next" && which != "last")
      season = accord::v1::SEASON_UNSPECIFIED;
  }
  if (!relative && !calendar && !within && season == accord::v1::SEASON_UNSPECIFIED)
    return std::nullopt;
  if (!reference) {
    date.set_precision(FuzzyDate::UNDATED);
    return Expected<FuzzyDate, std::string>(date);
  }
  if (relative) {
    Day last = unit == "day"     ? *reference + std::chrono::days{count}
               : unit == "week"  ? *reference + std::chrono::days{7 * count}
               : unit == "month" ? AddMonths(*reference, count)
                                 : AddMonths(*reference, 12 * count);
    date.set_precision(FuzzyDate::RANGE);
    SetRangeDays(*reference, last - std::chrono::days{1}, &date);
    return done();
  }
  if (calendar) {
    int shift = phrase.starts_with("next") ? 1 : phrase.starts_with("last") ? -1 : 0;
    if (phrase.ends_with("year")) {
      date.set_precision(FuzzyDate::YEAR);
      date.mutable_date()->set_year(year_of(shift));
    } else {
      year_month_day first = year_month_day{ymd().year(), ymd().month(), std::chrono::day{1}} +
                             std::chrono::months{shift};
      date.set_precision(FuzzyDate::MONTH);
      date.mutable_date()->set_year(static_cast<int>(first.year()));
      date.mutable_date()->set_month(static_cast<int>(static_cast<unsigned>(first.month())));
    }
    return done();
  }
  if (within) {
    date.set_precision(FuzzyDate::RANGE);
    if (YearProblem(year_of(0)).empty()) {
      Day first_of_year =
          Day{year_month_day{ymd().year(), std::chrono::January, std::chrono::day{1}}};
      Day last_of_year =
          Day{year_month_day{ymd().year(), std::chrono::December, std::chrono::day{31}}};
      Day last_of_month =
          AddMonths(Day{year_month_day{ymd().year(), ymd().month(), std::chrono::day{1}}}, 1) -
          std::chrono::days{1};
      if (phrase == "later this year") SetRangeDays(*reference, last_of_year, &date);
      if (phrase == "earlier this year") SetRangeDays(first_of_year, *reference, &date);
      if (phrase == "later this month") SetRangeDays(*reference, last_of_month, &date);
    }
    return done();
  }
  // Seasons: "this autumn" is the autumn of the reference day's year (the
  // winter that is running in January and February); "next autumn" the
  // first autumn that starts after the reference day; "last autumn" the
  // latest that ended before it.
  date.set_precision(FuzzyDate::SEASON);
  date.set_season(season);
  int y = year_of(0);
  if (season == accord::v1::WINTER && month_of() <= 2) --y;
  date.mutable_date()->set_year(y);
  if (which == "next") {
    while (*EarliestDay(date) <= *reference) date.mutable_date()->set_year(++y);
  } else if (which == "last") {
    while (*LatestDay(date) >= *reference) date.mutable_date()->set_year(--y);
  }
  return done();
}

// --- The source's words ------------------------------------------------------

struct Words {
  std::string_view body;
  std::optional<std::string> stated;
};

// Splits "autumn 2024 (this autumn)" or `autumn 2024 ("this autumn")` into
// the date and the words; quotes keep the words exactly as they were.
Expected<Words, std::string> SplitWords(std::string_view text) {
  size_t open = text.find('(');
  if (open == std::string_view::npos) {
    if (text.find(')') != std::string_view::npos)
      return MakeUnexpected(fmt::format("'{}' has a ')' without its '('", text));
    return Words{text, std::nullopt};
  }
  if (text.back() != ')') {
    return MakeUnexpected(fmt::format(
        "'{}': the source's words in parentheses come last, as in: autumn 2024 (this autumn)",
        text));
  }
  std::string_view inner = text.substr(open + 1, text.size() - open - 2);
  if (inner.size() >= 2 && inner.front() == '"' && inner.back() == '"') {
    inner = inner.substr(1, inner.size() - 2);
  } else {
    inner = Trim(inner);
  }
  return Words{Trim(text.substr(0, open)), std::string(inner)};
}

}  // namespace

Expected<FuzzyDate, std::string> ParseFuzzyDate(std::string_view text,
                                                const FuzzyDateOptions& options) {
  text = Trim(text);
  if (text.size() > kMaxFuzzyDateText) {
    return MakeUnexpected(
        fmt::format("a date is at most {} characters, words included; this one "
                    "has {}",
                    kMaxFuzzyDateText, text.size()));
  }
  if (text.empty()) return MakeUnexpected(fmt::format("no date given; {}", Hint()));
  FuzzyDate date;
  // "undated: in the coming months (per the letter)": everything after the
  // colon is the source's words.
  if (Normalized(text.substr(0, 7)) == "undated" &&
      (text.size() == 7 || text[7] == ':' || text[7] == '(' ||
       std::isspace(static_cast<unsigned char>(text[7])))) {
    std::string_view words = Trim(text.substr(7));
    if (!words.empty() && words.front() == ':') words = Trim(words.substr(1));
    if (words.size() >= 4 && words.starts_with("(\"") && words.ends_with("\")"))
      words = words.substr(2, words.size() - 4);
    if (words.empty())
      return MakeUnexpected(std::string("write the source's words after 'undated:'"));
    date.set_precision(FuzzyDate::UNDATED);
    date.set_as_stated(std::string(words));
    return date;
  }
  auto split = SplitWords(text);
  if (!split) return MakeUnexpected(split.error());
  const std::string_view body = split->body;
  if (body.empty())
    return MakeUnexpected(fmt::format("'{}' has words but no date; {}", text, Hint()));
  std::string phrase = Normalized(body);
  while (phrase.ends_with('.')) phrase.pop_back();
  bool keep_body = true;
  if (IsUndatedPhrase(phrase)) {
    date.set_precision(FuzzyDate::UNDATED);
  } else if (auto relative = RelativeDate(phrase, options.reference_day)) {
    if (!*relative) return MakeUnexpected(relative->error());
    date = **relative;
  } else {
    auto read = ReadDate(body, options);
    if (!read) return MakeUnexpected(read.error());
    date = read->date;
    keep_body = !read->iso && Normalized(body) != Normalized(FormatFuzzyDate(date));
  }
  if (split->stated) {
    date.set_as_stated(*split->stated);
  } else if (keep_body) {
    date.set_as_stated(std::string(body));
  }
  if (std::string problem = ValidateFuzzyDate(date); !problem.empty())
    return MakeUnexpected(problem);
  return date;
}

Expected<FuzzyDate, std::string> ParseFuzzyDate(std::string_view text) {
  return ParseFuzzyDate(text, FuzzyDateOptions{});
}

Expected<Day, std::string> ParseCalendarDay(std::string_view text) {
  auto date = ParseFuzzyDate(text);
  if (!date) return MakeUnexpected(date.error());
  if (date->precision() != FuzzyDate::DAY) {
    return MakeUnexpected(
        fmt::format("'{}' is not a single day: write one, e.g. 2024-08-01 or "
                    "1 August 2024",
                    Trim(text)));
  }
  return ToDay(date->date());
}

}  // namespace accord::core
