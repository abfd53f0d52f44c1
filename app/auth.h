// Who is on a connection, and what they may do.
//
// Each connection authenticates in its hello with a bearer token. A token
// file maps tokens to a user and a role, storing only the SHA-256 of each
// token (tokens are 256 random bits, so a plain hash is as good as a slow
// one), one line per user:
//
//   # comment
//   <user> <role> sha256:<64 hex digits>
//
// Roles (each includes nothing of another unless listed):
//   logger   log milestones; read agreements, streams, the log, health
//   auditor  read; verify; reports (subscribe); checkpoints and proofs
//   admin    everything, including raw appends (import) and backup
//
// The user a token maps to is the actor recorded on every event logged on
// that connection; a name the client sends is never recorded.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "accord/v1/wire.pb.h"
#include "core/expected.h"

namespace accord::app {

struct Identity {
  std::string user;
  accord::v1::Role role = accord::v1::ROLE_UNSPECIFIED;
};

// True when `role` may make `request` (by its kind: the request table,
// app/requests.h, says who may make each); false for a kind this build
// does not know.
bool Allows(accord::v1::Role role, const accord::v1::Request& request);

class TokenFile {
 public:
  // Parses a token file's text; the error names the bad line.
  static core::Expected<TokenFile, std::string> Parse(std::string_view text);
  // Reads and parses the file at `path`.
  static core::Expected<TokenFile, std::string> Load(const std::string& path);

  // The identity whose token this is; nullopt for an unknown token.
  std::optional<Identity> Authenticate(std::string_view token) const;

  // A new random token and the file line that admits it as `user` with
  // `role`; the token itself is shown once and stored nowhere.
  struct NewToken {
    std::string token;
    std::string line;
  };
  static core::Expected<NewToken, std::string> Issue(std::string_view user, accord::v1::Role role);
  // Appends Issue's line to the file at `path` (created with mode 0600),
  // refusing a user already in it.
  static core::Expected<NewToken, std::string> AddUser(const std::string& path,
                                                       std::string_view user,
                                                       accord::v1::Role role);

  size_t size() const { return by_hash_.size(); }

 private:
  std::map<std::string, Identity> by_hash_;  // hex SHA-256 of the token -> who
};

// "logger" -> LOGGER; nullopt for anything else.
std::optional<accord::v1::Role> ParseRole(std::string_view name);
std::string RoleName(accord::v1::Role role);

}  // namespace accord::app
