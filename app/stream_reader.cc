#include "app/stream_reader.h"

#include <fmt/format.h>

#include <utility>

#include "core/event_types.h"

namespace accord::app {

StreamReader StreamReader::Log(const store::EventStore& store, uint64_t from_position) {
  return StreamReader(store, std::string(), true, from_position);
}

StreamReader StreamReader::Stream(const store::EventStore& store, std::string stream_id,
                                  uint64_t from_version) {
  return StreamReader(store, std::move(stream_id), false, from_version);
}

StreamReader::StreamReader(const store::EventStore& store, std::string stream_id, bool whole_log,
                           uint64_t from)
    : store_(store), stream_id_(std::move(stream_id)), whole_log_(whole_log), next_(from) {}

StreamReader& StreamReader::PageSize(size_t records) {
  page_size_ = records;
  return *this;
}

StreamReader& StreamReader::Before(uint64_t position) {
  before_position_ = position;
  return *this;
}

core::Status StreamReader::ForEachPage(const PageVisitor& visit) {
  store::ReadPage page;
  for (;;) {
    core::Status s = whole_log_ ? store_.ReadAll(next_, page_size_, &page)
                                : store_.ReadStreamForward(stream_id_, next_, page_size_, &page);
    if (!s.ok()) return s;
    bool past = false;
    for (size_t i = 0; i < page.records.size(); ++i) {
      if (page.records[i].position() >= before_position_) {
        page.records.resize(i);
        past = true;
        break;
      }
    }
    if (page.records.empty()) return core::Status::OK();
    const auto& last = page.records.back();
    uint64_t resume = (whole_log_ ? last.position() : last.stream_version()) + 1;
    if (s = visit(page); !s.ok()) return s;
    next_ = past ? resume : page.next;
    if (past || page.end_of_data) return core::Status::OK();
  }
}

core::Status StreamReader::ForEach(const RecordVisitor& visit) {
  return ForEachPage([&visit](const store::ReadPage& page) {
    for (const auto& record : page.records) {
      if (core::Status s = visit(record); !s.ok()) return s;
    }
    return core::Status::OK();
  });
}

core::Status StreamReader::ForEachEvent(const EventVisitor& visit) {
  return ForEach([&visit](const accord::v1::EventRecord& record) {
    accord::v1::DomainEvent event;
    if (core::Status s = DecodePayload(record, &event); !s.ok()) return s;
    return visit(record, std::move(event));
  });
}

core::Status DecodePayload(const accord::v1::EventRecord& record, accord::v1::DomainEvent* event) {
  auto decoded = core::DecodeEvent(record.event_type(), record.schema_version(), record.payload());
  if (!decoded) {
    return core::Status::Corruption(
        fmt::format("position {}: {}", record.position(), decoded.error()));
  }
  *event = std::move(decoded.value());
  return core::Status::OK();
}

accord::v1::RecordedEvent ToRecordedEvent(accord::v1::EventRecord record,
                                          accord::v1::DomainEvent event) {
  accord::v1::RecordedEvent view;
  *view.mutable_record() = std::move(record);
  view.mutable_record()->clear_payload();
  *view.mutable_event() = std::move(event);
  return view;
}

}  // namespace accord::app
