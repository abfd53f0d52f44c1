#include "core/fuzzy_date.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "accord/v1/commands.pb.h"
#include "tests/testing/builders.h"

namespace accord::core {
namespace {

using accord::testing::Autumn;
using accord::testing::Day;
using accord::testing::Month;
using accord::v1::FuzzyDate;
using google::protobuf::util::MessageDifferencer;
using P = accord::v1::FuzzyDate;

std::string Iso(std::optional<core::Day> day) { return day ? FormatFuzzyDate(FuzzyDay(*day)) : ""; }

std::string Span(const FuzzyDate& date) {
  auto first = EarliestDay(date);
  auto last = LatestDay(date);
  if (!first || !last) return "none";
  return Iso(first) + ".." + Iso(last);
}

core::Day On(int y, int m, int d) { return core::Day{std::chrono::year{y} / m / d}; }

int DaysInMonthForTest(int y, int m) {
  return static_cast<int>(
      static_cast<unsigned>((std::chrono::year{y} / m / std::chrono::last).day()));
}

// --- Accepted: what each text means -----------------------------------------

struct Accepted {
  const char* text;
  FuzzyDate::Precision precision;
  const char* first;    // earliest day, "" when undated
  const char* last;     // latest day
  const char* printed;  // FormatFuzzyDate of the result: the form, and the words kept
};

void ExpectAccepted(const Accepted& c, const FuzzyDateOptions& options) {
  SCOPED_TRACE(c.text);
  auto parsed = ParseFuzzyDate(c.text, options);
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  EXPECT_EQ(parsed->precision(), c.precision);
  EXPECT_EQ(Iso(EarliestDay(*parsed)), c.first);
  EXPECT_EQ(Iso(LatestDay(*parsed)), c.last);
  EXPECT_EQ(FormatFuzzyDate(*parsed), c.printed);
  EXPECT_EQ(ValidateFuzzyDate(*parsed), "");
  // Round trip: what is printed reads back as the same date, words and all.
  auto again = ParseFuzzyDate(FormatFuzzyDate(*parsed));
  ASSERT_TRUE(again.ok()) << FormatFuzzyDate(*parsed) << ": " << again.error();
  EXPECT_TRUE(MessageDifferencer::Equals(*again, *parsed))
      << again->ShortDebugString() << " vs " << parsed->ShortDebugString();
}

const Accepted kAccepted[] = {
    // ISO forms: canonical, so no words are kept.
    {"2024-07-15", P::DAY, "2024-07-15", "2024-07-15", "2024-07-15"},
    {"2024-7-5", P::DAY, "2024-07-05", "2024-07-05", "2024-07-05"},
    {"  2024-07-15  ", P::DAY, "2024-07-15", "2024-07-15", "2024-07-15"},
    {"2024-02-29", P::DAY, "2024-02-29", "2024-02-29", "2024-02-29"},
    {"2000-02-29", P::DAY, "2000-02-29", "2000-02-29", "2000-02-29"},
    {"0001-01-01", P::DAY, "0001-01-01", "0001-01-01", "0001-01-01"},
    {"9999-12-31", P::DAY, "9999-12-31", "9999-12-31", "9999-12-31"},
    {"2024-07", P::MONTH, "2024-07-01", "2024-07-31", "July 2024"},
    {"2023-02", P::MONTH, "2023-02-01", "2023-02-28", "February 2023"},
    {"2024-02", P::MONTH, "2024-02-01", "2024-02-29", "February 2024"},
    {"2024", P::YEAR, "2024-01-01", "2024-12-31", "2024"},
    {"2005", P::YEAR, "2005-01-01", "2005-12-31", "2005"},
    {"0099", P::YEAR, "0099-01-01", "0099-12-31", "0099"},
    {"2024-11-05..2024-11-07", P::RANGE, "2024-11-05", "2024-11-07", "2024-11-05 to 2024-11-07"},
    {"2024-11-05 .. 2024-11-07", P::RANGE, "2024-11-05", "2024-11-07", "2024-11-05 to 2024-11-07"},
    {"2024-11-05 to 2024-11-07", P::RANGE, "2024-11-05", "2024-11-07", "2024-11-05 to 2024-11-07"},
    {"2024-11-05 - 2024-11-07", P::RANGE, "2024-11-05", "2024-11-07", "2024-11-05 to 2024-11-07"},
    {"2024-11-05..2024-11-05", P::RANGE, "2024-11-05", "2024-11-05", "2024-11-05 to 2024-11-05"},
    {"2024-12-30..2025-01-02", P::RANGE, "2024-12-30", "2025-01-02", "2024-12-30 to 2025-01-02"},
    {"2024-06..2024-08", P::RANGE, "2024-06-01", "2024-08-31", "June-August 2024"},
    {"2023..2025", P::RANGE, "2023-01-01", "2025-12-31", "2023-2025"},
    {"2023-2025", P::RANGE, "2023-01-01", "2025-12-31", "2023-2025"},
    // Months in words, full or abbreviated, any case.
    {"June 2023", P::MONTH, "2023-06-01", "2023-06-30", "June 2023"},
    {"june 2023", P::MONTH, "2023-06-01", "2023-06-30", "June 2023"},
    {"JUNE   2023", P::MONTH, "2023-06-01", "2023-06-30", "June 2023"},
    {"Nov 2024", P::MONTH, "2024-11-01", "2024-11-30", "November 2024 (\"Nov 2024\")"},
    {"nov. 2024", P::MONTH, "2024-11-01", "2024-11-30", "November 2024 (\"nov. 2024\")"},
    {"Sept 2024", P::MONTH, "2024-09-01", "2024-09-30", "September 2024 (\"Sept 2024\")"},
    {"Sep 2024", P::MONTH, "2024-09-01", "2024-09-30", "September 2024 (\"Sep 2024\")"},
    {"Jan 2024", P::MONTH, "2024-01-01", "2024-01-31", "January 2024 (\"Jan 2024\")"},
    {"Feb 2023", P::MONTH, "2023-02-01", "2023-02-28", "February 2023 (\"Feb 2023\")"},
    {"Mar 2024", P::MONTH, "2024-03-01", "2024-03-31", "March 2024 (\"Mar 2024\")"},
    {"Apr 2024", P::MONTH, "2024-04-01", "2024-04-30", "April 2024 (\"Apr 2024\")"},
    {"May 2024", P::MONTH, "2024-05-01", "2024-05-31", "May 2024"},
    {"Jul 2024", P::MONTH, "2024-07-01", "2024-07-31", "July 2024 (\"Jul 2024\")"},
    {"Aug 2024", P::MONTH, "2024-08-01", "2024-08-31", "August 2024 (\"Aug 2024\")"},
    {"Oct 2024", P::MONTH, "2024-10-01", "2024-10-31", "October 2024 (\"Oct 2024\")"},
    {"Dec 2024", P::MONTH, "2024-12-01", "2024-12-31", "December 2024 (\"Dec 2024\")"},
    {"in June 2023", P::MONTH, "2023-06-01", "2023-06-30", "June 2023 (\"in June 2023\")"},
    {"June, 2023", P::MONTH, "2023-06-01", "2023-06-30", "June 2023 (\"June, 2023\")"},
    // Days in words.
    {"15 July 2024", P::DAY, "2024-07-15", "2024-07-15", "2024-07-15 (\"15 July 2024\")"},
    {"July 15, 2024", P::DAY, "2024-07-15", "2024-07-15", "2024-07-15 (\"July 15, 2024\")"},
    {"July 15 2024", P::DAY, "2024-07-15", "2024-07-15", "2024-07-15 (\"July 15 2024\")"},
    {"15th of July 2024", P::DAY, "2024-07-15", "2024-07-15", "2024-07-15 (\"15th of July 2024\")"},
    {"the 15th of July 2024", P::DAY, "2024-07-15", "2024-07-15",
     "2024-07-15 (\"the 15th of July 2024\")"},
    {"15th July, 2024", P::DAY, "2024-07-15", "2024-07-15", "2024-07-15 (\"15th July, 2024\")"},
    {"July 15th, 2024", P::DAY, "2024-07-15", "2024-07-15", "2024-07-15 (\"July 15th, 2024\")"},
    {"1st March 2023", P::DAY, "2023-03-01", "2023-03-01", "2023-03-01 (\"1st March 2023\")"},
    {"2nd March 2023", P::DAY, "2023-03-02", "2023-03-02", "2023-03-02 (\"2nd March 2023\")"},
    {"3rd March 2023", P::DAY, "2023-03-03", "2023-03-03", "2023-03-03 (\"3rd March 2023\")"},
    {"22nd Mar 2023", P::DAY, "2023-03-22", "2023-03-22", "2023-03-22 (\"22nd Mar 2023\")"},
    {"29 February 2024", P::DAY, "2024-02-29", "2024-02-29", "2024-02-29 (\"29 February 2024\")"},
    {"16 December 2008", P::DAY, "2008-12-16", "2008-12-16", "2008-12-16 (\"16 December 2008\")"},
    {"31 December 9999", P::DAY, "9999-12-31", "9999-12-31", "9999-12-31 (\"31 December 9999\")"},
    {"on 5 November 2024", P::DAY, "2024-11-05", "2024-11-05",
     "2024-11-05 (\"on 5 November 2024\")"},
    {"Tuesday, 5 November 2024", P::DAY, "2024-11-05", "2024-11-05",
     "2024-11-05 (\"Tuesday, 5 November 2024\")"},
    {"Tue 5 Nov 2024", P::DAY, "2024-11-05", "2024-11-05", "2024-11-05 (\"Tue 5 Nov 2024\")"},
    {"2024/07/15", P::DAY, "2024-07-15", "2024-07-15", "2024-07-15 (\"2024/07/15\")"},
    // Seasons (northern hemisphere, meteorological).
    {"autumn 2024", P::SEASON, "2024-09-01", "2024-11-30", "autumn 2024"},
    {"Autumn 2024", P::SEASON, "2024-09-01", "2024-11-30", "autumn 2024"},
    {"fall 2024", P::SEASON, "2024-09-01", "2024-11-30", "autumn 2024 (\"fall 2024\")"},
    {"autumn of 2024", P::SEASON, "2024-09-01", "2024-11-30", "autumn 2024 (\"autumn of 2024\")"},
    {"spring 2025", P::SEASON, "2025-03-01", "2025-05-31", "spring 2025"},
    {"in the spring of 2025", P::SEASON, "2025-03-01", "2025-05-31",
     "spring 2025 (\"in the spring of 2025\")"},
    {"summer 2023", P::SEASON, "2023-06-01", "2023-08-31", "summer 2023"},
    {"winter 2024/25", P::SEASON, "2024-12-01", "2025-02-28", "winter 2024/25"},
    {"winter 2024", P::SEASON, "2024-12-01", "2025-02-28", "winter 2024/25 (\"winter 2024\")"},
    {"winter 2024/2025", P::SEASON, "2024-12-01", "2025-02-28",
     "winter 2024/25 (\"winter 2024/2025\")"},
    {"winter 2024-25", P::SEASON, "2024-12-01", "2025-02-28",
     "winter 2024/25 (\"winter 2024-25\")"},
    {"winter 2023/24", P::SEASON, "2023-12-01", "2024-02-29", "winter 2023/24"},
    {"winter 1999/2000", P::SEASON, "1999-12-01", "2000-02-29", "winter 1999/2000"},
    {"winter 1999/00", P::SEASON, "1999-12-01", "2000-02-29",
     "winter 1999/2000 (\"winter 1999/00\")"},
    // Parts of a year, as ranges that say so.
    {"early 2024", P::RANGE, "2024-01-01", "2024-04-30", "early 2024"},
    {"Early 2024", P::RANGE, "2024-01-01", "2024-04-30", "early 2024"},
    {"mid-2023", P::RANGE, "2023-05-01", "2023-08-31", "mid-2023"},
    {"Mid-2023", P::RANGE, "2023-05-01", "2023-08-31", "mid-2023"},
    {"mid 2023", P::RANGE, "2023-05-01", "2023-08-31", "mid-2023 (\"mid 2023\")"},
    {"late 2022", P::RANGE, "2022-09-01", "2022-12-31", "late 2022"},
    {"in late 2022", P::RANGE, "2022-09-01", "2022-12-31", "late 2022 (\"in late 2022\")"},
    {"first half of 2024", P::RANGE, "2024-01-01", "2024-06-30", "first half of 2024"},
    {"the first half of 2024", P::RANGE, "2024-01-01", "2024-06-30",
     "first half of 2024 (\"the first half of 2024\")"},
    {"second half of 2024", P::RANGE, "2024-07-01", "2024-12-31", "second half of 2024"},
    {"H1 2024", P::RANGE, "2024-01-01", "2024-06-30", "first half of 2024 (\"H1 2024\")"},
    {"h2 2024", P::RANGE, "2024-07-01", "2024-12-31", "second half of 2024 (\"h2 2024\")"},
    {"Q1 2024", P::RANGE, "2024-01-01", "2024-03-31", "Q1 2024"},
    {"Q2 2024", P::RANGE, "2024-04-01", "2024-06-30", "Q2 2024"},
    {"Q3 2024", P::RANGE, "2024-07-01", "2024-09-30", "Q3 2024"},
    {"q3 2024", P::RANGE, "2024-07-01", "2024-09-30", "Q3 2024"},
    {"Q4 2024", P::RANGE, "2024-10-01", "2024-12-31", "Q4 2024"},
    {"2024 Q3", P::RANGE, "2024-07-01", "2024-09-30", "Q3 2024 (\"2024 Q3\")"},
    {"third quarter of 2024", P::RANGE, "2024-07-01", "2024-09-30",
     "Q3 2024 (\"third quarter of 2024\")"},
    {"the 3rd quarter of 2024", P::RANGE, "2024-07-01", "2024-09-30",
     "Q3 2024 (\"the 3rd quarter of 2024\")"},
    {"first quarter 2025", P::RANGE, "2025-01-01", "2025-03-31",
     "Q1 2025 (\"first quarter 2025\")"},
    {"last quarter of 2024", P::RANGE, "2024-10-01", "2024-12-31",
     "Q4 2024 (\"last quarter of 2024\")"},
    {"end of 2024", P::RANGE, "2024-12-01", "2024-12-31", "end of 2024"},
    {"the end of 2024", P::RANGE, "2024-12-01", "2024-12-31", "end of 2024 (\"the end of 2024\")"},
    {"beginning of 2025", P::RANGE, "2025-01-01", "2025-01-31", "beginning of 2025"},
    {"start of 2025", P::RANGE, "2025-01-01", "2025-01-31",
     "beginning of 2025 (\"start of 2025\")"},
    {"early June 2024", P::RANGE, "2024-06-01", "2024-06-10", "early June 2024"},
    {"mid-June 2024", P::RANGE, "2024-06-11", "2024-06-20", "mid-June 2024"},
    {"mid June 2024", P::RANGE, "2024-06-11", "2024-06-20", "mid-June 2024 (\"mid June 2024\")"},
    {"late June 2024", P::RANGE, "2024-06-21", "2024-06-30", "late June 2024"},
    {"late February 2024", P::RANGE, "2024-02-21", "2024-02-29", "late February 2024"},
    {"late February 2023", P::RANGE, "2023-02-21", "2023-02-28", "late February 2023"},
    {"late Nov 2024", P::RANGE, "2024-11-21", "2024-11-30",
     "late November 2024 (\"late Nov 2024\")"},
    // Ranges of days, each side taking from the other what it leaves out.
    {"5-7 November 2024", P::RANGE, "2024-11-05", "2024-11-07",
     "2024-11-05 to 2024-11-07 (\"5-7 November 2024\")"},
    {"5 to 7 November 2024", P::RANGE, "2024-11-05", "2024-11-07",
     "2024-11-05 to 2024-11-07 (\"5 to 7 November 2024\")"},
    {"5\u20137 November 2024", P::RANGE, "2024-11-05", "2024-11-07",
     "2024-11-05 to 2024-11-07 (\"5\u20137 November 2024\")"},
    {"5 until 7 November 2024", P::RANGE, "2024-11-05", "2024-11-07",
     "2024-11-05 to 2024-11-07 (\"5 until 7 November 2024\")"},
    {"from 5 to 7 November 2024", P::RANGE, "2024-11-05", "2024-11-07",
     "2024-11-05 to 2024-11-07 (\"from 5 to 7 November 2024\")"},
    {"between 5 and 7 November 2024", P::RANGE, "2024-11-05", "2024-11-07",
     "2024-11-05 to 2024-11-07 (\"between 5 and 7 November 2024\")"},
    {"30 November - 2 December 2024", P::RANGE, "2024-11-30", "2024-12-02",
     "2024-11-30 to 2024-12-02 (\"30 November - 2 December 2024\")"},
    {"30 November to 2 December 2024", P::RANGE, "2024-11-30", "2024-12-02",
     "2024-11-30 to 2024-12-02 (\"30 November to 2 December 2024\")"},
    {"November 5-7, 2024", P::RANGE, "2024-11-05", "2024-11-07",
     "2024-11-05 to 2024-11-07 (\"November 5-7, 2024\")"},
    {"November 5 - 7, 2024", P::RANGE, "2024-11-05", "2024-11-07",
     "2024-11-05 to 2024-11-07 (\"November 5 - 7, 2024\")"},
    {"Nov 30 - Dec 2, 2024", P::RANGE, "2024-11-30", "2024-12-02",
     "2024-11-30 to 2024-12-02 (\"Nov 30 - Dec 2, 2024\")"},
    {"30 December 2024 - 2 January 2025", P::RANGE, "2024-12-30", "2025-01-02",
     "2024-12-30 to 2025-01-02 (\"30 December 2024 - 2 January 2025\")"},
    {"30 December - 2 January 2025", P::RANGE, "2024-12-30", "2025-01-02",
     "2024-12-30 to 2025-01-02 (\"30 December - 2 January 2025\")"},
    {"30 December 2024 - 2 January", P::RANGE, "2024-12-30", "2025-01-02",
     "2024-12-30 to 2025-01-02 (\"30 December 2024 - 2 January\")"},
    {"5 November 2024 - 7 November 2024", P::RANGE, "2024-11-05", "2024-11-07",
     "2024-11-05 to 2024-11-07 (\"5 November 2024 - 7 November 2024\")"},
    {"5 November - 7 November 2024", P::RANGE, "2024-11-05", "2024-11-07",
     "2024-11-05 to 2024-11-07 (\"5 November - 7 November 2024\")"},
    {"2024-11-05 - 7 November 2024", P::RANGE, "2024-11-05", "2024-11-07",
     "2024-11-05 to 2024-11-07 (\"2024-11-05 - 7 November 2024\")"},
    {"27 February - 3 March 2024", P::RANGE, "2024-02-27", "2024-03-03",
     "2024-02-27 to 2024-03-03 (\"27 February - 3 March 2024\")"},
    {"Monday 4 - Wednesday 6 November 2024", P::RANGE, "2024-11-04", "2024-11-06",
     "2024-11-04 to 2024-11-06 (\"Monday 4 - Wednesday 6 November 2024\")"},
    {"7-7 November 2024", P::RANGE, "2024-11-07", "2024-11-07",
     "2024-11-07 to 2024-11-07 (\"7-7 November 2024\")"},
    // Ranges of months and years.
    {"June-August 2024", P::RANGE, "2024-06-01", "2024-08-31", "June-August 2024"},
    {"june-august 2024", P::RANGE, "2024-06-01", "2024-08-31", "June-August 2024"},
    {"June - August 2024", P::RANGE, "2024-06-01", "2024-08-31",
     "June-August 2024 (\"June - August 2024\")"},
    {"June to August 2024", P::RANGE, "2024-06-01", "2024-08-31",
     "June-August 2024 (\"June to August 2024\")"},
    {"Jun-Aug 2024", P::RANGE, "2024-06-01", "2024-08-31", "June-August 2024 (\"Jun-Aug 2024\")"},
    {"January-February 2024", P::RANGE, "2024-01-01", "2024-02-29", "January-February 2024"},
    {"November 2024 - February 2025", P::RANGE, "2024-11-01", "2025-02-28",
     "November 2024 - February 2025"},
    {"November-February 2025", P::RANGE, "2024-11-01", "2025-02-28",
     "November 2024 - February 2025 (\"November-February 2025\")"},
    {"December 2024 to January 2025", P::RANGE, "2024-12-01", "2025-01-31",
     "December 2024 - January 2025 (\"December 2024 to January 2025\")"},
    {"2023 to 2025", P::RANGE, "2023-01-01", "2025-12-31", "2023-2025"},
    {"June 2024 - 15 August 2024", P::RANGE, "2024-06-01", "2024-08-15",
     "2024-06-01 to 2024-08-15 (\"June 2024 - 15 August 2024\")"},
    {"autumn 2024 - spring 2025", P::RANGE, "2024-09-01", "2025-05-31",
     "2024-09-01 to 2025-05-31 (\"autumn 2024 - spring 2025\")"},
    {"early 2024 - mid-2025", P::RANGE, "2024-01-01", "2025-08-31",
     "2024-01-01 to 2025-08-31 (\"early 2024 - mid-2025\")"},
    {"Q3 2024 - Q1 2025", P::RANGE, "2024-07-01", "2025-03-31",
     "2024-07-01 to 2025-03-31 (\"Q3 2024 - Q1 2025\")"},
    // No date: words kept, undated.
    {"undated: in the coming months", P::UNDATED, "", "", "undated (\"in the coming months\")"},
    {"Undated: not stated", P::UNDATED, "", "", "undated (\"not stated\")"},
    {"undated in the coming months", P::UNDATED, "", "", "undated (\"in the coming months\")"},
    {"undated: in the coming months (per the letter)", P::UNDATED, "", "",
     "undated (\"in the coming months (per the letter)\")"},
    {"in the coming months", P::UNDATED, "", "", "undated (\"in the coming months\")"},
    {"In the coming months.", P::UNDATED, "", "", "undated (\"In the coming months.\")"},
    {"in the coming weeks", P::UNDATED, "", "", "undated (\"in the coming weeks\")"},
    {"within six months", P::UNDATED, "", "", "undated (\"within six months\")"},
    {"next year", P::UNDATED, "", "", "undated (\"next year\")"},
    {"this autumn", P::UNDATED, "", "", "undated (\"this autumn\")"},
    {"later this year", P::UNDATED, "", "", "undated (\"later this year\")"},
    {"soon", P::UNDATED, "", "", "undated (\"soon\")"},
    {"TBD", P::UNDATED, "", "", "undated (\"TBD\")"},
    {"in due course", P::UNDATED, "", "", "undated (\"in due course\")"},
    {"not stated", P::UNDATED, "", "", "undated (\"not stated\")"},
    {"to be determined", P::UNDATED, "", "", "undated (\"to be determined\")"},
    // The source's words in parentheses, with or without quotes.
    {"autumn 2024 (this autumn)", P::SEASON, "2024-09-01", "2024-11-30",
     "autumn 2024 (\"this autumn\")"},
    {"autumn 2024 (\"this autumn\")", P::SEASON, "2024-09-01", "2024-11-30",
     "autumn 2024 (\"this autumn\")"},
    {"15 July 2024 (mid-July)", P::DAY, "2024-07-15", "2024-07-15", "2024-07-15 (\"mid-July\")"},
    {"June 2023 (June 2023)", P::MONTH, "2023-06-01", "2023-06-30", "June 2023 (\"June 2023\")"},
    {"2024 (\"said \"soon\" (maybe)\")", P::YEAR, "2024-01-01", "2024-12-31",
     "2024 (\"said \"soon\" (maybe)\")"},
    {"soon (per the letter of 3 May)", P::UNDATED, "", "", "undated (\"per the letter of 3 May\")"},
};

TEST(ParseFuzzyDate, ReadsEachFormAsTheDaysItMeans) {
  for (const Accepted& c : kAccepted) ExpectAccepted(c, {});
}

// Relative to 2024-06-01, a Saturday: the caller names the day.
const Accepted kRelativeToJune2024[] = {
    {"in the coming months", P::RANGE, "2024-06-01", "2024-11-30",
     "2024-06-01 to 2024-11-30 (\"in the coming months\")"},
    {"over the coming months", P::RANGE, "2024-06-01", "2024-11-30",
     "2024-06-01 to 2024-11-30 (\"over the coming months\")"},
    {"in the next few months", P::RANGE, "2024-06-01", "2024-11-30",
     "2024-06-01 to 2024-11-30 (\"in the next few months\")"},
    {"in the coming weeks", P::RANGE, "2024-06-01", "2024-07-26",
     "2024-06-01 to 2024-07-26 (\"in the coming weeks\")"},
    {"in the coming days", P::RANGE, "2024-06-01", "2024-06-14",
     "2024-06-01 to 2024-06-14 (\"in the coming days\")"},
    {"in the coming years", P::RANGE, "2024-06-01", "2027-05-31",
     "2024-06-01 to 2027-05-31 (\"in the coming years\")"},
    {"within six months", P::RANGE, "2024-06-01", "2024-11-30",
     "2024-06-01 to 2024-11-30 (\"within six months\")"},
    {"within 3 weeks", P::RANGE, "2024-06-01", "2024-06-21",
     "2024-06-01 to 2024-06-21 (\"within 3 weeks\")"},
    {"within a year", P::RANGE, "2024-06-01", "2025-05-31",
     "2024-06-01 to 2025-05-31 (\"within a year\")"},
    {"in the next two years", P::RANGE, "2024-06-01", "2026-05-31",
     "2024-06-01 to 2026-05-31 (\"in the next two years\")"},
    {"within the next month", P::RANGE, "2024-06-01", "2024-06-30",
     "2024-06-01 to 2024-06-30 (\"within the next month\")"},
    {"within 10 days", P::RANGE, "2024-06-01", "2024-06-10",
     "2024-06-01 to 2024-06-10 (\"within 10 days\")"},
    {"next year", P::YEAR, "2025-01-01", "2025-12-31", "2025 (\"next year\")"},
    {"this year", P::YEAR, "2024-01-01", "2024-12-31", "2024 (\"this year\")"},
    {"last year", P::YEAR, "2023-01-01", "2023-12-31", "2023 (\"last year\")"},
    {"next month", P::MONTH, "2024-07-01", "2024-07-31", "July 2024 (\"next month\")"},
    {"this month", P::MONTH, "2024-06-01", "2024-06-30", "June 2024 (\"this month\")"},
    {"last month", P::MONTH, "2024-05-01", "2024-05-31", "May 2024 (\"last month\")"},
    {"later this year", P::RANGE, "2024-06-01", "2024-12-31",
     "2024-06-01 to 2024-12-31 (\"later this year\")"},
    {"earlier this year", P::RANGE, "2024-01-01", "2024-06-01",
     "2024-01-01 to 2024-06-01 (\"earlier this year\")"},
    {"later this month", P::RANGE, "2024-06-01", "2024-06-30",
     "2024-06-01 to 2024-06-30 (\"later this month\")"},
    {"this autumn", P::SEASON, "2024-09-01", "2024-11-30", "autumn 2024 (\"this autumn\")"},
    {"This Autumn", P::SEASON, "2024-09-01", "2024-11-30", "autumn 2024 (\"This Autumn\")"},
    {"next spring", P::SEASON, "2025-03-01", "2025-05-31", "spring 2025 (\"next spring\")"},
    {"next summer", P::SEASON, "2025-06-01", "2025-08-31", "summer 2025 (\"next summer\")"},
    {"next autumn", P::SEASON, "2024-09-01", "2024-11-30", "autumn 2024 (\"next autumn\")"},
    {"last winter", P::SEASON, "2023-12-01", "2024-02-29", "winter 2023/24 (\"last winter\")"},
    {"this winter", P::SEASON, "2024-12-01", "2025-02-28", "winter 2024/25 (\"this winter\")"},
    {"last spring", P::SEASON, "2024-03-01", "2024-05-31", "spring 2024 (\"last spring\")"},
    // What has a date of its own, or no date at all, is unaffected.
    {"15 July 2024", P::DAY, "2024-07-15", "2024-07-15", "2024-07-15 (\"15 July 2024\")"},
    {"early 2025", P::RANGE, "2025-01-01", "2025-04-30", "early 2025"},
    {"soon", P::UNDATED, "", "", "undated (\"soon\")"},
    {"undated: in the coming months", P::UNDATED, "", "", "undated (\"in the coming months\")"},
};

TEST(ParseFuzzyDate, ReadsRelativePhrasesOnlyAgainstTheDayTheCallerNames) {
  FuzzyDateOptions options;
  options.reference_day = On(2024, 6, 1);
  for (const Accepted& c : kRelativeToJune2024) ExpectAccepted(c, options);
}

TEST(ParseFuzzyDate, CountsFromTheReferenceDayAcrossMonthEndsAndYears) {
  FuzzyDateOptions options;
  options.reference_day = On(2025, 1, 15);
  ExpectAccepted(
      {"this winter", P::SEASON, "2024-12-01", "2025-02-28", "winter 2024/25 (\"this winter\")"},
      options);
  ExpectAccepted({"in the coming months", P::RANGE, "2025-01-15", "2025-07-14",
                  "2025-01-15 to 2025-07-14 (\"in the coming months\")"},
                 options);
  ExpectAccepted(
      {"last month", P::MONTH, "2024-12-01", "2024-12-31", "December 2024 (\"last month\")"},
      options);
  options.reference_day = On(2024, 1, 31);
  ExpectAccepted({"within a month", P::RANGE, "2024-01-31", "2024-02-28",
                  "2024-01-31 to 2024-02-28 (\"within a month\")"},
                 options);
  options.reference_day = On(9999, 6, 1);
  auto beyond = ParseFuzzyDate("next year", options);
  ASSERT_FALSE(beyond.ok());
  EXPECT_NE(beyond.error().find("1-9999"), std::string::npos) << beyond.error();
}

TEST(ParseFuzzyDate, ReadsSouthernSeasonsAsMonthsWhenAsked) {
  FuzzyDateOptions south;
  south.southern_hemisphere = true;
  ExpectAccepted({"spring 2024", P::RANGE, "2024-09-01", "2024-11-30",
                  "September-November 2024 (\"spring 2024\")"},
                 south);
  ExpectAccepted({"summer 2024", P::RANGE, "2024-12-01", "2025-02-28",
                  "December 2024 - February 2025 (\"summer 2024\")"},
                 south);
  ExpectAccepted(
      {"autumn 2024", P::RANGE, "2024-03-01", "2024-05-31", "March-May 2024 (\"autumn 2024\")"},
      south);
  ExpectAccepted(
      {"winter 2024", P::RANGE, "2024-06-01", "2024-08-31", "June-August 2024 (\"winter 2024\")"},
      south);
  auto pair = ParseFuzzyDate("winter 2024/25", south);
  ASSERT_FALSE(pair.ok());
  EXPECT_NE(pair.error().find("within one year"), std::string::npos);
}

// Every month by every spelling: full, abbreviated, upper and lower case,
// with and without a day.
TEST(ParseFuzzyDate, ReadsEveryMonthNameInEverySpelling) {
  const char* full[] = {"January", "February", "March",     "April",   "May",      "June",
                        "July",    "August",   "September", "October", "November", "December"};
  int cases = 0;
  for (int m = 1; m <= 12; ++m) {
    std::string name = full[m - 1];
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string upper = name;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (const std::string& spelling :
         {name, lower, upper, name.substr(0, 3), lower.substr(0, 3)}) {
      SCOPED_TRACE(spelling);
      auto month = ParseFuzzyDate(spelling + " 2024");
      ASSERT_TRUE(month.ok()) << month.error();
      EXPECT_EQ(month->precision(), P::MONTH);
      EXPECT_EQ(month->date().month(), m);
      auto day = ParseFuzzyDate("28 " + spelling + " 2023");
      ASSERT_TRUE(day.ok()) << day.error();
      EXPECT_EQ(Span(*day), fmt::format("2023-{:02}-28..2023-{:02}-28", m, m));
      auto us = ParseFuzzyDate(spelling + " 28, 2023");
      ASSERT_TRUE(us.ok()) << us.error();
      EXPECT_EQ(Span(*us), Span(*day));
      cases += 3;
    }
  }
  EXPECT_EQ(cases, 180);
}

// --- Refused: and the sentence says what is wrong ----------------------------

struct Refused {
  const char* text;
  const char* says;  // a part of the error sentence
};

const Refused kRefused[] = {
    // Days that do not exist.
    {"31 February 2024", "there is no 31 February 2024: February 2024 has 29 days"},
    {"30 February 2023", "February 2023 has 28 days"},
    {"29 February 2023", "February 2023 has 28 days"},
    {"29 February 1900", "February 1900 has 28 days"},
    {"2023-02-29", "February 2023 has 28 days"},
    {"2024-02-30", "February 2024 has 29 days"},
    {"31 April 2024", "April 2024 has 30 days"},
    {"2024-04-31", "April 2024 has 30 days"},
    {"31 June 2024", "June 2024 has 30 days"},
    {"31 September 2024", "September 2024 has 30 days"},
    {"November 31, 2024", "November 2024 has 30 days"},
    {"0 July 2024", "there is no 0 July 2024"},
    {"32 July 2024", "July 2024 has 31 days"},
    {"2024-07-00", "there is no 0 July 2024"},
    {"2024-07-32", "July 2024 has 31 days"},
    {"Feb 30 - Mar 2, 2024", "February 2024 has 29 days"},
    {"30-31 February 2024", "February 2024 has 29 days"},
    // Months and years that do not exist.
    {"2024-13", "there is no month 13"},
    {"2024-00", "there is no month 0"},
    {"2024-13-01", "there is no month 13"},
    {"2024/13/01", "there is no month 13"},
    {"10000", "years are 1-9999"},
    {"0000", "there is no year 0"},
    {"June 0000", "there is no year 0"},
    {"late 10000", "years are 1-9999"},
    {"winter 9999", "would end in year 10000"},
    {"Q5 2024", "there is no quarter 5"},
    {"Q9 2024", "there is no quarter 9"},
    {"H3 2024", "two halves"},
    {"fifth quarter of 2024", "four quarters"},
    {"third half of 2024", "a first and a second half"},
    // Ranges that end before they start.
    {"2024-11-07..2024-11-05", "ends before it starts"},
    {"7-5 November 2024", "ends before it starts"},
    {"2 December - 30 November 2024", "ends before it starts"},
    {"August-June 2024", "ends before it starts"},
    {"2025-2023", "ends before it starts"},
    {"2025..2023", "ends before it starts"},
    {"spring 2025 - autumn 2024", "ends before it starts"},
    {"5 November 2025 - 7 November 2024", "ends before it starts"},
    {"2024 - June 2024", "ends before it starts"},
    {"5-7-9 November 2024", "more than one range separator"},
    {"July 2024 - ", "a date on each side"},
    {"- July 2024", "a date on each side"},
    // Winters.
    {"winter 2024/26", "must follow each other"},
    {"winter 2024/23", "must follow each other"},
    {"summer 2024/25", "only a winter spans two years"},
    // Weekdays that do not match.
    {"Monday 5 November 2024", "5 November 2024 is a Tuesday, not a Monday"},
    {"Sat 1 June 2024 - Sun 3 June 2024", "3 June 2024 is a Monday, not a Sunday"},
    {"Tuesday", "names a weekday but no day"},
    {"Tuesday June 2024", "names a weekday but no day"},
    // Missing pieces.
    {"autumn", "has no year"},
    {"June", "has no year"},
    {"15 July", "has no year"},
    {"the 5th", "has no year"},
    {"early", "has no year"},
    {"Nov 24", "has no year"},
    {"5-7 2024", "has a day but no month"},
    // Words no form uses.
    {"someday", "'someday' is not a month"},
    {"Jnue 2023", "'Jnue' is not a month"},
    {"around June 2023", "'around' is not a month"},
    {"by the end of 2024", "'by' is not a month"},
    {"2024-07-15T10:00", "':' has no place in a date"},
    {"2024-07-15T10", "'T10' is not a month"},
    {"Q0 2024", "'Q0' is not a month"},
    {"next week", "'next' is not a month"},
    // Forms that cannot be read one way only, or at all.
    {"05/07/2024", "day first or month first"},
    {"12/25/2024", "day first or month first"},
    {"15.07.2024", "'.' has no place in a date"},
    {"15July 2024", "'15July' is not a number or a word"},
    {"123456 July", "too long"},
    {"2024-1-123", "not an ISO date"},
    {"2024 \u00e9t\u00e9", "not part of any date form"},
    {"1 2 2024", "is not a date I can read"},
    // The source's words and undated.
    {"undated", "words after 'undated:'"},
    {"undated:", "words after 'undated:'"},
    {"", "no date given"},
    {"   ", "no date given"},
    {"2024 (this year", "come last"},
    {"(this year) 2024", "come last"},
    {"2024)", "without its '('"},
    {"(words only)", "has words but no date"},
};

TEST(ParseFuzzyDate, RefusesWithASentenceSayingWhatIsWrong) {
  for (const Refused& c : kRefused) {
    SCOPED_TRACE(c.text);
    auto parsed = ParseFuzzyDate(c.text);
    ASSERT_FALSE(parsed.ok()) << FormatFuzzyDate(*parsed);
    EXPECT_NE(parsed.error().find(c.says), std::string::npos) << parsed.error();
  }
  auto long_text = ParseFuzzyDate(std::string(kMaxFuzzyDateText + 1, 'x'));
  ASSERT_FALSE(long_text.ok());
  EXPECT_NE(long_text.error().find("at most 500 characters"), std::string::npos);
  EXPECT_TRUE(ParseFuzzyDate("undated: " + std::string(kMaxFuzzyDateText - 9, 'x')).ok())
      << "the limit counts the whole text";
}

// --- Round trip over the whole space of dates, not only what parses --------

TEST(FormatFuzzyDate, EveryWellFormedDateReadsBackAsItself) {
  std::vector<FuzzyDate> dates;
  for (int y : {1, 99, 100, 999, 1000, 1899, 1900, 1999, 2000, 2023, 2024, 9998, 9999}) {
    FuzzyDate year;
    year.set_precision(P::YEAR);
    year.mutable_date()->set_year(y);
    dates.push_back(year);
    for (int m = 1; m <= 12; ++m) {
      dates.push_back(Month(y, m));
      dates.push_back(Day(y, m, 1));
      dates.push_back(Day(y, m, DaysInMonthForTest(y, m)));
      for (auto span : {P::SPAN_EARLY_MONTH, P::SPAN_MID_MONTH, P::SPAN_LATE_MONTH}) {
        FuzzyDate d;
        d.set_precision(P::RANGE);
        d.set_span(span);
        d.mutable_date()->set_year(y);
        d.mutable_date()->set_month(m);
        dates.push_back(d);
      }
    }
    for (int s = accord::v1::SPRING; s <= accord::v1::WINTER; ++s) {
      if (y == 9999 && s == accord::v1::WINTER) continue;
      FuzzyDate season;
      season.set_precision(P::SEASON);
      season.mutable_date()->set_year(y);
      season.set_season(static_cast<accord::v1::Season>(s));
      dates.push_back(season);
    }
    for (int span = P::SPAN_EARLY_YEAR; span <= P::SPAN_END_OF_YEAR; ++span) {
      FuzzyDate d;
      d.set_precision(P::RANGE);
      d.set_span(static_cast<FuzzyDate::Span>(span));
      d.mutable_date()->set_year(y);
      dates.push_back(d);
    }
  }
  // Spans that fix their days get them here, from their year and month.
  for (FuzzyDate& d : dates) {
    if (d.precision() != P::RANGE) continue;
    auto first = ParseFuzzyDate(FormatFuzzyDate(d));
    ASSERT_TRUE(first.ok()) << FormatFuzzyDate(d) << ": " << first.error();
    d = *first;
  }
  FuzzyDate days = Day(2024, 11, 5);
  days.set_precision(P::RANGE);
  *days.mutable_until() = Day(2025, 1, 7).date();
  dates.push_back(days);
  FuzzyDate months = days;
  months.set_span(P::SPAN_MONTHS);
  *months.mutable_date() = Day(1999, 11, 1).date();
  *months.mutable_until() = Day(2000, 2, 29).date();
  dates.push_back(months);
  FuzzyDate years = days;
  years.set_span(P::SPAN_YEARS);
  *years.mutable_date() = Day(99, 1, 1).date();
  *years.mutable_until() = Day(100, 12, 31).date();
  dates.push_back(years);
  // Words of every awkward kind, on dated and undated dates alike.
  for (const char* words : {"this autumn", "said \"soon\" (maybe)", "a \") b", "  spaced  ", "(",
                            ")", "\"", "undated: x", "2024-07-15", "\u00e9t\u00e9 2024"}) {
    FuzzyDate undated;
    undated.set_precision(P::UNDATED);
    undated.set_as_stated(words);
    dates.push_back(undated);
    FuzzyDate day = Day(2024, 7, 15);
    day.set_as_stated(words);
    dates.push_back(day);
    FuzzyDate part = *ParseFuzzyDate("early 2024");
    part.set_as_stated(words);
    dates.push_back(part);
  }
  ASSERT_GT(dates.size(), 700u);
  for (const FuzzyDate& d : dates) {
    SCOPED_TRACE(d.ShortDebugString());
    ASSERT_EQ(ValidateFuzzyDate(d), "");
    auto again = ParseFuzzyDate(FormatFuzzyDate(d));
    ASSERT_TRUE(again.ok()) << FormatFuzzyDate(d) << ": " << again.error();
    EXPECT_TRUE(MessageDifferencer::Equals(*again, d))
        << FormatFuzzyDate(d) << " read back as " << again->ShortDebugString();
  }
}

TEST(ParseCalendarDay, TakesOneDayInAnyFormAndRefusesLess) {
  auto day = ParseCalendarDay("1 August 2024");
  ASSERT_TRUE(day.ok()) << day.error();
  EXPECT_EQ(*day, On(2024, 8, 1));
  EXPECT_EQ(*ParseCalendarDay("2024-08-01"), On(2024, 8, 1));
  auto month = ParseCalendarDay("August 2024");
  ASSERT_FALSE(month.ok());
  EXPECT_NE(month.error().find("not a single day"), std::string::npos);
  EXPECT_FALSE(ParseCalendarDay("31 June 2024").ok());
}

TEST(ReadDatesInWords, ReadsEveryDateGivenOnlyAsWordsAndNamesTheFieldOfABadOne) {
  accord::v1::Command command;
  command.mutable_effective()->set_as_stated("June 2023");
  auto* planned = command.mutable_milestone()->mutable_milestone_scheduled()->mutable_planned();
  planned->set_as_stated("mid-2025");
  EXPECT_EQ(ReadDatesInWords(&command), std::nullopt);
  EXPECT_EQ(FormatFuzzyDate(command.effective()), "June 2023");
  EXPECT_EQ(FormatFuzzyDate(*planned), "mid-2025");

  FuzzyDate words = Autumn(2024, "this autumn");
  planned->Clear();
  planned->set_as_stated("the 31st of June 2025");
  auto error = ReadDatesInWords(&command);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(*error,
            "milestone.milestoneScheduled.planned: there is no 31 June 2025: June 2025 has 30 "
            "days");
  *planned = words;
  EXPECT_EQ(ReadDatesInWords(&command), std::nullopt) << "a date with a precision is kept";
  EXPECT_TRUE(MessageDifferencer::Equals(*planned, words));
}

// --- Spans, validation, ordering ---------------------------------------------

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

TEST(FuzzyDate, ValidationHoldsASpanToItsDays) {
  FuzzyDate early = *ParseFuzzyDate("early 2024");
  EXPECT_EQ(ValidateFuzzyDate(early), "");
  FuzzyDate stretched = early;
  stretched.mutable_until()->set_month(5);
  stretched.mutable_until()->set_day(31);
  EXPECT_EQ(ValidateFuzzyDate(stretched),
            "a RANGE written as 'early 2024' must run from 2024-01-01 to 2024-04-30");
  FuzzyDate months = *ParseFuzzyDate("June-August 2024");
  months.mutable_until()->set_day(30);
  EXPECT_NE(ValidateFuzzyDate(months).find("whole months"), std::string::npos);
  FuzzyDate years = *ParseFuzzyDate("2023-2025");
  years.mutable_date()->set_month(2);
  EXPECT_NE(ValidateFuzzyDate(years).find("whole years"), std::string::npos);
  FuzzyDate month_with_span = Month(2024, 7);
  month_with_span.set_span(FuzzyDate::SPAN_EARLY_YEAR);
  EXPECT_EQ(ValidateFuzzyDate(month_with_span), "only a RANGE date has a span");
  FuzzyDate unknown = early;
  unknown.set_span(static_cast<FuzzyDate::Span>(99));
  EXPECT_EQ(ValidateFuzzyDate(unknown), "unknown range span");
}

TEST(FuzzyDate, ASpanIsOnlyHowTheRangeWasWrittenItsDaysStandAlone) {
  // A reader that knows nothing of spans (a build from before them drops
  // the field as unknown) still sees the same days.
  for (const char* text : {"early 2024", "Q3 2024", "mid-June 2024", "June-August 2024"}) {
    SCOPED_TRACE(text);
    FuzzyDate with_span = *ParseFuzzyDate(text);
    FuzzyDate without = with_span;
    without.clear_span();
    EXPECT_EQ(ValidateFuzzyDate(without), "");
    EXPECT_EQ(Span(without), Span(with_span));
    EXPECT_NE(FormatFuzzyDate(without), FormatFuzzyDate(with_span));
  }
}

TEST(FuzzyDate, FormatsKeepTheSourceWords) {
  EXPECT_EQ(FormatFuzzyDate(Month(2024, 7)), "July 2024");
  EXPECT_EQ(FormatFuzzyDate(Autumn(2024, "this autumn")), "autumn 2024 (\"this autumn\")");
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
  EXPECT_TRUE(EffectiveBefore(*ParseFuzzyDate("early 2024"), *ParseFuzzyDate("mid-2024")));
  EXPECT_TRUE(EffectiveBefore(*ParseFuzzyDate("early 2024"), *ParseFuzzyDate("2024")))
      << "same first day: the shorter span first";
}

}  // namespace
}  // namespace accord::core
