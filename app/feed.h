// app/feed: a subscription's messages, read from the store.
//
// A feed follows the whole log from a position, or one stream from a
// version: first what is stored (catch-up), then each event as it is
// committed (live). It always reads the store, never what appenders push, so
// catch-up and live are one loop and the switch between them can neither
// lose nor repeat an event, and a slow subscriber costs appends nothing.
// Every front door's subscriptions are a feed (the TCP door's subscribe, the
// HTTP door's Server-Sent Events); the door decides when to read (pacing)
// and when to give up on a subscriber (the drop rule below).
//
//   Feed feed(&store, subscribe, max_message_bytes);
//   for (;;) {
//     Feed::Batch batch = feed.Read(room);      // on the store's pool
//     if (batch.error) { send it; break; }
//     send batch.messages;
//     if (feed.AtHead()) wait for the log to grow (Application::WatchLog);
//   }
//
// Messages, in order: each event that passes the type filter (with
// stored_records: the records' stored bytes, several to a message); a checkpoint
// (how far the feed has read) after every checkpoint_every events it skipped
// and when it reaches the end with skipped events unreported; caught_up once,
// at the first end of what is stored.
//
// The drop rule, the same on every door: a subscriber is dropped when it
// stops reading for the door's stall timeout, or when, once live on the whole
// log, it falls more than max_subscriber_lag events behind (FellBehind).
//
// Thread safety: a feed is one subscriber's, used by one thread at a time
// (Read may run on any thread, one call at a time).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "accord/v1/wire.pb.h"
#include "store/event_store.h"

namespace accord::app {

class Feed {
 public:
  // REQUIRES: store outlives the feed. No message larger than
  // max_message_bytes is made: an event that would be ends the feed with
  // RESPONSE_TOO_LARGE.
  Feed(const store::EventStore* store, accord::v1::Subscribe subscribe, uint32_t max_message_bytes);

  struct Batch {
    std::vector<accord::v1::SubscriptionMessage> messages;
    // Set when the feed cannot go on (the store failed, an event does not
    // decode or is too large): the error to send, after the messages. The
    // feed is over.
    std::optional<accord::v1::Error> error;
  };

  // Reads on from where the last batch ended. Stops once the messages hold
  // `max_bytes` (a batch that has anything holds at least one message), or
  // at the end of what is stored. Blocks on the store: run it off network
  // threads.
  Batch Read(size_t max_bytes);

  // True when the last Read reached the end of what is stored and nothing
  // was committed since it began: wait for the log to grow before reading
  // again. A commit that raced the read shows here, so none is missed.
  bool AtHead() const;

  // Why the subscriber must go when it has fallen behind the live log by
  // more than `max_lag` events (whole-log feeds once caught up only);
  // nullopt while it keeps up. The sentence says where to resume.
  std::optional<std::string> FellBehind(uint64_t max_lag) const;
  // The sentence for a subscriber that stopped reading.
  std::string StoppedReading() const;

  // The position (whole log) or version (stream) the next message starts
  // from: where a subscriber that goes now resumes.
  uint64_t next() const { return next_; }
  bool caught_up() const { return caught_up_; }
  bool whole_log() const { return whole_log_; }

 private:
  // A message of stored records holds about this many bytes of them.
  static constexpr size_t kStoredMessageBytes = 256 << 10;

  Batch ReadStored(size_t max_bytes);

  const store::EventStore* store_;
  accord::v1::Subscribe subscribe_;
  bool whole_log_;
  std::set<std::string, std::less<>> types_;
  uint32_t checkpoint_every_;
  uint32_t max_message_bytes_;
  uint64_t next_;
  uint32_t skipped_ = 0;  // events passed over since the last message about them
  bool caught_up_ = false;
  bool reached_end_ = false;       // the last read found nothing more stored
  uint64_t head_before_read_ = 0;  // the log's head when the last read began
};

}  // namespace accord::app
