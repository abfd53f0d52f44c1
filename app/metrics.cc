#include "app/metrics.h"

#include <algorithm>
#include <utility>

#include "app/requests.h"

namespace accord::app {
namespace {

using accord::v1::Request;
using Type = ExpositionWriter::Type;

constexpr std::array<std::string_view, kDoorCount> kDoorNames = {"tcp", "http"};
constexpr std::array<std::string_view, kConnectionDropCount> kConnectionDropNames = {
    "slow_reader", "idle_timeout", "protocol_error", "request_timeout"};
constexpr std::array<std::string_view, kSubscriptionDropCount> kSubscriptionDropNames = {"stalled",
                                                                                         "lagging"};
constexpr std::array<std::string_view, kCommandOutcomeCount> kOutcomeNames = {
    "logged", "already_logged", "rejected", "error"};

template <typename Enum>
size_t Index(Enum value) {
  return static_cast<size_t>(value);
}

// The request's row in the request table; nullopt for a kind it lacks.
std::optional<size_t> KindRow(Request::KindCase kind) {
  const RequestKind* row = FindRequestKind(kind);
  if (row == nullptr) return std::nullopt;
  return static_cast<size_t>(row - RequestKinds().data());
}

void Add(std::atomic<uint64_t>& counter) { counter.fetch_add(1, std::memory_order_relaxed); }
uint64_t Read(const std::atomic<uint64_t>& counter) {
  return counter.load(std::memory_order_relaxed);
}

void WriteLog(const ScrapeFigures& figures, ExpositionWriter* out) {
  out->Family("accord_log_records", Type::kGauge,
              "Records in the log: the position the next event will get.");
  out->Sample({}, figures.log_records);
  out->Family("accord_projection_lag_events", Type::kGauge,
              "Events logged that the projection has not processed yet.");
  for (const auto& projection : figures.projections) {
    out->Sample({{"projection", projection.name}}, projection.lag);
  }
  const store::StoreStats& store = figures.store;
  out->Family("accord_store_group_commit_events", Type::kHistogram,
              "Events per group commit (one synced write), since the store opened.");
  out->Histogram({}, store.group_commit_events);
  out->Family("accord_store_synced_write_seconds", Type::kHistogram,
              "Time of each group commit's write: the WAL append and its fsync, then the "
              "memtable insert.");
  out->Histogram({}, store.synced_write_seconds);
  out->Family("accord_store_size_bytes", Type::kGauge,
              "Bytes the store takes on disk: live table files over every column family, and "
              "write-ahead log files.");
  out->Sample({{"files", "tables"}}, store.table_bytes);
  out->Sample({{"files", "wal"}}, store.wal_bytes);
  out->Family("accord_store_writes_refused", Type::kGauge,
              "1 while the store refuses appends (a full or failing disk; it retries by itself), "
              "else 0.");
  out->Sample({}, uint64_t{store.write_refusal.empty() ? 0u : 1u});
  if (!figures.cluster) return;
  const store::ClusterView& cluster = *figures.cluster;
  out->Family("accord_cluster_leader", Type::kGauge,
              "1 while this node leads its cluster (commits appends), else 0.");
  out->Sample({{"node", cluster.node_name}}, uint64_t{cluster.leader ? 1u : 0u});
  out->Family("accord_cluster_term", Type::kGauge,
              "The term of the leader this node knows (an etcd revision); 0 while none.");
  out->Sample({}, cluster.term);
  out->Family("accord_cluster_copy_lag_events", Type::kGauge,
              "Records in the log in etcd that this node's copy does not hold yet.");
  out->Sample({}, cluster.etcd_head - std::min(cluster.etcd_head, cluster.applied));
  out->Family("accord_cluster_forwarded_appends_total", Type::kCounter,
              "Appends this node forwarded to the leader since it started.");
  out->Sample({}, cluster.forwarded);
  out->Family("accord_cluster_terms_led_total", Type::kCounter,
              "Times this node became leader since it started.");
  out->Sample({}, cluster.terms_led);
}

// The families every Prometheus client library exports for its process.
void WriteProcess(const ProcessStats& process, ExpositionWriter* out) {
  out->Family("process_cpu_seconds_total", Type::kCounter,
              "Total user and system CPU time spent in seconds.");
  out->Sample({}, process.cpu_seconds);
  out->Family("process_start_time_seconds", Type::kGauge,
              "Start time of the process since unix epoch in seconds.");
  out->Sample({}, process.start_time_seconds);
  out->Family("process_resident_memory_bytes", Type::kGauge, "Resident memory size in bytes.");
  out->Sample({}, process.resident_bytes);
  out->Family("process_virtual_memory_bytes", Type::kGauge, "Virtual memory size in bytes.");
  out->Sample({}, process.virtual_bytes);
  out->Family("process_open_fds", Type::kGauge, "Number of open file descriptors.");
  out->Sample({}, process.open_fds);
  out->Family("process_max_fds", Type::kGauge, "Maximum number of open file descriptors.");
  out->Sample({}, process.max_fds);
}

}  // namespace

std::string_view DoorName(Door door) { return kDoorNames[Index(door)]; }

Metrics::Metrics()
    : errors_(
          std::make_unique<Counter[]>(RequestKinds().size() * accord::v1::ErrorCode_ARRAYSIZE)) {
  for (DoorCounters& door : doors_) {
    for (size_t row = 0; row < RequestKinds().size(); ++row) {
      door.request_seconds.push_back(
          std::make_unique<core::Histogram>(core::kLatencyBoundsSeconds));
    }
  }
}

void Metrics::CountMilestone(CommandOutcome outcome, accord::v1::RejectionCode rejection) {
  Add(milestones_[Index(outcome)]);
  if (outcome == CommandOutcome::kRejected && accord::v1::RejectionCode_IsValid(rejection)) {
    Add(rejections_[Index(rejection)]);
  }
}

void Metrics::CountAppend(CommandOutcome outcome) { Add(appends_[Index(outcome)]); }

void Metrics::CountError(Request::KindCase kind, accord::v1::ErrorCode code) {
  std::optional<size_t> row = KindRow(kind);
  if (!row || !accord::v1::ErrorCode_IsValid(code)) return;
  Add(errors_[*row * accord::v1::ErrorCode_ARRAYSIZE + Index(code)]);
}

void Metrics::ObserveRequest(Door door, Request::KindCase kind, double seconds) {
  if (std::optional<size_t> row = KindRow(kind)) {
    doors_[Index(door)].request_seconds[*row]->Observe(seconds);
  }
}

void Metrics::CountRefusedConnection(Door door) { Add(doors_[Index(door)].refused); }

void Metrics::CountDroppedConnection(Door door, ConnectionDrop why) {
  Add(doors_[Index(door)].connections_dropped[Index(why)]);
}

void Metrics::CountDroppedSubscription(Door door, SubscriptionDrop why) {
  Add(doors_[Index(door)].subscriptions_dropped[Index(why)]);
}

uint64_t Metrics::refused_connections(Door door) const { return Read(doors_[Index(door)].refused); }

uint64_t Metrics::dropped_connections(Door door, ConnectionDrop why) const {
  return Read(doors_[Index(door)].connections_dropped[Index(why)]);
}

uint64_t Metrics::dropped_subscriptions(Door door, SubscriptionDrop why) const {
  return Read(doors_[Index(door)].subscriptions_dropped[Index(why)]);
}

std::string Metrics::Write(const ScrapeFigures& figures) const {
  ExpositionWriter out;
  WriteCommands(&out);
  WriteDoors(figures, &out);
  WriteLog(figures, &out);
  if (figures.process) WriteProcess(*figures.process, &out);
  return std::move(out).Text();
}

void Metrics::WriteCommands(ExpositionWriter* out) const {
  out->Family("accord_milestones_total", Type::kCounter,
              "Milestones (log_milestone) answered, by outcome.");
  for (size_t i = 0; i < kCommandOutcomeCount; ++i) {
    out->Sample({{"outcome", kOutcomeNames[i]}}, Read(milestones_[i]));
  }
  out->Family("accord_milestone_rejections_total", Type::kCounter,
              "Milestones the lifecycle rules refused, by rejection code.");
  for (int code = 0; code < accord::v1::RejectionCode_ARRAYSIZE; ++code) {
    if (uint64_t n = Read(rejections_[static_cast<size_t>(code)]); n > 0) {
      out->Sample({{"code", accord::v1::RejectionCode_Name(code)}}, n);
    }
  }
  out->Family("accord_appends_total", Type::kCounter,
              "Raw appends (append_events) answered, by outcome.");
  for (size_t i = 0; i < kCommandOutcomeCount; ++i) {
    if (i == Index(CommandOutcome::kRejected)) continue;  // raw appends skip the rules
    out->Sample({{"outcome", kOutcomeNames[i]}}, Read(appends_[i]));
  }
  out->Family("accord_errors_total", Type::kCounter,
              "Error answers of the application, by request kind and error code.");
  for (size_t row = 0; row < RequestKinds().size(); ++row) {
    for (int code = 0; code < accord::v1::ErrorCode_ARRAYSIZE; ++code) {
      size_t at = row * accord::v1::ErrorCode_ARRAYSIZE + static_cast<size_t>(code);
      if (uint64_t n = Read(errors_[at]); n > 0) {
        out->Sample(
            {{"kind", RequestKinds()[row].name}, {"code", accord::v1::ErrorCode_Name(code)}}, n);
      }
    }
  }
}

void Metrics::WriteDoors(const ScrapeFigures& figures, ExpositionWriter* out) const {
  out->Family("accord_request_duration_seconds", Type::kHistogram,
              "Time from a request's arrival at a front door to its answer being queued to send.");
  for (size_t door = 0; door < kDoorCount; ++door) {
    for (size_t row = 0; row < RequestKinds().size(); ++row) {
      core::HistogramSnapshot seconds = doors_[door].request_seconds[row]->Snapshot();
      if (seconds.count == 0) continue;
      out->Histogram({{"door", kDoorNames[door]}, {"kind", RequestKinds()[row].name}}, seconds);
    }
  }
  // Each door the application has had, from 0.
  auto each_door = [&figures](const auto& write) {
    for (size_t door = 0; door < kDoorCount; ++door) {
      if (figures.doors[door]) write(door, *figures.doors[door]);
    }
  };
  out->Family("accord_connections", Type::kGauge, "Connections open at the front door.");
  each_door([&](size_t door, const FrontDoorFigures& now) {
    out->Sample({{"door", kDoorNames[door]}}, now.connections);
  });
  out->Family("accord_subscriptions", Type::kGauge, "Subscriptions followed at the front door.");
  each_door([&](size_t door, const FrontDoorFigures& now) {
    out->Sample({{"door", kDoorNames[door]}}, now.subscriptions);
  });
  out->Family("accord_connections_refused_total", Type::kCounter,
              "Connections refused at the front door's connection limit.");
  each_door([&](size_t door, const FrontDoorFigures&) {
    out->Sample({{"door", kDoorNames[door]}}, Read(doors_[door].refused));
  });
  out->Family("accord_connections_dropped_total", Type::kCounter,
              "Connections the front door closed, by reason.");
  each_door([&](size_t door, const FrontDoorFigures&) {
    for (size_t why = 0; why < kConnectionDropCount; ++why) {
      out->Sample({{"door", kDoorNames[door]}, {"reason", kConnectionDropNames[why]}},
                  Read(doors_[door].connections_dropped[why]));
    }
  });
  out->Family("accord_subscriptions_dropped_total", Type::kCounter,
              "Subscriptions the front door ended (the connection stays), by reason.");
  each_door([&](size_t door, const FrontDoorFigures&) {
    for (size_t why = 0; why < kSubscriptionDropCount; ++why) {
      out->Sample({{"door", kDoorNames[door]}, {"reason", kSubscriptionDropNames[why]}},
                  Read(doors_[door].subscriptions_dropped[why]));
    }
  });
}

}  // namespace accord::app
