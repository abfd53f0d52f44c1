// app/metrics: what accord counts, and its one Prometheus exposition.
//
// The HTTP door serves GET /metrics with
//
//   std::string text = application.MetricsText();   // app/application.h
//   // Content-Type: app::kMetricsContentType
//
// which writes every family below in the text format of app/exposition.h.
// It reads atomics, the store's stats and /proc, holds locks only briefly
// (the doors' registrations, each listener's session list, the store's
// write queue) and answers in well under a millisecond: run it on the
// thread that serves the route. docs/metrics.md lists every family.
//
// A front door, per listener, registers while it serves and counts what
// only it sees (the TCP door, net/server.cc and net/session.cc, does so):
//
//   uint64_t id = application.AddFrontDoor(app::Door::kHttp, [this] { return Figures(); });
//   application.metrics().ObserveRequest(app::Door::kHttp, request.kind_case(), seconds);
//   application.metrics().CountRefusedConnection(app::Door::kHttp);
//   application.metrics().CountDroppedConnection(app::Door::kHttp,
//                                                app::ConnectionDrop::kIdleTimeout);
//   application.metrics().CountDroppedSubscription(app::Door::kHttp,
//                                                  app::SubscriptionDrop::kStalled);
//   application.RemoveFrontDoor(id);  // when it stops, before what Figures reads goes
//
// What is counted, and by whom:
//   the application (app/application.cc), for every request it answers:
//     accord_milestones_total{outcome}         log_milestone: logged, already_logged,
//                                              rejected, error
//     accord_milestone_rejections_total{code}  each rejection by its RejectionCode
//     accord_appends_total{outcome}            append_events: logged, already_logged, error
//     accord_errors_total{kind,code}           every error answered, by request kind
//                                              and ErrorCode
//   each front door (net/server.cc, the HTTP door), through Metrics:
//     accord_request_duration_seconds{door,kind}    histogram: from a request's arrival
//                                                   to its answer being queued to send
//     accord_connections_refused_total{door}
//     accord_connections_dropped_total{door,reason} slow_reader, idle_timeout, protocol_error,
//                                                   request_timeout
//     accord_subscriptions_dropped_total{door,reason}  stalled, lagging
//   each front door, read on every scrape and health answer (AddFrontDoor):
//     accord_connections{door}, accord_subscriptions{door}
//   the store (StoreStats) and the projections, read on every scrape:
//     accord_log_records, accord_projection_lag_events{projection},
//     accord_store_group_commit_events (histogram), accord_store_synced_write_seconds
//     (histogram), accord_store_size_bytes{files}, accord_store_writes_refused
//   this process (/proc/self): process_cpu_seconds_total, process_start_time_seconds,
//     process_resident_memory_bytes, process_virtual_memory_bytes, process_open_fds,
//     process_max_fds
//
// Label values are bounded, known in advance: doors (tcp, http), request
// kinds (the request table, app/requests.h), ErrorCode and RejectionCode
// (the schema's enums), the reasons here. So every counter is an atomic in
// an array made at construction, and counting is one relaxed atomic add:
// no lock, no map, no allocation on the hot path. A series with a label
// set that is never counted (a kind never answered with an error) is not
// written until it is; outcomes and each door's figures are written from 0.
//
// Thread safety: every method may be called from any thread at once.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "accord/v1/commands.pb.h"
#include "accord/v1/wire.pb.h"
#include "app/exposition.h"
#include "app/process_stats.h"
#include "core/histogram.h"
#include "store/cluster.h"
#include "store/event_store.h"

namespace accord::app {

inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// The front doors, each the `door` label of its figures.
enum class Door { kTcp, kHttp };
inline constexpr size_t kDoorCount = 2;
std::string_view DoorName(Door door);  // "tcp", "http"

// Why a door closed a connection.
enum class ConnectionDrop {
  kSlowReader,   // read none of its answers for slow_reader_timeout
  kIdleTimeout,  // sent nothing for idle_timeout, with nothing in flight
  // A failed TLS handshake, a malformed or oversized frame, no hello, an
  // unknown request, a bad token or protocol version.
  kProtocolError,
  // An HTTP request begun did not arrive whole within the request timeout
  // (a client sending its headers a byte at a time).
  kRequestTimeout,
};
inline constexpr size_t kConnectionDropCount = 4;
// Why a door ended a subscription (the connection stays).
enum class SubscriptionDrop {
  kStalled,  // the subscriber read nothing for subscriber_stall_timeout
  kLagging,  // once live, it fell more than max_subscriber_lag behind the log
};
inline constexpr size_t kSubscriptionDropCount = 2;

// A door's live figures, read through AddFrontDoor's callback.
struct FrontDoorFigures {
  uint64_t connections = 0;
  uint64_t subscriptions = 0;
};

// How a command (a milestone, a raw append) was answered.
enum class CommandOutcome {
  kLogged,         // written
  kAlreadyLogged,  // a retry of one written before: nothing written
  kRejected,       // the lifecycle rules refused it (milestones only)
  kError,          // an error answer (limits, conflicts, the disk, ...)
};
inline constexpr size_t kCommandOutcomeCount = 4;

// Everything a scrape reads besides the counters: gathered by
// Application::MetricsText.
struct ScrapeFigures {
  struct Projection {
    std::string name;
    uint64_t lag = 0;  // events logged that it has not processed yet
  };
  uint64_t log_records = 0;
  store::StoreStats store;
  std::vector<Projection> projections;
  // Each door's figures summed over its registrations; nullopt for a door
  // the application never had.
  std::array<std::optional<FrontDoorFigures>, kDoorCount> doors;
  std::optional<ProcessStats> process;  // nullopt: not on Linux
  std::optional<store::ClusterView> cluster;  // nullopt: a single node
};

class Metrics {
 public:
  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The application's own: each command's outcome, each error it answers.
  // `rejection` is the rules' code when `outcome` is kRejected.
  void CountMilestone(CommandOutcome outcome,
                      accord::v1::RejectionCode rejection = accord::v1::REJECTION_CODE_UNSPECIFIED);
  void CountAppend(CommandOutcome outcome);
  void CountError(accord::v1::Request::KindCase kind, accord::v1::ErrorCode code);

  // The front doors'. `kind` is the request's; a kind the request table
  // does not know is not counted.
  void ObserveRequest(Door door, accord::v1::Request::KindCase kind, double seconds);
  void CountRefusedConnection(Door door);
  void CountDroppedConnection(Door door, ConnectionDrop why);
  void CountDroppedSubscription(Door door, SubscriptionDrop why);

  uint64_t refused_connections(Door door) const;
  uint64_t dropped_connections(Door door, ConnectionDrop why) const;
  uint64_t dropped_subscriptions(Door door, SubscriptionDrop why) const;

  // The whole exposition: these counters and `figures`.
  std::string Write(const ScrapeFigures& figures) const;

 private:
  using Counter = std::atomic<uint64_t>;
  struct DoorCounters {
    Counter refused{0};
    std::array<Counter, kConnectionDropCount> connections_dropped{};
    std::array<Counter, kSubscriptionDropCount> subscriptions_dropped{};
    // One per row of the request table, in its order.
    std::vector<std::unique_ptr<core::Histogram>> request_seconds;
  };

  void WriteCommands(ExpositionWriter* out) const;
  void WriteDoors(const ScrapeFigures& figures, ExpositionWriter* out) const;

  std::array<Counter, kCommandOutcomeCount> milestones_{};
  std::array<Counter, accord::v1::RejectionCode_ARRAYSIZE> rejections_{};
  std::array<Counter, kCommandOutcomeCount> appends_{};
  // errors_[row of the request table * ErrorCode_ARRAYSIZE + code]
  std::unique_ptr<Counter[]> errors_;
  std::array<DoorCounters, kDoorCount> doors_;
};

}  // namespace accord::app
