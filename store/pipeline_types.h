// The records that move through RocksDbStore's write path
// (append_pipeline.cc, staging.cc). Internal to the store.
#pragma once

#include <rocksdb/write_batch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "store/rocksdb_store.h"

namespace accord::store {

// One append, or one import, from its caller to its callback.
struct RocksDbStore::Writer {
  std::string stream_id;
  ExpectedVersion expected = ExpectedVersion::Any();
  // An append's events; for an import, filled in by the stager from the
  // records, for retries to compare with (InFlightEvent).
  std::vector<accord::v1::NewEvent> events;
  // An import's entries, as given, and the records they hold (parsed by the
  // stager; InFlightEvent points at their stream ids).
  std::vector<accord::v1::LogEntry> imported;
  std::vector<accord::v1::EventRecord> imported_records;
  AppendCallback done;
  AppendResult result;
  core::Status status;

  bool is_import() const { return !imported.empty(); }
  // The events it adds to the log, for the group size limit.
  size_t size() const { return is_import() ? imported.size() : events.size(); }
  // Their bytes, about, for the group byte limit (StoreOptions::max_group_bytes).
  size_t bytes() const {
    size_t total = 0;
    if (is_import()) {
      for (const auto& entry : imported) total += entry.ByteSizeLong();
    } else {
      for (const auto& event : events) total += event.ByteSizeLong() + 128;
    }
    return total;
  }
};

// An event staged but not yet durable, with what a retry is compared to.
// Points into its Writer, which the group keeps alive until the entry is
// erased (FinishGroup erases before it completes the writers).
struct RocksDbStore::InFlightEvent {
  uint64_t position;
  uint64_t stream_version;
  const std::string* stream_id;
  const accord::v1::NewEvent* event;
};

struct RocksDbStore::Group {
  std::vector<std::unique_ptr<Writer>> writers;
  // The commit gate when the group was opened, and what it is given.
  std::shared_ptr<const CommitGate> gate;
  std::vector<std::string> gate_entries;
  rocksdb::WriteBatch batch;
  size_t events = 0;
  size_t bytes = 0;                          // counted only under StoreOptions::max_group_bytes
  bool full = false;                         // the next writer would take it past max_group_bytes
  uint64_t next_position = 0;                // after this group
  std::string chain_hash;                    // of its last record
  std::vector<std::string> merkle_frontier;  // after its last record
  std::vector<std::pair<std::string, std::string>> merkle_node_puts;
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
