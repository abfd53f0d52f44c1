// Limits and slow clients: each breach is a typed error for that client
// alone; everyone else is served and appends go on.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <thread>

#include "accord/v1/events.pb.h"
#include "service/client.h"
#include "service/framing.h"
#include "service/server.h"
#include "tests/testing/builders.h"
#include "tests/testing/log_capture.h"
#include "tests/testing/raw_connection.h"
#include "tests/testing/temp_dir.h"

namespace accord::service {
namespace {

using accord::testing::CommandBuilder;
using accord::testing::RawConnection;
using accord::v1::Request;
using accord::v1::Response;

class LimitsTest : public ::testing::Test {
 protected:
  void Start(ServerOptions options) {
    ASSERT_TRUE(store::EventStore::Open({}, dir_.path(), &store_).ok());
    options.port = 0;
    server_ = std::make_unique<Server>(store_.get(), options);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  std::unique_ptr<Client> Connect() {
    std::unique_ptr<Client> client;
    store::Status s = Client::Connect("127.0.0.1", server_->port(), "well-behaved", &client);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return client;
  }

  Response MustCall(Client& client, Request request) {
    Response response;
    store::Status s = client.Call(std::move(request), &response);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return response;
  }

  accord::v1::Health Health() {
    auto client = Connect();
    Request request;
    request.mutable_get_health();
    return MustCall(*client, request).health();
  }

  // Appends `count` events that decode (the server's index reads them).
  void AppendNotes(uint64_t first, uint64_t count) {
    for (uint64_t i = first; i < first + count; ++i) {
      store::AppendResult result;
      ASSERT_TRUE(store_
                      ->Append("notes", store::ExpectedVersion::Any(),
                               {accord::testing::NoteEvent(i)}, &result)
                      .ok());
    }
  }

  accord::testing::LogCapture log_;  // first: it outlives the server
  accord::testing::TempDir dir_;
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<Server> server_;
  CommandBuilder b_{accord::testing::kMou, 1000000};  // ids apart from AppendNotes'
};

TEST_F(LimitsTest, AThousandConnectionsAreHeldAndAWellBehavedClientIsStillServed) {
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  if (files.rlim_cur < 4096 && files.rlim_max >= 4096) {
    files.rlim_cur = 4096;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  ASSERT_GE(files.rlim_cur, 2100u) << "needs file descriptors for both ends of 1,000 connections";
  ServerOptions options;
  options.max_connections = 1001;
  Start(options);

  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 1000; ++i) {
    held.push_back(std::make_unique<RawConnection>(server_->port()));
    ASSERT_TRUE(held.back()->connected()) << i;
    ASSERT_TRUE(held.back()->Hello()) << i;
  }
  for (auto& connection : held) {
    Response hello;
    ASSERT_TRUE(connection->Receive(&hello));
    ASSERT_TRUE(hello.has_hello());
  }

  auto client = Connect();  // the 1,001st
  ASSERT_NE(client, nullptr);
  Request log;
  *log.mutable_log_milestone() = b_.Propose();
  EXPECT_TRUE(MustCall(*client, log).has_logged());
  Request read;
  read.mutable_get_agreement()->set_agreement_id(accord::testing::kMou);
  EXPECT_TRUE(MustCall(*client, read).has_agreement());

  // The 1,002nd is over the limit: told so, and closed.
  RawConnection over(server_->port());
  ASSERT_TRUE(over.connected());
  Response refused;
  ASSERT_TRUE(over.Receive(&refused));
  EXPECT_EQ(refused.error().code(), accord::v1::RESOURCE_EXHAUSTED);
  EXPECT_FALSE(over.Receive(&refused)) << "closed after the error";
  EXPECT_NE(log_.text().find("refused 1 connection (the last from 127.0.0.1:"), std::string::npos)
      << log_.text();

  Request health;
  health.mutable_get_health();
  Response h = MustCall(*client, health);
  EXPECT_EQ(h.health().connections(), 1001u);
  EXPECT_EQ(h.health().refused_connections(), 1u);
}

TEST_F(LimitsTest, AClientThatStopsReadingIsDroppedWithoutBlockingAppends) {
  ServerOptions options;
  options.max_queued_bytes = 256 << 10;
  Start(options);
  AppendNotes(1, 1000);  // each page of the log is ~400 KB
  RawConnection slow(server_->port());
  ASSERT_TRUE(slow.Hello());
  for (uint64_t i = 0; i < 100; ++i) {
    Request read_all;
    read_all.set_request_id(10 + i);
    read_all.mutable_read_all()->set_max_count(1000);
    if (!slow.Send(read_all)) break;  // already dropped
  }
  // Appends and a well-behaved client go on meanwhile.
  AppendNotes(1001, 200);
  auto client = Connect();
  Request log;
  *log.mutable_log_milestone() = b_.Propose();
  Response logged = MustCall(*client, log);
  EXPECT_TRUE(logged.has_logged()) << logged.DebugString();
  for (int i = 0; i < 200 && Health().dropped_slow_readers() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(Health().dropped_slow_readers(), 1u);
  EXPECT_EQ(store_->Head().next_position, 1201u);
}

TEST_F(LimitsTest, RequestsBeyondTheInFlightLimitAreRefusedOneByOne) {
  ServerOptions options;
  options.max_in_flight = 2;
  options.store_threads = 1;
  Start(options);
  AppendNotes(1, 2000);  // so that each verify takes a while
  auto client = Connect();
  std::set<uint64_t> sent;
  for (int i = 0; i < 40; ++i) {
    Request verify;
    verify.mutable_verify_log();
    uint64_t id = 0;
    ASSERT_TRUE(client->Send(&verify, &id).ok());
    sent.insert(id);
  }
  int verified = 0;
  int refused = 0;
  for (size_t i = 0; i < sent.size(); ++i) {
    Response response;
    ASSERT_TRUE(client->Receive(&response).ok());
    EXPECT_EQ(sent.count(response.request_id()), 1u);
    if (response.has_verified()) ++verified;
    if (response.has_error()) {
      EXPECT_EQ(response.error().code(), accord::v1::RESOURCE_EXHAUSTED);
      ++refused;
    }
  }
  EXPECT_EQ(verified + refused, 40);
  EXPECT_GE(verified, 2);
  EXPECT_GT(refused, 0);
  Request health;
  health.mutable_get_health();
  EXPECT_TRUE(MustCall(*client, health).has_health()) << "the connection stays open";
}

TEST_F(LimitsTest, AnIdleConnectionIsToldAndClosedButASubscriberIsNot) {
  ServerOptions options;
  options.idle_timeout = std::chrono::milliseconds(200);
  Start(options);
  auto idle = Connect();
  auto subscriber = Connect();
  Request subscribe;
  subscribe.mutable_subscribe();
  ASSERT_TRUE(subscriber->Send(&subscribe).ok());
  Response caught_up;
  ASSERT_TRUE(subscriber->Receive(&caught_up).ok());
  EXPECT_TRUE(caught_up.subscription().has_caught_up());

  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  Response told;
  ASSERT_TRUE(idle->Receive(&told).ok());
  EXPECT_EQ(told.error().code(), accord::v1::IDLE_TIMEOUT);
  EXPECT_FALSE(idle->Receive(&told).ok()) << "closed after telling";

  AppendNotes(1, 1);
  Response event;
  ASSERT_TRUE(subscriber->Receive(&event).ok());
  EXPECT_TRUE(event.subscription().has_event()) << "the subscriber was kept";
}

// A request padded to `bytes` with a field this server does not know (and
// so ignores): a big frame no field limit applies to.
Request Padded(Request request, size_t bytes) {
  request.GetReflection()->MutableUnknownFields(&request)->AddLengthDelimited(
      1000, std::string(bytes, 'p'));
  return request;
}

TEST_F(LimitsTest, BeforeTheHelloOnlyASmallFrameIsRead) {
  Start(ServerOptions{});
  RawConnection stranger(server_->port());
  ASSERT_TRUE(stranger.SendLengthPrefix(kMaxFrameBytesBeforeHello + 1));
  Response refused;
  ASSERT_TRUE(stranger.Receive(&refused));
  EXPECT_EQ(refused.error().code(), accord::v1::FRAME_TOO_LARGE);
  EXPECT_EQ(refused.error().message(),
            "a frame of 65537 bytes is over the limit of 65536 before the hello");
  EXPECT_FALSE(stranger.Receive(&refused)) << "closed after the error";

  // A hello just under the limit is read and answered.
  RawConnection greeter(server_->port());
  Request hello;
  hello.set_request_id(1);
  hello.mutable_hello()->set_protocol_version(kProtocolVersion);
  ASSERT_TRUE(greeter.Send(Padded(hello, kMaxFrameBytesBeforeHello - 100)));
  Response accepted;
  ASSERT_TRUE(greeter.Receive(&accepted));
  EXPECT_TRUE(accepted.has_hello()) << accepted.ShortDebugString();
}

TEST_F(LimitsTest, AfterTheHelloAFrameUpToTheLimitArrivingInPiecesIsRead) {
  Start(ServerOptions{});
  RawConnection client(server_->port());
  ASSERT_TRUE(client.Hello());
  Response hello;
  ASSERT_TRUE(client.Receive(&hello));
  Request health;
  health.set_request_id(2);
  health.mutable_get_health();
  std::string frame = EncodeFrame(Padded(health, (4 << 20) - 100));
  ASSERT_LE(frame.size(), kFrameHeaderBytes + (4 << 20));
  for (size_t at = 0; at < frame.size(); at += 100000) {
    ASSERT_TRUE(client.SendBytes(frame.substr(at, 100000)));
  }
  Response answered;
  ASSERT_TRUE(client.Receive(&answered));
  EXPECT_EQ(answered.request_id(), 2u);
  EXPECT_TRUE(answered.has_health()) << answered.ShortDebugString();
}

}  // namespace
}  // namespace accord::service
