// A RocksDB file system that fails writes or syncs of the write-ahead log on
// demand, as a full disk or a failing device would (after SpecialEnv in
// leveldb's db_test.cc).
#pragma once

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <memory>
#include <string>

namespace accord::testing {

class FaultInjectingFs : public rocksdb::FileSystemWrapper {
 public:
  FaultInjectingFs() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FaultInjectingFs"; }

  std::atomic<bool> fail_wal_appends{false};  // as ENOSPC
  std::atomic<bool> fail_wal_syncs{false};    // as EIO
  std::atomic<int> injected{0};

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, result, dbg);
    if (s.ok() && IsWal(name)) *result = std::make_unique<File>(std::move(*result), this);
    return s;
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->ReopenWritableFile(name, options, result, dbg);
    if (s.ok() && IsWal(name)) *result = std::make_unique<File>(std::move(*result), this);
    return s;
  }

 private:
  static bool IsWal(const std::string& name) {
    return name.size() > 4 && name.compare(name.size() - 4, 4, ".log") == 0;
  }

  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile>&& target, FaultInjectingFs* fs)
        : FSWritableFileOwnerWrapper(std::move(target)), fs_(fs) {}

    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->fail_wal_appends) return Inject(rocksdb::IOStatus::NoSpace("injected: disk full"));
      return target()->Append(data, options, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                             const rocksdb::DataVerificationInfo& info,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->fail_wal_appends) return Inject(rocksdb::IOStatus::NoSpace("injected: disk full"));
      return target()->Append(data, options, info, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
      if (fs_->fail_wal_syncs) return Inject(rocksdb::IOStatus::IOError("injected: sync failed"));
      return target()->Sync(options, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                            rocksdb::IODebugContext* dbg) override {
      if (fs_->fail_wal_syncs) return Inject(rocksdb::IOStatus::IOError("injected: sync failed"));
      return target()->Fsync(options, dbg);
    }

   private:
    rocksdb::IOStatus Inject(rocksdb::IOStatus status) {
      ++fs_->injected;
      return status;
    }
    FaultInjectingFs* fs_;
  };
};

}  // namespace accord::testing
