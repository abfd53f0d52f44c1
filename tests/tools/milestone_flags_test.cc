#include "tools/milestone_flags.h"
#include "tools/render.h"

#include <gtest/gtest.h>

namespace accord::tools {
namespace {

core::Expected<accord::v1::Command, std::string> Build(const std::string& name,
                                                       std::vector<std::string> args) {
  const MilestoneCommand* command = FindMilestoneCommand(name);
  EXPECT_NE(command, nullptr) << name;
  return BuildMilestoneCommand(*command, args);
}

TEST(MilestoneFlags, EveryEventKindHasASubcommandWithHelp) {
  const auto* oneof = accord::v1::DomainEvent::descriptor()->FindOneofByName("kind");
  EXPECT_EQ(MilestoneCommands().size(), static_cast<size_t>(oneof->field_count()));
  for (const auto& c : MilestoneCommands()) {
    EXPECT_NE(MilestoneHelp(c).find("--agreement"), std::string::npos) << c.name;
  }
}

TEST(MilestoneFlags, TreatyEventsAndFieldsAppearFromTheSchema) {
  auto help = [](const std::string& name) {
    const MilestoneCommand* c = FindMilestoneCommand(name);
    return c == nullptr ? std::string() : MilestoneHelp(*c);
  };
  EXPECT_NE(help("join").find("--party.organisation-id"), std::string::npos);
  EXPECT_NE(help("join").find("--category"), std::string::npos);
  EXPECT_NE(help("in-force").find("--as-stated"), std::string::npos);
  EXPECT_NE(help("declare").find("RESERVATION"), std::string::npos);
  EXPECT_NE(help("link").find("PROTOCOL_TO"), std::string::npos);
  std::string propose = help("propose");
  for (const char* flag :
       {"--openness.open", "--openness.until", "--proposer-party-ids", "--non-binding"}) {
    EXPECT_NE(propose.find(flag), std::string::npos) << flag;
  }
  EXPECT_NE(help("sign").find("--ordinal"), std::string::npos);
  EXPECT_NE(help("meet").find("--host-organisation-ids"), std::string::npos);
  EXPECT_NE(help("consent").find("DEFINITIVE_SIGNATURE"), std::string::npos);

  auto join = Build("join", {"--agreement", "open-arrangement", "--effective", "2022-05",
                             "--party.organisation-id", "gamma", "--party.name", "Gamma",
                             "--party.role", "signatory"});
  ASSERT_TRUE(join.ok()) << join.error();
  EXPECT_EQ(join->milestone().party_joined().party().role(), accord::v1::Party::SIGNATORY);
}

TEST(MilestoneFlags, SetsNestedRepeatedEnumAndDateFields) {
  auto command =
      Build("visit", {"--agreement", "cospar-apsco-mou", "--effective", "2024-07", "--place.name",
                      "APSCO headquarters", "--place.city", "Beijing", "--topics",
                      "capacity building", "--topics", "education", "--delegations",
                      R"({"name": "Mr. Niklas Hedman"})", "--host-party-id", "apsco"});
  ASSERT_TRUE(command.ok()) << command.error();
  const auto& visit = command->milestone().visit_held();
  EXPECT_EQ(visit.place().city(), "Beijing");
  EXPECT_EQ(visit.topics_size(), 2);
  EXPECT_EQ(visit.delegations(0).name(), "Mr. Niklas Hedman");
  EXPECT_EQ(command->effective().precision(), accord::v1::FuzzyDate::MONTH);
  EXPECT_EQ(command->event_id().size(), 36u) << "a fresh UUID when none is given";

  auto schedule = Build("schedule", {"--agreement", "x", "--kind", "signing", "--planned",
                                     "autumn 2024 (this autumn)", "--event-id",
                                     "00000000-0000-4000-8000-000000000001"});
  ASSERT_TRUE(schedule.ok()) << schedule.error();
  EXPECT_EQ(schedule->milestone().milestone_scheduled().kind(),
            accord::v1::MilestoneScheduled::SIGNING);
  EXPECT_EQ(schedule->milestone().milestone_scheduled().planned().as_stated(), "this autumn");
  EXPECT_EQ(schedule->event_id(), "00000000-0000-4000-8000-000000000001");
}

TEST(MilestoneFlags, RefusesWhatTheSchemaDoesNotHave) {
  EXPECT_FALSE(Build("sign", {"--party-id", "cospar"}).ok()) << "no --agreement";
  auto unknown = Build("sign", {"--agreement", "x", "--colour", "blue"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().find("has no such field"), std::string::npos);
  EXPECT_FALSE(Build("sign", {"--agreement", "x", "--effective", "someday"}).ok());
  EXPECT_FALSE(Build("schedule", {"--agreement", "x", "--kind", "party"}).ok());
  EXPECT_FALSE(Build("propose", {"--agreement", "x", "--parties", "{not json"}).ok());
  EXPECT_FALSE(Build("sign", {"--agreement"}).ok()) << "a flag without its value";
}

TEST(AuditMarkdown, ShowsTheVerificationEveryEventAndItsCorrections) {
  accord::v1::AuditReport report;
  report.set_agreement_id("cospar-apsco-mou");
  report.set_log_verified(false);
  report.set_verification("Corruption: the record at position 3 does not match its hash");
  auto* entry = report.add_entries();
  entry->mutable_record()->set_event_type("accord.v1.NoteAdded");
  entry->mutable_record()->set_actor("legal | affairs");
  entry->mutable_event()->mutable_note_added()->set_text("signed copy received");
  entry->add_corrected_by("00000000-0000-4000-8000-000000000009");
  std::string md = RenderAuditMarkdown(report);
  EXPECT_NE(md.find("# Audit report: cospar-apsco-mou"), std::string::npos);
  EXPECT_NE(md.find("FAILED: Corruption: the record at position 3"), std::string::npos);
  EXPECT_NE(md.find("NoteAdded (corrected)"), std::string::npos);
  EXPECT_NE(md.find("legal \\| affairs"), std::string::npos) << "table cells escape pipes";
  EXPECT_NE(md.find("corrected by 00000000-0000-4000-8000-000000000009"), std::string::npos);
  EXPECT_NE(md.find("\"signed copy received\""), std::string::npos) << "content as JSON";
}

}  // namespace
}  // namespace accord::tools
