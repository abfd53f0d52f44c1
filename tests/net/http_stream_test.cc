// The HTTP door's event streams (Server-Sent Events from app/feed.h)
// through a real HTTP client: catch-up then live with no gap and no
// duplicate while three clients append, a reconnect with Last-Event-ID, an
// agreement's stream by version, the types filter and its checkpoints, and
// the drop rule: a reader that stops reading is closed while appends go on,
// one that falls too far behind is told where to resume.
#include <gtest/gtest.h>

#include <thread>

#include "accord/v1/http.pb.h"
#include "net/http_routes.h"
#include "tests/testing/http_door.h"

namespace accord::net {
namespace {

using accord::testing::CommandBuilder;
using accord::testing::HttpClient;
using accord::testing::HttpReply;
using accord::testing::kMou;
using accord::testing::kMouPath;
using accord::testing::SseEvent;
using accord::testing::SseState;

class HttpStreamTest : public accord::testing::HttpDoorTest {
 protected:
  // The next event of `client`'s stream, which must be one.
  static SseEvent Next(HttpClient& client) {
    SseEvent event;
    SseState state = client.NextEvent(&event);
    EXPECT_EQ(state, SseState::kEvent) << "the stream ended or stalled";
    return event;
  }

  // A `recorded` event's data, checked to be one with id `id` (a position
  // or a version).
  static accord::v1::RecordedEvent Recorded(const SseEvent& event, uint64_t id) {
    EXPECT_EQ(event.type, kRecordedEvent) << event.data;
    EXPECT_EQ(event.id, std::to_string(id)) << event.data;
    accord::v1::RecordedEvent recorded;
    EXPECT_TRUE(accord::testing::ParseJsonMessage(event.data, &recorded)) << event.data;
    EXPECT_TRUE(recorded.record().payload().empty()) << "decoded for the reader";
    return recorded;
  }

  // A `caught-up` or `checkpoint` event's mark, its id the last position
  // (or version) it covers.
  static uint64_t Mark(const SseEvent& event) {
    accord::v1::StreamMark mark;
    EXPECT_TRUE(accord::testing::ParseJsonMessage(event.data, &mark)) << event.data;
    if (mark.next() > 0) {
      EXPECT_EQ(event.id, std::to_string(mark.next() - 1)) << event.data;
    } else {
      EXPECT_FALSE(event.id.has_value()) << event.data;
    }
    return mark.next();
  }

  // `count` raw events for `stream` in one append, ids from `first_id`, each
  // with a note of `note_bytes`.
  static std::string Append(uint64_t first_id, int count, size_t note_bytes = 280) {
    accord::v1::AppendEvents append;
    for (int i = 0; i < count; ++i) {
      *append.add_events() = accord::testing::NoteEvent(
          first_id + static_cast<uint64_t>(i),
          std::string(note_bytes, static_cast<char>('a' + (first_id + i) % 26)));
    }
    return Json(append);
  }
};

TEST_F(HttpStreamTest, FollowsTheLogWhileThreeClientsAppendEachPositionOnceAcrossAReconnect) {
  Start();
  auto logger = Client(logger_);
  MustLog(*logger, b_.Propose());
  for (int i = 0; i < 19; ++i) MustLog(*logger, b_.Note("before " + std::to_string(i)));
  const uint64_t stored = Head();
  ASSERT_EQ(stored, 20u);

  auto reader = Client(auditor_);
  HttpReply head = reader->OpenStream("/api/v1/stream");
  ASSERT_EQ(head.status(), 200u) << head.body();
  EXPECT_EQ(head.Header(http::field::content_type), "text/event-stream; charset=utf-8");
  EXPECT_EQ(head.Header(http::field::cache_control), "no-store");
  EXPECT_TRUE(head.response.chunked());

  uint64_t next = 0;  // the position the next recorded event must have
  int caught_up = 0;  // on this connection
  int reconnects = 0;
  // Reads one event: a recorded one must be the next position.
  auto read_one = [&] {
    SseEvent event = Next(*reader);
    if (event.type == kCaughtUpEvent) {
      ++caught_up;
      EXPECT_EQ(caught_up, 1) << "caught-up once per connection, at the switch";
      EXPECT_EQ(Mark(event), next) << "the switch loses nothing and repeats nothing";
      return event;
    }
    accord::v1::RecordedEvent recorded = Recorded(event, next);
    EXPECT_EQ(recorded.record().position(), next);
    ++next;
    return event;
  };
  while (caught_up == 0 && !HasFailure()) read_one();
  ASSERT_EQ(next, stored);
  EXPECT_EQ(reader->sse().retry(), 1000) << "tells an EventSource how soon to reconnect";

  // Three clients append 2,000 events in all: milestones through the rules,
  // and raw appends of ten.
  constexpr int kNotes = 199;
  constexpr int kRawAppends = 90;
  constexpr int kPerAppend = 10;
  const uint64_t total = stored + (1 + kNotes) + 2ULL * kRawAppends * kPerAppend;
  ASSERT_EQ(total - stored, 2000u);
  {
    std::vector<std::jthread> writers;
    writers.emplace_back([this] {
      auto client = Client(logger_);
      CommandBuilder own("live-agreement", 100000);
      MustLog(*client, own.Propose());
      for (int i = 0; i < kNotes && !HasFailure(); ++i) {
        MustLog(*client, own.Note("live " + std::to_string(i)));
      }
    });
    for (int w = 1; w <= 2; ++w) {
      writers.emplace_back([this, w] {
        auto client = Client(admin_);
        const std::string path = "/api/v1/streams/imported-" + std::to_string(w) + "/events";
        for (int i = 0; i < kRawAppends && !HasFailure(); ++i) {
          HttpReply reply = client->Post(path, Append(1000000 * w + i * kPerAppend, kPerAppend));
          ASSERT_EQ(reply.status(), 201u) << reply.error << reply.body();
        }
      });
    }

    // Midway, the reader's connection drops; it comes back as an
    // EventSource does, with the last id it received.
    while (next < stored + 1000 && !HasFailure()) read_one();
    const std::string last_id = reader->last_event_id();
    ASSERT_EQ(last_id, std::to_string(next - 1));
    reader->Close();
    reader = Client(auditor_);
    ASSERT_EQ(reader->OpenStream("/api/v1/stream?from=0", {{"Last-Event-ID", last_id}}).status(),
              200u)
        << "Last-Event-ID wins over from";
    caught_up = 0;
    ++reconnects;
    while (next < total && !HasFailure()) read_one();
  }
  EXPECT_EQ(next, total) << "every position once, in order";
  EXPECT_EQ(Head(), total);
  EXPECT_EQ(reconnects, 1);
}

TEST_F(HttpStreamTest, AnAgreementsStreamGoesByVersionFromWhereItIsAsked) {
  Start();
  auto logger = Client(logger_);
  CommandBuilder other("other-agreement", 5000);
  MustLog(*logger, b_.Propose());
  MustLog(*logger, other.Propose());
  MustLog(*logger, b_.Visit());
  MustLog(*logger, other.Visit());
  MustLog(*logger, b_.Terms());
  MustLog(*logger, b_.Note("stored"));  // the MoU's versions 0 to 3

  auto reader = Client(auditor_);
  ASSERT_EQ(reader->OpenStream(kMouPath + "/stream?from=1").status(), 200u);
  for (uint64_t version = 1; version <= 3; ++version) {
    accord::v1::RecordedEvent recorded = Recorded(Next(*reader), version);
    EXPECT_EQ(recorded.record().stream_id(), kMou);
    EXPECT_EQ(recorded.record().stream_version(), version);
  }
  SseEvent caught_up = Next(*reader);
  EXPECT_EQ(caught_up.type, kCaughtUpEvent);
  EXPECT_EQ(Mark(caught_up), 4u);

  // Live: the other agreement's milestone is not in this stream.
  MustLog(*logger, other.Terms());
  MustLog(*logger, b_.Note("live"));
  accord::v1::RecordedEvent live = Recorded(Next(*reader), 4);
  EXPECT_EQ(live.record().stream_id(), kMou);
  EXPECT_TRUE(live.event().has_note_added());

  // Resumed after version 2, by its id.
  auto again = Client(auditor_);
  ASSERT_EQ(again->OpenStream(kMouPath + "/stream", {{"Last-Event-ID", "2"}}).status(), 200u);
  Recorded(Next(*again), 3);
  Recorded(Next(*again), 4);
  EXPECT_EQ(Mark(Next(*again)), 5u);

  // An agreement with nothing logged yet streams from its beginning once it is.
  auto waiting = Client(auditor_);
  ASSERT_EQ(waiting->OpenStream("/api/v1/agreements/not-yet/stream").status(), 200u);
  SseEvent nothing_yet = Next(*waiting);
  EXPECT_EQ(nothing_yet.type, kCaughtUpEvent);
  EXPECT_EQ(Mark(nothing_yet), 0u);
  MustLog(*logger, CommandBuilder("not-yet", 9000).Propose());
  EXPECT_TRUE(Recorded(Next(*waiting), 0).event().has_agreement_proposed());
}

TEST_F(HttpStreamTest, ATypesFilterSendsOnlyThoseTypesAndCheckpointsForWhatItSkips) {
  Start();
  auto logger = Client(logger_);
  MustLog(*logger, b_.Propose());                                      // 0
  for (int i = 0; i < 120; ++i) MustLog(*logger, b_.Note("skipped"));  // 1 to 120
  CommandBuilder second("second-agreement", 5000);
  MustLog(*logger, second.Propose());                                 // 121
  for (int i = 0; i < 10; ++i) MustLog(*logger, b_.Note("skipped"));  // 122 to 131

  auto reader = Client(auditor_);
  ASSERT_EQ(reader
                ->OpenStream("/api/v1/stream?types=accord.v1.AgreementProposed,"
                             "accord.v1.AgreementSigned&checkpoint_every=50")
                .status(),
            200u);
  std::vector<std::string> seen;  // "recorded 0", "checkpoint 51", ...
  for (;;) {
    SseEvent event = Next(*reader);
    if (HasFailure()) break;
    if (event.type == kRecordedEvent) {
      accord::v1::RecordedEvent recorded;
      ASSERT_TRUE(accord::testing::ParseJsonMessage(event.data, &recorded));
      EXPECT_EQ(recorded.record().event_type(), "accord.v1.AgreementProposed");
      seen.push_back("recorded " + *event.id);
    } else {
      seen.push_back(event.type + " " + std::to_string(Mark(event)));
      if (event.type == kCaughtUpEvent) break;
    }
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"recorded 0", "checkpoint 51", "checkpoint 101",
                                            "recorded 121", "caught-up 132"}));

  // Live: a skipped event is still reported, as how far the stream has read.
  MustLog(*logger, b_.Note("skipped live"));
  SseEvent checkpoint = Next(*reader);
  EXPECT_EQ(checkpoint.type, kCheckpointEvent);
  EXPECT_EQ(Mark(checkpoint), 133u);
  MustLog(*logger, CommandBuilder("third-agreement", 7000).Propose());
  Recorded(Next(*reader), 133);

  // `from` starts the stream there.
  auto later = Client(auditor_);
  ASSERT_EQ(later->OpenStream("/api/v1/stream?from=130").status(), 200u);
  Recorded(Next(*later), 130);
  Recorded(Next(*later), 131);
}

TEST_F(HttpStreamTest, AnIdleStreamIsKeptOpenWithComments) {
  HttpServerOptions options;
  options.keep_alive_interval = std::chrono::milliseconds(50);
  Start(options);
  auto reader = Client(auditor_);
  ASSERT_EQ(reader->OpenStream("/api/v1/stream").status(), 200u);
  EXPECT_EQ(Next(*reader).type, kCaughtUpEvent);
  ASSERT_EQ(reader->AwaitComment(std::chrono::seconds(10)), SseState::kEvent);
  EXPECT_EQ(reader->sse().comments().back(), " keep-alive");
  ASSERT_EQ(reader->AwaitComment(std::chrono::seconds(10)), SseState::kEvent);
  auto logger = Client(logger_);
  MustLog(*logger, b_.Propose());
  Recorded(Next(*reader), 0);
}

TEST_F(HttpStreamTest, AStalledStreamReaderIsDroppedWhileAppendsGoOn) {
  HttpServerOptions options;
  options.subscriber_buffer_bytes = 16 << 10;
  options.subscriber_stall_timeout = std::chrono::milliseconds(300);
  options.max_subscriber_lag = 1000000;  // only the stall rule applies here
  Start(options);

  // A reader with a small receive buffer that opens the stream and then
  // reads nothing.
  HttpClient::Options small;
  small.receive_buffer_bytes = 4096;
  auto stalled = Client(auditor_, small);
  ASSERT_EQ(stalled->OpenStream("/api/v1/stream").status(), 200u);

  // Meanwhile 20,000 events are appended, 200 at a time, each append
  // acknowledged: none waits for the reader.
  auto writer = Client(admin_);
  constexpr int kAppends = 100;
  constexpr int kPerAppend = 200;
  for (int i = 0; i < kAppends; ++i) {
    HttpReply reply = writer->Post("/api/v1/streams/bulk-" + std::to_string(i) + "/events",
                                   Append(100000 + i * kPerAppend, kPerAppend, 400));
    ASSERT_EQ(reply.status(), 201u) << reply.error << reply.body();
  }
  EXPECT_EQ(Head(), static_cast<uint64_t>(kAppends * kPerAppend));

  // The server gives up on it (its log says so), and closes the
  // connection: what the reader then reads ends without the stream's end.
  const std::string said = "it read nothing of its event stream for 300 ms";
  ASSERT_TRUE(accord::testing::Eventually([&] {
    return log_.text().find(said) != std::string::npos;
  })) << log_.text();
  uint64_t events = 0;
  SseEvent event;
  SseState state;
  while ((state = stalled->NextEvent(&event)) == SseState::kEvent) {
    if (event.type == kRecordedEvent) ++events;
  }
  EXPECT_EQ(state, SseState::kClosed) << "closed by the server, not ended";
  EXPECT_LT(events, static_cast<uint64_t>(kAppends * kPerAppend));

  // Others are served as before, streams too.
  auto reader = Client(auditor_);
  ASSERT_EQ(reader->OpenStream("/api/v1/stream?from=19999").status(), 200u);
  Recorded(Next(*reader), 19999);
  EXPECT_EQ(Next(*reader).type, kCaughtUpEvent);
}

TEST_F(HttpStreamTest, AReaderFallingTooFarBehindIsToldWhereToResume) {
  HttpServerOptions options;
  options.subscriber_buffer_bytes = 16 << 10;
  options.max_subscriber_lag = 100;
  Start(options);
  auto reader = Client(auditor_);
  ASSERT_EQ(reader->OpenStream("/api/v1/stream").status(), 200u);
  SseEvent caught_up = Next(*reader);
  ASSERT_EQ(caught_up.type, kCaughtUpEvent);
  EXPECT_EQ(Mark(caught_up), 0u);

  // Live, 500 events come at once: more than the lag allows.
  auto writer = Client(admin_);
  ASSERT_EQ(writer->Post("/api/v1/streams/bulk/events", Append(100000, 500)).status(), 201u);

  uint64_t next = 0;
  SseEvent event;
  while (reader->NextEvent(&event) == SseState::kEvent && event.type == kRecordedEvent) {
    Recorded(event, next++);
  }
  ASSERT_EQ(event.type, kDroppedEvent) << event.data;
  EXPECT_FALSE(event.id.has_value());
  accord::v1::StreamDropped dropped;
  ASSERT_TRUE(accord::testing::ParseJsonMessage(event.data, &dropped)) << event.data;
  EXPECT_EQ(dropped.resume_from(), next) << "resumes right after the last event it had";
  EXPECT_LT(next, 500u);
  EXPECT_NE(dropped.reason().find("fell behind"), std::string::npos) << dropped.reason();
  EXPECT_EQ(reader->NextEvent(&event), SseState::kEnded) << "the stream ends cleanly";

  // Resuming there, it reads on with nothing lost.
  auto resumed = Client(auditor_);
  ASSERT_EQ(
      resumed->OpenStream("/api/v1/stream?from=" + std::to_string(dropped.resume_from())).status(),
      200u);
  while (next < 500) {
    SseEvent more = Next(*resumed);
    if (HasFailure()) break;
    Recorded(more, next++);
  }
  EXPECT_EQ(Next(*resumed).type, kCaughtUpEvent);
}

}  // namespace
}  // namespace accord::net
