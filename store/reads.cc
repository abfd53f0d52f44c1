// RocksDbStore's reads: the log, the streams, the indexes, projection
// state, and backups. Each holds db_mutex_ shared, so that it never sees
// the database swapped under it after a failed write.
#include <fmt/format.h>
#include <google/protobuf/io/coded_stream.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "store/coding.h"
#include "store/internal.h"
#include "store/rocksdb_store.h"

namespace accord::store {

using accord::v1::EventRecord;
using accord::v1::StreamHead;
using namespace internal;  // NOLINT(google-build-using-namespace): the store's own helpers

namespace {

// A read's `max_count`: 0 means the cap, and nothing goes past it.
size_t PageLimit(size_t max_count, size_t cap) {
  return max_count == 0 ? cap : std::min(max_count, cap);
}

}  // namespace

core::Status RocksDbStore::ReadRecordAt(uint64_t position, EventRecord* record) const {
  std::string value;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), log_, EncodePosition(position), &value);
  if (rs.IsNotFound()) {
    return core::Status::Corruption(fmt::format("position {} is missing from the log", position));
  }
  if (!rs.ok()) return FromRocks(rs, "reading the log");
  return DecodeEntry(position, value, record);
}

core::Status RocksDbStore::ReadPositions(const std::vector<uint64_t>& positions, ReadPage* page,
                                         bool* complete) const {
  // In batches, so that what is read before the byte limit stops the page
  // is all that is held: a MultiGet holds every value it was asked for.
  constexpr size_t kBatch = 32;
  *complete = true;
  size_t bytes = 0;
  for (size_t begin = 0; begin < positions.size(); begin += kBatch) {
    size_t end = std::min(positions.size(), begin + kBatch);
    std::vector<std::string> keys;
    for (size_t i = begin; i < end; ++i) keys.push_back(EncodePosition(positions[i]));
    std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
    std::vector<rocksdb::ColumnFamilyHandle*> families(keys.size(), log_);
    std::vector<std::string> values;
    std::vector<rocksdb::Status> statuses =
        db_->MultiGet(rocksdb::ReadOptions(), families, slices, &values);
    for (size_t k = 0; k < keys.size(); ++k) {
      uint64_t position = positions[begin + k];
      if (statuses[k].IsNotFound()) {
        return core::Status::Corruption(
            fmt::format("position {} is indexed but missing from the log", position));
      }
      if (!statuses[k].ok()) return FromRocks(statuses[k], "reading the log");
      EventRecord record;
      if (core::Status s = DecodeEntry(position, values[k], &record); !s.ok()) return s;
      page->records.push_back(std::move(record));
      bytes += values[k].size();
      if (bytes >= options_.max_page_bytes && begin + k + 1 < positions.size()) {
        *complete = false;
        return core::Status::OK();
      }
    }
  }
  return core::Status::OK();
}

core::Status RocksDbStore::ReadStreamForward(std::string_view stream_id, uint64_t from_version,
                                             size_t max_count, ReadPage* page) const {
  core::ReaderMutexLock db_lock(&db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
  *page = ReadPage{};
  size_t limit = PageLimit(max_count, options_.max_page_size);
  std::string prefix = StreamIndexPrefix(stream_id);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), stream_index_));
  std::vector<uint64_t> positions;
  uint64_t version = from_version;
  for (it->Seek(StreamIndexKey(stream_id, from_version));
       it->Valid() && it->key().starts_with(prefix) && positions.size() < limit; it->Next()) {
    if (DecodeFixed64BE(it->key().ToStringView().substr(prefix.size())) != version) {
      return core::Status::Corruption(
          fmt::format("stream '{}' has no version {} in its index", stream_id, version));
    }
    positions.push_back(DecodeFixed64BE(it->value().ToStringView()));
    ++version;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the stream index");
  page->end_of_data = !(it->Valid() && it->key().starts_with(prefix));
  page->next = version;
  bool complete = true;
  if (core::Status s = ReadPositions(positions, page, &complete); !s.ok()) return s;
  if (!complete) {
    page->end_of_data = false;
    page->next = page->records.back().stream_version() + 1;
  }
  return core::Status::OK();
}

core::Status RocksDbStore::ReadStreamBackward(std::string_view stream_id, uint64_t from_version,
                                              size_t max_count, ReadPage* page) const {
  core::ReaderMutexLock db_lock(&db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
  *page = ReadPage{};
  size_t limit = PageLimit(max_count, options_.max_page_size);
  std::string prefix = StreamIndexPrefix(stream_id);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), stream_index_));
  std::vector<uint64_t> positions;
  uint64_t last_version = 0;
  for (it->SeekForPrev(StreamIndexKey(stream_id, from_version));
       it->Valid() && it->key().starts_with(prefix) && positions.size() < limit; it->Prev()) {
    last_version = DecodeFixed64BE(it->key().ToStringView().substr(prefix.size()));
    positions.push_back(DecodeFixed64BE(it->value().ToStringView()));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the stream index");
  page->end_of_data = positions.empty() || last_version == 0;
  page->next = page->end_of_data ? 0 : last_version - 1;
  bool complete = true;
  if (core::Status s = ReadPositions(positions, page, &complete); !s.ok()) return s;
  if (!complete) {
    page->end_of_data = false;  // the last record read is not version 0
    page->next = page->records.back().stream_version() - 1;
  }
  return core::Status::OK();
}

core::Status RocksDbStore::ReadAll(uint64_t from_position, size_t max_count, ReadPage* page) const {
  core::ReaderMutexLock db_lock(&db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
  *page = ReadPage{};
  size_t limit = PageLimit(max_count, options_.max_page_size);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), log_));
  uint64_t position = from_position;
  size_t bytes = 0;
  for (it->Seek(EncodePosition(from_position));
       it->Valid() && page->records.size() < limit && bytes < options_.max_page_bytes;
       it->Next(), ++position) {
    uint64_t key = DecodeFixed64BE(it->key().ToStringView());
    if (key != position) {
      return core::Status::Corruption(fmt::format("position {} is missing from the log", position));
    }
    EventRecord record;
    if (core::Status s = DecodeEntry(key, it->value(), &record); !s.ok()) return s;
    page->records.push_back(std::move(record));
    bytes += it->value().size();
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
  page->end_of_data = !it->Valid();
  page->next = position;
  return core::Status::OK();
}

namespace {

// Whether a record's bytes name `position`. Protobuf writes field 1 first,
// so reading it is usually enough (what was stored was parsed whole when it
// was appended or imported); bytes that do not start with this position (it
// is left out at 0, and an import may hold any valid serialization) are
// parsed whole.
bool NamesPosition(const std::string& bytes, uint64_t position) {
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  constexpr uint32_t kPositionTag = (1 << 3) | 0;  // field 1, varint
  uint64_t named = 0;
  if (in.ReadTag() == kPositionTag && in.ReadVarint64(&named) && named == position) return true;
  accord::v1::EventRecord record;
  return record.ParseFromString(bytes) && record.position() == position;
}

}  // namespace

core::Status RocksDbStore::ReadStored(uint64_t from_position, size_t max_count, size_t max_bytes,
                                      StoredPage* page) const {
  core::ReaderMutexLock db_lock(&db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
  *page = StoredPage{};
  page->first_position = from_position;
  const size_t limit = max_count == 0 ? options_.max_page_size : max_count;
  const size_t byte_limit = max_bytes == 0 ? options_.max_page_bytes : max_bytes;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), log_));
  uint64_t position = from_position;
  size_t bytes = 0;
  accord::v1::LogEntry entry;
  for (it->Seek(EncodePosition(from_position));
       it->Valid() && page->records.size() < limit && bytes < byte_limit; it->Next(), ++position) {
    if (DecodeFixed64BE(it->key().ToStringView()) != position) {
      return core::Status::Corruption(fmt::format("position {} is missing from the log", position));
    }
    if (core::Status s = ParseEntry(position, it->value(), &entry); !s.ok()) return s;
    if (!NamesPosition(entry.record(), position)) {
      return core::Status::Corruption(
          fmt::format("the record stored at position {} names another position", position));
    }
    bytes += entry.record().size();
    page->records.push_back(std::move(*entry.mutable_record()));
    page->hashes.push_back(std::move(*entry.mutable_hash()));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
  page->end_of_data = !it->Valid();
  page->next = position;
  return core::Status::OK();
}

core::Status RocksDbStore::GetStreamHead(std::string_view stream_id, StreamHead* head) const {
  core::ReaderMutexLock db_lock(&db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
  std::string value;
  rocksdb::Status rs =
      db_->Get(rocksdb::ReadOptions(), stream_heads_, std::string(stream_id), &value);
  if (rs.IsNotFound()) return core::Status::NotFound(fmt::format("no stream '{}'", stream_id));
  if (!rs.ok()) return FromRocks(rs, "reading a stream head");
  if (!head->ParseFromString(value)) {
    return core::Status::Corruption(
        fmt::format("the head of stream '{}' does not parse", stream_id));
  }
  return core::Status::OK();
}

core::Status RocksDbStore::ListStreams(std::string_view after, size_t max_count,
                                       std::vector<std::string>* streams, bool* end) const {
  core::ReaderMutexLock db_lock(&db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
  streams->clear();
  size_t limit = PageLimit(max_count, options_.max_page_size);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), stream_heads_));
  it->Seek(std::string(after));
  if (it->Valid() && !after.empty() && it->key().ToStringView() == after) it->Next();
  for (; it->Valid() && streams->size() < limit; it->Next())
    streams->push_back(it->key().ToString());
  if (!it->status().ok()) return FromRocks(it->status(), "listing streams");
  *end = !it->Valid();
  return core::Status::OK();
}

core::Status RocksDbStore::FindEvent(std::string_view event_id, EventRecord* record) const {
  core::ReaderMutexLock db_lock(&db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
  std::optional<std::string> id = UuidBytes(event_id);
  if (!id)
    return core::Status::InvalidArgument(fmt::format("'{}' is not a canonical UUID", event_id));
  std::string value;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), event_ids_, *id, &value);
  if (rs.IsNotFound()) return core::Status::NotFound(fmt::format("no event {}", event_id));
  if (!rs.ok()) return FromRocks(rs, "reading the event id index");
  return ReadRecordAt(DecodeFixed64BE(value), record);
}

LogHead RocksDbStore::Head() const {
  LogHead head;
  core::MutexLock lock(&head_hash_mutex_);
  head.next_position = committed_position_.load();
  head.last_hash = committed_hash_;
  return head;
}

StoreStats RocksDbStore::Stats() const {
  StoreStats stats;
  stats.group_commits = group_commits_.load(std::memory_order_relaxed);
  stats.events_written = events_written_.load(std::memory_order_relaxed);
  if (core::Status health = WriteHealth(); !health.ok()) stats.write_refusal = health.ToString();
  stats.group_commit_events = group_commit_events_.Snapshot();
  stats.synced_write_seconds = synced_write_seconds_.Snapshot();
  // Health is answered on a network thread: it must not wait while the
  // stager holds db_mutex_ to reopen the database after a failed write.
  if (db_mutex_.TryLockShared()) {
    uint64_t live_tables = 0;
    if (db_ &&
        db_->GetAggregatedIntProperty(rocksdb::DB::Properties::kLiveSstFilesSize, &live_tables)) {
      table_bytes_.store(live_tables, std::memory_order_relaxed);
    }
    db_mutex_.UnlockShared();
  }
  stats.table_bytes = table_bytes_.load(std::memory_order_relaxed);
  // RocksDB names its write-ahead logs NNNNNN.log, in the data folder (no
  // wal_dir is set). A file deleted while it is listed is skipped.
  std::error_code error;
  for (std::filesystem::directory_iterator it(path_, error), end; !error && it != end;
       it.increment(error)) {
    if (it->path().extension() != ".log") continue;
    std::error_code size_error;
    uint64_t bytes = it->file_size(size_error);
    if (!size_error) stats.wal_bytes += bytes;
  }
  return stats;
}

core::Status RocksDbStore::PutProjectionState(std::string_view name, std::string_view value) {
  core::ReaderMutexLock db_lock(&db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
  if (options_.read_only) return core::Status::ReadOnly("the store was opened read-only");
  rocksdb::WriteOptions write;
  write.sync = options_.sync;
  return FromRocks(db_->Put(write, projections_, std::string(name), std::string(value)),
                   "writing projection state");
}

core::Status RocksDbStore::GetProjectionState(std::string_view name, std::string* value) const {
  core::ReaderMutexLock db_lock(&db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), projections_, std::string(name), value);
  if (rs.IsNotFound()) return core::Status::NotFound(fmt::format("no projection state '{}'", name));
  return FromRocks(rs, "reading projection state");
}

core::Status RocksDbStore::WriteProjectionState(const std::vector<ProjectionWrite>& writes) {
  if (options_.read_only) return core::Status::ReadOnly("the store was opened read-only");
  core::ReaderMutexLock db_lock(&db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
  rocksdb::WriteBatch batch;
  for (const auto& w : writes) {
    if (w.value) {
      batch.Put(projections_, w.key, *w.value);
    } else {
      batch.Delete(projections_, w.key);
    }
  }
  rocksdb::WriteOptions write;
  // Not synced: projections are derived from the log, and a state lost in a
  // crash goes back with its checkpoint, which is in the same batch, so the
  // projection replays what it lost. (The WAL keeps the order of writes.)
  write.sync = false;
  return FromRocks(db_->Write(write, &batch), "writing projection state");
}

core::Status RocksDbStore::ScanProjectionState(
    std::string_view prefix, std::string_view after, size_t max_count,
    std::vector<std::pair<std::string, std::string>>* entries) const {
  core::ReaderMutexLock db_lock(&db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
  entries->clear();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), projections_));
  it->Seek(after.empty() ? std::string(prefix) : std::string(after));
  if (it->Valid() && !after.empty() && it->key().ToStringView() == after) it->Next();
  for (; it->Valid() && it->key().starts_with(prefix) && entries->size() < max_count; it->Next()) {
    entries->emplace_back(it->key().ToString(), it->value().ToString());
  }
  return FromRocks(it->status(), "scanning projection state");
}

core::Status RocksDbStore::Backup(const std::string& directory, uint64_t* position) const {
  core::ReaderMutexLock db_lock(&db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
  // Everything committed before this call is in the copy: the checkpoint
  // includes the memtables (flushed) and the WAL.
  *position = committed_position_.load();
  rocksdb::Checkpoint* raw = nullptr;
  if (core::Status s = FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "starting a backup");
      !s.ok()) {
    return s;
  }
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  return FromRocks(checkpoint->CreateCheckpoint(directory), "backing up to " + directory);
}

}  // namespace accord::store
