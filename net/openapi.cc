#include "net/openapi.h"

#include <array>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <boost/beast/core/string.hpp>

#include "accord/v1/http.pb.h"
#include "accord/v1/options.pb.h"
#include "accord/v1/record.pb.h"
#include "app/requests.h"
#include "net/http_routes.h"
#include "net/ordered_json.h"

namespace accord::net {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;

constexpr std::string_view kProblemMediaType = "application/problem+json";
constexpr std::string_view kEventStreamMediaType = "text/event-stream";

// Which routes may give one of the common errors.
enum class GivenBy {
  kEveryRoute,
  kRoutesWithAToken,
  kRoutesWithABody,  // JSON or raw
  kRoutesWithAJsonBody,
  kRoutesReadingIfMatch
};

struct CommonError {
  http::status status;
  GivenBy given_by;
  std::string_view description;
};

// The errors every route may give, written once here instead of on each
// route, each answered with a Problem (application/problem+json). A route
// that gives the same status itself keeps its own answer first.
constexpr std::array kCommonErrors{
    CommonError{http::status::bad_request, GivenBy::kEveryRoute,
                "Malformed request: a parameter that is not of its type or not one of its values, "
                "or a body that is not the message."},
    CommonError{http::status::unauthorized, GivenBy::kRoutesWithAToken,
                "No token, or one the server does not know (`Authorization: Bearer TOKEN`)."},
    CommonError{http::status::forbidden, GivenBy::kRoutesWithAToken,
                "The token's role may not make this request."},
    CommonError{http::status::not_found, GivenBy::kEveryRoute,
                "No such route, or no such agreement or record."},
    CommonError{http::status::not_acceptable, GivenBy::kEveryRoute,
                "Accept names no media type this route serves."},
    CommonError{http::status::conflict, GivenBy::kRoutesWithABody,
                "The body's expected version is not the agreement's or stream's (`code` "
                "WRONG_EXPECTED_VERSION; `currentVersion` says what it is now), or its event id "
                "was used for other content (DUPLICATE_EVENT). Nothing was written."},
    CommonError{http::status::precondition_failed, GivenBy::kRoutesReadingIfMatch,
                "If-Match names another version than the agreement's or stream's now. Nothing "
                "was written."},
    CommonError{http::status::payload_too_large, GivenBy::kRoutesWithABody,
                "The body is larger than the server takes."},
    CommonError{http::status::unsupported_media_type, GivenBy::kRoutesWithAJsonBody,
                "The body is not application/json."},
    CommonError{http::status::too_many_requests, GivenBy::kEveryRoute,
                "A limit was reached: connections, requests in flight, or queued bytes."},
    CommonError{http::status::internal_server_error, GivenBy::kEveryRoute,
                "The store found corruption (`code` CORRUPTION), or the server failed "
                "unexpectedly; its log says more."},
    CommonError{http::status::service_unavailable, GivenBy::kEveryRoute,
                "The server is shutting down, or the disk refuses writes (full or failing); "
                "reads go on."},
};

struct TagWords {
  std::string_view name;
  std::string_view description;
};

// The routes' tags, for people; the document lists those the routes use,
// in the order the routes first use them.
constexpr std::array kTagWords{
    TagWords{"agreements",
             "Agreements: list them, see where each stands and how it got there, and log their "
             "milestones under the lifecycle rules."},
    TagWords{"stream", "Follow the whole log or one agreement live, as Server-Sent Events."},
    TagWords{"log",
             "The log itself: its records in position order, each with its hash, and raw appends "
             "for import tools."},
    TagWords{"proofs",
             "Checks that need no trust in the server: verification, signed checkpoints, and "
             "inclusion and consistency proofs (RFC 9162)."},
    TagWords{"reports", "The agreements report, replayed from the whole log."},
    TagWords{"desk",
             "What the web desk reads: what needs attention today, dates read as people type "
             "them, and calendars."},
    TagWords{"documents",
             "Files bound into the log: stored by their SHA-256, recorded by a DocumentAttached "
             "event, downloaded, and found by digest to check a file."},
    TagWords{"operations", "Health, backup, probes, metrics and this document."},
    TagWords{"session",
             "Signing in from a browser: a token traded for a session cookie and a CSRF token."},
    TagWords{"web", "The web desk's pages, served without a token."},
};

struct StreamEventData {
  std::string_view event;
  const Descriptor* (*message)();
};

// The data of each event of the Server-Sent Events stream, one line of JSON
// (docs/http.md). OpenAPI 3.1 cannot give a stream's items a schema, so the
// stream's media type names them (x-event-data) and components hold their
// schemas.
constexpr std::array kStreamEventData{
    StreamEventData{kRecordedEvent, &accord::v1::RecordedEvent::descriptor},
    StreamEventData{kCaughtUpEvent, &accord::v1::StreamMark::descriptor},
    StreamEventData{kCheckpointEvent, &accord::v1::StreamMark::descriptor},
    StreamEventData{kDroppedEvent, &accord::v1::StreamDropped::descriptor},
    StreamEventData{kProblemEvent, &accord::v1::Problem::descriptor},
};

constexpr std::string_view kInfoDescription =
    "accord records how agreements between organisations progress, as an append-only log of "
    "events checked by each agreement's lifecycle rules. docs/http.md describes this door: "
    "tokens, errors, the event stream and its limits.\n\n"
    "This document is generated by the server from the routes it serves (net/http_routes.cc) "
    "and from the protobuf messages of their bodies (proto/accord/v1/*.proto). Bodies are those "
    "messages in protobuf's canonical proto3 JSON mapping:\n\n"
    "- field names are lowerCamelCase; on input the .proto names (`agreement_id`) are accepted "
    "too;\n"
    "- answers hold every field, defaults included (0, \"\", false, [], the first enum value), "
    "except message fields that are not set, `optional` fields that are not set, and the members "
    "of a oneof other than the one set;\n"
    "- 64-bit integers are decimal strings (`\"7\"`); on input a number is accepted too;\n"
    "- enums are their value's name (`SIGNED`); on input the value's number is accepted too;\n"
    "- bytes are base64; timestamps are RFC 3339 (`2024-11-05T09:30:00Z`).\n\n"
    "Errors are RFC 9457 problem details (application/problem+json, the accord.v1.Problem "
    "schema); their `code` is stable, for clients to branch on.";

constexpr std::string_view kBearerDescription =
    "The token `accordd --add-user` printed, in the Authorization header: `Authorization: "
    "Bearer TOKEN`. Never put it in a URL.";

constexpr std::string_view kSessionDescription =
    "A browser's session: the HttpOnly cookie that POST /api/v1/session sets. With it, a POST, "
    "PUT, PATCH or DELETE must carry the session's CSRF token in the header X-CSRF-Token (403 "
    "CSRF_TOKEN_MISSING or CSRF_TOKEN_WRONG otherwise, nothing done). Bearer wins when both are "
    "sent.";

// "propose an agreement" -> "Propose an agreement."
std::string AsSentence(std::string_view text) {
  std::string sentence(text);
  if (sentence.empty()) return sentence;
  if (sentence.front() >= 'a' && sentence.front() <= 'z') sentence.front() -= 'a' - 'A';
  if (sentence.back() != '.') sentence.push_back('.');
  return sentence;
}

// A .proto comment as one paragraph per blank-line-separated block: each
// line's leading spaces dropped, the lines of a block joined by spaces.
std::string CommentText(const std::string& comment) {
  std::string text;
  bool block_break = false;
  size_t start = 0;
  while (start < comment.size()) {
    size_t end = comment.find('\n', start);
    if (end == std::string::npos) end = comment.size();
    std::string_view line(comment.data() + start, end - start);
    start = end + 1;
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    while (!line.empty() && line.back() == ' ') line.remove_suffix(1);
    if (line.empty()) {
      block_break = !text.empty();
      continue;
    }
    if (!text.empty()) text += block_break ? "\n\n" : " ";
    block_break = false;
    text += line;
  }
  return text;
}

// The comment a message, field or enum has in its .proto, the leading one
// before the trailing one; empty when the descriptor keeps none. protoc's
// C++ code embeds descriptors without their source info, so the server's
// own messages have none and are described by their names; a pool built
// from a descriptor set made with --include_source_info has them.
template <typename DescriptorType>
std::string Comment(const DescriptorType* descriptor) {
  google::protobuf::SourceLocation location;
  if (!descriptor->GetSourceLocation(&location)) return "";
  std::string text = CommentText(location.leading_comments);
  return text.empty() ? CommentText(location.trailing_comments) : text;
}

// Joins the non-empty `parts` by spaces.
std::string Sentences(std::initializer_list<std::string_view> parts) {
  std::string text;
  for (std::string_view part : parts) {
    if (part.empty()) continue;
    if (!text.empty()) text += ' ';
    text += part;
  }
  return text;
}

std::string SchemaRef(std::string_view full_name) {
  return "#/components/schemas/" + std::string(full_name);
}

// Writes JSON Schemas (2020-12, OpenAPI 3.1's dialect) for protobuf's
// canonical proto3 JSON mapping, as the C++ library prints messages
// (MessageToJsonString with always_print_primitive_fields) and parses them
// (JsonStringToMessage):
//   - a message is an object whose properties are its fields by json_name();
//     the parser takes the .proto names too, so objects do not forbid other
//     properties;
//   - 64-bit integers are always printed as decimal strings and parsed from
//     strings or numbers, so their schema says what clients can rely on both
//     ways: a string (format int64 or uint64, a pattern of digits);
//   - 32-bit integers are integers; floating point is a number, or "NaN",
//     "Infinity", "-Infinity";
//   - an enum is a string, one of its value names, each enum a schema of its
//     own (the parser takes the number too);
//   - bytes are base64 strings; repeated fields arrays; maps objects whose
//     keys are strings (integer keys in decimal);
//   - a oneof's members are ordinary properties, and the message's
//     description says at most one is present: JSON Schema could enforce it,
//     but code generators read such combinations badly;
//   - a proto3 `optional` field is a property absent when not set, never null;
//   - well-known types (Timestamp, Duration, FieldMask, wrappers, Struct,
//     Value, ListValue, Any) have the mapping's own JSON, written where they
//     are used.
class SchemaWriter {
 public:
  // A schema for a value of `message`: its well-known form, or a $ref to
  // its schema, which Components() then writes.
  OrderedJson MessageValue(const Descriptor* message) {
    if (std::optional<OrderedJson> known = WellKnownValue(message)) return *std::move(known);
    if (seen_.insert(message->full_name()).second) pending_messages_.push_back(message);
    return Ref(message->full_name());
  }

  // The schemas of every message and enum referenced so far and of those
  // they reach, by full name, in name order.
  OrderedJson Components() {
    std::map<std::string, OrderedJson> schemas;
    while (!pending_messages_.empty()) {
      const Descriptor* message = pending_messages_.front();
      pending_messages_.pop_front();
      schemas[message->full_name()] = MessageSchema(message);
    }
    for (const EnumDescriptor* enumeration : enums_) {
      schemas[enumeration->full_name()] = EnumSchema(enumeration);
    }
    OrderedJson components = OrderedJson::Object();
    for (auto& [name, schema] : schemas) components[name] = std::move(schema);
    return components;
  }

 private:
  static OrderedJson Ref(std::string_view full_name) {
    OrderedJson ref = OrderedJson::Object();
    ref["$ref"] = SchemaRef(full_name);
    return ref;
  }

  static OrderedJson Typed(std::string_view type) {
    OrderedJson schema = OrderedJson::Object();
    schema["type"] = type;
    return schema;
  }

  static OrderedJson DecimalString(std::string_view format, std::string_view pattern) {
    OrderedJson schema = Typed("string");
    schema["format"] = format;
    schema["pattern"] = pattern;
    return schema;
  }

  OrderedJson MessageSchema(const Descriptor* message) {
    OrderedJson schema = Typed("object");
    std::string description = Comment(message);
    for (int i = 0; i < message->oneof_decl_count(); ++i) {
      const google::protobuf::OneofDescriptor* oneof = message->oneof_decl(i);
      if (oneof->is_synthetic()) continue;  // a proto3 `optional` field's
      std::string sentence = "At most one of ";
      for (int j = 0; j < oneof->field_count(); ++j) {
        sentence += j == 0 ? "`" : (j + 1 == oneof->field_count() ? " or `" : ", `");
        sentence += oneof->field(j)->json_name();
        sentence += "`";
      }
      sentence += " is present (oneof `";
      sentence += oneof->name();
      sentence += "`).";
      description = Sentences({description, sentence});
    }
    if (!description.empty()) schema["description"] = description;
    if (message->options().deprecated()) schema["deprecated"] = true;
    if (message->field_count() > 0) {
      OrderedJson& properties = schema["properties"];
      for (int i = 0; i < message->field_count(); ++i) {
        const FieldDescriptor* field = message->field(i);
        properties[field->json_name()] = FieldSchema(field);
      }
    }
    return schema;
  }

  OrderedJson FieldSchema(const FieldDescriptor* field) {
    OrderedJson schema;
    if (field->is_map()) {
      schema = Typed("object");
      const FieldDescriptor* key = field->message_type()->map_key();
      if (key->type() == FieldDescriptor::TYPE_BOOL) {
        schema["propertyNames"]["enum"].Append("true").Append("false");
      } else if (key->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
        schema["propertyNames"]["pattern"] = "^-?[0-9]+$";
      }
      schema["additionalProperties"] = Value(field->message_type()->map_value());
    } else if (field->is_repeated()) {
      schema = Typed("array");
      schema["items"] = Value(field);
    } else {
      schema = Value(field);
    }
    std::string words = Comment(field);
    if (words.empty() && field->options().HasExtension(accord::v1::subcommand_summary)) {
      // DomainEvent's members: the line the `accord` command's help gives each.
      words = AsSentence(field->options().GetExtension(accord::v1::subcommand_summary));
    }
    std::string description =
        Sentences({words,
                   field->real_containing_oneof() != nullptr
                       ? "A member of the oneof `" + field->real_containing_oneof()->name() +
                             "`: absent unless it is the one set."
                       : "",
                   field->has_optional_keyword() ? "Absent when not set." : ""});
    if (!description.empty()) schema["description"] = description;
    if (field->options().deprecated()) schema["deprecated"] = true;
    return schema;
  }

  // The schema of one value of `field` (an element, for a repeated field).
  OrderedJson Value(const FieldDescriptor* field) {
    switch (field->type()) {
      case FieldDescriptor::TYPE_INT32:
      case FieldDescriptor::TYPE_SINT32:
      case FieldDescriptor::TYPE_SFIXED32: {
        OrderedJson schema = Typed("integer");
        schema["format"] = "int32";
        return schema;
      }
      case FieldDescriptor::TYPE_UINT32:
      case FieldDescriptor::TYPE_FIXED32: {
        OrderedJson schema = Typed("integer");
        schema["format"] = "uint32";
        schema["minimum"] = 0;
        return schema;
      }
      case FieldDescriptor::TYPE_INT64:
      case FieldDescriptor::TYPE_SINT64:
      case FieldDescriptor::TYPE_SFIXED64:
        return DecimalString("int64", "^-?[0-9]+$");
      case FieldDescriptor::TYPE_UINT64:
      case FieldDescriptor::TYPE_FIXED64:
        return DecimalString("uint64", "^[0-9]+$");
      case FieldDescriptor::TYPE_DOUBLE:
      case FieldDescriptor::TYPE_FLOAT: {
        OrderedJson number = Typed("number");
        number["format"] = field->type() == FieldDescriptor::TYPE_DOUBLE ? "double" : "float";
        OrderedJson special = Typed("string");
        special["enum"].Append("NaN").Append("Infinity").Append("-Infinity");
        OrderedJson schema = OrderedJson::Object();
        schema["oneOf"].Append(std::move(number)).Append(std::move(special));
        return schema;
      }
      case FieldDescriptor::TYPE_BOOL:
        return Typed("boolean");
      case FieldDescriptor::TYPE_STRING:
        return Typed("string");
      case FieldDescriptor::TYPE_BYTES: {
        OrderedJson schema = Typed("string");
        schema["contentEncoding"] = "base64";
        return schema;
      }
      case FieldDescriptor::TYPE_ENUM:
        return EnumValue(field->enum_type());
      case FieldDescriptor::TYPE_MESSAGE:
      case FieldDescriptor::TYPE_GROUP:
        return MessageValue(field->message_type());
    }
    return OrderedJson::Object();  // not reached: every type is above
  }

  OrderedJson EnumValue(const EnumDescriptor* enumeration) {
    if (enumeration->full_name() == "google.protobuf.NullValue") return Typed("null");
    enums_.insert(enumeration);
    return Ref(enumeration->full_name());
  }

  static OrderedJson EnumSchema(const EnumDescriptor* enumeration) {
    OrderedJson schema = Typed("string");
    schema["description"] =
        Sentences({Comment(enumeration),
                   "One of the value names; on input the value's number is taken too."});
    OrderedJson& values = schema["enum"];
    for (int i = 0; i < enumeration->value_count(); ++i) {
      values.Append(enumeration->value(i)->name());
    }
    if (enumeration->options().deprecated()) schema["deprecated"] = true;
    return schema;
  }

  // The mapping's own JSON for a well-known type; nullopt for other messages.
  std::optional<OrderedJson> WellKnownValue(const Descriptor* message) {
    switch (message->well_known_type()) {
      case Descriptor::WELLKNOWNTYPE_TIMESTAMP: {
        OrderedJson schema = Typed("string");
        schema["format"] = "date-time";
        return schema;
      }
      case Descriptor::WELLKNOWNTYPE_DURATION: {
        OrderedJson schema = Typed("string");
        schema["pattern"] = "^-?[0-9]+(\\.[0-9]{1,9})?s$";
        schema["description"] = "Seconds, with up to nine decimals and an `s`: `1.5s`.";
        return schema;
      }
      case Descriptor::WELLKNOWNTYPE_FIELDMASK: {
        OrderedJson schema = Typed("string");
        schema["description"] = "Field paths in lowerCamelCase, comma-separated.";
        return schema;
      }
      case Descriptor::WELLKNOWNTYPE_STRUCT:
        return Typed("object");
      case Descriptor::WELLKNOWNTYPE_LISTVALUE:
        return Typed("array");
      case Descriptor::WELLKNOWNTYPE_VALUE: {
        OrderedJson schema = OrderedJson::Object();
        schema["description"] = "Any JSON value.";
        return schema;
      }
      case Descriptor::WELLKNOWNTYPE_ANY: {
        OrderedJson schema = Typed("object");
        schema["description"] =
            "A message of any type: `@type` names it (`type.googleapis.com/accord.v1.Party`), "
            "its fields beside it.";
        schema["properties"]["@type"] = Typed("string");
        schema["required"].Append("@type");
        return schema;
      }
      case Descriptor::WELLKNOWNTYPE_DOUBLEVALUE:
      case Descriptor::WELLKNOWNTYPE_FLOATVALUE:
      case Descriptor::WELLKNOWNTYPE_INT64VALUE:
      case Descriptor::WELLKNOWNTYPE_UINT64VALUE:
      case Descriptor::WELLKNOWNTYPE_INT32VALUE:
      case Descriptor::WELLKNOWNTYPE_UINT32VALUE:
      case Descriptor::WELLKNOWNTYPE_STRINGVALUE:
      case Descriptor::WELLKNOWNTYPE_BYTESVALUE:
      case Descriptor::WELLKNOWNTYPE_BOOLVALUE:
        return Value(message->FindFieldByNumber(1));  // a wrapper is its value, bare
      default:
        return std::nullopt;
    }
  }

  std::set<std::string> seen_;                      // messages referenced, by full name
  std::deque<const Descriptor*> pending_messages_;  // referenced, schema not yet written
  std::set<const EnumDescriptor*> enums_;
};

std::optional<std::string_view> OpenApiMethod(http::verb method) {
  switch (method) {
    case http::verb::get:
      return "get";
    case http::verb::put:
      return "put";
    case http::verb::post:
      return "post";
    case http::verb::delete_:
      return "delete";
    case http::verb::options:
      return "options";
    case http::verb::head:
      return "head";
    case http::verb::patch:
      return "patch";
    case http::verb::trace:
      return "trace";
    default:
      return std::nullopt;  // OpenAPI 3.1 has no place for it
  }
}

// OpenAPI ignores header parameters by these names: Accept is said by the
// answers' media types, Content-Type by the body's, Authorization by the
// security scheme.
bool OpenApiIgnores(const Parameter& parameter) {
  if (parameter.in != ParameterIn::kHeader) return false;
  for (std::string_view name : {"Accept", "Content-Type", "Authorization"}) {
    if (boost::beast::iequals(parameter.name, name)) return true;
  }
  return false;
}

bool ReadsIfMatch(const Route& route) {
  for (const Parameter& parameter : route.parameters) {
    if (parameter.in == ParameterIn::kHeader && boost::beast::iequals(parameter.name, "If-Match")) {
      return true;
    }
  }
  return false;
}

bool Gives(const Route& route, const CommonError& error) {
  switch (error.given_by) {
    case GivenBy::kEveryRoute:
      return true;
    case GivenBy::kRoutesWithAToken:
      return route.authenticated;
    case GivenBy::kRoutesWithABody:
      return route.body != nullptr || !route.raw_body.empty();
    case GivenBy::kRoutesWithAJsonBody:
      return route.body != nullptr;
    case GivenBy::kRoutesReadingIfMatch:
      return ReadsIfMatch(route);
  }
  return false;
}

OrderedJson ParameterSchema(const Parameter& parameter) {
  OrderedJson schema = OrderedJson::Object();
  OrderedJson* allowed = &schema;  // where the allowed values go
  switch (parameter.type) {
    case ParameterType::kString:
      schema["type"] = "string";
      break;
    case ParameterType::kInteger:  // plain decimal, unlike 64-bit integers in JSON bodies
      schema["type"] = "integer";
      schema["format"] = "uint64";
      schema["minimum"] = 0;
      break;
    case ParameterType::kDateTime:
      schema["type"] = "string";
      schema["format"] = "date-time";
      break;
    case ParameterType::kDay:
      schema["type"] = "string";
      schema["description"] =
          "A calendar day: `2020-12-31`, or as people write it: `31 December 2020` "
          "(docs/dates.md).";
      break;
    case ParameterType::kList:
      schema["type"] = "array";
      schema["items"]["type"] = "string";
      allowed = &schema["items"];
      break;
  }
  if (!parameter.values.empty()) {
    OrderedJson& values = (*allowed)["enum"];
    for (std::string_view value : parameter.values) values.Append(value);
  }
  return schema;
}

OrderedJson ParameterObject(const Parameter& parameter) {
  OrderedJson object = OrderedJson::Object();
  object["name"] = parameter.name;
  switch (parameter.in) {
    case ParameterIn::kPath:
      object["in"] = "path";
      break;
    case ParameterIn::kQuery:
      object["in"] = "query";
      break;
    case ParameterIn::kHeader:
      object["in"] = "header";
      break;
  }
  object["description"] = parameter.description;
  // OpenAPI requires every path parameter; a path without it is another route.
  object["required"] = parameter.in == ParameterIn::kPath || parameter.required;
  if (parameter.type == ParameterType::kList && parameter.in == ParameterIn::kQuery) {
    object["style"] = "form";  // ?types=a,b (a header's list is comma-separated already)
    object["explode"] = false;
  }
  object["schema"] = ParameterSchema(parameter);
  return object;
}

// "Who may call it: admins and auditors." from the request table's row.
std::string WhoMay(const Route& route) {
  const app::RequestKind* row = app::FindRequestKind(route.kind);
  if (row == nullptr) return "";
  if (row->loggers && row->auditors) return "Who may call it: admins, loggers and auditors.";
  if (row->loggers) return "Who may call it: admins and loggers.";
  if (row->auditors) return "Who may call it: admins and auditors.";
  return "Who may call it: admins.";
}

// The Media Type Object of a body: its schema, and for the event stream the
// schema of each event's data (under x-event-data, as OpenAPI 3.1 has no
// place for a stream's items; 3.2's itemSchema is that place).
OrderedJson MediaType(const Answer& answer, SchemaWriter& schemas) {
  OrderedJson media = OrderedJson::Object();
  if (answer.body != nullptr) {
    media["schema"] = schemas.MessageValue(answer.body);
    return media;
  }
  OrderedJson& schema = media["schema"];
  if (answer.media_type == kEventStreamMediaType) {
    schema["type"] = "string";
    schema["description"] =
        "Server-Sent Events; each event's `data` is one line of JSON in protobuf's mapping, the "
        "message x-event-data names for its event type.";
    OrderedJson data = OrderedJson::Object();
    for (const StreamEventData& event : kStreamEventData) {
      data[event.event] = schemas.MessageValue(event.message());
    }
    media["x-event-data"] = std::move(data);
  } else {
    // Another document (JSON), or text.
    schema["type"] = answer.media_type.ends_with("json") ? "object" : "string";
  }
  return media;
}

// One response of an operation, collected from the route's answers and the
// common errors before it is written: its description is theirs, in turn.
struct ResponseDraft {
  std::string description;
  struct Body {
    std::string_view media_type;
    OrderedJson media;             // its Media Type Object
    std::string_view description;  // its answer's
  };
  std::vector<Body> bodies;

  bool Has(std::string_view media_type) const {
    for (const Body& body : bodies) {
      if (body.media_type == media_type) return true;
    }
    return false;
  }
};

OrderedJson Responses(const Route& route, SchemaWriter& schemas) {
  std::map<unsigned, ResponseDraft> drafts;  // by status, so they are written in order
  for (const Answer& answer : route.answers) {
    ResponseDraft& draft = drafts[static_cast<unsigned>(answer.status)];
    if (answer.media_type.empty()) {  // no body: 204, 304
      draft.description = Sentences({draft.description, answer.description});
      continue;
    }
    if (draft.Has(answer.media_type)) continue;  // one body per media type (tests hold to it)
    draft.description = Sentences({draft.description, answer.description});
    draft.bodies.push_back({answer.media_type, MediaType(answer, schemas), answer.description});
  }
  for (const CommonError& error : kCommonErrors) {
    if (!Gives(route, error)) continue;
    ResponseDraft& draft = drafts[static_cast<unsigned>(error.status)];
    if (draft.Has(kProblemMediaType)) continue;  // the route says it better
    draft.description = Sentences({draft.description, error.description});
    OrderedJson problem = OrderedJson::Object();
    problem["schema"] = schemas.MessageValue(accord::v1::Problem::descriptor());
    draft.bodies.push_back({kProblemMediaType, std::move(problem), error.description});
  }

  OrderedJson responses = OrderedJson::Object();
  for (auto& [status, draft] : drafts) {
    OrderedJson& response = responses[std::to_string(status)];
    response["description"] = draft.description;
    if (draft.bodies.empty()) continue;
    OrderedJson& content = response["content"];
    for (ResponseDraft::Body& body : draft.bodies) {
      // Several bodies for one status: each says which answer it is.
      OrderedJson& schema = body.media["schema"];
      if (draft.bodies.size() > 1 && schema.Find("description") == nullptr) {
        schema["description"] = body.description;
      }
      content[body.media_type] = std::move(body.media);
    }
  }
  return responses;
}

OrderedJson Operation(const Route& route, SchemaWriter& schemas) {
  OrderedJson operation = OrderedJson::Object();
  operation["operationId"] = route.operation_id;
  operation["tags"].Append(route.tag);
  operation["summary"] = route.summary;

  std::string description(route.description);
  OrderedJson parameters = OrderedJson::Array();
  for (const Parameter& parameter : route.parameters) {
    if (OpenApiIgnores(parameter)) {
      // Its words stay in the document, in the operation's description.
      description +=
          "\n\n" + std::string(parameter.name) + ": " + std::string(parameter.description);
      continue;
    }
    parameters.Append(ParameterObject(parameter));
  }
  if (std::string who = WhoMay(route); !who.empty()) description += "\n\n" + who;
  operation["description"] = description;
  if (parameters.size() > 0) operation["parameters"] = std::move(parameters);

  if (route.body != nullptr) {
    OrderedJson& body = operation["requestBody"];
    body["description"] =
        "The message " + route.body->full_name() + ", in protobuf's JSON mapping.";
    body["required"] = true;
    body["content"]["application/json"]["schema"] = schemas.MessageValue(route.body);
  } else if (!route.raw_body.empty()) {
    OrderedJson& body = operation["requestBody"];
    body["description"] = std::string(route.raw_body);
    body["required"] = true;
    // Any media type, the bytes as they are (OpenAPI 3.1: a binary body
    // needs no schema).
    body["content"]["*/*"] = OrderedJson::Object();
  }
  operation["responses"] = Responses(route, schemas);

  OrderedJson& security = operation["security"];
  security = OrderedJson::Array();  // none: served without a token
  if (route.authenticated) {
    OrderedJson bearer = OrderedJson::Object();
    bearer["bearer"] = OrderedJson::Array();
    security.Append(std::move(bearer));
    OrderedJson session = OrderedJson::Object();
    session["session"] = OrderedJson::Array();
    security.Append(std::move(session));
  }
  return operation;
}

}  // namespace

std::string OpenApiDocument(std::string_view server_version) {
  SchemaWriter schemas;
  OrderedJson document = OrderedJson::Object();
  document["openapi"] = "3.1.0";
  OrderedJson& info = document["info"];
  info["title"] = "accord";
  info["version"] = server_version;
  info["description"] = kInfoDescription;
  OrderedJson server = OrderedJson::Object();
  server["url"] = "/";
  document["servers"].Append(std::move(server));

  document["tags"] = OrderedJson::Array();  // filled below, listed before the paths
  OrderedJson tags = OrderedJson::Array();
  std::set<std::string_view> tagged;
  OrderedJson paths = OrderedJson::Object();
  for (const Route& route : HttpRoutes()) {
    std::optional<std::string_view> method = OpenApiMethod(route.method);
    if (!method) continue;  // the tests fail on such a route
    paths[route.path][*method] = Operation(route, schemas);
    if (tagged.insert(route.tag).second) {
      OrderedJson tag = OrderedJson::Object();
      tag["name"] = route.tag;
      for (const TagWords& words : kTagWords) {
        if (words.name == route.tag) tag["description"] = words.description;
      }
      tags.Append(std::move(tag));
    }
  }
  document["tags"] = std::move(tags);
  document["paths"] = std::move(paths);

  OrderedJson& components = document["components"];
  components["schemas"] = schemas.Components();
  OrderedJson& bearer = components["securitySchemes"]["bearer"];
  bearer["type"] = "http";
  bearer["scheme"] = "bearer";
  bearer["description"] = kBearerDescription;
  OrderedJson& session = components["securitySchemes"]["session"];
  session["type"] = "apiKey";
  session["in"] = "cookie";
  session["name"] = kSessionCookie;
  session["description"] = kSessionDescription;
  return document.Write(2) + "\n";
}

std::string OpenApiSchemas(std::span<const Descriptor* const> messages) {
  SchemaWriter schemas;
  for (const Descriptor* message : messages) (void)schemas.MessageValue(message);
  return schemas.Components().Write(2) + "\n";
}

}  // namespace accord::net
