// Merkle trees over the log in the standard form of RFC 6962 / RFC 9162:
// SHA-256, leaf hash = H(0x00 || leaf), node hash = H(0x01 || left || right),
// the empty tree's hash = H(""). Proofs are those RFCs' inclusion and
// consistency proofs, so that anyone can check them with any conforming
// implementation. Pure functions; hashes are 32 raw bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace accord::core {

using MerkleHash = std::string;

MerkleHash LeafHash(std::string_view leaf);
MerkleHash NodeHash(std::string_view left, std::string_view right);
MerkleHash EmptyTreeHash();

// The root of a tree whose leaves have these leaf hashes (MTH).
MerkleHash RootOfLeafHashes(const std::vector<MerkleHash>& leaf_hashes);

// The hash of the subtree over leaves [begin, end): how a caller with
// stored subtrees (or all leaves) serves proof generation.
using SubtreeHashFn = std::function<MerkleHash(uint64_t begin, uint64_t end)>;

// PATH(index, D[size]). REQUIRES: index < size.
std::vector<MerkleHash> InclusionProof(uint64_t index, uint64_t size, const SubtreeHashFn& subtree);
// PROOF(first, D[second]). REQUIRES: 0 < first <= second.
std::vector<MerkleHash> ConsistencyProof(uint64_t first, uint64_t second,
                                         const SubtreeHashFn& subtree);

// RFC 9162 2.1.3.2: true when `proof` shows the leaf at `index` is in the
// tree of `size` leaves with `root`.
bool VerifyInclusion(std::string_view leaf_hash, uint64_t index, uint64_t size,
                     const std::vector<MerkleHash>& proof, std::string_view root);
// RFC 9162 2.1.4.2: true when `proof` shows the tree of `second` leaves
// with `second_root` extends the tree of `first` leaves with `first_root`.
bool VerifyConsistency(uint64_t first, uint64_t second, std::string_view first_root,
                       std::string_view second_root, const std::vector<MerkleHash>& proof);

// The right edge of a growing tree (one perfect subtree root per set bit of
// the size), enough to append leaves and compute the root without the rest
// of the tree: what the store keeps beside the log.
class MerkleFrontier {
 public:
  void Append(const MerkleHash& leaf_hash);
  // Append, calling on_node(level, index, hash) for every perfect subtree
  // the leaf completes: the leaf itself (level 0, index = old size) first,
  // then each larger one. A store that keeps these nodes can hash any
  // subtree a proof needs from O(log n) of them.
  using NodeFn = std::function<void(int level, uint64_t index, const MerkleHash& hash)>;
  void Append(const MerkleHash& leaf_hash, const NodeFn& on_node);
  MerkleHash Root() const;
  uint64_t size() const { return size_; }
  // The perfect subtrees' roots, largest (leftmost) first.
  const std::vector<MerkleHash>& hashes() const { return hashes_; }
  // REQUIRES: hashes.size() == number of set bits in size.
  static MerkleFrontier FromParts(uint64_t size, std::vector<MerkleHash> hashes);

 private:
  uint64_t size_ = 0;
  std::vector<MerkleHash> hashes_;
};

}  // namespace accord::core
