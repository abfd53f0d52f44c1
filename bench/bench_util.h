// What the benchmarks share: driving appenders from threads, and the raw
// RocksDB baseline (synced WriteBatches on the same disk, in the same run).
#pragma once

#include <fmt/format.h>
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "store/coding.h"

namespace accord::bench {

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
inline Result Drive(int threads, double seconds, int events_per_call,
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

inline std::string Payload() { return std::string(300, 'x'); }

// `keys_per_event` 1: the event alone. 4: what accord writes for an event
// (log record, stream index entry, event id entry, stream head), so the
// same bytes and keys without accord's checks, hashing or group commit.
inline Result RawRocksDb(const std::string& dir, int threads, double seconds, int events_per_batch,
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

}  // namespace accord::bench
