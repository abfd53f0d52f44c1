// What the web desk reads over the HTTP door, through a real HTTP client
// against a real server: the desk, dates, the timeline as SVG, the audit
// report and the calendars (docs/http.md, "The desk").
#include <gtest/gtest.h>

#include <algorithm>

#include "accord/v1/desk.pb.h"
#include "app/timeline_svg.h"
#include "core/fuzzy_date.h"
#include "tests/testing/http_door.h"

namespace accord::net {
namespace {

using accord::testing::HttpClient;
using accord::testing::HttpReply;
using accord::testing::kMouPath;

class HttpDeskTest : public accord::testing::HttpDoorTest {
 protected:
  // The MoU example, logged through the door (the day is 1 June 2025).
  void LogTheMouExample(HttpClient& client) {
    for (const auto& command : accord::testing::ReadCommandFile(std::string(ACCORD_EXAMPLES_DIR) +
                                                                "/cospar-apsco-mou.ndjson")) {
      MustLog(client, command);
    }
  }

  static std::vector<std::string> Milestones(
      const google::protobuf::RepeatedPtrField<accord::v1::PlannedItem>& items) {
    std::vector<std::string> ids;
    for (const auto& item : items) ids.push_back(item.milestone_id());
    return ids;
  }
};

using Ids = std::vector<std::string>;

TEST_F(HttpDeskTest, TheDeskShowsTheMousSigningOverdueAndJudgesTheDayAsked) {
  Start();
  auto client = Client(logger_);
  LogTheMouExample(*client);

  HttpReply reply = client->Get("/api/v1/desk");
  ASSERT_EQ(reply.status(), 200u) << reply.body();
  accord::v1::Desk desk;
  ASSERT_TRUE(reply.Parse(&desk)) << reply.body();
  EXPECT_EQ(desk.today(), "2025-06-01") << "the application's clock";
  EXPECT_EQ(Milestones(desk.overdue()), (Ids{"sharjah-symposium", "second-meeting", "signing"}));
  EXPECT_EQ(desk.overdue(2).event_id(), "c05a0000-0000-4000-8000-000000000004");
  EXPECT_NE(reply.body().find("\"dueWithin30Days\":[]"), std::string::npos) << reply.body();
  ASSERT_EQ(desk.pipeline_size(), 1);
  EXPECT_EQ(desk.pipeline(0).stage(), accord::v1::AGREED);
  EXPECT_EQ(desk.open_commitments_by_party_size(), 2);

  reply = client->Get("/api/v1/desk?today=15%20October%202024");
  ASSERT_EQ(reply.status(), 200u) << reply.body();
  ASSERT_TRUE(reply.Parse(&desk)) << reply.body();
  EXPECT_EQ(desk.today(), "2024-10-15");
  EXPECT_EQ(Milestones(desk.due_within_30_days()), Ids{"sharjah-symposium"});
  EXPECT_EQ(Milestones(desk.due_within_90_days()), (Ids{"second-meeting", "signing"}));

  ExpectProblem(client->Get("/api/v1/desk?today=2024-02-30"), 400);
  ExpectProblem(Client(auditor_)->Get("/api/v1/desk?today=autumn%202024"), 400);
  EXPECT_EQ(Client(auditor_)->Get("/api/v1/desk").status(), 200u) << "every role";
}

TEST_F(HttpDeskTest, DatesAreReadAsTheServerReadsThemAndAnImpossibleOneIs400) {
  Start();
  auto client = Client(logger_);
  HttpReply reply = client->Get("/api/v1/dates?text=June%202023");
  ASSERT_EQ(reply.status(), 200u) << reply.body();
  accord::v1::ParsedDate parsed;
  ASSERT_TRUE(reply.Parse(&parsed)) << reply.body();
  EXPECT_EQ(parsed.reads_as(), "June 2023");
  EXPECT_EQ(parsed.date().precision(), accord::v1::FuzzyDate::MONTH);

  reply = client->Get("/api/v1/dates?text=this+autumn&relative_to=2024-08-01");
  ASSERT_EQ(reply.status(), 200u) << reply.body();
  ASSERT_TRUE(reply.Parse(&parsed)) << reply.body();
  EXPECT_EQ(parsed.date().precision(), accord::v1::FuzzyDate::SEASON);
  EXPECT_EQ(parsed.date().date().year(), 2024);

  accord::v1::Problem problem =
      ExpectProblem(client->Get("/api/v1/dates?text=31%20February%202024"), 400);
  EXPECT_EQ(problem.code(), "INVALID_ARGUMENT");
  EXPECT_EQ(problem.detail(), core::ParseFuzzyDate("31 February 2024").error());
  ExpectProblem(client->Get("/api/v1/dates"), 400);
  ExpectProblem(client->Get("/api/v1/dates?text=June%202023&relative_to=soon"), 400);
}

TEST_F(HttpDeskTest, TheTimelineSvgIsTheAuditPagesDrawingOfTheSummaryAndTimeline) {
  Start();
  auto client = Client(auditor_);
  LogTheMouExample(*Client(logger_));
  for (std::string query : {"", "?true_on=2024-08-01", "?recorded_before=2000-01-01T00:00:00Z"}) {
    SCOPED_TRACE(query);
    HttpReply svg = client->Get(kMouPath + "/timeline.svg" + query);
    if (query.starts_with("?recorded_before")) {
      ExpectProblem(svg, 404);  // nothing was recorded by then
      continue;
    }
    ASSERT_EQ(svg.status(), 200u) << svg.body();
    EXPECT_EQ(svg.Header(http::field::content_type), "image/svg+xml");
    accord::v1::AgreementSummary summary;
    ASSERT_TRUE(client->Get(kMouPath + query).Parse(&summary));
    accord::v1::Timeline timeline;
    ASSERT_TRUE(client->Get(kMouPath + "/timeline").Parse(&timeline));
    if (!query.empty()) {
      // On 1 August 2024 only the July events had certainly happened.
      auto* entries = timeline.mutable_entries();
      entries->erase(std::remove_if(entries->begin(), entries->end(),
                                    [](const accord::v1::TimelineEntry& e) {
                                      auto last = core::LatestDay(e.effective());
                                      return last &&
                                             *last > core::Day(std::chrono::year(2024) / 8 / 1);
                                    }),
                     entries->end());
    }
    EXPECT_EQ(svg.body(), app::TimelineSvg(timeline, summary));
  }
  ExpectProblem(client->Get("/api/v1/agreements/nothing-here/timeline.svg"), 404);
}

TEST_F(HttpDeskTest, TheAuditReportIsJsonForAuditorsAndAdminsOnly) {
  Start();
  LogTheMouExample(*Client(logger_));
  HttpReply reply = Client(auditor_)->Get(kMouPath + "/audit");
  ASSERT_EQ(reply.status(), 200u) << reply.body();
  EXPECT_EQ(reply.Header(http::field::content_type), "application/json");
  accord::v1::AuditReport report;
  ASSERT_TRUE(reply.Parse(&report)) << reply.body();
  EXPECT_EQ(report.agreement_id(), accord::testing::kMou);
  ASSERT_EQ(report.entries_size(), 7);
  EXPECT_EQ(report.entries(3).record().event_id(), "c05a0000-0000-4000-8000-000000000004");
  EXPECT_EQ(report.entries(3).record().actor(), "legal-affairs");
  EXPECT_EQ(report.entries(3).record().hash().size(), 32u);
  EXPECT_TRUE(report.entries(3).event().has_milestone_scheduled());
  EXPECT_TRUE(report.log_verified()) << report.verification();
  EXPECT_EQ(report.log_records(), Head());
  EXPECT_EQ(Client(admin_)->Get(kMouPath + "/audit").status(), 200u);
  ExpectProblem(Client(logger_)->Get(kMouPath + "/audit"), 403);
  ExpectProblem(Client(auditor_)->Get("/api/v1/agreements/nothing-here/audit"), 404);
}

TEST_F(HttpDeskTest, CalendarsAreICalendarFilesOfTheOpenPlans) {
  Start();
  auto client = Client(logger_);
  LogTheMouExample(*client);
  // Another agreement whose one commitment is due by the end of 2025, in words.
  accord::testing::CommandBuilder other("other-agreement", 5000);
  MustLog(*client, other.Propose());
  accord::v1::Command terms = other.Terms();
  terms.mutable_milestone()
      ->mutable_terms_agreed()
      ->mutable_commitments(0)
      ->mutable_due()
      ->set_as_stated("end of 2025");
  MustLog(*client, terms);

  HttpReply all = client->Get("/api/v1/calendar.ics");
  ASSERT_EQ(all.status(), 200u) << all.body();
  EXPECT_EQ(all.Header(http::field::content_type), "text/calendar; charset=utf-8");
  EXPECT_EQ(all.Header(http::field::content_disposition), "attachment; filename=\"calendar.ics\"");
  const std::string& ics = all.body();
  EXPECT_TRUE(ics.starts_with("BEGIN:VCALENDAR\r\n"));
  EXPECT_NE(ics.find("UID:c05a0000-0000-4000-8000-000000000004.signing@accord\r\n"),
            std::string::npos);
  EXPECT_NE(ics.find("DTSTART;VALUE=DATE:20240901\r\nDTEND;VALUE=DATE:20241201\r\n"),
            std::string::npos);
  EXPECT_NE(ics.find("DTSTAMP:20250601T000000Z\r\n"), std::string::npos) << "the clock's time";
  EXPECT_NE(ics.find("UID:" + terms.event_id() + ".train-the-trainers@accord\r\n"),
            std::string::npos)
      << ics;
  EXPECT_NE(ics.find("DTSTART;VALUE=DATE:20251201\r\nDTEND;VALUE=DATE:20260101\r\n"),
            std::string::npos)
      << "the commitment's due date, read from words, over its whole span";

  HttpReply one = Client(auditor_)->Get(kMouPath + "/calendar.ics");
  ASSERT_EQ(one.status(), 200u) << one.body();
  EXPECT_EQ(one.Header(http::field::content_disposition),
            "attachment; filename=\"cospar-apsco-mou.ics\"");
  size_t events = 0;
  for (size_t at = one.body().find("BEGIN:VEVENT"); at != std::string::npos;
       at = one.body().find("BEGIN:VEVENT", at + 1)) {
    ++events;
  }
  EXPECT_EQ(events, 3u) << "the signing, the second meeting and the symposium";
  ExpectProblem(client->Get("/api/v1/agreements/nothing-here/calendar.ics"), 404);
}

}  // namespace
}  // namespace accord::net
