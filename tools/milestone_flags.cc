#include "tools/milestone_flags.h"

#include <fmt/format.h>
#include <google/protobuf/stubs/common.h>
#include <google/protobuf/util/json_util.h>

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

#include "accord/v1/options.pb.h"
#include "core/fuzzy_date.h"

namespace accord::tools {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::string FlagName(std::string field) {
  for (char& c : field) c = c == '_' ? '-' : c;
  return field;
}

std::string FieldName(std::string flag) {
  for (char& c : flag) c = c == '-' ? '_' : c;
  return flag;
}

bool IsDate(const FieldDescriptor* f) {
  return f->type() == FieldDescriptor::TYPE_MESSAGE &&
         f->message_type()->full_name() == "accord.v1.FuzzyDate";
}

// Sets (or, for repeated fields, adds) one value; an error sentence on failure.
std::string SetField(Message* message, const FieldDescriptor* f, const std::string& value,
                     const core::FuzzyDateOptions& dates) {
  const auto* r = message->GetReflection();
  const std::string flag = "--" + FlagName(f->name());
  try {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        f->is_repeated() ? r->AddString(message, f, value) : r->SetString(message, f, value);
        return {};
      case FieldDescriptor::CPPTYPE_UINT32:
        f->is_repeated() ? r->AddUInt32(message, f, static_cast<uint32_t>(std::stoul(value)))
                         : r->SetUInt32(message, f, static_cast<uint32_t>(std::stoul(value)));
        return {};
      case FieldDescriptor::CPPTYPE_UINT64:
        f->is_repeated() ? r->AddUInt64(message, f, std::stoull(value))
                         : r->SetUInt64(message, f, std::stoull(value));
        return {};
      case FieldDescriptor::CPPTYPE_INT32:
        f->is_repeated() ? r->AddInt32(message, f, std::stoi(value))
                         : r->SetInt32(message, f, std::stoi(value));
        return {};
      case FieldDescriptor::CPPTYPE_BOOL:
        r->SetBool(message, f, value == "true" || value == "yes" || value == "1");
        return {};
      case FieldDescriptor::CPPTYPE_ENUM: {
        std::string upper = value;
        for (char& c : upper) {
          c = c == '-' || c == ' ' ? '_'
                                   : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        const auto* v = f->enum_type()->FindValueByName(upper);
        if (v == nullptr)
          return fmt::format("{}: '{}' is not one of {}", flag, value, f->enum_type()->name());
        f->is_repeated() ? r->AddEnum(message, f, v) : r->SetEnum(message, f, v);
        return {};
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        Message* target =
            f->is_repeated() ? r->AddMessage(message, f) : r->MutableMessage(message, f);
        if (IsDate(f)) {
          auto date = core::ParseFuzzyDate(value, dates);
          if (!date) return fmt::format("{}: {}", flag, date.error());
          target->CopyFrom(*date);
          return {};
        }
        auto parsed = google::protobuf::util::JsonStringToMessage(value, target);
        if (!parsed.ok()) {
          return fmt::format("{}: not a {} in JSON: {}", flag, f->message_type()->name(),
                             std::string(parsed.message()));
        }
        return {};
      }
      default:
        return fmt::format("{}: this field cannot be set from the command line", flag);
    }
  } catch (const std::exception&) {
    return fmt::format("{}: '{}' is not a number", flag, value);
  }
}

// Resolves "place.city" against `message`, creating the nested messages.
std::string SetPath(Message* message, const std::string& path, const std::string& value,
                    const core::FuzzyDateOptions& dates) {
  size_t dot = path.find('.');
  const Descriptor* d = message->GetDescriptor();
  const FieldDescriptor* f = d->FindFieldByName(FieldName(path.substr(0, dot)));
  if (f == nullptr) return fmt::format("--{}: {} has no such field", FlagName(path), d->name());
  if (dot == std::string::npos) return SetField(message, f, value, dates);
  if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || f->is_repeated()) {
    return fmt::format("--{}: '{}' has no fields of its own", FlagName(path), f->name());
  }
  return SetPath(message->GetReflection()->MutableMessage(message, f), path.substr(dot + 1), value,
                 dates);
}

std::string TypeText(const FieldDescriptor* f) {
  std::string type;
  if (IsDate(f)) {
    type = "date";
  } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
    std::vector<std::string> names;
    for (int i = 1; i < f->enum_type()->value_count(); ++i)
      names.push_back(f->enum_type()->value(i)->name());
    type = fmt::format("{}", fmt::join(names, "|"));
  } else if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    type = f->message_type()->name() + (f->is_repeated() ? " as JSON" : "");
  } else {
    type = f->cpp_type_name();
  }
  return f->is_repeated() ? type + ", repeatable" : type;
}

void DescribeFields(const Descriptor* d, const std::string& prefix, std::string* out) {
  for (int i = 0; i < d->field_count(); ++i) {
    const FieldDescriptor* f = d->field(i);
    std::string flag = "--" + FlagName(prefix + f->name());
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !f->is_repeated() && !IsDate(f) &&
        f->message_type()->full_name() != "accord.v1.DomainEvent") {
      DescribeFields(f->message_type(), prefix + f->name() + ".", out);
      continue;
    }
    *out += fmt::format("  {:<34} {}\n", flag, TypeText(f));
  }
}

constexpr char kRelativeToFlag[] = "dates-relative-to";
constexpr char kSeasonsFlag[] = "seasons";

// --dates-relative-to DAY and --seasons northern|southern, wherever they
// stand among the flags, since they change how every date flag is read.
core::Expected<core::FuzzyDateOptions, std::string> ReadDateOptions(
    const std::vector<std::string>& args) {
  core::FuzzyDateOptions options;
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == std::string("--") + kRelativeToFlag) {
      auto day = core::ParseCalendarDay(args[i + 1]);
      if (!day) return core::MakeUnexpected(fmt::format("--{}: {}", kRelativeToFlag, day.error()));
      options.reference_day = *day;
    } else if (args[i] == std::string("--") + kSeasonsFlag) {
      if (args[i + 1] != "northern" && args[i + 1] != "southern") {
        return core::MakeUnexpected(
            fmt::format("--{}: '{}' is not northern or southern", kSeasonsFlag, args[i + 1]));
      }
      options.southern_hemisphere = args[i + 1] == "southern";
    }
  }
  return options;
}

}  // namespace

const std::vector<MilestoneCommand>& MilestoneCommands() {
  // One per field of DomainEvent's oneof, in the schema's order, named by
  // the field's subcommand options (proto/accord/v1/options.proto).
  static const auto* const commands = [] {
    auto* list = new std::vector<MilestoneCommand>;
    const auto* oneof = accord::v1::DomainEvent::descriptor()->FindOneofByName("kind");
    for (int i = 0; i < oneof->field_count(); ++i) {
      const FieldDescriptor* field = oneof->field(i);
      const auto& options = field->options();
      std::string name = options.GetExtension(accord::v1::subcommand);
      std::string summary = options.GetExtension(accord::v1::subcommand_summary);
      list->push_back({name.empty() ? FlagName(field->name()) : name, field->number(),
                       summary.empty() ? "record a " + field->message_type()->name() : summary});
    }
    return list;
  }();
  return *commands;
}

const MilestoneCommand* FindMilestoneCommand(const std::string& name) {
  for (const auto& c : MilestoneCommands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

core::Expected<accord::v1::Command, std::string> BuildMilestoneCommand(
    const MilestoneCommand& command, const std::vector<std::string>& args) {
  accord::v1::Command out;
  const FieldDescriptor* kind =
      accord::v1::DomainEvent::descriptor()->FindFieldByNumber(command.field_number);
  Message* milestone =
      out.mutable_milestone()->GetReflection()->MutableMessage(out.mutable_milestone(), kind);
  auto dates = ReadDateOptions(args);
  if (!dates) return core::MakeUnexpected(dates.error());
  for (size_t i = 0; i < args.size(); i += 2) {
    const std::string& flag = args[i];
    if (!flag.starts_with("--") || i + 1 >= args.size()) {
      return core::MakeUnexpected(fmt::format("expected --flag value, at '{}'", flag));
    }
    std::string name = flag.substr(2);
    const std::string& value = args[i + 1];
    // A protobuf text must be UTF-8: the server cannot parse a request
    // holding anything else, and would close the connection.
    if (!google::protobuf::internal::IsStructurallyValidUTF8(value)) {
      return core::MakeUnexpected(fmt::format("{}: the value is not valid UTF-8", flag));
    }
    if (name == "agreement") {
      out.set_agreement_id(value);
    } else if (name == "effective") {
      auto date = core::ParseFuzzyDate(value, *dates);
      if (!date) return core::MakeUnexpected("--effective: " + date.error());
      *out.mutable_effective() = *date;
    } else if (name == "event-id") {
      out.set_event_id(value);
    } else if (name == "expected-version") {
      try {
        out.set_expected_version(std::stoull(value));
      } catch (const std::exception&) {
        return core::MakeUnexpected("--expected-version: '" + value + "' is not a number");
      }
    } else if (name == "correlation-id") {
      out.set_correlation_id(value);
    } else if (name == "causation-id") {
      out.set_causation_id(value);
    } else if (name == kRelativeToFlag || name == kSeasonsFlag) {
      continue;  // read before the dates
    } else if (std::string error = SetPath(milestone, name, value, *dates); !error.empty()) {
      return core::MakeUnexpected(error);
    }
  }
  if (out.agreement_id().empty())
    return core::MakeUnexpected(std::string("--agreement is required"));
  if (out.event_id().empty())
    out.set_event_id(boost::uuids::to_string(boost::uuids::random_generator()()));
  return out;
}

std::string MilestoneHelp(const MilestoneCommand& command) {
  const FieldDescriptor* kind =
      accord::v1::DomainEvent::descriptor()->FindFieldByNumber(command.field_number);
  std::string out = fmt::format(
      "usage: accord {} --agreement ID [--effective DATE] [flags]\n\n{} ({}).\n\n"
      "  --agreement ID                     the agreement, e.g. cospar-apsco-mou\n"
      "  --effective DATE                   when it happened, as the source says it:\n"
      "                                     2024-07-15, 15 July 2024, June 2023, Nov 2024,\n"
      "                                     autumn 2024, winter 2024/25, early 2024, mid-2023,\n"
      "                                     Q3 2024, first half of 2024, 5-7 November 2024,\n"
      "                                     June-August 2024, 2024-11-05..2024-11-07,\n"
      "                                     undated: words; (the source's words) after any.\n"
      "                                     Every date flag reads these (docs/dates.md)\n"
      "  --dates-relative-to DAY            read 'in the coming months', 'next year' in date\n"
      "                                     flags from this day (the source's date); without\n"
      "                                     it they are kept as words, undated\n"
      "  --seasons northern|southern        the hemisphere seasons are read in (northern)\n"
      "  --event-id UUID                    reuse to retry safely (default: a new id)\n"
      "  --expected-version N               refuse if the agreement has moved on since version N\n",
      command.name, command.summary, kind->message_type()->full_name());
  DescribeFields(kind->message_type(), "", &out);
  return out;
}

}  // namespace accord::tools
