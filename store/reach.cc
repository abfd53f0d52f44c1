#include "store/reach.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "store/coding.h"

namespace accord::store::internal {

namespace {

constexpr char kMagic[] = "accord-reach 1";

std::string Body(const LogHead& head) {
  return fmt::format("{} {} {}", kMagic, head.next_position, HexEncode(head.last_hash));
}

core::Status Errno(std::string_view what, const std::string& file) {
  return core::Status::IOError(fmt::format("{} {}: {}", what, file, std::strerror(errno)));
}

}  // namespace

core::Status ReadReach(const std::string& directory, std::optional<LogHead>* reach) {
  reach->reset();
  std::string file = directory + "/" + kReachFileName;
  std::error_code missing;
  if (!std::filesystem::exists(file, missing)) return core::Status::OK();
  std::ifstream in(file);
  if (!in) return Errno("cannot read", file);
  std::string line;
  std::getline(in, line);
  auto damaged = [&file] {
    return core::Status::Corruption(fmt::format(
        "{} is damaged: it no longer says how far the log reached (delete it to open the log as "
        "it is, accepting that a shortened log goes unnoticed this once)",
        file));
  };
  size_t check_at = line.rfind(' ');
  if (check_at == std::string::npos) return damaged();
  std::string body = line.substr(0, check_at);
  if (HexEncode(Sha256(body)) != line.substr(check_at + 1)) return damaged();
  std::istringstream fields(body.substr(sizeof kMagic - 1));
  LogHead head;
  std::string hash_hex;
  if (body.rfind(kMagic, 0) != 0 || !(fields >> head.next_position >> hash_hex)) return damaged();
  std::optional<std::string> hash = core::HexDecode(hash_hex);
  if (!hash || hash->size() != 32) return damaged();
  head.last_hash = std::move(*hash);
  *reach = std::move(head);
  return core::Status::OK();
}

core::Status WriteReach(const std::string& directory, const LogHead& head) {
  std::string file = directory + "/" + kReachFileName;
  std::string temporary = file + ".tmp";
  std::string body = Body(head);
  std::string text = fmt::format("{} {}\n", body, HexEncode(Sha256(body)));
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot write", temporary);
  bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                 ::fsync(fd) == 0;
  core::Status failed = written ? core::Status::OK() : Errno("cannot write", temporary);
  ::close(fd);
  if (!failed.ok()) {
    ::unlink(temporary.c_str());
    return failed;
  }
  if (::rename(temporary.c_str(), file.c_str()) != 0) return Errno("cannot replace", file);
  int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return Errno("cannot open", directory);
  bool synced = ::fsync(dir) == 0;
  core::Status result = synced ? core::Status::OK() : Errno("cannot sync", directory);
  ::close(dir);
  return result;
}

}  // namespace accord::store::internal
