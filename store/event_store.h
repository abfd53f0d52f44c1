// accord/store: the append-only event log on RocksDB.
//
// One log holds every event of every stream (agreement) in commit order.
// Each event gets a global position (gapless, from 0: a single committer
// assigns them and a rejected append consumes none) and a version within its
// stream (from 0). Every record carries the SHA-256 of the record before it,
// so the log is one hash chain; docs/storage.md gives the on-disk layout.
//
// Thread safety: an EventStore may be shared by any number of threads.
// Appends are queued to a single committer, which gathers every append
// waiting into one synced RocksDB write (group commit, after leveldb's
// DBImpl::Write); a failure of one append (a version conflict, a duplicate)
// fails that append alone.
//
// Durability: Append returns OK only after its events are in the WAL and the
// WAL is synced (unless StoreOptions::sync is false, which tests and
// benchmarks of the CPU path may use). An IOError from Append means the
// outcome is unknown: retry with the same event ids, which is always safe.
//
// Damage: the store refuses to open (Corruption, naming the file, the
// damage and, where it can tell, the positions affected) rather than serve a
// log that lost acknowledged records. RocksDB replays its write-ahead log in
// kTolerateCorruptedTailRecords mode: only a torn final record, the trace of
// a write that was never acknowledged, is dropped; a bad checksum in a whole
// record, a record missing in the middle, a missing or shortened table file
// refuse the open. A log cut short, emptied or deleted reads to RocksDB as a
// clean shorter log, so the store also keeps the reach file (store/reach.h:
// DATA/ACCORD-REACH, the next position and head hash, fsynced and replaced
// atomically, outside RocksDB): a log that comes back shorter than it
// reached, or with another record where it reached, is refused at open.
// The reach file is rewritten off the append path, at most every
// kReachInterval (200 ms) after group commits, and on every clean close.
// The window it does not cover: records acknowledged in the last 200 ms
// before a crash (plus the time of one small fsync) that are then cut off
// the end of the write-ahead log read as a torn tail and are dropped unseen;
// damage to them that leaves a bad checksum is still refused. Deleting the
// reach file disarms the check for one open.
//
// Write failures (a full disk, a failing device): the failed append and every
// append staged on it fail with IOError; reads go on. The store keeps
// RocksDB open for readers and retries, in the background, with backoff
// (kMinRecoveryInterval to kMaxRecoveryInterval), to reopen it for writing;
// while the disk refuses, it serves reads from a read-only open, refuses
// appends at once with IOError, and WriteHealth() says why. A store opened on
// a disk too full to open it for writing opens read-only the same way.
//
// Idempotency: event ids are kept forever, in RocksDB. Appending events whose
// ids are all stored, with the same stream and content, returns their
// original positions and writes nothing, whatever the expected version.
//
// Example:
//   std::unique_ptr<EventStore> store;
//   Status s = EventStore::Open(StoreOptions{}, "/var/lib/accord", &store);
//   AppendResult result;
//   s = store->Append("cospar-apsco-mou", ExpectedVersion::NoStream(), {event}, &result);
//   ReadPage page;
//   s = store->ReadStreamForward("cospar-apsco-mou", 0, 100, &page);
#pragma once

#include <rocksdb/db.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "accord/v1/record.pb.h"
#include "core/merkle.h"
#include "core/status.h"

namespace accord::store {

struct StoreOptions {
  bool sync = true;                // fsync the WAL before an append returns
  bool read_only = false;          // open without writing; Append fails
  size_t max_group_events = 2048;  // events one group commit may carry
  size_t max_page_size = 1000;     // the most records one read returns
  // A read stops after the record that brings its page to this many stored
  // bytes (a page always holds at least one record), so that a page of
  // large records does not take max_page_size times their size in memory.
  size_t max_page_bytes = 4 << 20;
  bool create_if_missing = true;
  // The RocksDB environment; nullptr means the default. Tests pass one that
  // injects faults.
  rocksdb::Env* env = nullptr;
  // For salvage only (accord-local salvage), never for serving: opens a
  // damaged folder read-only as far as it reads. RocksDB replays the
  // write-ahead log up to its first damaged record; a log shorter
  // than it reached, or a chain head that does not fit, is not refused.
  // Salvage() copies the intact prefix out of such a store.
  bool salvage = false;
};

// What an append expects of its stream before it is written.
class ExpectedVersion {
 public:
  enum class Kind { kAny, kNoStream, kStreamExists, kExact };

  static ExpectedVersion Any() { return ExpectedVersion(Kind::kAny, 0); }
  static ExpectedVersion NoStream() { return ExpectedVersion(Kind::kNoStream, 0); }
  static ExpectedVersion StreamExists() { return ExpectedVersion(Kind::kStreamExists, 0); }
  // The version of the stream's last event (its event count - 1).
  static ExpectedVersion Exact(uint64_t version) { return ExpectedVersion(Kind::kExact, version); }

  Kind kind() const { return kind_; }
  uint64_t version() const { return version_; }
  // "any", "no stream", "stream exists", "version 3".
  std::string ToString() const;

 private:
  ExpectedVersion(Kind kind, uint64_t version) : kind_(kind), version_(version) {}
  Kind kind_;
  uint64_t version_;
};

struct AppendResult {
  uint64_t first_position = 0;  // of the first event appended (or found stored)
  uint64_t last_position = 0;
  uint64_t last_version = 0;    // the stream version of the last event
  bool already_stored = false;  // an idempotent retry: nothing was written
  // On kWrongExpectedVersion: the stream's version then (nullopt: no stream).
  std::optional<uint64_t> current_version;
};

struct ReadPage {
  std::vector<accord::v1::EventRecord> records;  // with `hash` filled in
  // Forward reads: where the next page starts. Backward reads: the version
  // the next (older) page starts from; meaningless when end_of_data.
  uint64_t next = 0;
  bool end_of_data = false;  // nothing more in this direction now
};

struct LogHead {
  uint64_t next_position = 0;  // the number of records in the log
  std::string last_hash;       // 32 zero bytes while the log is empty
};

// Counters since open, for health reports and benchmarks.
struct StoreStats {
  uint64_t group_commits = 0;  // synced writes
  uint64_t events_written = 0;
  // Empty while appends are taken; otherwise why not (WriteHealth()).
  std::string write_refusal;
};

// How long the reach file may lag the log (see "Damage" above).
inline constexpr std::chrono::milliseconds kReachInterval{200};
// Retries to reopen for writing after a failed write: the first at once,
// then backing off to the maximum; an append waiting cuts the wait short to
// the minimum.
inline constexpr std::chrono::milliseconds kMinRecoveryInterval{100};
inline constexpr std::chrono::milliseconds kMaxRecoveryInterval{1000};

// What Salvage kept and what it could not.
struct SalvageReport {
  uint64_t kept = 0;  // positions 0 .. kept-1 were copied
  // How far the log had reached: the reach file's next position, or past the
  // newest readable record if that is further; 0 when nothing says.
  uint64_t reached = 0;
  bool reach_known = false;               // a reach file was there
  std::vector<uint64_t> readable_unkept;  // past the damage: read, not kept
  std::string damage;                     // why the intact prefix ends there
};

struct VerifyReport {
  uint64_t records = 0;
  uint64_t streams = 0;
  std::string head_hash;
};

// Called once per append, on the store's commit thread, after the events
// are durable (or the append failed). It must return quickly and must not
// call Append (AppendAsync is fine): the next group waits for it.
using AppendCallback = std::function<void(const core::Status& status, const AppendResult& result)>;

class EventStore {
 public:
  // Opens (creating it if allowed) the store at `path`. Recovers the chain
  // head and next position from one record and one key, not from a scan, so
  // opening does not slow as the log grows. If the newest record does not
  // match the stored chain head, refuses with Corruption naming the position
  // (read-only opens succeed, so that Verify can report).
  // A damaged folder is refused with Corruption (see "Damage" above); a
  // read-write open that the disk refuses for lack of space opens read-only
  // instead, refusing appends (see "Write failures").
  static core::Status Open(const StoreOptions& options, const std::string& path,
                           std::unique_ptr<EventStore>* store);

  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;
  // Finishes every append already queued, then closes.
  ~EventStore();

  // Appends `events` to `stream_id` atomically: all or none. REQUIRES: a
  // non-empty stream id without NUL bytes; 1 or more events, each with a
  // canonical UUID event id (distinct), an event type and a schema version.
  // The store stamps position, stream version, recorded_at and the hashes.
  // Errors: InvalidArgument, WrongExpectedVersion (result->current_version
  // says where the stream is), DuplicateEvent (a stored id with other
  // content, or a retry overlapping only part of an earlier append),
  // IOError, ReadOnly. Blocks until durable.
  core::Status Append(std::string_view stream_id, ExpectedVersion expected,
                      const std::vector<accord::v1::NewEvent>& events, AppendResult* result);

  // The same without blocking: `done` is called when Append would return.
  // For callers that must not block a thread per append (the server).
  void AppendAsync(std::string stream_id, ExpectedVersion expected,
                   std::vector<accord::v1::NewEvent> events, AppendCallback done);

  // Called on the store's commit thread after each synced write, with the
  // new next position. It must return quickly (post the news elsewhere) and
  // must not append or set the listener. Replaces any earlier listener.
  void SetCommitListener(std::function<void(uint64_t next_position)> listener);

  // Copies the whole store, consistently, into `directory` (which must not
  // exist yet) while appends go on: hard links where the file system allows,
  // plus the write-ahead log. The copy is a store of its own: open it (or
  // move it into place as a data folder) and Verify accepts it. Sets
  // *position to the log position the copy holds at least.
  core::Status Backup(const std::string& directory, uint64_t* position) const;

  // Appends records exactly as a store wrote them (from an export), keeping
  // their positions, recorded-at times, actors and hashes. Each must continue
  // this log (its position is the next one, its prev_hash the head's hash)
  // and match its own hash; stream versions must follow on and event ids be
  // new. Appends are refused while an import runs. Corruption names the first
  // record that does not fit; nothing from that batch is written.
  core::Status Import(const std::vector<accord::v1::EventRecord>& records);

  // Up to `max_count` (capped at max_page_size; 0 means the cap) events of a
  // stream from `from_version` upward. A missing stream reads as empty.
  core::Status ReadStreamForward(std::string_view stream_id, uint64_t from_version,
                                 size_t max_count, ReadPage* page) const;
  // The same downward, from `from_version` (UINT64_MAX: the newest).
  core::Status ReadStreamBackward(std::string_view stream_id, uint64_t from_version,
                                  size_t max_count, ReadPage* page) const;
  // Up to `max_count` events of the whole log from `from_position`.
  core::Status ReadAll(uint64_t from_position, size_t max_count, ReadPage* page) const;

  // NotFound when the stream has no event.
  core::Status GetStreamHead(std::string_view stream_id, accord::v1::StreamHead* head) const;
  // Up to `max_count` stream ids in byte order, starting after `after`
  // (empty: from the first). *end is true when there are no more.
  core::Status ListStreams(std::string_view after, size_t max_count,
                           std::vector<std::string>* streams, bool* end) const;
  // The record stored under `event_id`; NotFound if none.
  core::Status FindEvent(std::string_view event_id, accord::v1::EventRecord* record) const;

  // The newest durable record. Published just after each group's write
  // returns, so a reader of the log may briefly see records past it, never
  // fewer.
  LogHead Head() const;
  StoreStats Stats() const;

  // OK while the store takes appends; otherwise why it refuses them (the
  // IOError of the write the disk refused, or ReadOnly). It clears by itself
  // when the disk takes writes again.
  core::Status WriteHealth() const;
  // Blocks until WriteHealth() is OK or `timeout` passes; true if it is.
  bool AwaitWritable(std::chrono::milliseconds timeout) const;

  // How far the log had reached when it was opened, from the reach file;
  // nullopt when the folder had none.
  std::optional<LogHead> Reached() const { return reached_; }

  // Copies the intact, chain-verified prefix of this store's log into `into`
  // (an empty store) with Import, and reports what it could not keep.
  // REQUIRES: opened with StoreOptions::salvage.
  core::Status Salvage(EventStore* into, SalvageReport* report) const;

  // The Merkle tree over the log (RFC 6962; leaf i is the stored bytes of
  // the record at position i, as ReadLeaf gives them), for checkpoints and
  // proofs that anyone can check without trusting the store. Each serves
  // any tree size up to Head().next_position (InvalidArgument beyond it)
  // from O(log n) stored nodes.
  core::Status MerkleRoot(uint64_t size, std::string* root) const;
  // RFC 9162 inclusion proof of the record at `position` in the tree of
  // `size` records. REQUIRES: position < size.
  core::Status InclusionProof(uint64_t position, uint64_t size,
                              std::vector<std::string>* proof) const;
  // RFC 9162 consistency proof that the tree of `second` records extends the
  // tree of `first`. REQUIRES: first <= second.
  core::Status ConsistencyProof(uint64_t first, uint64_t second,
                                std::vector<std::string>* proof) const;
  // The leaf bytes of the record at `position` (its serialized EventRecord).
  core::Status ReadLeaf(uint64_t position, std::string* leaf) const;

  // Walks the whole log: recomputes every hash and the chain, checks that
  // positions are gapless and that the stream index, the event id index and
  // the stream heads agree with the log, with nothing extra. Corruption names
  // the first bad position. Also recomputes the Merkle tree and checks every
  // stored node and the frontier. Runs on a snapshot, beside appends.
  core::Status Verify(VerifyReport* report) const;

  // Projection state and checkpoints, written by projections (not the log).
  // Writes are not synced: a projection keeps its checkpoint in the same
  // batch as its state, so what a crash loses it replays from the log.
  core::Status PutProjectionState(std::string_view name, std::string_view value);
  core::Status GetProjectionState(std::string_view name, std::string* value) const;
  // Puts (value set) and deletes (value unset), applied together or not at
  // all, so that a projection's state and its checkpoint always agree.
  struct ProjectionWrite {
    std::string key;
    std::optional<std::string> value;
  };
  core::Status WriteProjectionState(const std::vector<ProjectionWrite>& writes);
  // Up to `max_count` (key, value) pairs whose key starts with `prefix`, in
  // key order, after the key `after` (empty: from the start of the prefix).
  core::Status ScanProjectionState(std::string_view prefix, std::string_view after,
                                   size_t max_count,
                                   std::vector<std::pair<std::string, std::string>>* entries) const;

 private:
  struct Writer;
  struct Group;
  struct InFlightEvent;

  EventStore() = default;
  // Opens db_ and the column families at path_; *raw gets RocksDB's status.
  core::Status OpenDb(bool read_only, rocksdb::Status* raw = nullptr);
  void CloseDb();
  core::Status CheckOpen() const;  // IOError while no database could be opened
  core::Status LoadChainHead();
  // Refuses a log shorter than the reach file says it was, or with another
  // record where it reached.
  core::Status CheckReach() const;
  // The positions a refused open touches, as far as a permissive read-only
  // open of the folder shows them; empty if it cannot tell.
  std::string AffectedPositions() const;
  void ReachLoop();  // rewrites the reach file after commits, coalesced
  void WakeReach();
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
  //           version), assigns positions and hashes, and adds them to the
  //           open group's WriteBatch;
  //   syncer: seals the open group when the disk is free, writes it with
  //           one synced write;
  //   completer: calls the written group's callbacks, in order.
  // The stager works ahead on the assumption that the group being written
  // succeeds; when a write fails, every group staged after it fails too, and
  // the stager reloads the committed state before the next group.
  void StartPipeline();
  void StopPipeline();
  void StagerLoop();
  bool WaitForStagingWork(std::unique_lock<std::mutex>& lock);
  void SyncerLoop();
  void CompleterLoop();
  core::Status StageAppend(Writer* writer, Group* group);
  core::Status LoadHead(std::string_view stream_id, std::optional<accord::v1::StreamHead>* head);
  // Reopens the database for writing (or, if the disk refuses, read-only
  // for readers) and reloads the staged state from what is stored.
  core::Status RecoverAfterWriteFailure();
  // Fails every queued writer with `why`.
  void FailQueued(std::unique_lock<std::mutex>& lock, const core::Status& why);
  void WriteGroup(Group* group);
  void NotifyCommitListener(uint64_t next_position);
  // Writes (or fails) a sealed group and completes its writers.
  void FinishGroup(std::unique_ptr<Group> group, const core::Status& failure);

  StoreOptions options_;
  std::string path_;
  // Readers hold it shared; the stager holds it exclusively only to reopen
  // the database after a fatal write error. The write path itself needs no
  // lock: only the stager reopens, and only while the syncer is idle.
  mutable std::shared_mutex db_mutex_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* meta_ = nullptr;
  rocksdb::ColumnFamilyHandle* log_ = nullptr;
  rocksdb::ColumnFamilyHandle* stream_index_ = nullptr;
  rocksdb::ColumnFamilyHandle* stream_heads_ = nullptr;
  rocksdb::ColumnFamilyHandle* event_ids_ = nullptr;
  rocksdb::ColumnFamilyHandle* projections_ = nullptr;
  rocksdb::ColumnFamilyHandle* merkle_ = nullptr;
  core::Status open_error_;                  // set when the store refuses writes
  bool db_read_only_ = false;                // db_ was opened read-only
  std::optional<LogHead> reached_;           // the reach file, read at open
  std::shared_ptr<rocksdb::Logger> logger_;  // keeps what RocksDB reported

  mutable std::mutex mutex_;
  std::condition_variable stager_cv_;           // work for the stager, or room to stage
  std::condition_variable syncer_cv_;           // an open group for the syncer
  std::condition_variable completer_cv_;        // a written group to complete
  std::deque<std::unique_ptr<Writer>> queued_;  // guarded by mutex_
  std::unique_ptr<Group> open_group_;           // guarded by mutex_: staged, not yet sealed
  bool extending_ = false;       // guarded by mutex_: the stager is adding to open_group_
  bool syncer_busy_ = false;     // guarded by mutex_: a sealed group is being written
                                 // (by the syncer, or by the stager when idle)
  bool stopping_ = false;        // guarded by mutex_
  bool stager_done_ = false;     // guarded by mutex_
  bool syncer_done_ = false;     // guarded by mutex_
  bool completer_busy_ = false;  // guarded by mutex_: calling back a batch of groups
  bool importing_ = false;       // guarded by mutex_: Import owns the staged state
  std::deque<std::unique_ptr<Group>> completed_;  // guarded by mutex_: written, to complete
  core::Status write_failure_;       // guarded by mutex_: sticky until the stager recovers
  std::string first_write_failure_;  // guarded by mutex_: the write that failed
  bool recovering_ = false;          // guarded by mutex_: the stager is reopening the database
  std::chrono::steady_clock::time_point last_recovery_;  // guarded by mutex_
  std::chrono::milliseconds recovery_backoff_{0};        // guarded by mutex_
  mutable std::condition_variable writable_cv_;          // write_failure_ cleared
  std::thread stager_;
  std::thread syncer_;
  std::thread completer_;

  // Staged state, owned by the stager thread: it runs ahead of the disk.
  uint64_t next_position_ = 0;
  std::string chain_hash_;
  core::MerkleFrontier merkle_frontier_;
  int64_t last_recorded_micros_ = 0;
  std::unordered_map<std::string, accord::v1::StreamHead> head_cache_;

  // Ids of events staged but not yet written: a retry must find them.
  std::mutex in_flight_mutex_;
  std::unordered_map<std::string, InFlightEvent> in_flight_ids_;  // guarded by in_flight_mutex_

  // Committed state, published by the syncer for readers.
  std::atomic<uint64_t> committed_position_{0};
  std::mutex listener_mutex_;  // a server may replace the listener while appends go on
  std::function<void(uint64_t)> commit_listener_;  // guarded by listener_mutex_
  std::atomic<uint64_t> group_commits_{0};
  std::atomic<uint64_t> events_written_{0};
  mutable std::mutex head_hash_mutex_;
  std::string committed_hash_;  // guarded by head_hash_mutex_

  // The reach file's writer (ReachLoop).
  std::mutex reach_mutex_;
  std::condition_variable reach_cv_;       // a commit to record
  std::condition_variable reach_stop_cv_;  // closing: cut the interval short
  std::atomic<bool> reach_due_{false};     // a commit since the last write
  bool reach_stopping_ = false;            // guarded by reach_mutex_
  std::thread reacher_;
};

}  // namespace accord::store
