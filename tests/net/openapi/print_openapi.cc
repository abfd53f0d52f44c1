// Prints the OpenAPI document the server serves, for the validator
// (tests/net/openapi/validate.sh) and for anyone who wants to read it:
//
//   build/tests/print_openapi > openapi.json
//   build/tests/print_openapi --samples > samples.ndjson
//
// --samples prints messages of accord.v1 as the doors print them to JSON
// (app::ToJson: protobuf's mapping, defaults shown), one a line as
// "FULL_NAME<TAB>JSON": each message empty, and filled so that every field
// shows its form (every member of each oneof in turn). validate.mjs checks
// each against the document's schema of that name: the schemas describe
// what the server really prints.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/message.h>

#include <algorithm>
#include <iostream>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "accord/v1/http.pb.h"
#include "accord/v1/wire.pb.h"
#include "app/render.h"
#include "net/openapi.h"

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Sets one value of `field` (appended, for a repeated field) that is not
// its default.
void SetValue(Message* message, const FieldDescriptor* field, int depth, int member);

// Fills every field of `message` down to `depth` levels of messages; of
// each oneof, the member numbered `member` (modulo its size).
void Fill(Message* message, int depth, int member) {
  const Descriptor* type = message->GetDescriptor();
  switch (type->well_known_type()) {
    case Descriptor::WELLKNOWNTYPE_TIMESTAMP:
    case Descriptor::WELLKNOWNTYPE_DURATION:
      // Seconds in range for both: 2023-11-14T22:13:20Z, and 1700000000s.
      message->GetReflection()->SetInt64(message, type->FindFieldByName("seconds"), 1700000000);
      message->GetReflection()->SetInt32(message, type->FindFieldByName("nanos"), 500000000);
      return;
    case Descriptor::WELLKNOWNTYPE_UNSPECIFIED:
      break;
    default:
      return;  // accord uses no other well-known type; filled at random they would not print
  }
  for (int i = 0; i < type->field_count(); ++i) {
    const FieldDescriptor* field = type->field(i);
    const google::protobuf::OneofDescriptor* oneof = field->real_containing_oneof();
    if (oneof != nullptr && oneof->field(member % oneof->field_count()) != field) continue;
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && depth == 0) continue;
    SetValue(message, field, depth, member);
  }
}

void SetValue(Message* message, const FieldDescriptor* field, int depth, int member) {
  const Reflection* r = message->GetReflection();
  const bool many = field->is_repeated();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      many ? r->AddInt32(message, field, -7) : r->SetInt32(message, field, -7);
      break;
    case FieldDescriptor::CPPTYPE_INT64: {
      const int64_t value = -9007199254740993;  // past a double's integers: it must be a string
      many ? r->AddInt64(message, field, value) : r->SetInt64(message, field, value);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      const uint32_t value = std::numeric_limits<uint32_t>::max();
      many ? r->AddUInt32(message, field, value) : r->SetUInt32(message, field, value);
      break;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      const uint64_t value = std::numeric_limits<uint64_t>::max();
      many ? r->AddUInt64(message, field, value) : r->SetUInt64(message, field, value);
      break;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
      many ? r->AddDouble(message, field, 1.5) : r->SetDouble(message, field, 1.5);
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      many ? r->AddFloat(message, field, 0.25F) : r->SetFloat(message, field, 0.25F);
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      many ? r->AddBool(message, field, true) : r->SetBool(message, field, true);
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto* value = field->enum_type()->value(field->enum_type()->value_count() - 1);
      many ? r->AddEnum(message, field, value) : r->SetEnum(message, field, value);
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      // Bytes that are not text, so that only base64 can carry them.
      const std::string value = field->type() == FieldDescriptor::TYPE_BYTES
                                    ? std::string("\x00\xff\x10 bytes", 9)
                                    : std::string("text \"quoted\"");
      many ? r->AddString(message, field, value) : r->SetString(message, field, value);
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      // A map field is a repeated entry message: key and value are filled alike.
      Message* value = many ? r->AddMessage(message, field) : r->MutableMessage(message, field);
      Fill(value, depth - 1, member);
      break;
    }
  }
}

// Every message of `file` and the files it imports, nested ones too, but
// map entries (a map's JSON is its field's).
void CollectMessages(const FileDescriptor* file, std::set<const FileDescriptor*>* seen_files,
                     std::set<const Descriptor*>* messages) {
  if (!seen_files->insert(file).second) return;
  for (int i = 0; i < file->dependency_count(); ++i) {
    CollectMessages(file->dependency(i), seen_files, messages);
  }
  std::vector<const Descriptor*> pending;
  pending.reserve(file->message_type_count());
  for (int i = 0; i < file->message_type_count(); ++i) pending.push_back(file->message_type(i));
  while (!pending.empty()) {
    const Descriptor* message = pending.back();
    pending.pop_back();
    if (message->options().map_entry()) continue;
    messages->insert(message);
    for (int i = 0; i < message->nested_type_count(); ++i) {
      pending.push_back(message->nested_type(i));
    }
  }
}

int PrintSamples() {
  std::set<const FileDescriptor*> files;
  std::set<const Descriptor*> messages;
  CollectMessages(accord::v1::Request::descriptor()->file(), &files, &messages);
  CollectMessages(accord::v1::Problem::descriptor()->file(), &files, &messages);
  google::protobuf::DynamicMessageFactory factory;
  for (const Descriptor* type : messages) {
    if (type->file()->package() != "accord.v1") continue;
    int oneof_members = 1;
    for (int i = 0; i < type->oneof_decl_count(); ++i) {
      oneof_members = std::max(oneof_members, type->oneof_decl(i)->field_count());
    }
    // The empty message, then one filled for each member of its oneofs.
    for (int member = -1; member < oneof_members; ++member) {
      std::unique_ptr<Message> message(factory.GetPrototype(type)->New());
      if (member >= 0) Fill(message.get(), 3, member);
      const std::string json = accord::app::ToJson(*message);
      if (json.empty()) {
        std::cerr << type->full_name() << " does not print as JSON\n";
        return 1;
      }
      std::cout << type->full_name() << "\t" << json << "\n";
    }
  }
  return std::cout.good() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "--samples") return PrintSamples();
  if (argc != 1) {
    std::cerr << "usage: print_openapi [--samples]\n";
    return 2;
  }
  std::cout << accord::net::OpenApiDocument(ACCORD_VERSION);
  return std::cout.good() ? 0 : 1;
}
