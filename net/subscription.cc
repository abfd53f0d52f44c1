// The session's subscriptions: the whole log or one stream, caught up from
// the store and then followed live, in one loop.
#include <fmt/format.h>

#include "app/errors.h"
#include "app/paging.h"
#include "app/stream_reader.h"
#include "net/session.h"

namespace accord::net {

using app::ErrorResponse;

void Session::SendSubscription(uint64_t id, accord::v1::SubscriptionMessage message) {
  Response response;
  response.set_request_id(id);
  *response.mutable_subscription() = std::move(message);
  Send(response);
}

awaitable<void> Session::Subscription(uint64_t id, accord::v1::Subscribe subscribe) {
  ++subscriptions_;
  asio::steady_timer wait(socket_.get_executor());  // this subscription's own
  const bool whole_log = subscribe.stream_id().empty();
  const std::set<std::string, std::less<>> types(subscribe.event_types().begin(),
                                                 subscribe.event_types().end());
  const uint32_t checkpoint_every =
      subscribe.checkpoint_every() == 0 ? 100 : subscribe.checkpoint_every();
  store::EventStore* store = &host_->application().store();
  uint64_t next = subscribe.from();
  uint32_t skipped = 0;
  bool caught_up = false;
  while (!closed_ && !close_after_flush_) {
    // Pause while the connection is full. Catching up from far behind is
    // fine as long as the client reads; a subscriber is dropped when it
    // stops reading for the stall timeout, or, once live, when it falls
    // more than max_subscriber_lag events behind the log.
    while (outbox_bytes_ > host_->options().subscriber_buffer_bytes && !closed_) {
      uint64_t head = store->Head().next_position;
      bool behind = caught_up && whole_log &&
                    head - std::min(head, next) > host_->options().max_subscriber_lag;
      bool stalled = false;
      if (!behind) {
        bool woken = co_await WaitOn(
            wait, drain_waiters_,
            asio::steady_timer::clock_type::now() + host_->options().subscriber_stall_timeout);
        stalled = !woken && !closed_ && outbox_bytes_ > host_->options().subscriber_buffer_bytes;
      }
      if (behind || stalled) {
        metrics().CountDroppedSubscription(app::Door::kTcp, behind
                                                                ? app::SubscriptionDrop::kLagging
                                                                : app::SubscriptionDrop::kStalled);
        accord::v1::SubscriptionMessage dropped;
        dropped.set_dropped(
            fmt::format("the subscriber {} (read up to {}, the log is at {}); resubscribe from {}",
                        behind ? "fell behind the live log" : "stopped reading", next, head, next));
        SendSubscription(id, std::move(dropped));
        --subscriptions_;
        co_return;
      }
    }
    uint64_t head_before = store->Head().next_position;
    auto [status, page] = co_await OnStoreThread([store, whole_log, &subscribe, next] {
      store::ReadPage read;
      core::Status s = whole_log ? store->ReadAll(next, 0, &read)
                                 : store->ReadStreamForward(subscribe.stream_id(), next, 0, &read);
      return std::make_pair(s, std::move(read));
    });
    if (!status.ok()) {
      Send(ErrorResponse(id, status));
      break;
    }
    bool paused = false;
    for (auto& record : page.records) {
      uint64_t here = whole_log ? record.position() : record.stream_version();
      if (outbox_bytes_ > host_->options().subscriber_buffer_bytes) {
        next = here;  // full: pause (above), then read on from here
        paused = true;
        break;
      }
      if (!types.empty() && types.count(record.event_type()) == 0) {
        if (++skipped >= checkpoint_every) {
          accord::v1::SubscriptionMessage checkpoint;
          checkpoint.set_checkpoint(here + 1);
          SendSubscription(id, std::move(checkpoint));
          skipped = 0;
        }
        continue;
      }
      accord::v1::DomainEvent event;
      if (core::Status decoded = app::DecodePayload(record, &event); !decoded.ok()) {
        Send(ErrorResponse(id, decoded));
        --subscriptions_;
        co_return;
      }
      accord::v1::SubscriptionMessage message;
      *message.mutable_event() = app::ToRecordedEvent(std::move(record), std::move(event));
      if (size_t bytes = message.ByteSizeLong();
          !app::FitsInFrame(bytes, host_->options().max_frame_bytes)) {
        Send(ErrorResponse(
            id, accord::v1::RESPONSE_TOO_LARGE,
            fmt::format("the event at {} is {} bytes, over the frame limit of {}; the "
                        "subscription ends (resubscribe from {})",
                        here, bytes, host_->options().max_frame_bytes, here + 1)));
        --subscriptions_;
        co_return;
      }
      SendSubscription(id, std::move(message));
      skipped = 0;
    }
    if (paused) continue;
    next = page.next;
    if (!page.end_of_data) continue;
    if (!caught_up || skipped > 0) {
      accord::v1::SubscriptionMessage mark;
      if (caught_up) {
        mark.set_checkpoint(next);
      } else {
        mark.set_caught_up(next);
      }
      SendSubscription(id, std::move(mark));
      caught_up = true;
      skipped = 0;
    }
    // A commit between the read and here shows in the head: read again.
    if (store->Head().next_position != head_before) continue;
    co_await WaitOn(wait, log_waiters_, asio::steady_timer::time_point::max());
  }
  --subscriptions_;
}

}  // namespace accord::net
