// accordd: the accord server. Serves one data folder over TCP until SIGINT
// or SIGTERM, then stops cleanly: it stops taking requests, answers the
// appends already begun, closes connections and the store, and exits 0.
#include <signal.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <string>

#include "service/server.h"
#include "store/event_store.h"

namespace {

void Log(const std::string& line) { std::fprintf(stderr, "accordd: %s\n", line.c_str()); }

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  std::string data;
  accord::service::ServerOptions options;
  po::options_description flags("usage: accordd [options]\n\noptions");
  flags.add_options()("help,h", "show this help")("data", po::value(&data)->default_value("data"),
                                                  "the data folder (created if missing)")(
      "listen", po::value(&options.address)->default_value("127.0.0.1"), "address to listen on")(
      "port", po::value(&options.port)->default_value(accord::service::kDefaultPort),
      "port to listen on (0: any free port, printed on start)")(
      "max-frame-bytes", po::value(&options.max_frame_bytes)->default_value(4 << 20),
      "largest request accepted")("store-threads",
                                  po::value(&options.store_threads)->default_value(4),
                                  "threads for store work");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, flags), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    Log(std::string(e.what()) + " (see --help)");
    return 2;
  }
  if (vm.count("help")) {
    std::cout << flags;
    return 0;
  }

  // Block the stop signals before any thread starts, so that only the
  // sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  std::unique_ptr<accord::store::EventStore> store;
  accord::store::Status s = accord::store::EventStore::Open({}, data, &store);
  if (!s.ok()) {
    Log("cannot open " + data + ": " + s.ToString());
    return 1;
  }
  accord::service::Server server(store.get(), options);
  s = server.Start();
  if (!s.ok()) {
    Log(s.ToString());
    return 1;
  }
  Log("serving " + data + " on " + options.address + ":" + std::to_string(server.port()) +
      " (log position " + std::to_string(store->Head().next_position) + ")");

  int received = 0;
  sigwait(&stop_signals, &received);
  Log(std::string("stopping on ") + (received == SIGINT ? "SIGINT" : "SIGTERM"));
  server.Stop();
  store.reset();
  Log("stopped");
  return 0;
}
