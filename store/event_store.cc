#include "store/event_store.h"

#include <fmt/format.h>
#include <google/protobuf/util/time_util.h>
#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <bit>
#include <chrono>
#include <filesystem>
#include <cstdarg>
#include <cstdio>
#include <limits>
#include <map>
#include <unordered_set>

#include "store/coding.h"
#include "store/internal.h"
#include "store/pipeline_types.h"

namespace accord::store {

using accord::v1::ChainHead;
using accord::v1::EventRecord;
using accord::v1::StreamHead;
using namespace internal;  // NOLINT(google-build-using-namespace): the store's own helpers

namespace {

constexpr size_t kIndexWriteBufferBytes = 4 << 20;
constexpr size_t kBlockCacheBytes = 32 << 20;

// The stream id (and its NUL) of a stream index key. Given as the memtable's
// insert-hint prefix, it lets RocksDB insert a stream's next version right
// after its last one instead of searching the memtable from the top.
class StreamPrefix : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "accord.StreamPrefix"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), key.size() - 8);
  }
  bool InDomain(const rocksdb::Slice& key) const override { return key.size() > 8; }
};

// RocksDB's own log goes to stderr (warnings and errors only), not to a LOG
// file in the data folder: on a full disk that file fails too, and this
// RocksDB build asserts on a log file that failed before.
class StderrLogger : public rocksdb::Logger {
 public:
  StderrLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[1024];
    std::vsnprintf(line, sizeof line, format, ap);
    std::fprintf(stderr, "rocksdb: %s\n", line);
  }
};

}  // namespace

std::string ExpectedVersion::ToString() const {
  switch (kind_) {
    case Kind::kAny:
      return "any";
    case Kind::kNoStream:
      return "no stream";
    case Kind::kStreamExists:
      return "stream exists";
    case Kind::kExact:
      return fmt::format("version {}", version_);
  }
  return "?";
}

Status EventStore::Open(const StoreOptions& options, const std::string& path,
                        std::unique_ptr<EventStore>* store) {
  std::unique_ptr<EventStore> s(new EventStore());
  s->options_ = options;
  s->path_ = path;
  if (Status opened = s->OpenDb(); !opened.ok()) return opened;

  std::string format;
  rocksdb::Status rs = s->db_->Get(rocksdb::ReadOptions(), s->meta_, kFormatKey, &format);
  if (rs.IsNotFound() && !options.read_only) {
    rocksdb::WriteOptions write;
    write.sync = true;
    rs = s->db_->Put(write, s->meta_, kFormatKey, kFormatVersion);
    format = kFormatVersion;
  }
  if (!rs.ok()) return FromRocks(rs, "reading the format version");
  if (format != kFormatVersion) {
    return Status::Corruption(fmt::format("unknown store format '{}'", format));
  }

  Status loaded = s->LoadChainHead();
  if (!loaded.ok()) {
    if (!options.read_only) return loaded;
    s->open_error_ = loaded;
  }
  if (!options.read_only) s->StartPipeline();
  *store = std::move(s);
  return Status::OK();
}

Status EventStore::OpenDb() {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options_.create_if_missing;
  db_options.create_missing_column_families = true;
  if (options_.env != nullptr) db_options.env = options_.env;
  static const auto logger = std::make_shared<StderrLogger>();
  db_options.info_log = logger;
  if (options_.create_if_missing && !options_.read_only) {
    // RocksDB reports a missing folder as an error before it makes it.
    std::error_code ignored;
    std::filesystem::create_directories(path_, ignored);
  }

  // The log's keys arrive in order, so its memtable inserts are cheap at any
  // size. The indexes' keys are scattered (stream names, random UUIDs): small
  // memtables keep their skiplists shallow and in cache, which is most of
  // the cost of a group commit.
  //
  // Memory does not grow with the store: every table's index and filter
  // blocks live in one block cache of fixed size, not beside it.
  static const std::shared_ptr<rocksdb::Cache> block_cache = rocksdb::NewLRUCache(kBlockCacheBytes);
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = block_cache;
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  rocksdb::BlockBasedTableOptions table_with_bloom = table;
  table_with_bloom.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  rocksdb::ColumnFamilyOptions plain;
  plain.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  rocksdb::ColumnFamilyOptions index = plain;
  index.write_buffer_size = kIndexWriteBufferBytes;
  rocksdb::ColumnFamilyOptions index_with_bloom = index;
  index_with_bloom.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table_with_bloom));
  rocksdb::ColumnFamilyOptions stream_index = index;
  stream_index.memtable_insert_with_hint_prefix_extractor = std::make_shared<StreamPrefix>();

  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, plain},
      {kLogFamily, plain},
      {kStreamIndexFamily, stream_index},
      {kStreamHeadsFamily, index_with_bloom},
      {kEventIdsFamily, index_with_bloom},
      {kProjectionsFamily, plain},
      {kMerkleFamily, plain},
  };
  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::Status rs =
      options_.read_only ? rocksdb::DB::OpenForReadOnly(db_options, path_, families, &handles, &raw)
                         : rocksdb::DB::Open(db_options, path_, families, &handles, &raw);
  if (!rs.ok()) return FromRocks(rs, "opening " + path_);
  db_.reset(raw);
  handles_ = std::move(handles);
  meta_ = handles_[0];
  log_ = handles_[1];
  stream_index_ = handles_[2];
  stream_heads_ = handles_[3];
  event_ids_ = handles_[4];
  projections_ = handles_[5];
  merkle_ = handles_[6];
  return Status::OK();
}

void EventStore::CloseDb() {
  if (!db_) return;
  for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  handles_.clear();
  db_->Close().PermitUncheckedError();
  db_.reset();
}

Status EventStore::CheckOpen() const {
  if (db_) return Status::OK();
  return Status::IOError("the store is reopening after a failed write; try again");
}

EventStore::~EventStore() {
  StopPipeline();
  CloseDb();
}

Status EventStore::LoadChainHead() {
  std::string value;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), meta_, kChainHeadKey, &value);
  if (!rs.ok() && !rs.IsNotFound()) return FromRocks(rs, "reading the chain head");
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), log_));
  it->SeekToLast();
  if (!it->status().ok()) return FromRocks(it->status(), "reading the newest record");

  if (rs.IsNotFound()) {
    if (it->Valid()) {
      return Status::Corruption(fmt::format("the log ends at position {} but has no chain head",
                                            DecodeFixed64BE(it->key().ToStringView())));
    }
    next_position_ = 0;
    chain_hash_ = GenesisHash();
    merkle_frontier_ = core::MerkleFrontier();
  } else {
    ChainHead head;
    if (!head.ParseFromString(value)) return Status::Corruption("the chain head does not parse");
    if (!it->Valid()) {
      return Status::Corruption(
          fmt::format("the chain head names position {} but the log is empty", head.position()));
    }
    uint64_t last = DecodeFixed64BE(it->key().ToStringView());
    if (last != head.position()) {
      return Status::Corruption(
          fmt::format("the log ends at position {} but the chain head names position {}", last,
                      head.position()));
    }
    EventRecord record;
    Status decoded = DecodeEntry(last, it->value(), &record);
    if (!decoded.ok()) return decoded;
    if (record.hash() != head.hash()) {
      return Status::Corruption(
          fmt::format("the record at position {} does not match the chain head", last));
    }
    next_position_ = last + 1;
    chain_hash_ = head.hash();
    std::vector<std::string> frontier(head.merkle_frontier().begin(), head.merkle_frontier().end());
    if (frontier.size() != static_cast<size_t>(std::popcount(next_position_))) {
      if (!frontier.empty() || options_.read_only) {
        return Status::Corruption(
            fmt::format("the Merkle frontier does not fit a log of {} records", next_position_));
      }
      // A store written before the Merkle tree was kept: build it once.
      if (Status built = BuildMerkleTree(); !built.ok()) return built;
    } else {
      merkle_frontier_ = core::MerkleFrontier::FromParts(next_position_, std::move(frontier));
    }
    last_recorded_micros_ =
        google::protobuf::util::TimeUtil::TimestampToMicroseconds(head.recorded_at());
  }
  committed_position_.store(next_position_);
  std::lock_guard lock(head_hash_mutex_);
  committed_hash_ = chain_hash_;
  return Status::OK();
}

Status EventStore::ReadRecordAt(uint64_t position, EventRecord* record) const {
  std::string value;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), log_, EncodePosition(position), &value);
  if (rs.IsNotFound()) {
    return Status::Corruption(fmt::format("position {} is missing from the log", position));
  }
  if (!rs.ok()) return FromRocks(rs, "reading the log");
  return DecodeEntry(position, value, record);
}

Status EventStore::ReadPositions(const std::vector<uint64_t>& positions, ReadPage* page) const {
  std::vector<std::string> keys;
  keys.reserve(positions.size());
  for (uint64_t p : positions) keys.push_back(EncodePosition(p));
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<rocksdb::ColumnFamilyHandle*> families(keys.size(), log_);
  std::vector<std::string> values;
  std::vector<rocksdb::Status> statuses =
      db_->MultiGet(rocksdb::ReadOptions(), families, slices, &values);
  for (size_t i = 0; i < positions.size(); ++i) {
    if (statuses[i].IsNotFound()) {
      return Status::Corruption(
          fmt::format("position {} is indexed but missing from the log", positions[i]));
    }
    if (!statuses[i].ok()) return FromRocks(statuses[i], "reading the log");
    EventRecord record;
    if (Status s = DecodeEntry(positions[i], values[i], &record); !s.ok()) return s;
    page->records.push_back(std::move(record));
  }
  return Status::OK();
}

Status EventStore::ReadStreamForward(std::string_view stream_id, uint64_t from_version,
                                     size_t max_count, ReadPage* page) const {
  std::shared_lock db_lock(db_mutex_);
  if (Status open = CheckOpen(); !open.ok()) return open;
  *page = ReadPage{};
  size_t limit =
      max_count == 0 ? options_.max_page_size : std::min(max_count, options_.max_page_size);
  std::string prefix = StreamIndexPrefix(stream_id);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), stream_index_));
  std::vector<uint64_t> positions;
  uint64_t version = from_version;
  for (it->Seek(StreamIndexKey(stream_id, from_version));
       it->Valid() && it->key().starts_with(prefix) && positions.size() < limit; it->Next()) {
    if (DecodeFixed64BE(it->key().ToStringView().substr(prefix.size())) != version) {
      return Status::Corruption(
          fmt::format("stream '{}' has no version {} in its index", stream_id, version));
    }
    positions.push_back(DecodeFixed64BE(it->value().ToStringView()));
    ++version;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the stream index");
  page->end_of_data = !(it->Valid() && it->key().starts_with(prefix));
  page->next = version;
  return ReadPositions(positions, page);
}

Status EventStore::ReadStreamBackward(std::string_view stream_id, uint64_t from_version,
                                      size_t max_count, ReadPage* page) const {
  std::shared_lock db_lock(db_mutex_);
  if (Status open = CheckOpen(); !open.ok()) return open;
  *page = ReadPage{};
  size_t limit =
      max_count == 0 ? options_.max_page_size : std::min(max_count, options_.max_page_size);
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
  return ReadPositions(positions, page);
}

Status EventStore::ReadAll(uint64_t from_position, size_t max_count, ReadPage* page) const {
  std::shared_lock db_lock(db_mutex_);
  if (Status open = CheckOpen(); !open.ok()) return open;
  *page = ReadPage{};
  size_t limit =
      max_count == 0 ? options_.max_page_size : std::min(max_count, options_.max_page_size);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), log_));
  uint64_t position = from_position;
  for (it->Seek(EncodePosition(from_position)); it->Valid() && page->records.size() < limit;
       it->Next(), ++position) {
    uint64_t key = DecodeFixed64BE(it->key().ToStringView());
    if (key != position) {
      return Status::Corruption(fmt::format("position {} is missing from the log", position));
    }
    EventRecord record;
    if (Status s = DecodeEntry(key, it->value(), &record); !s.ok()) return s;
    page->records.push_back(std::move(record));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
  page->end_of_data = !it->Valid();
  page->next = position;
  return Status::OK();
}

Status EventStore::GetStreamHead(std::string_view stream_id, StreamHead* head) const {
  std::shared_lock db_lock(db_mutex_);
  if (Status open = CheckOpen(); !open.ok()) return open;
  std::string value;
  rocksdb::Status rs =
      db_->Get(rocksdb::ReadOptions(), stream_heads_, std::string(stream_id), &value);
  if (rs.IsNotFound()) return Status::NotFound(fmt::format("no stream '{}'", stream_id));
  if (!rs.ok()) return FromRocks(rs, "reading a stream head");
  if (!head->ParseFromString(value)) {
    return Status::Corruption(fmt::format("the head of stream '{}' does not parse", stream_id));
  }
  return Status::OK();
}

Status EventStore::ListStreams(std::string_view after, size_t max_count,
                               std::vector<std::string>* streams, bool* end) const {
  std::shared_lock db_lock(db_mutex_);
  if (Status open = CheckOpen(); !open.ok()) return open;
  streams->clear();
  size_t limit =
      max_count == 0 ? options_.max_page_size : std::min(max_count, options_.max_page_size);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), stream_heads_));
  it->Seek(std::string(after));
  if (it->Valid() && !after.empty() && it->key().ToStringView() == after) it->Next();
  for (; it->Valid() && streams->size() < limit; it->Next())
    streams->push_back(it->key().ToString());
  if (!it->status().ok()) return FromRocks(it->status(), "listing streams");
  *end = !it->Valid();
  return Status::OK();
}

Status EventStore::FindEvent(std::string_view event_id, EventRecord* record) const {
  std::shared_lock db_lock(db_mutex_);
  if (Status open = CheckOpen(); !open.ok()) return open;
  std::optional<std::string> id = UuidBytes(event_id);
  if (!id) return Status::InvalidArgument(fmt::format("'{}' is not a canonical UUID", event_id));
  std::string value;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), event_ids_, *id, &value);
  if (rs.IsNotFound()) return Status::NotFound(fmt::format("no event {}", event_id));
  if (!rs.ok()) return FromRocks(rs, "reading the event id index");
  return ReadRecordAt(DecodeFixed64BE(value), record);
}

LogHead EventStore::Head() const {
  LogHead head;
  std::lock_guard lock(head_hash_mutex_);
  head.next_position = committed_position_.load();
  head.last_hash = committed_hash_;
  return head;
}

StoreStats EventStore::Stats() const {
  return StoreStats{group_commits_.load(std::memory_order_relaxed),
                    events_written_.load(std::memory_order_relaxed)};
}

Status EventStore::PutProjectionState(std::string_view name, std::string_view value) {
  std::shared_lock db_lock(db_mutex_);
  if (Status open = CheckOpen(); !open.ok()) return open;
  if (options_.read_only) return Status::ReadOnly("the store was opened read-only");
  rocksdb::WriteOptions write;
  write.sync = options_.sync;
  return FromRocks(db_->Put(write, projections_, std::string(name), std::string(value)),
                   "writing projection state");
}

Status EventStore::GetProjectionState(std::string_view name, std::string* value) const {
  std::shared_lock db_lock(db_mutex_);
  if (Status open = CheckOpen(); !open.ok()) return open;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), projections_, std::string(name), value);
  if (rs.IsNotFound()) return Status::NotFound(fmt::format("no projection state '{}'", name));
  return FromRocks(rs, "reading projection state");
}

Status EventStore::WriteProjectionState(const std::vector<ProjectionWrite>& writes) {
  if (options_.read_only) return Status::ReadOnly("the store was opened read-only");
  std::shared_lock db_lock(db_mutex_);
  if (Status open = CheckOpen(); !open.ok()) return open;
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

Status EventStore::ScanProjectionState(
    std::string_view prefix, std::string_view after, size_t max_count,
    std::vector<std::pair<std::string, std::string>>* entries) const {
  std::shared_lock db_lock(db_mutex_);
  if (Status open = CheckOpen(); !open.ok()) return open;
  entries->clear();
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), projections_));
  it->Seek(after.empty() ? std::string(prefix) : std::string(after));
  if (it->Valid() && !after.empty() && it->key().ToStringView() == after) it->Next();
  for (; it->Valid() && it->key().starts_with(prefix) && entries->size() < max_count; it->Next()) {
    entries->emplace_back(it->key().ToString(), it->value().ToString());
  }
  return FromRocks(it->status(), "scanning projection state");
}

Status EventStore::Backup(const std::string& directory, uint64_t* position) const {
  std::shared_lock db_lock(db_mutex_);
  if (Status open = CheckOpen(); !open.ok()) return open;
  // Everything committed before this call is in the copy: the checkpoint
  // includes the memtables (flushed) and the WAL.
  *position = committed_position_.load();
  rocksdb::Checkpoint* raw = nullptr;
  if (Status s = FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), "starting a backup");
      !s.ok()) {
    return s;
  }
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  return FromRocks(checkpoint->CreateCheckpoint(directory), "backing up to " + directory);
}

}  // namespace accord::store
