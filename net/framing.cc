#include "net/framing.h"

#include <cstring>

namespace accord::net {

std::string EncodeFrame(const google::protobuf::MessageLite& message) {
  size_t size = message.ByteSizeLong();
  std::string frame;
  frame.reserve(kFrameHeaderBytes + size);
  for (int shift = 24; shift >= 0; shift -= 8) {
    frame.push_back(static_cast<char>((size >> shift) & 0xff));
  }
  message.AppendToString(&frame);
  return frame;
}

uint32_t DecodeFrameLength(const std::array<unsigned char, kFrameHeaderBytes>& header) {
  return (uint32_t{header[0]} << 24) | (uint32_t{header[1]} << 16) | (uint32_t{header[2]} << 8) |
         uint32_t{header[3]};
}

FrameView DecodeFrame(std::string_view input, uint32_t max_message_bytes) {
  FrameView frame;
  if (input.size() < kFrameHeaderBytes) return frame;
  std::array<unsigned char, kFrameHeaderBytes> header{};
  std::memcpy(header.data(), input.data(), kFrameHeaderBytes);
  frame.length = DecodeFrameLength(header);
  if (frame.length > max_message_bytes) {
    frame.state = FrameView::State::kTooLarge;
  } else if (input.size() - kFrameHeaderBytes >= frame.length) {
    frame.state = FrameView::State::kComplete;
    frame.message = input.substr(kFrameHeaderBytes, frame.length);
  }
  return frame;
}

bool DecodeRequest(std::string_view message, accord::v1::Request* request) {
  if (message.empty() || message.size() > static_cast<size_t>(INT32_MAX)) return false;
  return request->ParseFromArray(message.data(), static_cast<int>(message.size()));
}

}  // namespace accord::net
