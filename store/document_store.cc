#include "store/document_store.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "core/decider.h"
#include "core/hash.h"

namespace accord::store {
namespace {

namespace fs = std::filesystem;

core::Status Errno(std::string_view what, const std::string& path) {
  return core::Status::IOError(fmt::format("{} {}: {}", what, path, std::strerror(errno)));
}

core::Status SyncDirectory(const std::string& directory) {
  int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return Errno("cannot open", directory);
  bool synced = ::fsync(dir) == 0;
  core::Status s = synced ? core::Status::OK() : Errno("cannot sync", directory);
  ::close(dir);
  return s;
}

// Creates `directory` if missing, and syncs its parent when it made it, so
// that the new entry survives a crash.
core::Status MakeDirectory(const std::string& directory) {
  if (::mkdir(directory.c_str(), 0755) == 0) {
    return SyncDirectory(fs::path(directory).parent_path().string());
  }
  if (errno == EEXIST) return core::Status::OK();
  return Errno("cannot make", directory);
}

// Writes `bytes` to `file` as a whole or not at all: a temporary file
// beside it, fsynced, renamed over it, the directory fsynced.
core::Status WriteWhole(const std::string& file, std::string_view bytes) {
  static std::atomic<uint64_t> next_temporary{0};
  fs::path path(file);
  std::string directory = path.parent_path().string();
  std::string temporary = fmt::format("{}/.{}.tmp-{}-{}", directory, path.filename().string(),
                                      ::getpid(), next_temporary++);
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot write", temporary);
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  core::Status s = written == bytes.size() && ::fsync(fd) == 0 ? core::Status::OK()
                                                               : Errno("cannot write", temporary);
  ::close(fd);
  if (s.ok() && ::rename(temporary.c_str(), file.c_str()) != 0) s = Errno("cannot rename", file);
  if (!s.ok()) {
    ::unlink(temporary.c_str());
    return s;
  }
  return SyncDirectory(directory);
}

core::Status ReadWhole(const std::string& file, std::string* bytes) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return core::Status::NotFound(file);
    return Errno("cannot read", file);
  }
  bytes->clear();
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      core::Status s = Errno("cannot read", file);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    bytes->append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return core::Status::OK();
}

class FileDocumentStore final : public DocumentStore {
 public:
  FileDocumentStore(std::string root, uint64_t max_bytes)
      : root_(std::move(root)), max_bytes_(max_bytes) {}

  uint64_t max_bytes() const override { return max_bytes_; }

  core::Status Put(std::string_view bytes, std::string* sha256) override {
    if (bytes.empty()) return core::Status::InvalidArgument("an empty file is not a document");
    if (bytes.size() > max_bytes_) {
      return core::Status::InvalidArgument(
          fmt::format("the document is {} bytes, over the limit of {} (--max-document-bytes)",
                      bytes.size(), max_bytes_));
    }
    std::string digest = core::HexEncode(core::Sha256(bytes));
    // Bytes already stored are not written again; a stored file that no
    // longer hashes to its name is replaced by the right bytes.
    std::string stored;
    if (ReadWhole(PathOf(digest), &stored).ok() &&
        core::HexEncode(core::Sha256(stored)) == digest) {
      *sha256 = std::move(digest);
      return core::Status::OK();
    }
    if (core::Status s = MakeDirectory(DirectoryOf(digest)); !s.ok()) return s;
    if (core::Status s = WriteWhole(PathOf(digest), bytes); !s.ok()) return s;
    *sha256 = std::move(digest);
    return core::Status::OK();
  }

  core::Status Get(std::string_view sha256, std::string* bytes) const override {
    if (!core::IsSha256Hex(sha256)) {
      return core::Status::InvalidArgument(
          fmt::format("'{}' is not a SHA-256 digest in 64 lower-case hex digits", sha256));
    }
    std::string file = PathOf(sha256);
    core::Status s = ReadWhole(file, bytes);
    if (s.code() == core::Status::Code::kNotFound) {
      return core::Status::NotFound(fmt::format("no document {} is stored", sha256));
    }
    if (!s.ok()) return s;
    if (core::HexEncode(core::Sha256(*bytes)) != sha256) {
      bytes->clear();
      return core::Status::Corruption(
          fmt::format("document {} is damaged: {} no longer hashes to its digest", sha256, file));
    }
    return core::Status::OK();
  }

  bool Has(std::string_view sha256, uint64_t* size) const override {
    if (!core::IsSha256Hex(sha256)) return false;
    struct stat info {};
    if (::stat(PathOf(sha256).c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return false;
    if (size != nullptr) *size = static_cast<uint64_t>(info.st_size);
    return true;
  }

  core::Status List(std::vector<std::string>* digests) const override {
    digests->clear();
    std::error_code ec;
    for (fs::directory_iterator prefix(root_, ec), end; !ec && prefix != end;
         prefix.increment(ec)) {
      std::string head = prefix->path().filename().string();
      if (!prefix->is_directory() || head.size() != 2) continue;
      for (fs::directory_iterator file(prefix->path(), ec); !ec && file != end;
           file.increment(ec)) {
        std::string digest = head + file->path().filename().string();
        if (core::IsSha256Hex(digest)) digests->push_back(std::move(digest));
      }
    }
    if (ec) return core::Status::IOError(fmt::format("cannot list {}: {}", root_, ec.message()));
    std::sort(digests->begin(), digests->end());
    return core::Status::OK();
  }

  core::Status CopyTo(const std::string& data_dir) const override {
    std::unique_ptr<DocumentStore> target;
    // No limit on the copy: a document stored under a higher limit is copied too.
    if (core::Status s = DocumentStore::Open(data_dir, UINT64_MAX, &target); !s.ok()) return s;
    std::vector<std::string> digests;
    if (core::Status s = List(&digests); !s.ok()) return s;
    for (const std::string& digest : digests) {
      std::string bytes;
      if (core::Status s = Get(digest, &bytes); !s.ok()) return s;
      std::string copied;
      if (core::Status s = target->Put(bytes, &copied); !s.ok()) return s;
    }
    return core::Status::OK();
  }

 private:
  std::string DirectoryOf(std::string_view sha256) const {
    return fmt::format("{}/{}", root_, sha256.substr(0, 2));
  }
  std::string PathOf(std::string_view sha256) const {
    return fmt::format("{}/{}", DirectoryOf(sha256), sha256.substr(2));
  }

  const std::string root_;  // DATA/documents
  const uint64_t max_bytes_;
};

}  // namespace

core::Status DocumentStore::Open(const std::string& data_dir, uint64_t max_bytes,
                                 std::unique_ptr<DocumentStore>* store) {
  if (core::Status s = MakeDirectory(data_dir); !s.ok()) return s;
  std::string root = (fs::path(data_dir) / "documents").string();
  if (core::Status s = MakeDirectory(root); !s.ok()) return s;
  *store = std::make_unique<FileDocumentStore>(std::move(root), max_bytes);
  return core::Status::OK();
}

core::Status PutAsNamed(DocumentStore& documents, std::string_view bytes, std::string_view sha256) {
  std::string digest = core::HexEncode(core::Sha256(bytes));
  if (digest != sha256) {
    return core::Status::InvalidArgument(
        fmt::format("the bytes of document {} hash to {}: refused", sha256, digest));
  }
  return documents.Put(bytes, &digest);
}

}  // namespace accord::store
