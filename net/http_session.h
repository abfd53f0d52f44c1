// net/http_session: one connection of the HTTP door.
//
// A reader reads requests as they come (HTTP/1.1 keep-alive and
// pipelining), hands each to the api (net/http_api.h) and, through it, to
// the application; a writer sends the answers in the order the requests
// came (a slot each, filled when the answer is ready); a watchdog closes the
// connection when a deadline passes: the idle one while it asks nothing,
// the request one while a request is half sent, the write one while an
// answer is not being read. An event stream takes the connection over once
// the answers before it are sent: a feed (app/feed.h) written as
// Server-Sent Events in chunks, paced by the client's reading.
//
// Plain and TLS connections are one template over the stream (a
// tcp::socket, or an ssl::stream over one), after Beast's
// advanced_server_flex; the rest does not know which it is.
//
// Thread safety: a session's state is touched on its strand only; the
// methods marked "any thread" post there.
#pragma once

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "app/application.h"
#include "core/mutex.h"
#include "core/thread_annotations.h"
#include "net/http_api.h"
#include "net/http_server.h"

namespace accord::net {

class HttpSessionBase;

// Hands work to the door's own threads from any thread (the application's
// store pool, the store's commit thread) while the server runs: to a
// session's strand, or to the door's JSON threads, which parse bodies,
// render answers and write event streams' JSON, so that the network threads
// only read and write. Once the server has stopped it drops the work: an
// answer the application gives after that (a verify that outlived the
// stop's wait) must not reach threads or an io_context that are gone.
// Shared by the server and each piece of work under way.
class Delivery {
 public:
  explicit Delivery(boost::asio::thread_pool::executor_type json_threads)
      : json_threads_(std::move(json_threads)) {}

  void ToStrand(const boost::asio::any_io_executor& strand, std::function<void()> work)
      EXCLUDES(mutex_) {
    core::MutexLock lock(&mutex_);
    if (open_) boost::asio::post(strand, std::move(work));
  }
  void ToJsonThreads(std::function<void()> work) EXCLUDES(mutex_) {
    core::MutexLock lock(&mutex_);
    if (open_) boost::asio::post(json_threads_, std::move(work));
  }
  // Once it returns, nothing more is posted.
  void Close() EXCLUDES(mutex_) {
    core::MutexLock lock(&mutex_);
    open_ = false;
  }

 private:
  core::Mutex mutex_;
  bool open_ GUARDED_BY(mutex_) = true;
  boost::asio::thread_pool::executor_type json_threads_;
};

// What a session needs of the server that accepted it.
class HttpSessionHost {
 public:
  virtual const HttpServerOptions& options() const = 0;
  virtual app::Application& application() = 0;
  virtual const HttpApi& api() const = 0;
  virtual std::shared_ptr<Delivery> delivery() const = 0;
  virtual bool stopping() const = 0;
  // The session closed: it no longer counts against the limit. Any thread.
  virtual void Forget(const HttpSessionBase* session) = 0;

 protected:
  virtual ~HttpSessionHost() = default;
};

class HttpSessionBase : public std::enable_shared_from_this<HttpSessionBase> {
 public:
  virtual ~HttpSessionBase() = default;
  virtual void Start() = 0;
  // The log grew: wake this connection's event stream. Any thread.
  virtual void NotifyLogGrew() = 0;
  // Stops reading requests; answers those begun, ends a stream, then
  // closes. Any thread.
  virtual void Drain() = 0;
  // Closes now. Any thread.
  virtual void Close() = 0;

  bool closed() const { return closed_.load(); }
  int streams() const { return streams_.load(); }

 protected:
  std::atomic<bool> closed_{false};
  std::atomic<int> streams_{0};
};

namespace asio = boost::asio;

template <class Stream>
class HttpSession final : public HttpSessionBase {
 public:
  using Clock = std::chrono::steady_clock;

  // A plain session's stream is the socket; a TLS one's an ssl::stream over
  // it, before the handshake.
  HttpSession(Stream stream, HttpSessionHost* host);

  void Start() override;
  void NotifyLogGrew() override;
  void Drain() override;
  void Close() override;

 private:
  // One request's place in the order of answers. Touched on the strand only.
  struct Slot {
    std::optional<std::string> wire;  // the answer as it goes on the wire, once ready
    bool keep_alive = true;           // false: the connection closes after it
    Clock::time_point began;
  };

  asio::ip::tcp::socket& Socket();
  std::shared_ptr<HttpSession> Self();

  asio::awaitable<void> Reader();
  asio::awaitable<void> Writer();
  asio::awaitable<void> Watchdog();

  // Reads one request into `request`; false when the connection is to stop
  // reading (the peer went, a deadline passed, or the request was refused:
  // its answer is queued).
  asio::awaitable<bool> ReadRequest(HttpRequest* request);
  // Takes a request that was read and gives it a slot: a request with a
  // body (JSON to parse) is prepared on the JSON threads, one without here;
  // returns the Prepared of a stream route, which takes the connection over.
  std::optional<HttpApi::Prepared> Admit(HttpRequest request);
  // Answers what Prepare made of a request into `slot`: its answer, or the
  // application's, rendered on the JSON threads. The strand or the JSON
  // threads.
  void Dispatch(const std::shared_ptr<Slot>& slot, HttpApi::Prepared prepared);
  // Fills `slot` with its answer on the strand. Any thread.
  void Fill(const std::shared_ptr<Slot>& slot, std::string wire, bool keep_alive,
            accord::v1::Request::KindCase kind);
  // Stopping: the next request the client had sent (pipelined behind those
  // begun) is answered 503 SHUTTING_DOWN rather than dropped unanswered.
  asio::awaitable<void> RefuseBuffered();
  // Queues an answer that is ready now.
  void Answer(HttpResponse response, bool head_only = false);

  // The event stream of `prepared.request.subscribe()`, until the client
  // goes, the feed ends or the session drains.
  asio::awaitable<void> EventStream(HttpApi::Prepared prepared);
  // Writes `text` as one chunk of the stream; false when the connection is
  // gone or stopped reading (slow_reader_timeout).
  asio::awaitable<bool> WriteChunk(std::string text);
  // Reads and discards what a streaming client sends, to see it go.
  asio::awaitable<void> DiscardReader();

  // Writes `buffers` in full, each piece the socket takes moving the write
  // deadline on by `timeout`.
  template <class Buffers>
  asio::awaitable<boost::system::error_code> WriteAll(const Buffers& buffers,
                                                      std::chrono::milliseconds timeout);

  // Runs `work` on the application's store pool, or on the door's JSON
  // threads; resumes on this strand.
  template <typename Work>
  asio::awaitable<std::invoke_result_t<Work&>> OnStorePool(Work work);
  template <typename Work>
  asio::awaitable<std::invoke_result_t<Work&>> OnJsonThreads(Work work);

  // Waits on `timer` until `deadline` or a WakeAll of `waiters`; true when
  // woken before the deadline.
  asio::awaitable<bool> WaitOn(asio::steady_timer& timer, std::set<asio::steady_timer*>& waiters,
                               Clock::time_point deadline);
  static void WakeAll(const std::set<asio::steady_timer*>& waiters);

  app::Metrics& metrics() { return host_->application().metrics(); }
  // Bytes written to the socket that the client has not acknowledged yet
  // (SIOCOUTQ); -1 when the socket cannot say.
  int UnacknowledgedBytes();
  void SetReadDeadline(Clock::time_point deadline);
  void SetWriteDeadline(Clock::time_point deadline);
  void CloseNow();

  Stream stream_;
  HttpSessionHost* host_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::shared_ptr<Slot>> slots_;  // answers in request order
  size_t queued_bytes_ = 0;                  // of the answers ready and unsent
  asio::steady_timer wake_writer_;
  asio::steady_timer watchdog_;
  std::set<asio::steady_timer*> room_waiters_;  // the reader, waiting for the answers to go
  std::set<asio::steady_timer*> log_waiters_;   // the stream, waiting for the log to grow
  Clock::time_point read_deadline_ = Clock::time_point::max();
  Clock::time_point write_deadline_ = Clock::time_point::max();
  bool waiting_for_request_ = false;  // the read deadline is the idle one
  bool timed_out_ = false;            // the watchdog closed the connection
  bool closing_ = false;              // no more requests: close once the answers are sent
  bool streaming_ = false;            // an event stream has the connection
  std::string peer_;
};

using PlainHttpSession = HttpSession<asio::ip::tcp::socket>;
using TlsHttpSession = HttpSession<asio::ssl::stream<asio::ip::tcp::socket>>;

}  // namespace accord::net
