// The replicated implementation of EventStore: what OpenClustered returns
// (store/cluster.h states the contract; docs/cluster.md the operations).
// Internal to the store.
//
// Where things run:
//   callers      AppendAsync/ImportEntries: Dispatch() sends an operation to
//                this node's copy when it leads, to the leader's peer port
//                otherwise, or parks it while no leader is known.
//   write path   the copy's own pipeline (rocksdb_store.h); while this node
//                leads, its commit gate (Commit) puts each group into etcd
//                with one transaction before the copy writes it.
//   control      ControlLoop, every kTick: the lease, the election, the
//                leader key, parked operations and their deadlines,
//                read-your-writes waits, a stalled watch.
//   keepalive    KeepAliveLoop: streams the lease's keep-alives.
//   applier      ApplyLoop, while following: copies etcd's log into the copy,
//                from a range read up to etcd's head, then from Watch.
//   peer server  gRPC's threads: appends and imports other nodes forward.
//
// Locking: mutex_ guards the cluster state below; apply_mutex_ serializes
// writes of etcd's records into the copy (applier, catch-up on election)
// and is taken before mutex_, never after. No lock is held across a call
// into etcd, the copy or a caller's callback.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "accord/v1/peer.grpc.pb.h"
#include "store/cluster.h"
#include "store/etcd_client.h"
#include "store/rocksdb_store.h"

namespace accord::store {

class ReplicatedStore final : public EventStore {
 public:
  static core::Status Open(const StoreOptions& options, const std::string& path,
                           const ClusterOptions& cluster, std::unique_ptr<ReplicatedStore>* store);
  ~ReplicatedStore() override;

  core::Status Append(std::string_view stream_id, ExpectedVersion expected,
                      const std::vector<accord::v1::NewEvent>& events,
                      AppendResult* result) override;
  void AppendAsync(std::string stream_id, ExpectedVersion expected,
                   std::vector<accord::v1::NewEvent> events, AppendCallback done) override;
  core::Status ImportEntries(const std::vector<accord::v1::LogEntry>& entries) override;
  void SetCommitListener(std::function<void(uint64_t next_position)> listener) override;
  core::Status WriteHealth() const override;
  bool AwaitWritable(std::chrono::milliseconds timeout) const override;
  StoreStats Stats() const override;

  // Everything else is read from (or kept in) this node's copy.
  core::Status Backup(const std::string& directory, uint64_t* position) const override {
    return copy_->Backup(directory, position);
  }
  core::Status ReadStreamForward(std::string_view stream_id, uint64_t from_version,
                                 size_t max_count, ReadPage* page) const override {
    return copy_->ReadStreamForward(stream_id, from_version, max_count, page);
  }
  core::Status ReadStreamBackward(std::string_view stream_id, uint64_t from_version,
                                  size_t max_count, ReadPage* page) const override {
    return copy_->ReadStreamBackward(stream_id, from_version, max_count, page);
  }
  core::Status ReadAll(uint64_t from_position, size_t max_count, ReadPage* page) const override {
    return copy_->ReadAll(from_position, max_count, page);
  }
  core::Status ReadStored(uint64_t from_position, size_t max_count, size_t max_bytes,
                          StoredPage* page) const override {
    return copy_->ReadStored(from_position, max_count, max_bytes, page);
  }
  core::Status GetStreamHead(std::string_view stream_id,
                             accord::v1::StreamHead* head) const override {
    return copy_->GetStreamHead(stream_id, head);
  }
  core::Status ListStreams(std::string_view after, size_t max_count,
                           std::vector<std::string>* streams, bool* end) const override {
    return copy_->ListStreams(after, max_count, streams, end);
  }
  core::Status FindEvent(std::string_view event_id,
                         accord::v1::EventRecord* record) const override {
    return copy_->FindEvent(event_id, record);
  }
  LogHead Head() const override { return copy_->Head(); }
  std::optional<LogHead> Reached() const override { return copy_->Reached(); }
  core::Status Salvage(EventStore* into, SalvageReport* report) const override {
    return copy_->Salvage(into, report);
  }
  core::Status MerkleRoot(uint64_t size, std::string* root) const override {
    return copy_->MerkleRoot(size, root);
  }
  core::Status InclusionProof(uint64_t position, uint64_t size,
                              std::vector<std::string>* proof) const override {
    return copy_->InclusionProof(position, size, proof);
  }
  core::Status ConsistencyProof(uint64_t first, uint64_t second,
                                std::vector<std::string>* proof) const override {
    return copy_->ConsistencyProof(first, second, proof);
  }
  core::Status ReadLeaf(uint64_t position, std::string* leaf) const override {
    return copy_->ReadLeaf(position, leaf);
  }
  core::Status Verify(VerifyReport* report) const override { return copy_->Verify(report); }
  core::Status PutProjectionState(std::string_view name, std::string_view value) override {
    return copy_->PutProjectionState(name, value);
  }
  core::Status GetProjectionState(std::string_view name, std::string* value) const override {
    return copy_->GetProjectionState(name, value);
  }
  core::Status WriteProjectionState(const std::vector<ProjectionWrite>& writes) override {
    return copy_->WriteProjectionState(writes);
  }
  core::Status ScanProjectionState(
      std::string_view prefix, std::string_view after, size_t max_count,
      std::vector<std::pair<std::string, std::string>>* entries) const override {
    return copy_->ScanProjectionState(prefix, after, max_count, entries);
  }

  ClusterView View() const;

  // Serves `documents` to the other nodes (GetDocument); null: none.
  void ServeDocuments(const DocumentStore* documents);
  // Asks every other node for a document's bytes; NotFound if none has it.
  core::Status FetchDocument(const std::string& sha256, std::string* bytes) const;

 private:
  class PeerService;
  // One append or import on its way to the leader.
  struct Operation {
    std::string stream_id;
    ExpectedVersion expected = ExpectedVersion::Any();
    std::vector<accord::v1::NewEvent> events;
    std::vector<accord::v1::LogEntry> entries;  // an import's
    AppendCallback done;
    std::chrono::steady_clock::time_point deadline;
    bool from_peer = false;  // forwarded to this node: commit here or refuse, never forward again
    bool sent = false;       // it reached a leader at least once: its outcome may be unknown
    bool is_import() const { return !entries.empty(); }
  };
  using OperationPtr = std::shared_ptr<Operation>;
  enum class Role { kFollower, kCatchingUp, kLeader };

  ReplicatedStore() = default;

  void Dispatch(OperationPtr op);
  void CommitHere(const OperationPtr& op, uint64_t generation);
  void Forward(const OperationPtr& op, const std::string& address);
  void Park(OperationPtr op);
  // Calls `done` once the copy holds positions below `next_position`, or
  // when `deadline` passes.
  void AfterApplied(uint64_t next_position, std::function<void()> done);
  void OnCopyCommitted(uint64_t next_position);

  // The commit gate: one etcd transaction for the group (see cluster.h).
  core::Status Commit(uint64_t term, const std::vector<std::string>& entries);
  // After a transaction's answer was lost: whether etcd holds the group.
  core::Status ResolveUnknown(const std::string& before, const std::string& after,
                              const std::string& first_key, const std::string& first_entry,
                              bool* committed, bool* untouched);

  void ControlLoop();
  void Tick();
  void HousekeepingLoop();
  void ServeParked();
  void WatchOverCopy();
  // Gives up leading (and the lease) when this node cannot serve as leader.
  void Resign(const std::string& why);
  // The next position a <prefix>head value names (0 if it names none).
  static uint64_t HeadPosition(const std::string& head_value);
  bool EnsureLease();
  void Campaign();
  void BecomeLeader(uint64_t term);
  void StepDown(const std::string& why);
  void KeepAliveLoop();
  void ApplyLoop();
  // Copies etcd's records past the copy's head into the copy; *revision is
  // the etcd revision the copy then matches. REQUIRES: apply_mutex_ held.
  core::Status CatchUp(int64_t* revision);
  core::Status ImportIntoCopy(const std::vector<accord::v1::LogEntry>& entries);
  // The copy's commit gate for `term` (0: not leading). Every group the copy
  // writes passes it: records copied from etcd (ImportIntoCopy) pass as they
  // are; anything else is committed in etcd under `term` first, or refused.
  std::shared_ptr<RocksDbStore::CommitGate> MakeGate(uint64_t term);
  // Refuses a copy that is not a prefix of etcd's log.
  core::Status CheckCopyAgainstEtcd();
  core::Status EnsurePeerSecret();

  // Each event takes a log key, an id key and at most one stream key, plus
  // the head and the two compares of leader and head.
  size_t MaxGroupEvents() const { return static_cast<size_t>((cluster_.max_txn_ops - 3) / 3); }
  std::string Key(std::string_view suffix) const { return cluster_.prefix + std::string(suffix); }
  std::string LogKey(uint64_t position) const;
  static std::string HeadValue(uint64_t next_position, const std::string& hash);

  ClusterOptions cluster_;
  std::unique_ptr<RocksDbStore> copy_;
  std::unique_ptr<EtcdClient> etcd_;
  std::string peer_secret_;
  std::unique_ptr<PeerService> peer_service_;
  std::unique_ptr<grpc::Server> peer_server_;
  std::shared_ptr<grpc::Channel> peer_channel_;  // to the leader it last forwarded to
  std::string peer_channel_address_;
  std::shared_ptr<accord::v1::Peer::Stub> peer_stub_;

  mutable std::mutex mutex_;
  std::condition_variable control_cv_;        // a tick is due now
  mutable std::condition_variable state_cv_;  // role or leader changed
  std::condition_variable forwards_cv_;       // a forward finished
  bool stopping_ = false;
  Role role_ = Role::kFollower;
  uint64_t my_term_ = 0;     // the term this node leads (or campaigns) in
  std::string leader_name_;  // the leader etcd names; empty: none
  std::string leader_address_;
  uint64_t leader_term_ = 0;
  int64_t lease_id_ = 0;                                   // 0: none (to be granted)
  std::chrono::steady_clock::time_point lease_confirmed_;  // last keep-alive answered
  std::chrono::steady_clock::time_point etcd_answered_;    // last tick etcd answered
  bool resync_ = false;                   // the gate failed: catch up before committing again
  uint64_t generation_ = 0;               // one per time of leading
  std::set<uint64_t> retry_generations_;  // their failed appends were never (or maybe) written
  std::deque<OperationPtr> parked_;
  std::multimap<uint64_t, std::pair<std::chrono::steady_clock::time_point, std::function<void()>>>
      waiters_;
  std::function<void(uint64_t)> listener_;
  int forwards_in_flight_ = 0;
  uint64_t etcd_head_ = 0;
  uint64_t stalled_since_applied_ = 0;
  std::chrono::steady_clock::time_point stalled_since_;
  std::unique_ptr<EtcdClient::WatchStream> watch_;          // the applier's, to cancel
  std::unique_ptr<EtcdClient::KeepAliveStream> keepalive_;  // to cancel
  std::atomic<const DocumentStore*> documents_{nullptr};
  std::atomic<uint64_t> forwarded_{0};
  std::atomic<uint64_t> terms_led_{0};

  std::mutex apply_mutex_;
  std::mutex copying_mutex_;          // after mutex_ if both; the gate takes it alone
  std::vector<std::string> copying_;  // serialized LogEntry values being copied from etcd
  std::string copy_error_;            // GUARDED by mutex_: the copy refused etcd's records

  std::thread control_;
  std::thread housekeeper_;
  std::condition_variable housekeeping_cv_;                   // parked operations to send now
  int failed_catch_ups_ = 0;                                  // in a row, since elected
  std::chrono::steady_clock::time_point leaderless_since_{};  // the leader key seen absent
  std::chrono::steady_clock::time_point unwritable_since_{};  // leading with a refusing copy
  std::chrono::steady_clock::time_point campaign_after_{};    // not before (after resigning)
  std::mutex listener_mutex_;                                 // held while the listener runs
  std::thread keepalive_thread_;
  std::thread applier_;
};

}  // namespace accord::store
