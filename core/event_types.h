// The stored form of domain events: type names, schema versions, upcasters.
//
// An event is stored as (event_type, schema_version, payload bytes), where
// event_type is the payload message's full protobuf name. EncodeEvent writes
// the current schema (the message's schema_version option in events.proto;
// 1 when unset); DecodeEvent reads any version this build knows,
// passing older payloads through the chain of upcasters (core/upcasters.cc)
// until they have the current shape. The log is never rewritten.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "accord/v1/events.pb.h"
#include "accord/v1/record.pb.h"
#include "core/agreement_state.h"
#include "core/expected.h"

namespace accord::core {

struct EncodedEvent {
  std::string event_type;
  uint32_t schema_version = 0;
  std::string payload;
};

// REQUIRES: event.kind_case() != KIND_NOT_SET
EncodedEvent EncodeEvent(const accord::v1::DomainEvent& event);

// The full protobuf name of the payload message, "accord.v1.VisitHeld";
// empty when no kind is set.
std::string EventTypeName(const accord::v1::DomainEvent& event);

// The schema version EncodeEvent writes for `event_type`; 0 if unknown.
uint32_t CurrentSchemaVersion(std::string_view event_type);

// Fails, with a sentence, on an unknown type, a version newer than this
// build, or a payload that does not parse.
Expected<accord::v1::DomainEvent, std::string> DecodeEvent(std::string_view event_type,
                                                           uint32_t schema_version,
                                                           std::string_view payload);

// A stored record as the rules see it: its id, effective date and decoded
// payload (upcast to the current schema).
Expected<AgreementEvent, std::string> ToAgreementEvent(const accord::v1::EventRecord& record);

}  // namespace accord::core
