// Helpers shared by the store's source files; not part of its interface.
#pragma once

#include <fmt/format.h>
#include <rocksdb/slice.h>
#include <rocksdb/status.h>

#include <chrono>
#include <string>
#include <string_view>

#include "accord/v1/record.pb.h"
#include "core/clock.h"
#include "core/status.h"
#include "store/coding.h"

namespace accord::store::internal {

inline constexpr char kLogFamily[] = "log";
inline constexpr char kStreamIndexFamily[] = "stream_index";
inline constexpr char kStreamHeadsFamily[] = "stream_heads";
inline constexpr char kEventIdsFamily[] = "event_ids";
inline constexpr char kProjectionsFamily[] = "projections";
inline constexpr char kMerkleFamily[] = "merkle";
inline constexpr char kChainHeadKey[] = "chain_head";
inline constexpr char kFormatKey[] = "format_version";
inline constexpr char kFormatVersion[] = "1";

// The prev_hash of the record at position 0.
inline const std::string& GenesisHash() {
  static const std::string* hash = new std::string(32, '\0');
  return *hash;
}

// The store's edge for RocksDB errors.
inline core::Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return core::Status::OK();
  // A corruption's own text, without RocksDB's "Corruption: " (ours says it
  // once): "block checksum mismatch: ... in DATA/000021.sst offset 0 size 2205".
  std::string message = s.IsCorruption() && s.getState() != nullptr
                            ? fmt::format("{}: {}", what, s.getState())
                            : fmt::format("{}: {}", what, s.ToString());
  if (s.IsNotFound()) return core::Status::NotFound(message);
  if (s.IsCorruption()) return core::Status::Corruption(message);
  if (s.IsInvalidArgument()) return core::Status::InvalidArgument(message);
  return core::Status::IOError(message);
}

// Parses the log value stored at `position` into its entry, checking the
// record's bytes against its hash.
inline core::Status ParseEntry(uint64_t position, const rocksdb::Slice& value,
                               accord::v1::LogEntry* entry) {
  if (!entry->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return core::Status::Corruption(
        fmt::format("the record at position {} does not parse", position));
  }
  if (Sha256(entry->record()) != entry->hash()) {
    return core::Status::Corruption(
        fmt::format("the record at position {} does not match its hash", position));
  }
  return core::Status::OK();
}

// Parses a log value, checking its hash and that it sits under its own key.
// With record_bytes, also gives the record's stored bytes (its Merkle leaf).
inline core::Status DecodeEntry(uint64_t position, const rocksdb::Slice& value,
                                accord::v1::EventRecord* record,
                                std::string* record_bytes = nullptr) {
  accord::v1::LogEntry entry;
  if (core::Status s = ParseEntry(position, value, &entry); !s.ok()) return s;
  if (!record->ParseFromString(entry.record()) || record->position() != position) {
    return core::Status::Corruption(
        fmt::format("the record stored at position {} names another position", position));
  }
  record->set_hash(entry.hash());
  if (record_bytes != nullptr) *record_bytes = std::move(*entry.mutable_record());
  return core::Status::OK();
}

// The time in microseconds since the epoch, by `clock` (null: the system's).
inline int64_t NowMicros(const core::Clock* clock) {
  const core::Clock& now = clock != nullptr ? *clock : core::SystemClock();
  return std::chrono::duration_cast<std::chrono::microseconds>(now.Now().time_since_epoch())
      .count();
}

}  // namespace accord::store::internal
