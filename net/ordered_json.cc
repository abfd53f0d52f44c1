#include "net/ordered_json.h"

#include <cassert>
#include <string>

namespace accord::net {

OrderedJson OrderedJson::Object() {
  OrderedJson object;
  object.value_ = Members{};
  return object;
}

OrderedJson OrderedJson::Array() {
  OrderedJson array;
  array.value_ = Elements{};
  return array;
}

OrderedJson& OrderedJson::operator[](std::string_view key) {
  if (IsNull()) value_ = Members{};
  assert(IsObject());
  Members& members = std::get<Members>(value_);
  for (auto& [name, value] : members) {
    if (name == key) return value;
  }
  members.emplace_back(std::string(key), OrderedJson());
  return members.back().second;
}

const OrderedJson* OrderedJson::Find(std::string_view key) const {
  const Members* members = std::get_if<Members>(&value_);
  if (members == nullptr) return nullptr;
  for (const auto& [name, value] : *members) {
    if (name == key) return &value;
  }
  return nullptr;
}

OrderedJson& OrderedJson::Append(OrderedJson value) {
  if (IsNull()) value_ = Elements{};
  assert(IsArray());
  std::get<Elements>(value_).push_back(std::move(value));
  return *this;
}

size_t OrderedJson::size() const {
  if (const auto* members = std::get_if<Members>(&value_)) return members->size();
  if (const auto* elements = std::get_if<Elements>(&value_)) return elements->size();
  return 0;
}

std::string OrderedJson::Write(int indent) const {
  std::string out;
  WriteTo(&out, indent, 0);
  return out;
}

void OrderedJson::WriteTo(std::string* out, int indent, int depth) const {
  // Before a member or element: a line break and the indentation of `level`
  // when indenting; nothing otherwise.
  auto break_line = [&](int level) {
    if (indent == 0) return;
    out->push_back('\n');
    out->append(static_cast<size_t>(indent) * static_cast<size_t>(level), ' ');
  };
  if (IsNull()) {
    *out += "null";
  } else if (const bool* b = std::get_if<bool>(&value_)) {
    *out += *b ? "true" : "false";
  } else if (const int64_t* n = std::get_if<int64_t>(&value_)) {
    *out += std::to_string(*n);
  } else if (const std::string* s = std::get_if<std::string>(&value_)) {
    *out += JsonQuote(*s);
  } else if (const Elements* elements = std::get_if<Elements>(&value_)) {
    out->push_back('[');
    for (size_t i = 0; i < elements->size(); ++i) {
      if (i > 0) out->push_back(',');
      break_line(depth + 1);
      (*elements)[i].WriteTo(out, indent, depth + 1);
    }
    if (!elements->empty()) break_line(depth);
    out->push_back(']');
  } else {
    const Members& members = std::get<Members>(value_);
    out->push_back('{');
    for (size_t i = 0; i < members.size(); ++i) {
      if (i > 0) out->push_back(',');
      break_line(depth + 1);
      *out += JsonQuote(members[i].first);
      *out += indent == 0 ? ":" : ": ";
      members[i].second.WriteTo(out, indent, depth + 1);
    }
    if (!members.empty()) break_line(depth);
    out->push_back('}');
  }
}

std::string JsonQuote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default: {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20) {
          out += "\\u00";
          out.push_back(kHex[byte >> 4]);
          out.push_back(kHex[byte & 0xf]);
        } else {
          out.push_back(c);  // UTF-8 passes through as it is
        }
      }
    }
  }
  out.push_back('"');
  return out;
}

}  // namespace accord::net
