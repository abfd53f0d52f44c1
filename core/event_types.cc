#include "core/event_types.h"

#include <fmt/format.h>

#include <map>
#include <unordered_map>

#include "core/upcasters.h"

namespace accord::core {
namespace {

using accord::v1::DomainEvent;
using google::protobuf::FieldDescriptor;

// Bump a type's entry here, and add an upcaster from the previous version,
// whenever its message changes in a way old readers cannot parse as-is.
const std::map<std::string, uint32_t, std::less<>>& SchemaVersions() {
  static const auto* versions = new std::map<std::string, uint32_t, std::less<>>{
      {"accord.v1.AgreementProposed", 1},   {"accord.v1.VisitHeld", 2},
      {"accord.v1.TermsAgreed", 1},         {"accord.v1.AgreementSigned", 1},
      {"accord.v1.FollowUpMeetingHeld", 1}, {"accord.v1.MilestoneScheduled", 1},
      {"accord.v1.ConsentToBeBound", 1},    {"accord.v1.MembershipCategoryChanged", 1},
      {"accord.v1.PartyWithdrew", 1},       {"accord.v1.EntryIntoForceConditionSet", 1},
      {"accord.v1.AgreementWithdrawn", 1},  {"accord.v1.AgreementTerminated", 1},
      {"accord.v1.NoteAdded", 1},           {"accord.v1.EventCorrected", 1},
      {"accord.v1.PartyJoined", 1},         {"accord.v1.EntryIntoForceRecorded", 1},
      {"accord.v1.DeclarationMade", 1},     {"accord.v1.AgreementLinked", 1},
  };
  return *versions;
}

// The DomainEvent oneof field that carries each payload type.
const FieldDescriptor* FieldForType(std::string_view event_type) {
  static const auto* fields = [] {
    auto* map = new std::unordered_map<std::string, const FieldDescriptor*>;
    const auto* oneof = DomainEvent::descriptor()->FindOneofByName("kind");
    for (int i = 0; i < oneof->field_count(); ++i) {
      const FieldDescriptor* field = oneof->field(i);
      (*map)[field->message_type()->full_name()] = field;
    }
    return map;
  }();
  auto it = fields->find(std::string(event_type));
  return it == fields->end() ? nullptr : it->second;
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
  auto it = SchemaVersions().find(event_type);
  return it == SchemaVersions().end() ? 0 : it->second;
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
  const FieldDescriptor* field = FieldForType(event_type);
  uint32_t current = CurrentSchemaVersion(event_type);
  if (field == nullptr || current == 0) {
    return MakeUnexpected(fmt::format("unknown event type '{}'", event_type));
  }
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
