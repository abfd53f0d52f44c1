#include "net/server.h"

#include <fmt/format.h>

#include <atomic>
#include <thread>
#include <unordered_map>
#include <vector>

#include "app/errors.h"
#include "app/log.h"
#include "core/mutex.h"
#include "core/thread_annotations.h"
#include "net/framing.h"
#include "net/listener.h"
#include "net/session.h"

namespace accord::net {

using app::ErrorResponse;
using app::ServerLog;

app::ApplicationOptions ApplicationOptionsOf(const ServerOptions& options) {
  app::ApplicationOptions app;
  app.page_bytes = options.page_bytes;
  app.max_frame_bytes = options.max_frame_bytes;
  app.checkpoint_signer = options.checkpoint_signer;
  app.log_origin = options.log_origin;
  app.clock = options.clock;
  app.documents = options.documents;
  return app;
}

class Server::Impl final : public SessionHost {
 public:
  Impl(app::Application* application, ServerOptions options)
      : options_(std::move(options)),
        acceptor_(io_),
        pool_(static_cast<size_t>(options_.store_threads)),
        application_(application) {}
  // A server of its own application over `store`.
  Impl(store::EventStore* store, ServerOptions options)
      : options_(std::move(options)),
        acceptor_(io_),
        pool_(static_cast<size_t>(options_.store_threads)),
        owned_application_(std::make_unique<app::Application>(
            store, ApplicationOptionsOf(options_),
            [this](std::function<void()> work) { asio::post(pool_, std::move(work)); })),
        application_(owned_application_.get()) {}

  ~Impl() override = default;

  core::Status Start();
  void Stop();
  uint16_t port() const { return port_; }

  // SessionHost
  const ServerOptions& options() const override { return options_; }
  app::Application& application() override { return *application_; }
  asio::thread_pool& pool() override { return pool_; }
  bool stopping() const override { return stopping_.load(); }
  void Forget(const Session* session) override {
    core::MutexLock lock(&sessions_mutex_);
    sessions_.erase(session);
  }

 private:
  // A connection accepted (net/listener.h): a session, or refused at the limit.
  void Accepted(tcp::socket socket);
  void LogRefusal(const tcp::endpoint& peer);
  awaitable<void> Refuse(tcp::socket socket);
  // Called on the store's commit thread: wakes the subscribers.
  void LogGrew();
  // This listener's live figures, for health answers and metrics.
  app::FrontDoorFigures Figures();

  ServerOptions options_;
  std::optional<asio::ssl::context> tls_;  // set when the listener speaks TLS
  asio::io_context io_;
  tcp::acceptor acceptor_;
  asio::thread_pool pool_;
  std::unique_ptr<app::Application> owned_application_;  // set when not given one
  app::Application* application_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  bool stopped_ = false;

  // The open connections: each is added when accepted, removed when it closes.
  core::Mutex sessions_mutex_;
  std::unordered_map<const Session*, std::weak_ptr<Session>> sessions_ GUARDED_BY(sessions_mutex_);
  // Refusals logged once a second at most: a flood must not flood the log.
  std::chrono::steady_clock::time_point refusals_logged_at_;
  uint64_t refusals_unlogged_ = 0;

  uint64_t log_watch_ = 0;   // the application's id for LogGrew
  uint64_t front_door_ = 0;  // the application's id for Figures
};

core::Status Server::Impl::Start() {
  if (core::Status s = MakeServerTls(options_.tls_certificate_file, options_.tls_key_file, &tls_);
      !s.ok()) {
    return s;
  }
  if (core::Status s = Listen(acceptor_, options_.address, options_.port, "TCP"); !s.ok()) {
    return s;
  }
  port_ = acceptor_.local_endpoint().port();
  // Start-up reads only what was logged since the index's checkpoint. A
  // shared application was opened by its owner.
  if (owned_application_) {
    if (core::Status s = application_->Open(); !s.ok()) return s;
  }
  // Stop unwatches and unregisters before anything they reach goes.
  log_watch_ = application_->WatchLog([this] { LogGrew(); });
  front_door_ = application_->AddFrontDoor(app::Door::kTcp, [this] { return Figures(); });
  asio::co_spawn(io_,
                 AcceptLoop(
                     acceptor_, "TCP", [this] { return stopping_.load(); },
                     [this](tcp::socket socket) { Accepted(std::move(socket)); }),
                 asio::detached);
  for (int i = 0; i < options_.network_threads; ++i) threads_.emplace_back([this] { io_.run(); });
  started_ = true;
  ServerLog().info("listening at {}:{} ({}; at most {} connections)", options_.address, port_,
                   tls_ ? "TLS" : "plain TCP", options_.max_connections);
  return core::Status::OK();
}

// Over the connection limit a connection is told why and closed; otherwise
// it gets a session of its own.
void Server::Impl::Accepted(tcp::socket socket) {
  size_t live = 0;
  {
    core::MutexLock lock(&sessions_mutex_);
    live = sessions_.size();
  }
  if (live >= options_.max_connections) {
    application_->metrics().CountRefusedConnection(app::Door::kTcp);
    boost::system::error_code ignored;
    LogRefusal(socket.remote_endpoint(ignored));
    asio::co_spawn(acceptor_.get_executor(), Refuse(std::move(socket)), asio::detached);
    return;
  }
  auto session = std::make_shared<Session>(std::move(socket), tls_ ? &*tls_ : nullptr, this);
  {
    core::MutexLock lock(&sessions_mutex_);
    sessions_.emplace(session.get(), session);
  }
  session->Start();
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
  core::MutexLock lock(&sessions_mutex_);
  for (auto& [key, weak] : sessions_) {
    if (auto session = weak.lock()) session->NotifyLogGrew();
  }
}

void Server::Impl::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  stopping_ = true;
  application_->UnwatchLog(log_watch_);
  application_->RemoveFrontDoor(front_door_);
  // An application of the server's own stops hearing the store now: the
  // store may go before the server does.
  if (owned_application_) owned_application_->StopListening();
  asio::post(io_, [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
  std::vector<std::shared_ptr<Session>> sessions;
  {
    core::MutexLock lock(&sessions_mutex_);
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

app::FrontDoorFigures Server::Impl::Figures() {
  app::FrontDoorFigures figures;
  core::MutexLock lock(&sessions_mutex_);
  figures.connections = sessions_.size();
  for (const auto& [key, weak] : sessions_) {
    if (auto session = weak.lock()) {
      figures.subscriptions += static_cast<uint64_t>(session->subscriptions());
    }
  }
  return figures;
}

Server::Server(store::EventStore* store, ServerOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(options))) {}

Server::Server(app::Application* application, ServerOptions options)
    : impl_(std::make_unique<Impl>(application, std::move(options))) {}

Server::~Server() { Stop(); }

core::Status Server::Start() { return impl_->Start(); }
uint16_t Server::port() const { return impl_->port(); }
void Server::Stop() { impl_->Stop(); }

}  // namespace accord::net
