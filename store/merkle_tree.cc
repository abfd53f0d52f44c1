// The store's Merkle tree: every perfect subtree root (a "node") is written
// beside the records it covers, in the same batch, so proofs for any tree
// size read O(log n) nodes and never rescan the log.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <bit>
#include <memory>

#include "core/merkle.h"
#include "store/internal.h"
#include "store/rocksdb_store.h"

namespace accord::store {

using accord::v1::ChainHead;
using accord::v1::LogEntry;
using namespace internal;  // NOLINT(google-build-using-namespace)

namespace {

core::Status CheckSize(uint64_t size, uint64_t committed) {
  if (size > committed) {
    return core::Status::InvalidArgument(
        fmt::format("the log holds {} records; a tree of {} is not there yet", committed, size));
  }
  return core::Status::OK();
}

}  // namespace

std::string RocksDbStore::SubtreeHash(uint64_t begin, uint64_t end, core::Status* error) const {
  if (!error->ok()) return std::string();
  uint64_t n = end - begin;
  if (std::has_single_bit(n) && begin % n == 0) {
    std::string hash;
    rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), merkle_,
                                  MerkleNodeKey(std::countr_zero(n), begin / n), &hash);
    if (rs.IsNotFound() || (rs.ok() && hash.size() != 32)) {
      *error = core::Status::Corruption(fmt::format(
          "the Merkle node over positions {} to {} is missing or malformed", begin, end - 1));
    } else if (!rs.ok()) {
      *error = FromRocks(rs, "reading a Merkle node");
    }
    return hash;
  }
  uint64_t k = n > 1 && std::has_single_bit(n) ? n / 2 : std::bit_floor(n - 1);
  std::string left = SubtreeHash(begin, begin + k, error);
  std::string right = SubtreeHash(begin + k, end, error);
  return error->ok() ? core::NodeHash(left, right) : std::string();
}

core::Status RocksDbStore::MerkleRoot(uint64_t size, std::string* root) const {
  core::ReaderMutexLock db_lock(&db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
  if (core::Status s = CheckSize(size, committed_position_.load()); !s.ok()) return s;
  if (size == 0) {
    *root = core::EmptyTreeHash();
    return core::Status::OK();
  }
  core::Status error;
  *root = SubtreeHash(0, size, &error);
  return error;
}

core::Status RocksDbStore::InclusionProof(uint64_t position, uint64_t size,
                                          std::vector<std::string>* proof) const {
  core::ReaderMutexLock db_lock(&db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
  if (core::Status s = CheckSize(size, committed_position_.load()); !s.ok()) return s;
  if (position >= size) {
    return core::Status::InvalidArgument(
        fmt::format("position {} is not in a tree of {} records", position, size));
  }
  core::Status error;
  *proof = core::InclusionProof(position, size, [&](uint64_t begin, uint64_t end) {
    return SubtreeHash(begin, end, &error);
  });
  return error;
}

core::Status RocksDbStore::ConsistencyProof(uint64_t first, uint64_t second,
                                            std::vector<std::string>* proof) const {
  core::ReaderMutexLock db_lock(&db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
  uint64_t committed = committed_position_.load();
  if (first > committed) {
    // A checkpoint of a log longer than this one: if it is this log's, the
    // records it held are gone. (The store cannot tell a genuine checkpoint
    // from a wrong size, so the code stays InvalidArgument.)
    return core::Status::InvalidArgument(fmt::format(
        "the log holds {} records but the checkpoint covers {}: positions {} to {} were dropped, "
        "or the checkpoint is not of this log",
        committed, first, committed, first - 1));
  }
  if (core::Status s = CheckSize(second, committed); !s.ok()) return s;
  if (first > second) {
    return core::Status::InvalidArgument(
        fmt::format("a tree of {} records cannot extend one of {}", second, first));
  }
  proof->clear();
  if (first == 0 || first == second) return core::Status::OK();
  core::Status error;
  *proof = core::ConsistencyProof(
      first, second, [&](uint64_t begin, uint64_t end) { return SubtreeHash(begin, end, &error); });
  return error;
}

core::Status RocksDbStore::ReadLeaf(uint64_t position, std::string* leaf) const {
  core::ReaderMutexLock db_lock(&db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
  if (position >= committed_position_.load()) {
    return core::Status::NotFound(fmt::format("position {} is not in the log", position));
  }
  std::string value;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), log_, EncodePosition(position), &value);
  if (rs.IsNotFound()) {
    return core::Status::Corruption(fmt::format("position {} is missing from the log", position));
  }
  if (!rs.ok()) return FromRocks(rs, "reading the log");
  accord::v1::EventRecord record;
  return DecodeEntry(position, value, &record, leaf);
}

// Runs in Open, before the pipeline starts; one pass over the log.
core::Status RocksDbStore::BuildMerkleTree() {
  core::MerkleFrontier frontier;
  rocksdb::WriteBatch batch;
  auto flush = [&]() {
    rocksdb::WriteOptions write;
    write.sync = options_.sync;
    core::Status s = FromRocks(db_->Write(write, &batch), "writing the Merkle tree");
    batch.Clear();
    return s;
  };
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), log_));
  for (it->SeekToFirst(); it->Valid() && frontier.size() < next_position_; it->Next()) {
    LogEntry entry;
    if (!entry.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
      return core::Status::Corruption(
          fmt::format("the record at position {} does not parse", frontier.size()));
    }
    frontier.Append(core::LeafHash(entry.record()),
                    [&](int level, uint64_t index, const core::MerkleHash& hash) {
                      batch.Put(merkle_, MerkleNodeKey(level, index), hash);
                    });
    if (batch.Count() >= 10000) {
      if (core::Status s = flush(); !s.ok()) return s;
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
  if (frontier.size() != next_position_) {
    return core::Status::Corruption(
        fmt::format("position {} is missing from the log", frontier.size()));
  }
  // The frontier goes last, with the head: until it is written, the next
  // open builds the tree again.
  std::string value;
  if (core::Status s = FromRocks(db_->Get(rocksdb::ReadOptions(), meta_, kChainHeadKey, &value),
                                 "reading the chain head");
      !s.ok()) {
    return s;
  }
  ChainHead head;
  head.ParseFromString(value);
  for (const auto& hash : frontier.hashes()) head.add_merkle_frontier(hash);
  batch.Put(meta_, kChainHeadKey, head.SerializeAsString());
  if (core::Status s = flush(); !s.ok()) return s;
  merkle_frontier_ = std::move(frontier);
  return core::Status::OK();
}

}  // namespace accord::store
