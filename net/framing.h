// Frames on accord's TCP connections:
//
//   frame := length:u32 big-endian, message[length]
//
// The length is checked against the receiver's maximum before anything is
// allocated for the message. DecodeFrame and DecodeRequest are the pure half
// of a connection's reader (the server's session and the in-process fuzz
// targets call them): the reader buffers bytes, DecodeFrame says what the
// front of the buffer holds, DecodeRequest reads the message.
#pragma once

#include <google/protobuf/message_lite.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "accord/v1/wire.pb.h"

namespace accord::net {

inline constexpr size_t kFrameHeaderBytes = 4;

// The header and serialized message, ready to write.
std::string EncodeFrame(const google::protobuf::MessageLite& message);

uint32_t DecodeFrameLength(const std::array<unsigned char, kFrameHeaderBytes>& header);

// What the front of a connection's unread bytes holds.
struct FrameView {
  enum class State {
    kIncomplete,  // less than the header, or than the message it announces
    kComplete,    // `message` is the whole message
    kTooLarge,    // the header announces more than the receiver's maximum
  };
  State state = State::kIncomplete;
  uint32_t length = 0;       // the announced length, once the header is in (else 0)
  std::string_view message;  // kComplete: the message, pointing into the input
  // The bytes the whole frame takes: what to buffer, and to consume once complete.
  size_t frame_bytes() const { return kFrameHeaderBytes + length; }
};

// Decodes the frame at the front of `input`, copying nothing; bytes after
// it are left alone. A frame of `max_message_bytes` is allowed.
FrameView DecodeFrame(std::string_view input, uint32_t max_message_bytes);

// The request a complete frame's message holds. False for an empty message
// (no request is empty: each names its kind) or one that does not parse.
bool DecodeRequest(std::string_view message, accord::v1::Request* request);

}  // namespace accord::net
