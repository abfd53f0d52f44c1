// net/openapi: the OpenAPI 3.1 document of the HTTP door, generated from
// its route table (net/http_routes.h) and the protobuf descriptors of the
// bodies it reads and answers, with no schema written by hand.
//
//   const std::string document = accord::net::OpenApiDocument("0.1.0");
//   // serve it as application/json on GET /api/v1/openapi.json
//
// What the document holds:
//   - paths: one operation per route, with its words, parameters, body,
//     answers, and the security it needs (a bearer token, or none);
//   - the errors every route may give, as RFC 9457 problem details (the
//     accord.v1.Problem schema), added here from one table rather than
//     listed on each route: 400, 401 and 403 (routes that need a token),
//     404, 406, 409, 413 and 415 (routes with a body), 412 (routes that read
//     If-Match), 429, 500, 503;
//   - components.schemas: one JSON Schema (2020-12, OpenAPI 3.1's dialect)
//     per protobuf message and enum the routes reach, keyed by full name
//     ("accord.v1.AgreementSummary"), written for protobuf's canonical
//     proto3 JSON mapping as its C++ library prints and parses messages;
//     the mapping's choices are said in info.description and in
//     openapi.cc, at SchemaWriter.
//
// Both functions are deterministic (the same text for the same build and
// arguments) and take a few milliseconds: a server builds the document once
// and serves the copy.
//
// Thread safety: both may be called from any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include <google/protobuf/descriptor.h>

namespace accord::net {

// The OpenAPI 3.1.0 document of HttpRoutes(), as JSON text indented by two
// spaces; `server_version` is info.version (the server's release, not the
// document format's).
std::string OpenApiDocument(std::string_view server_version);

// The JSON Schemas of `messages` and of every message and enum they reach
// through their fields, keyed by full name, as the document's
// components.schemas holds them: a JSON object's text. Well-known types
// (Timestamp, Duration, wrappers, Struct, ...) are written where they are
// used, never as schemas of their own.
std::string OpenApiSchemas(std::span<const google::protobuf::Descriptor* const> messages);

}  // namespace accord::net
