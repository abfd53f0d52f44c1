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
