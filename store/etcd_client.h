// A small client of etcd's v3 API over gRPC, for the replicated log
// (store/replicated_store.h). Internal to the store.
//
// One channel to every endpoint given, balanced round-robin, so a member
// that dies or stops answering costs a call its deadline, not the client;
// HTTP/2 keepalive pings find a member that stopped answering. Calls are
// blocking, each with a deadline; a gRPC failure comes back as IOError
// (the outcome of a Txn that failed so is unknown), etcd's refusals of a
// request as InvalidArgument.
//
// Thread safety: a client may be shared by any number of threads.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "etcd/rpc.grpc.pb.h"

namespace accord::store {

struct EtcdOptions {
  std::vector<std::string> endpoints;  // host:port
  // PEM files for TLS to etcd; all empty: plaintext.
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::chrono::milliseconds call_timeout{3000};
};

class EtcdClient {
 public:
  static core::Status Connect(const EtcdOptions& options, std::unique_ptr<EtcdClient>* client);

  core::Status Range(const etcdserverpb::RangeRequest& request,
                     etcdserverpb::RangeResponse* response) const;
  core::Status Txn(const etcdserverpb::TxnRequest& request,
                   etcdserverpb::TxnResponse* response) const;
  core::Status LeaseGrant(int64_t ttl_seconds, int64_t* lease_id) const;
  core::Status LeaseRevoke(int64_t lease_id) const;

  // One value, or NotFound.
  core::Status Get(const std::string& key, etcdserverpb::KeyValue* kv) const;

  // A bidirectional stream (Watch or LeaseKeepAlive) that another thread
  // can cut short with Cancel().
  template <typename Request, typename Response>
  class Stream {
   public:
    Stream() = default;
    ~Stream() {
      if (!stream_) return;
      context_.TryCancel();
      Response rest;
      while (stream_->Read(&rest)) {
      }
      (void)stream_->Finish();
    }
    bool Write(const Request& request) { return stream_ && stream_->Write(request); }
    // Blocks for the next message; false once the stream ended.
    bool Read(Response* response) { return stream_ && stream_->Read(response); }
    void Cancel() { context_.TryCancel(); }

   private:
    friend class EtcdClient;
    grpc::ClientContext context_;
    std::unique_ptr<grpc::ClientReaderWriter<Request, Response>> stream_;
  };
  using WatchStream = Stream<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>;
  using KeepAliveStream =
      Stream<etcdserverpb::LeaseKeepAliveRequest, etcdserverpb::LeaseKeepAliveResponse>;

  std::unique_ptr<WatchStream> OpenWatch() const;
  std::unique_ptr<KeepAliveStream> OpenKeepAlive() const;

  // The key just after every key that starts with `prefix` (a range's end).
  static std::string PrefixEnd(std::string prefix);

 private:
  EtcdClient() = default;
  void SetDeadline(grpc::ClientContext* context) const;

  EtcdOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<etcdserverpb::KV::Stub> kv_;
  std::unique_ptr<etcdserverpb::Watch::Stub> watch_;
  std::unique_ptr<etcdserverpb::Lease::Stub> lease_;
};

}  // namespace accord::store
