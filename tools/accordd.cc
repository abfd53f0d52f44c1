// accordd: the accord server. Serves one data folder over TCP until SIGINT
// or SIGTERM, then stops cleanly: it stops taking requests, answers the
// appends already begun, closes connections and the store, and exits 0.
//
// Checkpoints of the log are signed with an Ed25519 key kept in a file (a
// signed-note private key line, mode 0600): --signing-key, by default
// DATA/checkpoint-signing.key, made on first start. Its verifier key is
// printed on start and by --print-verifier-key; auditors pin it.
#include <signal.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "service/server.h"
#include "store/event_store.h"

namespace {

void Log(const std::string& line) { std::fprintf(stderr, "accordd: %s\n", line.c_str()); }

// Reads the signing key at `path`, or makes one named `name` there if the
// file does not exist. An error sentence when neither works.
accord::core::Expected<accord::core::NoteSigner, std::string> LoadOrCreateSigner(
    const std::string& path, const std::string& name) {
  std::ifstream in(path);
  if (in) {
    std::string line;
    std::getline(in, line);
    auto signer = accord::core::NoteSigner::FromPrivateKey(line);
    if (!signer) return accord::core::MakeUnexpected(path + ": " + signer.error());
    return signer;
  }
  auto signer = accord::core::NoteSigner::Generate(name);
  if (!signer) return signer;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  {
    std::ofstream out(path, std::ios::trunc);
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
    out << signer->PrivateKey() << "\n";
    if (!out.flush()) return accord::core::MakeUnexpected("cannot write the signing key " + path);
  }
  Log("made a checkpoint signing key in " + path);
  return signer;
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  std::string data;
  std::string signing_key;
  bool print_verifier_key = false;
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
                                  "threads for store work")(
      "log-origin", po::value(&options.log_origin)->default_value("accord.local/log"),
      "the name of this log in its signed checkpoints")(
      "signing-key", po::value(&signing_key),
      "the checkpoint signing key file (default DATA/checkpoint-signing.key, made if missing)")(
      "print-verifier-key", po::bool_switch(&print_verifier_key),
      "print the verifier key auditors check checkpoints with, and exit");
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

  if (signing_key.empty())
    signing_key = (std::filesystem::path(data) / "checkpoint-signing.key").string();
  std::string key_name = options.log_origin;
  auto signer = LoadOrCreateSigner(signing_key, key_name);
  if (!signer) {
    Log(signer.error());
    return 1;
  }
  if (print_verifier_key) {
    std::cout << signer->VerifierKey() << "\n";
    return 0;
  }
  options.checkpoint_signer = *signer;

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
  Log("checkpoints of " + options.log_origin + " are signed by " + signer->VerifierKey());

  int received = 0;
  sigwait(&stop_signals, &received);
  Log(std::string("stopping on ") + (received == SIGINT ? "SIGINT" : "SIGTERM"));
  server.Stop();
  store.reset();
  Log("stopped");
  return 0;
}
