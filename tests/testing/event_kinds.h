// One event of every kind the schema has, read from DomainEvent's oneof, so
// that a test over them covers an event kind added later without being
// edited.
#pragma once

#include <vector>

#include "accord/v1/events.pb.h"

namespace accord::testing {

// Each oneof field of DomainEvent set to its empty message, in field order.
inline std::vector<accord::v1::DomainEvent> OneEventOfEachKind() {
  std::vector<accord::v1::DomainEvent> events;
  const auto* oneof = accord::v1::DomainEvent::descriptor()->FindOneofByName("kind");
  for (int i = 0; i < oneof->field_count(); ++i) {
    accord::v1::DomainEvent& event = events.emplace_back();
    event.GetReflection()->MutableMessage(&event, oneof->field(i));
  }
  return events;
}

}  // namespace accord::testing
