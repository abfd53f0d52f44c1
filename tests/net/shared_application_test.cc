// Two front doors over one application (net/server.h's second
// constructor): what is logged through one is followed live through the
// other, and each door can stop while the other serves.
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "app/application.h"
#include "net/client.h"
#include "net/server.h"
#include "tests/testing/builders.h"
#include "tests/testing/temp_dir.h"

namespace accord::net {
namespace {

using accord::v1::Request;
using accord::v1::Response;

// One application over one store, its store work on a pool of its own, for
// the servers each test puts in front of it.
class SharedApplication : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store::EventStore::Open({}, dir_.path(), &store_).ok());
    application_ = std::make_unique<app::Application>(
        store_.get(), app::ApplicationOptions{},
        [this](std::function<void()> work) { boost::asio::post(pool_, std::move(work)); });
    ASSERT_TRUE(application_->Open().ok());
  }
  // The servers are gone by now; what they queued finishes before the
  // application goes.
  void TearDown() override { pool_.join(); }

  accord::testing::TempDir dir_;
  std::unique_ptr<store::EventStore> store_;
  boost::asio::thread_pool pool_{2};
  std::unique_ptr<app::Application> application_;
};

TEST_F(SharedApplication, ASubscriberOnOneDoorFollowsWhatIsLoggedThroughTheOther) {
  ServerOptions options;
  options.port = 0;
  Server reading(application_.get(), options);
  Server writing(application_.get(), options);
  ASSERT_TRUE(reading.Start().ok());
  ASSERT_TRUE(writing.Start().ok());

  std::unique_ptr<Client> subscriber;
  ASSERT_TRUE(Client::Connect("127.0.0.1", reading.port(), "auditor", &subscriber).ok());
  subscriber->SetReceiveTimeout(std::chrono::seconds(20));
  Request subscribe;
  subscribe.mutable_subscribe()->set_from(0);
  ASSERT_TRUE(subscriber->Send(&subscribe).ok());
  Response caught_up;
  ASSERT_TRUE(subscriber->Receive(&caught_up).ok());
  ASSERT_TRUE(caught_up.subscription().has_caught_up()) << caught_up.DebugString();

  std::unique_ptr<Client> clerk;
  ASSERT_TRUE(Client::Connect("127.0.0.1", writing.port(), "clerk", &clerk).ok());
  accord::testing::CommandBuilder b;
  Request log;
  *log.mutable_log_milestone() = b.Propose();
  Response logged;
  ASSERT_TRUE(clerk->Call(log, &logged).ok());
  ASSERT_TRUE(logged.has_logged()) << logged.DebugString();

  // Live, through the other door: woken by the application's commit
  // watcher, which both doors share.
  Response event;
  ASSERT_TRUE(subscriber->Receive(&event).ok());
  ASSERT_TRUE(event.subscription().has_event()) << event.DebugString();
  EXPECT_EQ(event.subscription().event().record().position(), 0u);

  // One door stops; the other still serves, and still hears the log grow.
  writing.Stop();
  std::unique_ptr<Client> second;
  ASSERT_TRUE(Client::Connect("127.0.0.1", reading.port(), "clerk", &second).ok());
  *log.mutable_log_milestone() = b.Visit();
  ASSERT_TRUE(second->Call(log, &logged).ok());
  ASSERT_TRUE(logged.has_logged()) << logged.DebugString();
  ASSERT_TRUE(subscriber->Receive(&event).ok());
  EXPECT_EQ(event.subscription().event().record().position(), 1u);
  reading.Stop();
}

TEST_F(SharedApplication, HealthAndMetricsShowEachDoorSummedOverItsListeners) {
  // The HTTP door, as its listener would register.
  application_->AddFrontDoor(app::Door::kHttp, [] { return app::FrontDoorFigures{4, 1}; });

  ServerOptions options;
  options.port = 0;
  Server plain(application_.get(), options);
  Server other(application_.get(), options);
  ASSERT_TRUE(plain.Start().ok());
  ASSERT_TRUE(other.Start().ok());
  std::unique_ptr<Client> first;
  std::unique_ptr<Client> second;
  ASSERT_TRUE(Client::Connect("127.0.0.1", plain.port(), "clerk", &first).ok());
  ASSERT_TRUE(Client::Connect("127.0.0.1", other.port(), "clerk", &second).ok());
  accord::testing::CommandBuilder b;
  Request log;
  *log.mutable_log_milestone() = b.Propose();
  Response logged;
  ASSERT_TRUE(first->Call(log, &logged).ok());
  ASSERT_TRUE(logged.has_logged()) << logged.DebugString();

  Request health;
  health.mutable_get_health();
  Response h;
  ASSERT_TRUE(second->Call(health, &h).ok());
  EXPECT_EQ(h.health().connections(), 6u) << "two TCP connections and the HTTP door's four";
  ASSERT_EQ(h.health().doors_size(), 2);
  EXPECT_EQ(h.health().doors(0).door(), "tcp");
  EXPECT_EQ(h.health().doors(0).connections(), 2u) << "both TCP listeners";
  EXPECT_EQ(h.health().doors(1).door(), "http");
  EXPECT_EQ(h.health().doors(1).subscriptions(), 1u);

  // Each answer the TCP door queued was timed, by the request table's name.
  std::string text = application_->MetricsText();
  for (const char* line : {
           "accord_request_duration_seconds_count{door=\"tcp\",kind=\"hello\"} 2\n",
           "accord_request_duration_seconds_count{door=\"tcp\",kind=\"log_milestone\"} 1\n",
           "accord_request_duration_seconds_count{door=\"tcp\",kind=\"get_health\"} 1\n",
           "accord_connections{door=\"tcp\"} 2\n",
           "accord_connections{door=\"http\"} 4\n",
           "accord_milestones_total{outcome=\"logged\"} 1\n",
       }) {
    EXPECT_NE(text.find(line), std::string::npos) << line << "is not in:\n" << text;
  }

  // A listener that stops no longer counts; the door stays in the figures.
  other.Stop();
  ASSERT_TRUE(first->Call(health, &h).ok());
  EXPECT_EQ(h.health().doors(0).connections(), 1u);
  plain.Stop();
}

}  // namespace
}  // namespace accord::net
