// The application without a front door (app/application.h): requests in,
// responses out, the role table applied, "today" read from the clock it is
// given.
#include "app/application.h"

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <optional>

#include "tests/testing/builders.h"
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
    app_.emplace(store_.get(), options, [](std::function<void()> work) { work(); });
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
  app_->SetFrontDoorHealth([](accord::v1::Health* health) { health->set_connections(3); });
  ASSERT_TRUE(Ask(logger_, Log(b_.Propose())).has_logged());
  Request health;
  health.mutable_get_health();
  Response answer = Ask(logger_, health);
  EXPECT_EQ(answer.health().connections(), 3u);
  EXPECT_EQ(answer.health().log_position(), 1u);
}

}  // namespace
}  // namespace accord::app
