// accord/store: the log of record on an etcd cluster (docs/cluster.md).
//
// OpenClustered returns an EventStore with the same contract as the
// single-node store (store/event_store.h): gapless positions, expected
// versions, idempotency, the hash chain and Merkle proofs, nothing
// acknowledged lost. The log of record is in etcd; this node keeps its own
// RocksDB copy of it in `path` (the same store as a single node's, with its
// projections), fed from etcd's Watch, and serves every read from that
// copy. Appends go to the one leader the nodes elect through etcd (a lease
// and the key `<prefix>leader`), which commits each group of appends as one
// etcd transaction comparing its own leader key (fencing: a deposed leader
// writes nothing), the log head, every touched stream head and that every
// new event id is absent. Records committed under a leader carry its term
// (EventRecord.leader_term). A follower forwards appends to the leader over
// the peer port and, once the leader answers, waits until its own copy
// holds the positions before it answers, so that what a client logged it
// reads back on the node it asked.
//
// Availability: while no leader is elected (at start, or for about
// lease_seconds after a leader dies), appends wait up to append_timeout and
// then fail with IOError; an append whose outcome a failure left unknown is
// retried by the store with the same event ids (idempotent), so a failover
// inside the timeout is invisible to the client.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/document_store.h"
#include "store/event_store.h"

namespace accord::store {

struct ClusterOptions {
  std::vector<std::string> etcd_endpoints;  // host:port of each member
  std::string prefix = "/accord/";          // every key accord keeps in etcd starts with it
  std::string etcd_ca_file, etcd_cert_file, etcd_key_file;  // TLS to etcd, if given
  std::string node_name;     // unique in the cluster; shown as the leader
  std::string peer_address;  // host:port where this node takes forwarded appends
  int lease_seconds = 5;     // a dead leader is replaced after about this long
  // etcd's --max-txn-ops: bounds the events of one group (3 ops each at most).
  int max_txn_ops = 128;
  // The most record bytes one group carries (etcd refuses requests over
  // --max-request-bytes, 1.5 MiB by default); one append must fit.
  size_t max_group_bytes = 1 << 20;
  std::chrono::milliseconds append_timeout{15000};
  // How long a follower waits for its copy to hold what it just forwarded.
  std::chrono::milliseconds read_your_writes_timeout{5000};
};

// What a node of a cluster knows of it now, for health, metrics and tests.
struct ClusterView {
  std::string node_name;
  bool leader = false;      // this node commits (and is caught up)
  std::string leader_name;  // empty while none is known
  uint64_t term = 0;        // the known leader's term
  uint64_t etcd_head = 0;   // the log's next position in etcd, as last seen
  uint64_t applied = 0;     // this node's copy: its next position
  uint64_t forwarded = 0;   // appends forwarded to the leader since open
  uint64_t terms_led = 0;   // times this node became leader since open
};

core::Status OpenClustered(const StoreOptions& options, const std::string& path,
                           const ClusterOptions& cluster, std::unique_ptr<EventStore>* store);

// The cluster view of a store OpenClustered returned; nullopt for any other.
std::optional<ClusterView> ViewCluster(const EventStore& store);

// Documents in a cluster: each node keeps the bytes of the documents
// uploaded through it (store/document_store.h). Returns a DocumentStore that
// serves `local`'s documents to the other nodes of `store`'s cluster and,
// for a document not held here, fetches it from them (checked against its
// digest, then kept here). `store` must be one OpenClustered returned and
// outlive the result; for any other store, `local` is returned as it is.
std::unique_ptr<DocumentStore> ShareDocuments(EventStore* store,
                                              std::unique_ptr<DocumentStore> local);

}  // namespace accord::store
