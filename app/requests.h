// app/requests: the one table of request kinds.
//
// For each kind of accord.v1.Request: its name (the field's, as in
// wire.proto), the roles that may make it, where it runs and the handler
// that answers it. Every front door (TCP, HTTP) admits, authorizes and
// dispatches through this table and nothing else, so a new request kind is
// one row here plus its handler; tests/app/requests_test.cc fails while a
// kind of the schema has no row.
//
// Roles (app/auth.h): admins may make every request; a row names which of
// the others may.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "accord/v1/wire.pb.h"
#include "app/auth.h"

namespace accord::app {

class Application;

// Answers a request; called exactly once, on any thread.
using Reply = std::function<void(accord::v1::Response)>;

enum class Runs {
  // The connection's own business, answered by the front door: the hello
  // (authentication) and subscriptions (a stream of messages, not an answer).
  kFrontDoor,
  // Answered on the calling thread at once: cheap, and answers while the
  // store is busy (health). Not held to a connection's in-flight limit.
  kAtOnce,
  // Checked on the calling thread and queued for the store's next group
  // commit without touching the disk or holding a thread (raw appends).
  kQueued,
  // Reads or decides against the store: run on the store's thread pool,
  // never on a network thread.
  kStorePool,
};

using Handler = void (*)(Application& app, const Identity& caller,
                         const accord::v1::Request& request, Reply reply);

struct RequestKind {
  accord::v1::Request::KindCase kind;
  std::string_view name;
  bool loggers = false;   // may a logger make it
  bool auditors = false;  // may an auditor make it
  Runs runs = Runs::kStorePool;
  Handler handler = nullptr;  // null for kFrontDoor kinds

  bool Allows(accord::v1::Role role) const {
    return role == accord::v1::ADMIN || (role == accord::v1::LOGGER && loggers) ||
           (role == accord::v1::AUDITOR && auditors);
  }
};

// The row for `kind`; nullptr for a kind this build does not know (and for
// KIND_NOT_SET).
const RequestKind* FindRequestKind(accord::v1::Request::KindCase kind);
// Every row, in field-number order.
std::span<const RequestKind> RequestKinds();

}  // namespace accord::app
