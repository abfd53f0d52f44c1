// accordd: the accord server. Serves one data folder over TCP until SIGINT
// or SIGTERM, then stops cleanly: it stops taking requests, answers the
// appends already begun, closes connections and the store, and exits 0.
//
// Checkpoints of the log are signed with an Ed25519 key kept in a file (a
// signed-note private key line, mode 0600): --signing-key, by default
// DATA/checkpoint-signing.key, made on first start. Its verifier key is
// printed on start and by --print-verifier-key; auditors pin it.
//
// Who may connect is in a token file (app/auth.h), given by --tokens;
// `accordd --tokens FILE --add-user NAME --role ROLE` adds a user and prints
// their token once. Without --tokens accordd refuses to start, unless
// --no-auth says that anyone may connect as an admin named as they please
// (development only).
//
// Its log goes to stderr (--log-level, info by default). At start it raises
// its open-file limit to fit --max-connections beside the store's files, and
// it refuses a data folder that another process holds.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "app/log.h"
#include "net/server.h"
#include "store/event_store.h"

namespace {

using accord::app::ServerLog;

void Log(const std::string& line) { ServerLog().info("{}", line); }
void LogError(const std::string& line) { ServerLog().error("{}", line); }

// File descriptors beside the connections': RocksDB's table files and logs,
// the listener, the signing key and token files.
constexpr rlim_t kOpenFilesBesideConnections = 1024;

// Raises the soft open-file limit (up to the hard one) so that
// `max_connections` connections fit beside the store's files; says so when
// they cannot fit, since accepts then fail with EMFILE.
void FitOpenFileLimit(size_t max_connections) {
  const rlim_t wanted = static_cast<rlim_t>(max_connections) + kOpenFilesBesideConnections;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= wanted) return;
  rlim_t target = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
  if (target > limit.rlim_cur) {
    rlimit raised{target, limit.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      Log("raised the open-file limit from " + std::to_string(limit.rlim_cur) + " to " +
          std::to_string(target));
      limit.rlim_cur = target;
    }
  }
  if (limit.rlim_cur < wanted) {
    ServerLog().warn(
        "the open-file limit is {} (hard limit {}), under the {} that --max-connections {} "
        "needs beside the store's files: once it runs out, new connections wait for a free "
        "descriptor; raise the hard limit (ulimit -Hn, systemd's LimitNOFILE=) or lower "
        "--max-connections",
        limit.rlim_cur, limit.rlim_max, wanted, max_connections);
  }
}

// The process that holds RocksDB's lock (a POSIX record lock on DATA/LOCK),
// if another one does, and its name.
struct LockHolder {
  pid_t pid;
  std::string name;
};
std::optional<LockHolder> FindLockHolder(const std::string& data) {
  std::string path = (std::filesystem::path(data) / "LOCK").string();
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  int rc = fcntl(fd, F_GETLK, &lock);
  close(fd);
  if (rc != 0 || lock.l_type == F_UNLCK || lock.l_pid == getpid()) return std::nullopt;
  std::string name;
  std::ifstream comm("/proc/" + std::to_string(lock.l_pid) + "/comm");
  std::getline(comm, name);
  return LockHolder{lock.l_pid, name.empty() ? "process" : name};
}

std::string InUseMessage(const std::string& data, const LockHolder& holder) {
  return "data folder " + data + " is in use by another " + holder.name + " (pid " +
         std::to_string(holder.pid) + " holds the lock on " +
         (std::filesystem::path(data) / "LOCK").string() + ")";
}

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
  int64_t idle_timeout_ms = 300000;
  int64_t slow_reader_timeout_ms = 10000;
  std::string tokens_path;
  bool no_auth = false;
  std::string add_user;
  std::string role_name;
  std::string log_level;
  accord::net::ServerOptions options;
  po::options_description flags("usage: accordd [options]\n\noptions");
  flags.add_options()("help,h", "show this help")("data", po::value(&data)->default_value("data"),
                                                  "the data folder (created if missing)")(
      "listen", po::value(&options.address)->default_value("127.0.0.1"), "address to listen on")(
      "port", po::value(&options.port)->default_value(accord::net::kDefaultPort),
      "port to listen on (0: any free port, printed on start)")(
      "max-frame-bytes", po::value(&options.max_frame_bytes)->default_value(4 << 20),
      "largest request accepted")("store-threads",
                                  po::value(&options.store_threads)->default_value(4),
                                  "threads for store work")(
      "max-connections", po::value(&options.max_connections)->default_value(1024),
      "connections beyond this are refused (RESOURCE_EXHAUSTED)")(
      "max-in-flight", po::value(&options.max_in_flight)->default_value(1024),
      "unanswered requests per connection beyond which requests are refused")(
      "idle-timeout-ms", po::value(&idle_timeout_ms)->default_value(300000),
      "close connections that send nothing for this long (subscribers excepted)")(
      "max-queued-bytes", po::value(&options.max_queued_bytes)->default_value(16 << 20),
      "past this many unread response bytes, a connection's next requests wait")(
      "slow-reader-timeout-ms", po::value(&slow_reader_timeout_ms)->default_value(10000),
      "close a connection past --max-queued-bytes that reads nothing for this long")(
      "tls-cert", po::value(&options.tls_certificate_file),
      "serve TLS with this PEM certificate chain (with --tls-key)")(
      "tls-key", po::value(&options.tls_key_file), "the PEM private key of --tls-cert")(
      "log-origin", po::value(&options.log_origin)->default_value("accord.local/log"),
      "the name of this log in its signed checkpoints")(
      "signing-key", po::value(&signing_key),
      "the checkpoint signing key file (default DATA/checkpoint-signing.key, made if missing)")(
      "print-verifier-key", po::bool_switch(&print_verifier_key),
      "print the verifier key auditors check checkpoints with, and exit")(
      "tokens", po::value(&tokens_path), "the token file: who may connect, with which role")(
      "no-auth", po::bool_switch(&no_auth),
      "serve without tokens: anyone is an admin named as they say (development only)")(
      "add-user", po::value(&add_user),
      "add this user to the --tokens file, print their new token once, and exit")(
      "role", po::value(&role_name)->default_value("logger"),
      "--add-user: logger, auditor or admin")(
      "log-level", po::value(&log_level)->default_value("info"),
      "what to log on stderr: trace, debug, info, warn, error, critical or off");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, flags), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    LogError(std::string(e.what()) + " (see --help)");
    return 2;
  }
  if (vm.count("help")) {
    std::cout << flags;
    return 0;
  }
  auto level = accord::app::ParseLogLevel(log_level);
  if (!level) {
    LogError("--log-level " + log_level +
             ": not one of trace, debug, info, warn, error, critical, off");
    return 2;
  }
  accord::app::SetLogLevel(*level);
  options.idle_timeout = std::chrono::milliseconds(idle_timeout_ms);
  options.slow_reader_timeout = std::chrono::milliseconds(slow_reader_timeout_ms);

  if (!add_user.empty()) {
    auto role = accord::app::ParseRole(role_name);
    if (tokens_path.empty() || !role) {
      LogError("--add-user needs --tokens FILE and --role logger|auditor|admin");
      return 2;
    }
    auto added = accord::app::TokenFile::AddUser(tokens_path, add_user, *role);
    if (!added) {
      LogError(added.error());
      return 1;
    }
    std::cout << added->token << "\n";
    Log("added " + add_user + " (" + role_name + ") to " + tokens_path +
        "; the token above is shown once and stored only as its hash");
    return 0;
  }
  if (signing_key.empty())
    signing_key = (std::filesystem::path(data) / "checkpoint-signing.key").string();
  std::string key_name = options.log_origin;
  auto signer = LoadOrCreateSigner(signing_key, key_name);
  if (!signer) {
    LogError(signer.error());
    return 1;
  }
  if (print_verifier_key) {
    std::cout << signer->VerifierKey() << "\n";
    return 0;
  }
  options.checkpoint_signer = *signer;
  if (auto holder = FindLockHolder(data)) {
    LogError(InUseMessage(data, *holder));
    return 1;
  }
  if (!tokens_path.empty()) {
    auto tokens = accord::app::TokenFile::Load(tokens_path);
    if (!tokens) {
      LogError(tokens.error());
      return 1;
    }
    options.tokens = std::move(tokens).value();
  } else if (!no_auth) {
    LogError(
        "no --tokens file: give one (accordd --tokens FILE --add-user NAME --role ROLE makes it), "
        "or --no-auth to let anyone in");
    return 2;
  }

  // Block the stop signals before any thread starts, so that only the
  // sigwait below receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  FitOpenFileLimit(options.max_connections);
  std::unique_ptr<accord::store::EventStore> store;
  accord::core::Status s = accord::store::EventStore::Open({}, data, &store);
  if (!s.ok()) {
    // Another process may have taken the folder since the check above.
    auto holder = FindLockHolder(data);
    LogError(holder ? InUseMessage(data, *holder) : "cannot open " + data + ": " + s.ToString());
    return 1;
  }
  accord::net::Server server(store.get(), options);
  s = server.Start();
  if (!s.ok()) {
    LogError(s.ToString());
    return 1;
  }
  Log("serving " + data + " on " + options.address + ":" + std::to_string(server.port()) +
      " (log position " + std::to_string(store->Head().next_position) + ")");
  Log(options.tokens ? "users: " + std::to_string(options.tokens->size()) + " in " + tokens_path
                     : std::string("no authentication (--no-auth): every connection is an admin"));
  Log("checkpoints of " + options.log_origin + " are signed by " + signer->VerifierKey());

  int received = 0;
  sigwait(&stop_signals, &received);
  Log(std::string("stopping on ") + (received == SIGINT ? "SIGINT" : "SIGTERM"));
  server.Stop();
  store.reset();
  Log("stopped");
  return 0;
}
