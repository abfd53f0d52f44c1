// The HTTP door as accordd runs it, for tests: an HttpServer over an
// Application over a store in a temporary folder, a token file with a
// logger, a second logger, an auditor and an admin, the application's clock
// set to a fixed day, and a TCP door beside it when a test asks for one.
//
// The application's store pool is a GatedPool: a test may hold it shut, and
// every read and decision handed to it (app/requests.h, Runs::kStorePool)
// then waits, counted, until the test lets it go: a request stays "in
// flight" exactly as long as the test needs, with no sleep.
//
//   class HttpServerTest : public accord::testing::HttpDoorTest {};
//   TEST_F(HttpServerTest, ...) {
//     Start();
//     auto client = Client(logger_);
//     HttpReply reply = client->Post("/api/v1/agreements", Json(b_.Propose()));
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "accord/v1/http.pb.h"
#include "app/application.h"
#include "app/auth.h"
#include "app/render.h"
#include "core/clock.h"
#include "net/http_server.h"
#include "net/server.h"
#include "store/document_store.h"
#include "store/event_store.h"
#include "tests/testing/builders.h"
#include "tests/testing/http_client.h"
#include "tests/testing/log_capture.h"
#include "tests/testing/temp_dir.h"

namespace accord::testing {

// The MoU's path in the API (builders.h's kMou).
inline const std::string kMouPath = std::string("/api/v1/agreements/") + kMou;

// The commands of a command file (one accord.v1.Command in JSON a line, as
// in examples/).
inline std::vector<accord::v1::Command> ReadCommandFile(const std::string& path) {
  std::ifstream in(path);
  std::vector<accord::v1::Command> commands;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    accord::v1::Command command;
    EXPECT_TRUE(ParseJsonMessage(line, &command)) << line;
    commands.push_back(command);
  }
  EXPECT_FALSE(commands.empty()) << path;
  return commands;
}

// Asks `done` until it holds, a millisecond apart, for at most `limit`:
// for what the server does in its own time (a projection catching up, a
// connection seen to close, a line logged). Whether it came to hold.
template <class Done>
bool Eventually(Done done, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// A thread pool that a test may hold shut (see above).
class GatedPool {
 public:
  explicit GatedPool(size_t threads) : pool_(threads) {}
  ~GatedPool() { Join(); }

  void Run(std::function<void()> work) {
    {
      std::lock_guard lock(mutex_);
      if (holding_) {
        held_.push_back(std::move(work));
        most_held_ = std::max(most_held_, held_.size());
        changed_.notify_all();
        return;
      }
    }
    boost::asio::post(pool_, std::move(work));
  }

  // From now on, work waits.
  void Hold() {
    std::lock_guard lock(mutex_);
    holding_ = true;
    most_held_ = 0;
  }
  // Lets the oldest waiting work run; false when none waits.
  bool ReleaseOne() {
    std::function<void()> work;
    {
      std::lock_guard lock(mutex_);
      if (held_.empty()) return false;
      work = std::move(held_.front());
      held_.pop_front();
    }
    boost::asio::post(pool_, std::move(work));
    return true;
  }
  // Lets everything waiting run, and stops holding.
  void Release() {
    std::deque<std::function<void()>> waiting;
    {
      std::lock_guard lock(mutex_);
      holding_ = false;
      waiting.swap(held_);
    }
    for (auto& work : waiting) boost::asio::post(pool_, std::move(work));
  }
  // Waits until at least `count` pieces of work wait; false at the deadline.
  bool AwaitHeld(size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return held_.size() >= count; });
  }
  size_t held() const {
    std::lock_guard lock(mutex_);
    return held_.size();
  }
  // The most that waited at once since Hold.
  size_t most_held() const {
    std::lock_guard lock(mutex_);
    return most_held_;
  }
  void Join() {
    Release();
    pool_.join();
  }

 private:
  boost::asio::thread_pool pool_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool holding_ = false;
  std::deque<std::function<void()>> held_;
  size_t most_held_ = 0;
};

class HttpDoorTest : public ::testing::Test {
 protected:
  // The day the application judges statuses on.
  static constexpr std::chrono::sys_days kToday{std::chrono::year(2025) / 6 / 1};

  HttpDoorTest() : clock_(kToday) {}

  void SetUp() override {
    for (auto [user, role, token] :
         {std::tuple{"legal-affairs", accord::v1::LOGGER, &logger_},
          std::tuple{"treaty-office", accord::v1::LOGGER, &other_logger_},
          std::tuple{"auditor", accord::v1::AUDITOR, &auditor_},
          std::tuple{"ops", accord::v1::ADMIN, &admin_}}) {
      auto issued = app::TokenFile::Issue(user, role);
      ASSERT_TRUE(issued.ok()) << issued.error();
      *token = issued->token;
      token_lines_ += issued->line + "\n";
    }
  }

  // Opens the store (with `store_options`), the application and the HTTP
  // door with `options` (on a free port, with the token file unless
  // options.api.tokens is set already or `authenticate` is false).
  void Start(net::HttpServerOptions options = {}, store::StoreOptions store_options = {},
             bool authenticate = true) {
    ASSERT_TRUE(store::EventStore::Open(store_options, dir_.Sub("data"), &store_).ok());
    ASSERT_TRUE(
        store::DocumentStore::Open(dir_.Sub("data"), options.max_document_bytes, &documents_).ok());
    app::ApplicationOptions app_options;
    app_options.clock = &clock_;
    app_options.search_directory = dir_.Sub("search");
    app_options.documents = documents_.get();
    application_ = std::make_unique<app::Application>(
        store_.get(), app_options,
        [this](std::function<void()> work) { pool_.Run(std::move(work)); });
    ASSERT_TRUE(application_->Open().ok());
    options.port = 0;
    if (authenticate && !options.api.tokens) options.api.tokens = Tokens();
    http_options_ = options;
    http_ = std::make_unique<net::HttpServer>(application_.get(), options);
    core::Status started = http_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }

  // A TCP door beside the HTTP one, over the same application and tokens.
  void StartTcp() {
    net::ServerOptions options;
    options.port = 0;
    options.tokens = Tokens();
    tcp_ = std::make_unique<net::Server>(application_.get(), options);
    core::Status started = tcp_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }

  void TearDown() override {
    if (http_) http_->Stop();
    if (tcp_) tcp_->Stop();
    if (application_) application_->StopListening();
    pool_.Join();
    http_.reset();
    tcp_.reset();
    application_.reset();
    store_.reset();
    documents_.reset();
  }

  app::TokenFile Tokens() const {
    auto tokens = app::TokenFile::Parse(token_lines_);
    EXPECT_TRUE(tokens.ok()) << tokens.error();
    return tokens.value();
  }

  std::unique_ptr<HttpClient> Client(const std::string& token,
                                     HttpClient::Options options = {}) const {
    options.token = token;
    return std::make_unique<HttpClient>(http_->port(), options);
  }
  std::unique_ptr<HttpClient> Client() const { return Client(admin_); }

  // The next log position: how many records the log holds.
  uint64_t Head() const { return store_->Head().next_position; }

  static std::string Json(const google::protobuf::Message& message) { return app::ToJson(message); }

  // Logs `command` over HTTP: a proposal on /api/v1/agreements, anything
  // else on its agreement's milestones; the answer must be 201.
  void MustLog(HttpClient& client, const accord::v1::Command& command,
               const HttpClient::Headers& headers = {}) {
    const bool proposal = command.milestone().has_agreement_proposed();
    HttpReply reply =
        client.Post(proposal ? "/api/v1/agreements"
                             : "/api/v1/agreements/" + command.agreement_id() + "/milestones",
                    Json(command), headers);
    ASSERT_EQ(reply.status(), 201u) << reply.error << reply.body();
  }

  // The problem details an error answer carries, checked to be one with
  // `status`: application/problem+json, an accord.v1.Problem, the same
  // status inside.
  static accord::v1::Problem ExpectProblem(const HttpReply& reply, unsigned status) {
    EXPECT_EQ(reply.status(), status) << reply.error << reply.body();
    EXPECT_EQ(reply.Header(http::field::content_type), "application/problem+json") << reply.body();
    accord::v1::Problem problem;
    EXPECT_TRUE(reply.Parse(&problem)) << reply.body();
    EXPECT_EQ(problem.status(), status) << reply.body();
    EXPECT_FALSE(problem.detail().empty()) << reply.body();
    return problem;
  }

  LogCapture log_;  // first: it outlives the servers
  TempDir dir_;
  core::ManualClock clock_;
  std::string logger_, other_logger_, auditor_, admin_;  // tokens
  std::string token_lines_;
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<store::DocumentStore> documents_;
  GatedPool pool_{4};
  std::unique_ptr<app::Application> application_;
  net::HttpServerOptions http_options_;
  std::unique_ptr<net::HttpServer> http_;
  std::unique_ptr<net::Server> tcp_;
  CommandBuilder b_;
};

}  // namespace accord::testing
