// Where the fuzz targets ask whether the server would take a command to
// the lifecycle rules at all: the server checks a command's limits (the
// sizes and counts of its fields) before it decides it.
#pragma once

#include "accord/v1/commands.pb.h"

namespace accord::fuzz {

// Today every command is admitted. Once core/limits.h (ValidateCommandLimits)
// lands, this becomes one line: return core::ValidateCommandLimits(command).ok();
inline bool CommandAdmitted(const accord::v1::Command& /*command*/) { return true; }

}  // namespace accord::fuzz
