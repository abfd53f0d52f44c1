// A bare blocking socket to a server on loopback, one file descriptor, for
// holding many connections or misbehaving on purpose. Reads give up after
// five seconds.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <string>

#include "accord/v1/wire.pb.h"
#include "net/framing.h"
#include "net/server.h"

namespace accord::testing {

class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    timeval tv{5, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawConnection() { Close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }

  // Writes `bytes` whole; false if the connection refused them.
  bool SendBytes(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
  bool Send(const accord::v1::Request& request) { return SendBytes(net::EncodeFrame(request)); }
  // Just the 4-byte header of a frame of `length` bytes.
  bool SendLengthPrefix(uint32_t length) {
    std::string header;
    for (int shift = 24; shift >= 0; shift -= 8)
      header.push_back(static_cast<char>(length >> shift));
    return SendBytes(header);
  }
  bool Hello() {
    accord::v1::Request hello;
    hello.set_request_id(1);
    hello.mutable_hello()->set_protocol_version(net::kProtocolVersion);
    hello.mutable_hello()->set_client_name("raw");
    return Send(hello);
  }
  // The next response; false when the connection closed or timed out.
  bool Receive(accord::v1::Response* response) {
    std::array<unsigned char, net::kFrameHeaderBytes> header{};
    if (!ReadFully(header.data(), header.size())) return false;
    std::string body(net::DecodeFrameLength(header), '\0');
    return ReadFully(body.data(), body.size()) && response->ParseFromString(body);
  }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  bool ReadFully(void* buffer, size_t size) {
    auto* at = static_cast<char*>(buffer);
    while (size > 0) {
      ssize_t n = read(fd_, at, size);
      if (n <= 0) return false;
      at += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
};

}  // namespace accord::testing
