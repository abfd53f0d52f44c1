// What the web desk reads, below the doors: a date read as the server reads
// it (or refused with the parser's sentence), and the iCalendar text
// (RFC 5545: CRLF, folding at 75 octets, escaping, all-day spans).
#include "app/desk.h"

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include "app/icalendar.h"
#include "core/desk.h"
#include "tests/testing/builders.h"

namespace accord::app {
namespace {

accord::v1::Response Parse(const std::string& text,
                           std::optional<accord::v1::CalendarDate> on = {}) {
  accord::v1::ParseDate parse;
  parse.set_text(text);
  if (on) *parse.mutable_relative_to() = *on;
  return ParseDate(7, parse);
}

TEST(ParseDate, ReadsWhatStaffTypeAndSaysHowAccordPrintsIt) {
  accord::v1::Response june = Parse("June 2023");
  ASSERT_TRUE(june.has_parsed_date()) << june.DebugString();
  EXPECT_EQ(june.request_id(), 7u);
  EXPECT_EQ(june.parsed_date().date().precision(), accord::v1::FuzzyDate::MONTH);
  EXPECT_EQ(june.parsed_date().date().date().year(), 2023);
  EXPECT_EQ(june.parsed_date().date().date().month(), 6);
  EXPECT_EQ(june.parsed_date().reads_as(), "June 2023");

  accord::v1::Response autumn = Parse("autumn 2024");
  EXPECT_EQ(autumn.parsed_date().date().precision(), accord::v1::FuzzyDate::SEASON);
  EXPECT_EQ(autumn.parsed_date().reads_as(), "autumn 2024");

  accord::v1::Response range = Parse("5-7 November 2024");
  EXPECT_EQ(range.parsed_date().date().precision(), accord::v1::FuzzyDate::RANGE);
  EXPECT_TRUE(range.parsed_date().reads_as().starts_with("2024-11-05 to 2024-11-07"))
      << range.parsed_date().reads_as();
}

TEST(ParseDate, RelativeWordsCountFromTheDayGivenAndAreKeptAsWordsWithout) {
  accord::v1::Response kept = Parse("next year");
  EXPECT_EQ(kept.parsed_date().date().precision(), accord::v1::FuzzyDate::UNDATED);
  accord::v1::Response counted = Parse("next year", accord::testing::Day(2024, 7, 15).date());
  EXPECT_EQ(counted.parsed_date().date().precision(), accord::v1::FuzzyDate::YEAR);
  EXPECT_EQ(counted.parsed_date().date().date().year(), 2025);
}

TEST(ParseDate, AnImpossibleDateIsRefusedWithTheParsersSentence) {
  accord::v1::Response refused = Parse("31 February 2024");
  ASSERT_TRUE(refused.has_error());
  EXPECT_EQ(refused.error().code(), accord::v1::INVALID_ARGUMENT);
  EXPECT_EQ(refused.error().message(), core::ParseFuzzyDate("31 February 2024").error());
  EXPECT_NE(refused.error().message().find("February 2024 has 29 days"), std::string::npos);
  EXPECT_TRUE(Parse("13/2024/zz").has_error());

  accord::v1::CalendarDate bad;
  bad.set_year(2024);
  bad.set_month(2);
  bad.set_day(30);
  EXPECT_TRUE(Parse("next year", bad).error().message().starts_with("relative_to: "));
}

TEST(ICalendar, EscapesTextAsSection3_3_11Says) {
  EXPECT_EQ(EscapeICalendarText("a, b; c\\d\ne\r\nf"), "a\\, b\\; c\\\\d\\ne\\nf");
}

TEST(ICalendar, FoldsLinesAt75OctetsNeverInsideACharacter) {
  std::string line = "DESCRIPTION:" + std::string(200, 'x');
  std::string folded = FoldICalendarLine(line);
  ASSERT_TRUE(folded.ends_with("\r\n"));
  std::string unfolded;
  size_t start = 0;
  for (size_t end; (end = folded.find("\r\n", start)) != std::string::npos; start = end + 2) {
    std::string physical = folded.substr(start, end - start);
    EXPECT_LE(physical.size(), 75u) << physical;
    if (start > 0) {
      ASSERT_EQ(physical.front(), ' ');
      physical.erase(0, 1);
    }
    unfolded += physical;
  }
  EXPECT_EQ(unfolded, line);

  // "é" is two octets: a fold never splits them.
  std::string accents = "SUMMARY:" + std::string(66, 'a');
  for (int i = 0; i < 20; ++i) accents += "\xC3\xA9";
  std::string lines = FoldICalendarLine(accents);
  for (size_t at = lines.find("\r\n "); at != std::string::npos; at = lines.find("\r\n ", at + 1)) {
    EXPECT_NE(static_cast<unsigned char>(lines[at + 3]) & 0xC0, 0x80u) << "a fold inside é";
    EXPECT_NE(static_cast<unsigned char>(lines[at + 3]), 0xA9);
  }
  EXPECT_LE(lines.find("\r\n"), 75u);
}

accord::v1::PlannedItem Signing() {
  accord::v1::PlannedItem item;
  item.set_agreement_id("cospar-apsco-mou");
  item.set_agreement_title("MoU between COSPAR, APSCO; and others");
  item.set_event_id("c05a0000-0000-4000-8000-000000000004");
  item.set_milestone("signing");
  item.set_milestone_id("signing");
  *item.mutable_planned() = accord::testing::Autumn(2024, "this autumn");
  item.set_planned_text(core::FormatFuzzyDate(item.planned()));
  item.set_description("Signing of the Memorandum of Understanding");
  item.set_status("overdue");
  item.set_due_by("2024-11-30");
  item.set_place("APSCO headquarters, Beijing");
  return item;
}

TEST(ICalendar, AFuzzyDateIsAnAllDayEntryOverItsWholeSpanWithAStableUid) {
  accord::v1::CalendarItems items;
  *items.add_milestones() = Signing();
  accord::v1::PlannedItem day = Signing();
  day.set_milestone_id("second-meeting");
  day.set_milestone("meeting");
  day.set_status("planned");
  *day.mutable_planned() = accord::testing::Day(2025, 3, 31);
  *items.add_milestones() = day;
  accord::v1::PlannedItem undated = Signing();
  undated.set_milestone_id("someday");
  undated.mutable_planned()->set_precision(accord::v1::FuzzyDate::UNDATED);
  undated.mutable_planned()->set_as_stated("in the coming months");
  *items.add_milestones() = undated;
  items.set_today("2025-01-15");
  ASSERT_TRUE(google::protobuf::util::TimeUtil::FromString("2025-01-15T09:30:05Z",
                                                           items.mutable_generated_at()));
  const std::string ics = RenderICalendar(items);

  EXPECT_TRUE(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:"));
  EXPECT_TRUE(ics.ends_with("END:VCALENDAR\r\n"));
  for (size_t at = ics.find('\n'); at != std::string::npos; at = ics.find('\n', at + 1)) {
    ASSERT_EQ(ics[at - 1], '\r') << "every line ends in CRLF";
  }
  auto count = [&ics](std::string_view what) {
    size_t n = 0;
    for (size_t at = ics.find(what); at != std::string::npos; at = ics.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("BEGIN:VEVENT"), 2u) << "the undated one is left out";
  EXPECT_EQ(count("UID:c05a0000-0000-4000-8000-000000000004.signing@accord\r\n"), 1u);
  EXPECT_EQ(count("DTSTAMP:20250115T093005Z\r\n"), 2u);
  // Autumn: 1 September to 30 November, DTEND the day after.
  EXPECT_EQ(count("DTSTART;VALUE=DATE:20240901\r\nDTEND;VALUE=DATE:20241201\r\n"), 1u);
  EXPECT_EQ(count("DTSTART;VALUE=DATE:20250331\r\nDTEND;VALUE=DATE:20250401\r\n"), 1u);
  EXPECT_EQ(count("SUMMARY:Planned signing: MoU between COSPAR\\, APSCO\\; and others\r\n"), 1u);
  EXPECT_EQ(count("STATUS:TENTATIVE\r\n"), 2u);
  EXPECT_EQ(count("LOCATION:APSCO headquarters\\, Beijing\r\n"), 2u);
  std::string unfolded = ics;
  for (size_t at; (at = unfolded.find("\r\n ")) != std::string::npos;) unfolded.erase(at, 3);
  EXPECT_NE(unfolded.find("Status: OVERDUE on 2025-01-15: due by 2024-11-30"), std::string::npos);
  EXPECT_NE(unfolded.find("a season: the entry spans the whole season"), std::string::npos);
}

TEST(ICalendar, ACommitmentWithADueDateIsAnEntryWhoseUidIsTheTermsEvent) {
  accord::v1::CalendarItems items;
  items.set_today("2026-01-15");
  accord::v1::OpenCommitment* c = items.add_commitments();
  c->set_agreement_id("cospar-apsco-mou");
  c->set_agreement_title("MoU");
  c->set_text("Train the trainers");
  c->set_commitment_id("train-the-trainers");
  c->set_event_id("c05a0000-0000-4000-8000-000000000003");
  *c->mutable_due() = core::ParseFuzzyDate("end of 2025").value();
  c->set_due_text("end of 2025");
  c->set_due_by("2025-12-31");
  c->set_status("overdue");
  accord::v1::OpenCommitment* undated = items.add_commitments();
  undated->set_commitment_id("no-date");
  const std::string ics = RenderICalendar(items);
  EXPECT_NE(ics.find("UID:c05a0000-0000-4000-8000-000000000003.train-the-trainers@accord\r\n"),
            std::string::npos)
      << ics;
  EXPECT_NE(ics.find("DTSTART;VALUE=DATE:20251201\r\nDTEND;VALUE=DATE:20260101\r\n"),
            std::string::npos)
      << ics;
  EXPECT_NE(ics.find("SUMMARY:Commitment due: MoU\r\n"), std::string::npos);
  EXPECT_EQ(ics.find("no-date"), std::string::npos)
      << "a commitment without a due date is left out";
  std::string unfolded = ics;
  for (size_t at; (at = unfolded.find("\r\n ")) != std::string::npos;) unfolded.erase(at, 3);
  EXPECT_NE(unfolded.find("Status: OVERDUE on 2026-01-15: due by 2025-12-31"), std::string::npos);
}

}  // namespace
}  // namespace accord::app
