#include "service/client.h"

#include <fmt/format.h>

#include <sys/socket.h>
#include <sys/time.h>

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <optional>

#include "service/framing.h"
#include "service/server.h"

namespace accord::service {

namespace asio = boost::asio;
using asio::ip::tcp;
using store::Status;

class Client::Impl {
 public:
  asio::io_context io;
  tcp::socket socket{io};
  std::optional<asio::ssl::context> tls_context;
  std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls;  // set for TLS connections

  template <typename Buffer>
  void ReadExactly(const Buffer& buffer, boost::system::error_code& ec) {
    if (tls) {
      asio::read(*tls, buffer, ec);
    } else {
      asio::read(socket, buffer, ec);
    }
  }
  void WriteAll(const std::string& bytes, boost::system::error_code& ec) {
    if (tls) {
      asio::write(*tls, asio::buffer(bytes), ec);
    } else {
      asio::write(socket, asio::buffer(bytes), ec);
    }
  }
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::~Client() {
  boost::system::error_code ignored;
  impl_->socket.close(ignored);
}

Status Client::Connect(const std::string& host, uint16_t port, const std::string& client_name,
                       std::unique_ptr<Client>* client) {
  return Connect(host, port, ConnectOptions{client_name, "", ""}, client);
}

Status Client::Connect(const std::string& host, uint16_t port, const ConnectOptions& options,
                       std::unique_ptr<Client>* client) {
  auto impl = std::make_unique<Impl>();
  boost::system::error_code ec;
  tcp::resolver resolver(impl->io);
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (!ec) asio::connect(impl->socket, endpoints, ec);
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
    impl->tls->handshake(asio::ssl::stream_base::client, ec);
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
  if (Status s = connected->Call(hello, &response); !s.ok()) return s;
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
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(impl_->socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

Status Client::SendRaw(const std::string& bytes) {
  boost::system::error_code ec;
  impl_->WriteAll(bytes, ec);
  if (ec) return Status::IOError("sending: " + ec.message());
  return Status::OK();
}

Status Client::Receive(accord::v1::Response* response) {
  std::array<unsigned char, kFrameHeaderBytes> header{};
  boost::system::error_code ec;
  impl_->ReadExactly(asio::buffer(header), ec);
  if (ec) return Status::IOError("the connection closed: " + ec.message());
  std::string body(DecodeFrameLength(header), '\0');
  impl_->ReadExactly(asio::buffer(body), ec);
  if (ec) return Status::IOError("the connection closed mid-frame: " + ec.message());
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

}  // namespace accord::service
