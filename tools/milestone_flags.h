// The client's subcommands that log one milestone each (`accord sign ...`),
// derived from the schema: one per field of DomainEvent's oneof, named by
// that field's subcommand options, and every field of the milestone's event
// message is a flag, so the command line can never drift from
// proto/accord/v1/events.proto.
//
//   --FIELD VALUE        a string, number, enum (by name) or date field;
//                        nested fields by path: --place.city Beijing
//   --FIELD VALUE ...    repeated: the flag once per element
//   --FIELD JSON         a message element of a repeated field, in protobuf's
//                        JSON mapping: --parties '{"organisationId": "cospar", ...}'
// Dates use core::ParseFuzzyDate's forms ("2024-07", "June 2023", "early 2024",
// "5-7 November 2024", "autumn 2024 (this autumn)"); --dates-relative-to DAY
// lets relative phrases ("in the coming months") become dates counted from
// that day, and --seasons southern reads seasons as the southern hemisphere's.
#pragma once

#include <string>
#include <vector>

#include "accord/v1/commands.pb.h"
#include "core/expected.h"

namespace accord::tools {

struct MilestoneCommand {
  std::string name;     // "sign"
  int field_number;     // in accord.v1.DomainEvent's oneof
  std::string summary;  // one line for the help
};

const std::vector<MilestoneCommand>& MilestoneCommands();
const MilestoneCommand* FindMilestoneCommand(const std::string& name);

// Builds the command from flags. Besides the milestone's fields:
// --agreement ID (required), --effective DATE, --event-id UUID (default: a
// new random one), --expected-version N, --correlation-id, --causation-id,
// --dates-relative-to DAY, --seasons northern|southern.
core::Expected<accord::v1::Command, std::string> BuildMilestoneCommand(
    const MilestoneCommand& command, const std::vector<std::string>& args);

// The subcommand's --help: its flags, with their types, from the schema.
std::string MilestoneHelp(const MilestoneCommand& command);

}  // namespace accord::tools
