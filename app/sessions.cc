#include "app/sessions.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "core/hash.h"

namespace accord::app {
namespace {

// 256 random bits as 64 hex digits; nullopt when the system gives none.
std::optional<std::string> RandomHex() {
  unsigned char random[32];
  if (RAND_bytes(random, sizeof random) != 1) return std::nullopt;
  return core::HexEncode(std::string_view(reinterpret_cast<const char*>(random), sizeof random));
}

std::string HashOf(std::string_view id) { return core::HexEncode(core::Sha256(id)); }

}  // namespace

Sessions::Sessions(SessionOptions options)
    : options_(options), clock_(options.clock != nullptr ? *options.clock : core::SystemClock()) {}

core::Expected<BrowserSession, std::string> Sessions::Start(const Identity& identity) {
  std::optional<std::string> id = RandomHex();
  std::optional<std::string> csrf_token = RandomHex();
  if (!id || !csrf_token) {
    return core::MakeUnexpected(std::string("the system gave no random bytes for a session"));
  }
  const auto now = clock_.Now();
  BrowserSession session{"", std::move(*csrf_token), identity, now + options_.lifetime};

  core::MutexLock lock(&mutex_);
  ForgetExpired(now);
  while (!oldest_.empty() && by_hash_.size() >= options_.max_sessions) {
    by_hash_.erase(oldest_.begin()->second);
    oldest_.erase(oldest_.begin());
  }
  std::string hash = HashOf(*id);
  const uint64_t sequence = next_sequence_++;
  oldest_.emplace(sequence, hash);
  by_hash_.emplace(std::move(hash), Entry{session, sequence});
  session.id = std::move(*id);
  return session;
}

std::optional<BrowserSession> Sessions::Find(std::string_view id) {
  const std::string hash = HashOf(id);
  core::MutexLock lock(&mutex_);
  ForgetExpired(clock_.Now());
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return std::nullopt;
  return it->second.session;
}

bool Sessions::End(std::string_view id) {
  const std::string hash = HashOf(id);
  core::MutexLock lock(&mutex_);
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return false;
  oldest_.erase(it->second.sequence);
  by_hash_.erase(it);
  return true;
}

size_t Sessions::size() const {
  core::MutexLock lock(&mutex_);
  return by_hash_.size();
}

void Sessions::ForgetExpired(std::chrono::system_clock::time_point now) {
  while (!oldest_.empty()) {
    auto entry = by_hash_.find(oldest_.begin()->second);
    if (entry != by_hash_.end() && entry->second.session.expires_at > now) break;
    if (entry != by_hash_.end()) by_hash_.erase(entry);
    oldest_.erase(oldest_.begin());
  }
}

bool SecretsEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace accord::app
