#include "core/merkle.h"

#include <bit>

#include "core/hash.h"

namespace accord::core {
namespace {

// The largest power of two smaller than n. REQUIRES: n > 1.
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

void Path(uint64_t index, uint64_t begin, uint64_t end, const SubtreeHashFn& subtree,
          std::vector<MerkleHash>* out) {
  uint64_t n = end - begin;
  if (n <= 1) return;
  uint64_t k = SplitPoint(n);
  if (index < k) {
    Path(index, begin, begin + k, subtree, out);
    out->push_back(subtree(begin + k, end));
  } else {
    Path(index - k, begin + k, end, subtree, out);
    out->push_back(subtree(begin, begin + k));
  }
}

void SubProof(uint64_t m, uint64_t begin, uint64_t end, bool whole, const SubtreeHashFn& subtree,
              std::vector<MerkleHash>* out) {
  uint64_t n = end - begin;
  if (m == n) {
    if (!whole) out->push_back(subtree(begin, end));
    return;
  }
  uint64_t k = SplitPoint(n);
  if (m <= k) {
    SubProof(m, begin, begin + k, whole, subtree, out);
    out->push_back(subtree(begin + k, end));
  } else {
    SubProof(m - k, begin + k, end, false, subtree, out);
    out->push_back(subtree(begin, begin + k));
  }
}

}  // namespace

MerkleHash LeafHash(std::string_view leaf) { return Sha256({std::string_view("\x00", 1), leaf}); }

MerkleHash NodeHash(std::string_view left, std::string_view right) {
  return Sha256({"\x01", left, right});
}

MerkleHash EmptyTreeHash() { return Sha256(std::string_view()); }

MerkleHash RootOfLeafHashes(const std::vector<MerkleHash>& leaf_hashes) {
  MerkleFrontier frontier;
  for (const auto& h : leaf_hashes) frontier.Append(h);
  return frontier.Root();
}

std::vector<MerkleHash> InclusionProof(uint64_t index, uint64_t size,
                                       const SubtreeHashFn& subtree) {
  std::vector<MerkleHash> proof;
  Path(index, 0, size, subtree, &proof);
  return proof;
}

std::vector<MerkleHash> ConsistencyProof(uint64_t first, uint64_t second,
                                         const SubtreeHashFn& subtree) {
  std::vector<MerkleHash> proof;
  SubProof(first, 0, second, true, subtree, &proof);
  return proof;
}

bool VerifyInclusion(std::string_view leaf_hash, uint64_t index, uint64_t size,
                     const std::vector<MerkleHash>& proof, std::string_view root) {
  if (index >= size) return false;
  uint64_t fn = index;
  uint64_t sn = size - 1;
  MerkleHash r(leaf_hash);
  for (const auto& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      r = NodeHash(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

bool VerifyConsistency(uint64_t first, uint64_t second, std::string_view first_root,
                       std::string_view second_root, const std::vector<MerkleHash>& proof) {
  if (first > second) return false;
  if (first == second) return proof.empty() && first_root == second_root;
  if (first == 0) return proof.empty();  // every tree extends the empty one
  if (proof.empty()) return false;
  std::vector<MerkleHash> path = proof;
  if (std::has_single_bit(first)) path.insert(path.begin(), MerkleHash(first_root));
  uint64_t fn = first - 1;
  uint64_t sn = second - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  MerkleHash fr = path[0];
  MerkleHash sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      fr = NodeHash(path[i], fr);
      sr = NodeHash(path[i], sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = NodeHash(sr, path[i]);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == first_root && sr == second_root && sn == 0;
}

void MerkleFrontier::Append(const MerkleHash& leaf_hash) { Append(leaf_hash, nullptr); }

void MerkleFrontier::Append(const MerkleHash& leaf_hash, const NodeFn& on_node) {
  MerkleHash carry = leaf_hash;
  if (on_node) on_node(0, size_, carry);
  // Each trailing one bit of the old size is a perfect subtree the new leaf
  // completes into a larger one.
  int level = 0;
  for (uint64_t bits = size_; (bits & 1) != 0; bits >>= 1) {
    carry = NodeHash(hashes_.back(), carry);
    hashes_.pop_back();
    ++level;
    if (on_node) on_node(level, ((size_ + 1) >> level) - 1, carry);
  }
  hashes_.push_back(std::move(carry));
  ++size_;
}

MerkleHash MerkleFrontier::Root() const {
  if (hashes_.empty()) return EmptyTreeHash();
  MerkleHash root = hashes_.back();
  for (size_t i = hashes_.size() - 1; i-- > 0;) root = NodeHash(hashes_[i], root);
  return root;
}

MerkleFrontier MerkleFrontier::FromParts(uint64_t size, std::vector<MerkleHash> hashes) {
  MerkleFrontier frontier;
  frontier.size_ = size;
  frontier.hashes_ = std::move(hashes);
  return frontier;
}

}  // namespace accord::core
