// net/server: the TCP front door.
//
// Speaks proto/accord/v1/wire.proto over length-prefixed frames
// (docs/protocol.md). The listener accepts connections up to a limit; each
// is a session (net/session.h) that reads requests as they come (clients
// may pipeline), hands them to the application (app/application.h) through
// the request table, and writes responses through one write queue. Work
// that touches the store runs on the server's store pool, never on the
// network threads, and its response is posted back to the session.
//
// A malformed frame, an oversized frame, an unknown request or a request
// before the hello gets a typed Error and that connection is closed; other
// connections and the store are unaffected.
//
// What only the door sees goes to the application's metrics (app/metrics.h,
// door="tcp"): each request's time from arrival to its answer being queued,
// refused connections, connections closed (slow reader, idle, protocol
// error) and subscriptions ended (stalled, lagging).
//
// Thread safety: Start and Stop are called from one thread. Stop stops
// accepting and reading, lets the store work already begun finish and be
// answered, then closes every connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "app/application.h"
#include "app/auth.h"
#include "core/checkpoint.h"
#include "core/clock.h"
#include "core/status.h"
#include "store/event_store.h"

namespace accord::net {

inline constexpr uint16_t kDefaultPort = 7420;
inline constexpr uint32_t kProtocolVersion = 1;
// The largest frame a connection may send before its hello is accepted (a
// hello is a few hundred bytes): whoever can connect, token or not, cannot
// make the server read more than this. FRAME_TOO_LARGE, then closed.
inline constexpr uint32_t kMaxFrameBytesBeforeHello = 64 << 10;

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = kDefaultPort;  // 0: any free port (see Server::port)
  uint32_t max_frame_bytes = 4 << 20;
  // Limits, each breach a typed error to that client alone:
  //   connections beyond max_connections are sent RESOURCE_EXHAUSTED and
  //   closed; a request beyond max_in_flight unanswered ones on a connection
  //   is answered RESOURCE_EXHAUSTED (the connection stays); a connection
  //   that sends nothing for idle_timeout, with no subscription and nothing
  //   in flight, is sent IDLE_TIMEOUT and closed. While a connection's
  //   unsent responses pass max_queued_bytes, its next requests wait (it is
  //   sent what it asked for first); if it then reads nothing at all for
  //   slow_reader_timeout, it is not reading and is closed. A client that
  //   reads, however slowly and however large its backlog, is kept.
  size_t max_connections = 1024;
  size_t max_in_flight = 1024;
  std::chrono::milliseconds idle_timeout{300000};
  size_t max_queued_bytes = 16 << 20;
  std::chrono::milliseconds slow_reader_timeout{10000};
  // Listings and log reads stop a page before it would pass page_bytes (and
  // always below max_frame_bytes); a page holds at least one item. No
  // response is larger than max_frame_bytes: one item that alone would be
  // is answered RESPONSE_TOO_LARGE (a listing abridges it instead).
  size_t page_bytes = 1 << 20;
  int network_threads = 1;
  int store_threads = 4;  // blocking store work: decisions, appends, reads
  // A subscription pauses while its connection has this much unsent. It is
  // dropped if the client reads nothing for subscriber_stall_timeout, or if,
  // once live, it falls more than max_subscriber_lag events behind the log.
  size_t subscriber_buffer_bytes = 1 << 20;
  std::chrono::milliseconds subscriber_stall_timeout{10000};
  uint64_t max_subscriber_lag = 10000;
  std::string server_name = "accordd";
  // TLS on the listener: a PEM certificate chain and its private key. Empty:
  // plain TCP. Clients verify the chain against a CA they are given.
  std::string tls_certificate_file;
  std::string tls_key_file;
  // Signs checkpoints of the log (C2SP signed notes). Unset: the server
  // makes a key of its own for this run, fine for tests only, since nobody
  // outside can have its verifier key.
  std::optional<core::NoteSigner> checkpoint_signer;
  // Who may connect (app/auth.h). Unset: anyone, as an admin named as
  // their hello says; for tests and development only.
  std::optional<app::TokenFile> tokens;
  // The checkpoint's origin line: names this log among all logs.
  std::string log_origin = "accord.local/log";
  // What "today" is for statuses and overdue dates (tests set it). Null: the
  // system clock.
  const core::Clock* clock = nullptr;
  // Keeps documents' bytes (store/document_store.h; accordd opens it on the
  // data folder). Null: document requests answer that the server keeps
  // none. Over this door a document travels inside one frame, so it is
  // limited by max_frame_bytes too (docs/protocol.md).
  store::DocumentStore* documents = nullptr;
};

// The application's part of `options` (pages, the checkpoint signer and
// origin, the clock), for an application the front doors share.
app::ApplicationOptions ApplicationOptionsOf(const ServerOptions& options);

class Server {
 public:
  // A server of its own application over `store`, made from `options`
  // (page sizes, checkpoint signer, origin, clock).
  // REQUIRES: store outlives the server.
  Server(store::EventStore* store, ServerOptions options);
  // A front door to `application`, which other front doors may share; the
  // application's options are its own. Each server registers with it as a
  // listener of the TCP door (Application::AddFrontDoor) while it runs, so
  // health answers and metrics sum every server's figures. REQUIRES:
  // application is Open()ed, outlives the server, and runs its store work
  // on an executor of its own.
  Server(app::Application* application, ServerOptions options);
  ~Server();  // Stop()s
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving; IOError when the address cannot be bound.
  core::Status Start();
  // The bound port: the one asked for, or the one the system chose for 0.
  uint16_t port() const;
  // Idempotent.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace accord::net
