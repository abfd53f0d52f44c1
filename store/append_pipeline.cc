// The write path of RocksDbStore: a queue and three threads.
//
//   Append/AppendAsync/ImportEntries -> queued_ -> stager -> open_group_ -> syncer -> completer
//                                                                               (callbacks)
//
// Appends and imports are writers on the one path: the stager checks each
// against the staged head (staging.cc) and stages all of it or nothing, so
// an import chains to the records appended before it and appends after it
// chain to the import.
//
// The stager alone assigns positions (so they are gapless and in commit
// order) and owns the staged state: next position, chain hash, stream heads.
// It keeps one group open, which grows while the syncer writes the group
// before it; the syncer seals the open group when it is ready for it, writes
// its batch with one synced write, publishes the committed head, and
// hands the group's writers to the completer. So each sync carries every
// append that arrived while the previous one was on its way to the disk.
// When nothing else is waiting, the stager writes (a small group) and the
// syncer calls back themselves, to spare a lone appender the hand-overs.
#include <fmt/format.h>
#include <google/protobuf/util/time_util.h>
#include <rocksdb/write_batch.h>

#include <pthread.h>

#include <algorithm>
#include <chrono>

#include "store/internal.h"
#include "store/pipeline_types.h"
#include "store/rocksdb_store.h"

namespace accord::store {

using accord::v1::ChainHead;
using accord::v1::LogEntry;
using accord::v1::NewEvent;
using namespace internal;  // NOLINT(google-build-using-namespace)

void RocksDbStore::StartPipeline() {
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

void RocksDbStore::StopPipeline() {
  if (!stager_.joinable()) return;
  {
    core::MutexLock lock(&mutex_);
    stopping_ = true;
    stager_cv_.SignalAll();
    syncer_cv_.SignalAll();
  }
  if (stager_.joinable()) stager_.join();
  if (syncer_.joinable()) syncer_.join();
  if (completer_.joinable()) completer_.join();
}

core::Status RocksDbStore::Await(const std::function<void(AppendCallback)>& start,
                                 AppendResult* result) {
  struct Waiter {
    core::Mutex mutex;
    core::CondVar cv{&mutex};
    bool done GUARDED_BY(mutex) = false;
    core::Status status GUARDED_BY(mutex);
  } waiter;
  start([&waiter, result](const core::Status& status, const AppendResult& appended) {
    // Signalled under the lock: the waiter cannot return (and destroy
    // itself) before this callback lets go of it.
    core::MutexLock lock(&waiter.mutex);
    waiter.status = status;
    if (result != nullptr) *result = appended;
    waiter.done = true;
    waiter.cv.Signal();
  });
  core::MutexLock lock(&waiter.mutex);
  while (!waiter.done) waiter.cv.Wait();
  return waiter.status;
}

core::Status RocksDbStore::Append(std::string_view stream_id, ExpectedVersion expected,
                                  const std::vector<NewEvent>& events, AppendResult* result) {
  return Await(
      [&](AppendCallback done) {
        AppendAsync(std::string(stream_id), expected, events, std::move(done));
      },
      result);
}

void RocksDbStore::AppendAsync(std::string stream_id, ExpectedVersion expected,
                               std::vector<NewEvent> events, AppendCallback done) {
  auto writer = std::make_unique<Writer>();
  writer->stream_id = std::move(stream_id);
  writer->expected = expected;
  writer->events = std::move(events);
  writer->done = std::move(done);
  Enqueue(std::move(writer));
}

core::Status RocksDbStore::ImportEntries(const std::vector<LogEntry>& entries) {
  if (entries.empty()) {
    if (options_.read_only) return core::Status::ReadOnly("the store was opened read-only");
    return open_error_;
  }
  return Await(
      [&](AppendCallback done) {
        auto writer = std::make_unique<Writer>();
        writer->imported = entries;
        writer->done = std::move(done);
        Enqueue(std::move(writer));
      },
      nullptr);
}

void RocksDbStore::Enqueue(std::unique_ptr<Writer> writer) {
  if (options_.read_only) {
    writer->done(core::Status::ReadOnly("the store was opened read-only"), AppendResult{});
    return;
  }
  if (!open_error_.ok()) {
    writer->done(open_error_, AppendResult{});
    return;
  }
  mutex_.Lock();
  if (stopping_) {
    mutex_.Unlock();
    writer->done(core::Status::IOError("the store is closing"), AppendResult{});
    return;
  }
  queued_.push_back(std::move(writer));
  mutex_.Unlock();
  stager_cv_.Signal();
}

void RocksDbStore::StagerLoop() {
  for (;;) {
    std::vector<std::unique_ptr<Writer>> writers;
    Group* group = nullptr;
    {
      core::MutexLock lock(&mutex_);
      if (!WaitForStagingWork()) break;  // stopping, and nothing left to stage
      if (!open_group_) {
        open_group_ = std::make_unique<Group>();
        open_group_->gate = gate_;
        open_group_->recorded_micros = std::max(NowMicros(options_.clock), last_recorded_micros_);
        last_recorded_micros_ = open_group_->recorded_micros;
      }
      size_t events = open_group_->events;
      while (!queued_.empty() &&
             (events == 0 || events + queued_.front()->size() <= options_.max_group_events)) {
        if (options_.max_group_bytes != 0) {
          size_t bytes = queued_.front()->bytes();
          if (events != 0 && open_group_->bytes + bytes > options_.max_group_bytes) {
            open_group_->full = true;  // the stager waits for the next group
            break;
          }
          open_group_->bytes += bytes;
        }
        events += queued_.front()->size();
        writers.push_back(std::move(queued_.front()));
        queued_.pop_front();
      }
      extending_ = true;
      group = open_group_.get();
    }
    // The open group grows while the syncer is busy writing the one before
    // it: the longer the disk takes, the more each sync carries.
    for (auto& w : writers) {
      w->status = w->is_import() ? StageImport(w.get(), group) : StageAppend(w.get(), group);
      group->writers.push_back(std::move(w));
    }
    group->next_position = next_position_;
    group->chain_hash = chain_hash_;
    group->merkle_frontier = merkle_frontier_.hashes();
    // With no one else waiting and the disk free, write a small group here:
    // one thread hand-over fewer for a lone appender. A larger group means
    // appenders are many: the syncer writes it (inserting its keys into the
    // memtables is most of a write's CPU) while this thread stages the next.
    std::unique_ptr<Group> sealed;
    core::Status failure;
    {
      core::MutexLock lock(&mutex_);
      extending_ = false;
      if (queued_.empty() && !syncer_busy_ && group->events <= kInlineWriteEvents) {
        sealed = std::move(open_group_);
        syncer_busy_ = true;
        failure = write_failure_;
      }
    }
    if (sealed) {
      FinishGroup(std::move(sealed), failure);
    } else {
      syncer_cv_.Signal();
    }
  }
  core::MutexLock lock(&mutex_);
  stager_done_ = true;
  syncer_cv_.Signal();
}

// Returns with writers queued and room in the open group, or false when
// stopping with nothing queued. Meanwhile, after a failed write, reopens the
// database for writing once every group staged on the failure has failed
// too: at once the first time, then backing off, and fails the writers that
// arrive while the disk still refuses.
bool RocksDbStore::WaitForStagingWork() {
  using Clock = std::chrono::steady_clock;
  for (;;) {
    if (stopping_ && queued_.empty()) return false;
    if (write_failure_.ok()) {
      if (!queued_.empty() && (!open_group_ || (open_group_->events < options_.max_group_events &&
                                                !open_group_->full))) {
        return true;
      }
      stager_cv_.Wait();
      continue;
    }
    if (open_group_ || syncer_busy_) {
      stager_cv_.Wait();
      continue;
    }
    std::chrono::milliseconds wait =
        queued_.empty() ? recovery_backoff_ : std::min(recovery_backoff_, kMinRecoveryInterval);
    Clock::time_point due = last_recovery_ + wait;
    if (stopping_ || Clock::now() < due) {
      if (!queued_.empty()) {
        FailQueued(write_failure_);
      } else {
        stager_cv_.WaitUntil(due);
      }
      continue;
    }
    mutex_.Unlock();
    core::Status recovered = RecoverAfterWriteFailure();
    mutex_.Lock();
    last_recovery_ = Clock::now();
    if (recovered.ok()) {
      write_failure_ = core::Status::OK();
      recovery_backoff_ = std::chrono::milliseconds(0);
      writable_cv_.SignalAll();
      continue;
    }
    recovery_backoff_ =
        std::clamp(recovery_backoff_ * 2, kMinRecoveryInterval, kMaxRecoveryInterval);
    write_failure_ = core::Status::IOError(fmt::format(
        "the store refuses appends until the disk takes writes again; it retries by itself (retry "
        "with the same event ids). The write that failed: {}; the last retry: {}",
        first_write_failure_, recovered.message()));
    FailQueued(write_failure_);
  }
}

void RocksDbStore::FailQueued(const core::Status& why) {
  std::deque<std::unique_ptr<Writer>> failed;
  failed.swap(queued_);
  // A copy: `why` may be write_failure_, which the lock guards.
  core::Status status = why;  // NOLINT(performance-unnecessary-copy-initialization)
  mutex_.Unlock();
  for (auto& w : failed) w->done(status, AppendResult{});
  mutex_.Lock();
}

void RocksDbStore::SyncerLoop() {
  for (;;) {
    std::unique_ptr<Group> group;
    core::Status failure;
    {
      core::MutexLock lock(&mutex_);
      while (!((open_group_ && !extending_ && !syncer_busy_) || (stager_done_ && !open_group_))) {
        syncer_cv_.Wait();
      }
      if (!open_group_) {
        syncer_done_ = true;
        completer_cv_.Signal();
        return;
      }
      group = std::move(open_group_);
      syncer_busy_ = true;
      failure = write_failure_;
      stager_cv_.Signal();
    }
    FinishGroup(std::move(group), failure);
  }
}

// REQUIRES: the caller set syncer_busy_ when it sealed `group`.
void RocksDbStore::FinishGroup(std::unique_ptr<Group> group, const core::Status& failure) {
  if (failure.ok()) {
    WriteGroup(group.get());
  } else {
    // Staged on top of a group that failed: its positions and hashes
    // assumed a write that did not happen.
    for (auto& w : group->writers) w->status = failure;
  }
  {
    core::MutexLock lock(&in_flight_mutex_);
    for (const auto& key : group->id_keys) in_flight_ids_.erase(key);
  }
  // With nothing waiting to be written, call back here and save the
  // hand-over; otherwise the completer does it while the next group syncs.
  // Either way callbacks keep commit order and run on one thread at a time:
  // inline only when the completer has nothing left, and as the completer
  // (completer_busy_), so that a group finished meanwhile by the other
  // writing thread waits in completed_ until these callbacks are done.
  bool inline_callbacks = false;
  {
    core::MutexLock lock(&mutex_);
    syncer_busy_ = false;
    inline_callbacks = !open_group_ && completed_.empty() && !completer_busy_;
    if (inline_callbacks) {
      completer_busy_ = true;
    } else {
      completed_.push_back(std::move(group));
    }
  }
  stager_cv_.Signal();
  syncer_cv_.Signal();
  if (inline_callbacks) {
    // Moved to completed_ only when not called back here.
    // NOLINTNEXTLINE(bugprone-use-after-move)
    for (auto& w : group->writers) w->done(w->status, w->result);
    core::MutexLock lock(&mutex_);
    completer_busy_ = false;
  }
  completer_cv_.Signal();
}

// Callbacks run here, in commit order, so that waking a caller never delays
// the next group's write.
void RocksDbStore::CompleterLoop() {
  for (;;) {
    std::deque<std::unique_ptr<Group>> groups;
    {
      core::MutexLock lock(&mutex_);
      // completer_busy_ here: a writing thread is calling back inline.
      while ((completed_.empty() && !syncer_done_) || completer_busy_) completer_cv_.Wait();
      if (completed_.empty()) return;
      groups.swap(completed_);
      completer_busy_ = true;
    }
    for (auto& group : groups) {
      for (auto& w : group->writers) w->done(w->status, w->result);
    }
    core::MutexLock lock(&mutex_);
    completer_busy_ = false;
  }
}

void RocksDbStore::SetCommitGate(std::shared_ptr<const CommitGate> gate) {
  core::MutexLock lock(&mutex_);
  gate_ = std::move(gate);
}

void RocksDbStore::WriteGroup(Group* group) {
  if (group->events == 0) return;
  if (group->gate && !group->gate_entries.empty()) {
    core::Status committed = group->gate->commit(group->gate_entries);
    if (!committed.ok()) {
      for (auto& w : group->writers) w->status = committed;
      gate_refused_.store(true);
      core::MutexLock lock(&mutex_);
      write_failure_ = committed;
      first_write_failure_ = committed.message();
      return;
    }
  }
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
  auto write_began = std::chrono::steady_clock::now();
  rocksdb::Status rs = db_->Write(write, &group->batch);
  std::chrono::duration<double> write_took = std::chrono::steady_clock::now() - write_began;
  if (!rs.ok()) {
    core::Status failed = core::Status::IOError(
        FromRocks(rs, "writing the log (outcome unknown: retry with the same event ids)")
            .message());
    for (auto& w : group->writers) {
      // Every writer is failed, rejected ones too: what they were checked
      // against may have assumed earlier groups that are not on disk.
      w->status = failed;
    }
    core::MutexLock lock(&mutex_);
    write_failure_ = failed;
    first_write_failure_ = failed.message();
    return;
  }
  group_commits_.fetch_add(1, std::memory_order_relaxed);
  events_written_.fetch_add(group->events, std::memory_order_relaxed);
  group_commit_events_.Observe(static_cast<double>(group->events));
  synced_write_seconds_.Observe(write_took.count());
  {
    core::MutexLock lock(&head_hash_mutex_);
    committed_hash_ = group->chain_hash;
    committed_position_.store(group->next_position);
  }
  NotifyCommitListener(group->next_position);
}

void RocksDbStore::SetCommitListener(std::function<void(uint64_t next_position)> listener) {
  core::MutexLock lock(&listener_mutex_);
  commit_listener_ = std::move(listener);
}

void RocksDbStore::NotifyCommitListener(uint64_t next_position) {
  WakeReach();
  core::MutexLock lock(&listener_mutex_);
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
core::Status RocksDbStore::RecoverAfterWriteFailure() {
  head_cache_.clear();
  {
    core::MutexLock lock(&in_flight_mutex_);
    in_flight_ids_.clear();
  }
  if (gate_refused_.exchange(false) && db_ && !db_read_only_) {
    // The gate refused the group before it reached the disk: nothing to
    // reopen, only the staged state to take back.
    return LoadChainHead();
  }
  uint64_t before = committed_position_.load();
  core::Status reopened;
  {
    core::WriterMutexLock db_lock(&db_mutex_);
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

}  // namespace accord::store
