// accord/service: a blocking client of the TCP protocol, for the command-line
// tools and the tests.
//
//   std::unique_ptr<Client> client;
//   Status s = Client::Connect("127.0.0.1", kDefaultPort, "accord-cli", &client);
//   accord::v1::Request request;
//   *request.mutable_log_milestone() = command;
//   accord::v1::Response response;
//   s = client->Call(request, &response);     // one request, its response
//
// Pipelining: Send several requests, then Receive their responses (by id).
// Statuses are transport outcomes; what the server answered, including its
// typed errors and rejections, is in the Response.
// A timeout (ConnectOptions::timeout, SetReceiveTimeout) or a frame over the
// client's limit closes the connection: a later Send or Receive fails.
// Thread safety: one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "accord/v1/wire.pb.h"
#include "core/status.h"

namespace accord::net {

// Well above the server's own frame limit (4 MiB by default): the client's
// guard against a server announcing gigabytes, not a protocol limit.
inline constexpr uint32_t kDefaultClientMaxFrameBytes = 64 << 20;

struct ConnectOptions {
  std::string client_name;  // for the server's logs
  std::string token;        // the bearer token (app/auth.h); empty: none
  // TLS: the PEM file of the CA that signed the server's certificate. The
  // server must present a chain to it, for `host`. Empty: plain TCP.
  std::string tls_ca_file;
  // Connect (the TCP connection, the TLS handshake and the hello) gives up
  // with IOError after this long (0: waits forever): a server that accepts
  // and says nothing does not hang its clients.
  std::chrono::milliseconds timeout{30000};
  // The largest frame accepted from the server; a longer length prefix is
  // Corruption, before anything is allocated for it.
  uint32_t max_frame_bytes = kDefaultClientMaxFrameBytes;
};

class Client {
 public:
  // Connects and exchanges the hello. A refused hello (an unknown token, a
  // protocol version the server does not speak) is PermissionDenied-like:
  // an IOError whose message is the server's.
  static core::Status Connect(const std::string& host, uint16_t port, const ConnectOptions& options,
                              std::unique_ptr<Client>* client);
  static core::Status Connect(const std::string& host, uint16_t port,
                              const std::string& client_name, std::unique_ptr<Client>* client);

  // Who the server says this connection is (from its hello).
  const accord::v1::HelloAccepted& hello() const { return hello_; }
  ~Client();

  // Sets request_id to the next id and sends; returns the id used.
  core::Status Send(accord::v1::Request* request, uint64_t* request_id = nullptr);
  // The next response, whichever request it answers. IOError when the
  // server closed the connection.
  core::Status Receive(accord::v1::Response* response);
  // Send, then Receive until the response to this request.
  core::Status Call(accord::v1::Request request, accord::v1::Response* response);

  // Receive gives up with IOError, and closes the connection, when a whole
  // frame has not arrived this long after it began waiting (0: waits
  // forever, the default).
  void SetReceiveTimeout(std::chrono::milliseconds timeout);

  // Writes raw bytes: for tests of what the server does with bad frames.
  core::Status SendRaw(const std::string& bytes);

 private:
  class Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  uint64_t next_id_ = 1;
  accord::v1::HelloAccepted hello_;
};

}  // namespace accord::net
