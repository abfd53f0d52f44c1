// Given / when / then for the lifecycle rules (after fmodel's decider tests),
// and a log of recorded events for the time-axis projections: one harness
// for every core test that decides commands.
#pragma once

#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/decider.h"

namespace accord::testing {

class DeciderHarness {
 public:
  explicit DeciderHarness(std::string agreement)
      : state_(core::InitialState(std::move(agreement))) {}

  // Folds commands that the rules must accept.
  void Given(std::initializer_list<accord::v1::Command> commands) {
    for (const accord::v1::Command& command : commands) {
      core::Decision decision = core::Decide(command, state_);
      ASSERT_TRUE(decision.ok()) << decision.error().message;
      for (const core::AgreementEvent& e : decision.value()) {
        state_ = core::Evolve(std::move(state_), e);
      }
    }
  }

  void ThenAccepted(const accord::v1::Command& command) {
    core::Decision decision = core::Decide(command, state_);
    ASSERT_TRUE(decision.ok()) << decision.error().message;
    ASSERT_EQ(decision.value().size(), 1u);
    EXPECT_EQ(decision.value()[0].event_id, command.event_id());
    EXPECT_EQ(decision.value()[0].event.SerializeAsString(),
              command.milestone().SerializeAsString());
    state_ = core::Evolve(std::move(state_), decision.value()[0]);
  }

  // Returns the message, for tests that look at it.
  std::string ThenRejected(const accord::v1::Command& command, accord::v1::RejectionCode code) {
    core::Decision decision = core::Decide(command, state_);
    EXPECT_FALSE(decision.ok());
    if (decision.ok()) return {};
    EXPECT_EQ(accord::v1::RejectionCode_Name(decision.error().code),
              accord::v1::RejectionCode_Name(code))
        << decision.error().message;
    return decision.error().message;
  }

  // Decides and folds `command`, keeping its events as recorded at
  // `recorded_at` (RFC 3339) in events_.
  void Log(const accord::v1::Command& command, const std::string& recorded_at) {
    core::Decision decision = core::Decide(command, state_);
    ASSERT_TRUE(decision.ok()) << decision.error().message;
    for (const auto& e : decision.value()) {
      state_ = core::Evolve(std::move(state_), e);
      auto& recorded = events_.emplace_back();
      recorded.mutable_record()->set_event_id(e.event_id);
      recorded.mutable_record()->set_stream_version(events_.size() - 1);
      *recorded.mutable_record()->mutable_effective() = e.effective;
      ASSERT_TRUE(google::protobuf::util::TimeUtil::FromString(
          recorded_at, recorded.mutable_record()->mutable_recorded_at()));
      *recorded.mutable_event() = e.event;
    }
  }

  static google::protobuf::Timestamp At(const std::string& text) {
    google::protobuf::Timestamp t;
    EXPECT_TRUE(google::protobuf::util::TimeUtil::FromString(text, &t));
    return t;
  }

  core::AgreementState state_;
  std::vector<accord::v1::RecordedEvent> events_;
};

}  // namespace accord::testing
