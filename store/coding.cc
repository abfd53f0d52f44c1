#include "store/coding.h"

#include <boost/uuid/string_generator.hpp>
#include <boost/uuid/uuid.hpp>
#include <boost/uuid/uuid_io.hpp>

namespace accord::store {

void PutFixed64BE(std::string* dst, uint64_t value) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  dst->append(buf, sizeof(buf));
}

uint64_t DecodeFixed64BE(std::string_view src) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<unsigned char>(src[i]);
  return value;
}

std::string EncodePosition(uint64_t position) {
  std::string key;
  PutFixed64BE(&key, position);
  return key;
}

std::string StreamIndexPrefix(std::string_view stream_id) {
  std::string key(stream_id);
  key.push_back('\0');
  return key;
}

std::string StreamIndexKey(std::string_view stream_id, uint64_t version) {
  std::string key = StreamIndexPrefix(stream_id);
  PutFixed64BE(&key, version);
  return key;
}

std::optional<std::string> UuidBytes(std::string_view canonical_uuid) {
  if (canonical_uuid.size() != 36) return std::nullopt;
  boost::uuids::uuid id;
  try {
    id = boost::uuids::string_generator()(canonical_uuid.begin(), canonical_uuid.end());
  } catch (const std::exception&) {
    return std::nullopt;
  }
  // The generator also accepts upper case; only the canonical form is one id.
  if (boost::uuids::to_string(id) != canonical_uuid) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(id.data), id.size());
}

std::string MerkleNodeKey(int level, uint64_t index) {
  std::string key(1, static_cast<char>(level));
  PutFixed64BE(&key, index);
  return key;
}

}  // namespace accord::store
