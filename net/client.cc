#include "net/client.h"

#include <fmt/format.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <optional>

#include "net/framing.h"
#include "net/server.h"

namespace accord::net {

namespace asio = boost::asio;
using asio::ip::tcp;
using core::Status;
using Clock = std::chrono::steady_clock;

// Every operation is asynchronous, run on the io_context until it completes
// or its deadline passes (Asio's blocking TCP client with timeouts): a
// synchronous read would wait forever on a silent server.
class Client::Impl {
 public:
  asio::io_context io;
  tcp::socket socket{io};
  std::optional<asio::ssl::context> tls_context;
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls;  // set for TLS connections
  std::chrono::milliseconds receive_timeout{0};
  uint32_t max_frame_bytes = kDefaultClientMaxFrameBytes;

  // No deadline.
  static Clock::time_point Forever() { return Clock::time_point::max(); }
  static Clock::time_point After(std::chrono::milliseconds timeout) {
    return timeout.count() == 0 ? Forever() : Clock::now() + timeout;
  }

  // Starts `operation` with a completion handler and runs it to its end, or
  // until `deadline`: then the socket is closed, which ends the operation,
  // and the result is timed_out.
  template <typename Operation>
  boost::system::error_code Run(Operation operation, Clock::time_point deadline) {
    boost::system::error_code result = asio::error::would_block;
    operation([&result](const boost::system::error_code& ec, auto&&...) { result = ec; });
    io.restart();
    if (deadline == Forever()) {
      io.run();
    } else {
      io.run_until(deadline);
    }
    if (!io.stopped()) {
      boost::system::error_code ignored;
      socket.close(ignored);
      io.run();  // the aborted operation completes
      return asio::error::timed_out;
    }
    return result;
  }

  boost::system::error_code ReadExactly(asio::mutable_buffer buffer, Clock::time_point deadline) {
    return Run(
        [&](auto handler) {
          if (tls) {
            asio::async_read(*tls, buffer, std::move(handler));
          } else {
            asio::async_read(socket, buffer, std::move(handler));
          }
        },
        deadline);
  }
  boost::system::error_code WriteAll(const std::string& bytes) {
    return Run(
        [&](auto handler) {
          if (tls) {
            asio::async_write(*tls, asio::buffer(bytes), std::move(handler));
          } else {
            asio::async_write(socket, asio::buffer(bytes), std::move(handler));
          }
        },
        Forever());
  }
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() {
  boost::system::error_code ignored;
  impl_->socket.close(ignored);
}

Status Client::Connect(const std::string& host, uint16_t port, const std::string& client_name,
                       std::unique_ptr<Client>* client) {
  ConnectOptions options;
  options.client_name = client_name;
  return Connect(host, port, options, client);
}

Status Client::Connect(const std::string& host, uint16_t port, const ConnectOptions& options,
                       std::unique_ptr<Client>* client) {
  auto impl = std::make_unique<Impl>();
  impl->max_frame_bytes = options.max_frame_bytes;
  const Clock::time_point deadline = Impl::After(options.timeout);
  auto timed_out = [&](const char* what) {
    return Status::IOError(fmt::format("{} {}:{} took over {} ms; gave up", what, host, port,
                                       options.timeout.count()));
  };
  boost::system::error_code ec;
  tcp::resolver resolver(impl->io);
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (!ec) {
    ec = impl->Run(
        [&](auto handler) {
          asio::async_connect(impl->socket, endpoints,
                              [handler = std::move(handler)](const boost::system::error_code& e,
                                                             const tcp::endpoint&) { handler(e); });
        },
        deadline);
  }
  if (ec == asio::error::timed_out) return timed_out("connecting to");
  if (ec)
    return Status::IOError(fmt::format("cannot connect to {}:{}: {}", host, port, ec.message()));
  impl->socket.set_option(tcp::no_delay(true), ec);
  if (!options.tls_ca_file.empty()) {
    impl->tls_context.emplace(asio::ssl::context::tls_client);
    impl->tls_context->set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    impl->tls_context->load_verify_file(options.tls_ca_file, ec);
    if (ec) {
      return Status::InvalidArgument(
          fmt::format("cannot read the CA file {}: {}", options.tls_ca_file, ec.message()));
    }
    impl->tls_context->set_verify_mode(asio::ssl::verify_peer);
    impl->tls = std::make_unique<asio::ssl::stream<tcp::socket&>>(impl->socket, *impl->tls_context);
    impl->tls->set_verify_callback(asio::ssl::host_name_verification(host));
    SSL_set_tlsext_host_name(impl->tls->native_handle(), host.c_str());  // SNI
    ec = impl->Run(
        [&](auto handler) {
          impl->tls->async_handshake(asio::ssl::stream_base::client, std::move(handler));
        },
        deadline);
    if (ec == asio::error::timed_out) return timed_out("the TLS handshake with");
    if (ec) {
      return Status::IOError(fmt::format("TLS with {}:{} failed: {}", host, port, ec.message()));
    }
  }
  std::unique_ptr<Client> connected(new Client(std::move(impl)));

  accord::v1::Request hello;
  hello.mutable_hello()->set_protocol_version(kProtocolVersion);
  hello.mutable_hello()->set_client_name(options.client_name);
  hello.mutable_hello()->set_token(options.token);
  accord::v1::Response response;
  if (deadline != Impl::Forever()) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return timed_out("the hello with");
    connected->SetReceiveTimeout(left);
  }
  Status s = connected->Call(hello, &response);
  connected->SetReceiveTimeout(std::chrono::milliseconds(0));
  if (!s.ok() && deadline != Impl::Forever() && Clock::now() >= deadline) {
    return timed_out("the hello with");
  }
  if (!s.ok()) return s;
  if (!response.has_hello()) {
    return Status::IOError(fmt::format("the server refused the hello ({}): {}",
                                       accord::v1::ErrorCode_Name(response.error().code()),
                                       response.error().message()));
  }
  connected->hello_ = response.hello();
  *client = std::move(connected);
  return Status::OK();
}

Status Client::Send(accord::v1::Request* request, uint64_t* request_id) {
  request->set_request_id(next_id_++);
  if (request_id != nullptr) *request_id = request->request_id();
  return SendRaw(EncodeFrame(*request));
}

void Client::SetReceiveTimeout(std::chrono::milliseconds timeout) {
  impl_->receive_timeout = timeout;
}

Status Client::SendRaw(const std::string& bytes) {
  boost::system::error_code ec = impl_->WriteAll(bytes);
  if (ec) return Status::IOError("sending: " + ec.message());
  return Status::OK();
}

Status Client::Receive(accord::v1::Response* response) {
  const Clock::time_point deadline = Impl::After(impl_->receive_timeout);
  auto failed = [this](const boost::system::error_code& ec, const char* what) {
    if (ec == asio::error::timed_out) {
      return Status::IOError(
          fmt::format("no answer from the server within {} ms; the connection is closed",
                      impl_->receive_timeout.count()));
    }
    return Status::IOError(fmt::format("{}: {}", what, ec.message()));
  };
  std::array<unsigned char, kFrameHeaderBytes> header{};
  if (auto ec = impl_->ReadExactly(asio::buffer(header), deadline))
    return failed(ec, "the connection closed");
  uint32_t length = DecodeFrameLength(header);
  if (length > impl_->max_frame_bytes) {
    boost::system::error_code ignored;
    impl_->socket.close(ignored);
    return Status::Corruption(
        fmt::format("the server announced a frame of {} bytes, over this client's limit of {}; the "
                    "connection is closed",
                    length, impl_->max_frame_bytes));
  }
  std::string body(length, '\0');
  if (auto ec = impl_->ReadExactly(asio::buffer(body), deadline))
    return failed(ec, "the connection closed mid-frame");
  if (!response->ParseFromString(body))
    return Status::Corruption("the server sent a malformed frame");
  return Status::OK();
}

Status Client::Call(accord::v1::Request request, accord::v1::Response* response) {
  uint64_t id = 0;
  if (Status s = Send(&request, &id); !s.ok()) return s;
  for (;;) {
    if (Status s = Receive(response); !s.ok()) return s;
    // A protocol error answers request 0 when the server could not read an id.
    if (response->request_id() == id || response->request_id() == 0) return Status::OK();
  }
}

}  // namespace accord::net
