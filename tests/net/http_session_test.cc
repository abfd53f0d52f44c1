// Signing in from a browser (docs/http.md, "Signing in from a browser"),
// the security headers, and the web desk's files, through a real HTTP client
// against a real server: the session cookie and its attributes, CSRF tokens
// on changes made with it, sign-out and expiry on the injected clock, roles,
// Bearer beside the cookie, and the page and its files with ETags, built in
// or read from --web-dir.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "accord/v1/http.pb.h"
#include "core/hash.h"
#include "net/http_routes.h"
#include "net/web_files.h"
#include "tests/testing/http_door.h"
#include "tests/testing/tls_certs.h"

namespace accord::net {
namespace {

using accord::testing::HttpClient;
using accord::testing::HttpReply;
using accord::testing::kMouPath;
using accord::testing::SseEvent;
using accord::testing::SseState;

constexpr std::string_view kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'";

// A signed-in browser: the cookie it sends, and the session the door gave.
struct Browser {
  std::string cookie;  // "accord_session=<id>"
  std::string set_cookie;
  accord::v1::Session session;

  HttpClient::Headers Cookie() const { return {{"Cookie", cookie}}; }
  HttpClient::Headers CookieAndCsrf(const std::string& csrf = "") const {
    return {{"Cookie", cookie}, {"X-CSRF-Token", csrf.empty() ? session.csrf_token() : csrf}};
  }
};

class HttpSessionTest : public accord::testing::HttpDoorTest {
 protected:
  // A client that sends no Authorization header: a browser's.
  std::unique_ptr<HttpClient> BrowserClient(HttpClient::Options options = {}) const {
    return Client("", std::move(options));
  }

  static HttpReply SignIn(HttpClient& client, const std::string& token) {
    accord::v1::SignIn sign_in;
    sign_in.set_token(token);
    return client.Post("/api/v1/session", Json(sign_in));
  }

  // Signs in with `token`, which must work.
  static Browser MustSignIn(HttpClient& client, const std::string& token) {
    HttpReply reply = SignIn(client, token);
    Browser browser;
    EXPECT_EQ(reply.status(), 201u) << reply.error << reply.body();
    EXPECT_TRUE(reply.Parse(&browser.session)) << reply.body();
    browser.set_cookie = reply.Header(http::field::set_cookie);
    browser.cookie = browser.set_cookie.substr(0, browser.set_cookie.find(';'));
    return browser;
  }

  void LogTheProposal() {
    auto admin = Client();
    MustLog(*admin, b_.Propose());
  }

  static void ExpectSecurityHeaders(const HttpReply& reply, bool tls) {
    EXPECT_EQ(reply.Header("Content-Security-Policy"), kPolicy);
    EXPECT_EQ(reply.Header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(reply.Header("Referrer-Policy"), "no-referrer");
    EXPECT_EQ(reply.Header("X-Frame-Options"), "DENY");
    EXPECT_EQ(reply.Header("Cross-Origin-Opener-Policy"), "same-origin");
    EXPECT_EQ(reply.Header("Strict-Transport-Security"), tls ? "max-age=31536000" : "");
  }
};

TEST_F(HttpSessionTest, SigningInSetsAnHttpOnlyStrictCookieAndGivesTheSession) {
  Start();
  auto browser_client = BrowserClient();
  HttpReply reply = SignIn(*browser_client, logger_);
  ASSERT_EQ(reply.status(), 201u) << reply.body();
  accord::v1::Session session;
  ASSERT_TRUE(reply.Parse(&session)) << reply.body();
  EXPECT_EQ(session.user(), "legal-affairs");
  EXPECT_EQ(session.role(), "logger");
  EXPECT_EQ(session.csrf_token().size(), 64u);
  EXPECT_EQ(session.expires_at().seconds(),
            std::chrono::system_clock::to_time_t(clock_.Now() + std::chrono::minutes(480)));
  EXPECT_EQ(reply.Header(http::field::cache_control), "no-store");

  const std::string set_cookie = reply.Header(http::field::set_cookie);
  ASSERT_TRUE(set_cookie.starts_with("accord_session=")) << set_cookie;
  const std::string id = set_cookie.substr(15, set_cookie.find(';') - 15);
  EXPECT_EQ(id.size(), 64u) << set_cookie;
  EXPECT_NE(id, session.csrf_token());
  EXPECT_EQ(set_cookie.substr(set_cookie.find(';')),
            "; Path=/; HttpOnly; SameSite=Strict; Max-Age=28800")
      << "no Secure without TLS";
  EXPECT_EQ(reply.body().find(id), std::string::npos) << "the id is in the cookie only";

  // The same session, for a page reloaded.
  HttpReply again = browser_client->Get("/api/v1/session", {{"Cookie", "accord_session=" + id}});
  ASSERT_EQ(again.status(), 200u) << again.body();
  accord::v1::Session found;
  ASSERT_TRUE(again.Parse(&found)) << again.body();
  EXPECT_EQ(found.csrf_token(), session.csrf_token());
  EXPECT_EQ(found.user(), "legal-affairs");
}

TEST_F(HttpSessionTest, AWrongTokenSignsNoOneIn) {
  Start();
  auto browser_client = BrowserClient();
  HttpReply reply = SignIn(*browser_client, "acc_not-a-token");
  accord::v1::Problem problem = ExpectProblem(reply, 401);
  EXPECT_EQ(problem.code(), "UNAUTHENTICATED");
  EXPECT_FALSE(reply.Has(http::field::set_cookie));
  ExpectProblem(browser_client->Get("/api/v1/session"), 401);
}

TEST_F(HttpSessionTest, TheCookieReadsAndFollowsTheStreamAsTheSessionsUser) {
  Start();
  LogTheProposal();
  auto browser_client = BrowserClient();
  Browser browser = MustSignIn(*browser_client, auditor_);
  HttpReply agreement = browser_client->Get(kMouPath, browser.Cookie());
  ASSERT_EQ(agreement.status(), 200u) << agreement.body();
  EXPECT_EQ(agreement.Header(http::field::cache_control), "no-store");

  // EventSource sends no headers of its own: the cookie opens the stream.
  auto streaming = BrowserClient();
  HttpReply stream = streaming->OpenStream("/api/v1/stream?from=0", browser.Cookie());
  ASSERT_EQ(stream.status(), 200u) << stream.body();
  ExpectSecurityHeaders(stream, false);
  SseEvent event;
  ASSERT_EQ(streaming->NextEvent(&event), SseState::kEvent);
  EXPECT_EQ(event.type, kRecordedEvent);

  ExpectProblem(BrowserClient()->Get(kMouPath), 401);
  ExpectProblem(BrowserClient()->Get(kMouPath, {{"Cookie", "accord_session=0123"}}), 401);
}

TEST_F(HttpSessionTest, AChangeWithTheCookieNeedsTheSessionsCsrfToken) {
  Start();
  LogTheProposal();
  auto browser_client = BrowserClient();
  Browser browser = MustSignIn(*browser_client, logger_);
  const std::string milestones = kMouPath + "/milestones";
  const uint64_t head = Head();

  accord::v1::Problem missing =
      ExpectProblem(browser_client->Post(milestones, Json(b_.Visit()), browser.Cookie()), 403);
  EXPECT_EQ(missing.code(), "CSRF_TOKEN_MISSING");
  accord::v1::Problem wrong =
      ExpectProblem(browser_client->Post(milestones, Json(b_.Visit()),
                                         browser.CookieAndCsrf(std::string(64, '0'))),
                    403);
  EXPECT_EQ(wrong.code(), "CSRF_TOKEN_WRONG");
  // Another session's token is as wrong.
  Browser other = MustSignIn(*browser_client, other_logger_);
  EXPECT_EQ(ExpectProblem(browser_client->Post(milestones, Json(b_.Visit()),
                                               browser.CookieAndCsrf(other.session.csrf_token())),
                          403)
                .code(),
            "CSRF_TOKEN_WRONG");
  EXPECT_EQ(Head(), head) << "nothing was written";

  HttpReply logged = browser_client->Post(milestones, Json(b_.Visit()), browser.CookieAndCsrf());
  ASSERT_EQ(logged.status(), 201u) << logged.body();
  EXPECT_EQ(Head(), head + 1);
  HttpReply record = Client()->Get(logged.Header(http::field::location));
  ASSERT_EQ(record.status(), 200u) << record.body();
  EXPECT_NE(record.body().find("\"actor\":\"legal-affairs\""), std::string::npos)
      << "the session's user is the actor: " << record.body();
}

TEST_F(HttpSessionTest, BearerNeedsNoCsrfTokenAndWinsOverTheCookie) {
  Start();
  auto logger = Client(logger_);
  MustLog(*logger, b_.Propose());  // a POST with Bearer and no X-CSRF-Token

  auto browser_client = BrowserClient();
  Browser browser = MustSignIn(*browser_client, logger_);
  // The logger's cookie with the auditor's token: the auditor verifies, with
  // no CSRF token, as Bearer needs none.
  auto auditor = Client(auditor_);
  HttpReply verified = auditor->Post("/api/v1/verify", "", browser.Cookie());
  EXPECT_EQ(verified.status(), 200u) << verified.body();
}

TEST_F(HttpSessionTest, ALoggersSessionIsRefusedAnAuditorsRoute) {
  Start();
  LogTheProposal();
  auto browser_client = BrowserClient();
  Browser logger = MustSignIn(*browser_client, logger_);
  accord::v1::Problem denied =
      ExpectProblem(browser_client->Post("/api/v1/verify", "", logger.CookieAndCsrf()), 403);
  EXPECT_EQ(denied.code(), "PERMISSION_DENIED");

  Browser auditor = MustSignIn(*browser_client, auditor_);
  EXPECT_EQ(auditor.session.role(), "auditor");
  HttpReply verified = browser_client->Post("/api/v1/verify", "", auditor.CookieAndCsrf());
  EXPECT_EQ(verified.status(), 200u) << verified.body();
}

TEST_F(HttpSessionTest, SigningOutEndsTheSessionOnTheServer) {
  Start();
  LogTheProposal();
  auto browser_client = BrowserClient();
  Browser browser = MustSignIn(*browser_client, logger_);

  EXPECT_EQ(
      ExpectProblem(
          browser_client->Call(http::verb::delete_, "/api/v1/session", "", browser.Cookie()), 403)
          .code(),
      "CSRF_TOKEN_MISSING");
  ASSERT_EQ(browser_client->Get(kMouPath, browser.Cookie()).status(), 200u)
      << "a refused sign-out ends nothing";

  HttpReply out =
      browser_client->Call(http::verb::delete_, "/api/v1/session", "", browser.CookieAndCsrf());
  ASSERT_EQ(out.status(), 204u) << out.body();
  EXPECT_TRUE(out.body().empty());
  EXPECT_EQ(out.Header(http::field::set_cookie),
            "accord_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");

  // The old cookie, wherever it was copied, signs no one in.
  HttpReply after = browser_client->Get(kMouPath, browser.Cookie());
  EXPECT_EQ(ExpectProblem(after, 401).code(), "UNAUTHENTICATED");
  EXPECT_EQ(after.Header(http::field::set_cookie),
            "accord_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
  ExpectProblem(browser_client->Get("/api/v1/session", browser.Cookie()), 401);
  ExpectProblem(
      browser_client->Call(http::verb::delete_, "/api/v1/session", "", browser.CookieAndCsrf()),
      401);
}

TEST_F(HttpSessionTest, ASessionExpiresOnTheClockWhateverItsUse) {
  HttpServerOptions options;
  options.api.sessions.lifetime = std::chrono::minutes(30);
  Start(options);
  LogTheProposal();
  auto browser_client = BrowserClient();
  Browser browser = MustSignIn(*browser_client, logger_);
  EXPECT_NE(browser.set_cookie.find("; Max-Age=1800"), std::string::npos) << browser.set_cookie;

  clock_.Advance(std::chrono::minutes(29));
  ASSERT_EQ(browser_client->Get(kMouPath, browser.Cookie()).status(), 200u);
  clock_.Advance(std::chrono::minutes(1));
  ExpectProblem(browser_client->Get(kMouPath, browser.Cookie()), 401);
  ExpectProblem(browser_client->Get("/api/v1/session", browser.Cookie()), 401);
}

TEST_F(HttpSessionTest, WithoutTokensAnyTokenSignsInAnAnonymousAdmin) {
  Start({}, {}, /*authenticate=*/false);
  auto browser_client = BrowserClient();
  Browser browser = MustSignIn(*browser_client, "anything");
  EXPECT_EQ(browser.session.user(), "anonymous");
  EXPECT_EQ(browser.session.role(), "admin");
  // The cookie's rules hold without tokens too.
  EXPECT_EQ(
      ExpectProblem(
          browser_client->Post("/api/v1/agreements", Json(b_.Propose()), browser.Cookie()), 403)
          .code(),
      "CSRF_TOKEN_MISSING");
  EXPECT_EQ(browser_client->Post("/api/v1/agreements", Json(b_.Propose()), browser.CookieAndCsrf())
                .status(),
            201u);
}

TEST_F(HttpSessionTest, EveryAnswerCarriesTheSecurityHeaders) {
  Start();
  auto client = Client(logger_);
  HttpReply health = client->Get("/api/v1/health");
  ASSERT_EQ(health.status(), 200u) << health.body();
  ExpectSecurityHeaders(health, false);
  EXPECT_EQ(health.Header(http::field::cache_control), "no-store");

  HttpReply missing = client->Get("/api/v1/nothing-here");
  EXPECT_EQ(missing.status(), 404u);
  ExpectSecurityHeaders(missing, false);
  EXPECT_EQ(missing.Header(http::field::cache_control), "no-store");

  HttpReply page = BrowserClient()->Get("/");
  ASSERT_EQ(page.status(), 200u) << page.body();
  ExpectSecurityHeaders(page, false);
}

TEST_F(HttpSessionTest, ThePageAndItsFilesAreServedWithETagsWithoutAToken) {
  Start();
  auto browser_client = BrowserClient();
  HttpReply page = browser_client->Get("/");
  ASSERT_EQ(page.status(), 200u) << page.body();
  EXPECT_EQ(page.Header(http::field::content_type), "text/html; charset=utf-8");
  EXPECT_EQ(page.Header(http::field::cache_control), "no-cache");
  EXPECT_NE(page.body().find("<script type=\"module\" src=\"/web/app.js\"></script>"),
            std::string::npos)
      << page.body();
  const std::string etag = page.Header(http::field::etag);
  EXPECT_EQ(etag, "\"" + core::HexEncode(core::Sha256(page.body())) + "\"");

  HttpReply unchanged = browser_client->Get("/", {{"If-None-Match", etag}});
  EXPECT_EQ(unchanged.status(), 304u);
  EXPECT_TRUE(unchanged.body().empty());
  EXPECT_EQ(unchanged.Header(http::field::etag), etag);
  EXPECT_EQ(browser_client->Get("/", {{"If-None-Match", "\"other\""}}).status(), 200u);
  EXPECT_EQ(browser_client->Get("/?agreement=cospar-apsco-mou").status(), 200u)
      << "the page's own query is the page's";

  HttpReply script = browser_client->Get("/web/app.js");
  ASSERT_EQ(script.status(), 200u) << script.body();
  EXPECT_EQ(script.Header(http::field::content_type), "text/javascript; charset=utf-8");
  EXPECT_EQ(
      browser_client->Get("/web/app.js", {{"If-None-Match", script.Header(http::field::etag)}})
          .status(),
      304u);
  HttpReply index = browser_client->Get("/web/index.html");
  EXPECT_EQ(index.body(), page.body());

  EXPECT_EQ(ExpectProblem(browser_client->Get("/web/no-such-file.js"), 404).code(), "NOT_FOUND");
  ExpectProblem(browser_client->Get("/web/..%2Fapp.js"), 400);
  ExpectProblem(browser_client->Get("/web/.hidden"), 400);
}

TEST_F(HttpSessionTest, AWebDirIsReadOnEachRequestAndNothingOutsideItIsServed) {
  const std::string web = dir_.Sub("web");
  std::filesystem::create_directories(web);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(web + "/" + name, std::ios::binary | std::ios::trunc) << text;
  };
  write("index.html", "<!doctype html><title>first</title>");
  write("desk.css", "body { color: black; }");
  write(".secret", "hidden");
  std::ofstream(dir_.Sub("outside.txt")) << "not the desk's";
  HttpServerOptions options;
  options.api.web_dir = web;
  Start(options);
  auto browser_client = BrowserClient();

  HttpReply first = browser_client->Get("/");
  ASSERT_EQ(first.status(), 200u) << first.body();
  EXPECT_EQ(first.body(), "<!doctype html><title>first</title>");
  write("index.html", "<!doctype html><title>second</title>");
  HttpReply second = browser_client->Get("/", {{"If-None-Match", first.Header(http::field::etag)}});
  ASSERT_EQ(second.status(), 200u) << "edited: served anew";
  EXPECT_EQ(second.body(), "<!doctype html><title>second</title>");

  HttpReply css = browser_client->Get("/web/desk.css");
  EXPECT_EQ(css.body(), "body { color: black; }");
  EXPECT_EQ(css.Header(http::field::content_type), "text/css; charset=utf-8");

  ExpectProblem(browser_client->Get("/web/..%2Foutside.txt"), 400);
  ExpectProblem(browser_client->Get("/web/.secret"), 400);
  EXPECT_EQ(browser_client->Get("/web/../outside.txt").status(), 404u);
  ExpectProblem(browser_client->Get("/web/app.js"), 404);  // the folder's, not the built-in ones
}

class HttpsSessionTest : public HttpSessionTest {};

TEST_F(HttpsSessionTest, UnderTlsTheCookieIsSecureAndHstsIsSent) {
  accord::testing::TlsFiles files = accord::testing::MakeTlsFiles(dir_.path());
  HttpServerOptions options;
  options.tls_certificate_file = files.server_certificate;
  options.tls_key_file = files.server_key;
  Start(options);
  HttpClient::Options trusting;
  trusting.tls_ca_file = files.ca_certificate;
  auto browser_client = BrowserClient(trusting);
  Browser browser = MustSignIn(*browser_client, logger_);
  EXPECT_TRUE(browser.set_cookie.ends_with("; Secure")) << browser.set_cookie;
  HttpReply page = browser_client->Get("/");
  ExpectSecurityHeaders(page, true);
  HttpReply session = browser_client->Get("/api/v1/session", browser.Cookie());
  EXPECT_EQ(session.status(), 200u) << session.body();
  ExpectSecurityHeaders(session, true);
}

TEST(WebFiles, NamesAndMediaTypes) {
  EXPECT_TRUE(IsWebFileName("app.js"));
  EXPECT_TRUE(IsWebFileName("desk-print.css"));
  for (std::string_view bad : {"", ".", "..", ".env", "a/b", "..%2F", "a\\b", "x..y"}) {
    EXPECT_FALSE(IsWebFileName(bad)) << bad;
  }
  EXPECT_EQ(MediaTypeOf("a.svg"), "image/svg+xml");
  EXPECT_EQ(MediaTypeOf("a.png"), "image/png");
  EXPECT_EQ(MediaTypeOf("a.ico"), "image/x-icon");
  EXPECT_EQ(MediaTypeOf("a.json"), "application/json");
  EXPECT_EQ(MediaTypeOf("a.txt"), "text/plain; charset=utf-8");
  EXPECT_EQ(MediaTypeOf("a"), "application/octet-stream");
  // The build embedded the repository's web/ folder.
  bool has_index = false;
  for (const EmbeddedWebFile& file : EmbeddedWebFiles()) {
    has_index |= file.name == "index.html";
    EXPECT_EQ(file.sha256_hex, core::HexEncode(core::Sha256(file.bytes))) << file.name;
  }
  EXPECT_TRUE(has_index);
}

}  // namespace
}  // namespace accord::net
