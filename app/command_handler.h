// accord/service: turns requests into decisions and appends.
//
// CommandHandler logs one milestone: it folds the agreement from the store,
// asks the lifecycle rules (core::Decide), and appends what they return
// with the version it decided on, so that two writers can never both act
// on the same state. Without a client-given expected version, a conflict
// means another milestone landed first: the handler decides again on the
// new state (a few times). With one, the conflict is the user's answer.
//
// Commands on one agreement are decided one at a time within the process
// (a striped lock), so local writers never race each other into conflicts;
// the version check still guards against any other writer of the store.
//
// A retried command (same event id) returns the original position and
// writes nothing, even across restarts: the store keeps event ids forever.
// Thread safety: shareable.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "accord/v1/commands.pb.h"
#include "app/stream_reader.h"
#include "core/agreement_state.h"
#include "core/decider.h"
#include "core/expected.h"
#include "core/mutex.h"
#include "core/thread_annotations.h"
#include "store/event_store.h"

namespace accord::app {

struct Logged {
  uint64_t position = 0;        // global position of the (first) event
  uint64_t version = 0;         // the agreement's version after it
  bool already_stored = false;  // a retry: nothing was written
};

// Why a command was not logged: a business rejection, or a store status.
struct LogFailure {
  enum class Kind { kRejected, kStore };
  Kind kind = Kind::kStore;
  core::Rejection rejection;  // kRejected
  core::Status status;        // kStore: WrongExpectedVersion, DuplicateEvent, IOError, ...
  // WrongExpectedVersion: the agreement's version then (unset: it does not exist).
  std::optional<uint64_t> current_version;
  std::string Message() const;
};

// An agreement folded from the store, with the version it was folded at.
struct LoadedAgreement {
  core::AgreementState state;
  uint64_t event_count = 0;  // version + 1; 0 when it does not exist
};

// Folds what `reader` reads of an agreement's stream into `loaded`, from
// where `loaded` left off: the one fold of a stream into agreement state.
core::Status FoldAgreement(StreamReader& reader, LoadedAgreement* loaded);

class CommandHandler {
 public:
  using LogResult = core::Expected<Logged, LogFailure>;
  using LogCallback = std::function<void(LogResult)>;
  // Runs work the handler hands on: the next command of an agreement whose
  // previous one just completed, or a decision to take again after a
  // version conflict. nullptr: run it on the thread that completes.
  using Executor = std::function<void(std::function<void()>)>;

  // REQUIRES: store outlives the handler.
  explicit CommandHandler(store::EventStore* store, int max_attempts = 5,
                          Executor executor = nullptr)
      : store_(store), max_attempts_(max_attempts), executor_(std::move(executor)) {}

  // Decides the command against its agreement's state and appends what the
  // rules decided; `actor` is who logs it, as the server authenticated
  // them. Commands on one agreement are decided one after another, each
  // on the state the one before left (an agreement's queue); commands on
  // different agreements run side by side, and their appends share group
  // commits. An agreement's next command is decided as soon as the one
  // before is queued for its group commit, on the state it will leave: if
  // that write fails, the next one's expected version fails too and it is
  // decided again. A command over a limit of core/limits.h is answered at
  // once with an InvalidArgument status naming the field and the limit, and
  // nothing is written. `done` is called once, from the store's commit
  // thread or this one. Never blocks on the disk.
  void LogAsync(accord::v1::Command command, std::string actor, LogCallback done) const;

  // LogAsync, waiting for the answer. Not from a thread the executor runs
  // on: the answer may need it.
  LogResult Log(const accord::v1::Command& command, std::string_view actor) const;

  // Folds the agreement's durable events. Keeps the folded states of
  // recently used agreements, so that a load reads only the events logged
  // since.
  core::Status Load(std::string_view agreement_id, LoadedAgreement* loaded) const;

 private:
  // Agreements hash to stripes; a stripe runs one command at a time.
  struct Stripe {
    core::Mutex mutex;
    bool busy GUARDED_BY(mutex) = false;
    std::deque<std::function<void()>> waiting GUARDED_BY(mutex);
  };
  // What deciding gave: an answer already, or events to append.
  struct Prepared {
    std::optional<LogResult> answer;
    store::ExpectedVersion expected = store::ExpectedVersion::Any();
    std::vector<accord::v1::NewEvent> events;
    LoadedAgreement after;  // the agreement as it will be once they are written
    bool keep = false;      // `after` may be remembered for the next command
  };
  // Reads and folds the events after loaded->event_count.
  core::Status CatchUp(std::string_view agreement_id, LoadedAgreement* loaded) const;

  Stripe& StripeFor(std::string_view agreement_id) const;
  Prepared Prepare(const accord::v1::Command& command, std::string_view actor) const;
  void Run(std::shared_ptr<const accord::v1::Command> command,
           std::shared_ptr<const std::string> actor, LogCallback done, int attempt) const;
  // Answers, then starts the stripe's next command.
  void Finish(const std::string& agreement_id, const LogCallback& done, LogResult result) const;
  // Starts the stripe's next command, if any.
  void Release(const std::string& agreement_id) const;
  void Remember(const std::string& agreement_id, LoadedAgreement loaded) const;
  void Forget(const std::string& agreement_id) const;
  void Execute(std::function<void()> work) const;

  store::EventStore* store_;
  int max_attempts_;
  Executor executor_;
  mutable std::array<Stripe, 256> stripes_;

  // Folded states by agreement id; events are immutable and versions only
  // grow, so a cached state plus the events after it is the current state.
  static constexpr size_t kMaxCached = 4096;
  mutable core::Mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::shared_ptr<const LoadedAgreement>> cache_
      GUARDED_BY(cache_mutex_);

  // The states the next command of each agreement decides on, including
  // events queued but not yet durable: only the agreement's own queue
  // uses them (taken out while it decides, put back after), so nobody
  // reads a state the disk may yet refuse.
  mutable core::Mutex decided_mutex_;
  mutable std::unordered_map<std::string, std::unique_ptr<LoadedAgreement>> decided_
      GUARDED_BY(decided_mutex_);
};

}  // namespace accord::app
