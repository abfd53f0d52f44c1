// accord/store: the append-only event log on RocksDB.
//
// One log holds every event of every stream (agreement) in commit order.
// Each event gets a global position (gapless, from 0: a single committer
// assigns them and a rejected append consumes none) and a version within its
// stream (from 0). Every record carries the SHA-256 of the record before it,
// so the log is one hash chain; docs/storage.md gives the on-disk layout.
//
// This header is the store's contract: EventStore is abstract, so that
// another log (a replicated one) can stand behind the same callers.
// EventStore::Open opens the one implementation there is today, on RocksDB
// (store/rocksdb_store.h, internal to the store, as LevelDB's DB::Open
// returns a DBImpl); what follows about durability, damage and write
// failures is that implementation's, and any other must keep the same
// promises of order, atomicity, idempotency and hash chaining.
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

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "accord/v1/record.pb.h"
#include "core/clock.h"
#include "core/histogram.h"
#include "core/status.h"

namespace rocksdb {
class Env;  // StoreOptions::env only; nothing else of RocksDB shows here
}  // namespace rocksdb

namespace accord::store {

struct StoreOptions {
  bool sync = true;                // fsync the WAL before an append returns
  bool read_only = false;          // open without writing; Append fails
  size_t max_group_events = 2048;  // events one group commit may carry
  // The most bytes of events one group commit may carry (0: no limit; a
  // group always takes at least one append). The replicated log sets it to
  // what one etcd transaction takes.
  size_t max_group_bytes = 0;
  size_t max_page_size = 1000;  // the most records one read returns
  // A read stops after the record that brings its page to this many stored
  // bytes (a page always holds at least one record), so that a page of
  // large records does not take max_page_size times their size in memory.
  size_t max_page_bytes = 4 << 20;
  bool create_if_missing = true;
  // The RocksDB environment (the RocksDB store only); nullptr means the
  // default. Tests pass one that injects faults.
  rocksdb::Env* env = nullptr;
  // Stamps each group's recorded_at (never earlier than the group before).
  // Null: the system clock. Tests set a core::ManualClock to separate
  // moments without sleeping.
  const core::Clock* clock = nullptr;
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

// Records of the log as it stores them, for readers that pass them on
// without decoding them (replay subscriptions, export): each one's exact
// bytes, its Merkle leaf (parse as accord::v1::EventRecord; its hash is their
// SHA-256), checked against the hash stored beside them before it is given.
struct StoredPage {
  uint64_t first_position = 0;       // of records[0]
  std::vector<std::string> records;  // records[i] is at first_position + i
  std::vector<std::string> hashes;   // hashes[i] is SHA-256(records[i]), as stored
  uint64_t next = 0;                 // where the next page starts
  bool end_of_data = false;          // nothing more is stored now
};

struct LogHead {
  uint64_t next_position = 0;  // the number of records in the log
  std::string last_hash;       // 32 zero bytes while the log is empty
};

// Counters since open, and sizes now, for health reports, metrics and
// benchmarks.
struct StoreStats {
  uint64_t group_commits = 0;  // synced writes
  uint64_t events_written = 0;
  // Empty while appends are taken; otherwise why not (WriteHealth()).
  std::string write_refusal;
  // Events per synced write, one observation per group commit that
  // succeeded (its count and sum are group_commits and events_written, but
  // read apart from them).
  core::HistogramSnapshot group_commit_events;
  // How long each of those writes took: RocksDB's WAL append and its fsync
  // (none with StoreOptions::sync off), then the memtable insert. The fsync
  // is most of it.
  core::HistogramSnapshot synced_write_seconds;
  // What the store takes on disk now, in bytes: RocksDB's live table files
  // over every column family (the log, its indexes, the Merkle tree, the
  // projections' state), and its write-ahead log files. Not counted: table
  // files compacted away but not yet deleted, the MANIFEST, OPTIONS and
  // reach files (a few KiB). While the database is reopened after a failed
  // write, table_bytes is the size read before.
  uint64_t table_bytes = 0;
  uint64_t wal_bytes = 0;
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

  EventStore() = default;
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;
  // Finishes every append already queued, then closes.
  virtual ~EventStore() = default;

  // Appends `events` to `stream_id` atomically: all or none. REQUIRES: a
  // non-empty stream id without NUL bytes; 1 or more events, each with a
  // canonical UUID event id (distinct), an event type and a schema version.
  // `result` may be null when the caller needs none of it; otherwise it is
  // filled in (on success, and current_version on WrongExpectedVersion).
  // The store stamps position, stream version, recorded_at and the hashes.
  // Errors: InvalidArgument, WrongExpectedVersion (result->current_version
  // says where the stream is), DuplicateEvent (a stored id with other
  // content, or a retry overlapping only part of an earlier append),
  // IOError, ReadOnly. Blocks until durable.
  virtual core::Status Append(std::string_view stream_id, ExpectedVersion expected,
                              const std::vector<accord::v1::NewEvent>& events,
                              AppendResult* result) = 0;

  // The same without blocking: `done` is called when Append would return.
  // For callers that must not block a thread per append (the server).
  virtual void AppendAsync(std::string stream_id, ExpectedVersion expected,
                           std::vector<accord::v1::NewEvent> events, AppendCallback done) = 0;

  // Called on the store's commit thread after each synced write, with the
  // new next position. It must return quickly (post the news elsewhere) and
  // must not append or set the listener. Replaces any earlier listener.
  virtual void SetCommitListener(std::function<void(uint64_t next_position)> listener) = 0;

  // Copies the whole store, consistently, into `directory` (which must not
  // exist yet) while appends go on: hard links where the file system allows,
  // plus the write-ahead log. The copy is a store of its own: open it (or
  // move it into place as a data folder) and Verify accepts it. Sets
  // *position to the log position the copy holds at least.
  virtual core::Status Backup(const std::string& directory, uint64_t* position) const = 0;

  // Appends log entries exactly as a store wrote them (from another store:
  // salvage, or an export), keeping their record bytes, and so their
  // positions, recorded-at times, actors and hashes. They take the same
  // write path as appends, in order with them. Each must continue this log:
  // its hash is the SHA-256 of its record bytes as given, its position is
  // the next one and its prev_hash the hash of the record before it; stream
  // versions must follow on and event ids be new (not stored, not staged).
  // Corruption names the position of the first record that does not fit;
  // nothing from that batch is written. Blocks until durable; errors as for
  // Append otherwise.
  virtual core::Status ImportEntries(const std::vector<accord::v1::LogEntry>& entries) = 0;

  // ImportEntries over records read back (from an export): each record's
  // bytes are its serialization without `hash`, which is what a store
  // wrote, so a record edited after export no longer matches its hash.
  core::Status Import(const std::vector<accord::v1::EventRecord>& records);

  // Up to `max_count` (capped at max_page_size; 0 means the cap) events of a
  // stream from `from_version` upward. A missing stream reads as empty.
  virtual core::Status ReadStreamForward(std::string_view stream_id, uint64_t from_version,
                                         size_t max_count, ReadPage* page) const = 0;
  // The same downward, from `from_version` (UINT64_MAX: the newest).
  virtual core::Status ReadStreamBackward(std::string_view stream_id, uint64_t from_version,
                                          size_t max_count, ReadPage* page) const = 0;
  // Up to `max_count` events of the whole log from `from_position`.
  virtual core::Status ReadAll(uint64_t from_position, size_t max_count, ReadPage* page) const = 0;
  // The stored bytes of up to `max_count` records (0: max_page_size) from
  // `from_position`, stopping once they hold `max_bytes` (0: max_page_bytes;
  // a page that has anything holds at least one record). Corruption names
  // the first record that does not match its hash, sits under another
  // position, or is missing. (The record's own fields are parsed only as far
  // as its position: Verify is the full check.)
  virtual core::Status ReadStored(uint64_t from_position, size_t max_count, size_t max_bytes,
                                  StoredPage* page) const = 0;

  // NotFound when the stream has no event.
  virtual core::Status GetStreamHead(std::string_view stream_id,
                                     accord::v1::StreamHead* head) const = 0;
  // Up to `max_count` stream ids in byte order, starting after `after`
  // (empty: from the first). *end is true when there are no more.
  virtual core::Status ListStreams(std::string_view after, size_t max_count,
                                   std::vector<std::string>* streams, bool* end) const = 0;
  // The record stored under `event_id`; NotFound if none.
  virtual core::Status FindEvent(std::string_view event_id,
                                 accord::v1::EventRecord* record) const = 0;

  // The newest durable record. Published just after each group's write
  // returns, so a reader of the log may briefly see records past it, never
  // fewer.
  virtual LogHead Head() const = 0;
  virtual StoreStats Stats() const = 0;

  // OK while the store takes appends; otherwise why it refuses them (the
  // IOError of the write the disk refused, or ReadOnly). It clears by itself
  // when the disk takes writes again.
  virtual core::Status WriteHealth() const = 0;
  // Blocks until WriteHealth() is OK or `timeout` passes; true if it is.
  virtual bool AwaitWritable(std::chrono::milliseconds timeout) const = 0;

  // How far the log had reached when it was opened, from the reach file;
  // nullopt when the folder had none.
  virtual std::optional<LogHead> Reached() const = 0;

  // Copies the intact, chain-verified prefix of this store's log into `into`
  // (an empty store) with ImportEntries, and reports what it could not keep.
  // REQUIRES: opened with StoreOptions::salvage.
  virtual core::Status Salvage(EventStore* into, SalvageReport* report) const = 0;

  // The Merkle tree over the log (RFC 6962; leaf i is the stored bytes of
  // the record at position i, as ReadLeaf gives them), for checkpoints and
  // proofs that anyone can check without trusting the store. Each serves
  // any tree size up to Head().next_position (InvalidArgument beyond it)
  // from O(log n) stored nodes.
  virtual core::Status MerkleRoot(uint64_t size, std::string* root) const = 0;
  // RFC 9162 inclusion proof of the record at `position` in the tree of
  // `size` records. REQUIRES: position < size.
  virtual core::Status InclusionProof(uint64_t position, uint64_t size,
                                      std::vector<std::string>* proof) const = 0;
  // RFC 9162 consistency proof that the tree of `second` records extends the
  // tree of `first`. REQUIRES: first <= second.
  virtual core::Status ConsistencyProof(uint64_t first, uint64_t second,
                                        std::vector<std::string>* proof) const = 0;
  // The leaf bytes of the record at `position` (its serialized EventRecord).
  virtual core::Status ReadLeaf(uint64_t position, std::string* leaf) const = 0;

  // Walks the whole log: recomputes every hash and the chain, checks that
  // positions are gapless and that the stream index, the event id index and
  // the stream heads agree with the log, with nothing extra. Corruption names
  // the first bad position. Also recomputes the Merkle tree and checks every
  // stored node and the frontier. Runs on a snapshot, beside appends.
  virtual core::Status Verify(VerifyReport* report) const = 0;

  // Projection state and checkpoints, written by projections (not the log).
  // Writes are not synced: a projection keeps its checkpoint in the same
  // batch as its state, so what a crash loses it replays from the log.
  virtual core::Status PutProjectionState(std::string_view name, std::string_view value) = 0;
  virtual core::Status GetProjectionState(std::string_view name, std::string* value) const = 0;
  // Puts (value set) and deletes (value unset), applied together or not at
  // all, so that a projection's state and its checkpoint always agree.
  struct ProjectionWrite {
    std::string key;
    std::optional<std::string> value;
  };
  virtual core::Status WriteProjectionState(const std::vector<ProjectionWrite>& writes) = 0;
  // Up to `max_count` (key, value) pairs whose key starts with `prefix`, in
  // key order, after the key `after` (empty: from the start of the prefix).
  virtual core::Status ScanProjectionState(
      std::string_view prefix, std::string_view after, size_t max_count,
      std::vector<std::pair<std::string, std::string>>* entries) const = 0;
};

}  // namespace accord::store
