// Fuzzes the clients' command parsers in process (tools/cli.h,
// tools/milestone_flags.h): the NDJSON command files that `accord log` and
// `accord-local load` read, and the milestone subcommands' flags.
//   input := line ('\n' line)*
// A line that starts with "accord " is a command line: its words (split at
// spaces) are a milestone subcommand and its flags (`accord sign --agreement
// x --party-id y`); every other line is one line of an NDJSON file.
// Properties: a command that parses prints back to JSON that parses to the
// same command; the rules (core/decider.h) decide it on a new agreement
// without failing.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <string>
#include <vector>

#include "core/decider.h"
#include "tests/fuzz/fuzz_target.h"
#include "tests/fuzz/limits_hook.h"
#include "tools/cli.h"
#include "tools/milestone_flags.h"

namespace accord::fuzz {
namespace {

void CheckCommand(const accord::v1::Command& command) {
  std::string json;
  auto printed = google::protobuf::util::MessageToJsonString(command, &json);
  FUZZ_CHECK(printed.ok(), "a parsed command does not print: %s",
             std::string(printed.message()).c_str());
  auto again = tools::ParseCommandJson(json);
  FUZZ_CHECK(again.ok(), "a printed command does not parse: %s\n%s", again.error().c_str(),
             json.c_str());
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(command, *again),
             "the command changed through JSON: %s", json.c_str());
  if (CommandAdmitted(command)) {
    (void)core::Decide(command, core::InitialState(command.agreement_id()));
  }
}

void CommandLine(std::string_view line) {
  std::vector<std::string> words;
  for (size_t start = 0; start <= line.size();) {
    size_t end = std::min(line.find(' ', start), line.size());
    words.emplace_back(line.substr(start, end - start));
    start = end + 1;
  }
  if (words.size() < 2) return;
  const tools::MilestoneCommand* milestone = tools::FindMilestoneCommand(words[1]);
  if (milestone == nullptr) return;
  std::vector<std::string> args(words.begin() + 2, words.end());
  auto command = tools::BuildMilestoneCommand(*milestone, args);
  if (command) CheckCommand(*command);
}

}  // namespace

int FuzzCommandJson(const uint8_t* data, size_t size) {
  std::string_view text = AsText(data, size);
  std::string json_lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (line.starts_with("accord ")) {
      CommandLine(line);
    } else {
      json_lines.append(line).push_back('\n');
    }
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  tools::ParseCommandLines(json_lines, [](int, const auto& command) {
    if (command) CheckCommand(*command);
  });
  return 0;
}

}  // namespace accord::fuzz

ACCORD_FUZZ_ENTRY(accord::fuzz::FuzzCommandJson)
