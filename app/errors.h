// app/errors: how the application's failures reach a caller, whatever the
// front door: every status maps to one wire ErrorCode, and an error is a
// Response like any other answer.
#pragma once

#include <cstdint>
#include <string>

#include "accord/v1/wire.pb.h"
#include "core/status.h"

namespace accord::app {

accord::v1::ErrorCode ToErrorCode(const core::Status& status);

accord::v1::Response ErrorResponse(uint64_t request_id, accord::v1::ErrorCode code,
                                   std::string message);
// The status's code and message (REQUIRES: !status.ok()).
accord::v1::Response ErrorResponse(uint64_t request_id, const core::Status& status);

}  // namespace accord::app
