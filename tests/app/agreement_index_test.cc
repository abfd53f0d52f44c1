#include "app/agreement_index.h"

#include <gtest/gtest.h>

#include <atomic>

#include "store/coding.h"
#include "tests/testing/builders.h"
#include "tests/testing/forwarding_store.h"
#include "tests/testing/temp_dir.h"

namespace accord::app {
namespace {

using accord::testing::CommandBuilder;

// A store that reads through another, with ReadStored failing (IOError)
// from its `fail_from`-th call on: a disk that fails in the middle of a
// long read.
class FailingReads : public accord::testing::ForwardingStore {
 public:
  FailingReads(store::EventStore* inner, int fail_from)
      : ForwardingStore(inner), fail_from_(fail_from) {}

  core::Status ReadStored(uint64_t from_position, size_t max_count, size_t max_bytes,
                          store::StoredPage* page) const override {
    if (++reads_ >= fail_from_) return core::Status::IOError("the disk failed mid-read");
    return inner_->ReadStored(from_position, max_count, max_bytes, page);
  }
  int reads() const { return reads_.load(); }

 private:
  int fail_from_;
  mutable std::atomic<int> reads_{0};
};

class AgreementIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store::EventStore::Open({}, dir_.path(), &store_).ok());
    handler_ = std::make_unique<CommandHandler>(store_.get());
  }

  void MustLog(const accord::v1::Command& command) {
    auto logged = handler_->Log(command, "clerk");
    ASSERT_TRUE(logged.ok()) << logged.error().Message();
  }

  // Three agreements: a (agreed; cospar, apsco), b (proposed; cospar, apsco,
  // isnet), c (signed; cospar, apsco).
  void LogThree() {
    CommandBuilder a("a-mou", 100);
    MustLog(a.Propose());
    MustLog(a.Terms());
    CommandBuilder b("b-mou", 200);
    accord::v1::Command proposal = b.Propose();
    *proposal.mutable_milestone()->mutable_agreement_proposed()->add_parties() =
        accord::testing::MakeParty("isnet", "ISNET", accord::v1::Party::OBSERVER);
    MustLog(proposal);
    CommandBuilder c("c-mou", 300);
    MustLog(c.Propose());
    MustLog(c.Terms());
    MustLog(c.Sign("cospar"));
    MustLog(c.Sign("apsco"));
  }

  std::vector<std::string> Find(const AgreementIndex& index, accord::v1::AgreementStage stage,
                                const std::string& party = "", size_t page = 10) {
    std::vector<std::string> all;
    std::string after;
    for (int pages = 0; pages < 10; ++pages) {
      std::vector<std::string> ids;
      bool end = false;
      EXPECT_TRUE(index.Find(stage, party, after, page, &ids, &end).ok());
      all.insert(all.end(), ids.begin(), ids.end());
      if (end || ids.empty()) break;
      after = ids.back();
    }
    return all;
  }

  std::vector<std::pair<std::string, std::string>> Snapshot() {
    std::vector<std::pair<std::string, std::string>> entries;
    EXPECT_TRUE(store_->ScanProjectionState("agreements/", "", 100000, &entries).ok());
    return entries;
  }

  // Reopens the store without syncing each append, for tests that log
  // thousands of commands.
  void ReopenUnsynced() {
    handler_.reset();
    store_.reset();
    store::StoreOptions options;
    options.sync = false;
    ASSERT_TRUE(store::EventStore::Open(options, dir_.path(), &store_).ok());
    handler_ = std::make_unique<CommandHandler>(store_.get());
  }

  // `agreements` agreements, their events interleaved: each is proposed,
  // then each agrees terms, then each is signed by both parties, one round
  // after another (4 events each, in 4 rounds).
  void LogInterleaved(int agreements) {
    std::vector<CommandBuilder> builders;
    builders.reserve(static_cast<size_t>(agreements));
    for (int a = 0; a < agreements; ++a) {
      builders.emplace_back("mix-" + std::to_string(a), 20000 + 10 * static_cast<uint64_t>(a));
    }
    for (auto& b : builders) MustLog(b.Propose());
    for (auto& b : builders) MustLog(b.Terms());
    for (auto& b : builders) MustLog(b.Sign("cospar"));
    for (int a = 0; a < agreements; ++a) {
      // Half of them fully signed, half left partially signed with a note.
      if (a % 2 == 0) {
        MustLog(builders[static_cast<size_t>(a)].Sign("apsco"));
      } else {
        MustLog(builders[static_cast<size_t>(a)].Note("awaiting apsco"));
      }
    }
  }

  accord::testing::TempDir dir_;
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<CommandHandler> handler_;
};

TEST_F(AgreementIndexTest, FindsAgreementsByStageAndParty) {
  LogThree();
  AgreementIndex index(store_.get());
  ASSERT_TRUE(index.Open().ok());
  EXPECT_EQ(Find(index, accord::v1::AGREEMENT_STAGE_UNSPECIFIED),
            (std::vector<std::string>{"a-mou", "b-mou", "c-mou"}));
  EXPECT_EQ(Find(index, accord::v1::AGREEMENT_STAGE_UNSPECIFIED, "", 1),
            (std::vector<std::string>{"a-mou", "b-mou", "c-mou"}))
      << "one per page";
  EXPECT_EQ(Find(index, accord::v1::AGREED), (std::vector<std::string>{"a-mou"}));
  EXPECT_EQ(Find(index, accord::v1::SIGNED), (std::vector<std::string>{"c-mou"}));
  EXPECT_EQ(Find(index, accord::v1::AGREEMENT_STAGE_UNSPECIFIED, "isnet"),
            (std::vector<std::string>{"b-mou"}));
  EXPECT_EQ(Find(index, accord::v1::SIGNED, "cospar"), (std::vector<std::string>{"c-mou"}));
  EXPECT_EQ(index.checkpoint(), store_->Head().next_position);
}

TEST_F(AgreementIndexTest, MovesAnAgreementBetweenStagesAsItProgresses) {
  CommandBuilder a("a-mou", 100);
  MustLog(a.Propose());
  AgreementIndex index(store_.get());
  ASSERT_TRUE(index.Open().ok());
  EXPECT_EQ(Find(index, accord::v1::PROPOSED), (std::vector<std::string>{"a-mou"}));
  MustLog(a.Terms());
  ASSERT_TRUE(index.CatchUp().ok());
  EXPECT_TRUE(Find(index, accord::v1::PROPOSED).empty()) << "the old stage entry is gone";
  EXPECT_EQ(Find(index, accord::v1::AGREED), (std::vector<std::string>{"a-mou"}));
}

TEST_F(AgreementIndexTest, VerifyChecksEveryEntryAgainstTheLogAndNamesWhatDisagrees) {
  AgreementIndex index(store_.get());
  ASSERT_TRUE(index.Open().ok());
  LogThree();
  ASSERT_TRUE(index.CatchUp().ok());
  uint64_t checked = 0;
  core::Status s = index.Verify(&checked);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(checked, 3u);

  // An entry rewritten to another stage.
  std::string stored;
  ASSERT_TRUE(store_->GetProjectionState("agreements/entry/a-mou", &stored).ok());
  accord::v1::AgreementIndexEntry entry;
  ASSERT_TRUE(entry.ParseFromString(stored));
  entry.set_stage(accord::v1::SIGNED);
  ASSERT_TRUE(store_->PutProjectionState("agreements/entry/a-mou", entry.SerializeAsString()).ok());
  s = index.Verify(&checked);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("'a-mou'"), std::string::npos) << s.ToString();
  ASSERT_TRUE(store_->PutProjectionState("agreements/entry/a-mou", stored).ok());
  EXPECT_TRUE(index.Verify(&checked).ok());

  // A key the log does not give.
  ASSERT_TRUE(store_->PutProjectionState("agreements/party/ghost/a-mou", "").ok());
  s = index.Verify(&checked);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("ghost"), std::string::npos) << s.ToString();
}

TEST_F(AgreementIndexTest, ARebuildFromTheLogEqualsTheIndexBuiltAsItGrew) {
  AgreementIndex index(store_.get());
  ASSERT_TRUE(index.Open().ok());
  CommandBuilder z("z-mou", 900);
  MustLog(z.Propose());
  ASSERT_TRUE(index.CatchUp().ok());
  LogThree();
  ASSERT_TRUE(index.CatchUp().ok());
  MustLog(z.Withdraw());
  ASSERT_TRUE(index.CatchUp().ok());
  auto incremental = Snapshot();
  ASSERT_FALSE(incremental.empty());

  ASSERT_TRUE(index.Rebuild().ok());
  EXPECT_EQ(Snapshot(), incremental);
}

// More agreements than the index keeps folded, their events interleaved
// (as several clients, or `accord log --window`, log them): each entry is
// kept, none left stale behind the checkpoint.
TEST_F(AgreementIndexTest, ManyAgreementsInterleavedInOnePageAreEachIndexed) {
  AgreementIndex index(store_.get());
  ASSERT_TRUE(index.Open().ok());
  constexpr int kAgreements = 1500;  // more than AgreementIndex::kMaxFolded
  std::vector<CommandBuilder> builders;
  builders.reserve(kAgreements);
  for (int a = 0; a < kAgreements; ++a) {
    builders.emplace_back("many-" + std::to_string(a), 10000 + 10 * static_cast<uint64_t>(a));
  }
  ASSERT_TRUE(index.CatchUp().ok());
  for (auto& b : builders) MustLog(b.Propose());
  ASSERT_TRUE(index.CatchUp().ok());
  for (auto& b : builders) MustLog(b.Terms());  // every one moves on in the same pages
  ASSERT_TRUE(index.CatchUp().ok());
  uint64_t checked = 0;
  core::Status verified = index.Verify(&checked);
  EXPECT_TRUE(verified.ok()) << verified.ToString();
  EXPECT_EQ(checked, static_cast<uint64_t>(kAgreements));
  EXPECT_EQ(Find(index, accord::v1::AGREED, "", 2000).size(), static_cast<size_t>(kAgreements));
}

// A log longer than one read (AgreementIndex::kReadPage records, so that
// reading runs ahead on a thread of its own) over more agreements than the
// index keeps folded, interleaved: a rebuild, and a fresh index catching up
// from position 0, each give exactly the index built as the log grew.
TEST_F(AgreementIndexTest, ARebuildOfALongInterleavedLogEqualsTheIndexBuiltAsItGrew) {
  ReopenUnsynced();
  AgreementIndex grown(store_.get());
  ASSERT_TRUE(grown.Open().ok());
  constexpr int kAgreements = 2500;  // 10,000 events, over 1,024 agreements
  LogInterleaved(kAgreements / 2);
  ASSERT_TRUE(grown.CatchUp().ok());  // caught up half way, then at the end
  std::vector<CommandBuilder> more;
  for (int a = kAgreements / 2; a < kAgreements; ++a) {
    more.emplace_back("mix-" + std::to_string(a), 20000 + 10 * static_cast<uint64_t>(a));
  }
  for (auto& b : more) MustLog(b.Propose());
  for (auto& b : more) MustLog(b.Terms());
  for (auto& b : more) MustLog(b.Sign("apsco"));
  for (auto& b : more) MustLog(b.Sign("cospar"));
  ASSERT_TRUE(grown.CatchUp().ok());
  ASSERT_EQ(store_->Head().next_position, 4u * kAgreements);
  auto incremental = Snapshot();
  ASSERT_EQ(Find(grown, accord::v1::SIGNED, "", 5000).size(),
            static_cast<size_t>(kAgreements / 4 + kAgreements / 2));
  ASSERT_EQ(Find(grown, accord::v1::PARTIALLY_SIGNED, "", 5000).size(),
            static_cast<size_t>(kAgreements / 4));

  ASSERT_TRUE(grown.Rebuild().ok());
  EXPECT_EQ(grown.checkpoint(), 4u * kAgreements);
  EXPECT_EQ(Snapshot(), incremental) << "a rebuild";
  uint64_t checked = 0;
  core::Status verified = grown.Verify(&checked);
  EXPECT_TRUE(verified.ok()) << verified.ToString();
  EXPECT_EQ(checked, static_cast<uint64_t>(kAgreements));

  ASSERT_TRUE(store_->PutProjectionState("agreements/version", "0").ok());
  AgreementIndex fresh(store_.get());
  ASSERT_TRUE(fresh.Open().ok());
  EXPECT_EQ(fresh.events_processed(), 4u * kAgreements) << "caught up from position 0";
  EXPECT_EQ(Snapshot(), incremental) << "a catch-up from position 0";
}

// A read that fails in the middle of a rebuild (a disk error on the thread
// reading ahead) stops it with that error, after writing the pages before
// it with their checkpoint: the index reopened resumes from there, reads
// only the rest, and ends as a whole rebuild does.
TEST_F(AgreementIndexTest, ARebuildInterruptedByAReadErrorResumesFromItsCheckpoint) {
  ReopenUnsynced();
  LogInterleaved(3000);  // 12,000 events: three reads and a bit
  const uint64_t head = store_->Head().next_position;
  {
    FailingReads failing(store_.get(), 3);  // the first two reads succeed
    AgreementIndex index(&failing);
    core::Status s = index.Rebuild();
    EXPECT_EQ(s.code(), core::Status::Code::kIOError) << s.ToString();
    EXPECT_GT(index.checkpoint(), 0u) << "the pages read before the error are kept";
    EXPECT_LT(index.checkpoint(), head);
    EXPECT_EQ(index.events_processed(), index.checkpoint());
  }
  std::string stored;
  ASSERT_TRUE(store_->GetProjectionState("agreements/checkpoint", &stored).ok());
  const uint64_t interrupted_at = store::DecodeFixed64BE(stored);
  ASSERT_GT(interrupted_at, 0u);
  ASSERT_LT(interrupted_at, head);

  AgreementIndex resumed(store_.get());
  ASSERT_TRUE(resumed.Open().ok());
  EXPECT_EQ(resumed.events_processed(), head - interrupted_at) << "only the rest is read";
  EXPECT_EQ(resumed.checkpoint(), head);
  uint64_t checked = 0;
  core::Status verified = resumed.Verify(&checked);
  EXPECT_TRUE(verified.ok()) << verified.ToString();
  EXPECT_EQ(checked, 3000u);
  auto after_resume = Snapshot();
  ASSERT_TRUE(resumed.Rebuild().ok());
  EXPECT_EQ(Snapshot(), after_resume);
}

TEST_F(AgreementIndexTest, ResumesFromItsCheckpointAndRebuildsOnANewVersion) {
  LogThree();
  {
    AgreementIndex index(store_.get());
    ASSERT_TRUE(index.Open().ok());
    EXPECT_EQ(index.events_processed(), 7u);
  }
  CommandBuilder d("d-mou", 400);
  MustLog(d.Propose());
  {
    AgreementIndex index(store_.get());
    ASSERT_TRUE(index.Open().ok());
    EXPECT_EQ(index.events_processed(), 1u) << "only what was logged since the checkpoint";
    EXPECT_EQ(Find(index, accord::v1::PROPOSED), (std::vector<std::string>{"b-mou", "d-mou"}));
  }
  ASSERT_TRUE(store_->PutProjectionState("agreements/version", "0").ok());
  AgreementIndex index(store_.get());
  ASSERT_TRUE(index.Open().ok());
  EXPECT_EQ(index.events_processed(), 8u) << "another version of the code rebuilds";
  EXPECT_EQ(Find(index, accord::v1::PROPOSED), (std::vector<std::string>{"b-mou", "d-mou"}));
}

}  // namespace
}  // namespace accord::app
