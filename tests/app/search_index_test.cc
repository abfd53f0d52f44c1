// The search index projection (app/search_index.h) over the COSPAR-APSCO
// MoU's events: what it finds and how a hit names the event, and that it is
// a projection like the agreement index: resumed from its checkpoint,
// rebuilt equal from position 0, rebuilt on a new version or a lost or
// damaged folder.
#include "app/search_index.h"

#include <gtest/gtest.h>
#include <xapian.h>

#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>

#include "app/command_handler.h"
#include "core/hash.h"
#include "tests/testing/builders.h"
#include "tests/testing/temp_dir.h"

namespace accord::app {
namespace {

using accord::testing::CommandBuilder;

// The commands of one of examples/*.ndjson.
std::vector<accord::v1::Command> Example(const std::string& name) {
  std::ifstream in(std::string(ACCORD_EXAMPLES_DIR) + "/" + name);
  std::vector<accord::v1::Command> commands;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    accord::v1::Command command;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &command).ok()) << line;
    commands.push_back(std::move(command));
  }
  EXPECT_FALSE(commands.empty()) << name;
  return commands;
}

// Everything a Xapian database holds, one line each: each document's data,
// values and terms (with their within-document frequencies and positions),
// and every metadata entry. Two indexes are the same when these are.
std::string Dump(const std::string& directory) {
  Xapian::Database db(directory);
  std::string out = fmt::format("documents {} last {}\n", db.get_doccount(), db.get_lastdocid());
  for (auto id = db.postlist_begin(""); id != db.postlist_end(""); ++id) {
    Xapian::Document document = db.get_document(*id);
    out += fmt::format("doc {} data {}\n", *id, core::HexEncode(document.get_data()));
    for (auto value = document.values_begin(); value != document.values_end(); ++value) {
      out += fmt::format("  value {} {}\n", value.get_valueno(), core::HexEncode(*value));
    }
    for (auto term = document.termlist_begin(); term != document.termlist_end(); ++term) {
      out += fmt::format("  term {} wdf {} at", *term, term.get_wdf());
      for (auto at = term.positionlist_begin(); at != term.positionlist_end(); ++at) {
        out += fmt::format(" {}", *at);
      }
      out += "\n";
    }
  }
  for (auto key = db.metadata_keys_begin(); key != db.metadata_keys_end(); ++key) {
    out += fmt::format("metadata {} = {}\n", *key, db.get_metadata(*key));
  }
  return out;
}

class SearchIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store::EventStore::Open({}, dir_.Sub("data"), &store_).ok());
    handler_ = std::make_unique<CommandHandler>(store_.get());
  }

  void MustLog(const accord::v1::Command& command) {
    auto logged = handler_->Log(command, "legal-affairs");
    ASSERT_TRUE(logged.ok()) << logged.error().Message();
  }

  void LogTheMou() {
    for (const auto& command : Example("cospar-apsco-mou.ndjson")) MustLog(command);
  }

  // An index in `folder`, opened and caught up; *rebuilt says why it
  // started afresh.
  std::unique_ptr<SearchIndex> OpenIndex(const std::string& folder = "search",
                                         std::string* rebuilt = nullptr) {
    auto index = std::make_unique<SearchIndex>(store_.get(), dir_.Sub(folder));
    core::Status s = index->Open(rebuilt);
    EXPECT_TRUE(s.ok()) << s.ToString();
    s = index->CatchUp();
    EXPECT_TRUE(s.ok()) << s.ToString();
    return index;
  }

  accord::v1::SearchResults Find(SearchIndex& index, const std::string& query,
                                 const std::string& agreement = "") {
    accord::v1::Search search;
    search.set_query(query);
    search.set_agreement_id(agreement);
    accord::v1::SearchResults results;
    core::Status s = index.Search(search, &results);
    EXPECT_TRUE(s.ok()) << query << ": " << s.ToString();
    return results;
  }

  // The event ids of the hits.
  std::vector<std::string> EventIds(const accord::v1::SearchResults& results) {
    std::vector<std::string> ids;
    for (const auto& hit : results.hits()) ids.push_back(hit.event_id());
    return ids;
  }

  // The record the log holds at `position`.
  accord::v1::EventRecord RecordAt(uint64_t position) {
    store::ReadPage page;
    EXPECT_TRUE(store_->ReadAll(position, 1, &page).ok());
    EXPECT_EQ(page.records.size(), 1u);
    return page.records.empty() ? accord::v1::EventRecord() : page.records.front();
  }

  accord::testing::TempDir dir_;
  std::unique_ptr<store::EventStore> store_;
  std::unique_ptr<CommandHandler> handler_;
};

constexpr char kVisit[] = "c05a0000-0000-4000-8000-000000000002";
constexpr char kTerms[] = "c05a0000-0000-4000-8000-000000000003";
constexpr char kNote[] = "c05a0000-0000-4000-8000-000000000007";
constexpr char kMouTitle[] = "Memorandum of Understanding between COSPAR and APSCO";

TEST_F(SearchIndexTest, FindsTheVisitByADelegatesNameAndTheHitNamesTheEvent) {
  LogTheMou();
  auto index = OpenIndex();
  // Mr. Niklas Hedman, COSPAR's General Counsel, was of the visit's delegation.
  accord::v1::SearchResults results = Find(*index, "Hedman");
  ASSERT_EQ(EventIds(results), std::vector<std::string>{kVisit});
  EXPECT_EQ(results.estimated_total(), 1u);
  const accord::v1::SearchHit& hit = results.hits(0);
  EXPECT_EQ(hit.agreement_id(), "cospar-apsco-mou");
  EXPECT_EQ(hit.agreement_title(), kMouTitle);
  EXPECT_EQ(hit.event_type(), "accord.v1.VisitHeld");
  EXPECT_EQ(hit.field(), "delegation");
  // The snippet is the delegate who matched.
  EXPECT_EQ(hit.snippet(), "Mr. Niklas <mark>Hedman</mark>; COSPAR General Counsel; cospar");
  // The position is the event's in the log.
  accord::v1::EventRecord record = RecordAt(hit.position());
  EXPECT_EQ(record.event_id(), kVisit);
  EXPECT_EQ(record.stream_id(), "cospar-apsco-mou");
}

TEST_F(SearchIndexTest, FindsByAStemmedWordAPhraseAndAPrefix) {
  LogTheMou();
  auto index = OpenIndex();
  // English stems: "contributing" finds the visit's topic "historical
  // contributions", "embarked" the note's "embarking".
  accord::v1::SearchResults stemmed = Find(*index, "contributing");
  ASSERT_EQ(EventIds(stemmed), std::vector<std::string>{kVisit});
  EXPECT_EQ(stemmed.hits(0).field(), "topic");
  EXPECT_EQ(stemmed.hits(0).snippet(),
            "COSPAR's historical <mark>contributions</mark>, particularly Planetary Protection, "
            "and its panels (Mr. Hedman)");
  accord::v1::SearchResults note = Find(*index, "embarked");
  ASSERT_EQ(EventIds(note), std::vector<std::string>{kNote});
  EXPECT_EQ(note.hits(0).field(), "note");
  EXPECT_EQ(note.hits(0).event_type(), "accord.v1.NoteAdded");

  // A phrase: in that order only. The visit names "Mr. Xu Yansong" twice.
  EXPECT_EQ(EventIds(Find(*index, "\"Xu Yansong\"")), std::vector<std::string>{kVisit});
  EXPECT_TRUE(Find(*index, "\"Yansong Xu\"").hits().empty());
  // "Train the Trainers program": the visit's outcomes and the terms'
  // commitments; each hit names the field it is in.
  accord::v1::SearchResults phrase = Find(*index, "\"Train the Trainers program\"");
  std::set<std::pair<std::string, std::string>> found;
  for (const auto& hit : phrase.hits()) found.emplace(hit.event_id(), hit.field());
  EXPECT_EQ(found, (std::set<std::pair<std::string, std::string>>{{kVisit, "outcome"},
                                                                  {kTerms, "commitment"}}));

  // A prefix.
  EXPECT_EQ(EventIds(Find(*index, "Hedm*")), std::vector<std::string>{kVisit});
  // Every word must match (AND), whichever field it is in.
  EXPECT_EQ(EventIds(Find(*index, "Hedman Beijing")), std::vector<std::string>{kVisit});
  EXPECT_TRUE(Find(*index, "Hedman Sharjah").hits().empty());
  std::vector<std::string> ehrenfreund = EventIds(Find(*index, "Ehrenfreund"));
  EXPECT_EQ(std::set<std::string>(ehrenfreund.begin(), ehrenfreund.end()),
            (std::set<std::string>{kVisit, kNote}));
  // The place, by its city.
  accord::v1::SearchResults place = Find(*index, "Beijing");
  ASSERT_FALSE(place.hits().empty());
  bool place_hit = false;
  for (const auto& hit : place.hits()) place_hit |= hit.field() == "place";
  EXPECT_TRUE(place_hit);
}

TEST_F(SearchIndexTest, FiltersByAgreementAndNamesTheFieldOfEachKindOfEvent) {
  LogTheMou();
  CommandBuilder other("other-mou", 500);
  MustLog(other.Propose());  // the same title and parties, another agreement
  MustLog(other.Note("The legal office awaits the signed copy from Beijing"));
  auto index = OpenIndex();
  EXPECT_EQ(Find(*index, "\"Committee on Space Research\"").hits_size(), 2);
  accord::v1::SearchResults only = Find(*index, "\"Committee on Space Research\"", "other-mou");
  ASSERT_EQ(only.hits_size(), 1);
  EXPECT_EQ(only.hits(0).agreement_id(), "other-mou");
  EXPECT_EQ(only.hits(0).field(), "party");
  accord::v1::SearchResults note = Find(*index, "awaits");
  ASSERT_EQ(note.hits_size(), 1);
  EXPECT_EQ(note.hits(0).field(), "note");
  EXPECT_EQ(note.hits(0).event_type(), "accord.v1.NoteAdded");
  EXPECT_EQ(Find(*index, "memorandum", "no-such-agreement").hits_size(), 0);
  // The date an event took effect, as it reads.
  accord::v1::SearchResults july = Find(*index, "july", "other-mou");
  ASSERT_EQ(july.hits_size(), 1);
  EXPECT_EQ(july.hits(0).field(), "date");
  EXPECT_EQ(july.hits(0).snippet(), "<mark>July</mark> 2024");
  // The kind of event, in words.
  accord::v1::SearchResults proposed = Find(*index, "proposed", "other-mou");
  ASSERT_EQ(proposed.hits_size(), 1);
  EXPECT_EQ(proposed.hits(0).field(), "event");
}

TEST_F(SearchIndexTest, ACorrectedTitleIsTheTitleHitsCarryAndItsWordsAreFound) {
  CommandBuilder b;
  accord::v1::Command proposal = b.Propose();
  MustLog(proposal);
  accord::v1::Command correction = b.Base({});
  auto* corrected = correction.mutable_milestone()->mutable_event_corrected();
  corrected->set_corrected_event_id(proposal.event_id());
  corrected->add_fields("title");
  *corrected->mutable_replacement() = proposal.milestone();
  corrected->mutable_replacement()->mutable_agreement_proposed()->set_title(
      "COSPAR-APSCO Memorandum on Space Science");
  corrected->set_reason("the title as signed");
  corrected->set_source("the signed copy");
  MustLog(correction);
  auto index = OpenIndex();
  accord::v1::SearchResults results = Find(*index, "\"space science\"");
  ASSERT_EQ(results.hits_size(), 1);
  EXPECT_EQ(results.hits(0).event_id(), correction.event_id());
  EXPECT_EQ(results.hits(0).field(), "title");
  EXPECT_EQ(results.hits(0).agreement_title(), "COSPAR-APSCO Memorandum on Space Science");
  EXPECT_EQ(Find(*index, "signed").hits(0).field(), "reason");
}

TEST_F(SearchIndexTest, RefusesAnEmptyOrOverlongQueryNamingTheLimit) {
  LogTheMou();
  auto index = OpenIndex();
  accord::v1::Search search;
  accord::v1::SearchResults results;
  for (const char* empty : {"", "   "}) {
    search.set_query(empty);
    core::Status s = index->Search(search, &results);
    EXPECT_EQ(s.code(), core::Status::Code::kInvalidArgument) << s.ToString();
  }
  search.set_query(std::string(kMaxSearchQueryChars, 'a'));
  EXPECT_TRUE(index->Search(search, &results).ok());
  search.set_query(std::string(kMaxSearchQueryChars + 1, 'a'));
  core::Status s = index->Search(search, &results);
  EXPECT_EQ(s.code(), core::Status::Code::kInvalidArgument);
  EXPECT_NE(s.ToString().find("over the limit of 500"), std::string::npos) << s.ToString();
}

TEST_F(SearchIndexTest, LimitsTheHitsAndEstimatesTheTotal) {
  for (int i = 0; i < 30; ++i) {
    CommandBuilder b(fmt::format("mou-{:02}", i), 1000 * (i + 1));
    MustLog(b.Propose());
  }
  auto index = OpenIndex();
  accord::v1::Search search;
  search.set_query("memorandum");
  accord::v1::SearchResults results;
  ASSERT_TRUE(index->Search(search, &results).ok());
  EXPECT_EQ(results.hits_size(), static_cast<int>(kDefaultSearchHits));
  EXPECT_EQ(results.estimated_total(), 30u);
  search.set_limit(5);
  ASSERT_TRUE(index->Search(search, &results).ok());
  EXPECT_EQ(results.hits_size(), 5);
}

TEST_F(SearchIndexTest, FindsWhatWasJustLoggedWithoutWaitingForTheCatchUp) {
  auto index = OpenIndex();
  LogTheMou();
  EXPECT_EQ(EventIds(Find(*index, "Hedman")), std::vector<std::string>{kVisit});
}

TEST_F(SearchIndexTest, ResumesFromItsCheckpointReadingOnlyTheTail) {
  LogTheMou();
  const uint64_t logged = store_->Head().next_position;
  std::string rebuilt;
  {
    auto index = OpenIndex("search", &rebuilt);
    EXPECT_EQ(rebuilt, "it holds no index yet");
    EXPECT_EQ(index->checkpoint(), logged);
    EXPECT_EQ(index->events_processed(), logged);
  }
  CommandBuilder b(accord::testing::kMou, 9000);
  MustLog(b.Note("A note about the Hedman letter"));
  auto index = OpenIndex("search", &rebuilt);
  EXPECT_EQ(rebuilt, "") << "resumed";
  EXPECT_EQ(index->events_processed(), 1u) << "only the tail was read";
  EXPECT_EQ(index->checkpoint(), logged + 1);
  EXPECT_EQ(Find(*index, "Hedman").hits_size(), 2);
  EXPECT_TRUE(index->Verify().ok());
}

TEST_F(SearchIndexTest, ARebuildFromPositionZeroEqualsTheIndexBuiltAsTheLogGrew) {
  // Live: the index follows each command as it is logged, and a title
  // correction on the way.
  auto live = OpenIndex("live");
  for (const auto& command : Example("cospar-apsco-mou.ndjson")) {
    MustLog(command);
    ASSERT_TRUE(live->CatchUp().ok());
  }
  for (const auto& command : Example("open-arrangement.ndjson")) MustLog(command);
  ASSERT_TRUE(live->CatchUp().ok());
  for (const auto& command : Example("apsco-convention.ndjson")) {
    MustLog(command);
    if (command.event_id().back() % 3 == 0) {
      ASSERT_TRUE(live->CatchUp().ok());
    }
  }
  ASSERT_TRUE(live->CatchUp().ok());
  live.reset();

  auto rebuilt = OpenIndex("rebuilt");
  EXPECT_EQ(rebuilt->checkpoint(), store_->Head().next_position);
  rebuilt.reset();
  const std::string dump = Dump(dir_.Sub("live"));
  EXPECT_EQ(dump, Dump(dir_.Sub("rebuilt")));
  EXPECT_NE(dump.find("metadata title/cospar-apsco-mou = " + std::string(kMouTitle)),
            std::string::npos);

  // Rebuild() on the live one gives the same again.
  auto again = OpenIndex("live");
  ASSERT_TRUE(again->Rebuild().ok());
  again.reset();
  EXPECT_EQ(Dump(dir_.Sub("live")), dump);
}

TEST_F(SearchIndexTest, AnotherVersionIsRebuilt) {
  LogTheMou();
  OpenIndex().reset();
  const std::string before = Dump(dir_.Sub("search"));
  {
    Xapian::WritableDatabase db(dir_.Sub("search"));
    db.set_metadata("version", "0");
    db.delete_document(1);  // and something the rebuild must restore
    db.commit();
  }
  std::string rebuilt;
  auto index = OpenIndex("search", &rebuilt);
  EXPECT_EQ(rebuilt,
            fmt::format("it was written by version 0, this is version {}", SearchIndex::kVersion));
  index.reset();
  EXPECT_EQ(Dump(dir_.Sub("search")), before);
}

TEST_F(SearchIndexTest, AMissingOrDamagedFolderIsRebuilt) {
  LogTheMou();
  OpenIndex().reset();
  const std::string folder = dir_.Sub("search");
  const std::string before = Dump(folder);

  std::filesystem::remove_all(folder);
  std::string rebuilt;
  OpenIndex("search", &rebuilt).reset();
  EXPECT_EQ(rebuilt, "it holds no index yet");
  EXPECT_EQ(Dump(folder), before);

  // Xapian's own version file overwritten.
  {
    std::ofstream damage(folder + "/iamglass", std::ios::binary | std::ios::trunc);
    damage << "not a glass database";
  }
  auto index = OpenIndex("search", &rebuilt);
  EXPECT_EQ(rebuilt.rfind("it does not open: ", 0), 0u) << rebuilt;
  EXPECT_EQ(EventIds(Find(*index, "Hedman")), std::vector<std::string>{kVisit});
  index.reset();
  EXPECT_EQ(Dump(folder), before);
}

TEST_F(SearchIndexTest, AnIndexOfAnotherLogIsRebuilt) {
  LogTheMou();
  // Another data folder with a shorter log, and one as long with other
  // records: the index of this one belongs to neither.
  for (bool shorter : {true, false}) {
    SCOPED_TRACE(shorter ? "shorter" : "as long");
    OpenIndex().reset();
    accord::testing::TempDir other_dir;
    std::unique_ptr<store::EventStore> other;
    ASSERT_TRUE(store::EventStore::Open({}, other_dir.path(), &other).ok());
    CommandHandler other_handler(other.get());
    const uint64_t length = shorter ? 2 : store_->Head().next_position;
    CommandBuilder b("another", 7000);
    ASSERT_TRUE(other_handler.Log(b.Propose(), "clerk").ok());
    while (other->Head().next_position < length) {
      ASSERT_TRUE(other_handler.Log(b.Note("another note"), "clerk").ok());
    }
    SearchIndex index(other.get(), dir_.Sub("search"));
    std::string rebuilt;
    ASSERT_TRUE(index.Open(&rebuilt).ok());
    EXPECT_EQ(rebuilt, shorter ? fmt::format("its checkpoint {} is past the log's 2 records",
                                             store_->Head().next_position)
                               : fmt::format("the log's record at position {} is not the one it "
                                             "indexed",
                                             length - 1));
    ASSERT_TRUE(index.CatchUp().ok());
    accord::v1::SearchResults results = Find(index, "note");
    EXPECT_EQ(results.estimated_total(), length - 1);
    EXPECT_TRUE(Find(index, "Hedman").hits().empty());
  }
}

TEST_F(SearchIndexTest, NeverEmptiesAFolderThatHoldsOtherFiles) {
  const std::string folder = dir_.Sub("not-an-index");
  std::filesystem::create_directories(folder);
  { std::ofstream(folder + "/precious.txt") << "keep me"; }
  SearchIndex index(store_.get(), folder);
  core::Status s = index.Open();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("precious.txt"), std::string::npos) << s.ToString();
  EXPECT_TRUE(std::filesystem::exists(folder + "/precious.txt"));
}

TEST(SnippetAsText, DropsTheMarksAndUnescapes) {
  EXPECT_EQ(SnippetAsText("Prof. <mark>Ehrenfreund</mark> &amp; APSCO &lt;HQ&gt;"),
            "Prof. Ehrenfreund & APSCO <HQ>");
}

}  // namespace
}  // namespace accord::app
