// A small synchronous HTTP/1.1 client for tests of the HTTP door (Beast, over
// loopback): one kept-alive connection, plain or TLS (the server's chain and
// host checked against a CA file), a deadline on every call so that a test
// never hangs, raw bytes for requests no real client would send, pipelining
// (Send several, then Receive), and a reader of Server-Sent Events.
//
//   HttpClient client(server.port(), {.token = token});
//   HttpReply reply = client.Get("/api/v1/agreements/cospar-apsco-mou");
//   ASSERT_EQ(reply.status(), 200) << reply.body();
//   accord::v1::AgreementSummary summary;
//   ASSERT_TRUE(reply.Parse(&summary)) << reply.body();
//
//   ASSERT_EQ(client.OpenStream("/api/v1/stream?from=0").status(), 200);
//   SseEvent event;
//   while (client.NextEvent(&event) == SseState::kEvent) ...
//
// A call that fails (the connection closed, the deadline passed) answers an
// HttpReply with status 0 and `error` saying why; the connection is then
// closed, and the next call connects again.
//
// Thread safety: one thread at a time.
#pragma once

#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace accord::testing {

namespace beast = boost::beast;
namespace http = boost::beast::http;

// Parses protobuf's JSON mapping of `message` strictly (an unknown field is
// an error); false with the reason in `error`.
inline bool ParseJsonMessage(std::string_view json, google::protobuf::Message* message,
                             std::string* error = nullptr) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(json, message, options);
  if (!status.ok() && error != nullptr) *error = std::string(status.message());
  return status.ok();
}

// One answer, or why none came.
struct HttpReply {
  http::response<http::string_body> response;
  std::string error;  // empty when an answer came

  // 0 when no answer came.
  unsigned status() const { return error.empty() ? response.result_int() : 0; }
  const std::string& body() const { return response.body(); }
  // A header's value; "" when absent.
  std::string Header(http::field name) const { return std::string(response[name]); }
  std::string Header(std::string_view name) const { return std::string(response[name]); }
  bool Has(http::field name) const { return response.find(name) != response.end(); }
  // The body as `message` (strictly: an unknown field fails).
  bool Parse(google::protobuf::Message* message) const { return ParseJsonMessage(body(), message); }
};

// One Server-Sent Event (WHATWG HTML, "server-sent events"): its type
// ("message" when the block named none), the id its block gave (unset when
// none did) and its data lines joined by "\n".
struct SseEvent {
  std::string type;
  std::optional<std::string> id;
  std::string data;
};

enum class SseState {
  kEvent,     // an event was read
  kEnded,     // the stream ended with the chunked terminator: the server ended it
  kClosed,    // the connection closed (or failed) without the terminator
  kTimedOut,  // no whole event within the deadline (the connection is closed)
};

// The text/event-stream format, fed as it arrives: whole events come out,
// comments (": keep-alive") and the retry field are kept aside.
class SseParser {
 public:
  void Feed(std::string_view text) { pending_.append(text); }

  // The next whole event, if the text fed so far completes one.
  std::optional<SseEvent> Next() {
    for (;;) {
      size_t end = pending_.find('\n', scanned_);
      if (end == std::string::npos) {
        scanned_ = pending_.size();
        return std::nullopt;
      }
      std::string line = pending_.substr(0, end);
      pending_.erase(0, end + 1);
      scanned_ = 0;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) {  // a blank line dispatches the block
        std::optional<SseEvent> event;
        if (has_data_) {
          event = SseEvent{type_.empty() ? "message" : type_, id_, data_};
        }
        type_.clear();
        id_.reset();
        data_.clear();
        has_data_ = false;
        if (event) return event;
        continue;
      }
      if (line.front() == ':') {
        comments_.push_back(line.substr(1));
        continue;
      }
      size_t colon = line.find(':');
      std::string field = line.substr(0, colon);
      std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.erase(0, 1);
      if (field == "event") {
        type_ = value;
      } else if (field == "data") {
        if (has_data_) data_ += "\n";
        data_ += value;
        has_data_ = true;
      } else if (field == "id") {
        id_ = value;
      } else if (field == "retry") {
        retry_ = std::stoi(value);
      }
    }
  }

  const std::vector<std::string>& comments() const { return comments_; }
  std::optional<int> retry() const { return retry_; }

 private:
  std::string pending_;
  size_t scanned_ = 0;
  std::string type_;
  std::optional<std::string> id_;
  std::string data_;
  bool has_data_ = false;
  std::vector<std::string> comments_;
  std::optional<int> retry_;
};

class HttpClient {
 public:
  using Headers = std::vector<std::pair<std::string, std::string>>;

  struct Options {
    std::string token;                         // sent as Authorization: Bearer; empty: none
    std::string tls_ca_file;                   // HTTPS, trusting this CA; empty: plain HTTP
    std::string host = "127.0.0.1";            // the name TLS checks the certificate for (the
                                               // connection is always to 127.0.0.1)
    std::chrono::milliseconds timeout{10000};  // each call's deadline
    int receive_buffer_bytes = 0;              // SO_RCVBUF before connecting; 0: the system's
  };

  explicit HttpClient(uint16_t port) : HttpClient(port, Options()) {}
  HttpClient(uint16_t port, Options options) : port_(port), options_(std::move(options)) {}
  ~HttpClient() { Close(); }
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Connects (and shakes hands, over TLS) unless connected; false with the
  // reason in error().
  bool Connect() {
    if (connected() && !closing_) return true;
    Close();
    error_.clear();
    boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), port_);
    beast::tcp_stream* lowest = nullptr;
    if (options_.tls_ca_file.empty()) {
      lowest = &plain_.emplace(io_);
    } else {
      tls_context_.emplace(boost::asio::ssl::context::tls_client);
      boost::system::error_code ec;
      tls_context_->load_verify_file(options_.tls_ca_file, ec);
      if (ec) return Fail("cannot read the CA file: " + ec.message());
      tls_context_->set_verify_mode(boost::asio::ssl::verify_peer);
      tls_.emplace(io_, *tls_context_);
      tls_->set_verify_callback(boost::asio::ssl::host_name_verification(options_.host));
      lowest = &beast::get_lowest_layer(*tls_);
    }
    if (options_.receive_buffer_bytes > 0) {
      lowest->socket().open(endpoint.protocol());
      lowest->socket().set_option(
          boost::asio::socket_base::receive_buffer_size(options_.receive_buffer_bytes));
    }
    boost::system::error_code ec = Run(options_.timeout, [&](auto handler) {
      lowest->async_connect(endpoint, std::move(handler));
    });
    if (ec) return Fail("connect: " + ec.message());
    if (tls_) {
      ec = Run(options_.timeout, [&](auto handler) {
        tls_->async_handshake(boost::asio::ssl::stream_base::client, std::move(handler));
      });
      if (ec) return Fail("TLS handshake: " + ec.message());
    }
    connected_ = true;
    return true;
  }

  // The connection's own port (0 when not connected): how the server's log
  // names it.
  uint16_t local_port() const {
    boost::system::error_code ec;
    if (plain_) return plain_->socket().local_endpoint(ec).port();
    if (tls_) return beast::get_lowest_layer(*tls_).socket().local_endpoint(ec).port();
    return 0;
  }

  // Whether the connection is open (the last answer may have said it closes:
  // the next request then connects again).
  bool connected() const { return connected_; }
  const std::string& error() const { return error_; }

  // A request as this client sends it: Host, the token, and a body with its
  // Content-Type (application/json unless `headers` name one).
  http::request<http::string_body> MakeRequest(http::verb method, std::string_view target,
                                               std::string body = "",
                                               const Headers& headers = {}) const {
    http::request<http::string_body> request(method, target, 11);
    request.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
    if (!options_.token.empty())
      request.set(http::field::authorization, "Bearer " + options_.token);
    if (!body.empty()) request.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : headers) request.set(name, value);
    request.body() = std::move(body);
    request.prepare_payload();
    return request;
  }

  // One request and its answer.
  HttpReply Call(http::verb method, std::string_view target, std::string body = "",
                 const Headers& headers = {}) {
    if (!Send(MakeRequest(method, target, std::move(body), headers))) return Failed();
    return Receive();
  }
  HttpReply Get(std::string_view target, const Headers& headers = {}) {
    return Call(http::verb::get, target, "", headers);
  }
  HttpReply Post(std::string_view target, std::string body, const Headers& headers = {}) {
    return Call(http::verb::post, target, std::move(body), headers);
  }

  // Sends a request without waiting for its answer (pipelining).
  bool Send(http::request<http::string_body> request) {
    if (!Connect()) return false;
    sent_.push_back(request.method());
    boost::system::error_code ec = Visit([&](auto& stream) {
      return Run(options_.timeout,
                 [&](auto handler) { http::async_write(stream, request, std::move(handler)); });
    });
    if (ec) return Fail("write: " + ec.message());
    return true;
  }

  // Writes `bytes` as they are: malformed requests, a byte at a time.
  bool SendRaw(std::string_view bytes) {
    if (!Connect()) return false;
    boost::system::error_code ec = Visit([&](auto& stream) {
      return Run(options_.timeout, [&](auto handler) {
        boost::asio::async_write(stream, boost::asio::buffer(bytes.data(), bytes.size()),
                                 std::move(handler));
      });
    });
    if (ec) return Fail("write: " + ec.message());
    return true;
  }

  // Writes `bytes` one at a time, waiting up to `pause` after each for the
  // server to close the connection or answer (a slow-loris client): how many
  // were written before it did (the connection is then closed here);
  // bytes.size() when it never did. Plain HTTP only.
  size_t SendByteByByte(std::string_view bytes, std::chrono::milliseconds pause) {
    if (!Connect() || !plain_) return 0;
    for (size_t i = 0; i < bytes.size(); ++i) {
      if (!SendRaw(bytes.substr(i, 1))) return i;
      bool closed = false;
      std::array<char, 512> sink;
      boost::asio::steady_timer timer(io_);
      timer.expires_after(pause);
      plain_->socket().async_read_some(boost::asio::buffer(sink),
                                       [&](boost::system::error_code ec, size_t) {
                                         if (ec != boost::asio::error::operation_aborted)
                                           closed = true;  // EOF, or an answer
                                         timer.cancel();
                                       });
      timer.async_wait([&](boost::system::error_code ec) {
        if (!ec) plain_->socket().cancel();
      });
      io_.restart();
      io_.run();
      if (closed) {
        Close();
        return i + 1;
      }
    }
    return bytes.size();
  }

  // The next answer on the connection (an interim 100 Continue too).
  HttpReply Receive() {
    if (!connected()) return Failed();
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (!sent_.empty()) {
      if (sent_.front() == http::verb::head) parser.skip(true);
    }
    boost::system::error_code ec = Visit([&](auto& stream) {
      return Run(options_.timeout, [&](auto handler) {
        http::async_read(stream, buffer_, parser, std::move(handler));
      });
    });
    if (ec) {
      Fail("read: " + ec.message());
      return Failed();
    }
    HttpReply reply;
    reply.response = parser.release();
    if (reply.response.result_int() >= 200 && !sent_.empty()) sent_.pop_front();
    if (!reply.response.keep_alive()) closing_ = true;
    return reply;
  }

  // Waits for the server to close the connection, discarding whatever comes
  // first: true when it closed (end of stream, or reset), false when it had
  // not by the deadline (the connection is then closed here).
  bool WaitForClose(std::chrono::milliseconds timeout) {
    if (!connected()) return true;
    bool closed_by_server = false;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    if (buffer_.size() > 0) {
      discarded_ += buffer_.size();
      buffer_.consume(buffer_.size());
    }
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      std::array<char, 4096> sink;
      size_t got = 0;
      boost::system::error_code ec = Visit([&](auto& stream) {
        return Run(
            left,
            [&](auto handler) {
              stream.async_read_some(boost::asio::buffer(sink), std::move(handler));
            },
            &got);
      });
      discarded_ += got;
      if (ec == beast::error::timeout) break;
      if (ec) {
        closed_by_server = true;
        break;
      }
    }
    Close();
    return closed_by_server;
  }
  // Bytes WaitForClose read and threw away.
  size_t discarded() const { return discarded_; }

  // Sends GET `target` (with Accept: text/event-stream unless `headers`
  // name another) and reads the answer's head; when it is 200, NextEvent
  // reads the stream's events (and the connection is the stream's until
  // Close). Another answer is read whole, and the connection goes on.
  HttpReply OpenStream(std::string_view target, Headers headers = {}) {
    bool accept_given = false;
    for (const auto& header : headers) accept_given |= beast::iequals(header.first, "Accept");
    if (!accept_given) headers.emplace_back("Accept", "text/event-stream");
    if (!Send(MakeRequest(http::verb::get, target, "", headers))) return Failed();
    stream_parser_.emplace();
    stream_parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
    sse_ = SseParser();
    events_.clear();
    last_event_id_.clear();
    stream_state_ = SseState::kClosed;
    boost::system::error_code ec = Visit([&](auto& stream) {
      return Run(options_.timeout, [&](auto handler) {
        http::async_read_header(stream, buffer_, *stream_parser_, std::move(handler));
      });
    });
    if (ec) {
      Fail("read: " + ec.message());
      return Failed();
    }
    HttpReply reply;
    reply.response.base() = stream_parser_->get().base();
    if (reply.response.result() != http::status::ok) {
      HttpReply whole = ReadStreamBody();
      reply.response.body() = whole.response.body();
      stream_parser_.reset();
    }
    sent_.clear();
    return reply;
  }

  // The stream's next event, waiting at most `timeout` for it. The events
  // already read come first, even after the stream ended or closed.
  SseState NextEvent(SseEvent* event, std::chrono::milliseconds timeout) {
    SseState state = Pump([this] { return !events_.empty(); }, timeout);
    if (events_.empty()) return state;
    *event = std::move(events_.front());
    events_.pop_front();
    if (event->id) last_event_id_ = *event->id;
    return SseState::kEvent;
  }
  // The id of the last event NextEvent gave that had one: what an
  // EventSource sends as Last-Event-ID when it reconnects.
  const std::string& last_event_id() const { return last_event_id_; }
  SseState NextEvent(SseEvent* event) { return NextEvent(event, options_.timeout); }

  // Reads on until a comment comes (": keep-alive"); kEvent when one did.
  SseState AwaitComment(std::chrono::milliseconds timeout) {
    const size_t seen = sse_.comments().size();
    SseState state = Pump([&] { return sse_.comments().size() > seen; }, timeout);
    return sse_.comments().size() > seen ? SseState::kEvent : state;
  }

  const SseParser& sse() const { return sse_; }

  void Close() {
    boost::system::error_code ignored;
    if (plain_) {
      plain_->socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
      plain_->close();
    }
    if (tls_) beast::get_lowest_layer(*tls_).close();
    plain_.reset();
    tls_.reset();
    buffer_.clear();
    sent_.clear();
    connected_ = false;
    closing_ = false;
  }

 private:
  // Runs the asynchronous operation `start` begins to its end, or until
  // `timeout` passes (the connection is then closed and the operation ends
  // with beast::error::timeout).
  template <class Start>
  boost::system::error_code Run(std::chrono::milliseconds timeout, Start start,
                                size_t* bytes = nullptr) {
    beast::tcp_stream& lowest = plain_ ? *plain_ : beast::get_lowest_layer(*tls_);
    boost::system::error_code result = boost::asio::error::would_block;
    lowest.expires_after(timeout);
    start([&result, bytes](boost::system::error_code ec, auto... transferred) {
      result = ec;
      if (bytes != nullptr) ((*bytes = static_cast<size_t>(transferred)), ...);
    });
    io_.restart();
    io_.run();
    if (plain_ || tls_) lowest.expires_never();
    return result;
  }

  template <class F>
  boost::system::error_code Visit(F f) {
    if (tls_) return f(*tls_);
    return f(*plain_);
  }

  bool Fail(std::string why) {
    error_ = std::move(why);
    Close();
    return false;
  }
  HttpReply Failed() const {
    HttpReply reply;
    reply.error = error_.empty() ? "not connected" : error_;
    return reply;
  }
  // Reads the stream until `ready()`, its end, or the deadline: kEvent when
  // ready, else why not.
  template <class Ready>
  SseState Pump(Ready ready, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      while (std::optional<SseEvent> next = sse_.Next()) events_.push_back(std::move(*next));
      if (ready()) return SseState::kEvent;
      if (!stream_parser_) return SseState::kClosed;
      if (stream_parser_->is_done()) return SseState::kEnded;
      if (!connected()) return stream_state_;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        Close();
        stream_state_ = SseState::kTimedOut;
        return stream_state_;
      }
      boost::system::error_code ec = Visit([&](auto& stream) {
        return Run(left, [&](auto handler) {
          http::async_read_some(stream, buffer_, *stream_parser_, std::move(handler));
        });
      });
      std::string& body = stream_parser_->get().body();
      sse_.Feed(body);
      body.clear();
      if (ec) {
        Close();
        stream_state_ = ec == beast::error::timeout ? SseState::kTimedOut : SseState::kClosed;
      }
    }
  }

  HttpReply ReadStreamBody() {
    HttpReply reply;
    boost::system::error_code ec = Visit([&](auto& stream) {
      return Run(options_.timeout, [&](auto handler) {
        http::async_read(stream, buffer_, *stream_parser_, std::move(handler));
      });
    });
    if (ec) Fail("read: " + ec.message());
    reply.response.body() = stream_parser_->get().body();
    return reply;
  }

  uint16_t port_;
  Options options_;
  boost::asio::io_context io_;
  std::optional<boost::asio::ssl::context> tls_context_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  beast::flat_buffer buffer_;
  std::deque<http::verb> sent_;  // requests not yet answered, for HEAD's answers
  bool connected_ = false;
  bool closing_ = false;
  std::string error_;
  size_t discarded_ = 0;
  std::optional<http::response_parser<http::string_body>> stream_parser_;
  SseParser sse_;
  std::deque<SseEvent> events_;  // read, not yet taken
  std::string last_event_id_;
  SseState stream_state_ = SseState::kClosed;  // how the stream's connection ended
};

}  // namespace accord::testing
