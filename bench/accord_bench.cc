// accord-bench: accord end to end, beside raw RocksDB in the same run.
//
//   build/bench/accord-bench [--connections 64] [--window 8] [--seconds 5]
//       [--rounds 3] [--catch-up-rounds 2] [--dir bench-data]
//       [--replay-events 1000000] [--accordd build/tools/accordd]
//       [--no-tcp] [--no-http] [--no-appends] [--no-replay] [--no-sse]
//       [--streams 0]
//
// 1. Appends through the doors: what accordd runs (one application over a
//    synced store, its own pool, under a net::Server and a net::HttpServer)
//    on loopback; N connections each pipeline `window` requests (over TCP
//    all from one thread's event loop, as redis-benchmark drives Redis: see
//    bench/tcp_driver.h; over HTTP one thread each). Raw
//    appends of one ~300-byte event (append_events over TCP, POST
//    /api/v1/streams/{id}/events over HTTP), then milestones (a note on the
//    connection's own agreement, decided by the lifecycle rules:
//    log_milestone, POST /api/v1/agreements/{id}/milestones). Each round
//    measures each workload through both doors, one after the other, the
//    first door alternating from round to round; throughput and
//    p50/p99/p99.9 latency per round, their medians, the ratio to raw
//    RocksDB writing one ~300-byte event per synced WriteBatch from N
//    threads (measured just before), and the median of each round's ratio
//    HTTP/TCP. Every answer must be a success (2xx over HTTP): failures are
//    counted, and the first one printed. With --streams N (scripts/bench
//    uses 1,000, as for its peers), the TCP appends spread over N streams
//    and N agreements, the connections taking turns over them.
// 2. Replay: a log of `replay-events` events over 10,000 agreements; the
//    time to rebuild the agreement index from it, beside a raw RocksDB scan
//    of the same records that parses each one and its payload.
// 3. The accordd process on that log: time from start to its first answer,
//    and its resident memory at 10% of the log and at all of it.
// 4. Catch-up of that log from position 0: the TCP door's subscription with
//    the records as stored, several to a frame (Subscribe.stored_records,
//    each record parsed by the reader), and with one decoded event a frame,
//    and the HTTP door's event stream (GET /api/v1/stream?from=0 until
//    `caught-up`), alternated for `catch-up-rounds` rounds; events per
//    second and megabytes per second, and the median of each round's ratio
//    HTTP/TCP (decoded events both). Each must deliver every event once, in
//    position order.
//
// 5. A cluster against a single node: appends and milestones over TCP to a
//    single node and to the leader of a cluster (three etcd members, three
//    nodes), alternated; the ratio cluster/single; each follower's copy
//    verified. Then failover: two accordd processes, appends through the
//    follower, the leader killed (SIGKILL, then SIGTERM): the time from the
//    kill to the next acknowledged append.
//
// --no-tcp and --no-http leave a door out of every part; --no-appends,
// --no-replay (replay, start-up and memory), --no-sse (catch-up) and
// --no-cluster leave out a part.
#include <fcntl.h>
#include <google/protobuf/arena.h>
#include <google/protobuf/util/json_util.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/program_options.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>

#include "accord/v1/events.pb.h"
#include "app/agreement_index.h"
#include "app/application.h"
#include "bench/bench_util.h"
#include "bench/http_client.h"
#include "bench/tcp_driver.h"
#include "core/core.h"
#include "net/client.h"
#include "net/framing.h"
#include "net/http_server.h"
#include "net/server.h"
#include "store/cluster.h"
#include "store/event_store.h"
#include "tests/testing/accordd_process.h"
#include "tests/testing/etcd_process.h"

extern char** environ;

namespace {

using accord::bench::Clock;
using accord::bench::HttpConnection;
using accord::v1::Request;
using accord::v1::Response;

constexpr std::chrono::seconds kAnswerTimeout{30};

struct Options {
  int connections = 64;
  int window = 8;
  double seconds = 5;
  int rounds = 3;
  int catch_up_rounds = 2;  // a catch-up of the replayed log takes minutes over HTTP
  std::string dir = "bench-data";
  uint64_t replay_events = 1000000;
  std::string accordd = "build/tools/accordd";
  bool tcp = true;        // the TCP door's part of each measure
  bool http = true;       // the HTTP door's
  int lease_seconds = 2;  // the cluster's (part 5)
  // Streams (and agreements) the TCP appends spread over; 0: one per
  // connection. scripts/bench sets 1,000, as its peers' runs use.
  int streams = 0;
};

// The stream (or agreement) number of connection c's k-th TCP request: its
// own when --streams is 0, else the connections take turns over them all.
int StreamOf(const Options& options, int c, uint64_t k) {
  if (options.streams == 0) return c;
  return static_cast<int>(
      (static_cast<uint64_t>(c) + static_cast<uint64_t>(options.connections) * k) %
      static_cast<uint64_t>(options.streams));
}

double Percentile(std::vector<double>* values, double p) {
  if (values->empty()) return 0;
  std::sort(values->begin(), values->end());
  return (*values)[std::min(values->size() - 1,
                            static_cast<size_t>(p * static_cast<double>(values->size())))];
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t half = values.size() / 2;
  return values.size() % 2 == 1 ? values[half] : (values[half - 1] + values[half]) / 2;
}

std::string NotePayload(const std::string& text) {
  accord::v1::NoteAdded note;
  note.set_text(text);
  return note.SerializeAsString();
}

std::string EventId(uint64_t n) {
  return fmt::format("{:08x}-0000-4000-8000-{:012x}", static_cast<uint32_t>(n >> 48),
                     n & 0xffffffffffffULL);
}

// The message as a client would send it: protobuf's JSON, defaults left out.
std::string Json(const google::protobuf::Message& message) {
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(message, &json);
  return json;
}

// The first `limit` bytes of `text`, on one line.
std::string Abridged(std::string_view text, size_t limit = 300) {
  std::string out(text.substr(0, limit));
  std::replace(out.begin(), out.end(), '\n', ' ');
  if (text.size() > limit) out += "...";
  return out;
}

// What accordd runs (tools/accordd.cc): one application over a synced
// store, with a pool of its own, under the TCP door and (when asked) the
// HTTP door, both on loopback, on any free port.
class Doors {
 public:
  Doors() = default;
  Doors(const Doors&) = delete;
  Doors& operator=(const Doors&) = delete;
  // Each door stops (answering what is in flight), then the application
  // stops hearing the store, its work ends, and the store goes last.
  ~Doors() {
    http_.reset();
    tcp_.reset();
    if (application_) application_->StopListening();
    if (pool_) pool_->join();
    application_.reset();
    store_.reset();
  }

  // False, having said why, when a part does not start.
  // With `cluster`, the store is a node of that cluster (store/cluster.h),
  // as accordd --etcd-endpoints runs it; Open returns once it leads.
  bool Open(const std::string& dir, bool http,
            const accord::store::ClusterOptions* cluster = nullptr) {
    auto failed = [](const char* what, const accord::core::Status& s) {
      std::printf("cannot start %s: %s\n", what, s.ToString().c_str());
      return false;
    };
    accord::core::Status s = cluster == nullptr
                                 ? accord::store::EventStore::Open({}, dir, &store_)
                                 : accord::store::OpenClustered({}, dir, *cluster, &store_);
    if (!s.ok()) return failed("the store", s);
    if (cluster != nullptr && !store_->AwaitWritable(std::chrono::seconds(30))) {
      return failed("the cluster", accord::core::Status::IOError("no leader within 30 s"));
    }
    accord::net::ServerOptions tcp;
    tcp.port = 0;
    pool_ = std::make_unique<boost::asio::thread_pool>(static_cast<size_t>(tcp.store_threads));
    application_ = std::make_unique<accord::app::Application>(
        store_.get(), accord::net::ApplicationOptionsOf(tcp),
        [pool = pool_.get()](std::function<void()> work) {
          boost::asio::post(*pool, std::move(work));
        });
    if (s = application_->Open(); !s.ok()) return failed("the application", s);
    tcp_ = std::make_unique<accord::net::Server>(application_.get(), tcp);
    if (s = tcp_->Start(); !s.ok()) return failed("the TCP door", s);
    if (!http) return true;
    // accordd's HTTP options are the door's defaults but for these.
    accord::net::HttpServerOptions options;
    options.address = tcp.address;
    options.port = 0;
    options.max_in_flight = tcp.max_in_flight;
    http_ = std::make_unique<accord::net::HttpServer>(application_.get(), std::move(options));
    if (s = http_->Start(); !s.ok()) return failed("the HTTP door", s);
    return true;
  }

  accord::store::EventStore& store() { return *store_; }
  uint16_t tcp_port() const { return tcp_->port(); }
  uint16_t http_port() const { return http_->port(); }

 private:
  std::unique_ptr<accord::store::EventStore> store_;
  std::unique_ptr<boost::asio::thread_pool> pool_;
  std::unique_ptr<accord::app::Application> application_;
  std::unique_ptr<accord::net::Server> tcp_;
  std::unique_ptr<accord::net::HttpServer> http_;
};

enum class Door { kTcp, kHttp };

const char* NameOf(Door door) { return door == Door::kTcp ? "TCP" : "HTTP"; }

// The doors a round measures, in its order: the first alternates from round
// to round, so that neither always runs on a log the other has just grown.
std::vector<Door> DoorsOfRound(const Options& options, int round) {
  std::vector<Door> doors;
  if (options.tcp) doors.push_back(Door::kTcp);
  if (options.http) doors.push_back(Door::kHttp);
  if (round % 2 == 1) std::reverse(doors.begin(), doors.end());
  return doors;
}

// One client connection's requests and answers, whichever door.
class Pipeline {
 public:
  virtual ~Pipeline() = default;
  // Sends the connection's next request, naming it by `id`. False when the
  // connection failed (`failure` says how).
  virtual bool Send(uint64_t* id, std::string* failure) = 0;
  // Waits for the next answer: which request it answers, and in `failure`
  // what it says when it is not a success. False when the connection failed.
  virtual bool Receive(uint64_t* id, std::string* failure) = 0;
};

class TcpPipeline final : public Pipeline {
 public:
  TcpPipeline(std::unique_ptr<accord::net::Client> client, std::function<Request()> make)
      : client_(std::move(client)), make_(std::move(make)) {
    client_->SetReceiveTimeout(kAnswerTimeout);
  }
  bool Send(uint64_t* id, std::string* failure) override {
    Request request = make_();
    accord::core::Status s = client_->Send(&request, id);
    if (!s.ok()) *failure = s.ToString();
    return s.ok();
  }
  bool Receive(uint64_t* id, std::string* failure) override {
    Response response;
    if (accord::core::Status s = client_->Receive(&response); !s.ok()) {
      *failure = s.ToString();
      return false;
    }
    *id = response.request_id();
    if (response.has_error()) {
      *failure = fmt::format("{}: {}", accord::v1::ErrorCode_Name(response.error().code()),
                             response.error().message());
    } else if (response.has_rejected()) {
      *failure = fmt::format("rejected, {}: {}",
                             accord::v1::RejectionCode_Name(response.rejected().code()),
                             response.rejected().message());
    }
    return true;
  }

 private:
  std::unique_ptr<accord::net::Client> client_;
  std::function<Request()> make_;
};

// HTTP/1.1 answers in request order: the n-th answer is the n-th request's.
class HttpPipeline final : public Pipeline {
 public:
  HttpPipeline(std::unique_ptr<HttpConnection> connection, std::function<std::string()> make)
      : connection_(std::move(connection)), make_(std::move(make)) {}
  bool Send(uint64_t* id, std::string* failure) override {
    *id = sent_++;
    if (connection_->Send(make_())) return true;
    *failure = connection_->error();
    return false;
  }
  bool Receive(uint64_t* id, std::string* failure) override {
    accord::bench::HttpAnswer answer;
    if (!connection_->Receive(&answer)) {
      *failure = connection_->error();
      return false;
    }
    *id = answered_++;
    if (answer.status < 200 || answer.status > 299) {
      *failure = fmt::format("{} {}", answer.status, answer.body);
    }
    return true;
  }

 private:
  std::unique_ptr<HttpConnection> connection_;
  std::function<std::string()> make_;
  uint64_t sent_ = 0;
  uint64_t answered_ = 0;
};

// A request of the HTTP door with a JSON body, as a client sends it.
std::string HttpRequestBytes(std::string_view method_and_target, uint16_t port,
                             const std::string& body) {
  return fmt::format(
      "{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n"
      "Content-Length: {}\r\n\r\n{}",
      method_and_target, port, body.size(), body);
}

// An HTTP request's bytes with a placeholder event id, made once per
// connection; each request is a copy with its own id in place.
class RequestTemplate {
 public:
  RequestTemplate(std::string_view method_and_target, uint16_t port, const std::string& body)
      : bytes_(HttpRequestBytes(method_and_target, port, body)),
        id_at_(bytes_.find(kPlaceholder)) {}

  std::string With(const std::string& event_id) const {
    std::string bytes = bytes_;
    bytes.replace(id_at_, event_id.size(), event_id);
    return bytes;
  }

  // An event id no request uses, as long as every other.
  static std::string Placeholder() { return std::string(kPlaceholder); }

 private:
  static constexpr std::string_view kPlaceholder = "00000000-0000-4000-8000-000000000000";
  std::string bytes_;
  size_t id_at_;
};

// One door's measure of one workload.
struct Phase : accord::bench::Result {
  double p999_us = 0;
  std::string first_failure;  // what the first failure said
};

// Runs the pipelines for `seconds`, one thread each (as the clients of a
// server are separate programs), each keeping `window` requests in flight:
// the next is sent as each answer comes.
Phase Drive(const Options& options, const std::vector<std::unique_ptr<Pipeline>>& pipelines) {
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::vector<double> latencies;
  std::atomic<uint64_t> done{0};
  Phase phase;
  auto failed = [&](const std::string& failure) {
    std::lock_guard lock(mutex);
    if (phase.failures++ == 0) phase.first_failure = failure;
  };
  std::vector<std::thread> threads;
  threads.reserve(pipelines.size());
  auto start = Clock::now();
  for (auto& pipeline : pipelines) {
    threads.emplace_back([&, p = pipeline.get()] {
      std::map<uint64_t, Clock::time_point> sent;
      std::vector<double> mine;
      std::string failure;
      auto send = [&] {
        uint64_t id = 0;
        auto at = Clock::now();
        if (!p->Send(&id, &failure)) return false;
        sent[id] = at;
        return true;
      };
      bool open = true;
      for (int i = 0; open && i < options.window; ++i) open = send();
      while (open && !stop.load(std::memory_order_relaxed)) {
        uint64_t id = 0;
        failure.clear();
        if (!p->Receive(&id, &failure)) break;
        auto it = sent.find(id);
        if (it == sent.end()) continue;
        mine.push_back(
            std::chrono::duration<double, std::micro>(Clock::now() - it->second).count());
        sent.erase(it);
        if (!failure.empty()) failed(failure);
        done.fetch_add(1, std::memory_order_relaxed);
        open = send();
      }
      if (!stop.load()) failed(failure.empty() ? "the connection failed" : failure);
      std::lock_guard lock(mutex);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(options.seconds));
  uint64_t counted = done.load();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  stop = true;
  for (auto& t : threads) t.join();
  phase.events_per_second = static_cast<double>(counted) / elapsed;
  phase.p50_us = Percentile(&latencies, 0.50);
  phase.p99_us = Percentile(&latencies, 0.99);
  phase.p999_us = Percentile(&latencies, 0.999);
  return phase;
}

// Waits (10 s at most) until the store has written nothing for 200 ms: the
// requests a measure left in flight are answered before the next one
// begins, so that no measure counts another's appends.
void Settle(const accord::store::EventStore& store) {
  const auto give_up = Clock::now() + std::chrono::seconds(10);
  uint64_t written = store.Stats().events_written;
  while (Clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    uint64_t now = store.Stats().events_written;
    if (now == written) return;
    written = now;
  }
}

// A workload through either door: connection c's next request.
struct Workload {
  std::string tcp_name;
  std::string http_name;
  std::function<std::function<Request()>(int)> tcp;
  std::function<std::function<std::string()>(int)> http;
};

// A raw append's event: a NoteAdded with `payload`.
void Note(accord::v1::NewEvent* event, const std::string& event_id, const std::string& payload) {
  event->set_event_id(event_id);
  event->set_event_type("accord.v1.NoteAdded");
  event->set_schema_version(1);
  event->set_payload(payload);
}

// The proposal of agreement `id`, which the bench's milestones then follow.
accord::v1::Command Proposal(const std::string& id, const std::string& event_id) {
  accord::v1::Command command;
  command.set_agreement_id(id);
  command.set_event_id(event_id);
  auto* p = command.mutable_milestone()->mutable_agreement_proposed();
  p->set_title("bench");
  p->set_kind(accord::v1::MEMORANDUM_OF_UNDERSTANDING);
  for (const char* party : {"cospar", "apsco"}) {
    auto* added = p->add_parties();
    added->set_organisation_id(party);
    added->set_name(party);
    added->set_role(accord::v1::Party::SIGNATORY);
  }
  return command;
}

// Proposes each connection's agreement through `door`, before the clock
// starts. False, having said why, when one is not logged.
bool ProposeAgreements(const Options& options, Doors& doors, Door door,
                       const std::function<std::string(int)>& agreement,
                       std::atomic<uint64_t>& next_id) {
  std::unique_ptr<accord::net::Client> client;
  HttpConnection connection;
  std::string why;
  if (door == Door::kTcp) {
    accord::core::Status s =
        accord::net::Client::Connect("127.0.0.1", doors.tcp_port(), "setup", &client);
    if (!s.ok()) why = s.ToString();
  } else {
    (void)connection.Connect(doors.http_port(), &why);
  }
  const int agreements =
      door == Door::kTcp && options.streams > 0 ? options.streams : options.connections;
  for (int c = 0; why.empty() && c < agreements; ++c) {
    accord::v1::Command command = Proposal(agreement(c), EventId(next_id.fetch_add(1)));
    if (door == Door::kTcp) {
      Request r;
      *r.mutable_log_milestone() = command;
      Response response;
      client->SetReceiveTimeout(kAnswerTimeout);
      accord::core::Status s = client->Call(r, &response);
      if (!s.ok() || !response.has_logged()) {
        why = s.ok() ? Abridged(response.DebugString()) : s.ToString();
      }
    } else {
      accord::bench::HttpAnswer answer;
      if (!connection.Send(
              HttpRequestBytes("POST /api/v1/agreements", doors.http_port(), Json(command))) ||
          !connection.Receive(&answer)) {
        why = connection.error();
      } else if (answer.status != 201) {
        why = fmt::format("{} {}", answer.status, Abridged(answer.body));
      }
    }
  }
  if (!why.empty())
    std::printf("cannot propose the agreements over %s: %s\n", NameOf(door), why.c_str());
  return why.empty();
}

void PrintPhase(const std::string& label, const std::string& name, const Phase& phase,
                double raw_rate) {
  std::printf(
      "%-14s %-52s %8.0f ev/s  ratio %.2f  p50 %6.0f us  p99 %6.0f us  p99.9 %6.0f us  "
      "%.1f events per sync, %llu failures\n",
      label.c_str(), name.c_str(), phase.events_per_second, phase.events_per_second / raw_rate,
      phase.p50_us, phase.p99_us, phase.p999_us, phase.events_per_sync,
      static_cast<unsigned long long>(phase.failures));
  if (phase.failures > 0) {
    std::printf("%-14s first failure: %s\n", "", Abridged(phase.first_failure).c_str());
  }
}

// Drive, then closes the pipelines and waits for the store to settle; the
// phase's events per synced write from the store's own counts.
Phase DriveAndSettle(const Options& options, std::vector<std::unique_ptr<Pipeline>> pipelines,
                     const accord::store::EventStore& store) {
  auto before = store.Stats();
  Phase phase = Drive(options, pipelines);
  auto after = store.Stats();
  pipelines.clear();
  Settle(store);
  phase.events_per_sync =
      static_cast<double>(after.events_written - before.events_written) /
      std::max<double>(1, static_cast<double>(after.group_commits - before.group_commits));
  return phase;
}

// The TCP door's load from one thread (bench/tcp_driver.h), as
// redis-benchmark loads Redis; then waits for the store to settle, as
// DriveAndSettle. *why says why nothing was measured, if so.
Phase DriveTcpAndSettle(const Options& options, uint16_t port,
                        const std::function<std::function<Request()>(int)>& make,
                        const accord::store::EventStore& store, std::string* why) {
  auto before = store.Stats();
  accord::bench::TcpDriveResult driven =
      accord::bench::DriveTcp({.port = port,
                               .connections = options.connections,
                               .window = options.window,
                               .seconds = options.seconds},
                              make);
  auto after = store.Stats();
  Settle(store);
  Phase phase;
  *why = driven.error;
  phase.events_per_second = driven.requests_per_second;
  phase.p50_us = Percentile(&driven.latencies_us, 0.50);
  phase.p99_us = Percentile(&driven.latencies_us, 0.99);
  phase.p999_us = Percentile(&driven.latencies_us, 0.999);
  phase.failures = driven.failures;
  phase.first_failure = driven.first_failure;
  phase.events_per_sync =
      static_cast<double>(after.events_written - before.events_written) /
      std::max<double>(1, static_cast<double>(after.group_commits - before.group_commits));
  return phase;
}

// A durable raw append of one ~300-byte event to `stream` (append_events).
Request RawAppend(const std::string& stream, const std::string& event_id,
                  const std::string& payload) {
  Request r;
  auto* append = r.mutable_append_events();
  append->set_stream_id(stream);
  Note(append->add_events(), event_id, payload);
  return r;
}

// A note on `agreement`, decided by the lifecycle rules (log_milestone).
Request NoteMilestone(const std::string& agreement, const std::string& event_id,
                      const std::string& text) {
  Request r;
  auto* command = r.mutable_log_milestone();
  command->set_agreement_id(agreement);
  command->set_event_id(event_id);
  command->mutable_milestone()->mutable_note_added()->set_text(text);
  return r;
}

// `options.connections` TCP pipelines to `port`, each making its requests
// with make(c); empty, having said why, when one does not connect.
std::vector<std::unique_ptr<Pipeline>> TcpPipelines(
    const Options& options, uint16_t port,
    const std::function<std::function<Request()>(int)>& make) {
  std::vector<std::unique_ptr<Pipeline>> pipelines;
  for (int c = 0; c < options.connections; ++c) {
    std::unique_ptr<accord::net::Client> client;
    accord::core::Status s = accord::net::Client::Connect("127.0.0.1", port, "bench", &client);
    if (!s.ok()) {
      std::printf("cannot connect over TCP: %s\n", s.ToString().c_str());
      return {};
    }
    pipelines.push_back(std::make_unique<TcpPipeline>(std::move(client), make(c)));
  }
  return pipelines;
}

void AppendsThroughTheDoors(const Options& options) {
  std::printf(
      "== durable appends over %s: %d connections, %d requests in flight each, %d round%s\n",
      options.tcp && options.http ? "TCP and HTTP, alternated"
      : options.tcp               ? "TCP"
                                  : "HTTP",
      options.connections, options.window, options.rounds, options.rounds == 1 ? "" : "s");
  accord::bench::Result raw =
      accord::bench::RawRocksDb(options.dir + "/raw", options.connections, options.seconds, 1);
  std::printf("raw RocksDB, one event per synced WriteBatch, %d threads: %.0f ev/s (p50 %.0f us)\n",
              options.connections, raw.events_per_second, raw.p50_us);

  std::string data = options.dir + "/doors";
  std::filesystem::remove_all(data);
  Doors doors;
  if (!doors.Open(data, options.http)) return;
  std::atomic<uint64_t> next_id{1};
  auto tcp_agreement = [](int c) { return fmt::format("bench-agreement-{}", c); };
  auto http_agreement = [](int c) { return fmt::format("bench-http-agreement-{}", c); };
  if (options.tcp && !ProposeAgreements(options, doors, Door::kTcp, tcp_agreement, next_id)) return;
  if (options.http && !ProposeAgreements(options, doors, Door::kHttp, http_agreement, next_id)) {
    return;
  }

  const uint16_t http_port = options.http ? doors.http_port() : 0;
  std::string payload = NotePayload(std::string(280, 'n'));
  std::string text(270, 't');
  std::vector<Workload> workloads;
  workloads.push_back(
      {"raw appends (append_events)", "raw appends (POST /api/v1/streams/{id}/events)",
       [&](int c) {
         return [&, c, k = uint64_t{0}]() mutable {
           return RawAppend(fmt::format("bench-raw-{}", StreamOf(options, c, k++)),
                            EventId(next_id.fetch_add(1)), payload);
         };
       },
       [&](int c) {
         accord::v1::AppendEvents append;  // the path names the stream
         Note(append.add_events(), RequestTemplate::Placeholder(), payload);
         RequestTemplate request(fmt::format("POST /api/v1/streams/bench-http-raw-{}/events", c),
                                 http_port, Json(append));
         return [&, request] { return request.With(EventId(next_id.fetch_add(1))); };
       }});
  workloads.push_back(
      {"milestones (log_milestone)", "milestones (POST /api/v1/agreements/{id}/milestones)",
       [&](int c) {
         return [&, c, k = uint64_t{0}]() mutable {
           return NoteMilestone(tcp_agreement(StreamOf(options, c, k++)),
                                EventId(next_id.fetch_add(1)), text);
         };
       },
       [&](int c) {
         accord::v1::Command command;  // the path names the agreement
         command.set_event_id(RequestTemplate::Placeholder());
         command.mutable_milestone()->mutable_note_added()->set_text(text);
         RequestTemplate request(
             fmt::format("POST /api/v1/agreements/{}/milestones", http_agreement(c)), http_port,
             Json(command));
         return [&, request] { return request.With(EventId(next_id.fetch_add(1))); };
       }});

  // phases[workload][door]: one per round.
  std::vector<std::map<Door, std::vector<Phase>>> phases(workloads.size());
  for (int round = 0; round < options.rounds; ++round) {
    for (size_t w = 0; w < workloads.size(); ++w) {
      const Workload& workload = workloads[w];
      for (Door door : DoorsOfRound(options, round)) {
        std::vector<std::unique_ptr<Pipeline>> pipelines;
        std::string why;
        for (int c = 0; door == Door::kHttp && why.empty() && c < options.connections; ++c) {
          auto connection = std::make_unique<HttpConnection>(kAnswerTimeout);
          if (connection->Connect(http_port, &why)) {
            pipelines.push_back(
                std::make_unique<HttpPipeline>(std::move(connection), workload.http(c)));
          }
        }
        if (!why.empty()) {
          std::printf("cannot connect over %s: %s\n", NameOf(door), why.c_str());
          return;
        }
        Phase phase =
            door == Door::kTcp
                ? DriveTcpAndSettle(options, doors.tcp_port(), workload.tcp, doors.store(), &why)
                : DriveAndSettle(options, std::move(pipelines), doors.store());
        if (!why.empty()) {
          std::printf("cannot connect over %s: %s\n", NameOf(door), why.c_str());
          return;
        }
        PrintPhase(fmt::format("round {} {}", round + 1, NameOf(door)),
                   door == Door::kTcp ? workload.tcp_name : workload.http_name, phase,
                   raw.events_per_second);
        phases[w][door].push_back(std::move(phase));
      }
    }
  }

  if (options.rounds > 1) {
    std::printf("medians of %d rounds:\n", options.rounds);
    for (size_t w = 0; w < workloads.size(); ++w) {
      for (const auto& [door, of_door] : phases[w]) {
        const std::vector<Phase>& rounds = of_door;
        auto median = [&rounds](double Phase::*field) {
          std::vector<double> values;
          values.reserve(rounds.size());
          for (const Phase& p : rounds) values.push_back(p.*field);
          return Median(std::move(values));
        };
        Phase phase;
        phase.events_per_second = median(&Phase::events_per_second);
        phase.p50_us = median(&Phase::p50_us);
        phase.p99_us = median(&Phase::p99_us);
        phase.p999_us = median(&Phase::p999_us);
        phase.events_per_sync = median(&Phase::events_per_sync);
        for (const Phase& p : rounds) phase.failures += p.failures;
        PrintPhase(fmt::format("accord {}", NameOf(door)),
                   door == Door::kTcp ? workloads[w].tcp_name : workloads[w].http_name, phase,
                   raw.events_per_second);
      }
    }
  }
  if (options.tcp && options.http) {
    std::printf("HTTP/TCP, the median of each round's ratio (the rounds' ratios):\n");
    for (size_t w = 0; w < workloads.size(); ++w) {
      std::vector<double> ratios;
      ratios.reserve(static_cast<size_t>(options.rounds));
      for (int round = 0; round < options.rounds; ++round) {
        ratios.push_back(phases[w][Door::kHttp][round].events_per_second /
                         phases[w][Door::kTcp][round].events_per_second);
      }
      const std::string& name = workloads[w].tcp_name;
      fmt::print("{:<14} {:.2f}  ({:.2f})\n", name.substr(0, name.find(" (")), Median(ratios),
                 fmt::join(ratios, " "));
    }
  }
}

// A log of `events` events over 10,000 agreements: each proposed, then notes.
// 100 events per agreement at any size, so that what an agreement costs to
// fold is the same in a small log and a large one.
bool BuildLog(const std::string& dir, uint64_t events) {
  std::filesystem::remove_all(dir);
  accord::store::StoreOptions options;
  options.sync = false;  // built fast; what is measured is reading it back
  std::unique_ptr<accord::store::EventStore> store;
  if (!accord::store::EventStore::Open(options, dir, &store).ok()) return false;
  constexpr uint64_t kPerAgreement = 100;
  const uint64_t kAgreements = std::max<uint64_t>(1, events / kPerAgreement);
  uint64_t per_agreement = kPerAgreement;
  std::string note = NotePayload(std::string(250, 'r'));
  accord::v1::AgreementProposed proposed = Proposal("", "").milestone().agreement_proposed();
  proposed.set_title("replayed agreement");
  std::atomic<uint64_t> pending{0};
  uint64_t id = 1;
  for (uint64_t a = 0; a < kAgreements && id <= events; ++a) {
    std::vector<accord::v1::NewEvent> batch;
    for (uint64_t i = 0; i < per_agreement && id <= events; ++i, ++id) {
      auto& e = batch.emplace_back();
      e.set_event_id(EventId(id));
      e.set_schema_version(1);
      e.set_actor("bench");
      if (i == 0) {
        e.set_event_type("accord.v1.AgreementProposed");
        e.set_payload(proposed.SerializeAsString());
      } else {
        e.set_event_type("accord.v1.NoteAdded");
        e.set_payload(note);
      }
      if (batch.size() == 100) {
        ++pending;
        store->AppendAsync(fmt::format("replay-{:05}", a), accord::store::ExpectedVersion::Any(),
                           std::move(batch), [&](const auto&, const auto&) { --pending; });
        batch.clear();
      }
    }
    if (!batch.empty()) {
      ++pending;
      store->AppendAsync(fmt::format("replay-{:05}", a), accord::store::ExpectedVersion::Any(),
                         std::move(batch), [&](const auto&, const auto&) { --pending; });
    }
    while (pending.load() > 256) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  while (pending.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return true;
}

void Replay(const Options& options, const std::string& dir) {
  std::printf("\n== replay: %llu events, 100 per agreement\n",
              static_cast<unsigned long long>(options.replay_events));
  auto built = Clock::now();
  if (!BuildLog(dir, options.replay_events)) return;
  std::printf("(log written in %.1f s)\n",
              std::chrono::duration<double>(Clock::now() - built).count());

  // Raw: RocksDB's iterator over the log family, parsing each record and
  // its payload, as any reader of the log must.
  double raw_seconds = 0;
  uint64_t raw_records = 0;
  {
    rocksdb::DBOptions db_options;
    db_options.track_and_verify_wals_in_manifest =
        true;  // as accord opens it; else RocksDB 7.8 asserts in read-only Recover
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const char* name :
         {"default", "log", "stream_index", "stream_heads", "event_ids", "projections", "merkle"}) {
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    if (!rocksdb::DB::OpenForReadOnly(db_options, dir, families, &handles, &raw).ok()) return;
    auto start = Clock::now();
    std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(rocksdb::ReadOptions(), handles[1]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      accord::v1::LogEntry entry;
      accord::v1::EventRecord record;
      entry.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()));
      record.ParseFromString(entry.record());
      auto event =
          accord::core::DecodeEvent(record.event_type(), record.schema_version(), record.payload());
      raw_records += event.ok() ? 1 : 0;
    }
    raw_seconds = std::chrono::duration<double>(Clock::now() - start).count();
    it.reset();
    for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
    delete raw;
  }
  std::printf(
      "raw RocksDB scan, parsing each record and payload: %llu records in %.2f s, %.0f ev/s\n",
      static_cast<unsigned long long>(raw_records), raw_seconds,
      static_cast<double>(raw_records) / raw_seconds);

  std::unique_ptr<accord::store::EventStore> store;
  if (!accord::store::EventStore::Open({}, dir, &store).ok()) return;
  accord::app::AgreementIndex index(store.get());
  auto start = Clock::now();
  accord::core::Status rebuilt = index.Rebuild();
  double rebuild_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "accord rebuild of the agreement index from position 0 (%s): %.2f s, %.0f ev/s, ratio %.2f "
      "of the raw scan's rate\n",
      rebuilt.ok() ? "ok" : rebuilt.ToString().c_str(), rebuild_seconds,
      static_cast<double>(raw_records) / rebuild_seconds, raw_seconds / rebuild_seconds);
}

long RssKilobytes(pid_t pid) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  }
  return -1;
}

// Starts accordd on `dir`, times its first answer, runs a short workload
// and reads its resident memory.
void StartAndMeasure(const Options& options, const std::string& dir, const std::string& label) {
  std::string log = dir + ".accordd.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  // Both doors, as accordd serves by default, each on a free port.
  std::vector<std::string> args = {options.accordd, "--data", dir,        "--port", "0",
                                   "--http-port",   "any",    "--no-auth"};
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  auto start = Clock::now();
  if (posix_spawn(&pid, options.accordd.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
    std::printf("cannot start %s\n", options.accordd.c_str());
    return;
  }
  posix_spawn_file_actions_destroy(&actions);
  uint16_t port = 0;
  std::unique_ptr<accord::net::Client> client;
  while (!client && Clock::now() - start < std::chrono::seconds(60)) {
    std::ifstream in(log);
    std::string line;
    while (port == 0 && std::getline(in, line)) {
      if (auto at = line.find(" on 127.0.0.1:"); at != std::string::npos) {
        port = static_cast<uint16_t>(std::stoi(line.substr(at + 14)));
      }
    }
    if (port != 0) {
      Request health;
      health.mutable_get_agreement()->set_agreement_id("replay-00001");
      Response response;
      if (accord::net::Client::Connect("127.0.0.1", port, "bench", &client).ok() &&
          client->Call(health, &response).ok() && response.has_agreement()) {
        break;
      }
      client.reset();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  double first_answer = std::chrono::duration<double>(Clock::now() - start).count();
  // A little of everything a user does, then the memory.
  for (int i = 0; client && i < 200; ++i) {
    Request r;
    if (i % 3 == 0)
      r.mutable_get_agreement()->set_agreement_id(fmt::format("replay-{:05}", (i * 37) % 1000));
    if (i % 3 == 1) r.mutable_list_agreements()->set_max_count(100);
    if (i % 3 == 2)
      r.mutable_get_timeline()->set_agreement_id(fmt::format("replay-{:05}", (i * 41) % 1000));
    Response response;
    (void)client->Call(r, &response);
  }
  long rss = RssKilobytes(pid);
  std::printf("accordd on %s: first answer %.3f s after start; resident memory %.1f MB\n",
              label.c_str(), first_answer, static_cast<double>(rss) / 1024);
  client.reset();
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
}

struct CatchUpResult {
  uint64_t events = 0;
  uint64_t bytes = 0;  // of the messages as sent: frames, or the stream's text
  double seconds = 0;
  std::string error;  // empty: every event once, in order, then caught up
};

// A Subscribe from position 0 over the TCP door, read until caught_up: one
// decoded event a frame, or with `stored` the records as stored, several to
// a frame, each parsed here as a replay tool would.
CatchUpResult TcpCatchUp(uint16_t port, uint64_t log_size, bool stored) {
  CatchUpResult result;
  std::unique_ptr<accord::net::Client> client;
  if (accord::core::Status s = accord::net::Client::Connect("127.0.0.1", port, "bench", &client);
      !s.ok()) {
    result.error = s.ToString();
    return result;
  }
  client->SetReceiveTimeout(kAnswerTimeout);
  Request subscribe;
  subscribe.mutable_subscribe()->set_from(0);
  subscribe.mutable_subscribe()->set_stored_records(stored);
  accord::v1::EventRecord record;
  auto start = Clock::now();
  (void)client->Send(&subscribe);
  std::optional<uint64_t> caught_up;
  // Each frame's messages in an arena, freed at once when the next arrives,
  // as a replay tool in C++ would read them.
  google::protobuf::Arena arena;
  while (!caught_up && result.error.empty()) {
    arena.Reset();
    Response& response = *google::protobuf::Arena::CreateMessage<Response>(&arena);
    if (accord::core::Status s = client->Receive(&response); !s.ok()) {
      result.error = s.ToString();
      break;
    }
    result.bytes += response.ByteSizeLong() + accord::net::kFrameHeaderBytes;
    const accord::v1::SubscriptionMessage& message = response.subscription();
    if (message.has_event()) {
      uint64_t position = message.event().record().position();
      if (position != result.events) {
        result.error = fmt::format("after {} events, position {}", result.events, position);
      }
      ++result.events;
    } else if (message.has_records()) {
      for (const std::string& bytes : message.records().records()) {
        if (!record.ParseFromString(bytes) || record.position() != result.events) {
          result.error =
              fmt::format("after {} events, position {}", result.events, record.position());
          break;
        }
        ++result.events;
      }
    } else if (message.has_caught_up()) {
      caught_up = message.caught_up();
    } else if (!message.has_checkpoint()) {
      result.error = Abridged(response.DebugString());
    }
  }
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (result.error.empty() && (result.events != log_size || caught_up != log_size)) {
    result.error = fmt::format("{} events and caught up at {}, of a log of {}", result.events,
                               caught_up.value_or(0), log_size);
  }
  return result;
}

// GET /api/v1/stream?from=0 over the HTTP door, read until `caught-up`.
CatchUpResult SseCatchUp(uint16_t port, uint64_t log_size) {
  CatchUpResult result;
  HttpConnection connection(kAnswerTimeout);
  if (!connection.Connect(port, &result.error)) return result;
  auto start = Clock::now();
  accord::bench::HttpAnswer answer;
  if (!connection.Send(fmt::format("GET /api/v1/stream?from=0 HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n"
                                   "Accept: text/event-stream\r\n\r\n",
                                   port)) ||
      !connection.Receive(&answer)) {
    result.error = connection.error();
    return result;
  }
  if (answer.status != 200 || !answer.chunked) {
    result.error = fmt::format("{} {}", answer.status, Abridged(answer.body));
    return result;
  }
  accord::bench::EventStreamReader reader(0);
  std::string_view piece;
  while (!reader.caught_up() && !reader.error() && connection.ReadBody(&piece)) reader.Take(piece);
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.events = reader.recorded();
  result.bytes = reader.bytes();
  if (reader.error()) {
    result.error = Abridged(*reader.error());
  } else if (!reader.caught_up()) {
    result.error = "the stream ended before caught-up: " + connection.error();
  } else if (result.events != log_size || reader.caught_up() != log_size) {
    result.error = fmt::format("{} events and caught up at {}, of a log of {}", result.events,
                               *reader.caught_up(), log_size);
  }
  return result;
}

// Both doors' catch-up of the log in `dir`, from position 0 to its end.
// 5. The cluster: appends and milestones over TCP from `connections`
// connections to a single node and to the leader of a cluster (three etcd
// members, three accord nodes: the leader with its doors, two followers
// copying the log), alternated round by round; then failover.
void ClusterAgainstSingleNode(const Options& options) {
  std::printf(
      "\n== a cluster (3 etcd members, 3 nodes) against a single node: %d connections, %d "
      "requests in flight each, %d round%s\n",
      options.connections, options.window, options.rounds, options.rounds == 1 ? "" : "s");
  std::string root = options.dir + "/cluster";
  std::filesystem::remove_all(root);
  accord::testing::EtcdCluster etcd(root + "/etcd", 3);
  if (!etcd.WaitUntilHealthy()) {
    std::printf("etcd did not start: %s\n", etcd.log(0).c_str());
    return;
  }
  std::string payload = NotePayload(std::string(280, 'n'));
  std::string text(270, 't');
  std::atomic<uint64_t> next_id{1};
  struct Measured {
    std::vector<double> single, cluster;
  };
  std::map<std::string, Measured> rates;  // workload -> rates per round
  int runs = 0;
  for (int round = 0; round < options.rounds; ++round) {
    for (int order = 0; order < 2; ++order) {
      bool clustered = (order == 0) == (round % 2 == 0);
      std::string data = fmt::format("{}/run{}", root, ++runs);
      accord::store::ClusterOptions cluster;
      cluster.etcd_endpoints = etcd.endpoints();
      cluster.prefix = fmt::format("/bench{}/", runs);
      cluster.node_name = "leader";
      cluster.peer_address = fmt::format("127.0.0.1:{}", accord::testing::FreePort());
      cluster.max_txn_ops = 4096;
      cluster.lease_seconds = options.lease_seconds;
      Doors doors;
      if (!doors.Open(data + "/n1", false, clustered ? &cluster : nullptr)) return;
      std::vector<std::unique_ptr<accord::store::EventStore>> followers;
      for (int f = 2; clustered && f <= 3; ++f) {
        accord::store::ClusterOptions follower = cluster;
        follower.node_name = fmt::format("follower{}", f);
        follower.peer_address = fmt::format("127.0.0.1:{}", accord::testing::FreePort());
        followers.emplace_back();
        accord::core::Status s = accord::store::OpenClustered({}, fmt::format("{}/n{}", data, f),
                                                              follower, &followers.back());
        if (!s.ok()) {
          std::printf("cannot start a follower: %s\n", s.ToString().c_str());
          return;
        }
      }
      auto agreement = [runs](int c) { return fmt::format("bench-{}-agreement-{}", runs, c); };
      if (!ProposeAgreements(options, doors, Door::kTcp, agreement, next_id)) return;
      std::vector<std::pair<std::string, std::function<std::function<Request()>(int)>>> workloads;
      workloads.emplace_back("raw appends (append_events)", [&](int c) {
        return [&, stream = fmt::format("bench-raw-{}", c)] {
          return RawAppend(stream, EventId(next_id.fetch_add(1)), payload);
        };
      });
      workloads.emplace_back("milestones (log_milestone)", [&, agreement](int c) {
        return [&, id = agreement(c)] {
          return NoteMilestone(id, EventId(next_id.fetch_add(1)), text);
        };
      });
      for (auto& [name, make] : workloads) {
        std::vector<std::unique_ptr<Pipeline>> pipelines =
            TcpPipelines(options, doors.tcp_port(), make);
        if (pipelines.empty()) return;
        Phase phase = DriveAndSettle(options, std::move(pipelines), doors.store());
        PrintPhase(fmt::format("round {} {}", round + 1, clustered ? "cluster" : "single"), name,
                   phase, phase.events_per_second);
        (clustered ? rates[name].cluster : rates[name].single).push_back(phase.events_per_second);
      }
      if (clustered) {
        // Every copy holds the whole log, verified, with the leader's head.
        uint64_t head = doors.store().Head().next_position;
        for (auto& follower : followers) {
          auto until = Clock::now() + std::chrono::seconds(60);
          while (follower->Head().next_position < head && Clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
          }
          accord::store::VerifyReport report;
          accord::core::Status verified = follower->Verify(&report);
          std::printf("%-14s a follower holds %llu of %llu records, verify %s, head %s\n", "",
                      static_cast<unsigned long long>(report.records),
                      static_cast<unsigned long long>(head), verified.ToString().c_str(),
                      report.head_hash == doors.store().Head().last_hash ? "the leader's"
                                                                         : "NOT the leader's");
        }
      }
    }
  }
  std::printf("cluster/single, the median of each round's ratio (the rounds' ratios):\n");
  for (const auto& [name, measured] : rates) {
    std::vector<double> ratios;
    for (size_t r = 0; r < measured.single.size() && r < measured.cluster.size(); ++r) {
      ratios.push_back(measured.cluster[r] / measured.single[r]);
    }
    fmt::print("{:<28} cluster {:.0f} ev/s, single {:.0f} ev/s (medians): {:.2f}  ({:.2f})\n", name,
               Median(measured.cluster), Median(measured.single), Median(ratios),
               fmt::join(ratios, " "));
  }

  // Failover: two accordd processes on the cluster; one client appends
  // through the follower, one event at a time; the leader is killed
  // (SIGKILL, then, once more, SIGTERM) and the gap in acknowledgements is
  // the time from the kill to the next one.
  for (int signal : {SIGKILL, SIGTERM}) {
    std::string prefix = fmt::format("/failover{}/", signal);
    std::vector<std::unique_ptr<accord::testing::AccorddProcess>> nodes;
    for (int n = 1; n <= 2; ++n) {
      std::string dir = fmt::format("{}/failover{}-n{}", root, signal, n);
      std::filesystem::create_directories(dir);
      nodes.push_back(std::make_unique<accord::testing::AccorddProcess>(
          options.accordd,
          std::vector<std::string>{"--data", dir, "--no-auth", "--http-port", "0",
                                   "--etcd-endpoints", etcd.endpoints_flag(), "--etcd-prefix",
                                   prefix, "--node-name", fmt::format("n{}", n), "--peer-address",
                                   fmt::format("127.0.0.1:{}", accord::testing::FreePort()),
                                   "--lease-seconds", std::to_string(options.lease_seconds)},
          dir + ".log"));
      if (!nodes.back()->WaitUntilServing()) {
        std::printf("accordd did not start: %s\n", nodes.back()->log().c_str());
        return;
      }
    }
    // Which one leads: its health says so.
    auto leads = [](uint16_t port) {
      std::unique_ptr<accord::net::Client> client;
      Request health;
      health.mutable_get_health();
      Response response;
      return accord::net::Client::Connect("127.0.0.1", port, "bench", &client).ok() &&
             client->Call(health, &response).ok() && response.health().cluster().leader();
    };
    int leader = -1;
    for (auto until = Clock::now() + std::chrono::seconds(30);
         leader < 0 && Clock::now() < until;) {
      for (int n = 0; n < 2; ++n) {
        if (leads(nodes[n]->port())) leader = n;
      }
    }
    if (leader < 0) {
      std::printf("no leader among the accordd nodes\n");
      return;
    }
    int follower = 1 - leader;
    std::unique_ptr<accord::net::Client> client;
    if (!accord::net::Client::Connect("127.0.0.1", nodes[follower]->port(), "bench", &client)
             .ok()) {
      return;
    }
    client->SetReceiveTimeout(std::chrono::seconds(60));
    auto append = [&] {
      Response response;
      return client->Call(RawAppend("failover", EventId(next_id.fetch_add(1)), payload), &response)
                 .ok() &&
             response.has_appended();
    };
    for (int i = 0; i < 100; ++i) append();
    std::atomic<bool> killed{false};
    Clock::time_point kill_time;
    std::thread killer([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      kill_time = Clock::now();
      kill(nodes[leader]->pid(), signal);
      killed = true;
    });
    double gap_ms = -1;
    for (auto until = Clock::now() + std::chrono::seconds(60); Clock::now() < until;) {
      bool ok = append();
      if (ok && killed) {
        gap_ms = std::chrono::duration<double, std::milli>(Clock::now() - kill_time).count();
        break;
      }
    }
    killer.join();
    std::printf(
        "failover after %s of the leader (lease %d s): the next append acknowledged %.0f "
        "ms after the kill\n",
        signal == SIGKILL ? "SIGKILL" : "SIGTERM", options.lease_seconds, gap_ms);
  }
}

// How a replay tool catches up: over TCP with the records as stored or with
// decoded events, or over HTTP's event stream.
enum class CatchUpKind { kTcpRecords, kTcpEvents, kHttpEvents };

const char* NameOf(CatchUpKind kind) {
  switch (kind) {
    case CatchUpKind::kTcpRecords:
      return "tcp-records";
    case CatchUpKind::kTcpEvents:
      return "tcp-events";
    case CatchUpKind::kHttpEvents:
      return "http-sse";
  }
  return "";
}

const char* DescriptionOf(CatchUpKind kind) {
  switch (kind) {
    case CatchUpKind::kTcpRecords:
      return "subscribe, stored_records (several a frame)";
    case CatchUpKind::kTcpEvents:
      return "subscribe (one decoded event a frame)";
    case CatchUpKind::kHttpEvents:
      return "GET /api/v1/stream (Server-Sent Events)";
  }
  return "";
}

void CatchUp(const Options& options, const std::string& dir) {
  Doors doors;
  if (!doors.Open(dir, options.http)) return;
  const uint64_t log_size = doors.store().Head().next_position;
  std::vector<CatchUpKind> kinds;
  if (options.tcp) kinds = {CatchUpKind::kTcpRecords, CatchUpKind::kTcpEvents};
  if (options.http) kinds.push_back(CatchUpKind::kHttpEvents);
  std::printf(
      "\n== catch-up of a %llu-event log from position 0, %d round%s, %zu ways alternated\n",
      static_cast<unsigned long long>(log_size), options.catch_up_rounds,
      options.catch_up_rounds == 1 ? "" : "s", kinds.size());
  std::map<CatchUpKind, std::vector<CatchUpResult>> results;
  for (int round = 0; round < options.catch_up_rounds; ++round) {
    std::vector<CatchUpKind> order = kinds;
    if (round % 2 == 1) std::reverse(order.begin(), order.end());
    for (CatchUpKind kind : order) {
      CatchUpResult r =
          kind == CatchUpKind::kHttpEvents
              ? SseCatchUp(doors.http_port(), log_size)
              : TcpCatchUp(doors.tcp_port(), log_size, kind == CatchUpKind::kTcpRecords);
      std::printf(
          "round %d %-11s %-44s %8llu events in %6.2f s %8.0f ev/s %7.1f MB/s  %s\n", round + 1,
          NameOf(kind), DescriptionOf(kind), static_cast<unsigned long long>(r.events), r.seconds,
          static_cast<double>(r.events) / r.seconds, static_cast<double>(r.bytes) / r.seconds / 1e6,
          r.error.empty() ? "every event once, in order" : ("WRONG: " + r.error).c_str());
      results[kind].push_back(std::move(r));
    }
  }
  auto rate = [](const CatchUpResult& r) { return static_cast<double>(r.events) / r.seconds; };
  for (auto& [kind, rounds] : results) {
    std::vector<double> rates;
    std::vector<double> megabytes;
    for (const CatchUpResult& r : rounds) {
      rates.push_back(rate(r));
      megabytes.push_back(static_cast<double>(r.bytes) / r.seconds / 1e6);
    }
    std::printf("median %-11s catch-up: %.0f ev/s, %.1f MB/s\n", NameOf(kind), Median(rates),
                Median(megabytes));
  }
  if (options.tcp && options.http) {
    std::vector<double> ratios;
    ratios.reserve(static_cast<size_t>(options.catch_up_rounds));
    for (int round = 0; round < options.catch_up_rounds; ++round) {
      ratios.push_back(rate(results[CatchUpKind::kHttpEvents][round]) /
                       rate(results[CatchUpKind::kTcpEvents][round]));
    }
    fmt::print(
        "HTTP/TCP catch-up of decoded events (events/s), the median of each round's ratio: {:.2f}  "
        "({:.2f})\n",
        Median(ratios), fmt::join(ratios, " "));
  }
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  Options options;
  bool skip_tcp = false;
  bool skip_http = false;
  bool skip_appends = false;
  bool skip_replay = false;
  bool skip_sse = false;
  bool skip_cluster = false;
  po::options_description flags("usage: accord-bench [options]\n\noptions");
  flags.add_options()("help,h", "show this help")(
      "connections", po::value(&options.connections)->default_value(64), "client connections")(
      "window", po::value(&options.window)->default_value(8), "requests in flight per connection")(
      "seconds", po::value(&options.seconds)->default_value(5), "seconds per measurement")(
      "rounds", po::value(&options.rounds)->default_value(3),
      "rounds of appends through each door (TCP and HTTP alternated); medians reported")(
      "catch-up-rounds", po::value(&options.catch_up_rounds)->default_value(2),
      "rounds of the replayed log's catch-up through each door (alternated); medians reported")(
      "dir", po::value(&options.dir)->default_value("bench-data"), "scratch folder (emptied)")(
      "replay-events", po::value(&options.replay_events)->default_value(1000000),
      "events in the replayed log")(
      "accordd", po::value(&options.accordd)->default_value("build/tools/accordd"),
      "the accordd binary, for start-up and memory")(
      "no-tcp", po::bool_switch(&skip_tcp), "skip the TCP door (its appends and catch-up)")(
      "no-http", po::bool_switch(&skip_http), "skip the HTTP door (its appends and catch-up)")(
      "no-appends", po::bool_switch(&skip_appends), "skip the appends through the doors")(
      "no-replay", po::bool_switch(&skip_replay), "skip replay, start-up and memory")(
      "no-sse", po::bool_switch(&skip_sse),
      "skip the catch-up of the replayed log (TCP subscription and HTTP event stream)")(
      "no-cluster", po::bool_switch(&skip_cluster),
      "skip the cluster against a single node, and failover (they start etcd members)")(
      "lease-seconds", po::value(&options.lease_seconds)->default_value(2),
      "the cluster's lease: a dead leader is replaced after about this long")(
      "streams", po::value(&options.streams)->default_value(0),
      "streams (and agreements) the TCP appends spread over, the connections taking turns; "
      "0: one per connection");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, flags), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "accord-bench: %s\n", e.what());
    return 2;
  }
  if (vm.count("help")) {
    std::cout << flags;
    return 0;
  }
  if (options.rounds < 1 || options.catch_up_rounds < 1 || options.connections < 1 ||
      options.window < 1 || options.streams < 0) {
    std::fprintf(stderr,
                 "accord-bench: --rounds, --catch-up-rounds, --connections and --window are at "
                 "least 1, --streams at least 0\n");
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each line in its place among the servers' logs
  options.tcp = !skip_tcp;
  options.http = !skip_http;
  std::filesystem::create_directories(options.dir);
  if (!skip_appends && (options.tcp || options.http)) AppendsThroughTheDoors(options);
  std::string large = options.dir + "/log-large";
  if (!skip_replay) {
    std::string small = options.dir + "/log-small";
    Options tenth = options;
    tenth.replay_events = options.replay_events / 10;
    std::printf("\n== accordd start-up and memory\n");
    if (BuildLog(small, tenth.replay_events)) {
      {
        // As a server leaves it: the agreement index caught up with the log.
        std::unique_ptr<accord::store::EventStore> store;
        if (accord::store::EventStore::Open({}, small, &store).ok()) {
          (void)accord::app::AgreementIndex(store.get()).Rebuild();
        }
      }
      StartAndMeasure(options, small, fmt::format("{} events", tenth.replay_events));
    }
    Replay(options, large);
    StartAndMeasure(options, large, fmt::format("{} events", options.replay_events));
  }
  if (!skip_sse && (options.tcp || options.http)) {
    // The replayed log, or one built the same way.
    if (skip_replay && !BuildLog(large, options.replay_events)) {
      std::printf("cannot build a log of %llu events in %s\n",
                  static_cast<unsigned long long>(options.replay_events), large.c_str());
      return 1;
    }
    CatchUp(options, large);
  }
  if (!skip_cluster) ClusterAgainstSingleNode(options);
  return 0;
}
