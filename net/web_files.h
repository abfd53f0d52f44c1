// net/web_files: the web desk's files, as the HTTP door serves them.
//
// The repository's web/ folder (flat: no subfolders) is built into the
// program (net/embed_web_files.cmake writes each file's bytes and SHA-256
// into a generated source), so that accordd serves its pages with nothing
// installed beside it and nothing loaded from the internet. For working on
// the pages, a WebFiles over a folder reads each file from it on every
// request instead: edit, reload.
//
// A name is one path segment: no "/", no "\", no "..", not hidden (no
// leading "."), at most kMaxWebFileNameBytes; anything else is refused
// before any file is looked at. A file read from a folder is at most
// kMaxWebFileBytes. The media type comes from the name's extension
// (MediaTypeOf); the ETag is the SHA-256 of the bytes.
//
// Thread safety: a WebFiles is constant; Find may be called from any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/expected.h"
#include "core/status.h"

namespace accord::net {

inline constexpr size_t kMaxWebFileNameBytes = 255;
inline constexpr size_t kMaxWebFileBytes = 16 << 20;

// One file of web/ as the build embedded it.
struct EmbeddedWebFile {
  std::string_view name;
  std::string_view sha256_hex;
  std::string_view bytes;
};
// Every file of web/ when the program was built (the generated source).
std::span<const EmbeddedWebFile> EmbeddedWebFiles();

// A file to serve.
struct WebFile {
  std::string bytes;
  std::string media_type;  // "text/javascript; charset=utf-8"
  std::string etag;        // "\"<sha256 hex>\"", strong
};

class WebFiles {
 public:
  // The embedded files when `folder` is empty; otherwise the folder's.
  explicit WebFiles(std::string folder = "");

  // The file called `name`: InvalidArgument for a name that is not one
  // file's (see above), NotFound for none by that name, IOError when the
  // folder's file cannot be read or is over the limit.
  core::Expected<WebFile, core::Status> Find(std::string_view name) const;

  const std::string& folder() const { return folder_; }

 private:
  std::string folder_;
};

// Whether `name` may name a web file (see above).
bool IsWebFileName(std::string_view name);

// The media type of a file by its name's extension: .html, .js, .mjs, .css,
// .svg, .png, .ico, .json, .txt, .woff2, .webmanifest;
// application/octet-stream for any other.
std::string_view MediaTypeOf(std::string_view name);

}  // namespace accord::net
