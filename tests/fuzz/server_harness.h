// What both fuzz targets share: one accord server, started once per fuzzing
// process on a real store in a temporary folder, and a bare socket to it.
// Inputs reach the server exactly as a client's bytes would.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "accord/v1/wire.pb.h"
#include "net/framing.h"
#include "net/server.h"
#include "store/event_store.h"

namespace accord::fuzz {

class Harness {
 public:
  static Harness& Get() {
    static Harness* harness = new Harness();  // lives as long as the process
    return *harness;
  }

  // A connection that said hello. Inputs may pile up work that is slow
  // under the sanitizers (whole-log requests: the desk, audits, verify), so
  // the server may be at its connection limit for a while, refusing new
  // connections (its refusal can be lost to the reset of a closed socket):
  // that is the limit working. A server that answers no hello for a minute
  // is a finding.
  int Connect() const {
    accord::v1::Response last;
    for (int attempt = 0; attempt < 60; ++attempt) {
      if (attempt > 0) sleep(1);
      int fd = TryConnect(&last);
      if (fd >= 0) return fd;
    }
    std::fprintf(stderr, "the server did not answer a hello for a minute: %s\n",
                 last.ShortDebugString().c_str());
    abort();  // the server must answer
  }

  // Closes a connection without leaving its port in TIME_WAIT: a long run
  // makes hundreds of connections a second, more than the ephemeral ports
  // (about 28,000) can hold for TIME_WAIT's minute, and connect then fails.
  static void Close(int fd) {
    linger reset{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    close(fd);
  }

  static void WriteAll(int fd, const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return;  // the server closed: allowed, after a protocol error
      done += static_cast<size_t>(n);
    }
  }

  // One response frame; false on close or timeout.
  static bool ReadFrame(int fd, accord::v1::Response* response) {
    std::array<unsigned char, net::kFrameHeaderBytes> header{};
    if (!ReadFully(fd, header.data(), header.size())) return false;
    uint32_t length = net::DecodeFrameLength(header);
    if (length > (64u << 20)) abort();  // the server never sends such a frame
    std::string body(length, '\0');
    return ReadFully(fd, body.data(), body.size()) && response->ParseFromString(body);
  }

  // A connection that said hello, or -1 (the answer, if any, in `answer`).
  int TryConnect(accord::v1::Response* answer) const {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) Fail("socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(server_->port());
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) Fail("connect");
    // Generous: inputs may leave the sanitized server busy (subscriptions
    // replaying the log).
    timeval tv{30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    accord::v1::Request hello;
    hello.set_request_id(1);
    hello.mutable_hello()->set_protocol_version(net::kProtocolVersion);
    hello.mutable_hello()->set_client_name("fuzz");
    WriteAll(fd, net::EncodeFrame(hello));
    answer->Clear();
    if (ReadFrame(fd, answer) && answer->has_hello()) return fd;
    Close(fd);
    return -1;
  }

  [[noreturn]] static void Fail(const char* call) {
    std::fprintf(stderr, "the harness's %s failed: %s\n", call, std::strerror(errno));
    abort();
  }

 private:
  Harness() {
    char dir[] = "/tmp/accord-fuzz-XXXXXX";
    if (mkdtemp(dir) == nullptr) abort();
    store::StoreOptions store_options;
    store_options.sync = false;  // the CPU path is what is fuzzed
    if (!store::EventStore::Open(store_options, dir, &store_).ok()) abort();
    net::ServerOptions options;
    options.port = 0;
    options.max_frame_bytes = 64 << 10;
    options.idle_timeout = std::chrono::milliseconds(2000);
    options.store_threads = 2;
    server_ = std::make_unique<net::Server>(store_.get(), options);
    if (!server_->Start().ok()) abort();
  }

  static bool ReadFully(int fd, void* buffer, size_t size) {
    auto* at = static_cast<char*>(buffer);
    while (size > 0) {
      ssize_t n = recv(fd, at, size, 0);
      if (n <= 0) return false;
      at += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  }

  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<net::Server> server_;
};

}  // namespace accord::fuzz
