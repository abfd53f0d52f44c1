// Fuzzes the frame decoder (net/framing.h) in process: the bytes a
// connection sends after its hello, read as the server's session reads them.
//   input := limit:u8, stream bytes
// `limit` picks the receiver's maximum message size (small ones reach
// kTooLarge). Properties: DecodeFrame reads the header as written down;
// reading the stream in chunks as they arrive gives the same frames as
// reading it whole; a request that decodes re-encodes to a frame that
// decodes to the same request.
#include <algorithm>
#include <array>
#include <limits>
#include <string>
#include <vector>

#include "net/framing.h"
#include "tests/fuzz/fuzz_target.h"

namespace accord::fuzz {
namespace {

using net::DecodeFrame;
using net::FrameView;
using net::kFrameHeaderBytes;

constexpr std::array<uint32_t, 6> kLimits = {0,    1,        16,
                                             4096, 64 << 10, std::numeric_limits<uint32_t>::max()};

// What one read of the stream gives: the complete messages in order, and
// whether it stopped at a frame over the limit.
struct Decoded {
  std::vector<std::string> messages;
  bool too_large = false;
  bool operator==(const Decoded&) const = default;
};

void CheckFrame(std::string_view input, uint32_t limit, const FrameView& frame) {
  if (input.size() < kFrameHeaderBytes) {
    FUZZ_CHECK(frame.state == FrameView::State::kIncomplete && frame.length == 0,
               "a partial header is incomplete");
    return;
  }
  uint32_t length = 0;
  for (size_t i = 0; i < kFrameHeaderBytes; ++i) {
    length = (length << 8) | static_cast<unsigned char>(input[i]);
  }
  FUZZ_CHECK(frame.length == length, "length %u, header says %u", frame.length, length);
  if (length > limit) {
    FUZZ_CHECK(frame.state == FrameView::State::kTooLarge, "over the limit");
  } else if (input.size() - kFrameHeaderBytes < length) {
    FUZZ_CHECK(frame.state == FrameView::State::kIncomplete, "short of the message");
  } else {
    FUZZ_CHECK(frame.state == FrameView::State::kComplete, "whole");
    FUZZ_CHECK(frame.message.data() == input.data() + kFrameHeaderBytes &&
                   frame.message.size() == length && frame.frame_bytes() <= input.size(),
               "the message is the bytes after the header");
  }
}

Decoded DecodeWhole(std::string_view input, uint32_t limit) {
  Decoded out;
  for (;;) {
    FrameView frame = DecodeFrame(input, limit);
    CheckFrame(input, limit, frame);
    if (frame.state == FrameView::State::kTooLarge) out.too_large = true;
    if (frame.state != FrameView::State::kComplete) return out;
    out.messages.emplace_back(frame.message);
    input.remove_prefix(frame.frame_bytes());
  }
}

// As a reader that buffers what each read returns (`chunk` bytes at a time).
Decoded DecodeInChunks(std::string_view input, uint32_t limit, size_t chunk) {
  Decoded out;
  std::string buffered;
  while (!input.empty()) {
    size_t n = std::min(chunk, input.size());
    buffered.append(input.substr(0, n));
    input.remove_prefix(n);
    for (;;) {
      FrameView frame = DecodeFrame(buffered, limit);
      if (frame.state == FrameView::State::kTooLarge) {
        out.too_large = true;
        return out;
      }
      if (frame.state != FrameView::State::kComplete) break;
      out.messages.emplace_back(frame.message);
      buffered.erase(0, frame.frame_bytes());
    }
  }
  return out;
}

void CheckRequest(std::string_view message) {
  accord::v1::Request request;
  if (!net::DecodeRequest(message, &request)) {
    FUZZ_CHECK(!request.ParseFromArray(message.data(), static_cast<int>(message.size())) ||
                   message.empty(),
               "DecodeRequest refused a message that parses");
    return;
  }
  // A request whose every field is a default encodes to nothing, which
  // DecodeRequest refuses (no request is empty): nothing to compare.
  if (request.ByteSizeLong() == 0) return;
  std::string frame = net::EncodeFrame(request);
  FrameView again = DecodeFrame(frame, std::numeric_limits<uint32_t>::max());
  FUZZ_CHECK(again.state == FrameView::State::kComplete && again.frame_bytes() == frame.size(),
             "an encoded frame decodes whole");
  accord::v1::Request back;
  FUZZ_CHECK(net::DecodeRequest(again.message, &back), "an encoded request decodes");
  // Compared as bytes (no map fields: serialization is deterministic).
  FUZZ_CHECK(back.SerializeAsString() == again.message, "the request survives encoding: %s",
             request.ShortDebugString().c_str());
}

}  // namespace

int FuzzFrameDecoder(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  uint32_t limit = kLimits[data[0] % kLimits.size()];
  size_t chunk = (data[0] / kLimits.size()) % 7 + 1;  // 1..7 bytes per read
  std::string_view input = AsText(data + 1, size - 1);
  Decoded whole = DecodeWhole(input, limit);
  FUZZ_CHECK(DecodeInChunks(input, limit, chunk) == whole, "chunked reads of %zu bytes differ",
             chunk);
  for (const std::string& message : whole.messages) CheckRequest(message);
  return 0;
}

}  // namespace accord::fuzz

ACCORD_FUZZ_ENTRY(accord::fuzz::FuzzFrameDecoder)
