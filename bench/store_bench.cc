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

#include "bench/bench_util.h"
#include "store/coding.h"
#include "store/event_store.h"

namespace {

using Clock = std::chrono::steady_clock;

using accord::bench::Drive;
using accord::bench::Payload;
using accord::bench::RawRocksDb;
using accord::bench::Result;

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
        {std::move(event)}, [&](const accord::core::Status& s, const accord::store::AppendResult&) {
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
