// Real etcd members (Debian's /usr/bin/etcd, which scripts/setup installs),
// run as child processes on loopback ports for tests of the replicated log.
//
//   EtcdCluster etcd(dir.Sub("etcd"), 3);
//   ASSERT_TRUE(etcd.WaitUntilHealthy()) << etcd.log(0);
//   cluster.etcd_endpoints = etcd.endpoints();
//   etcd.Kill(0); etcd.Restart(0);   // SIGKILL one member, start it again
//   etcd.Stop(1); etcd.Continue(1);  // SIGSTOP, SIGCONT
//
// Ports are taken from the kernel (bind to port 0) just before the start.
// The destructor kills every member.
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>

namespace accord::testing {

// A loopback port free a moment ago.
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

inline bool PortAnswers(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return ok;
}

class EtcdCluster {
 public:
  EtcdCluster(const std::string& directory, int members) : directory_(directory) {
    std::filesystem::create_directories(directory_);
    std::string initial;
    for (int i = 0; i < members; ++i) {
      Member m;
      m.name = "e" + std::to_string(i + 1);
      m.client_port = FreePort();
      m.peer_port = FreePort();
      initial += (initial.empty() ? "" : ",") + m.name +
                 "=http://127.0.0.1:" + std::to_string(m.peer_port);
      members_.push_back(m);
    }
    for (Member& m : members_) {
      std::string client = "http://127.0.0.1:" + std::to_string(m.client_port);
      std::string peer = "http://127.0.0.1:" + std::to_string(m.peer_port);
      m.args = {"/usr/bin/etcd",
                "--name",
                m.name,
                "--data-dir",
                directory_ + "/" + m.name,
                "--listen-client-urls",
                client,
                "--advertise-client-urls",
                client,
                "--listen-peer-urls",
                peer,
                "--initial-advertise-peer-urls",
                peer,
                "--initial-cluster",
                initial,
                "--initial-cluster-state",
                "new",
                "--initial-cluster-token",
                "accord-test",
                "--heartbeat-interval",
                "100",
                "--election-timeout",
                "1000",
                "--max-txn-ops",
                "4096",
                "--quota-backend-bytes",
                "2147483648",
                "--log-level",
                "warn"};
      Spawn(m);
    }
  }
  ~EtcdCluster() {
    for (Member& m : members_) Reap(m, SIGKILL);
  }
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  // Every member takes connections (etcd opens its client port once it
  // serves; a majority must be up for it to answer requests).
  bool WaitUntilHealthy(std::chrono::seconds limit = std::chrono::seconds(60)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (Member& m : members_) {
      while (m.pid > 0 && !PortAnswers(m.client_port)) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    return true;
  }

  std::vector<std::string> endpoints() const {
    std::vector<std::string> out;
    for (const Member& m : members_) out.push_back("127.0.0.1:" + std::to_string(m.client_port));
    return out;
  }
  std::string endpoints_flag() const {
    std::string out;
    for (const std::string& e : endpoints()) out += (out.empty() ? "" : ",") + e;
    return out;
  }
  int size() const { return static_cast<int>(members_.size()); }
  pid_t pid(int i) const { return members_[i].pid; }
  std::string log(int i) const {
    std::ifstream in(directory_ + "/" + members_[i].name + ".log");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  void Kill(int i) { Reap(members_[i], SIGKILL); }
  void Restart(int i) {
    Member& m = members_[i];
    Reap(m, SIGKILL);
    // A restarted member joins the cluster it was part of, from its folder.
    for (size_t a = 0; a < m.args.size(); ++a) {
      if (m.args[a] == "--initial-cluster-state") m.args[a + 1] = "existing";
    }
    Spawn(m);
    while (!PortAnswers(m.client_port)) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  void Stop(int i) { kill(members_[i].pid, SIGSTOP); }
  void Continue(int i) { kill(members_[i].pid, SIGCONT); }

 private:
  struct Member {
    std::string name;
    int client_port = 0;
    int peer_port = 0;
    std::vector<std::string> args;
    pid_t pid = -1;
  };

  void Spawn(Member& m) {
    std::vector<char*> argv;
    for (auto& a : m.args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::string log_path = directory_ + "/" + m.name + ".log";
    m.pid = fork();
    if (m.pid == 0) {
      int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (log >= 0) {
        dup2(log, STDERR_FILENO);
        dup2(log, STDOUT_FILENO);
      }
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  static void Reap(Member& m, int signal) {
    if (m.pid <= 0) return;
    kill(m.pid, SIGCONT);
    kill(m.pid, signal);
    waitpid(m.pid, nullptr, 0);
    m.pid = -1;
  }

  std::string directory_;
  std::vector<Member> members_;
};

}  // namespace accord::testing
