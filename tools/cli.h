// What the command-line programs share: the `program [flags] COMMAND [ARGS]`
// shape, on CLI11, and reading command files.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accord/v1/commands.pb.h"
#include "core/expected.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace accord::tools {

// A program's command line, with one parser per command:
//
//   program [GLOBAL FLAGS] COMMAND [ITS FLAGS AND ARGUMENTS] [GLOBAL FLAGS]
//
//   auto program = NewProgram("accord", kUsage);
//   program->add_option("--host", host, "server address");    // global
//   CLI::App* show = AddCommand(*program, "show", "an agreement's summary");
//   show->add_option("AGREEMENT", id)->required();
//   show->add_option("--true-on", true_on, "what held on this day");
//   show->callback([&] { run = ...; });
//   if (auto done = ParseCommandLine(*program, argc, argv)) return *done;
//
// Global flags belong to the program and may stand before or after the
// command; a command's flags belong to it alone, so another command's flag
// is an error (`accord show X --csv`: "accord show: The following argument
// was not expected: --csv").

// The program's parser. `usage` (the text that explains it) heads its
// --help, above its global flags. Add the global flags, then the commands.
std::unique_ptr<CLI::App> NewProgram(const std::string& name, const std::string& usage);

// A command of `program`: add its own flags and positional arguments to the
// parser returned. `summary` heads its --help, which lists them.
CLI::App* AddCommand(CLI::App& program, const std::string& name, const std::string& summary);

// A command whose flags the parser does not know: they are read later, from
// what ParseCommandLine hands back (the milestone flags, derived from the
// schema: tools/milestone_flags.h). `help` makes its --help.
CLI::App* AddPassThroughCommand(CLI::App& program, const std::string& name,
                                const std::string& summary, std::function<std::string()> help);

// Makes `option` refuse, while parsing, a day that core::ParseCalendarDay
// cannot read: "--today: 'someday' is not a month, ...".
void ReadsCalendarDay(CLI::Option* option);

// Parses argv; the chosen command's callback runs. Returns the exit code
// when the program should stop now: 0 after printing the --help asked for
// (the program's, or the command's), 2 after printing the program's help
// when no command is given, or 2 after a sentence on stderr naming what does
// not fit, with where to look: "accord show: The following argument was not
// expected: --csv (see accord show --help)". The arguments a pass-through
// command did not recognise go to *pass_through, in order.
std::optional<int> ParseCommandLine(CLI::App& program, int argc, char** argv,
                                    std::vector<std::string>* pass_through = nullptr);

// One line of a command file: an accord.v1.Command in protobuf's JSON
// mapping. Fails with a sentence ("not a command: ..."), also when a text
// is not valid UTF-8 (protobuf's parser refuses raw bytes and lone
// surrogates alike).
core::Expected<accord::v1::Command, std::string> ParseCommandJson(std::string_view line);

// NDJSON text read a line at a time: Next gives the line number (from 1)
// and ParseCommandJson's answer for the next line that is not blank
// (spaces, tabs and '\r' only), or false at the end. For a caller that
// parses while earlier lines are on their way (parsing is most of a
// client's work). REQUIRES: the text outlives the reader.
class CommandLineReader {
 public:
  explicit CommandLineReader(std::string_view text) : rest_(text) {}
  bool Next(int* number, core::Expected<accord::v1::Command, std::string>* parsed);

 private:
  std::string_view rest_;
  int number_ = 0;  // of the last line read
};

// Calls `each` for every line CommandLineReader gives, in order.
void ParseCommandLines(
    std::string_view text,
    const std::function<void(int, const core::Expected<accord::v1::Command, std::string>&)>& each);

// Calls `log` for each command of each NDJSON file (one accord.v1.Command
// per line in protobuf's JSON mapping; blank lines skipped), in order. Dates
// may be written in words (see core::ReadDatesInWords). A line that does not parse
// is reported on stderr as "FILE:LINE: ..." and counted as a failure; so is
// each line for which `log` returns an error sentence.
// Returns the number of failures, or -1 (after reporting) when a file cannot
// be read.
int ForEachCommand(
    const std::vector<std::string>& paths,
    const std::function<std::optional<std::string>(const accord::v1::Command&)>& log);

}  // namespace accord::tools
