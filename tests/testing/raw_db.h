// Opens a store's RocksDB directly, behind the EventStore's back, so that
// tests can damage stored data the way a disk fault or an intruder would.
#pragma once

#include <rocksdb/db.h>

#include <memory>
#include <string>
#include <vector>

#include "store/coding.h"

namespace accord::testing {

class RawDb {
 public:
  enum Family { kMeta = 0, kLog, kStreamIndex, kStreamHeads, kEventIds, kProjections, kMerkle };

  explicit RawDb(const std::string& path) {
    std::vector<rocksdb::ColumnFamilyDescriptor> families;
    for (const char* name :
         {"default", "log", "stream_index", "stream_heads", "event_ids", "projections", "merkle"}) {
      families.emplace_back(name, rocksdb::ColumnFamilyOptions());
    }
    rocksdb::DB* raw = nullptr;
    status_ = rocksdb::DB::Open(rocksdb::DBOptions(), path, families, &handles_, &raw);
    db_.reset(raw);
  }
  ~RawDb() {
    for (auto* handle : handles_) db_->DestroyColumnFamilyHandle(handle);
  }

  const rocksdb::Status& status() const { return status_; }

  std::string Get(Family family, const std::string& key) {
    std::string value;
    db_->Get(rocksdb::ReadOptions(), handles_[family], key, &value).PermitUncheckedError();
    return value;
  }
  void Put(Family family, const std::string& key, const std::string& value) {
    db_->Put(rocksdb::WriteOptions(), handles_[family], key, value).PermitUncheckedError();
  }
  void Delete(Family family, const std::string& key) {
    db_->Delete(rocksdb::WriteOptions(), handles_[family], key).PermitUncheckedError();
  }
  // Writes every memtable to table files, so that records leave the WAL.
  void Flush() {
    rocksdb::FlushOptions options;
    db_->Flush(options, handles_).PermitUncheckedError();
  }
  std::string LogKey(uint64_t position) { return store::EncodePosition(position); }

 private:
  rocksdb::Status status_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace accord::testing
