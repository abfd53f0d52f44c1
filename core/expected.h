// A value or an error, for functions that can fail (C++20 has no
// std::expected). Errors are values in accord's core and store: nothing
// there throws.
#pragma once

#include <utility>
#include <variant>

namespace accord::core {

template <typename E>
struct Unexpected {
  E error;
};

template <typename E>
Unexpected<E> MakeUnexpected(E error) {
  return Unexpected<E>{std::move(error)};
}

template <typename T, typename E>
class [[nodiscard]] Expected {
 public:
  Expected(T value)
      : value_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Expected(Unexpected<E> e) : value_(std::in_place_index<1>, std::move(e.error)) {}  // NOLINT

  bool ok() const { return value_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() & { return std::get<0>(value_); }
  const T& value() const& { return std::get<0>(value_); }
  T&& value() && { return std::get<0>(std::move(value_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // REQUIRES: !ok()
  const E& error() const { return std::get<1>(value_); }

 private:
  std::variant<T, E> value_;
};

}  // namespace accord::core
