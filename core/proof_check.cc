#include "core/proof_check.h"

#include <fmt/format.h>

#include <vector>

#include "core/merkle.h"

namespace accord::core {

namespace {

std::vector<MerkleHash> Hashes(const google::protobuf::RepeatedPtrField<std::string>& given) {
  return std::vector<MerkleHash>(given.begin(), given.end());
}

}  // namespace

Expected<Checkpoint, std::string> CheckSignedCheckpoint(
    const accord::v1::SignedCheckpoint& checkpoint, std::string_view trusted_key) {
  std::string_view key = trusted_key.empty() ? checkpoint.verifier_key() : trusted_key;
  Expected<Checkpoint, std::string> opened = OpenCheckpoint(checkpoint.note(), key);
  if (!opened.ok()) {
    return MakeUnexpected(
        fmt::format("the checkpoint's signature does not hold: {}", opened.error()));
  }
  if (opened->size != checkpoint.size() || opened->root_hash != checkpoint.root_hash()) {
    return MakeUnexpected(std::string("the checkpoint's note and its fields disagree"));
  }
  return opened;
}

Expected<Checkpoint, std::string> CheckConsistency(const Checkpoint& earlier,
                                                   const accord::v1::ConsistencyProof& proof,
                                                   std::string_view trusted_key) {
  Expected<Checkpoint, std::string> later = CheckSignedCheckpoint(proof.checkpoint(), trusted_key);
  if (!later.ok()) return later;
  if (later->origin != earlier.origin) {
    return MakeUnexpected(fmt::format("the server's log is '{}', not '{}' as checkpointed",
                                      later->origin, earlier.origin));
  }
  if (proof.first_size() != earlier.size) {
    return MakeUnexpected(fmt::format("the proof starts at {} records, not at the checkpoint's {}",
                                      proof.first_size(), earlier.size));
  }
  if (later->size < earlier.size) {
    return MakeUnexpected(fmt::format(
        "the log now holds {} records, fewer than the {} checkpointed: records were dropped",
        later->size, earlier.size));
  }
  if (!VerifyConsistency(earlier.size, later->size, earlier.root_hash, later->root_hash,
                         Hashes(proof.hashes()))) {
    return MakeUnexpected(fmt::format(
        "the log of {} records does not extend the checkpointed log of {}: its history was "
        "rewritten or forked",
        later->size, earlier.size));
  }
  return later;
}

Expected<accord::v1::EventRecord, std::string> CheckInclusion(
    const accord::v1::InclusionProof& proof, std::string_view trusted_key,
    std::string_view event_id) {
  Expected<Checkpoint, std::string> checkpoint =
      CheckSignedCheckpoint(proof.checkpoint(), trusted_key);
  if (!checkpoint.ok()) return MakeUnexpected(checkpoint.error());
  accord::v1::EventRecord record;
  if (!record.ParseFromString(proof.leaf()) || record.position() != proof.position()) {
    return MakeUnexpected(
        fmt::format("the leaf sent is not the record at position {}", proof.position()));
  }
  if (!event_id.empty() && record.event_id() != event_id) {
    return MakeUnexpected(
        fmt::format("the leaf sent is event {}, not {}", record.event_id(), event_id));
  }
  if (!VerifyInclusion(LeafHash(proof.leaf()), proof.position(), checkpoint->size,
                       Hashes(proof.hashes()), checkpoint->root_hash)) {
    return MakeUnexpected(fmt::format(
        "the proof does not lead from the record at position {} to the root of the log of {} "
        "records",
        proof.position(), checkpoint->size));
  }
  return record;
}

}  // namespace accord::core
