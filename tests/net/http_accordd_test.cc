// The HTTP door of the real accordd (tests/testing/accordd_process.h), end
// to end: the reference story logged over HTTP with a token from the token
// file reads back the same over HTTP and over TCP, and the OpenAPI document
// served is the one generated from the route table.
#include <gtest/gtest.h>

#include <google/protobuf/util/message_differencer.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "accord/v1/search.pb.h"
#include "accord/v1/views.pb.h"
#include "app/auth.h"
#include "net/client.h"
#include "net/http_api.h"
#include "net/openapi.h"
#include "tests/testing/accordd_process.h"
#include "tests/testing/http_door.h"
#include "tests/testing/temp_dir.h"

namespace accord::net {
namespace {

using accord::testing::HttpClient;
using accord::testing::HttpReply;
using google::protobuf::util::MessageDifferencer;

TEST(HttpAccordd, TheMouLoggedOverHttpReadsTheSameOverHttpAndTcp) {
  accord::testing::TempDir dir;
  auto logger = app::TokenFile::AddUser(dir.Sub("tokens"), "legal-affairs", accord::v1::LOGGER);
  ASSERT_TRUE(logger.ok()) << logger.error();
  accord::testing::AccorddProcess server(ACCORD_ACCORDD,
                                         {"--data", dir.Sub("data"), "--tokens", dir.Sub("tokens")},
                                         dir.Sub("accordd.log"));
  ASSERT_TRUE(server.WaitUntilServing()) << server.log();
  ASSERT_NE(server.http_port(), 0) << server.log();

  HttpClient::Options options;
  options.token = logger->token;
  HttpClient http(server.http_port(), options);
  const auto commands = accord::testing::ReadCommandFile(std::string(ACCORD_EXAMPLES_DIR) +
                                                         "/cospar-apsco-mou.ndjson");
  const std::string agreement = commands.front().agreement_id();
  const std::string path = "/api/v1/agreements/" + agreement;
  for (int pass = 0; pass < 2; ++pass) {  // the second logs nothing twice
    for (const accord::v1::Command& command : commands) {
      SCOPED_TRACE(command.event_id());
      HttpReply reply =
          http.Post(command.milestone().has_agreement_proposed() ? "/api/v1/agreements"
                                                                 : path + "/milestones",
                    app::ToJson(command));
      ASSERT_EQ(reply.status(), pass == 0 ? 201u : 200u) << reply.error << reply.body();
    }
  }

  HttpReply by_http = http.Get(path);
  ASSERT_EQ(by_http.status(), 200u) << by_http.body();
  accord::v1::AgreementSummary summary;
  ASSERT_TRUE(by_http.Parse(&summary)) << by_http.body();
  EXPECT_EQ(by_http.Header(http::field::etag), "\"" + std::to_string(commands.size() - 1) + "\"");

  std::unique_ptr<net::Client> tcp;
  core::Status connected = net::Client::Connect(
      "127.0.0.1", server.port(), ConnectOptions{"http-test", logger->token, ""}, &tcp);
  ASSERT_TRUE(connected.ok()) << connected.ToString();
  accord::v1::Request get;
  get.mutable_get_agreement()->set_agreement_id(agreement);
  accord::v1::Response by_tcp;
  ASSERT_TRUE(tcp->Call(get, &by_tcp).ok());
  ASSERT_TRUE(by_tcp.has_agreement()) << by_tcp.DebugString();
  std::string differences;
  MessageDifferencer differ;
  differ.ReportDifferencesToString(&differences);
  EXPECT_TRUE(differ.Compare(summary, by_tcp.agreement())) << differences;

  accord::v1::Request timeline;
  timeline.mutable_get_timeline()->set_agreement_id(agreement);
  ASSERT_TRUE(tcp->Call(timeline, &by_tcp).ok());
  accord::v1::Timeline by_http_timeline;
  ASSERT_TRUE(http.Get(path + "/timeline").Parse(&by_http_timeline));
  EXPECT_TRUE(MessageDifferencer::Equals(by_http_timeline, by_tcp.timeline()));

  // The document needs no token, and is the generator's.
  HttpClient anyone(server.http_port());
  HttpReply document = anyone.Get("/api/v1/openapi.json");
  ASSERT_EQ(document.status(), 200u);
  EXPECT_EQ(document.Header(http::field::content_type), "application/json");
  EXPECT_EQ(document.body(), OpenApiDocument(kApiVersion));

  EXPECT_EQ(server.Stop(), 0) << server.log();
}

// The web desk from --web-dir, and sessions as long as --session-minutes, in
// the real accordd; a --web-dir that is no folder is refused at start.
TEST(HttpAccordd, ServesTheWebDeskFromWebDirWithSessionsOfSessionMinutes) {
  accord::testing::TempDir dir;
  auto logger = app::TokenFile::AddUser(dir.Sub("tokens"), "legal-affairs", accord::v1::LOGGER);
  ASSERT_TRUE(logger.ok()) << logger.error();
  std::filesystem::create_directories(dir.Sub("web"));
  std::ofstream(dir.Sub("web/index.html")) << "<!doctype html><title>from disk</title>";
  accord::testing::AccorddProcess server(ACCORD_ACCORDD,
                                         {"--data", dir.Sub("data"), "--tokens", dir.Sub("tokens"),
                                          "--web-dir", dir.Sub("web"), "--session-minutes", "10"},
                                         dir.Sub("accordd.log"));
  ASSERT_TRUE(server.WaitUntilServing()) << server.log();
  HttpClient browser(server.http_port(), {});
  HttpReply page = browser.Get("/");
  ASSERT_EQ(page.status(), 200u) << page.body();
  EXPECT_EQ(page.body(), "<!doctype html><title>from disk</title>");
  EXPECT_EQ(browser.Get("/web/..%2Ftokens").status(), 400u);
  EXPECT_EQ(browser.Get("/web/../tokens").status(), 404u);

  HttpReply signed_in = browser.Post("/api/v1/session", "{\"token\": \"" + logger->token + "\"}");
  ASSERT_EQ(signed_in.status(), 201u) << signed_in.body();
  EXPECT_TRUE(signed_in.Header(http::field::set_cookie).ends_with("; Max-Age=600"))
      << signed_in.Header(http::field::set_cookie);

  accord::testing::AccorddProcess refused(
      ACCORD_ACCORDD,
      {"--data", dir.Sub("data2"), "--tokens", dir.Sub("tokens"), "--web-dir", dir.Sub("none")},
      dir.Sub("refused.log"));
  EXPECT_EQ(refused.WaitForExit(), 2) << refused.log();
  EXPECT_NE(refused.log().find("--web-dir"), std::string::npos) << refused.log();
}

// The search index of the real accordd: kept in DATA/search beside the
// store, resumed after a restart, rebuilt when the folder is lost.
TEST(HttpAccordd, TheSearchIndexIsKeptBesideTheStoreResumedAndRebuiltWhenLost) {
  accord::testing::TempDir dir;
  const std::vector<std::string> args = {"--data", dir.Sub("data"), "--no-auth"};
  auto hedman = [](accord::testing::AccorddProcess& server) {
    HttpClient http(server.http_port());
    HttpReply reply = http.Get("/api/v1/search?q=Hedman");
    accord::v1::SearchResults results;
    EXPECT_EQ(reply.status(), 200u) << reply.body();
    EXPECT_TRUE(reply.Parse(&results)) << reply.body();
    return results.hits_size() == 1 ? results.hits(0).event_id() : std::string("none");
  };
  const std::string visit = "c05a0000-0000-4000-8000-000000000002";
  const std::string building = "building the search index";
  {
    accord::testing::AccorddProcess server(ACCORD_ACCORDD, args, dir.Sub("first.log"));
    ASSERT_TRUE(server.WaitUntilServing()) << server.log();
    HttpClient http(server.http_port());
    for (const accord::v1::Command& command : accord::testing::ReadCommandFile(
             std::string(ACCORD_EXAMPLES_DIR) + "/cospar-apsco-mou.ndjson")) {
      HttpReply reply =
          http.Post(command.milestone().has_agreement_proposed()
                        ? "/api/v1/agreements"
                        : "/api/v1/agreements/" + command.agreement_id() + "/milestones",
                    app::ToJson(command));
      ASSERT_EQ(reply.status(), 201u) << reply.body();
    }
    EXPECT_EQ(hedman(server), visit);
    EXPECT_NE(server.log().find(building + " in " + dir.Sub("data/search") +
                                " from the log: it holds no index yet"),
              std::string::npos)
        << server.log();
    EXPECT_EQ(server.Stop(), 0) << server.log();
  }
  ASSERT_TRUE(std::filesystem::exists(dir.Sub("data/search/iamglass")));
  {
    accord::testing::AccorddProcess server(ACCORD_ACCORDD, args, dir.Sub("second.log"));
    ASSERT_TRUE(server.WaitUntilServing()) << server.log();
    EXPECT_EQ(hedman(server), visit);
    EXPECT_EQ(server.log().find(building), std::string::npos) << "resumed: " << server.log();
    // `accord search` over the TCP door: one line a hit.
    std::string command = fmt::format("{} --port {} search Hedman 2>&1", ACCORD_CLI, server.port());
    std::string out;
    if (FILE* pipe = popen(command.c_str(), "r")) {
      char buffer[4096];
      while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) out.append(buffer, n);
      EXPECT_EQ(pclose(pipe), 0) << out;
    }
    for (const char* part : {"cospar-apsco-mou", "VisitHeld",
                             "delegation: ", "Mr. Niklas Hedman; COSPAR General Counsel; cospar"}) {
      EXPECT_NE(out.find(part), std::string::npos) << part << " in " << out;
    }
    EXPECT_EQ(server.Stop(), 0) << server.log();
  }
  std::filesystem::remove_all(dir.Sub("data/search"));
  {
    accord::testing::AccorddProcess server(ACCORD_ACCORDD, args, dir.Sub("third.log"));
    ASSERT_TRUE(server.WaitUntilServing()) << server.log();
    EXPECT_EQ(hedman(server), visit);
    EXPECT_NE(server.log().find(building), std::string::npos) << server.log();
    // verify checks the index against the log too.
    HttpClient http(server.http_port());
    EXPECT_EQ(http.Post("/api/v1/verify", "").status(), 200u);
    EXPECT_EQ(server.Stop(), 0) << server.log();
  }
}

}  // namespace
}  // namespace accord::net
