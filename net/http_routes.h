// net/http_routes: the HTTP door's routes, each once.
//
// A route is a method and a path template ("/api/v1/agreements/{id}"), what
// it does (ask the application, stream the log, or one of the door's own
// pages), the query and header parameters it reads, the protobuf messages of
// its JSON body and answers, and the words that describe it. The door
// dispatches through this table and nothing else, and the OpenAPI document
// (net/openapi.h) is generated from it, so a route cannot go undocumented
// and the document cannot describe a route that does not exist;
// tests/net/http_routes_test.cc holds every row to having its words.
//
// A path template's segment is a literal ("agreements"), a parameter that
// takes the whole segment ("{id}"), or a literal prefix and a parameter
// ("report.{format}"). Parameters are percent-decoded.
//
// Thread safety: the table is constant.
#pragma once

#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <google/protobuf/descriptor.h>

#include "accord/v1/wire.pb.h"

namespace accord::net {

namespace http = boost::beast::http;

enum class RouteAction {
  kApplication,  // a Request of `kind` to the application; its Response rendered
  kEventStream,  // a Subscribe followed as Server-Sent Events (text/event-stream)
  kOpenApi,      // the OpenAPI document
  kMetrics,      // the Prometheus exposition
  kLiveness,     // the process is up
  kReadiness,    // the store takes writes and the projections are caught up
  kSignIn,       // a token traded for a browser session (a cookie and a CSRF token)
  kGetSession,   // the session the cookie names
  kSignOut,      // the session the cookie names ended
  kWebPage,      // the web desk's page (web/index.html)
  kWebFile,      // one of the web desk's files (web/{name})
};

enum class ParameterIn { kPath, kQuery, kHeader };

// The JSON Schema type a parameter's text is read as.
enum class ParameterType {
  kString,
  kInteger,   // a decimal uint64
  kDateTime,  // RFC 3339: 2024-11-05T09:30:00Z
  kDay,       // a calendar day, as people write it: 2020-12-31, "31 December 2020"
  kList,      // comma-separated strings
};

struct Parameter {
  std::string_view name;
  ParameterIn in;
  ParameterType type;
  std::string_view description;
  bool required = false;
  std::span<const std::string_view> values = {};  // the only values allowed; empty: any
};

// One answer a route may give (beyond the errors every route may give, which
// the OpenAPI document adds: docs/http.md, "Errors").
struct Answer {
  http::status status;
  std::string_view description;
  // The JSON body's message; null with media_type for other bodies.
  const google::protobuf::Descriptor* body = nullptr;
  std::string_view media_type = "application/json";
};

struct Route {
  http::verb method;
  std::string_view path;
  std::string_view operation_id;  // "getAgreement"
  std::string_view tag;           // the OpenAPI group: "agreements", "log", ...
  std::string_view summary;       // one line
  std::string_view description;   // what it answers and how, for people
  RouteAction action;
  // The application request it makes (kApplication and kEventStream): its
  // row in app/requests.h says who may call it.
  accord::v1::Request::KindCase kind = accord::v1::Request::KIND_NOT_SET;
  std::span<const Parameter> parameters = {};  // path parameters too, in path order
  // The JSON request body's message; null: no body is read.
  const google::protobuf::Descriptor* body = nullptr;
  std::span<const Answer> answers = {};
  // false: served without a token (probes, metrics, the document, the web
  // desk's files, signing in).
  bool authenticated = true;
  // Set: the body is a file's raw bytes of any media type (its Content-Type
  // is the file's), these words describe it, and it may be as large as the
  // server's document limit (HttpServerOptions::max_document_bytes) instead
  // of its body limit. `body` is then null.
  std::string_view raw_body = {};
};

// The events of a stream route (Server-Sent Events), by name: each one's
// data is one line of JSON, the message the OpenAPI document names.
inline constexpr std::string_view kRecordedEvent = "recorded";      // accord.v1.RecordedEvent
inline constexpr std::string_view kCaughtUpEvent = "caught-up";     // accord.v1.StreamMark
inline constexpr std::string_view kCheckpointEvent = "checkpoint";  // accord.v1.StreamMark
inline constexpr std::string_view kDroppedEvent = "dropped";        // accord.v1.StreamDropped
inline constexpr std::string_view kProblemEvent = "problem";        // accord.v1.Problem

// A browser's session (docs/http.md, "Signing in from a browser"): the
// cookie that names it, and the header that carries its CSRF token on a
// change.
inline constexpr std::string_view kSessionCookie = "accord_session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// Every route, in the order the document lists them.
std::span<const Route> HttpRoutes();

// The routes' path parameters, by name, and the route that `method` and
// `path` (percent-encoded, without the query) name.
struct RouteMatch {
  const Route* route = nullptr;
  std::map<std::string, std::string, std::less<>> path_parameters;
};
// A match; otherwise nullopt, with `allowed` (when not null) set to the
// methods the path takes ("GET, POST"), empty when no route has the path.
std::optional<RouteMatch> MatchRoute(http::verb method, std::string_view path,
                                     std::string* allowed);

// "%2F" -> "/", "+" stays "+" (paths) or becomes a space (queries); nullopt
// for a bad escape, a decoded NUL, or a result that is not UTF-8.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// The length of the valid UTF-8 sequence at the start of `text` (1 to 4), or
// 0 when it does not start with one.
size_t Utf8SequenceLength(std::string_view text);
// `text` with each byte that is not part of valid UTF-8 replaced by U+FFFD:
// what a request sent, fit to quote in a JSON answer.
std::string Utf8Safe(std::string_view text);

}  // namespace accord::net
