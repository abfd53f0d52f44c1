// bench/tcp_driver: many TCP connections to accordd driven from one thread,
// as redis-benchmark drives Redis (one event loop, requests pipelined on each
// connection), so that on a small machine the load client takes one core's
// worth at most and the comparison with Redis is client for client.
//
//   TcpDriveResult r = DriveTcp({.port = p, .connections = 64, .window = 8,
//                                .seconds = 5}, make);
//
// `make(c)` gives connection c's request maker; each call makes its next
// request (the driver sets its request_id). Every answer that is not a
// success (an error or a rejection) is a failure, counted; a connection the
// server closes ends the drive early, as a failure.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "accord/v1/wire.pb.h"

namespace accord::bench {

struct TcpDriveOptions {
  uint16_t port = 0;
  int connections = 64;
  int window = 8;  // requests in flight on each connection
  double seconds = 5;
};

struct TcpDriveResult {
  std::string error;  // set when a connection could not be opened: nothing was measured
  double requests_per_second = 0;
  std::vector<double> latencies_us;  // one per answer within the measure
  uint64_t failures = 0;
  std::string first_failure;
};

TcpDriveResult DriveTcp(const TcpDriveOptions& options,
                        const std::function<std::function<accord::v1::Request()>(int)>& make);

}  // namespace accord::bench
