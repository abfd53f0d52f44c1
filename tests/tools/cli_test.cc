#include "tools/cli.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace accord::tools {
namespace {

TEST(CommandFiles, ParsesALineOfProtobufJson) {
  auto command = ParseCommandJson(
      R"({"agreementId": "x", "milestone": {"noteAdded": {"text": "caf\u00e9"}}})");
  ASSERT_TRUE(command.ok()) << command.error();
  EXPECT_EQ(command->milestone().note_added().text(), "caf\xc3\xa9");
}

// protobuf's JSON parser refuses every text that is not UTF-8 (the
// property fuzz_command_json checks: what parses prints and parses back).
TEST(CommandFiles, RefusesATextThatIsNotUtf8) {
  for (const char* line : {"{\"agreementId\": \"x\xff\"}", "{\"agreementId\": \"x\\ud800\"}",
                           "{\"agreementId\": \"x\\udc00\"}"}) {
    auto command = ParseCommandJson(line);
    ASSERT_FALSE(command.ok()) << line;
    EXPECT_TRUE(command.error().starts_with("not a command: ")) << line;
  }
}

TEST(CommandFiles, SplitsLinesSkippingBlankOnesAndCountsFromOne) {
  std::vector<std::pair<int, bool>> seen;
  ParseCommandLines(
      "{\"agreementId\": \"a\"}\n \t\r\n\nnot json\n{\"agreementId\": \"b\"}",
      [&](int number, const auto& command) { seen.emplace_back(number, command.ok()); });
  EXPECT_EQ(seen, (std::vector<std::pair<int, bool>>{{1, true}, {4, false}, {5, true}}));
}

TEST(CommandFiles, TheReaderGivesOneLineAtATimeAndThenNoMore) {
  CommandLineReader reader("\n{\"agreementId\": \"a\"}\n\n{\"agreementId\": \"b\"}\n");
  int number = 0;
  core::Expected<accord::v1::Command, std::string> command = core::MakeUnexpected(std::string());
  ASSERT_TRUE(reader.Next(&number, &command));
  EXPECT_EQ(number, 2);
  EXPECT_EQ(command->agreement_id(), "a");
  ASSERT_TRUE(reader.Next(&number, &command));
  EXPECT_EQ(number, 4);
  EXPECT_EQ(command->agreement_id(), "b");
  EXPECT_FALSE(reader.Next(&number, &command));
  EXPECT_FALSE(reader.Next(&number, &command)) << "the end stays the end";
}

}  // namespace
}  // namespace accord::tools
