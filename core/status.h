// The outcome of a store operation, as a value (after leveldb::Status).
// OK carries no message and costs one enum. The store never throws: RocksDB
// statuses are converted to these at the store's edge.
#pragma once

#include <string>
#include <string_view>

namespace accord::core {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk,
    kNotFound,
    kCorruption,            // stored data fails a check: hash, chain, index
    kIOError,               // the disk refused; the outcome of a write is unknown
    kInvalidArgument,       // the request itself is malformed
    kWrongExpectedVersion,  // optimistic concurrency: the stream moved on
    kDuplicateEvent,        // an event id already stored with other content
    kReadOnly,              // the store was opened read-only, or refuses writes
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status IOError(std::string_view msg) { return Status(Code::kIOError, msg); }
  static Status InvalidArgument(std::string_view msg) {
    return Status(Code::kInvalidArgument, msg);
  }
  static Status WrongExpectedVersion(std::string_view msg) {
    return Status(Code::kWrongExpectedVersion, msg);
  }
  static Status DuplicateEvent(std::string_view msg) { return Status(Code::kDuplicateEvent, msg); }
  static Status ReadOnly(std::string_view msg) { return Status(Code::kReadOnly, msg); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsWrongExpectedVersion() const { return code_ == Code::kWrongExpectedVersion; }
  bool IsDuplicateEvent() const { return code_ == Code::kDuplicateEvent; }

  // "OK", or the code's name, a colon and the message.
  std::string ToString() const;

 private:
  Status(Code code, std::string_view message) : code_(code), message_(message) {}

  Code code_ = Code::kOk;
  std::string message_;
};

std::string_view CodeName(Status::Code code);

}  // namespace accord::core
