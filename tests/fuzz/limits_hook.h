// Where the fuzz targets ask whether the server would take a command to
// the lifecycle rules at all: the server checks a command's limits (the
// sizes and counts of its fields) before it decides it, so the targets run
// the same check, and fuzz it.
#pragma once

#include "accord/v1/commands.pb.h"
#include "core/limits.h"

namespace accord::fuzz {

inline bool CommandAdmitted(const accord::v1::Command& command) {
  return core::ValidateCommandLimits(command).ok();
}

}  // namespace accord::fuzz
