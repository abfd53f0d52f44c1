// RFC 6962 Merkle trees. The expected values were computed independently,
// with Python's hashlib and the RFC's recursive definitions, over the leaves
// of the Certificate Transparency test suite (whose 8-leaf root,
// 5dc9da79..., they reproduce).
#include "core/merkle.h"

#include <gtest/gtest.h>

#include <map>

#include "core/hash.h"

namespace accord::core {
namespace {

std::string Unhex(std::string_view hex) { return HexDecode(hex).value(); }

std::vector<std::string> Leaves() {
  return {"",
          std::string(1, '\0'),
          "\x10",
          "\x20\x21",
          "\x30\x31",
          "\x40\x41\x42\x43",
          "\x50\x51\x52\x53\x54\x55\x56\x57",
          "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"};
}

std::vector<MerkleHash> LeafHashes(size_t n) {
  std::vector<MerkleHash> out;
  for (size_t i = 0; i < n; ++i) out.push_back(LeafHash(Leaves()[i]));
  return out;
}

// Serves subtree hashes by recomputing them from the leaves.
SubtreeHashFn FromLeaves(const std::vector<MerkleHash>& hashes) {
  return [hashes](uint64_t begin, uint64_t end) {
    return RootOfLeafHashes(std::vector<MerkleHash>(hashes.begin() + static_cast<ptrdiff_t>(begin),
                                                    hashes.begin() + static_cast<ptrdiff_t>(end)));
  };
}

std::vector<MerkleHash> Unhex(std::initializer_list<std::string_view> hexes) {
  std::vector<MerkleHash> out;
  for (auto h : hexes) out.push_back(Unhex(h));
  return out;
}

TEST(Merkle, RootsMatchKnownAnswers) {
  const char* roots[] = {
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  };
  for (size_t n = 1; n <= 8; ++n)
    EXPECT_EQ(RootOfLeafHashes(LeafHashes(n)), Unhex(roots[n - 1])) << n;
  EXPECT_EQ(RootOfLeafHashes({}),
            Unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
}

TEST(Merkle, ProofsMatchKnownAnswers) {
  auto subtree = FromLeaves(LeafHashes(8));
  EXPECT_EQ(InclusionProof(0, 8, subtree),
            Unhex({"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                   "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                   "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}));
  EXPECT_EQ(InclusionProof(5, 8, subtree),
            Unhex({"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                   "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                   "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}));
  EXPECT_EQ(ConsistencyProof(3, 7, FromLeaves(LeafHashes(7))),
            Unhex({"0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
                   "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
                   "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                   "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e"}));
  EXPECT_EQ(ConsistencyProof(4, 8, subtree),
            Unhex({"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}));
  EXPECT_EQ(ConsistencyProof(6, 8, subtree),
            Unhex({"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                   "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                   "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}));
}

// Every proof of every tree up to 40 leaves verifies; every forgery fails.
TEST(Merkle, GeneratedProofsVerifyAndEveryForgeryFails) {
  std::vector<MerkleHash> leaves;
  for (int i = 0; i < 40; ++i) leaves.push_back(LeafHash(std::to_string(i)));
  std::vector<MerkleHash> roots = {EmptyTreeHash()};
  for (size_t n = 1; n <= leaves.size(); ++n) {
    roots.push_back(RootOfLeafHashes(std::vector<MerkleHash>(leaves.begin(), leaves.begin() + n)));
  }
  auto subtree = FromLeaves(leaves);
  for (uint64_t size = 1; size <= leaves.size(); ++size) {
    for (uint64_t i = 0; i < size; ++i) {
      auto proof = InclusionProof(i, size, subtree);
      ASSERT_TRUE(VerifyInclusion(leaves[i], i, size, proof, roots[size])) << i << "@" << size;
      // A wrong size is a forgery only with that size's own root: a
      // checkpoint binds the two together.
      if (size < leaves.size()) {
        EXPECT_FALSE(VerifyInclusion(leaves[i], i, size + 1, proof, roots[size + 1]));
      }
      EXPECT_FALSE(VerifyInclusion(leaves[i], i, size, proof, roots[size - 1]));
      if (size > 1) {
        EXPECT_FALSE(VerifyInclusion(leaves[i], (i + 1) % size, size, proof, roots[size]));
        if (i < size - 1) {
          EXPECT_FALSE(VerifyInclusion(leaves[i], i, size - 1, proof, roots[size - 1]));
        }
      }
      for (size_t k = 0; k < proof.size(); ++k) {
        auto forged = proof;
        forged[k][k % 32] ^= 0x01;
        EXPECT_FALSE(VerifyInclusion(leaves[i], i, size, forged, roots[size]));
      }
      if (!proof.empty()) {
        auto shorter = proof;
        shorter.pop_back();
        EXPECT_FALSE(VerifyInclusion(leaves[i], i, size, shorter, roots[size]));
      }
    }
    for (uint64_t first = 1; first <= size; ++first) {
      auto proof = ConsistencyProof(first, size, subtree);
      ASSERT_TRUE(VerifyConsistency(first, size, roots[first], roots[size], proof))
          << first << "->" << size;
      if (first < size) {
        EXPECT_FALSE(VerifyConsistency(first, size, roots[first - 1], roots[size], proof));
        EXPECT_FALSE(VerifyConsistency(first, size, roots[first], roots[size - 1], proof));
        EXPECT_FALSE(VerifyConsistency(first + 1, size, roots[first + 1], roots[size], proof));
        if (size < leaves.size()) {
          EXPECT_FALSE(VerifyConsistency(first, size + 1, roots[first], roots[size + 1], proof));
        }
        for (size_t k = 0; k < proof.size(); ++k) {
          auto forged = proof;
          forged[k][31 - k % 32] ^= 0x80;
          EXPECT_FALSE(VerifyConsistency(first, size, roots[first], roots[size], forged));
        }
      }
    }
  }
}

TEST(Merkle, TheFrontierKeepsTheRootAsLeavesArrive) {
  MerkleFrontier frontier;
  EXPECT_EQ(frontier.Root(), EmptyTreeHash());
  std::vector<MerkleHash> leaves;
  for (int i = 0; i < 100; ++i) {
    leaves.push_back(LeafHash(std::to_string(i)));
    frontier.Append(leaves.back());
    ASSERT_EQ(frontier.Root(), RootOfLeafHashes(leaves)) << i;
    ASSERT_EQ(frontier.hashes().size(), static_cast<size_t>(std::popcount(frontier.size())));
  }
  MerkleFrontier restored = MerkleFrontier::FromParts(frontier.size(), frontier.hashes());
  restored.Append(LeafHash("next"));
  leaves.push_back(LeafHash("next"));
  EXPECT_EQ(restored.Root(), RootOfLeafHashes(leaves));
}

TEST(Merkle, TheFrontierReportsEveryPerfectSubtreeItCompletes) {
  // Every node (level, index) is reported once, and is the root of leaves
  // [index << level, (index + 1) << level).
  MerkleFrontier frontier;
  std::vector<MerkleHash> leaves;
  std::map<std::pair<int, uint64_t>, MerkleHash> nodes;
  for (int i = 0; i < 37; ++i) {
    leaves.push_back(LeafHash(std::to_string(i)));
    frontier.Append(leaves.back(), [&](int level, uint64_t index, const MerkleHash& hash) {
      EXPECT_TRUE(nodes.emplace(std::make_pair(level, index), hash).second);
    });
  }
  size_t expected_nodes = 0;
  for (int level = 0; (uint64_t{1} << level) <= leaves.size(); ++level) {
    for (uint64_t index = 0; ((index + 1) << level) <= leaves.size(); ++index) {
      ++expected_nodes;
      auto it = nodes.find({level, index});
      ASSERT_NE(it, nodes.end()) << level << "/" << index;
      auto begin = leaves.begin() + static_cast<ptrdiff_t>(index << level);
      EXPECT_EQ(it->second, RootOfLeafHashes(std::vector<MerkleHash>(
                                begin, begin + static_cast<ptrdiff_t>(uint64_t{1} << level))));
    }
  }
  EXPECT_EQ(nodes.size(), expected_nodes);
  EXPECT_EQ(frontier.Root(), RootOfLeafHashes(leaves));
}

}  // namespace
}  // namespace accord::core
