// The replicated log: a leader elected through etcd commits each group of
// appends with one etcd transaction; every node copies etcd's log into its
// own RocksDB store. See store/cluster.h and store/replicated_store.h.
#include "store/replicated_store.h"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <pthread.h>

#include <algorithm>
#include <unordered_set>

#include "core/hash.h"
#include "store/internal.h"

namespace accord::store {

using accord::v1::EventRecord;
using accord::v1::LogEntry;
using accord::v1::NewEvent;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kTick = std::chrono::milliseconds(100);
// A node further than this behind etcd's log does not campaign at once.
constexpr uint64_t kCampaignLag = 10000;
// Elected but unable to catch up this many ticks in a row: resign.
constexpr int kMaxFailedCatchUps = 50;
constexpr int64_t kCatchUpPage = 256;  // records per range read
constexpr char kSecretHeader[] = "accord-peer-secret";

etcdserverpb::Compare* AddCompare(etcdserverpb::TxnRequest* txn, const std::string& key,
                                  etcdserverpb::Compare::CompareTarget target) {
  etcdserverpb::Compare* compare = txn->add_compare();
  compare->set_key(key);
  compare->set_target(target);
  compare->set_result(etcdserverpb::Compare::EQUAL);
  return compare;
}

void AddPut(google::protobuf::RepeatedPtrField<etcdserverpb::RequestOp>* ops,
            const std::string& key, std::string value, int64_t lease = 0) {
  etcdserverpb::PutRequest* put = ops->Add()->mutable_request_put();
  put->set_key(key);
  put->set_value(std::move(value));
  put->set_lease(lease);
}

void AddGet(google::protobuf::RepeatedPtrField<etcdserverpb::RequestOp>* ops,
            const std::string& key) {
  ops->Add()->mutable_request_range()->set_key(key);
}

accord::v1::ExpectedVersion ToWire(const ExpectedVersion& expected) {
  accord::v1::ExpectedVersion wire;
  switch (expected.kind()) {
    case ExpectedVersion::Kind::kAny:
      wire.set_any(true);
      break;
    case ExpectedVersion::Kind::kNoStream:
      wire.set_no_stream(true);
      break;
    case ExpectedVersion::Kind::kStreamExists:
      wire.set_stream_exists(true);
      break;
    case ExpectedVersion::Kind::kExact:
      wire.set_exact(expected.version());
      break;
  }
  return wire;
}

ExpectedVersion FromWire(const accord::v1::ExpectedVersion& wire) {
  switch (wire.kind_case()) {
    case accord::v1::ExpectedVersion::kNoStream:
      return ExpectedVersion::NoStream();
    case accord::v1::ExpectedVersion::kStreamExists:
      return ExpectedVersion::StreamExists();
    case accord::v1::ExpectedVersion::kExact:
      return ExpectedVersion::Exact(wire.exact());
    default:
      return ExpectedVersion::Any();
  }
}

core::Status StatusFromCode(uint32_t code, const std::string& message) {
  switch (static_cast<core::Status::Code>(code)) {
    case core::Status::Code::kOk:
      return core::Status::OK();
    case core::Status::Code::kNotFound:
      return core::Status::NotFound(message);
    case core::Status::Code::kCorruption:
      return core::Status::Corruption(message);
    case core::Status::Code::kInvalidArgument:
      return core::Status::InvalidArgument(message);
    case core::Status::Code::kWrongExpectedVersion:
      return core::Status::WrongExpectedVersion(message);
    case core::Status::Code::kDuplicateEvent:
      return core::Status::DuplicateEvent(message);
    case core::Status::Code::kReadOnly:
      return core::Status::ReadOnly(message);
    default:
      return core::Status::IOError(message);
  }
}

void FillResult(const core::Status& status, const AppendResult& result,
                accord::v1::ForwardedResult* reply) {
  reply->set_code(static_cast<uint32_t>(status.code()));
  reply->set_message(status.message());
  reply->set_first_position(result.first_position);
  reply->set_last_position(result.last_position);
  reply->set_last_version(result.last_version);
  reply->set_already_stored(result.already_stored);
  if (result.current_version) reply->set_current_version(*result.current_version);
}

AppendResult ResultFrom(const accord::v1::ForwardedResult& reply) {
  AppendResult result;
  result.first_position = reply.first_position();
  result.last_position = reply.last_position();
  result.last_version = reply.last_version();
  result.already_stored = reply.already_stored();
  if (reply.has_current_version()) result.current_version = reply.current_version();
  return result;
}

size_t OperationBytes(const std::vector<NewEvent>& events) {
  size_t bytes = 0;
  for (const NewEvent& e : events) bytes += e.ByteSizeLong() + 128;  // + the record's own fields
  return bytes;
}

}  // namespace

// The peer port: appends and imports forwarded by followers.
class ReplicatedStore::PeerService final : public accord::v1::Peer::CallbackService {
 public:
  explicit PeerService(ReplicatedStore* store) : store_(store) {}

  grpc::ServerUnaryReactor* Append(grpc::CallbackServerContext* context,
                                   const accord::v1::ForwardedAppend* request,
                                   accord::v1::ForwardedResult* reply) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (RefusedStranger(context, reactor)) return reactor;
    auto op = std::make_shared<Operation>();
    op->stream_id = request->stream_id();
    op->expected = request->has_expected() ? FromWire(request->expected()) : ExpectedVersion::Any();
    op->events.assign(request->events().begin(), request->events().end());
    Run(std::move(op), reactor, reply, context);
    return reactor;
  }

  grpc::ServerUnaryReactor* Import(grpc::CallbackServerContext* context,
                                   const accord::v1::ForwardedImport* request,
                                   accord::v1::ForwardedResult* reply) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (RefusedStranger(context, reactor)) return reactor;
    auto op = std::make_shared<Operation>();
    op->entries.assign(request->entries().begin(), request->entries().end());
    Run(std::move(op), reactor, reply, context);
    return reactor;
  }

  grpc::ServerUnaryReactor* GetDocument(grpc::CallbackServerContext* context,
                                        const accord::v1::DocumentWanted* request,
                                        accord::v1::DocumentBytes* reply) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (RefusedStranger(context, reactor)) return reactor;
    const DocumentStore* documents = store_->documents_.load();
    std::string content;
    if (documents != nullptr && documents->Get(request->sha256(), &content).ok()) {
      reply->set_found(true);
      reply->set_content(std::move(content));
    }
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  // True, having answered PERMISSION_DENIED, when the caller does not
  // know the cluster's peer secret.
  bool RefusedStranger(grpc::CallbackServerContext* context,
                       grpc::ServerUnaryReactor* reactor) const {
    auto found = context->client_metadata().find(kSecretHeader);
    if (found != context->client_metadata().end() &&
        std::string(found->second.data(), found->second.size()) == store_->peer_secret_) {
      return false;
    }
    reactor->Finish(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "wrong peer secret"));
    return true;
  }

  void Run(OperationPtr op, grpc::ServerUnaryReactor* reactor, accord::v1::ForwardedResult* reply,
           grpc::CallbackServerContext* context) {
    op->from_peer = true;
    auto remaining = context->deadline() - std::chrono::system_clock::now();
    op->deadline = Clock::now() +
                   std::min<Clock::duration>(std::chrono::duration_cast<Clock::duration>(remaining),
                                             store_->cluster_.append_timeout);
    op->done = [reactor, reply](const core::Status& status, const AppendResult& result) {
      if (status.IsNotFound() && status.message() == "not the leader") {
        reply->set_not_leader(true);
      } else {
        FillResult(status, result, reply);
      }
      reactor->Finish(grpc::Status::OK);
    };
    store_->Dispatch(std::move(op));
  }

  ReplicatedStore* store_;
};

namespace {
// What a forwarded operation answers when this node does not lead: the
// follower asks again (internal to the peer service's callback above).
core::Status NotLeader() { return core::Status::NotFound("not the leader"); }
}  // namespace

namespace {

// A node's documents, and on a miss, the other nodes'.
class SharedDocuments final : public DocumentStore {
 public:
  SharedDocuments(ReplicatedStore* store, std::unique_ptr<DocumentStore> local)
      : store_(store), local_(std::move(local)) {
    store_->ServeDocuments(local_.get());
  }
  ~SharedDocuments() override { store_->ServeDocuments(nullptr); }

  uint64_t max_bytes() const override { return local_->max_bytes(); }
  core::Status Put(std::string_view bytes, std::string* sha256) override {
    return local_->Put(bytes, sha256);
  }
  core::Status Get(std::string_view sha256, std::string* bytes) const override {
    core::Status s = local_->Get(sha256, bytes);
    if (!s.IsNotFound() || !Fetch(sha256)) return s;
    return local_->Get(sha256, bytes);
  }
  bool Has(std::string_view sha256, uint64_t* size) const override {
    return local_->Has(sha256, size) || (Fetch(sha256) && local_->Has(sha256, size));
  }
  core::Status List(std::vector<std::string>* digests) const override {
    return local_->List(digests);
  }
  core::Status CopyTo(const std::string& data_dir) const override {
    return local_->CopyTo(data_dir);
  }

 private:
  // Fetched bytes are kept only if they hash to the digest asked for.
  bool Fetch(std::string_view sha256) const {
    std::string bytes;
    if (!store_->FetchDocument(std::string(sha256), &bytes).ok()) return false;
    std::string stored;
    return local_->Put(bytes, &stored).ok() && stored == sha256;
  }

  ReplicatedStore* store_;
  std::unique_ptr<DocumentStore> local_;
};

}  // namespace

std::unique_ptr<DocumentStore> ShareDocuments(EventStore* store,
                                              std::unique_ptr<DocumentStore> local) {
  auto* replicated = dynamic_cast<ReplicatedStore*>(store);
  if (replicated == nullptr) return local;
  return std::make_unique<SharedDocuments>(replicated, std::move(local));
}

void ReplicatedStore::ServeDocuments(const DocumentStore* documents) { documents_ = documents; }

core::Status ReplicatedStore::FetchDocument(const std::string& sha256, std::string* bytes) const {
  etcdserverpb::RangeRequest request;
  request.set_key(Key("nodes/"));
  request.set_range_end(EtcdClient::PrefixEnd(Key("nodes/")));
  etcdserverpb::RangeResponse nodes;
  if (core::Status s = etcd_->Range(request, &nodes); !s.ok()) return s;
  for (const etcdserverpb::KeyValue& node : nodes.kvs()) {
    if (node.value() == cluster_.peer_address) continue;
    auto channel = grpc::CreateChannel(node.value(), grpc::InsecureChannelCredentials());
    auto stub = accord::v1::Peer::NewStub(channel);
    grpc::ClientContext context;
    context.AddMetadata(kSecretHeader, peer_secret_);
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    accord::v1::DocumentWanted wanted;
    wanted.set_sha256(sha256);
    accord::v1::DocumentBytes reply;
    if (stub->GetDocument(&context, wanted, &reply).ok() && reply.found()) {
      *bytes = std::move(*reply.mutable_content());
      return core::Status::OK();
    }
  }
  return core::Status::NotFound(fmt::format("no node of the cluster holds document {}", sha256));
}

core::Status OpenClustered(const StoreOptions& options, const std::string& path,
                           const ClusterOptions& cluster, std::unique_ptr<EventStore>* store) {
  std::unique_ptr<ReplicatedStore> opened;
  core::Status s = ReplicatedStore::Open(options, path, cluster, &opened);
  if (s.ok()) *store = std::move(opened);
  return s;
}

std::optional<ClusterView> ViewCluster(const EventStore& store) {
  const auto* replicated = dynamic_cast<const ReplicatedStore*>(&store);
  if (replicated == nullptr) return std::nullopt;
  return replicated->View();
}

core::Status ReplicatedStore::Open(const StoreOptions& options, const std::string& path,
                                   const ClusterOptions& cluster,
                                   std::unique_ptr<ReplicatedStore>* store) {
  if (cluster.node_name.empty() || cluster.node_name.find('\n') != std::string::npos) {
    return core::Status::InvalidArgument("a cluster node needs a name (one line)");
  }
  if (cluster.peer_address.empty()) {
    return core::Status::InvalidArgument("a cluster node needs a peer address (host:port)");
  }
  if (cluster.max_txn_ops < 16) {
    return core::Status::InvalidArgument("etcd's --max-txn-ops must allow 16 operations or more");
  }
  if (options.read_only || options.salvage) {
    return core::Status::InvalidArgument("a cluster node opens its copy for writing");
  }
  std::unique_ptr<ReplicatedStore> s(new ReplicatedStore());
  s->cluster_ = cluster;
  if (s->cluster_.prefix.empty() || s->cluster_.prefix.back() != '/') s->cluster_.prefix += '/';

  // Each event takes a log key, an id key and at most one stream key, plus
  // the head and the two compares of leader and head.
  StoreOptions copy_options = options;
  copy_options.max_group_events = std::min(options.max_group_events, s->MaxGroupEvents());
  copy_options.max_group_bytes = cluster.max_group_bytes;
  if (core::Status opened = RocksDbStore::Open(copy_options, path, &s->copy_); !opened.ok()) {
    return opened;
  }
  EtcdOptions etcd;
  etcd.endpoints = cluster.etcd_endpoints;
  etcd.ca_file = cluster.etcd_ca_file;
  etcd.cert_file = cluster.etcd_cert_file;
  etcd.key_file = cluster.etcd_key_file;
  if (core::Status connected = EtcdClient::Connect(etcd, &s->etcd_); !connected.ok()) {
    return connected;
  }
  if (core::Status secret = s->EnsurePeerSecret(); !secret.ok()) return secret;
  if (core::Status prefix = s->CheckCopyAgainstEtcd(); !prefix.ok()) return prefix;

  s->etcd_answered_ = Clock::now();
  // From now on the copy writes nothing that is not committed in etcd.
  s->copy_->SetCommitGate(s->MakeGate(0));
  s->copy_->SetCommitListener([raw = s.get()](uint64_t next) { raw->OnCopyCommitted(next); });

  s->peer_service_ = std::make_unique<PeerService>(s.get());
  grpc::ServerBuilder builder;
  int bound_port = 0;
  builder.AddListeningPort(cluster.peer_address, grpc::InsecureServerCredentials(), &bound_port);
  builder.RegisterService(s->peer_service_.get());
  builder.SetMaxReceiveMessageSize(-1);
  s->peer_server_ = builder.BuildAndStart();
  if (!s->peer_server_ || bound_port == 0) {
    return core::Status::IOError(
        fmt::format("cannot listen for peers on {} (in use?)", cluster.peer_address));
  }

  s->control_ = std::thread([raw = s.get()] {
    pthread_setname_np(pthread_self(), "accord:cluster");
    raw->ControlLoop();
  });
  s->housekeeper_ = std::thread([raw = s.get()] {
    pthread_setname_np(pthread_self(), "accord:parked");
    raw->HousekeepingLoop();
  });
  s->keepalive_thread_ = std::thread([raw = s.get()] {
    pthread_setname_np(pthread_self(), "accord:lease");
    raw->KeepAliveLoop();
  });
  s->applier_ = std::thread([raw = s.get()] {
    pthread_setname_np(pthread_self(), "accord:apply");
    raw->ApplyLoop();
  });
  *store = std::move(s);
  return core::Status::OK();
}

ReplicatedStore::~ReplicatedStore() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (watch_) watch_->Cancel();
    if (keepalive_) keepalive_->Cancel();
  }
  control_cv_.notify_all();
  state_cv_.notify_all();
  housekeeping_cv_.notify_all();
  // Forwarded operations parked here hold their peers' calls open: answer
  // them before the peer server waits for its calls to end.
  std::deque<OperationPtr> parked_early;
  {
    std::lock_guard lock(mutex_);
    parked_early.swap(parked_);
  }
  for (auto& op : parked_early) {
    op->done(core::Status::IOError("the store is closing"), AppendResult{});
  }
  if (peer_server_) {
    peer_server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }
  if (control_.joinable()) control_.join();
  if (housekeeper_.joinable()) housekeeper_.join();
  if (keepalive_thread_.joinable()) keepalive_thread_.join();
  if (applier_.joinable()) applier_.join();
  {
    std::unique_lock lock(mutex_);
    forwards_cv_.wait(lock, [this] { return forwards_in_flight_ == 0; });
  }
  // Appends already queued in the copy are committed while the lease lasts.
  copy_.reset();
  int64_t lease = 0;
  std::deque<OperationPtr> parked;
  std::multimap<uint64_t, std::pair<Clock::time_point, std::function<void()>>> waiters;
  {
    std::lock_guard lock(mutex_);
    lease = lease_id_;
    parked.swap(parked_);
    waiters.swap(waiters_);
  }
  // Revoking the lease deletes the leader key: the next leader need not
  // wait for it to expire.
  if (lease != 0) (void)etcd_->LeaseRevoke(lease);
  for (auto& op : parked) op->done(core::Status::IOError("the store is closing"), AppendResult{});
  for (auto& [position, waiter] : waiters) waiter.second();
}

// ---- appends ----------------------------------------------------------------

core::Status ReplicatedStore::Append(std::string_view stream_id, ExpectedVersion expected,
                                     const std::vector<NewEvent>& events, AppendResult* result) {
  std::mutex done_mutex;
  std::condition_variable done_cv;
  bool done = false;
  core::Status status;
  AppendAsync(std::string(stream_id), expected, events,
              [&](const core::Status& s, const AppendResult& appended) {
                std::lock_guard lock(done_mutex);
                status = s;
                if (result != nullptr) *result = appended;
                done = true;
                done_cv.notify_one();
              });
  std::unique_lock lock(done_mutex);
  done_cv.wait(lock, [&] { return done; });
  return status;
}

void ReplicatedStore::AppendAsync(std::string stream_id, ExpectedVersion expected,
                                  std::vector<NewEvent> events, AppendCallback done) {
  if (events.size() > MaxGroupEvents()) {
    done(core::Status::InvalidArgument(fmt::format(
             "an append of {} events is more than one etcd transaction carries ({} with "
             "--etcd-max-txn-ops {})",
             events.size(), MaxGroupEvents(), cluster_.max_txn_ops)),
         AppendResult{});
    return;
  }
  if (OperationBytes(events) > cluster_.max_group_bytes) {
    done(core::Status::InvalidArgument(fmt::format(
             "an append of {} bytes is larger than one etcd transaction carries ({} bytes)",
             OperationBytes(events), cluster_.max_group_bytes)),
         AppendResult{});
    return;
  }
  auto op = std::make_shared<Operation>();
  op->stream_id = std::move(stream_id);
  op->expected = expected;
  op->events = std::move(events);
  op->done = std::move(done);
  op->deadline = Clock::now() + cluster_.append_timeout;
  Dispatch(std::move(op));
}

core::Status ReplicatedStore::ImportEntries(const std::vector<LogEntry>& entries) {
  if (entries.empty()) return core::Status::OK();
  if (entries.size() > MaxGroupEvents()) {
    return core::Status::InvalidArgument(fmt::format(
        "an import of {} records is more than one etcd transaction carries ({}): import fewer at "
        "a time",
        entries.size(), MaxGroupEvents()));
  }
  size_t bytes = 0;
  for (const LogEntry& entry : entries) bytes += entry.ByteSizeLong();
  if (bytes > cluster_.max_group_bytes) {
    return core::Status::InvalidArgument(fmt::format(
        "an import of {} bytes is larger than one etcd transaction carries ({} bytes): import "
        "fewer records at a time",
        bytes, cluster_.max_group_bytes));
  }
  std::mutex done_mutex;
  std::condition_variable done_cv;
  bool done = false;
  core::Status status;
  auto op = std::make_shared<Operation>();
  op->entries = entries;
  op->deadline = Clock::now() + cluster_.append_timeout;
  op->done = [&](const core::Status& s, const AppendResult&) {
    std::lock_guard lock(done_mutex);
    status = s;
    done = true;
    done_cv.notify_one();
  };
  Dispatch(std::move(op));
  std::unique_lock lock(done_mutex);
  done_cv.wait(lock, [&] { return done; });
  return status;
}

void ReplicatedStore::Dispatch(OperationPtr op) {
  std::unique_lock lock(mutex_);
  if (stopping_) {
    lock.unlock();
    op->done(core::Status::IOError("the store is closing"), AppendResult{});
    return;
  }
  if (role_ == Role::kLeader) {
    uint64_t generation = generation_;
    lock.unlock();
    CommitHere(op, generation);
    return;
  }
  if (op->from_peer) {
    lock.unlock();
    op->done(NotLeader(), AppendResult{});
    return;
  }
  // Never to itself: a node named leader is about to lead (it parks until
  // it does, so that its appends keep their order).
  if (role_ == Role::kFollower && !leader_address_.empty() && leader_name_ != cluster_.node_name) {
    std::string address = leader_address_;
    ++forwards_in_flight_;
    lock.unlock();
    Forward(op, address);
    return;
  }
  parked_.push_back(std::move(op));
}

void ReplicatedStore::Park(OperationPtr op) {
  std::unique_lock lock(mutex_);
  if (stopping_) {
    lock.unlock();
    op->done(core::Status::IOError("the store is closing"), AppendResult{});
    return;
  }
  parked_.push_back(std::move(op));
}

void ReplicatedStore::CommitHere(const OperationPtr& op, uint64_t generation) {
  op->sent = true;
  auto finish = [this, op, generation](const core::Status& status, const AppendResult& result) {
    if (!status.ok() && status.code() == core::Status::Code::kIOError) {
      std::unique_lock lock(mutex_);
      // A group the gate refused, or one staged on it: never written (or,
      // after a lost answer, written or not; a retry with the same ids is
      // safe either way). It goes again, to whoever leads then.
      if (retry_generations_.count(generation) > 0 && !stopping_ && Clock::now() < op->deadline) {
        parked_.push_back(op);
        return;
      }
    }
    op->done(status, result);
  };
  if (op->is_import()) {
    // ImportEntries blocks; the copy's pipeline does the work. Counted like
    // a forward, so that closing waits for it.
    {
      std::lock_guard lock(mutex_);
      ++forwards_in_flight_;
    }
    std::thread([this, op, finish] {
      core::Status s = copy_->ImportEntries(op->entries);
      finish(s, AppendResult{});
      std::lock_guard lock(mutex_);
      --forwards_in_flight_;
      forwards_cv_.notify_all();
    }).detach();
    return;
  }
  copy_->AppendAsync(op->stream_id, op->expected, op->events, finish);
}

void ReplicatedStore::Forward(const OperationPtr& op, const std::string& address) {
  op->sent = true;
  forwarded_.fetch_add(1, std::memory_order_relaxed);
  std::shared_ptr<accord::v1::Peer::Stub> stub;
  std::shared_ptr<grpc::Channel> channel;
  {
    std::lock_guard lock(mutex_);
    if (peer_channel_address_ != address || !peer_stub_) {
      grpc::ChannelArguments arguments;
      arguments.SetMaxReceiveMessageSize(-1);
      arguments.SetMaxSendMessageSize(-1);
      arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
      arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
      peer_channel_ =
          grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), arguments);
      peer_stub_ = accord::v1::Peer::NewStub(peer_channel_);
      peer_channel_address_ = address;
    }
    stub = peer_stub_;
    channel = peer_channel_;
  }
  struct Call {
    grpc::ClientContext context;
    accord::v1::ForwardedAppend append;
    accord::v1::ForwardedImport import;
    accord::v1::ForwardedResult reply;
    // The stub and its channel live as long as the call, whoever leads next.
    std::shared_ptr<accord::v1::Peer::Stub> stub;
    std::shared_ptr<grpc::Channel> channel;
  };
  auto call = std::make_shared<Call>();
  call->stub = stub;
  call->channel = channel;
  call->context.AddMetadata(kSecretHeader, peer_secret_);
  call->context.set_deadline(
      std::chrono::system_clock::now() +
      std::chrono::duration_cast<std::chrono::system_clock::duration>(op->deadline - Clock::now()));
  call->context.set_wait_for_ready(false);
  auto on_reply = [this, op, call](const grpc::Status& rpc) {
    auto finished = [this] {
      std::lock_guard lock(mutex_);
      --forwards_in_flight_;
      forwards_cv_.notify_all();
    };
    if (!rpc.ok() || call->reply.not_leader()) {
      // The leader died, or no longer leads, or did not answer in time:
      // ask again once the election says who leads (same event ids).
      if (Clock::now() < op->deadline) {
        Park(op);
      } else {
        op->done(core::Status::IOError(fmt::format(
                     "no leader answered in time ({}); the append may or may not be written: "
                     "retry with the same event ids",
                     rpc.ok() ? "not the leader" : rpc.error_message())),
                 AppendResult{});
      }
      finished();
      return;
    }
    core::Status status = StatusFromCode(call->reply.code(), call->reply.message());
    AppendResult result = ResultFrom(call->reply);
    if (status.ok() && !op->is_import()) {
      // Read your writes: answer once this node's copy holds the events.
      AfterApplied(result.last_position + 1, [op, status, result] { op->done(status, result); });
    } else {
      op->done(status, result);
    }
    finished();
  };
  if (op->is_import()) {
    call->import.mutable_entries()->Assign(op->entries.begin(), op->entries.end());
    stub->async()->Import(&call->context, &call->import, &call->reply, std::move(on_reply));
  } else {
    call->append.set_stream_id(op->stream_id);
    *call->append.mutable_expected() = ToWire(op->expected);
    call->append.mutable_events()->Assign(op->events.begin(), op->events.end());
    stub->async()->Append(&call->context, &call->append, &call->reply, std::move(on_reply));
  }
}

void ReplicatedStore::AfterApplied(uint64_t next_position, std::function<void()> done) {
  {
    std::lock_guard lock(mutex_);
    if (copy_->Head().next_position < next_position && !stopping_) {
      waiters_.emplace(
          next_position,
          std::make_pair(Clock::now() + cluster_.read_your_writes_timeout, std::move(done)));
      return;
    }
  }
  done();
}

void ReplicatedStore::OnCopyCommitted(uint64_t next_position) {
  {
    // Held while it runs, as the single node does: SetCommitListener(null)
    // returns only once no call is under way (the application relies on it).
    std::lock_guard listening(listener_mutex_);
    if (listener_) listener_(next_position);
  }
  std::vector<std::function<void()>> ready;
  {
    std::lock_guard lock(mutex_);
    auto end = waiters_.upper_bound(next_position);
    for (auto it = waiters_.begin(); it != end; ++it) ready.push_back(std::move(it->second.second));
    waiters_.erase(waiters_.begin(), end);
  }
  for (auto& done : ready) done();
}

void ReplicatedStore::SetCommitListener(std::function<void(uint64_t next_position)> listener) {
  std::lock_guard listening(listener_mutex_);
  listener_ = std::move(listener);
}

core::Status ReplicatedStore::WriteHealth() const {
  std::unique_lock lock(mutex_);
  if (!copy_error_.empty()) {
    return core::Status::IOError("this node's copy cannot take etcd's log: " + copy_error_);
  }
  auto silent = Clock::now() - etcd_answered_;
  if (silent > std::chrono::seconds(cluster_.lease_seconds)) {
    return core::Status::IOError(fmt::format(
        "etcd has not answered for {} s: appends wait for it, and this node's reads may miss what "
        "other nodes logged meanwhile",
        std::chrono::duration_cast<std::chrono::seconds>(silent).count()));
  }
  if (role_ == Role::kLeader) {
    lock.unlock();
    return copy_->WriteHealth();
  }
  if (role_ == Role::kFollower && !leader_address_.empty() && leader_name_ != cluster_.node_name) {
    return core::Status::OK();
  }
  return core::Status::IOError(
      role_ == Role::kCatchingUp
          ? "this node was elected leader and is catching up with etcd's log"
          : "no leader is elected (etcd unreachable, or an election under way); appends wait");
}

bool ReplicatedStore::AwaitWritable(std::chrono::milliseconds timeout) const {
  Clock::time_point until = Clock::now() + timeout;
  for (;;) {
    if (WriteHealth().ok()) return true;
    std::unique_lock lock(mutex_);
    if (Clock::now() >= until || stopping_) return false;
    state_cv_.wait_until(lock, std::min(until, Clock::now() + kTick));
  }
}

StoreStats ReplicatedStore::Stats() const {
  StoreStats stats = copy_->Stats();
  if (stats.write_refusal.empty()) {
    core::Status health = WriteHealth();
    if (!health.ok()) stats.write_refusal = health.message();
  }
  return stats;
}

ClusterView ReplicatedStore::View() const {
  ClusterView view;
  view.node_name = cluster_.node_name;
  view.applied = copy_->Head().next_position;
  view.forwarded = forwarded_.load();
  view.terms_led = terms_led_.load();
  std::lock_guard lock(mutex_);
  view.leader = role_ == Role::kLeader;
  view.leader_name = leader_name_;
  view.term = leader_term_;
  view.etcd_head = std::max(etcd_head_, view.applied);
  return view;
}

// ---- the commit gate ----------------------------------------------------------

uint64_t ReplicatedStore::HeadPosition(const std::string& head_value) {
  uint64_t position = 0;
  for (char c : head_value) {
    if (c < '0' || c > '9') break;
    position = position * 10 + static_cast<uint64_t>(c - '0');
  }
  return position;
}

std::string ReplicatedStore::LogKey(uint64_t position) const {
  return fmt::format("{}log/{:020}", cluster_.prefix, position);
}

std::string ReplicatedStore::HeadValue(uint64_t next_position, const std::string& hash) {
  return fmt::format("{} {}", next_position, core::HexEncode(hash));
}

core::Status ReplicatedStore::Commit(uint64_t term, const std::vector<std::string>& entries) {
  etcdserverpb::TxnRequest txn;
  AddCompare(&txn, Key("leader"), etcdserverpb::Compare::CREATE)
      ->set_create_revision(static_cast<int64_t>(term));
  std::string before;
  std::string after;
  std::string first_key;
  std::unordered_set<std::string> streams_seen;
  std::map<std::string, uint64_t> stream_last;
  std::vector<std::pair<std::string, uint64_t>> ids;
  for (size_t i = 0; i < entries.size(); ++i) {
    LogEntry entry;
    EventRecord record;
    if (!entry.ParseFromString(entries[i]) || !record.ParseFromString(entry.record())) {
      return core::Status::Corruption("the commit gate was given a record that does not parse");
    }
    if (i == 0) {
      before = HeadValue(record.position(), record.prev_hash());
      first_key = LogKey(record.position());
      if (record.position() == 0) {
        AddCompare(&txn, Key("head"), etcdserverpb::Compare::VERSION)->set_version(0);
      } else {
        AddCompare(&txn, Key("head"), etcdserverpb::Compare::VALUE)->set_value(before);
      }
    }
    if (i + 1 == entries.size()) after = HeadValue(record.position() + 1, entry.hash());
    std::string stream_key = Key("streams/") + record.stream_id();
    if (streams_seen.insert(record.stream_id()).second) {
      if (record.stream_version() == 0) {
        AddCompare(&txn, stream_key, etcdserverpb::Compare::VERSION)->set_version(0);
      } else {
        AddCompare(&txn, stream_key, etcdserverpb::Compare::VALUE)
            ->set_value(std::to_string(record.stream_version() - 1));
      }
    }
    stream_last[stream_key] = record.stream_version();
    std::string id_key = Key("ids/") + record.event_id();
    AddCompare(&txn, id_key, etcdserverpb::Compare::VERSION)->set_version(0);
    AddPut(txn.mutable_success(), LogKey(record.position()), entries[i]);
    ids.emplace_back(std::move(id_key), record.position());
  }
  for (auto& [key, position] : ids) AddPut(txn.mutable_success(), key, std::to_string(position));
  for (auto& [key, version] : stream_last) {
    AddPut(txn.mutable_success(), key, std::to_string(version));
  }
  AddPut(txn.mutable_success(), Key("head"), after);
  AddGet(txn.mutable_failure(), Key("leader"));
  AddGet(txn.mutable_failure(), Key("head"));

  auto refused = [this](const std::string& why) {
    std::lock_guard lock(mutex_);
    retry_generations_.insert(generation_);
    resync_ = true;
    control_cv_.notify_all();
    return core::Status::IOError(why);
  };
  Clock::time_point give_up = Clock::now() + std::chrono::seconds(cluster_.lease_seconds);
  for (;;) {
    etcdserverpb::TxnResponse response;
    core::Status sent = etcd_->Txn(txn, &response);
    if (sent.ok() && response.succeeded()) {
      std::lock_guard lock(mutex_);
      etcd_head_ = std::max(etcd_head_, HeadPosition(after));
      return core::Status::OK();
    }
    if (sent.ok()) {
      // Nothing was written. Why: another leader, or a log that moved on.
      int64_t leader_created = 0;
      if (response.responses_size() > 0 && response.responses(0).response_range().kvs_size() > 0) {
        leader_created = response.responses(0).response_range().kvs(0).create_revision();
      }
      if (static_cast<uint64_t>(leader_created) != term) {
        return refused(fmt::format(
            "this node no longer leads (term {} ended); nothing was written: retry", term));
      }
      return refused(
          "etcd's log moved past this node's copy (or holds one of these event ids); nothing was "
          "written: retry");
    }
    if (sent.code() == core::Status::Code::kInvalidArgument) {
      // Too large, too many operations: sending it again would not help.
      return core::Status::InvalidArgument(
          fmt::format("etcd refused the group ({}); nothing was written", sent.message()));
    }
    // The answer was lost: find out whether etcd holds the group.
    bool committed = false;
    bool untouched = false;
    core::Status resolved =
        ResolveUnknown(before, after, first_key, entries.front(), &committed, &untouched);
    if (resolved.ok() && committed) return core::Status::OK();
    if (resolved.ok() && !untouched) {
      return refused("etcd's log moved on while this node's commit was unanswered; retry");
    }
    if (Clock::now() >= give_up) {
      return refused(fmt::format(
          "etcd did not answer ({}); the outcome is unknown: retry with the same event ids",
          sent.message()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

core::Status ReplicatedStore::ResolveUnknown(const std::string& before, const std::string& after,
                                             const std::string& first_key,
                                             const std::string& first_entry, bool* committed,
                                             bool* untouched) {
  etcdserverpb::KeyValue head;
  core::Status read = etcd_->Get(Key("head"), &head);
  if (read.IsNotFound()) {
    *untouched = before.rfind("0 ", 0) == 0;
    return core::Status::OK();
  }
  if (!read.ok()) return read;
  if (head.value() == before) {
    *untouched = true;
    return core::Status::OK();
  }
  if (head.value() == after) {
    etcdserverpb::KeyValue first;
    if (core::Status s = etcd_->Get(first_key, &first); !s.ok()) return s;
    *committed = first.value() == first_entry;
  }
  return core::Status::OK();
}

// ---- election and control ------------------------------------------------------

core::Status ReplicatedStore::EnsurePeerSecret() {
  unsigned char random[32];
  if (RAND_bytes(random, sizeof random) != 1) return core::Status::IOError("no random bytes");
  std::string secret =
      core::HexEncode(std::string_view(reinterpret_cast<char*>(random), sizeof random));
  etcdserverpb::TxnRequest txn;
  AddCompare(&txn, Key("peer-secret"), etcdserverpb::Compare::VERSION)->set_version(0);
  AddPut(txn.mutable_success(), Key("peer-secret"), secret);
  AddGet(txn.mutable_failure(), Key("peer-secret"));
  etcdserverpb::TxnResponse response;
  if (core::Status s = etcd_->Txn(txn, &response); !s.ok()) {
    return core::Status::IOError(fmt::format("cannot reach etcd at {}: {}",
                                             fmt::join(cluster_.etcd_endpoints, ","), s.message()));
  }
  peer_secret_ =
      response.succeeded() ? secret : response.responses(0).response_range().kvs(0).value();
  return core::Status::OK();
}

core::Status ReplicatedStore::CheckCopyAgainstEtcd() {
  LogHead head = copy_->Head();
  etcdserverpb::KeyValue etcd_head;
  core::Status read = etcd_->Get(Key("head"), &etcd_head);
  uint64_t etcd_next = 0;
  if (read.ok()) {
    etcd_next = HeadPosition(etcd_head.value());
  } else if (!read.IsNotFound()) {
    return read;
  }
  if (head.next_position > etcd_next) {
    return core::Status::Corruption(fmt::format(
        "this node's copy holds {} records but the log in etcd (prefix {}) only {}: the copy "
        "belongs to another cluster or etcd lost records; start the node on an empty folder, or "
        "restore etcd from a snapshot",
        head.next_position, cluster_.prefix, etcd_next));
  }
  if (head.next_position == 0) return core::Status::OK();
  etcdserverpb::KeyValue last;
  if (core::Status s = etcd_->Get(LogKey(head.next_position - 1), &last); !s.ok()) return s;
  LogEntry entry;
  if (!entry.ParseFromString(last.value()) || entry.hash() != head.last_hash) {
    return core::Status::Corruption(fmt::format(
        "this node's copy and the log in etcd differ at position {}: the copy belongs to another "
        "log; start the node on an empty folder",
        head.next_position - 1));
  }
  std::lock_guard lock(mutex_);
  etcd_head_ = etcd_next;
  return core::Status::OK();
}

void ReplicatedStore::ControlLoop() {
  for (;;) {
    Tick();
    std::unique_lock lock(mutex_);
    if (stopping_) return;
    control_cv_.wait_for(lock, kTick);
    if (stopping_) return;
  }
}

bool ReplicatedStore::EnsureLease() {
  {
    std::lock_guard lock(mutex_);
    if (lease_id_ != 0) {
      auto unconfirmed = Clock::now() - lease_confirmed_;
      // Unanswered for half a lease: the stream may sit on a member that
      // stopped. Open it again (round robin picks another member).
      if (unconfirmed > std::chrono::milliseconds(cluster_.lease_seconds * 500) && keepalive_) {
        keepalive_->Cancel();
      }
      // Unconfirmed for a whole lease: etcd may have let it go. Assume so.
      if (unconfirmed < std::chrono::seconds(cluster_.lease_seconds)) return true;
      lease_id_ = 0;
      if (keepalive_) keepalive_->Cancel();
    }
  }
  int64_t lease = 0;
  if (!etcd_->LeaseGrant(cluster_.lease_seconds, &lease).ok()) return false;
  // Where this node takes peers' calls, while it lives (documents).
  etcdserverpb::TxnRequest announce;
  AddPut(announce.mutable_success(), Key("nodes/") + cluster_.node_name, cluster_.peer_address,
         lease);
  etcdserverpb::TxnResponse announced;
  (void)etcd_->Txn(announce, &announced);
  std::lock_guard lock(mutex_);
  lease_id_ = lease;
  lease_confirmed_ = Clock::now();
  state_cv_.notify_all();
  return true;
}

void ReplicatedStore::Tick() {
  bool have_lease = EnsureLease();
  etcdserverpb::KeyValue leader;
  core::Status read = etcd_->Get(Key("leader"), &leader);
  if (read.ok() || read.IsNotFound()) {
    std::lock_guard lock(mutex_);
    etcd_answered_ = Clock::now();
  }
  if (!read.ok() && !read.IsNotFound()) {
    // etcd unreachable: a leader that cannot confirm its lease stops
    // leading once the lease would have expired (EnsureLease above).
    std::unique_lock lock(mutex_);
    if (role_ != Role::kFollower && lease_id_ == 0) {
      lock.unlock();
      StepDown("etcd unreachable for a whole lease");
    }
    return;
  }
  if (read.IsNotFound()) {
    std::unique_lock lock(mutex_);
    bool was_leading = role_ != Role::kFollower;
    leader_name_.clear();
    leader_address_.clear();
    Clock::time_point now = Clock::now();
    if (leaderless_since_ == Clock::time_point{}) leaderless_since_ = now;
    // A node far behind etcd's log would hold every append up while it
    // caught up as leader: it lets a node closer to the head win, unless no
    // node has led for a while (then someone must).
    uint64_t applied = copy_->Head().next_position;
    bool close_to_head = applied + kCampaignLag >= etcd_head_;
    bool long_leaderless =
        now - leaderless_since_ > std::chrono::seconds(3 * cluster_.lease_seconds);
    bool may_campaign = now >= campaign_after_ && (close_to_head || long_leaderless);
    lock.unlock();
    if (was_leading) StepDown("the leader key is gone (the lease expired)");
    if (have_lease && may_campaign) Campaign();
    return;
  }
  {
    std::lock_guard lock(mutex_);
    leaderless_since_ = Clock::time_point{};
  }
  std::string value = leader.value();
  size_t newline = value.find('\n');
  std::string name = value.substr(0, newline);
  std::string address = newline == std::string::npos ? "" : value.substr(newline + 1);
  auto term = static_cast<uint64_t>(leader.create_revision());
  bool mine = false;
  bool resync = false;
  bool leading = false;
  int64_t stale_lease = 0;
  {
    std::lock_guard lock(mutex_);
    mine = term == my_term_ && leader.lease() == lease_id_ && lease_id_ != 0;
    leading = role_ != Role::kFollower;
    resync = resync_;
    if (!mine && name == cluster_.node_name) stale_lease = leader.lease();
    leader_name_ = name;
    leader_address_ = address;
    leader_term_ = term;
  }
  if (mine) {
    if (!leading || resync) BecomeLeader(term);
    // A leader that cannot serve (it cannot catch up, or its copy refuses
    // writes) gives the lease up, so that another node can.
    std::string why;
    bool copy_writable = copy_->WriteHealth().ok();
    {
      std::lock_guard lock(mutex_);
      Clock::time_point now = Clock::now();
      if (failed_catch_ups_ >= kMaxFailedCatchUps) {
        why = "it could not catch up with etcd's log";
      } else if (role_ == Role::kLeader && !copy_writable) {
        if (unwritable_since_ == Clock::time_point{}) unwritable_since_ = now;
        if (now - unwritable_since_ > std::chrono::seconds(2 * cluster_.lease_seconds)) {
          why = "its copy refuses writes";
        }
      } else {
        unwritable_since_ = Clock::time_point{};
      }
    }
    if (!why.empty()) Resign(why);
  } else {
    if (leading) StepDown(fmt::format("{} leads now (term {})", name, term));
    // This node's name under a lease it no longer holds: left by an earlier
    // run of this node that died. Let it go now rather than wait it out.
    if (stale_lease != 0) (void)etcd_->LeaseRevoke(stale_lease);
  }

  // A follower whose copy does not move while etcd's log is ahead: its
  // watch may hang on a member that stopped. Start it again.
  WatchOverCopy();
}

void ReplicatedStore::HousekeepingLoop() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (stopping_) return;
      housekeeping_cv_.wait_for(lock, kTick);
      if (stopping_) return;
    }
    ServeParked();
  }
}

// Parked operations go again (the leader may be known now), or fail past
// their deadline; read-your-writes waits past theirs answer. On a thread of
// its own, so that an etcd that does not answer cannot hold them up.
void ReplicatedStore::ServeParked() {
  std::deque<OperationPtr> parked;
  std::vector<std::function<void()>> expired;
  Clock::time_point now = Clock::now();
  {
    std::lock_guard lock(mutex_);
    parked.swap(parked_);
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (it->second.first <= now) {
        expired.push_back(std::move(it->second.second));
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& done : expired) done();
  for (auto& op : parked) {
    if (now >= op->deadline) {
      op->done(core::Status::IOError(
                   op->sent ? "no leader committed it in time; it may or may not be written: retry "
                              "with the same event ids"
                            : "no leader is elected (etcd unreachable, or an election under way); "
                              "nothing was written: retry"),
               AppendResult{});
    } else {
      Dispatch(op);
    }
  }
}

void ReplicatedStore::WatchOverCopy() {
  Clock::time_point now = Clock::now();
  etcdserverpb::KeyValue head;
  if (etcd_->Get(Key("head"), &head).ok()) {
    uint64_t etcd_next = HeadPosition(head.value());
    uint64_t applied = copy_->Head().next_position;
    std::lock_guard lock(mutex_);
    etcd_head_ = std::max(etcd_head_, etcd_next);
    if (role_ == Role::kFollower && applied < etcd_next) {
      if (applied != stalled_since_applied_) {
        stalled_since_applied_ = applied;
        stalled_since_ = now;
      } else if (now - stalled_since_ > std::chrono::seconds(2) && watch_) {
        watch_->Cancel();
        stalled_since_ = now;
      }
    } else {
      stalled_since_applied_ = applied;
      stalled_since_ = now;
    }
  }
}

void ReplicatedStore::Campaign() {
  int64_t lease = 0;
  {
    std::lock_guard lock(mutex_);
    lease = lease_id_;
  }
  if (lease == 0) return;
  etcdserverpb::TxnRequest txn;
  AddCompare(&txn, Key("leader"), etcdserverpb::Compare::CREATE)->set_create_revision(0);
  AddPut(txn.mutable_success(), Key("leader"), cluster_.node_name + "\n" + cluster_.peer_address,
         lease);
  etcdserverpb::TxnResponse response;
  if (!etcd_->Txn(txn, &response).ok() || !response.succeeded()) return;
  auto term = static_cast<uint64_t>(response.header().revision());
  {
    std::lock_guard lock(mutex_);
    my_term_ = term;
    leader_name_ = cluster_.node_name;
    leader_address_ = cluster_.peer_address;
    leader_term_ = term;
  }
  // Who led which term, for audits: written under the same fence.
  etcdserverpb::TxnRequest record;
  AddCompare(&record, Key("leader"), etcdserverpb::Compare::CREATE)
      ->set_create_revision(static_cast<int64_t>(term));
  AddPut(record.mutable_success(), fmt::format("{}terms/{:020}", cluster_.prefix, term),
         cluster_.node_name);
  etcdserverpb::TxnResponse recorded;
  (void)etcd_->Txn(record, &recorded);
  BecomeLeader(term);
}

void ReplicatedStore::BecomeLeader(uint64_t term) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    role_ = Role::kCatchingUp;
    resync_ = false;
    retry_generations_.insert(generation_);
    if (watch_) watch_->Cancel();
  }
  copy_->SetCommitGate(MakeGate(0));
  state_cv_.notify_all();
  // The log in etcd cannot move now: only this term's leader may write it.
  // Bring the copy up to its head, then commit through the gate.
  core::Status caught_up;
  {
    std::lock_guard apply(apply_mutex_);
    int64_t revision = 0;
    caught_up = CatchUp(&revision);
  }
  if (!caught_up.ok()) {
    std::lock_guard lock(mutex_);
    resync_ = true;  // try again next tick
    ++failed_catch_ups_;
    return;
  }
  copy_->SetCommitGate(MakeGate(term));
  {
    std::lock_guard lock(mutex_);
    if (resync_ || my_term_ != term) return;  // lost it meanwhile; the next tick decides
    role_ = Role::kLeader;
    ++generation_;
    failed_catch_ups_ = 0;
    unwritable_since_ = Clock::time_point{};
  }
  terms_led_.fetch_add(1);
  state_cv_.notify_all();
  housekeeping_cv_.notify_all();  // parked operations go now
}

std::shared_ptr<RocksDbStore::CommitGate> ReplicatedStore::MakeGate(uint64_t term) {
  auto gate = std::make_shared<RocksDbStore::CommitGate>();
  gate->term = term;
  gate->commit = [this, term](const std::vector<std::string>& entries) {
    // Records copied from etcd are committed already: they are written as
    // they are. Whatever else the copy would write must be committed in
    // etcd first, which only the leader of a term may do.
    size_t copied = 0;
    {
      std::lock_guard lock(copying_mutex_);
      while (copied < entries.size() && copied < copying_.size() &&
             entries[copied] == copying_[copied]) {
        ++copied;
      }
      if (copied > 0)
        copying_.erase(copying_.begin(), copying_.begin() + static_cast<long>(copied));
    }
    if (copied == entries.size()) return core::Status::OK();
    if (term == 0) {
      std::lock_guard lock(mutex_);
      retry_generations_.insert(generation_);
      return core::Status::IOError("this node does not lead; nothing was written: retry");
    }
    return Commit(term, copied == 0
                            ? entries
                            : std::vector<std::string>(entries.begin() + static_cast<long>(copied),
                                                       entries.end()));
  };
  return gate;
}

void ReplicatedStore::Resign(const std::string& why) {
  StepDown(why);
  int64_t lease = 0;
  {
    std::lock_guard lock(mutex_);
    lease = lease_id_;
    lease_id_ = 0;
    failed_catch_ups_ = 0;
    unwritable_since_ = Clock::time_point{};
    campaign_after_ = Clock::now() + std::chrono::seconds(3 * cluster_.lease_seconds);
    if (keepalive_) keepalive_->Cancel();
  }
  state_cv_.notify_all();
  // Revoking the lease deletes the leader key at once.
  if (lease != 0) (void)etcd_->LeaseRevoke(lease);
}

void ReplicatedStore::StepDown(const std::string& why) {
  (void)why;
  copy_->SetCommitGate(MakeGate(0));
  {
    std::lock_guard lock(mutex_);
    if (role_ == Role::kFollower) return;
    role_ = Role::kFollower;
    retry_generations_.insert(generation_);
    my_term_ = 0;
  }
  state_cv_.notify_all();
}

void ReplicatedStore::KeepAliveLoop() {
  for (;;) {
    int64_t lease = 0;
    {
      std::unique_lock lock(mutex_);
      state_cv_.wait_for(lock, kTick, [this] { return stopping_ || lease_id_ != 0; });
      if (stopping_) return;
      lease = lease_id_;
      if (lease == 0) continue;
    }
    auto stream = etcd_->OpenKeepAlive();
    EtcdClient::KeepAliveStream* raw = stream.get();
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      keepalive_ = std::move(stream);
    }
    auto interval = std::chrono::milliseconds(cluster_.lease_seconds * 1000 / 3);
    for (;;) {
      etcdserverpb::LeaseKeepAliveRequest request;
      request.set_id(lease);
      etcdserverpb::LeaseKeepAliveResponse response;
      if (!raw->Write(request) || !raw->Read(&response)) break;
      std::unique_lock lock(mutex_);
      if (lease_id_ != lease) break;
      if (response.ttl() <= 0) {
        lease_id_ = 0;  // expired: the leader key went with it
        control_cv_.notify_all();
        break;
      }
      lease_confirmed_ = Clock::now();
      state_cv_.wait_for(lock, interval, [this, lease] { return stopping_ || lease_id_ != lease; });
      if (stopping_ || lease_id_ != lease) break;
    }
    std::unique_ptr<EtcdClient::KeepAliveStream> ended;
    {
      std::lock_guard lock(mutex_);
      if (keepalive_.get() == raw) ended = std::move(keepalive_);
    }
    ended.reset();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// ---- the copy ------------------------------------------------------------------

core::Status ReplicatedStore::ImportIntoCopy(const std::vector<LogEntry>& entries) {
  if (entries.empty()) return core::Status::OK();
  {
    // What the gate lets through without a transaction: these entries,
    // as etcd holds them.
    std::lock_guard lock(copying_mutex_);
    copying_.clear();
    for (const LogEntry& entry : entries) copying_.push_back(entry.SerializeAsString());
  }
  core::Status imported = copy_->ImportEntries(entries);
  {
    std::lock_guard lock(copying_mutex_);
    copying_.clear();
  }
  // Records that do not fit the copy (another log's, or a damaged copy)
  // are for an operator to see; a pipeline still recovering from a refused
  // group fails an import too, which the next try gets past.
  std::lock_guard lock(mutex_);
  if (imported.IsCorruption()) {
    copy_error_ = imported.ToString();
  } else if (imported.ok()) {
    copy_error_.clear();
  }
  return imported;
}

core::Status ReplicatedStore::CatchUp(int64_t* revision) {
  *revision = 0;
  for (;;) {
    uint64_t next = copy_->Head().next_position;
    etcdserverpb::RangeRequest request;
    request.set_key(LogKey(next));
    request.set_range_end(EtcdClient::PrefixEnd(Key("log/")));
    request.set_limit(kCatchUpPage);
    if (*revision != 0) request.set_revision(*revision);  // one consistent view
    etcdserverpb::RangeResponse response;
    core::Status read = etcd_->Range(request, &response);
    if (!read.ok()) return read;
    if (*revision == 0) *revision = response.header().revision();
    std::vector<LogEntry> entries;
    entries.reserve(response.kvs_size());
    for (const etcdserverpb::KeyValue& kv : response.kvs()) {
      LogEntry entry;
      if (!entry.ParseFromString(kv.value())) {
        return core::Status::Corruption(
            fmt::format("etcd holds a record that does not parse: {}", kv.key()));
      }
      entries.push_back(std::move(entry));
    }
    if (core::Status s = ImportIntoCopy(entries); !s.ok()) return s;
    if (!response.more()) {
      std::lock_guard lock(mutex_);
      etcd_head_ = std::max(etcd_head_, copy_->Head().next_position);
      copy_error_.clear();  // the copy holds etcd's log
      return core::Status::OK();
    }
  }
}

void ReplicatedStore::ApplyLoop() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      state_cv_.wait(lock, [this] { return stopping_ || role_ == Role::kFollower; });
      if (stopping_) return;
    }
    std::unique_ptr<EtcdClient::WatchStream> stream;
    EtcdClient::WatchStream* raw = nullptr;
    {
      std::unique_lock apply(apply_mutex_);
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        if (role_ != Role::kFollower) continue;
      }
      int64_t revision = 0;
      if (!CatchUp(&revision).ok()) {
        apply.unlock();
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
      stream = etcd_->OpenWatch();
      raw = stream.get();
      etcdserverpb::WatchRequest create;
      etcdserverpb::WatchCreateRequest* watch = create.mutable_create_request();
      watch->set_key(Key("log/"));
      watch->set_range_end(EtcdClient::PrefixEnd(Key("log/")));
      watch->set_start_revision(revision + 1);
      if (!raw->Write(create)) continue;
      std::lock_guard lock(mutex_);
      if (stopping_ || role_ != Role::kFollower) continue;
      watch_ = std::move(stream);
    }
    etcdserverpb::WatchResponse response;
    while (raw->Read(&response)) {
      if (response.canceled() || response.compact_revision() != 0) break;
      std::vector<std::pair<uint64_t, LogEntry>> received;
      for (const etcdserverpb::Event& event : response.events()) {
        if (event.type() != etcdserverpb::Event::PUT) continue;
        const std::string& key = event.kv().key();
        if (key.size() < 20) break;
        uint64_t position = HeadPosition(key.substr(key.size() - 20));
        LogEntry entry;
        if (!entry.ParseFromString(event.kv().value())) break;
        received.emplace_back(position, std::move(entry));
      }
      if (received.empty()) continue;
      std::lock_guard apply(apply_mutex_);
      {
        std::lock_guard lock(mutex_);
        if (stopping_ || role_ != Role::kFollower) break;
      }
      uint64_t next = copy_->Head().next_position;
      std::vector<LogEntry> entries;
      bool gap = false;
      for (auto& [position, entry] : received) {
        if (position < next) continue;
        if (position != next) {
          gap = true;
          break;
        }
        entries.push_back(std::move(entry));
        ++next;
      }
      if (!ImportIntoCopy(entries).ok() || gap) break;
    }
    std::unique_ptr<EtcdClient::WatchStream> ended;
    {
      std::lock_guard lock(mutex_);
      if (watch_.get() == raw) ended = std::move(watch_);
    }
    ended.reset();
    // A watch that ends at once (refused, or etcd going away) is not
    // reopened in a tight loop.
    std::unique_lock lock(mutex_);
    state_cv_.wait_for(lock, std::chrono::milliseconds(50), [this] { return stopping_; });
  }
}

}  // namespace accord::store
