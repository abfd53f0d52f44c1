#include "net/session.h"

#include <fmt/format.h>

#include <cstring>

#include "app/errors.h"
#include "app/log.h"
#include "app/paging.h"
#include "net/framing.h"

namespace accord::net {

using app::ErrorResponse;
using app::ServerLog;

Session::Session(tcp::socket socket, asio::ssl::context* tls, SessionHost* host)
    : socket_(std::move(socket)),
      wake_writer_(socket_.get_executor()),
      idle_timer_(socket_.get_executor()),
      slow_reader_timer_(socket_.get_executor()),
      host_(host) {
  if (tls != nullptr) tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(socket_, *tls);
  wake_writer_.expires_at(asio::steady_timer::time_point::max());
  boost::system::error_code ec;
  tcp::endpoint peer = socket_.remote_endpoint(ec);
  peer_ = ec ? std::string("a peer gone already")
             : fmt::format("{}:{}", peer.address().to_string(), peer.port());
}

void Session::NotifyLogGrew() {
  if (subscriptions_.load() == 0) return;
  asio::post(socket_.get_executor(), [self = shared_from_this()] { WakeAll(self->log_waiters_); });
}

void Session::Start() {
  last_activity_ = std::chrono::steady_clock::now();
  asio::co_spawn(
      socket_.get_executor(), [self = shared_from_this()] { return self->Reader(); },
      asio::detached);
  asio::co_spawn(
      socket_.get_executor(), [self = shared_from_this()] { return self->IdleWatch(); },
      asio::detached);
  asio::co_spawn(
      socket_.get_executor(), [self = shared_from_this()] { return self->Writer(); },
      asio::detached);
}

void Session::Drain() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->socket_.shutdown(tcp::socket::shutdown_receive, ignored);
    self->close_after_flush_ = true;
    self->wake_writer_.cancel();
    WakeAll(self->log_waiters_);
    WakeAll(self->drain_waiters_);
  });
}

void Session::Close() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->CloseNow(); });
}

awaitable<void> Session::Reader() {
  if (tls_) {
    auto [handshake_error] =
        co_await tls_->async_handshake(asio::ssl::stream_base::server, kAsTuple);
    if (handshake_error) {
      // Not TLS, or not a certificate the client accepts: nothing to answer.
      ServerLog().warn("TLS handshake with {} failed: {}", peer_, handshake_error.message());
      metrics().CountDroppedConnection(app::Door::kTcp, app::ConnectionDrop::kProtocolError);
      CloseNow();
      co_return;
    }
  }
  for (;;) {
    co_await WaitWhileOutboxFull();
    if (!co_await Buffered(kFrameHeaderBytes)) break;  // the peer closed, or we did
    // Before the hello, whoever connects may send only a small frame.
    const uint32_t max_frame_bytes =
        hello_ ? host_->options().max_frame_bytes
               : std::min(host_->options().max_frame_bytes, kMaxFrameBytesBeforeHello);
    FrameView frame = DecodeFrame(Unread(), max_frame_bytes);
    if (frame.state == FrameView::State::kTooLarge) {
      Fail(0, accord::v1::FRAME_TOO_LARGE,
           fmt::format("a frame of {} bytes is over the limit of {}{}", frame.length,
                       max_frame_bytes, hello_ ? "" : " before the hello"));
      break;
    }
    if (!co_await Buffered(frame.frame_bytes())) break;  // truncated: the peer went away
    frame = DecodeFrame(Unread(), max_frame_bytes);      // complete now
    in_begin_ += frame.frame_bytes();  // frame.message stays valid until the next Buffered
    Request request;
    if (!DecodeRequest(frame.message, &request)) {
      Fail(0, accord::v1::MALFORMED_FRAME, "the frame does not hold a Request");
      break;
    }
    if (!Handle(std::move(request))) break;
    if (host_->stopping()) break;
  }
  // No more requests from this connection: answer those begun, then close.
  close_after_flush_ = true;
  wake_writer_.cancel();
}

awaitable<void> Session::IdleWatch() {
  const auto timeout = host_->options().idle_timeout;
  while (!closed_ && !close_after_flush_) {
    auto idle_until = last_activity_ + timeout;
    if (std::chrono::steady_clock::now() >= idle_until) {
      if (pending_ == 0 && subscriptions_.load() == 0) {
        Fail(0, accord::v1::IDLE_TIMEOUT,
             fmt::format("nothing was received for {} ms", timeout.count()));
        boost::system::error_code ignored;
        socket_.shutdown(tcp::socket::shutdown_receive, ignored);  // ends the reader
        co_return;
      }
      idle_until = std::chrono::steady_clock::now() + timeout;
      last_activity_ = std::chrono::steady_clock::now();
    }
    idle_timer_.expires_at(idle_until);
    co_await idle_timer_.async_wait(kAsTuple);  // CloseNow cancels it
  }
}

awaitable<void> Session::Writer() {
  while (!closed_) {
    if (outbox_.empty()) {
      if (close_after_flush_ && pending_ == 0) {
        CloseNow();
        break;
      }
      wake_writer_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_writer_.async_wait(kAsTuple);
      continue;
    }
    // Everything queued goes in one write: pipelined answers share
    // system calls (and TLS records).
    std::vector<asio::const_buffer> buffers;
    size_t frames = 0;
    size_t bytes = 0;
    for (const auto& frame : outbox_) {
      if (frames > 0 && bytes + frame.size() > kMaxWriteBytes) break;
      buffers.emplace_back(asio::buffer(frame));
      bytes += frame.size();
      ++frames;
    }
    auto [error, written] = co_await Write(buffers);
    if (error) {
      CloseNow();
      break;
    }
    for (size_t i = 0; i < frames; ++i) {
      outbox_bytes_ -= outbox_.front().size();
      outbox_.pop_front();
    }
    // Progress: whoever waits for room (paused subscriptions, the reader
    // held back by a full outbox) looks again.
    WakeAll(drain_waiters_);
  }
}

bool Session::Handle(Request request) {
  const auto arrived = std::chrono::steady_clock::now();
  uint64_t id = request.request_id();
  if (!hello_ && !request.has_hello()) {
    Fail(id, accord::v1::HELLO_REQUIRED, "the first request on a connection must be a hello");
    return false;
  }
  const app::RequestKind* kind = app::FindRequestKind(request.kind_case());
  if (kind == nullptr) {
    Fail(id, accord::v1::UNKNOWN_REQUEST, "this server does not know that request");
    return false;
  }
  if (request.has_hello()) {
    bool go_on = Hello(request);
    Answered(Request::kHello, arrived);
    return go_on;
  }
  app::Application& application = host_->application();
  if (std::optional<Response> denied = application.Authorize(identity_, request)) {
    Send(*denied);
    Answered(request.kind_case(), arrived);
    return true;
  }
  if (request.has_subscribe()) {
    asio::co_spawn(
        socket_.get_executor(),
        [self = shared_from_this(), id, subscribe = request.subscribe()] {
          return self->Subscription(id, subscribe);
        },
        asio::detached);
    return true;
  }
  // Everything else is the application's. Each is in flight until it is
  // answered (a draining connection closes once none is); all but the cheap
  // ones (health) are held to the connection's limit.
  if (kind->runs != app::Runs::kAtOnce && pending_ >= host_->options().max_in_flight) {
    Send(ErrorResponse(id, accord::v1::RESOURCE_EXHAUSTED,
                       fmt::format("{} requests of this connection are unanswered, the "
                                   "limit; read their responses before sending more",
                                   pending_)));
    Answered(request.kind_case(), arrived);
    return true;
  }
  ++pending_;
  Request::KindCase kind_case = request.kind_case();
  application.Handle(identity_, std::move(request),
                     [self = shared_from_this(), kind_case, arrived](Response response) {
                       asio::post(self->socket_.get_executor(),
                                  [self, kind_case, arrived, response = std::move(response)] {
                                    --self->pending_;
                                    self->Send(response);
                                    self->Answered(kind_case, arrived);
                                  });
                     });
  return true;
}

void Session::Answered(Request::KindCase kind, std::chrono::steady_clock::time_point arrived) {
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - arrived;
  metrics().ObserveRequest(app::Door::kTcp, kind, took.count());
}

bool Session::Hello(const Request& request) {
  uint64_t id = request.request_id();
  if (request.hello().protocol_version() != kProtocolVersion) {
    Fail(id, accord::v1::UNSUPPORTED_VERSION,
         fmt::format("this server speaks protocol version {}, not {}", kProtocolVersion,
                     request.hello().protocol_version()));
    return false;
  }
  if (hello_) {
    Send(ErrorResponse(id, accord::v1::INVALID_ARGUMENT, "hello was already sent"));
    return true;
  }
  client_name_ = request.hello().client_name();
  if (const auto& tokens = host_->options().tokens; tokens) {
    std::optional<app::Identity> identity = tokens->Authenticate(request.hello().token());
    if (!identity) {
      Fail(id, accord::v1::UNAUTHENTICATED,
           request.hello().token().empty() ? "this server needs a token in the hello"
                                           : "the token is not one this server knows");
      return false;
    }
    identity_ = *identity;
  } else {
    // No token file (tests, or accordd --no-auth): whoever connects is an
    // admin named as they say.
    identity_ = app::Identity{client_name_, accord::v1::ADMIN};
  }
  hello_ = true;
  Response response;
  response.set_request_id(id);
  response.mutable_hello()->set_protocol_version(kProtocolVersion);
  response.mutable_hello()->set_server_name(host_->options().server_name);
  response.mutable_hello()->set_user(identity_.user);
  response.mutable_hello()->set_role(identity_.role);
  Send(response);
  return true;
}

void Session::Send(const Response& response) {
  if (closed_) return;
  if (outbox_.empty()) last_write_progress_ = std::chrono::steady_clock::now();
  if (size_t bytes = response.ByteSizeLong(); bytes > host_->options().max_frame_bytes) {
    // Paging keeps listings and reads under the limit; this is one item
    // too large by itself (a whole agreement, its timeline).
    outbox_.push_back(EncodeFrame(
        ErrorResponse(response.request_id(), accord::v1::RESPONSE_TOO_LARGE,
                      fmt::format("the answer would be {} bytes, over the frame limit of {}", bytes,
                                  host_->options().max_frame_bytes))));
  } else {
    outbox_.push_back(EncodeFrame(response));
  }
  outbox_bytes_ += outbox_.back().size();
  if (outbox_bytes_ > host_->options().max_queued_bytes && !watching_slow_reader_) {
    watching_slow_reader_ = true;
    asio::co_spawn(
        socket_.get_executor(), [self = shared_from_this()] { return self->WatchSlowReader(); },
        asio::detached);
  }
  wake_writer_.cancel();
}

awaitable<void> Session::WatchSlowReader() {
  const auto timeout = host_->options().slow_reader_timeout;
  while (!closed_ && outbox_bytes_ > host_->options().max_queued_bytes) {
    auto deadline = last_write_progress_ + timeout;
    if (std::chrono::steady_clock::now() >= deadline) {
      metrics().CountDroppedConnection(app::Door::kTcp, app::ConnectionDrop::kSlowReader);
      ServerLog().warn("dropped {}: {} bytes of answers unread for {} ms, over the limit of {}",
                       peer_, outbox_bytes_,
                       std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count(),
                       host_->options().max_queued_bytes);
      CloseNow();
      break;
    }
    slow_reader_timer_.expires_at(deadline);
    co_await slow_reader_timer_.async_wait(kAsTuple);  // CloseNow cancels it
  }
  watching_slow_reader_ = false;
}

awaitable<void> Session::WaitWhileOutboxFull() {
  if (outbox_bytes_ <= host_->options().max_queued_bytes) co_return;
  asio::steady_timer wait(socket_.get_executor());
  while (!closed_ && !close_after_flush_ && outbox_bytes_ > host_->options().max_queued_bytes) {
    co_await WaitOn(wait, drain_waiters_, asio::steady_timer::time_point::max());
  }
}

void Session::Fail(uint64_t request_id, ErrorCode code, std::string message) {
  ServerLog().debug("closing {} ({}): {}: {}", peer_, client_name_,
                    accord::v1::ErrorCode_Name(code), message);
  metrics().CountDroppedConnection(app::Door::kTcp, code == accord::v1::IDLE_TIMEOUT
                                                        ? app::ConnectionDrop::kIdleTimeout
                                                        : app::ConnectionDrop::kProtocolError);
  Send(ErrorResponse(request_id, code, std::move(message)));
  close_after_flush_ = true;
  wake_writer_.cancel();
}

void Session::CloseNow() {
  if (closed_.exchange(true)) return;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  wake_writer_.cancel();
  idle_timer_.cancel();
  slow_reader_timer_.cancel();
  WakeAll(log_waiters_);
  WakeAll(drain_waiters_);
  host_->Forget(this);
}

void Session::WakeAll(const std::set<asio::steady_timer*>& waiters) {
  for (auto* timer : waiters) timer->cancel();
}

std::string_view Session::Unread() const {
  return std::string_view(in_.data() + in_begin_, in_end_ - in_begin_);
}

awaitable<bool> Session::Buffered(size_t bytes) {
  if (in_end_ - in_begin_ >= bytes) co_return true;
  std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
  in_end_ -= in_begin_;
  in_begin_ = 0;
  if (in_.size() > kReadBufferBytes && bytes <= kReadBufferBytes && in_end_ <= kReadBufferBytes) {
    in_.resize(kReadBufferBytes);  // give back what one large frame took
    in_.shrink_to_fit();
  }
  while (in_end_ < bytes) {
    if (in_end_ == in_.size()) in_.resize(std::min(bytes, 2 * in_.size()));
    auto buffer = asio::buffer(in_.data() + in_end_, in_.size() - in_end_);
    auto [error, got] = tls_ ? co_await tls_->async_read_some(buffer, kAsTuple)
                             : co_await socket_.async_read_some(buffer, kAsTuple);
    if (error) co_return false;
    last_activity_ = std::chrono::steady_clock::now();
    in_end_ += got;
    // A client that fills the buffer is pipelining: read more at a time.
    if (in_end_ == in_.size() && in_.size() < kReadBufferBytes) in_.resize(2 * in_.size());
  }
  co_return true;
}

awaitable<bool> Session::WaitOn(asio::steady_timer& timer, std::set<asio::steady_timer*>& waiters,
                                asio::steady_timer::time_point deadline) {
  timer.expires_at(deadline);
  waiters.insert(&timer);
  auto [error] = co_await timer.async_wait(kAsTuple);
  waiters.erase(&timer);
  co_return static_cast<bool>(error);
}

awaitable<std::tuple<boost::system::error_code, size_t>> Session::Write(
    const std::vector<asio::const_buffer>& buffers) {
  last_write_progress_ = std::chrono::steady_clock::now();
  auto progress = [this](const boost::system::error_code& error, size_t written) {
    last_write_progress_ = std::chrono::steady_clock::now();
    return asio::transfer_all()(error, written);
  };
  if (tls_) co_return co_await asio::async_write(*tls_, buffers, progress, kAsTuple);
  co_return co_await asio::async_write(socket_, buffers, progress, kAsTuple);
}

}  // namespace accord::net
