// Frames on accord's TCP connections:
//
//   frame := length:u32 big-endian, message[length]
//
// The length is checked against the receiver's maximum before anything is
// allocated for the message.
#pragma once

#include <google/protobuf/message_lite.h>

#include <array>
#include <cstdint>
#include <string>

namespace accord::service {

inline constexpr size_t kFrameHeaderBytes = 4;

// The header and serialized message, ready to write.
std::string EncodeFrame(const google::protobuf::MessageLite& message);

uint32_t DecodeFrameLength(const std::array<unsigned char, kFrameHeaderBytes>& header);

}  // namespace accord::service
