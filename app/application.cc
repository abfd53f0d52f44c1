#include "app/application.h"

#include <fmt/format.h>

#include <utility>
#include <vector>

#include "app/errors.h"
#include "app/log.h"
#include "core/event_types.h"
#include "core/limits.h"

namespace accord::app {
namespace {

using accord::v1::Request;
using accord::v1::Response;

// A raw event is held to the limits of the command that would have logged
// it (core/limits.h); empty when it is within them.
std::string RawEventOverLimits(const std::string& stream_id, const accord::v1::NewEvent& event,
                               accord::v1::DomainEvent decoded) {
  if (event.payload().size() > core::kMaxCommandBytes) {
    return fmt::format("payload is {} bytes, over the limit of {}", event.payload().size(),
                       core::kMaxCommandBytes);
  }
  if (core::CountCharacters(event.event_type()) > core::kMaxNameChars) {
    return fmt::format("event_type is over the limit of {} characters", core::kMaxNameChars);
  }
  accord::v1::Command as_command;
  as_command.set_agreement_id(stream_id);
  as_command.set_event_id(event.event_id());
  *as_command.mutable_effective() = event.effective();
  *as_command.mutable_milestone() = std::move(decoded);
  as_command.set_correlation_id(event.correlation_id());
  as_command.set_causation_id(event.causation_id());
  core::LimitCheck checked = core::ValidateCommandLimits(as_command);
  return checked ? std::string() : checked.error().message;
}

// Checks a raw append (each payload must decode, within the limits) and
// stamps the actor; the error response if it is refused.
std::optional<Response> PrepareAppend(uint64_t request_id, const accord::v1::AppendEvents& append,
                                      const std::string& actor,
                                      std::vector<accord::v1::NewEvent>* events,
                                      store::ExpectedVersion* expected) {
  events->assign(append.events().begin(), append.events().end());
  for (size_t i = 0; i < events->size(); ++i) {
    auto& e = (*events)[i];
    auto decoded = core::DecodeEvent(e.event_type(), e.schema_version(), e.payload());
    if (!decoded) {
      return ErrorResponse(request_id, accord::v1::INVALID_ARGUMENT,
                           fmt::format("event {}: {}", e.event_id(), decoded.error()));
    }
    if (std::string breach = RawEventOverLimits(append.stream_id(), e, std::move(decoded.value()));
        !breach.empty()) {
      return ErrorResponse(
          request_id, accord::v1::INVALID_ARGUMENT,
          fmt::format("append_events.events[{}] ({}): {}", i, e.event_id(), breach));
    }
    e.set_actor(actor);
  }
  switch (append.expected().kind_case()) {
    case accord::v1::ExpectedVersion::kNoStream:
      *expected = store::ExpectedVersion::NoStream();
      break;
    case accord::v1::ExpectedVersion::kStreamExists:
      *expected = store::ExpectedVersion::StreamExists();
      break;
    case accord::v1::ExpectedVersion::kExact:
      *expected = store::ExpectedVersion::Exact(append.expected().exact());
      break;
    case accord::v1::ExpectedVersion::kAny:
    case accord::v1::ExpectedVersion::KIND_NOT_SET:
      *expected = store::ExpectedVersion::Any();
      break;
  }
  return std::nullopt;
}

Response AppendedResponse(uint64_t request_id, const core::Status& s,
                          const store::AppendResult& result) {
  if (!s.ok()) {
    Response error = ErrorResponse(request_id, s);
    if (result.current_version) error.mutable_error()->set_current_version(*result.current_version);
    return error;
  }
  Response response;
  response.set_request_id(request_id);
  auto* appended = response.mutable_appended();
  appended->set_first_position(result.first_position);
  appended->set_last_position(result.last_position);
  appended->set_last_version(result.last_version);
  appended->set_already_stored(result.already_stored);
  return response;
}

Response LoggedResponse(uint64_t request_id, const CommandHandler::LogResult& logged) {
  Response response;
  response.set_request_id(request_id);
  if (logged) {
    response.mutable_logged()->set_position(logged->position);
    response.mutable_logged()->set_version(logged->version);
    response.mutable_logged()->set_already_logged(logged->already_stored);
  } else if (logged.error().kind == LogFailure::Kind::kRejected) {
    response.mutable_rejected()->set_code(logged.error().rejection.code);
    response.mutable_rejected()->set_message(logged.error().rejection.message);
  } else {
    Response error = ErrorResponse(request_id, logged.error().status);
    if (logged.error().current_version) {
      error.mutable_error()->set_current_version(*logged.error().current_version);
    }
    return error;
  }
  return response;
}

void CountMilestone(const CommandHandler::LogResult& logged, Metrics* metrics) {
  if (logged) {
    metrics->CountMilestone(logged->already_stored ? CommandOutcome::kAlreadyLogged
                                                   : CommandOutcome::kLogged);
  } else if (logged.error().kind == LogFailure::Kind::kRejected) {
    metrics->CountMilestone(CommandOutcome::kRejected, logged.error().rejection.code);
  } else {
    metrics->CountMilestone(CommandOutcome::kError);
  }
}

CommandOutcome AppendOutcome(const core::Status& s, const store::AppendResult& result) {
  if (!s.ok()) return CommandOutcome::kError;
  return result.already_stored ? CommandOutcome::kAlreadyLogged : CommandOutcome::kLogged;
}

// A door's figures now (`now`) and since start (`metrics`).
accord::v1::FrontDoorHealth DoorHealth(Door door, const FrontDoorFigures& now,
                                       const Metrics& metrics) {
  accord::v1::FrontDoorHealth health;
  health.set_door(std::string(DoorName(door)));
  health.set_connections(static_cast<uint32_t>(now.connections));
  health.set_subscriptions(static_cast<uint32_t>(now.subscriptions));
  health.set_refused_connections(metrics.refused_connections(door));
  health.set_dropped_slow_readers(metrics.dropped_connections(door, ConnectionDrop::kSlowReader));
  health.set_dropped_idle(metrics.dropped_connections(door, ConnectionDrop::kIdleTimeout));
  health.set_dropped_protocol_errors(
      metrics.dropped_connections(door, ConnectionDrop::kProtocolError));
  health.set_dropped_stalled_subscriptions(
      metrics.dropped_subscriptions(door, SubscriptionDrop::kStalled));
  health.set_dropped_lagging_subscriptions(
      metrics.dropped_subscriptions(door, SubscriptionDrop::kLagging));
  health.set_dropped_request_timeouts(
      metrics.dropped_connections(door, ConnectionDrop::kRequestTimeout));
  return health;
}

}  // namespace

Application::Application(store::EventStore* store, ApplicationOptions options, Executor store_pool)
    : store_(store),
      options_(std::move(options)),
      clock_(options_.clock != nullptr ? options_.clock : &core::SystemClock()),
      store_pool_(std::move(store_pool)),
      commands_(store, options_.max_attempts, store_pool_),
      index_(store),
      queries_(store, &index_, &commands_, clock_,
               QueryLimits{options_.page_bytes, options_.max_frame_bytes}),
      desk_(store, &index_, &queries_, clock_),
      proofs_(store,
              options_.checkpoint_signer ? *options_.checkpoint_signer
                                         : core::NoteSigner::Generate("accord-ephemeral").value(),
              options_.log_origin),
      documents_(store, options_.documents),
      index_catch_up_(store_pool_,
                      [this] {
                        if (core::Status s = index_.CatchUp(); !s.ok()) {
                          ServerLog().error("the agreement index cannot catch up with the log: {}",
                                            s.ToString());
                        }
                      }),
      search_catch_up_(store_pool_, [this] {
        if (core::Status s = search_->CatchUp(); !s.ok()) {
          ServerLog().error("the search index cannot catch up with the log: {}", s.ToString());
        }
      }) {
  if (!options_.search_directory.empty()) {
    search_ = std::make_unique<SearchIndex>(store, options_.search_directory);
  }
}

Application::~Application() { StopListening(); }

void Application::StopListening() {
  // Setting the listener waits for a call in progress.
  if (listening_.exchange(false)) store_->SetCommitListener(nullptr);
  if (search_) search_->Stop();
}

core::Status Application::Open() {
  if (core::Status s = index_.Open(); !s.ok()) return s;
  if (search_) {
    std::string rebuilt;
    if (core::Status s = search_->Open(&rebuilt); !s.ok()) return s;
    if (!rebuilt.empty()) {
      ServerLog().info("building the search index in {} from the log: {}", search_->directory(),
                       rebuilt);
    }
  }
  store_->SetCommitListener([this](uint64_t) { LogGrew(); });
  listening_ = true;
  if (search_) search_catch_up_.Trigger();
  return core::Status::OK();
}

uint64_t Application::WatchLog(std::function<void()> grew) {
  core::MutexLock lock(&watchers_mutex_);
  uint64_t id = next_watcher_++;
  watchers_.emplace(id, std::move(grew));
  return id;
}

void Application::UnwatchLog(uint64_t id) {
  core::MutexLock lock(&watchers_mutex_);
  watchers_.erase(id);
}

std::optional<Response> Application::Authorize(const Identity& caller,
                                               const Request& request) const {
  const RequestKind* kind = FindRequestKind(request.kind_case());
  if (kind == nullptr || kind->Allows(caller.role)) return std::nullopt;
  bool vowel = caller.role == accord::v1::AUDITOR || caller.role == accord::v1::ADMIN;
  return ErrorResponse(request.request_id(), accord::v1::PERMISSION_DENIED,
                       fmt::format("{} is a{} {}, who may not make this request", caller.user,
                                   vowel ? "n" : "", RoleName(caller.role)));
}

void Application::Handle(const Identity& caller, Request request, Reply reply) {
  const RequestKind* kind = FindRequestKind(request.kind_case());
  if (kind == nullptr || kind->handler == nullptr) {
    reply(ErrorResponse(request.request_id(), accord::v1::UNKNOWN_REQUEST,
                        kind == nullptr ? "this server does not know that request"
                                        : fmt::format("{} is not answered here", kind->name)));
    return;
  }
  reply = CountingErrors(request.kind_case(), std::move(reply));
  if (std::optional<Response> denied = Authorize(caller, request)) {
    reply(std::move(*denied));
    return;
  }
  if (kind->runs == Runs::kAtOnce || kind->runs == Runs::kQueued) {
    kind->handler(*this, caller, request, std::move(reply));
    return;
  }
  store_pool_([this, kind, caller, request = std::move(request), reply = std::move(reply)] {
    kind->handler(*this, caller, request, reply);
  });
}

void Application::LogGrew() {
  // A listing catches up again itself and answers an error to its caller.
  index_catch_up_.Trigger();
  if (search_) search_catch_up_.Trigger();
  core::MutexLock lock(&watchers_mutex_);
  for (const auto& [id, grew] : watchers_) grew();
}

Reply Application::CountingErrors(Request::KindCase kind, Reply reply) {
  return [this, kind, reply = std::move(reply)](Response response) {
    if (response.has_error()) metrics_.CountError(kind, response.error().code());
    reply(std::move(response));
  };
}

uint64_t Application::AddFrontDoor(Door door, std::function<FrontDoorFigures()> figures) {
  core::MutexLock lock(&doors_mutex_);
  uint64_t id = next_front_door_++;
  front_doors_.emplace(id, FrontDoor{door, std::move(figures)});
  doors_opened_[static_cast<size_t>(door)] = true;
  return id;
}

void Application::RemoveFrontDoor(uint64_t id) {
  core::MutexLock lock(&doors_mutex_);
  front_doors_.erase(id);
}

std::array<std::optional<FrontDoorFigures>, kDoorCount> Application::DoorFigures() const {
  std::array<std::optional<FrontDoorFigures>, kDoorCount> doors;
  core::MutexLock lock(&doors_mutex_);
  for (size_t door = 0; door < kDoorCount; ++door) {
    if (doors_opened_[door]) doors[door].emplace();
  }
  for (const auto& [id, listener] : front_doors_) {
    FrontDoorFigures now = listener.figures();
    FrontDoorFigures& sum = *doors[static_cast<size_t>(listener.door)];
    sum.connections += now.connections;
    sum.subscriptions += now.subscriptions;
  }
  return doors;
}

uint64_t Application::IndexLag(const store::LogHead& head) const {
  return head.next_position - std::min(head.next_position, index_.checkpoint());
}

uint64_t Application::SearchLag(const store::LogHead& head) const {
  if (!search_) return 0;
  return head.next_position - std::min(head.next_position, search_->checkpoint());
}

std::string Application::MetricsText() const {
  ScrapeFigures figures;
  store::LogHead head = store_->Head();
  figures.log_records = head.next_position;
  figures.store = store_->Stats();
  figures.projections.push_back({"agreement-index", IndexLag(head)});
  if (search_) figures.projections.push_back({"search-index", SearchLag(head)});
  figures.doors = DoorFigures();
  figures.process = ReadProcessStats();
  figures.cluster = store::ViewCluster(*store_);
  return metrics_.Write(figures);
}

void Application::LogMilestone(const Identity& caller, const Request& request, Reply reply) {
  accord::v1::Command command = request.log_milestone();
  // A document is recorded only once its bytes are stored (attach_document
  // stores them); a milestone may record one stored already. Its record
  // names its agreement, the command's when left out.
  if (command.milestone().has_document_attached()) {
    auto* attached = command.mutable_milestone()->mutable_document_attached();
    if (attached->agreement_id().empty()) attached->set_agreement_id(command.agreement_id());
    if (std::string missing = documents_.NotStored(command.milestone().document_attached());
        !missing.empty()) {
      LogFailure failure;
      failure.kind = LogFailure::Kind::kRejected;
      failure.rejection = core::Rejection{accord::v1::INVALID_COMMAND, missing};
      CommandHandler::LogResult refused = core::MakeUnexpected(std::move(failure));
      CountMilestone(refused, &metrics_);
      reply(LoggedResponse(request.request_id(), refused));
      return;
    }
  }
  LogCommand(std::move(command), caller, request.request_id(), std::move(reply));
}

void Application::LogCommand(accord::v1::Command command, const Identity& caller,
                             uint64_t request_id, Reply reply) {
  commands_.LogAsync(
      std::move(command), caller.user,
      [this, request_id, reply = std::move(reply)](const CommandHandler::LogResult& logged) {
        CountMilestone(logged, &metrics_);
        reply(LoggedResponse(request_id, logged));
      });
}

void Application::AttachDocument(const Identity& caller, const Request& request, Reply reply) {
  accord::v1::Command command;
  if (std::optional<Response> refused =
          documents_.Store(request.request_id(), request.attach_document(), &command)) {
    reply(std::move(*refused));
    return;
  }
  accord::v1::Document document = command.milestone().document_attached().document();
  LogCommand(std::move(command), caller, request.request_id(),
             [document = std::move(document), reply = std::move(reply)](Response response) {
               if (response.has_logged()) {
                 accord::v1::Logged logged = response.logged();
                 auto* attached = response.mutable_attached_document();
                 attached->set_position(logged.position());
                 attached->set_version(logged.version());
                 attached->set_already_logged(logged.already_logged());
                 *attached->mutable_document() = document;
               }
               reply(std::move(response));
             });
}

Response Application::GetDocument(const Request& request) {
  return documents_.Get(request.request_id(), request.get_document());
}

Response Application::FindDocument(const Request& request) {
  return documents_.Find(request.request_id(), request.find_document());
}

void Application::AppendEvents(const Identity& caller, const Request& request, Reply reply) {
  uint64_t id = request.request_id();
  std::vector<accord::v1::NewEvent> events;
  store::ExpectedVersion expected = store::ExpectedVersion::Any();
  if (std::optional<Response> refused =
          PrepareAppend(id, request.append_events(), caller.user, &events, &expected)) {
    metrics_.CountAppend(CommandOutcome::kError);
    reply(std::move(*refused));
    return;
  }
  store_->AppendAsync(request.append_events().stream_id(), expected, std::move(events),
                      [this, id, reply = std::move(reply)](const core::Status& s,
                                                           const store::AppendResult& result) {
                        metrics_.CountAppend(AppendOutcome(s, result));
                        reply(AppendedResponse(id, s, result));
                      });
}

void Application::ImportRecords(const Identity&, const Request& request, Reply reply) {
  // Nothing but the queueing happens here, on the caller's (a network)
  // thread: the documents and the import touch the disk on the store pool.
  // The copy is the job's own, so its entries are moved to the store.
  Request job = request;
  {
    core::MutexLock lock(&imports_mutex_);
    imports_.emplace_back([this, job = std::move(job), reply = std::move(reply)]() mutable {
      reply(Import(std::move(job)));
    });
    if (importing_) return;
    importing_ = true;
  }
  store_pool_([this] { RunImports(); });
}

void Application::RunImports() {
  for (;;) {
    std::function<void()> next;
    {
      core::MutexLock lock(&imports_mutex_);
      if (imports_.empty()) {
        importing_ = false;
        return;
      }
      next = std::move(imports_.front());
      imports_.pop_front();
    }
    next();
  }
}

Response Application::Import(Request request) {
  const uint64_t id = request.request_id();
  accord::v1::ImportRecords& import = *request.mutable_import_records();
  if (import.entries().empty() && import.documents().empty()) {
    return ErrorResponse(id, accord::v1::INVALID_ARGUMENT,
                         "import_records holds no entries and no documents");
  }
  // Each document is checked against its digest before it is stored, so a
  // document that is not what its record says leaves nothing behind.
  for (int i = 0; i < import.documents_size(); ++i) {
    const accord::v1::DocumentContent& document = import.documents(i);
    if (options_.documents == nullptr) {
      return ErrorResponse(id, accord::v1::INVALID_ARGUMENT,
                           "import_records.documents: this server keeps no documents");
    }
    if (core::Status s = store::PutAsNamed(*options_.documents, document.content(),
                                           document.document().sha256());
        !s.ok()) {
      Response error = ErrorResponse(id, s);
      error.mutable_error()->set_message(
          fmt::format("import_records.documents[{}] ({}): {}; no entry of this import was written",
                      i, document.document().sha256(), s.message()));
      return error;
    }
  }
  const auto count = static_cast<uint64_t>(import.entries_size());
  // Where the entries start, as the first one says (the store checks it).
  uint64_t first = store_->Head().next_position;
  if (!import.entries().empty()) {
    accord::v1::EventRecord record;
    if (record.ParseFromString(import.entries(0).record())) first = record.position();
    std::vector<accord::v1::LogEntry> entries(
        std::make_move_iterator(import.mutable_entries()->begin()),
        std::make_move_iterator(import.mutable_entries()->end()));
    if (core::Status s = store_->ImportEntries(entries); !s.ok()) {
      Response error = ErrorResponse(id, s);
      error.mutable_error()->set_message(
          fmt::format("import_records of {} entries refused, nothing of them written: {}",
                      entries.size(), s.message()));
      return error;
    }
  }
  Response response;
  response.set_request_id(id);
  auto* imported = response.mutable_imported();
  imported->set_first_position(first);
  imported->set_next_position(first + count);
  imported->set_documents(static_cast<uint32_t>(import.documents_size()));
  return response;
}

Response Application::ReadStream(const Request& request) {
  return queries_.ReadStream(request.request_id(), request.read_stream());
}

Response Application::ReadAll(const Request& request) {
  return queries_.ReadAll(request.request_id(), request.read_all());
}

Response Application::GetAgreement(const Request& request) {
  return queries_.Agreement(request.request_id(), request.get_agreement());
}

Response Application::ListAgreements(const Request& request) {
  return queries_.List(request.request_id(), request.list_agreements());
}

Response Application::GetTimeline(const Request& request) {
  return queries_.Timeline(request.request_id(), request.get_timeline());
}

Response Application::GetReport(const Request& request) {
  return queries_.Report(request.request_id());
}

Response Application::GetCheckpoint(const Request& request) {
  return proofs_.Checkpoint(request.request_id(), request.get_checkpoint());
}

Response Application::GetInclusionProof(const Request& request) {
  return proofs_.InclusionProof(request.request_id(), request.get_inclusion_proof());
}

Response Application::GetConsistencyProof(const Request& request) {
  return proofs_.ConsistencyProof(request.request_id(), request.get_consistency_proof());
}

Response Application::Search(const Request& request) {
  uint64_t id = request.request_id();
  if (!search_) {
    return ErrorResponse(id, accord::v1::UNKNOWN_REQUEST, "this server keeps no search index");
  }
  Response response;
  response.set_request_id(id);
  if (core::Status s = search_->Search(request.search(), response.mutable_search_results());
      !s.ok()) {
    return ErrorResponse(id, s);
  }
  return response;
}

Response Application::GetDesk(const Request& request) {
  return desk_.Desk(request.request_id(), request.get_desk());
}

Response Application::ParseDate(const Request& request) {
  return app::ParseDate(request.request_id(), request.parse_date());
}

Response Application::GetTimelineSvg(const Request& request) {
  return desk_.TimelineSvg(request.request_id(), request.get_timeline_svg());
}

Response Application::GetAudit(const Request& request) {
  return desk_.Audit(request.request_id(), request.get_audit());
}

Response Application::GetCalendar(const Request& request) {
  return desk_.Calendar(request.request_id(), request.get_calendar());
}

Response Application::GetHealth(const Request& request) {
  Response response;
  response.set_request_id(request.request_id());
  auto* health = response.mutable_health();
  store::LogHead head = store_->Head();
  store::StoreStats stats = store_->Stats();
  health->set_log_position(head.next_position);
  health->set_head_hash(head.last_hash);
  health->set_group_commits(stats.group_commits);
  auto* index = health->add_projections();
  index->set_name("agreement-index");
  index->set_checkpoint(index_.checkpoint());
  index->set_lag(IndexLag(head));
  if (search_) {
    auto* search = health->add_projections();
    search->set_name("search-index");
    search->set_checkpoint(search_->checkpoint());
    search->set_lag(SearchLag(head));
  }
  health->set_events_written(stats.events_written);
  health->set_write_refusal(stats.write_refusal);
  if (std::optional<store::ClusterView> view = store::ViewCluster(*store_)) {
    accord::v1::ClusterHealth* cluster = health->mutable_cluster();
    cluster->set_node_name(view->node_name);
    cluster->set_leader(view->leader);
    cluster->set_leader_name(view->leader_name);
    cluster->set_term(view->term);
    cluster->set_etcd_head(view->etcd_head);
    cluster->set_applied(view->applied);
    cluster->set_forwarded(view->forwarded);
    cluster->set_terms_led(view->terms_led);
  }
  // Each door's own figures, and their sums where Health had them before doors.
  std::array<std::optional<FrontDoorFigures>, kDoorCount> doors = DoorFigures();
  for (size_t i = 0; i < kDoorCount; ++i) {
    if (!doors[i]) continue;
    const auto& door = *health->add_doors() = DoorHealth(static_cast<Door>(i), *doors[i], metrics_);
    health->set_connections(health->connections() + door.connections());
    health->set_subscriptions(health->subscriptions() + door.subscriptions());
    health->set_refused_connections(health->refused_connections() + door.refused_connections());
    health->set_dropped_slow_readers(health->dropped_slow_readers() + door.dropped_slow_readers());
  }
  return response;
}

Response Application::VerifyLog(const Request& request) {
  uint64_t id = request.request_id();
  store::VerifyReport report;
  if (core::Status s = store_->Verify(&report); !s.ok()) return ErrorResponse(id, s);
  uint64_t indexed = 0;
  if (core::Status s = index_.Verify(&indexed); !s.ok()) return ErrorResponse(id, s);
  if (search_) {
    if (core::Status s = search_->Verify(); !s.ok()) {
      return ErrorResponse(id, s);
    }
  }
  uint64_t documents = 0;
  if (core::Status s = documents_.Verify(&documents); !s.ok()) return ErrorResponse(id, s);
  Response response;
  response.set_request_id(id);
  response.mutable_verified()->set_agreements_indexed(indexed);
  response.mutable_verified()->set_documents(documents);
  response.mutable_verified()->set_records(report.records);
  response.mutable_verified()->set_streams(report.streams);
  response.mutable_verified()->set_head_hash(report.head_hash);
  return response;
}

Response Application::Backup(const Request& request) {
  uint64_t id = request.request_id();
  uint64_t position = 0;
  core::Status s = store_->Backup(request.backup().directory(), &position);
  // The documents after the log: every document the copied log names was
  // stored before its event was appended, so it is there to copy.
  if (s.ok() && options_.documents != nullptr) {
    s = options_.documents->CopyTo(request.backup().directory());
  }
  if (!s.ok()) return ErrorResponse(id, s);
  Response response;
  response.set_request_id(id);
  response.mutable_backed_up()->set_directory(request.backup().directory());
  response.mutable_backed_up()->set_log_position(position);
  return response;
}

}  // namespace accord::app
