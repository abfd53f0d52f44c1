// The command lines of accord and accord-local, run as a user runs them:
// each command takes its own flags and the global ones, and refuses any
// other with exit code 2 and a sentence naming it; its --help lists its own.
// No server is needed: the client is pointed at port 1, where nothing
// listens, so a line the parser wrongly let through fails to connect instead.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/testing/temp_dir.h"
#include "tools/milestone_flags.h"

extern char** environ;

namespace accord {
namespace {

struct Outcome {
  int exit_code = -1;  // -1: did not exit normally
  std::string out;
  std::string err;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `binary` with `args`, its stdout and stderr into files, to its end.
Outcome RunProgram(const std::string& binary, std::vector<std::string> args) {
  testing::TempDir dir;
  std::string out_path = dir.Sub("stdout"), err_path = dir.Sub("stderr");
  args.insert(args.begin(), binary);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&files, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  Outcome outcome;
  pid_t pid = -1;
  int spawned = posix_spawn(&pid, argv[0], &files, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&files);
  if (spawned != 0) {
    outcome.err = "cannot start " + binary;
    return outcome;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  outcome.out = ReadFile(out_path);
  outcome.err = ReadFile(err_path);
  return outcome;
}

bool Has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

Outcome Accord(std::vector<std::string> args) {
  args.insert(args.begin(), {"--port", "1"});
  return RunProgram(ACCORD_CLI, std::move(args));
}

TEST(AccordCommandLine, RefusesAFlagOfAnotherCommandNamingIt) {
  Outcome show = Accord({"show", "cospar-apsco-mou", "--csv"});
  EXPECT_EQ(show.exit_code, 2) << show.err;
  EXPECT_TRUE(Has(show.err, "accord show: ")) << show.err;
  EXPECT_TRUE(Has(show.err, "not expected: --csv")) << show.err;

  Outcome backup = Accord({"backup", "/tmp/copy", "--true-on", "2024-08-01"});
  EXPECT_EQ(backup.exit_code, 2) << backup.err;
  EXPECT_TRUE(Has(backup.err, "--true-on 2024-08-01")) << backup.err;

  // A milestone's flags come from the schema: a flag that is no field of
  // its event is refused the same way.
  Outcome sign = Accord({"sign", "--agreement", "x", "--party-id", "y", "--csv", "z"});
  EXPECT_EQ(sign.exit_code, 2) << sign.err;
  EXPECT_TRUE(Has(sign.err, "accord sign: --csv")) << sign.err;

  Outcome verify = Accord({"verify", "--save", "new.checkpoint"});
  EXPECT_EQ(verify.exit_code, 2) << verify.err;
  EXPECT_TRUE(Has(verify.err, "--save requires --since")) << verify.err;
}

TEST(AccordCommandLine, RefusesAMissingArgumentAndAnUnknownCommand) {
  Outcome history = Accord({"history"});
  EXPECT_EQ(history.exit_code, 2) << history.err;
  EXPECT_TRUE(Has(history.err, "AGREEMENT is required")) << history.err;

  Outcome unknown = Accord({"frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.err;
  EXPECT_TRUE(Has(unknown.err, "unknown command 'frobnicate'")) << unknown.err;
}

TEST(AccordCommandLine, RefusesADayItCannotReadWhileParsing) {
  Outcome show = Accord({"show", "x", "--true-on", "soon"});
  EXPECT_EQ(show.exit_code, 2) << show.err;
  EXPECT_TRUE(Has(show.err, "accord show: --true-on: 'soon'")) << show.err;
}

TEST(AccordCommandLine, TakesGlobalFlagsBeforeOrAfterTheCommand) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--host", "127.0.0.1", "--json", "show", "x"},
           {"show", "x", "--json", "--as", "me", "--host", "127.0.0.1"},
           {"sign", "--agreement", "x", "--party-id", "y", "--json", "--as", "me"}}) {
    Outcome outcome = Accord(args);
    EXPECT_EQ(outcome.exit_code, 1) << args[0] << ": " << outcome.err;
    EXPECT_TRUE(Has(outcome.err, "cannot connect to 127.0.0.1:1")) << outcome.err;
  }
}

TEST(AccordCommandLine, HelpOfACommandListsItsOwnFlags) {
  Outcome show = Accord({"show", "--help"});
  EXPECT_EQ(show.exit_code, 0) << show.err;
  EXPECT_TRUE(Has(show.out, "usage: accord show")) << show.out;
  EXPECT_TRUE(Has(show.out, "--true-on")) << show.out;
  EXPECT_TRUE(Has(show.out, "--recorded-before")) << show.out;
  EXPECT_FALSE(Has(show.out, "--csv")) << show.out;
  EXPECT_FALSE(Has(show.out, "--stage")) << show.out;
  EXPECT_TRUE(Has(show.out, "global flags, before or after the command: --host")) << show.out;

  Outcome report = Accord({"report", "--help"});
  EXPECT_EQ(report.exit_code, 0) << report.err;
  EXPECT_TRUE(Has(report.out, "--csv")) << report.out;
  EXPECT_FALSE(Has(report.out, "--true-on")) << report.out;

  Outcome join = Accord({"join", "--help"});
  EXPECT_EQ(join.exit_code, 0) << join.err;
  EXPECT_TRUE(Has(join.out, "--party.organisation-id")) << join.out;
  EXPECT_FALSE(Has(join.out, "--true-on")) << join.out;

  Outcome program = Accord({"--help"});
  EXPECT_EQ(program.exit_code, 0) << program.err;
  EXPECT_TRUE(Has(program.out, "--tls-ca")) << program.out;
  EXPECT_FALSE(Has(program.out, "--true-on DAY")) << program.out;
}

// A global flag after a milestone subcommand is the global one: no field of
// any event may carry its name, or that field could not be set.
TEST(AccordCommandLine, NoMilestoneFlagIsNamedLikeAGlobalFlag) {
  const std::string marker = "global flags, before or after the command: ";
  for (const auto& milestone : tools::MilestoneCommands()) {
    Outcome help = Accord({milestone.name, "--help"});
    ASSERT_EQ(help.exit_code, 0) << milestone.name << ": " << help.err;
    size_t at = help.out.rfind(marker);
    ASSERT_NE(at, std::string::npos) << help.out;
    std::string fields = help.out.substr(0, at);
    std::istringstream globals(help.out.substr(at + marker.size()));
    std::string name;
    int seen = 0;
    while (globals >> name && name.starts_with("--")) {
      if (name.ends_with(",")) name.pop_back();
      ++seen;
      EXPECT_FALSE(Has(fields, "\n  " + name + " ")) << milestone.name << " has " << name;
    }
    EXPECT_GE(seen, 6) << help.out;
  }
}

class AccordLocalCommandLine : public ::testing::Test {
 protected:
  Outcome Local(std::vector<std::string> args) {
    args.insert(args.begin(), {"--data", dir_.Sub("data")});
    return RunProgram(ACCORD_LOCAL, std::move(args));
  }
  testing::TempDir dir_;
};

TEST_F(AccordLocalCommandLine, RefusesAFlagOfAnotherCommandNamingIt) {
  Outcome show = Local({"show", "cospar-apsco-mou", "--csv"});
  EXPECT_EQ(show.exit_code, 2) << show.err;
  EXPECT_TRUE(Has(show.err, "accord-local show: ")) << show.err;
  EXPECT_TRUE(Has(show.err, "not expected: --csv")) << show.err;

  Outcome verify = Local({"verify", "--json"});
  EXPECT_EQ(verify.exit_code, 2) << verify.err;
  EXPECT_TRUE(Has(verify.err, "not expected: --json")) << verify.err;

  Outcome report = Local({"report", "--html"});
  EXPECT_EQ(report.exit_code, 2) << report.err;
  EXPECT_TRUE(Has(report.err, "not expected: --html")) << report.err;
}

TEST_F(AccordLocalCommandLine, RefusesADayItCannotReadWhileParsing) {
  Outcome report = Local({"report", "--today", "someday soon"});
  EXPECT_EQ(report.exit_code, 2) << report.err;
  EXPECT_TRUE(Has(report.err, "accord-local report: --today: 'someday")) << report.err;
}

TEST_F(AccordLocalCommandLine, RefusesAMissingArgumentAndAnUnknownCommand) {
  Outcome salvage = Local({"salvage", "damaged"});
  EXPECT_EQ(salvage.exit_code, 2) << salvage.err;
  EXPECT_TRUE(Has(salvage.err, "NEW is required")) << salvage.err;

  Outcome unknown = Local({"frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2) << unknown.err;
  EXPECT_TRUE(Has(unknown.err, "unknown command 'frobnicate'")) << unknown.err;
}

TEST_F(AccordLocalCommandLine, HelpOfACommandListsItsOwnFlags) {
  Outcome audit = Local({"audit", "--help"});
  EXPECT_EQ(audit.exit_code, 0) << audit.err;
  EXPECT_TRUE(Has(audit.out, "usage: accord-local audit")) << audit.out;
  for (const char* flag : {"--html", "--json", "--today"}) {
    EXPECT_TRUE(Has(audit.out, flag)) << flag << "\n" << audit.out;
  }
  EXPECT_FALSE(Has(audit.out, "--csv")) << audit.out;

  Outcome history = Local({"history", "--help"});
  EXPECT_EQ(history.exit_code, 0) << history.err;
  EXPECT_TRUE(Has(history.out, "--json")) << history.out;
  EXPECT_FALSE(Has(history.out, "--today")) << history.out;
  EXPECT_FALSE(Has(history.out, "--html")) << history.out;
}

}  // namespace
}  // namespace accord
