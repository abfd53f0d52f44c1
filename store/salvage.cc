// Salvage: copies the intact prefix of a damaged log into a new store, for
// an operator who accepts the loss (accord-local salvage). Nothing else in
// the store drops records.
#include <rocksdb/db.h>

#include <memory>

#include "store/internal.h"
#include "store/rocksdb_store.h"

namespace accord::store {

using accord::v1::EventRecord;
using accord::v1::LogEntry;
using namespace internal;  // NOLINT(google-build-using-namespace)

core::Status RocksDbStore::Salvage(EventStore* into, SalvageReport* report) const {
  if (!options_.salvage)
    return core::Status::InvalidArgument("salvage needs a store opened to salvage");
  core::ReaderMutexLock db_lock(&db_mutex_);
  if (core::Status open = CheckOpen(); !open.ok()) return open;
  *report = SalvageReport{};
  constexpr size_t kBatch = 1000;
  // The entries as stored, bytes unchanged: the copy's records hash and
  // chain exactly as the damaged store's did.
  std::vector<LogEntry> batch;
  auto flush = [&]() -> core::Status {
    if (batch.empty()) return core::Status::OK();
    core::Status s = into->ImportEntries(batch);
    if (s.ok()) report->kept += batch.size();
    batch.clear();
    return s;
  };

  uint64_t expected = 0;
  std::string previous_hash = GenesisHash();
  bool intact = true;
  uint64_t readable_end = 0;  // past the newest readable record
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), log_));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    uint64_t position = DecodeFixed64BE(it->key().ToStringView());
    EventRecord record;
    std::string record_bytes;
    core::Status decoded = DecodeEntry(position, it->value(), &record, &record_bytes);
    if (decoded.ok()) readable_end = std::max(readable_end, position + 1);
    if (intact) {
      if (position != expected) {
        report->damage = fmt::format("position {} is missing from the log", expected);
        intact = false;
      } else if (!decoded.ok()) {
        report->damage = decoded.message();
        intact = false;
      } else if (record.prev_hash() != previous_hash) {
        report->damage = fmt::format(
            "the record at position {} does not chain to the record before it", position);
        intact = false;
      }
    }
    if (!intact) {
      if (decoded.ok()) report->readable_unkept.push_back(position);
      continue;
    }
    previous_hash = record.hash();
    ++expected;
    LogEntry entry;
    entry.set_record(std::move(record_bytes));
    entry.set_hash(record.hash());
    batch.push_back(std::move(entry));
    if (batch.size() == kBatch) {
      if (core::Status s = flush(); !s.ok()) return s;
    }
  }
  if (!it->status().ok() && intact) {
    report->damage = FromRocks(it->status(), "reading the log").message();
  }
  if (core::Status s = flush(); !s.ok()) return s;
  if (intact && reached_ && reached_->next_position > expected) {
    report->damage = fmt::format("the readable log ends at position {}", expected);
  }
  report->reach_known = reached_.has_value();
  report->reached = std::max(readable_end, reached_ ? reached_->next_position : 0);
  report->reached = std::max(report->reached, report->kept);
  return core::Status::OK();
}

}  // namespace accord::store
