// Upcasters turn a payload of schema version N into version N + 1 of the
// same event type. Each is a pure function of the bytes; event_types.cc
// chains them. Tested with payloads stored in their old form.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/expected.h"

namespace accord::core {

// Fails when no upcaster leaves `from_version` of `event_type`, or when the
// old payload does not parse.
Expected<std::string, std::string> Upcast(std::string_view event_type, uint32_t from_version,
                                          std::string_view payload);

}  // namespace accord::core
