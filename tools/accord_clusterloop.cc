// accord-clusterloop: the process-level kill tests of a cluster (issue 14).
// It runs three etcd members and three accordd nodes on loopback, appends
// from several clients to nodes chosen round-robin, and, in turn, while the
// load runs:
//   (a) SIGKILLs the etcd leader, restarts it after 2 s;
//   (b) SIGKILLs the accordd leader, restarts it after 2 s on the same
//       folder and ports (the failover, SIGKILL to the next acknowledged
//       append sent after it, is measured);
//   (c) SIGSTOPs one etcd member for 3 s;
//   (d) SIGKILLs one accordd follower, lets the others take --missed more
//       events, restarts it (it catches up from etcd);
//   (e) kills and restarts every process, one at a time, waiting until the
//       cluster takes appends again between them.
// After each scenario it pauses the load, waits until every node's head is
// the same, and proves on EVERY node what a cluster promises:
//   - positions are gapless from 0;
//   - every acknowledged event is in the log exactly once, at the position
//     it was acknowledged with (a lost answer retried on another node with
//     the same event ids is answered with the original positions);
//   - an append whose answer was lost is whole (its events consecutive, in
//     its stream) or absent; nothing else is in the log;
//   - leader_term never decreases along the log (and is set: every record
//     was committed under a leader);
//   - the node's verify passes, and every node has the same head hash.
//
//   accord-clusterloop --accordd build/tools/accordd --dir DIR [--cycles 10]
//                      [--clients 4] [--missed 3000] [--seed N]
//
// Exits 0 with a summary line when every check holds; otherwise prints the
// first breach (where nodes' logs part, etcd's view, where the logs are)
// and exits 1. DIR keeps each process's data and log (DIR/etcd-eK.log,
// DIR/nK.log), the accordd copy every start runs, and appends.log: what
// each client was told, line by line. Every child is killed on exit, also
// on failure and on SIGINT/SIGTERM.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/program_options.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "accord/v1/events.pb.h"
#include "net/client.h"

namespace {

using accord::v1::Request;
using accord::v1::Response;
using Clock = std::chrono::steady_clock;

constexpr int kEtcdMembers = 3;
constexpr int kNodes = 3;

struct Options {
  std::string accordd;
  std::string dir;
  int cycles = 10;
  int clients = 4;
  int missed = 3000;
  uint64_t seed = 0;
};

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// ---- children --------------------------------------------------------------

// Every child's pid, for the cleanup in a signal handler (which may only
// read atomics and call kill).
std::array<std::atomic<pid_t>, kEtcdMembers + kNodes> g_pids{};

void KillEveryChild() {
  for (auto& slot : g_pids) {
    pid_t pid = slot.load();
    if (pid > 0) {
      kill(pid, SIGCONT);  // a SIGSTOPped etcd must not outlive us either
      kill(pid, SIGKILL);
    }
  }
}

extern "C" void OnTerminate(int) {
  KillEveryChild();
  _exit(130);
}

// A breach or a cluster that does not come back: says so, kills every
// child, exits 1. Callable from any thread.
[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "accord-clusterloop: FAILED: %s\n", what.c_str());
  std::fflush(stderr);
  std::fflush(stdout);
  KillEveryChild();
  _exit(1);
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

bool PortAnswers(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return ok;
}

// One etcd member or accordd node: its command line is kept so that a
// restart is the same process again (same folder, same ports). Its stdout
// and stderr are appended to `log`, so the log of every run of it stays.
struct Child {
  std::string name;  // e1..e3, n1..n3
  std::vector<std::string> args;
  std::string log;
  int slot = 0;  // in g_pids
  pid_t pid = -1;
  int status = 0;  // waitpid's, once it exited by itself

  // Spawns it; only from the main thread: PR_SET_PDEATHSIG fires when the
  // thread that forked exits, and the main thread lives as long as we do.
  void Spawn() {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid = fork();
    if (pid == 0) {
      // Only async-signal-safe calls between fork and exec.
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // even if we are SIGKILLed ourselves
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
      }
      // The load's sockets are not the child's: a node holding a copy of a
      // client's connection would keep it open after the client closed it.
      for (int other = 3; other < 4096; ++other) close(other);
      execv(argv[0], argv.data());
      _exit(127);
    }
    g_pids[slot] = pid;
  }

  void Signal(int signal) {
    if (pid > 0) kill(pid, signal);
  }

  void Kill() {
    if (pid <= 0) return;
    kill(pid, SIGCONT);
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    g_pids[slot] = 0;
    pid = -1;
  }

  bool Exited() {
    if (pid <= 0) return true;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      g_pids[slot] = 0;
      pid = -1;
      return true;
    }
    return false;
  }

  uintmax_t LogSize() const {
    std::error_code ignored;
    auto size = std::filesystem::file_size(log, ignored);
    return ignored ? 0 : size;
  }
  std::string LogFrom(uintmax_t offset) const {
    std::ifstream in(log);
    in.seekg(static_cast<std::streamoff>(offset));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::string Tail(size_t lines) const {
    std::string text = LogFrom(0);
    size_t at = text.size();
    for (size_t n = 0; n <= lines && at > 0; ++n) {
      at = text.rfind('\n', at - 1);
      if (at == std::string::npos) return text;
    }
    return text.substr(at == 0 ? 0 : at + 1);
  }
  // How it exited, once Exited() said it did.
  std::string How() const {
    if (WIFEXITED(status)) return fmt::format("exit code {}", WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return fmt::format("signal {}", WTERMSIG(status));
    return "?";
  }
};

struct Node {
  Child process;
  uint16_t port = 0;  // accordd's TCP port, fixed across restarts
  std::string peer_address;
};

// ---- the cluster -------------------------------------------------------------

class Cluster {
 public:
  explicit Cluster(const Options& options) : options_(options) {}
  ~Cluster() {
    for (auto& e : etcd_) e.Kill();
    for (auto& n : nodes_) n.process.Kill();
  }

  void Start() {
    std::string initial;
    std::vector<int> client_ports, peer_ports;
    for (int k = 1; k <= kEtcdMembers; ++k) {
      client_ports.push_back(FreePort());
      peer_ports.push_back(FreePort());
      initial += fmt::format("{}e{}=http://127.0.0.1:{}", initial.empty() ? "" : ",", k,
                             peer_ports.back());
      endpoints_ +=
          fmt::format("{}127.0.0.1:{}", endpoints_.empty() ? "" : ",", client_ports.back());
    }
    etcd_ports_ = client_ports;
    etcd_.resize(kEtcdMembers);
    for (int k = 1; k <= kEtcdMembers; ++k) {
      Child& e = etcd_[k - 1];
      std::string client = fmt::format("http://127.0.0.1:{}", client_ports[k - 1]);
      std::string peer = fmt::format("http://127.0.0.1:{}", peer_ports[k - 1]);
      e.name = fmt::format("e{}", k);
      e.slot = k - 1;
      e.log = fmt::format("{}/etcd-e{}.log", options_.dir, k);
      // --max-txn-ops 4096: a group commit is one transaction of about 3
      // operations per event (docs/cluster.md); heartbeat and election as
      // scripts/cluster states them (a dead etcd leader goes in ~1 s).
      // Flag and value on one line:
      // clang-format off
      e.args = {"/usr/bin/etcd",
                "--name", e.name,
                "--data-dir", fmt::format("{}/etcd-e{}", options_.dir, k),
                "--listen-client-urls", client,
                "--advertise-client-urls", client,
                "--listen-peer-urls", peer,
                "--initial-advertise-peer-urls", peer,
                "--initial-cluster", initial,
                "--initial-cluster-state", "new",
                "--initial-cluster-token", "accord-clusterloop",
                "--max-txn-ops", "4096",
                "--heartbeat-interval", "100",
                "--election-timeout", "1000",
                "--log-level", "warn"};
      // clang-format on
    }
    // All three at once: a lone member waits for a quorum.
    for (auto& e : etcd_) e.Spawn();
    for (int k = 0; k < kEtcdMembers; ++k) WaitEtcdPort(k);
    for (auto& e : etcd_) {
      // A member restarted from its folder rejoins the cluster it was in.
      std::replace(e.args.begin(), e.args.end(), std::string("new"), std::string("existing"));
    }

    nodes_.resize(kNodes);
    for (int k = 1; k <= kNodes; ++k) {
      Node& n = nodes_[k - 1];
      n.port = static_cast<uint16_t>(FreePort());
      n.peer_address = fmt::format("127.0.0.1:{}", FreePort());
      n.process.name = fmt::format("n{}", k);
      n.process.slot = kEtcdMembers + k - 1;
      n.process.log = fmt::format("{}/n{}.log", options_.dir, k);
      // Flag and value on one line:
      // clang-format off
      n.process.args = {options_.accordd,
                        "--data", fmt::format("{}/n{}", options_.dir, k),
                        "--no-auth",
                        "--port", std::to_string(n.port),
                        "--http-port", "0",
                        "--etcd-endpoints", endpoints_,
                        "--etcd-prefix", "/accord/",
                        "--node-name", n.process.name,
                        "--peer-address", n.peer_address,
                        "--lease-seconds", "2",
                        // etcd's own --max-txn-ops, so that groups are cut to it.
                        "--etcd-max-txn-ops", "4096"};
      // clang-format on
    }
    // Together: one wins the election, the others follow.
    std::vector<uintmax_t> from;
    for (auto& n : nodes_) {
      from.push_back(n.process.LogSize());
      n.process.Spawn();
    }
    for (int k = 0; k < kNodes; ++k) WaitServing(k, from[k]);
  }

  const std::string& endpoints() const { return endpoints_; }
  const std::string& dir() const { return options_.dir; }
  int node_count() const { return kNodes; }
  uint16_t port(int k) const { return nodes_[k].port; }
  const std::string& node_name(int k) const { return nodes_[k].process.name; }
  const std::string& etcd_name(int k) const { return etcd_[k].name; }
  Child& etcd(int k) { return etcd_[k]; }
  Node& node(int k) { return nodes_[k]; }

  void RestartEtcd(int k) {
    etcd_[k].Kill();
    etcd_[k].Spawn();
    WaitEtcdPort(k);
  }
  void KillNode(int k) { nodes_[k].process.Kill(); }
  void RestartNode(int k) {
    nodes_[k].process.Kill();
    uintmax_t from = nodes_[k].process.LogSize();
    nodes_[k].process.Spawn();
    WaitServing(k, from);
  }

  // The etcd member that leads etcd's Raft now, or -1.
  int EtcdLeader() {
    std::string out = Run("endpoint status -w json");
    // [{"Endpoint":"127.0.0.1:P","Status":{"header":{..."member_id":M,...},
    //   ..."leader":L,...}}, ...]
    size_t at = 0;
    while ((at = out.find("\"Endpoint\":\"127.0.0.1:", at)) != std::string::npos) {
      int port = std::atoi(out.c_str() + at + 22);
      size_t member = out.find("\"member_id\":", at);
      size_t leader = out.find("\"leader\":", at);
      size_t next = out.find("\"Endpoint\":", at + 1);
      at += 1;
      if (member == std::string::npos || leader == std::string::npos) break;
      if (next != std::string::npos && (member > next || leader > next)) continue;
      auto number = [&](size_t from) {
        size_t colon = out.find(':', from);
        return std::strtoull(out.c_str() + colon + 1, nullptr, 10);
      };
      if (number(member) == number(leader)) {
        for (int k = 0; k < kEtcdMembers; ++k) {
          if (etcd_ports_[k] == port) return k;
        }
      }
    }
    return -1;
  }

  // The accordd node that holds <prefix>leader now, or -1.
  int AccorddLeader() {
    std::string value = Run("get /accord/leader --print-value-only");
    std::string name = value.substr(0, value.find('\n'));
    for (int k = 0; k < kNodes; ++k) {
      if (nodes_[k].process.name == name) return k;
    }
    return -1;
  }

  // Waits until `find` names someone; fails after 10 s (no leader for that
  // long is a cluster bug, not a slow machine).
  int WaitFor(const char* what, int (Cluster::*find)()) {
    auto deadline = Clock::now() + std::chrono::seconds(10);
    for (;;) {
      int k = (this->*find)();
      if (k >= 0) return k;
      if (Clock::now() > deadline) Fail(fmt::format("no {} for 10 s", what));
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  // What etcd holds of the cluster, for a failure's message.
  std::string Diagnose() {
    return fmt::format("etcd endpoint status:\n{}etcd {{leader, head}} keys:\n{}{}",
                       Run("endpoint status -w table"), Run("get /accord/leader -w json"),
                       Run("get /accord/head -w json"));
  }

 private:
  std::string Run(const std::string& command) {
    std::string line = fmt::format(
        "ETCDCTL_API=3 /usr/bin/etcdctl --endpoints={} --dial-timeout 1s --command-timeout 3s {} "
        "2>/dev/null",
        endpoints_, command);
    FILE* pipe = popen(line.c_str(), "r");
    if (pipe == nullptr) return "";
    std::string out;
    char buffer[4096];
    size_t n = 0;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    pclose(pipe);
    return out;
  }

  void WaitEtcdPort(int k) {
    auto deadline = Clock::now() + std::chrono::seconds(30);
    while (!PortAnswers(etcd_ports_[k])) {
      if (etcd_[k].Exited()) {
        Fail(fmt::format("etcd member {} exited ({}):\n{}", etcd_[k].name, etcd_[k].How(),
                         etcd_[k].Tail(20)));
      }
      if (Clock::now() > deadline) Fail(fmt::format("etcd member {} did not serve", etcd_[k].name));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  // The "serving ... on 127.0.0.1:PORT" line, in what the node logged since
  // `from`: a restarted node logs it once its copy has caught up with etcd.
  void WaitServing(int k, uintmax_t from) {
    Node& n = nodes_[k];
    auto deadline = Clock::now() + std::chrono::seconds(60);
    for (;;) {
      std::istringstream lines(n.process.LogFrom(from));
      std::string line;
      while (std::getline(lines, line)) {
        auto at = line.find(" on 127.0.0.1:");
        if (line.find("serving ") != std::string::npos && at != std::string::npos) {
          if (std::stoi(line.substr(at + 14)) != n.port) {
            Fail(fmt::format("node {} serves on {}, not its port {}", n.process.name,
                             line.substr(at + 14), n.port));
          }
          return;
        }
      }
      if (n.process.Exited()) {
        Fail(fmt::format("node {} exited ({}):\n{}", n.process.name, n.process.How(),
                         n.process.Tail(20)));
      }
      if (Clock::now() > deadline) {
        Fail(fmt::format("node {} logged no serving line in 60 s:\n{}", n.process.name,
                         n.process.Tail(20)));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  const Options& options_;
  std::string endpoints_;
  std::vector<int> etcd_ports_;
  std::vector<Child> etcd_;
  std::vector<Node> nodes_;
};

// ---- the load ------------------------------------------------------------------

// One append a client sent. An uncertain one (its answer lost, or an error
// that leaves the outcome unknown) is retried with the same event ids and
// content until answered.
struct Append {
  std::vector<std::string> event_ids;
  std::string stream;
  std::optional<uint64_t> first_position;  // acknowledged at
  bool ever_uncertain = false;
  // For an uncertain one: whether its first attempt turned out committed
  // (a retry answered already_stored, or a check found it whole) or not.
  enum class Fate { kUnknown, kWhole, kAbsent } fate = Fate::kUnknown;
};

class Load {
 public:
  Load(Cluster* cluster, const Options& options)
      : cluster_(cluster), options_(options), journal_(options.dir + "/appends.log") {
    run_ = std::random_device{}() ^ static_cast<uint32_t>(options.seed);
  }
  ~Load() { Stop(); }

  void Start() {
    for (int c = 0; c < options_.clients; ++c) threads_.emplace_back([this, c] { Client(c); });
  }
  void Stop() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
      paused_ = false;
    }
    changed_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  // Returns once no client has a request in flight.
  void Pause() {
    std::unique_lock lock(mutex_);
    paused_ = true;
    changed_.wait(lock, [&] { return parked_ == options_.clients; });
  }
  void Resume() {
    {
      std::lock_guard lock(mutex_);
      paused_ = false;
    }
    changed_.notify_all();
  }

  uint64_t acknowledged_events() const { return acknowledged_events_.load(); }
  uint64_t acknowledged() const { return acknowledged_.load(); }
  size_t uncertain() {
    std::lock_guard lock(mutex_);
    return uncertain_;
  }
  // From now on, notes when the first append sent after `ns` is
  // acknowledged: that the cluster takes appends again after a fault (an
  // answer to one sent before could be of a commit made before it).
  void Mark(int64_t ns) {
    mark_ns_ = INT64_MAX;
    first_ack_after_mark_ns_ = 0;
    mark_ns_ = ns;
  }
  // When that append was acknowledged; 0 while none is.
  int64_t first_acknowledged_after_mark_ns() const { return first_ack_after_mark_ns_.load(); }

  // The newest append whose answer was lost, and why: for failures.
  std::string last_lost() {
    std::lock_guard lock(mutex_);
    return last_lost_;
  }

  // While paused: the appends, for the checks.
  std::mutex& mutex() { return mutex_; }
  std::deque<Append>& appends() { return appends_; }

 private:
  std::string EventId(uint64_t n) const {
    return fmt::format("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", run_, (n >> 40) & 0xffff,
                       (n >> 28) & 0xfff, (n >> 16) & 0xfff, n & 0xffffffffffffULL);
  }

  Request Build(const Append& a) const {
    Request request;
    auto* append = request.mutable_append_events();
    append->set_stream_id(a.stream);
    append->mutable_expected()->set_any(true);
    for (const auto& id : a.event_ids) {
      auto* e = append->add_events();
      e->set_event_id(id);
      // A type whose payload the server decodes; the text depends on the
      // id only, so a retry is the same content (not a duplicate id).
      e->set_event_type("accord.v1.NoteAdded");
      e->set_schema_version(1);
      accord::v1::NoteAdded note;
      note.set_text("clusterloop note " + id);
      e->set_payload(note.SerializeAsString());
    }
    return request;
  }

  // A line for each answer in DIR/appends.log, flushed at once: what a
  // client was told survives our exit, for reading a failure's logs
  // (mutex_ held).
  void Journal(const std::string& what, int node, const Append& a) {
    journal_ << fmt::format("{}: {}, {} events to {}:", cluster_->node_name(node), what,
                            a.event_ids.size(), a.stream);
    for (const auto& id : a.event_ids) journal_ << ' ' << id;
    journal_ << std::endl;
  }

  void Client(int index) {
    std::mt19937_64 random(options_.seed * 7919 + static_cast<uint64_t>(index));
    int node = index % cluster_->node_count();
    std::unique_ptr<accord::net::Client> client;
    std::deque<size_t> retries;  // this client's uncertain appends, oldest first
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        if (paused_ && !stop_) {
          ++parked_;
          changed_.notify_all();
          changed_.wait(lock, [&] { return !paused_ || stop_; });
          --parked_;
        }
        if (stop_) return;
      }
      if (!client) {
        accord::net::ConnectOptions connect;
        connect.client_name = fmt::format("clusterloop-{}", index);
        connect.timeout = std::chrono::milliseconds(5000);
        if (!accord::net::Client::Connect("127.0.0.1", cluster_->port(node), connect, &client)
                 .ok()) {
          client.reset();
          node = (node + 1) % cluster_->node_count();
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          continue;
        }
        // Longer than the store's append timeout (15 s): a request timed out
        // here could still be committed by the live node after a check.
        client->SetReceiveTimeout(std::chrono::seconds(60));
      }
      size_t slot = 0;
      Request request;
      {
        std::lock_guard lock(mutex_);
        if (!retries.empty()) {
          slot = retries.front();
        } else {
          Append a;
          a.stream = fmt::format("cluster-stream-{}", random() % 5);
          int count = 1 + static_cast<int>(random() % 3);
          for (int i = 0; i < count; ++i) a.event_ids.push_back(EventId(next_id_++));
          slot = appends_.size();
          appends_.push_back(std::move(a));
        }
        request = Build(appends_[slot]);
      }
      int64_t sent_ns = NowNs();
      Response response;
      bool lost = !client->Call(request, &response).ok();
      std::string error;
      if (!lost && response.has_error()) {
        auto code = response.error().code();
        // Codes whose outcome is unknown, or that a node under failover may
        // answer: the append is retried on another node.
        if (code == accord::v1::IO_ERROR || code == accord::v1::SHUTTING_DOWN ||
            code == accord::v1::RESOURCE_EXHAUSTED) {
          lost = true;
        } else {
          error =
              fmt::format("{} ({})", accord::v1::ErrorCode_Name(code), response.error().message());
        }
      }
      std::lock_guard lock(mutex_);
      Append& a = appends_[slot];
      if (lost) {
        last_lost_ = fmt::format(
            "client {} on {}: {}", index, cluster_->node_name(node),
            response.has_error() ? response.error().message() : std::string("connection lost"));
        if (!a.ever_uncertain) ++uncertain_;
        Journal("lost", node, a);
        a.ever_uncertain = true;
        if (retries.empty() || retries.front() != slot) retries.push_front(slot);
        client.reset();
        node = (node + 1) % cluster_->node_count();  // the retry goes to another node
        continue;
      }
      if (!error.empty() || !response.has_appended()) {
        Fail(fmt::format("node {} answered an append of {} ({} events, to {}) with {}",
                         cluster_->node_name(node), a.event_ids[0], a.event_ids.size(), a.stream,
                         error.empty() ? response.ShortDebugString() : error));
      }
      const auto& appended = response.appended();
      if (appended.last_position() - appended.first_position() + 1 != a.event_ids.size()) {
        Fail(fmt::format("node {} acknowledged {} events from {} at positions {}..{}",
                         cluster_->node_name(node), a.event_ids.size(), a.event_ids[0],
                         appended.first_position(), appended.last_position()));
      }
      if (a.first_position && *a.first_position != appended.first_position()) {
        Fail(fmt::format("{} was acknowledged at {}, then at {}", a.event_ids[0], *a.first_position,
                         appended.first_position()));
      }
      a.first_position = appended.first_position();
      Journal(fmt::format("acknowledged at {}{}", *a.first_position,
                          appended.already_stored() ? " (already stored)" : ""),
              node, a);
      if (a.ever_uncertain) {
        if (a.fate == Append::Fate::kUnknown) {
          a.fate = appended.already_stored() ? Append::Fate::kWhole : Append::Fate::kAbsent;
        }
        if (!retries.empty() && retries.front() == slot) retries.pop_front();
      }
      ++acknowledged_;
      acknowledged_events_ += a.event_ids.size();
      if (sent_ns > mark_ns_.load()) {
        int64_t none = 0;
        first_ack_after_mark_ns_.compare_exchange_strong(none, NowNs());
      }
    }
  }

  Cluster* cluster_;
  const Options& options_;
  uint32_t run_ = 0;  // makes this run's event ids fresh
  std::mutex mutex_;
  std::condition_variable changed_;
  bool paused_ = false;
  bool stop_ = false;
  int parked_ = 0;
  uint64_t next_id_ = 1;
  std::deque<Append> appends_;
  size_t uncertain_ = 0;
  std::string last_lost_;
  std::ofstream journal_;
  std::atomic<uint64_t> acknowledged_{0};
  std::atomic<uint64_t> acknowledged_events_{0};
  std::atomic<int64_t> mark_ns_{INT64_MAX};
  std::atomic<int64_t> first_ack_after_mark_ns_{0};
  std::vector<std::thread> threads_;
};

// ---- the checks ----------------------------------------------------------------

std::string Hex(const std::string& bytes, size_t max = 8) {
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < max; ++i) {
    out += fmt::format("{:02x}", static_cast<unsigned char>(bytes[i]));
  }
  return out;
}

std::unique_ptr<accord::net::Client> Connect(Cluster& cluster, int k) {
  std::unique_ptr<accord::net::Client> client;
  accord::net::ConnectOptions connect;
  connect.client_name = "clusterloop-checker";
  connect.timeout = std::chrono::milliseconds(10000);
  auto status = accord::net::Client::Connect("127.0.0.1", cluster.port(k), connect, &client);
  if (!status.ok()) {
    Fail(fmt::format("cannot connect to node {}: {}", cluster.node_name(k), status.message()));
  }
  client->SetReceiveTimeout(std::chrono::seconds(60));
  return client;
}

struct Head {
  uint64_t position = 0;
  std::string hash;
  bool operator==(const Head&) const = default;
};

Head ReadHead(accord::net::Client& client, const std::string& name) {
  Request request;
  request.mutable_get_health();
  Response response;
  if (!client.Call(request, &response).ok() || !response.has_health()) {
    Fail(fmt::format("node {} did not answer its health", name));
  }
  return {response.health().log_position(), response.health().head_hash()};
}

// Each node's log as (event id, leader_term) by position: for naming where
// nodes part when their heads do not meet.
std::vector<std::pair<std::string, uint64_t>> ReadIds(accord::net::Client& client) {
  std::vector<std::pair<std::string, uint64_t>> ids;
  for (uint64_t from = 0;;) {
    Request read;
    read.mutable_read_all()->set_from_position(from);
    read.mutable_read_all()->set_max_count(1000);
    Response page;
    if (!client.Call(read, &page).ok() || !page.has_page()) break;
    for (const auto& e : page.page().events()) {
      ids.emplace_back(e.record().event_id(), e.record().leader_term());
    }
    from = page.page().next();
    if (page.page().end_of_data()) break;
  }
  return ids;
}

// Where the nodes' logs part, and what the load knows of the events there.
std::string Divergence(Cluster& cluster, std::vector<std::unique_ptr<accord::net::Client>>& clients,
                       Load& load) {
  std::vector<std::vector<std::pair<std::string, uint64_t>>> logs;
  for (auto& c : clients) logs.push_back(ReadIds(*c));
  std::map<std::string, std::string> told;  // event id -> what its client was told
  {
    std::lock_guard lock(load.mutex());
    for (const Append& a : load.appends()) {
      for (size_t i = 0; i < a.event_ids.size(); ++i) {
        told[a.event_ids[i]] = a.first_position
                                   ? fmt::format("acknowledged at {}", *a.first_position + i)
                                   : std::string(a.ever_uncertain ? "answer lost" : "in flight");
      }
    }
  }
  size_t longest = 0;
  for (auto& l : logs) longest = std::max(longest, l.size());
  std::string text;
  for (size_t p = 0; p < longest; ++p) {
    bool same = true;
    for (auto& l : logs) same = same && p < l.size() && l[p] == logs[0][p];
    if (same) continue;
    text = fmt::format("the logs part at position {}:\n", p);
    for (size_t k = 0; k < logs.size(); ++k) {
      text += fmt::format("  {}:", cluster.node_name(static_cast<int>(k)));
      for (size_t q = p; q < std::min(logs[k].size(), p + 5); ++q) {
        text += fmt::format(" @{} {} (term {}, {})", q, logs[k][q].first, logs[k][q].second,
                            told.count(logs[k][q].first) ? told[logs[k][q].first] : "never sent");
      }
      if (logs[k].size() <= p) text += " (its log ends here)";
      text += "\n";
    }
    break;
  }
  return text;
}

// Waits until every node's head is the same (each copy is fed by its own
// watch of etcd, so they meet some time after the last commit).
Head WaitForHeads(Cluster& cluster, std::vector<std::unique_ptr<accord::net::Client>>& clients,
                  Load& load) {
  auto deadline = Clock::now() + std::chrono::seconds(30);
  for (;;) {
    std::vector<Head> heads;
    for (int k = 0; k < cluster.node_count(); ++k) {
      heads.push_back(ReadHead(*clients[k], cluster.node_name(k)));
    }
    if (std::all_of(heads.begin(), heads.end(), [&](const Head& h) { return h == heads[0]; })) {
      return heads[0];
    }
    if (Clock::now() > deadline) {
      std::string text;
      for (int k = 0; k < cluster.node_count(); ++k) {
        text += fmt::format(" {} at {} ({})", cluster.node_name(k), heads[k].position,
                            Hex(heads[k].hash));
      }
      Fail(fmt::format("the nodes' heads did not meet in 30 s:{}\n{}{}logs: {}/*.log", text,
                       Divergence(cluster, clients, load), cluster.Diagnose(), cluster.dir()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// Checks one node's whole log against what was sent; returns its hashes by
// position (for comparing nodes). Fails on any breach.
std::vector<std::string> CheckNode(accord::net::Client& client, const std::string& name,
                                   std::deque<Append>& appends, bool settle_fates) {
  std::map<std::string, uint64_t> positions;  // event id -> position
  std::vector<std::string> streams, hashes;
  uint64_t from = 0, term = 0;
  for (;;) {
    Request read;
    read.mutable_read_all()->set_from_position(from);
    read.mutable_read_all()->set_max_count(1000);
    Response page;
    if (!client.Call(read, &page).ok() || !page.has_page()) {
      Fail(fmt::format("node {}: reading the log from {} failed: {}", name, from,
                       page.ShortDebugString()));
    }
    for (const auto& e : page.page().events()) {
      const auto& r = e.record();
      if (r.position() != hashes.size()) {
        Fail(fmt::format("node {}: a gap: position {} where {} was due", name, r.position(),
                         hashes.size()));
      }
      if (!positions.emplace(r.event_id(), r.position()).second) {
        Fail(fmt::format("node {}: event {} is in the log twice (at {} and {})", name, r.event_id(),
                         positions[r.event_id()], r.position()));
      }
      if (r.leader_term() == 0) {
        Fail(fmt::format("node {}: the record at {} has no leader_term", name, r.position()));
      }
      if (r.leader_term() < term) {
        Fail(fmt::format("node {}: leader_term goes down at {}: {} after {}", name, r.position(),
                         r.leader_term(), term));
      }
      term = r.leader_term();
      streams.push_back(r.stream_id());
      hashes.push_back(r.hash());
    }
    from = page.page().next();
    if (page.page().end_of_data()) break;
  }

  size_t known = 0;
  for (Append& a : appends) {
    size_t present = 0;
    for (const auto& id : a.event_ids) present += positions.count(id);
    known += present;
    if (a.first_position) {
      for (size_t i = 0; i < a.event_ids.size(); ++i) {
        auto it = positions.find(a.event_ids[i]);
        if (it == positions.end()) {
          Fail(fmt::format("node {}: event {} was acknowledged at {} but is not in the log", name,
                           a.event_ids[i], *a.first_position + i));
        }
        if (it->second != *a.first_position + i) {
          Fail(fmt::format("node {}: event {} was acknowledged at {} but is at {}", name,
                           a.event_ids[i], *a.first_position + i, it->second));
        }
      }
      continue;
    }
    if (present == 0) {
      if (settle_fates && a.ever_uncertain && a.fate == Append::Fate::kUnknown) {
        a.fate = Append::Fate::kAbsent;
      }
      continue;
    }
    // Whole: every event, consecutive, in its stream.
    uint64_t first = positions.count(a.event_ids[0]) ? positions[a.event_ids[0]] : UINT64_MAX;
    for (size_t i = 0; i < a.event_ids.size(); ++i) {
      auto it = positions.find(a.event_ids[i]);
      if (it == positions.end() || it->second != first + i || streams[it->second] != a.stream) {
        Fail(fmt::format(
            "node {}: an append whose answer was lost is not whole: {} of its {} events "
            "(from {}) present, {} at {}",
            name, present, a.event_ids.size(), a.event_ids[0], a.event_ids[i],
            it == positions.end() ? std::string("absent") : std::to_string(it->second)));
      }
    }
    if (settle_fates && a.fate == Append::Fate::kUnknown) a.fate = Append::Fate::kWhole;
  }
  if (known != positions.size()) {
    for (const auto& [id, position] : positions) {
      bool sent = false;
      for (const Append& a : appends) {
        sent = sent || std::find(a.event_ids.begin(), a.event_ids.end(), id) != a.event_ids.end();
      }
      if (!sent) Fail(fmt::format("node {}: event {} at {} was never sent", name, id, position));
    }
  }

  Request verify;
  verify.mutable_verify_log();
  Response verified;
  if (!client.Call(verify, &verified).ok())
    Fail(fmt::format("node {}: verify did not answer", name));
  if (!verified.has_verified()) {
    Fail(fmt::format("node {}: verify failed: {}", name, verified.ShortDebugString()));
  }
  if (verified.verified().records() != hashes.size() ||
      (!hashes.empty() && verified.verified().head_hash() != hashes.back())) {
    Fail(fmt::format("node {}: verify saw {} records, head {}; the log read has {}, head {}", name,
                     verified.verified().records(), Hex(verified.verified().head_hash()),
                     hashes.size(), hashes.empty() ? "-" : Hex(hashes.back())));
  }
  return hashes;
}

// Every node, with the load paused. A one-line account of it.
std::string CheckAll(Cluster& cluster, Load& load) {
  std::vector<std::unique_ptr<accord::net::Client>> clients;
  for (int k = 0; k < cluster.node_count(); ++k) clients.push_back(Connect(cluster, k));
  for (int attempt = 1;; ++attempt) {
    Head head = WaitForHeads(cluster, clients, load);
    std::lock_guard lock(load.mutex());
    std::vector<std::vector<std::string>> logs;
    for (int k = 0; k < cluster.node_count(); ++k) {
      // Fates are settled on the first node only: all hold the same log.
      logs.push_back(CheckNode(*clients[k], cluster.node_name(k), load.appends(), k == 0));
    }
    bool same_length = std::all_of(logs.begin(), logs.end(),
                                   [&](const auto& l) { return l.size() == logs[0].size(); });
    // A commit of a lost answer may still land between the reads of two
    // nodes (a node's store retries it); then look again.
    if (!same_length && attempt < 3) continue;
    for (int k = 1; k < cluster.node_count(); ++k) {
      size_t common = std::min(logs[k].size(), logs[0].size());
      for (size_t p = 0; p < common; ++p) {
        if (logs[k][p] != logs[0][p]) {
          Fail(fmt::format("nodes {} and {} disagree at position {}: {} vs {}",
                           cluster.node_name(0), cluster.node_name(k), p, Hex(logs[0][p]),
                           Hex(logs[k][p])));
        }
      }
      if (logs[k].size() != logs[0].size()) {
        Fail(fmt::format("nodes {} and {} hold {} and {} records", cluster.node_name(0),
                         cluster.node_name(k), logs[0].size(), logs[k].size()));
      }
    }
    return fmt::format("{} nodes verified at head {} ({})", cluster.node_count(), logs[0].size(),
                       Hex(logs[0].empty() ? head.hash : logs[0].back()));
  }
}

// ---- the scenarios -------------------------------------------------------------

struct Tally {
  int etcd_leader_kills = 0, accordd_leader_kills = 0, stops = 0, follower_restarts = 0,
      rolling_restarts = 0;
  std::vector<double> failover_ms;
};

void Say(const std::string& text) {
  std::printf("%s\n", text.c_str());
  std::fflush(stdout);
}

// Waits until an append sent after Mark is acknowledged; the ns it was.
int64_t WaitForAppends(Cluster& cluster, Load& load, const std::string& after) {
  auto deadline = Clock::now() + std::chrono::seconds(30);
  for (;;) {
    int64_t at = load.first_acknowledged_after_mark_ns();
    if (at != 0) return at;
    if (Clock::now() > deadline) {
      Fail(fmt::format(
          "no append acknowledged for 30 s after {}; the last lost: {}\n{}logs: {}/*.log", after,
          load.last_lost(), cluster.Diagnose(), cluster.dir()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void KillEtcdLeader(Cluster& cluster, Load& load, Tally& tally) {
  int k = cluster.WaitFor("etcd leader", &Cluster::EtcdLeader);
  cluster.etcd(k).Kill();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  cluster.RestartEtcd(k);
  load.Mark(NowNs());
  WaitForAppends(cluster, load, "restarting the etcd leader " + cluster.etcd_name(k));
  ++tally.etcd_leader_kills;
  Say(fmt::format("  (a) etcd leader {} SIGKILLed, restarted after 2 s", cluster.etcd_name(k)));
}

void KillAccorddLeader(Cluster& cluster, Load& load, Tally& tally) {
  int k = cluster.WaitFor("accordd leader", &Cluster::AccorddLeader);
  int64_t killed = NowNs();
  load.Mark(killed);
  cluster.KillNode(k);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  cluster.RestartNode(k);
  int64_t answered =
      WaitForAppends(cluster, load, "killing the accordd leader " + cluster.node_name(k));
  double ms = static_cast<double>(answered - killed) / 1e6;
  tally.failover_ms.push_back(ms);
  ++tally.accordd_leader_kills;
  int leader = cluster.WaitFor("accordd leader", &Cluster::AccorddLeader);
  Say(fmt::format(
      "  (b) accordd leader {} SIGKILLed, restarted after 2 s; failover {:.0f} ms (SIGKILL to the "
      "next acknowledged append); leader now {}",
      cluster.node_name(k), ms, cluster.node_name(leader)));
}

void StopEtcdMember(Cluster& cluster, Load& load, Tally& tally, int k) {
  Child& member = cluster.etcd(k);
  member.Signal(SIGSTOP);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  member.Signal(SIGCONT);
  load.Mark(NowNs());
  WaitForAppends(cluster, load, "SIGCONT to etcd member " + member.name);
  ++tally.stops;
  Say(fmt::format("  (c) etcd member {} SIGSTOPped for 3 s, then SIGCONT", member.name));
}

void RestartFollower(Cluster& cluster, Load& load, Tally& tally, const Options& options,
                     int cycle) {
  int leader = cluster.WaitFor("accordd leader", &Cluster::AccorddLeader);
  int k = (leader + 1 + cycle % 2) % cluster.node_count();
  cluster.KillNode(k);
  uint64_t from = load.acknowledged_events();
  auto deadline = Clock::now() + std::chrono::seconds(120);
  while (load.acknowledged_events() < from + static_cast<uint64_t>(options.missed)) {
    if (Clock::now() > deadline) {
      Fail(fmt::format("with follower {} down, the others took {} events in 120 s, not {}",
                       cluster.node_name(k), load.acknowledged_events() - from, options.missed));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  uint64_t missed = load.acknowledged_events() - from;
  auto started = Clock::now();
  cluster.RestartNode(k);
  double catch_up = std::chrono::duration<double>(Clock::now() - started).count();
  ++tally.follower_restarts;
  Say(fmt::format(
      "  (d) follower {} SIGKILLed, the others took {} events, restarted (serving after {:.1f} s)",
      cluster.node_name(k), missed, catch_up));
}

void RollingRestart(Cluster& cluster, Load& load, Tally& tally) {
  std::string names;
  for (int k = 0; k < kEtcdMembers; ++k) {
    cluster.RestartEtcd(k);  // SIGKILL, then the same command line
    load.Mark(NowNs());
    WaitForAppends(cluster, load, "restarting etcd member " + cluster.etcd_name(k));
    names += " " + cluster.etcd_name(k);
  }
  for (int k = 0; k < cluster.node_count(); ++k) {
    cluster.RestartNode(k);
    load.Mark(NowNs());
    WaitForAppends(cluster, load, "restarting node " + cluster.node_name(k));
    names += " " + cluster.node_name(k);
  }
  ++tally.rolling_restarts;
  Say("  (e) SIGKILLed and restarted in turn, appends taken after each:" + names);
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  Options options;
  po::options_description flags("usage: accord-clusterloop [options]\n\noptions");
  flags.add_options()("help,h", "show this help")(
      "accordd", po::value(&options.accordd)->required(), "the accordd binary")(
      "dir", po::value(&options.dir)->required(),
      "a folder for the members' and nodes' data and logs (emptied first)")(
      "cycles", po::value(&options.cycles)->default_value(10),
      "rounds of the five scenarios (a)-(e)")(
      "clients", po::value(&options.clients)->default_value(4), "concurrent appending clients")(
      "missed", po::value(&options.missed)->default_value(3000),
      "(d): events the others take while a follower is down")(
      "seed", po::value(&options.seed)->default_value(0), "random seed (0: from the clock)");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, flags), vm);
    if (vm.count("help")) {
      std::cout << flags;
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "accord-clusterloop: %s (see --help)\n", e.what());
    return 2;
  }
  if (options.cycles < 1 || options.clients < 1 || options.missed < 0) {
    std::fprintf(stderr, "accord-clusterloop: --cycles and --clients must be at least 1\n");
    return 2;
  }
  if (options.seed == 0) {
    options.seed = static_cast<uint64_t>(Clock::now().time_since_epoch().count());
  }
  options.dir = std::filesystem::absolute(options.dir).lexically_normal().string();
  std::filesystem::remove_all(options.dir);
  std::filesystem::create_directories(options.dir);
  // Every start and restart runs this copy: a rebuild of the binary during
  // the run (the tree is shared) must not swap it under a restart. A binary
  // being linked right now is waited for: copied only once it is
  // executable and did not change while it was copied.
  namespace fs = std::filesystem;
  std::string accordd = options.dir + "/accordd";
  for (int attempt = 0;; ++attempt) {
    std::error_code error;
    auto before = fs::last_write_time(options.accordd, error);
    auto size = fs::file_size(options.accordd, error);
    bool executable = !error && (fs::status(options.accordd).permissions() &
                                 fs::perms::owner_exec) != fs::perms::none;
    if (executable) {
      fs::copy_file(options.accordd, accordd, fs::copy_options::overwrite_existing, error);
    }
    if (executable && !error && fs::last_write_time(options.accordd) == before &&
        fs::file_size(options.accordd) == size && fs::file_size(accordd) == size) {
      break;
    }
    if (attempt == 60) {
      std::fprintf(stderr, "accord-clusterloop: cannot copy %s (%s)\n", options.accordd.c_str(),
                   error ? error.message().c_str() : "not an executable that stays put");
      return 2;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  fs::permissions(accordd, fs::perms::owner_all, fs::perm_options::add);
  options.accordd = accordd;

  // A killed node closes connections under the clients' writes.
  signal(SIGPIPE, SIG_IGN);
  struct sigaction terminate {};
  terminate.sa_handler = OnTerminate;
  sigaction(SIGINT, &terminate, nullptr);
  sigaction(SIGTERM, &terminate, nullptr);

  std::printf(
      "accord-clusterloop: seed %llu, %d cycles, %d clients; 3 etcd members, 3 accordd nodes; "
      "logs in %s\n",
      static_cast<unsigned long long>(options.seed), options.cycles, options.clients,
      options.dir.c_str());
  std::fflush(stdout);
  auto began = Clock::now();
  Cluster cluster(options);
  cluster.Start();
  int leader = cluster.WaitFor("accordd leader", &Cluster::AccorddLeader);
  Say(fmt::format("cluster up: etcd {}; accordd leader {}", cluster.endpoints(),
                  cluster.node_name(leader)));

  Tally tally;
  Load load(&cluster, options);
  load.Start();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  for (int cycle = 1; cycle <= options.cycles; ++cycle) {
    Say(fmt::format("cycle {}:", cycle));
    for (char scenario : std::string("abcde")) {
      switch (scenario) {
        case 'a':
          KillEtcdLeader(cluster, load, tally);
          break;
        case 'b':
          KillAccorddLeader(cluster, load, tally);
          break;
        case 'c':
          StopEtcdMember(cluster, load, tally, (cycle - 1) % kEtcdMembers);
          break;
        case 'd':
          RestartFollower(cluster, load, tally, options, cycle);
          break;
        case 'e':
          RollingRestart(cluster, load, tally);
          break;
      }
      load.Pause();
      std::string account = CheckAll(cluster, load);
      Say(fmt::format("      checked: {} appends acknowledged, {} uncertain; {}",
                      load.acknowledged(), load.uncertain(), account));
      load.Resume();
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
  // A last look with everything settled: the fates of the uncertain.
  load.Pause();
  CheckAll(cluster, load);
  load.Stop();

  size_t uncertain = 0, whole = 0, absent = 0;
  for (const Append& a : load.appends()) {
    if (!a.ever_uncertain) continue;
    ++uncertain;
    if (a.fate == Append::Fate::kWhole) ++whole;
    if (a.fate == Append::Fate::kAbsent) ++absent;
  }
  std::vector<double> failover = tally.failover_ms;
  std::sort(failover.begin(), failover.end());
  double median = failover.empty() ? 0 : failover[failover.size() / 2];
  double max = failover.empty() ? 0 : failover.back();
  Say(fmt::format(
      "clusterloop: {} cycles, {} appends acknowledged ({} events), {} uncertain ({} whole, {} "
      "absent), kills: etcd-leader {}, accordd-leader {}, stops {}, follower restarts {}, rolling "
      "restarts {}; failover ms median {:.0f} max {:.0f}; every node verified, heads agree "
      "({:.0f} s)",
      options.cycles, load.acknowledged(), load.acknowledged_events(), uncertain, whole, absent,
      tally.etcd_leader_kills, tally.accordd_leader_kills, tally.stops, tally.follower_restarts,
      tally.rolling_restarts, median, max,
      std::chrono::duration<double>(Clock::now() - began).count()));
  return 0;
}
