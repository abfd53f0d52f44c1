// Dates that keep the precision of their source.
//
// A FuzzyDate (proto/accord/v1/common.proto) names a day, a month, a season,
// a year, an inclusive range of days, or only words ("in the coming months").
// Each dated precision spans a first and a last possible day; ordering,
// "is it overdue" and "was it true on D" are all answered from that span.
// Pure functions; no clock is read here: callers pass "today".
#pragma once

#include <chrono>
#include <optional>
#include <string>

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

// "2024-07-15", "July 2024", "autumn 2024", "2005", "5-7 November 2024",
// followed by the source's words in quotes when there are any.
std::string FormatFuzzyDate(const accord::v1::FuzzyDate& date);

// Reads the text form people type:
//   "2024-07-15"  "2024-07"  "2024"  "autumn 2024"  "2024-11-05..2024-11-07"
//   "undated: in the coming months"
// each optionally followed by the source's words in parentheses:
//   "autumn 2024 (this autumn)". Fails with a sentence on anything else.
Expected<accord::v1::FuzzyDate, std::string> ParseFuzzyDate(std::string_view text);

// Orders by earliest day, then latest day; undated sorts last.
bool EffectiveBefore(const accord::v1::FuzzyDate& a, const accord::v1::FuzzyDate& b);

}  // namespace accord::core
