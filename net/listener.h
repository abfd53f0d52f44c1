// net/listener: what both front doors do to listen, written once: the TLS
// context of a certificate and key, binding and listening, and the accept
// loop that backs off while accepts fail (out of file descriptors, most
// often) instead of spinning, and sets TCP_NODELAY on what it accepts.
// Thread safety: as Asio's acceptor (one accept loop per acceptor).
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/ssl.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace accord::net {

// A server TLS context (TLS 1.2 and later) of a PEM certificate chain and
// its key, into `tls`; InvalidArgument naming both when they cannot be used.
// Empty file names: plain, `tls` left empty.
core::Status MakeServerTls(const std::string& certificate_file, const std::string& key_file,
                           std::optional<boost::asio::ssl::context>* tls);

// Opens, binds and listens `acceptor` on address:port; InvalidArgument for
// an address that is not one, IOError (saying `door`) when it cannot listen.
core::Status Listen(boost::asio::ip::tcp::acceptor& acceptor, const std::string& address,
                    uint16_t port, std::string_view door);

// Accepts connections on `acceptor` until it is closed or `stopping`
// returns true, each on a strand of its own with TCP_NODELAY set (an answer
// is not held back behind the acknowledgement of the one before), handed
// to `accepted`. An accept error is retried after a pause that doubles from
// 10 ms to a second while the errors go on, and logged (saying `door`).
boost::asio::awaitable<void> AcceptLoop(boost::asio::ip::tcp::acceptor& acceptor,
                                        std::string_view door, std::function<bool()> stopping,
                                        std::function<void(boost::asio::ip::tcp::socket)> accepted);

}  // namespace accord::net
