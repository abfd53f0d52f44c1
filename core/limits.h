// How large a command may be: every text, id and list a Command holds, and
// the command as encoded. The limits sit far above what a legal-affairs
// office logs (a title of 500 characters, 1,000 parties) and bound what one
// logger's input costs everyone who reads it afterwards.
//
//   LimitCheck checked = ValidateCommandLimits(command);
//   if (!checked) {
//     // checked.error().code == INVALID_COMMAND; .message names the field's
//     // path and the limit: "milestone.agreement_proposed.parties[3].name is
//     // 612 characters, over the limit of 500"
//   }
//
// The walk is generic (protobuf reflection over every field that is set):
// each string is limited by its field's class, each repeated field by a
// count, each nesting of messages by a depth, so that a field added to the
// schema is limited without an edit here. kFieldLimitOverrides lists the
// fields whose limits differ from their class's.
//
//   class  fields                                        limit
//   id     "id", "*_id", "*_ids"                          128 characters
//   name   title name acronym city country represents    500 characters
//          depositary
//   text   any other string                              10,000 characters
//   bytes  any bytes field                               10,000 bytes
//   count  any repeated field                            1,000 elements
//   depth  messages within messages                      8
//   size   the encoded Command                           1 MiB
//
// Characters are Unicode code points of the UTF-8 text (a byte that is not
// a continuation byte counts as one), so limits mean the same in any script.
// docs/protocol.md carries the same table.
//
// Pure: no I/O, no state, never throws; safe from any thread. The first
// breach found (fields in schema order, depth first) is the one reported.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <variant>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "accord/v1/commands.pb.h"
#include "core/decider.h"
#include "core/expected.h"

namespace accord::core {

inline constexpr size_t kMaxIdChars = 128;
inline constexpr size_t kMaxNameChars = 500;
inline constexpr size_t kMaxTextChars = 10000;
inline constexpr size_t kMaxBytes = 10000;
inline constexpr size_t kMaxRepeated = 1000;
inline constexpr int kMaxNesting = 8;
inline constexpr size_t kMaxCommandBytes = 1 << 20;

// The limits of one field. max_length applies to a string or bytes field
// (to each element of a repeated one); max_count to a repeated field.
struct FieldLimit {
  size_t max_length = kMaxTextChars;
  size_t max_count = kMaxRepeated;
};

// A field whose limits are not its class's, by full protobuf name.
struct FieldLimitOverride {
  std::string_view full_name;  // "accord.v1.FuzzyDate.as_stated"
  FieldLimit limit;
};

// The overrides the walk applies.
std::span<const FieldLimitOverride> FieldLimitOverrides();

// The limits the walk applies to `field`: its override, else its class's.
FieldLimit LimitOf(const google::protobuf::FieldDescriptor& field);

// Characters of UTF-8 text as the limits count them (code points; any
// byte that is not a continuation byte is one).
size_t CountCharacters(std::string_view text);

using LimitCheck = Expected<std::monostate, Rejection>;

// Within every limit above, or an INVALID_COMMAND rejection whose message
// names the field's path from the command ("milestone.terms_agreed.
// commitments[2].description") and the limit.
LimitCheck ValidateCommandLimits(const accord::v1::Command& command);

// The field limits and depth for any message (not the encoded size);
// paths in the message start with `root` ("" for none).
LimitCheck ValidateMessageLimits(const google::protobuf::Message& message, std::string_view root);

}  // namespace accord::core
