// TLS on the listener, with a CA and a server certificate made in the test.
#include <gtest/gtest.h>

#include "net/client.h"
#include "net/server.h"
#include "tests/testing/builders.h"
#include "tests/testing/log_capture.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/tls_certs.h"

namespace accord::net {
namespace {

using accord::v1::Request;
using accord::v1::Response;

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    files_ = accord::testing::MakeTlsFiles(dir_.path());
    ASSERT_TRUE(store::EventStore::Open({}, dir_.path() + "/data", &store_).ok());
    ServerOptions options;
    options.port = 0;
    options.tls_certificate_file = files_.server_certificate;
    options.tls_key_file = files_.server_key;
    server_ = std::make_unique<Server>(store_.get(), options);
    core::Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }
  void TearDown() override { server_->Stop(); }

  core::Status Connect(const std::string& ca, std::unique_ptr<Client>* client,
                       const std::string& host = "127.0.0.1") {
    return Client::Connect(host, server_->port(), ConnectOptions{"tls-client", "", ca}, client);
  }

  accord::testing::LogCapture log_;  // first: it outlives the server
  accord::testing::TempDir dir_;
  accord::testing::TlsFiles files_;
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<Server> server_;
};

TEST_F(TlsTest, AClientThatTrustsTheCaLogsAndReadsOverTls) {
  std::unique_ptr<Client> client;
  core::Status s = Connect(files_.ca_certificate, &client);
  ASSERT_TRUE(s.ok()) << s.ToString();
  accord::testing::CommandBuilder b;
  Request log;
  *log.mutable_log_milestone() = b.Propose();
  Response logged;
  ASSERT_TRUE(client->Call(log, &logged).ok());
  EXPECT_TRUE(logged.has_logged()) << logged.DebugString();
  Request read;
  read.mutable_get_agreement()->set_agreement_id(accord::testing::kMou);
  Response agreement;
  ASSERT_TRUE(client->Call(read, &agreement).ok());
  EXPECT_EQ(agreement.agreement().title(), "Memorandum of Understanding between COSPAR and APSCO");

  // Also by name, as the certificate says localhost.
  std::unique_ptr<Client> by_name;
  s = Connect(files_.ca_certificate, &by_name, "localhost");
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(TlsTest, AServerSignedByAnotherCaIsRefused) {
  auto other = accord::testing::MakeTlsFiles(dir_.path(), "xx other CA");
  std::unique_ptr<Client> client;
  core::Status s = Connect(other.ca_certificate, &client);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("TLS"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("certificate verify failed"), std::string::npos) << s.ToString();
}

TEST_F(TlsTest, APlainClientIsNotServedAndTheServerGoesOn) {
  std::unique_ptr<Client> plain;
  core::Status s = Client::Connect("127.0.0.1", server_->port(), "plain", &plain);
  EXPECT_FALSE(s.ok()) << "a plain hello is not a TLS handshake";
  EXPECT_NE(log_.text().find("TLS handshake with 127.0.0.1:"), std::string::npos) << log_.text();
  std::unique_ptr<Client> client;
  s = Connect(files_.ca_certificate, &client);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(store_->Head().next_position, 0u);
  Request health;
  health.mutable_get_health();
  Response h;
  ASSERT_TRUE(client->Call(health, &h).ok());
  ASSERT_EQ(h.health().doors_size(), 1);
  EXPECT_EQ(h.health().doors(0).dropped_protocol_errors(), 1u) << "the failed handshake";
}

TEST(TlsOptions, AMissingCertificateIsANamedError) {
  accord::testing::TempDir dir;
  std::unique_ptr<store::EventStore> store;
  ASSERT_TRUE(store::EventStore::Open({}, dir.path(), &store).ok());
  ServerOptions options;
  options.port = 0;
  options.tls_certificate_file = dir.path() + "/missing.pem";
  options.tls_key_file = dir.path() + "/missing.key";
  Server server(store.get(), options);
  core::Status s = server.Start();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("missing.pem"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace accord::net
