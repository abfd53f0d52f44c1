// app/application: the application under every front door.
//
// One Application serves one log. A front door (net/server.h for TCP, the
// HTTP one beside it) authenticates a caller, turns what arrives into an
// accord.v1.Request and calls Handle; the request table (app/requests.h)
// says who may make it, where it runs and what answers it. The application
// knows no socket and no storage engine: it reads and appends through the
// store's interface, and runs store work on the executor it is given.
//
//   commands      log_milestone (the decider, app/command_handler.h) and raw
//                 appends (import), each held to the limits of core/limits.h
//   queries       summaries, as-of views, timelines, listings, the report,
//                 pages of the log (app/queries.h); the web desk's reads:
//                 the desk, dates, the timeline as SVG, the audit report,
//                 calendars (app/desk.h)
//   projections   the agreement index and the search index (app/search_index.h),
//                 kept close behind the log
//   proofs        signed checkpoints, inclusion and consistency proofs
//   documents     attach (bytes stored, then DocumentAttached logged), get
//                 and find (app/documents.h)
//   operations    health, verify, backup, metrics (app/metrics.h)
//
// Front doors register themselves (AddFrontDoor) so that health answers and
// metrics carry each door's figures, and count what only they see (request
// latency, refused and dropped connections) through metrics().
//
// Thread safety: Handle, AddFrontDoor, RemoveFrontDoor, MetricsText and
// metrics() may be called from any number of threads at once. Open before
// the first Handle.
#pragma once

#include <array>
#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "accord/v1/wire.pb.h"
#include "app/agreement_index.h"
#include "app/auth.h"
#include "app/command_handler.h"
#include "app/desk.h"
#include "app/documents.h"
#include "app/metrics.h"
#include "app/proofs.h"
#include "app/queries.h"
#include "app/requests.h"
#include "app/search_index.h"
#include "app/serial_task.h"
#include "core/checkpoint.h"
#include "core/clock.h"
#include "core/mutex.h"
#include "core/thread_annotations.h"
#include "store/event_store.h"

namespace accord::app {

struct ApplicationOptions {
  // Pages for the wire stop before page_bytes, and always below
  // max_frame_bytes: no answer is larger than a frame.
  size_t page_bytes = 1 << 20;
  uint32_t max_frame_bytes = 4 << 20;
  // Signs checkpoints of the log. Unset: a key of this run's own, fine for
  // tests only, since nobody outside can have its verifier key.
  std::optional<core::NoteSigner> checkpoint_signer;
  // The checkpoint's origin line: names this log among all logs.
  std::string log_origin = "accord.local/log";
  // What "today" is for statuses and overdue dates. Null: the system clock.
  const core::Clock* clock = nullptr;
  // A command decided against a stale state is decided again, this often.
  int max_attempts = 5;
  // The search index's folder (accordd: DATA/search), made if missing and
  // rebuilt from the log when it cannot be resumed. Empty: no search index
  // is kept, and a search is answered UNKNOWN_REQUEST.
  std::string search_directory;
  // Keeps documents' bytes (app/documents.h). Null: document requests
  // answer that this server keeps none. REQUIRES: outlives the application.
  store::DocumentStore* documents = nullptr;
};

class Application {
 public:
  // Runs store work (a decision, a read) off the caller's thread.
  using Executor = std::function<void(std::function<void()>)>;

  // REQUIRES: store outlives the application; store_pool runs what it is
  // given until the application is destroyed.
  Application(store::EventStore* store, ApplicationOptions options, Executor store_pool);
  ~Application();  // stops listening to the store's commits
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  // Opens the agreement index (reads only what was logged since its
  // checkpoint, so start-up does not slow as the log grows) and listens to
  // the store's commits: the index is kept close behind the log, and every
  // log watcher is told. Opens the search index too, and has it catch up
  // on the store pool: a first build or a rebuild of a long log does not
  // hold up the start (health and /readyz show its lag meanwhile).
  core::Status Open();

  // Answers `request` made by `caller`, through `reply`, exactly once and on
  // any thread: PERMISSION_DENIED when the caller's role may not make it,
  // UNKNOWN_REQUEST for a kind this build does not know or one a front door
  // answers itself (hello, subscribe).
  void Handle(const Identity& caller, accord::v1::Request request, Reply reply);
  // PERMISSION_DENIED, naming the caller and role, when `caller` may not
  // make `request`; nullopt when they may. For front doors' own kinds.
  std::optional<accord::v1::Response> Authorize(const Identity& caller,
                                                const accord::v1::Request& request) const;

  // Calls `grew` after each commit, on the store's commit thread: it must
  // return quickly (post the news elsewhere). Each front door watches for
  // its subscribers; any number may. Returns the id UnwatchLog takes.
  uint64_t WatchLog(std::function<void()> grew) EXCLUDES(watchers_mutex_);
  // Once it returns, that watcher is not running and is never called again.
  void UnwatchLog(uint64_t id) EXCLUDES(watchers_mutex_);
  // Stops listening to the store's commits (the destructor does too): once
  // it returns, nothing of the application runs on the commit thread, and
  // the search index's catching up ends after the page it is on.
  // Idempotent.
  void StopListening();
  // Registers a listener of `door`: `figures` is read on every health
  // answer and every scrape (on their threads; it must be quick and must
  // not call AddFrontDoor or RemoveFrontDoor), and summed with those of the
  // door's other listeners. Returns the id RemoveFrontDoor takes.
  uint64_t AddFrontDoor(Door door, std::function<FrontDoorFigures()> figures)
      EXCLUDES(doors_mutex_);
  // Once it returns, that callback is not running and is never called
  // again. The door's counts stay (they are since start), its gauges drop
  // what this listener held.
  void RemoveFrontDoor(uint64_t id) EXCLUDES(doors_mutex_);

  // The Prometheus text exposition of this application, its store, its
  // front doors and its process: what GET /metrics answers, with
  // Content-Type kMetricsContentType. See app/metrics.h.
  std::string MetricsText() const EXCLUDES(doors_mutex_);
  // Where front doors count what they see.
  Metrics& metrics() { return metrics_; }
  const Metrics& metrics() const { return metrics_; }

  store::EventStore& store() const { return *store_; }
  // Runs `work` on the executor store work runs on: front doors read the
  // store (a subscription's feed) there, never on their network threads.
  void RunOnStorePool(std::function<void()> work) const { store_pool_(std::move(work)); }
  const core::Clock& clock() const { return *clock_; }
  const AgreementIndex& index() const { return index_; }
  // Null when no search index is kept (ApplicationOptions::search_directory).
  SearchIndex* search_index() const { return search_.get(); }

  // The handlers the request table names, one per kind.
  void LogMilestone(const Identity& caller, const accord::v1::Request& request, Reply reply);
  void AppendEvents(const Identity& caller, const accord::v1::Request& request, Reply reply);
  // Queues the import behind those before it (one at a time, in the order
  // they arrive), to run on the store pool: documents stored, then the
  // entries imported (EventStore::ImportEntries, which blocks until durable).
  void ImportRecords(const Identity& caller, const accord::v1::Request& request, Reply reply);
  accord::v1::Response ReadStream(const accord::v1::Request& request);
  accord::v1::Response ReadAll(const accord::v1::Request& request);
  accord::v1::Response GetAgreement(const accord::v1::Request& request);
  accord::v1::Response ListAgreements(const accord::v1::Request& request);
  accord::v1::Response GetTimeline(const accord::v1::Request& request);
  accord::v1::Response GetReport(const accord::v1::Request& request);
  accord::v1::Response GetHealth(const accord::v1::Request& request);
  accord::v1::Response VerifyLog(const accord::v1::Request& request);
  accord::v1::Response Backup(const accord::v1::Request& request);
  accord::v1::Response GetCheckpoint(const accord::v1::Request& request);
  accord::v1::Response GetInclusionProof(const accord::v1::Request& request);
  accord::v1::Response GetConsistencyProof(const accord::v1::Request& request);
  accord::v1::Response Search(const accord::v1::Request& request);
  accord::v1::Response GetDesk(const accord::v1::Request& request);
  accord::v1::Response ParseDate(const accord::v1::Request& request);
  accord::v1::Response GetTimelineSvg(const accord::v1::Request& request);
  accord::v1::Response GetAudit(const accord::v1::Request& request);
  accord::v1::Response GetCalendar(const accord::v1::Request& request);
  void AttachDocument(const Identity& caller, const accord::v1::Request& request, Reply reply);
  accord::v1::Response GetDocument(const accord::v1::Request& request);
  accord::v1::Response FindDocument(const accord::v1::Request& request);

 private:
  store::EventStore* store_;
  ApplicationOptions options_;
  const core::Clock* clock_;
  Executor store_pool_;
  CommandHandler commands_;
  AgreementIndex index_;
  Queries queries_;
  DeskQueries desk_;
  Proofs proofs_;
  Documents documents_;
  std::unique_ptr<SearchIndex> search_;  // null: none kept
  // The projections' catch-ups, each on one store thread at most.
  SerialTask index_catch_up_;
  SerialTask search_catch_up_;
  Metrics metrics_;
  // The front doors' listeners; held while their callbacks run, so that
  // RemoveFrontDoor waits for them.
  mutable core::Mutex doors_mutex_;
  uint64_t next_front_door_ GUARDED_BY(doors_mutex_) = 0;
  struct FrontDoor {
    Door door;
    std::function<FrontDoorFigures()> figures;
  };
  std::map<uint64_t, FrontDoor> front_doors_ GUARDED_BY(doors_mutex_);
  // Doors that ever had a listener: their figures show from then on.
  std::array<bool, kDoorCount> doors_opened_ GUARDED_BY(doors_mutex_){};
  core::Mutex watchers_mutex_;  // held while watchers run, so that Unwatch waits for them
  uint64_t next_watcher_ GUARDED_BY(watchers_mutex_) = 0;
  std::map<uint64_t, std::function<void()>> watchers_ GUARDED_BY(watchers_mutex_);
  std::atomic<bool> listening_{false};  // set by Open
  // Imports waiting, in arrival order, and whether one runs on the store
  // pool now: one at a time, so that each continues the log the one before
  // it left.
  core::Mutex imports_mutex_;
  std::deque<std::function<void()>> imports_ GUARDED_BY(imports_mutex_);
  bool importing_ GUARDED_BY(imports_mutex_) = false;

  // A commit: the index catches up on the pool, the watchers are told.
  void LogGrew() EXCLUDES(watchers_mutex_);
  // Each door's figures now, summed over its listeners; nullopt for a door
  // never opened.
  std::array<std::optional<FrontDoorFigures>, kDoorCount> DoorFigures() const
      EXCLUDES(doors_mutex_);
  // Events logged that the agreement index has not processed yet.
  uint64_t IndexLag(const store::LogHead& head) const;
  // The same for the search index (0 when none is kept).
  uint64_t SearchLag(const store::LogHead& head) const;
  // Logs a decided-to-be-logged command, counting and answering it.
  void LogCommand(accord::v1::Command command, const Identity& caller, uint64_t request_id,
                  Reply reply);
  // Runs queued imports on the store pool, in order, until none is left.
  void RunImports() EXCLUDES(imports_mutex_);
  // One import: its documents stored, then its entries; the answer.
  accord::v1::Response Import(accord::v1::Request request);
  // `reply`, counting the error answers of `kind` on the way.
  Reply CountingErrors(accord::v1::Request::KindCase kind, Reply reply);
};

}  // namespace accord::app
