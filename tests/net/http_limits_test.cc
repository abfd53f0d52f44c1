// The HTTP door's limits, malformed input and graceful stop, through a real
// HTTP client: each breach costs only the client that makes it, and every
// wait is on an event (the server closing a socket, work arriving at the
// store pool), never on a sleep.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "accord/v1/http.pb.h"
#include "net/http_routes.h"
#include "tests/testing/fault_fs.h"
#include "tests/testing/http_door.h"

namespace accord::net {
namespace {

using accord::testing::HttpReply;
using accord::testing::kMouPath;
using accord::testing::SseEvent;
using accord::testing::SseState;

constexpr std::chrono::seconds kPatience{10};

class HttpLimitsTest : public accord::testing::HttpDoorTest {
 protected:
  // A request's head as raw text, with the admin's token.
  std::string RawHead(std::string_view request_line, std::string_view more_headers = "") const {
    return fmt::format("{}\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\n{}\r\n", request_line,
                       admin_, more_headers);
  }

  // Asks /readyz until it says ready (the projections catch up on the store
  // pool after each commit); false if it never does.
  static bool AwaitReady(accord::testing::HttpClient& client) {
    return accord::testing::Eventually([&] { return client.Get("/readyz").status() == 200; });
  }

  SseEvent event_;
  // A store's file system that fails on demand (TearDown closes the store
  // before these go).
  std::shared_ptr<accord::testing::FaultInjectingFs> fs_;
  std::unique_ptr<rocksdb::Env> env_;
};

TEST_F(HttpLimitsTest, AMalformedRequestIs400AndClosesThatConnectionOnly) {
  Start();
  auto good = Client();
  ASSERT_EQ(good->Get("/healthz").status(), 200u);  // a kept-alive connection
  for (const std::string& garbage :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET /api/v1/health HTTP/9.9\r\n\r\n"),
        RawHead("GET /api/v1/health HTTP/1.1", "Content-Length: twelve\r\n"),
        std::string("GET /api/v1/health HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n")}) {
    SCOPED_TRACE(garbage);
    auto bad = Client();
    ASSERT_TRUE(bad->SendRaw(garbage));
    HttpReply reply = bad->Receive();
    EXPECT_EQ(ExpectProblem(reply, 400).code(), "MALFORMED_FRAME");
    EXPECT_FALSE(reply.response.keep_alive());
    EXPECT_TRUE(bad->WaitForClose(kPatience)) << "the server closed it";
  }
  EXPECT_EQ(good->Get("/api/v1/health").status(), 200u) << "others unaffected";
  EXPECT_EQ(Head(), 0u);
}

TEST_F(HttpLimitsTest, HeadersOverTheLimitAre431AndClose) {
  HttpServerOptions options;
  options.max_header_bytes = 2048;
  Start(options);
  auto client = Client();
  EXPECT_EQ(client->Get("/api/v1/health", {{"X-Padding", std::string(1024, 'p')}}).status(), 200u);
  HttpReply reply = client->Get("/api/v1/health", {{"X-Padding", std::string(4096, 'p')}});
  EXPECT_NE(ExpectProblem(reply, 431).detail().find("2048"), std::string::npos);
  EXPECT_TRUE(client->WaitForClose(kPatience));
  EXPECT_EQ(Client()->Get("/api/v1/health").status(), 200u);
}

TEST_F(HttpLimitsTest, ABodyOverTheLimitIs413RefusedFromItsContentLengthBeforeItIsRead) {
  HttpServerOptions options;
  options.max_body_bytes = 64 << 10;
  Start(options);
  // Only the head is sent: the answer comes from Content-Length alone.
  auto client = Client();
  ASSERT_TRUE(client->SendRaw(RawHead("POST /api/v1/agreements HTTP/1.1",
                                      "Content-Type: application/json\r\n"
                                      "Content-Length: 10000000\r\n")));
  HttpReply reply = client->Receive();
  accord::v1::Problem problem = ExpectProblem(reply, 413);
  EXPECT_EQ(problem.code(), "FRAME_TOO_LARGE");
  EXPECT_NE(problem.detail().find("65536"), std::string::npos) << problem.detail();
  EXPECT_TRUE(client->WaitForClose(kPatience));

  // So does a client that waits to be told it may send its body.
  auto polite = Client();
  ASSERT_TRUE(polite->SendRaw(RawHead("POST /api/v1/agreements HTTP/1.1",
                                      "Content-Type: application/json\r\n"
                                      "Expect: 100-continue\r\n"
                                      "Content-Length: 10000000\r\n")));
  EXPECT_EQ(polite->Receive().status(), 413u) << "no 100 Continue for a body it will not take";
  EXPECT_EQ(Head(), 0u);

  // A body within the limit is taken.
  accord::v1::Command proposal = b_.Propose();
  for (auto& party :
       *proposal.mutable_milestone()->mutable_agreement_proposed()->mutable_parties()) {
    party.set_description(std::string(9000, 'd'));
  }
  *proposal.mutable_milestone()->mutable_agreement_proposed()->add_parties() =
      accord::testing::MakeParty("esa", std::string(400, 'n'));
  const std::string body = Json(proposal);
  ASSERT_GT(body.size(), 18000u);
  ASSERT_LT(body.size(), 64u << 10);
  HttpReply taken = Client()->Post("/api/v1/agreements", body);
  EXPECT_EQ(taken.status(), 201u) << taken.body();
}

TEST_F(HttpLimitsTest, ExpectContinueIsAnsweredBeforeTheBodyIsSent) {
  Start();
  auto client = Client();
  const std::string body = Json(b_.Propose());
  ASSERT_TRUE(client->SendRaw(RawHead(
      "POST /api/v1/agreements HTTP/1.1",
      fmt::format(
          "Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: {}\r\n",
          body.size()))));
  HttpReply go_on = client->Receive();
  ASSERT_EQ(go_on.status(), 100u) << go_on.error;
  EXPECT_EQ(Head(), 0u);
  ASSERT_TRUE(client->SendRaw(body));
  HttpReply created = client->Receive();
  EXPECT_EQ(created.status(), 201u) << created.error << created.body();
  EXPECT_EQ(Head(), 1u);
}

TEST_F(HttpLimitsTest, ASlowLorisIsClosedAfterTheRequestTimeoutWhileOthersAreServed) {
  HttpServerOptions options;
  options.request_timeout = std::chrono::milliseconds(300);
  options.network_threads = 1;
  Start(options);
  // Headers a byte at a time, never more than a moment apart: only the
  // deadline on the whole request stops it.
  const std::string head =
      RawHead("GET /api/v1/health HTTP/1.1", "X-Slow: " + std::string(1000, 's') + "\r\n");
  size_t sent = 0;
  std::jthread loris([&] {
    auto slow = Client();
    sent = slow->SendByteByByte(head, std::chrono::milliseconds(20));
  });
  auto client = Client();
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(client->Get("/api/v1/health").status(), 200u) << "served while the loris holds on";
  }
  loris.join();
  EXPECT_LT(sent, head.size()) << "closed before its headers were whole";
  EXPECT_GT(sent, 0u);
  EXPECT_EQ(client->Get("/api/v1/health").status(), 200u);
}

TEST_F(HttpLimitsTest, AnIdleConnectionIsClosedButOneAwaitingAnAnswerOrAStreamIsNot) {
  HttpServerOptions options;
  options.idle_timeout = std::chrono::milliseconds(200);
  Start(options);
  auto logger = Client(logger_);
  MustLog(*logger, b_.Propose());
  EXPECT_TRUE(logger->WaitForClose(kPatience)) << "closed once idle";

  // A connection waiting for a slow answer, and a stream, are not idle.
  auto reader = Client(auditor_);
  ASSERT_EQ(reader->OpenStream("/api/v1/stream").status(), 200u);
  ASSERT_EQ(reader->NextEvent(&event_), SseState::kEvent);
  ASSERT_EQ(reader->NextEvent(&event_), SseState::kEvent);
  EXPECT_EQ(event_.type, kCaughtUpEvent);
  pool_.Hold();
  auto waiting = Client();
  ASSERT_TRUE(waiting->Send(waiting->MakeRequest(http::verb::get, kMouPath)));
  ASSERT_TRUE(pool_.AwaitHeld(1));
  // Another connection's idle close is the clock: it went idle after these
  // began waiting.
  auto clock = Client();
  ASSERT_EQ(clock->Get("/healthz").status(), 200u);
  EXPECT_TRUE(clock->WaitForClose(kPatience));
  pool_.Release();
  EXPECT_EQ(waiting->Receive().status(), 200u);
  MustLog(*Client(logger_), b_.Visit());
  ASSERT_EQ(reader->NextEvent(&event_), SseState::kEvent);
  EXPECT_EQ(event_.id, "1");
}

TEST_F(HttpLimitsTest, AHundredPipelinedRequestsAreAnsweredInOrderEachOnce) {
  Start();
  auto client = Client();
  accord::v1::AppendEvents append;
  for (uint64_t id = 1; id <= 100; ++id) *append.add_events() = accord::testing::NoteEvent(id);
  ASSERT_EQ(client->Post("/api/v1/streams/notes/events", Json(append)).status(), 201u);
  constexpr int kRequests = 100;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(
        client->Send(client->MakeRequest(http::verb::get, "/api/v1/log/" + std::to_string(i))));
  }
  ASSERT_TRUE(client->Send(
      client->MakeRequest(http::verb::get, "/healthz", "", {{"Connection", "close"}})));
  for (int i = 0; i < kRequests; ++i) {
    HttpReply reply = client->Receive();
    ASSERT_EQ(reply.status(), 200u) << i << ": " << reply.error << reply.body();
    accord::v1::RecordedEvent event;
    ASSERT_TRUE(reply.Parse(&event));
    EXPECT_EQ(event.record().position(), static_cast<uint64_t>(i)) << "in the order asked";
  }
  HttpReply last = client->Receive();
  EXPECT_EQ(last.status(), 200u);
  EXPECT_EQ(last.body(), "ok\n");
  EXPECT_TRUE(client->WaitForClose(kPatience));
  EXPECT_EQ(client->discarded(), 0u) << "nothing answered twice";
}

TEST_F(HttpLimitsTest, RequestsBeyondTheInFlightLimitWaitTheirTurnAndAreAllAnswered) {
  HttpServerOptions options;
  options.max_in_flight = 2;
  Start(options);
  auto client = Client();
  MustLog(*client, b_.Propose());
  pool_.Hold();
  constexpr int kRequests = 6;
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(client->Send(client->MakeRequest(http::verb::get, kMouPath)));
  }
  for (int i = 0; i < kRequests; ++i) {
    ASSERT_TRUE(pool_.AwaitHeld(1));
    EXPECT_LE(pool_.most_held(), 2u) << "no more than two begun at once";
    ASSERT_TRUE(pool_.ReleaseOne());
    HttpReply reply = client->Receive();
    EXPECT_EQ(reply.status(), 200u) << i << ": " << reply.error << reply.body();
  }
  EXPECT_EQ(pool_.most_held(), 2u);
}

TEST_F(HttpLimitsTest, AClientThatStopsReadingItsAnswersIsDroppedWhileOthersAreServed) {
  HttpServerOptions options;
  options.slow_reader_timeout = std::chrono::milliseconds(300);
  Start(options);
  auto writer = Client();
  for (uint64_t batch = 0; batch < 2; ++batch) {  // pages of the log of ~700 KB
    accord::v1::AppendEvents append;
    for (uint64_t id = 1; id <= 500; ++id) {
      *append.add_events() = accord::testing::NoteEvent(batch * 1000 + id);
    }
    ASSERT_EQ(writer->Post("/api/v1/streams/notes/events", Json(append)).status(), 201u);
  }
  // Twenty pages asked for, none read, into a small receive buffer.
  accord::testing::HttpClient::Options small;
  small.receive_buffer_bytes = 4096;
  auto slow = Client(admin_, small);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(slow->Send(slow->MakeRequest(http::verb::get, "/api/v1/log?limit=1000")));
  }
  const std::string said = "it read nothing of an answer for 300 ms";
  auto reader = Client(auditor_);
  ASSERT_TRUE(reader->Connect());
  const uint16_t reader_port = reader->local_port();
  EXPECT_TRUE(accord::testing::Eventually([&] {
    HttpReply served = reader->Get("/api/v1/log/999");
    EXPECT_EQ(served.status(), 200u)
        << "others are served meanwhile: " << served.error << "; the reader is port " << reader_port
        << "; slow " << slow->local_port();
    return served.status() != 200 || log_.text().find(said) != std::string::npos;
  })) << log_.text();
  ASSERT_FALSE(HasFailure());
  EXPECT_TRUE(slow->WaitForClose(kPatience));
  accord::v1::AppendEvents append;
  *append.add_events() = accord::testing::NoteEvent(5000);
  EXPECT_EQ(writer->Post("/api/v1/streams/notes/events", Json(append)).status(), 201u);
}

TEST_F(HttpLimitsTest, ConnectionsOverTheLimitAre429AndClosed) {
  HttpServerOptions options;
  options.max_connections = 2;
  Start(options);
  auto first = Client();
  auto second = Client();
  ASSERT_EQ(first->Get("/healthz").status(), 200u);
  ASSERT_EQ(second->Get("/healthz").status(), 200u);
  auto third = Client();
  HttpReply refused = third->Get("/healthz");
  EXPECT_EQ(ExpectProblem(refused, 429).code(), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(refused.Header(http::field::retry_after), "1");
  EXPECT_TRUE(third->WaitForClose(kPatience));
  EXPECT_EQ(first->Get("/api/v1/health").status(), 200u) << "those admitted are served";

  // Once one goes, another is admitted (when the server has seen it go).
  first->Close();
  EXPECT_TRUE(
      accord::testing::Eventually([&] { return Client()->Get("/healthz").status() == 200; }));
}

TEST_F(HttpLimitsTest, AFailingDiskIs503WithRetryAfterWhileReadsGoOn) {
  fs_ = std::make_shared<accord::testing::FaultInjectingFs>();
  env_ = rocksdb::NewCompositeEnv(fs_);
  store::StoreOptions store_options;
  store_options.env = env_.get();
  Start({}, store_options);
  auto client = Client(logger_);
  MustLog(*client, b_.Propose());
  // The agreement index has caught up: it writes nothing while the disk fails.
  ASSERT_TRUE(AwaitReady(*client));

  fs_->fail_wal_appends = true;
  accord::v1::Command visit = b_.Visit();
  HttpReply refused = client->Post(kMouPath + "/milestones", Json(visit));
  EXPECT_EQ(ExpectProblem(refused, 503).code(), "IO_ERROR");
  EXPECT_EQ(refused.Header(http::field::retry_after), "1");
  HttpReply ready = client->Get("/readyz");
  EXPECT_EQ(ready.status(), 503u) << ready.body();
  accord::v1::Readiness readiness;
  ASSERT_TRUE(ready.Parse(&readiness)) << ready.body();
  EXPECT_FALSE(readiness.ready());
  EXPECT_TRUE(std::any_of(
      readiness.not_ready().begin(), readiness.not_ready().end(),
      [](const std::string& why) { return why.rfind("appends are refused: IOError", 0) == 0; }))
      << ready.body();
  HttpReply read = client->Get(kMouPath);
  EXPECT_EQ(read.status(), 200u) << "reads go on: " << read.body();

  fs_->fail_wal_appends = false;
  ASSERT_TRUE(store_->AwaitWritable(kPatience));
  HttpReply retried = client->Post(kMouPath + "/milestones", Json(visit));
  EXPECT_TRUE(retried.status() == 201u || retried.status() == 200u) << retried.body();
  EXPECT_EQ(Head(), 2u) << "the retry lands once";
  EXPECT_TRUE(AwaitReady(*client)) << "once the agreement index has caught up with the retry";
}

TEST_F(HttpLimitsTest, StopAnswersWhatWasBegunEndsStreamsAndRefusesTheRestWith503) {
  HttpServerOptions options;
  options.max_in_flight = 2;
  Start(options);
  auto logger = Client(logger_);
  MustLog(*logger, b_.Propose());

  auto reader = Client(auditor_);
  ASSERT_EQ(reader->OpenStream("/api/v1/stream").status(), 200u);
  ASSERT_EQ(reader->NextEvent(&event_), SseState::kEvent);
  ASSERT_EQ(reader->NextEvent(&event_), SseState::kEvent);
  ASSERT_EQ(event_.type, kCaughtUpEvent);
  auto idle = Client();
  ASSERT_EQ(idle->Get("/healthz").status(), 200u);

  // Two requests begun (a milestone and a verify, held at the store pool),
  // and a third that the in-flight limit keeps unread.
  pool_.Hold();
  auto admin = Client();
  ASSERT_TRUE(admin->Send(
      admin->MakeRequest(http::verb::post, kMouPath + "/milestones", Json(b_.Visit()))));
  ASSERT_TRUE(admin->Send(admin->MakeRequest(http::verb::post, "/api/v1/verify")));
  ASSERT_TRUE(admin->Send(
      admin->MakeRequest(http::verb::post, kMouPath + "/milestones", Json(b_.Terms()))));
  ASSERT_TRUE(pool_.AwaitHeld(2));

  std::jthread stopping([this] { http_->Stop(); });
  EXPECT_TRUE(idle->WaitForClose(kPatience)) << "an idle connection is closed at once";
  EXPECT_EQ(reader->NextEvent(&event_), SseState::kEnded) << "the stream ends cleanly";
  pool_.Release();
  HttpReply logged = admin->Receive();
  EXPECT_EQ(logged.status(), 201u) << logged.error << logged.body();
  HttpReply verified = admin->Receive();
  EXPECT_EQ(verified.status(), 200u) << verified.error << verified.body();
  HttpReply refused = admin->Receive();
  EXPECT_EQ(ExpectProblem(refused, 503).code(), "SHUTTING_DOWN");
  EXPECT_FALSE(refused.response.keep_alive());
  EXPECT_TRUE(admin->WaitForClose(kPatience));
  stopping.join();
  EXPECT_EQ(Head(), 2u) << "what was begun is written, the rest is not";
}

TEST_F(HttpLimitsTest, StopEndsAStreamWithTheChunkedTerminatorEvenOneReadingTheLog) {
  Start();
  auto reader = Client(auditor_);
  ASSERT_EQ(reader->OpenStream("/api/v1/stream").status(), 200u);
  ASSERT_EQ(reader->NextEvent(&event_), SseState::kEvent);
  ASSERT_EQ(event_.type, kCaughtUpEvent);
  auto idle = Client();
  ASSERT_EQ(idle->Get("/healthz").status(), 200u);

  // The log grows: the stream's read of it waits at the store pool (with
  // the agreement index's catch-up) when Stop comes.
  pool_.Hold();
  accord::v1::AppendEvents append;
  *append.add_events() = accord::testing::NoteEvent(1);
  ASSERT_EQ(Client()->Post("/api/v1/streams/notes/events", Json(append)).status(), 201u);
  ASSERT_TRUE(pool_.AwaitHeld(2));
  std::jthread stopping([this] { http_->Stop(); });
  EXPECT_TRUE(idle->WaitForClose(kPatience)) << "Stop has begun";
  pool_.Release();
  ASSERT_EQ(reader->NextEvent(&event_), SseState::kEvent);
  EXPECT_EQ(event_.id, "0");
  EXPECT_EQ(reader->NextEvent(&event_, kPatience), SseState::kEnded)
      << "ended by the server with the chunked terminator, not cut off";
}

}  // namespace
}  // namespace accord::net
