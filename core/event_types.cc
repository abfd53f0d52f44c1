#include "core/event_types.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "accord/v1/options.pb.h"
#include "core/upcasters.h"

namespace accord::core {
namespace {

using accord::v1::DomainEvent;
using google::protobuf::FieldDescriptor;

// Each event type's schema version, from its message's schema_version
// option (proto/accord/v1/options.proto; 1 when unset), and the DomainEvent
// oneof field that carries it: both from the schema, so that every event in
// the oneof has them.
struct EventType {
  const FieldDescriptor* field;
  uint32_t schema_version;
};

const std::map<std::string, EventType, std::less<>>& EventTypes() {
  static const auto* types = [] {
    auto* map = new std::map<std::string, EventType, std::less<>>;
    const auto* oneof = DomainEvent::descriptor()->FindOneofByName("kind");
    for (int i = 0; i < oneof->field_count(); ++i) {
      const FieldDescriptor* field = oneof->field(i);
      uint32_t version = field->message_type()->options().GetExtension(accord::v1::event_schema_version);
      map->emplace(field->message_type()->full_name(), EventType{field, std::max(version, 1u)});
    }
    return map;
  }();
  return *types;
}

const EventType* FindEventType(std::string_view event_type) {
  auto it = EventTypes().find(event_type);
  return it == EventTypes().end() ? nullptr : &it->second;
}

const FieldDescriptor* SetField(const DomainEvent& event) {
  return DomainEvent::descriptor()->FindFieldByNumber(event.kind_case());
}

}  // namespace

std::string EventTypeName(const DomainEvent& event) {
  const FieldDescriptor* field = SetField(event);
  return field == nullptr ? std::string() : field->message_type()->full_name();
}

uint32_t CurrentSchemaVersion(std::string_view event_type) {
  const EventType* type = FindEventType(event_type);
  return type == nullptr ? 0 : type->schema_version;
}

EncodedEvent EncodeEvent(const DomainEvent& event) {
  const FieldDescriptor* field = SetField(event);
  EncodedEvent out;
  out.event_type = field->message_type()->full_name();
  out.schema_version = CurrentSchemaVersion(out.event_type);
  event.GetReflection()->GetMessage(event, field).SerializeToString(&out.payload);
  return out;
}

Expected<DomainEvent, std::string> DecodeEvent(std::string_view event_type, uint32_t schema_version,
                                               std::string_view payload) {
  const EventType* type = FindEventType(event_type);
  if (type == nullptr) return MakeUnexpected(fmt::format("unknown event type '{}'", event_type));
  const FieldDescriptor* field = type->field;
  uint32_t current = type->schema_version;
  if (schema_version == 0 || schema_version > current) {
    return MakeUnexpected(fmt::format("{} schema version {} is not one this build reads (1 to {})",
                                      event_type, schema_version, current));
  }
  std::string bytes(payload);
  for (uint32_t version = schema_version; version < current; ++version) {
    auto upcast = Upcast(event_type, version, bytes);
    if (!upcast) return MakeUnexpected(upcast.error());
    bytes = std::move(upcast.value());
  }
  DomainEvent event;
  google::protobuf::Message* message = event.GetReflection()->MutableMessage(&event, field);
  if (!message->ParseFromString(bytes)) {
    return MakeUnexpected(fmt::format("{} payload does not parse", event_type));
  }
  return event;
}

Expected<AgreementEvent, std::string> ToAgreementEvent(const accord::v1::EventRecord& record) {
  auto decoded = DecodeEvent(record.event_type(), record.schema_version(), record.payload());
  if (!decoded) {
    return MakeUnexpected(fmt::format("position {}: {}", record.position(), decoded.error()));
  }
  return AgreementEvent{record.event_id(), record.effective(), std::move(decoded.value())};
}

}  // namespace accord::core
