// app/proofs: signed checkpoints of the log and the RFC 9162 proofs that an
// event is in it and that a later log extends an earlier one.
//
// Each checkpoint is a C2SP signed note over (origin, size, root hash),
// signed with the log's key; proofs come with the checkpoint they are
// against, so a client checks both with the verifier key alone
// (core/merkle.h, core/checkpoint.h).
//
// Thread safety: any number of threads may ask at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "accord/v1/wire.pb.h"
#include "core/checkpoint.h"
#include "core/status.h"
#include "store/event_store.h"

namespace accord::app {

class Proofs {
 public:
  // REQUIRES: store outlives the proofs.
  Proofs(const store::EventStore* store, core::NoteSigner signer, std::string origin)
      : store_(store), signer_(std::move(signer)), origin_(std::move(origin)) {}

  // A signed checkpoint of the first `size` records (unset: all).
  core::Status SignCheckpoint(std::optional<uint64_t> size,
                              accord::v1::SignedCheckpoint* checkpoint) const;

  accord::v1::Response Checkpoint(uint64_t request_id, const accord::v1::GetCheckpoint& get) const;
  // By position or by event id, against a checkpoint of tree_size (unset: all).
  accord::v1::Response InclusionProof(uint64_t request_id,
                                      const accord::v1::GetInclusionProof& get) const;
  accord::v1::Response ConsistencyProof(uint64_t request_id,
                                        const accord::v1::GetConsistencyProof& get) const;

 private:
  const store::EventStore* store_;
  core::NoteSigner signer_;
  std::string origin_;
};

}  // namespace accord::app
