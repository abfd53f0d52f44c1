// GET /api/v1/search through a real HTTP client against a real server: the
// MoU's visit found by a delegate's name, hits that lead to the event,
// filters and limits, the 400s, every role, and the search index's lag in
// health, /readyz and the metrics.
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "accord/v1/http.pb.h"
#include "accord/v1/search.pb.h"
#include "app/search_index.h"
#include "net/client.h"
#include "tests/testing/http_door.h"

namespace accord::net {
namespace {

using accord::testing::HttpClient;
using accord::testing::HttpReply;

// `text` fit for a query string: every byte but letters and digits escaped.
std::string Escaped(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c)) {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

class HttpSearchTest : public accord::testing::HttpDoorTest {
 protected:
  // The MoU of examples/, logged over HTTP as the logger.
  void LogTheMou() {
    auto client = Client(logger_);
    for (const auto& command : accord::testing::ReadCommandFile(std::string(ACCORD_EXAMPLES_DIR) +
                                                                "/cospar-apsco-mou.ndjson")) {
      MustLog(*client, command);
    }
  }

  static accord::v1::SearchResults Results(const HttpReply& reply) {
    EXPECT_EQ(reply.status(), 200u) << reply.error << reply.body();
    EXPECT_EQ(reply.Header(http::field::content_type), "application/json");
    accord::v1::SearchResults results;
    EXPECT_TRUE(reply.Parse(&results)) << reply.body();
    return results;
  }
};

constexpr char kVisit[] = "c05a0000-0000-4000-8000-000000000002";

TEST_F(HttpSearchTest, FindsTheVisitByADelegatesNameAndTheHitLeadsToTheEvent) {
  Start();
  LogTheMou();
  auto client = Client(logger_);
  accord::v1::SearchResults results = Results(client->Get("/api/v1/search?q=Hedman"));
  ASSERT_EQ(results.hits_size(), 1);
  const accord::v1::SearchHit& hit = results.hits(0);
  EXPECT_EQ(hit.event_id(), kVisit);
  EXPECT_EQ(hit.agreement_id(), "cospar-apsco-mou");
  EXPECT_EQ(hit.agreement_title(), "Memorandum of Understanding between COSPAR and APSCO");
  EXPECT_EQ(hit.event_type(), "accord.v1.VisitHeld");
  EXPECT_EQ(hit.field(), "delegation");
  EXPECT_NE(hit.snippet().find("<mark>Hedman</mark>"), std::string::npos) << hit.snippet();
  EXPECT_EQ(results.estimated_total(), 1u);

  // The hit's position is the event's record in the log.
  HttpReply record = client->Get("/api/v1/log/" + std::to_string(hit.position()));
  ASSERT_EQ(record.status(), 200u) << record.body();
  accord::v1::RecordedEvent event;
  ASSERT_TRUE(record.Parse(&event));
  EXPECT_EQ(event.record().event_id(), kVisit);
  EXPECT_TRUE(event.event().has_visit_held());

  // The JSON is protobuf's mapping: lowerCamelCase names.
  HttpReply raw = client->Get("/api/v1/search?q=Hedman");
  for (const char* name :
       {"\"hits\"", "\"agreementId\"", "\"agreementTitle\"", "\"position\"", "\"eventId\"",
        "\"eventType\"", "\"field\"", "\"snippet\"", "\"estimatedTotal\""}) {
    EXPECT_NE(raw.body().find(name), std::string::npos) << name << " in " << raw.body();
  }
}

TEST_F(HttpSearchTest, PhrasesPrefixesFiltersAndLimits) {
  Start();
  LogTheMou();
  auto admin = Client();
  accord::testing::CommandBuilder other("other-mou", 500);
  MustLog(*admin, other.Propose());
  auto client = Client(auditor_);
  auto ids = [&](const std::string& query) {
    accord::v1::SearchResults results = Results(client->Get("/api/v1/search?q=" + Escaped(query)));
    std::vector<std::string> found;
    for (const auto& hit : results.hits()) found.push_back(hit.event_id());
    return found;
  };
  EXPECT_EQ(ids("\"Xu Yansong\""), std::vector<std::string>{kVisit});
  EXPECT_TRUE(ids("\"Yansong Xu\"").empty());
  EXPECT_EQ(ids("Hedm*"), std::vector<std::string>{kVisit});
  EXPECT_TRUE(ids("Hedman Sharjah").empty());

  EXPECT_EQ(Results(client->Get("/api/v1/search?q=COSPAR")).hits_size(), 8);
  EXPECT_EQ(Results(client->Get("/api/v1/search?q=COSPAR&limit=3")).hits_size(), 3);
  accord::v1::SearchResults only =
      Results(client->Get("/api/v1/search?q=COSPAR&agreement=other-mou"));
  ASSERT_EQ(only.hits_size(), 1);
  EXPECT_EQ(only.hits(0).agreement_id(), "other-mou");
  EXPECT_EQ(only.estimated_total(), 1u);
  // Nothing found is an empty answer, not an error.
  EXPECT_EQ(Results(client->Get("/api/v1/search?q=nowhere-to-be-found")).hits_size(), 0);
}

TEST_F(HttpSearchTest, AnEmptyMissingOrOverlongQueryIs400NamingTheLimit) {
  Start();
  LogTheMou();
  auto client = Client(logger_);
  struct Case {
    std::string target;
    std::string says;
  };
  const std::string too_long(app::kMaxSearchQueryChars + 1, 'x');
  for (const Case& c : std::vector<Case>{
           {"/api/v1/search", "q, what to find, is required"},
           {"/api/v1/search?q=", "the query is empty"},
           {"/api/v1/search?q=%20%20", "the query is empty"},
           {"/api/v1/search?q=" + too_long, "501 characters, over the limit of 500"},
           {"/api/v1/search?q=visit&limit=many", "limit is 'many'"},
           {"/api/v1/search?q=visit&page=2", "page"},
       }) {
    SCOPED_TRACE(c.target);
    accord::v1::Problem problem = ExpectProblem(client->Get(c.target), 400);
    EXPECT_EQ(problem.code(), "INVALID_ARGUMENT");
    EXPECT_NE(problem.detail().find(c.says), std::string::npos) << problem.detail();
  }
  // 500 characters is within the limit.
  EXPECT_EQ(client->Get("/api/v1/search?q=" + std::string(app::kMaxSearchQueryChars, 'x')).status(),
            200u);
}

TEST_F(HttpSearchTest, EveryRoleMaySearchAndAStrangerMayNot) {
  Start();
  LogTheMou();
  for (const std::string* token : {&logger_, &auditor_, &admin_}) {
    EXPECT_EQ(Results(Client(*token)->Get("/api/v1/search?q=Hedman")).hits_size(), 1);
  }
  EXPECT_EQ(ExpectProblem(Client("")->Get("/api/v1/search?q=Hedman"), 401).code(),
            "UNAUTHENTICATED");
}

TEST_F(HttpSearchTest, TheTcpDoorAnswersTheSameSearch) {
  Start();
  StartTcp();
  LogTheMou();
  std::unique_ptr<net::Client> tcp;
  ASSERT_TRUE(net::Client::Connect("127.0.0.1", tcp_->port(),
                                   ConnectOptions{"search-test", auditor_, ""}, &tcp)
                  .ok());
  accord::v1::Request request;
  request.mutable_search()->set_query("Hedman");
  accord::v1::Response response;
  ASSERT_TRUE(tcp->Call(request, &response).ok());
  ASSERT_TRUE(response.has_search_results()) << response.DebugString();
  accord::v1::SearchResults by_http =
      Results(HttpDoorTest::Client(auditor_)->Get("/api/v1/search?q=Hedman"));
  EXPECT_EQ(response.search_results().SerializeAsString(), by_http.SerializeAsString());
}

TEST_F(HttpSearchTest, HealthReadinessAndMetricsShowTheSearchIndexCatchingUp) {
  Start();
  LogTheMou();
  auto client = Client(auditor_);
  // The index catches up on the store pool after each commit.
  ASSERT_TRUE(accord::testing::Eventually([&] { return client->Get("/readyz").status() == 200; }));
  accord::v1::Health health;
  ASSERT_TRUE(client->Get("/api/v1/health").Parse(&health));
  bool listed = false;
  for (const auto& projection : health.projections()) {
    if (projection.name() != "search-index") continue;
    listed = true;
    EXPECT_EQ(projection.checkpoint(), Head());
    EXPECT_EQ(projection.lag(), 0u);
  }
  EXPECT_TRUE(listed) << health.DebugString();
  EXPECT_NE(client->Get("/metrics")
                .body()
                .find("accord_projection_lag_events{projection=\"search-index\"} 0\n"),
            std::string::npos);

  // Held: the store pool runs nothing, so the index cannot catch up. A raw
  // append is queued for the commit without the pool.
  pool_.Hold();
  accord::v1::AppendEvents append;
  *append.add_events() = accord::testing::NoteEvent(9001, "held");
  ASSERT_EQ(Client()->Post("/api/v1/streams/held/events", Json(append)).status(), 201u);
  HttpReply ready = client->Get("/readyz");
  EXPECT_EQ(ready.status(), 503u) << ready.body();
  EXPECT_NE(ready.body().find("search-index is 1 events behind"), std::string::npos)
      << ready.body();
  EXPECT_NE(client->Get("/metrics")
                .body()
                .find("accord_projection_lag_events{projection=\"search-index\"} 1\n"),
            std::string::npos);
  pool_.Release();
  EXPECT_TRUE(accord::testing::Eventually([&] { return client->Get("/readyz").status() == 200; }));
}

}  // namespace
}  // namespace accord::net
