// The application without a front door (app/application.h): requests in,
// responses out, the role table applied, "today" read from the clock it is
// given.
#include "app/application.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "tests/testing/builders.h"
#include "tests/testing/forwarding_store.h"
#include "tests/testing/temp_dir.h"

namespace accord::app {
namespace {

using accord::v1::Request;
using accord::v1::Response;
using std::chrono::sys_days;
using namespace std::chrono_literals;

class ApplicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store::EventStore::Open({}, dir_.path(), &store_).ok());
    ApplicationOptions options;
    options.clock = &clock_;
    // Store work runs on the calling thread.
    app_.emplace(store_.get(), options, [](const std::function<void()>& work) { work(); });
    ASSERT_TRUE(app_->Open().ok());
  }

  // Appends are answered from the store's commit thread once durable.
  Response Ask(const Identity& caller, Request request) {
    auto answered = std::make_shared<std::promise<Response>>();
    std::future<Response> answer = answered->get_future();
    app_->Handle(caller, std::move(request),
                 [answered](Response r) { answered->set_value(std::move(r)); });
    if (answer.wait_for(30s) != std::future_status::ready) {
      ADD_FAILURE() << "no answer in 30 s";
      return Response();
    }
    return answer.get();
  }

  Request Log(const accord::v1::Command& command) {
    Request request;
    request.set_request_id(7);
    *request.mutable_log_milestone() = command;
    return request;
  }

  Request GetAgreement() {
    Request request;
    request.set_request_id(8);
    request.mutable_get_agreement()->set_agreement_id(accord::testing::kMou);
    return request;
  }

  accord::testing::TempDir dir_;
  std::unique_ptr<store::EventStore> store_;
  core::ManualClock clock_{sys_days{std::chrono::year{2025} / 3 / 14}};
  std::optional<Application> app_;
  accord::testing::CommandBuilder b_;
  const Identity logger_{"ana", accord::v1::LOGGER};
  const Identity auditor_{"aud", accord::v1::AUDITOR};
};

TEST_F(ApplicationTest, LogsAMilestoneAndJudgesTheSummaryOnTheClocksDay) {
  Response logged = Ask(logger_, Log(b_.Propose()));
  ASSERT_TRUE(logged.has_logged()) << logged.DebugString();
  EXPECT_EQ(logged.request_id(), 7u);

  Response summary = Ask(auditor_, GetAgreement());
  ASSERT_TRUE(summary.has_agreement()) << summary.DebugString();
  EXPECT_EQ(summary.agreement().as_of().date().year(), 2025);
  EXPECT_EQ(summary.agreement().as_of().date().month(), 3);
  EXPECT_EQ(summary.agreement().as_of().date().day(), 14);

  clock_.Advance(24h * 400);  // into April 2026
  summary = Ask(auditor_, GetAgreement());
  EXPECT_EQ(summary.agreement().as_of().date().year(), 2026);
  EXPECT_EQ(summary.agreement().as_of().date().month(), 4);
}

TEST_F(ApplicationTest, ARoleTheTableDoesNotAllowIsRefusedAndNothingIsWritten) {
  Response refused = Ask(auditor_, Log(b_.Propose()));
  ASSERT_TRUE(refused.has_error());
  EXPECT_EQ(refused.error().code(), accord::v1::PERMISSION_DENIED);
  EXPECT_EQ(refused.error().message(), "aud is an auditor, who may not make this request");
  EXPECT_EQ(store_->Head().next_position, 0u);
}

TEST_F(ApplicationTest, TheFrontDoorsOwnKindsAreNotAnsweredHere) {
  Request hello;
  hello.mutable_hello()->set_protocol_version(1);
  EXPECT_EQ(Ask(logger_, hello).error().code(), accord::v1::UNKNOWN_REQUEST);
  EXPECT_EQ(Ask(logger_, Request()).error().code(), accord::v1::UNKNOWN_REQUEST);
}

TEST_F(ApplicationTest, HealthCarriesTheFrontDoorsFigures) {
  app_->AddFrontDoor(Door::kTcp, [] { return FrontDoorFigures{3, 0}; });
  ASSERT_TRUE(Ask(logger_, Log(b_.Propose())).has_logged());
  Request health;
  health.mutable_get_health();
  Response answer = Ask(logger_, health);
  EXPECT_EQ(answer.health().connections(), 3u);
  EXPECT_EQ(answer.health().log_position(), 1u);
}

TEST_F(ApplicationTest, HealthSumsTheDoorsAndShowsEachOne) {
  Request health;
  health.mutable_get_health();
  EXPECT_EQ(Ask(logger_, health).health().doors_size(), 0) << "no door yet";

  // Two TCP listeners and an HTTP one; each door's listeners are summed.
  uint64_t first_tcp = app_->AddFrontDoor(Door::kTcp, [] { return FrontDoorFigures{3, 1}; });
  app_->AddFrontDoor(Door::kTcp, [] { return FrontDoorFigures{2, 0}; });
  uint64_t http = app_->AddFrontDoor(Door::kHttp, [] { return FrontDoorFigures{4, 2}; });
  app_->metrics().CountRefusedConnection(Door::kHttp);
  app_->metrics().CountDroppedConnection(Door::kTcp, ConnectionDrop::kSlowReader);
  app_->metrics().CountDroppedConnection(Door::kTcp, ConnectionDrop::kIdleTimeout);
  app_->metrics().CountDroppedSubscription(Door::kHttp, SubscriptionDrop::kLagging);

  accord::v1::Health h = Ask(logger_, health).health();
  EXPECT_EQ(h.connections(), 9u);
  EXPECT_EQ(h.subscriptions(), 3u);
  EXPECT_EQ(h.refused_connections(), 1u);
  EXPECT_EQ(h.dropped_slow_readers(), 1u);
  ASSERT_EQ(h.doors_size(), 2);
  EXPECT_EQ(h.doors(0).door(), "tcp");
  EXPECT_EQ(h.doors(0).connections(), 5u);
  EXPECT_EQ(h.doors(0).subscriptions(), 1u);
  EXPECT_EQ(h.doors(0).dropped_slow_readers(), 1u);
  EXPECT_EQ(h.doors(0).dropped_idle(), 1u);
  EXPECT_EQ(h.doors(0).refused_connections(), 0u);
  EXPECT_EQ(h.doors(1).door(), "http");
  EXPECT_EQ(h.doors(1).connections(), 4u);
  EXPECT_EQ(h.doors(1).refused_connections(), 1u);
  EXPECT_EQ(h.doors(1).dropped_lagging_subscriptions(), 1u);

  // A listener that goes takes its gauges along; the door's counts stay.
  app_->RemoveFrontDoor(first_tcp);
  app_->RemoveFrontDoor(http);
  h = Ask(logger_, health).health();
  ASSERT_EQ(h.doors_size(), 2);
  EXPECT_EQ(h.doors(0).connections(), 2u);
  EXPECT_EQ(h.doors(1).connections(), 0u);
  EXPECT_EQ(h.doors(1).refused_connections(), 1u);
  EXPECT_EQ(h.connections(), 2u);
}

// The value of the sample `series` (name and labels, as written) in an
// exposition; NaN when it is not there.
double SampleValue(const std::string& text, std::string_view series) {
  std::string head = std::string(series) + " ";
  for (size_t at = 0; at < text.size();) {
    size_t end = text.find('\n', at);
    std::string_view line(text.data() + at, end - at);
    if (line.substr(0, head.size()) == head)
      return std::stod(std::string(line.substr(head.size())));
    at = end + 1;
  }
  return std::nan("");
}

Request RawAppend(const accord::v1::NewEvent& event) {
  Request request;
  request.mutable_append_events()->set_stream_id("notes");
  *request.mutable_append_events()->add_events() = event;
  return request;
}

TEST_F(ApplicationTest, MetricsCountEachOutcomeOfMilestonesAndAppendsAndEachError) {
  const Identity admin{"root", accord::v1::ADMIN};
  accord::v1::Command propose = b_.Propose();
  ASSERT_TRUE(Ask(logger_, Log(propose)).has_logged());
  ASSERT_TRUE(Ask(logger_, Log(propose)).logged().already_logged());
  ASSERT_TRUE(Ask(logger_, Log(b_.Sign("cospar"))).has_rejected()) << "terms are not agreed";
  ASSERT_TRUE(Ask(auditor_, Log(b_.Visit())).has_error()) << "auditors may not log";
  ASSERT_TRUE(Ask(admin, RawAppend(accord::testing::NoteEvent(90))).has_appended());
  ASSERT_TRUE(Ask(admin, RawAppend(accord::testing::NoteEvent(90))).appended().already_stored());
  ASSERT_TRUE(Ask(admin, RawAppend(accord::testing::RawEvent(91))).has_error())
      << "its payload does not decode";

  std::string text = app_->MetricsText();
  EXPECT_EQ(SampleValue(text, R"(accord_milestones_total{outcome="logged"})"), 1) << text;
  EXPECT_EQ(SampleValue(text, R"(accord_milestones_total{outcome="already_logged"})"), 1);
  EXPECT_EQ(SampleValue(text, R"(accord_milestones_total{outcome="rejected"})"), 1);
  EXPECT_EQ(SampleValue(text, R"(accord_milestones_total{outcome="error"})"), 0)
      << "a refused role never reaches the milestone's handler";
  EXPECT_EQ(SampleValue(text, R"(accord_milestone_rejections_total{code="TERMS_NOT_AGREED"})"), 1);
  EXPECT_EQ(SampleValue(text, R"(accord_appends_total{outcome="logged"})"), 1);
  EXPECT_EQ(SampleValue(text, R"(accord_appends_total{outcome="already_logged"})"), 1);
  EXPECT_EQ(SampleValue(text, R"(accord_appends_total{outcome="error"})"), 1);
  EXPECT_EQ(
      SampleValue(text, R"(accord_errors_total{kind="log_milestone",code="PERMISSION_DENIED"})"),
      1);
  EXPECT_EQ(
      SampleValue(text, R"(accord_errors_total{kind="append_events",code="INVALID_ARGUMENT"})"), 1);
  EXPECT_EQ(SampleValue(text, "accord_log_records"), 2);
  EXPECT_EQ(SampleValue(text, "accord_store_group_commit_events_sum"), 2);
  EXPECT_EQ(SampleValue(text, "accord_store_synced_write_seconds_count"), 2);
  EXPECT_GT(SampleValue(text, R"(accord_store_size_bytes{files="wal"})"), 0);
  EXPECT_EQ(SampleValue(text, "accord_store_writes_refused"), 0);
  EXPECT_GT(SampleValue(text, "process_resident_memory_bytes"), 0);
}

// promtool (Debian's prometheus package; scripts/setup installs it) reads
// the exposition as Prometheus would and lints it: any line it prints is a
// problem.
TEST_F(ApplicationTest, PromtoolAcceptsTheMetricsOfALiveApplication) {
  const std::string promtool = ACCORD_PROMTOOL;
  if (promtool.empty()) {
    FAIL() << "promtool was not found when the build was configured: install Debian's "
              "prometheus package (scripts/setup does) and configure again";
  }
  const Identity admin{"root", accord::v1::ADMIN};
  app_->AddFrontDoor(Door::kTcp, [] { return FrontDoorFigures{1, 0}; });
  app_->AddFrontDoor(Door::kHttp, [] { return FrontDoorFigures{2, 1}; });
  app_->metrics().ObserveRequest(Door::kHttp, accord::v1::Request::kGetAgreement, 0.004);
  app_->metrics().CountDroppedSubscription(Door::kHttp, SubscriptionDrop::kStalled);
  ASSERT_TRUE(Ask(logger_, Log(b_.Propose())).has_logged());
  ASSERT_TRUE(Ask(logger_, Log(b_.Visit())).has_logged());
  ASSERT_TRUE(Ask(logger_, Log(b_.Sign("cospar"))).has_rejected());
  for (uint64_t id = 100; id < 103; ++id) {
    ASSERT_TRUE(Ask(admin, RawAppend(accord::testing::NoteEvent(id))).has_appended());
  }
  ASSERT_TRUE(Ask(auditor_, GetAgreement()).has_agreement());
  ASSERT_TRUE(Ask(auditor_, Log(b_.Terms())).has_error()) << "auditors may not log";

  const std::string text = app_->MetricsText();
  const std::string path = dir_.path() + "/metrics.txt";
  std::ofstream(path) << text;
  std::string command = fmt::format("'{}' check metrics < '{}' 2>&1", promtool, path);
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string complaints;
  std::array<char, 4096> chunk;
  while (size_t n = fread(chunk.data(), 1, chunk.size(), pipe)) complaints.append(chunk.data(), n);
  int status = pclose(pipe);
  EXPECT_EQ(status, 0) << complaints;
  EXPECT_EQ(complaints, "") << "about:\n" << text;
}

// A store whose ReadStored waits while its gate is shut: a projection's
// catch-up held in the middle of its read.
class GatedReads : public accord::testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;

  core::Status ReadStored(uint64_t from_position, size_t max_count, size_t max_bytes,
                          store::StoredPage* page) const override {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ++waiting_;
      changed_.notify_all();
      changed_.wait(lock, [&] { return open_; });
      --waiting_;
    }
    return inner_->ReadStored(from_position, max_count, max_bytes, page);
  }
  void SetOpen(bool open) {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = open;
    changed_.notify_all();
  }
  void AwaitWaiting(int readers) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return waiting_ == readers; });
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  mutable int waiting_ = 0;
  bool open_ = true;
};

// Commits while the agreement index is catching up ask for one more
// catch-up after it, not one each beside it: each of those waited on the
// index's lock holding one of the store pool's threads, until commands had
// none left (bulk logging ran at a fifth of its rate).
TEST(ApplicationCatchUpTest, CommitsDuringACatchUpQueueOneMoreNotOneEach) {
  accord::testing::TempDir dir;
  std::unique_ptr<store::EventStore> store;
  ASSERT_TRUE(store::EventStore::Open({}, dir.path(), &store).ok());
  GatedReads gated(store.get());
  std::atomic<int> posted{0};
  std::vector<std::thread> threads;
  std::mutex threads_mutex;
  {
    Application app(&gated, ApplicationOptions{}, [&](std::function<void()> work) {
      ++posted;
      std::lock_guard<std::mutex> lock(threads_mutex);
      threads.emplace_back(std::move(work));  // as many threads as tasks: none waits for one
    });
    ASSERT_TRUE(app.Open().ok());
    gated.SetOpen(false);
    store::AppendResult result;
    ASSERT_TRUE(store
                    ->Append("notes", store::ExpectedVersion::Any(), {accord::testing::RawEvent(1)},
                             &result)
                    .ok());
    gated.AwaitWaiting(1);  // the catch-up is under way, held in its read
    for (uint64_t i = 2; i <= 8; ++i) {
      ASSERT_TRUE(store
                      ->Append("notes", store::ExpectedVersion::Any(),
                               {accord::testing::RawEvent(i)}, &result)
                      .ok());
    }
    EXPECT_EQ(posted.load(), 1) << "seven commits during the catch-up posted no task beside it";
    gated.SetOpen(true);
    // The one more run reads what the seven added.
    for (int i = 0; i < 20000; ++i) {
      Request health;
      health.mutable_get_health();
      bool caught_up = false;
      const Response answer = app.GetHealth(health);
      for (const auto& projection : answer.health().projections()) {
        if (projection.name() == "agreement-index") caught_up = projection.lag() == 0;
      }
      if (caught_up) break;
      std::this_thread::sleep_for(1ms);
    }
    EXPECT_EQ(posted.load(), 2);
    app.StopListening();
    std::lock_guard<std::mutex> lock(threads_mutex);
    for (auto& t : threads) t.join();
  }
}

}  // namespace
}  // namespace accord::app
