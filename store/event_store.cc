#include "store/event_store.h"

#include <fmt/format.h>
#include <google/protobuf/util/time_util.h>
#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include <pthread.h>
#include <bit>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <unordered_set>

#include "store/coding.h"
#include "store/internal.h"
#include "store/pipeline_types.h"
#include "store/reach.h"

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
// RocksDB build asserts on a log file that failed before. It also keeps
// what RocksDB says about a damaged write-ahead log ("000004.log: dropping
// 9099 bytes; Corruption: checksum mismatch"), which its status omits.
class StderrLogger : public rocksdb::Logger {
 public:
  StderrLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char line[1024];
    std::vsnprintf(line, sizeof line, format, ap);
    std::fprintf(stderr, "rocksdb: %s\n", line);
    std::string_view text(line);
    if (text.find(": dropping ") != std::string_view::npos) {
      std::lock_guard lock(mutex_);
      if (dropped_.size() < 8) dropped_.emplace_back(text);
    }
  }
  std::vector<std::string> Dropped() const {
    std::lock_guard lock(mutex_);
    return dropped_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> dropped_;  // guarded by mutex_
};

// "position 7" or "positions 7 to 9": the positions [begin, end).
std::string PositionRange(uint64_t begin, uint64_t end) {
  if (end == begin + 1) return fmt::format("position {}", begin);
  return fmt::format("positions {} to {}", begin, end - 1);
}

// The first file name in `text` of the form <6+ digits>.<extension>.
std::string FindNumberedFile(std::string_view text, std::string_view extension) {
  std::string suffix = "." + std::string(extension);
  for (size_t at = text.find(suffix); at != std::string_view::npos;
       at = text.find(suffix, at + 1)) {
    size_t begin = at;
    while (begin > 0 && text[begin - 1] >= '0' && text[begin - 1] <= '9') --begin;
    if (at - begin >= 6) return std::string(text.substr(begin, at - begin)) + suffix;
  }
  return std::string();
}

// One line for an open that RocksDB refused: which file, what damage.
core::Status DescribeOpenFailure(const rocksdb::Status& rs, const std::string& path,
                                 const StderrLogger& logger) {
  std::string message = rs.ToString();
  std::string table = FindNumberedFile(message, "sst");
  if (table.empty()) table = FindNumberedFile(message, "ldb");
  bool missing = message.find("No such file") != std::string::npos;
  if (!table.empty() && (rs.IsCorruption() || missing)) {
    table = table.substr(0, table.size() - 4) + ".sst";  // RocksDB tries .ldb after .sst
    return core::Status::Corruption(fmt::format(
        "the data folder {} is damaged: table file {} is {}; restore the folder from a backup, "
        "or accept the loss with accord-local salvage",
        path, table, missing ? "missing" : fmt::format("damaged ({})", message)));
  }
  if (rs.IsCorruption()) {
    std::vector<std::string> dropped = logger.Dropped();
    if (!dropped.empty()) {
      std::string_view line = dropped.front();
      std::string wal = FindNumberedFile(line, "log");
      size_t dropping = line.find(": dropping ");
      std::string_view what = line.substr(dropping + 2);
      return core::Status::Corruption(fmt::format(
          "the data folder {} is damaged: write-ahead log {} has a damaged record ({}: it "
          "cannot be replayed from there on)",
          path, wal.empty() ? std::string("(unnamed)") : wal, what));
    }
    return core::Status::Corruption(
        fmt::format("the data folder {} is damaged: {}", path, rs.ToString()));
  }
  return FromRocks(rs, "opening " + path);
}

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

core::Status EventStore::Open(const StoreOptions& options, const std::string& path,
                              std::unique_ptr<EventStore>* store) {
  std::unique_ptr<EventStore> s(new EventStore());
  s->options_ = options;
  if (options.salvage) s->options_.read_only = true;
  s->path_ = path;
  // Read before the database, so that appends of another process (a server
  // beside a read-only tool) cannot make the file look ahead of the log.
  if (core::Status read = ReadReach(path, &s->reached_); !read.ok() && !options.salvage)
    return read;

  bool read_only = s->options_.read_only;
  rocksdb::Status raw;
  core::Status opened = s->OpenDb(read_only, &raw);
  if (!opened.ok() && !read_only && raw.IsNoSpace()) {
    // A disk too full to open the store for writing: serve reads, refuse
    // appends, and let the stager retry for writing.
    if (s->OpenDb(true).ok()) {
      s->write_failure_ = core::Status::IOError(fmt::format(
          "the store opened read-only: the disk refused to open it for writing ({}); appends "
          "resume when it takes writes again",
          opened.message()));
      s->first_write_failure_ = opened.message();
      s->recovery_backoff_ = kMinRecoveryInterval;
      s->last_recovery_ = std::chrono::steady_clock::now();
      opened = core::Status::OK();
    }
  }
  if (!opened.ok()) {
    if (opened.IsCorruption() && !options.salvage) {
      std::string affected = s->AffectedPositions();
      if (!affected.empty()) opened = core::Status::Corruption(opened.message() + "; " + affected);
    }
    return opened;
  }

  std::string format;
  rocksdb::Status rs = s->db_->Get(rocksdb::ReadOptions(), s->meta_, kFormatKey, &format);
  if (rs.IsNotFound() && !s->db_read_only_) {
    rocksdb::WriteOptions write;
    write.sync = true;
    rs = s->db_->Put(write, s->meta_, kFormatKey, kFormatVersion);
    format = kFormatVersion;
  }
  if (!rs.ok()) return FromRocks(rs, "reading the format version");
  if (format != kFormatVersion) {
    return core::Status::Corruption(fmt::format("unknown store format '{}'", format));
  }

  core::Status loaded = s->LoadChainHead();
  if (!loaded.ok()) {
    if (!read_only) return loaded;
    s->open_error_ = loaded;
  }
  if (loaded.ok() && !options.salvage) {
    if (core::Status reach = s->CheckReach(); !reach.ok()) return reach;
  }
  if (!read_only) {
    s->StartPipeline();
    s->reacher_ = std::thread([raw_store = s.get()] {
      pthread_setname_np(pthread_self(), "accord:reach");
      raw_store->ReachLoop();
    });
  }
  *store = std::move(s);
  return core::Status::OK();
}

core::Status EventStore::CheckReach() const {
  if (!reached_) return core::Status::OK();
  const LogHead& reach = *reached_;
  std::string file = path_ + "/" + kReachFileName;
  uint64_t held = next_position_;
  if (reach.next_position > held) {
    return core::Status::Corruption(fmt::format(
        "the log comes back with {} records but it had reached {} ({}): {} missing; a "
        "write-ahead log or table file was cut, emptied or removed. Restore the folder from a "
        "backup, or accept the loss with accord-local salvage",
        held, reach.next_position, file,
        PositionRange(held, reach.next_position) +
            (reach.next_position - held == 1 ? " is" : " are")));
  }
  if (reach.next_position == 0) return core::Status::OK();
  EventRecord record;
  core::Status read = ReadRecordAt(reach.next_position - 1, &record);
  if (!read.ok()) return read;
  if (record.hash() != reach.last_hash) {
    return core::Status::Corruption(
        fmt::format("the record at position {} is not the one the log held there ({}): the log was "
                    "replaced or rewritten",
                    reach.next_position - 1, file));
  }
  return core::Status::OK();
}

std::string EventStore::AffectedPositions() const {
  StoreOptions probe_options = options_;
  probe_options.salvage = true;
  probe_options.read_only = true;
  probe_options.create_if_missing = false;
  std::unique_ptr<EventStore> probe(new EventStore());
  probe->options_ = probe_options;
  probe->path_ = path_;
  if (!probe->OpenDb(true).ok()) return std::string();
  std::unique_ptr<rocksdb::Iterator> it(
      probe->db_->NewIterator(rocksdb::ReadOptions(), probe->log_));
  uint64_t intact = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++intact) {
    if (DecodeFixed64BE(it->key().ToStringView()) != intact) break;
  }
  it.reset();
  std::string reached;
  if (reached_ && reached_->next_position > intact) {
    reached = fmt::format("; the log had reached {}, so {} at least {} affected",
                          reached_->next_position, PositionRange(intact, reached_->next_position),
                          reached_->next_position - intact == 1 ? "is" : "are");
  }
  if (intact == 0) return fmt::format("no record reads intact before the damage{}", reached);
  return fmt::format("{} read intact, and the damage is past them{}", PositionRange(0, intact),
                     reached);
}

core::Status EventStore::OpenDb(bool read_only, rocksdb::Status* raw_status) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options_.create_if_missing;
  db_options.create_missing_column_families = true;
  if (options_.env != nullptr) db_options.env = options_.env;
  auto logger = std::make_shared<StderrLogger>();
  logger_ = logger;
  db_options.info_log = logger;
  // Only a torn final record (a write never acknowledged) may be dropped;
  // any other damage refuses the open (tests/store/wal_damage_test.cc). Point-
  // in-time recovery, RocksDB's default, would open as if the records after
  // the damage had never been written. Salvage (and the probe that names
  // the positions a refusal affects) reads up to the first damage, on
  // purpose. Never kSkipAnyCorruptedRecords: this RocksDB (7.8) can spin
  // forever on a damaged fragmented record in that mode (RocksDB issue
  // #11968, fixed in 8.8), and a refused open must not hang.
  db_options.wal_recovery_mode = options_.salvage
                                     ? rocksdb::WALRecoveryMode::kPointInTimeRecovery
                                     : rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  // A closed write-ahead log that is missing or has the wrong size refuses
  // the open (RocksDB tracks closed logs only; the reach file covers the live one).
  db_options.track_and_verify_wals_in_manifest = !options_.salvage;
  db_options.paranoid_checks = !options_.salvage;
  if (options_.create_if_missing && !read_only) {
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
      read_only ? rocksdb::DB::OpenForReadOnly(db_options, path_, families, &handles, &raw)
                : rocksdb::DB::Open(db_options, path_, families, &handles, &raw);
  if (raw_status != nullptr) *raw_status = rs;
  if (!rs.ok()) return DescribeOpenFailure(rs, path_, *logger);
  db_.reset(raw);
  db_read_only_ = read_only;
  handles_ = std::move(handles);
  meta_ = handles_[0];
  log_ = handles_[1];
  stream_index_ = handles_[2];
  stream_heads_ = handles_[3];
  event_ids_ = handles_[4];
  projections_ = handles_[5];
  merkle_ = handles_[6];
  return core::Status::OK();
}

void EventStore::CloseDb() {
  if (!db_) return;
  for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  handles_.clear();
  db_->Close().PermitUncheckedError();
  db_.reset();
}

core::Status EventStore::CheckOpen() const {
  if (db_) return core::Status::OK();
  return core::Status::IOError(
      "the store could not reopen its database after a failed write, not even to read; it keeps "
      "trying");
}

EventStore::~EventStore() {
  StopPipeline();
  if (reacher_.joinable()) {
    {
      std::lock_guard lock(reach_mutex_);
      reach_stopping_ = true;
    }
    reach_cv_.notify_all();
    reach_stop_cv_.notify_all();
    reacher_.join();
    // A clean close records how far the log reached, unless the disk
    // refuses writes now (the last head is then not known to be durable).
    if (WriteHealth().ok()) (void)WriteReach(path_, Head());
  }
  CloseDb();
}

// Called after every commit: costs an atomic exchange, and a notify only
// for the first commit after the reacher last wrote.
void EventStore::WakeReach() {
  if (reach_due_.exchange(true, std::memory_order_acq_rel)) return;
  std::lock_guard lock(reach_mutex_);
  reach_cv_.notify_one();
}

// Off the append path: after a commit, wait out the interval (more commits
// coalesce into one write), then record the head. Every head published was
// durable when it was published, so the file never claims more than the
// disk holds.
void EventStore::ReachLoop() {
  LogHead written;
  written.next_position = UINT64_MAX;
  std::unique_lock lock(reach_mutex_);
  for (;;) {
    reach_cv_.wait(lock, [this] { return reach_stopping_ || reach_due_.load(); });
    if (reach_stopping_) return;
    reach_due_.store(false, std::memory_order_release);
    lock.unlock();
    LogHead head = Head();
    if (head.next_position != written.next_position && WriteHealth().ok() &&
        WriteReach(path_, head).ok()) {
      written = head;
    }
    lock.lock();
    reach_stop_cv_.wait_for(lock, kReachInterval, [this] { return reach_stopping_; });
  }
}

core::Status EventStore::WriteHealth() const {
  if (options_.read_only) return core::Status::ReadOnly("the store was opened read-only");
  std::lock_guard lock(mutex_);
  return write_failure_;
}

bool EventStore::AwaitWritable(std::chrono::milliseconds timeout) const {
  if (options_.read_only) return false;
  std::unique_lock lock(mutex_);
  return writable_cv_.wait_for(lock, timeout, [this] { return write_failure_.ok(); });
}

core::Status EventStore::LoadChainHead() {
  std::string value;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), meta_, kChainHeadKey, &value);
  if (!rs.ok() && !rs.IsNotFound()) return FromRocks(rs, "reading the chain head");
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), log_));
  it->SeekToLast();
  if (!it->status().ok()) return FromRocks(it->status(), "reading the newest record");

  if (rs.IsNotFound()) {
    if (it->Valid()) {
      return core::Status::Corruption(
          fmt::format("the log ends at position {} but has no chain head",
                      DecodeFixed64BE(it->key().ToStringView())));
    }
    next_position_ = 0;
    chain_hash_ = GenesisHash();
    merkle_frontier_ = core::MerkleFrontier();
  } else {
    ChainHead head;
    if (!head.ParseFromString(value))
      return core::Status::Corruption("the chain head does not parse");
    if (!it->Valid()) {
      return core::Status::Corruption(
          fmt::format("the chain head names position {} but the log is empty", head.position()));
    }
    uint64_t last = DecodeFixed64BE(it->key().ToStringView());
    if (last != head.position()) {
      return core::Status::Corruption(
          fmt::format("the log ends at position {} but the chain head names position {}", last,
                      head.position()));
    }
    EventRecord record;
    core::Status decoded = DecodeEntry(last, it->value(), &record);
    if (!decoded.ok()) return decoded;
    if (record.hash() != head.hash()) {
      return core::Status::Corruption(
          fmt::format("the record at position {} does not match the chain head", last));
    }
    next_position_ = last + 1;
    chain_hash_ = head.hash();
    std::vector<std::string> frontier(head.merkle_frontier().begin(), head.merkle_frontier().end());
    if (frontier.size() != static_cast<size_t>(std::popcount(next_position_))) {
      if (!frontier.empty() || options_.read_only) {
        return core::Status::Corruption(
            fmt::format("the Merkle frontier does not fit a log of {} records", next_position_));
      }
      // A store written before the Merkle tree was kept: build it once.
      if (core::Status built = BuildMerkleTree(); !built.ok()) return built;
    } else {
      merkle_frontier_ = core::MerkleFrontier::FromParts(next_position_, std::move(frontier));
    }
    last_recorded_micros_ =
        google::protobuf::util::TimeUtil::TimestampToMicroseconds(head.recorded_at());
  }
  // Both under the lock: Head() (and so the reach file) never pairs a
  // position with another position's hash.
  std::lock_guard lock(head_hash_mutex_);
  committed_position_.store(next_position_);
  committed_hash_ = chain_hash_;
  return core::Status::OK();
}

core::Status EventStore::ReadRecordAt(uint64_t position, EventRecord* record) const {
  std::string value;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), log_, EncodePosition(position), &value);
  if (rs.IsNotFound()) {
    return core::Status::Corruption(fmt::format("position {} is missing from the log", position));
  }
  if (!rs.ok()) return FromRocks(rs, "reading the log");
  return DecodeEntry(position, value, record);
}

core::Status EventStore::ReadPositions(const std::vector<uint64_t>& positions, ReadPage* page,
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

core::Status EventStore::ReadStreamForward(std::string_view stream_id, uint64_t from_version,
                                           size_t max_count, ReadPage* page) const {
  std::shared_lock db_lock(db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
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

core::Status EventStore::ReadStreamBackward(std::string_view stream_id, uint64_t from_version,
                                            size_t max_count, ReadPage* page) const {
  std::shared_lock db_lock(db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
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
  bool complete = true;
  if (core::Status s = ReadPositions(positions, page, &complete); !s.ok()) return s;
  if (!complete) {
    page->end_of_data = false;  // the last record read is not version 0
    page->next = page->records.back().stream_version() - 1;
  }
  return core::Status::OK();
}

core::Status EventStore::ReadAll(uint64_t from_position, size_t max_count, ReadPage* page) const {
  std::shared_lock db_lock(db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
  *page = ReadPage{};
  size_t limit =
      max_count == 0 ? options_.max_page_size : std::min(max_count, options_.max_page_size);
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

core::Status EventStore::GetStreamHead(std::string_view stream_id, StreamHead* head) const {
  std::shared_lock db_lock(db_mutex_);
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

core::Status EventStore::ListStreams(std::string_view after, size_t max_count,
                                     std::vector<std::string>* streams, bool* end) const {
  std::shared_lock db_lock(db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
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
  return core::Status::OK();
}

core::Status EventStore::FindEvent(std::string_view event_id, EventRecord* record) const {
  std::shared_lock db_lock(db_mutex_);
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

LogHead EventStore::Head() const {
  LogHead head;
  std::lock_guard lock(head_hash_mutex_);
  head.next_position = committed_position_.load();
  head.last_hash = committed_hash_;
  return head;
}

StoreStats EventStore::Stats() const {
  StoreStats stats;
  stats.group_commits = group_commits_.load(std::memory_order_relaxed);
  stats.events_written = events_written_.load(std::memory_order_relaxed);
  if (core::Status health = WriteHealth(); !health.ok()) stats.write_refusal = health.ToString();
  return stats;
}

core::Status EventStore::PutProjectionState(std::string_view name, std::string_view value) {
  std::shared_lock db_lock(db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
  if (options_.read_only) return core::Status::ReadOnly("the store was opened read-only");
  rocksdb::WriteOptions write;
  write.sync = options_.sync;
  return FromRocks(db_->Put(write, projections_, std::string(name), std::string(value)),
                   "writing projection state");
}

core::Status EventStore::GetProjectionState(std::string_view name, std::string* value) const {
  std::shared_lock db_lock(db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), projections_, std::string(name), value);
  if (rs.IsNotFound()) return core::Status::NotFound(fmt::format("no projection state '{}'", name));
  return FromRocks(rs, "reading projection state");
}

core::Status EventStore::WriteProjectionState(const std::vector<ProjectionWrite>& writes) {
  if (options_.read_only) return core::Status::ReadOnly("the store was opened read-only");
  std::shared_lock db_lock(db_mutex_);
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

core::Status EventStore::ScanProjectionState(
    std::string_view prefix, std::string_view after, size_t max_count,
    std::vector<std::pair<std::string, std::string>>* entries) const {
  std::shared_lock db_lock(db_mutex_);
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

core::Status EventStore::Backup(const std::string& directory, uint64_t* position) const {
  std::shared_lock db_lock(db_mutex_);
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
