#include "bench/tcp_driver.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <unordered_map>

namespace accord::bench {
namespace {

using Clock = std::chrono::steady_clock;
using accord::v1::Request;
using accord::v1::Response;

constexpr size_t kHeaderBytes = 4;

void AppendFrame(const google::protobuf::MessageLite& message, std::string* out) {
  const auto length = static_cast<uint32_t>(message.ByteSizeLong());
  const char header[kHeaderBytes] = {static_cast<char>(length >> 24),
                                     static_cast<char>(length >> 16),
                                     static_cast<char>(length >> 8), static_cast<char>(length)};
  out->append(header, kHeaderBytes);
  message.AppendToString(out);
}

uint32_t FrameLength(const char* header) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(header);
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
         uint32_t{bytes[3]};
}

struct Connection {
  int fd = -1;
  std::function<Request()> make;
  std::string in;  // bytes read and not yet taken as frames, from in_begin
  size_t in_begin = 0;
  std::string out;  // bytes to write, from out_begin
  size_t out_begin = 0;
  uint64_t next_id = 2;  // 1 was the hello
  std::unordered_map<uint64_t, Clock::time_point> sent;
};

// A connected socket that has exchanged the hello (blocking), then made
// non-blocking; -1, having said why, otherwise.
int Open(uint16_t port, std::string* why) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    *why = std::strerror(errno);
    return -1;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    *why = fmt::format("connect: {}", std::strerror(errno));
    ::close(fd);
    return -1;
  }
  Request hello;
  hello.set_request_id(1);
  hello.mutable_hello()->set_protocol_version(1);
  hello.mutable_hello()->set_client_name("bench");
  std::string bytes;
  AppendFrame(hello, &bytes);
  if (::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
    *why = "writing the hello";
    ::close(fd);
    return -1;
  }
  // A server that accepts and never answers the hello fails the drive
  // instead of hanging it.
  timeval timeout{.tv_sec = 30, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  std::string in;
  char buffer[4096];
  while (in.size() < kHeaderBytes || in.size() < kHeaderBytes + FrameLength(in.data())) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n <= 0) {
      *why = "the server closed the connection before answering the hello";
      ::close(fd);
      return -1;
    }
    in.append(buffer, static_cast<size_t>(n));
  }
  Response answer;
  if (!answer.ParseFromArray(in.data() + kHeaderBytes, static_cast<int>(FrameLength(in.data()))) ||
      !answer.has_hello()) {
    *why = "the hello was refused: " + answer.ShortDebugString();
    ::close(fd);
    return -1;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

}  // namespace

TcpDriveResult DriveTcp(const TcpDriveOptions& options,
                        const std::function<std::function<Request()>(int)>& make) {
  TcpDriveResult result;
  std::vector<Connection> connections(static_cast<size_t>(options.connections));
  for (int c = 0; c < options.connections; ++c) {
    Connection& connection = connections[static_cast<size_t>(c)];
    connection.fd = Open(options.port, &result.error);
    if (connection.fd < 0) {
      for (Connection& opened : connections)
        if (opened.fd >= 0) ::close(opened.fd);
      return result;
    }
    connection.make = make(c);
  }

  auto fail = [&result](std::string why) {
    if (result.failures++ == 0) result.first_failure = std::move(why);
  };
  auto send_next = [](Connection& connection, Clock::time_point now) {
    Request request = connection.make();
    request.set_request_id(connection.next_id);
    connection.sent.emplace(connection.next_id++, now);
    AppendFrame(request, &connection.out);
  };
  // False when the connection failed.
  auto flush = [](Connection& connection) {
    while (connection.out_begin < connection.out.size()) {
      ssize_t n = ::write(connection.fd, connection.out.data() + connection.out_begin,
                          connection.out.size() - connection.out_begin);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK;
      connection.out_begin += static_cast<size_t>(n);
    }
    connection.out.clear();
    connection.out_begin = 0;
    return true;
  };

  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(options.seconds));
  uint64_t answered = 0;
  bool broken = false;
  for (Connection& connection : connections) {
    for (int i = 0; i < options.window; ++i) send_next(connection, start);
    if (!flush(connection)) {
      fail("writing a request failed");
      broken = true;
    }
  }
  std::vector<pollfd> polled(connections.size());
  Response response;
  char buffer[64 << 10];
  for (auto now = Clock::now(); now < end && !broken; now = Clock::now()) {
    for (size_t i = 0; i < connections.size(); ++i) {
      polled[i] = {connections[i].fd,
                   static_cast<short>(POLLIN | (connections[i].out.empty() ? 0 : POLLOUT)), 0};
    }
    if (::poll(polled.data(), polled.size(), 20) < 0 && errno != EINTR) {
      fail(fmt::format("poll: {}", std::strerror(errno)));
      break;
    }
    for (size_t i = 0; i < connections.size() && !broken; ++i) {
      Connection& connection = connections[i];
      if ((polled[i].revents & (POLLIN | POLLERR | POLLHUP)) != 0) {
        for (;;) {
          ssize_t n = ::read(connection.fd, buffer, sizeof(buffer));
          if (n > 0) {
            connection.in.append(buffer, static_cast<size_t>(n));
            continue;
          }
          if (n < 0 && errno == EINTR) continue;
          // Nothing to read after POLLIN: done for now. After POLLERR or
          // POLLHUP alone, the connection is gone.
          if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) &&
              (polled[i].revents & POLLIN) != 0) {
            break;
          }
          fail("the server closed a connection");
          broken = true;
          break;
        }
        const auto answered_at = Clock::now();
        while (connection.in.size() - connection.in_begin >= kHeaderBytes) {
          const char* frame = connection.in.data() + connection.in_begin;
          const uint32_t length = FrameLength(frame);
          if (connection.in.size() - connection.in_begin < kHeaderBytes + length) break;
          connection.in_begin += kHeaderBytes + length;
          if (!response.ParseFromArray(frame + kHeaderBytes, static_cast<int>(length))) {
            fail("an answer that does not parse");
            continue;
          }
          auto it = connection.sent.find(response.request_id());
          if (it == connection.sent.end()) continue;
          if (answered_at < end) {
            result.latencies_us.push_back(
                std::chrono::duration<double, std::micro>(answered_at - it->second).count());
            ++answered;
          }
          connection.sent.erase(it);
          if (response.has_error()) {
            fail(fmt::format("{}: {}", accord::v1::ErrorCode_Name(response.error().code()),
                             response.error().message()));
          } else if (response.has_rejected()) {
            fail(fmt::format("rejected, {}: {}",
                             accord::v1::RejectionCode_Name(response.rejected().code()),
                             response.rejected().message()));
          }
          if (answered_at < end) send_next(connection, answered_at);
        }
        connection.in.erase(0, connection.in_begin);
        connection.in_begin = 0;
      }
      if (!connection.out.empty() && !flush(connection)) {
        fail("writing a request failed");
        broken = true;
      }
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  result.requests_per_second = static_cast<double>(answered) / std::min(elapsed, options.seconds);
  for (Connection& connection : connections) ::close(connection.fd);
  return result;
}

}  // namespace accord::bench
