#include "store/event_store.h"

#include <fmt/format.h>
#include <google/protobuf/util/time_util.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <limits>
#include <map>
#include <unordered_set>

#include "store/coding.h"

namespace accord::store {
namespace {

using accord::v1::ChainHead;
using accord::v1::EventRecord;
using accord::v1::LogEntry;
using accord::v1::NewEvent;
using accord::v1::StreamHead;

constexpr char kLogFamily[] = "log";
constexpr char kStreamIndexFamily[] = "stream_index";
constexpr char kStreamHeadsFamily[] = "stream_heads";
constexpr char kEventIdsFamily[] = "event_ids";
constexpr char kProjectionsFamily[] = "projections";
constexpr char kChainHeadKey[] = "chain_head";
constexpr char kFormatKey[] = "format_version";
constexpr char kFormatVersion[] = "1";
constexpr size_t kMaxStreamIdBytes = 512;
constexpr size_t kMaxCachedHeads = 100000;

const std::string& GenesisHash() {
  static const std::string* hash = new std::string(32, '\0');
  return *hash;
}

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::OK();
  std::string message = fmt::format("{}: {}", what, s.ToString());
  if (s.IsNotFound()) return Status::NotFound(message);
  if (s.IsCorruption()) return Status::Corruption(message);
  if (s.IsInvalidArgument()) return Status::InvalidArgument(message);
  return Status::IOError(message);
}

// Parses a log value, checking its hash and that it sits under its own key.
Status DecodeEntry(uint64_t position, const rocksdb::Slice& value, EventRecord* record) {
  LogEntry entry;
  if (!entry.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return Status::Corruption(fmt::format("the record at position {} does not parse", position));
  }
  if (Sha256(entry.record()) != entry.hash()) {
    return Status::Corruption(
        fmt::format("the record at position {} does not match its hash", position));
  }
  if (!record->ParseFromString(entry.record()) || record->position() != position) {
    return Status::Corruption(
        fmt::format("the record stored at position {} names another position", position));
  }
  record->set_hash(entry.hash());
  return Status::OK();
}

bool SameContent(const EventRecord& stored, std::string_view stream_id, const NewEvent& e) {
  return stored.stream_id() == stream_id && stored.event_type() == e.event_type() &&
         stored.schema_version() == e.schema_version() && stored.payload() == e.payload() &&
         stored.effective().SerializeAsString() == e.effective().SerializeAsString() &&
         stored.actor() == e.actor() && stored.correlation_id() == e.correlation_id() &&
         stored.causation_id() == e.causation_id();
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string ExpectedVersion::ToString() const {
  switch (kind_) {
    case Kind::kAny: return "any";
    case Kind::kNoStream: return "no stream";
    case Kind::kStreamExists: return "stream exists";
    case Kind::kExact: return fmt::format("version {}", version_);
  }
  return "?";
}

// One Append call waiting in the queue. Its mutex and condition variable
// are its own, so that the committer wakes each writer without the whole
// queue contending for one lock.
struct EventStore::Writer {
  Writer(std::string_view stream, ExpectedVersion expect, const std::vector<NewEvent>* append,
         AppendResult* out)
      : stream_id(stream), expected(expect), events(append), result(out) {}

  std::string_view stream_id;
  ExpectedVersion expected;
  const std::vector<NewEvent>* events;
  AppendResult* result;
  Status status;                   // written by the committer before `done`
  bool staged = false;             // its records are in the group's batch
  bool replays_in_group = false;   // an idempotent retry of records staged in this group

  std::mutex mutex;
  std::condition_variable cv;
  bool done = false;    // guarded by mutex: committed (or failed) by another writer
  bool leader = false;  // guarded by mutex: it is now at the front and commits next
};

// An event staged in the current group, kept to answer a retry of it that
// arrives in the same group.
struct StagedEvent {
  std::string_view stream_id;
  const NewEvent* event;
  uint64_t stream_version;
};

// What one group commit has staged but not yet written.
struct EventStore::GroupState {
  rocksdb::WriteBatch batch;
  uint64_t next_position = 0;
  std::string chain_hash;
  google::protobuf::Timestamp recorded_at;
  std::unordered_map<std::string, StreamHead> heads;
  std::unordered_map<std::string, uint64_t> ids;   // uuid bytes -> position
  std::unordered_map<uint64_t, StagedEvent> staged;
  size_t events = 0;
};

Status EventStore::Open(const StoreOptions& options, const std::string& path,
                        std::unique_ptr<EventStore>* store) {
  std::unique_ptr<EventStore> s(new EventStore());
  s->options_ = options;

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.create_missing_column_families = true;

  rocksdb::ColumnFamilyOptions plain;
  rocksdb::ColumnFamilyOptions with_bloom;
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  with_bloom.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, plain}, {kLogFamily, plain},
      {kStreamIndexFamily, plain},                {kStreamHeadsFamily, with_bloom},
      {kEventIdsFamily, with_bloom},              {kProjectionsFamily, plain},
  };
  rocksdb::DB* raw = nullptr;
  rocksdb::Status rs =
      options.read_only
          ? rocksdb::DB::OpenForReadOnly(db_options, path, families, &s->handles_, &raw)
          : rocksdb::DB::Open(db_options, path, families, &s->handles_, &raw);
  if (!rs.ok()) return FromRocks(rs, "opening " + path);
  s->db_.reset(raw);
  s->meta_ = s->handles_[0];
  s->log_ = s->handles_[1];
  s->stream_index_ = s->handles_[2];
  s->stream_heads_ = s->handles_[3];
  s->event_ids_ = s->handles_[4];
  s->projections_ = s->handles_[5];

  std::string format;
  rs = s->db_->Get(rocksdb::ReadOptions(), s->meta_, kFormatKey, &format);
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
  *store = std::move(s);
  return Status::OK();
}

EventStore::~EventStore() {
  if (!db_) return;
  for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  db_->Close().PermitUncheckedError();
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
  } else {
    ChainHead head;
    if (!head.ParseFromString(value)) return Status::Corruption("the chain head does not parse");
    if (!it->Valid()) {
      return Status::Corruption(fmt::format(
          "the chain head names position {} but the log is empty", head.position()));
    }
    uint64_t last = DecodeFixed64BE(it->key().ToStringView());
    if (last != head.position()) {
      return Status::Corruption(fmt::format(
          "the log ends at position {} but the chain head names position {}", last,
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
    last_recorded_micros_ = google::protobuf::util::TimeUtil::TimestampToMicroseconds(head.recorded_at());
  }
  committed_position_.store(next_position_);
  std::lock_guard lock(head_hash_mutex_);
  committed_hash_ = chain_hash_;
  return Status::OK();
}

// A failed write leaves RocksDB in a background-error state and may have
// left the in-memory heads ahead of the disk: resume, then reload what is
// actually stored before the next group commits.
Status EventStore::RecoverAfterWriteFailure() {
  rocksdb::Status rs = db_->Resume();
  if (!rs.ok()) return FromRocks(rs, "resuming after a failed write");
  head_cache_.clear();
  Status s = LoadChainHead();
  if (s.ok()) needs_recovery_ = false;
  return s;
}

Status EventStore::Append(std::string_view stream_id, ExpectedVersion expected,
                          const std::vector<NewEvent>& events, AppendResult* result) {
  if (options_.read_only) return Status::ReadOnly("the store was opened read-only");
  if (!open_error_.ok()) return open_error_;
  *result = AppendResult{};
  Writer w(stream_id, expected, &events, result);

  bool lead;
  {
    std::lock_guard lock(mutex_);
    writers_.push_back(&w);
    lead = writers_.size() == 1;
  }
  if (!lead) {
    std::unique_lock lock(w.mutex);
    w.cv.wait(lock, [&w] { return w.done || w.leader; });
    if (w.done) return w.status;
  }

  // This writer is at the front: it commits itself and those queued behind
  // it, up to a bounded number of events, in one synced write.
  std::vector<Writer*> group;
  {
    std::lock_guard lock(mutex_);
    size_t group_events = 0;
    for (Writer* queued : writers_) {
      if (!group.empty() && group_events + queued->events->size() > options_.max_group_events) {
        break;
      }
      group.push_back(queued);
      group_events += queued->events->size();
    }
  }
  CommitGroup(group);

  Writer* next = nullptr;
  {
    std::lock_guard lock(mutex_);
    writers_.erase(writers_.begin(), writers_.begin() + static_cast<ptrdiff_t>(group.size()));
    if (!writers_.empty()) next = writers_.front();
  }
  // Hand over first, so that the next group stages while this one's writers
  // wake up.
  if (next != nullptr) {
    std::lock_guard lock(next->mutex);
    next->leader = true;
    next->cv.notify_one();
  }
  for (Writer* member : group) {
    if (member == &w) continue;
    std::lock_guard lock(member->mutex);
    member->done = true;
    member->cv.notify_one();
  }
  return w.status;
}

void EventStore::CommitGroup(const std::vector<Writer*>& group) {
  Status ready = needs_recovery_ ? RecoverAfterWriteFailure() : Status::OK();
  if (!ready.ok()) {
    for (Writer* member : group) member->status = ready;
    return;
  }
  GroupState g;
  g.next_position = next_position_;
  g.chain_hash = chain_hash_;
  int64_t micros = std::max(NowMicros(), last_recorded_micros_);
  g.recorded_at = google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(micros);
  for (Writer* member : group) member->status = StageAppend(member, &g);
  if (g.events == 0) return;

  ChainHead head;
  head.set_position(g.next_position - 1);
  head.set_hash(g.chain_hash);
  *head.mutable_recorded_at() = g.recorded_at;
  g.batch.Put(meta_, kChainHeadKey, head.SerializeAsString());
  rocksdb::WriteOptions write;
  write.sync = options_.sync;
  rocksdb::Status rs = db_->Write(write, &g.batch);
  if (!rs.ok()) {
    Status failed = FromRocks(rs, "writing the log (outcome unknown: retry with the same ids)");
    if (failed.code() != Status::Code::kIOError) failed = Status::IOError(failed.message());
    for (Writer* member : group) {
      if (member->staged || member->replays_in_group) member->status = failed;
    }
    needs_recovery_ = true;
    return;
  }
  group_commits_.fetch_add(1, std::memory_order_relaxed);
  events_written_.fetch_add(g.events, std::memory_order_relaxed);
  next_position_ = g.next_position;
  chain_hash_ = g.chain_hash;
  last_recorded_micros_ = micros;
  if (head_cache_.size() > kMaxCachedHeads) head_cache_.clear();
  for (auto& [stream, stream_head] : g.heads) head_cache_[stream] = stream_head;
  committed_position_.store(next_position_);
  std::lock_guard hash_lock(head_hash_mutex_);
  committed_hash_ = chain_hash_;
}

Status EventStore::LoadHead(std::string_view stream_id, GroupState* group,
                            std::optional<StreamHead>* head) {
  std::string key(stream_id);
  if (auto staged = group->heads.find(key); staged != group->heads.end()) {
    *head = staged->second;
    return Status::OK();
  }
  if (auto cached = head_cache_.find(key); cached != head_cache_.end()) {
    *head = cached->second;
    return Status::OK();
  }
  std::string value;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), stream_heads_, key, &value);
  if (rs.IsNotFound()) {
    head->reset();
    return Status::OK();
  }
  if (!rs.ok()) return FromRocks(rs, "reading a stream head");
  StreamHead stored;
  if (!stored.ParseFromString(value)) {
    return Status::Corruption(fmt::format("the head of stream '{}' does not parse", stream_id));
  }
  head_cache_[key] = stored;
  *head = stored;
  return Status::OK();
}

Status EventStore::StageAppend(Writer* w, GroupState* g) {
  const std::vector<NewEvent>& events = *w->events;
  AppendResult* result = w->result;
  if (w->stream_id.empty() || w->stream_id.size() > kMaxStreamIdBytes ||
      w->stream_id.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("a stream id is 1-512 bytes without NUL");
  }
  if (events.empty()) return Status::InvalidArgument("an append needs at least one event");

  std::vector<std::string> ids;
  std::unordered_set<std::string> distinct;
  for (const NewEvent& e : events) {
    std::optional<std::string> id = UuidBytes(e.event_id());
    if (!id) {
      return Status::InvalidArgument(
          fmt::format("event id '{}' is not a canonical lower-case UUID", e.event_id()));
    }
    if (e.event_type().empty() || e.schema_version() == 0) {
      return Status::InvalidArgument(
          fmt::format("event {} needs an event type and a schema version", e.event_id()));
    }
    if (!distinct.insert(*id).second) {
      return Status::InvalidArgument(fmt::format("event id {} appears twice", e.event_id()));
    }
    ids.push_back(std::move(*id));
  }

  // Idempotency comes before the version check: a retry of an append that
  // succeeded must succeed again, although the stream has moved on.
  std::vector<std::optional<uint64_t>> stored(ids.size());
  size_t found = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (auto staged = g->ids.find(ids[i]); staged != g->ids.end()) {
      stored[i] = staged->second;
      w->replays_in_group = true;
    } else {
      std::string value;
      rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), event_ids_, ids[i], &value);
      if (rs.ok()) {
        stored[i] = DecodeFixed64BE(value);
      } else if (!rs.IsNotFound()) {
        return FromRocks(rs, "reading the event id index");
      }
    }
    found += stored[i].has_value() ? 1 : 0;
  }
  if (found > 0) {
    if (found != ids.size()) {
      w->replays_in_group = false;
      return Status::DuplicateEvent(fmt::format(
          "{} of the {} events are stored already: a retry must resend exactly the original "
          "append",
          found, ids.size()));
    }
    for (size_t i = 0; i < ids.size(); ++i) {
      bool same = false;
      uint64_t version = 0;
      if (auto staged = g->staged.find(*stored[i]); staged != g->staged.end()) {
        same = staged->second.stream_id == w->stream_id &&
               staged->second.event->SerializeAsString() == events[i].SerializeAsString();
        version = staged->second.stream_version;
      } else {
        EventRecord record;
        if (Status s = ReadRecordAt(*stored[i], &record); !s.ok()) return s;
        same = SameContent(record, w->stream_id, events[i]);
        version = record.stream_version();
      }
      bool in_sequence = i == 0 || *stored[i] == *stored[i - 1] + 1;
      if (!same || !in_sequence) {
        w->replays_in_group = false;
        return Status::DuplicateEvent(fmt::format(
            "event {} is stored at position {} with other content or in another append",
            events[i].event_id(), *stored[i]));
      }
      if (i == 0) result->first_position = *stored[i];
      result->last_position = *stored[i];
      result->last_version = version;
    }
    result->already_stored = true;
    return Status::OK();
  }

  std::optional<StreamHead> head;
  if (Status s = LoadHead(w->stream_id, g, &head); !s.ok()) return s;
  bool matches = true;
  switch (w->expected.kind()) {
    case ExpectedVersion::Kind::kAny: break;
    case ExpectedVersion::Kind::kNoStream: matches = !head.has_value(); break;
    case ExpectedVersion::Kind::kStreamExists: matches = head.has_value(); break;
    case ExpectedVersion::Kind::kExact:
      matches = head.has_value() && head->last_version() == w->expected.version();
      break;
  }
  if (!matches) {
    if (head) result->current_version = head->last_version();
    return Status::WrongExpectedVersion(fmt::format(
        "stream '{}' was expected at {} but is at {}", w->stream_id, w->expected.ToString(),
        head ? fmt::format("version {}", head->last_version()) : std::string("no stream")));
  }

  uint64_t version = head ? head->last_version() + 1 : 0;
  StreamHead next_head;
  next_head.set_event_count(head ? head->event_count() : 0);
  for (size_t i = 0; i < events.size(); ++i, ++version) {
    const NewEvent& e = events[i];
    uint64_t position = g->next_position++;
    EventRecord record;
    record.set_position(position);
    record.set_stream_id(std::string(w->stream_id));
    record.set_stream_version(version);
    record.set_event_id(e.event_id());
    record.set_event_type(e.event_type());
    record.set_schema_version(e.schema_version());
    *record.mutable_recorded_at() = g->recorded_at;
    *record.mutable_effective() = e.effective();
    record.set_actor(e.actor());
    record.set_correlation_id(e.correlation_id());
    record.set_causation_id(e.causation_id());
    record.set_payload(e.payload());
    record.set_prev_hash(g->chain_hash);

    LogEntry entry;
    entry.set_record(record.SerializeAsString());
    entry.set_hash(Sha256(entry.record()));
    std::string key = EncodePosition(position);
    g->batch.Put(log_, key, entry.SerializeAsString());
    g->batch.Put(stream_index_, StreamIndexKey(w->stream_id, version), key);
    g->batch.Put(event_ids_, ids[i], key);

    g->chain_hash = entry.hash();
    g->ids[ids[i]] = position;
    g->staged.emplace(position, StagedEvent{w->stream_id, &e, version});
    if (i == 0) result->first_position = position;
    result->last_position = position;
    next_head.set_last_version(version);
    next_head.set_last_position(position);
    next_head.set_event_count(next_head.event_count() + 1);
  }
  result->last_version = next_head.last_version();
  g->batch.Put(stream_heads_, std::string(w->stream_id), next_head.SerializeAsString());
  g->heads[std::string(w->stream_id)] = next_head;
  g->events += events.size();
  w->staged = true;
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
  *page = ReadPage{};
  size_t limit = max_count == 0 ? options_.max_page_size : std::min(max_count, options_.max_page_size);
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
  *page = ReadPage{};
  size_t limit = max_count == 0 ? options_.max_page_size : std::min(max_count, options_.max_page_size);
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
  *page = ReadPage{};
  size_t limit = max_count == 0 ? options_.max_page_size : std::min(max_count, options_.max_page_size);
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
  std::string value;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), stream_heads_, std::string(stream_id), &value);
  if (rs.IsNotFound()) return Status::NotFound(fmt::format("no stream '{}'", stream_id));
  if (!rs.ok()) return FromRocks(rs, "reading a stream head");
  if (!head->ParseFromString(value)) {
    return Status::Corruption(fmt::format("the head of stream '{}' does not parse", stream_id));
  }
  return Status::OK();
}

Status EventStore::FindEvent(std::string_view event_id, EventRecord* record) const {
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

Status EventStore::Verify(VerifyReport* report) const {
  *report = VerifyReport{};
  // One snapshot, so that appends running meanwhile do not look like damage.
  const rocksdb::Snapshot* snapshot = db_->GetSnapshot();
  rocksdb::ReadOptions read;
  read.snapshot = snapshot;
  auto release = std::unique_ptr<const rocksdb::Snapshot, std::function<void(const rocksdb::Snapshot*)>>(
      snapshot, [this](const rocksdb::Snapshot* s) { db_->ReleaseSnapshot(s); });

  std::map<std::string, StreamHead> streams;
  std::string previous_hash = GenesisHash();
  uint64_t expected_position = 0;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read, log_));
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected_position) {
    uint64_t position = DecodeFixed64BE(it->key().ToStringView());
    if (position != expected_position) {
      return Status::Corruption(
          fmt::format("position {} is missing from the log", expected_position));
    }
    EventRecord record;
    if (Status s = DecodeEntry(position, it->value(), &record); !s.ok()) return s;
    if (record.prev_hash() != previous_hash) {
      return Status::Corruption(fmt::format(
          "the record at position {} does not chain to the record before it", position));
    }
    previous_hash = record.hash();

    StreamHead& head = streams[record.stream_id()];
    uint64_t expected_version = head.event_count();
    if (record.stream_version() != expected_version) {
      return Status::Corruption(fmt::format(
          "the record at position {} has version {} of stream '{}' where {} was due", position,
          record.stream_version(), record.stream_id(), expected_version));
    }
    head.set_last_version(record.stream_version());
    head.set_last_position(position);
    head.set_event_count(head.event_count() + 1);

    std::string value;
    std::string key = EncodePosition(position);
    rocksdb::Status rs = db_->Get(read, stream_index_,
                                  StreamIndexKey(record.stream_id(), record.stream_version()), &value);
    if (!rs.ok() || value != key) {
      return Status::Corruption(
          fmt::format("the stream index disagrees with the log at position {}", position));
    }
    std::optional<std::string> id = UuidBytes(record.event_id());
    rs = id ? db_->Get(read, event_ids_, *id, &value) : rocksdb::Status::NotFound();
    if (!rs.ok() || value != key) {
      return Status::Corruption(
          fmt::format("the event id index disagrees with the log at position {}", position));
    }
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading the log");
  uint64_t records = expected_position;

  std::string value;
  rocksdb::Status rs = db_->Get(read, meta_, kChainHeadKey, &value);
  if (records == 0) {
    if (!rs.IsNotFound()) return Status::Corruption("the log is empty but has a chain head");
  } else {
    ChainHead head;
    if (!rs.ok() || !head.ParseFromString(value) || head.position() != records - 1 ||
        head.hash() != previous_hash) {
      return Status::Corruption(fmt::format(
          "the chain head does not match the last record, at position {}", records - 1));
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
    return Status::Corruption("the stream index holds entries for no record in the log");
  }
  if (count(event_ids_) != records) {
    return Status::Corruption("the event id index holds ids of no record in the log");
  }
  std::unique_ptr<rocksdb::Iterator> heads(db_->NewIterator(read, stream_heads_));
  uint64_t head_count = 0;
  for (heads->SeekToFirst(); heads->Valid(); heads->Next(), ++head_count) {
    auto found = streams.find(heads->key().ToString());
    StreamHead stored;
    if (found == streams.end() || !stored.ParseFromString(heads->value().ToString()) ||
        stored.SerializeAsString() != found->second.SerializeAsString()) {
      return Status::Corruption(fmt::format("the head of stream '{}' disagrees with the log",
                                            heads->key().ToString()));
    }
  }
  if (head_count != streams.size()) return Status::Corruption("a stream in the log has no head");

  report->records = records;
  report->streams = streams.size();
  report->head_hash = previous_hash;
  return Status::OK();
}

Status EventStore::PutProjectionState(std::string_view name, std::string_view value) {
  if (options_.read_only) return Status::ReadOnly("the store was opened read-only");
  rocksdb::WriteOptions write;
  write.sync = options_.sync;
  return FromRocks(db_->Put(write, projections_, std::string(name), std::string(value)),
                   "writing projection state");
}

Status EventStore::GetProjectionState(std::string_view name, std::string* value) const {
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), projections_, std::string(name), value);
  if (rs.IsNotFound()) return Status::NotFound(fmt::format("no projection state '{}'", name));
  return FromRocks(rs, "reading projection state");
}

}  // namespace accord::store
