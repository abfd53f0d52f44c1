// The reach file: how far the log has reached, kept outside RocksDB, so that
// a log that comes back shorter than it was (a write-ahead log cut, emptied
// or deleted) is refused at open instead of being served as if the missing
// records had never been written. Internal to the store.
//
// The file is DATA/ACCORD-REACH, one line of text:
//
//   reach    := "accord-reach 1 " next_position " " head_hash " " check "\n"
//   next_position := decimal: the records the log held (positions 0..n-1)
//   head_hash     := 64 hex digits: the hash of record n-1 (zeros when n = 0)
//   check         := 64 hex digits: SHA-256 of everything before its space
//
// It is replaced atomically (a temporary file, fsync, rename, fsync of the
// folder) and only ever names a head that was durable before the write
// began, so a crash at any moment leaves a file that is true of the log. It
// lags the log: see EventStore's header for the window it does not cover.
#pragma once

#include <optional>
#include <string>

#include "core/status.h"
#include "store/event_store.h"

namespace accord::store::internal {

inline constexpr char kReachFileName[] = "ACCORD-REACH";

// The head recorded in `directory`'s reach file; nullopt when there is none.
// Corruption when the file is there but does not parse or check.
core::Status ReadReach(const std::string& directory, std::optional<LogHead>* reach);

// Replaces the reach file of `directory` with `head`, atomically and durably.
core::Status WriteReach(const std::string& directory, const LogHead& head);

}  // namespace accord::store::internal
