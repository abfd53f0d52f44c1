#include "core/status.h"

namespace accord::core {

std::string_view CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk:
      return "OK";
    case Status::Code::kNotFound:
      return "NotFound";
    case Status::Code::kCorruption:
      return "Corruption";
    case Status::Code::kIOError:
      return "IOError";
    case Status::Code::kInvalidArgument:
      return "InvalidArgument";
    case Status::Code::kWrongExpectedVersion:
      return "WrongExpectedVersion";
    case Status::Code::kDuplicateEvent:
      return "DuplicateEvent";
    case Status::Code::kReadOnly:
      return "ReadOnly";
  }
  return "Unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName(code_)) + ": " + message_;
}

}  // namespace accord::core
