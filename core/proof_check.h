// What the client checks itself, trusting nothing the server says until it
// is proved: signed checkpoints, inclusion proofs and consistency proofs
// (wire.proto's Merkle messages). Each returns what was proved, or a
// sentence naming what failed.
//
// `trusted_key` is the server's signed-note verifier key as the auditor
// obtained it apart from the server. Empty: the key the server announces
// in its answer, which proves only that the answer is self-consistent.
#pragma once

#include <string>
#include <string_view>

#include "accord/v1/record.pb.h"
#include "accord/v1/wire.pb.h"
#include "core/checkpoint.h"
#include "core/expected.h"

namespace accord::core {

// The note opens with the key, and its size and root are the ones given.
Expected<Checkpoint, std::string> CheckSignedCheckpoint(
    const accord::v1::SignedCheckpoint& checkpoint, std::string_view trusted_key);

// The proof's checkpoint is signed, has the same origin as `earlier`, and
// the proof shows its tree extends `earlier`'s. Returns the later checkpoint.
Expected<Checkpoint, std::string> CheckConsistency(const Checkpoint& earlier,
                                                   const accord::v1::ConsistencyProof& proof,
                                                   std::string_view trusted_key);

// The proof's checkpoint is signed, the leaf is a record at the proof's
// position, and the path leads from its leaf hash to the checkpoint's root.
// With `event_id`, the record must be that event. Returns the record.
Expected<accord::v1::EventRecord, std::string> CheckInclusion(
    const accord::v1::InclusionProof& proof, std::string_view trusted_key,
    std::string_view event_id = {});

}  // namespace accord::core
