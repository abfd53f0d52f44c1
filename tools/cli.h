// What the command-line programs share: the `program [flags] COMMAND [ARGS]`
// shape, and reading command files.
#pragma once

#include <boost/program_options.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "accord/v1/commands.pb.h"

namespace accord::tools {

// Parses argv against `flags`, the first positional word into *command and
// the rest into *args. Prints `usage` and the flags on --help or when no
// command is given. Returns the exit code when the program should stop now.
std::optional<int> ParseCommandLine(int argc, char** argv,
                                    const boost::program_options::options_description& flags,
                                    const char* program, const char* usage, std::string* command,
                                    std::vector<std::string>* args);

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
