// net/session: one connection of the TCP front door.
//
// A session reads length-prefixed frames as they arrive (never more than a
// frame's announced length is held before it has arrived), admits each
// request through the request table (app/requests.h), and writes every
// answer through one write queue. The hello authenticates; subscriptions
// are the session's own loop over the store; everything else is the
// application's (app/application.h). Plain and TLS connections are one
// class: a TLS one holds a stream over the socket, a plain one nothing.
//
// Limits, each a typed error to this connection alone (net/server.h's
// ServerOptions): frame size (smaller before the hello), requests in
// flight, idle time, unsent bytes with the slow-reader rule, subscriber
// buffer, stall and lag.
//
// Thread safety: a session's own state is touched on its strand only; the
// methods marked "any thread" post there.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "accord/v1/wire.pb.h"
#include "app/application.h"
#include "app/auth.h"
#include "net/server.h"

namespace accord::net {

namespace asio = boost::asio;
using accord::v1::ErrorCode;
using accord::v1::Request;
using accord::v1::Response;
using asio::awaitable;
using asio::ip::tcp;
inline constexpr auto kAsTuple = asio::experimental::as_tuple(asio::use_awaitable);

class Session;

// What a session needs of the server that accepted it.
class SessionHost {
 public:
  virtual const ServerOptions& options() const = 0;
  virtual app::Application& application() = 0;
  virtual asio::thread_pool& pool() = 0;  // the store's threads
  virtual bool stopping() const = 0;
  // The session closed: it no longer counts against the limit. Any thread.
  virtual void Forget(const Session* session) = 0;

 protected:
  virtual ~SessionHost() = default;
};

// One connection. Everything but the store work runs on its strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  // With `tls`, the connection speaks TLS (the handshake comes first);
  // without, plain TCP: a plain connection holds no TLS state at all.
  Session(tcp::socket socket, asio::ssl::context* tls, SessionHost* host);

  // The log grew: wake this connection's subscriptions. Any thread.
  void NotifyLogGrew();

  int subscriptions() const { return subscriptions_.load(); }

  void Start();

  // Stops taking requests; answers those begun, then closes. Any thread.
  void Drain();

  // Closes now. Any thread.
  void Close();

  bool closed() const { return closed_.load(); }

 private:
  awaitable<void> Reader();

  // Closes the connection once it has sent nothing for idle_timeout while
  // nothing of it is in flight and it follows no subscription.
  awaitable<void> IdleWatch();

  awaitable<void> Writer();

  // Admits one request through the request table: the hello and
  // subscriptions are the session's own, the rest the application's.
  // Returns false when the connection must stop reading.
  bool Handle(Request request);
  // The hello: the protocol version, then who the token says the caller is.
  bool Hello(const Request& request);

  void Send(const Response& response);
  // An answer to a request of `kind` that arrived at `arrived` was queued:
  // the request's latency, for the metrics.
  void Answered(Request::KindCase kind, std::chrono::steady_clock::time_point arrived);
  app::Metrics& metrics() { return host_->application().metrics(); }

  // While the outbox is over max_queued_bytes: a client that reads nothing
  // of it for slow_reader_timeout is not reading, and its answers would
  // pile up here without end; it is closed (what it was sent is lost to it
  // either way). One that reads, however slowly, is kept.
  awaitable<void> WatchSlowReader();

  // Backpressure: while the client has more unsent answers than
  // max_queued_bytes, it is sent those before its next request is read.
  awaitable<void> WaitWhileOutboxFull();

  // A protocol error: answer it, then close once everything is written.
  void Fail(uint64_t request_id, ErrorCode code, std::string message);

  // Everything the connection holds goes once its coroutines see this:
  // each wait it may be in is cancelled, and the server forgets it.
  void CloseNow();

  static void WakeAll(const std::set<asio::steady_timer*>& waiters);

  // Waits on `timer` until `deadline` or a WakeAll of `waiters`. Each
  // subscription has its own timer: re-arming a shared one would cancel the
  // other subscriptions' waits. Returns true when woken before the deadline.
  awaitable<bool> WaitOn(asio::steady_timer& timer, std::set<asio::steady_timer*>& waiters,
                         asio::steady_timer::time_point deadline);

  // Runs `work` on a store thread and resumes on this connection's strand.
  template <typename Work>
  awaitable<std::invoke_result_t<Work&>> OnStoreThread(Work work) {
    using Result = std::invoke_result_t<Work&>;
    co_return co_await asio::co_spawn(
        host_->pool().get_executor(),
        [work = std::move(work)]() mutable -> awaitable<Result> { co_return work(); },
        asio::use_awaitable);
  }

  void SendSubscription(uint64_t id, accord::v1::SubscriptionMessage message);

  // A feed (app/feed.h) paced by the outbox: read while there is room,
  // wait for the log to grow at its head, dropped by the feed's rule.
  awaitable<void> Subscription(uint64_t id, accord::v1::Subscribe subscribe);

  // The bytes read and not yet consumed.
  std::string_view Unread() const;
  // Makes `bytes` bytes available at in_begin_, reading as much as the
  // socket has each time: pipelined requests come in with one system call.
  // The buffer grows with what has arrived, at most doubling each time it
  // is full, never to what a length prefix merely announces: a connection
  // holds about what it sent.
  awaitable<bool> Buffered(size_t bytes);
  // Writes all of `buffers`; every piece the socket takes is progress (the
  // slow-reader rule).
  awaitable<std::tuple<boost::system::error_code, size_t>> Write(
      const std::vector<asio::const_buffer>& buffers);

  static constexpr size_t kInitialReadBytes = 4 << 10;  // a hello, or a few requests
  static constexpr size_t kReadBufferBytes = 64 << 10;  // what pipelining grows it to
  static constexpr size_t kMaxWriteBytes = 1 << 20;
  std::vector<char> in_ = std::vector<char>(kInitialReadBytes);
  size_t in_begin_ = 0;  // unread bytes are in_[in_begin_, in_end_)
  size_t in_end_ = 0;

  tcp::socket socket_;
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls_;  // set for TLS connections
  std::string peer_;                                      // address:port, for the log
  asio::steady_timer wake_writer_;                        // a condition variable for the writer
  asio::steady_timer idle_timer_;                         // IdleWatch's
  asio::steady_timer slow_reader_timer_;                  // WatchSlowReader's
  std::set<asio::steady_timer*> log_waiters_;    // subscriptions waiting for the log to grow
  std::set<asio::steady_timer*> drain_waiters_;  // subscriptions paused on a full outbox
  size_t outbox_bytes_ = 0;
  std::chrono::steady_clock::time_point last_write_progress_;  // the socket last took bytes
  bool watching_slow_reader_ = false;                          // WatchSlowReader runs
  std::atomic<int> subscriptions_{0};
  std::deque<std::string> outbox_;
  SessionHost* host_;
  bool hello_ = false;
  std::chrono::steady_clock::time_point last_activity_;
  std::string client_name_;
  app::Identity identity_;
  bool close_after_flush_ = false;
  size_t pending_ = 0;  // requests at the store, not yet answered
  std::atomic<bool> closed_{false};
};

}  // namespace accord::net
