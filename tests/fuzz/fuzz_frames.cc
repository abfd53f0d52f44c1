// Fuzzes the frame decoder: arbitrary bytes after a hello, as a client
// would send them, into a running server. Whatever comes, the server must
// answer or close, never crash, leak or misread memory, and keep serving.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tests/fuzz/server_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto& harness = accord::fuzz::Harness::Get();
  int fd = harness.Connect();
  accord::fuzz::Harness::WriteAll(fd, std::string(reinterpret_cast<const char*>(data), size));
  shutdown(fd, SHUT_WR);
  // A subscription among the frames keeps the connection open: wait for
  // answers only briefly.
  timeval tv{0, 100000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  accord::v1::Response response;
  while (accord::fuzz::Harness::ReadFrame(fd, &response)) {
  }
  accord::fuzz::Harness::Close(fd);
  return 0;
}
