#include "bench/http_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <charconv>

namespace accord::bench {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

constexpr size_t kReadBytes = 64 << 10;

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

std::optional<uint64_t> ParseUint(std::string_view text, int base = 10) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

HttpConnection::HttpConnection(std::chrono::milliseconds timeout)
    : timeout_(timeout), buffer_(kReadBytes, '\0') {}

template <typename Operation>
error_code HttpConnection::Run(Operation operation, size_t* transferred) {
  error_code result = asio::error::would_block;
  operation([&result, transferred](const error_code& ec, size_t bytes) {
    result = ec;
    if (transferred != nullptr) *transferred = bytes;
  });
  io_.restart();
  io_.run_for(timeout_);
  if (!io_.stopped()) {
    error_code ignored;
    socket_.close(ignored);
    io_.run();  // the aborted operation completes
    return asio::error::timed_out;
  }
  return result;
}

bool HttpConnection::Fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
  return false;
}

bool HttpConnection::Connect(uint16_t port, std::string* why) {
  const tcp::endpoint endpoint(asio::ip::address_v4::loopback(), port);
  error_code ec = Run(
      [&](auto handler) {
        socket_.async_connect(endpoint, [handler](const error_code& e) { handler(e, 0); });
      },
      nullptr);
  if (!ec) socket_.set_option(tcp::no_delay(true), ec);
  if (ec) *why = fmt::format("cannot connect to 127.0.0.1:{}: {}", port, ec.message());
  return !ec;
}

bool HttpConnection::Send(std::string_view bytes) {
  error_code ec = Run(
      [&](auto handler) { asio::async_write(socket_, asio::buffer(bytes), std::move(handler)); },
      nullptr);
  return !ec || Fail("sending: " + ec.message());
}

void HttpConnection::Compact() {
  if (used_ == 0) return;
  std::copy(buffer_.begin() + static_cast<ptrdiff_t>(used_),
            buffer_.begin() + static_cast<ptrdiff_t>(end_), buffer_.begin());
  end_ -= used_;
  used_ = 0;
}

bool HttpConnection::ReadMore() {
  if (buffer_.size() - end_ < kReadBytes / 2) buffer_.resize(buffer_.size() * 2);
  size_t got = 0;
  error_code ec = Run(
      [&](auto handler) {
        socket_.async_read_some(asio::buffer(buffer_.data() + end_, buffer_.size() - end_),
                                std::move(handler));
      },
      &got);
  if (ec) return Fail(ec == asio::error::eof ? "the server closed the connection" : ec.message());
  end_ += got;
  bytes_read_ += got;
  return true;
}

bool HttpConnection::Receive(HttpAnswer* answer) {
  // The previous answer's body is read: its bytes may go.
  Compact();
  for (;;) {
    const std::string_view unread = Unread();
    const size_t head_end = unread.find("\r\n\r\n");
    if (head_end == std::string_view::npos) {
      if (!ReadMore()) return false;
      continue;
    }
    // "HTTP/1.1 201 Created", then the headers; only two of them matter.
    std::string_view head = unread.substr(0, head_end);
    const size_t line_end = head.find("\r\n");
    std::string_view status_line = head.substr(0, line_end);
    std::optional<uint64_t> status;
    if (status_line.starts_with("HTTP/1.") && status_line.size() >= 12) {
      status = ParseUint(status_line.substr(9, 3));
    }
    if (!status) return Fail(fmt::format("not an HTTP answer: '{}'", status_line));
    std::optional<uint64_t> length;
    bool chunked = false;
    head.remove_prefix(line_end == std::string_view::npos ? head.size() : line_end + 2);
    while (!head.empty()) {
      const size_t end = head.find("\r\n");
      const std::string_view line = head.substr(0, end);
      head.remove_prefix(end == std::string_view::npos ? head.size() : end + 2);
      const size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      const std::string_view name = line.substr(0, colon);
      const std::string_view value = Trim(line.substr(colon + 1));
      if (EqualsIgnoringCase(name, "content-length")) length = ParseUint(value);
      if (EqualsIgnoringCase(name, "transfer-encoding"))
        chunked = EqualsIgnoringCase(value, "chunked");
    }
    answer->status = static_cast<int>(*status);
    answer->chunked = chunked;
    answer->body = {};
    const size_t body_at = head_end + 4;
    if (chunked) {
      used_ += body_at;
      chunk_left_ = 0;
      chunk_ended_ = false;
      return true;
    }
    if (!length) return Fail(fmt::format("an answer ({}) with no Content-Length", *status));
    if (unread.size() < body_at + *length) {
      if (!ReadMore()) return false;
      continue;
    }
    answer->body = unread.substr(body_at, *length);
    used_ += body_at + *length;
    return true;
  }
}

// chunked-body := *( size-in-hex [";" extensions] CRLF data CRLF ) "0" CRLF trailers CRLF
bool HttpConnection::ReadBody(std::string_view* piece) {
  for (;;) {
    if (chunk_left_ > 0) {
      if (used_ == end_) {
        Compact();
        if (!ReadMore()) return false;
      }
      const size_t take = std::min<uint64_t>(chunk_left_, end_ - used_);
      *piece = Unread().substr(0, take);
      used_ += take;
      chunk_left_ -= take;
      chunk_ended_ = chunk_left_ == 0;
      return true;
    }
    const size_t skip = chunk_ended_ ? 2 : 0;  // the CRLF after the last chunk's data
    const std::string_view unread = Unread();
    const size_t line_end = unread.find("\r\n", skip);
    if (unread.size() < skip || line_end == std::string_view::npos) {
      Compact();
      if (!ReadMore()) return false;
      continue;
    }
    if (skip != 0 && unread.substr(0, 2) != "\r\n")
      return Fail("a chunk's data is not followed by CRLF");
    std::string_view size_text = unread.substr(skip, line_end - skip);
    size_text = Trim(size_text.substr(0, size_text.find(';')));
    std::optional<uint64_t> size = ParseUint(size_text, 16);
    if (!size) return Fail(fmt::format("a chunk's size is '{}'", size_text));
    used_ += line_end + 2;
    chunk_ended_ = false;
    if (*size == 0) return false;  // the last chunk (its trailers are not read)
    chunk_left_ = *size;
  }
}

void EventStreamReader::Take(std::string_view text) {
  bytes_ += text.size();
  if (!partial_.empty()) {
    const size_t end = text.find('\n');
    if (end == std::string_view::npos) {
      partial_.append(text);
      return;
    }
    partial_.append(text.substr(0, end));
    Line(partial_);
    partial_.clear();
    text.remove_prefix(end + 1);
  }
  for (size_t end = text.find('\n'); end != std::string_view::npos; end = text.find('\n')) {
    Line(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  partial_.assign(text);
}

// A line of the stream (WHATWG HTML, "event stream interpretation"): a
// blank one ends the event, ":" begins a comment, else "field: value".
void EventStreamReader::Line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) {
    Dispatch();
    return;
  }
  if (line.front() == ':') return;
  const size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field == "event") {
    type_.assign(value);
  } else if (field == "id") {
    id_ = ParseUint(value);
    if (!id_) Fail(fmt::format("an event's id is '{}'", value));
  } else if (field == "data" && type_ != "recorded") {
    data_.assign(value);
  }
}

void EventStreamReader::Dispatch() {
  if (type_ == "recorded") {
    if (id_ != next_id_) {
      Fail(fmt::format("after {} events, one with id {} where {} was next", recorded_,
                       id_ ? std::to_string(*id_) : std::string("none"), next_id_));
    }
    ++recorded_;
    next_id_ = id_.value_or(next_id_) + 1;
  } else if (type_ == "caught-up") {
    // {"next":"1000000"}: uint64 is a string in protobuf's JSON.
    const size_t at = data_.find("\"next\":\"");
    const size_t from = at + 8;
    std::optional<uint64_t> next =
        at == std::string::npos
            ? std::nullopt
            : ParseUint(std::string_view(data_).substr(from, data_.find('"', from) - from));
    if (!next) Fail("a caught-up event without its next position: " + data_);
    caught_up_ = next.value_or(0);
  } else if (!type_.empty() && type_ != "checkpoint") {
    Fail(fmt::format("a {} event: {}", type_, data_));
  }
  type_.clear();
  id_.reset();
  data_.clear();
}

void EventStreamReader::Fail(std::string why) {
  if (!error_) error_ = std::move(why);
}

}  // namespace accord::bench
