// Signed checkpoints of the log, in the C2SP formats that transparency logs
// share (https://c2sp.org/tlog-checkpoint, https://c2sp.org/signed-note),
// so that an auditor can keep one outside accord and check it with any
// conforming tool:
//
//   <origin>\n<tree size>\n<base64 root hash>\n\n— <key name> <base64(key id || signature)>\n
//
// Keys are Ed25519 (OpenSSL), written as signed-note keys:
//   signer:   PRIVATE+KEY+<name>+<hex key id>+<base64(0x01 || 32-byte seed)>
//   verifier: <name>+<hex key id>+<base64(0x01 || 32-byte public key)>
// where key id = SHA-256(name || "\n" || 0x01 || public key)[0:4].
// Pure apart from the system's random numbers used by GenerateSigner.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/expected.h"

namespace accord::core {

struct Checkpoint {
  std::string origin;     // the log's name, e.g. "accord.example.org/agreements"
  uint64_t size = 0;      // leaves (records) in the tree
  std::string root_hash;  // 32 raw bytes: the RFC 6962 root of the first `size` records
};

// The checkpoint's note text: origin, size and root, one per line.
std::string CheckpointBody(const Checkpoint& checkpoint);
// Parses a note text (not a signed note). Errors name what is wrong.
Expected<Checkpoint, std::string> ParseCheckpointBody(std::string_view body);

class NoteSigner {
 public:
  // A new random key named `name` (no spaces or '+').
  static Expected<NoteSigner, std::string> Generate(std::string_view name);
  // From a PRIVATE+KEY+... line.
  static Expected<NoteSigner, std::string> FromPrivateKey(std::string_view private_key);

  const std::string& name() const { return name_; }
  std::string PrivateKey() const;
  std::string VerifierKey() const;
  // `text` followed by a blank line and this key's signature line.
  // REQUIRES: text ends with '\n'.
  std::string Sign(std::string_view text) const;

 private:
  NoteSigner(std::string name, std::string seed, std::string public_key);
  std::string name_;
  std::string seed_;
  std::string public_key_;
};

// Checks `note`'s signature by the key `verifier_key` and returns its text.
// Fails unless the note has a valid signature by exactly that key.
Expected<std::string, std::string> OpenNote(std::string_view note, std::string_view verifier_key);

// OpenNote, then ParseCheckpointBody.
Expected<Checkpoint, std::string> OpenCheckpoint(std::string_view note,
                                                 std::string_view verifier_key);

std::string Base64Encode(std::string_view bytes);
// Standard alphabet with padding; nullopt-like error on anything else.
Expected<std::string, std::string> Base64Decode(std::string_view text);

}  // namespace accord::core
