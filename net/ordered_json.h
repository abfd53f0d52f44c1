// net/ordered_json: a JSON value whose object members keep the order they
// were added in, and its text.
//
// For documents people read (the OpenAPI document, net/openapi.h): protobuf's
// google.protobuf.Struct keeps members in a hash map, so its JSON comes out
// in no useful order. Messages on the wire are printed by protobuf's own
// mapping, not by this.
//
//   OrderedJson schema = OrderedJson::Object();
//   schema["type"] = "string";
//   schema["enum"].Append("json").Append("csv");
//   schema.Write(2)  ->  {\n  "type": "string",\n  "enum": [\n    "json", ...
//
// Strings are written as given, escaping only what JSON requires (quotes,
// backslashes and control characters), so they must be UTF-8. Numbers are
// integers: nothing written with this needs fractions.
//
// A reference to a member or element is invalidated, as with std::vector,
// when its object or array gets another one: take the reference again.
//
// Thread safety: a value is not safe to change from two threads at once;
// const methods may be called concurrently.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace accord::net {

class OrderedJson {
 public:
  // Values convert implicitly, so that members read as JSON literals do:
  // schema["type"] = "string"; schema["minimum"] = 0.
  OrderedJson() = default;  // null
  OrderedJson(bool value) : value_(value) {}
  // REQUIRES: `value` fits in an int64_t.
  template <std::integral T>
  requires(!std::same_as<T, bool>) OrderedJson(T value) : value_(static_cast<int64_t>(value)) {}
  OrderedJson(std::string_view value) : value_(std::string(value)) {}
  OrderedJson(const char* value) : value_(std::string(value)) {}
  OrderedJson(std::string value) : value_(std::move(value)) {}

  static OrderedJson Object();  // {}
  static OrderedJson Array();   // []

  bool IsNull() const { return std::holds_alternative<std::nullptr_t>(value_); }
  bool IsObject() const { return std::holds_alternative<Members>(value_); }
  bool IsArray() const { return std::holds_alternative<Elements>(value_); }

  // The member named `key`; when there is none, a null member added at the
  // end. A null value becomes an empty object first, so nested members can
  // be written in one go: doc["paths"]["/x"]["get"] = ...
  // REQUIRES: IsObject() or IsNull().
  OrderedJson& operator[](std::string_view key);
  // The member named `key`, or nullptr. Any value that is not an object has
  // no members.
  const OrderedJson* Find(std::string_view key) const;

  // Adds `value` at the end, and returns *this so that appends chain. A null
  // value becomes an empty array first.
  // REQUIRES: IsArray() or IsNull().
  OrderedJson& Append(OrderedJson value);

  // Members of an object, elements of an array; 0 for anything else.
  size_t size() const;

  // The JSON text: `indent` spaces per level and one member or element a
  // line, or all on one line when `indent` is 0. Empty objects and arrays
  // are written {} and [].
  std::string Write(int indent = 2) const;

 private:
  using Members = std::vector<std::pair<std::string, OrderedJson>>;
  using Elements = std::vector<OrderedJson>;

  void WriteTo(std::string* out, int indent, int depth) const;

  std::variant<std::nullptr_t, bool, int64_t, std::string, Elements, Members> value_;
};

// `text` as a JSON string, quotes included: "a\"b" for a"b.
std::string JsonQuote(std::string_view text);

}  // namespace accord::net
