// What core/fuzzy_date.cc (validation, spans, formatting) and
// core/fuzzy_date_parse.cc (reading text) share. Not part of core's API.
#pragma once

#include <optional>
#include <utility>

#include "core/fuzzy_date.h"

namespace accord::core::fuzzy_date_internal {

inline constexpr int kMinYear = 1;
inline constexpr int kMaxYear = 9999;

// "January" for 1 ... "December" for 12. REQUIRES: 1 <= m <= 12
const char* MonthName(int m);

// Days in month m of year y (leap years counted). REQUIRES: valid y and m
int DaysInMonth(int y, int m);

// The first and last day of a span that fixes its days (every span but
// SPAN_DAYS, SPAN_MONTHS and SPAN_YEARS), from date.year, and date.month
// for the spans of a month; nullopt for the three free spans.
// REQUIRES: a valid year (and month for the month spans)
std::optional<std::pair<Day, Day>> FixedSpanDays(accord::v1::FuzzyDate::Span span, int year,
                                                 int month);

// Sets date and until to the two days.
void SetRangeDays(Day first, Day last, accord::v1::FuzzyDate* date);

}  // namespace accord::core::fuzzy_date_internal
