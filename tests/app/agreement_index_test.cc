#include "app/agreement_index.h"

#include <gtest/gtest.h>

#include "tests/testing/builders.h"
#include "tests/testing/temp_dir.h"

namespace accord::app {
namespace {

using accord::testing::CommandBuilder;

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
