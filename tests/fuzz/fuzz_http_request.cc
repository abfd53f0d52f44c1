// Fuzzes the HTTP door's request path in process: the bytes a connection
// sends, parsed by Beast's request parser with the door's limits (as
// net/http_session.cc reads them, pipelined requests one after another),
// each request taken through HttpApi::Prepare (routing, percent-decoding,
// query and header parameters, bearer tokens, JSON bodies, dates in words,
// If-Match, Idempotency-Key, Accept) and every answer it could get rendered
// by HttpApi::Render.
//   input := door HTTP/1.1 request bytes (several, pipelined; the first that
//            does not parse ends the input, as it ends a connection)
//   door  := one byte: odd, the door with a token file; even, without
// "@SESSION@" and "@CSRF@" in the bytes become the id and CSRF token of a
// browser's session signed in for the input (as "test" where there are
// tokens), so that requests made with the session cookie get past it.
// Properties: an immediate answer is a whole HTTP response whose problem
// body, if any, states its own status; a request for the application is of
// its route's kind, by a caller the token file knows (or the anonymous
// admin), and the route allows nothing to its role that the request table
// does not; every answer the application could give renders with a status
// from one table (HttpStatusOf) or the few the door adds.
#include <google/protobuf/util/json_util.h>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "accord/v1/http.pb.h"
#include "app/application.h"
#include "app/errors.h"
#include "net/http_api.h"
#include "tests/fuzz/fuzz_target.h"

namespace accord::fuzz {
namespace {

namespace http = boost::beast::http;
using net::HttpApi;
using net::HttpResponse;

constexpr size_t kMaxHeaderBytes = 16 << 10;  // HttpServerOptions' defaults
constexpr size_t kMaxBodyBytes = 64 << 10;    // smaller than the door's: inputs are short
constexpr int kMaxRequests = 16;

// An application over a store of its own, made once: Prepare reads it only
// for readiness, Render not at all.
struct World {
  World() {
    dir = std::filesystem::temp_directory_path() /
          ("accord-fuzz-http-" + std::to_string(static_cast<long>(getpid())));
    std::filesystem::remove_all(dir);
    store::StoreOptions options;
    options.sync = false;
    if (!store::EventStore::Open(options, dir.string(), &store).ok()) std::abort();
    application = std::make_unique<app::Application>(store.get(), app::ApplicationOptions{},
                                                     [](std::function<void()> work) { work(); });
    auto tokens = app::TokenFile::Parse(
        "clerk logger sha256:"
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n"  // "test"
        "audit auditor sha256:"
        "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752\n");  // "test2"
    if (!tokens) std::abort();
    net::HttpApiOptions with_tokens;
    with_tokens.tokens = std::move(tokens).value();
    with_tokens.sessions.lifetime = std::chrono::hours(24 * 365);  // outlives any run
    guarded = std::make_unique<HttpApi>(application.get(), with_tokens);
    net::HttpApiOptions without_tokens;
    without_tokens.sessions = with_tokens.sessions;
    open = std::make_unique<HttpApi>(application.get(), without_tokens);
  }
  ~World() {
    application.reset();
    store.reset();
    std::filesystem::remove_all(dir);
  }
  std::filesystem::path dir;
  std::unique_ptr<store::EventStore> store;
  std::unique_ptr<app::Application> application;
  std::unique_ptr<HttpApi> guarded;  // with a token file
  std::unique_ptr<HttpApi> open;     // without: anyone is an admin
};

World& TheWorld() {
  static World* world = new World;
  return *world;
}

// A whole response: its body is as long as it says, and a problem body
// states the status of its status line.
void CheckResponse(const HttpResponse& response) {
  const unsigned status = static_cast<unsigned>(response.result());
  FUZZ_CHECK(status >= 200 && status <= 599, "status %u", status);
  if (response.result() == http::status::no_content ||
      response.result() == http::status::not_modified) {
    FUZZ_CHECK(response.body().empty(), "a body on a %u", status);
    return;
  }
  FUZZ_CHECK(response.has_content_length(), "no Content-Length");
  FUZZ_CHECK(response[http::field::content_length] == std::to_string(response.body().size()),
             "Content-Length disagrees with the body");
  if (response[http::field::content_type] == "application/problem+json") {
    accord::v1::Problem problem;
    FUZZ_CHECK(google::protobuf::util::JsonStringToMessage(response.body(), &problem).ok(),
               "a problem body that is not a Problem");
    FUZZ_CHECK(problem.status() == status, "problem status %u on a %u", problem.status(), status);
    FUZZ_CHECK(!problem.code().empty() && !problem.detail().empty(), "a problem without words");
  }
}

// Every answer the application could give this request renders.
void CheckRenderings(const HttpApi& api, const HttpApi::Prepared& prepared) {
  using accord::v1::Response;
  const uint64_t id = prepared.request.request_id();
  for (int code = accord::v1::ErrorCode_MIN; code <= accord::v1::ErrorCode_MAX; ++code) {
    if (!accord::v1::ErrorCode_IsValid(code)) continue;
    auto error = static_cast<accord::v1::ErrorCode>(code);
    HttpResponse rendered = api.Render(prepared.rendering, app::ErrorResponse(id, error, "why"));
    CheckResponse(rendered);
    const http::status expected =
        error == accord::v1::WRONG_EXPECTED_VERSION && prepared.rendering.if_match
            ? http::status::precondition_failed
            : net::HttpStatusOf(error);
    FUZZ_CHECK(rendered.result() == expected, "error %d rendered as %u", code,
               static_cast<unsigned>(rendered.result()));
  }
  Response rejected;
  rejected.mutable_rejected()->set_code(accord::v1::TERMS_NOT_AGREED);
  rejected.mutable_rejected()->set_message("no");
  FUZZ_CHECK(
      api.Render(prepared.rendering, rejected).result() == http::status::unprocessable_entity,
      "a rejection is not 422");
  const auto* kinds = Response::descriptor()->FindOneofByName("kind");
  for (int i = 0; i < kinds->field_count(); ++i) {
    Response answer;
    const auto* field = kinds->field(i);
    answer.GetReflection()->MutableMessage(&answer, field);  // the kind, empty
    CheckResponse(api.Render(prepared.rendering, answer));
  }
}

void CheckPrepared(const HttpApi& api, const HttpApi::Prepared& prepared, bool guarded) {
  if (prepared.answer) {
    CheckResponse(*prepared.answer);
    return;
  }
  FUZZ_CHECK(prepared.route != nullptr, "nothing to answer and no route");
  FUZZ_CHECK(prepared.request.kind_case() == prepared.route->kind, "route %s made kind %d",
             std::string(prepared.route->operation_id).c_str(),
             static_cast<int>(prepared.request.kind_case()));
  if (guarded) {
    FUZZ_CHECK(prepared.caller.user == "clerk" || prepared.caller.user == "audit",
               "a caller the token file does not name");
  } else {
    FUZZ_CHECK(prepared.caller.role == accord::v1::ADMIN, "without tokens, callers are admins");
  }
  const app::RequestKind* kind = app::FindRequestKind(prepared.request.kind_case());
  FUZZ_CHECK(kind != nullptr && kind->Allows(prepared.caller.role),
             "a request its caller's role may not make got through");
  if (prepared.route->action == net::RouteAction::kApplication) CheckRenderings(api, prepared);
}

struct SignedIn {
  std::string id;
  std::string csrf_token;
};

// Signs in on `api` as "test": once for each door, so that an input leaves
// no session behind (a session made per input is memory kept past the
// input, which has libFuzzer run LeakSanitizer's scan after every one).
const SignedIn& SessionOf(const HttpApi& api) {
  static std::map<const HttpApi*, SignedIn>* sessions = new std::map<const HttpApi*, SignedIn>;
  auto found = sessions->find(&api);
  if (found != sessions->end()) {
    // An input may have signed it out: then sign in again.
    net::HttpRequest check(http::verb::get, "/api/v1/session", 11);
    check.set(http::field::cookie, "accord_session=" + found->second.id);
    HttpApi::Prepared still = api.Prepare(check);
    if (still.answer && still.answer->result() == http::status::ok) return found->second;
    sessions->erase(found);
  }
  net::HttpRequest sign_in(http::verb::post, "/api/v1/session", 11);
  sign_in.set(http::field::content_type, "application/json");
  sign_in.body() = R"({"token": "test"})";
  sign_in.prepare_payload();
  HttpApi::Prepared prepared = api.Prepare(sign_in);
  FUZZ_CHECK(prepared.answer && prepared.answer->result() == http::status::created,
             "signing in with a known token failed");
  const std::string cookie(prepared.answer->at(http::field::set_cookie));
  accord::v1::Session session;
  FUZZ_CHECK(google::protobuf::util::JsonStringToMessage(prepared.answer->body(), &session).ok(),
             "a sign-in answer that is not a Session");
  return (*sessions)[&api] =
             SignedIn{cookie.substr(cookie.find('=') + 1, 64), session.csrf_token()};
}

// `input` with the session's id and CSRF token where it says "@SESSION@"
// and "@CSRF@".
std::string WithSession(const HttpApi& api, std::string input) {
  const SignedIn& session = SessionOf(api);
  for (const auto& [placeholder, value] :
       {std::pair<std::string_view, std::string_view>{"@SESSION@", session.id},
        std::pair<std::string_view, std::string_view>{"@CSRF@", session.csrf_token}}) {
    for (size_t at = input.find(placeholder); at != std::string::npos;
         at = input.find(placeholder, at + value.size())) {
      input.replace(at, placeholder.size(), value);
    }
  }
  return input;
}

}  // namespace

int FuzzHttpRequest(const uint8_t* data, size_t size) {
  World& world = TheWorld();
  // The first byte picks the door: with a token file or without.
  if (size == 0) return 0;
  const bool guarded = (data[0] & 1) != 0;
  const HttpApi& api = guarded ? *world.guarded : *world.open;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (bytes.find('@') != std::string::npos) bytes = WithSession(api, std::move(bytes));
  boost::asio::const_buffer input(bytes.data(), bytes.size());
  for (int i = 0; i < kMaxRequests && input.size() > 0; ++i) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kMaxHeaderBytes);
    parser.body_limit(kMaxBodyBytes);
    parser.eager(true);
    boost::system::error_code error;
    while (!error && !parser.is_done() && input.size() > 0) {
      size_t used = parser.put(input, error);
      input += used;
      if (error == http::error::need_more) error = {};
      if (used == 0 && !error) break;
    }
    if (error || !parser.is_done()) {
      // Incomplete or refused: the session answers 400/413/431 and closes;
      // nothing reaches the api.
      break;
    }
    net::HttpRequest request = parser.release();
    CheckPrepared(api, api.Prepare(request), guarded);
  }
  return 0;
}

}  // namespace accord::fuzz

ACCORD_FUZZ_ENTRY(accord::fuzz::FuzzHttpRequest)
