#include "app/proofs.h"

#include <fmt/format.h>

#include <vector>

#include "app/errors.h"

namespace accord::app {

using accord::v1::Response;

core::Status Proofs::SignCheckpoint(std::optional<uint64_t> size,
                                    accord::v1::SignedCheckpoint* checkpoint) const {
  core::Checkpoint c;
  c.origin = origin_;
  c.size = size ? *size : store_->Head().next_position;
  if (core::Status s = store_->MerkleRoot(c.size, &c.root_hash); !s.ok()) return s;
  checkpoint->set_note(signer_.Sign(core::CheckpointBody(c)));
  checkpoint->set_size(c.size);
  checkpoint->set_root_hash(c.root_hash);
  checkpoint->set_verifier_key(signer_.VerifierKey());
  return core::Status::OK();
}

Response Proofs::Checkpoint(uint64_t request_id, const accord::v1::GetCheckpoint& get) const {
  Response response;
  response.set_request_id(request_id);
  std::optional<uint64_t> size;
  if (get.has_size()) size = get.size();
  if (core::Status s = SignCheckpoint(size, response.mutable_checkpoint()); !s.ok()) {
    return ErrorResponse(request_id, s);
  }
  return response;
}

Response Proofs::InclusionProof(uint64_t request_id,
                                const accord::v1::GetInclusionProof& get) const {
  uint64_t position = get.position();
  if (get.has_event_id()) {
    accord::v1::EventRecord record;
    if (core::Status s = store_->FindEvent(get.event_id(), &record); !s.ok()) {
      return ErrorResponse(
          request_id, ToErrorCode(s),
          s.IsNotFound() ? fmt::format("no event {} in the log", get.event_id()) : s.message());
    }
    position = record.position();
  }
  Response response;
  response.set_request_id(request_id);
  auto* proof = response.mutable_inclusion_proof();
  std::optional<uint64_t> size;
  if (get.has_tree_size()) size = get.tree_size();
  core::Status s = SignCheckpoint(size, proof->mutable_checkpoint());
  std::vector<std::string> hashes;
  if (s.ok()) s = store_->InclusionProof(position, proof->checkpoint().size(), &hashes);
  if (s.ok()) s = store_->ReadLeaf(position, proof->mutable_leaf());
  if (!s.ok()) return ErrorResponse(request_id, s);
  proof->set_position(position);
  for (auto& h : hashes) proof->add_hashes(std::move(h));
  return response;
}

Response Proofs::ConsistencyProof(uint64_t request_id,
                                  const accord::v1::GetConsistencyProof& get) const {
  Response response;
  response.set_request_id(request_id);
  auto* proof = response.mutable_consistency_proof();
  std::optional<uint64_t> size;
  if (get.has_second_size()) size = get.second_size();
  core::Status s = SignCheckpoint(size, proof->mutable_checkpoint());
  std::vector<std::string> hashes;
  if (s.ok()) s = store_->ConsistencyProof(get.first_size(), proof->checkpoint().size(), &hashes);
  if (!s.ok()) return ErrorResponse(request_id, s);
  proof->set_first_size(get.first_size());
  for (auto& h : hashes) proof->add_hashes(std::move(h));
  return response;
}

}  // namespace accord::app
