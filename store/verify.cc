#include <rocksdb/db.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>

#include "core/merkle.h"
#include "store/internal.h"
#include "store/rocksdb_store.h"

namespace accord::store {

using accord::v1::ChainHead;
using accord::v1::EventRecord;
using accord::v1::StreamHead;
using namespace internal;  // NOLINT(google-build-using-namespace)

core::Status RocksDbStore::Verify(VerifyReport* report) const {
  core::ReaderMutexLock db_lock(&db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
  *report = VerifyReport{};
  // One snapshot, so that appends running meanwhile do not look like damage.
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  auto release =
      std::unique_ptr<const rocksdb::Snapshot, std::function<void(const rocksdb::Snapshot*)>>(
          snapshot, [this](const rocksdb::Snapshot* s) { db_->ReleaseSnapshot(s); });

  std::map<std::string, StreamHead> streams;
  std::string previous_hash = GenesisHash();
  uint64_t expected_position = 0;
  // The Merkle tree is rebuilt as the walk goes; every node it completes
  // must be the one stored.
  core::MerkleFrontier frontier;
  core::Status merkle_error;
  uint64_t merkle_nodes = 0;
  auto check_node = [&](int level, uint64_t index, const core::MerkleHash& hash) {
    ++merkle_nodes;
    std::string stored;
    rocksdb::Status rs = db_->Get(read, merkle_, MerkleNodeKey(level, index), &stored);
    if (merkle_error.ok() && (!rs.ok() || stored != hash)) {
      merkle_error = core::Status::Corruption(
          fmt::format("the Merkle node over positions {} to {} disagrees with the log",
                      index << level, ((index + 1) << level) - 1));
    }
  };
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, log_));
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected_position) {
    uint64_t position = DecodeFixed64BE(it->key().ToStringView());
    if (position != expected_position) {
      return core::Status::Corruption(
          fmt::format("position {} is missing from the log", expected_position));
    }
    EventRecord record;
    std::string leaf;
    if (core::Status s = DecodeEntry(position, it->value(), &record, &leaf); !s.ok()) return s;
    if (record.prev_hash() != previous_hash) {
      return core::Status::Corruption(fmt::format(
          "the record at position {} does not chain to the record before it", position));
    }
    previous_hash = record.hash();
    frontier.Append(core::LeafHash(leaf), check_node);
    if (!merkle_error.ok()) return merkle_error;

    StreamHead& head = streams[record.stream_id()];
    uint64_t expected_version = head.event_count();
    if (record.stream_version() != expected_version) {
      return core::Status::Corruption(
          fmt::format("the record at position {} has version {} of stream '{}' where {} was due",
                      position, record.stream_version(), record.stream_id(), expected_version));
    }
    head.set_last_version(record.stream_version());
    head.set_last_position(position);
    head.set_event_count(head.event_count() + 1);

    std::string value;
    std::string key = EncodePosition(position);
    rocksdb::Status rs = db_->Get(
        read, stream_index_, StreamIndexKey(record.stream_id(), record.stream_version()), &value);
    if (!rs.ok() || value != key) {
      return core::Status::Corruption(
          fmt::format("the stream index disagrees with the log at position {}", position));
    }
    std::optional<std::string> id = UuidBytes(record.event_id());
    rs = id ? db_->Get(read, event_ids_, *id, &value) : rocksdb::Status::NotFound();
    if (!rs.ok() || value != key) {
      return core::Status::Corruption(
          fmt::format("the event id index disagrees with the log at position {}", position));
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
  uint64_t records = expected_position;

  std::string value;
  rocksdb::Status rs = db_->Get(read, meta_, kChainHeadKey, &value);
  if (records == 0) {
    if (!rs.IsNotFound()) return core::Status::Corruption("the log is empty but has a chain head");
  } else {
    ChainHead head;
    if (!rs.ok() || !head.ParseFromString(value) || head.position() != records - 1 ||
        head.hash() != previous_hash) {
      return core::Status::Corruption(fmt::format(
          "the chain head does not match the last record, at position {}", records - 1));
    }
    if (!std::equal(head.merkle_frontier().begin(), head.merkle_frontier().end(),
                    frontier.hashes().begin(), frontier.hashes().end())) {
      return core::Status::Corruption(fmt::format(
          "the chain head's Merkle frontier does not match the log of {} records", records));
    }
  }

  // Nothing extra in the indexes: as many entries as records, and a head for
  // exactly the streams the log holds, each matching it.
  auto count = [&](rocksdb::ColumnFamilyHandle* family) {
    uint64_t n = 0;
    std::unique_ptr<rocksdb::Iterator> scan(db_->NewIterator(read, family));
    for (scan->SeekToFirst(); scan->Valid(); scan->Next()) ++n;
    return n;
  };
  if (count(stream_index_) != records) {
    return core::Status::Corruption("the stream index holds entries for no record in the log");
  }
  if (count(merkle_) != merkle_nodes) {
    return core::Status::Corruption("the Merkle tree holds nodes over no records in the log");
  }
  if (count(event_ids_) != records) {
    return core::Status::Corruption("the event id index holds ids of no record in the log");
  }
  std::unique_ptr<rocksdb::Iterator> heads(db_->NewIterator(read, stream_heads_));
  uint64_t head_count = 0;
  for (heads->SeekToFirst(); heads->Valid(); heads->Next(), ++head_count) {
    auto found = streams.find(heads->key().ToString());
    StreamHead stored;
    if (found == streams.end() || !stored.ParseFromString(heads->value().ToString()) ||
        stored.SerializeAsString() != found->second.SerializeAsString()) {
      return core::Status::Corruption(
          fmt::format("the head of stream '{}' disagrees with the log", heads->key().ToString()));
    }
  }
  if (head_count != streams.size())
    return core::Status::Corruption("a stream in the log has no head");

  report->records = records;
  report->streams = streams.size();
  report->head_hash = previous_hash;
  return core::Status::OK();
}

}  // namespace accord::store
