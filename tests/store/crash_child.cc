// The process the crash test kills: appends batches of three events from
// several threads, forever, and prints one line per acknowledged append:
//   <stream> <first id> <first position>
// after a first line "ready" once the store is open.
// A line is printed only after Append returned OK, so every printed line is
// a promise the store must keep after SIGKILL.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "store/event_store.h"
#include "tests/testing/builders.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: crash_child DIR THREADS FIRST_ID\n");
    return 2;
  }
  std::string dir = argv[1];
  int threads = std::stoi(argv[2]);
  uint64_t first_id = std::stoull(argv[3]);

  std::unique_ptr<accord::store::EventStore> store;
  accord::core::Status s = accord::store::EventStore::Open({}, dir, &store);
  if (!s.ok()) {
    std::fprintf(stderr, "open: %s\n", s.ToString().c_str());
    return 1;
  }
  // The test's clock starts here, so that a slow open on a busy machine
  // does not leave a cycle without appends.
  if (write(STDOUT_FILENO, "ready\n", 6) < 0) return 1;
  std::vector<std::thread> workers;
  workers.reserve(static_cast<size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::string stream = "crash-" + std::to_string(t);
      for (uint64_t seq = 0;; ++seq) {
        uint64_t id = first_id + static_cast<uint64_t>(t) * 1000000 + seq * 3;
        std::vector<accord::v1::NewEvent> events = {accord::testing::RawEvent(id),
                                                    accord::testing::RawEvent(id + 1),
                                                    accord::testing::RawEvent(id + 2)};
        accord::store::AppendResult result;
        accord::core::Status appended =
            store->Append(stream, accord::store::ExpectedVersion::Any(), events, &result);
        if (!appended.ok()) {
          std::fprintf(stderr, "append: %s\n", appended.ToString().c_str());
          _exit(1);
        }
        std::string line =
            stream + " " + std::to_string(id) + " " + std::to_string(result.first_position) + "\n";
        // One write(2) per line: lines from threads never interleave.
        if (write(STDOUT_FILENO, line.data(), line.size()) < 0) _exit(1);
      }
    });
  }
  for (auto& w : workers) w.join();
}
