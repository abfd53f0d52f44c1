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

// Found by fuzz_command_json: a flag's value that is not UTF-8 went into
// the command; the server could not parse the frame and closed the
// connection (MALFORMED_FRAME) instead of the client naming the flag.
TEST(MilestoneFlags, RefusesAValueThatIsNotUtf8NamingTheFlag) {
  auto raw_byte = Build("sign", {"--agreement", "a\xff", "--party-id", "b"});
  ASSERT_FALSE(raw_byte.ok());
  EXPECT_EQ(raw_byte.error(), "--agreement: the value is not valid UTF-8");
  auto nested = Build("visit", {"--agreement", "x", "--place.city", "\xc0\x80"});
  ASSERT_FALSE(nested.ok());
  EXPECT_EQ(nested.error(), "--place.city: the value is not valid UTF-8");
}

}  // namespace
}  // namespace accord::tools
