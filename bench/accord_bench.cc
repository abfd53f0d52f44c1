// accord-bench: accord end to end, beside raw RocksDB in the same run.
//
//   build/bench/accord-bench [--connections 64] [--window 8] [--seconds 5]
//       [--dir bench-data] [--replay-events 1000000] [--accordd build/tools/accordd]
//
// 1. Appends over TCP: an accordd-equivalent server (net::Server on a
//    synced store) on loopback; N connections each pipeline `window`
//    requests. Twice: raw appends of one ~300-byte event (append_events),
//    then milestone commands (a note on the connection's own agreement,
//    decided by the lifecycle rules). Throughput and p50/p99/p99.9 latency,
//    and the ratio to raw RocksDB writing one ~300-byte event per synced
//    WriteBatch from N threads, measured just before.
// 2. Replay: a log of `replay-events` events over 10,000 agreements; the
//    time to rebuild the agreement index from it, beside a raw RocksDB scan
//    of the same records that parses each one and its payload.
// 3. The accordd process on that log: time from start to its first answer,
//    and its resident memory at 10% of the log and at all of it.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>

#include "accord/v1/events.pb.h"
#include "app/agreement_index.h"
#include "bench/bench_util.h"
#include "core/core.h"
#include "net/client.h"
#include "net/server.h"
#include "store/event_store.h"

extern char** environ;

namespace {

using accord::bench::Clock;
using accord::v1::Request;
using accord::v1::Response;

struct Options {
  int connections = 64;
  int window = 8;
  double seconds = 5;
  std::string dir = "bench-data";
  uint64_t replay_events = 1000000;
  std::string accordd = "build/tools/accordd";
};

struct Latencies {
  std::vector<double> micros;
  double Percentile(double p) {
    if (micros.empty()) return 0;
    std::sort(micros.begin(), micros.end());
    return micros[std::min(micros.size() - 1, static_cast<size_t>(p * micros.size()))];
  }
};

std::string NotePayload(const std::string& text) {
  accord::v1::NoteAdded note;
  note.set_text(text);
  return note.SerializeAsString();
}

std::string EventId(uint64_t n) {
  return fmt::format("{:08x}-0000-4000-8000-{:012x}", static_cast<uint32_t>(n >> 48),
                     n & 0xffffffffffffULL);
}

// Pipelines requests from `connections` clients for `seconds`; `make`
// builds connection c's next request. Returns events per second.
double DriveOverTcp(uint16_t port, const Options& options,
                    const std::function<Request(int, uint64_t)>& make, Latencies* latencies,
                    uint64_t* failures) {
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::atomic<uint64_t> done{0};
  std::vector<std::thread> threads;
  auto start = Clock::now();
  for (int c = 0; c < options.connections; ++c) {
    threads.emplace_back([&, c] {
      std::unique_ptr<accord::net::Client> client;
      if (!accord::net::Client::Connect("127.0.0.1", port, "bench", &client).ok()) {
        ++*failures;
        return;
      }
      std::map<uint64_t, Clock::time_point> sent;
      std::vector<double> mine;
      uint64_t seq = 0;
      auto send = [&] {
        Request request = make(c, seq++);
        uint64_t id = 0;
        auto at = Clock::now();
        (void)client->Send(&request, &id);
        sent[id] = at;
      };
      for (int i = 0; i < options.window; ++i) send();
      while (!stop.load(std::memory_order_relaxed)) {
        Response response;
        if (!client->Receive(&response).ok()) break;
        auto it = sent.find(response.request_id());
        if (it == sent.end()) continue;
        mine.push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - it->second).count());
        sent.erase(it);
        if (response.has_error() || response.has_rejected()) {
          std::lock_guard lock(mutex);
          ++*failures;
        }
        done.fetch_add(1, std::memory_order_relaxed);
        send();
      }
      std::lock_guard lock(mutex);
      latencies->micros.insert(latencies->micros.end(), mine.begin(), mine.end());
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(options.seconds));
  uint64_t counted = done.load();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  stop = true;
  for (auto& t : threads) t.join();
  return static_cast<double>(counted) / elapsed;
}

void AppendsOverTcp(const Options& options) {
  std::printf("== durable appends over TCP: %d connections, %d requests in flight each\n",
              options.connections, options.window);
  accord::bench::Result raw =
      accord::bench::RawRocksDb(options.dir + "/raw", options.connections, options.seconds, 1);
  std::printf("raw RocksDB, one event per synced WriteBatch, %d threads: %.0f ev/s (p50 %.0f us)\n",
              options.connections, raw.events_per_second, raw.p50_us);

  std::string data = options.dir + "/tcp";
  std::filesystem::remove_all(data);
  std::unique_ptr<accord::store::EventStore> store;
  if (!accord::store::EventStore::Open({}, data, &store).ok()) return;
  accord::net::ServerOptions server_options;
  server_options.port = 0;
  accord::net::Server server(store.get(), server_options);
  if (!server.Start().ok()) return;

  std::atomic<uint64_t> next_id{1};
  std::string payload = NotePayload(std::string(280, 'n'));
  auto raw_append = [&](int c, uint64_t) {
    Request r;
    auto* append = r.mutable_append_events();
    append->set_stream_id(fmt::format("bench-raw-{}", c));
    auto* e = append->add_events();
    e->set_event_id(EventId(next_id.fetch_add(1)));
    e->set_event_type("accord.v1.NoteAdded");
    e->set_schema_version(1);
    e->set_payload(payload);
    return r;
  };
  // Each connection's agreement, proposed before the clock starts.
  for (int c = 0; c < options.connections; ++c) {
    std::unique_ptr<accord::net::Client> client;
    if (!accord::net::Client::Connect("127.0.0.1", server.port(), "setup", &client).ok()) return;
    Request r;
    auto* command = r.mutable_log_milestone();
    command->set_agreement_id(fmt::format("bench-agreement-{}", c));
    command->set_event_id(EventId(next_id.fetch_add(1)));
    auto* p = command->mutable_milestone()->mutable_agreement_proposed();
    p->set_title("bench");
    p->set_kind(accord::v1::MEMORANDUM_OF_UNDERSTANDING);
    for (const char* party : {"cospar", "apsco"}) {
      auto* added = p->add_parties();
      added->set_organisation_id(party);
      added->set_name(party);
      added->set_role(accord::v1::Party::SIGNATORY);
    }
    Response response;
    (void)client->Call(r, &response);
  }
  std::string text(270, 't');
  auto milestone = [&](int c, uint64_t) {
    Request r;
    auto* command = r.mutable_log_milestone();
    command->set_agreement_id(fmt::format("bench-agreement-{}", c));
    command->set_event_id(EventId(next_id.fetch_add(1)));
    command->mutable_milestone()->mutable_note_added()->set_text(text);
    return r;
  };
  for (auto& [name, make] :
       std::vector<std::pair<std::string, std::function<Request(int, uint64_t)>>>{
           {"raw appends (append_events)", raw_append},
           {"milestones (log_milestone)", milestone}}) {
    Latencies latencies;
    uint64_t failures = 0;
    auto before = store->Stats();
    double rate = DriveOverTcp(server.port(), options, make, &latencies, &failures);
    auto after = store->Stats();
    double per_sync =
        static_cast<double>(after.events_written - before.events_written) /
        std::max<double>(1, static_cast<double>(after.group_commits - before.group_commits));
    std::printf(
        "accord %-28s %8.0f ev/s  ratio %.2f  p50 %6.0f us  p99 %6.0f us  p99.9 %6.0f us  "
        "%.1f events per sync, %llu failures\n",
        name.c_str(), rate, rate / raw.events_per_second, latencies.Percentile(0.50),
        latencies.Percentile(0.99), latencies.Percentile(0.999), per_sync,
        static_cast<unsigned long long>(failures));
  }
  server.Stop();
}

// A log of `events` events over 10,000 agreements: each proposed, then notes.
// 100 events per agreement at any size, so that what an agreement costs to
// fold is the same in a small log and a large one.
bool BuildLog(const std::string& dir, uint64_t events) {
  std::filesystem::remove_all(dir);
  accord::store::StoreOptions options;
  options.sync = false;  // built fast; what is measured is reading it back
  std::unique_ptr<accord::store::EventStore> store;
  if (!accord::store::EventStore::Open(options, dir, &store).ok()) return false;
  constexpr uint64_t kPerAgreement = 100;
  const uint64_t kAgreements = std::max<uint64_t>(1, events / kPerAgreement);
  uint64_t per_agreement = kPerAgreement;
  std::string note = NotePayload(std::string(250, 'r'));
  accord::v1::AgreementProposed proposed;
  proposed.set_title("replayed agreement");
  proposed.set_kind(accord::v1::MEMORANDUM_OF_UNDERSTANDING);
  for (const char* party : {"cospar", "apsco"}) {
    auto* added = proposed.add_parties();
    added->set_organisation_id(party);
    added->set_name(party);
    added->set_role(accord::v1::Party::SIGNATORY);
  }
  std::atomic<uint64_t> pending{0};
  uint64_t id = 1;
  for (uint64_t a = 0; a < kAgreements && id <= events; ++a) {
    std::vector<accord::v1::NewEvent> batch;
    for (uint64_t i = 0; i < per_agreement && id <= events; ++i, ++id) {
      auto& e = batch.emplace_back();
      e.set_event_id(EventId(id));
      e.set_schema_version(1);
      e.set_actor("bench");
      if (i == 0) {
        e.set_event_type("accord.v1.AgreementProposed");
        e.set_payload(proposed.SerializeAsString());
      } else {
        e.set_event_type("accord.v1.NoteAdded");
        e.set_payload(note);
      }
      if (batch.size() == 100) {
        ++pending;
        store->AppendAsync(fmt::format("replay-{:05}", a), accord::store::ExpectedVersion::Any(),
                           std::move(batch), [&](const auto&, const auto&) { --pending; });
        batch.clear();
      }
    }
    if (!batch.empty()) {
      ++pending;
      store->AppendAsync(fmt::format("replay-{:05}", a), accord::store::ExpectedVersion::Any(),
                         std::move(batch), [&](const auto&, const auto&) { --pending; });
    }
    while (pending.load() > 256) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  while (pending.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return true;
}

void Replay(const Options& options, const std::string& dir) {
  std::printf("\n== replay: %llu events, 100 per agreement\n",
              static_cast<unsigned long long>(options.replay_events));
  auto built = Clock::now();
  if (!BuildLog(dir, options.replay_events)) return;
  std::printf("(log written in %.1f s)\n",
              std::chrono::duration<double>(Clock::now() - built).count());

  // Raw: RocksDB's iterator over the log family, parsing each record and
  // its payload, as any reader of the log must.
  double raw_seconds = 0;
  uint64_t raw_records = 0;
  {
    rocksdb::DBOptions db_options;
    db_options.track_and_verify_wals_in_manifest = true;  // as accord opens it; else RocksDB 7.8 asserts in read-only Recover
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const char* name :
         {"default", "log", "stream_index", "stream_heads", "event_ids", "projections", "merkle"}) {
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    if (!rocksdb::DB::OpenForReadOnly(db_options, dir, families, &handles, &raw).ok()) return;
    auto start = Clock::now();
    std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(rocksdb::ReadOptions(), handles[1]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      accord::v1::LogEntry entry;
      accord::v1::EventRecord record;
      entry.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()));
      record.ParseFromString(entry.record());
      auto event =
          accord::core::DecodeEvent(record.event_type(), record.schema_version(), record.payload());
      raw_records += event.ok() ? 1 : 0;
    }
    raw_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    it.reset();
    for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
    delete raw;
  }
  std::printf(
      "raw RocksDB scan, parsing each record and payload: %llu records in %.2f s, %.0f ev/s\n",
      static_cast<unsigned long long>(raw_records), raw_seconds,
      static_cast<double>(raw_records) / raw_seconds);

  std::unique_ptr<accord::store::EventStore> store;
  if (!accord::store::EventStore::Open({}, dir, &store).ok()) return;
  accord::app::AgreementIndex index(store.get());
  auto start = Clock::now();
  accord::core::Status rebuilt = index.Rebuild();
  double rebuild_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "accord rebuild of the agreement index from position 0 (%s): %.2f s, %.0f ev/s, ratio %.2f "
      "of the raw scan's rate\n",
      rebuilt.ok() ? "ok" : rebuilt.ToString().c_str(), rebuild_seconds,
      static_cast<double>(raw_records) / rebuild_seconds, raw_seconds / rebuild_seconds);
}

long RssKilobytes(pid_t pid) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  }
  return -1;
}

// Starts accordd on `dir`, times its first answer, runs a short workload
// and reads its resident memory.
void StartAndMeasure(const Options& options, const std::string& dir, const std::string& label) {
  std::string log = dir + ".accordd.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> args = {options.accordd, "--data", dir, "--port", "0", "--no-auth"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  auto start = Clock::now();
  if (posix_spawn(&pid, options.accordd.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
    std::printf("cannot start %s\n", options.accordd.c_str());
    return;
  }
  posix_spawn_file_actions_destroy(&actions);
  uint16_t port = 0;
  std::unique_ptr<accord::net::Client> client;
  while (!client && Clock::now() - start < std::chrono::seconds(60)) {
    std::ifstream in(log);
    std::string line;
    while (port == 0 && std::getline(in, line)) {
      if (auto at = line.find(" on 127.0.0.1:"); at != std::string::npos) {
        port = static_cast<uint16_t>(std::stoi(line.substr(at + 14)));
      }
    }
    if (port != 0) {
      Request health;
      health.mutable_get_agreement()->set_agreement_id("replay-00001");
      Response response;
      if (accord::net::Client::Connect("127.0.0.1", port, "bench", &client).ok() &&
          client->Call(health, &response).ok() && response.has_agreement()) {
        break;
      }
      client.reset();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  double first_answer = std::chrono::duration<double>(Clock::now() - start).count();
  // A little of everything a user does, then the memory.
  for (int i = 0; client && i < 200; ++i) {
    Request r;
    if (i % 3 == 0)
      r.mutable_get_agreement()->set_agreement_id(fmt::format("replay-{:05}", (i * 37) % 1000));
    if (i % 3 == 1) r.mutable_list_agreements()->set_max_count(100);
    if (i % 3 == 2)
      r.mutable_get_timeline()->set_agreement_id(fmt::format("replay-{:05}", (i * 41) % 1000));
    Response response;
    (void)client->Call(r, &response);
  }
  long rss = RssKilobytes(pid);
  std::printf("accordd on %s: first answer %.3f s after start; resident memory %.1f MB\n",
              label.c_str(), first_answer, static_cast<double>(rss) / 1024);
  client.reset();
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  Options options;
  bool skip_tcp = false;
  bool skip_replay = false;
  po::options_description flags("usage: accord-bench [options]\n\noptions");
  flags.add_options()("help,h", "show this help")(
      "connections", po::value(&options.connections)->default_value(64), "client connections")(
      "window", po::value(&options.window)->default_value(8), "requests in flight per connection")(
      "seconds", po::value(&options.seconds)->default_value(5), "seconds per measurement")(
      "dir", po::value(&options.dir)->default_value("bench-data"), "scratch folder (emptied)")(
      "replay-events", po::value(&options.replay_events)->default_value(1000000),
      "events in the replayed log")(
      "accordd", po::value(&options.accordd)->default_value("build/tools/accordd"),
      "the accordd binary, for start-up and memory")("no-tcp", po::bool_switch(&skip_tcp),
                                                     "skip the appends over TCP")(
      "no-replay", po::bool_switch(&skip_replay), "skip replay, start-up and memory");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, flags), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "accord-bench: %s\n", e.what());
    return 2;
  }
  if (vm.count("help")) {
    std::cout << flags;
    return 0;
  }
  std::filesystem::create_directories(options.dir);
  if (!skip_tcp) AppendsOverTcp(options);
  if (!skip_replay) {
    std::string small = options.dir + "/log-small";
    std::string large = options.dir + "/log-large";
    Options tenth = options;
    tenth.replay_events = options.replay_events / 10;
    std::printf("\n== accordd start-up and memory\n");
    if (BuildLog(small, tenth.replay_events)) {
      {
        // As a server leaves it: the agreement index caught up with the log.
        std::unique_ptr<accord::store::EventStore> store;
        if (accord::store::EventStore::Open({}, small, &store).ok()) {
          (void)accord::app::AgreementIndex(store.get()).Rebuild();
        }
      }
      StartAndMeasure(options, small, fmt::format("{} events", tenth.replay_events));
    }
    Replay(options, large);
    StartAndMeasure(options, large, fmt::format("{} events", options.replay_events));
  }
  return 0;
}
