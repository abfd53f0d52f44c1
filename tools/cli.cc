#include "tools/cli.h"

#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <fstream>
#include <iostream>

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

int ForEachCommand(
    const std::vector<std::string>& paths,
    const std::function<std::optional<std::string>(const accord::v1::Command&)>& log) {
  int failures = 0;
  for (const std::string& path : paths) {
    std::ifstream in(path);
    if (!in) {
      std::fprintf(stderr, "cannot read %s\n", path.c_str());
      return -1;
    }
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      accord::v1::Command command;
      auto parsed = google::protobuf::util::JsonStringToMessage(line, &command);
      std::optional<std::string> error;
      if (!parsed.ok()) {
        error = "not a command: " + std::string(parsed.message());
      } else if (auto dates = core::ReadDatesInWords(&command)) {
        error = *dates;
      } else {
        error = log(command);
      }
      if (error) {
        std::fprintf(stderr, "%s:%d: %s\n", path.c_str(), number, error->c_str());
        ++failures;
      }
    }
  }
  return failures;
}

}  // namespace accord::tools
