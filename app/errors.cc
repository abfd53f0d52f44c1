#include "app/errors.h"

#include <utility>

namespace accord::app {

accord::v1::ErrorCode ToErrorCode(const core::Status& status) {
  switch (status.code()) {
    case core::Status::Code::kInvalidArgument:
      return accord::v1::INVALID_ARGUMENT;
    case core::Status::Code::kWrongExpectedVersion:
      return accord::v1::WRONG_EXPECTED_VERSION;
    case core::Status::Code::kDuplicateEvent:
      return accord::v1::DUPLICATE_EVENT;
    case core::Status::Code::kNotFound:
      return accord::v1::NOT_FOUND;
    case core::Status::Code::kCorruption:
      return accord::v1::CORRUPTION;
    case core::Status::Code::kReadOnly:
      return accord::v1::READ_ONLY;
    case core::Status::Code::kOk:
    case core::Status::Code::kIOError:
      break;
  }
  return accord::v1::IO_ERROR;
}

accord::v1::Response ErrorResponse(uint64_t request_id, accord::v1::ErrorCode code,
                                   std::string message) {
  accord::v1::Response response;
  response.set_request_id(request_id);
  response.mutable_error()->set_code(code);
  response.mutable_error()->set_message(std::move(message));
  return response;
}

accord::v1::Response ErrorResponse(uint64_t request_id, const core::Status& status) {
  return ErrorResponse(request_id, ToErrorCode(status), status.message());
}

}  // namespace accord::app
