// ReadDatesInWords: dates written only as words inside any message.
#include <string>
#include <vector>

#include "core/fuzzy_date.h"

namespace accord::core {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::optional<std::string> ReadDatesInWords(Message* message, const std::string& path);

// One message field's value: a date in words is parsed, anything else
// searched for dates of its own.
std::optional<std::string> ReadDateOrDescend(Message* value, const std::string& path) {
  if (value->GetDescriptor() != accord::v1::FuzzyDate::descriptor())
    return ReadDatesInWords(value, path);
  auto* date = static_cast<accord::v1::FuzzyDate*>(value);
  accord::v1::FuzzyDate words_only;
  words_only.set_as_stated(date->as_stated());
  if (date->as_stated().empty() || date->SerializeAsString() != words_only.SerializeAsString())
    return std::nullopt;
  auto parsed = ParseFuzzyDate(date->as_stated());
  if (!parsed) return path + ": " + parsed.error();
  *date = *parsed;
  return std::nullopt;
}

std::optional<std::string> ReadDatesInWords(Message* message, const std::string& path) {
  const auto* reflection = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  for (const FieldDescriptor* f : fields) {
    if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    const std::string name = path.empty() ? f->json_name() : path + "." + f->json_name();
    if (!f->is_repeated()) {
      if (auto error = ReadDateOrDescend(reflection->MutableMessage(message, f), name))
        return error;
      continue;
    }
    for (int i = 0; i < reflection->FieldSize(*message, f); ++i) {
      if (auto error = ReadDateOrDescend(reflection->MutableRepeatedMessage(message, f, i),
                                         name + "[" + std::to_string(i) + "]"))
        return error;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> ReadDatesInWords(google::protobuf::Message* message) {
  return ReadDatesInWords(message, "");
}

}  // namespace accord::core
