#include "tools/cli.h"

#include <google/protobuf/util/json_util.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/fuzzy_date.h"

namespace accord::tools {

namespace {

// The --help of the program and of its commands. The program's: its usage
// text, then its global flags. A command's: its usage line, summary,
// arguments and flags, and where the global flags are told.
class Help : public CLI::Formatter {
 public:
  Help() {
    label("Usage", "usage");
    label("OPTIONS", "flags");
    label("Positionals", "arguments");
    label("REQUIRED", "(required)");
    column_width(34);
  }

  // A positional argument's line is its name and what it is.
  std::string make_option_opts(const CLI::Option* option) const override {
    return option->get_positional() ? std::string() : CLI::Formatter::make_option_opts(option);
  }

  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode mode) const override {
    if (app->get_parent() == nullptr) return app->get_description() + make_groups(app, mode);
    return make_usage(app, name) + "\n" + app->get_description() + "\n" + make_positionals(app) +
           make_groups(app, mode) + "\n" + GlobalFlagsLine(*app->get_parent());
  }

  // "global flags, before or after the command: --host, --port (accord --help)".
  static std::string GlobalFlagsLine(const CLI::App& program) {
    std::string names;
    for (const CLI::Option* flag : program.get_options()) {
      if (flag == program.get_help_ptr() || flag->get_lnames().empty()) continue;
      names += (names.empty() ? "--" : ", --") + flag->get_lnames().front();
    }
    return "global flags, before or after the command: " + names + " (" + program.get_name() +
           " --help)\n";
  }
};

// CLI11's sentence for arguments no parser took, in the order given.
std::string Unexpected(std::vector<std::string> arguments) {
  std::reverse(arguments.begin(), arguments.end());  // ExtrasError lists them backwards
  return CLI::ExtrasError(std::move(arguments)).what();
}

constexpr char kGlobalFlags[] = "global flags (before or after the command)";
constexpr char kCommandFlags[] = "flags";

}  // namespace

std::unique_ptr<CLI::App> NewProgram(const std::string& name, const std::string& usage) {
  auto program = std::make_unique<CLI::App>(usage, name);
  program->formatter(std::make_shared<Help>());
  program->option_defaults()->group(kGlobalFlags);
  program->set_help_flag("-h,--help", "show this help");
  program->require_subcommand(0, 1);
  return program;
}

CLI::App* AddCommand(CLI::App& program, const std::string& name, const std::string& summary) {
  CLI::App* command = program.add_subcommand(name, summary);
  // The global flags are looked up on the program when the command does not
  // know a flag; anything neither knows comes back to the program, which
  // ParseCommandLine refuses.
  command->fallthrough();
  command->allow_extras(false);
  command->option_defaults()->group(kCommandFlags);
  command->get_help_ptr()->group(kCommandFlags);
  return command;
}

CLI::App* AddPassThroughCommand(CLI::App& program, const std::string& name,
                                const std::string& summary, std::function<std::string()> help) {
  CLI::App* command = AddCommand(program, name, summary);
  command->allow_extras(true);  // what marks it as pass-through to ParseCommandLine
  command->formatter_fn(
      [help = std::move(help)](const CLI::App* app, std::string, CLI::AppFormatMode) {
        return help() + "\n" + Help::GlobalFlagsLine(*app->get_parent());
      });
  return command;
}

void ReadsCalendarDay(CLI::Option* option) {
  option->check(CLI::Validator(
      [](std::string& text) {
        auto day = core::ParseCalendarDay(text);
        return day ? std::string() : day.error();
      },
      "DAY"));
}

std::optional<int> ParseCommandLine(CLI::App& program, int argc, char** argv,
                                    std::vector<std::string>* pass_through) {
  // What no parser knows reaches the program: the pass-through command's
  // flags, or a mistake.
  program.allow_extras(true);
  std::string where = program.get_name();
  auto refuse = [&where](const std::string& sentence) {
    std::fprintf(stderr, "%s: %s (see %s --help)\n", where.c_str(), sentence.c_str(),
                 where.c_str());
    return 2;
  };
  try {
    program.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << program.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    if (!program.get_subcommands().empty())
      where += " " + program.get_subcommands().front()->get_name();
    return refuse(e.what());
  }
  std::vector<std::string> extras = program.remaining();
  if (program.get_subcommands().empty()) {
    if (extras.empty()) {
      std::cout << program.help();
      return 2;
    }
    if (!extras.front().starts_with("-")) return refuse("unknown command '" + extras.front() + "'");
    return refuse(Unexpected(extras));
  }
  const CLI::App* command = program.get_subcommands().front();
  where += " " + command->get_name();
  if (command->get_allow_extras()) {
    if (pass_through != nullptr) *pass_through = std::move(extras);
  } else if (!extras.empty()) {
    return refuse(Unexpected(extras));
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

bool CommandLineReader::Next(int* number,
                             core::Expected<accord::v1::Command, std::string>* parsed) {
  while (!rest_.empty()) {
    size_t end = rest_.find('\n');
    std::string_view line = rest_.substr(0, end);
    rest_.remove_prefix(end == std::string_view::npos ? rest_.size() : end + 1);
    ++number_;
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      *number = number_;
      *parsed = ParseCommandJson(line);
      return true;
    }
  }
  return false;
}

void ParseCommandLines(
    std::string_view text,
    const std::function<void(int, const core::Expected<accord::v1::Command, std::string>&)>& each) {
  CommandLineReader reader(text);
  int number = 0;
  core::Expected<accord::v1::Command, std::string> parsed = core::MakeUnexpected(std::string());
  while (reader.Next(&number, &parsed)) each(number, parsed);
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
