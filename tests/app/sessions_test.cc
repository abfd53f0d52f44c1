// The browser sessions' table (app/sessions.h): ids and CSRF tokens that are
// random and distinct, absolute expiry on the injected clock, the oldest
// ended first past the limit, and an ended session gone.
#include "app/sessions.h"

#include <gtest/gtest.h>

#include "core/clock.h"

namespace accord::app {
namespace {

using std::chrono::minutes;

class SessionsTest : public ::testing::Test {
 protected:
  core::ManualClock clock_{std::chrono::sys_days(std::chrono::year(2025) / 6 / 1)};
  Identity logger_{"legal-affairs", accord::v1::LOGGER};
};

TEST_F(SessionsTest, StartGivesRandomIdsAndTokensFoundUntilTheyExpire) {
  Sessions sessions({.lifetime = minutes(30), .clock = &clock_});
  auto first = sessions.Start(logger_);
  auto second = sessions.Start(logger_);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->id.size(), 64u);
  EXPECT_EQ(first->csrf_token.size(), 64u);
  EXPECT_NE(first->id, second->id);
  EXPECT_NE(first->csrf_token, second->csrf_token);
  EXPECT_NE(first->id, first->csrf_token);
  EXPECT_EQ(first->expires_at, clock_.Now() + minutes(30));

  std::optional<BrowserSession> found = sessions.Find(first->id);
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->id.empty()) << "the table keeps no id to give back";
  EXPECT_EQ(found->csrf_token, first->csrf_token);
  EXPECT_EQ(found->identity.user, "legal-affairs");
  EXPECT_FALSE(sessions.Find(first->csrf_token)) << "a CSRF token is no session id";

  clock_.Advance(minutes(29));
  EXPECT_TRUE(sessions.Find(first->id));
  clock_.Advance(minutes(1));
  EXPECT_FALSE(sessions.Find(first->id)) << "expiry is absolute: finding it did not extend it";
  EXPECT_EQ(sessions.size(), 0u) << "expired sessions are forgotten";
}

TEST_F(SessionsTest, EndForgetsTheSession) {
  Sessions sessions({.clock = &clock_});
  auto session = sessions.Start(logger_);
  ASSERT_TRUE(session.ok());
  EXPECT_TRUE(sessions.End(session->id));
  EXPECT_FALSE(sessions.Find(session->id));
  EXPECT_FALSE(sessions.End(session->id));
}

TEST_F(SessionsTest, PastTheLimitTheOldestEnds) {
  Sessions sessions({.max_sessions = 2, .clock = &clock_});
  auto first = sessions.Start(logger_);
  auto second = sessions.Start(logger_);
  auto third = sessions.Start(logger_);
  ASSERT_TRUE(first.ok() && second.ok() && third.ok());
  EXPECT_EQ(sessions.size(), 2u);
  EXPECT_FALSE(sessions.Find(first->id));
  EXPECT_TRUE(sessions.Find(second->id));
  EXPECT_TRUE(sessions.Find(third->id));
}

TEST(SecretsEqual, ComparesWholeSecrets) {
  EXPECT_TRUE(SecretsEqual("abc", "abc"));
  EXPECT_FALSE(SecretsEqual("abc", "abd"));
  EXPECT_FALSE(SecretsEqual("abc", "ab"));
  EXPECT_FALSE(SecretsEqual("", "a"));
}

}  // namespace
}  // namespace accord::app
