// The records that move through EventStore's write path
// (append_pipeline.cc). Internal to the store.
#pragma once

#include <rocksdb/write_batch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "store/event_store.h"

namespace accord::store {

// One append, from its caller to its callback.
struct EventStore::Writer {
  std::string stream_id;
  ExpectedVersion expected = ExpectedVersion::Any();
  std::vector<accord::v1::NewEvent> events;
  AppendCallback done;
  AppendResult result;
  core::Status status;
};

// An event staged but not yet durable, with what a retry is compared to.
// Points into its Writer, which the group keeps alive until the entry is
// erased (FinishGroup erases before it completes the writers).
struct EventStore::InFlightEvent {
  uint64_t position;
  uint64_t stream_version;
  const std::string* stream_id;
  const accord::v1::NewEvent* event;
};

struct EventStore::Group {
  std::vector<std::unique_ptr<Writer>> writers;
  rocksdb::WriteBatch batch;
  size_t events = 0;
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
