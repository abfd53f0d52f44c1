// The write path of EventStore: a queue and three threads.
//
//   Append/AppendAsync -> queued_ -> stager -> open_group_ -> syncer -> completer
//                                                                      (callbacks)
//
// The stager alone assigns positions (so they are gapless and in commit
// order) and owns the staged state: next position, chain hash, stream heads.
// It keeps one group open, which grows while the syncer writes the group
// before it; the syncer seals the open group when it is ready for it, writes
// its batch with one synced write, publishes the committed head, and
// hands the group's writers to the completer. So each sync carries every
// append that arrived while the previous one was on its way to the disk.
// When nothing else is waiting, the stager writes and the syncer calls back
// themselves, to spare a lone appender the hand-overs.
#include <fmt/format.h>
#include <google/protobuf/util/time_util.h>
#include <rocksdb/write_batch.h>

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <unordered_set>

#include "store/event_store.h"
#include "store/internal.h"
#include "store/pipeline_types.h"

namespace accord::store {

using accord::v1::ChainHead;
using accord::v1::EventRecord;
using accord::v1::LogEntry;
using accord::v1::NewEvent;
using accord::v1::StreamHead;
using namespace internal;  // NOLINT(google-build-using-namespace)

namespace {

constexpr size_t kMaxStreamIdBytes = 512;
constexpr size_t kMaxCachedHeads = 100000;

bool SameContent(const EventRecord& stored, std::string_view stream_id, const NewEvent& e) {
  return stored.stream_id() == stream_id && stored.event_type() == e.event_type() &&
         stored.schema_version() == e.schema_version() && stored.payload() == e.payload() &&
         stored.effective().SerializeAsString() == e.effective().SerializeAsString() &&
         stored.actor() == e.actor() && stored.correlation_id() == e.correlation_id() &&
         stored.causation_id() == e.causation_id();
}

}  // namespace

void EventStore::StartPipeline() {
  stager_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "accord:stager");
    StagerLoop();
  });
  syncer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "accord:syncer");
    SyncerLoop();
  });
  completer_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "accord:done");
    CompleterLoop();
  });
}

void EventStore::StopPipeline() {
  if (!stager_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stager_cv_.notify_all();
  syncer_cv_.notify_all();
  if (stager_.joinable()) stager_.join();
  if (syncer_.joinable()) syncer_.join();
  if (completer_.joinable()) completer_.join();
}

core::Status EventStore::Append(std::string_view stream_id, ExpectedVersion expected,
                                const std::vector<NewEvent>& events, AppendResult* result) {
  struct Waiter {
    std::mutex mutex;
    std::condition_variable cv;
    bool done = false;
    core::Status status;
  } waiter;
  AppendAsync(std::string(stream_id), expected, events,
              [&waiter, result](const core::Status& status, const AppendResult& appended) {
                // Notified under the lock: the waiter cannot return (and
                // destroy itself) before this callback lets go of it.
                std::lock_guard lock(waiter.mutex);
                waiter.status = status;
                *result = appended;
                waiter.done = true;
                waiter.cv.notify_one();
              });
  std::unique_lock lock(waiter.mutex);
  waiter.cv.wait(lock, [&waiter] { return waiter.done; });
  return waiter.status;
}

void EventStore::AppendAsync(std::string stream_id, ExpectedVersion expected,
                             std::vector<NewEvent> events, AppendCallback done) {
  if (options_.read_only) {
    done(core::Status::ReadOnly("the store was opened read-only"), AppendResult{});
    return;
  }
  if (!open_error_.ok()) {
    done(open_error_, AppendResult{});
    return;
  }
  auto writer = std::make_unique<Writer>();
  writer->stream_id = std::move(stream_id);
  writer->expected = expected;
  writer->events = std::move(events);
  writer->done = std::move(done);
  std::unique_lock lock(mutex_);
  if (stopping_ || importing_) {
    lock.unlock();
    writer->done(stopping_ ? core::Status::IOError("the store is closing")
                           : core::Status::ReadOnly("an import is running; append after it"),
                 AppendResult{});
    return;
  }
  queued_.push_back(std::move(writer));
  lock.unlock();
  stager_cv_.notify_one();
}

void EventStore::StagerLoop() {
  for (;;) {
    std::vector<std::unique_ptr<Writer>> writers;
    Group* group = nullptr;
    {
      std::unique_lock lock(mutex_);
      if (!WaitForStagingWork(lock)) break;  // stopping, and nothing left to stage
      if (!open_group_) {
        open_group_ = std::make_unique<Group>();
        open_group_->recorded_micros = std::max(NowMicros(), last_recorded_micros_);
        last_recorded_micros_ = open_group_->recorded_micros;
      }
      size_t events = open_group_->events;
      while (!queued_.empty() && (events == 0 || events + queued_.front()->events.size() <=
                                                     options_.max_group_events)) {
        events += queued_.front()->events.size();
        writers.push_back(std::move(queued_.front()));
        queued_.pop_front();
      }
      extending_ = true;
      group = open_group_.get();
    }
    // The open group grows while the syncer is busy writing the one before
    // it: the longer the disk takes, the more each sync carries.
    for (auto& w : writers) {
      w->status = StageAppend(w.get(), group);
      group->writers.push_back(std::move(w));
    }
    group->next_position = next_position_;
    group->chain_hash = chain_hash_;
    group->merkle_frontier = merkle_frontier_.hashes();
    // With no one else waiting and the disk free, write the group here: one
    // thread hand-over fewer for a lone appender. Under load the syncer
    // writes while this thread stages the next group.
    std::unique_ptr<Group> sealed;
    core::Status failure;
    {
      std::lock_guard lock(mutex_);
      extending_ = false;
      if (queued_.empty() && !syncer_busy_) {
        sealed = std::move(open_group_);
        syncer_busy_ = true;
        failure = write_failure_;
      }
    }
    if (sealed) {
      FinishGroup(std::move(sealed), failure);
    } else {
      syncer_cv_.notify_one();
    }
  }
  {
    std::lock_guard lock(mutex_);
    stager_done_ = true;
  }
  syncer_cv_.notify_one();
}

// REQUIRES: lock holds mutex_. Returns with writers queued and room in the
// open group, or false when stopping with nothing queued. Meanwhile, after a
// failed write, reopens the database for writing once every group staged on
// the failure has failed too: at once the first time, then backing off, and
// fails the writers that arrive while the disk still refuses.
bool EventStore::WaitForStagingWork(std::unique_lock<std::mutex>& lock) {
  using Clock = std::chrono::steady_clock;
  for (;;) {
    if (stopping_ && queued_.empty()) return false;
    if (write_failure_.ok()) {
      if (!queued_.empty() && (!open_group_ || open_group_->events < options_.max_group_events)) {
        return true;
      }
      stager_cv_.wait(lock);
      continue;
    }
    if (open_group_ || syncer_busy_ || importing_) {
      stager_cv_.wait(lock);
      continue;
    }
    std::chrono::milliseconds wait =
        queued_.empty() ? recovery_backoff_ : std::min(recovery_backoff_, kMinRecoveryInterval);
    Clock::time_point due = last_recovery_ + wait;
    if (stopping_ || Clock::now() < due) {
      if (!queued_.empty()) {
        FailQueued(lock, write_failure_);
      } else {
        stager_cv_.wait_until(lock, due);
      }
      continue;
    }
    recovering_ = true;
    lock.unlock();
    core::Status recovered = RecoverAfterWriteFailure();
    lock.lock();
    recovering_ = false;
    last_recovery_ = Clock::now();
    if (recovered.ok()) {
      write_failure_ = core::Status::OK();
      recovery_backoff_ = std::chrono::milliseconds(0);
      writable_cv_.notify_all();
      continue;
    }
    recovery_backoff_ =
        std::clamp(recovery_backoff_ * 2, kMinRecoveryInterval, kMaxRecoveryInterval);
    write_failure_ = core::Status::IOError(fmt::format(
        "the store refuses appends until the disk takes writes again; it retries by itself (retry "
        "with the same event ids). The write that failed: {}; the last retry: {}",
        first_write_failure_, recovered.message()));
    FailQueued(lock, write_failure_);
  }
}

void EventStore::FailQueued(std::unique_lock<std::mutex>& lock, const core::Status& why) {
  std::deque<std::unique_ptr<Writer>> failed;
  failed.swap(queued_);
  lock.unlock();
  for (auto& w : failed) w->done(why, AppendResult{});
  lock.lock();
}

void EventStore::SyncerLoop() {
  for (;;) {
    std::unique_ptr<Group> group;
    core::Status failure;
    {
      std::unique_lock lock(mutex_);
      syncer_cv_.wait(lock, [this] {
        return (open_group_ && !extending_ && !syncer_busy_) || (stager_done_ && !open_group_);
      });
      if (!open_group_) {
        syncer_done_ = true;
        completer_cv_.notify_one();
        return;
      }
      group = std::move(open_group_);
      syncer_busy_ = true;
      failure = write_failure_;
    }
    stager_cv_.notify_one();
    FinishGroup(std::move(group), failure);
  }
}

// REQUIRES: the caller set syncer_busy_ when it sealed `group`.
void EventStore::FinishGroup(std::unique_ptr<Group> group, const core::Status& failure) {
  if (failure.ok()) {
    WriteGroup(group.get());
  } else {
    // Staged on top of a group that failed: its positions and hashes
    // assumed a write that did not happen.
    for (auto& w : group->writers) w->status = failure;
  }
  {
    std::lock_guard lock(in_flight_mutex_);
    for (const auto& key : group->id_keys) in_flight_ids_.erase(key);
  }
  // With nothing waiting to be written, call back here and save the
  // hand-over; otherwise the completer does it while the next group syncs.
  // Either way callbacks keep commit order: inline only when the completer
  // has nothing left.
  std::unique_lock lock(mutex_);
  syncer_busy_ = false;
  if (!open_group_ && completed_.empty() && !completer_busy_) {
    lock.unlock();
    stager_cv_.notify_one();
    syncer_cv_.notify_one();
    for (auto& w : group->writers) w->done(w->status, w->result);
    return;
  }
  completed_.push_back(std::move(group));
  lock.unlock();
  stager_cv_.notify_one();
  syncer_cv_.notify_one();
  completer_cv_.notify_one();
}

// Callbacks run here, in commit order, so that waking a caller never delays
// the next group's write.
void EventStore::CompleterLoop() {
  for (;;) {
    std::deque<std::unique_ptr<Group>> groups;
    {
      std::unique_lock lock(mutex_);
      completer_cv_.wait(lock, [this] { return !completed_.empty() || syncer_done_; });
      if (completed_.empty()) return;
      groups.swap(completed_);
      completer_busy_ = true;
    }
    for (auto& group : groups) {
      for (auto& w : group->writers) w->done(w->status, w->result);
    }
    std::lock_guard lock(mutex_);
    completer_busy_ = false;
  }
}

void EventStore::WriteGroup(Group* group) {
  if (group->events == 0) return;
  std::sort(group->stream_index_puts.begin(), group->stream_index_puts.end());
  std::sort(group->event_id_puts.begin(), group->event_id_puts.end());
  for (const auto& [key, value] : group->stream_index_puts)
    group->batch.Put(stream_index_, key, value);
  for (const auto& [key, value] : group->event_id_puts) group->batch.Put(event_ids_, key, value);
  std::sort(group->merkle_node_puts.begin(), group->merkle_node_puts.end());
  for (const auto& [key, value] : group->merkle_node_puts) group->batch.Put(merkle_, key, value);
  for (const auto& [key, value] : group->stream_head_puts)
    group->batch.Put(stream_heads_, key, value);
  ChainHead head;
  head.set_position(group->next_position - 1);
  head.set_hash(group->chain_hash);
  for (const auto& hash : group->merkle_frontier) head.add_merkle_frontier(hash);
  *head.mutable_recorded_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(group->recorded_micros);
  group->batch.Put(meta_, kChainHeadKey, head.SerializeAsString());
  rocksdb::WriteOptions write;
  write.sync = options_.sync;
  rocksdb::Status rs = db_->Write(write, &group->batch);
  if (!rs.ok()) {
    core::Status failed = core::Status::IOError(
        FromRocks(rs, "writing the log (outcome unknown: retry with the same event ids)")
            .message());
    for (auto& w : group->writers) {
      // Every writer is failed, rejected ones too: what they were checked
      // against may have assumed earlier groups that are not on disk.
      w->status = failed;
    }
    std::lock_guard lock(mutex_);
    write_failure_ = failed;
    first_write_failure_ = failed.message();
    return;
  }
  group_commits_.fetch_add(1, std::memory_order_relaxed);
  events_written_.fetch_add(group->events, std::memory_order_relaxed);
  {
    std::lock_guard lock(head_hash_mutex_);
    committed_hash_ = group->chain_hash;
    committed_position_.store(group->next_position);
  }
  NotifyCommitListener(group->next_position);
}

void EventStore::SetCommitListener(std::function<void(uint64_t next_position)> listener) {
  std::lock_guard lock(listener_mutex_);
  commit_listener_ = std::move(listener);
}

void EventStore::NotifyCommitListener(uint64_t next_position) {
  WakeReach();
  std::lock_guard lock(listener_mutex_);
  if (commit_listener_) commit_listener_(next_position);
}

// A failed write leaves RocksDB in a background-error state and the staged
// state ahead of the disk. The database is reopened, which replays its WAL
// up to the last whole batch (a torn one at its end is dropped), and the
// staged state is reloaded from what is actually stored. If the disk refuses
// to open it for writing, it is opened read-only, so that readers go on,
// and the stager tries again later. (DB::Resume is not used: RocksDB treats
// a failed WAL sync as fatal, and after a failed WAL append the WAL writer
// must not be used.) Readers wait only while the database is swapped.
core::Status EventStore::RecoverAfterWriteFailure() {
  head_cache_.clear();
  {
    std::lock_guard lock(in_flight_mutex_);
    in_flight_ids_.clear();
  }
  uint64_t before = committed_position_.load();
  core::Status reopened;
  {
    std::unique_lock db_lock(db_mutex_);
    CloseDb();
    reopened = OpenDb(false);
    if (!reopened.ok()) (void)OpenDb(true);
  }
  if (!db_) return reopened;
  core::Status loaded = LoadChainHead();
  // A write reported failed may have reached the disk after all.
  if (loaded.ok() && committed_position_.load() > before) {
    NotifyCommitListener(committed_position_.load());
  }
  return reopened.ok() ? loaded : reopened;
}

core::Status EventStore::LoadHead(std::string_view stream_id, std::optional<StreamHead>* head) {
  std::string key(stream_id);
  if (auto cached = head_cache_.find(key); cached != head_cache_.end()) {
    *head = cached->second;
    return core::Status::OK();
  }
  std::string value;
  rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), stream_heads_, key, &value);
  if (rs.IsNotFound()) {
    head->reset();
    return core::Status::OK();
  }
  if (!rs.ok()) return FromRocks(rs, "reading a stream head");
  StreamHead stored;
  if (!stored.ParseFromString(value)) {
    return core::Status::Corruption(
        fmt::format("the head of stream '{}' does not parse", stream_id));
  }
  if (head_cache_.size() >= kMaxCachedHeads) head_cache_.clear();
  head_cache_[key] = stored;
  *head = stored;
  return core::Status::OK();
}

core::Status EventStore::StageAppend(Writer* w, Group* g) {
  const std::vector<NewEvent>& events = w->events;
  AppendResult* result = &w->result;
  if (w->stream_id.empty() || w->stream_id.size() > kMaxStreamIdBytes ||
      w->stream_id.find('\0') != std::string::npos) {
    return core::Status::InvalidArgument("a stream id is 1-512 bytes without NUL");
  }
  if (events.empty()) return core::Status::InvalidArgument("an append needs at least one event");

  std::vector<std::string> ids;
  ids.reserve(events.size());
  for (const NewEvent& e : events) {
    std::optional<std::string> id = UuidBytes(e.event_id());
    if (!id) {
      return core::Status::InvalidArgument(
          fmt::format("event id '{}' is not a canonical lower-case UUID", e.event_id()));
    }
    if (e.event_type().empty() || e.schema_version() == 0) {
      return core::Status::InvalidArgument(
          fmt::format("event {} needs an event type and a schema version", e.event_id()));
    }
    ids.push_back(std::move(*id));
  }
  if (ids.size() > 1 &&
      std::unordered_set<std::string>(ids.begin(), ids.end()).size() != ids.size()) {
    return core::Status::InvalidArgument("an event id appears twice in one append");
  }

  // Idempotency comes before the version check: a retry of an append that
  // succeeded must succeed again, although the stream has moved on. Staged
  // events are looked up before the disk: one leaves the in-flight map only
  // after it is written.
  size_t found = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    std::optional<InFlightEvent> in_flight;
    {
      std::lock_guard lock(in_flight_mutex_);
      if (auto it = in_flight_ids_.find(ids[i]); it != in_flight_ids_.end()) in_flight = it->second;
    }
    uint64_t position = 0;
    uint64_t version = 0;
    bool same = false;
    if (in_flight) {
      position = in_flight->position;
      version = in_flight->stream_version;
      // Compared only when an id repeats, so serializing here costs the
      // append path nothing.
      same = *in_flight->stream_id == w->stream_id &&
             in_flight->event->SerializeAsString() == events[i].SerializeAsString();
    } else {
      std::string value;
      rocksdb::Status rs = db_->Get(rocksdb::ReadOptions(), event_ids_, ids[i], &value);
      if (rs.IsNotFound()) continue;
      if (!rs.ok()) return FromRocks(rs, "reading the event id index");
      position = DecodeFixed64BE(value);
      EventRecord record;
      if (core::Status s = ReadRecordAt(position, &record); !s.ok()) return s;
      version = record.stream_version();
      same = SameContent(record, w->stream_id, events[i]);
    }
    bool in_sequence = found == i && (i == 0 || position == result->last_position + 1);
    if (!same || !in_sequence) {
      return core::Status::DuplicateEvent(
          fmt::format("event {} is stored at position {} with other content or in another append",
                      events[i].event_id(), position));
    }
    if (i == 0) result->first_position = position;
    result->last_position = position;
    result->last_version = version;
    ++found;
  }
  if (found > 0) {
    if (found != ids.size()) {
      *result = AppendResult{};
      return core::Status::DuplicateEvent(fmt::format(
          "{} of the {} events are stored already: a retry must resend exactly the original "
          "append",
          found, ids.size()));
    }
    result->already_stored = true;
    return core::Status::OK();
  }

  std::optional<StreamHead> head;
  if (core::Status s = LoadHead(w->stream_id, &head); !s.ok()) return s;
  bool matches = true;
  switch (w->expected.kind()) {
    case ExpectedVersion::Kind::kAny:
      break;
    case ExpectedVersion::Kind::kNoStream:
      matches = !head.has_value();
      break;
    case ExpectedVersion::Kind::kStreamExists:
      matches = head.has_value();
      break;
    case ExpectedVersion::Kind::kExact:
      matches = head.has_value() && head->last_version() == w->expected.version();
      break;
  }
  if (!matches) {
    if (head) result->current_version = head->last_version();
    return core::Status::WrongExpectedVersion(fmt::format(
        "stream '{}' was expected at {} but is at {}", w->stream_id, w->expected.ToString(),
        head ? fmt::format("version {}", head->last_version()) : std::string("no stream")));
  }

  google::protobuf::Timestamp recorded_at =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(g->recorded_micros);
  uint64_t version = head ? head->last_version() + 1 : 0;
  StreamHead next_head;
  next_head.set_event_count(head ? head->event_count() : 0);
  std::vector<std::pair<std::string, InFlightEvent>> staged;
  staged.reserve(events.size());
  for (size_t i = 0; i < events.size(); ++i, ++version) {
    const NewEvent& e = events[i];
    uint64_t position = next_position_++;
    EventRecord record;
    record.set_position(position);
    record.set_stream_id(w->stream_id);
    record.set_stream_version(version);
    record.set_event_id(e.event_id());
    record.set_event_type(e.event_type());
    record.set_schema_version(e.schema_version());
    *record.mutable_recorded_at() = recorded_at;
    *record.mutable_effective() = e.effective();
    record.set_actor(e.actor());
    record.set_correlation_id(e.correlation_id());
    record.set_causation_id(e.causation_id());
    record.set_payload(e.payload());
    record.set_prev_hash(chain_hash_);

    LogEntry entry;
    entry.set_record(record.SerializeAsString());
    entry.set_hash(Sha256(entry.record()));
    std::string key = EncodePosition(position);
    g->batch.Put(log_, key, entry.SerializeAsString());
    g->stream_index_puts.emplace_back(StreamIndexKey(w->stream_id, version), key);
    g->event_id_puts.emplace_back(ids[i], key);
    chain_hash_ = entry.hash();
    merkle_frontier_.Append(core::LeafHash(entry.record()),
                            [g](int level, uint64_t index, const core::MerkleHash& hash) {
                              g->merkle_node_puts.emplace_back(MerkleNodeKey(level, index), hash);
                            });
    staged.emplace_back(ids[i], InFlightEvent{position, version, &w->stream_id, &e});
    g->id_keys.push_back(ids[i]);

    if (i == 0) result->first_position = position;
    result->last_position = position;
    next_head.set_last_version(version);
    next_head.set_last_position(position);
    next_head.set_event_count(next_head.event_count() + 1);
  }
  {
    std::lock_guard lock(in_flight_mutex_);
    for (auto& [id, event] : staged) in_flight_ids_[id] = event;
  }
  result->last_version = next_head.last_version();
  g->stream_head_puts[w->stream_id] = next_head.SerializeAsString();
  head_cache_[w->stream_id] = next_head;
  g->events += events.size();
  return core::Status::OK();
}

core::Status EventStore::Import(const std::vector<EventRecord>& records) {
  if (options_.read_only) return core::Status::ReadOnly("the store was opened read-only");
  if (!open_error_.ok()) return open_error_;
  {
    // The staged state belongs to the stager; take it over while it is idle.
    std::lock_guard lock(mutex_);
    if (!write_failure_.ok()) return write_failure_;
    if (!queued_.empty() || open_group_ || syncer_busy_ || importing_ || recovering_) {
      return core::Status::ReadOnly("appends are running; import into a store nobody appends to");
    }
    importing_ = true;
  }
  struct Release {
    EventStore* store;
    ~Release() {
      std::lock_guard lock(store->mutex_);
      store->importing_ = false;
    }
  } release{this};

  rocksdb::WriteBatch batch;
  std::unordered_map<std::string, StreamHead> heads;
  std::unordered_set<std::string> ids;
  uint64_t position = next_position_;
  std::string hash = chain_hash_;
  core::MerkleFrontier frontier = merkle_frontier_;
  int64_t recorded_micros = last_recorded_micros_;
  for (const EventRecord& given : records) {
    auto refuse = [&](std::string_view why) {
      return core::Status::Corruption(
          fmt::format("record at position {}: {}", given.position(), why));
    };
    EventRecord record = given;
    record.clear_hash();
    std::string bytes = record.SerializeAsString();
    if (Sha256(bytes) != given.hash()) return refuse("it does not match its hash");
    if (given.position() != position) {
      return refuse(fmt::format("position {} was due", position));
    }
    if (given.prev_hash() != hash) return refuse("it does not chain to the record before it");
    std::optional<std::string> id = UuidBytes(given.event_id());
    if (!id || !ids.insert(*id).second) return refuse("its event id is malformed or repeated");
    std::string existing;
    if (db_->Get(rocksdb::ReadOptions(), event_ids_, *id, &existing).ok()) {
      return refuse("its event id is stored already");
    }
    std::optional<StreamHead> head;
    if (auto it = heads.find(given.stream_id()); it != heads.end()) {
      head = it->second;
    } else if (core::Status s = LoadHead(given.stream_id(), &head); !s.ok()) {
      return s;
    }
    uint64_t version = head ? head->last_version() + 1 : 0;
    if (given.stream_version() != version) {
      return refuse(fmt::format("version {} of stream '{}' was due", version, given.stream_id()));
    }
    frontier.Append(core::LeafHash(bytes),
                    [&batch, this](int level, uint64_t index, const core::MerkleHash& node) {
                      batch.Put(merkle_, MerkleNodeKey(level, index), node);
                    });
    LogEntry entry;
    entry.set_record(std::move(bytes));
    entry.set_hash(given.hash());
    std::string key = EncodePosition(position);
    batch.Put(log_, key, entry.SerializeAsString());
    batch.Put(stream_index_, StreamIndexKey(given.stream_id(), version), key);
    batch.Put(event_ids_, *id, key);
    StreamHead next_head;
    next_head.set_last_version(version);
    next_head.set_last_position(position);
    next_head.set_event_count(version + 1);
    heads[given.stream_id()] = next_head;
    hash = given.hash();
    recorded_micros =
        std::max(recorded_micros,
                 google::protobuf::util::TimeUtil::TimestampToMicroseconds(given.recorded_at()));
    ++position;
  }
  if (records.empty()) return core::Status::OK();
  for (const auto& [stream, head] : heads)
    batch.Put(stream_heads_, stream, head.SerializeAsString());
  ChainHead chain;
  chain.set_position(position - 1);
  chain.set_hash(hash);
  for (const auto& node : frontier.hashes()) chain.add_merkle_frontier(node);
  *chain.mutable_recorded_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(recorded_micros);
  batch.Put(meta_, kChainHeadKey, chain.SerializeAsString());
  rocksdb::WriteOptions write;
  write.sync = options_.sync;
  if (core::Status s = FromRocks(db_->Write(write, &batch), "writing imported records"); !s.ok()) {
    head_cache_.clear();
    return s;
  }
  next_position_ = position;
  chain_hash_ = hash;
  merkle_frontier_ = std::move(frontier);
  last_recorded_micros_ = recorded_micros;
  for (const auto& [stream, head] : heads) head_cache_[stream] = head;
  {
    std::lock_guard lock(head_hash_mutex_);
    committed_hash_ = hash;
    committed_position_.store(position);
  }
  NotifyCommitListener(position);
  return core::Status::OK();
}

}  // namespace accord::store
