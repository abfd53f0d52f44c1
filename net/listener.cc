#include "net/listener.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "app/log.h"

namespace accord::net {

namespace asio = boost::asio;
using asio::ip::tcp;

core::Status MakeServerTls(const std::string& certificate_file, const std::string& key_file,
                           std::optional<asio::ssl::context>* tls) {
  tls->reset();
  if (certificate_file.empty()) return core::Status::OK();
  boost::system::error_code ec;
  tls->emplace(asio::ssl::context::tls_server);
  (*tls)->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                      asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                      asio::ssl::context::no_tlsv1_1);
  (*tls)->use_certificate_chain_file(certificate_file, ec);
  if (!ec) (*tls)->use_private_key_file(key_file, asio::ssl::context::pem, ec);
  if (ec) {
    tls->reset();
    return core::Status::InvalidArgument(
        fmt::format("cannot use the TLS certificate {} and key {}: {}", certificate_file, key_file,
                    ec.message()));
  }
  return core::Status::OK();
}

core::Status Listen(tcp::acceptor& acceptor, const std::string& address, uint16_t port,
                    std::string_view door) {
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address, ec);
  if (ec)
    return core::Status::InvalidArgument(fmt::format("bad {} listen address {}", door, address));
  tcp::endpoint endpoint(ip, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return core::Status::IOError(
        fmt::format("cannot listen for {} on {}:{}: {}", door, address, port, ec.message()));
  }
  return core::Status::OK();
}

asio::awaitable<void> AcceptLoop(tcp::acceptor& acceptor, std::string_view door,
                                 std::function<bool()> stopping,
                                 std::function<void(tcp::socket)> accepted) {
  constexpr auto kAsTuple = asio::experimental::as_tuple(asio::use_awaitable);
  constexpr std::chrono::milliseconds kFirstPause{10};
  constexpr std::chrono::milliseconds kLongestPause{1000};
  std::chrono::milliseconds pause = kFirstPause;
  asio::steady_timer pause_timer(acceptor.get_executor());
  for (;;) {
    auto [error, socket] =
        co_await acceptor.async_accept(asio::make_strand(acceptor.get_executor()), kAsTuple);
    if (error) {
      if (!acceptor.is_open() || stopping()) co_return;
      app::ServerLog().error("accepting a {} connection failed: {}; trying again in {} ms", door,
                             error.message(), pause.count());
      pause_timer.expires_after(pause);
      co_await pause_timer.async_wait(kAsTuple);
      pause = std::min(pause * 2, kLongestPause);
      continue;
    }
    pause = kFirstPause;
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    accepted(std::move(socket));
  }
}

}  // namespace accord::net
