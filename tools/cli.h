// What the command-line programs share: the `program [flags] COMMAND [ARGS]`
// shape, and reading command files.
#pragma once

#include <boost/program_options.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accord/v1/commands.pb.h"
#include "core/expected.h"

namespace accord::tools {

// Parses argv against `flags`, the first positional word into *command and
// the rest into *args. Prints `usage` and the flags on --help or when no
// command is given. Returns the exit code when the program should stop now.
std::optional<int> ParseCommandLine(int argc, char** argv,
                                    const boost::program_options::options_description& flags,
                                    const char* program, const char* usage, std::string* command,
                                    std::vector<std::string>* args);

// One line of a command file: an accord.v1.Command in protobuf's JSON
// mapping. Fails with a sentence ("not a command: ..."), also when a text
// is not valid UTF-8 (protobuf's parser refuses raw bytes and lone
// surrogates alike).
core::Expected<accord::v1::Command, std::string> ParseCommandJson(std::string_view line);

// Splits NDJSON text at '\n' and calls `each` with the line number (from 1)
// and ParseCommandJson's answer for every line that is not blank (spaces,
// tabs and '\r' only).
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
