#include "net/http_server.h"

#include <fmt/format.h>

#include <boost/beast/http/write.hpp>
#include <thread>
#include <unordered_map>
#include <vector>

#include "app/log.h"
#include "core/mutex.h"
#include "core/thread_annotations.h"
#include "net/http_session.h"
#include "net/listener.h"

namespace accord::net {

using asio::ip::tcp;
using boost::system::error_code;
namespace {
constexpr auto kAsTuple = asio::experimental::as_tuple(asio::use_awaitable);

// The api learns from the certificate that it answers over TLS.
HttpServerOptions WithTls(HttpServerOptions options) {
  options.api.tls = !options.tls_certificate_file.empty();
  return options;
}
}  // namespace

class HttpServer::Impl final : public HttpSessionHost {
 public:
  Impl(app::Application* application, HttpServerOptions options)
      : options_(WithTls(std::move(options))),
        application_(application),
        api_(application, options_.api),
        json_threads_(static_cast<size_t>(std::max(1, options_.json_threads))),
        delivery_(std::make_shared<Delivery>(json_threads_.get_executor())),
        acceptor_(io_) {}
  ~Impl() override = default;

  core::Status Start();
  void Stop();
  uint16_t port() const { return port_; }

  // HttpSessionHost
  const HttpServerOptions& options() const override { return options_; }
  app::Application& application() override { return *application_; }
  const HttpApi& api() const override { return api_; }
  std::shared_ptr<Delivery> delivery() const override { return delivery_; }
  bool stopping() const override { return stopping_.load(); }
  void Forget(const HttpSessionBase* session) override {
    core::MutexLock lock(&sessions_mutex_);
    sessions_.erase(session);
  }

 private:
  // A connection accepted (net/listener.h): a session, or refused at the limit.
  void Accepted(tcp::socket socket);
  asio::awaitable<void> Refuse(tcp::socket socket);
  void LogGrew();
  // This door's live figures, for health and metrics.
  app::FrontDoorFigures Figures();

  HttpServerOptions options_;
  app::Application* application_;
  HttpApi api_;
  asio::thread_pool json_threads_;
  std::shared_ptr<Delivery> delivery_;
  std::optional<asio::ssl::context> tls_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  bool stopped_ = false;
  uint64_t log_watch_ = 0;
  uint64_t front_door_ = 0;  // the application's id for Figures

  core::Mutex sessions_mutex_;
  std::unordered_map<const HttpSessionBase*, std::weak_ptr<HttpSessionBase>> sessions_
      GUARDED_BY(sessions_mutex_);
};

core::Status HttpServer::Impl::Start() {
  if (core::Status s = MakeServerTls(options_.tls_certificate_file, options_.tls_key_file, &tls_);
      !s.ok()) {
    return s;
  }
  if (core::Status s = Listen(acceptor_, options_.address, options_.port, "HTTP"); !s.ok()) {
    return s;
  }
  port_ = acceptor_.local_endpoint().port();
  log_watch_ = application_->WatchLog([this] { LogGrew(); });
  front_door_ = application_->AddFrontDoor(app::Door::kHttp, [this] { return Figures(); });
  asio::co_spawn(io_,
                 AcceptLoop(
                     acceptor_, "HTTP", [this] { return stopping_.load(); },
                     [this](tcp::socket socket) { Accepted(std::move(socket)); }),
                 asio::detached);
  for (int i = 0; i < options_.network_threads; ++i) threads_.emplace_back([this] { io_.run(); });
  started_ = true;
  app::ServerLog().info("serving HTTP at {}://{}:{}/ (at most {} connections)",
                        tls_ ? "https" : "http", options_.address, port_, options_.max_connections);
  return core::Status::OK();
}

void HttpServer::Impl::Accepted(tcp::socket socket) {
  size_t live = 0;
  {
    core::MutexLock lock(&sessions_mutex_);
    live = sessions_.size();
  }
  if (live >= options_.max_connections) {
    application_->metrics().CountRefusedConnection(app::Door::kHttp);
    auto executor = socket.get_executor();
    asio::co_spawn(executor, Refuse(std::move(socket)), asio::detached);
    return;
  }
  std::shared_ptr<HttpSessionBase> session;
  if (tls_) {
    session = std::make_shared<TlsHttpSession>(
        asio::ssl::stream<tcp::socket>(std::move(socket), *tls_), this);
  } else {
    session = std::make_shared<PlainHttpSession>(std::move(socket), this);
  }
  {
    core::MutexLock lock(&sessions_mutex_);
    sessions_.emplace(session.get(), session);
  }
  session->Start();
}

// Tells a connection over the limit why (over TLS it cannot: the handshake
// would cost what the limit saves), then closes it.
asio::awaitable<void> HttpServer::Impl::Refuse(tcp::socket socket) {
  if (!tls_) {
    HttpResponse refusal = ProblemResponse(
        boost::beast::http::status::too_many_requests, "RESOURCE_EXHAUSTED",
        fmt::format("the server is serving its limit of {} connections; try again later",
                    options_.max_connections));
    SetSecurityHeaders(refusal, false);
    asio::steady_timer deadline(socket.get_executor());
    deadline.expires_after(std::chrono::seconds(1));
    deadline.async_wait([&socket](const error_code& ec) {
      if (!ec) socket.close();
    });
    co_await boost::beast::http::async_write(socket, refusal, kAsTuple);
    deadline.cancel();
  }
  error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

void HttpServer::Impl::LogGrew() {
  core::MutexLock lock(&sessions_mutex_);
  for (auto& [key, weak] : sessions_) {
    if (auto session = weak.lock()) session->NotifyLogGrew();
  }
}

app::FrontDoorFigures HttpServer::Impl::Figures() {
  core::MutexLock lock(&sessions_mutex_);
  app::FrontDoorFigures figures;
  figures.connections = sessions_.size();
  for (const auto& [key, weak] : sessions_) {
    if (auto session = weak.lock())
      figures.subscriptions += static_cast<uint64_t>(session->streams());
  }
  return figures;
}

void HttpServer::Impl::Stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  stopping_ = true;
  application_->UnwatchLog(log_watch_);
  application_->RemoveFrontDoor(front_door_);
  asio::post(io_, [this] {
    error_code ignored;
    acceptor_.close(ignored);
  });
  std::vector<std::shared_ptr<HttpSessionBase>> sessions;
  {
    core::MutexLock lock(&sessions_mutex_);
    for (auto& [key, weak] : sessions_) {
      if (auto s = weak.lock()) sessions.push_back(std::move(s));
    }
  }
  // No new requests; those begun are answered, streams end, and each
  // connection closes once it has nothing left to send.
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
  for (auto& s : sessions) s->Close();
  wait_closed(std::chrono::seconds(1));
  // An answer still under way is dropped, not posted to threads or a strand
  // that are gone; what the JSON threads are doing finishes first.
  delivery_->Close();
  json_threads_.join();
  io_.stop();
  for (auto& t : threads_) t.join();
  threads_.clear();
  app::ServerLog().info("stopped serving HTTP");
}

HttpServer::HttpServer(app::Application* application, HttpServerOptions options)
    : impl_(std::make_unique<Impl>(application, std::move(options))) {}

HttpServer::~HttpServer() { Stop(); }

core::Status HttpServer::Start() { return impl_->Start(); }
uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Stop() { impl_->Stop(); }

}  // namespace accord::net
