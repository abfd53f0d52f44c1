// Key encodings of the store, in one place (after leveldb/util/coding.h).
//
//   log key           := position:u64be
//   stream index key  := stream_id 0x00 version:u64be
//   stream head key   := stream_id
//   event id key      := uuid:16 bytes
//   position value    := position:u64be
//   merkle node key   := level:u8 index:u64be   (the root of records
//                        [index << level, (index + 1) << level))
//
// Big-endian integers make RocksDB's bytewise order the numeric order, so a
// forward iterator walks the log, and a stream, in order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/hash.h"

namespace accord::store {

void PutFixed64BE(std::string* dst, uint64_t value);
// REQUIRES: src.size() >= 8
uint64_t DecodeFixed64BE(std::string_view src);

std::string EncodePosition(uint64_t position);
std::string StreamIndexKey(std::string_view stream_id, uint64_t version);
// The prefix every index key of `stream_id` starts with.
std::string StreamIndexPrefix(std::string_view stream_id);

std::string MerkleNodeKey(int level, uint64_t index);

// The 16 bytes of a UUID in canonical text form; nullopt if malformed.
std::optional<std::string> UuidBytes(std::string_view canonical_uuid);

// Record hashes and their hex are core's (core/hash.h), named here as the
// store's code has always named them.
using core::HexEncode;
using core::Sha256;

}  // namespace accord::store
