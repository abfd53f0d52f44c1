#include "service/framing.h"

namespace accord::service {

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

}  // namespace accord::service
