// Subscriptions over real loopback TCP: catch-up then live, filters and
// checkpoints, stream subscriptions, and a slow subscriber dropped.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <map>
#include <thread>

#include "net/client.h"
#include "net/framing.h"
#include "net/server.h"
#include "tests/testing/builders.h"
#include "tests/testing/temp_dir.h"

namespace accord::net {
namespace {

using accord::testing::CommandBuilder;
using accord::v1::Request;
using accord::v1::Response;

class SubscriptionTest : public ::testing::Test {
 protected:
  void Start(ServerOptions options = {}) {
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
    EXPECT_TRUE(Client::Connect("127.0.0.1", server_->port(), "clerk", &client).ok());
    client->SetReceiveTimeout(std::chrono::seconds(20));
    return client;
  }

  void MustLog(Client& client, const accord::v1::Command& command) {
    Request request;
    *request.mutable_log_milestone() = command;
    Response response;
    ASSERT_TRUE(client.Call(std::move(request), &response).ok());
    ASSERT_TRUE(response.has_logged()) << response.DebugString();
  }

  static Request Subscribe(const std::string& stream, uint64_t from,
                           std::vector<std::string> types = {}, uint32_t every = 0) {
    Request request;
    request.mutable_subscribe()->set_stream_id(stream);
    request.mutable_subscribe()->set_from(from);
    for (auto& t : types) request.mutable_subscribe()->add_event_types(t);
    request.mutable_subscribe()->set_checkpoint_every(every);
    return request;
  }

  // The next subscription message, failing the test on anything else.
  static accord::v1::SubscriptionMessage Next(Client& client) {
    Response response;
    core::Status s = client.Receive(&response);
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_TRUE(response.has_subscription()) << response.DebugString();
    return response.subscription();
  }

  accord::testing::TempDir dir_;
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<Server> server_;
};

TEST_F(SubscriptionTest, CatchesUpThenFollowsLiveWithNoGapAndNoDuplicate) {
  Start();
  auto writer = Connect();
  CommandBuilder b;
  MustLog(*writer, b.Propose());
  for (int i = 0; i < 20; ++i) MustLog(*writer, b.Note("before " + std::to_string(i)));

  auto subscriber = Connect();
  Request subscribe = Subscribe("", 0);
  ASSERT_TRUE(subscriber->Send(&subscribe).ok());
  uint64_t expected = 0;
  for (;;) {
    accord::v1::SubscriptionMessage m = Next(*subscriber);
    if (m.has_caught_up()) {
      EXPECT_EQ(m.caught_up(), 21u);
      break;
    }
    ASSERT_TRUE(m.has_event());
    ASSERT_EQ(m.event().record().position(), expected++);
  }
  EXPECT_EQ(expected, 21u);

  // Three writers at once, each on its own agreement, while the subscriber follows.
  constexpr int kWriters = 3;
  constexpr int kNotes = 30;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([this, w] {
      auto client = Connect();
      CommandBuilder own("agreement-" + std::to_string(w), 10000 * (w + 1));
      MustLog(*client, own.Propose());
      for (int i = 0; i < kNotes; ++i) MustLog(*client, own.Note("live " + std::to_string(i)));
    });
  }
  const uint64_t total = 21 + kWriters * (kNotes + 1);
  while (expected < total) {
    accord::v1::SubscriptionMessage m = Next(*subscriber);
    if (HasFailure()) break;
    if (!m.has_event()) continue;  // an idle moment's checkpoint
    ASSERT_EQ(m.event().record().position(), expected) << "in order, no gap, no duplicate";
    EXPECT_TRUE(m.event().record().payload().empty()) << "decoded for the subscriber";
    ++expected;
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(expected, total);
}

// A replay tool's subscription: the records as stored, several to a frame,
// each its own Merkle leaf, through the switch to live with no gap.
TEST_F(SubscriptionTest, StoredRecordsCatchUpThenFollowLiveSeveralToAFrame) {
  Start();
  auto writer = Connect();
  CommandBuilder b;
  MustLog(*writer, b.Propose());
  for (int i = 0; i < 30; ++i) MustLog(*writer, b.Note("before " + std::to_string(i)));

  auto subscriber = Connect();
  Request subscribe = Subscribe("", 0);
  subscribe.mutable_subscribe()->set_stored_records(true);
  ASSERT_TRUE(subscriber->Send(&subscribe).ok());
  uint64_t expected = 0;
  int frames = 0;
  auto take = [&](const accord::v1::StoredRecords& records) {
    ++frames;
    ASSERT_EQ(records.first_position(), expected) << "no gap, no duplicate";
    for (const std::string& bytes : records.records()) {
      accord::v1::EventRecord record;
      ASSERT_TRUE(record.ParseFromString(bytes));
      ASSERT_EQ(record.position(), expected);
      std::string leaf;
      ASSERT_TRUE(store_->ReadLeaf(expected, &leaf).ok());
      EXPECT_EQ(bytes, leaf);
      ++expected;
    }
  };
  for (;;) {
    accord::v1::SubscriptionMessage m = Next(*subscriber);
    if (m.has_caught_up()) {
      EXPECT_EQ(m.caught_up(), 31u);
      break;
    }
    ASSERT_TRUE(m.has_records()) << m.DebugString();
    take(m.records());
    if (HasFailure()) return;
  }
  EXPECT_EQ(expected, 31u);
  EXPECT_LE(frames, 2) << "the 31 records stored before subscribing come in one or two frames";

  for (int i = 0; i < 5; ++i) MustLog(*writer, b.Note("live " + std::to_string(i)));
  while (expected < 36 && !HasFailure()) {
    accord::v1::SubscriptionMessage m = Next(*subscriber);
    ASSERT_TRUE(m.has_records()) << m.DebugString();
    take(m.records());
  }
  EXPECT_EQ(expected, 36u);

  // Only the whole log, unfiltered: anything else is refused, and the
  // connection stays open.
  auto other = Connect();
  Request by_stream = Subscribe(accord::testing::kMou, 0);
  by_stream.mutable_subscribe()->set_stored_records(true);
  uint64_t id = 0;
  ASSERT_TRUE(other->Send(&by_stream, &id).ok());
  Response response;
  ASSERT_TRUE(other->Receive(&response).ok());
  EXPECT_EQ(response.request_id(), id);
  ASSERT_TRUE(response.has_error()) << response.DebugString();
  EXPECT_EQ(response.error().code(), accord::v1::INVALID_ARGUMENT);
  Request health;
  health.mutable_get_health();
  ASSERT_TRUE(other->Call(health, &response).ok());
  EXPECT_TRUE(response.has_health());
}

TEST_F(SubscriptionTest, FiltersOnTheServerAndSaysHowFarItHasRead) {
  Start();
  auto writer = Connect();
  CommandBuilder b;
  MustLog(*writer, b.Propose());                                              // position 0
  for (int i = 0; i < 250; ++i) MustLog(*writer, b.Note(std::to_string(i)));  // 1..250
  MustLog(*writer, b.Terms());                                                // 251

  auto subscriber = Connect();
  Request subscribe = Subscribe("", 0, {"accord.v1.TermsAgreed"}, 100);
  ASSERT_TRUE(subscriber->Send(&subscribe).ok());
  auto first = Next(*subscriber);
  EXPECT_EQ(first.checkpoint(), 100u) << first.DebugString();
  auto second = Next(*subscriber);
  EXPECT_EQ(second.checkpoint(), 200u) << second.DebugString();
  auto terms = Next(*subscriber);
  ASSERT_TRUE(terms.has_event()) << terms.DebugString();
  EXPECT_EQ(terms.event().record().position(), 251u);
  EXPECT_TRUE(terms.event().event().has_terms_agreed());
  EXPECT_EQ(Next(*subscriber).caught_up(), 252u);
}

TEST_F(SubscriptionTest, FollowsOneStreamFromAVersion) {
  Start();
  auto writer = Connect();
  CommandBuilder mou;
  CommandBuilder other("other", 5000);
  MustLog(*writer, mou.Propose());
  MustLog(*writer, other.Propose());
  MustLog(*writer, mou.Visit());
  MustLog(*writer, mou.Terms());

  auto subscriber = Connect();
  Request subscribe = Subscribe(accord::testing::kMou, 1);
  ASSERT_TRUE(subscriber->Send(&subscribe).ok());
  auto visit = Next(*subscriber);
  EXPECT_EQ(visit.event().record().stream_version(), 1u);
  EXPECT_TRUE(visit.event().event().has_visit_held());
  EXPECT_EQ(Next(*subscriber).event().record().stream_version(), 2u);
  EXPECT_EQ(Next(*subscriber).caught_up(), 3u);

  MustLog(*writer, other.Visit());
  MustLog(*writer, mou.Sign("cospar"));
  accord::v1::SubscriptionMessage live = Next(*subscriber);
  while (live.has_checkpoint()) live = Next(*subscriber);
  EXPECT_EQ(live.event().record().stream_version(), 3u);
  EXPECT_TRUE(live.event().event().has_agreement_signed()) << "the other stream is not sent";
}

TEST_F(SubscriptionTest, SeveralSubscriptionsShareOneConnection) {
  Start();
  auto writer = Connect();
  CommandBuilder mou;
  CommandBuilder other("other", 5000);
  auto subscriber = Connect();
  Request whole = Subscribe("", 0);
  Request one = Subscribe(accord::testing::kMou, 0);
  uint64_t whole_id = 0;
  uint64_t one_id = 0;
  ASSERT_TRUE(subscriber->Send(&whole, &whole_id).ok());
  ASSERT_TRUE(subscriber->Send(&one, &one_id).ok());
  MustLog(*writer, mou.Propose());
  MustLog(*writer, other.Propose());
  MustLog(*writer, mou.Visit());

  std::map<uint64_t, std::vector<uint64_t>> positions;  // by subscription
  for (int frames = 0;
       frames < 50 && (positions[whole_id].size() < 3 || positions[one_id].size() < 2); ++frames) {
    Response response;
    ASSERT_TRUE(subscriber->Receive(&response).ok());
    if (response.subscription().has_event()) {
      positions[response.request_id()].push_back(
          response.subscription().event().record().position());
    }
  }
  EXPECT_EQ(positions[whole_id], (std::vector<uint64_t>{0, 1, 2}));
  EXPECT_EQ(positions[one_id], (std::vector<uint64_t>{0, 2}));
}

TEST_F(SubscriptionTest, ASubscriberThatStopsReadingIsDroppedAndAppendsGoOn) {
  ServerOptions options;
  options.subscriber_buffer_bytes = 64 * 1024;
  options.subscriber_stall_timeout = std::chrono::milliseconds(300);
  options.max_subscriber_lag = 500;
  Start(options);

  // A subscriber with a small receive buffer that then never reads.
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket slow(io);
  slow.open(boost::asio::ip::tcp::v4());
  slow.set_option(boost::asio::socket_base::receive_buffer_size(4096));
  slow.connect({boost::asio::ip::make_address("127.0.0.1"), server_->port()});
  Request hello;
  hello.set_request_id(1);
  hello.mutable_hello()->set_protocol_version(kProtocolVersion);
  Request subscribe = Subscribe("", 0);
  subscribe.set_request_id(2);
  boost::asio::write(slow, boost::asio::buffer(EncodeFrame(hello) + EncodeFrame(subscribe)));

  // Meanwhile 20,000 events are appended, 200 at a time; none waits for the subscriber.
  auto writer = Connect();
  constexpr int kBatches = 100;
  for (int batch = 0; batch < kBatches; ++batch) {
    Request append;
    append.mutable_append_events()->set_stream_id("bulk-" + std::to_string(batch));
    for (int i = 0; i < 200; ++i) {
      accord::v1::NewEvent event = accord::testing::RawEvent(100000 + batch * 200 + i);
      accord::v1::NoteAdded note;
      note.set_text(std::string(400, 'n'));
      event.set_payload(note.SerializeAsString());
      *append.mutable_append_events()->add_events() = event;
    }
    Response response;
    ASSERT_TRUE(writer->Call(std::move(append), &response).ok());
    ASSERT_TRUE(response.has_appended()) << response.DebugString();
  }
  EXPECT_EQ(store_->Head().next_position, 20000u);

  // Now read what the subscriber was sent: events, then `dropped`.
  bool dropped = false;
  uint64_t events = 0;
  for (int frames = 0; frames < 30000 && !dropped; ++frames) {
    std::array<unsigned char, kFrameHeaderBytes> header{};
    boost::system::error_code ec;
    boost::asio::read(slow, boost::asio::buffer(header), ec);
    if (ec) break;
    std::string body(DecodeFrameLength(header), '\0');
    boost::asio::read(slow, boost::asio::buffer(body), ec);
    if (ec) break;
    Response response;
    ASSERT_TRUE(response.ParseFromString(body));
    if (!response.has_subscription()) continue;  // the hello
    events += response.subscription().has_event() ? 1 : 0;
    dropped = response.subscription().has_dropped();
  }
  EXPECT_TRUE(dropped) << "after " << events << " events";
  EXPECT_LT(events, 20000u);

  // Stalled or lagging, whichever it met first: the connection stays.
  Request health;
  health.mutable_get_health();
  Response h;
  ASSERT_TRUE(writer->Call(std::move(health), &h).ok());
  ASSERT_EQ(h.health().doors_size(), 1);
  const accord::v1::FrontDoorHealth& tcp = h.health().doors(0);
  EXPECT_EQ(tcp.dropped_stalled_subscriptions() + tcp.dropped_lagging_subscriptions(), 1u);
  EXPECT_EQ(tcp.dropped_slow_readers(), 0u);
}

TEST_F(SubscriptionTest, ASubscriberCatchingUpFromFarBehindIsNotDropped) {
  ServerOptions options;
  options.subscriber_buffer_bytes = 16 * 1024;
  options.subscriber_stall_timeout = std::chrono::milliseconds(2000);
  options.max_subscriber_lag = 100;
  Start(options);
  auto writer = Connect();
  constexpr int kEvents = 20000;
  for (int batch = 0; batch < kEvents / 250; ++batch) {
    Request append;
    append.mutable_append_events()->set_stream_id("bulk-" + std::to_string(batch));
    for (int i = 0; i < 250; ++i) {
      accord::v1::NewEvent event = accord::testing::RawEvent(100000 + batch * 250 + i);
      accord::v1::NoteAdded note;
      note.set_text(std::string(200, 'n'));
      event.set_payload(note.SerializeAsString());
      *append.mutable_append_events()->add_events() = event;
    }
    Response response;
    ASSERT_TRUE(writer->Call(std::move(append), &response).ok());
    ASSERT_TRUE(response.has_appended());
  }
  // Far more than the lag limit and the buffer behind, but reading steadily.
  auto subscriber = Connect();
  Request subscribe = Subscribe("", 0);
  ASSERT_TRUE(subscriber->Send(&subscribe).ok());
  uint64_t events = 0;
  for (;;) {
    accord::v1::SubscriptionMessage m = Next(*subscriber);
    if (HasFailure()) break;
    ASSERT_FALSE(m.has_dropped()) << m.dropped();
    if (m.has_caught_up()) break;
    ASSERT_EQ(m.event().record().position(), events++);
  }
  EXPECT_EQ(events, static_cast<uint64_t>(kEvents));
}

}  // namespace
}  // namespace accord::net
