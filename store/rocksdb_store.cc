#include "store/rocksdb_store.h"

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
#include <unordered_set>

#include "core/mutex.h"
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
      accord::core::MutexLock lock(&mutex_);
      if (dropped_.size() < 8) dropped_.emplace_back(text);
    }
  }
  std::vector<std::string> Dropped() const {
    accord::core::MutexLock lock(&mutex_);
    return dropped_;
  }

 private:
  mutable accord::core::Mutex mutex_;
  std::vector<std::string> dropped_ GUARDED_BY(mutex_);
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

core::Status RocksDbStore::Open(const StoreOptions& options, const std::string& path,
                                std::unique_ptr<RocksDbStore>* store) {
  std::unique_ptr<RocksDbStore> s(new RocksDbStore());
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
      // No other thread runs yet; the lock is for the analysis.
      core::MutexLock lock(&s->mutex_);
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

core::Status RocksDbStore::CheckReach() const {
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

std::string RocksDbStore::AffectedPositions() const {
  StoreOptions probe_options = options_;
  probe_options.salvage = true;
  probe_options.read_only = true;
  probe_options.create_if_missing = false;
  std::unique_ptr<RocksDbStore> probe(new RocksDbStore());
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

core::Status RocksDbStore::OpenDb(bool read_only, rocksdb::Status* raw_status) {
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

void RocksDbStore::CloseDb() {
  if (!db_) return;
  for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  handles_.clear();
  db_->Close().PermitUncheckedError();
  db_.reset();
}

core::Status RocksDbStore::CheckOpen() const {
  if (db_) return core::Status::OK();
  return core::Status::IOError(
      "the store could not reopen its database after a failed write, not even to read; it keeps "
      "trying");
}

RocksDbStore::~RocksDbStore() {
  StopPipeline();
  if (reacher_.joinable()) {
    {
      core::MutexLock lock(&reach_mutex_);
      reach_stopping_ = true;
      reach_cv_.SignalAll();
      reach_stop_cv_.SignalAll();
    }
    reacher_.join();
    // A clean close records how far the log reached, unless the disk
    // refuses writes now (the last head is then not known to be durable).
    if (WriteHealth().ok()) (void)WriteReach(path_, Head());
  }
  CloseDb();
}

// Called after every commit: costs an atomic exchange, and a notify only
// for the first commit after the reacher last wrote.
void RocksDbStore::WakeReach() {
  if (reach_due_.exchange(true, std::memory_order_acq_rel)) return;
  core::MutexLock lock(&reach_mutex_);
  reach_cv_.Signal();
}

// Off the append path: after a commit, wait out the interval (more commits
// coalesce into one write), then record the head. Every head published was
// durable when it was published, so the file never claims more than the
// disk holds.
void RocksDbStore::ReachLoop() {
  LogHead written;
  written.next_position = UINT64_MAX;
  core::MutexLock lock(&reach_mutex_);
  for (;;) {
    while (!reach_stopping_ && !reach_due_.load()) reach_cv_.Wait();
    if (reach_stopping_) return;
    reach_due_.store(false, std::memory_order_release);
    reach_mutex_.Unlock();
    LogHead head = Head();
    if (head.next_position != written.next_position && WriteHealth().ok() &&
        WriteReach(path_, head).ok()) {
      written = head;
    }
    reach_mutex_.Lock();
    auto due = std::chrono::steady_clock::now() + kReachInterval;
    while (!reach_stopping_ && reach_stop_cv_.WaitUntil(due)) {
    }
  }
}

core::Status RocksDbStore::WriteHealth() const {
  if (options_.read_only) return core::Status::ReadOnly("the store was opened read-only");
  core::MutexLock lock(&mutex_);
  return write_failure_;
}

bool RocksDbStore::AwaitWritable(std::chrono::milliseconds timeout) const {
  if (options_.read_only) return false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  core::MutexLock lock(&mutex_);
  while (!write_failure_.ok()) {
    if (!writable_cv_.WaitUntil(deadline)) return write_failure_.ok();
  }
  return true;
}

core::Status RocksDbStore::LoadChainHead() {
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
  core::MutexLock lock(&head_hash_mutex_);
  committed_position_.store(next_position_);
  committed_hash_ = chain_hash_;
  return core::Status::OK();
}

}  // namespace accord::store
