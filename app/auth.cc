#include "app/auth.h"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/requests.h"
#include "core/hash.h"

namespace accord::app {

using accord::v1::Request;
using accord::v1::Role;
using core::MakeUnexpected;

namespace {

bool ValidUser(std::string_view user) {
  if (user.empty() || user.size() > 128) return false;
  for (unsigned char c : user) {
    if (c <= ' ' || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "logger") return accord::v1::LOGGER;
  if (name == "auditor") return accord::v1::AUDITOR;
  if (name == "admin") return accord::v1::ADMIN;
  return std::nullopt;
}

std::string RoleName(Role role) {
  switch (role) {
    case accord::v1::LOGGER:
      return "logger";
    case accord::v1::AUDITOR:
      return "auditor";
    case accord::v1::ADMIN:
      return "admin";
    default:
      return "none";
  }
}

bool Allows(Role role, const Request& request) {
  const RequestKind* kind = FindRequestKind(request.kind_case());
  return kind != nullptr && kind->Allows(role);
}

core::Expected<TokenFile, std::string> TokenFile::Parse(std::string_view text) {
  TokenFile file;
  std::istringstream in{std::string(text)};
  std::string line;
  std::map<std::string, bool> users;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string user, role_name, hash, extra;
    fields >> user >> role_name >> hash;
    auto role = ParseRole(role_name);
    bool well_formed = ValidUser(user) && role && hash.size() == 7 + 2 * core::kSha256Bytes &&
                       hash.starts_with("sha256:") && !(fields >> extra) &&
                       core::HexDecode(std::string_view(hash).substr(7)).has_value();
    if (!well_formed) {
      return MakeUnexpected(
          fmt::format("line {}: not '<user> <logger|auditor|admin> sha256:<64 hex>'", number));
    }
    if (!users.emplace(user, true).second) {
      return MakeUnexpected(fmt::format("line {}: user '{}' appears twice", number, user));
    }
    if (!file.by_hash_.emplace(hash.substr(7), Identity{user, *role}).second) {
      return MakeUnexpected(fmt::format("line {}: a token hash appears twice", number));
    }
  }
  return file;
}

core::Expected<TokenFile, std::string> TokenFile::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return MakeUnexpected(fmt::format("cannot read the token file {}", path));
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = Parse(text.str());
  if (!parsed) return MakeUnexpected(path + ": " + parsed.error());
  return parsed;
}

std::optional<Identity> TokenFile::Authenticate(std::string_view token) const {
  if (token.empty()) return std::nullopt;
  auto it = by_hash_.find(core::HexEncode(core::Sha256(token)));
  if (it == by_hash_.end()) return std::nullopt;
  return it->second;
}

core::Expected<TokenFile::NewToken, std::string> TokenFile::Issue(std::string_view user,
                                                                  Role role) {
  if (!ValidUser(user)) {
    return MakeUnexpected(fmt::format("'{}' is not a user name (1-128 bytes, no spaces)", user));
  }
  unsigned char random[32];
  if (RAND_bytes(random, sizeof random) != 1) {
    return MakeUnexpected(std::string("the system gave no random bytes for a token"));
  }
  std::string token = "acc_" + core::HexEncode(std::string_view(
                                   reinterpret_cast<const char*>(random), sizeof random));
  return NewToken{token, fmt::format("{} {} sha256:{}", user, RoleName(role),
                                     core::HexEncode(core::Sha256(token)))};
}

core::Expected<TokenFile::NewToken, std::string> TokenFile::AddUser(const std::string& path,
                                                                    std::string_view user,
                                                                    Role role) {
  std::string existing;
  if (std::ifstream in(path); in) {
    std::stringstream text;
    text << in.rdbuf();
    existing = text.str();
  }
  auto parsed = Parse(existing);
  if (!parsed) return MakeUnexpected(path + ": " + parsed.error());
  auto issued = Issue(user, role);
  if (!issued) return issued;
  std::string text = existing;
  if (!text.empty() && text.back() != '\n') text += '\n';
  text += issued->line + '\n';
  if (!Parse(text)) return MakeUnexpected(fmt::format("user '{}' is in {} already", user, path));
  {
    std::ofstream out(path, std::ios::app);
    std::error_code ec;
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ec);
    if (!existing.empty() && existing.back() != '\n') out << '\n';
    out << issued->line << '\n';
    if (!out.flush()) return MakeUnexpected("cannot write " + path);
  }
  return issued;
}

}  // namespace accord::app
