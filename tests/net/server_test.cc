// The server over real loopback TCP, driven through the real client.
#include "net/server.h"

#include <gtest/gtest.h>

#include <google/protobuf/util/time_util.h>

#include <boost/asio.hpp>
#include <set>
#include <thread>

#include "net/client.h"
#include "net/framing.h"
#include "tests/testing/builders.h"
#include "tests/testing/temp_dir.h"

namespace accord::net {
namespace {

using accord::testing::CommandBuilder;
using accord::v1::Request;
using accord::v1::Response;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions store_options;
    store_options.clock = &clock_;  // moments are separated by moving it, not by sleeping
    ASSERT_TRUE(store::EventStore::Open(store_options, dir_.path(), &store_).ok());
    ServerOptions options;
    options.port = 0;
    options.max_frame_bytes = 64 * 1024;
    options.clock = &clock_;
    server_ = std::make_unique<Server>(store_.get(), options);
    core::Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void TearDown() override { server_->Stop(); }

  std::unique_ptr<Client> Connect(const std::string& name = "clerk") {
    std::unique_ptr<Client> client;
    core::Status s = Client::Connect("127.0.0.1", server_->port(), name, &client);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return client;
  }

  static Request Log(const accord::v1::Command& command) {
    Request request;
    *request.mutable_log_milestone() = command;
    return request;
  }

  Response MustCall(Client& client, Request request) {
    Response response;
    core::Status s = client.Call(std::move(request), &response);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return response;
  }

  // A connection that has said hello, for sending malformed bytes after it.
  std::unique_ptr<Client> ConnectRaw() { return Connect("raw"); }

  accord::testing::TempDir dir_;
  core::ManualClock clock_{std::chrono::system_clock::now()};
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<Server> server_;
  CommandBuilder b_;
};

TEST_F(ServerTest, LogsMilestonesWithTheConnectionsActorAndAnswersRejections) {
  auto client = Connect("legal-affairs");
  Response proposed = MustCall(*client, Log(b_.Propose()));
  ASSERT_TRUE(proposed.has_logged()) << proposed.DebugString();
  EXPECT_EQ(proposed.logged().version(), 0u);

  Response refused = MustCall(*client, Log(b_.Sign("cospar")));
  ASSERT_TRUE(refused.has_rejected()) << refused.DebugString();
  EXPECT_EQ(refused.rejected().code(), accord::v1::TERMS_NOT_AGREED);
  EXPECT_NE(refused.rejected().message().find("cannot be signed before its terms are agreed"),
            std::string::npos);

  Request read;
  read.mutable_read_stream()->set_stream_id(accord::testing::kMou);
  Response page = MustCall(*client, read);
  ASSERT_TRUE(page.has_page()) << page.DebugString();
  ASSERT_EQ(page.page().events_size(), 1);
  EXPECT_EQ(page.page().events(0).record().actor(), "legal-affairs");
  EXPECT_TRUE(page.page().events(0).event().has_agreement_proposed());
  EXPECT_TRUE(page.page().events(0).record().payload().empty()) << "decoded, not raw";
}

TEST_F(ServerTest, ShowsAnAgreementsSummaryAndRefusesAnUnknownOne) {
  auto client = Connect();
  ASSERT_TRUE(MustCall(*client, Log(b_.Propose())).has_logged());
  ASSERT_TRUE(MustCall(*client, Log(b_.Terms())).has_logged());
  ASSERT_TRUE(MustCall(*client, Log(b_.Sign("apsco"))).has_logged());

  Request get;
  get.mutable_get_agreement()->set_agreement_id(accord::testing::kMou);
  Response shown = MustCall(*client, get);
  ASSERT_TRUE(shown.has_agreement()) << shown.DebugString();
  EXPECT_EQ(shown.agreement().stage(), accord::v1::PARTIALLY_SIGNED);
  EXPECT_EQ(shown.agreement().version(), 2u);
  EXPECT_TRUE(shown.agreement().parties(1).has_signature());

  get.mutable_get_agreement()->set_agreement_id("no-such-agreement");
  Response missing = MustCall(*client, get);
  EXPECT_EQ(missing.error().code(), accord::v1::NOT_FOUND);
}

TEST_F(ServerTest, ListsAgreementsByStageAndPartyInPages) {
  auto client = Connect();
  uint64_t first_id = 1000;
  for (const char* id : {"a-mou", "b-mou", "c-mou", "d-mou"}) {
    CommandBuilder b(id, first_id += 100);
    ASSERT_TRUE(MustCall(*client, Log(b.Propose())).has_logged());
    if (std::string(id) != "b-mou") {
      ASSERT_TRUE(MustCall(*client, Log(b.Terms())).has_logged());
    }
  }
  auto list = [&](accord::v1::AgreementStage stage, const std::string& party, uint32_t page) {
    std::vector<std::string> ids;
    std::string after;
    for (int pages = 0; pages < 10; ++pages) {
      Request request;
      request.mutable_list_agreements()->set_stage(stage);
      request.mutable_list_agreements()->set_party_id(party);
      request.mutable_list_agreements()->set_after(after);
      request.mutable_list_agreements()->set_max_count(page);
      Response response = MustCall(*client, request);
      EXPECT_TRUE(response.has_agreements()) << response.DebugString();
      for (const auto& a : response.agreements().agreements()) ids.push_back(a.agreement_id());
      if (response.agreements().end_of_data()) break;
      after = response.agreements().next_after();
    }
    return ids;
  };
  EXPECT_EQ(list(accord::v1::AGREEMENT_STAGE_UNSPECIFIED, "", 3),
            (std::vector<std::string>{"a-mou", "b-mou", "c-mou", "d-mou"}));
  EXPECT_EQ(list(accord::v1::AGREED, "", 2), (std::vector<std::string>{"a-mou", "c-mou", "d-mou"}));
  EXPECT_EQ(list(accord::v1::PROPOSED, "apsco", 10), (std::vector<std::string>{"b-mou"}));
  EXPECT_TRUE(list(accord::v1::AGREEMENT_STAGE_UNSPECIFIED, "esa", 10).empty());
}

TEST_F(ServerTest, AnswersTimelinesAndHealth) {
  auto client = Connect();
  ASSERT_TRUE(MustCall(*client, Log(b_.Propose())).has_logged());
  ASSERT_TRUE(MustCall(*client, Log(b_.Visit())).has_logged());
  Request timeline;
  timeline.mutable_get_timeline()->set_agreement_id(accord::testing::kMou);
  Response t = MustCall(*client, timeline);
  ASSERT_TRUE(t.has_timeline()) << t.DebugString();
  ASSERT_EQ(t.timeline().entries_size(), 2);
  EXPECT_TRUE(t.timeline().entries(0).event().has_agreement_proposed())
      << "both in July 2024: log order";
  EXPECT_EQ(t.timeline().entries(1).actor(), "clerk");

  auto second = Connect("auditor");
  Request health;
  health.mutable_get_health();
  Response h = MustCall(*second, health);
  ASSERT_TRUE(h.has_health());
  EXPECT_EQ(h.health().log_position(), 2u);
  EXPECT_EQ(h.health().connections(), 2u);
  EXPECT_EQ(h.health().head_hash().size(), 32u);

  client.reset();  // a client that goes away is no longer counted
  for (int tries = 0; tries < 1000 && h.health().connections() != 1; ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    h = MustCall(*second, health);
  }
  EXPECT_EQ(h.health().connections(), 1u);
}

TEST_F(ServerTest, AppendsRawEventsWithAnExpectedVersion) {
  auto client = Connect("importer");
  accord::v1::NewEvent event = accord::testing::RawEvent(900);
  accord::v1::NoteAdded note;
  note.set_text("imported");
  event.set_payload(note.SerializeAsString());
  Request append;
  append.mutable_append_events()->set_stream_id("imported");
  append.mutable_append_events()->mutable_expected()->set_no_stream(true);
  *append.mutable_append_events()->add_events() = event;
  Response appended = MustCall(*client, append);
  ASSERT_TRUE(appended.has_appended()) << appended.DebugString();
  EXPECT_EQ(appended.appended().last_version(), 0u);

  event.set_event_id(accord::testing::Uuid(901));
  *append.mutable_append_events()->mutable_events(0) = event;
  Response conflict = MustCall(*client, append);
  EXPECT_EQ(conflict.error().code(), accord::v1::WRONG_EXPECTED_VERSION);
  EXPECT_EQ(conflict.error().current_version(), 0u);

  append.mutable_append_events()->mutable_expected()->set_exact(0);
  append.mutable_append_events()->mutable_events(0)->set_payload("\xff\xff");
  Response garbage = MustCall(*client, append);
  EXPECT_EQ(garbage.error().code(), accord::v1::INVALID_ARGUMENT) << "payloads must decode";
  EXPECT_EQ(store_->Head().next_position, 1u);
}

TEST_F(ServerTest, ARestartResumesItsProjectionsFromTheirCheckpoints) {
  {
    auto client = Connect();
    for (const char* id : {"a-mou", "b-mou"}) {
      CommandBuilder b(id, id[0] == 'a' ? 100 : 200);
      ASSERT_TRUE(MustCall(*client, Log(b.Propose())).has_logged());
    }
  }
  server_->Stop();
  ServerOptions options;
  options.port = 0;
  server_ = std::make_unique<Server>(store_.get(), options);
  ASSERT_TRUE(server_->Start().ok());

  auto client = Connect();
  Request health;
  health.mutable_get_health();
  Response h = MustCall(*client, health);
  ASSERT_EQ(h.health().projections_size(), 1);
  EXPECT_EQ(h.health().projections(0).checkpoint(), 2u) << "resumed, nothing left to replay";
  EXPECT_EQ(h.health().projections(0).lag(), 0u);
  Request list;
  list.mutable_list_agreements();
  EXPECT_EQ(MustCall(*client, list).agreements().agreements_size(), 2);
}

TEST_F(ServerTest, VerifiesTheLogOnRequest) {
  auto client = Connect();
  ASSERT_TRUE(MustCall(*client, Log(b_.Propose())).has_logged());
  ASSERT_TRUE(MustCall(*client, Log(b_.Visit())).has_logged());
  Request verify;
  verify.mutable_verify_log();
  Response verified = MustCall(*client, verify);
  ASSERT_TRUE(verified.has_verified()) << verified.DebugString();
  EXPECT_EQ(verified.verified().records(), 2u);
  EXPECT_EQ(verified.verified().streams(), 1u);
  EXPECT_EQ(verified.verified().head_hash(), store_->Head().last_hash);
}

TEST_F(ServerTest, BacksUpWhileAppendsRunAndTheCopyVerifies) {
  auto client = Connect();
  ASSERT_TRUE(MustCall(*client, Log(b_.Propose())).has_logged());
  std::atomic<bool> stop{false};
  std::atomic<int> appended{0};
  std::thread appender([&] {
    auto writer = Connect("appender");
    CommandBuilder notes(accord::testing::kMou, 50000);
    while (!stop) {
      Response r = MustCall(*writer, Log(notes.Note("during the backup")));
      if (!r.has_logged()) break;
      ++appended;
    }
  });
  while (appended < 20) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::string backup_dir = dir_.Sub("backup");
  Request backup;
  backup.mutable_backup()->set_directory(backup_dir);
  Response backed_up = MustCall(*client, backup);
  stop = true;
  appender.join();
  ASSERT_TRUE(backed_up.has_backed_up()) << backed_up.DebugString();
  EXPECT_GE(backed_up.backed_up().log_position(), 21u);

  // Restore: the copy is a store of its own.
  std::unique_ptr<store::EventStore> restored;
  core::Status s = store::EventStore::Open({}, backup_dir, &restored);
  ASSERT_TRUE(s.ok()) << s.ToString();
  store::VerifyReport report;
  s = restored->Verify(&report);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_GE(report.records, backed_up.backed_up().log_position());

  Response again = MustCall(*client, backup);
  EXPECT_EQ(again.error().code(), accord::v1::INVALID_ARGUMENT) << "the directory must not exist";
}

TEST_F(ServerTest, AnswersAsRecordedAtAMomentAndAsTrueOnADay) {
  auto client = Connect();
  ASSERT_TRUE(MustCall(*client, Log(b_.Propose())).has_logged());  // July 2024
  clock_.Advance(std::chrono::seconds(1));
  google::protobuf::Timestamp between = google::protobuf::util::TimeUtil::NanosecondsToTimestamp(
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock_.Now().time_since_epoch())
          .count());
  clock_.Advance(std::chrono::seconds(1));
  ASSERT_TRUE(MustCall(*client, Log(b_.Terms())).has_logged());  // July 2024, logged later

  Request get;
  get.mutable_get_agreement()->set_agreement_id(accord::testing::kMou);
  EXPECT_EQ(MustCall(*client, get).agreement().stage(), accord::v1::AGREED);

  *get.mutable_get_agreement()->mutable_recorded_before() = between;
  Response recorded = MustCall(*client, get);
  EXPECT_EQ(recorded.agreement().stage(), accord::v1::PROPOSED) << recorded.DebugString();

  get.mutable_get_agreement()->clear_recorded_before();
  *get.mutable_get_agreement()->mutable_true_on() = accord::testing::Day(2024, 8, 1).date();
  Response on_day = MustCall(*client, get);
  EXPECT_EQ(on_day.agreement().stage(), accord::v1::AGREED);
  EXPECT_EQ(on_day.agreement().as_of().date().month(), 8) << "statuses judged on that day";

  *get.mutable_get_agreement()->mutable_true_on() = accord::testing::Day(2024, 7, 15).date();
  EXPECT_EQ(MustCall(*client, get).error().code(), accord::v1::NOT_FOUND)
      << "in mid-July nothing had certainly happened";

  Request timeline;
  timeline.mutable_get_timeline()->set_agreement_id(accord::testing::kMou);
  *timeline.mutable_get_timeline()->mutable_recorded_before() = between;
  EXPECT_EQ(MustCall(*client, timeline).timeline().entries_size(), 1);
}

TEST_F(ServerTest, ARetriedCommandIsAnsweredWithTheOriginalPosition) {
  auto client = Connect();
  accord::v1::Command propose = b_.Propose();
  Response first = MustCall(*client, Log(propose));
  Response again = MustCall(*client, Log(propose));
  ASSERT_TRUE(again.has_logged());
  EXPECT_TRUE(again.logged().already_logged());
  EXPECT_EQ(again.logged().position(), first.logged().position());
  EXPECT_EQ(store_->Head().next_position, 1u);

  accord::v1::Command reused = b_.Visit();
  reused.set_event_id(propose.event_id());
  Response duplicate = MustCall(*client, Log(reused));
  EXPECT_EQ(duplicate.error().code(), accord::v1::DUPLICATE_EVENT) << duplicate.DebugString();

  Request hello;
  hello.mutable_hello()->set_protocol_version(kProtocolVersion);
  Response second_hello = MustCall(*client, hello);
  EXPECT_EQ(second_hello.error().code(), accord::v1::INVALID_ARGUMENT);
  EXPECT_TRUE(MustCall(*client, Log(b_.Visit())).has_logged()) << "the connection stays open";
}

TEST_F(ServerTest, PipelinesHundredsOfRequestsOnOneConnection) {
  auto client = Connect();
  ASSERT_TRUE(MustCall(*client, Log(b_.Propose())).has_logged());
  constexpr int kRequests = 300;
  std::set<uint64_t> sent;
  for (int i = 0; i < kRequests; ++i) {
    Request request = i % 2 == 0 ? Log(b_.Note("note " + std::to_string(i))) : Request();
    if (i % 2 == 1) request.mutable_read_all()->set_max_count(10);
    uint64_t id = 0;
    ASSERT_TRUE(client->Send(&request, &id).ok());
    sent.insert(id);
  }
  int logged = 0;
  for (int i = 0; i < kRequests; ++i) {
    Response response;
    ASSERT_TRUE(client->Receive(&response).ok());
    EXPECT_EQ(sent.erase(response.request_id()), 1u) << "each request answered once";
    logged += response.has_logged() ? 1 : 0;
    EXPECT_FALSE(response.has_error()) << response.DebugString();
  }
  EXPECT_TRUE(sent.empty());
  EXPECT_EQ(logged, kRequests / 2);
  EXPECT_EQ(store_->Head().next_position, 1u + kRequests / 2);
}

TEST_F(ServerTest, RequestsBeforeTheHelloAreRefusedAndTheConnectionClosed) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), server_->port()});
  Request early;
  early.set_request_id(3);
  early.mutable_read_all();
  boost::asio::write(socket, boost::asio::buffer(EncodeFrame(early)));

  std::array<unsigned char, kFrameHeaderBytes> header{};
  boost::asio::read(socket, boost::asio::buffer(header));
  std::string body(DecodeFrameLength(header), '\0');
  boost::asio::read(socket, boost::asio::buffer(body));
  Response response;
  ASSERT_TRUE(response.ParseFromString(body));
  EXPECT_EQ(response.request_id(), 3u);
  EXPECT_EQ(response.error().code(), accord::v1::HELLO_REQUIRED);
  boost::system::error_code ec;
  boost::asio::read(socket, boost::asio::buffer(header), ec);
  EXPECT_EQ(ec, boost::asio::error::eof) << "the server closed the connection";
}

TEST_F(ServerTest, AHelloWithAnotherProtocolVersionIsRefused) {
  auto raw = ConnectRaw();
  auto other = Connect();
  Request wrong_version;
  wrong_version.mutable_hello()->set_protocol_version(99);
  Response response;
  ASSERT_TRUE(raw->Call(wrong_version, &response).ok());
  ASSERT_TRUE(response.has_error());
  EXPECT_EQ(response.error().code(), accord::v1::UNSUPPORTED_VERSION);
  EXPECT_FALSE(raw->Receive(&response).ok()) << "the server closed the connection";
  EXPECT_TRUE(MustCall(*other, Log(b_.Propose())).has_logged()) << "other clients unaffected";
}

TEST_F(ServerTest, AMalformedFrameClosesThatConnectionOnlyAndWritesNothing) {
  auto bad = ConnectRaw();
  auto good = Connect();
  ASSERT_TRUE(bad->SendRaw(std::string("\x00\x00\x00\x05\xff\xff\xff\xff\xff", 9)).ok());
  Response response;
  ASSERT_TRUE(bad->Receive(&response).ok());
  ASSERT_TRUE(response.has_error());
  EXPECT_EQ(response.error().code(), accord::v1::MALFORMED_FRAME);
  EXPECT_FALSE(bad->Receive(&response).ok());
  EXPECT_EQ(store_->Head().next_position, 0u);
  EXPECT_TRUE(MustCall(*good, Log(b_.Propose())).has_logged());
}

TEST_F(ServerTest, AnOversizedFrameIsRefusedBeforeItIsRead) {
  auto bad = ConnectRaw();
  auto good = Connect();
  ASSERT_TRUE(bad->SendRaw(std::string("\x7f\xff\xff\xff", 4)).ok());
  Response response;
  ASSERT_TRUE(bad->Receive(&response).ok());
  EXPECT_EQ(response.error().code(), accord::v1::FRAME_TOO_LARGE);
  EXPECT_FALSE(bad->Receive(&response).ok());
  EXPECT_TRUE(MustCall(*good, Log(b_.Propose())).has_logged());
}

TEST_F(ServerTest, ATruncatedFrameCostsOthersNothing) {
  {
    auto bad = ConnectRaw();
    ASSERT_TRUE(bad->SendRaw(std::string("\x00\x00\x01\x00partial", 11)).ok());
  }  // the client goes away mid-frame
  auto good = Connect();
  EXPECT_TRUE(MustCall(*good, Log(b_.Propose())).has_logged());
  EXPECT_EQ(store_->Head().next_position, 1u);
}

TEST_F(ServerTest, AnUnknownRequestKindIsRefused) {
  auto bad = ConnectRaw();
  // A Request with request_id 7 and an unknown field 99 (a kind from a newer client).
  std::string body("\x08\x07\x9a\x06\x00", 5);
  std::string frame = std::string("\x00\x00\x00", 3) + static_cast<char>(body.size()) + body;
  ASSERT_TRUE(bad->SendRaw(frame).ok());
  Response response;
  ASSERT_TRUE(bad->Receive(&response).ok());
  EXPECT_EQ(response.error().code(), accord::v1::UNKNOWN_REQUEST);
  EXPECT_EQ(response.request_id(), 7u);
}

TEST_F(ServerTest, StopAnswersAppendsInFlightThenCloses) {
  auto client = Connect();
  ASSERT_TRUE(MustCall(*client, Log(b_.Propose())).has_logged());
  constexpr int kInFlight = 50;
  for (int i = 0; i < kInFlight; ++i) {
    Request request = Log(b_.Note("in flight " + std::to_string(i)));
    ASSERT_TRUE(client->Send(&request).ok());
  }
  // Wait until the server has read them all, then stop it.
  for (int spins = 0; spins < 2000 && store_->Head().next_position < 2; ++spins) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  server_->Stop();
  int answered = 0;
  Response response;
  while (client->Receive(&response).ok()) answered += response.has_logged() ? 1 : 0;
  // Every note the store wrote was acknowledged before the connection closed.
  EXPECT_EQ(static_cast<uint64_t>(answered) + 1, store_->Head().next_position);
  EXPECT_GE(answered, 1);
}

}  // namespace
}  // namespace accord::net
