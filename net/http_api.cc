#include "net/http_api.h"

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>
#include <charconv>
#include <map>
#include <vector>

#include "app/icalendar.h"
#include "app/log.h"
#include "app/render.h"
#include "core/fuzzy_date.h"
#include "core/hash.h"
#include "core/limits.h"
#include "net/openapi.h"

namespace accord::net {
namespace {

using accord::v1::ErrorCode;
using accord::v1::Request;
using accord::v1::Response;
using http::field;
using http::status;
using Prepared = HttpApi::Prepared;
using Query = std::map<std::string, std::string, std::less<>>;

constexpr size_t kMaxIdempotencyKeyChars = 255;

// What Prepare found wrong: the problem to answer.
struct Refusal {
  status code;
  std::string error_code;
  std::string detail;
};

HttpResponse JsonResponse(status code, const google::protobuf::Message& body, unsigned version,
                          bool keep_alive, std::string_view media_type = "application/json") {
  HttpResponse response(code, version);
  response.set(field::content_type, media_type);
  response.set(field::cache_control, "no-store");
  if (!app::PrintJson(body, &response.body())) {
    // Text that is not UTF-8 has no JSON: the one answer that cannot be
    // given is said as such, never sent half written.
    accord::v1::Problem problem;
    problem.set_status(static_cast<uint32_t>(status::internal_server_error));
    problem.set_title(std::string(http::obsolete_reason(status::internal_server_error)));
    problem.set_code("CORRUPTION");
    problem.set_detail("the answer holds text that is not UTF-8, which has no JSON form");
    return JsonResponse(status::internal_server_error, problem, version, keep_alive,
                        "application/problem+json");
  }
  response.body() += "\n";
  response.keep_alive(keep_alive);
  response.prepare_payload();
  return response;
}

HttpResponse TextResponse(status code, std::string body, std::string_view media_type,
                          unsigned version, bool keep_alive) {
  HttpResponse response(code, version);
  response.set(field::content_type, media_type);
  response.set(field::cache_control, "no-store");
  response.body() = std::move(body);
  response.keep_alive(keep_alive);
  response.prepare_payload();
  return response;
}

HttpResponse RefusalResponse(const Refusal& refusal, unsigned version, bool keep_alive) {
  return ProblemResponse(refusal.code, refusal.error_code, refusal.detail, version, keep_alive);
}

Refusal BadRequest(std::string detail) {
  return Refusal{status::bad_request, "INVALID_ARGUMENT", std::move(detail)};
}

// "a=1&b=two%20words" -> {a: 1, b: two words}; a name given twice, or a bad
// escape, is refused.
std::optional<Refusal> ParseQuery(std::string_view text, Query* query) {
  while (!text.empty()) {
    size_t amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::optional<std::string> name = PercentDecode(pair.substr(0, eq), true);
    std::optional<std::string> value =
        PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!name || !value) return BadRequest("the query string has a bad percent-escape");
    if (!query->emplace(std::move(*name), std::move(*value)).second) {
      return BadRequest(fmt::format("the query parameter '{}' is given twice", pair.substr(0, eq)));
    }
  }
  return std::nullopt;
}

// `text` as a query's name or value: unreserved characters as they are,
// every other byte percent-encoded.
std::string QueryEscape(std::string_view text) {
  std::string escaped;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      escaped.push_back(static_cast<char>(c));
    } else {
      escaped += fmt::format("%{:02X}", c);
    }
  }
  return escaped;
}

std::optional<uint64_t> ParseUint(std::string_view text) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// The route's parameters as the request gives them, each checked against its
// type; a Refusal names the first that is wrong.
class Arguments {
 public:
  Arguments(const Route& route, const HttpRequest& request, RouteMatch match, Query query)
      : route_(route),
        request_(request),
        path_(std::move(match.path_parameters)),
        query_(std::move(query)) {}

  std::optional<Refusal> CheckQueryNames() const {
    for (const auto& given : query_) {
      const std::string& name = given.first;
      bool known = std::any_of(
          route_.parameters.begin(), route_.parameters.end(),
          [&name](const Parameter& p) { return p.in == ParameterIn::kQuery && p.name == name; });
      if (!known) {
        std::vector<std::string_view> names;
        for (const Parameter& p : route_.parameters) {
          if (p.in == ParameterIn::kQuery) names.push_back(p.name);
        }
        return BadRequest(
            names.empty() ? fmt::format("{} takes no query parameters, not '{}'", route_.path, name)
                          : fmt::format("{} takes the query parameters {}, not '{}'", route_.path,
                                        fmt::join(names, ", "), name));
      }
    }
    return std::nullopt;
  }

  // A parameter given a value its route does not list ("report.pdf").
  std::optional<Refusal> CheckValues() const {
    for (const Parameter& p : route_.parameters) {
      if (p.values.empty()) continue;
      std::optional<std::string> text = Text(p.name);
      if (text && std::find(p.values.begin(), p.values.end(), *text) == p.values.end()) {
        return BadRequest(
            fmt::format("{} is '{}', not one of {}", p.name, *text, fmt::join(p.values, ", ")));
      }
    }
    return std::nullopt;
  }

  // The path and query of the next page: this request's, without the cursor
  // `cursor_name` (NextLink adds the next one), so that its filters and
  // limit hold on every page.
  std::string NextPage(std::string_view cursor_name) const {
    std::string_view target = request_.target();
    std::string next(target.substr(0, target.find('?')));
    char separator = '?';
    for (const auto& [name, value] : query_) {
      if (name == cursor_name) continue;
      next += fmt::format("{}{}={}", separator, QueryEscape(name), QueryEscape(value));
      separator = '&';
    }
    return next;
  }

  // The text of parameter `name` (path, query or header), if given.
  std::optional<std::string> Text(std::string_view name) const {
    for (const Parameter& p : route_.parameters) {
      if (p.name != name) continue;
      switch (p.in) {
        case ParameterIn::kPath:
          if (auto it = path_.find(name); it != path_.end()) return it->second;
          return std::nullopt;
        case ParameterIn::kQuery:
          if (auto it = query_.find(name); it != query_.end()) return it->second;
          return std::nullopt;
        case ParameterIn::kHeader:
          if (auto it = request_.find(name); it != request_.end()) {
            return std::string(it->value());
          }
          return std::nullopt;
      }
    }
    return std::nullopt;
  }

  std::optional<Refusal> Uint(std::string_view name, std::optional<uint64_t>* out) const {
    std::optional<std::string> text = Text(name);
    if (!text) return std::nullopt;
    *out = ParseUint(*text);
    if (!*out) {
      return BadRequest(fmt::format("{} is '{}', not a whole number from 0", name, *text));
    }
    return std::nullopt;
  }

  std::optional<Refusal> Time(std::string_view name, google::protobuf::Timestamp* out,
                              bool* given) const {
    std::optional<std::string> text = Text(name);
    *given = text.has_value();
    if (text && !google::protobuf::util::TimeUtil::FromString(*text, out)) {
      return BadRequest(fmt::format("{} is '{}', not an RFC 3339 time such as 2024-09-01T00:00:00Z",
                                    name, *text));
    }
    return std::nullopt;
  }

  std::optional<Refusal> CalendarDay(std::string_view name, accord::v1::CalendarDate* out,
                                     bool* given) const {
    std::optional<std::string> text = Text(name);
    *given = text.has_value();
    if (!text) return std::nullopt;
    auto day = core::ParseCalendarDay(*text);
    if (!day) return BadRequest(fmt::format("{}: {}", name, day.error()));
    *out = core::FuzzyDay(*day).date();
    return std::nullopt;
  }

 private:
  const Route& route_;
  const HttpRequest& request_;
  std::map<std::string, std::string, std::less<>> path_;
  Query query_;
};

// The version an ETag or If-Match carries: "7" (quoted, strong); nullopt for
// anything else.
std::optional<uint64_t> EntityVersion(std::string_view tag) {
  if (tag.size() < 3 || tag.front() != '"' || tag.back() != '"') return std::nullopt;
  return ParseUint(tag.substr(1, tag.size() - 2));
}

std::string ETagOf(uint64_t version) { return fmt::format("\"{}\"", version); }

// A UUID for an Idempotency-Key, the same for the same user and key: the
// event id the store keeps forever, so a retry is found as the original.
std::string EventIdForKey(const std::string& user, std::string_view key) {
  std::string digest = core::Sha256(
      {"accord idempotency key", std::string_view("\0", 1), user, std::string_view("\0", 1), key});
  // RFC 9562's version 8 (custom) and variant bits, so that it is a UUID.
  digest[6] = static_cast<char>((digest[6] & 0x0F) | 0x80);
  digest[8] = static_cast<char>((digest[8] & 0x3F) | 0x80);
  std::string hex = core::HexEncode(digest.substr(0, 16));
  return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4),
                     hex.substr(16, 4), hex.substr(20, 12));
}

std::string NewEventId() { return boost::uuids::to_string(boost::uuids::random_generator()()); }

// Media ranges of an Accept header with their weights, in the order given.
struct MediaRange {
  std::string type;  // "text/csv", "text/*", "*/*"
  double weight = 1;
};
std::vector<MediaRange> ParseAccept(std::string_view header) {
  std::vector<MediaRange> ranges;
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    MediaRange range;
    size_t semi = item.find(';');
    std::string_view type = item.substr(0, semi);
    while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
    while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
    if (type.empty()) continue;
    range.type.assign(type);
    std::transform(range.type.begin(), range.type.end(), range.type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    for (std::string_view rest = semi == std::string_view::npos ? "" : item.substr(semi + 1);
         !rest.empty();) {
      size_t next = rest.find(';');
      std::string_view param = rest.substr(0, next);
      rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
      while (!param.empty() && param.front() == ' ') param.remove_prefix(1);
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        range.weight = std::atof(std::string(param.substr(2)).c_str());
      }
    }
    ranges.push_back(std::move(range));
  }
  return ranges;
}

// The weight Accept gives `type` ("text/csv"): its most specific range's.
double WeightOf(const std::vector<MediaRange>& ranges, std::string_view type) {
  double weight = 0;
  int best = -1;  // 0: */*, 1: text/*, 2: text/csv
  std::string_view major = type.substr(0, type.find('/'));
  for (const MediaRange& r : ranges) {
    int specificity = -1;
    if (r.type == type) {
      specificity = 2;
    } else if (r.type.size() == major.size() + 2 && r.type.compare(0, major.size(), major) == 0 &&
               r.type.compare(major.size(), 2, "/*") == 0) {
      specificity = 1;
    } else if (r.type == "*/*") {
      specificity = 0;
    }
    if (specificity > best) {
      best = specificity;
      weight = r.weight;
    }
  }
  return weight;
}

// The report's format Accept prefers among those served; "" when none is
// acceptable. No Accept header: JSON.
std::string ReportFormat(std::string_view accept) {
  if (accept.empty()) return "json";
  std::vector<MediaRange> ranges = ParseAccept(accept);
  const std::pair<std::string_view, std::string_view> formats[] = {
      {"application/json", "json"}, {"text/csv", "csv"}, {"text/markdown", "md"}};
  std::string_view chosen;
  double best = 0;
  for (const auto& [type, format] : formats) {
    double weight = WeightOf(ranges, type);
    if (weight > best) {
      best = weight;
      chosen = format;
    }
  }
  return std::string(chosen);
}

bool AcceptsJson(std::string_view accept) {
  if (accept.empty()) return true;
  std::vector<MediaRange> ranges = ParseAccept(accept);
  return WeightOf(ranges, "application/json") > 0 ||
         WeightOf(ranges, "application/problem+json") > 0;
}

bool IsJsonMediaType(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  std::string lower(type);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower == "application/json";
}

// The bearer token of an Authorization header; nullopt when it is not one.
std::optional<std::string_view> BearerToken(std::string_view header) {
  constexpr std::string_view kScheme = "bearer ";
  if (header.size() <= kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return std::nullopt;
  }
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

// The value of the session cookie among the request's cookies; nullopt
// when none is sent (the first counts when several are).
std::optional<std::string_view> SessionCookie(const HttpRequest& request) {
  for (auto it = request.find(field::cookie); it != request.end() && it->name() == field::cookie;
       ++it) {
    std::string_view cookies = it->value();
    while (!cookies.empty()) {
      size_t semi = cookies.find(';');
      std::string_view pair = cookies.substr(0, semi);
      cookies = semi == std::string_view::npos ? std::string_view() : cookies.substr(semi + 1);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      size_t eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == kSessionCookie) {
        return pair.substr(eq + 1);
      }
    }
  }
  return std::nullopt;
}

// Whether a request may change something, and so, made with the session
// cookie, must carry the CSRF token.
bool ChangesState(http::verb method) {
  return method != http::verb::get && method != http::verb::head && method != http::verb::options;
}

// The refusal of a change made with the cookie of `session` whose
// X-CSRF-Token is missing or not the session's; nullopt when it is.
std::optional<Refusal> CheckCsrf(const HttpRequest& request, const app::BrowserSession& session) {
  auto given = request.find(kCsrfHeader);
  if (given == request.end() || given->value().empty()) {
    return Refusal{status::forbidden, "CSRF_TOKEN_MISSING",
                   fmt::format("a change made with the session cookie must carry the session's "
                               "CSRF token in the header {} (GET /api/v1/session gives it)",
                               kCsrfHeader)};
  }
  if (!app::SecretsEqual(given->value(), session.csrf_token)) {
    return Refusal{status::forbidden, "CSRF_TOKEN_WRONG",
                   fmt::format("the header {} is not this session's CSRF token (GET "
                               "/api/v1/session gives it)",
                               kCsrfHeader)};
  }
  return std::nullopt;
}

const Refusal& SessionEnded() {
  static const Refusal* refusal =
      new Refusal{status::unauthorized, "UNAUTHENTICATED",
                  "the session has ended or expired, or was never begun: sign in again (POST "
                  "/api/v1/session)"};
  return *refusal;
}

// Whether If-None-Match lists `etag` (or is "*"), comparing weakly, as
// RFC 9110 says for it.
bool NoneMatchHas(std::string_view header, std::string_view etag) {
  auto opaque = [](std::string_view tag) {
    while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
    while (!tag.empty() && tag.back() == ' ') tag.remove_suffix(1);
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    return tag;
  };
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view tag = opaque(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    if (tag == "*" || tag == opaque(etag)) return true;
  }
  return false;
}

std::optional<Refusal> ParseBody(const HttpRequest& request, google::protobuf::Message* message) {
  if (!IsJsonMediaType(request[field::content_type])) {
    return Refusal{status::unsupported_media_type, "INVALID_ARGUMENT",
                   fmt::format("the body must be application/json (a {}), not '{}'",
                               message->GetDescriptor()->full_name(),
                               std::string_view(request[field::content_type]))};
  }
  auto parsed = google::protobuf::util::JsonStringToMessage(request.body(), message);
  if (!parsed.ok()) {
    return BadRequest(fmt::format("the body is not a {} in JSON: {}",
                                  message->GetDescriptor()->full_name(),
                                  parsed.message().as_string()));
  }
  return std::nullopt;
}

// Where the stream resumes: after Last-Event-ID, else from `from`.
std::optional<Refusal> StreamStart(const Arguments& arguments, uint64_t* from) {
  std::optional<uint64_t> last_event;
  if (auto refused = arguments.Uint("Last-Event-ID", &last_event)) return refused;
  if (last_event) {
    *from = *last_event + 1;
    return std::nullopt;
  }
  std::optional<uint64_t> start;
  if (auto refused = arguments.Uint("from", &start)) return refused;
  *from = start.value_or(0);
  return std::nullopt;
}

// The milestone's command from the body and headers: the agreement from the
// path, dates in words read, the expected version from If-Match, the event
// id from Idempotency-Key (or a new one).
std::optional<Refusal> BuildCommand(const Arguments& arguments, const HttpRequest& http_request,
                                    const std::string& path_agreement, const app::Identity& caller,
                                    accord::v1::Command* command, Prepared::Rendering* rendering) {
  if (auto refused = ParseBody(http_request, command)) return refused;
  if (!path_agreement.empty()) {
    if (!command->agreement_id().empty() && command->agreement_id() != path_agreement) {
      return BadRequest(fmt::format("the body's agreementId '{}' is not the path's '{}'",
                                    command->agreement_id(), path_agreement));
    }
    command->set_agreement_id(path_agreement);
  }
  rendering->agreement_id = command->agreement_id();
  if (auto dates = core::ReadDatesInWords(command)) return BadRequest(*dates);
  if (std::optional<std::string> if_match = arguments.Text("If-Match")) {
    std::optional<uint64_t> version = EntityVersion(*if_match);
    if (!version) {
      return BadRequest(fmt::format(
          "If-Match is '{}', not an agreement's ETag (its version in quotes: \"7\")", *if_match));
    }
    if (command->has_expected_version() && command->expected_version() != *version) {
      return BadRequest("If-Match and the body's expectedVersion disagree: give one");
    }
    command->set_expected_version(*version);
    rendering->if_match = true;
  }
  if (std::optional<std::string> key = arguments.Text("Idempotency-Key")) {
    if (key->empty() || core::CountCharacters(*key) > kMaxIdempotencyKeyChars) {
      return BadRequest(
          fmt::format("Idempotency-Key must be 1 to {} characters", kMaxIdempotencyKeyChars));
    }
    std::string id = EventIdForKey(caller.user, *key);
    if (!command->event_id().empty() && command->event_id() != id) {
      return BadRequest("give an Idempotency-Key or the body's eventId, not both");
    }
    command->set_event_id(id);
  }
  if (command->event_id().empty()) command->set_event_id(NewEventId());
  return std::nullopt;
}

std::optional<Refusal> BuildAppend(const Arguments& arguments, const HttpRequest& http_request,
                                   const std::string& stream, accord::v1::AppendEvents* append,
                                   Prepared::Rendering* rendering) {
  if (auto refused = ParseBody(http_request, append)) return refused;
  if (!append->stream_id().empty() && append->stream_id() != stream) {
    return BadRequest(fmt::format("the body's streamId '{}' is not the path's '{}'",
                                  append->stream_id(), stream));
  }
  append->set_stream_id(stream);
  if (std::optional<std::string> if_match = arguments.Text("If-Match")) {
    std::optional<uint64_t> version = EntityVersion(*if_match);
    if (!version) {
      return BadRequest(fmt::format(
          "If-Match is '{}', not a stream's ETag (its version in quotes: \"7\")", *if_match));
    }
    if (append->has_expected()) {
      return BadRequest("If-Match and the body's expected disagree: give one");
    }
    append->mutable_expected()->set_exact(*version);
    rendering->if_match = true;
  }
  return std::nullopt;
}

// The two time axes of an agreement's view, `recorded_before` and
// `true_on`, into `get` (a GetAgreement or a GetTimelineSvg); those not
// given are left unset.
template <class Get>
std::optional<Refusal> TimeAxes(const Arguments& arguments, Get* get) {
  bool given = false;
  if (auto refused = arguments.Time("recorded_before", get->mutable_recorded_before(), &given)) {
    return refused;
  }
  if (!given) get->clear_recorded_before();
  if (auto refused = arguments.CalendarDay("true_on", get->mutable_true_on(), &given)) {
    return refused;
  }
  if (!given) get->clear_true_on();
  return std::nullopt;
}

// The attach request from the path, query, headers and the raw body: the
// event id from Idempotency-Key (or a new one), the media type from
// Content-Type without its parameters.
std::optional<Refusal> BuildAttach(const Arguments& arguments, const HttpRequest& http_request,
                                   const app::Identity& caller, accord::v1::AttachDocument* attach,
                                   Prepared::Rendering* rendering) {
  attach->set_agreement_id(arguments.Text("id").value_or(""));
  rendering->agreement_id = attach->agreement_id();
  attach->set_name(arguments.Text("name").value_or(""));
  if (attach->name().empty()) return BadRequest("name (the file's name) is required");
  attach->set_about_event_id(arguments.Text("event").value_or(""));
  attach->set_note(arguments.Text("note").value_or(""));
  std::string_view type = http_request[field::content_type];
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  std::string media_type(type);
  std::transform(media_type.begin(), media_type.end(), media_type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  attach->set_media_type(std::move(media_type));
  if (std::optional<std::string> key = arguments.Text("Idempotency-Key")) {
    if (key->empty() || core::CountCharacters(*key) > kMaxIdempotencyKeyChars) {
      return BadRequest(
          fmt::format("Idempotency-Key must be 1 to {} characters", kMaxIdempotencyKeyChars));
    }
    attach->set_event_id(EventIdForKey(caller.user, *key));
  } else {
    attach->set_event_id(NewEventId());
  }
  attach->set_content(http_request.body());
  return std::nullopt;
}

// `name` as a quoted-string's safe ASCII (RFC 6266's filename=) and as
// RFC 5987's UTF-8 percent-encoding (filename*=).
std::string ContentDisposition(std::string_view name) {
  std::string ascii;
  std::string encoded;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    bool plain = u >= 0x20 && u < 0x7f && c != '"' && c != '\\' && c != '/';
    ascii += plain ? c : '_';
    bool attr_char = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     std::string_view("!#$&+-.^_`|~").find(c) != std::string_view::npos;
    encoded += attr_char ? std::string(1, c) : fmt::format("%{:02X}", u);
  }
  return fmt::format("attachment; filename=\"{}\"; filename*=UTF-8''{}", ascii, encoded);
}

// The Request the route makes of the application, from its arguments.
std::optional<Refusal> BuildRequest(const Route& route, const Arguments& arguments,
                                    const HttpRequest& http_request, const app::Identity& caller,
                                    Request* request, Prepared::Rendering* rendering) {
  const std::string id = arguments.Text("id").value_or("");
  std::optional<uint64_t> limit;
  if (auto refused = arguments.Uint("limit", &limit)) return refused;
  const uint32_t max_count =
      static_cast<uint32_t>(std::min<uint64_t>(limit.value_or(0), UINT32_MAX));
  bool given = false;
  switch (route.kind) {
    case Request::kListAgreements: {
      auto* list = request->mutable_list_agreements();
      if (std::optional<std::string> stage = arguments.Text("stage")) {
        accord::v1::AgreementStage value;
        if (!accord::v1::AgreementStage_Parse(*stage, &value) ||
            value == accord::v1::AGREEMENT_STAGE_UNSPECIFIED) {
          std::vector<std::string> names;
          const auto* stages = accord::v1::AgreementStage_descriptor();
          for (int i = 1; i < stages->value_count(); ++i) names.push_back(stages->value(i)->name());
          return BadRequest(
              fmt::format("stage is '{}', not one of {}", *stage, fmt::join(names, ", ")));
        }
        list->set_stage(value);
      }
      list->set_party_id(arguments.Text("party").value_or(""));
      list->set_after(arguments.Text("after").value_or(""));
      list->set_max_count(max_count);
      rendering->next_link = arguments.NextPage("after");
      return std::nullopt;
    }
    case Request::kGetAgreement: {
      auto* get = request->mutable_get_agreement();
      get->set_agreement_id(id);
      return TimeAxes(arguments, get);
    }
    case Request::kGetTimeline: {
      auto* get = request->mutable_get_timeline();
      get->set_agreement_id(id);
      if (auto refused =
              arguments.Time("recorded_before", get->mutable_recorded_before(), &given)) {
        return refused;
      }
      if (!given) get->clear_recorded_before();
      return std::nullopt;
    }
    case Request::kReadStream: {
      std::optional<uint64_t> from;
      if (auto refused = arguments.Uint("from", &from)) return refused;
      auto* read = request->mutable_read_stream();
      read->set_stream_id(id);
      read->set_from_version(from.value_or(0));
      read->set_max_count(max_count);
      rendering->next_link = arguments.NextPage("from");
      return std::nullopt;
    }
    case Request::kReadAll: {
      auto* read = request->mutable_read_all();
      if (std::optional<std::string> position = arguments.Text("position")) {
        std::optional<uint64_t> at;
        if (auto refused = arguments.Uint("position", &at)) return refused;
        read->set_from_position(*at);
        read->set_max_count(1);
        rendering->single_record = true;
        return std::nullopt;
      }
      std::optional<uint64_t> from;
      if (auto refused = arguments.Uint("from", &from)) return refused;
      read->set_from_position(from.value_or(0));
      read->set_max_count(max_count);
      rendering->next_link = arguments.NextPage("from");
      return std::nullopt;
    }
    case Request::kLogMilestone:
      return BuildCommand(arguments, http_request, id, caller, request->mutable_log_milestone(),
                          rendering);
    case Request::kAppendEvents:
      return BuildAppend(arguments, http_request, id, request->mutable_append_events(), rendering);
    case Request::kSubscribe: {
      auto* subscribe = request->mutable_subscribe();
      subscribe->set_stream_id(id);
      uint64_t from = 0;
      if (auto refused = StreamStart(arguments, &from)) return refused;
      subscribe->set_from(from);
      if (std::optional<std::string> types = arguments.Text("types")) {
        for (std::string_view rest = *types; !rest.empty();) {
          size_t comma = rest.find(',');
          std::string_view type = rest.substr(0, comma);
          rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
          if (!type.empty()) subscribe->add_event_types(std::string(type));
        }
      }
      std::optional<uint64_t> every;
      if (auto refused = arguments.Uint("checkpoint_every", &every)) return refused;
      subscribe->set_checkpoint_every(
          static_cast<uint32_t>(std::min<uint64_t>(every.value_or(0), UINT32_MAX)));
      return std::nullopt;
    }
    case Request::kGetHealth:
      request->mutable_get_health();
      return std::nullopt;
    case Request::kVerifyLog:
      request->mutable_verify_log();
      return std::nullopt;
    case Request::kBackup:
      return ParseBody(http_request, request->mutable_backup());
    case Request::kGetCheckpoint: {
      std::optional<uint64_t> size;
      if (auto refused = arguments.Uint("size", &size)) return refused;
      auto* get = request->mutable_get_checkpoint();
      if (size) get->set_size(*size);
      return std::nullopt;
    }
    case Request::kGetInclusionProof: {
      std::optional<uint64_t> position;
      std::optional<uint64_t> tree_size;
      if (auto refused = arguments.Uint("position", &position)) return refused;
      if (auto refused = arguments.Uint("tree_size", &tree_size)) return refused;
      std::optional<std::string> event_id = arguments.Text("event_id");
      if (position.has_value() == event_id.has_value()) {
        return BadRequest("give the record's position or its event_id, one of them");
      }
      auto* get = request->mutable_get_inclusion_proof();
      if (position) get->set_position(*position);
      if (event_id) get->set_event_id(*event_id);
      if (tree_size) get->set_tree_size(*tree_size);
      return std::nullopt;
    }
    case Request::kGetConsistencyProof: {
      std::optional<uint64_t> first;
      std::optional<uint64_t> second;
      if (auto refused = arguments.Uint("first", &first)) return refused;
      if (auto refused = arguments.Uint("second", &second)) return refused;
      if (!first) return BadRequest("first (the earlier tree's size) is required");
      auto* get = request->mutable_get_consistency_proof();
      get->set_first_size(*first);
      if (second) get->set_second_size(*second);
      return std::nullopt;
    }
    case Request::kGetReport: {
      request->mutable_get_report();
      if (std::optional<std::string> format = arguments.Text("format")) {
        rendering->report_format = *format;
        return std::nullopt;
      }
      rendering->report_format = ReportFormat(http_request[field::accept]);
      if (rendering->report_format.empty()) {
        return Refusal{status::not_acceptable, "INVALID_ARGUMENT",
                       "the report is served as application/json, text/csv or text/markdown"};
      }
      return std::nullopt;
    }
    case Request::kSearch: {
      std::optional<std::string> query = arguments.Text("q");
      if (!query) return BadRequest("q, what to find, is required: /api/v1/search?q=words");
      auto* search = request->mutable_search();
      search->set_query(std::move(*query));
      search->set_limit(max_count);
      search->set_agreement_id(arguments.Text("agreement").value_or(""));
      return std::nullopt;
    }
    case Request::kGetDesk: {
      auto* get = request->mutable_get_desk();
      if (auto refused = arguments.CalendarDay("today", get->mutable_today(), &given)) {
        return refused;
      }
      if (!given) get->clear_today();
      return std::nullopt;
    }
    case Request::kParseDate: {
      auto* parse = request->mutable_parse_date();
      parse->set_text(arguments.Text("text").value_or(""));
      if (parse->text().empty()) return BadRequest("text (the date to read) is required");
      if (auto refused =
              arguments.CalendarDay("relative_to", parse->mutable_relative_to(), &given)) {
        return refused;
      }
      if (!given) parse->clear_relative_to();
      return std::nullopt;
    }
    case Request::kGetTimelineSvg: {
      auto* get = request->mutable_get_timeline_svg();
      get->set_agreement_id(id);
      return TimeAxes(arguments, get);
    }
    case Request::kGetAudit:
      request->mutable_get_audit()->set_agreement_id(id);
      return std::nullopt;
    case Request::kGetCalendar:
      request->mutable_get_calendar()->set_agreement_id(id);
      rendering->agreement_id = id;
      return std::nullopt;
    case Request::kAttachDocument:
      return BuildAttach(arguments, http_request, caller, request->mutable_attach_document(),
                         rendering);
    case Request::kGetDocument:
      request->mutable_get_document()->set_sha256(arguments.Text("sha256").value_or(""));
      return std::nullopt;
    case Request::kFindDocument:
      request->mutable_find_document()->set_sha256(arguments.Text("sha256").value_or(""));
      return std::nullopt;
    case Request::kHello:
    // Bulk imports of stored records come over TCP only (accord import).
    case Request::kImportRecords:
    case Request::KIND_NOT_SET:
      break;
  }
  return Refusal{status::not_found, "UNKNOWN_REQUEST", "this route asks nothing of the server"};
}

// A calendar's file name: the agreement's id when it is plain enough to be
// one, else "calendar".
std::string CalendarFileName(std::string_view agreement_id) {
  const bool plain = !agreement_id.empty() && agreement_id.size() <= 100 &&
                     std::all_of(agreement_id.begin(), agreement_id.end(),
                                 [](unsigned char c) {
                                   return std::isalnum(c) || c == '-' || c == '_' || c == '.';
                                 }) &&
                     agreement_id.front() != '.';
  return plain ? std::string(agreement_id) : "calendar";
}

// The Link header of a page whose next one starts at `cursor`; `page` is
// the path and query of this page without its cursor (Arguments::NextPage).
std::string NextLink(const std::string& page, std::string_view cursor_name,
                     std::string_view cursor) {
  return fmt::format("<{}{}{}={}>; rel=\"next\"", page,
                     page.find('?') == std::string::npos ? '?' : '&', cursor_name,
                     QueryEscape(cursor));
}

}  // namespace

http::status HttpStatusOf(ErrorCode code) {
  switch (code) {
    case accord::v1::MALFORMED_FRAME:
    case accord::v1::INVALID_ARGUMENT:
    case accord::v1::HELLO_REQUIRED:
    case accord::v1::UNSUPPORTED_VERSION:
      return status::bad_request;
    case accord::v1::FRAME_TOO_LARGE:
      return status::payload_too_large;
    case accord::v1::UNKNOWN_REQUEST:
    case accord::v1::NOT_FOUND:
      return status::not_found;
    case accord::v1::WRONG_EXPECTED_VERSION:
    case accord::v1::DUPLICATE_EVENT:
      return status::conflict;
    case accord::v1::UNAUTHENTICATED:
      return status::unauthorized;
    case accord::v1::PERMISSION_DENIED:
      return status::forbidden;
    case accord::v1::RESOURCE_EXHAUSTED:
      return status::too_many_requests;
    case accord::v1::IDLE_TIMEOUT:
      return status::request_timeout;
    case accord::v1::IO_ERROR:
    case accord::v1::READ_ONLY:
    case accord::v1::SHUTTING_DOWN:
      return status::service_unavailable;
    case accord::v1::CORRUPTION:
    case accord::v1::RESPONSE_TOO_LARGE:
    case accord::v1::ERROR_CODE_UNSPECIFIED:
    case accord::v1::ErrorCode_INT_MIN_SENTINEL_DO_NOT_USE_:
    case accord::v1::ErrorCode_INT_MAX_SENTINEL_DO_NOT_USE_:
      break;
  }
  return status::internal_server_error;
}

HttpResponse ProblemResponse(http::status code, std::string error_code, std::string_view detail,
                             unsigned version, bool keep_alive) {
  accord::v1::Problem problem;
  problem.set_status(static_cast<uint32_t>(code));
  problem.set_title(std::string(http::obsolete_reason(code)));
  problem.set_code(std::move(error_code));
  problem.set_detail(Utf8Safe(detail));
  HttpResponse response =
      JsonResponse(code, problem, version, keep_alive, "application/problem+json");
  if (code == status::too_many_requests || code == status::service_unavailable) {
    response.set(field::retry_after, "1");
  }
  return response;
}

HttpApi::HttpApi(app::Application* application, HttpApiOptions options)
    : application_(application),
      options_(std::move(options)),
      openapi_(OpenApiDocument(kApiVersion)),
      web_files_(options_.web_dir) {
  app::SessionOptions sessions = options_.sessions;
  if (sessions.clock == nullptr) sessions.clock = &application_->clock();
  sessions_ = std::make_unique<app::Sessions>(sessions);
}

void SetSecurityHeaders(http::fields& fields, bool tls) {
  // An answer with a policy of its own (a downloaded document: sandboxed)
  // keeps it: it is stricter than the pages'.
  if (fields.find("Content-Security-Policy") == fields.end()) {
    fields.set("Content-Security-Policy",
               "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: "
               "blob:; connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
               "frame-ancestors 'none'");
  }
  fields.set("X-Content-Type-Options", "nosniff");
  fields.set("Referrer-Policy", "no-referrer");
  fields.set(field::x_frame_options, "DENY");
  fields.set("Cross-Origin-Opener-Policy", "same-origin");
  if (tls) fields.set(field::strict_transport_security, "max-age=31536000");
}

HttpApi::Prepared HttpApi::Prepare(const HttpRequest& request) const {
  Prepared prepared;
  auto& rendering = prepared.rendering;
  rendering.version = request.version();
  rendering.keep_alive = request.keep_alive();
  auto refuse = [&](const Refusal& refusal) {
    prepared.answer = RefusalResponse(refusal, rendering.version, rendering.keep_alive);
    return std::move(prepared);
  };
  std::string_view target = request.target();
  size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  Query query;
  if (question != std::string_view::npos) {
    if (auto refused = ParseQuery(target.substr(question + 1), &query)) return refuse(*refused);
  }
  for (std::string_view secret : {"access_token", "token"}) {
    if (query.count(secret) != 0) {
      return refuse(BadRequest(fmt::format(
          "a token goes in the Authorization header (Bearer), never in a URL, where logs and "
          "browser histories keep it: '{}' is refused",
          secret)));
    }
  }
  const http::verb method =
      request.method() == http::verb::head ? http::verb::get : request.method();
  rendering.head = request.method() == http::verb::head;
  std::string allowed;
  std::optional<RouteMatch> match = MatchRoute(method, path, &allowed);
  if (!match) {
    if (allowed.empty()) {
      return refuse(Refusal{status::not_found, "NOT_FOUND",
                            fmt::format("there is no {} here (the API is under /api/v1/, "
                                        "described at /api/v1/openapi.json)",
                                        path)});
    }
    prepared.answer =
        RefusalResponse(Refusal{status::method_not_allowed, "INVALID_ARGUMENT",
                                fmt::format("{} takes {}, not {}", path, allowed,
                                            std::string_view(request.method_string()))},
                        rendering.version, rendering.keep_alive);
    prepared.answer->set(field::allow, allowed);
    return prepared;
  }
  const Route& route = *match->route;
  prepared.route = &route;
  if (rendering.head && route.action == RouteAction::kEventStream) {
    prepared.answer = RefusalResponse(Refusal{status::method_not_allowed, "INVALID_ARGUMENT",
                                              "an event stream has no HEAD: GET it"},
                                      rendering.version, rendering.keep_alive);
    prepared.answer->set(field::allow, "GET");
    return prepared;
  }
  Arguments arguments(route, request, std::move(*match), std::move(query));
  // A page's address may carry what the page itself reads (`/?agreement=x`).
  const bool web = route.action == RouteAction::kWebPage || route.action == RouteAction::kWebFile;
  if (!web) {
    if (auto refused = arguments.CheckQueryNames()) return refuse(*refused);
  }
  if (auto refused = arguments.CheckValues()) return refuse(*refused);
  if (!route.body && route.raw_body.empty() && !request.body().empty()) {
    return refuse(
        BadRequest(fmt::format("{} {} takes no body", http::to_string(route.method), route.path)));
  }
  switch (route.action) {
    case RouteAction::kApplication:
    case RouteAction::kEventStream:
      break;
    case RouteAction::kWebPage:
      prepared.answer = WebFileAnswer(request, "index.html");
      return prepared;
    case RouteAction::kWebFile:
      prepared.answer = WebFileAnswer(request, arguments.Text("name").value_or(""));
      return prepared;
    case RouteAction::kSignIn:
    case RouteAction::kGetSession:
    case RouteAction::kSignOut:
      prepared.answer = SessionAnswer(route, request);
      return prepared;
    case RouteAction::kOpenApi:
    case RouteAction::kMetrics:
    case RouteAction::kLiveness:
    case RouteAction::kReadiness:
      prepared.answer = DoorOwn(route, request);
      return prepared;
  }

  if (std::optional<HttpResponse> refused = Authenticate(request, &prepared)) {
    prepared.answer = std::move(refused);
    return prepared;
  }

  // The report is negotiated (ReportFormat); pictures, calendars and documents are not JSON.
  const bool json_answer =
      route.action == RouteAction::kApplication && route.kind != Request::kGetReport &&
      route.kind != Request::kGetTimelineSvg && route.kind != Request::kGetCalendar &&
      route.kind != Request::kGetDocument;
  if (json_answer && !AcceptsJson(request[field::accept])) {
    return refuse(Refusal{status::not_acceptable, "INVALID_ARGUMENT",
                          fmt::format("{} answers application/json only", route.path)});
  }
  if (route.action == RouteAction::kEventStream) {
    std::string_view accept = request[field::accept];
    if (!accept.empty() && WeightOf(ParseAccept(accept), "text/event-stream") <= 0) {
      return refuse(Refusal{status::not_acceptable, "INVALID_ARGUMENT",
                            fmt::format("{} answers text/event-stream only", route.path)});
    }
  }
  if (auto refused =
          BuildRequest(route, arguments, request, prepared.caller, &prepared.request, &rendering)) {
    return refuse(*refused);
  }
  if (std::optional<Response> denied = application_->Authorize(prepared.caller, prepared.request)) {
    return refuse(Refusal{status::forbidden, "PERMISSION_DENIED", denied->error().message()});
  }
  return prepared;
}

std::optional<HttpResponse> HttpApi::Authenticate(const HttpRequest& request,
                                                  Prepared* prepared) const {
  const unsigned version = request.version();
  const bool keep_alive = request.keep_alive();
  std::string_view header = request[field::authorization];
  std::optional<std::string_view> cookie = SessionCookie(request);
  if (header.empty() && cookie) {
    // A browser's session; Bearer wins when both are sent.
    std::optional<app::BrowserSession> session = sessions_->Find(*cookie);
    if (!session) {
      HttpResponse refusal = RefusalResponse(SessionEnded(), version, keep_alive);
      refusal.set(field::set_cookie, SessionCookieHeader("", 0));
      refusal.set(field::www_authenticate, "Bearer realm=\"accord\"");
      return refusal;
    }
    if (ChangesState(request.method())) {
      if (auto refused = CheckCsrf(request, *session)) {
        return RefusalResponse(*refused, version, keep_alive);
      }
    }
    prepared->caller = session->identity;
    return std::nullopt;
  }
  if (!options_.tokens) {
    prepared->caller = app::Identity{"anonymous", accord::v1::ADMIN};
    return std::nullopt;
  }
  std::optional<std::string_view> token = BearerToken(header);
  std::optional<app::Identity> identity;
  if (token) identity = options_.tokens->Authenticate(*token);
  if (!identity) {
    HttpResponse refusal = RefusalResponse(
        Refusal{status::unauthorized, "UNAUTHENTICATED",
                header.empty() ? "this server needs a token: Authorization: Bearer <token>, or "
                                 "a session from POST /api/v1/session"
                : token        ? "the token is not one this server knows"
                               : "the Authorization header must be Bearer <token>"},
        version, keep_alive);
    refusal.set(field::www_authenticate, header.empty()
                                             ? "Bearer realm=\"accord\""
                                             : "Bearer realm=\"accord\", error=\"invalid_token\"");
    return refusal;
  }
  prepared->caller = *identity;
  return std::nullopt;
}

std::string HttpApi::SessionCookieHeader(std::string_view id, int64_t max_age_seconds) const {
  return fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}", kSessionCookie, id,
                     max_age_seconds, options_.tls ? "; Secure" : "");
}

HttpResponse HttpApi::SessionAnswer(const Route& route, const HttpRequest& request) const {
  const unsigned version = request.version();
  const bool keep_alive = request.keep_alive();
  auto refuse = [&](const Refusal& refusal) {
    return RefusalResponse(refusal, version, keep_alive);
  };
  auto session_json = [](const app::BrowserSession& session) {
    accord::v1::Session body;
    body.set_user(session.identity.user);
    body.set_role(app::RoleName(session.identity.role));
    body.set_csrf_token(session.csrf_token);
    *body.mutable_expires_at() = google::protobuf::util::TimeUtil::SecondsToTimestamp(
        std::chrono::duration_cast<std::chrono::seconds>(session.expires_at.time_since_epoch())
            .count());
    return body;
  };

  if (route.action == RouteAction::kSignIn) {
    accord::v1::SignIn sign_in;
    if (auto refused = ParseBody(request, &sign_in)) return refuse(*refused);
    std::optional<app::Identity> identity;
    if (options_.tokens) {
      identity = options_.tokens->Authenticate(sign_in.token());
    } else {
      identity = app::Identity{"anonymous", accord::v1::ADMIN};  // as Bearer without tokens
    }
    if (!identity) {
      return refuse(Refusal{status::unauthorized, "UNAUTHENTICATED",
                            "the token is not one this server knows"});
    }
    auto session = sessions_->Start(*identity);
    if (!session) {
      return refuse(Refusal{status::internal_server_error, "IO_ERROR", session.error()});
    }
    HttpResponse answer =
        JsonResponse(status::created, session_json(*session), version, keep_alive);
    const auto lifetime = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::minutes(sessions_->options().lifetime));
    answer.set(field::set_cookie, SessionCookieHeader(session->id, lifetime.count()));
    return answer;
  }

  std::optional<std::string_view> cookie = SessionCookie(request);
  std::optional<app::BrowserSession> session;
  if (cookie) session = sessions_->Find(*cookie);
  if (!session) {
    HttpResponse answer = refuse(SessionEnded());
    if (cookie) answer.set(field::set_cookie, SessionCookieHeader("", 0));
    return answer;
  }
  if (route.action == RouteAction::kGetSession) {
    return JsonResponse(status::ok, session_json(*session), version, keep_alive);
  }
  if (auto refused = CheckCsrf(request, *session)) return refuse(*refused);
  (void)sessions_->End(*cookie);
  HttpResponse answer(status::no_content, version);
  answer.set(field::cache_control, "no-store");
  answer.set(field::set_cookie, SessionCookieHeader("", 0));
  answer.keep_alive(keep_alive);
  answer.prepare_payload();
  answer.erase(field::content_length);  // a 204 has no body, and says no length (RFC 9110)
  return answer;
}

HttpResponse HttpApi::WebFileAnswer(const HttpRequest& request, std::string_view name) const {
  const unsigned version = request.version();
  const bool keep_alive = request.keep_alive();
  auto file = web_files_.Find(name);
  if (!file) {
    const core::Status& error = file.error();
    if (error.IsNotFound()) {
      return ProblemResponse(status::not_found, "NOT_FOUND",
                             fmt::format("the web desk has no file '{}'", Utf8Safe(name)), version,
                             keep_alive);
    }
    if (error.code() == core::Status::Code::kInvalidArgument) {
      return ProblemResponse(status::bad_request, "INVALID_ARGUMENT", error.message(), version,
                             keep_alive);
    }
    app::ServerLog().warn("the web desk's file '{}': {}", Utf8Safe(name), error.ToString());
    return ProblemResponse(status::internal_server_error, "IO_ERROR",
                           "the web desk's file cannot be read; the server's log says why", version,
                           keep_alive);
  }
  const bool unchanged = NoneMatchHas(request[field::if_none_match], file->etag);
  HttpResponse answer(unchanged ? status::not_modified : status::ok, version);
  // The browser asks each time, and is answered 304 while the file is the
  // same: a new build's pages are never mixed with an old one's.
  answer.set(field::cache_control, "no-cache");
  answer.set(field::etag, file->etag);
  if (!unchanged) {
    answer.set(field::content_type, file->media_type);
    answer.body() = std::move(file->bytes);
  }
  answer.keep_alive(keep_alive);
  answer.prepare_payload();
  if (unchanged) answer.erase(field::content_length);  // not the file's: left out
  return answer;
}

std::optional<HttpResponse> HttpApi::DoorOwn(const Route& route, const HttpRequest& request) const {
  const unsigned version = request.version();
  const bool keep_alive = request.keep_alive();
  switch (route.action) {
    case RouteAction::kLiveness:
      return TextResponse(status::ok, "ok\n", "text/plain; charset=utf-8", version, keep_alive);
    case RouteAction::kReadiness: {
      accord::v1::Request ask;
      ask.mutable_get_health();
      accord::v1::Health health = application_->GetHealth(ask).health();
      accord::v1::Readiness readiness;
      if (!health.write_refusal().empty()) {
        readiness.add_not_ready("appends are refused: " + health.write_refusal());
      }
      for (const auto& projection : health.projections()) {
        if (projection.lag() > 0) {
          readiness.add_not_ready(fmt::format("the projection {} is {} events behind the log",
                                              projection.name(), projection.lag()));
        }
      }
      readiness.set_ready(readiness.not_ready().empty());
      return JsonResponse(readiness.ready() ? status::ok : status::service_unavailable, readiness,
                          version, keep_alive);
    }
    case RouteAction::kOpenApi:
      return TextResponse(status::ok, openapi_, "application/json", version, keep_alive);
    case RouteAction::kMetrics:
      return TextResponse(status::ok, application_->MetricsText(),
                          std::string(app::kMetricsContentType), version, keep_alive);
    case RouteAction::kApplication:
    case RouteAction::kEventStream:
    case RouteAction::kSignIn:
    case RouteAction::kGetSession:
    case RouteAction::kSignOut:
    case RouteAction::kWebPage:
    case RouteAction::kWebFile:
      break;
  }
  // The application's routes and streams are not the door's own: Prepare
  // never asks for them here.
  return ProblemResponse(status::internal_server_error, "UNKNOWN_REQUEST",
                         "this route is not answered by the door itself", version, keep_alive);
}

std::string HttpApi::Wire(HttpResponse response, bool head_only) const {
  response.set(field::server, options_.server_name);
  SetSecurityHeaders(response, options_.tls);
  http::response_serializer<http::string_body> serializer(response);
  serializer.split(head_only);
  std::string out;
  out.reserve(512 + response.body().size());
  boost::system::error_code error;
  while (!error && !(head_only ? serializer.is_header_done() : serializer.is_done())) {
    serializer.next(error, [&](boost::system::error_code&, const auto& buffers) {
      for (auto buffer : boost::beast::buffers_range_ref(buffers)) {
        out.append(static_cast<const char*>(buffer.data()), buffer.size());
      }
      serializer.consume(boost::beast::buffer_bytes(buffers));
    });
  }
  return out;
}

HttpResponse HttpApi::Render(const Prepared::Rendering& rendering, const Response& response) const {
  const unsigned version = rendering.version;
  const bool keep_alive = rendering.keep_alive;
  auto json = [&](status code, const google::protobuf::Message& body) {
    return JsonResponse(code, body, version, keep_alive);
  };
  switch (response.kind_case()) {
    case Response::kError: {
      const accord::v1::Error& error = response.error();
      status code = HttpStatusOf(error.code());
      if (error.code() == accord::v1::WRONG_EXPECTED_VERSION && rendering.if_match) {
        code = status::precondition_failed;
      }
      accord::v1::Problem problem;
      problem.set_status(static_cast<uint32_t>(code));
      problem.set_title(std::string(http::obsolete_reason(code)));
      problem.set_code(accord::v1::ErrorCode_Name(error.code()));
      problem.set_detail(error.message().empty() ? std::string(http::obsolete_reason(code))
                                                 : Utf8Safe(error.message()));
      if (error.has_current_version()) problem.set_current_version(error.current_version());
      HttpResponse answer =
          JsonResponse(code, problem, version, keep_alive, "application/problem+json");
      if (error.has_current_version()) answer.set(field::etag, ETagOf(error.current_version()));
      if (code == status::too_many_requests || code == status::service_unavailable) {
        answer.set(field::retry_after, "1");
      }
      return answer;
    }
    case Response::kRejected: {
      accord::v1::Problem problem;
      problem.set_status(static_cast<uint32_t>(status::unprocessable_entity));
      problem.set_title(std::string(http::obsolete_reason(status::unprocessable_entity)));
      problem.set_code(accord::v1::RejectionCode_Name(response.rejected().code()));
      problem.set_detail(response.rejected().message().empty()
                             ? std::string("the lifecycle rules refused it")
                             : Utf8Safe(response.rejected().message()));
      problem.set_rejected(true);
      return JsonResponse(status::unprocessable_entity, problem, version, keep_alive,
                          "application/problem+json");
    }
    case Response::kLogged: {
      const accord::v1::Logged& logged = response.logged();
      HttpResponse answer = json(logged.already_logged() ? status::ok : status::created, logged);
      // A proposal makes the agreement; a later milestone makes an event.
      answer.set(field::location, logged.version() == 0
                                      ? fmt::format("/api/v1/agreements/{}", rendering.agreement_id)
                                      : fmt::format("/api/v1/log/{}", logged.position()));
      answer.set(field::etag, ETagOf(logged.version()));
      return answer;
    }
    case Response::kAppended: {
      const accord::v1::Appended& appended = response.appended();
      HttpResponse answer =
          json(appended.already_stored() ? status::ok : status::created, appended);
      answer.set(field::location, fmt::format("/api/v1/log/{}", appended.first_position()));
      answer.set(field::etag, ETagOf(appended.last_version()));
      return answer;
    }
    case Response::kPage: {
      const accord::v1::Page& page = response.page();
      if (rendering.single_record) {
        if (page.events_size() == 0) {
          return ProblemResponse(status::not_found, "NOT_FOUND",
                                 "no record at that position: the log is shorter", version,
                                 keep_alive);
        }
        return json(status::ok, page.events(0));
      }
      HttpResponse answer = json(status::ok, page);
      if (!page.end_of_data() && !rendering.next_link.empty()) {
        answer.set(field::link, NextLink(rendering.next_link, "from", std::to_string(page.next())));
      }
      return answer;
    }
    case Response::kAgreements: {
      const accord::v1::AgreementList& list = response.agreements();
      HttpResponse answer = json(status::ok, list);
      if (!list.end_of_data() && !rendering.next_link.empty()) {
        answer.set(field::link, NextLink(rendering.next_link, "after", list.next_after()));
      }
      return answer;
    }
    case Response::kAgreement: {
      HttpResponse answer = json(status::ok, response.agreement());
      answer.set(field::etag, ETagOf(response.agreement().version()));
      return answer;
    }
    case Response::kReport:
      if (rendering.report_format == "csv") {
        return TextResponse(status::ok, app::RenderReportCsv(response.report()),
                            "text/csv; charset=utf-8", version, keep_alive);
      }
      if (rendering.report_format == "md") {
        return TextResponse(status::ok, app::RenderReportMarkdown(response.report()),
                            "text/markdown; charset=utf-8", version, keep_alive);
      }
      return json(status::ok, response.report());
    case Response::kBackedUp:
      return json(status::created, response.backed_up());
    case Response::kTimeline:
      return json(status::ok, response.timeline());
    case Response::kHealth:
      return json(status::ok, response.health());
    case Response::kVerified:
      return json(status::ok, response.verified());
    case Response::kCheckpoint:
      return json(status::ok, response.checkpoint());
    case Response::kInclusionProof:
      return json(status::ok, response.inclusion_proof());
    case Response::kConsistencyProof:
      return json(status::ok, response.consistency_proof());
    case Response::kSearchResults:
      return json(status::ok, response.search_results());
    case Response::kDesk:
      return json(status::ok, response.desk());
    case Response::kParsedDate:
      return json(status::ok, response.parsed_date());
    case Response::kAudit:
      return json(status::ok, response.audit());
    case Response::kTimelineSvg:
      return TextResponse(status::ok, response.timeline_svg().svg(), "image/svg+xml", version,
                          keep_alive);
    case Response::kCalendar: {
      HttpResponse answer = TextResponse(status::ok, app::RenderICalendar(response.calendar()),
                                         app::kICalendarContentType, version, keep_alive);
      answer.set(field::content_disposition, fmt::format("attachment; filename=\"{}.ics\"",
                                                         CalendarFileName(rendering.agreement_id)));
      return answer;
    }
    case Response::kAttachedDocument: {
      const accord::v1::AttachedDocument& attached = response.attached_document();
      HttpResponse answer =
          json(attached.already_logged() ? status::ok : status::created, attached);
      answer.set(field::location,
                 fmt::format("/api/v1/documents/{}", attached.document().sha256()));
      answer.set(field::etag, ETagOf(attached.version()));
      return answer;
    }
    case Response::kDocument: {
      const accord::v1::DocumentContent& content = response.document();
      HttpResponse answer = TextResponse(status::ok, content.content(),
                                         content.document().media_type(), version, keep_alive);
      answer.set(field::content_disposition, ContentDisposition(content.document().name()));
      answer.set(field::etag, fmt::format("\"{}\"", content.document().sha256()));
      // The bytes of a digest never change; whoever may read them may keep them.
      answer.set(field::cache_control, "private, max-age=31536000, immutable");
      // A file someone uploaded is never run as a page or script of this
      // origin: downloaded (attachment), not sniffed, and sandboxed if opened.
      answer.set("X-Content-Type-Options", "nosniff");
      answer.set("Content-Security-Policy", "sandbox; default-src 'none'");
      answer.set("Cross-Origin-Resource-Policy", "same-origin");
      return answer;
    }
    case Response::kDocumentRecords:
      return json(status::ok, response.document_records());
    case Response::kImported:
      return json(status::ok, response.imported());
    case Response::kHello:
    case Response::kSubscription:
    case Response::KIND_NOT_SET:
      break;
  }
  return ProblemResponse(status::internal_server_error, "UNKNOWN_REQUEST",
                         "the server gave an answer this door cannot render", version, keep_alive);
}

}  // namespace accord::net
