// The agreements report built by replaying the log from position 0 says what
// the live projections say: the same pipeline as the agreement index, the
// same overdue milestones and conventions' parties as the summaries.
#include <gtest/gtest.h>

#include "app/agreement_index.h"
#include "app/command_handler.h"
#include "app/stream_reader.h"
#include "core/event_types.h"
#include "core/report.h"
#include "core/summary.h"
#include "tests/testing/builders.h"
#include "tests/testing/temp_dir.h"

namespace accord::app {
namespace {

using accord::testing::CommandBuilder;
using accord::testing::Day;

TEST(AgreementsReport, ReplayedFromTheLogEqualsTheLiveProjections) {
  accord::testing::TempDir dir;
  std::unique_ptr<store::EventStore> store;
  ASSERT_TRUE(store::EventStore::Open({}, dir.path(), &store).ok());
  CommandHandler handler(store.get());
  AgreementIndex index(store.get());
  ASSERT_TRUE(index.Open().ok());
  auto log = [&](const accord::v1::Command& command) {
    auto logged = handler.Log(command, "clerk");
    ASSERT_TRUE(logged.ok()) << logged.error().Message();
  };

  CommandBuilder mou("mou", 100);  // signed, on time
  log(mou.Propose());
  log(mou.Schedule("signing", accord::testing::Autumn(2024)));
  log(mou.Terms());
  log(mou.Sign("cospar", Day(2024, 10, 1)));
  log(mou.Sign("apsco", Day(2024, 10, 3)));
  CommandBuilder late("late", 200);  // agreed, its signing overdue
  log(late.Propose());
  log(late.Terms());
  log(late.Schedule("signing", accord::testing::Month(2025, 1)));
  CommandBuilder early("early", 300);  // proposed only
  log(early.Propose());
  CommandBuilder convention("convention", 400);
  accord::v1::Command proposal = convention.Propose();
  proposal.mutable_milestone()->mutable_agreement_proposed()->set_kind(accord::v1::CONVENTION);
  log(proposal);
  ASSERT_TRUE(index.CatchUp().ok());

  core::Day today = core::ToDay(Day(2025, 6, 1).date());
  core::ReportBuilder builder;
  core::Status read = app::StreamReader::Log(*store).ForEachEvent(
      [&builder](const accord::v1::EventRecord& record, accord::v1::DomainEvent event) {
        builder.Add(app::ToRecordedEvent(record, std::move(event)));
        return core::Status::OK();
      });
  ASSERT_TRUE(read.ok()) << read.ToString();
  accord::v1::AgreementsReport report = builder.Build(today);
  EXPECT_EQ(report.events_replayed(), store->Head().next_position);

  // Pipeline: the agreement index gives the same agreements at each stage.
  for (const auto& stage : report.pipeline()) {
    std::vector<std::string> ids;
    bool end = false;
    ASSERT_TRUE(index.Find(stage.stage(), "", "", 100, &ids, &end).ok());
    EXPECT_EQ(std::vector<std::string>(stage.agreement_ids().begin(), stage.agreement_ids().end()),
              ids)
        << accord::v1::AgreementStage_Name(stage.stage());
  }
  ASSERT_EQ(report.pipeline_size(), 3);  // proposed, agreed, signed

  // Overdue milestones and conventions' parties: the summaries agree.
  std::vector<std::string> overdue_from_summaries;
  size_t convention_parties = 0;
  for (const char* id : {"convention", "early", "late", "mou"}) {
    LoadedAgreement loaded;
    ASSERT_TRUE(handler.Load(id, &loaded).ok());
    auto summary = core::Summarize(loaded.state, loaded.event_count - 1, today);
    for (const auto& m : summary.milestones()) {
      if (m.status() == accord::v1::MilestoneSummary::OVERDUE) {
        overdue_from_summaries.push_back(std::string(id) + "/" + m.plan().milestone_id());
      }
    }
    if (summary.kind() == accord::v1::CONVENTION) convention_parties += summary.parties_size();
  }
  std::vector<std::string> overdue_from_report;
  for (const auto& o : report.overdue()) {
    overdue_from_report.push_back(o.agreement_id() + "/" + o.plan().milestone_id());
  }
  EXPECT_EQ(overdue_from_report, overdue_from_summaries);
  EXPECT_EQ(overdue_from_report, (std::vector<std::string>{"late/signing"}));
  EXPECT_EQ(static_cast<size_t>(report.convention_parties_size()), convention_parties);

  // Cycle times: July 2024 to July 2024 is 0 days; agreed 1 July to signed 3 October, 94.
  for (const auto& c : report.cycle_times()) {
    if (c.agreement_id() == "mou") {
      EXPECT_EQ(c.days_proposed_to_agreed(), 0);
      EXPECT_EQ(c.days_agreed_to_signed(), 94);
    }
  }
}

}  // namespace
}  // namespace accord::app
