// The HTTP door through a real HTTP client (tests/testing/http_client.h):
// every route of the table answered as documented, every error status with
// its problem details, the same codes and sentences as the TCP door,
// idempotent retries, If-Match, Location and pages, the report in three
// formats, roles, and HTTPS.
#include <gtest/gtest.h>

#include <google/protobuf/util/message_differencer.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "accord/v1/http.pb.h"
#include "accord/v1/views.pb.h"
#include "app/render.h"
#include "app/requests.h"
#include "core/hash.h"
#include "net/client.h"
#include "net/http_routes.h"
#include "tests/testing/http_door.h"
#include "tests/testing/tls_certs.h"

namespace accord::net {
namespace {

using accord::testing::CommandBuilder;
using accord::testing::HttpClient;
using accord::testing::HttpReply;
using accord::testing::kMou;
using accord::testing::kMouPath;
using accord::testing::SseEvent;
using accord::testing::SseState;
using google::protobuf::util::MessageDifferencer;

class HttpServerTest : public accord::testing::HttpDoorTest {
 protected:
  // What a route is asked, for the route and role tests: a request it
  // should answer as documented (made afresh for each call: `n` makes ids
  // and directories unique).
  struct RouteCall {
    std::string target;
    std::string body = {};
    HttpClient::Headers headers = {};
  };
  std::optional<RouteCall> GoodCall(std::string_view operation, int n) {
    const std::string id = std::to_string(n);
    if (operation == "listAgreements") return RouteCall{"/api/v1/agreements"};
    if (operation == "proposeAgreement") {
      return RouteCall{"/api/v1/agreements",
                       Json(CommandBuilder("proposed-" + id, 1000 * (n + 1ULL)).Propose())};
    }
    if (operation == "search") return RouteCall{"/api/v1/search?q=visit"};
    if (operation == "getAgreement") return RouteCall{kMouPath};
    if (operation == "getTimeline") return RouteCall{kMouPath + "/timeline"};
    if (operation == "getHistory") return RouteCall{kMouPath + "/history"};
    if (operation == "getTimelineSvg") return RouteCall{kMouPath + "/timeline.svg"};
    if (operation == "getAudit") return RouteCall{kMouPath + "/audit"};
    if (operation == "getAgreementCalendar") return RouteCall{kMouPath + "/calendar.ics"};
    if (operation == "getDesk") return RouteCall{"/api/v1/desk"};
    if (operation == "parseDate") return RouteCall{"/api/v1/dates?text=June%202023"};
    if (operation == "getCalendar") return RouteCall{"/api/v1/calendar.ics"};
    if (operation == "logMilestone") {
      return RouteCall{kMouPath + "/milestones", Json(b_.Note("note " + id))};
    }
    if (operation == "followAgreement") return RouteCall{kMouPath + "/stream"};
    if (operation == "readLog") return RouteCall{"/api/v1/log"};
    if (operation == "getLogRecord") return RouteCall{"/api/v1/log/0"};
    if (operation == "followLog") return RouteCall{"/api/v1/stream"};
    if (operation == "appendEvents") {
      accord::v1::AppendEvents append;
      *append.add_events() = accord::testing::NoteEvent(900000 + n);
      return RouteCall{"/api/v1/streams/imported-" + id + "/events", Json(append)};
    }
    if (operation == "getHealth") return RouteCall{"/api/v1/health"};
    if (operation == "verifyLog") return RouteCall{"/api/v1/verify"};
    if (operation == "getCheckpoint") return RouteCall{"/api/v1/checkpoint"};
    if (operation == "getInclusionProof") return RouteCall{"/api/v1/proofs/inclusion?position=0"};
    if (operation == "getConsistencyProof") {
      return RouteCall{"/api/v1/proofs/consistency?first=1"};
    }
    if (operation == "getReport") return RouteCall{"/api/v1/report"};
    if (operation == "getReportAs") return RouteCall{"/api/v1/report.json"};
    if (operation == "backup") {
      accord::v1::Backup backup;
      backup.set_directory(dir_.Sub("backup-" + id));
      return RouteCall{"/api/v1/backup", Json(backup)};
    }
    if (operation == "getOpenApi") return RouteCall{"/api/v1/openapi.json"};
    // One document, attached again on each call (a new event each time),
    // then read: the routes come in that order. Its type is the one the
    // download route documents.
    const std::string document = "the signed memorandum";
    const std::string digest = core::HexEncode(core::Sha256(document));
    if (operation == "attachDocument") {
      return RouteCall{kMouPath + "/documents?name=signed-" + id + ".pdf",
                       document,
                       {{"Content-Type", "application/octet-stream"}}};
    }
    if (operation == "getDocument") return RouteCall{"/api/v1/documents/" + digest};
    if (operation == "findDocument") return RouteCall{"/api/v1/documents/" + digest + "/records"};
    if (operation == "getLiveness") return RouteCall{"/healthz"};
    if (operation == "getReadiness") return RouteCall{"/readyz"};
    if (operation == "getMetrics") return RouteCall{"/metrics"};
    if (operation == "signIn") {
      accord::v1::SignIn sign_in;
      sign_in.set_token(admin_);
      return RouteCall{"/api/v1/session", Json(sign_in)};
    }
    if (operation == "getSession") return RouteCall{"/api/v1/session", "", SessionHeaders(admin_)};
    if (operation == "signOut") return RouteCall{"/api/v1/session", "", SessionHeaders(admin_)};
    if (operation == "getWebDesk") return RouteCall{"/"};
    if (operation == "getWebFile") return RouteCall{"/web/index.html"};
    return std::nullopt;
  }

  // The cookie and CSRF token of a browser's new session, signed in with
  // `token`.
  HttpClient::Headers SessionHeaders(const std::string& token) {
    accord::v1::SignIn sign_in;
    sign_in.set_token(token);
    HttpReply reply = Client("")->Post("/api/v1/session", Json(sign_in));
    EXPECT_EQ(reply.status(), 201u) << reply.body();
    accord::v1::Session session;
    EXPECT_TRUE(reply.Parse(&session)) << reply.body();
    const std::string cookie = reply.Header(http::field::set_cookie);
    return {{"Cookie", cookie.substr(0, cookie.find(';'))}, {"X-CSRF-Token", session.csrf_token()}};
  }

  // Asks `route` with `call`; a stream route's first event is read and the
  // stream closed.
  static HttpReply Ask(HttpClient& client, const Route& route, const RouteCall& call,
                       SseEvent* first_event = nullptr) {
    if (route.action == RouteAction::kEventStream) {
      HttpReply head = client.OpenStream(call.target, call.headers);
      if (head.status() == 200 && first_event != nullptr) {
        EXPECT_EQ(client.NextEvent(first_event), SseState::kEvent) << route.path;
      }
      client.Close();
      return head;
    }
    return client.Call(route.method, call.target, call.body, call.headers);
  }

  // The MoU proposed, visited and its terms agreed, over HTTP.
  void LogTheMousFirstSteps(HttpClient& client) {
    MustLog(client, b_.Propose());
    MustLog(client, b_.Visit());
    MustLog(client, b_.Terms());
  }

  // The body of a problem answer as the TCP door would say it: code and
  // sentence.
  static std::pair<std::string, std::string> CodeAndSentence(const accord::v1::Response& r) {
    if (r.has_rejected()) {
      return {accord::v1::RejectionCode_Name(r.rejected().code()), r.rejected().message()};
    }
    return {accord::v1::ErrorCode_Name(r.error().code()), r.error().message()};
  }
};

TEST_F(HttpServerTest, EveryRouteAnswersItsDocumentedStatusWithABodyOfItsMessage) {
  Start();
  auto client = Client();
  LogTheMousFirstSteps(*client);
  int n = 0;
  for (const Route& route : HttpRoutes()) {
    SCOPED_TRACE(std::string(route.operation_id));
    std::optional<RouteCall> call = GoodCall(route.operation_id, ++n);
    ASSERT_TRUE(call.has_value()) << "a route without a test: give it a call in GoodCall";
    ASSERT_FALSE(route.answers.empty());
    const Answer& documented = route.answers.front();
    SseEvent first;
    HttpReply reply = Ask(*client, route, *call, &first);
    ASSERT_EQ(reply.status(), static_cast<unsigned>(documented.status))
        << reply.error << reply.body();
    if (documented.media_type != "*/*") {  // "*/*": the file's own type
      EXPECT_EQ(reply.Header(http::field::content_type).rfind(documented.media_type, 0), 0u)
          << reply.Header(http::field::content_type) << " is not " << documented.media_type;
    }
    if (documented.media_type.empty()) {
      EXPECT_TRUE(reply.body().empty()) << reply.body();
    } else if (route.action == RouteAction::kEventStream) {
      EXPECT_EQ(first.type, kRecordedEvent);
      accord::v1::RecordedEvent event;
      EXPECT_TRUE(accord::testing::ParseJsonMessage(first.data, &event)) << first.data;
      EXPECT_EQ(event.record().stream_id(), kMou);
    } else if (documented.body != nullptr) {
      std::unique_ptr<google::protobuf::Message> message(
          google::protobuf::MessageFactory::generated_factory()
              ->GetPrototype(documented.body)
              ->New());
      EXPECT_TRUE(reply.Parse(message.get())) << reply.body();
    } else {
      EXPECT_FALSE(reply.body().empty());
    }
  }
}

TEST_F(HttpServerTest, BadRequestsAre400WithProblemDetailsAndWriteNothing) {
  Start();
  auto client = Client();
  MustLog(*client, b_.Propose());
  const uint64_t head = Head();
  struct Case {
    http::verb method;
    std::string target;
    std::string body;
    std::string says;  // in the problem's detail
  };
  accord::v1::Command note = b_.Note("refused");
  const std::vector<Case> cases = {
      {http::verb::get, "/api/v1/log?limit=many", "", "limit is 'many'"},
      {http::verb::get, "/api/v1/log/first", "", "position is 'first'"},
      {http::verb::get, "/api/v1/agreements?colour=blue", "", "not 'colour'"},
      {http::verb::get, "/api/v1/health?verbose=1", "", "takes no query parameters"},
      {http::verb::get, "/api/v1/agreements?stage=NEARLY", "", "stage is 'NEARLY'"},
      {http::verb::get, kMouPath + "?true_on=someday", "", "true_on"},
      {http::verb::get, kMouPath + "?recorded_before=yesterday", "", "RFC 3339"},
      {http::verb::get, "/api/v1/log?limit=1&limit=2", "", "given twice"},
      {http::verb::get, "/api/v1/proofs/inclusion?position=0&event_id=x", "", "one of them"},
      {http::verb::post, kMouPath + "/milestones", "{not json", "not a accord.v1.Command"},
      {http::verb::post, kMouPath + "/milestones", R"({"colour": "blue"})",
       "not a accord.v1.Command"},
      {http::verb::post, "/api/v1/agreements/another/milestones", Json(note),
       "is not the path's 'another'"},
      {http::verb::get, "/api/v1/health", R"({"a": 1})", "takes no body"},
      {http::verb::post, "/api/v1/verify", "{}", "takes no body"},
      {http::verb::get, "/api/v1/agreements?access_token=" + admin_, "", "never in a URL"},
      {http::verb::get, "/api/v1/health?token=" + admin_, "", "never in a URL"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.target);
    HttpReply reply = client->Call(c.method, c.target, c.body);
    accord::v1::Problem problem = ExpectProblem(reply, 400);
    EXPECT_EQ(problem.code(), "INVALID_ARGUMENT");
    EXPECT_NE(problem.detail().find(c.says), std::string::npos) << problem.detail();
  }
  EXPECT_EQ(Head(), head);
  // A token refused in the URL is refused without a header too: never
  // taken as a credential.
  auto anonymous = Client("");
  EXPECT_EQ(anonymous->Get("/api/v1/health?access_token=" + admin_).status(), 400u);
}

TEST_F(HttpServerTest, AMissingOrUnknownTokenIs401WithWwwAuthenticate) {
  Start();
  const uint64_t head = Head();
  const std::string body = Json(b_.Propose());
  auto nobody = Client("");
  HttpReply reply = nobody->Post("/api/v1/agreements", body);
  EXPECT_EQ(ExpectProblem(reply, 401).code(), "UNAUTHENTICATED");
  EXPECT_EQ(reply.Header(http::field::www_authenticate), "Bearer realm=\"accord\"");

  auto stranger = Client("not-a-token-this-server-knows");
  reply = stranger->Post("/api/v1/agreements", body);
  EXPECT_EQ(ExpectProblem(reply, 401).code(), "UNAUTHENTICATED");
  EXPECT_EQ(reply.Header(http::field::www_authenticate),
            "Bearer realm=\"accord\", error=\"invalid_token\"");

  reply = nobody->Get("/api/v1/health", {{"Authorization", "Basic YWxpY2U6c2VjcmV0"}});
  EXPECT_EQ(ExpectProblem(reply, 401).detail(), "the Authorization header must be Bearer <token>");
  EXPECT_TRUE(reply.Has(http::field::www_authenticate));
  EXPECT_EQ(nobody->OpenStream("/api/v1/stream").status(), 401u);
  EXPECT_EQ(Head(), head);

  // The probes and the document need no token.
  auto probe = Client("");
  EXPECT_EQ(probe->Get("/healthz").status(), 200u);
  EXPECT_EQ(probe->Get("/readyz").status(), 200u);
  EXPECT_EQ(probe->Get("/api/v1/openapi.json").status(), 200u);
}

TEST_F(HttpServerTest, UnknownRoutesAgreementsAndPositionsAre404) {
  Start();
  auto client = Client();
  MustLog(*client, b_.Propose());
  EXPECT_EQ(ExpectProblem(client->Get("/api/v1/nothing-here"), 404).code(), "NOT_FOUND");
  EXPECT_EQ(ExpectProblem(client->Get("/api/v2/agreements"), 404).code(), "NOT_FOUND");
  EXPECT_EQ(ExpectProblem(client->Get("/api/v1/agreements/no-such-thing"), 404).code(),
            "NOT_FOUND");
  EXPECT_EQ(ExpectProblem(client->Get("/api/v1/agreements/no-such-thing/timeline"), 404).code(),
            "NOT_FOUND");
  accord::v1::Problem past_the_end = ExpectProblem(client->Get("/api/v1/log/1"), 404);
  EXPECT_EQ(past_the_end.code(), "NOT_FOUND");
  EXPECT_NE(past_the_end.detail().find("the log is shorter"), std::string::npos);
  EXPECT_EQ(client->Get("/api/v1/log/0").status(), 200u);
}

TEST_F(HttpServerTest, AMethodARouteDoesNotTakeIs405WithAllow) {
  Start();
  auto client = Client();
  HttpReply reply = client->Call(http::verb::delete_, "/api/v1/agreements");
  ExpectProblem(reply, 405);
  EXPECT_EQ(reply.Header(http::field::allow), "GET, POST");
  reply = client->Call(http::verb::put, "/api/v1/health", "{}");
  ExpectProblem(reply, 405);
  EXPECT_EQ(reply.Header(http::field::allow), "GET");
  reply = client->Get("/api/v1/verify");
  ExpectProblem(reply, 405);
  EXPECT_EQ(reply.Header(http::field::allow), "POST");
  // An event stream has no HEAD.
  reply = client->Call(http::verb::head, "/api/v1/stream");
  EXPECT_EQ(reply.status(), 405u) << reply.error;
  EXPECT_EQ(reply.Header(http::field::allow), "GET");
  EXPECT_EQ(client->Get("/healthz").status(), 200u) << "the connection goes on";
}

TEST_F(HttpServerTest, AnAcceptTheRouteCannotServeIs406) {
  Start();
  auto client = Client();
  MustLog(*client, b_.Propose());
  EXPECT_EQ(ExpectProblem(client->Get("/api/v1/health", {{"Accept", "text/csv"}}), 406).code(),
            "INVALID_ARGUMENT");
  ExpectProblem(client->Get(kMouPath, {{"Accept", "text/html, image/*;q=0.5"}}), 406);
  ExpectProblem(client->Get("/api/v1/report", {{"Accept", "image/png"}}), 406);
  ExpectProblem(client->Get("/api/v1/report", {{"Accept", "text/csv;q=0, */*;q=0"}}), 406);
  HttpReply stream = client->OpenStream("/api/v1/stream", {{"Accept", "application/json"}});
  EXPECT_EQ(stream.status(), 406u) << stream.body();
  // What they can serve, they do.
  EXPECT_EQ(client->Get("/api/v1/health", {{"Accept", "application/*"}}).status(), 200u);
  EXPECT_EQ(client->Get(kMouPath, {{"Accept", "text/html, */*;q=0.1"}}).status(), 200u);
}

TEST_F(HttpServerTest, ConflictsAre409AndWriteNothing) {
  Start();
  auto client = Client(logger_);
  accord::v1::Command propose = b_.Propose();
  MustLog(*client, propose);
  const uint64_t head = Head();

  // The same event id with other content.
  accord::v1::Command reused = b_.Visit();
  reused.set_event_id(propose.event_id());
  EXPECT_EQ(ExpectProblem(client->Post(kMouPath + "/milestones", Json(reused)), 409).code(),
            "DUPLICATE_EVENT");

  // The body's expected version, stale.
  accord::v1::Command stale = b_.Visit();
  stale.set_expected_version(5);
  accord::v1::Problem problem =
      ExpectProblem(client->Post(kMouPath + "/milestones", Json(stale)), 409);
  EXPECT_EQ(problem.code(), "WRONG_EXPECTED_VERSION");
  EXPECT_EQ(problem.current_version(), 0u);

  // A raw append whose body expects another version of its stream.
  auto admin = Client(admin_);
  accord::v1::AppendEvents append;
  append.mutable_expected()->set_exact(3);
  *append.add_events() = accord::testing::NoteEvent(700001);
  HttpReply reply = admin->Post(std::string("/api/v1/streams/") + kMou + "/events", Json(append));
  EXPECT_EQ(ExpectProblem(reply, 409).code(), "WRONG_EXPECTED_VERSION");
  EXPECT_EQ(Head(), head);
}

TEST_F(HttpServerTest, ABodyThatIsNotJsonIs415) {
  Start();
  auto client = Client();
  const std::string body = Json(b_.Propose());
  HttpReply reply = client->Post("/api/v1/agreements", body, {{"Content-Type", "text/plain"}});
  EXPECT_EQ(ExpectProblem(reply, 415).code(), "INVALID_ARGUMENT");
  reply = client->Post("/api/v1/agreements", body,
                       {{"Content-Type", "application/x-www-form-urlencoded"}});
  ExpectProblem(reply, 415);
  EXPECT_EQ(Head(), 0u);
  // JSON with its charset is JSON.
  reply = client->Post("/api/v1/agreements", body,
                       {{"Content-Type", "application/json; charset=utf-8"}});
  EXPECT_EQ(reply.status(), 201u) << reply.body();
}

TEST_F(HttpServerTest, ALifecycleRefusalIs422WithTheRulesCodeAndSentenceAndWritesNothing) {
  Start();
  auto client = Client(logger_);
  MustLog(*client, b_.Propose());
  const uint64_t head = Head();
  HttpReply reply = client->Post(kMouPath + "/milestones", Json(b_.Sign("esa")));
  accord::v1::Problem problem = ExpectProblem(reply, 422);
  EXPECT_TRUE(problem.rejected());
  EXPECT_NE(problem.code(), "");
  EXPECT_TRUE(accord::v1::RejectionCode_IsValid(
      accord::v1::RejectionCode_descriptor()->FindValueByName(problem.code())->number()))
      << problem.code();
  EXPECT_NE(problem.detail().find(kMou), std::string::npos) << "names the agreement";
  EXPECT_EQ(Head(), head) << "nothing written";
  EXPECT_EQ(client->Get("/api/v1/log/" + std::to_string(head)).status(), 404u);
}

// The commands of examples/NAME.
std::vector<accord::v1::Command> ExampleCommands(const std::string& name) {
  return accord::testing::ReadCommandFile(std::string(ACCORD_EXAMPLES_DIR) + "/" + name);
}

TEST_F(HttpServerTest, RefusalsCarryTheTcpDoorsCodeAndSentence) {
  Start();
  StartTcp();
  auto http = Client(logger_);
  for (const accord::v1::Command& command : ExampleCommands("cospar-apsco-mou.ndjson")) {
    MustLog(*http, command);
  }
  std::unique_ptr<net::Client> tcp;
  ASSERT_TRUE(
      net::Client::Connect("127.0.0.1", tcp_->port(), ConnectOptions{"tcp", logger_, ""}, &tcp)
          .ok());
  const uint64_t head = Head();

  // The reference story's mistakes, each refused by both doors alike.
  int compared = 0;
  for (const accord::v1::Command& command : ExampleCommands("mistakes.ndjson")) {
    SCOPED_TRACE(command.event_id());
    accord::v1::Request request;
    *request.mutable_log_milestone() = command;
    accord::v1::Response by_tcp;
    ASSERT_TRUE(tcp->Call(request, &by_tcp).ok());
    ASSERT_TRUE(by_tcp.has_rejected() || by_tcp.has_error()) << by_tcp.DebugString();
    HttpReply by_http = http->Post(kMouPath + "/milestones", Json(command));
    accord::v1::Problem problem = ExpectProblem(
        by_http,
        by_tcp.has_rejected() ? 422 : static_cast<unsigned>(HttpStatusOf(by_tcp.error().code())));
    EXPECT_EQ(problem.rejected(), by_tcp.has_rejected());
    EXPECT_EQ(std::pair(problem.code(), problem.detail()), CodeAndSentence(by_tcp));
    ++compared;
  }
  EXPECT_EQ(compared, 4);

  // And what is not a milestone: an unknown agreement, a role's limit.
  accord::v1::Request get;
  get.mutable_get_agreement()->set_agreement_id("no-such-agreement");
  accord::v1::Response by_tcp;
  ASSERT_TRUE(tcp->Call(get, &by_tcp).ok());
  accord::v1::Problem problem =
      ExpectProblem(http->Get("/api/v1/agreements/no-such-agreement"), 404);
  EXPECT_EQ(std::pair(problem.code(), problem.detail()), CodeAndSentence(by_tcp));

  accord::v1::Request verify;
  verify.mutable_verify_log();
  ASSERT_TRUE(tcp->Call(verify, &by_tcp).ok());
  problem = ExpectProblem(http->Post("/api/v1/verify", ""), 403);
  EXPECT_EQ(std::pair(problem.code(), problem.detail()), CodeAndSentence(by_tcp));
  EXPECT_EQ(Head(), head) << "nothing written by either door";
}

TEST_F(HttpServerTest, ARetryWithTheSameIdempotencyKeyIsAnsweredAsTheFirstAndWritesNothing) {
  Start();
  auto logger = Client(logger_);
  MustLog(*logger, b_.Propose());
  accord::v1::Command note = b_.Note("minutes of the call");
  note.clear_event_id();
  const HttpClient::Headers key = {{"Idempotency-Key", "minutes-2024-11-05"}};

  HttpReply first = logger->Post(kMouPath + "/milestones", Json(note), key);
  ASSERT_EQ(first.status(), 201u) << first.body();
  accord::v1::Logged logged;
  ASSERT_TRUE(first.Parse(&logged));
  EXPECT_FALSE(logged.already_logged());
  const uint64_t head = Head();

  HttpReply again = logger->Post(kMouPath + "/milestones", Json(note), key);
  ASSERT_EQ(again.status(), 200u) << again.body();
  accord::v1::Logged retried;
  ASSERT_TRUE(again.Parse(&retried));
  EXPECT_TRUE(retried.already_logged());
  EXPECT_EQ(retried.position(), logged.position());
  EXPECT_EQ(again.Header(http::field::location), first.Header(http::field::location));
  EXPECT_EQ(Head(), head) << "nothing written";

  // The key is the user's own: another user's same key is another event.
  auto colleague = Client(other_logger_);
  HttpReply theirs = colleague->Post(kMouPath + "/milestones", Json(note), key);
  ASSERT_EQ(theirs.status(), 201u) << theirs.body();
  accord::v1::Logged their_logged;
  ASSERT_TRUE(theirs.Parse(&their_logged));
  EXPECT_NE(their_logged.position(), logged.position());
  EXPECT_EQ(Head(), head + 1);

  // A key and another event id in the body contradict each other.
  accord::v1::Command with_id = note;
  with_id.set_event_id(accord::testing::Uuid(424242));
  HttpReply contradiction = logger->Post(kMouPath + "/milestones", Json(with_id), key);
  EXPECT_NE(ExpectProblem(contradiction, 400).detail().find("not both"), std::string::npos);

  // The body's event id alone makes a retry as well.
  accord::v1::Command by_id = b_.Note("by its event id");
  HttpReply once = logger->Post(kMouPath + "/milestones", Json(by_id));
  ASSERT_EQ(once.status(), 201u) << once.body();
  HttpReply twice = logger->Post(kMouPath + "/milestones", Json(by_id));
  ASSERT_EQ(twice.status(), 200u) << twice.body();
  accord::v1::Logged by_id_logged;
  ASSERT_TRUE(twice.Parse(&by_id_logged));
  EXPECT_TRUE(by_id_logged.already_logged());
  EXPECT_EQ(Head(), head + 2);

  // A proposal retried by its key answers the first too.
  accord::v1::Command proposal = CommandBuilder("second-mou", 5000).Propose();
  proposal.clear_event_id();
  const HttpClient::Headers proposal_key = {{"Idempotency-Key", "second-mou-proposal"}};
  EXPECT_EQ(logger->Post("/api/v1/agreements", Json(proposal), proposal_key).status(), 201u);
  EXPECT_EQ(logger->Post("/api/v1/agreements", Json(proposal), proposal_key).status(), 200u);
  EXPECT_EQ(Head(), head + 3);
}

TEST_F(HttpServerTest, AStaleIfMatchIs412WithTheCurrentETagAndWritesNothing) {
  Start();
  auto client = Client(logger_);
  MustLog(*client, b_.Propose());
  HttpReply agreement = client->Get(kMouPath);
  ASSERT_EQ(agreement.status(), 200u);
  const std::string etag = agreement.Header(http::field::etag);
  EXPECT_EQ(etag, "\"0\"");

  HttpReply logged = client->Post(kMouPath + "/milestones", Json(b_.Visit()), {{"If-Match", etag}});
  ASSERT_EQ(logged.status(), 201u) << logged.body();
  EXPECT_EQ(logged.Header(http::field::etag), "\"1\"");
  const uint64_t head = Head();

  HttpReply stale = client->Post(kMouPath + "/milestones", Json(b_.Terms()), {{"If-Match", etag}});
  accord::v1::Problem problem = ExpectProblem(stale, 412);
  EXPECT_EQ(problem.code(), "WRONG_EXPECTED_VERSION");
  EXPECT_EQ(stale.Header(http::field::etag), "\"1\"");
  EXPECT_EQ(problem.current_version(), 1u);
  EXPECT_EQ(Head(), head) << "nothing written";
  EXPECT_EQ(client->Get(kMouPath).Header(http::field::etag), "\"1\"");

  // Not an ETag at all; and If-Match against the body's expectedVersion.
  EXPECT_EQ(client->Post(kMouPath + "/milestones", Json(b_.Terms()), {{"If-Match", "1"}}).status(),
            400u);
  accord::v1::Command both = b_.Terms();
  both.set_expected_version(0);
  EXPECT_EQ(client->Post(kMouPath + "/milestones", Json(both), {{"If-Match", "\"1\""}}).status(),
            400u);

  // A raw append's If-Match is its stream's version, 412 too.
  auto admin = Client(admin_);
  accord::v1::AppendEvents append;
  *append.add_events() = accord::testing::NoteEvent(800001);
  HttpReply raw = admin->Post(std::string("/api/v1/streams/") + kMou + "/events", Json(append),
                              {{"If-Match", "\"0\""}});
  EXPECT_EQ(ExpectProblem(raw, 412).code(), "WRONG_EXPECTED_VERSION");
  EXPECT_EQ(raw.Header(http::field::etag), "\"1\"");
  EXPECT_EQ(Head(), head);
}

TEST_F(HttpServerTest, ACreatedAnswerNamesWhereItIsAndFollowingItWorks) {
  Start();
  auto client = Client();
  HttpReply proposed = client->Post("/api/v1/agreements", Json(b_.Propose()));
  ASSERT_EQ(proposed.status(), 201u) << proposed.body();
  EXPECT_EQ(proposed.Header(http::field::location), kMouPath);
  HttpReply agreement = client->Get(proposed.Header(http::field::location));
  ASSERT_EQ(agreement.status(), 200u) << agreement.body();
  accord::v1::AgreementSummary summary;
  ASSERT_TRUE(agreement.Parse(&summary));
  EXPECT_EQ(summary.agreement_id(), kMou);

  HttpReply visited = client->Post(kMouPath + "/milestones", Json(b_.Visit()));
  ASSERT_EQ(visited.status(), 201u) << visited.body();
  EXPECT_EQ(visited.Header(http::field::location), "/api/v1/log/1");
  HttpReply record = client->Get(visited.Header(http::field::location));
  ASSERT_EQ(record.status(), 200u);
  accord::v1::RecordedEvent event;
  ASSERT_TRUE(record.Parse(&event));
  EXPECT_EQ(event.record().position(), 1u);
  EXPECT_TRUE(event.event().has_visit_held());

  accord::v1::AppendEvents append;
  for (uint64_t id = 600001; id <= 600003; ++id) {
    *append.add_events() = accord::testing::NoteEvent(id);
  }
  HttpReply appended = client->Post("/api/v1/streams/imported/events", Json(append));
  ASSERT_EQ(appended.status(), 201u) << appended.body();
  EXPECT_EQ(appended.Header(http::field::location), "/api/v1/log/2");
  record = client->Get(appended.Header(http::field::location));
  ASSERT_EQ(record.status(), 200u);
  ASSERT_TRUE(record.Parse(&event));
  EXPECT_EQ(event.record().stream_id(), "imported");
  EXPECT_EQ(event.record().stream_version(), 0u);
  HttpReply again = client->Post("/api/v1/streams/imported/events", Json(append));
  EXPECT_EQ(again.status(), 200u) << "already stored";
  EXPECT_EQ(again.Header(http::field::location), "/api/v1/log/2");
}

// The target of a Link header's rel="next"; empty when there is none.
std::string NextLink(const HttpReply& reply) {
  std::string link = reply.Header(http::field::link);
  if (link.empty()) return "";
  EXPECT_EQ(link.front(), '<') << link;
  size_t close = link.find('>');
  EXPECT_NE(link.find("rel=\"next\"", close), std::string::npos) << link;
  return link.substr(1, close - 1);
}

// Follows a listing from `target` by its Link rel="next" to the end, each
// page parsed as a `PageMessage` and held to at most `limit` items, which
// `items` gives as text: every item of every page, in order.
template <class PageMessage, class Items>
std::vector<std::string> FollowPages(HttpClient& client, std::string target, int limit,
                                     Items items) {
  std::vector<std::string> all;
  for (int pages = 0; !target.empty(); ++pages) {
    HttpReply page = client.Get(target);
    PageMessage message;
    if (page.status() != 200 || !page.Parse(&message) || pages > 100) {
      ADD_FAILURE() << target << ": " << page.error << page.body();
      break;
    }
    std::vector<std::string> these = items(message);
    EXPECT_LE(these.size(), static_cast<size_t>(limit)) << target << ": the limit holds";
    all.insert(all.end(), these.begin(), these.end());
    target = NextLink(page);
    EXPECT_EQ(target.empty(), message.end_of_data()) << page.body();
  }
  return all;
}

std::vector<std::string> AgreementIds(const accord::v1::AgreementList& list) {
  std::vector<std::string> ids;
  for (const auto& a : list.agreements()) ids.push_back(a.agreement_id());
  return ids;
}

std::vector<std::string> Positions(const accord::v1::Page& page) {
  std::vector<std::string> positions;
  for (const auto& e : page.events()) positions.push_back(std::to_string(e.record().position()));
  return positions;
}

TEST_F(HttpServerTest, PagesFollowTheirNextLinkToTheEndEachItemOnce) {
  Start();
  auto client = Client();
  for (int i = 0; i < 5; ++i) {
    CommandBuilder builder("agreement-" + std::to_string(i), 1000 * (i + 1ULL));
    MustLog(*client, builder.Propose());
    if (i % 2 == 0) MustLog(*client, builder.Terms());  // AGREED, the others PROPOSED
  }
  using Strings = std::vector<std::string>;
  EXPECT_EQ(FollowPages<accord::v1::AgreementList>(*client, "/api/v1/agreements?limit=2", 2,
                                                   AgreementIds),
            (Strings{"agreement-0", "agreement-1", "agreement-2", "agreement-3", "agreement-4"}));
  // A filter holds on every page too.
  EXPECT_EQ(FollowPages<accord::v1::AgreementList>(
                *client, "/api/v1/agreements?stage=AGREED&limit=1", 1, AgreementIds),
            (Strings{"agreement-0", "agreement-2", "agreement-4"}));
  // The log by position, and one agreement's history (positions 0 and 1).
  Strings every_position;
  for (uint64_t i = 0; i < Head(); ++i) every_position.push_back(std::to_string(i));
  EXPECT_EQ(FollowPages<accord::v1::Page>(*client, "/api/v1/log?limit=3", 3, Positions),
            every_position);
  EXPECT_EQ(FollowPages<accord::v1::Page>(*client, "/api/v1/agreements/agreement-0/history?limit=1",
                                          1, Positions),
            (Strings{"0", "1"}));
}

TEST_F(HttpServerTest, TheReportIsServedAsJsonCsvAndMarkdownByAcceptAndBySuffix) {
  Start();
  auto client = Client(logger_);
  for (const accord::v1::Command& command : ExampleCommands("cospar-apsco-mou.ndjson")) {
    MustLog(*client, command);
  }
  for (const accord::v1::Command& command : ExampleCommands("apsco-convention.ndjson")) {
    MustLog(*client, command);
  }
  HttpReply json = client->Get("/api/v1/report");
  ASSERT_EQ(json.status(), 200u) << json.body();
  EXPECT_EQ(json.Header(http::field::content_type), "application/json");
  accord::v1::AgreementsReport report;
  ASSERT_TRUE(json.Parse(&report)) << json.body();
  ASSERT_GT(report.convention_parties_size(), 0) << "the Convention's parties are in it";
  const std::string csv = app::RenderReportCsv(report);
  const std::string markdown = app::RenderReportMarkdown(report);

  struct Case {
    std::string target;
    std::string accept;
    std::string content_type;
    std::string body;  // empty: the JSON report
  };
  const std::vector<Case> cases = {
      {"/api/v1/report", "application/json", "application/json", ""},
      {"/api/v1/report", "text/csv", "text/csv; charset=utf-8", csv},
      {"/api/v1/report", "text/markdown", "text/markdown; charset=utf-8", markdown},
      {"/api/v1/report", "text/csv;q=0.5, text/markdown", "text/markdown; charset=utf-8", markdown},
      {"/api/v1/report", "text/*", "text/csv; charset=utf-8", csv},
      {"/api/v1/report", "*/*", "application/json", ""},
      {"/api/v1/report.json", "", "application/json", ""},
      {"/api/v1/report.csv", "", "text/csv; charset=utf-8", csv},
      {"/api/v1/report.md", "", "text/markdown; charset=utf-8", markdown},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.target + " Accept: " + c.accept);
    HttpReply reply =
        c.accept.empty() ? client->Get(c.target) : client->Get(c.target, {{"Accept", c.accept}});
    ASSERT_EQ(reply.status(), 200u) << reply.body();
    EXPECT_EQ(reply.Header(http::field::content_type), c.content_type);
    if (c.body.empty()) {
      accord::v1::AgreementsReport again;
      ASSERT_TRUE(reply.Parse(&again));
      EXPECT_TRUE(MessageDifferencer::Equals(again, report));
    } else {
      EXPECT_EQ(reply.body(), c.body);
    }
  }
  // A format the route does not list is a bad parameter, not JSON.
  accord::v1::Problem problem = ExpectProblem(client->Get("/api/v1/report.pdf"), 400);
  EXPECT_NE(problem.detail().find("json, csv, md"), std::string::npos) << problem.detail();
}

TEST_F(HttpServerTest, EachRoleMayCallTheRoutesItsRowAllowsAndIsRecordedAsTheTokensUser) {
  Start();
  auto admin = Client(admin_);
  MustLog(*admin, b_.Propose());
  struct Role {
    accord::v1::Role role;
    std::string token;
    std::string user;
  };
  const std::vector<Role> roles = {{accord::v1::LOGGER, logger_, "legal-affairs"},
                                   {accord::v1::AUDITOR, auditor_, "auditor"},
                                   {accord::v1::ADMIN, admin_, "ops"}};
  int n = 0;
  int denied = 0;
  for (const Route& route : HttpRoutes()) {
    if (route.kind == accord::v1::Request::KIND_NOT_SET) continue;
    const app::RequestKind* row = app::FindRequestKind(route.kind);
    ASSERT_NE(row, nullptr) << route.operation_id;
    // With the role's token, and with a browser's session signed in with it.
    for (const auto& [role, by_session] : std::vector<std::pair<Role, bool>>{{roles[0], false},
                                                                             {roles[0], true},
                                                                             {roles[1], false},
                                                                             {roles[1], true},
                                                                             {roles[2], false},
                                                                             {roles[2], true}}) {
      SCOPED_TRACE(std::string(route.operation_id) + " as " + role.user +
                   (by_session ? " (session)" : " (bearer)"));
      auto client = Client(by_session ? "" : role.token);
      std::optional<RouteCall> call = GoodCall(route.operation_id, ++n);
      ASSERT_TRUE(call.has_value());
      if (by_session) {
        for (auto& header : SessionHeaders(role.token)) call->headers.push_back(header);
      }
      const uint64_t head = Head();
      HttpReply reply = Ask(*client, route, *call);
      if (row->Allows(role.role)) {
        EXPECT_EQ(reply.status(), static_cast<unsigned>(route.answers.front().status))
            << reply.body();
      } else {
        accord::v1::Problem problem = ExpectProblem(reply, 403);
        EXPECT_EQ(problem.code(), "PERMISSION_DENIED");
        EXPECT_NE(problem.detail().find(role.user), std::string::npos) << problem.detail();
        EXPECT_EQ(Head(), head) << "nothing written";
        ++denied;
      }
      // Whatever is written is recorded as the token's user.
      if (reply.status() == 201 && reply.Has(http::field::location) &&
          route.kind != accord::v1::Request::kBackup) {
        std::string location = reply.Header(http::field::location);
        if (location.rfind("/api/v1/agreements/", 0) == 0 ||
            location.rfind("/api/v1/documents/", 0) == 0) {
          location = "/api/v1/log/" + std::to_string(head);
        }
        HttpReply record = admin->Get(location);
        accord::v1::RecordedEvent event;
        ASSERT_TRUE(record.Parse(&event)) << record.body();
        EXPECT_EQ(event.record().actor(), role.user);
      }
    }
  }
  EXPECT_GT(denied, 10) << "loggers and auditors are each denied some routes";
}

TEST_F(HttpServerTest, AHeadRequestIsAnsweredWithTheHeadOnly) {
  Start();
  auto client = Client();
  MustLog(*client, b_.Propose());
  HttpReply get = client->Get(kMouPath);
  HttpReply head = client->Call(http::verb::head, kMouPath);
  ASSERT_EQ(head.status(), 200u) << head.error;
  EXPECT_TRUE(head.body().empty());
  EXPECT_EQ(head.Header(http::field::content_length), std::to_string(get.body().size()));
  EXPECT_EQ(head.Header(http::field::etag), get.Header(http::field::etag));
  EXPECT_EQ(client->Get("/healthz").status(), 200u) << "the connection goes on";
}

class HttpsTest : public accord::testing::HttpDoorTest {
 protected:
  void StartTls() {
    files_ = accord::testing::MakeTlsFiles(dir_.path());
    HttpServerOptions options;
    options.tls_certificate_file = files_.server_certificate;
    options.tls_key_file = files_.server_key;
    Start(options);
  }
  accord::testing::TlsFiles files_;
};

TEST_F(HttpsTest, AClientThatTrustsTheCaIsServedAndAPlainOneGetsNothing) {
  StartTls();
  HttpClient::Options trusting;
  trusting.tls_ca_file = files_.ca_certificate;
  auto client = Client(logger_, trusting);
  MustLog(*client, b_.Propose());
  HttpReply agreement = client->Get(kMouPath);
  ASSERT_EQ(agreement.status(), 200u) << agreement.error << agreement.body();
  accord::v1::AgreementSummary summary;
  ASSERT_TRUE(agreement.Parse(&summary));
  EXPECT_EQ(summary.title(), "Memorandum of Understanding between COSPAR and APSCO");

  // Plain HTTP to the TLS port: no HTTP answer, the connection closed.
  auto plain = Client(logger_);
  HttpReply nothing = plain->Get(kMouPath);
  EXPECT_EQ(nothing.status(), 0u) << nothing.body();
  EXPECT_NE(log_.text().find("TLS handshake with 127.0.0.1:"), std::string::npos) << log_.text();

  // A client trusting another CA refuses the server.
  std::filesystem::create_directories(dir_.Sub("other"));
  auto other = accord::testing::MakeTlsFiles(dir_.Sub("other"), "xx other CA");
  HttpClient::Options mistrusting;
  mistrusting.tls_ca_file = other.ca_certificate;
  auto suspicious = Client(logger_, mistrusting);
  EXPECT_FALSE(suspicious->Connect());
  EXPECT_NE(suspicious->error().find("certificate verify failed"), std::string::npos)
      << suspicious->error();

  // The server goes on, for the same client and a new one.
  EXPECT_EQ(client->Get("/api/v1/health").status(), 200u);
  auto another = Client(auditor_, trusting);
  EXPECT_EQ(another->Get(kMouPath).status(), 200u);
  SseEvent event;
  ASSERT_EQ(another->OpenStream("/api/v1/stream").status(), 200u);
  ASSERT_EQ(another->NextEvent(&event), SseState::kEvent);
  EXPECT_EQ(event.type, kRecordedEvent);
  EXPECT_EQ(Head(), 1u);
}

}  // namespace
}  // namespace accord::net
