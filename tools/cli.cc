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

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::optional<std::string> ReadDatesInWords(Message* message, const std::string& path);

// One message field's value: a date in words is parsed, anything else
// searched for dates of its own.
std::optional<std::string> ReadDateOrDescend(Message* value, const std::string& path) {
  if (value->GetDescriptor() != accord::v1::FuzzyDate::descriptor())
    return ReadDatesInWords(value, path);
  auto* date = static_cast<accord::v1::FuzzyDate*>(value);
  accord::v1::FuzzyDate words_only;
  words_only.set_as_stated(date->as_stated());
  if (date->as_stated().empty() || date->SerializeAsString() != words_only.SerializeAsString())
    return std::nullopt;
  auto parsed = core::ParseFuzzyDate(date->as_stated());
  if (!parsed) return path + ": " + parsed.error();
  *date = *parsed;
  return std::nullopt;
}

std::optional<std::string> ReadDatesInWords(Message* message, const std::string& path) {
  const auto* reflection = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    const std::string name = path.empty() ? f->json_name() : path + "." + f->json_name();
    if (!f->is_repeated()) {
      if (auto error = ReadDateOrDescend(reflection->MutableMessage(message, f), name))
        return error;
      continue;
    }
    for (int i = 0; i < reflection->FieldSize(*message, f); ++i) {
      if (auto error = ReadDateOrDescend(reflection->MutableRepeatedMessage(message, f, i),
                                         name + "[" + std::to_string(i) + "]"))
        return error;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> ReadDatesInWords(Message* message) {
  return ReadDatesInWords(message, "");
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
      } else if (auto dates = ReadDatesInWords(&command)) {
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
