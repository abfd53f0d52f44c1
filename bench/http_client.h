// bench/http_client: the HTTP door's load client for accord-bench, small on
// purpose.
//
//   HttpConnection connection;
//   if (!connection.Connect(port, &why)) ...
//   connection.Send(request_bytes);            // as many as the window holds
//   HttpAnswer answer;
//   while (connection.Receive(&answer)) ...    // answers in request order
//
// A request is sent as the bytes it is given (made once, by the caller); an
// answer is read only as far as its status line and Content-Length, and its
// body is handed back as it came. HTTP/1.1 answers pipelined requests in the
// order they were sent, so the n-th answer is the n-th request's.
//
// EventStreamReader reads a text/event-stream body as it arrives (in pieces
// cut anywhere) and checks it: each `recorded` event's id is the one after
// the previous one, until `caught-up`.
//
// Thread safety: one thread at a time per object.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace accord::bench {

struct HttpAnswer {
  int status = 0;         // 201
  std::string_view body;  // valid until the next Receive; empty when chunked
  bool chunked = false;   // the body comes by ReadBody (an event stream)
};

class HttpConnection {
 public:
  // Each connect, send and read gives up after `timeout`, closing the
  // connection: a silent server does not hang the bench.
  explicit HttpConnection(std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // To 127.0.0.1 only. False, saying why, when it cannot.
  bool Connect(uint16_t port, std::string* why);
  // Writes `bytes` whole. False when the connection failed.
  bool Send(std::string_view bytes);
  // The next answer. False when the connection closed or failed, or the
  // answer is not one this client reads (neither a Content-Length nor
  // chunked): error() says why.
  bool Receive(HttpAnswer* answer);
  // The next piece of a chunked answer's body, as it arrives (valid until
  // the next call). False at the end of the body, or on a failure (then
  // error() says why).
  bool ReadBody(std::string_view* piece);

  // Why a call failed: the first failure (a connection that failed stays
  // failed).
  const std::string& error() const { return error_; }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  std::string_view Unread() const { return {buffer_.data() + used_, end_ - used_}; }
  // Moves what is unread to the front of the buffer.
  void Compact();
  // Adds what the socket has after end_; false on a failure or the end.
  bool ReadMore();
  bool Fail(std::string why);
  // Starts `operation` with a handler of (error, bytes) and runs it until it
  // completes or the timeout passes (then the connection is closed).
  template <typename Operation>
  boost::system::error_code Run(Operation operation, size_t* transferred);

  std::chrono::milliseconds timeout_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_{io_};
  std::string buffer_;  // [used_, end_) is read and not yet handed back
  size_t used_ = 0;
  size_t end_ = 0;
  uint64_t bytes_read_ = 0;
  uint64_t chunk_left_ = 0;   // of the chunk being read
  bool chunk_ended_ = false;  // a chunk's data is read; its CRLF is next
  std::string error_;
};

class EventStreamReader {
 public:
  // `from`: the id the first `recorded` event must have.
  explicit EventStreamReader(uint64_t from) : next_id_(from) {}

  // The next piece of the stream's text.
  void Take(std::string_view text);

  // `recorded` events read so far, and how many bytes of text.
  uint64_t recorded() const { return recorded_; }
  uint64_t bytes() const { return bytes_; }
  // Set once `caught-up` has come: its `next` (where the live log begins).
  std::optional<uint64_t> caught_up() const { return caught_up_; }
  // The first thing wrong: an id out of order, a `problem` or `dropped`
  // event, a `caught-up` without its `next`.
  const std::optional<std::string>& error() const { return error_; }

 private:
  void Line(std::string_view line);
  void Dispatch();
  void Fail(std::string why);

  std::string partial_;  // a line begun in an earlier piece
  // The event being read.
  std::string type_;
  std::optional<uint64_t> id_;
  std::string data_;  // of events other than `recorded`

  uint64_t next_id_;
  uint64_t recorded_ = 0;
  uint64_t bytes_ = 0;
  std::optional<uint64_t> caught_up_;
  std::optional<std::string> error_;
};

}  // namespace accord::bench
