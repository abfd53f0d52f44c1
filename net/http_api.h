// net/http_api: the HTTP door's requests and answers, knowing no socket.
//
// Prepare turns an HTTP request into what the door does with it, through the
// route table (net/http_routes.h): an answer at once (an error, a probe, the
// metrics, the OpenAPI document), an accord.v1.Request for the application,
// or a Subscribe to follow as Server-Sent Events. Render turns the
// application's Response into the HTTP answer. The session (net/http_session.h)
// reads and writes; nothing here decides or queries on its own.
//
// HTTP semantics, once for every route:
//   - errors are problem details (accord.v1.Problem, application/problem+json)
//     with the TCP door's code and sentence; the status comes from
//     HttpStatusOf (app/errors.h's codes), a lifecycle refusal is 422;
//   - `Authorization: Bearer <token>` against the same token file and roles as
//     TCP (401 with WWW-Authenticate when missing or unknown, 403 for a role
//     the request table does not allow); a token in the URL is refused (400);
//   - an agreement's ETag is its version; If-Match on a change carries it
//     back (412 when the agreement moved on, with the current ETag);
//   - Idempotency-Key (or the body's event id) makes a retried POST answer
//     what the first did (200 "already logged"), writing nothing;
//   - 201 with Location when something is logged or appended;
//   - pages by cursor, with the next page's link in a Link header;
//   - unknown query parameters, a body on a route that takes none, or one
//     that is not the route's message are 400; Accept that allows nothing the
//     route serves is 406; a body that is not JSON is 415.
//   - a browser signs in with a token for a session instead (the cookie
//     `accord_session`, app/sessions.h), accepted wherever Bearer is, Bearer
//     winning when both come; with the cookie, a request other than GET or
//     HEAD must carry the session's X-CSRF-Token (403 CSRF_TOKEN_MISSING or
//     CSRF_TOKEN_WRONG, nothing done); an ended or expired session is 401;
//   - every answer carries the security headers (SetSecurityHeaders), API
//     answers Cache-Control: no-store, the web desk's files no-cache with
//     an ETag (If-None-Match: 304).
//
// Thread safety: Prepare and Render may be called from any number of threads.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>
#include <string>

#include "accord/v1/http.pb.h"
#include "accord/v1/wire.pb.h"
#include "app/application.h"
#include "app/auth.h"
#include "app/sessions.h"
#include "net/http_routes.h"
#include "net/web_files.h"

namespace accord::net {

using HttpRequest = http::request<http::string_body>;
using HttpResponse = http::response<http::string_body>;

// The version of the API the OpenAPI document describes.
inline constexpr std::string_view kApiVersion = "1.0.0";

struct HttpApiOptions {
  std::string server_name = "accordd";
  // Who may call (app/auth.h). Unset: anyone, as an admin named
  // "anonymous"; for tests and development only.
  std::optional<app::TokenFile> tokens;
  // The door serves TLS: HSTS, and session cookies marked Secure. The
  // server sets it from its certificate.
  bool tls = false;
  // Browser sessions: how long each lasts, how many at most. A null clock:
  // the application's.
  app::SessionOptions sessions;
  // The web desk's files from this folder, read on each request; empty:
  // those built in (net/web_files.h).
  std::string web_dir;
};

// The headers every answer of the door carries: a Content-Security-Policy
// that allows no inline script and nothing from elsewhere, nosniff, no
// referrer, no framing, a same-origin opener; HSTS under TLS.
void SetSecurityHeaders(http::fields& fields, bool tls);

// The HTTP status for a typed error of the wire protocol.
http::status HttpStatusOf(accord::v1::ErrorCode code);

// A problem details answer.
HttpResponse ProblemResponse(http::status status, std::string code, std::string_view detail,
                             unsigned version = 11, bool keep_alive = false);

class HttpApi {
 public:
  // What the door does with one request.
  struct Prepared {
    // Set: send this, and nothing else is to be done.
    std::optional<HttpResponse> answer;
    // Otherwise the route, the caller, and what to ask: a Request of the
    // route's kind for the application, or a Subscribe to stream.
    const Route* route = nullptr;
    app::Identity caller;
    accord::v1::Request request;
    // How to render the answer: what the request asked beyond the Request.
    struct Rendering {
      unsigned version = 11;
      bool keep_alive = true;
      bool head = false;           // a HEAD request: the answer's head only
      bool if_match = false;       // the expected version came from If-Match (412, not 409)
      bool single_record = false;  // /log/{position}: the page's one record
      std::string report_format;   // "json", "csv" or "md"
      std::string agreement_id;    // from the path, for Location
      std::string next_link;       // the path and query of the next page, without its cursor
    } rendering;
  };

  // REQUIRES: application outlives the api.
  HttpApi(app::Application* application, HttpApiOptions options);

  Prepared Prepare(const HttpRequest& request) const;
  HttpResponse Render(const Prepared::Rendering& rendering,
                      const accord::v1::Response& response) const;
  // The answer as it goes on the wire, with the server's name: its head
  // only for a HEAD request.
  std::string Wire(HttpResponse response, bool head_only) const;

  const HttpApiOptions& options() const { return options_; }

 private:
  std::optional<HttpResponse> DoorOwn(const Route& route, const HttpRequest& request) const;
  // Who is asking, into `prepared`: the session the cookie names, the
  // bearer token's user, or (without a token file) an anonymous admin;
  // otherwise the answer that refuses the request.
  std::optional<HttpResponse> Authenticate(const HttpRequest& request, Prepared* prepared) const;
  // POST, GET and DELETE /api/v1/session.
  HttpResponse SessionAnswer(const Route& route, const HttpRequest& request) const;
  // The web desk's file `name`, or 304 when If-None-Match has it already.
  HttpResponse WebFileAnswer(const HttpRequest& request, std::string_view name) const;
  // Set-Cookie for a session `id` that lasts `max_age_seconds` (0: clears it).
  std::string SessionCookieHeader(std::string_view id, int64_t max_age_seconds) const;

  app::Application* application_;
  HttpApiOptions options_;
  const std::string openapi_;  // the document, made once
  std::unique_ptr<app::Sessions> sessions_;
  const WebFiles web_files_;
};

}  // namespace accord::net
