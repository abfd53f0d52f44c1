#include "core/fuzzy_date.h"

#include <gtest/gtest.h>

#include "tests/testing/builders.h"

namespace accord::core {
namespace {

using accord::testing::Autumn;
using accord::testing::Day;
using accord::testing::Month;
using accord::v1::FuzzyDate;

std::string Span(const FuzzyDate& date) {
  auto first = EarliestDay(date);
  auto last = LatestDay(date);
  if (!first || !last) return "none";
  return FormatFuzzyDate(FuzzyDay(*first)) + ".." + FormatFuzzyDate(FuzzyDay(*last));
}

TEST(FuzzyDate, EachPrecisionSpansItsDays) {
  EXPECT_EQ(Span(Day(2024, 11, 5)), "2024-11-05..2024-11-05");
  EXPECT_EQ(Span(Month(2024, 7)), "2024-07-01..2024-07-31");
  EXPECT_EQ(Span(Month(2024, 2)), "2024-02-01..2024-02-29");
  EXPECT_EQ(Span(Autumn(2024)), "2024-09-01..2024-11-30");

  FuzzyDate winter = Autumn(2024);
  winter.set_season(accord::v1::WINTER);
  EXPECT_EQ(Span(winter), "2024-12-01..2025-02-28");

  FuzzyDate year;
  year.set_precision(FuzzyDate::YEAR);
  year.mutable_date()->set_year(2005);
  EXPECT_EQ(Span(year), "2005-01-01..2005-12-31");

  FuzzyDate range = Day(2024, 11, 5);
  range.set_precision(FuzzyDate::RANGE);
  *range.mutable_until() = Day(2024, 11, 7).date();
  EXPECT_EQ(Span(range), "2024-11-05..2024-11-07");

  FuzzyDate words;
  words.set_precision(FuzzyDate::UNDATED);
  words.set_as_stated("in the coming months");
  EXPECT_EQ(Span(words), "none");
}

TEST(FuzzyDate, ValidationNamesWhatIsWrong) {
  EXPECT_EQ(ValidateFuzzyDate(Day(2024, 2, 29)), "");
  EXPECT_NE(ValidateFuzzyDate(Day(2023, 2, 29)), "");
  EXPECT_NE(ValidateFuzzyDate(Month(2024, 13)), "");
  FuzzyDate month_with_day = Month(2024, 7);
  month_with_day.mutable_date()->set_day(3);
  EXPECT_NE(ValidateFuzzyDate(month_with_day), "");
  FuzzyDate season = Autumn(2024);
  season.clear_season();
  EXPECT_NE(ValidateFuzzyDate(season), "");
  FuzzyDate backwards = Day(2024, 11, 7);
  backwards.set_precision(FuzzyDate::RANGE);
  *backwards.mutable_until() = Day(2024, 11, 5).date();
  EXPECT_NE(ValidateFuzzyDate(backwards), "");
  FuzzyDate silent;
  silent.set_precision(FuzzyDate::UNDATED);
  EXPECT_NE(ValidateFuzzyDate(silent), "");
  EXPECT_EQ(ValidateFuzzyDate(FuzzyDate()), "") << "no date at all is well formed";
}

// Found by fuzz_fuzzy_date: a season outside the enum (a command or a raw
// append can carry any number) validated, and spanned December of the
// year before.
TEST(FuzzyDate, RefusesASeasonThatIsNone) {
  FuzzyDate season = Autumn(2024);
  season.set_season(static_cast<accord::v1::Season>(7));
  EXPECT_EQ(ValidateFuzzyDate(season), "a SEASON date needs a year and a season");
}

TEST(FuzzyDate, FormatsKeepTheSourceWords) {
  EXPECT_EQ(FormatFuzzyDate(Month(2024, 7)), "July 2024");
  EXPECT_EQ(FormatFuzzyDate(Autumn(2024, "this autumn")), "autumn 2024 (\"this autumn\")");
}

TEST(FuzzyDate, ParsesWhatPeopleType) {
  auto text = [](std::string_view in) {
    auto parsed = ParseFuzzyDate(in);
    return parsed ? FormatFuzzyDate(*parsed) : "error: " + parsed.error();
  };
  EXPECT_EQ(text("2024-11-06"), "2024-11-06");
  EXPECT_EQ(text("2024-07"), "July 2024");
  EXPECT_EQ(text("2005"), "2005");
  EXPECT_EQ(text("autumn 2024 (this autumn)"), "autumn 2024 (\"this autumn\")");
  EXPECT_EQ(text("2024-11-05..2024-11-07"), "2024-11-05 to 2024-11-07");
  EXPECT_EQ(text("undated: in the coming months"), "undated (\"in the coming months\")");
  EXPECT_EQ(text("2024-02-30").substr(0, 6), "error:");
  EXPECT_EQ(text("someday").substr(0, 6), "error:");
  EXPECT_EQ(text("autumn").substr(0, 6), "error:");
  EXPECT_EQ(text("2024-11-07..2024-11-05").substr(0, 6), "error:");
}

TEST(FuzzyDate, OrdersByEarliestThenLatestDayWithUndatedLast) {
  FuzzyDate undated;
  undated.set_precision(FuzzyDate::UNDATED);
  undated.set_as_stated("soon");
  EXPECT_TRUE(EffectiveBefore(Month(2024, 7), Day(2024, 7, 2)));
  EXPECT_TRUE(EffectiveBefore(Day(2024, 7, 1), Month(2024, 7)));
  EXPECT_FALSE(EffectiveBefore(Month(2024, 7), Month(2024, 7)));
  EXPECT_TRUE(EffectiveBefore(Month(2024, 7), undated));
  EXPECT_FALSE(EffectiveBefore(undated, Month(2024, 7)));
}

}  // namespace
}  // namespace accord::core
