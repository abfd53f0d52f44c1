// The real accordd binary, run as a child process on a data folder, for
// tests of what only a whole process shows: its resident memory, its
// open-file limit, its lock on the data folder, its log on stderr.
//
//   AccorddProcess server(ACCORD_ACCORDD, {"--data", dir, "--no-auth"});
//   ASSERT_TRUE(server.WaitUntilServing()) << server.log();
//   long kb = server.ResidentKilobytes();
//
// The child's stderr goes to a file beside the data folder; the port is read
// from its "serving ... on 127.0.0.1:PORT" line. The destructor kills it.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace accord::testing {

class AccorddProcess {
 public:
  struct Options {
    // The child's RLIMIT_NOFILE, set before exec (unset: inherited).
    std::optional<rlimit> open_file_limit;
  };

  // Starts `binary` with `args` plus "--port 0" and, unless `args` name one,
  // "--http-port any"; its stderr goes to `log_path`.
  AccorddProcess(const std::string& binary, std::vector<std::string> args,
                 const std::string& log_path, Options options = {})
      : log_path_(log_path) {
    args.insert(args.begin(), binary);
    args.push_back("--port");
    args.push_back("0");
    if (std::find(args.begin(), args.end(), "--http-port") == args.end()) {
      args.push_back("--http-port");
      args.push_back("any");
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      // Only async-signal-safe calls between fork and exec.
      int log = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (log >= 0) dup2(log, STDERR_FILENO);
      if (options.open_file_limit) setrlimit(RLIMIT_NOFILE, &*options.open_file_limit);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~AccorddProcess() { Kill(); }
  AccorddProcess(const AccorddProcess&) = delete;
  AccorddProcess& operator=(const AccorddProcess&) = delete;

  // Waits for the serving line; false if the process exited or did not
  // serve within the deadline.
  bool WaitUntilServing(std::chrono::seconds limit = std::chrono::seconds(60)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      std::istringstream lines(log());
      std::string line;
      bool serving = false;
      while (std::getline(lines, line)) {
        auto at = line.find(" on 127.0.0.1:");
        if (line.find("serving ") != std::string::npos && at != std::string::npos) {
          port_ = static_cast<uint16_t>(std::stoi(line.substr(at + 14)));
          serving = true;
        }
        // "HTTP at http://127.0.0.1:7421/api/v1/", logged after the serving line.
        if (auto http = line.find("HTTP at http"); http != std::string::npos) {
          auto colon = line.find("127.0.0.1:", http);
          if (colon != std::string::npos) {
            http_port_ = static_cast<uint16_t>(std::stoi(line.substr(colon + 10)));
          }
        }
      }
      if (serving) return true;
      if (Exited()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  // Waits for the process to exit by itself; its exit code, or nullopt if
  // it was still running at the deadline or died of a signal.
  std::optional<int> WaitForExit(std::chrono::seconds limit = std::chrono::seconds(60)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (Exited()) {
        if (WIFEXITED(status_)) return WEXITSTATUS(status_);
        return std::nullopt;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
  }

  // SIGTERM, then waits: accordd's clean stop. Its exit code.
  std::optional<int> Stop() {
    if (pid_ > 0 && !exited_) kill(pid_, SIGTERM);
    return WaitForExit();
  }

  uint16_t port() const { return port_; }
  // The HTTP door's port; 0 when it has none.
  uint16_t http_port() const { return http_port_; }
  pid_t pid() const { return pid_; }

  // VmRSS of the process, in kilobytes; -1 if it cannot be read.
  long ResidentKilobytes() const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
    }
    return -1;
  }

  // The soft "Max open files" of the running process; -1 if unreadable.
  long OpenFileLimit() const {
    std::ifstream limits("/proc/" + std::to_string(pid_) + "/limits");
    std::string line;
    while (std::getline(limits, line)) {
      if (line.rfind("Max open files", 0) == 0) return std::strtol(line.c_str() + 14, nullptr, 10);
    }
    return -1;
  }

  std::string log() const {
    std::ifstream in(log_path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  bool Exited() {
    if (exited_) return true;
    if (pid_ <= 0) return true;
    exited_ = waitpid(pid_, &status_, WNOHANG) == pid_;
    return exited_;
  }
  void Kill() {
    if (pid_ <= 0 || exited_) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, &status_, 0);
    exited_ = true;
  }

  std::string log_path_;
  pid_t pid_ = -1;
  uint16_t port_ = 0;
  uint16_t http_port_ = 0;
  bool exited_ = false;
  int status_ = 0;
};

}  // namespace accord::testing
