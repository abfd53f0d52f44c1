#include "net/web_files.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/hash.h"

namespace accord::net {
namespace {

std::string ETagOfDigest(std::string_view sha256_hex) { return fmt::format("\"{}\"", sha256_hex); }

core::Expected<std::string, core::Status> ReadWhole(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return core::MakeUnexpected(core::Status::NotFound("no such file"));
  }
  const auto size = std::filesystem::file_size(path, error);
  if (error) return core::MakeUnexpected(core::Status::IOError(error.message()));
  if (size > kMaxWebFileBytes) {
    return core::MakeUnexpected(core::Status::IOError(fmt::format(
        "{} is {} bytes, over the limit of {}", path.string(), size, kMaxWebFileBytes)));
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return core::MakeUnexpected(core::Status::IOError("cannot read " + path.string()));
  return bytes;
}

}  // namespace

WebFiles::WebFiles(std::string folder) : folder_(std::move(folder)) {}

core::Expected<WebFile, core::Status> WebFiles::Find(std::string_view name) const {
  if (!IsWebFileName(name)) {
    return core::MakeUnexpected(core::Status::InvalidArgument(
        "a web file's name is one path segment, with no '..' and no leading '.'"));
  }
  WebFile file;
  file.media_type = MediaTypeOf(name);
  if (folder_.empty()) {
    for (const EmbeddedWebFile& embedded : EmbeddedWebFiles()) {
      if (embedded.name != name) continue;
      file.bytes = embedded.bytes;
      file.etag = ETagOfDigest(embedded.sha256_hex);
      return file;
    }
    return core::MakeUnexpected(core::Status::NotFound("no such file"));
  }
  // Read on every request: the folder is for editing the pages and
  // reloading them.
  auto bytes = ReadWhole(std::filesystem::path(folder_) / std::string(name));
  if (!bytes) return core::MakeUnexpected(bytes.error());
  file.bytes = std::move(bytes).value();
  file.etag = ETagOfDigest(core::HexEncode(core::Sha256(file.bytes)));
  return file;
}

bool IsWebFileName(std::string_view name) {
  if (name.empty() || name.size() > kMaxWebFileNameBytes || name.front() == '.') return false;
  if (name.find("..") != std::string_view::npos) return false;
  return std::none_of(name.begin(), name.end(), [](char c) {
    return c == '/' || c == '\\' || c == '\0' || static_cast<unsigned char>(c) < 0x20;
  });
}

std::string_view MediaTypeOf(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 11> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".woff2", "font/woff2"},
      {".webmanifest", "application/manifest+json"},
  }};
  const size_t dot = name.rfind('.');
  if (dot != std::string_view::npos) {
    const std::string_view extension = name.substr(dot);
    for (const auto& [known, type] : kTypes) {
      if (extension == known) return type;
    }
  }
  return "application/octet-stream";
}

}  // namespace accord::net
