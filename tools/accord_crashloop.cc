// accord-crashloop: kills accordd with SIGKILL at random moments while
// clients append, restarts it, and checks what accord promises after every
// kill:
//   - every acknowledged event is in the log exactly once, at the position
//     it was acknowledged with;
//   - an append whose answer was lost is there whole or not at all (appends
//     of three events: never one or two of them), and nothing else is;
//   - the server's verify passes (hash chain, indexes, Merkle tree);
//   - the agreement index equals one rebuilt from the log by this tool.
//
//   accord-crashloop --accordd build/tools/accordd --data DIR [--cycles 20]
//                    [--clients 6] [--seed N] [--min-ms 50] [--max-ms 600]
//
// Exits 0 when every cycle checks out; otherwise names the first breach.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "accord/v1/events.pb.h"
#include "core/core.h"
#include "net/client.h"

extern char** environ;

namespace {

using accord::v1::Request;
using accord::v1::Response;

struct Options {
  std::string accordd;
  std::string data;
  int cycles = 20;
  int clients = 6;
  uint64_t seed = 0;
  int min_ms = 50;
  int max_ms = 600;
};

// One append a client sent: the ids of its events, and, if answered, the
// first position.
struct Sent {
  std::vector<std::string> event_ids;
  std::string stream;
  std::optional<uint64_t> acknowledged_at;
};

std::string EventId(uint64_t n) {
  return fmt::format("{:08x}-0000-4000-8000-{:012x}", static_cast<uint32_t>(n >> 48),
                     n & 0xffffffffffffULL);
}

class Server {
 public:
  explicit Server(const Options& options) : options_(options) {}
  ~Server() { Kill(); }

  // Starts accordd and waits for its port; false if it did not come up.
  bool Start() {
    log_path_ = options_.data + ".accordd.log";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<std::string> args = {options_.accordd, "--data", options_.data, "--port", "0",
                                     "--http-port",    "0",      "--no-auth"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = posix_spawn(&pid_, options_.accordd.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return false;
    for (int i = 0; i < 400; ++i) {
      std::ifstream in(log_path_);
      std::string line;
      while (std::getline(in, line)) {
        auto at = line.find(" on 127.0.0.1:");
        if (at != std::string::npos) {
          port_ = static_cast<uint16_t>(std::stoi(line.substr(at + 14)));
          return true;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
  }

  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = 0;
  }

  uint16_t port() const { return port_; }
  std::string log() const {
    std::ifstream in(log_path_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  const Options& options_;
  pid_t pid_ = 0;
  uint16_t port_ = 0;
  std::string log_path_;
};

// Appends until the connection fails: odd clients log one milestone at a
// time through the lifecycle rules, even ones append three raw events at
// once to their own stream.
void RunClient(int client_index, uint16_t port, std::atomic<uint64_t>* next_id, std::mutex* mutex,
               std::vector<Sent>* sent, std::map<std::string, bool>* proposed) {
  std::unique_ptr<accord::net::Client> client;
  std::string name = fmt::format("client-{}", client_index);
  if (!accord::net::Client::Connect("127.0.0.1", port, name, &client).ok()) return;
  std::string agreement = fmt::format("crash-agreement-{}", client_index);
  for (;;) {
    Request request;
    Sent record;
    if (client_index % 2 == 1) {
      accord::v1::Command command;
      command.set_agreement_id(agreement);
      command.set_event_id(EventId(next_id->fetch_add(1)));
      bool is_proposed = false;
      {
        std::lock_guard lock(*mutex);
        is_proposed = (*proposed)[agreement];
      }
      if (!is_proposed) {
        auto* p = command.mutable_milestone()->mutable_agreement_proposed();
        p->set_title("Agreement of " + name);
        p->set_kind(accord::v1::MEMORANDUM_OF_UNDERSTANDING);
        for (const char* party : {"cospar", "apsco"}) {
          auto* added = p->add_parties();
          added->set_organisation_id(party);
          added->set_name(party);
          added->set_role(accord::v1::Party::SIGNATORY);
        }
      } else {
        command.mutable_milestone()->mutable_note_added()->set_text("a note from " + name);
      }
      record.event_ids.push_back(command.event_id());
      record.stream = agreement;
      *request.mutable_log_milestone() = command;
    } else {
      auto* append = request.mutable_append_events();
      append->set_stream_id(fmt::format("crash-raw-{}", client_index));
      for (int i = 0; i < 3; ++i) {
        auto* e = append->add_events();
        e->set_event_id(EventId(next_id->fetch_add(1)));
        e->set_event_type("accord.v1.NoteAdded");
        e->set_schema_version(1);
        accord::v1::NoteAdded note;
        note.set_text(std::string(250, 'x'));
        e->set_payload(note.SerializeAsString());
        record.event_ids.push_back(e->event_id());
      }
      record.stream = append->stream_id();
    }
    size_t slot = 0;
    {
      std::lock_guard lock(*mutex);
      slot = sent->size();
      sent->push_back(record);
    }
    Response response;
    if (!client->Call(request, &response).ok()) return;  // killed: the outcome is unknown
    std::lock_guard lock(*mutex);
    if (response.has_logged()) {
      (*sent)[slot].acknowledged_at = response.logged().position();
      (*proposed)[agreement] = true;
    } else if (response.has_appended()) {
      (*sent)[slot].acknowledged_at = response.appended().first_position();
    } else {
      // A refusal is an answer too: nothing was written.
      (*sent)[slot].acknowledged_at = UINT64_MAX;
    }
  }
}

// Checks the log against what was sent. An error sentence, or empty.
std::string Check(accord::net::Client& client, const std::vector<Sent>& sent) {
  std::map<std::string, uint64_t> positions;  // event id -> position
  std::map<std::string, std::vector<accord::v1::RecordedEvent>> streams;
  uint64_t from = 0;
  for (;;) {
    Request read;
    read.mutable_read_all()->set_from_position(from);
    Response page;
    if (!client.Call(read, &page).ok() || !page.has_page()) return "reading the log failed";
    for (const auto& e : page.page().events()) {
      if (!positions.emplace(e.record().event_id(), e.record().position()).second) {
        return fmt::format("event {} is in the log twice", e.record().event_id());
      }
      streams[e.record().stream_id()].push_back(e);
    }
    from = page.page().next();
    if (page.page().end_of_data()) break;
  }
  std::set<std::string> known;
  for (const Sent& s : sent) {
    size_t present = 0;
    for (const auto& id : s.event_ids) {
      known.insert(id);
      present += positions.count(id);
    }
    if (s.acknowledged_at && *s.acknowledged_at != UINT64_MAX) {
      if (present != s.event_ids.size()) {
        return fmt::format("event {} was acknowledged but is not in the log", s.event_ids[0]);
      }
      if (positions[s.event_ids[0]] != *s.acknowledged_at) {
        return fmt::format("event {} was acknowledged at position {} but is at {}", s.event_ids[0],
                           *s.acknowledged_at, positions[s.event_ids[0]]);
      }
    } else if (s.acknowledged_at && present != 0) {
      return fmt::format("event {} was refused but is in the log", s.event_ids[0]);
    } else if (present != 0 && present != s.event_ids.size()) {
      return fmt::format("an unacknowledged append is half there: {} of {} events from {}", present,
                         s.event_ids.size(), s.event_ids[0]);
    }
  }
  for (const auto& [id, position] : positions) {
    if (!known.count(id)) return fmt::format("event {} at {} was never sent", id, position);
  }

  Request verify;
  verify.mutable_verify_log();
  Response verified;
  if (!client.Call(verify, &verified).ok()) return "verify failed to answer";
  if (!verified.has_verified()) return "verify: " + verified.error().message();

  // The agreement index, against one rebuilt here from the log.
  std::map<std::string, accord::v1::AgreementStage> rebuilt;
  for (const auto& [stream, events] : streams) {
    if (!stream.starts_with("crash-agreement-")) continue;
    auto state = accord::core::Fold(stream, accord::core::ToAgreementEvents(events));
    rebuilt[stream] = accord::core::ToStage(state.stage);
  }
  for (int attempt = 0;; ++attempt) {
    Request list;
    list.mutable_list_agreements()->set_max_count(100);
    Response listed;
    if (!client.Call(list, &listed).ok()) return "listing agreements failed";
    std::map<std::string, accord::v1::AgreementStage> indexed;
    for (const auto& a : listed.agreements().agreements()) indexed[a.agreement_id()] = a.stage();
    if (indexed == rebuilt) break;
    if (attempt == 100) {
      return fmt::format("the agreement index holds {} agreements, a rebuild from the log {}",
                         indexed.size(), rebuilt.size());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // catching up after start
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  Options options;
  po::options_description flags("usage: accord-crashloop [options]\n\noptions");
  flags.add_options()("help,h", "show this help")(
      "accordd", po::value(&options.accordd)->required(), "the accordd binary")(
      "data", po::value(&options.data)->required(), "a data folder (emptied first)")(
      "cycles", po::value(&options.cycles)->default_value(20), "kill and restart this many times")(
      "clients", po::value(&options.clients)->default_value(6), "concurrent appending clients")(
      "seed", po::value(&options.seed)->default_value(0), "random seed (0: from the clock)")(
      "min-ms", po::value(&options.min_ms)->default_value(50), "shortest run before a kill")(
      "max-ms", po::value(&options.max_ms)->default_value(600), "longest run before a kill");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, flags), vm);
    if (vm.count("help")) {
      std::cout << flags;
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "accord-crashloop: %s (see --help)\n", e.what());
    return 2;
  }
  if (options.seed == 0) {
    options.seed =
        static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  std::mt19937_64 random(options.seed);
  std::filesystem::remove_all(options.data);
  std::filesystem::create_directories(std::filesystem::absolute(options.data).parent_path());
  std::printf("accord-crashloop: seed %llu, %d cycles, %d clients\n",
              static_cast<unsigned long long>(options.seed), options.cycles, options.clients);

  std::mutex mutex;
  std::vector<Sent> sent;
  std::map<std::string, bool> proposed;
  std::atomic<uint64_t> next_id{1};
  Server server(options);
  for (int cycle = 1; cycle <= options.cycles; ++cycle) {
    if (!server.Start()) {
      std::fprintf(stderr, "accord-crashloop: cycle %d: accordd did not start:\n%s", cycle,
                   server.log().c_str());
      return 1;
    }
    std::vector<std::thread> clients;
    for (int c = 0; c < options.clients; ++c) {
      clients.emplace_back(RunClient, c, server.port(), &next_id, &mutex, &sent, &proposed);
    }
    int run_ms = std::uniform_int_distribution<int>(options.min_ms, options.max_ms)(random);
    std::this_thread::sleep_for(std::chrono::milliseconds(run_ms));
    server.Kill();
    for (auto& t : clients) t.join();

    if (!server.Start()) {
      std::fprintf(stderr, "accord-crashloop: cycle %d: accordd did not restart:\n%s", cycle,
                   server.log().c_str());
      return 1;
    }
    std::unique_ptr<accord::net::Client> checker;
    if (!accord::net::Client::Connect("127.0.0.1", server.port(), "checker", &checker).ok()) {
      std::fprintf(stderr, "accord-crashloop: cycle %d: cannot connect after restart\n", cycle);
      return 1;
    }
    std::string breach;
    size_t acknowledged = 0;
    size_t unknown = 0;
    {
      std::lock_guard lock(mutex);
      breach = Check(*checker, sent);
      for (const Sent& s : sent) (s.acknowledged_at ? acknowledged : unknown) += 1;
    }
    checker.reset();
    server.Kill();
    if (!breach.empty()) {
      std::fprintf(stderr, "accord-crashloop: cycle %d: %s\n", cycle, breach.c_str());
      return 1;
    }
    std::printf(
        "cycle %2d: killed after %3d ms; %zu appends answered, %zu lost with their answer; all "
        "checks pass\n",
        cycle, run_ms, acknowledged, unknown);
    std::fflush(stdout);
  }
  std::printf(
      "accord-crashloop: %d SIGKILLs survived: every acknowledged event present once, no "
      "half appends, verify passed, the index equals a rebuild\n",
      options.cycles);
  return 0;
}
