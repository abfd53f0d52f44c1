// The RocksDB implementation of EventStore: what EventStore::Open returns.
// Internal to the store (callers see only store/event_store.h); its
// contract is EventStore's. Tests of RocksDB itself reach the folder through
// tests/testing/raw_db.h, never through this class.
//
// Where the code is:
//   rocksdb_store.cc   open, close, the chain head, the reach file
//   reads.cc           reads, projection state, backup
//   append_pipeline.cc the write path's threads (see the grammar there)
//   staging.cc         checking and staging one append or one import
//   merkle_tree.cc, verify.cc, salvage.cc
//
// Locking, from the outside in (a thread holds them in this order, never
// the other way): db_mutex_ (shared by readers; exclusive only to swap db_)
// -> mutex_ (the pipeline's queue and hand-overs) -> in_flight_mutex_,
// head_hash_mutex_, listener_mutex_, reach_mutex_ (each alone, briefly).
// The fields each guards say so in GUARDED_BY, checked by clang's
// -Wthread-safety. Two kinds of state have no lock and say so instead:
// the staged state, which only the stager thread touches, and db_ and its
// column families, which the write path reads without db_mutex_ because
// only the stager swaps them, and only while the syncer is idle.
#pragma once

#include <rocksdb/db.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "accord/v1/record.pb.h"
#include "core/histogram.h"
#include "core/merkle.h"
#include "core/mutex.h"
#include "core/status.h"
#include "core/thread_annotations.h"
#include "store/event_store.h"

namespace accord::store {

class RocksDbStore final : public EventStore {
 public:
  // The largest group the stager writes itself when nothing else waits
  // (append_pipeline.cc); larger ones go to the syncer.
  static constexpr size_t kInlineWriteEvents = 8;
  // Group sizes in powers of two, up to max_group_events's default.
  static constexpr double kGroupCommitEventBounds[] = {1,  2,   4,   8,   16,   32,
                                                       64, 128, 256, 512, 1024, 2048};

  // EventStore::Open's work; see there.
  static core::Status Open(const StoreOptions& options, const std::string& path,
                           std::unique_ptr<RocksDbStore>* store);

  ~RocksDbStore() override;

  core::Status Append(std::string_view stream_id, ExpectedVersion expected,
                      const std::vector<accord::v1::NewEvent>& events,
                      AppendResult* result) override;
  void AppendAsync(std::string stream_id, ExpectedVersion expected,
                   std::vector<accord::v1::NewEvent> events, AppendCallback done) override;
  void SetCommitListener(std::function<void(uint64_t next_position)> listener) override
      EXCLUDES(listener_mutex_);
  core::Status Backup(const std::string& directory, uint64_t* position) const override
      EXCLUDES(db_mutex_);
  core::Status ImportEntries(const std::vector<accord::v1::LogEntry>& entries) override;

  core::Status ReadStreamForward(std::string_view stream_id, uint64_t from_version,
                                 size_t max_count, ReadPage* page) const override
      EXCLUDES(db_mutex_);
  core::Status ReadStreamBackward(std::string_view stream_id, uint64_t from_version,
                                  size_t max_count, ReadPage* page) const override
      EXCLUDES(db_mutex_);
  core::Status ReadAll(uint64_t from_position, size_t max_count, ReadPage* page) const override
      EXCLUDES(db_mutex_);
  core::Status ReadStored(uint64_t from_position, size_t max_count, size_t max_bytes,
                          StoredPage* page) const override EXCLUDES(db_mutex_);
  core::Status GetStreamHead(std::string_view stream_id,
                             accord::v1::StreamHead* head) const override EXCLUDES(db_mutex_);
  core::Status ListStreams(std::string_view after, size_t max_count,
                           std::vector<std::string>* streams, bool* end) const override
      EXCLUDES(db_mutex_);
  core::Status FindEvent(std::string_view event_id, accord::v1::EventRecord* record) const override
      EXCLUDES(db_mutex_);

  LogHead Head() const override EXCLUDES(head_hash_mutex_);
  StoreStats Stats() const override EXCLUDES(db_mutex_);
  core::Status WriteHealth() const override EXCLUDES(mutex_);
  bool AwaitWritable(std::chrono::milliseconds timeout) const override EXCLUDES(mutex_);
  std::optional<LogHead> Reached() const override { return reached_; }
  core::Status Salvage(EventStore* into, SalvageReport* report) const override EXCLUDES(db_mutex_);

  core::Status MerkleRoot(uint64_t size, std::string* root) const override EXCLUDES(db_mutex_);
  core::Status InclusionProof(uint64_t position, uint64_t size,
                              std::vector<std::string>* proof) const override EXCLUDES(db_mutex_);
  core::Status ConsistencyProof(uint64_t first, uint64_t second,
                                std::vector<std::string>* proof) const override EXCLUDES(db_mutex_);
  core::Status ReadLeaf(uint64_t position, std::string* leaf) const override EXCLUDES(db_mutex_);
  core::Status Verify(VerifyReport* report) const override EXCLUDES(db_mutex_);

  core::Status PutProjectionState(std::string_view name, std::string_view value) override
      EXCLUDES(db_mutex_);
  core::Status GetProjectionState(std::string_view name, std::string* value) const override
      EXCLUDES(db_mutex_);
  core::Status WriteProjectionState(const std::vector<ProjectionWrite>& writes) override
      EXCLUDES(db_mutex_);
  core::Status ScanProjectionState(
      std::string_view prefix, std::string_view after, size_t max_count,
      std::vector<std::pair<std::string, std::string>>* entries) const override EXCLUDES(db_mutex_);

  // The replicated log's hook (store/replicated_store.h). While a gate is
  // set, each group staged from then on is committed through `commit`
  // before this store writes it, and its new records carry `term` as their
  // leader_term. `commit` gets the group's LogEntry values, serialized, in
  // position order, and runs on the write path (one group at a time, in
  // order). If it fails, the group fails as if the disk had refused it
  // (every group staged on it fails too), except that the database is not
  // reopened: what it holds is sound, so the staged state is reloaded from
  // it. Null clears the gate for groups staged after.
  struct CommitGate {
    uint64_t term = 0;
    std::function<core::Status(const std::vector<std::string>& entries)> commit;
  };
  void SetCommitGate(std::shared_ptr<const CommitGate> gate) EXCLUDES(mutex_);

 private:
  struct Writer;  // store/pipeline_types.h
  struct Group;
  struct InFlightEvent;

  RocksDbStore() = default;
  // Opens db_ and the column families at path_; *raw gets RocksDB's status.
  core::Status OpenDb(bool read_only, rocksdb::Status* raw = nullptr);
  void CloseDb();
  core::Status CheckOpen() const;  // IOError while no database could be opened
  core::Status LoadChainHead() EXCLUDES(head_hash_mutex_);
  // Refuses a log shorter than the reach file says it was, or with another
  // record where it reached.
  core::Status CheckReach() const;
  // The positions a refused open touches, as far as a permissive read-only
  // open of the folder shows them; empty if it cannot tell.
  std::string AffectedPositions() const;
  void ReachLoop() EXCLUDES(reach_mutex_);  // rewrites the reach file after commits, coalesced
  void WakeReach() EXCLUDES(reach_mutex_);
  core::Status ReadRecordAt(uint64_t position, accord::v1::EventRecord* record) const;
  // Reads the records at `positions` in order, stopping early at
  // max_page_bytes; *complete says whether every one was read.
  core::Status ReadPositions(const std::vector<uint64_t>& positions, ReadPage* page,
                             bool* complete) const;
  // The root of records [begin, end) from stored nodes; begin is aligned as
  // RFC 6962's recursive split leaves it. An error is kept in *error.
  std::string SubtreeHash(uint64_t begin, uint64_t end, core::Status* error) const;
  // Writes the Merkle nodes and frontier of a store written before they
  // existed, from its log.
  core::Status BuildMerkleTree();

  // The write path (append_pipeline.cc). Two threads, so that the disk
  // never waits for the CPU work of the next group:
  //   stager: takes the queued writers, checks them (idempotency, expected
  //           version; for an import, hash and chain), assigns positions and
  //           hashes, and adds them to the open group's WriteBatch;
  //   syncer: seals the open group when the disk is free, writes it with
  //           one synced write;
  //   completer: calls the written group's callbacks, in order.
  // The stager works ahead on the assumption that the group being written
  // succeeds; when a write fails, every group staged after it fails too, and
  // the stager reloads the committed state before the next group. Appends
  // and imports are writers alike: one queue, one staged head, one commit.
  void StartPipeline();
  void StopPipeline() EXCLUDES(mutex_);
  // Queues `writer` for the stager, or fails it at once.
  void Enqueue(std::unique_ptr<Writer> writer) EXCLUDES(mutex_);
  // Calls `start` with a callback and blocks until the callback has run.
  static core::Status Await(const std::function<void(AppendCallback)>& start, AppendResult* result);
  void StagerLoop() EXCLUDES(mutex_);
  bool WaitForStagingWork() REQUIRES(mutex_);
  void SyncerLoop() EXCLUDES(mutex_);
  void CompleterLoop() EXCLUDES(mutex_);
  // staging.cc: each checks one writer against the staged state and, if it
  // fits, stages all of it; if not, stages nothing.
  core::Status StageAppend(Writer* writer, Group* group) EXCLUDES(in_flight_mutex_);
  core::Status StageImport(Writer* writer, Group* group) EXCLUDES(in_flight_mutex_);
  core::Status LoadHead(std::string_view stream_id, std::optional<accord::v1::StreamHead>* head);
  // Reopens the database for writing (or, if the disk refuses, read-only
  // for readers) and reloads the staged state from what is stored.
  core::Status RecoverAfterWriteFailure() EXCLUDES(db_mutex_, in_flight_mutex_);
  // Fails every queued writer with `why` (letting go of mutex_ meanwhile).
  void FailQueued(const core::Status& why) REQUIRES(mutex_);
  void WriteGroup(Group* group) EXCLUDES(mutex_, head_hash_mutex_);
  void NotifyCommitListener(uint64_t next_position) EXCLUDES(listener_mutex_);
  // Writes (or fails) a sealed group and completes its writers.
  void FinishGroup(std::unique_ptr<Group> group, const core::Status& failure)
      EXCLUDES(mutex_, in_flight_mutex_);

  // Set at open, then read-only.
  StoreOptions options_;
  std::string path_;
  core::Status open_error_;         // set when the store refuses writes
  std::optional<LogHead> reached_;  // the reach file, read at open

  // Readers hold it shared; the stager holds it exclusively only to reopen
  // the database after a fatal write error. The write path itself needs no
  // lock: only the stager reopens, and only while the syncer is idle. So
  // db_ and the handles are not GUARDED_BY it.
  mutable core::SharedMutex db_mutex_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  rocksdb::ColumnFamilyHandle* log_ = nullptr;
  rocksdb::ColumnFamilyHandle* stream_index_ = nullptr;
  rocksdb::ColumnFamilyHandle* stream_heads_ = nullptr;
  rocksdb::ColumnFamilyHandle* event_ids_ = nullptr;
  rocksdb::ColumnFamilyHandle* projections_ = nullptr;
  rocksdb::ColumnFamilyHandle* merkle_ = nullptr;
  bool db_read_only_ = false;                // db_ was opened read-only
  std::shared_ptr<rocksdb::Logger> logger_;  // keeps what RocksDB reported

  // The pipeline's queue and hand-overs.
  mutable core::Mutex mutex_ ACQUIRED_AFTER(db_mutex_);
  core::CondVar stager_cv_{&mutex_};            // work for the stager, or room to stage
  core::CondVar syncer_cv_{&mutex_};            // an open group for the syncer
  core::CondVar completer_cv_{&mutex_};         // a written group to complete
  mutable core::CondVar writable_cv_{&mutex_};  // write_failure_ cleared
  std::deque<std::unique_ptr<Writer>> queued_ GUARDED_BY(mutex_);
  std::unique_ptr<Group> open_group_ GUARDED_BY(mutex_);  // staged, not yet sealed
  bool extending_ GUARDED_BY(mutex_) = false;             // the stager is adding to open_group_
  // A sealed group is being written (by the syncer, or by the stager when idle).
  bool syncer_busy_ GUARDED_BY(mutex_) = false;
  bool stopping_ GUARDED_BY(mutex_) = false;
  bool stager_done_ GUARDED_BY(mutex_) = false;
  bool syncer_done_ GUARDED_BY(mutex_) = false;
  bool completer_busy_ GUARDED_BY(mutex_) = false;  // calling back a batch of groups
  std::deque<std::unique_ptr<Group>> completed_ GUARDED_BY(mutex_);  // written, to complete
  core::Status write_failure_ GUARDED_BY(mutex_);  // sticky until the stager recovers
  std::shared_ptr<const CommitGate> gate_ GUARDED_BY(mutex_);
  // The write that failed was refused by the gate, not by the disk.
  std::atomic<bool> gate_refused_{false};
  std::string first_write_failure_ GUARDED_BY(mutex_);  // the write that failed
  std::chrono::steady_clock::time_point last_recovery_ GUARDED_BY(mutex_);
  std::chrono::milliseconds recovery_backoff_ GUARDED_BY(mutex_){0};
  std::thread stager_;
  std::thread syncer_;
  std::thread completer_;

  // Staged state, owned by the stager thread (no lock: no other thread
  // touches it once the pipeline runs): it runs ahead of the disk.
  uint64_t next_position_ = 0;
  std::string chain_hash_;
  core::MerkleFrontier merkle_frontier_;
  int64_t last_recorded_micros_ = 0;
  std::unordered_map<std::string, accord::v1::StreamHead> head_cache_;

  // Ids of events staged but not yet written: a retry must find them.
  core::Mutex in_flight_mutex_ ACQUIRED_AFTER(mutex_);
  std::unordered_map<std::string, InFlightEvent> in_flight_ids_ GUARDED_BY(in_flight_mutex_);

  // Committed state, published by the syncer for readers.
  std::atomic<uint64_t> committed_position_{0};
  core::Mutex listener_mutex_;  // a server may replace the listener while appends go on
  std::function<void(uint64_t)> commit_listener_ GUARDED_BY(listener_mutex_);
  std::atomic<uint64_t> group_commits_{0};
  std::atomic<uint64_t> events_written_{0};
  core::Histogram group_commit_events_{kGroupCommitEventBounds};
  core::Histogram synced_write_seconds_{core::kLatencyBoundsSeconds};
  // The live table files' size Stats() read last: it stands in while the
  // database is reopened after a failed write.
  mutable std::atomic<uint64_t> table_bytes_{0};
  mutable core::Mutex head_hash_mutex_;
  std::string committed_hash_ GUARDED_BY(head_hash_mutex_);

  // The reach file's writer (ReachLoop).
  core::Mutex reach_mutex_;
  core::CondVar reach_cv_{&reach_mutex_};       // a commit to record
  core::CondVar reach_stop_cv_{&reach_mutex_};  // closing: cut the interval short
  std::atomic<bool> reach_due_{false};          // a commit since the last write
  bool reach_stopping_ GUARDED_BY(reach_mutex_) = false;
  std::thread reacher_;
};

}  // namespace accord::store
