// The session's subscriptions: a feed (app/feed.h) of the whole log or one
// stream, paced by the connection's outbox.
#include <fmt/format.h>

#include "app/errors.h"
#include "app/feed.h"
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
  const ServerOptions& options = host_->options();
  app::Feed feed(&host_->application().store(), std::move(subscribe), options.max_frame_bytes);
  while (!closed_ && !close_after_flush_) {
    // Pause while the connection is full. Catching up from far behind is
    // fine as long as the client reads; the drop rule is the feed's.
    while (outbox_bytes_ >= options.subscriber_buffer_bytes && !closed_) {
      std::optional<std::string> why = feed.FellBehind(options.max_subscriber_lag);
      const bool behind = why.has_value();
      if (!why) {
        bool woken = co_await WaitOn(
            wait, drain_waiters_,
            asio::steady_timer::clock_type::now() + options.subscriber_stall_timeout);
        if (!woken && !closed_ && outbox_bytes_ >= options.subscriber_buffer_bytes) {
          why = feed.StoppedReading();
        }
      }
      if (why) {
        metrics().CountDroppedSubscription(app::Door::kTcp, behind
                                                                ? app::SubscriptionDrop::kLagging
                                                                : app::SubscriptionDrop::kStalled);
        accord::v1::SubscriptionMessage dropped;
        dropped.set_dropped(std::move(*why));
        SendSubscription(id, std::move(dropped));
        --subscriptions_;
        co_return;
      }
    }
    if (closed_) break;
    const size_t room = options.subscriber_buffer_bytes - outbox_bytes_;
    app::Feed::Batch batch = co_await OnStoreThread([&feed, room] { return feed.Read(room); });
    for (auto& message : batch.messages) SendSubscription(id, std::move(message));
    if (batch.error) {
      Send(ErrorResponse(id, batch.error->code(), batch.error->message()));
      break;
    }
    if (!feed.AtHead()) continue;
    co_await WaitOn(wait, log_waiters_, asio::steady_timer::time_point::max());
  }
  --subscriptions_;
}

}  // namespace accord::net
