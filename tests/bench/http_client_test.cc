// accord-bench's HTTP client reads what the HTTP door writes, however the
// bytes are cut: pipelined answers by their Content-Length, a chunked event
// stream, and the events in it.
#include "bench/http_client.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <thread>

namespace accord::bench {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr std::string_view kStream =
    "retry: 1000\n\n"
    "event: recorded\nid: 0\ndata: {\"record\":{\"position\":\"0\"}}\n\n"
    ": keep-alive\n\n"
    "event: recorded\nid: 1\ndata: {\"record\":{\"position\":\"1\"}}\n\n"
    "event: recorded\r\nid: 2\r\ndata: {}\r\n\r\n"
    "event: caught-up\nid: 2\ndata: {\"next\":\"3\"}\n\n";

TEST(EventStreamReader, CountsEventsInOrderWhereverThePiecesAreCut) {
  for (size_t cut = 0; cut <= kStream.size(); ++cut) {
    EventStreamReader reader(0);
    reader.Take(kStream.substr(0, cut));
    EXPECT_FALSE(reader.caught_up() && cut < kStream.size()) << cut;
    reader.Take(kStream.substr(cut));
    EXPECT_EQ(reader.recorded(), 3u) << cut;
    EXPECT_EQ(reader.caught_up(), 3u) << cut;
    EXPECT_EQ(reader.bytes(), kStream.size());
    EXPECT_FALSE(reader.error()) << cut << ": " << reader.error().value_or("");
  }
}

TEST(EventStreamReader, SaysWhatIsWrong) {
  EventStreamReader skipped(0);
  skipped.Take("event: recorded\nid: 0\ndata: {}\n\nevent: recorded\nid: 2\ndata: {}\n\n");
  ASSERT_TRUE(skipped.error());
  EXPECT_EQ(*skipped.error(), "after 1 events, one with id 2 where 1 was next");

  EventStreamReader late(5);
  late.Take("event: recorded\nid: 0\ndata: {}\n\n");
  ASSERT_TRUE(late.error());

  EventStreamReader dropped(0);
  dropped.Take("event: dropped\ndata: {\"reason\":\"too slow\"}\n\n");
  ASSERT_TRUE(dropped.error());
  EXPECT_EQ(*dropped.error(), "a dropped event: {\"reason\":\"too slow\"}");
  EXPECT_FALSE(dropped.caught_up());
}

// Serves `bytes` to the first connection, a few at a time, then closes it.
class CannedServer {
 public:
  explicit CannedServer(std::string bytes) : bytes_(std::move(bytes)) {
    acceptor_.open(tcp::v4());
    acceptor_.bind(tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    acceptor_.listen();
    thread_ = std::thread([this] {
      tcp::socket socket(io_);
      acceptor_.accept(socket);
      socket.set_option(tcp::no_delay(true));
      for (size_t at = 0; at < bytes_.size(); at += 7) {
        asio::write(socket,
                    asio::buffer(bytes_.data() + at, std::min<size_t>(7, bytes_.size() - at)));
        std::this_thread::yield();
      }
    });
  }
  ~CannedServer() { thread_.join(); }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  std::string bytes_;
  asio::io_context io_;
  tcp::acceptor acceptor_{io_};
  std::thread thread_;
};

TEST(HttpConnection, ReadsPipelinedAnswersAndAChunkedStream) {
  const std::string chunked_body = std::string(kStream);
  CannedServer server(
      "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\ncontent-length: 13\r\n\r\n"
      "{\"version\":1}"
      "HTTP/1.1 422 Unprocessable Entity\r\nContent-Length: 2\r\nServer: accordd\r\n\r\n{}"
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "10\r\n" +
      chunked_body.substr(0, 16) + "\r\n" +
      fmt::format("{:X};ext=1\r\n", chunked_body.size() - 16) + chunked_body.substr(16) +
      "\r\n0\r\n\r\n");
  HttpConnection connection(std::chrono::seconds(10));
  std::string why;
  ASSERT_TRUE(connection.Connect(server.port(), &why)) << why;

  HttpAnswer answer;
  ASSERT_TRUE(connection.Receive(&answer)) << connection.error();
  EXPECT_EQ(answer.status, 201);
  EXPECT_EQ(answer.body, "{\"version\":1}");
  ASSERT_TRUE(connection.Receive(&answer)) << connection.error();
  EXPECT_EQ(answer.status, 422);
  EXPECT_EQ(answer.body, "{}");
  ASSERT_TRUE(connection.Receive(&answer)) << connection.error();
  EXPECT_EQ(answer.status, 200);
  EXPECT_TRUE(answer.chunked);

  EventStreamReader reader(0);
  std::string body;
  std::string_view piece;
  while (connection.ReadBody(&piece)) {
    body.append(piece);
    reader.Take(piece);
  }
  EXPECT_EQ(connection.error(), "");
  EXPECT_EQ(body, chunked_body);
  EXPECT_EQ(reader.recorded(), 3u);
  EXPECT_EQ(reader.caught_up(), 3u);

  EXPECT_FALSE(connection.Receive(&answer));
  EXPECT_EQ(connection.error(), "the server closed the connection");
}

}  // namespace
}  // namespace accord::bench
