// SHA-256 and lower-case hex: the one place accord calls OpenSSL's digest
// and spells bytes as hex (record hashes, Merkle nodes, checkpoint key ids,
// token hashes, the reach file, what the tools print).
//
//   std::string digest = core::Sha256(record_bytes);   // 32 bytes
//   std::string text = core::HexEncode(digest);        // 64 hex digits
//   std::optional<std::string> back = core::HexDecode(text);
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace accord::core {

inline constexpr size_t kSha256Bytes = 32;

// The SHA-256 digest of `data`, kSha256Bytes long. OpenSSL's digest fails
// only when it cannot allocate or its library is broken; a hash that may be
// wrong would break the chain, so that failure aborts the process rather
// than returning.
std::string Sha256(std::string_view data);

// The digest of `parts` one after another, as if concatenated, without
// copying them (Merkle nodes hash a prefix byte and two child hashes).
std::string Sha256(std::initializer_list<std::string_view> parts);

// Two lower-case hex digits per byte: "\x01\xab" -> "01ab".
std::string HexEncode(std::string_view bytes);

// The bytes of lower-case hex; nullopt for an odd length or any other
// character (upper-case digits included: accord writes only lower case, so
// anything else was not written by it).
std::optional<std::string> HexDecode(std::string_view hex);

}  // namespace accord::core
