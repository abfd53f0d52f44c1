// Durable append throughput and latency of accord's store, beside raw RocksDB
// doing synced WriteBatches in the same run on the same disk: the ratio is
// the figure, since absolute numbers move with the machine's load.
//
//   build/bench/store_bench [--seconds 3] [--dir /path] [--threads 1,8,64]
//
// For each appender count: raw RocksDB, one ~300-byte event per synced
// WriteBatch; then accord's EventStore::Append of one such event (its own
// keys, indexes, hash chain and group commit). Also once: raw RocksDB with
// 100 events per synced WriteBatch, the ceiling of batching.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "store/coding.h"
#include "store/event_store.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Result {
  double events_per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
  uint64_t failures = 0;
  double events_per_sync = 0;
};

// Runs `append(thread, seq)` from `threads` threads for `seconds`; each call
// writes `events_per_call` events and returns whether it succeeded.
Result Drive(int threads, double seconds, int events_per_call,
             const std::function<bool(int, uint64_t)>& append) {
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(threads));
  std::vector<uint64_t> calls(static_cast<size_t>(threads), 0);
  std::atomic<uint64_t> failures{0};
  std::vector<std::thread> workers;
  auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (uint64_t seq = 0; !stop.load(std::memory_order_relaxed); ++seq) {
        auto begin = Clock::now();
        if (!append(t, seq)) ++failures;
        latencies[static_cast<size_t>(t)].push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - begin).count());
        ++calls[static_cast<size_t>(t)];
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  std::vector<double> all;
  uint64_t total = 0;
  for (size_t t = 0; t < latencies.size(); ++t) {
    all.insert(all.end(), latencies[t].begin(), latencies[t].end());
    total += calls[t];
  }
  std::sort(all.begin(), all.end());
  Result r;
  r.events_per_second = static_cast<double>(total) * events_per_call / elapsed;
  if (!all.empty()) {
    r.p50_us = all[all.size() / 2];
    r.p99_us = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  r.failures = failures;
  return r;
}

std::string Payload() { return std::string(300, 'x'); }

// `keys_per_event` 1: the event alone. 4: what accord writes for an event
// (log record, stream index entry, event id entry, stream head), so the
// same bytes and keys without accord's checks, hashing or group commit.
Result RawRocksDb(const std::string& dir, int threads, double seconds, int events_per_batch,
                  int keys_per_event = 1) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(options, dir, &raw).ok()) return {};
  std::unique_ptr<rocksdb::DB> db(raw);
  std::atomic<uint64_t> next_key{0};
  std::string payload = Payload();
  rocksdb::WriteOptions write;
  write.sync = true;
  std::string envelope(460, 'e');  // a stored record of a 300-byte payload, about
  Result r = Drive(threads, seconds, events_per_batch, [&](int thread, uint64_t) {
    rocksdb::WriteBatch batch;
    for (int i = 0; i < events_per_batch; ++i) {
      uint64_t n = next_key.fetch_add(1);
      std::string position = accord::store::EncodePosition(n);
      batch.Put(position, keys_per_event == 1 ? payload : envelope);
      if (keys_per_event == 4) {
        std::string stream = fmt::format("agreement-{}", thread);
        batch.Put(accord::store::StreamIndexKey(stream, n), position);
        batch.Put(fmt::format("{:016x}", n * 0x9E3779B97F4A7C15ULL), position);
        batch.Put(stream, std::string(20, 'h'));
      }
    }
    return db->Write(write, &batch).ok();
  });
  db->Close().PermitUncheckedError();
  std::filesystem::remove_all(dir);
  return r;
}

Result AccordStore(const std::string& dir, int threads, double seconds, bool sync) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::unique_ptr<accord::store::EventStore> store;
  accord::store::StoreOptions options;
  options.sync = sync;
  if (auto s = accord::store::EventStore::Open(options, dir, &store); !s.ok()) {
    std::fprintf(stderr, "store_bench: %s\n", s.ToString().c_str());
    return {};
  }
  std::string payload = Payload();
  Result r = Drive(threads, seconds, 1, [&](int thread, uint64_t seq) {
    accord::v1::NewEvent event;
    event.set_event_id(fmt::format("00000000-{:04x}-4000-8000-{:012x}", thread, seq));
    event.set_event_type("accord.v1.NoteAdded");
    event.set_schema_version(1);
    event.set_payload(payload);
    event.set_actor("bench");
    accord::store::AppendResult result;
    return store
        ->Append(fmt::format("agreement-{}", thread), accord::store::ExpectedVersion::Any(),
                 {event}, &result)
        .ok();
  });
  accord::store::StoreStats stats = store->Stats();
  r.events_per_sync = stats.group_commits ? double(stats.events_written) / stats.group_commits : 0;
  store.reset();
  std::filesystem::remove_all(dir);
  return r;
}

// `appenders` logical appenders with one append each in flight, driven by
// AppendAsync callbacks instead of a blocked thread each: how the server
// appends for its connections.
Result AccordStoreAsync(const std::string& dir, int appenders, double seconds) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::unique_ptr<accord::store::EventStore> store;
  if (auto s = accord::store::EventStore::Open({}, dir, &store); !s.ok()) {
    std::fprintf(stderr, "store_bench: %s\n", s.ToString().c_str());
    return {};
  }
  std::string payload = Payload();
  std::atomic<bool> stop{false};
  std::atomic<int> running{appenders};
  std::mutex latency_mutex;
  std::vector<double> latencies;
  std::atomic<uint64_t> done{0};
  std::atomic<uint64_t> failures{0};
  struct Appender {
    int id;
    uint64_t seq = 0;
    Clock::time_point started;
  };
  std::vector<Appender> state(static_cast<size_t>(appenders));
  std::function<void(Appender&)> issue = [&](Appender& a) {
    accord::v1::NewEvent event;
    event.set_event_id(fmt::format("00000000-{:04x}-4000-8000-{:012x}", a.id, a.seq++));
    event.set_event_type("accord.v1.NoteAdded");
    event.set_schema_version(1);
    event.set_payload(payload);
    event.set_actor("bench");
    a.started = Clock::now();
    store->AppendAsync(
        fmt::format("agreement-{}", a.id), accord::store::ExpectedVersion::Any(),
        {std::move(event)},
        [&](const accord::store::Status& s, const accord::store::AppendResult&) {
          double us = std::chrono::duration<double, std::micro>(Clock::now() - a.started).count();
          {
            std::lock_guard lock(latency_mutex);
            latencies.push_back(us);
          }
          if (!s.ok()) ++failures;
          ++done;
          if (stop.load()) {
            --running;
          } else {
            issue(a);
          }
        });
  };
  auto start = Clock::now();
  for (int i = 0; i < appenders; ++i) {
    state[static_cast<size_t>(i)].id = i;
    issue(state[static_cast<size_t>(i)]);
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  uint64_t completed = done.load();
  while (running.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  Result r;
  r.events_per_second = static_cast<double>(completed) / elapsed;
  std::sort(latencies.begin(), latencies.end());
  if (!latencies.empty()) {
    r.p50_us = latencies[latencies.size() / 2];
    r.p99_us = latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)];
  }
  r.failures = failures;
  accord::store::StoreStats stats = store->Stats();
  r.events_per_sync = stats.group_commits ? double(stats.events_written) / stats.group_commits : 0;
  store.reset();
  std::filesystem::remove_all(dir);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  double seconds = 3;
  std::string dir;
  std::string thread_list;
  po::options_description flags("store_bench: accord's durable appends against raw RocksDB");
  flags.add_options()("help", "show this help")("seconds", po::value(&seconds)->default_value(3.0),
                                                "seconds per measurement")(
      "dir", po::value(&dir)->default_value("bench-data"), "scratch folder (emptied)")(
      "threads", po::value(&thread_list)->default_value("1,8,64"), "appender counts")(
      "no-baseline", "skip raw RocksDB (for profiling accord alone)")(
      "no-sync", "accord without fsync: its CPU path alone")(
      "no-async", "skip the AppendAsync runs")("no-blocking", "skip the blocking Append runs");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, flags), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "store_bench: %s\n", e.what());
    return 2;
  }
  if (vm.count("help")) {
    std::cout << flags;
    return 0;
  }
  std::vector<int> counts;
  std::stringstream list(thread_list);
  for (std::string item; std::getline(list, item, ',');) counts.push_back(std::stoi(item));

  std::map<int, double> equivalent;
  std::printf("blocking appenders (a thread each, EventStore::Append):\n");
  std::printf("%-10s %14s %14s %8s %12s %12s %12s %12s %10s\n", "appenders", "raw ev/s",
              "accord ev/s", "ratio", "raw p50 us", "accord p50", "raw p99 us", "accord p99",
              "ev/sync");
  for (int threads : counts) {
    if (vm.count("no-blocking")) break;
    Result raw = vm.count("no-baseline") ? Result{1, 0, 0, 0, 0}
                                         : RawRocksDb(dir + "/raw", threads, seconds, 1);
    Result ours = AccordStore(dir + "/accord", threads, seconds, !vm.count("no-sync"));
    if (!vm.count("no-baseline")) {
      equivalent[threads] = RawRocksDb(dir + "/raw4", threads, seconds, 1, 4).events_per_second;
    }
    std::printf("%-10d %14.0f %14.0f %8.2f %12.0f %12.0f %12.0f %12.0f %10.1f%s\n", threads,
                raw.events_per_second, ours.events_per_second,
                ours.events_per_second / raw.events_per_second, raw.p50_us, ours.p50_us, raw.p99_us,
                ours.p99_us, ours.events_per_sync,
                raw.failures + ours.failures ? "  (failures!)" : "");
    std::fflush(stdout);
  }
  if (!vm.count("no-async")) {
    std::printf(
        "\nasync appenders (AppendAsync, one append in flight each), same raw baselines:\n");
    for (int threads : counts) {
      Result raw = vm.count("no-baseline") ? Result{1, 0, 0, 0, 0}
                                           : RawRocksDb(dir + "/raw", threads, seconds, 1);
      Result ours = AccordStoreAsync(dir + "/accord", threads, seconds);
      std::printf("%-10d %14.0f %14.0f %8.2f %12.0f %12.0f %12.0f %12.0f %10.1f%s\n", threads,
                  raw.events_per_second, ours.events_per_second,
                  ours.events_per_second / raw.events_per_second, raw.p50_us, ours.p50_us,
                  raw.p99_us, ours.p99_us, ours.events_per_sync,
                  raw.failures + ours.failures ? "  (failures!)" : "");
      std::fflush(stdout);
    }
  }
  if (!equivalent.empty()) {
    std::printf(
        "\nraw RocksDB writing accord's 4 keys per event, one event per synced WriteBatch:\n");
    for (auto [threads, rate] : equivalent) std::printf("%-10d %14.0f ev/s\n", threads, rate);
  }
  if (vm.count("no-baseline")) return 0;
  Result batched = RawRocksDb(dir + "/raw100", 1, seconds, 100);
  std::printf("raw RocksDB, 100 events per synced WriteBatch, 1 writer: %.0f ev/s\n",
              batched.events_per_second);
  std::filesystem::remove_all(dir);
  return 0;
}
