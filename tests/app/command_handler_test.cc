#include "app/command_handler.h"

#include <gtest/gtest.h>

#include <thread>

#include "tests/testing/builders.h"
#include "tests/testing/temp_dir.h"

namespace accord::app {
namespace {

using accord::testing::CommandBuilder;

class CommandHandlerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    core::Status s = store::EventStore::Open({}, dir_.path(), &store_);
    ASSERT_TRUE(s.ok()) << s.ToString();
    handler_ = std::make_unique<CommandHandler>(store_.get());
  }

  Logged MustLog(const accord::v1::Command& command) {
    auto logged = handler_->Log(command, "legal-affairs");
    EXPECT_TRUE(logged.ok()) << (logged.ok() ? "" : logged.error().Message());
    return logged.ok() ? logged.value() : Logged{};
  }

  accord::testing::TempDir dir_;
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<CommandHandler> handler_;
  CommandBuilder b_;
};

TEST_F(CommandHandlerTest, LogsMilestonesThroughTheRulesWithTheActor) {
  EXPECT_EQ(MustLog(b_.Propose()).version, 0u);
  EXPECT_EQ(MustLog(b_.Visit()).version, 1u);
  Logged terms = MustLog(b_.Terms());
  EXPECT_EQ(terms.position, 2u);

  LoadedAgreement loaded;
  ASSERT_TRUE(handler_->Load(accord::testing::kMou, &loaded).ok());
  EXPECT_EQ(loaded.event_count, 3u);
  EXPECT_EQ(loaded.state.stage, core::Stage::kAgreed);

  accord::v1::EventRecord record;
  ASSERT_TRUE(store_->FindEvent(accord::testing::Uuid(2), &record).ok());
  EXPECT_EQ(record.actor(), "legal-affairs");
  EXPECT_EQ(record.event_type(), "accord.v1.VisitHeld");
  EXPECT_EQ(record.schema_version(), 2u);
}

TEST_F(CommandHandlerTest, ALoadSeesEventsAppendedSinceItsCachedFold) {
  MustLog(b_.Propose());
  LoadedAgreement first;
  ASSERT_TRUE(handler_->Load(accord::testing::kMou, &first).ok());
  EXPECT_EQ(first.state.stage, core::Stage::kProposed);

  // Events that reach the store another way (a raw append, another handler).
  CommandHandler other(store_.get());
  ASSERT_TRUE(other.Log(b_.Terms(), "elsewhere").ok());
  ASSERT_TRUE(other.Log(b_.Sign("cospar"), "elsewhere").ok());

  LoadedAgreement cached;
  ASSERT_TRUE(handler_->Load(accord::testing::kMou, &cached).ok());
  LoadedAgreement fresh;
  ASSERT_TRUE(CommandHandler(store_.get()).Load(accord::testing::kMou, &fresh).ok());
  EXPECT_EQ(cached.event_count, 3u);
  EXPECT_EQ(cached.state.stage, core::Stage::kPartiallySigned);
  EXPECT_EQ(cached.state.history.size(), fresh.state.history.size());
  EXPECT_EQ(cached.state.stage, fresh.state.stage);
  EXPECT_TRUE(cached.state.FindParty("cospar")->signature.has_value());
}

TEST_F(CommandHandlerTest, RejectionsAreTypedAndWriteNothing) {
  MustLog(b_.Propose());
  auto refused = handler_->Log(b_.Sign("cospar"), "legal-affairs");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, LogFailure::Kind::kRejected);
  EXPECT_EQ(refused.error().rejection.code, accord::v1::TERMS_NOT_AGREED);
  EXPECT_EQ(store_->Head().next_position, 1u);

  accord::v1::Command visit = b_.Visit();
  visit.set_agreement_id("no-such-agreement");
  auto unknown = handler_->Log(visit, "legal-affairs");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().rejection.code, accord::v1::UNKNOWN_AGREEMENT);

  // An event id already used for another milestone is not a retry.
  accord::v1::Command reused = b_.Visit();
  reused.set_event_id(accord::testing::Uuid(1));
  auto duplicate = handler_->Log(reused, "legal-affairs");
  ASSERT_FALSE(duplicate.ok());
  EXPECT_TRUE(duplicate.error().status.IsDuplicateEvent()) << duplicate.error().Message();
  EXPECT_EQ(store_->Head().next_position, 1u);
}

TEST_F(CommandHandlerTest, ACommandOverALimitIsRefusedNamingTheFieldAndWritesNothing) {
  accord::v1::Command huge = b_.Propose();
  auto* proposed = huge.mutable_milestone()->mutable_agreement_proposed();
  proposed->set_title(std::string(3500000, 't'));
  auto refused = handler_->Log(huge, "legal-affairs");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, LogFailure::Kind::kStore);
  EXPECT_EQ(refused.error().status.code(), core::Status::Code::kInvalidArgument);
  EXPECT_EQ(refused.error().status.message(),
            "milestone.agreement_proposed.title is 3500000 characters, over the limit of 500");

  proposed->set_title("MoU");
  for (int i = 0; i < 10000; ++i) {
    *proposed->add_parties() = accord::testing::MakeParty(fmt::format("p{}", i), "Party");
  }
  refused = handler_->Log(huge, "legal-affairs");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().status.message(),
            "milestone.agreement_proposed.parties has 10002 elements, over the limit of 1000");
  EXPECT_EQ(store_->Head().next_position, 0u);
}

TEST_F(CommandHandlerTest, ARetriedCommandReturnsTheOriginalPosition) {
  MustLog(b_.Propose());
  MustLog(b_.Terms());
  accord::v1::Command sign = b_.Sign("cospar");
  Logged first = MustLog(sign);
  MustLog(b_.Visit());
  Logged again = MustLog(sign);
  EXPECT_TRUE(again.already_stored);
  EXPECT_EQ(again.position, first.position);
  EXPECT_EQ(store_->Head().next_position, 4u);

  accord::v1::Command altered = sign;
  altered.mutable_milestone()->mutable_agreement_signed()->mutable_signatory()->set_name("someone");
  auto refused = handler_->Log(altered, "legal-affairs");
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(refused.error().status.IsDuplicateEvent()) << refused.error().Message();
}

TEST_F(CommandHandlerTest, AStaleExpectedVersionIsRefused) {
  MustLog(b_.Propose());
  MustLog(b_.Visit());
  accord::v1::Command terms = b_.Terms();
  terms.set_expected_version(0);
  auto stale = handler_->Log(terms, "legal-affairs");
  ASSERT_FALSE(stale.ok());
  EXPECT_TRUE(stale.error().status.IsWrongExpectedVersion());
  EXPECT_NE(stale.error().Message().find("expected at version 0 but is at version 1"),
            std::string::npos)
      << stale.error().Message();
  terms.set_expected_version(1);
  MustLog(terms);
}

TEST_F(CommandHandlerTest, ConcurrentLoggersAreDecidedOneAfterAnother) {
  MustLog(b_.Propose());
  MustLog(b_.Terms());
  // Both parties sign at once: both succeed, each decided on a fresh state.
  // Two clerks record COSPAR's signature at once: one of them is refused.
  std::vector<accord::v1::Command> commands = {b_.Sign("apsco"), b_.Sign("cospar"),
                                               b_.Sign("cospar")};
  std::vector<std::optional<core::Expected<Logged, LogFailure>>> outcomes(commands.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < commands.size(); ++i) {
    threads.emplace_back([&, i] { outcomes[i].emplace(handler_->Log(commands[i], "clerk")); });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(outcomes[0]->ok());
  int cospar_ok = (outcomes[1]->ok() ? 1 : 0) + (outcomes[2]->ok() ? 1 : 0);
  EXPECT_EQ(cospar_ok, 1);
  const auto& loser = outcomes[1]->ok() ? *outcomes[2] : *outcomes[1];
  ASSERT_FALSE(loser.ok());
  EXPECT_EQ(loser.error().rejection.code, accord::v1::PARTY_ALREADY_SIGNED);

  LoadedAgreement loaded;
  ASSERT_TRUE(handler_->Load(accord::testing::kMou, &loaded).ok());
  EXPECT_EQ(loaded.state.stage, core::Stage::kSigned);
  EXPECT_EQ(loaded.event_count, 4u);
}

}  // namespace
}  // namespace accord::app
