// accordd: the accord server. Serves one data folder through two front
// doors over one application: its TCP protocol (--port, 7420) and HTTP
// (--http-port, 7421: the JSON API, event streams, metrics; docs/http.md),
// until SIGINT or SIGTERM, then stops cleanly: it stops taking requests,
// answers the appends already begun, closes connections and the store, and
// exits 0.
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
// Over HTTP it also serves the web desk (GET /): its files are built in, or
// read from --web-dir on each request; browsers sign in for sessions that
// last --session-minutes and live in memory (a restart signs everyone out).
//
// Its log goes to stderr (--log-level, info by default). At start it raises
// its open-file limit to fit --max-connections beside the store's files, and
// it refuses a data folder that another process holds.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "app/log.h"
#include "net/http_server.h"
#include "net/server.h"
#include "store/cluster.h"
#include "store/document_store.h"
#include "store/event_store.h"

namespace {

namespace asio = boost::asio;
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
  std::string data = "data";
  std::string signing_key;
  bool print_verifier_key = false;
  int64_t idle_timeout_ms = 300000;
  int64_t slow_reader_timeout_ms = 10000;
  std::string tokens_path;
  bool no_auth = false;
  std::string add_user;
  std::string role_name = "logger";
  std::string log_level = "info";
  std::string http_port = std::to_string(accord::net::kDefaultHttpPort);
  int64_t session_minutes = 480;
  std::string web_dir;
  uint64_t max_document_bytes = accord::store::kDefaultMaxDocumentBytes;
  accord::net::ServerOptions options;
  std::string etcd_endpoints;
  accord::store::ClusterOptions cluster;
  CLI::App flags("accordd: the accord server, serving one data folder until SIGINT or SIGTERM",
                 "accordd");
  flags.set_help_flag("-h,--help", "show this help");
  flags.option_defaults()->always_capture_default();
  flags.add_option("--data", data, "the data folder (created if missing)");
  flags.add_option("--listen", options.address, "address to listen on");
  flags.add_option("--port", options.port,
                   "port to listen on (0: any free port, printed on start)");
  flags.add_option("--http-port", http_port,
                   "HTTP port on the --listen address (0: no HTTP door; any: any free port, "
                   "printed on start)");
  flags.add_option("--max-frame-bytes", options.max_frame_bytes,
                   "largest request accepted (a TCP frame, an HTTP body)");
  flags.add_option("--max-document-bytes", max_document_bytes,
                   "largest document attached (an HTTP upload; over TCP a document must also fit "
                   "in --max-frame-bytes)");
  flags.add_option("--store-threads", options.store_threads, "threads for store work");
  flags.add_option("--max-connections", options.max_connections,
                   "connections beyond this are refused (RESOURCE_EXHAUSTED)");
  flags.add_option("--max-in-flight", options.max_in_flight,
                   "unanswered requests per connection beyond which requests are refused");
  flags.add_option("--idle-timeout-ms", idle_timeout_ms,
                   "close connections that send nothing for this long (subscribers excepted)");
  flags.add_option("--max-queued-bytes", options.max_queued_bytes,
                   "past this many unread response bytes, a connection's next requests wait");
  flags.add_option("--slow-reader-timeout-ms", slow_reader_timeout_ms,
                   "close a connection past --max-queued-bytes that reads nothing for this long");
  flags.add_option("--tls-cert", options.tls_certificate_file,
                   "serve TLS with this PEM certificate chain (with --tls-key)");
  flags.add_option("--tls-key", options.tls_key_file, "the PEM private key of --tls-cert");
  flags.add_option("--log-origin", options.log_origin,
                   "the name of this log in its signed checkpoints");
  flags.add_option(
      "--signing-key", signing_key,
      "the checkpoint signing key file (default DATA/checkpoint-signing.key, made if missing)");
  flags.add_flag("--print-verifier-key", print_verifier_key,
                 "print the verifier key auditors check checkpoints with, and exit");
  flags.add_option("--tokens", tokens_path, "the token file: who may connect, with which role");
  flags.add_flag("--no-auth", no_auth,
                 "serve without tokens: anyone is an admin named as they say (development only)");
  flags.add_option("--add-user", add_user,
                   "add this user to the --tokens file, print their new token once, and exit");
  flags.add_option("--role", role_name, "--add-user: logger, auditor or admin");
  flags
      .add_option("--session-minutes", session_minutes,
                  "a browser's session (the web desk's sign-in) ends this long after it began")
      ->check(CLI::Range(int64_t{1}, int64_t{43200}));  // at most 30 days
  flags.add_option("--web-dir", web_dir,
                   "serve the web desk's files from this folder, read on each request, instead of "
                   "those built in (for working on the pages)");
  flags.add_option("--etcd-endpoints", etcd_endpoints,
                   "run as a node of a cluster whose log of record is in these etcd members "
                   "(host:port,host:port,...; docs/cluster.md); without it, a single node");
  flags.add_option("--etcd-prefix", cluster.prefix,
                   "--etcd-endpoints: the keys accord keeps in etcd");
  flags.add_option("--etcd-ca", cluster.etcd_ca_file, "--etcd-endpoints: TLS, etcd's CA (PEM)");
  flags.add_option("--etcd-cert", cluster.etcd_cert_file,
                   "--etcd-endpoints: TLS, this node's client certificate (PEM)");
  flags.add_option("--etcd-key", cluster.etcd_key_file, "--etcd-endpoints: TLS, its private key");
  flags.add_option("--node-name", cluster.node_name,
                   "--etcd-endpoints: this node's name, unique in the cluster (default: the peer "
                   "address)");
  flags.add_option("--peer-address", cluster.peer_address,
                   "--etcd-endpoints: host:port where this node takes appends that other nodes "
                   "forward to it while it leads");
  flags
      .add_option("--lease-seconds", cluster.lease_seconds,
                  "--etcd-endpoints: a dead leader is replaced after about this long")
      ->check(CLI::Range(1, 60));
  flags
      .add_option("--etcd-max-txn-ops", cluster.max_txn_ops,
                  "--etcd-endpoints: etcd's --max-txn-ops; bounds the events of one commit")
      ->check(CLI::Range(16, 1 << 20));
  flags.add_option("--log-level", log_level,
                   "what to log on stderr: trace, debug, info, warn, error, critical or off");
  try {
    flags.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << flags.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    LogError(std::string(e.what()) + " (see --help)");
    return 2;
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
  if (std::error_code error; !web_dir.empty() && !std::filesystem::is_directory(web_dir, error)) {
    LogError("--web-dir " + web_dir + ": not a folder");
    return 2;
  }
  std::optional<uint16_t> http_listen_port;  // unset: no HTTP door
  if (http_port == "any") {
    http_listen_port = 0;
  } else {
    unsigned long parsed = 0;
    size_t used = 0;
    try {
      parsed = std::stoul(http_port, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != http_port.size() || parsed > 65535) {
      LogError("--http-port " + http_port + ": not a port, 0 (no HTTP door) or any (see --help)");
      return 2;
    }
    if (parsed != 0) http_listen_port = static_cast<uint16_t>(parsed);
  }

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
  accord::core::Status s;
  if (etcd_endpoints.empty()) {
    s = accord::store::EventStore::Open({}, data, &store);
  } else {
    for (size_t start = 0; start <= etcd_endpoints.size();) {
      size_t comma = etcd_endpoints.find(',', start);
      if (comma == std::string::npos) comma = etcd_endpoints.size();
      if (comma > start)
        cluster.etcd_endpoints.push_back(etcd_endpoints.substr(start, comma - start));
      start = comma + 1;
    }
    if (cluster.peer_address.empty()) cluster.peer_address = "127.0.0.1:7422";
    if (cluster.node_name.empty()) cluster.node_name = cluster.peer_address;
    s = accord::store::OpenClustered({}, data, cluster, &store);
    if (s.ok()) {
      Log("node " + cluster.node_name + " of the cluster in etcd " + etcd_endpoints + " (prefix " +
          cluster.prefix + "), taking forwarded appends at " + cluster.peer_address);
    }
  }
  if (!s.ok()) {
    // Another process may have taken the folder since the check above.
    auto holder = FindLockHolder(data);
    LogError(holder ? InUseMessage(data, *holder) : "cannot open " + data + ": " + s.ToString());
    return 1;
  }
  // Documents' bytes beside the log, in DATA/documents.
  std::unique_ptr<accord::store::DocumentStore> documents;
  s = accord::store::DocumentStore::Open(data, max_document_bytes, &documents);
  if (!s.ok()) {
    LogError("cannot open " + data + "/documents: " + s.ToString());
    return 1;
  }
  // On a cluster, a document uploaded through another node is fetched from
  // it when first asked for here.
  documents = accord::store::ShareDocuments(store.get(), std::move(documents));
  options.documents = documents.get();
  // One application under both doors: what is logged through one is
  // followed through the other.
  asio::thread_pool store_pool(static_cast<size_t>(options.store_threads));
  accord::app::ApplicationOptions application_options = accord::net::ApplicationOptionsOf(options);
  // The search index beside the store, in a folder of its own (RocksDB
  // leaves folders it did not make alone); rebuilt from the log if lost.
  application_options.search_directory = (std::filesystem::path(data) / "search").string();
  auto application = std::make_unique<accord::app::Application>(
      store.get(), std::move(application_options),
      [&store_pool](std::function<void()> work) { asio::post(store_pool, std::move(work)); });
  // However main leaves from here (a door that does not start as well),
  // the application stops hearing the store and the pool's work (a
  // projection catching up) ends before the application goes.
  struct StopBeforeGoing {
    std::unique_ptr<accord::app::Application>& application;
    asio::thread_pool& pool;
    ~StopBeforeGoing() {
      if (!application) return;  // stopped in order below
      application->StopListening();
      pool.join();
    }
  } stop_before_going{application, store_pool};
  s = application->Open();
  if (!s.ok()) {
    LogError(s.ToString());
    return 1;
  }
  auto server = std::make_unique<accord::net::Server>(application.get(), options);
  s = server->Start();
  if (!s.ok()) {
    LogError(s.ToString());
    return 1;
  }
  std::unique_ptr<accord::net::HttpServer> http_server;
  if (http_listen_port) {
    accord::net::HttpServerOptions http;
    http.address = options.address;
    http.port = *http_listen_port;
    http.max_connections = options.max_connections;
    http.max_body_bytes = options.max_frame_bytes;
    http.max_document_bytes = max_document_bytes;
    http.max_event_bytes = options.max_frame_bytes;
    http.idle_timeout = options.idle_timeout;
    http.max_in_flight = options.max_in_flight;
    http.max_queued_bytes = options.max_queued_bytes;
    http.slow_reader_timeout = options.slow_reader_timeout;
    http.subscriber_buffer_bytes = options.subscriber_buffer_bytes;
    http.subscriber_stall_timeout = options.subscriber_stall_timeout;
    http.max_subscriber_lag = options.max_subscriber_lag;
    http.network_threads = options.network_threads;
    http.tls_certificate_file = options.tls_certificate_file;
    http.tls_key_file = options.tls_key_file;
    http.api.server_name = options.server_name;
    http.api.tokens = options.tokens;
    http.api.sessions.lifetime = std::chrono::minutes(session_minutes);
    http.api.web_dir = web_dir;
    http_server = std::make_unique<accord::net::HttpServer>(application.get(), std::move(http));
    s = http_server->Start();
    if (!s.ok()) {
      LogError(s.ToString());
      return 1;
    }
  }
  // The HTTP line comes before the serving line, which tools wait for.
  if (http_server) {
    const std::string origin =
        std::string(options.tls_certificate_file.empty() ? "http" : "https") + "://" +
        options.address + ":" + std::to_string(http_server->port());
    Log("HTTP at " + origin + "/api/v1/");
    Log("the web desk at " + origin + "/" +
        (web_dir.empty() ? std::string() : " (its files read from " + web_dir + ")"));
  }
  Log("serving " + data + " on " + options.address + ":" + std::to_string(server->port()) +
      " (log position " + std::to_string(store->Head().next_position) + ")");
  Log(options.tokens ? "users: " + std::to_string(options.tokens->size()) + " in " + tokens_path
                     : std::string("no authentication (--no-auth): every connection is an admin"));
  Log("checkpoints of " + options.log_origin + " are signed by " + signer->VerifierKey());

  int received = 0;
  sigwait(&stop_signals, &received);
  Log(std::string("stopping on ") + (received == SIGINT ? "SIGINT" : "SIGTERM"));
  // Each door stops (answers what is in flight, then closes), then the
  // application stops hearing the store, then the store's work ends; the
  // store goes last.
  http_server.reset();
  server.reset();
  application->StopListening();
  store_pool.join();
  application.reset();
  store.reset();
  documents.reset();
  Log("stopped");
  return 0;
}
