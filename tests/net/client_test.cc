// The client's own guards: it gives up on a server that says nothing, and
// refuses a frame larger than it will hold.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include "net/client.h"
#include "net/server.h"
#include "tests/testing/temp_dir.h"

namespace accord::net {
namespace {

using accord::v1::Request;
using accord::v1::Response;

// A listening socket on loopback that never reads or writes: the kernel
// completes each connection, and nothing is ever said on it.
class SilentListener {
 public:
  SilentListener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    listen(fd_, 8);
    socklen_t length = sizeof address;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() { close(fd_); }
  uint16_t port() const { return port_; }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

TEST(ClientTimeouts, ConnectingToAServerThatSaysNothingGivesUp) {
  SilentListener silent;
  ConnectOptions options;
  options.client_name = "patient";
  options.timeout = std::chrono::milliseconds(300);
  std::unique_ptr<Client> client;
  core::Status s = Client::Connect("127.0.0.1", silent.port(), options, &client);
  EXPECT_EQ(s.code(), core::Status::Code::kIOError);
  EXPECT_EQ(s.message(),
            fmt::format("the hello with 127.0.0.1:{} took over 300 ms; gave up", silent.port()));
  EXPECT_EQ(client, nullptr);
}

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store::EventStore::Open({}, dir_.path(), &store_).ok());
    ServerOptions options;
    options.port = 0;
    server_ = std::make_unique<Server>(store_.get(), options);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override { server_->Stop(); }

  accord::testing::TempDir dir_;
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<Server> server_;
};

TEST_F(ClientTest, AReceiveTimeoutEndsAWaitForAnAnswerThatDoesNotCome) {
  std::unique_ptr<Client> client;
  ASSERT_TRUE(Client::Connect("127.0.0.1", server_->port(), "subscriber", &client).ok());
  client->SetReceiveTimeout(std::chrono::milliseconds(200));
  Request subscribe;
  subscribe.mutable_subscribe();
  ASSERT_TRUE(client->Send(&subscribe).ok());
  Response caught_up;
  ASSERT_TRUE(client->Receive(&caught_up).ok());
  ASSERT_TRUE(caught_up.subscription().has_caught_up());

  // Nothing is appended: the next event never comes.
  Response none;
  core::Status s = client->Receive(&none);
  EXPECT_EQ(s.code(), core::Status::Code::kIOError);
  EXPECT_EQ(s.message(), "no answer from the server within 200 ms; the connection is closed");
  EXPECT_FALSE(client->Receive(&none).ok()) << "the connection is closed after a timeout";
}

TEST_F(ClientTest, AFrameOverTheClientsLimitIsRefusedBeforeItIsRead) {
  ConnectOptions options;
  options.client_name = "frugal";
  options.max_frame_bytes = 8;  // smaller than the hello's answer
  std::unique_ptr<Client> client;
  core::Status s = Client::Connect("127.0.0.1", server_->port(), options, &client);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("over this client's limit of 8"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace accord::net
