// The store's Merkle tree: roots and proofs for every tree size, kept across
// reopens and imports, built for older stores, and checked by Verify.
#include <gtest/gtest.h>

#include "core/merkle.h"
#include "store/coding.h"
#include "store/event_store.h"
#include "tests/testing/builders.h"
#include "tests/testing/raw_db.h"
#include "tests/testing/temp_dir.h"

namespace accord::store {
namespace {

using accord::testing::RawDb;
using accord::testing::RawEvent;
using accord::v1::EventRecord;

class MerkleTreeTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  void Reopen(StoreOptions options = {}) {
    store_.reset();
    core::Status s = EventStore::Open(options, dir_.path(), &store_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // Appends `count` single-event appends, ids from `first`, over 3 streams.
  void AppendEvents(uint64_t first, uint64_t count) {
    for (uint64_t i = first; i < first + count; ++i) {
      AppendResult result;
      core::Status s = store_->Append("stream-" + std::to_string(i % 3), ExpectedVersion::Any(),
                                      {RawEvent(i)}, &result);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
  }

  std::vector<core::MerkleHash> LeafHashes() {
    std::vector<core::MerkleHash> hashes;
    for (uint64_t p = 0; p < store_->Head().next_position; ++p) {
      std::string leaf;
      core::Status s = store_->ReadLeaf(p, &leaf);
      EXPECT_TRUE(s.ok()) << s.ToString();
      hashes.push_back(core::LeafHash(leaf));
    }
    return hashes;
  }

  std::string Root(uint64_t size) {
    std::string root;
    core::Status s = store_->MerkleRoot(size, &root);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return root;
  }

  accord::testing::TempDir dir_;
  std::unique_ptr<EventStore> store_;
};

TEST_F(MerkleTreeTest, RootsAndProofsForEveryTreeSizeVerify) {
  AppendEvents(1, 7);
  Reopen();  // the frontier comes back from the chain head
  AppendEvents(8, 14);
  std::vector<core::MerkleHash> leaves = LeafHashes();
  ASSERT_EQ(leaves.size(), 21u);
  // Leaves are the records' stored bytes, so an outsider can recompute them.
  EventRecord record;
  std::string leaf;
  ASSERT_TRUE(store_->ReadLeaf(5, &leaf).ok());
  ASSERT_TRUE(record.ParseFromString(leaf));
  EXPECT_EQ(record.position(), 5u);
  std::string next;
  ASSERT_TRUE(store_->ReadLeaf(6, &next).ok());
  EventRecord after;
  ASSERT_TRUE(after.ParseFromString(next));
  EXPECT_EQ(Sha256(leaf), after.prev_hash()) << "the chain hashes the same bytes";

  std::vector<std::string> roots;
  for (uint64_t size = 0; size <= leaves.size(); ++size) {
    roots.push_back(Root(size));
    ASSERT_EQ(roots.back(), core::RootOfLeafHashes(std::vector<core::MerkleHash>(
                                leaves.begin(), leaves.begin() + static_cast<ptrdiff_t>(size))))
        << size;
  }
  for (uint64_t size = 1; size <= leaves.size(); ++size) {
    for (uint64_t index = 0; index < size; ++index) {
      std::vector<std::string> proof;
      ASSERT_TRUE(store_->InclusionProof(index, size, &proof).ok());
      EXPECT_TRUE(core::VerifyInclusion(leaves[index], index, size, proof, roots[size]))
          << index << " in " << size;
    }
    for (uint64_t first = 1; first <= size; ++first) {
      std::vector<std::string> proof;
      ASSERT_TRUE(store_->ConsistencyProof(first, size, &proof).ok());
      EXPECT_TRUE(core::VerifyConsistency(first, size, roots[first], roots[size], proof))
          << first << " to " << size;
    }
  }
}

TEST_F(MerkleTreeTest, SizesBeyondTheLogAreRefused) {
  AppendEvents(1, 3);
  std::string root;
  std::vector<std::string> proof;
  EXPECT_EQ(store_->MerkleRoot(4, &root).code(), core::Status::Code::kInvalidArgument);
  EXPECT_EQ(store_->InclusionProof(3, 3, &proof).code(), core::Status::Code::kInvalidArgument);
  EXPECT_EQ(store_->ConsistencyProof(3, 4, &proof).code(), core::Status::Code::kInvalidArgument);
  EXPECT_EQ(store_->ConsistencyProof(3, 2, &proof).code(), core::Status::Code::kInvalidArgument);
  EXPECT_EQ(Root(0), core::EmptyTreeHash());
}

TEST_F(MerkleTreeTest, ACheckpointLargerThanTheLogSaysRecordsWereDropped) {
  AppendEvents(1, 3);
  std::vector<std::string> proof;
  core::Status s = store_->ConsistencyProof(5, 3, &proof);
  EXPECT_EQ(s.code(), core::Status::Code::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("the log holds 3 records but the checkpoint covers 5: positions 3 "
                             "to 4 were dropped"),
            std::string::npos)
      << s.message();
}

TEST_F(MerkleTreeTest, AnImportedLogHasTheSameTree) {
  AppendEvents(1, 13);
  std::vector<EventRecord> records;
  ReadPage page;
  ASSERT_TRUE(store_->ReadAll(0, 0, &page).ok());
  accord::testing::TempDir copy_dir;
  std::unique_ptr<EventStore> copy;
  ASSERT_TRUE(EventStore::Open({}, copy_dir.path(), &copy).ok());
  // In two imports, so that the second continues the first's frontier.
  std::vector<EventRecord> first(page.records.begin(), page.records.begin() + 6);
  std::vector<EventRecord> second(page.records.begin() + 6, page.records.end());
  ASSERT_TRUE(copy->Import(first).ok());
  ASSERT_TRUE(copy->Import(second).ok());
  std::string copied_root;
  ASSERT_TRUE(copy->MerkleRoot(13, &copied_root).ok());
  EXPECT_EQ(copied_root, Root(13));
  VerifyReport report;
  EXPECT_TRUE(copy->Verify(&report).ok());
}

TEST_F(MerkleTreeTest, AStoreWithoutATreeGetsOneWhenOpenedForWriting) {
  AppendEvents(1, 11);
  std::string root = Root(11);
  store_.reset();
  {
    // What a store written before the tree was kept looks like.
    RawDb raw(dir_.path());
    for (int level = 0; level < 4; ++level) {
      for (uint64_t index = 0; index < 11; ++index)
        raw.Delete(RawDb::kMerkle, MerkleNodeKey(level, index));
    }
    accord::v1::ChainHead head;
    ASSERT_TRUE(head.ParseFromString(raw.Get(RawDb::kMeta, "chain_head")));
    head.clear_merkle_frontier();
    raw.Put(RawDb::kMeta, "chain_head", head.SerializeAsString());
  }
  Reopen();
  EXPECT_EQ(Root(11), root);
  AppendEvents(12, 2);
  VerifyReport report;
  core::Status s = store_->Verify(&report);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(MerkleTreeTest, VerifyNamesAnAlteredNode) {
  AppendEvents(1, 12);
  store_.reset();
  {
    RawDb raw(dir_.path());
    raw.Put(RawDb::kMerkle, MerkleNodeKey(2, 1), std::string(32, 'x'));
  }
  Reopen(StoreOptions{.read_only = true});
  VerifyReport report;
  core::Status s = store_->Verify(&report);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("Merkle node over positions 4 to 7"), std::string::npos)
      << s.ToString();
}

TEST_F(MerkleTreeTest, VerifyNamesAnAlteredFrontier) {
  AppendEvents(1, 12);
  store_.reset();
  {
    RawDb raw(dir_.path());
    accord::v1::ChainHead head;
    ASSERT_TRUE(head.ParseFromString(raw.Get(RawDb::kMeta, "chain_head")));
    ASSERT_EQ(head.merkle_frontier_size(), 2);  // 12 = 8 + 4
    head.set_merkle_frontier(1, std::string(32, 'x'));
    raw.Put(RawDb::kMeta, "chain_head", head.SerializeAsString());
  }
  Reopen(StoreOptions{.read_only = true});
  VerifyReport report;
  core::Status s = store_->Verify(&report);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("Merkle frontier does not match the log of 12 records"),
            std::string::npos)
      << s.ToString();
}

}  // namespace
}  // namespace accord::store
