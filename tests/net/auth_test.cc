// Identities and roles: tokens in the hello, roles per request, and the
// authenticated user as the actor of every event.
#include "app/auth.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "net/client.h"
#include "net/server.h"
#include "tests/testing/builders.h"
#include "tests/testing/temp_dir.h"

namespace accord::net {
namespace {

using app::Allows;
using app::Identity;
using app::ParseRole;
using app::RoleName;
using app::TokenFile;

using accord::testing::CommandBuilder;
using accord::v1::Request;
using accord::v1::Response;

TEST(TokenFile, StoresOnlyHashesAndAuthenticatesByToken) {
  accord::testing::TempDir dir;
  std::string path = dir.path() + "/tokens";
  auto alice = TokenFile::AddUser(path, "alice", accord::v1::LOGGER);
  auto audrey = TokenFile::AddUser(path, "audrey", accord::v1::AUDITOR);
  ASSERT_TRUE(alice.ok()) << alice.error();
  ASSERT_TRUE(audrey.ok()) << audrey.error();
  EXPECT_NE(alice->token, audrey->token);

  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str().find(alice->token), std::string::npos) << "no token in plain text";
  EXPECT_EQ(text.str().find(alice->token.substr(4, 16)), std::string::npos);
  struct stat info {};
  ASSERT_EQ(stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  auto file = TokenFile::Load(path);
  ASSERT_TRUE(file.ok()) << file.error();
  auto who = file->Authenticate(alice->token);
  ASSERT_TRUE(who.has_value());
  EXPECT_EQ(who->user, "alice");
  EXPECT_EQ(who->role, accord::v1::LOGGER);
  EXPECT_EQ(file->Authenticate(audrey->token)->role, accord::v1::AUDITOR);
  EXPECT_FALSE(file->Authenticate("").has_value());
  EXPECT_FALSE(file->Authenticate(alice->token + "x").has_value());
  EXPECT_FALSE(
      file->Authenticate("sha256:" + alice->line.substr(alice->line.rfind(':') + 1)).has_value())
      << "the stored hash is not itself a token";

  auto again = TokenFile::AddUser(path, "alice", accord::v1::ADMIN);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.error().find("already"), std::string::npos) << again.error();
}

TEST(TokenFile, MalformedLinesAreNamed) {
  const std::string hash = "sha256:" + std::string(64, 'a');
  EXPECT_TRUE(TokenFile::Parse("# users\n\nalice logger " + hash + "\n").ok());
  for (const std::string& text : std::vector<std::string>{
           "alice logger\n", "alice boss " + hash + "\n", "alice logger sha1:abcd\n",
           "alice logger " + hash + " extra\n",
           "alice logger sha256:" + std::string(64, 'G') + "\n",
           "alice logger " + hash + "\nalice auditor sha256:" + std::string(64, 'b') + "\n",
           "alice logger " + hash + "\nbob auditor " + hash + "\n"}) {
    auto parsed = TokenFile::Parse(text);
    EXPECT_FALSE(parsed.ok()) << text;
    if (!parsed.ok()) {
      EXPECT_NE(parsed.error().find("line "), std::string::npos) << parsed.error();
    }
  }
}

TEST(Roles, EachRoleMayDoItsOwnWork) {
  auto request = [](auto set) {
    Request r;
    set(r);
    return r;
  };
  Request log = request([](Request& r) { r.mutable_log_milestone(); });
  Request read = request([](Request& r) { r.mutable_get_agreement(); });
  Request verify = request([](Request& r) { r.mutable_verify_log(); });
  Request subscribe = request([](Request& r) { r.mutable_subscribe(); });
  Request proof = request([](Request& r) { r.mutable_get_consistency_proof(); });
  Request append = request([](Request& r) { r.mutable_append_events(); });
  Request backup = request([](Request& r) { r.mutable_backup(); });
  using accord::v1::ADMIN;
  using accord::v1::AUDITOR;
  using accord::v1::LOGGER;
  EXPECT_TRUE(Allows(LOGGER, log));
  EXPECT_TRUE(Allows(LOGGER, read));
  EXPECT_FALSE(Allows(LOGGER, verify));
  EXPECT_FALSE(Allows(LOGGER, subscribe));
  EXPECT_FALSE(Allows(LOGGER, append));
  EXPECT_FALSE(Allows(LOGGER, backup));
  EXPECT_FALSE(Allows(AUDITOR, log));
  EXPECT_TRUE(Allows(AUDITOR, read));
  EXPECT_TRUE(Allows(AUDITOR, verify));
  EXPECT_TRUE(Allows(AUDITOR, subscribe));
  EXPECT_TRUE(Allows(AUDITOR, proof));
  EXPECT_FALSE(Allows(AUDITOR, append));
  EXPECT_FALSE(Allows(AUDITOR, backup));
  for (const Request* r : {&log, &read, &verify, &subscribe, &proof, &append, &backup}) {
    EXPECT_TRUE(Allows(ADMIN, *r));
    EXPECT_FALSE(Allows(accord::v1::ROLE_UNSPECIFIED, *r));
  }
}

class AuthServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string path = dir_.path() + "/tokens";
    logger_ = TokenFile::AddUser(path, "legal-affairs", accord::v1::LOGGER)->token;
    auditor_ = TokenFile::AddUser(path, "auditor", accord::v1::AUDITOR)->token;
    admin_ = TokenFile::AddUser(path, "ops", accord::v1::ADMIN)->token;
    ASSERT_TRUE(store::EventStore::Open({}, dir_.path() + "/data", &store_).ok());
    ServerOptions options;
    options.port = 0;
    options.tokens = TokenFile::Load(path).value();
    server_ = std::make_unique<Server>(store_.get(), options);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override { server_->Stop(); }

  core::Status Connect(const std::string& token, std::unique_ptr<Client>* client,
                       const std::string& name = "someone-else") {
    return Client::Connect("127.0.0.1", server_->port(), ConnectOptions{name, token, ""}, client);
  }

  Response MustCall(Client& client, Request request) {
    Response response;
    core::Status s = client.Call(std::move(request), &response);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return response;
  }

  accord::testing::TempDir dir_;
  std::string logger_, auditor_, admin_;
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<Server> server_;
  CommandBuilder b_;
};

TEST_F(AuthServerTest, AMissingOrUnknownTokenIsRefusedAndClosed) {
  std::unique_ptr<Client> client;
  core::Status s = Connect("", &client);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("UNAUTHENTICATED"), std::string::npos) << s.ToString();
  s = Connect("acc_" + std::string(64, '0'), &client);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not one this server knows"), std::string::npos) << s.ToString();
  EXPECT_EQ(store_->Head().next_position, 0u);
}

TEST_F(AuthServerTest, TheActorIsTheTokensUserNotTheNameSent) {
  std::unique_ptr<Client> client;
  ASSERT_TRUE(Connect(logger_, &client, "i-am-the-director").ok());
  EXPECT_EQ(client->hello().user(), "legal-affairs");
  EXPECT_EQ(client->hello().role(), accord::v1::LOGGER);
  Request log;
  *log.mutable_log_milestone() = b_.Propose();
  ASSERT_TRUE(MustCall(*client, log).has_logged());
  Request read;
  read.mutable_read_stream()->set_stream_id(accord::testing::kMou);
  Response page = MustCall(*client, read);
  ASSERT_EQ(page.page().events_size(), 1);
  EXPECT_EQ(page.page().events(0).record().actor(), "legal-affairs");
}

TEST_F(AuthServerTest, ARequestBeyondTheRoleIsDeniedWritesNothingAndKeepsTheConnection) {
  std::unique_ptr<Client> auditor;
  ASSERT_TRUE(Connect(auditor_, &auditor).ok());
  Request log;
  *log.mutable_log_milestone() = b_.Propose();
  Response denied = MustCall(*auditor, log);
  ASSERT_TRUE(denied.has_error()) << denied.DebugString();
  EXPECT_EQ(denied.error().code(), accord::v1::PERMISSION_DENIED);
  EXPECT_EQ(store_->Head().next_position, 0u);
  Request verify;
  verify.mutable_verify_log();
  EXPECT_TRUE(MustCall(*auditor, verify).has_verified()) << "the connection stays open";

  std::unique_ptr<Client> logger;
  ASSERT_TRUE(Connect(logger_, &logger).ok());
  EXPECT_EQ(MustCall(*logger, verify).error().code(), accord::v1::PERMISSION_DENIED);
  Request append;
  append.mutable_append_events()->set_stream_id("anything");
  EXPECT_EQ(MustCall(*logger, append).error().code(), accord::v1::PERMISSION_DENIED);
  Request backup;
  backup.mutable_backup()->set_directory(dir_.path() + "/copy");
  EXPECT_EQ(MustCall(*logger, backup).error().code(), accord::v1::PERMISSION_DENIED);
  EXPECT_EQ(MustCall(*auditor, backup).error().code(), accord::v1::PERMISSION_DENIED);
  Request subscribe;
  subscribe.mutable_subscribe();
  EXPECT_EQ(MustCall(*logger, subscribe).error().code(), accord::v1::PERMISSION_DENIED);

  std::unique_ptr<Client> admin;
  ASSERT_TRUE(Connect(admin_, &admin).ok());
  EXPECT_TRUE(MustCall(*admin, backup).has_backed_up());
  EXPECT_EQ(store_->Head().next_position, 0u);
}

}  // namespace
}  // namespace accord::net
