// The records that move through EventStore's write path
// (append_pipeline.cc). Internal to the store.
#pragma once

#include <rocksdb/write_batch.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include "store/event_store.h"

namespace accord::store {

// How a pipeline thread waits for work. It spins (yielding the CPU) for up to
// a fifth of a millisecond before it sleeps: work handed from one thread to
// the next usually arrives sooner than a futex sleep and wake-up would take,
// and a single appender's latency is mostly such hand-overs.
class EventStore::Wakeup {
 public:
  static constexpr std::chrono::microseconds kSpin{200};

  // REQUIRES: `lock` holds the mutex that guards what `ready` reads.
  template <typename Ready>
  void Await(std::unique_lock<std::mutex>& lock, Ready ready) {
    if (ready()) return;
    uint64_t seen = signal_.load(std::memory_order_acquire);
    lock.unlock();
    auto deadline = std::chrono::steady_clock::now() + kSpin;
    while (signal_.load(std::memory_order_acquire) == seen &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::yield();
    }
    lock.lock();
    cv_.wait(lock, ready);
  }

  // Call after changing, under the mutex, what the waiter's `ready` reads.
  void Notify() {
    signal_.fetch_add(1, std::memory_order_release);
    cv_.notify_one();
  }
  void NotifyAll() {
    signal_.fetch_add(1, std::memory_order_release);
    cv_.notify_all();
  }

 private:
  std::condition_variable cv_;
  std::atomic<uint64_t> signal_{0};
};

// One append, from its caller to its callback.
struct EventStore::Writer {
  std::string stream_id;
  ExpectedVersion expected = ExpectedVersion::Any();
  std::vector<accord::v1::NewEvent> events;
  AppendCallback done;
  AppendResult result;
  Status status;
};

// An event staged but not yet durable, with what a retry is compared to.
struct EventStore::InFlightEvent {
  uint64_t position;
  uint64_t stream_version;
  std::string stream_id;
  std::string content;  // the NewEvent, serialized
};

struct EventStore::Group {
  std::vector<std::unique_ptr<Writer>> writers;
  rocksdb::WriteBatch batch;
  size_t events = 0;
  uint64_t next_position = 0;  // after this group
  std::string chain_hash;      // of its last record
  int64_t recorded_micros = 0;
  std::vector<std::string> id_keys;  // its entries in in_flight_ids_
  // Index entries, written in key order when the group is sealed: RocksDB's
  // memtable inserts keys that follow each other far faster than scattered
  // ones. (Log keys are staged in order already.)
  std::vector<std::pair<std::string, std::string>> stream_index_puts;
  std::vector<std::pair<std::string, std::string>> event_id_puts;
  std::map<std::string, std::string> stream_head_puts;  // the last head of each stream
};

}  // namespace accord::store
