#include "tools/milestone_flags.h"
#include "app/render.h"

#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "core/fuzzy_date.h"
#include "tests/testing/event_kinds.h"
#include "tests/testing/temp_dir.h"
#include "tools/cli.h"

namespace accord::tools {
namespace {

using accord::app::Describe;
using accord::app::RenderAuditMarkdown;

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

// Subcommands come from the schema, so a new event kind has one; two kinds
// given the same name would leave one unreachable (the first wins).
TEST(MilestoneFlags, EveryEventKindHasItsOwnSubcommandThatBuildsIt) {
  std::set<std::string> names;
  for (const accord::v1::DomainEvent& event : accord::testing::OneEventOfEachKind()) {
    const MilestoneCommand* found = nullptr;
    for (const auto& c : MilestoneCommands()) {
      if (c.field_number == static_cast<int>(event.kind_case())) found = &c;
    }
    ASSERT_NE(found, nullptr) << event.GetReflection()
                                     ->GetOneofFieldDescriptor(event,
                                                               event.GetDescriptor()->oneof_decl(0))
                                     ->name();
    EXPECT_TRUE(names.insert(found->name).second) << "two kinds named " << found->name;
    EXPECT_EQ(FindMilestoneCommand(found->name), found);
    auto built = BuildMilestoneCommand(*found, {"--agreement", "a"});
    ASSERT_TRUE(built.ok()) << built.error();
    EXPECT_EQ(built->milestone().kind_case(), event.kind_case()) << found->name;
  }
  EXPECT_EQ(FindMilestoneCommand("sign")->field_number, accord::v1::DomainEvent::kAgreementSigned)
      << "named by its subcommand option";
}

// Describe's switch has no default, so a kind without its line does not
// compile; this catches a case that compiles but says nothing.
TEST(Describe, EveryEventKindHasALineOfItsOwn) {
  accord::v1::DomainEvent unset;
  EXPECT_EQ(Describe(unset), "?");
  for (const accord::v1::DomainEvent& event : accord::testing::OneEventOfEachKind()) {
    std::string line = Describe(event);
    EXPECT_FALSE(line.empty() || line == "?") << event.ShortDebugString();
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

TEST(MilestoneFlags, ReadsDatesAsPeopleWriteThemInEveryDateFlag) {
  auto month = Build("sign", {"--agreement", "x", "--effective", "June 2023"});
  ASSERT_TRUE(month.ok()) << month.error();
  EXPECT_EQ(month->effective().precision(), accord::v1::FuzzyDate::MONTH);
  EXPECT_EQ(month->effective().date().month(), 6);

  auto early = Build("sign", {"--agreement", "x", "--effective", "early 2024"});
  ASSERT_TRUE(early.ok()) << early.error();
  EXPECT_EQ(early->effective().span(), accord::v1::FuzzyDate::SPAN_EARLY_YEAR);
  EXPECT_EQ(core::FormatFuzzyDate(early->effective()), "early 2024");

  auto days = Build("meet", {"--agreement", "x", "--effective", "5-7 November 2024"});
  ASSERT_TRUE(days.ok()) << days.error();
  EXPECT_EQ(core::FormatFuzzyDate(days->effective()),
            "2024-11-05 to 2024-11-07 (\"5-7 November 2024\")");

  auto undated = Build(
      "schedule", {"--agreement", "x", "--kind", "signing", "--planned", "in the coming months"});
  ASSERT_TRUE(undated.ok()) << undated.error();
  EXPECT_EQ(core::FormatFuzzyDate(undated->milestone().milestone_scheduled().planned()),
            "undated (\"in the coming months\")");

  auto relative = Build("schedule", {"--agreement", "x", "--kind", "signing", "--planned",
                                     "in the coming months", "--dates-relative-to", "1 June 2024"});
  ASSERT_TRUE(relative.ok()) << relative.error();
  EXPECT_EQ(core::FormatFuzzyDate(relative->milestone().milestone_scheduled().planned()),
            "2024-06-01 to 2024-11-30 (\"in the coming months\")");

  auto southern =
      Build("visit", {"--agreement", "x", "--effective", "spring 2024", "--seasons", "southern"});
  ASSERT_TRUE(southern.ok()) << southern.error();
  EXPECT_EQ(core::FormatFuzzyDate(southern->effective()),
            "September-November 2024 (\"spring 2024\")");

  auto impossible = Build("sign", {"--agreement", "x", "--effective", "31 February 2024"});
  ASSERT_FALSE(impossible.ok());
  EXPECT_EQ(impossible.error(),
            "--effective: there is no 31 February 2024: February 2024 has 29 days");
  auto bad_day = Build("sign", {"--agreement", "x", "--dates-relative-to", "June 2024"});
  ASSERT_FALSE(bad_day.ok());
  EXPECT_NE(bad_day.error().find("--dates-relative-to: 'June 2024' is not a single day"),
            std::string::npos)
      << bad_day.error();
  EXPECT_FALSE(Build("sign", {"--agreement", "x", "--seasons", "eastern"}).ok());
  EXPECT_NE(MilestoneHelp(*FindMilestoneCommand("sign")).find("--dates-relative-to DAY"),
            std::string::npos);
}

TEST(CommandFiles, ReadDatesWrittenOnlyAsWords) {
  accord::testing::TempDir dir;
  const std::string path = dir.Sub("dates.ndjson");
  std::ofstream(path)
      << R"({"agreementId": "x", "effective": {"asStated": "5-7 November 2024"}, )"
         R"("milestone": {"milestoneScheduled": {"kind": "SIGNING", "planned": {"asStated": "early 2025"}}}})"
         "\n"
         R"({"agreementId": "x", "effective": {"precision": "UNDATED", "asStated": "early 2025"}, )"
         R"("milestone": {"noteAdded": {"text": "words with a precision stay as they are"}}})"
         "\n"
         R"({"agreementId": "x", "effective": {"asStated": "31 February 2024"}, )"
         R"("milestone": {"noteAdded": {"text": "refused"}}})"
         "\n";
  std::vector<accord::v1::Command> logged;
  int failures = ForEachCommand({path}, [&](const accord::v1::Command& command) {
    logged.push_back(command);
    return std::optional<std::string>();
  });
  EXPECT_EQ(failures, 1) << "the impossible day";
  ASSERT_EQ(logged.size(), 2u);
  EXPECT_EQ(core::FormatFuzzyDate(logged[0].effective()),
            "2024-11-05 to 2024-11-07 (\"5-7 November 2024\")");
  EXPECT_EQ(core::FormatFuzzyDate(logged[0].milestone().milestone_scheduled().planned()),
            "early 2025");
  EXPECT_EQ(core::FormatFuzzyDate(logged[1].effective()), "undated (\"early 2025\")");

  accord::v1::Command impossible;
  impossible.mutable_effective()->set_as_stated("31 February 2024");
  EXPECT_EQ(core::ReadDatesInWords(&impossible),
            "effective: there is no 31 February 2024: February 2024 has 29 days");
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
