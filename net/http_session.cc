#include "net/http_session.h"

#include <fmt/format.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>

#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>

#include "accord/v1/http.pb.h"
#include "app/feed.h"
#include "app/log.h"
#include "app/render.h"
#include "app/requests.h"
#include "net/http_routes.h"

namespace accord::net {
namespace {

namespace beast = boost::beast;
using asio::ip::tcp;
using boost::system::error_code;
constexpr auto kAsTuple = asio::experimental::as_tuple(asio::use_awaitable);
constexpr size_t kFirstReadBytes = 4 << 10;
constexpr size_t kMaxWriteBytes = 1 << 20;  // answers gathered into one write, at most

// The body limit of the route a request's head names: the document limit
// for a route that takes a file, the body limit for every other.
uint64_t BodyLimitOf(const beast::http::request_parser<beast::http::string_body>::value_type& head,
                     const HttpServerOptions& options) {
  std::string_view target = head.target();
  std::optional<RouteMatch> match =
      MatchRoute(head.method(), target.substr(0, target.find('?')), nullptr);
  if (match && !match->route->raw_body.empty()) return options.max_document_bytes;
  return options.max_body_bytes;
}

tcp::socket& LowestSocket(tcp::socket& socket) { return socket; }
tcp::socket& LowestSocket(asio::ssl::stream<tcp::socket>& stream) { return stream.next_layer(); }

// One Server-Sent Event: its type, its id (where a reconnect resumes after),
// and its data on one line (protobuf's JSON has no raw newline).
void AppendEvent(std::string* out, std::string_view type, std::optional<uint64_t> id,
                 const google::protobuf::Message& data) {
  *out += fmt::format("event: {}\n", type);
  if (id) *out += fmt::format("id: {}\n", *id);
  *out += "data: " + app::ToJson(data) + "\n\n";
}

// A feed's messages as events; `whole_log` says whether ids are positions or
// versions (they are what the feed's `from` takes, so Last-Event-ID + 1
// resumes).
std::string EventText(const accord::v1::SubscriptionMessage& message, bool whole_log) {
  std::string out;
  using Kind = accord::v1::SubscriptionMessage;
  switch (message.kind_case()) {
    case Kind::kEvent: {
      const auto& record = message.event().record();
      AppendEvent(&out, kRecordedEvent, whole_log ? record.position() : record.stream_version(),
                  message.event());
      break;
    }
    case Kind::kCaughtUp:
    case Kind::kCheckpoint: {
      uint64_t next = message.has_caught_up() ? message.caught_up() : message.checkpoint();
      accord::v1::StreamMark mark;
      mark.set_next(next);
      AppendEvent(&out, message.has_caught_up() ? kCaughtUpEvent : kCheckpointEvent,
                  next > 0 ? std::optional<uint64_t>(next - 1) : std::nullopt, mark);
      break;
    }
    case Kind::kDropped:
    case Kind::kRecords:  // the HTTP door's streams never ask for stored records
    case Kind::KIND_NOT_SET:
      break;
  }
  return out;
}

// What one read of a stream's feed sends, as Server-Sent Events.
struct StreamStep {
  std::string text;
  bool ended = false;    // the stream ends after this text
  bool lagging = false;  // ... because the client fell too far behind
};

StreamStep StreamStepOf(const app::Feed& feed, const app::Feed::Batch& batch, size_t budget,
                        uint64_t max_lag, bool whole_log) {
  StreamStep step;
  for (const auto& message : batch.messages) step.text += EventText(message, whole_log);
  if (batch.error) {
    accord::v1::Problem problem;
    beast::http::status code = HttpStatusOf(batch.error->code());
    problem.set_status(static_cast<uint32_t>(code));
    problem.set_title(std::string(beast::http::obsolete_reason(code)));
    problem.set_code(accord::v1::ErrorCode_Name(batch.error->code()));
    problem.set_detail(batch.error->message());
    AppendEvent(&step.text, kProblemEvent, std::nullopt, problem);
    step.ended = true;
    return step;
  }
  // A client that keeps the stream full and is still far behind the live
  // log is not keeping up: it goes, told where to resume (the TCP rule).
  if (step.text.size() >= budget) {
    if (std::optional<std::string> behind = feed.FellBehind(max_lag)) {
      accord::v1::StreamDropped dropped;
      dropped.set_reason(*behind);
      dropped.set_resume_from(feed.next());
      AppendEvent(&step.text, kDroppedEvent, std::nullopt, dropped);
      step.ended = true;
      step.lagging = true;
    }
  }
  return step;
}

}  // namespace

template <class Stream>
HttpSession<Stream>::HttpSession(Stream stream, HttpSessionHost* host)
    : stream_(std::move(stream)),
      host_(host),
      wake_writer_(stream_.get_executor()),
      watchdog_(stream_.get_executor()) {
  error_code ec;
  tcp::endpoint peer = Socket().remote_endpoint(ec);
  peer_ = ec ? std::string("a peer gone already")
             : fmt::format("{}:{}", peer.address().to_string(), peer.port());
}

template <class Stream>
tcp::socket& HttpSession<Stream>::Socket() {
  return LowestSocket(stream_);
}

template <class Stream>
std::shared_ptr<HttpSession<Stream>> HttpSession<Stream>::Self() {
  return std::static_pointer_cast<HttpSession>(shared_from_this());
}

template <class Stream>
void HttpSession<Stream>::Start() {
  wake_writer_.expires_at(Clock::time_point::max());
  auto self = Self();
  asio::co_spawn(
      stream_.get_executor(), [self] { return self->Reader(); }, asio::detached);
  asio::co_spawn(
      stream_.get_executor(), [self] { return self->Writer(); }, asio::detached);
  asio::co_spawn(
      stream_.get_executor(), [self] { return self->Watchdog(); }, asio::detached);
}

template <class Stream>
void HttpSession<Stream>::NotifyLogGrew() {
  if (streams_.load() == 0) return;
  asio::post(stream_.get_executor(), [self = Self()] { WakeAll(self->log_waiters_); });
}

template <class Stream>
void HttpSession<Stream>::Drain() {
  asio::post(stream_.get_executor(), [self = Self()] {
    self->closing_ = true;
    error_code ignored;
    self->Socket().shutdown(tcp::socket::shutdown_receive, ignored);
    self->wake_writer_.cancel();
    WakeAll(self->log_waiters_);
    WakeAll(self->room_waiters_);
  });
}

template <class Stream>
void HttpSession<Stream>::Close() {
  asio::post(stream_.get_executor(), [self = Self()] { self->CloseNow(); });
}

template <class Stream>
asio::awaitable<void> HttpSession<Stream>::Reader() {
  const HttpServerOptions& options = host_->options();
  if constexpr (std::is_same_v<Stream, asio::ssl::stream<tcp::socket>>) {
    SetReadDeadline(Clock::now() + options.request_timeout);
    auto [error] = co_await stream_.async_handshake(asio::ssl::stream_base::server, kAsTuple);
    if (error) {
      // Not TLS, or not a certificate the client accepts: nothing to answer.
      app::ServerLog().warn("TLS handshake with {} (HTTP) failed: {}", peer_, error.message());
      metrics().CountDroppedConnection(app::Door::kHttp, app::ConnectionDrop::kProtocolError);
      CloseNow();
      co_return;
    }
  }
  asio::steady_timer room(stream_.get_executor());
  bool streamed = false;     // the connection became an event stream
  bool read_failed = false;  // the last request was not read (and is answered if need be)
  while (!closed_ && !closing_) {
    // Backpressure: a client's next request waits while it has its limit of
    // answers to read.
    while (!closed_ && !closing_ &&
           (slots_.size() >= options.max_in_flight || queued_bytes_ > options.max_queued_bytes)) {
      co_await WaitOn(room, room_waiters_, Clock::time_point::max());
    }
    if (closed_ || closing_ || host_->stopping()) break;
    HttpRequest request;
    if (!co_await ReadRequest(&request)) {
      read_failed = true;
      break;
    }
    std::optional<HttpApi::Prepared> stream = Admit(std::move(request));
    if (stream) {
      streamed = true;
      co_await EventStream(std::move(*stream));
      break;
    }
  }
  if (!closed_ && !streamed && !read_failed && host_->stopping()) co_await RefuseBuffered();
  closing_ = true;
  wake_writer_.cancel();
}

template <class Stream>
asio::awaitable<void> HttpSession<Stream>::RefuseBuffered() {
  const HttpServerOptions& options = host_->options();
  // Receiving is shut down (Drain), so a read returns at once: what the
  // client had sent, then the end.
  while (!closed_ && buffer_.size() < options.max_header_bytes) {
    if (buffer_.size() > 0) {
      beast::http::request_parser<beast::http::string_body> parser;
      parser.header_limit(static_cast<uint32_t>(options.max_header_bytes));
      error_code ignored;
      parser.put(buffer_.data(), ignored);
      if (parser.is_header_done()) {
        Answer(ProblemResponse(beast::http::status::service_unavailable, "SHUTTING_DOWN",
                               "the server is stopping: this request was not begun, and nothing "
                               "of it was done; send it again once the server is back",
                               parser.get().version(), false),
               parser.get().method() == beast::http::verb::head);
        co_return;
      }
    }
    auto [error, got] =
        co_await stream_.async_read_some(buffer_.prepare(kFirstReadBytes), kAsTuple);
    if (error) co_return;
    buffer_.commit(got);
  }
}

template <class Stream>
asio::awaitable<bool> HttpSession<Stream>::ReadRequest(HttpRequest* request) {
  const HttpServerOptions& options = host_->options();
  // Between requests a connection may be idle for idle_timeout; once a
  // request has begun, all of it must come within request_timeout.
  if (buffer_.size() == 0) {
    waiting_for_request_ = true;
    SetReadDeadline(Clock::now() + options.idle_timeout);
    auto [error, got] =
        co_await stream_.async_read_some(buffer_.prepare(kFirstReadBytes), kAsTuple);
    waiting_for_request_ = false;
    if (error) co_return false;
    buffer_.commit(got);
  }
  SetReadDeadline(Clock::now() + options.request_timeout);
  beast::http::request_parser<beast::http::string_body> parser;
  parser.header_limit(static_cast<uint32_t>(options.max_header_bytes));
  // The largest body any route takes; once the head names the route, its
  // own limit (a document's, or every other route's) holds, before any of
  // the body is read.
  parser.body_limit(std::max<uint64_t>(options.max_body_bytes, options.max_document_bytes));
  auto [error, read] = co_await beast::http::async_read_header(stream_, buffer_, parser, kAsTuple);
  uint64_t body_limit = options.max_body_bytes;
  // A Content-Length over the largest limit fails the head itself; its
  // request line was read all the same.
  if (!error || error == beast::http::error::body_limit) {
    body_limit = BodyLimitOf(parser.get(), options);
  }
  if (!error) {
    auto length = parser.content_length();  // boost::optional: unset when not given
    if (length && *length > body_limit) {
      error = beast::http::error::body_limit;
    } else if (!parser.is_done()) {
      parser.body_limit(body_limit);
    }
  }
  if (!error && parser.get()[beast::http::field::expect] == "100-continue" && !parser.is_done()) {
    // The client waits for leave to send its body: give it once the answers
    // before are sent (they go first on the wire).
    asio::steady_timer room(stream_.get_executor());
    while (!closed_ && !slots_.empty()) {
      co_await WaitOn(room, room_waiters_, Clock::time_point::max());
    }
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    if (closed_ || co_await WriteAll(asio::buffer(kContinue), options.slow_reader_timeout)) {
      co_return false;
    }
  }
  if (!error && !parser.is_done()) {
    std::tie(error, read) = co_await beast::http::async_read(stream_, buffer_, parser, kAsTuple);
  }
  SetReadDeadline(Clock::time_point::max());
  if (!error) {
    *request = parser.release();
    co_return true;
  }
  if (timed_out_ || closed_) co_return false;
  if (error == beast::http::error::end_of_stream || error == asio::error::eof ||
      error == asio::error::connection_reset || error == asio::error::operation_aborted) {
    co_return false;
  }
  // What the client sent is not a request this door reads: say why, close.
  metrics().CountDroppedConnection(app::Door::kHttp, app::ConnectionDrop::kProtocolError);
  if (error == beast::http::error::header_limit) {
    Answer(ProblemResponse(beast::http::status::request_header_fields_too_large, "INVALID_ARGUMENT",
                           fmt::format("the request line and headers are over the limit of {} "
                                       "bytes",
                                       options.max_header_bytes)));
  } else if (error == beast::http::error::body_limit) {
    Answer(ProblemResponse(
        beast::http::status::payload_too_large, "FRAME_TOO_LARGE",
        fmt::format("the body is over the limit of {} bytes{}", body_limit,
                    body_limit == options.max_document_bytes ? " (--max-document-bytes)" : "")));
  } else {
    Answer(ProblemResponse(beast::http::status::bad_request, "MALFORMED_FRAME",
                           fmt::format("not an HTTP/1.1 request: {}", error.message())));
  }
  co_return false;
}

template <class Stream>
std::optional<HttpApi::Prepared> HttpSession<Stream>::Admit(HttpRequest request) {
  if (!request.keep_alive()) closing_ = true;
  auto slot = std::make_shared<Slot>();
  slot->began = Clock::now();
  slots_.push_back(slot);
  if (request.body().empty()) {
    // Nothing to parse: prepared here, where an event stream must start.
    HttpApi::Prepared prepared = host_->api().Prepare(request);
    if (!prepared.answer && prepared.route->action == RouteAction::kEventStream) {
      slots_.pop_back();
      return prepared;
    }
    Dispatch(slot, std::move(prepared));
    return std::nullopt;
  }
  // A body is JSON to parse: on the JSON threads, so that one client's
  // large command never holds up the others this thread serves.
  host_->delivery()->ToJsonThreads(
      [self = Self(), slot, request = std::make_shared<HttpRequest>(std::move(request))] {
        self->Dispatch(slot, self->host_->api().Prepare(*request));
      });
  return std::nullopt;
}

template <class Stream>
void HttpSession<Stream>::Dispatch(const std::shared_ptr<Slot>& slot, HttpApi::Prepared prepared) {
  const HttpApi& api = host_->api();
  const bool head = prepared.rendering.head;
  if (!prepared.answer && prepared.route->action == RouteAction::kEventStream) {
    // Only a request without a body opens a stream (Admit); one with a body
    // was refused by Prepare already. Never here, but never unanswered.
    prepared.answer = ProblemResponse(beast::http::status::bad_request, "INVALID_ARGUMENT",
                                      "an event stream is opened by a GET without a body");
  }
  if (prepared.answer) {
    const bool keep_alive = prepared.answer->keep_alive();
    Fill(slot, api.Wire(std::move(*prepared.answer), head), keep_alive,
         accord::v1::Request::KIND_NOT_SET);
    return;
  }
  const accord::v1::Request::KindCase kind = prepared.request.kind_case();
  // The answer comes on whatever thread the application answers on (its
  // store pool, the store's commit thread): it is rendered on the JSON
  // threads, and only while the server runs.
  host_->application().Handle(
      prepared.caller, std::move(prepared.request),
      [self = Self(), slot, kind, delivery = host_->delivery(),
       rendering = std::move(prepared.rendering)](accord::v1::Response response) mutable {
        delivery->ToJsonThreads([self = std::move(self), slot, kind,
                                 rendering = std::move(rendering), response = std::move(response)] {
          HttpResponse answer = self->host_->api().Render(rendering, response);
          const bool keep_alive = answer.keep_alive();
          self->Fill(slot, self->host_->api().Wire(std::move(answer), rendering.head), keep_alive,
                     kind);
        });
      });
}

template <class Stream>
void HttpSession<Stream>::Fill(const std::shared_ptr<Slot>& slot, std::string wire, bool keep_alive,
                               accord::v1::Request::KindCase kind) {
  host_->delivery()->ToStrand(stream_.get_executor(), [self = Self(), slot, keep_alive, kind,
                                                       wire = std::move(wire)]() mutable {
    if (kind != accord::v1::Request::KIND_NOT_SET) {
      self->metrics().ObserveRequest(
          app::Door::kHttp, kind,
          std::chrono::duration<double>(Clock::now() - slot->began).count());
    }
    self->queued_bytes_ += wire.size();
    slot->wire = std::move(wire);
    slot->keep_alive = keep_alive;
    self->wake_writer_.cancel();
  });
}

template <class Stream>
void HttpSession<Stream>::Answer(HttpResponse response, bool head_only) {
  auto slot = std::make_shared<Slot>();
  slot->began = Clock::now();
  slot->keep_alive = response.keep_alive();
  if (!slot->keep_alive) closing_ = true;
  slot->wire = host_->api().Wire(std::move(response), head_only);
  queued_bytes_ += slot->wire->size();
  slots_.push_back(std::move(slot));
  wake_writer_.cancel();
}

template <class Stream>
asio::awaitable<void> HttpSession<Stream>::Writer() {
  while (!closed_) {
    if (slots_.empty() || !slots_.front()->wire) {
      if (closing_ && slots_.empty() && !streaming_) {
        if constexpr (std::is_same_v<Stream, asio::ssl::stream<tcp::socket>>) {
          SetWriteDeadline(Clock::now() + std::chrono::seconds(1));
          co_await stream_.async_shutdown(kAsTuple);
        }
        error_code ignored;
        Socket().shutdown(tcp::socket::shutdown_send, ignored);
        CloseNow();
        break;
      }
      wake_writer_.expires_at(Clock::time_point::max());
      co_await wake_writer_.async_wait(kAsTuple);
      continue;
    }
    // Every answer ready at the front goes in one write: pipelined answers
    // share system calls (and TLS records). None goes after one that closes.
    std::vector<asio::const_buffer> buffers;
    size_t answers = 0;
    size_t bytes = 0;
    bool keep_alive = true;
    for (const auto& slot : slots_) {
      if (!slot->wire || (answers > 0 && bytes + slot->wire->size() > kMaxWriteBytes)) break;
      buffers.emplace_back(asio::buffer(*slot->wire));
      bytes += slot->wire->size();
      ++answers;
      keep_alive = slot->keep_alive;
      if (!keep_alive) break;
    }
    error_code error = co_await WriteAll(buffers, host_->options().slow_reader_timeout);
    for (size_t i = 0; i < answers; ++i) {
      queued_bytes_ -= slots_.front()->wire->size();
      slots_.pop_front();
    }
    WakeAll(room_waiters_);
    if (error) {
      CloseNow();
      break;
    }
    if (!keep_alive) closing_ = true;
  }
}

template <class Stream>
template <class Buffers>
asio::awaitable<error_code> HttpSession<Stream>::WriteAll(const Buffers& buffers,
                                                          std::chrono::milliseconds timeout) {
  SetWriteDeadline(Clock::now() + timeout);
  auto progress = [this, timeout](const error_code& error, size_t written) {
    SetWriteDeadline(Clock::now() + timeout);
    return asio::transfer_all()(error, written);
  };
  auto [error, written] = co_await asio::async_write(stream_, buffers, progress, kAsTuple);
  SetWriteDeadline(Clock::time_point::max());
  co_return error;
}

template <class Stream>
asio::awaitable<void> HttpSession<Stream>::Watchdog() {
  while (!closed_) {
    watchdog_.expires_at(std::min(read_deadline_, write_deadline_));
    co_await watchdog_.async_wait(kAsTuple);
    if (closed_) break;
    const Clock::time_point now = Clock::now();
    if (now >= read_deadline_) {
      if (waiting_for_request_ && (!slots_.empty() || streaming_)) {
        // Idle only while it has nothing coming: one waiting for a slow
        // answer is not idle.
        read_deadline_ = now + host_->options().idle_timeout;
        continue;
      }
      metrics().CountDroppedConnection(app::Door::kHttp,
                                       waiting_for_request_ ? app::ConnectionDrop::kIdleTimeout
                                                            : app::ConnectionDrop::kRequestTimeout);
      if (!waiting_for_request_) {
        app::ServerLog().debug("closing {} (HTTP): a request did not arrive whole in {} ms", peer_,
                               host_->options().request_timeout.count());
      }
      timed_out_ = true;
      CloseNow();
      break;
    }
    if (now >= write_deadline_) {
      const std::chrono::milliseconds timeout = streaming_
                                                    ? host_->options().subscriber_stall_timeout
                                                    : host_->options().slow_reader_timeout;
      if (UnacknowledgedBytes() == 0) {
        // The client has taken every byte written: the write is done, and
        // only its completion waits behind other work of this thread.
        write_deadline_ = now + timeout;
        continue;
      }
      if (streaming_) {
        metrics().CountDroppedSubscription(app::Door::kHttp, app::SubscriptionDrop::kStalled);
      } else {
        metrics().CountDroppedConnection(app::Door::kHttp, app::ConnectionDrop::kSlowReader);
      }
      app::ServerLog().warn("dropped {} (HTTP): it read nothing of {} for {} ms", peer_,
                            streaming_ ? "its event stream" : "an answer", timeout.count());
      timed_out_ = true;
      CloseNow();
      break;
    }
  }
}

template <class Stream>
asio::awaitable<void> HttpSession<Stream>::EventStream(HttpApi::Prepared prepared) {
  const HttpServerOptions& options = host_->options();
  // The answers to the requests before it go first.
  asio::steady_timer wait(stream_.get_executor());
  while (!closed_ && !slots_.empty()) {
    co_await WaitOn(wait, room_waiters_, Clock::time_point::max());
  }
  if (closed_) co_return;
  streaming_ = true;
  ++streams_;
  // However the stream ends, the connection closes after it.
  struct Ended {
    HttpSession* session;
    ~Ended() {
      --session->streams_;
      session->streaming_ = false;
      session->closing_ = true;
      session->wake_writer_.cancel();
    }
  } ended{this};
  app::Feed feed(&host_->application().store(), prepared.request.subscribe(),
                 options.max_event_bytes);
  beast::http::response<beast::http::empty_body> head(beast::http::status::ok,
                                                      prepared.rendering.version);
  head.set(beast::http::field::server, host_->api().options().server_name);
  head.set(beast::http::field::content_type, "text/event-stream; charset=utf-8");
  head.set(beast::http::field::cache_control, "no-store");
  SetSecurityHeaders(head, host_->api().options().tls);
  head.set("X-Accel-Buffering", "no");  // proxies that buffer: pass each event on
  head.chunked(true);
  head.keep_alive(false);
  beast::http::response_serializer<beast::http::empty_body> serializer(head);
  SetWriteDeadline(Clock::now() + options.subscriber_stall_timeout);
  auto [head_error, head_bytes] =
      co_await beast::http::async_write_header(stream_, serializer, kAsTuple);
  SetWriteDeadline(Clock::time_point::max());
  bool open = !head_error && co_await WriteChunk("retry: 1000\n\n");
  if (open) {
    asio::co_spawn(
        stream_.get_executor(), [self = Self()] { return self->DiscardReader(); }, asio::detached);
  }
  const bool whole_log = feed.whole_log();
  Clock::time_point quiet_since = Clock::now();
  while (open && !closed_ && !closing_) {
    // The log is read on the store pool and its events written as JSON on
    // the JSON threads: a long catch-up holds up no other client here.
    const size_t budget = options.subscriber_buffer_bytes;
    app::Feed::Batch batch = co_await OnStorePool([&feed, budget] { return feed.Read(budget); });
    StreamStep step = co_await OnJsonThreads(
        [&feed, &batch, budget, max_lag = options.max_subscriber_lag, whole_log] {
          return StreamStepOf(feed, batch, budget, max_lag, whole_log);
        });
    if (step.lagging) {
      metrics().CountDroppedSubscription(app::Door::kHttp, app::SubscriptionDrop::kLagging);
    }
    if (!step.text.empty()) {
      if (!co_await WriteChunk(std::move(step.text))) co_return;
      quiet_since = Clock::now();
    }
    if (step.ended) break;
    if (!feed.AtHead()) continue;
    // A Drain while the log was read or a chunk written woke nobody: see it
    // here, or the wait below would last until the keep-alive interval.
    if (closed_ || closing_) break;
    bool grew = co_await WaitOn(wait, log_waiters_, quiet_since + options.keep_alive_interval);
    if (!grew && !closed_ && !closing_ &&
        Clock::now() >= quiet_since + options.keep_alive_interval) {
      // A comment: keeps the connection (and proxies) open, and finds a
      // client that has gone.
      if (!co_await WriteChunk(": keep-alive\n\n")) co_return;
      quiet_since = Clock::now();
    }
  }
  if (open && !closed_) {
    SetWriteDeadline(Clock::now() + options.subscriber_stall_timeout);
    co_await asio::async_write(stream_, beast::http::make_chunk_last(), kAsTuple);
    SetWriteDeadline(Clock::time_point::max());
  }
}

template <class Stream>
asio::awaitable<bool> HttpSession<Stream>::WriteChunk(std::string text) {
  if (closed_) co_return false;
  error_code error = co_await WriteAll(beast::http::make_chunk(asio::buffer(text)),
                                       host_->options().subscriber_stall_timeout);
  if (error) CloseNow();
  co_return !error;
}

template <class Stream>
asio::awaitable<void> HttpSession<Stream>::DiscardReader() {
  std::array<char, 512> sink;
  while (!closed_) {
    auto [error, got] = co_await stream_.async_read_some(asio::buffer(sink), kAsTuple);
    if (error) {
      if (!closed_ && !closing_) CloseNow();  // the client went
      break;
    }
  }
}

template <class Stream>
template <typename Work>
asio::awaitable<std::invoke_result_t<Work&>> HttpSession<Stream>::OnStorePool(Work work) {
  using Result = std::invoke_result_t<Work&>;
  auto initiate = [this, work = std::move(work)](auto handler) mutable {
    auto shared = std::make_shared<decltype(handler)>(std::move(handler));
    auto strand = stream_.get_executor();
    host_->application().RunOnStorePool([work = std::move(work), shared, strand,
                                         delivery = host_->delivery(), self = Self()]() mutable {
      auto result = std::make_shared<Result>(work());
      delivery->ToStrand(strand, [shared, result] { (*shared)(std::move(*result)); });
    });
  };
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Result)>(
      std::move(initiate), asio::use_awaitable);
}

template <class Stream>
template <typename Work>
asio::awaitable<std::invoke_result_t<Work&>> HttpSession<Stream>::OnJsonThreads(Work work) {
  using Result = std::invoke_result_t<Work&>;
  auto initiate = [this, work = std::move(work)](auto handler) mutable {
    auto shared = std::make_shared<decltype(handler)>(std::move(handler));
    auto strand = stream_.get_executor();
    auto delivery = host_->delivery();
    delivery->ToJsonThreads([work = std::move(work), shared, strand, delivery]() mutable {
      auto result = std::make_shared<Result>(work());
      delivery->ToStrand(strand, [shared, result] { (*shared)(std::move(*result)); });
    });
  };
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Result)>(
      std::move(initiate), asio::use_awaitable);
}

template <class Stream>
asio::awaitable<bool> HttpSession<Stream>::WaitOn(asio::steady_timer& timer,
                                                  std::set<asio::steady_timer*>& waiters,
                                                  Clock::time_point deadline) {
  timer.expires_at(deadline);
  waiters.insert(&timer);
  auto [error] = co_await timer.async_wait(kAsTuple);
  waiters.erase(&timer);
  co_return static_cast<bool>(error);
}

template <class Stream>
void HttpSession<Stream>::WakeAll(const std::set<asio::steady_timer*>& waiters) {
  for (auto* timer : waiters) timer->cancel();
}

template <class Stream>
int HttpSession<Stream>::UnacknowledgedBytes() {
  int bytes = 0;
  if (::ioctl(Socket().native_handle(), SIOCOUTQ, &bytes) != 0) return -1;
  return bytes;
}

template <class Stream>
void HttpSession<Stream>::SetReadDeadline(Clock::time_point deadline) {
  read_deadline_ = deadline;
  if (deadline < watchdog_.expiry()) watchdog_.cancel();
}

template <class Stream>
void HttpSession<Stream>::SetWriteDeadline(Clock::time_point deadline) {
  write_deadline_ = deadline;
  if (deadline < watchdog_.expiry()) watchdog_.cancel();
}

template <class Stream>
void HttpSession<Stream>::CloseNow() {
  if (closed_.exchange(true)) return;
  error_code ignored;
  Socket().shutdown(tcp::socket::shutdown_both, ignored);
  Socket().close(ignored);
  wake_writer_.cancel();
  watchdog_.cancel();
  WakeAll(room_waiters_);
  WakeAll(log_waiters_);
  host_->Forget(this);
}

template class HttpSession<tcp::socket>;
template class HttpSession<asio::ssl::stream<tcp::socket>>;

}  // namespace accord::net
