#include "net/server.h"

#include <fmt/format.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <chrono>
#include <cstring>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <vector>

#include "accord/v1/wire.pb.h"
#include "app/agreement_index.h"
#include "app/paging.h"
#include "core/as_of.h"
#include "core/event_types.h"
#include "core/limits.h"
#include "core/report.h"
#include "core/summary.h"
#include "core/timeline.h"
#include "net/framing.h"
#include "net/log.h"

namespace accord::net {

using app::AgreementIndex;
using app::Allows;
using app::CommandHandler;
using app::FitsInFrame;
using app::Identity;
using app::LoadedAgreement;
using app::LogFailure;
using app::PageBudget;
using app::PageCutter;
using app::RoleName;
namespace {

namespace asio = boost::asio;
using accord::v1::ErrorCode;
using accord::v1::Request;
using accord::v1::Response;
using asio::awaitable;
using asio::ip::tcp;
constexpr auto kAsTuple = asio::experimental::as_tuple(asio::use_awaitable);

ErrorCode ToErrorCode(const core::Status& s) {
  switch (s.code()) {
    case core::Status::Code::kInvalidArgument:
      return accord::v1::INVALID_ARGUMENT;
    case core::Status::Code::kWrongExpectedVersion:
      return accord::v1::WRONG_EXPECTED_VERSION;
    case core::Status::Code::kDuplicateEvent:
      return accord::v1::DUPLICATE_EVENT;
    case core::Status::Code::kNotFound:
      return accord::v1::NOT_FOUND;
    case core::Status::Code::kCorruption:
      return accord::v1::CORRUPTION;
    case core::Status::Code::kReadOnly:
      return accord::v1::READ_ONLY;
    default:
      return accord::v1::IO_ERROR;
  }
}

Response ErrorResponse(uint64_t request_id, ErrorCode code, std::string message) {
  Response response;
  response.set_request_id(request_id);
  response.mutable_error()->set_code(code);
  response.mutable_error()->set_message(std::move(message));
  return response;
}

// A raw event is held to the limits of the command that would have logged
// it (core/limits.h); empty when it is within them.
std::string RawEventOverLimits(const std::string& stream_id, const accord::v1::NewEvent& event,
                               accord::v1::DomainEvent decoded) {
  if (event.payload().size() > core::kMaxCommandBytes) {
    return fmt::format("payload is {} bytes, over the limit of {}", event.payload().size(),
                       core::kMaxCommandBytes);
  }
  if (core::CountCharacters(event.event_type()) > core::kMaxNameChars) {
    return fmt::format("event_type is over the limit of {} characters", core::kMaxNameChars);
  }
  accord::v1::Command as_command;
  as_command.set_agreement_id(stream_id);
  as_command.set_event_id(event.event_id());
  *as_command.mutable_effective() = event.effective();
  *as_command.mutable_milestone() = std::move(decoded);
  as_command.set_correlation_id(event.correlation_id());
  as_command.set_causation_id(event.causation_id());
  core::LimitCheck checked = core::ValidateCommandLimits(as_command);
  return checked ? std::string() : checked.error().message;
}

// What a listing shows of an agreement whose summary would not fit in a
// response frame: enough to name it and find it.
accord::v1::AgreementSummary Abridged(const accord::v1::AgreementSummary& full) {
  accord::v1::AgreementSummary abridged;
  abridged.set_agreement_id(full.agreement_id());
  abridged.set_kind(full.kind());
  abridged.set_stage(full.stage());
  abridged.set_version(full.version());
  *abridged.mutable_as_of() = full.as_of();
  abridged.set_abridged(true);
  return abridged;
}

}  // namespace

class Session;

class Server::Impl {
 public:
  Impl(store::EventStore* store, ServerOptions options)
      : store_(store),
        handler_(store, 5,
                 [this](std::function<void()> work) { asio::post(pool_, std::move(work)); }),
        index_(store),
        options_(std::move(options)),
        signer_(options_.checkpoint_signer
                    ? *options_.checkpoint_signer
                    : core::NoteSigner::Generate("accord-ephemeral").value()),
        acceptor_(io_),
        pool_(static_cast<size_t>(options_.store_threads)) {}

  core::Status Start();
  void Stop();
  uint16_t port() const { return port_; }

  // Runs on a store thread: the answer to one request that needs the store.
  // (Appends are ExecuteAsync's.)
  Response Execute(const Request& request);
  // The same, answering through `done`: appends (milestones and raw) wait
  // for their group commit without holding a store thread, so that many
  // connections' appends share each synced write.
  void ExecuteAsync(const Request& request, const std::string& actor,
                    std::function<void(Response)> done);

  const ServerOptions& options() const { return options_; }
  asio::thread_pool& pool() { return pool_; }
  store::EventStore* store() const { return store_; }
  // Called by the store's commit thread: wake the subscribers.
  void LogGrew();
  bool stopping() const { return stopping_.load(); }
  // A session that closed: it no longer counts against the limit. Any thread.
  void Forget(const Session* session) {
    std::lock_guard lock(sessions_mutex_);
    sessions_.erase(session);
  }

 private:
  awaitable<void> Accept();
  void LogRefusal(const tcp::endpoint& peer);
  awaitable<void> Refuse(tcp::socket socket);
  // How a page for the wire is cut: by bytes, resuming by position (the
  // whole log) or by version (a stream).
  struct PageCut {
    bool by_position = false;
  };
  // The store's page as a response; with `cut`, only as much as fits in
  // one page and frame (Page.next says where the rest starts).
  Response ReadPage(uint64_t request_id, const core::Status& s, const store::ReadPage& page,
                    std::optional<PageCut> cut = std::nullopt) const;
  Response List(uint64_t request_id, const accord::v1::ListAgreements& list);
  // Checks a raw append (each payload must decode) and stamps the actor;
  // an error response if it is refused.
  static std::optional<Response> PrepareAppend(uint64_t request_id,
                                               const accord::v1::AppendEvents& append,
                                               const std::string& actor,
                                               std::vector<accord::v1::NewEvent>* events,
                                               store::ExpectedVersion* expected);
  static Response AppendedResponse(uint64_t request_id, const core::Status& s,
                                   const store::AppendResult& result);
  static Response LoggedResponse(uint64_t request_id, const CommandHandler::LogResult& logged);
  Response Timeline(uint64_t request_id, const accord::v1::GetTimeline& get) const;
  Response Report(uint64_t request_id) const;
  // A signed checkpoint of the first `size` records (unset: all).
  core::Status SignCheckpoint(std::optional<uint64_t> size,
                              accord::v1::SignedCheckpoint* checkpoint) const;
  Response Checkpoint(uint64_t request_id, const accord::v1::GetCheckpoint& get) const;
  Response InclusionProof(uint64_t request_id, const accord::v1::GetInclusionProof& get) const;
  Response ConsistencyProof(uint64_t request_id, const accord::v1::GetConsistencyProof& get) const;
  Response Agreement(uint64_t request_id, const accord::v1::GetAgreement& get);
  std::optional<Response> ReadAgreement(uint64_t request_id, const std::string& agreement_id,
                                        std::vector<accord::v1::RecordedEvent>* events) const;

 public:
  // Answered on the network thread: cheap, and answers while the store is busy.
  Response Health(uint64_t request_id);

 private:
  static core::Day Today();

  store::EventStore* store_;
  CommandHandler handler_;
  AgreementIndex index_;
  std::atomic<bool> index_catch_up_queued_{false};

 public:
  std::atomic<uint64_t> dropped_slow_readers_{0};
  std::atomic<uint64_t> refused_connections_{0};

 private:
  ServerOptions options_;
  core::NoteSigner signer_;
  std::optional<asio::ssl::context> tls_;  // set when the listener speaks TLS
  asio::io_context io_;
  tcp::acceptor acceptor_;
  asio::thread_pool pool_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  bool stopped_ = false;

  // The open connections: each is added when accepted, removed when it closes.
  std::mutex sessions_mutex_;
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions_;  // by sessions_mutex_
  // Refusals logged once a second at most: a flood must not flood the log.
  std::chrono::steady_clock::time_point refusals_logged_at_;
  uint64_t refusals_unlogged_ = 0;

  // What the store's commit listener reaches the server through.
  struct Alive {
    explicit Alive(Impl* impl) : server(impl) {}
    std::mutex mutex;
    Impl* server;
  };
  std::shared_ptr<Alive> alive_ = std::make_shared<Alive>(this);
};

// One connection. Everything but the store work runs on its strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  // With `tls`, the connection speaks TLS (the handshake comes first);
  // without, plain TCP: a plain connection holds no TLS state at all.
  Session(tcp::socket socket, asio::ssl::context* tls, Server::Impl* server)
      : socket_(std::move(socket)),
        wake_writer_(socket_.get_executor()),
        idle_timer_(socket_.get_executor()),
        slow_reader_timer_(socket_.get_executor()),
        server_(server) {
    if (tls != nullptr) tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(socket_, *tls);
    wake_writer_.expires_at(asio::steady_timer::time_point::max());
    boost::system::error_code ec;
    tcp::endpoint peer = socket_.remote_endpoint(ec);
    peer_ = ec ? std::string("a peer gone already")
               : fmt::format("{}:{}", peer.address().to_string(), peer.port());
  }

  // The log grew: wake this connection's subscriptions. Any thread.
  void NotifyLogGrew() {
    if (subscriptions_.load() == 0) return;
    asio::post(socket_.get_executor(),
               [self = shared_from_this()] { WakeAll(self->log_waiters_); });
  }

  int subscriptions() const { return subscriptions_.load(); }

  void Start() {
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

  // Stops taking requests; answers those begun, then closes. Any thread.
  void Drain() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      boost::system::error_code ignored;
      self->socket_.shutdown(tcp::socket::shutdown_receive, ignored);
      self->close_after_flush_ = true;
      self->wake_writer_.cancel();
      WakeAll(self->log_waiters_);
      WakeAll(self->drain_waiters_);
    });
  }

  // Closes now. Any thread.
  void Close() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->CloseNow(); });
  }

  bool closed() const { return closed_.load(); }

 private:
  awaitable<void> Reader() {
    if (tls_) {
      auto [handshake_error] =
          co_await tls_->async_handshake(asio::ssl::stream_base::server, kAsTuple);
      if (handshake_error) {
        // Not TLS, or not a certificate the client accepts: nothing to answer.
        ServerLog().warn("TLS handshake with {} failed: {}", peer_, handshake_error.message());
        CloseNow();
        co_return;
      }
    }
    for (;;) {
      co_await WaitWhileOutboxFull();
      if (!co_await Buffered(kFrameHeaderBytes)) break;  // the peer closed, or we did
      // Before the hello, whoever connects may send only a small frame.
      const uint32_t max_frame_bytes =
          hello_ ? server_->options().max_frame_bytes
                 : std::min(server_->options().max_frame_bytes, kMaxFrameBytesBeforeHello);
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
      if (server_->stopping()) break;
    }
    // No more requests from this connection: answer those begun, then close.
    close_after_flush_ = true;
    wake_writer_.cancel();
  }

  // Closes the connection once it has sent nothing for idle_timeout while
  // nothing of it is in flight and it follows no subscription.
  awaitable<void> IdleWatch() {
    const auto timeout = server_->options().idle_timeout;
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

  awaitable<void> Writer() {
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

  // Returns false when the connection must stop reading.
  bool Handle(Request request) {
    uint64_t id = request.request_id();
    if (!hello_ && !request.has_hello()) {
      Fail(id, accord::v1::HELLO_REQUIRED, "the first request on a connection must be a hello");
      return false;
    }
    if (hello_ && request.kind_case() != Request::KIND_NOT_SET && !request.has_hello() &&
        !Allows(identity_.role, request)) {
      Send(ErrorResponse(
          id, accord::v1::PERMISSION_DENIED,
          fmt::format("{} is a{} {}, who may not make this request", identity_.user,
                      identity_.role == accord::v1::AUDITOR || identity_.role == accord::v1::ADMIN
                          ? "n"
                          : "",
                      RoleName(identity_.role))));
      return true;
    }
    switch (request.kind_case()) {
      case Request::kHello: {
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
        if (const auto& tokens = server_->options().tokens; tokens) {
          std::optional<Identity> identity = tokens->Authenticate(request.hello().token());
          if (!identity) {
            Fail(id, accord::v1::UNAUTHENTICATED,
                 request.hello().token().empty() ? "this server needs a token in the hello"
                                                 : "the token is not one this server knows");
            return false;
          }
          identity_ = *identity;
        } else {
          // No token file (tests, or accordd --no-auth): whoever connects
          // is an admin named as they say.
          identity_ = Identity{client_name_, accord::v1::ADMIN};
        }
        hello_ = true;
        Response response;
        response.set_request_id(id);
        response.mutable_hello()->set_protocol_version(kProtocolVersion);
        response.mutable_hello()->set_server_name(server_->options().server_name);
        response.mutable_hello()->set_user(identity_.user);
        response.mutable_hello()->set_role(identity_.role);
        Send(response);
        return true;
      }
      case Request::kLogMilestone:
      case Request::kReadStream:
      case Request::kReadAll:
      case Request::kGetAgreement:
      case Request::kListAgreements:
      case Request::kAppendEvents:
      case Request::kGetTimeline:
      case Request::kGetReport:
      case Request::kVerifyLog:
      case Request::kBackup:
      case Request::kGetCheckpoint:
      case Request::kGetInclusionProof:
      case Request::kGetConsistencyProof: {
        if (pending_ >= server_->options().max_in_flight) {
          Send(ErrorResponse(id, accord::v1::RESOURCE_EXHAUSTED,
                             fmt::format("{} requests of this connection are unanswered, the "
                                         "limit; read their responses before sending more",
                                         pending_)));
          return true;
        }
        ++pending_;
        auto answer = [self = shared_from_this()](Response response) {
          asio::post(self->socket_.get_executor(), [self, response = std::move(response)] {
            --self->pending_;
            self->Send(response);
          });
        };
        if (request.has_append_events()) {
          // Checks and queues without touching the disk: no hop to the pool.
          server_->ExecuteAsync(request, identity_.user, std::move(answer));
          return true;
        }
        asio::post(server_->pool(), [self = shared_from_this(), request = std::move(request)] {
          self->server_->ExecuteAsync(request, self->identity_.user, [self](Response response) {
            asio::post(self->socket_.get_executor(), [self, response = std::move(response)] {
              --self->pending_;
              self->Send(response);
            });
          });
        });
        return true;
      }
      case Request::kGetHealth:
        Send(server_->Health(id));
        return true;
      case Request::kSubscribe:
        asio::co_spawn(
            socket_.get_executor(),
            [self = shared_from_this(), id, subscribe = request.subscribe()] {
              return self->Subscription(id, subscribe);
            },
            asio::detached);
        return true;
      default:
        Fail(id, accord::v1::UNKNOWN_REQUEST, "this server does not know that request");
        return false;
    }
  }

  void Send(const Response& response) {
    if (closed_) return;
    if (outbox_.empty()) last_write_progress_ = std::chrono::steady_clock::now();
    if (size_t bytes = response.ByteSizeLong(); bytes > server_->options().max_frame_bytes) {
      // Paging keeps listings and reads under the limit; this is one item
      // too large by itself (a whole agreement, its timeline).
      outbox_.push_back(EncodeFrame(
          ErrorResponse(response.request_id(), accord::v1::RESPONSE_TOO_LARGE,
                        fmt::format("the answer would be {} bytes, over the frame limit of {}",
                                    bytes, server_->options().max_frame_bytes))));
    } else {
      outbox_.push_back(EncodeFrame(response));
    }
    outbox_bytes_ += outbox_.back().size();
    if (outbox_bytes_ > server_->options().max_queued_bytes && !watching_slow_reader_) {
      watching_slow_reader_ = true;
      asio::co_spawn(
          socket_.get_executor(), [self = shared_from_this()] { return self->WatchSlowReader(); },
          asio::detached);
    }
    wake_writer_.cancel();
  }

  // While the outbox is over max_queued_bytes: a client that reads nothing
  // of it for slow_reader_timeout is not reading, and its answers would
  // pile up here without end; it is closed (what it was sent is lost to it
  // either way). One that reads, however slowly, is kept.
  awaitable<void> WatchSlowReader() {
    const auto timeout = server_->options().slow_reader_timeout;
    while (!closed_ && outbox_bytes_ > server_->options().max_queued_bytes) {
      auto deadline = last_write_progress_ + timeout;
      if (std::chrono::steady_clock::now() >= deadline) {
        ++server_->dropped_slow_readers_;
        ServerLog().warn("dropped {}: {} bytes of answers unread for {} ms, over the limit of {}",
                         peer_, outbox_bytes_,
                         std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count(),
                         server_->options().max_queued_bytes);
        CloseNow();
        break;
      }
      slow_reader_timer_.expires_at(deadline);
      co_await slow_reader_timer_.async_wait(kAsTuple);  // CloseNow cancels it
    }
    watching_slow_reader_ = false;
  }

  // Backpressure: while the client has more unsent answers than
  // max_queued_bytes, it is sent those before its next request is read.
  awaitable<void> WaitWhileOutboxFull() {
    if (outbox_bytes_ <= server_->options().max_queued_bytes) co_return;
    asio::steady_timer wait(socket_.get_executor());
    while (!closed_ && !close_after_flush_ && outbox_bytes_ > server_->options().max_queued_bytes) {
      co_await WaitOn(wait, drain_waiters_, asio::steady_timer::time_point::max());
    }
  }

  // A protocol error: answer it, then close once everything is written.
  void Fail(uint64_t request_id, ErrorCode code, std::string message) {
    ServerLog().debug("closing {} ({}): {}: {}", peer_, client_name_,
                      accord::v1::ErrorCode_Name(code), message);
    Send(ErrorResponse(request_id, code, std::move(message)));
    close_after_flush_ = true;
    wake_writer_.cancel();
  }

  // Everything the connection holds goes once its coroutines see this:
  // each wait it may be in is cancelled, and the server forgets it.
  void CloseNow() {
    if (closed_.exchange(true)) return;
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
    wake_writer_.cancel();
    idle_timer_.cancel();
    slow_reader_timer_.cancel();
    WakeAll(log_waiters_);
    WakeAll(drain_waiters_);
    server_->Forget(this);
  }

  static void WakeAll(const std::set<asio::steady_timer*>& waiters) {
    for (auto* timer : waiters) timer->cancel();
  }

  // Waits on `timer` until `deadline` or a WakeAll of `waiters`. Each
  // subscription has its own timer: re-arming a shared one would cancel the
  // other subscriptions' waits. Returns true when woken before the deadline.
  awaitable<bool> WaitOn(asio::steady_timer& timer, std::set<asio::steady_timer*>& waiters,
                         asio::steady_timer::time_point deadline) {
    timer.expires_at(deadline);
    waiters.insert(&timer);
    auto [error] = co_await timer.async_wait(kAsTuple);
    waiters.erase(&timer);
    co_return static_cast<bool>(error);
  }

  // Runs `work` on a store thread and resumes on this connection's strand.
  template <typename Work>
  awaitable<std::invoke_result_t<Work&>> OnStoreThread(Work work) {
    using Result = std::invoke_result_t<Work&>;
    co_return co_await asio::co_spawn(
        server_->pool().get_executor(),
        [work = std::move(work)]() mutable -> awaitable<Result> { co_return work(); },
        asio::use_awaitable);
  }

  void SendSubscription(uint64_t id, accord::v1::SubscriptionMessage message) {
    Response response;
    response.set_request_id(id);
    *response.mutable_subscription() = std::move(message);
    Send(response);
  }

  // Reads from the store, never from what appenders push: catch-up and
  // live are one loop, so the switch between them cannot lose or repeat an
  // event, and a slow subscriber costs appends nothing.
  awaitable<void> Subscription(uint64_t id, accord::v1::Subscribe subscribe) {
    ++subscriptions_;
    asio::steady_timer wait(socket_.get_executor());  // this subscription's own
    const bool whole_log = subscribe.stream_id().empty();
    const std::set<std::string, std::less<>> types(subscribe.event_types().begin(),
                                                   subscribe.event_types().end());
    const uint32_t checkpoint_every =
        subscribe.checkpoint_every() == 0 ? 100 : subscribe.checkpoint_every();
    store::EventStore* store = server_->store();
    uint64_t next = subscribe.from();
    uint32_t skipped = 0;
    bool caught_up = false;
    while (!closed_ && !close_after_flush_) {
      // Pause while the connection is full. Catching up from far behind is
      // fine as long as the client reads; a subscriber is dropped when it
      // stops reading for the stall timeout, or, once live, when it falls
      // more than max_subscriber_lag events behind the log.
      while (outbox_bytes_ > server_->options().subscriber_buffer_bytes && !closed_) {
        uint64_t head = store->Head().next_position;
        bool behind = caught_up && whole_log &&
                      head - std::min(head, next) > server_->options().max_subscriber_lag;
        bool stalled = false;
        if (!behind) {
          bool woken = co_await WaitOn(
              wait, drain_waiters_,
              asio::steady_timer::clock_type::now() + server_->options().subscriber_stall_timeout);
          stalled =
              !woken && !closed_ && outbox_bytes_ > server_->options().subscriber_buffer_bytes;
        }
        if (behind || stalled) {
          accord::v1::SubscriptionMessage dropped;
          dropped.set_dropped(fmt::format(
              "the subscriber {} (read up to {}, the log is at {}); resubscribe from {}",
              behind ? "fell behind the live log" : "stopped reading", next, head, next));
          SendSubscription(id, std::move(dropped));
          --subscriptions_;
          co_return;
        }
      }
      uint64_t head_before = store->Head().next_position;
      auto [status, page] = co_await OnStoreThread([store, whole_log, &subscribe, next] {
        store::ReadPage read;
        core::Status s = whole_log
                             ? store->ReadAll(next, 0, &read)
                             : store->ReadStreamForward(subscribe.stream_id(), next, 0, &read);
        return std::make_pair(s, std::move(read));
      });
      if (!status.ok()) {
        Send(ErrorResponse(id, ToErrorCode(status), status.message()));
        break;
      }
      bool paused = false;
      for (auto& record : page.records) {
        uint64_t here = whole_log ? record.position() : record.stream_version();
        if (outbox_bytes_ > server_->options().subscriber_buffer_bytes) {
          next = here;  // full: pause (above), then read on from here
          paused = true;
          break;
        }
        if (!types.empty() && types.count(record.event_type()) == 0) {
          if (++skipped >= checkpoint_every) {
            accord::v1::SubscriptionMessage checkpoint;
            checkpoint.set_checkpoint(here + 1);
            SendSubscription(id, std::move(checkpoint));
            skipped = 0;
          }
          continue;
        }
        auto event =
            core::DecodeEvent(record.event_type(), record.schema_version(), record.payload());
        if (!event) {
          Send(ErrorResponse(id, accord::v1::CORRUPTION,
                             fmt::format("position {}: {}", record.position(), event.error())));
          --subscriptions_;
          co_return;
        }
        accord::v1::SubscriptionMessage message;
        auto* view = message.mutable_event();
        *view->mutable_record() = std::move(record);
        view->mutable_record()->clear_payload();
        *view->mutable_event() = std::move(event.value());
        if (size_t bytes = message.ByteSizeLong();
            !FitsInFrame(bytes, server_->options().max_frame_bytes)) {
          Send(ErrorResponse(
              id, accord::v1::RESPONSE_TOO_LARGE,
              fmt::format("the event at {} is {} bytes, over the frame limit of {}; the "
                          "subscription ends (resubscribe from {})",
                          here, bytes, server_->options().max_frame_bytes, here + 1)));
          --subscriptions_;
          co_return;
        }
        SendSubscription(id, std::move(message));
        skipped = 0;
      }
      if (paused) continue;
      next = page.next;
      if (!page.end_of_data) continue;
      if (!caught_up || skipped > 0) {
        accord::v1::SubscriptionMessage mark;
        if (caught_up) {
          mark.set_checkpoint(next);
        } else {
          mark.set_caught_up(next);
        }
        SendSubscription(id, std::move(mark));
        caught_up = true;
        skipped = 0;
      }
      // A commit between the read and here shows in the head: read again.
      if (store->Head().next_position != head_before) continue;
      co_await WaitOn(wait, log_waiters_, asio::steady_timer::time_point::max());
    }
    --subscriptions_;
  }

  // The bytes read and not yet consumed.
  std::string_view Unread() const {
    return std::string_view(in_.data() + in_begin_, in_end_ - in_begin_);
  }
  // Makes `bytes` bytes available at in_begin_, reading as much as the
  // socket has each time: pipelined requests come in with one system call.
  // The buffer grows with what has arrived, at most doubling each time it
  // is full, never to what a length prefix merely announces: a connection
  // holds about what it sent.
  awaitable<bool> Buffered(size_t bytes) {
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
  awaitable<std::tuple<boost::system::error_code, size_t>> Write(
      const std::vector<asio::const_buffer>& buffers) {
    // Every piece the socket takes is progress (the slow-reader rule).
    last_write_progress_ = std::chrono::steady_clock::now();
    auto progress = [this](const boost::system::error_code& error, size_t written) {
      last_write_progress_ = std::chrono::steady_clock::now();
      return asio::transfer_all()(error, written);
    };
    if (tls_) co_return co_await asio::async_write(*tls_, buffers, progress, kAsTuple);
    co_return co_await asio::async_write(socket_, buffers, progress, kAsTuple);
  }

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
  Server::Impl* server_;
  bool hello_ = false;
  std::chrono::steady_clock::time_point last_activity_;
  std::string client_name_;
  Identity identity_;
  bool close_after_flush_ = false;
  size_t pending_ = 0;  // requests at the store, not yet answered
  std::atomic<bool> closed_{false};
};

core::Status Server::Impl::Start() {
  boost::system::error_code ec;
  if (!options_.tls_certificate_file.empty()) {
    tls_.emplace(asio::ssl::context::tls_server);
    tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1);
    tls_->use_certificate_chain_file(options_.tls_certificate_file, ec);
    if (!ec) tls_->use_private_key_file(options_.tls_key_file, asio::ssl::context::pem, ec);
    if (ec) {
      return core::Status::InvalidArgument(
          fmt::format("cannot use the TLS certificate {} and key {}: {}",
                      options_.tls_certificate_file, options_.tls_key_file, ec.message()));
    }
  }
  auto address = asio::ip::make_address(options_.address, ec);
  if (ec) return core::Status::InvalidArgument("bad listen address " + options_.address);
  tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return core::Status::IOError(
        fmt::format("cannot listen on {}:{}: {}", options_.address, options_.port, ec.message()));
  }
  port_ = acceptor_.local_endpoint().port();
  // The listener outlives nothing it points to: Stop clears `alive` first.
  store_->SetCommitListener([alive = alive_](uint64_t) {
    std::lock_guard lock(alive->mutex);
    if (alive->server != nullptr) alive->server->LogGrew();
  });
  // Start-up reads only what was logged since the index's checkpoint.
  if (core::Status s = index_.Open(); !s.ok()) return s;
  asio::co_spawn(io_, Accept(), asio::detached);
  for (int i = 0; i < options_.network_threads; ++i) threads_.emplace_back([this] { io_.run(); });
  started_ = true;
  ServerLog().info("listening at {}:{} ({}; at most {} connections)", options_.address, port_,
                   tls_ ? "TLS" : "plain TCP", options_.max_connections);
  return core::Status::OK();
}

// An accept error (out of file descriptors, most often) is not retried at
// once, which would spin while it lasts, but after a pause that doubles up
// to a second while the errors go on.
awaitable<void> Server::Impl::Accept() {
  constexpr std::chrono::milliseconds kFirstPause{10};
  constexpr std::chrono::milliseconds kLongestPause{1000};
  std::chrono::milliseconds pause = kFirstPause;
  asio::steady_timer pause_timer(io_);
  for (;;) {
    auto [error, socket] = co_await acceptor_.async_accept(asio::make_strand(io_), kAsTuple);
    if (error) {
      if (!acceptor_.is_open() || stopping_) co_return;
      ServerLog().error("accepting a connection failed: {}; trying again in {} ms", error.message(),
                        pause.count());
      pause_timer.expires_after(pause);
      co_await pause_timer.async_wait(kAsTuple);
      pause = std::min(pause * 2, kLongestPause);
      continue;
    }
    pause = kFirstPause;
    size_t live = 0;
    {
      std::lock_guard lock(sessions_mutex_);
      live = sessions_.size();
    }
    if (live >= options_.max_connections) {
      ++refused_connections_;
      boost::system::error_code ignored;
      LogRefusal(socket.remote_endpoint(ignored));
      asio::co_spawn(acceptor_.get_executor(), Refuse(std::move(socket)), asio::detached);
      continue;
    }
    auto session = std::make_shared<Session>(std::move(socket), tls_ ? &*tls_ : nullptr, this);
    {
      std::lock_guard lock(sessions_mutex_);
      sessions_.emplace(session.get(), session);
    }
    session->Start();
  }
}

void Server::Impl::LogRefusal(const tcp::endpoint& peer) {
  ++refusals_unlogged_;
  auto now = std::chrono::steady_clock::now();
  if (now - refusals_logged_at_ < std::chrono::seconds(1)) return;
  ServerLog().warn(
      "refused {} connection{} (the last from {}:{}): serving the limit of {} connections",
      refusals_unlogged_, refusals_unlogged_ == 1 ? "" : "s", peer.address().to_string(),
      peer.port(), options_.max_connections);
  refusals_logged_at_ = now;
  refusals_unlogged_ = 0;
}

// Tells a connection over the limit why, then closes it.
awaitable<void> Server::Impl::Refuse(tcp::socket socket) {
  std::string frame = EncodeFrame(ErrorResponse(
      0, accord::v1::RESOURCE_EXHAUSTED,
      fmt::format("the server is serving its limit of {} connections; try again later",
                  options_.max_connections)));
  asio::steady_timer deadline(socket.get_executor());
  deadline.expires_after(std::chrono::seconds(1));
  deadline.async_wait([&socket](const boost::system::error_code& ec) {
    if (!ec) socket.close();
  });
  co_await asio::async_write(socket, asio::buffer(frame), kAsTuple);
  deadline.cancel();
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

void Server::Impl::LogGrew() {
  // Keep the index close behind the log; one catch-up queued at a time.
  if (!index_catch_up_queued_.exchange(true)) {
    asio::post(pool_, [this] {
      index_catch_up_queued_ = false;
      // A listing catches up again and answers the error to its client.
      if (core::Status s = index_.CatchUp(); !s.ok()) {
        ServerLog().error("the agreement index cannot catch up with the log: {}", s.ToString());
      }
    });
  }
  std::lock_guard lock(sessions_mutex_);
  for (auto& [key, weak] : sessions_) {
    if (auto session = weak.lock()) session->NotifyLogGrew();
  }
}

void Server::Impl::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  stopping_ = true;
  {
    std::lock_guard lock(alive_->mutex);
    alive_->server = nullptr;
  }
  asio::post(io_, [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(sessions_mutex_);
    for (auto& [key, weak] : sessions_) {
      if (auto s = weak.lock()) sessions.push_back(std::move(s));
    }
  }
  ServerLog().info("stopping: answering what {} connection{} began, then closing them",
                   sessions.size(), sessions.size() == 1 ? "" : "s");
  // No new requests; those begun finish and are answered (appends wait for
  // their group commit, then the agreement's next command runs on the
  // pool), and each connection closes once it has nothing left to send.
  for (auto& s : sessions) s->Drain();
  auto wait_closed = [&sessions](std::chrono::steady_clock::duration limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    for (auto& s : sessions) {
      while (!s->closed() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
  };
  wait_closed(std::chrono::seconds(10));
  for (auto& s : sessions) s->Close();  // what is left did not finish in time
  wait_closed(std::chrono::seconds(1));
  pool_.join();
  io_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  ServerLog().info("stopped serving");
}

Response Server::Impl::Execute(const Request& request) {
  uint64_t id = request.request_id();
  switch (request.kind_case()) {
    case Request::kReadStream: {
      const auto& read = request.read_stream();
      store::ReadPage page;
      core::Status s =
          store_->ReadStreamForward(read.stream_id(), read.from_version(), read.max_count(), &page);
      return ReadPage(id, s, page, PageCut{false});
    }
    case Request::kReadAll: {
      store::ReadPage page;
      core::Status s = store_->ReadAll(request.read_all().from_position(),
                                       request.read_all().max_count(), &page);
      return ReadPage(id, s, page, PageCut{true});
    }
    case Request::kGetAgreement:
      return Agreement(id, request.get_agreement());
    case Request::kListAgreements:
      return List(id, request.list_agreements());
    case Request::kGetTimeline:
      return Timeline(id, request.get_timeline());
    case Request::kGetReport:
      return Report(id);
    case Request::kBackup: {
      uint64_t position = 0;
      core::Status s = store_->Backup(request.backup().directory(), &position);
      if (!s.ok()) return ErrorResponse(id, ToErrorCode(s), s.message());
      Response response;
      response.set_request_id(id);
      response.mutable_backed_up()->set_directory(request.backup().directory());
      response.mutable_backed_up()->set_log_position(position);
      return response;
    }
    case Request::kVerifyLog: {
      store::VerifyReport report;
      if (core::Status s = store_->Verify(&report); !s.ok()) {
        return ErrorResponse(id, ToErrorCode(s), s.message());
      }
      uint64_t indexed = 0;
      if (core::Status s = index_.Verify(&indexed); !s.ok()) {
        return ErrorResponse(id, ToErrorCode(s), s.message());
      }
      Response response;
      response.set_request_id(id);
      response.mutable_verified()->set_agreements_indexed(indexed);
      response.mutable_verified()->set_records(report.records);
      response.mutable_verified()->set_streams(report.streams);
      response.mutable_verified()->set_head_hash(report.head_hash);
      return response;
    }
    case Request::kGetCheckpoint:
      return Checkpoint(id, request.get_checkpoint());
    case Request::kGetInclusionProof:
      return InclusionProof(id, request.get_inclusion_proof());
    case Request::kGetConsistencyProof:
      return ConsistencyProof(id, request.get_consistency_proof());
    default:
      return ErrorResponse(id, accord::v1::UNKNOWN_REQUEST, "not a store request");
  }
}

void Server::Impl::ExecuteAsync(const Request& request, const std::string& actor,
                                std::function<void(Response)> done) {
  uint64_t id = request.request_id();
  if (request.has_log_milestone()) {
    handler_.LogAsync(request.log_milestone(), actor,
                      [id, done = std::move(done)](CommandHandler::LogResult logged) {
                        done(LoggedResponse(id, logged));
                      });
    return;
  }
  if (request.has_append_events()) {
    std::vector<accord::v1::NewEvent> events;
    store::ExpectedVersion expected = store::ExpectedVersion::Any();
    if (std::optional<Response> refused =
            PrepareAppend(id, request.append_events(), actor, &events, &expected)) {
      done(std::move(*refused));
      return;
    }
    store_->AppendAsync(
        request.append_events().stream_id(), expected, std::move(events),
        [id, done = std::move(done)](const core::Status& s, const store::AppendResult& result) {
          done(AppendedResponse(id, s, result));
        });
    return;
  }
  done(Execute(request));
}

std::optional<Response> Server::Impl::PrepareAppend(uint64_t request_id,
                                                    const accord::v1::AppendEvents& append,
                                                    const std::string& actor,
                                                    std::vector<accord::v1::NewEvent>* events,
                                                    store::ExpectedVersion* expected) {
  events->assign(append.events().begin(), append.events().end());
  for (size_t i = 0; i < events->size(); ++i) {
    auto& e = (*events)[i];
    auto decoded = core::DecodeEvent(e.event_type(), e.schema_version(), e.payload());
    if (!decoded) {
      return ErrorResponse(request_id, accord::v1::INVALID_ARGUMENT,
                           fmt::format("event {}: {}", e.event_id(), decoded.error()));
    }
    if (std::string breach = RawEventOverLimits(append.stream_id(), e, std::move(decoded.value()));
        !breach.empty()) {
      return ErrorResponse(
          request_id, accord::v1::INVALID_ARGUMENT,
          fmt::format("append_events.events[{}] ({}): {}", i, e.event_id(), breach));
    }
    e.set_actor(actor);
  }
  switch (append.expected().kind_case()) {
    case accord::v1::ExpectedVersion::kNoStream:
      *expected = store::ExpectedVersion::NoStream();
      break;
    case accord::v1::ExpectedVersion::kStreamExists:
      *expected = store::ExpectedVersion::StreamExists();
      break;
    case accord::v1::ExpectedVersion::kExact:
      *expected = store::ExpectedVersion::Exact(append.expected().exact());
      break;
    default:
      *expected = store::ExpectedVersion::Any();
      break;
  }
  return std::nullopt;
}

Response Server::Impl::AppendedResponse(uint64_t request_id, const core::Status& s,
                                        const store::AppendResult& result) {
  if (!s.ok()) {
    Response error = ErrorResponse(request_id, ToErrorCode(s), s.message());
    if (result.current_version) error.mutable_error()->set_current_version(*result.current_version);
    return error;
  }
  Response response;
  response.set_request_id(request_id);
  auto* appended = response.mutable_appended();
  appended->set_first_position(result.first_position);
  appended->set_last_position(result.last_position);
  appended->set_last_version(result.last_version);
  appended->set_already_stored(result.already_stored);
  return response;
}

Response Server::Impl::LoggedResponse(uint64_t request_id,
                                      const CommandHandler::LogResult& logged) {
  Response response;
  response.set_request_id(request_id);
  if (logged) {
    response.mutable_logged()->set_position(logged->position);
    response.mutable_logged()->set_version(logged->version);
    response.mutable_logged()->set_already_logged(logged->already_stored);
  } else if (logged.error().kind == LogFailure::Kind::kRejected) {
    response.mutable_rejected()->set_code(logged.error().rejection.code);
    response.mutable_rejected()->set_message(logged.error().rejection.message);
  } else {
    return ErrorResponse(request_id, ToErrorCode(logged.error().status),
                         logged.error().status.message());
  }
  return response;
}

core::Status Server::Impl::SignCheckpoint(std::optional<uint64_t> size,
                                          accord::v1::SignedCheckpoint* checkpoint) const {
  core::Checkpoint c;
  c.origin = options_.log_origin;
  c.size = size ? *size : store_->Head().next_position;
  if (core::Status s = store_->MerkleRoot(c.size, &c.root_hash); !s.ok()) return s;
  checkpoint->set_note(signer_.Sign(core::CheckpointBody(c)));
  checkpoint->set_size(c.size);
  checkpoint->set_root_hash(c.root_hash);
  checkpoint->set_verifier_key(signer_.VerifierKey());
  return core::Status::OK();
}

Response Server::Impl::Checkpoint(uint64_t request_id, const accord::v1::GetCheckpoint& get) const {
  Response response;
  response.set_request_id(request_id);
  std::optional<uint64_t> size;
  if (get.has_size()) size = get.size();
  if (core::Status s = SignCheckpoint(size, response.mutable_checkpoint()); !s.ok()) {
    return ErrorResponse(request_id, ToErrorCode(s), s.message());
  }
  return response;
}

Response Server::Impl::InclusionProof(uint64_t request_id,
                                      const accord::v1::GetInclusionProof& get) const {
  uint64_t position = get.position();
  if (get.has_event_id()) {
    accord::v1::EventRecord record;
    if (core::Status s = store_->FindEvent(get.event_id(), &record); !s.ok()) {
      return ErrorResponse(
          request_id, ToErrorCode(s),
          s.IsNotFound() ? fmt::format("no event {} in the log", get.event_id()) : s.message());
    }
    position = record.position();
  }
  Response response;
  response.set_request_id(request_id);
  auto* proof = response.mutable_inclusion_proof();
  std::optional<uint64_t> size;
  if (get.has_tree_size()) size = get.tree_size();
  core::Status s = SignCheckpoint(size, proof->mutable_checkpoint());
  std::vector<std::string> hashes;
  if (s.ok()) s = store_->InclusionProof(position, proof->checkpoint().size(), &hashes);
  if (s.ok()) s = store_->ReadLeaf(position, proof->mutable_leaf());
  if (!s.ok()) return ErrorResponse(request_id, ToErrorCode(s), s.message());
  proof->set_position(position);
  for (auto& h : hashes) proof->add_hashes(std::move(h));
  return response;
}

Response Server::Impl::ConsistencyProof(uint64_t request_id,
                                        const accord::v1::GetConsistencyProof& get) const {
  Response response;
  response.set_request_id(request_id);
  auto* proof = response.mutable_consistency_proof();
  std::optional<uint64_t> size;
  if (get.has_second_size()) size = get.second_size();
  core::Status s = SignCheckpoint(size, proof->mutable_checkpoint());
  std::vector<std::string> hashes;
  if (s.ok()) s = store_->ConsistencyProof(get.first_size(), proof->checkpoint().size(), &hashes);
  if (!s.ok()) return ErrorResponse(request_id, ToErrorCode(s), s.message());
  proof->set_first_size(get.first_size());
  for (auto& h : hashes) proof->add_hashes(std::move(h));
  return response;
}

Response Server::Impl::Health(uint64_t request_id) {
  Response response;
  response.set_request_id(request_id);
  auto* health = response.mutable_health();
  store::LogHead head = store_->Head();
  store::StoreStats stats = store_->Stats();
  health->set_log_position(head.next_position);
  health->set_head_hash(head.last_hash);
  health->set_group_commits(stats.group_commits);
  auto* index = health->add_projections();
  index->set_name("agreement-index");
  index->set_checkpoint(index_.checkpoint());
  index->set_lag(head.next_position - std::min(head.next_position, index_.checkpoint()));
  health->set_events_written(stats.events_written);
  health->set_write_refusal(stats.write_refusal);
  std::lock_guard lock(sessions_mutex_);
  uint32_t subscriptions = 0;
  for (const auto& [key, weak] : sessions_) {
    if (auto session = weak.lock())
      subscriptions += static_cast<uint32_t>(session->subscriptions());
  }
  health->set_connections(static_cast<uint32_t>(sessions_.size()));
  health->set_dropped_slow_readers(dropped_slow_readers_.load());
  health->set_refused_connections(refused_connections_.load());
  health->set_subscriptions(subscriptions);
  return response;
}

// All of an agreement's events, decoded; an error response when it fails.
std::optional<Response> Server::Impl::ReadAgreement(
    uint64_t request_id, const std::string& agreement_id,
    std::vector<accord::v1::RecordedEvent>* events) const {
  uint64_t from = 0;
  store::ReadPage page;
  do {
    core::Status s = store_->ReadStreamForward(agreement_id, from, 0, &page);
    Response read = ReadPage(request_id, s, page);
    if (!read.has_page()) return read;
    events->insert(events->end(), read.page().events().begin(), read.page().events().end());
    from = page.next;
  } while (!page.end_of_data);
  return std::nullopt;
}

Response Server::Impl::Agreement(uint64_t request_id, const accord::v1::GetAgreement& get) {
  std::vector<accord::v1::RecordedEvent> events;
  if (auto error = ReadAgreement(request_id, get.agreement_id(), &events)) return *error;
  if (get.has_recorded_before()) events = core::AsRecorded(events, get.recorded_before());
  if (events.empty()) {
    return ErrorResponse(
        request_id, accord::v1::NOT_FOUND,
        fmt::format("no agreement '{}'{}", get.agreement_id(),
                    get.has_recorded_before() ? " had been recorded by then" : ""));
  }
  core::Day day = Today();
  std::vector<core::AgreementEvent> folded;
  if (get.has_true_on()) {
    accord::v1::FuzzyDate on;
    on.set_precision(accord::v1::FuzzyDate::DAY);
    *on.mutable_date() = get.true_on();
    if (std::string problem = core::ValidateFuzzyDate(on); !problem.empty()) {
      return ErrorResponse(request_id, accord::v1::INVALID_ARGUMENT, "true_on: " + problem);
    }
    day = core::ToDay(get.true_on());
    folded = core::AsTrueOn(events, day);
  } else {
    folded = core::ToAgreementEvents(events);
  }
  core::AgreementState state = core::Fold(get.agreement_id(), folded);
  if (state.stage == core::Stage::kNone) {
    return ErrorResponse(
        request_id, accord::v1::NOT_FOUND,
        fmt::format("agreement '{}' had not been proposed by then", get.agreement_id()));
  }
  Response response;
  response.set_request_id(request_id);
  *response.mutable_agreement() =
      core::Summarize(state, events.back().record().stream_version(), day);
  // The links other agreements make to this one (the index, caught up first).
  std::vector<accord::v1::LinkSummary> incoming;
  core::Status s = index_.CatchUp();
  if (s.ok()) s = index_.LinksTo(get.agreement_id(), &incoming);
  if (!s.ok()) return ErrorResponse(request_id, ToErrorCode(s), s.message());
  for (auto& link : incoming) *response.mutable_agreement()->add_links() = std::move(link);
  return response;
}

Response Server::Impl::Timeline(uint64_t request_id, const accord::v1::GetTimeline& get) const {
  std::vector<accord::v1::RecordedEvent> events;
  if (auto error = ReadAgreement(request_id, get.agreement_id(), &events)) return *error;
  if (get.has_recorded_before()) events = core::AsRecorded(events, get.recorded_before());
  if (events.empty()) {
    return ErrorResponse(request_id, accord::v1::NOT_FOUND,
                         fmt::format("no agreement '{}'", get.agreement_id()));
  }
  Response response;
  response.set_request_id(request_id);
  *response.mutable_timeline() = core::BuildTimeline(get.agreement_id(), events);
  return response;
}

// Replays the whole log, a page at a time, into the report builder (which
// keeps one folded state per agreement, as the client's replay did).
Response Server::Impl::Report(uint64_t request_id) const {
  core::ReportBuilder builder;
  uint64_t from = 0;
  store::ReadPage page;
  do {
    core::Status s = store_->ReadAll(from, 0, &page);
    Response read = ReadPage(request_id, s, page);
    if (!read.has_page()) return read;
    for (const auto& event : read.page().events()) builder.Add(event);
    from = page.next;
  } while (!page.end_of_data);
  Response response;
  response.set_request_id(request_id);
  *response.mutable_report() = builder.Build(Today());
  return response;
}

core::Day Server::Impl::Today() {
  return std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
}

// Finds the page through the agreement index (caught up first, so that a
// client sees what it has just logged), then folds each agreement listed.
Response Server::Impl::List(uint64_t request_id, const accord::v1::ListAgreements& list) {
  constexpr size_t kMaxAgreements = 100;
  size_t wanted =
      list.max_count() == 0 ? kMaxAgreements : std::min<size_t>(list.max_count(), kMaxAgreements);
  if (core::Status s = index_.CatchUp(); !s.ok()) {
    return ErrorResponse(request_id, ToErrorCode(s), s.message());
  }
  std::vector<std::string> ids;
  bool end = false;
  core::Status s = index_.Find(list.stage(), list.party_id(), list.after(), wanted, &ids, &end);
  if (!s.ok()) return ErrorResponse(request_id, ToErrorCode(s), s.message());
  Response response;
  response.set_request_id(request_id);
  auto* out = response.mutable_agreements();
  core::Day today = Today();
  // Cut by bytes too: the page ends before the agreement that would pass
  // the budget, and one too large for a frame by itself is abridged.
  PageCutter cutter(PageBudget(options_.page_bytes, options_.max_frame_bytes));
  for (const std::string& id : ids) {
    LoadedAgreement loaded;
    s = handler_.Load(id, &loaded);
    if (!s.ok()) return ErrorResponse(request_id, ToErrorCode(s), s.message());
    if (loaded.event_count == 0) continue;
    accord::v1::AgreementSummary summary =
        core::Summarize(loaded.state, loaded.event_count - 1, today);
    if (!FitsInFrame(summary.ByteSizeLong(), options_.max_frame_bytes)) summary = Abridged(summary);
    if (!cutter.Admit(summary.ByteSizeLong())) {
      out->set_end_of_data(false);
      return response;  // next_after is the last agreement listed
    }
    *out->add_agreements() = std::move(summary);
    out->set_next_after(id);
  }
  if (!ids.empty()) out->set_next_after(ids.back());
  out->set_end_of_data(end);
  return response;
}

Response Server::Impl::ReadPage(uint64_t request_id, const core::Status& s,
                                const store::ReadPage& page, std::optional<PageCut> cut) const {
  if (!s.ok()) return ErrorResponse(request_id, ToErrorCode(s), s.message());
  Response response;
  response.set_request_id(request_id);
  auto* out = response.mutable_page();
  PageCutter cutter(PageBudget(options_.page_bytes, options_.max_frame_bytes));
  for (const auto& record : page.records) {
    auto event = core::DecodeEvent(record.event_type(), record.schema_version(), record.payload());
    if (!event) {
      return ErrorResponse(request_id, accord::v1::CORRUPTION,
                           fmt::format("position {}: {}", record.position(), event.error()));
    }
    accord::v1::RecordedEvent view;
    *view.mutable_record() = record;
    view.mutable_record()->clear_payload();
    *view.mutable_event() = std::move(event.value());
    if (cut) {
      uint64_t here = cut->by_position ? record.position() : record.stream_version();
      size_t bytes = view.ByteSizeLong();
      if (!cutter.Admit(bytes)) {
        out->set_next(here);  // the rest is the next page's
        out->set_end_of_data(false);
        return response;
      }
      if (!FitsInFrame(bytes, options_.max_frame_bytes)) {
        return ErrorResponse(
            request_id, accord::v1::RESPONSE_TOO_LARGE,
            fmt::format("the event at position {} is {} bytes, over the frame limit of {}; read "
                        "on from {} {}",
                        record.position(), bytes, options_.max_frame_bytes,
                        cut->by_position ? "position" : "version", here + 1));
      }
    }
    *out->add_events() = std::move(view);
  }
  out->set_next(page.next);
  out->set_end_of_data(page.end_of_data);
  return response;
}

Server::Server(store::EventStore* store, ServerOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(options))) {}

Server::~Server() { Stop(); }

core::Status Server::Start() { return impl_->Start(); }
uint16_t Server::port() const { return impl_->port(); }
void Server::Stop() { impl_->Stop(); }

}  // namespace accord::net
