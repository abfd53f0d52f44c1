// Dates that keep the precision of their source.
//
// A FuzzyDate (proto/accord/v1/common.proto) names a day, a month, a season,
// a year, an inclusive range of days (which may say how it was written:
// "early 2024", "Q3 2024", "June-August 2024"), or only words ("in the coming
// months").
// Each dated precision spans a first and a last possible day; ordering,
// "is it overdue" and "was it true on D" are all answered from that span.
// Pure functions; no clock is read here: callers pass "today".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <google/protobuf/message.h>

#include "accord/v1/common.pb.h"
#include "core/expected.h"

namespace accord::core {

using Day = std::chrono::sys_days;

// Returns an empty string when `date` is well formed for its precision,
// otherwise a sentence saying what is wrong. PRECISION_UNSPECIFIED is well
// formed (no date given); callers that need a date check HasDate.
std::string ValidateFuzzyDate(const accord::v1::FuzzyDate& date);

// True for every precision but PRECISION_UNSPECIFIED.
bool HasDate(const accord::v1::FuzzyDate& date);

// The first and last day the date can stand for; nullopt for UNDATED and
// PRECISION_UNSPECIFIED. REQUIRES: ValidateFuzzyDate(date) is empty.
std::optional<Day> EarliestDay(const accord::v1::FuzzyDate& date);
std::optional<Day> LatestDay(const accord::v1::FuzzyDate& date);

// A full calendar day as a FuzzyDate of precision DAY, and back.
accord::v1::FuzzyDate FuzzyDay(Day day);
Day ToDay(const accord::v1::CalendarDate& date);

// The readable form of every precision, each one ParseFuzzyDate reads back
// to the same FuzzyDate: "2024-07-15", "July 2024", "autumn 2024",
// "winter 2024/25", "2005", "2024-11-05 to 2024-11-07", "June-August 2024",
// "2023-2025", "early 2024", "mid-2023", "Q3 2024", "first half of 2024",
// "mid-June 2024", "undated", followed by the source's words in quotes when
// there are any: autumn 2024 ("this autumn").
std::string FormatFuzzyDate(const accord::v1::FuzzyDate& date);

// How ParseFuzzyDate reads what depends on more than the text.
struct FuzzyDateOptions {
  // The day relative phrases count from ("in the coming months", "next
  // year", "this autumn"), e.g. the date of the letter that says them.
  // Without it they are kept as words, UNDATED: the parser never guesses.
  std::optional<Day> reference_day;
  // Seasons are the northern hemisphere's unless this is set; then "spring
  // 2024" is read as September-November 2024 (a RANGE of months, with the
  // words kept), since a SEASON date always means the northern months.
  bool southern_hemisphere = false;
};

// The longest text ParseFuzzyDate reads (words included).
inline constexpr size_t kMaxFuzzyDateText = 500;

// Reads dates as people write them (docs/dates.md has every form):
//   ISO:      "2024-07-15"  "2024-07"  "2024"  "2024-11-05..2024-11-07"
//   words:    "15 July 2024"  "July 15, 2024"  "15th of July 2024"  "June 2023"
//             "Nov 2024"  "autumn 2024"  "fall 2024"  "winter 2024/25"
//   parts:    "early 2024"  "mid-2023"  "late 2022"  "the first half of 2024"
//             "Q3 2024"  "end of 2024"  "mid-June 2024"
//   ranges:   "5-7 November 2024"  "5 to 7 November 2024"  "November 5-7, 2024"
//             "30 November - 2 December 2024"  "June-August 2024"  "2023-2025"
//   no date:  "undated: the source's words"  "in the coming months"  "soon"
// Any of them may be followed by the source's words in parentheses, with or
// without quotes: autumn 2024 (this autumn). Otherwise, when the text is not
// an ISO form nor exactly (ignoring case) what FormatFuzzyDate prints, the
// text itself is kept in as_stated, so the words typed are never lost.
// Fails with a sentence saying what is wrong: "there is no 31 February 2024:
// February 2024 has 29 days", a month 13, a range that ends before it starts,
// a word that is not part of any date.
Expected<accord::v1::FuzzyDate, std::string> ParseFuzzyDate(std::string_view text);
Expected<accord::v1::FuzzyDate, std::string> ParseFuzzyDate(std::string_view text,
                                                            const FuzzyDateOptions& options);

// A single calendar day in any form ParseFuzzyDate reads ("2024-08-01",
// "1 August 2024"); fails, saying so, on anything less precise.
Expected<Day, std::string> ParseCalendarDay(std::string_view text);

// Reads, with ParseFuzzyDate, every FuzzyDate in `message` (at any depth)
// given only as words: {"asStated": "June 2023"} in JSON, with no precision
// and nothing else set; a date with a precision is left as it is. Returns a
// sentence naming the field ("effective: there is no 31 February 2024: ...")
// at the first one that is not a date; nullopt when all went well. On
// failure, the dates before that field have been read.
std::optional<std::string> ReadDatesInWords(google::protobuf::Message* message);

// Orders by earliest day, then latest day; undated sorts last.
bool EffectiveBefore(const accord::v1::FuzzyDate& a, const accord::v1::FuzzyDate& b);

}  // namespace accord::core
