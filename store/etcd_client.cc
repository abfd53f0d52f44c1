#include "store/etcd_client.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

namespace accord::store {

namespace {

core::Status ReadFile(const std::string& path, std::string* contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::Status::InvalidArgument(fmt::format("cannot read {}", path));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *contents = buffer.str();
  return core::Status::OK();
}

core::Status FromGrpc(const grpc::Status& status, std::string_view what) {
  if (status.ok()) return core::Status::OK();
  std::string message = fmt::format("etcd {}: {} ({})", what, status.error_message(),
                                    static_cast<int>(status.error_code()));
  switch (status.error_code()) {
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::OUT_OF_RANGE:
      return core::Status::InvalidArgument(message);
    default:
      return core::Status::IOError(message);
  }
}

}  // namespace

core::Status EtcdClient::Connect(const EtcdOptions& options, std::unique_ptr<EtcdClient>* client) {
  if (options.endpoints.empty()) return core::Status::InvalidArgument("no etcd endpoints given");
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  bool tls = !options.ca_file.empty() || !options.cert_file.empty() || !options.key_file.empty();
  if (tls) {
    grpc::SslCredentialsOptions ssl;
    if (!options.ca_file.empty()) {
      if (core::Status s = ReadFile(options.ca_file, &ssl.pem_root_certs); !s.ok()) return s;
    }
    if (!options.cert_file.empty()) {
      if (core::Status s = ReadFile(options.cert_file, &ssl.pem_cert_chain); !s.ok()) return s;
      if (core::Status s = ReadFile(options.key_file, &ssl.pem_private_key); !s.ok()) return s;
    }
    credentials = grpc::SslCredentials(ssl);
  }
  // "ipv4:a:1,b:2" (or dns:) names every member; round_robin spreads calls
  // and skips members whose connection is down.
  std::string target;
  for (const std::string& endpoint : options.endpoints) {
    target += target.empty() ? "" : ",";
    target += endpoint;
  }
  bool numeric = true;
  for (char c : target) numeric &= (c == '.' || c == ':' || c == ',' || (c >= '0' && c <= '9'));
  target = (numeric ? "ipv4:" : "dns:///") + target;
  if (!numeric && options.endpoints.size() > 1) {
    return core::Status::InvalidArgument(
        "give etcd endpoints as IPv4 addresses (a:port,b:port) or one DNS name that resolves to "
        "every member");
  }
  grpc::ChannelArguments arguments;
  arguments.SetLoadBalancingPolicyName("round_robin");
  arguments.SetMaxReceiveMessageSize(-1);
  arguments.SetMaxSendMessageSize(-1);
  // etcd refuses pings more often than every 5 s (--grpc-keepalive-min-time).
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 5000);
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 2000);
  // Only while calls are open: etcd answers pings on an idle connection
  // with GOAWAY (its PermitWithoutStream is false).
  arguments.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 0);
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  std::unique_ptr<EtcdClient> made(new EtcdClient());
  made->options_ = options;
  made->channel_ = grpc::CreateCustomChannel(target, credentials, arguments);
  made->kv_ = etcdserverpb::KV::NewStub(made->channel_);
  made->watch_ = etcdserverpb::Watch::NewStub(made->channel_);
  made->lease_ = etcdserverpb::Lease::NewStub(made->channel_);
  *client = std::move(made);
  return core::Status::OK();
}

void EtcdClient::SetDeadline(grpc::ClientContext* context) const {
  context->set_deadline(std::chrono::system_clock::now() + options_.call_timeout);
}

core::Status EtcdClient::Range(const etcdserverpb::RangeRequest& request,
                               etcdserverpb::RangeResponse* response) const {
  grpc::ClientContext context;
  SetDeadline(&context);
  return FromGrpc(kv_->Range(&context, request, response), "range");
}

core::Status EtcdClient::Txn(const etcdserverpb::TxnRequest& request,
                             etcdserverpb::TxnResponse* response) const {
  grpc::ClientContext context;
  SetDeadline(&context);
  return FromGrpc(kv_->Txn(&context, request, response), "transaction");
}

core::Status EtcdClient::Get(const std::string& key, etcdserverpb::KeyValue* kv) const {
  etcdserverpb::RangeRequest request;
  request.set_key(key);
  etcdserverpb::RangeResponse response;
  if (core::Status s = Range(request, &response); !s.ok()) return s;
  if (response.kvs_size() == 0) return core::Status::NotFound(key);
  *kv = response.kvs(0);
  return core::Status::OK();
}

core::Status EtcdClient::LeaseGrant(int64_t ttl_seconds, int64_t* lease_id) const {
  grpc::ClientContext context;
  SetDeadline(&context);
  etcdserverpb::LeaseGrantRequest request;
  request.set_ttl(ttl_seconds);
  etcdserverpb::LeaseGrantResponse response;
  if (core::Status s = FromGrpc(lease_->LeaseGrant(&context, request, &response), "lease grant");
      !s.ok()) {
    return s;
  }
  if (!response.error().empty())
    return core::Status::IOError("etcd lease grant: " + response.error());
  *lease_id = response.id();
  return core::Status::OK();
}

core::Status EtcdClient::LeaseRevoke(int64_t lease_id) const {
  grpc::ClientContext context;
  SetDeadline(&context);
  etcdserverpb::LeaseRevokeRequest request;
  request.set_id(lease_id);
  etcdserverpb::LeaseRevokeResponse response;
  return FromGrpc(lease_->LeaseRevoke(&context, request, &response), "lease revoke");
}

std::unique_ptr<EtcdClient::WatchStream> EtcdClient::OpenWatch() const {
  auto stream = std::make_unique<WatchStream>();
  stream->stream_ = watch_->Watch(&stream->context_);
  return stream;
}

std::unique_ptr<EtcdClient::KeepAliveStream> EtcdClient::OpenKeepAlive() const {
  auto stream = std::make_unique<KeepAliveStream>();
  stream->stream_ = lease_->LeaseKeepAlive(&stream->context_);
  return stream;
}

std::string EtcdClient::PrefixEnd(std::string prefix) {
  while (!prefix.empty()) {
    auto last = static_cast<unsigned char>(prefix.back());
    if (last < 0xff) {
      prefix.back() = static_cast<char>(last + 1);
      return prefix;
    }
    prefix.pop_back();
  }
  return std::string(1, '\0');  // every key
}

}  // namespace accord::store
