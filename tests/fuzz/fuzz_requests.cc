// Fuzzes request handling against a real store: each input is a Request
// (protobuf bytes), sent well framed after a hello; its answer is awaited.
// Milestones go through the lifecycle rules and the store; reads, proofs
// and verification run on what earlier inputs wrote.
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/server_harness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  accord::v1::Request request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return -1;  // not in the corpus
  // A backup writes where it is told: not on the fuzzing machine's disk.
  // A subscription has no last answer to wait for.
  if (request.has_backup() || request.has_subscribe()) return -1;
  request.set_request_id(7);
  auto& harness = accord::fuzz::Harness::Get();
  int fd = harness.Connect();
  accord::fuzz::Harness::WriteAll(fd, accord::net::EncodeFrame(request));
  accord::v1::Response response;
  while (accord::fuzz::Harness::ReadFrame(fd, &response)) {
    if (response.request_id() == 7 || response.request_id() == 0) break;
  }
  accord::fuzz::Harness::Close(fd);
  return 0;
}
