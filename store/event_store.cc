// What every EventStore shares, whatever stands behind it: the value
// types' helpers, the factory, and import from records read back.
#include "store/event_store.h"

#include <fmt/format.h>

#include "store/rocksdb_store.h"

namespace accord::store {

using accord::v1::EventRecord;
using accord::v1::LogEntry;

std::string ExpectedVersion::ToString() const {
  switch (kind_) {
    case Kind::kAny:
      return "any";
    case Kind::kNoStream:
      return "no stream";
    case Kind::kStreamExists:
      return "stream exists";
    case Kind::kExact:
      return fmt::format("version {}", version_);
  }
  return "?";
}

core::Status EventStore::Open(const StoreOptions& options, const std::string& path,
                              std::unique_ptr<EventStore>* store) {
  std::unique_ptr<RocksDbStore> opened;
  core::Status s = RocksDbStore::Open(options, path, &opened);
  if (s.ok()) *store = std::move(opened);
  return s;
}

core::Status EventStore::Import(const std::vector<EventRecord>& records) {
  std::vector<LogEntry> entries;
  entries.reserve(records.size());
  for (const EventRecord& record : records) {
    EventRecord stored = record;
    stored.clear_hash();
    LogEntry entry;
    entry.set_record(stored.SerializeAsString());
    entry.set_hash(record.hash());
    entries.push_back(std::move(entry));
  }
  return ImportEntries(entries);
}

}  // namespace accord::store
