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
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "accord/v1/commands.pb.h"
#include "core/agreement_state.h"
#include "core/decider.h"
#include "core/expected.h"
#include "store/event_store.h"

namespace accord::service {

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
  store::Status status;       // kStore: WrongExpectedVersion, DuplicateEvent, IOError, ...
  std::string Message() const;
};

// An agreement folded from the store, with the version it was folded at.
struct LoadedAgreement {
  core::AgreementState state;
  uint64_t event_count = 0;  // version + 1; 0 when it does not exist
};

class CommandHandler {
 public:
  // REQUIRES: store outlives the handler.
  explicit CommandHandler(store::EventStore* store, int max_attempts = 5)
      : store_(store), max_attempts_(max_attempts) {}

  // `actor` is who logs it, as the server authenticated them.
  core::Expected<Logged, LogFailure> Log(const accord::v1::Command& command,
                                         std::string_view actor) const;

  // Folds the agreement's events. Keeps the folded states of recently used
  // agreements, so that a load reads only the events logged since.
  store::Status Load(std::string_view agreement_id, LoadedAgreement* loaded) const;

 private:
  std::mutex& StripeFor(std::string_view agreement_id) const;

  store::EventStore* store_;
  int max_attempts_;
  mutable std::array<std::mutex, 64> stripes_;

  // Folded states by agreement id; events are immutable and versions only
  // grow, so a cached state plus the events after it is the current state.
  static constexpr size_t kMaxCached = 4096;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::shared_ptr<const LoadedAgreement>> cache_;
};

}  // namespace accord::service
