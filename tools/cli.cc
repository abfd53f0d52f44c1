#include "tools/cli.h"

#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/fuzzy_date.h"

namespace accord::tools {

namespace po = boost::program_options;

std::optional<int> ParseCommandLine(int argc, char** argv, const po::options_description& flags,
                                    const char* program, const char* usage, std::string* command,
                                    std::vector<std::string>* args) {
  po::options_description hidden;
  hidden.add_options()("command", po::value(command))("args", po::value(args)->composing());
  po::options_description all;
  all.add(flags).add(hidden);
  po::positional_options_description positional;
  positional.add("command", 1).add("args", -1);
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
    if (vm.count("help") || command->empty()) {
      std::cout << usage << "\n" << flags;
      return command->empty() && !vm.count("help") ? 2 : 0;
    }
  } catch (const po::error& e) {
    std::fprintf(stderr, "%s: %s (see --help)\n", program, e.what());
    return 2;
  }
  return std::nullopt;
}

core::Expected<accord::v1::Command, std::string> ParseCommandJson(std::string_view line) {
  accord::v1::Command command;
  auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(line.data(), line.size()), &command);
  if (!parsed.ok()) return core::MakeUnexpected("not a command: " + std::string(parsed.message()));
  // A date given only as words ({"asStated": "June 2023"}) is read as people write it.
  if (auto dates = core::ReadDatesInWords(&command)) return core::MakeUnexpected(*dates);
  return command;
}

void ParseCommandLines(
    std::string_view text,
    const std::function<void(int, const core::Expected<accord::v1::Command, std::string>&)>& each) {
  int number = 1;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      each(number, ParseCommandJson(line));
    }
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
    ++number;
  }
}

int ForEachCommand(
    const std::vector<std::string>& paths,
    const std::function<std::optional<std::string>(const accord::v1::Command&)>& log) {
  int failures = 0;
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "cannot read %s\n", path.c_str());
      return -1;
    }
    std::stringstream text;
    text << in.rdbuf();
    ParseCommandLines(text.str(), [&](int number, const auto& command) {
      std::optional<std::string> error = command ? log(*command) : command.error();
      if (error) {
        std::fprintf(stderr, "%s:%d: %s\n", path.c_str(), number, error->c_str());
        ++failures;
      }
    });
  }
  return failures;
}

}  // namespace accord::tools
