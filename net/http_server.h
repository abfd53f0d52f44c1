// net/http_server: the HTTP/1.1 front door (docs/http.md).
//
// Serves the JSON API under /api/v1/, the live event stream as Server-Sent
// Events, the OpenAPI document, Prometheus metrics and the probes, over plain
// TCP or TLS, on Boost.Beast. Every request goes through the route table
// (net/http_routes.h) and the socket-free api (net/http_api.h) to the same
// application as the TCP door (app/application.h): nothing here decides or
// queries on its own. One session per connection (net/http_session.h).
//
// Limits, each breach a typed answer to that client alone:
//   - connections beyond max_connections are answered 429 and closed;
//   - a request line and headers over max_header_bytes are 431, a body over
//     max_body_bytes (max_document_bytes on a route that takes a file) is
//     413 (refused from its Content-Length, before it is read), a malformed
//     request 400; each then closes that connection;
//   - once a request's first byte has come, the whole request must come
//     within request_timeout (a client sending headers a byte at a time is
//     closed, and holds nothing else up); a keep-alive connection that asks
//     nothing for idle_timeout is closed;
//   - a client may pipeline up to max_in_flight requests; past that, or
//     while max_queued_bytes of answers wait for it, its next requests are
//     not read until it has read its answers; one that reads nothing of an
//     answer for slow_reader_timeout is closed;
//   - event streams follow the TCP subscription's pacing and drop rule
//     (app/feed.h): a stream that the client stops reading for
//     subscriber_stall_timeout, or that falls more than max_subscriber_lag
//     events behind once live, ends.
//
// Thread safety: Start and Stop are called from one thread. Stop stops
// accepting, answers the requests already begun, ends the event streams and
// closes every connection; a request received but not begun (pipelined
// behind others) is answered 503 SHUTTING_DOWN, so that its client knows
// nothing of it was done.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "app/application.h"
#include "core/status.h"
#include "net/http_api.h"

namespace accord::net {

inline constexpr uint16_t kDefaultHttpPort = 7421;

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = kDefaultHttpPort;  // 0: any free port (see HttpServer::port)
  size_t max_connections = 1024;
  size_t max_header_bytes = 16 << 10;
  size_t max_body_bytes = 4 << 20;
  // The body of a route that takes a file (a document: Route::raw_body)
  // may be this large instead; accordd's --max-document-bytes.
  size_t max_document_bytes = 16 << 20;
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds idle_timeout{300000};
  size_t max_in_flight = 64;
  size_t max_queued_bytes = 16 << 20;
  std::chrono::milliseconds slow_reader_timeout{10000};
  // Event streams: how much one read of the log may send at once, when a
  // client that reads nothing is given up on, how far behind the live log
  // it may fall, and how often an idle stream is sent a comment to keep it
  // (and the proxies before it) open.
  size_t subscriber_buffer_bytes = 1 << 20;
  std::chrono::milliseconds subscriber_stall_timeout{10000};
  uint64_t max_subscriber_lag = 10000;
  std::chrono::milliseconds keep_alive_interval{15000};
  // No event of a stream is larger than this (the TCP door's frame limit).
  uint32_t max_event_bytes = 4 << 20;
  int network_threads = 1;
  // Threads that parse bodies, render answers and write event streams as
  // JSON, so that the network threads only read and write.
  int json_threads = 2;
  // TLS (HTTPS): a PEM certificate chain and its private key. Empty: plain.
  std::string tls_certificate_file;
  std::string tls_key_file;
  HttpApiOptions api;  // the server's name, the token file
};

class HttpServer {
 public:
  // REQUIRES: application is Open()ed and outlives the server.
  HttpServer(app::Application* application, HttpServerOptions options);
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts serving; IOError when the address cannot be bound,
  // InvalidArgument for a TLS certificate or key it cannot use.
  core::Status Start();
  uint16_t port() const;  // the bound one
  // Idempotent.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace accord::net
