#include "core/limits.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <vector>

namespace accord::core {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr FieldLimit kId{kMaxIdChars, kMaxRepeated};
constexpr FieldLimit kName{kMaxNameChars, kMaxRepeated};

constexpr std::array<FieldLimitOverride, 5> kFieldLimitOverrides = {{
    // The source's words for a date: "in the coming months".
    {"accord.v1.FuzzyDate.as_stated", kName},
    // Commitment ids, though the name does not say so.
    {"accord.v1.FollowUpMeetingHeld.commitments_progressed", kId},
    // Field paths of the corrected event: "place.city".
    {"accord.v1.EventCorrected.fields", {kMaxNameChars, 100}},
    // Short labels: "capacity building".
    {"accord.v1.AgreementProposed.areas_of_cooperation", {kMaxNameChars, 100}},
    {"accord.v1.VisitHeld.topics", kName},
}};

constexpr std::array<std::string_view, 7> kNameFields = {
    "title", "name", "acronym", "city", "country", "represents", "depositary"};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Rejection Breach(std::string message) {
  return Rejection{accord::v1::INVALID_COMMAND, std::move(message)};
}

// Walks one message depth first, keeping the path of the field it is in.
class Walker {
 public:
  explicit Walker(std::string_view root) : path_(root) {}

  std::optional<Rejection> Walk(const Message& message, int depth) {
    const Reflection* reflection = message.GetReflection();
    std::vector<const FieldDescriptor*> fields;
    reflection->ListFields(message, &fields);
    for (const FieldDescriptor* field : fields) {
      size_t mark = path_.size();
      if (!path_.empty()) path_ += '.';
      path_ += field->name();
      std::optional<Rejection> breach = WalkField(message, *reflection, *field, depth);
      if (breach) return breach;
      path_.resize(mark);
    }
    return std::nullopt;
  }

 private:
  std::optional<Rejection> WalkField(const Message& message, const Reflection& reflection,
                                     const FieldDescriptor& field, int depth) {
    const FieldLimit limit = LimitOf(field);
    if (!field.is_repeated()) return WalkValue(message, reflection, field, limit, depth, -1);
    size_t count = static_cast<size_t>(reflection.FieldSize(message, &field));
    if (count > limit.max_count) {
      return Breach(
          fmt::format("{} has {} elements, over the limit of {}", path_, count, limit.max_count));
    }
    size_t mark = path_.size();
    for (size_t i = 0; i < count; ++i) {
      path_.resize(mark);
      path_ += fmt::format("[{}]", i);
      std::optional<Rejection> breach =
          WalkValue(message, reflection, field, limit, depth, static_cast<int>(i));
      if (breach) return breach;
    }
    path_.resize(mark);
    return std::nullopt;
  }

  // The value of a singular field (index -1) or one element of a repeated one.
  std::optional<Rejection> WalkValue(const Message& message, const Reflection& reflection,
                                     const FieldDescriptor& field, const FieldLimit& limit,
                                     int depth, int index) {
    switch (field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string scratch;
        const std::string& value =
            index < 0 ? reflection.GetStringReference(message, &field, &scratch)
                      : reflection.GetRepeatedStringReference(message, &field, index, &scratch);
        bool is_bytes = field.type() == FieldDescriptor::TYPE_BYTES;
        size_t length = is_bytes ? value.size() : CountCharacters(value);
        size_t max = is_bytes ? std::min(limit.max_length, kMaxBytes) : limit.max_length;
        if (length > max) {
          return Breach(fmt::format("{} is {} {}, over the limit of {}", path_, length,
                                    is_bytes ? "bytes" : "characters", max));
        }
        return std::nullopt;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        if (depth + 1 > kMaxNesting) {
          return Breach(
              fmt::format("{} nests messages deeper than the limit of {}", path_, kMaxNesting));
        }
        const Message& inner = index < 0 ? reflection.GetMessage(message, &field)
                                         : reflection.GetRepeatedMessage(message, &field, index);
        return Walk(inner, depth + 1);
      }
      default:
        return std::nullopt;  // numbers and enums have no length
    }
  }

  std::string path_;
};

}  // namespace

std::span<const FieldLimitOverride> FieldLimitOverrides() { return kFieldLimitOverrides; }

FieldLimit LimitOf(const FieldDescriptor& field) {
  for (const FieldLimitOverride& o : kFieldLimitOverrides) {
    if (o.full_name == field.full_name()) return o.limit;
  }
  std::string_view name = field.name();
  if (name == "id" || EndsWith(name, "_id") || EndsWith(name, "_ids")) return kId;
  if (std::find(kNameFields.begin(), kNameFields.end(), name) != kNameFields.end()) return kName;
  return FieldLimit{};
}

size_t CountCharacters(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

LimitCheck ValidateMessageLimits(const Message& message, std::string_view root) {
  if (std::optional<Rejection> breach = Walker(root).Walk(message, 0)) {
    return MakeUnexpected(std::move(*breach));
  }
  return std::monostate{};
}

LimitCheck ValidateCommandLimits(const accord::v1::Command& command) {
  LimitCheck fields = ValidateMessageLimits(command, "");
  if (!fields) return fields;
  size_t bytes = command.ByteSizeLong();
  if (bytes > kMaxCommandBytes) {
    return MakeUnexpected(Breach(fmt::format(
        "the command is {} bytes encoded, over the limit of {}", bytes, kMaxCommandBytes)));
  }
  return std::monostate{};
}

}  // namespace accord::core
