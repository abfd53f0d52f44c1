// app/sessions: who is signed in from a browser.
//
// A browser cannot be trusted to keep a bearer token out of reach of the
// pages' script, so it trades one for a session (POST /api/v1/session,
// docs/http.md "Signing in from a browser"): a random 256-bit id that the
// door puts in an HttpOnly cookie, a random 256-bit CSRF token that the page
// sends back in a header on every change, the identity the token gave (the
// actor recorded on what the session logs), and an absolute expiry.
//
// The table keeps only the SHA-256 of each id, as the token file keeps only
// the SHA-256 of each token: a copy of the server's memory signs no one in.
// It lives in memory: a restart signs everyone out. It holds at most
// max_sessions; a new one past that ends the oldest.
//
// Thread safety: every method may be called from any number of threads.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "app/auth.h"
#include "core/clock.h"
#include "core/expected.h"
#include "core/mutex.h"
#include "core/thread_annotations.h"

namespace accord::app {

struct SessionOptions {
  // How long a session lasts from its sign-in; nothing extends it.
  std::chrono::minutes lifetime{480};
  size_t max_sessions = 10000;
  // Null: the system clock.
  const core::Clock* clock = nullptr;
};

// One session, as Start makes it and Find finds it.
struct BrowserSession {
  std::string id;          // 64 hex digits; only Start's answer carries it
  std::string csrf_token;  // 64 hex digits
  Identity identity;
  std::chrono::system_clock::time_point expires_at;
};

class Sessions {
 public:
  explicit Sessions(SessionOptions options);
  Sessions(const Sessions&) = delete;
  Sessions& operator=(const Sessions&) = delete;

  // A new session for `identity`, with its id; an error when the system
  // gives no random bytes.
  core::Expected<BrowserSession, std::string> Start(const Identity& identity) EXCLUDES(mutex_);

  // The session whose id this is (without its id); nullopt when none is:
  // unknown, ended, or expired (an expired one is forgotten here).
  std::optional<BrowserSession> Find(std::string_view id) EXCLUDES(mutex_);

  // Ends the session whose id this is; false when there was none.
  bool End(std::string_view id) EXCLUDES(mutex_);

  // The sessions held, expired ones not yet forgotten included.
  size_t size() const EXCLUDES(mutex_);

  const SessionOptions& options() const { return options_; }

 private:
  struct Entry {
    BrowserSession session;  // without its id
    uint64_t sequence;       // the order of sign-ins: its key in oldest_
  };

  // Forgets the sessions that have expired by `now`: the oldest first, as
  // every session lasts as long.
  void ForgetExpired(std::chrono::system_clock::time_point now) REQUIRES(mutex_);

  const SessionOptions options_;
  const core::Clock& clock_;
  mutable core::Mutex mutex_;
  std::map<std::string, Entry, std::less<>> by_hash_ GUARDED_BY(mutex_);  // hex SHA-256 of the id
  std::map<uint64_t, std::string> oldest_ GUARDED_BY(mutex_);  // sequence -> hash, oldest first
  uint64_t next_sequence_ GUARDED_BY(mutex_) = 0;
};

// Whether two secrets are equal, in a time that does not depend on where
// they differ.
bool SecretsEqual(std::string_view a, std::string_view b);

}  // namespace accord::app
