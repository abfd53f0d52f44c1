// The audit page: one mark per dated milestone, planned ones apart and
// judged, everything the log holds escaped, nothing fetched from outside.
#include "tools/audit_page.h"

#include <gtest/gtest.h>

#include "app/command_handler.h"
#include "app/stream_reader.h"
#include "app/timeline_svg.h"
#include "core/core.h"
#include "store/event_store.h"
#include "tests/testing/builders.h"
#include "tests/testing/temp_dir.h"

namespace accord::tools {
namespace {

using accord::testing::CommandBuilder;

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class AuditPageTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(store::EventStore::Open({}, dir_.path(), &store_).ok()); }

  void Log(const accord::v1::Command& command) {
    app::CommandHandler handler(store_.get());
    auto logged = handler.Log(command, "legal-affairs <clerk>");
    ASSERT_TRUE(logged.ok());
  }

  std::string Render(core::Day today) {
    std::vector<accord::v1::RecordedEvent> events = Events();
    accord::v1::AuditReport report = core::BuildAuditReport(accord::testing::kMou, events);
    report.set_log_verified(true);
    return RenderAuditHtml(report, core::BuildTimeline(accord::testing::kMou, events),
                           Summary(events, today));
  }

  static accord::v1::AgreementSummary Summary(const std::vector<accord::v1::RecordedEvent>& events,
                                              core::Day today) {
    auto state = core::Fold(accord::testing::kMou, core::ToAgreementEvents(events));
    return core::Summarize(state, events.size() - 1, today);
  }

  std::vector<accord::v1::RecordedEvent> Events() {
    std::vector<accord::v1::RecordedEvent> events;
    core::Status read = app::StreamReader::Stream(*store_, accord::testing::kMou)
                            .ForEachEvent([&events](const accord::v1::EventRecord& record,
                                                    accord::v1::DomainEvent event) {
                              events.push_back(app::ToRecordedEvent(record, std::move(event)));
                              return core::Status::OK();
                            });
    EXPECT_TRUE(read.ok()) << read.ToString();
    return events;
  }

  accord::testing::TempDir dir_;
  std::unique_ptr<store::EventStore> store_;
  CommandBuilder b_;
};

TEST_F(AuditPageTest, DrawsHeldAndPlannedMilestonesApartAndJudged) {
  Log(b_.Propose());                                                          // July 2024
  Log(b_.Visit());                                                            // July 2024
  Log(b_.Terms());                                                            // July 2024
  Log(b_.Schedule("signing", accord::testing::Autumn(2024, "this autumn")));  // overdue by 2025
  Log(b_.Schedule("meeting", accord::testing::Month(2026, 3)));               // planned
  Log(b_.Note("<script>alert('x')</script> & more"));
  std::string page = Render(core::Day(std::chrono::year(2025) / 1 / 15));

  EXPECT_TRUE(page.starts_with("<!DOCTYPE html>"));
  EXPECT_EQ(Count(page, "<svg"), 1u);
  EXPECT_EQ(Count(page, "</svg>"), 1u);
  EXPECT_EQ(Count(page, "class=\"mark held\""), 3u) << "the proposal, the visit and the terms";
  EXPECT_EQ(Count(page, "class=\"mark overdue\""), 1u);
  EXPECT_EQ(Count(page, "class=\"mark planned\""), 1u);
  EXPECT_EQ(Count(page, "undated: "), 1u) << "the note";
  EXPECT_NE(page.find("Log verification: passed"), std::string::npos);
  // Month-precision dates are bars, not dots.
  EXPECT_EQ(Count(page, "<circle"), 0u);
  EXPECT_EQ(Count(page, "<rect"), 5u);
  // What the log holds is text, never markup; nothing is loaded from outside.
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more"),
            std::string::npos);
  EXPECT_NE(page.find("legal-affairs &lt;clerk&gt;"), std::string::npos);
  EXPECT_EQ(page.find("http://"), page.find("http://www.w3.org/2000/svg"));
  EXPECT_EQ(page.find("https://"), std::string::npos);
}

TEST_F(AuditPageTest, AFulfilledPlanIsMarkedSo) {
  Log(b_.Propose());
  Log(b_.Visit());
  Log(b_.Terms());
  Log(b_.Schedule("signing", accord::testing::Day(2024, 9, 5)));
  Log(b_.Sign("cospar"));
  Log(b_.Sign("apsco"));
  std::string page = Render(core::Day(std::chrono::year(2025) / 1 / 15));
  EXPECT_EQ(Count(page, "class=\"mark fulfilled\""), 1u) << page;
  EXPECT_EQ(Count(page, "class=\"mark overdue\""), 0u);
  EXPECT_EQ(Count(page, "<circle"), 2u) << "the signatures, each on a day";
}

// The drawing is app/timeline_svg.h's, the one the HTTP door serves as
// timeline.svg, and it carries its own paint: it looks the same alone.
TEST_F(AuditPageTest, TheTimelineIsTheOneRendererTheHttpDoorServes) {
  Log(b_.Propose());
  Log(b_.Visit());
  Log(b_.Terms());
  Log(b_.Schedule("signing", accord::testing::Autumn(2024, "this autumn")));
  const core::Day today(std::chrono::year(2025) / 1 / 15);
  std::string page = Render(today);
  std::vector<accord::v1::RecordedEvent> events = Events();
  std::string svg =
      app::TimelineSvg(core::BuildTimeline(accord::testing::kMou, events), Summary(events, today));
  EXPECT_TRUE(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_NE(page.find(svg), std::string::npos) << "the page draws the same SVG";
  EXPECT_EQ(Count(svg, "<style"), 0u);
  EXPECT_EQ(Count(svg, "stroke=\"#dc2626\""), 1u) << "the overdue signing, painted red";
}

TEST(TimelineSvg, NothingDatedIsStillAnSvgThatSaysSo) {
  accord::v1::Timeline timeline;
  timeline.set_agreement_id("a <b>");
  std::string svg = app::TimelineSvg(timeline, accord::v1::AgreementSummary());
  EXPECT_TRUE(svg.starts_with("<svg")) << svg;
  EXPECT_NE(svg.find("No dated milestones to draw."), std::string::npos);
  EXPECT_NE(svg.find("a &lt;b&gt;"), std::string::npos);
}

}  // namespace
}  // namespace accord::tools
