// Limits and slow clients: each breach is a typed error for that client
// alone; everyone else is served and appends go on.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <thread>

#include "accord/v1/events.pb.h"
#include "app/paging.h"
#include "core/limits.h"
#include "net/client.h"
#include "net/framing.h"
#include "net/server.h"
#include "tests/testing/builders.h"
#include "tests/testing/log_capture.h"
#include "tests/testing/raw_connection.h"
#include "tests/testing/temp_dir.h"

namespace accord::net {
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
    core::Status s = Client::Connect("127.0.0.1", server_->port(), "well-behaved", &client);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return client;
  }

  Response MustCall(Client& client, Request request) {
    Response response;
    core::Status s = client.Call(std::move(request), &response);
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
  ASSERT_EQ(h.health().doors_size(), 1);
  EXPECT_EQ(h.health().doors(0).door(), "tcp");
  EXPECT_EQ(h.health().doors(0).connections(), 1001u);
  EXPECT_EQ(h.health().doors(0).refused_connections(), 1u);
}

TEST_F(LimitsTest, AClientThatStopsReadingIsDroppedWithoutBlockingAppends) {
  ServerOptions options;
  options.max_queued_bytes = 256 << 10;
  options.slow_reader_timeout = std::chrono::milliseconds(300);
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
  accord::v1::Health health = Health();
  EXPECT_EQ(health.dropped_slow_readers(), 1u);
  ASSERT_EQ(health.doors_size(), 1);
  EXPECT_EQ(health.doors(0).dropped_slow_readers(), 1u) << "the TCP door's own";
  EXPECT_EQ(store_->Head().next_position, 1201u);
}

TEST_F(LimitsTest, AReadingClientWithALargeBacklogIsKept) {
  ServerOptions options;
  options.max_queued_bytes = 256 << 10;  // less than one answer
  Start(options);
  AppendNotes(1, 1000);  // each page of the log is ~400 KB
  auto client = Connect();
  constexpr int kReads = 40;  // ~16 MB of answers asked for before reading any
  for (int i = 0; i < kReads; ++i) {
    Request read_all;
    read_all.mutable_read_all()->set_max_count(1000);
    ASSERT_TRUE(client->Send(&read_all).ok());
  }
  for (int i = 0; i < kReads; ++i) {
    Response page;
    core::Status s = client->Receive(&page);
    ASSERT_TRUE(s.ok()) << "answer " << i << ": " << s.ToString();
    ASSERT_TRUE(page.has_page()) << page.DebugString().substr(0, 200);
    EXPECT_EQ(page.page().events_size(), 1000);
  }
  EXPECT_EQ(Health().dropped_slow_readers(), 0u);
}

// A proposal as large as the limits allow one to be (core/limits.h): a
// hundred parties, each described at length, about 900 KB encoded.
accord::v1::Command LargeProposal(const std::string& agreement_id, uint64_t n, int parties = 100,
                                  size_t description_chars = 9000) {
  CommandBuilder builder(agreement_id, n * 1000);
  accord::v1::Command command = builder.Propose();
  auto* proposed = command.mutable_milestone()->mutable_agreement_proposed();
  proposed->set_summary(std::string(10000, 's'));
  for (int i = 0; i < parties; ++i) {
    auto* party = proposed->add_parties();
    *party = accord::testing::MakeParty(fmt::format("member-{}", i), fmt::format("Member {}", i));
    party->set_description(std::string(description_chars, 'd'));
  }
  return command;
}

TEST_F(LimitsTest, ACommandOverALimitIsRefusedNamingTheFieldAndNothingIsWritten) {
  Start(ServerOptions{});
  auto client = Connect();
  accord::v1::Command huge = b_.Propose();
  huge.mutable_milestone()->mutable_agreement_proposed()->set_title(std::string(3500000, 't'));
  Request log;
  *log.mutable_log_milestone() = huge;
  Response refused = MustCall(*client, log);
  EXPECT_EQ(refused.error().code(), accord::v1::INVALID_ARGUMENT);
  EXPECT_EQ(refused.error().message(),
            "milestone.agreement_proposed.title is 3500000 characters, over the limit of 500");

  Request parties;
  *parties.mutable_log_milestone() = LargeProposal("many-parties", 1, 10000, 10);
  refused = MustCall(*client, parties);
  EXPECT_EQ(refused.error().code(), accord::v1::INVALID_ARGUMENT);
  EXPECT_EQ(refused.error().message(),
            "milestone.agreement_proposed.parties has 10002 elements, over the limit of 1000");

  // Raw appends are held to the same limits.
  Request append;
  append.mutable_append_events()->set_stream_id("notes");
  *append.mutable_append_events()->add_events() = accord::testing::NoteEvent(1);
  *append.mutable_append_events()->add_events() =
      accord::testing::NoteEvent(2, std::string(10001, 'n'));
  refused = MustCall(*client, append);
  EXPECT_EQ(refused.error().code(), accord::v1::INVALID_ARGUMENT);
  EXPECT_EQ(refused.error().message(),
            fmt::format("append_events.events[1] ({}): milestone.note_added.text is 10001 "
                        "characters, over the limit of 10000",
                        accord::testing::Uuid(2)));
  EXPECT_EQ(store_->Head().next_position, 0u) << "nothing was written";
  Request health;
  health.mutable_get_health();
  EXPECT_TRUE(MustCall(*client, health).has_health()) << "the connection stays open";
}

// Five agreements as large as the limits allow: every listing, log read
// and report over them works for another user, in pages cut by bytes.
TEST_F(LimitsTest, LargeAgreementsAreListedReadAndReportedInPagesCutByBytes) {
  ServerOptions options;
  options.max_queued_bytes = 2 << 20;
  Start(options);
  {
    auto logger = Connect();
    for (uint64_t i = 1; i <= 5; ++i) {
      Request log;
      *log.mutable_log_milestone() = LargeProposal(fmt::format("large-{}", i), i);
      ASSERT_GT(log.log_milestone().ByteSizeLong(), 900000u);
      ASSERT_TRUE(core::ValidateCommandLimits(log.log_milestone()).ok());
      ASSERT_TRUE(MustCall(*logger, log).has_logged());
    }
  }
  auto reader = Connect();
  const size_t most = options.page_bytes + app::kResponseEnvelopeBytes;

  std::vector<std::string> listed;
  int pages = 0;
  std::string after;
  for (bool end = false; !end; ++pages) {
    Request list;
    list.mutable_list_agreements()->set_after(after);
    Response page = MustCall(*reader, list);
    ASSERT_TRUE(page.has_agreements()) << page.DebugString().substr(0, 300);
    EXPECT_LE(page.ByteSizeLong(), most);
    ASSERT_GT(page.agreements().agreements_size(), 0);
    for (const auto& a : page.agreements().agreements()) {
      EXPECT_FALSE(a.abridged());
      EXPECT_EQ(a.parties_size(), 102);
      listed.push_back(a.agreement_id());
    }
    after = page.agreements().next_after();
    end = page.agreements().end_of_data();
  }
  EXPECT_EQ(listed,
            (std::vector<std::string>{"large-1", "large-2", "large-3", "large-4", "large-5"}));
  EXPECT_GE(pages, 5) << "each ~900 KB summary is a page of its own";

  uint64_t next = 0;
  int read = 0;
  for (bool end = false; !end;) {
    Request read_all;
    read_all.mutable_read_all()->set_from_position(next);
    Response page = MustCall(*reader, read_all);
    ASSERT_TRUE(page.has_page()) << page.DebugString().substr(0, 300);
    EXPECT_LE(page.ByteSizeLong(), most);
    read += page.page().events_size();
    next = page.page().next();
    end = page.page().end_of_data();
  }
  EXPECT_EQ(read, 5);

  // The report's replay: a subscription from 0 until it catches up.
  Request subscribe;
  subscribe.mutable_subscribe()->set_from(0);
  ASSERT_TRUE(reader->Send(&subscribe).ok());
  int replayed = 0;
  for (;;) {
    Response message;
    core::Status s = reader->Receive(&message);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_TRUE(message.has_subscription()) << message.DebugString().substr(0, 300);
    if (message.subscription().has_caught_up()) break;
    replayed += message.subscription().has_event() ? 1 : 0;
  }
  EXPECT_EQ(replayed, 5);
  EXPECT_EQ(Health().dropped_slow_readers(), 0u);
}

TEST_F(LimitsTest, AnAnswerTooLargeForAFrameIsATypedErrorAndAListingAbridgesIt) {
  ServerOptions options;
  options.max_frame_bytes = 600 << 10;
  Start(options);
  auto client = Connect();
  // Each milestone fits in a frame; the agreement's summary and timeline,
  // holding both, do not.
  Request propose;
  *propose.mutable_log_milestone() = LargeProposal(accord::testing::kMou, 1, 45);
  ASSERT_TRUE(MustCall(*client, propose).has_logged());
  Request terms;
  *terms.mutable_log_milestone() = b_.Terms();
  auto* commitments = terms.mutable_log_milestone()->mutable_milestone()->mutable_terms_agreed();
  for (int i = 0; i < 45; ++i) {
    auto* c = commitments->add_commitments();
    c->set_id(fmt::format("commitment-{}", i));
    c->set_description(std::string(9000, 'c'));
  }
  Response logged = MustCall(*client, terms);
  ASSERT_TRUE(logged.has_logged()) << logged.DebugString().substr(0, 300);

  Request timeline;
  timeline.mutable_get_timeline()->set_agreement_id(accord::testing::kMou);
  Response too_large = MustCall(*client, timeline);
  EXPECT_EQ(too_large.error().code(), accord::v1::RESPONSE_TOO_LARGE);
  EXPECT_NE(too_large.error().message().find("over the frame limit of 614400"), std::string::npos)
      << too_large.error().message();
  Request get;
  get.mutable_get_agreement()->set_agreement_id(accord::testing::kMou);
  EXPECT_EQ(MustCall(*client, get).error().code(), accord::v1::RESPONSE_TOO_LARGE);

  Request list;
  list.mutable_list_agreements();
  Response listed = MustCall(*client, list);
  ASSERT_EQ(listed.agreements().agreements_size(), 1) << listed.DebugString().substr(0, 300);
  EXPECT_TRUE(listed.agreements().agreements(0).abridged());
  EXPECT_EQ(listed.agreements().agreements(0).stage(), accord::v1::AGREED);
  EXPECT_TRUE(listed.agreements().end_of_data());
  Request health;
  health.mutable_get_health();
  EXPECT_TRUE(MustCall(*client, health).has_health()) << "the connection stays open";
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
  EXPECT_EQ(Health().doors(0).dropped_idle(), 1u);

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
}  // namespace accord::net
