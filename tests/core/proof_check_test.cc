// Checkpoints and proofs end to end: a server signs, the client's checks
// (core/proof_check.h) accept an honest log as it grows, and catch a history
// forked directly in RocksDB, which the forked store's own Verify accepts.
#include "core/proof_check.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "accord/v1/events.pb.h"
#include "core/hash.h"
#include "core/merkle.h"
#include "net/client.h"
#include "net/server.h"
#include "tests/testing/builders.h"
#include "tests/testing/raw_db.h"
#include "tests/testing/temp_dir.h"

namespace accord::core {
namespace {

using accord::testing::RawDb;
using accord::v1::Request;
using accord::v1::Response;

class ProofsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    signer_.emplace(core::NoteSigner::Generate("accord.test/log").value());
    Start();
  }
  void TearDown() override { Stop(); }

  void Start() {
    ASSERT_TRUE(store::EventStore::Open({}, dir_.path(), &store_).ok());
    net::ServerOptions options;
    options.port = 0;
    options.checkpoint_signer = *signer_;
    options.log_origin = "accord.test/log";
    server_ = std::make_unique<net::Server>(store_.get(), options);
    core::Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
    ASSERT_TRUE(net::Client::Connect("127.0.0.1", server_->port(), "auditor", &client_).ok());
  }
  void Stop() {
    client_.reset();
    if (server_) server_->Stop();
    server_.reset();
    store_.reset();
  }

  void Append(uint64_t first, uint64_t count) {
    for (uint64_t i = first; i < first + count; ++i) {
      store::AppendResult result;
      core::Status s =
          store_->Append("stream-" + std::to_string(i % 2), store::ExpectedVersion::Any(),
                         {accord::testing::NoteEvent(i, "note " + std::to_string(i))}, &result);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
  }

  Response Call(Request request) {
    Response response;
    EXPECT_TRUE(client_->Call(std::move(request), &response).ok());
    return response;
  }

  core::Checkpoint TakeCheckpoint() {
    Request request;
    request.mutable_get_checkpoint();
    Response response = Call(request);
    EXPECT_TRUE(response.has_checkpoint()) << response.DebugString();
    auto checked = CheckSignedCheckpoint(response.checkpoint(), signer_->VerifierKey());
    EXPECT_TRUE(checked.ok()) << checked.error();
    return checked.ok() ? *checked : core::Checkpoint{};
  }

  accord::v1::ConsistencyProof ConsistencySince(uint64_t first) {
    Request request;
    request.mutable_get_consistency_proof()->set_first_size(first);
    Response response = Call(request);
    EXPECT_TRUE(response.has_consistency_proof()) << response.DebugString();
    return response.consistency_proof();
  }

  accord::v1::InclusionProof InclusionOf(uint64_t position, std::optional<uint64_t> tree_size) {
    Request request;
    request.mutable_get_inclusion_proof()->set_position(position);
    if (tree_size) request.mutable_get_inclusion_proof()->set_tree_size(*tree_size);
    Response response = Call(request);
    EXPECT_TRUE(response.has_inclusion_proof()) << response.DebugString();
    return response.inclusion_proof();
  }

  std::optional<core::NoteSigner> signer_;
  accord::testing::TempDir dir_;
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<net::Server> server_;
  std::unique_ptr<net::Client> client_;
};

TEST_F(ProofsTest, AnHonestLogProvesEveryRecordAndExtendsEveryCheckpoint) {
  Append(1, 10);
  core::Checkpoint first = TakeCheckpoint();
  EXPECT_EQ(first.size, 10u);
  Append(11, 7);
  auto later = CheckConsistency(first, ConsistencySince(first.size), signer_->VerifierKey());
  ASSERT_TRUE(later.ok()) << later.error();
  EXPECT_EQ(later->size, 17u);
  for (uint64_t position = 0; position < 17; ++position) {
    auto now = CheckInclusion(InclusionOf(position, std::nullopt), signer_->VerifierKey());
    ASSERT_TRUE(now.ok()) << position << ": " << now.error();
    EXPECT_EQ(now->position(), position);
    if (position < 10) {
      accord::v1::InclusionProof proof = InclusionOf(position, first.size);
      EXPECT_EQ(proof.checkpoint().root_hash(), first.root_hash);
      EXPECT_TRUE(CheckInclusion(proof, signer_->VerifierKey()).ok()) << position;
    }
  }
  // By event id, as `accord prove` asks.
  Request by_id;
  by_id.mutable_get_inclusion_proof()->set_event_id(accord::testing::Uuid(5));
  Response response = Call(by_id);
  ASSERT_TRUE(response.has_inclusion_proof()) << response.DebugString();
  EXPECT_TRUE(
      CheckInclusion(response.inclusion_proof(), signer_->VerifierKey(), accord::testing::Uuid(5))
          .ok());
  EXPECT_FALSE(
      CheckInclusion(response.inclusion_proof(), signer_->VerifierKey(), accord::testing::Uuid(6))
          .ok());
}

TEST_F(ProofsTest, ForgedProofsAndForeignKeysAreRefused) {
  Append(1, 12);
  core::Checkpoint first = TakeCheckpoint();
  Append(13, 5);
  accord::v1::ConsistencyProof consistency = ConsistencySince(8);
  core::Checkpoint at8{first.origin, 8, {}};
  ASSERT_TRUE(store_->MerkleRoot(8, &at8.root_hash).ok());
  ASSERT_TRUE(CheckConsistency(at8, consistency, signer_->VerifierKey()).ok());
  for (int i = 0; i < consistency.hashes_size(); ++i) {
    accord::v1::ConsistencyProof forged = consistency;
    (*forged.mutable_hashes(i))[0] ^= 1;
    EXPECT_FALSE(CheckConsistency(at8, forged, signer_->VerifierKey()).ok()) << i;
  }
  accord::v1::InclusionProof inclusion = InclusionOf(6, std::nullopt);
  for (int i = 0; i < inclusion.hashes_size(); ++i) {
    accord::v1::InclusionProof forged = inclusion;
    (*forged.mutable_hashes(i))[5] ^= 1;
    EXPECT_FALSE(CheckInclusion(forged, signer_->VerifierKey()).ok()) << i;
  }
  accord::v1::InclusionProof wrong_position = inclusion;
  wrong_position.set_position(7);
  EXPECT_FALSE(CheckInclusion(wrong_position, signer_->VerifierKey()).ok());
  // A checkpoint whose fields claim another root than its signed note.
  accord::v1::InclusionProof swapped_root = inclusion;
  swapped_root.mutable_checkpoint()->set_root_hash(std::string(32, 'r'));
  EXPECT_FALSE(CheckInclusion(swapped_root, signer_->VerifierKey()).ok());
  // Signed by a key other than the one the auditor holds.
  auto stranger = core::NoteSigner::Generate("accord.test/log").value();
  auto refused = CheckInclusion(inclusion, stranger.VerifierKey());
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("signature"), std::string::npos) << refused.error();
}

// An insider with the server's disk and signing key rewrites record 5 and
// every record after it, re-chaining the hashes and rebuilding the Merkle
// tree, so that the store is consistent with itself: Verify passes. A
// checkpoint taken before, kept outside, exposes it.
TEST_F(ProofsTest, AForkedHistoryIsCaughtByAnEarlierCheckpoint) {
  Append(1, 10);
  core::Checkpoint before = TakeCheckpoint();
  std::string original_root5;
  std::string original_root6;
  ASSERT_TRUE(store_->MerkleRoot(5, &original_root5).ok());
  ASSERT_TRUE(store_->MerkleRoot(6, &original_root6).ok());
  Stop();
  {
    RawDb raw(dir_.path());
    ASSERT_TRUE(raw.status().ok());
    std::string prev_hash;
    for (uint64_t position = 0; position < 10; ++position) {
      accord::v1::LogEntry entry;
      ASSERT_TRUE(entry.ParseFromString(raw.Get(RawDb::kLog, raw.LogKey(position))));
      accord::v1::EventRecord record;
      ASSERT_TRUE(record.ParseFromString(entry.record()));
      if (position >= 5) {
        if (position == 5) record.set_actor("someone else");
        record.set_prev_hash(prev_hash);
        entry.set_record(record.SerializeAsString());
        entry.set_hash(Sha256(entry.record()));
        raw.Put(RawDb::kLog, raw.LogKey(position), entry.SerializeAsString());
      }
      prev_hash = entry.hash();
    }
    accord::v1::ChainHead head;
    ASSERT_TRUE(head.ParseFromString(raw.Get(RawDb::kMeta, "chain_head")));
    head.set_hash(prev_hash);
    head.clear_merkle_frontier();  // the next open rebuilds the tree from the forked log
    raw.Put(RawDb::kMeta, "chain_head", head.SerializeAsString());
  }
  // The store's reach file names the old record 9, so the forged folder is
  // refused; an intruder who knows deletes that file too.
  {
    std::unique_ptr<store::EventStore> forged;
    core::Status refused = store::EventStore::Open({}, dir_.path(), &forged);
    ASSERT_TRUE(refused.IsCorruption()) << refused.ToString();
    EXPECT_NE(refused.message().find("is not the one the log held"), std::string::npos);
  }
  std::filesystem::remove(dir_.path() + "/ACCORD-REACH");
  Start();
  store::VerifyReport report;
  core::Status verified = store_->Verify(&report);
  ASSERT_TRUE(verified.ok()) << "the fork is self-consistent: " << verified.ToString();
  Append(11, 2);

  auto later = CheckConsistency(before, ConsistencySince(before.size), signer_->VerifierKey());
  ASSERT_FALSE(later.ok());
  EXPECT_NE(later.error().find("does not extend the checkpointed log of 10"), std::string::npos)
      << later.error();
  // The forked record does not prove against the old root.
  accord::v1::InclusionProof forked = InclusionOf(5, before.size);
  EXPECT_NE(forked.checkpoint().root_hash(), before.root_hash);
  EXPECT_FALSE(core::VerifyInclusion(
      core::LeafHash(forked.leaf()), 5, before.size,
      std::vector<core::MerkleHash>(forked.hashes().begin(), forked.hashes().end()),
      before.root_hash));
  // The prefix before the fork is untouched: the trees of 5 records agree,
  // those of 6 do not.
  std::string root5;
  std::string root6;
  ASSERT_TRUE(store_->MerkleRoot(5, &root5).ok());
  ASSERT_TRUE(store_->MerkleRoot(6, &root6).ok());
  EXPECT_EQ(root5, original_root5);
  EXPECT_NE(root6, original_root6);
}

// A server whose log lost its tail: it cannot prove it extends the
// checkpoint, and a checkpoint it signs for fewer records is caught.
TEST_F(ProofsTest, DroppedRecordsAreCaught) {
  Append(1, 10);
  core::Checkpoint before = TakeCheckpoint();
  Request beyond;
  beyond.mutable_get_consistency_proof()->set_first_size(before.size + 2);
  Response refused = Call(beyond);
  ASSERT_TRUE(refused.has_error()) << refused.DebugString();
  EXPECT_EQ(refused.error().code(), accord::v1::INVALID_ARGUMENT);
  EXPECT_NE(refused.error().message().find("positions 10 to 11 were dropped"), std::string::npos)
      << refused.error().message();

  Request smaller;
  smaller.mutable_get_checkpoint()->set_size(6);
  Response signed_smaller = Call(smaller);
  ASSERT_TRUE(signed_smaller.has_checkpoint());
  accord::v1::ConsistencyProof shrunk;
  shrunk.set_first_size(before.size);
  *shrunk.mutable_checkpoint() = signed_smaller.checkpoint();
  auto checked = CheckConsistency(before, shrunk, signer_->VerifierKey());
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.error().find("records were dropped"), std::string::npos) << checked.error();
}

}  // namespace
}  // namespace accord::core
