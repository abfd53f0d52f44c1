#include "net/openapi.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "accord/v1/http.pb.h"
#include "accord/v1/record.pb.h"
#include "accord/v1/views.pb.h"
#include "accord/v1/wire.pb.h"
#include "app/requests.h"
#include "net/http_routes.h"

namespace accord::net {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Value;

// ---- The route table's words: a route without words, or words without a
// route, fails here.

// The {name}s of a path template, in order.
std::vector<std::string> TemplateParameters(std::string_view path) {
  std::vector<std::string> names;
  for (size_t open = path.find('{'); open != std::string_view::npos;
       open = path.find('{', open + 1)) {
    const size_t close = path.find('}', open);
    if (close == std::string_view::npos) break;
    names.emplace_back(path.substr(open + 1, close - open - 1));
  }
  return names;
}

TEST(HttpRouteWords, EveryRouteAndParameterHasItsWords) {
  std::set<std::string_view> operation_ids;
  for (const Route& route : HttpRoutes()) {
    SCOPED_TRACE(std::string(route.path));
    EXPECT_FALSE(route.operation_id.empty());
    EXPECT_TRUE(operation_ids.insert(route.operation_id).second)
        << "operation id used twice: " << route.operation_id;
    EXPECT_FALSE(route.tag.empty());
    EXPECT_FALSE(route.summary.empty());
    EXPECT_FALSE(route.description.empty());
    EXPECT_FALSE(route.answers.empty()) << "a route answers something";
    std::set<std::pair<unsigned, std::string_view>> bodies;
    for (const Answer& answer : route.answers) {
      EXPECT_FALSE(answer.description.empty());
      EXPECT_TRUE(bodies.emplace(static_cast<unsigned>(answer.status), answer.media_type).second)
          << "two answers with status " << answer.status << " and " << answer.media_type;
    }
    std::set<std::pair<ParameterIn, std::string_view>> parameters;
    for (const Parameter& parameter : route.parameters) {
      SCOPED_TRACE(std::string(parameter.name));
      EXPECT_FALSE(parameter.name.empty());
      EXPECT_FALSE(parameter.description.empty());
      EXPECT_TRUE(parameters.emplace(parameter.in, parameter.name).second) << "declared twice";
      if (parameter.in == ParameterIn::kPath) {
        EXPECT_TRUE(parameter.required);
      }
      if (!parameter.values.empty()) {
        EXPECT_TRUE(parameter.type == ParameterType::kString ||
                    parameter.type == ParameterType::kList)
            << "allowed values are text";
      }
    }
  }
}

TEST(HttpRouteWords, PathTemplatesAndPathParametersAgree) {
  for (const Route& route : HttpRoutes()) {
    SCOPED_TRACE(std::string(route.path));
    std::vector<std::string> declared;
    for (const Parameter& parameter : route.parameters) {
      if (parameter.in == ParameterIn::kPath) declared.emplace_back(parameter.name);
    }
    // Every {name} declared, every declared one in the template, in path order.
    EXPECT_EQ(declared, TemplateParameters(route.path));
  }
}

TEST(HttpRouteWords, EveryRequestKindButTheHelloHasARoute) {
  std::set<v1::Request::KindCase> routed;
  for (const Route& route : HttpRoutes()) {
    SCOPED_TRACE(std::string(route.path));
    const bool asks_the_application =
        route.action == RouteAction::kApplication || route.action == RouteAction::kEventStream;
    EXPECT_EQ(route.kind != v1::Request::KIND_NOT_SET, asks_the_application)
        << "a route names a request kind exactly when it makes that request";
    if (asks_the_application) {
      EXPECT_NE(app::FindRequestKind(route.kind), nullptr) << "a kind the request table lacks";
      EXPECT_TRUE(route.authenticated) << "the application's requests need a caller";
    }
    routed.insert(route.kind);
  }
  for (const app::RequestKind& kind : app::RequestKinds()) {
    if (kind.kind == v1::Request::kHello) continue;  // HTTP authenticates each request instead
    // Bulk imports of stored records (binary bytes, frames of megabytes)
    // come over TCP only: accord import.
    if (kind.kind == v1::Request::kImportRecords) continue;
    EXPECT_TRUE(routed.contains(kind.kind)) << "no route makes request kind " << kind.name;
  }
}

// The summaries that say "(admins)" are those of the kinds only admins may
// make, so the words keep up with the request table.
TEST(HttpRouteWords, SummariesSayAdminsExactlyWhenOnlyAdminsMay) {
  for (const Route& route : HttpRoutes()) {
    const app::RequestKind* row = app::FindRequestKind(route.kind);
    if (row == nullptr) continue;
    EXPECT_EQ(route.summary.ends_with("(admins)"), !row->loggers && !row->auditors)
        << route.operation_id << ": " << route.summary;
  }
}

// ---- Reading the document back

Value ParseJson(const std::string& text) {
  Value value;
  auto status = google::protobuf::util::JsonStringToMessage(text, &value);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return value;
}

// The member `key` of an object; a null Value when there is none, so that
// chains of lookups fail as assertions rather than crashes.
const Value& At(const Value& object, std::string_view key) {
  static const Value* const kMissing = new Value;
  const auto& fields = object.struct_value().fields();
  auto found = fields.find(std::string(key));
  return found == fields.end() ? *kMissing : found->second;
}

bool Has(const Value& object, std::string_view key) {
  return object.struct_value().fields().contains(std::string(key));
}

std::string Text(const Value& value) { return value.string_value(); }

std::vector<std::string> Texts(const Value& list) {
  std::vector<std::string> texts;
  for (const Value& item : list.list_value().values()) texts.push_back(item.string_value());
  return texts;
}

// Calls `visit` on every object in `value`, depth first.
void EachObject(const Value& value, const std::function<void(const Value&)>& visit) {
  if (value.has_struct_value()) {
    visit(value);
    for (const auto& [key, member] : value.struct_value().fields()) EachObject(member, visit);
  } else if (value.has_list_value()) {
    for (const Value& item : value.list_value().values()) EachObject(item, visit);
  }
}

std::string SchemaRef(const Descriptor* message) {
  return "#/components/schemas/" + message->full_name();
}

class OpenApiDocumentTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { document_ = new Value(ParseJson(OpenApiDocument("9.8.7"))); }
  static void TearDownTestSuite() { delete document_; }

  static const Value& Document() { return *document_; }
  static const Value& Schema(std::string_view name) {
    return At(At(At(Document(), "components"), "schemas"), name);
  }
  static const Value& Operation(const Route& route) {
    std::string method(http::to_string(route.method));
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    return At(At(At(Document(), "paths"), route.path), method);
  }
  static const Route& RouteNamed(std::string_view operation_id) {
    for (const Route& route : HttpRoutes()) {
      if (route.operation_id == operation_id) return route;
    }
    ADD_FAILURE() << "no route " << operation_id;
    return HttpRoutes().front();
  }

 private:
  static inline Value* document_ = nullptr;
};

TEST_F(OpenApiDocumentTest, IsOpenApi310WithTheServersWords) {
  EXPECT_EQ(Text(At(Document(), "openapi")), "3.1.0");
  EXPECT_EQ(Text(At(At(Document(), "info"), "title")), "accord");
  EXPECT_EQ(Text(At(At(Document(), "info"), "version")), "9.8.7");
  EXPECT_NE(Text(At(At(Document(), "info"), "description")).find("docs/http.md"),
            std::string::npos);
  ASSERT_EQ(At(Document(), "servers").list_value().values_size(), 1);
  EXPECT_EQ(Text(At(At(Document(), "servers").list_value().values(0), "url")), "/");
  const Value& bearer = At(At(At(Document(), "components"), "securitySchemes"), "bearer");
  EXPECT_EQ(Text(At(bearer, "type")), "http");
  EXPECT_EQ(Text(At(bearer, "scheme")), "bearer");
  EXPECT_NE(Text(At(bearer, "description")).find("--add-user"), std::string::npos);
}

TEST_F(OpenApiDocumentTest, PathsAndMethodsAreExactlyTheRoutes) {
  std::set<std::pair<std::string, std::string>> routes;
  for (const Route& route : HttpRoutes()) {
    std::string method(http::to_string(route.method));
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    EXPECT_TRUE(routes.emplace(route.path, method).second) << "two routes " << route.path;
  }
  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& [path, item] : At(Document(), "paths").struct_value().fields()) {
    for (const auto& [method, operation] : item.struct_value().fields()) {
      documented.emplace(path, method);
    }
  }
  EXPECT_EQ(documented, routes);
}

TEST_F(OpenApiDocumentTest, OperationsCarryTheRoutesWordsParametersAndBodies) {
  for (const Route& route : HttpRoutes()) {
    SCOPED_TRACE(std::string(route.operation_id));
    const Value& operation = Operation(route);
    EXPECT_EQ(Text(At(operation, "operationId")), route.operation_id);
    EXPECT_EQ(Texts(At(operation, "tags")), std::vector<std::string>{std::string(route.tag)});
    EXPECT_EQ(Text(At(operation, "summary")), route.summary);
    EXPECT_TRUE(Text(At(operation, "description")).starts_with(route.description));

    std::vector<std::pair<std::string, std::string>> expected, documented;
    for (const Parameter& parameter : route.parameters) {
      if (parameter.name == "Accept") {  // OpenAPI says Accept through the answers' media types
        EXPECT_NE(Text(At(operation, "description")).find(parameter.description),
                  std::string::npos);
        continue;
      }
      expected.emplace_back(parameter.name, parameter.in == ParameterIn::kPath    ? "path"
                                            : parameter.in == ParameterIn::kQuery ? "query"
                                                                                  : "header");
    }
    for (const Value& parameter : At(operation, "parameters").list_value().values()) {
      documented.emplace_back(Text(At(parameter, "name")), Text(At(parameter, "in")));
      EXPECT_FALSE(Text(At(parameter, "description")).empty());
      if (Text(At(parameter, "in")) == "path") {
        EXPECT_TRUE(At(parameter, "required").bool_value());
      }
    }
    EXPECT_EQ(documented, expected);

    if (route.body != nullptr) {
      const Value& body = At(operation, "requestBody");
      EXPECT_TRUE(At(body, "required").bool_value());
      EXPECT_EQ(Text(At(At(At(At(body, "content"), "application/json"), "schema"), "$ref")),
                SchemaRef(route.body));
    } else if (!route.raw_body.empty()) {
      const Value& body = At(operation, "requestBody");
      EXPECT_TRUE(At(body, "required").bool_value());
      EXPECT_EQ(Text(At(body, "description")), route.raw_body);
      EXPECT_TRUE(Has(At(body, "content"), "*/*"));
    } else {
      EXPECT_FALSE(Has(operation, "requestBody"));
    }

    const Value& responses = At(operation, "responses");
    for (const Answer& answer : route.answers) {
      const Value& response = At(responses, std::to_string(static_cast<unsigned>(answer.status)));
      EXPECT_FALSE(Text(At(response, "description")).empty());
      if (answer.media_type.empty()) {  // no body: 204, 304
        EXPECT_FALSE(Has(response, "content")) << answer.status;
        continue;
      }
      const Value& schema = At(At(At(response, "content"), answer.media_type), "schema");
      ASSERT_TRUE(schema.has_struct_value()) << answer.status << " " << answer.media_type;
      if (answer.body != nullptr) {
        EXPECT_EQ(Text(At(schema, "$ref")), SchemaRef(answer.body));
      }
    }

    ASSERT_TRUE(At(operation, "security").has_list_value());
    const auto& security = At(operation, "security").list_value().values();
    if (route.authenticated) {
      // Bearer, or a browser's session cookie.
      ASSERT_EQ(security.size(), 2);
      EXPECT_TRUE(Has(security[0], "bearer"));
      EXPECT_TRUE(Has(security[1], "session"));
    } else {
      EXPECT_EQ(security.size(), 0) << "served without a token";
    }
  }
}

TEST_F(OpenApiDocumentTest, ParametersHaveTheSchemasOfTheirTypes) {
  auto parameter = [](const Route& route, std::string_view name) -> const Value& {
    for (const Value& p : At(Operation(route), "parameters").list_value().values()) {
      if (Text(At(p, "name")) == name) return p;
    }
    ADD_FAILURE() << route.operation_id << " has no parameter " << name;
    return At(Value(), "");
  };
  const Value& limit = At(parameter(RouteNamed("listAgreements"), "limit"), "schema");
  EXPECT_EQ(Text(At(limit, "type")), "integer");  // plain decimal in a query
  EXPECT_EQ(At(limit, "minimum").number_value(), 0);
  const Value& recorded_before =
      At(parameter(RouteNamed("getAgreement"), "recorded_before"), "schema");
  EXPECT_EQ(Text(At(recorded_before, "type")), "string");
  EXPECT_EQ(Text(At(recorded_before, "format")), "date-time");
  const Value& true_on = At(parameter(RouteNamed("getAgreement"), "true_on"), "schema");
  EXPECT_EQ(Text(At(true_on, "type")), "string");
  EXPECT_FALSE(Text(At(true_on, "description")).empty());
  const Value& types = parameter(RouteNamed("followLog"), "types");
  EXPECT_EQ(Text(At(types, "style")), "form");
  EXPECT_FALSE(At(types, "explode").bool_value());
  EXPECT_EQ(Text(At(At(types, "schema"), "type")), "array");
  EXPECT_EQ(Text(At(At(At(types, "schema"), "items"), "type")), "string");
  const Value& format = parameter(RouteNamed("getReportAs"), "format");
  EXPECT_TRUE(At(format, "required").bool_value());
  EXPECT_EQ(Texts(At(At(format, "schema"), "enum")),
            (std::vector<std::string>{"json", "csv", "md"}));
  const Value& if_match = parameter(RouteNamed("logMilestone"), "If-Match");
  EXPECT_EQ(Text(At(if_match, "in")), "header");
  EXPECT_FALSE(At(if_match, "required").bool_value());
}

TEST_F(OpenApiDocumentTest, SeveralAnswersOfOneStatusShareAResponse) {
  const Value& ok = At(At(Operation(RouteNamed("getReport")), "responses"), "200");
  const Value& content = At(ok, "content");
  EXPECT_EQ(content.struct_value().fields_size(), 3);
  EXPECT_EQ(Text(At(At(At(content, "application/json"), "schema"), "$ref")),
            SchemaRef(v1::AgreementsReport::descriptor()));
  EXPECT_EQ(Text(At(At(At(content, "text/csv"), "schema"), "type")), "string");
  EXPECT_EQ(Text(At(At(At(content, "text/markdown"), "schema"), "type")), "string");
  // Each body says which answer it is.
  EXPECT_FALSE(Text(At(At(At(content, "text/csv"), "schema"), "description")).empty());
}

// The errors every route may give, each a Problem, by what the route does.
TEST_F(OpenApiDocumentTest, CommonErrorsAreAddedAsProblemsWhereTheyApply) {
  auto statuses = [](const Route& route) {
    std::set<std::string> with_problems;
    for (const auto& [status, response] :
         At(Operation(route), "responses").struct_value().fields()) {
      const Value& problem = At(At(response, "content"), "application/problem+json");
      if (problem.has_struct_value()) {
        EXPECT_EQ(Text(At(At(problem, "schema"), "$ref")), SchemaRef(v1::Problem::descriptor()));
        with_problems.insert(status);
      }
    }
    return with_problems;
  };
  // A token, a body and If-Match: every one of them (and the rules' 422).
  EXPECT_EQ(statuses(RouteNamed("logMilestone")),
            (std::set<std::string>{"400", "401", "403", "404", "406", "409", "412", "413", "415",
                                   "422", "429", "500", "503"}));
  // A token and a raw body: no 415 (any media type is a file's), no If-Match.
  EXPECT_EQ(statuses(RouteNamed("attachDocument")),
            (std::set<std::string>{"400", "401", "403", "404", "406", "409", "413", "422", "429",
                                   "500", "503"}));
  // A token, no body.
  EXPECT_EQ(statuses(RouteNamed("getAgreement")),
            (std::set<std::string>{"400", "401", "403", "404", "406", "429", "500", "503"}));
  // No token, no body.
  EXPECT_EQ(statuses(RouteNamed("getLiveness")),
            (std::set<std::string>{"400", "404", "406", "429", "500", "503"}));
  // A route's own answer of a common status keeps its body beside the problem.
  const Value& not_ready = At(At(Operation(RouteNamed("getReadiness")), "responses"), "503");
  EXPECT_EQ(Text(At(At(At(At(not_ready, "content"), "application/json"), "schema"), "$ref")),
            SchemaRef(v1::Readiness::descriptor()));
  EXPECT_TRUE(Text(At(not_ready, "description")).starts_with("Not ready, and why."));
}

TEST_F(OpenApiDocumentTest, EveryTagIsDescribedAndUsed) {
  std::set<std::string> used, described;
  for (const Route& route : HttpRoutes()) used.emplace(route.tag);
  for (const Value& tag : At(Document(), "tags").list_value().values()) {
    EXPECT_FALSE(Text(At(tag, "description")).empty()) << Text(At(tag, "name"));
    described.insert(Text(At(tag, "name")));
  }
  EXPECT_EQ(described, used);
}

TEST_F(OpenApiDocumentTest, EveryRefResolvesAndEverySchemaIsReferenced) {
  const Value& schemas = At(At(Document(), "components"), "schemas");
  std::set<std::string> referenced;
  EachObject(Document(), [&](const Value& object) {
    if (!Has(object, "$ref")) return;
    const std::string ref = Text(At(object, "$ref"));
    constexpr std::string_view kPrefix = "#/components/schemas/";
    ASSERT_TRUE(ref.starts_with(kPrefix)) << ref;
    const std::string name = ref.substr(kPrefix.size());
    EXPECT_TRUE(Has(schemas, name)) << ref << " resolves to nothing";
    referenced.insert(name);
  });
  for (const auto& [name, schema] : schemas.struct_value().fields()) {
    EXPECT_TRUE(referenced.contains(name)) << name << " is in components but nothing uses it";
  }
}

// Every message and enum a route's body or answer reaches through its
// fields, but the well-known types the mapping writes inline.
void Reach(const Descriptor* message, std::set<std::string>* names) {
  if (message->well_known_type() != Descriptor::WELLKNOWNTYPE_UNSPECIFIED) return;
  if (!names->insert(message->full_name()).second) return;
  for (int i = 0; i < message->field_count(); ++i) {
    const FieldDescriptor* field = message->field(i);
    const FieldDescriptor* value = field->is_map() ? field->message_type()->map_value() : field;
    if (value->enum_type() != nullptr) names->insert(value->enum_type()->full_name());
    if (value->message_type() != nullptr) Reach(value->message_type(), names);
  }
}

TEST_F(OpenApiDocumentTest, EveryMessageTheRoutesReachHasASchema) {
  std::set<std::string> reached;
  Reach(v1::Problem::descriptor(), &reached);
  for (const Route& route : HttpRoutes()) {
    if (route.body != nullptr) Reach(route.body, &reached);
    for (const Answer& answer : route.answers) {
      if (answer.body != nullptr) Reach(answer.body, &reached);
    }
  }
  EXPECT_TRUE(reached.contains("accord.v1.DomainEvent"));
  EXPECT_TRUE(reached.contains("accord.v1.AgreementStage"));
  for (const std::string& name : reached) {
    EXPECT_TRUE(Schema(name).has_struct_value()) << name << " has no schema";
  }
}

// Spot checks of protobuf's proto3 JSON mapping on accord's own messages.
TEST_F(OpenApiDocumentTest, SchemasFollowTheProtobufJsonMapping) {
  const Value& summary = At(Schema("accord.v1.AgreementSummary"), "properties");
  EXPECT_EQ(Text(At(Schema("accord.v1.AgreementSummary"), "type")), "object");
  // uint64: printed as a decimal string.
  EXPECT_EQ(Text(At(At(summary, "version"), "type")), "string");
  EXPECT_EQ(Text(At(At(summary, "version"), "format")), "uint64");
  EXPECT_EQ(Text(At(At(summary, "version"), "pattern")), "^[0-9]+$");
  // Field names are json_name(): lowerCamelCase.
  EXPECT_TRUE(Has(summary, "agreementId"));
  EXPECT_FALSE(Has(summary, "agreement_id"));
  // An enum: a $ref to a string schema of the value names.
  EXPECT_EQ(Text(At(At(summary, "stage"), "$ref")),
            "#/components/schemas/accord.v1.AgreementStage");
  const Value& stage = Schema("accord.v1.AgreementStage");
  EXPECT_EQ(Text(At(stage, "type")), "string");
  std::vector<std::string> names;
  names.reserve(v1::AgreementStage_descriptor()->value_count());
  for (int i = 0; i < v1::AgreementStage_descriptor()->value_count(); ++i) {
    names.push_back(v1::AgreementStage_descriptor()->value(i)->name());
  }
  EXPECT_EQ(Texts(At(stage, "enum")), names);
  // Repeated: an array of the element's schema.
  EXPECT_EQ(Text(At(At(summary, "parties"), "type")), "array");
  EXPECT_EQ(Text(At(At(At(summary, "parties"), "items"), "$ref")),
            "#/components/schemas/accord.v1.PartySummary");
  // int64 may be negative; int32 and uint32 are numbers.
  const Value& party = At(Schema("accord.v1.PartySummary"), "properties");
  EXPECT_EQ(Text(At(At(party, "daysToSignature"), "pattern")), "^-?[0-9]+$");
  EXPECT_EQ(Text(At(At(party, "joinOrder"), "type")), "integer");
  EXPECT_EQ(At(At(party, "joinOrder"), "minimum").number_value(), 0);
  EXPECT_EQ(Text(At(At(At(Schema("accord.v1.CalendarDate"), "properties"), "year"), "type")),
            "integer");
  // A Timestamp is an RFC 3339 string; bytes are base64.
  const Value& record = At(Schema("accord.v1.EventRecord"), "properties");
  EXPECT_EQ(Text(At(At(record, "recordedAt"), "type")), "string");
  EXPECT_EQ(Text(At(At(record, "recordedAt"), "format")), "date-time");
  EXPECT_FALSE(Has(At(Document(), "components"), "google.protobuf.Timestamp"));
  EXPECT_EQ(Text(At(At(record, "hash"), "type")), "string");
  EXPECT_EQ(Text(At(At(record, "hash"), "contentEncoding")), "base64");
  // A oneof's members are ordinary properties; the description says one at most.
  const Value& expected = Schema("accord.v1.ExpectedVersion");
  for (const char* member : {"any", "noStream", "streamExists", "exact"}) {
    EXPECT_TRUE(Has(At(expected, "properties"), member)) << member;
  }
  EXPECT_NE(Text(At(expected, "description")).find("At most one of"), std::string::npos);
  EXPECT_NE(Text(At(At(At(expected, "properties"), "exact"), "description")).find("oneof `kind`"),
            std::string::npos);
  // A proto3 optional field: a property absent when not set, never null.
  const Value& current = At(At(Schema("accord.v1.Problem"), "properties"), "currentVersion");
  EXPECT_EQ(Text(At(current, "type")), "string");
  EXPECT_NE(Text(At(current, "description")).find("Absent when not set"), std::string::npos);
  // Recursion: a correction holds a DomainEvent, which may be a correction.
  EXPECT_EQ(
      Text(At(At(At(Schema("accord.v1.DomainEvent"), "properties"), "eventCorrected"), "$ref")),
      "#/components/schemas/accord.v1.EventCorrected");
  EXPECT_EQ(
      Text(At(At(At(Schema("accord.v1.EventCorrected"), "properties"), "replacement"), "$ref")),
      "#/components/schemas/accord.v1.DomainEvent");
  // DomainEvent's members carry the words of the command that logs them.
  EXPECT_EQ(Text(At(At(At(Schema("accord.v1.DomainEvent"), "properties"), "agreementProposed"),
                    "description"))
                .find("Propose an agreement (starts it)."),
            0U);
}

TEST_F(OpenApiDocumentTest, TheEventStreamNamesItsEventsData) {
  const Value& stream =
      At(At(At(At(At(Operation(RouteNamed("followLog")), "responses"), "200"), "content"),
            "text/event-stream"),
         "x-event-data");
  EXPECT_EQ(Text(At(At(stream, "recorded"), "$ref")), SchemaRef(v1::RecordedEvent::descriptor()));
  EXPECT_EQ(Text(At(At(stream, "caught-up"), "$ref")), SchemaRef(v1::StreamMark::descriptor()));
  EXPECT_EQ(Text(At(At(stream, "dropped"), "$ref")), SchemaRef(v1::StreamDropped::descriptor()));
}

TEST_F(OpenApiDocumentTest, IsTheSameEveryTime) {
  EXPECT_EQ(OpenApiDocument("1"), OpenApiDocument("1"));
}

// ---- The mapping of what accord's messages do not use yet, on a file
// built in the test, with comments as protoc keeps them for a descriptor
// set made with --include_source_info.

constexpr char kTestProto[] = R"pb(
  name: "openapi_test.proto"
  package: "test.v1"
  syntax: "proto3"
  dependency: [
    "google/protobuf/timestamp.proto",
    "google/protobuf/duration.proto",
    "google/protobuf/struct.proto",
    "google/protobuf/any.proto",
    "google/protobuf/wrappers.proto",
    "google/protobuf/field_mask.proto"
  ]
  message_type {
    name: "Everything"
    field { name: "ratio" number: 1 label: LABEL_OPTIONAL type: TYPE_DOUBLE json_name: "ratio" }
    field { name: "share" number: 2 label: LABEL_OPTIONAL type: TYPE_FLOAT json_name: "share" }
    field { name: "delta" number: 3 label: LABEL_OPTIONAL type: TYPE_SINT64 json_name: "delta" }
    field { name: "mask64" number: 4 label: LABEL_OPTIONAL type: TYPE_FIXED64 json_name: "mask64" }
    field {
      name: "counts"
      number: 5
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".test.v1.Everything.CountsEntry"
      json_name: "counts"
    }
    field {
      name: "names_by_id"
      number: 6
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".test.v1.Everything.NamesByIdEntry"
      json_name: "namesById"
    }
    field {
      name: "took"
      number: 7
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Duration"
      json_name: "took"
    }
    field {
      name: "extra"
      number: 8
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Struct"
      json_name: "extra"
    }
    field {
      name: "anything"
      number: 9
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Value"
      json_name: "anything"
    }
    field {
      name: "packed"
      number: 10
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Any"
      json_name: "packed"
    }
    field {
      name: "maybe_count"
      number: 11
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Int64Value"
      json_name: "maybeCount"
    }
    field {
      name: "paths"
      number: 12
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.FieldMask"
      json_name: "paths"
    }
    field {
      name: "children"
      number: 13
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".test.v1.Everything"
      json_name: "children"
    }
    field {
      name: "renamed"
      number: 14
      label: LABEL_OPTIONAL
      type: TYPE_STRING
      json_name: "customName"
    }
    field {
      name: "old"
      number: 15
      label: LABEL_OPTIONAL
      type: TYPE_BOOL
      json_name: "old"
      options { deprecated: true }
    }
    field {
      name: "when"
      number: 16
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".google.protobuf.Timestamp"
      json_name: "when"
    }
    field {
      name: "flags_by_on"
      number: 17
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".test.v1.Everything.FlagsByOnEntry"
      json_name: "flagsByOn"
    }
    nested_type {
      name: "CountsEntry"
      field { name: "key" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING json_name: "key" }
      field { name: "value" number: 2 label: LABEL_OPTIONAL type: TYPE_INT64 json_name: "value" }
      options { map_entry: true }
    }
    nested_type {
      name: "NamesByIdEntry"
      field { name: "key" number: 1 label: LABEL_OPTIONAL type: TYPE_UINT32 json_name: "key" }
      field { name: "value" number: 2 label: LABEL_OPTIONAL type: TYPE_STRING json_name: "value" }
      options { map_entry: true }
    }
    nested_type {
      name: "FlagsByOnEntry"
      field { name: "key" number: 1 label: LABEL_OPTIONAL type: TYPE_BOOL json_name: "key" }
      field {
        name: "value"
        number: 2
        label: LABEL_OPTIONAL
        type: TYPE_ENUM
        type_name: ".google.protobuf.NullValue"
        json_name: "value"
      }
      options { map_entry: true }
    }
  }
  source_code_info {
    location {
      path: [ 4, 0 ]
      span: [ 0, 0, 1 ]
      leading_comments: " Holds one of each.\n Second line.\n\n A paragraph.\n"
    }
    location {
      path: [ 4, 0, 2, 0 ]
      span: [ 0, 0, 1 ]
      trailing_comments: " how much\n"
    }
  }
)pb";

TEST(OpenApiSchemas, FollowTheMappingForTypesAccordDoesNotUseYet) {
  google::protobuf::FileDescriptorProto file;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(kTestProto, &file));
  google::protobuf::DescriptorPool pool(google::protobuf::DescriptorPool::generated_pool());
  const google::protobuf::FileDescriptor* built = pool.BuildFile(file);
  ASSERT_NE(built, nullptr);
  const Descriptor* everything = built->message_type(0);
  const Descriptor* roots[] = {everything};
  const Value schemas = ParseJson(OpenApiSchemas(roots));

  // Only the message itself: well-known types inline, map entries in their fields.
  ASSERT_EQ(schemas.struct_value().fields_size(), 1) << OpenApiSchemas(roots);
  const Value& schema = At(schemas, "test.v1.Everything");
  EXPECT_EQ(Text(At(schema, "description")), "Holds one of each. Second line.\n\nA paragraph.");
  const Value& p = At(schema, "properties");
  EXPECT_EQ(Text(At(At(p, "ratio"), "description")), "how much");

  // Floating point: a number, or the strings for what JSON numbers lack.
  const Value& ratio = At(p, "ratio");
  ASSERT_EQ(At(ratio, "oneOf").list_value().values_size(), 2);
  EXPECT_EQ(Text(At(At(ratio, "oneOf").list_value().values(0), "type")), "number");
  EXPECT_EQ(Texts(At(At(ratio, "oneOf").list_value().values(1), "enum")),
            (std::vector<std::string>{"NaN", "Infinity", "-Infinity"}));
  EXPECT_EQ(Text(At(At(At(p, "share"), "oneOf").list_value().values(0), "format")), "float");
  EXPECT_EQ(Text(At(At(p, "delta"), "format")), "int64");
  EXPECT_EQ(Text(At(At(p, "mask64"), "format")), "uint64");
  // Maps: objects of the values, integer keys in decimal, bool keys "true"/"false".
  EXPECT_EQ(Text(At(At(p, "counts"), "type")), "object");
  EXPECT_EQ(Text(At(At(At(p, "counts"), "additionalProperties"), "format")), "int64");
  EXPECT_FALSE(Has(At(p, "counts"), "propertyNames"));
  EXPECT_EQ(Text(At(At(At(p, "namesById"), "propertyNames"), "pattern")), "^-?[0-9]+$");
  EXPECT_EQ(Texts(At(At(At(p, "flagsByOn"), "propertyNames"), "enum")),
            (std::vector<std::string>{"true", "false"}));
  EXPECT_EQ(Text(At(At(At(p, "flagsByOn"), "additionalProperties"), "type")), "null");
  // Well-known types, as the mapping prints them.
  EXPECT_EQ(Text(At(At(p, "took"), "type")), "string");
  EXPECT_EQ(Text(At(At(p, "took"), "pattern")), "^-?[0-9]+(\\.[0-9]{1,9})?s$");
  EXPECT_EQ(Text(At(At(p, "extra"), "type")), "object");
  EXPECT_FALSE(Has(At(p, "anything"), "type"));  // any JSON value
  EXPECT_EQ(Texts(At(At(p, "packed"), "required")), std::vector<std::string>{"@type"});
  EXPECT_EQ(Text(At(At(p, "maybeCount"), "type")), "string");  // the wrapped int64, bare
  EXPECT_EQ(Text(At(At(p, "paths"), "type")), "string");
  EXPECT_EQ(Text(At(At(p, "when"), "format")), "date-time");
  // Recursion, json_name, deprecation.
  EXPECT_EQ(Text(At(At(At(p, "children"), "items"), "$ref")),
            "#/components/schemas/test.v1.Everything");
  EXPECT_TRUE(Has(p, "customName"));
  EXPECT_FALSE(Has(p, "renamed"));
  EXPECT_TRUE(At(At(p, "old"), "deprecated").bool_value());
}

}  // namespace
}  // namespace accord::net
