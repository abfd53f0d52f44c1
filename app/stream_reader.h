// app/stream_reader: the one way to read a stream, or the whole log, forward
// to its end.
//
// The store answers in pages (store::EventStore::ReadStreamForward and
// ReadAll, each cut by count and by bytes); every reader of a stream wants
// the records in order until the end, stopping at the first error. This is
// that loop, written once. A page holds a few MiB at most, so reading a long
// stream holds one page at a time, whatever the visitor keeps.
//
// Thread safety: a StreamReader is used by one thread; the store it reads is
// safe to read from any number of them.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>

#include "accord/v1/events.pb.h"
#include "accord/v1/record.pb.h"
#include "core/status.h"
#include "store/event_store.h"

namespace accord::app {

class StreamReader {
 public:
  // The whole log from `from_position`.
  static StreamReader Log(const store::EventStore& store, uint64_t from_position = 0);
  // One stream from `from_version`. A stream that does not exist reads as
  // empty.
  static StreamReader Stream(const store::EventStore& store, std::string stream_id,
                             uint64_t from_version = 0);

  // Records per page asked of the store; 0 (the default) lets the store
  // choose. The store cuts pages by bytes as well.
  StreamReader& PageSize(size_t records);
  // Stops before the first record at or past `position` in the log (a view
  // of the log as it was when it held `position` records).
  StreamReader& Before(uint64_t position);

  using RecordVisitor = std::function<core::Status(const accord::v1::EventRecord& record)>;
  using EventVisitor = std::function<core::Status(const accord::v1::EventRecord& record,
                                                  accord::v1::DomainEvent event)>;
  using PageVisitor = std::function<core::Status(const store::ReadPage& page)>;

  // Calls `visit` on each record, in order, to the end; returns the store's
  // error or the first error `visit` returns, at once.
  core::Status ForEach(const RecordVisitor& visit);
  // The same, with each payload decoded (any schema version this build
  // knows); a payload that does not decode is Corruption naming its position.
  core::Status ForEachEvent(const EventVisitor& visit);
  // The same a page at a time, for callers that work in batches. Each page
  // is non-empty.
  core::Status ForEachPage(const PageVisitor& visit);

  // Where reading resumes: the next position (log) or version (stream)
  // after the last record visited.
  uint64_t next() const { return next_; }

 private:
  StreamReader(const store::EventStore& store, std::string stream_id, bool whole_log,
               uint64_t from);

  const store::EventStore& store_;
  std::string stream_id_;
  bool whole_log_;
  uint64_t next_;
  size_t page_size_ = 0;
  uint64_t before_position_ = std::numeric_limits<uint64_t>::max();
};

// What readers are sent of a record: its envelope without the payload
// bytes, with the payload decoded (pass the record by move where it is not
// needed after).
accord::v1::RecordedEvent ToRecordedEvent(accord::v1::EventRecord record,
                                          accord::v1::DomainEvent event);
// Decodes a stored record's payload (any schema version this build knows);
// Corruption naming its position when it does not decode.
core::Status DecodePayload(const accord::v1::EventRecord& record, accord::v1::DomainEvent* event);

}  // namespace accord::app
