#include "app/feed.h"

#include <fmt/format.h>

#include <algorithm>

#include "app/errors.h"
#include "app/paging.h"
#include "app/stream_reader.h"

namespace accord::app {

Feed::Feed(const store::EventStore* store, accord::v1::Subscribe subscribe,
           uint32_t max_message_bytes)
    : store_(store),
      subscribe_(std::move(subscribe)),
      whole_log_(subscribe_.stream_id().empty()),
      types_(subscribe_.event_types().begin(), subscribe_.event_types().end()),
      checkpoint_every_(subscribe_.checkpoint_every() == 0 ? 100 : subscribe_.checkpoint_every()),
      max_message_bytes_(max_message_bytes),
      next_(subscribe_.from()) {}

namespace {

accord::v1::Error MakeError(accord::v1::ErrorCode code, std::string message) {
  accord::v1::Error error;
  error.set_code(code);
  error.set_message(std::move(message));
  return error;
}

}  // namespace

Feed::Batch Feed::Read(size_t max_bytes) {
  if (subscribe_.stored_records()) return ReadStored(max_bytes);
  Batch batch;
  size_t bytes = 0;
  auto add = [&](accord::v1::SubscriptionMessage message) {
    bytes += message.ByteSizeLong();
    batch.messages.push_back(std::move(message));
  };
  head_before_read_ = store_->Head().next_position;
  reached_end_ = false;
  store::ReadPage page;
  core::Status s = whole_log_ ? store_->ReadAll(next_, 0, &page)
                              : store_->ReadStreamForward(subscribe_.stream_id(), next_, 0, &page);
  if (!s.ok()) {
    batch.error = MakeError(ToErrorCode(s), s.message());
    return batch;
  }
  for (auto& record : page.records) {
    const uint64_t here = whole_log_ ? record.position() : record.stream_version();
    if (bytes >= max_bytes && !batch.messages.empty()) {
      next_ = here;  // the batch is full: the next one starts here
      return batch;
    }
    if (!types_.empty() && types_.count(record.event_type()) == 0) {
      if (++skipped_ >= checkpoint_every_) {
        accord::v1::SubscriptionMessage checkpoint;
        checkpoint.set_checkpoint(here + 1);
        add(std::move(checkpoint));
        skipped_ = 0;
      }
      continue;
    }
    accord::v1::DomainEvent event;
    if (core::Status decoded = DecodePayload(record, &event); !decoded.ok()) {
      batch.error = MakeError(ToErrorCode(decoded), decoded.message());
      return batch;
    }
    accord::v1::SubscriptionMessage message;
    *message.mutable_event() = ToRecordedEvent(std::move(record), std::move(event));
    if (size_t size = message.ByteSizeLong(); !FitsInFrame(size, max_message_bytes_)) {
      batch.error =
          MakeError(accord::v1::RESPONSE_TOO_LARGE,
                    fmt::format("the event at {} is {} bytes, over the message limit of {}; the "
                                "subscription ends (resubscribe from {})",
                                here, size, max_message_bytes_, here + 1));
      return batch;
    }
    add(std::move(message));
    skipped_ = 0;
  }
  next_ = page.next;
  if (!page.end_of_data) return batch;
  reached_end_ = true;
  if (!caught_up_ || skipped_ > 0) {
    accord::v1::SubscriptionMessage mark;
    if (caught_up_) {
      mark.set_checkpoint(next_);
    } else {
      mark.set_caught_up(next_);
    }
    add(std::move(mark));
    caught_up_ = true;
    skipped_ = 0;
  }
  return batch;
}

// The stored bytes of each record, as many to a message as fit in
// kStoredMessageBytes: no decoding, and one frame carries hundreds.
Feed::Batch Feed::ReadStored(size_t max_bytes) {
  Batch batch;
  if (!whole_log_ || !types_.empty()) {
    batch.error = MakeError(accord::v1::INVALID_ARGUMENT,
                            "stored_records follows the whole log, without event_types: leave out "
                            "stream_id and event_types, or stored_records");
    return batch;
  }
  head_before_read_ = store_->Head().next_position;
  reached_end_ = false;
  store::StoredPage page;
  if (core::Status s = store_->ReadStored(next_, 0, max_bytes, &page); !s.ok()) {
    batch.error = MakeError(ToErrorCode(s), s.message());
    return batch;
  }
  const size_t message_budget = PageBudget(kStoredMessageBytes, max_message_bytes_);
  accord::v1::SubscriptionMessage message;
  PageCutter cutter(message_budget);
  auto flush = [&] {
    if (cutter.items() == 0) return;
    batch.messages.push_back(std::move(message));
    message = accord::v1::SubscriptionMessage();
    cutter = PageCutter(message_budget);
  };
  for (size_t i = 0; i < page.records.size(); ++i) {
    const uint64_t position = page.first_position + i;
    std::string& record = page.records[i];
    if (!FitsInFrame(record.size(), max_message_bytes_)) {
      flush();
      next_ = position;
      batch.error =
          MakeError(accord::v1::RESPONSE_TOO_LARGE,
                    fmt::format("the record at {} is {} bytes, over the message limit of {}; the "
                                "subscription ends (resubscribe from {})",
                                position, record.size(), max_message_bytes_, position + 1));
      return batch;
    }
    if (!cutter.Admit(record.size())) {
      flush();
      cutter.Admit(record.size());
    }
    accord::v1::StoredRecords* records = message.mutable_records();
    if (records->records_size() == 0) records->set_first_position(position);
    records->add_records(std::move(record));
  }
  flush();
  next_ = page.next;
  if (!page.end_of_data) return batch;
  reached_end_ = true;
  if (!caught_up_) {
    accord::v1::SubscriptionMessage mark;
    mark.set_caught_up(next_);
    batch.messages.push_back(std::move(mark));
    caught_up_ = true;
  }
  return batch;
}

bool Feed::AtHead() const {
  return reached_end_ && store_->Head().next_position == head_before_read_;
}

std::optional<std::string> Feed::FellBehind(uint64_t max_lag) const {
  if (!caught_up_ || !whole_log_) return std::nullopt;
  uint64_t head = store_->Head().next_position;
  if (head - std::min(head, next_) <= max_lag) return std::nullopt;
  return fmt::format(
      "the subscriber fell behind the live log (read up to {}, the log is at {}); resubscribe "
      "from {}",
      next_, head, next_);
}

std::string Feed::StoppedReading() const {
  return fmt::format(
      "the subscriber stopped reading (read up to {}, the log is at {}); resubscribe from {}",
      next_, store_->Head().next_position, next_);
}

}  // namespace accord::app
