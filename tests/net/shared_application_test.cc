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

TEST(SharedApplication, ASubscriberOnOneDoorFollowsWhatIsLoggedThroughTheOther) {
  accord::testing::TempDir dir;
  std::unique_ptr<store::EventStore> store;
  ASSERT_TRUE(store::EventStore::Open({}, dir.path(), &store).ok());
  boost::asio::thread_pool pool(2);
  auto application = std::make_unique<app::Application>(
      store.get(), app::ApplicationOptions{},
      [&pool](std::function<void()> work) { boost::asio::post(pool, std::move(work)); });
  ASSERT_TRUE(application->Open().ok());

  ServerOptions options;
  options.port = 0;
  Server reading(application.get(), options);
  Server writing(application.get(), options);
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
  pool.join();
}

}  // namespace
}  // namespace accord::net
