// Damage to a store's files after the fact (a flipped bit, a cut or deleted
// file) never makes the store serve a log without acknowledged records: the
// open is refused with Corruption naming the file, the damage and the
// positions; only a torn final record of a write that was never
// acknowledged is dropped. Salvage copies out what is intact, on purpose,
// and says what it lost.
//
// Every append here is synced and nothing is flushed: closing the store does
// not flush its memtables (RocksDB flushes on close only what has no WAL),
// so the records live only in the write-ahead log, as after a server stop.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "store/event_store.h"
#include "tests/testing/builders.h"
#include "tests/testing/raw_db.h"
#include "tests/testing/temp_dir.h"

namespace accord::store {
namespace {

namespace fs = std::filesystem;
using accord::testing::RawEvent;

constexpr int kEvents = 120;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::vector<std::string> FilesEndingIn(const std::string& dir, const std::string& extension) {
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == extension) files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string Note(int i) { return fmt::format("event-{:04d}", i); }

class WalDamageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = dir_.Sub("data");
    Append(0, kEvents);
    ASSERT_TRUE(FilesEndingIn(data_, ".sst").empty()) << "the records must be only in the WAL";
    ASSERT_EQ(FilesEndingIn(data_, ".log").size(), 1u);
    wal_ = FilesEndingIn(data_, ".log").front();
  }

  // Appends events [from, to), one append each, and closes the store.
  void Append(int from, int to) {
    std::unique_ptr<EventStore> store;
    ASSERT_TRUE(EventStore::Open({}, data_, &store).ok());
    for (int i = from; i < to; ++i) {
      AppendResult result;
      ASSERT_TRUE(
          store->Append("a", ExpectedVersion::Any(), {RawEvent(i + 1, Note(i))}, &result).ok());
    }
  }

  // Where event i's text sits in the WAL.
  size_t OffsetOf(int i) {
    size_t at = ReadFile(wal_).find(Note(i));
    EXPECT_NE(at, std::string::npos) << Note(i) << " is not in the WAL";
    return at;
  }

  // Opens for writing and read-only; both must refuse with Corruption.
  std::string ExpectRefused() {
    std::unique_ptr<EventStore> store;
    core::Status s = EventStore::Open({}, data_, &store);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    StoreOptions read_only;
    read_only.read_only = true;
    core::Status r = EventStore::Open(read_only, data_, &store);
    EXPECT_TRUE(r.IsCorruption()) << "read-only: " << r.ToString();
    EXPECT_EQ(s.message().find('\n'), std::string::npos) << "one line: " << s.message();
    return s.message();
  }

  accord::testing::TempDir dir_;
  std::string data_;
  std::string wal_;
};

TEST_F(WalDamageTest, AFlippedByteInsideAnAcknowledgedRecordRefusesTheOpen) {
  std::string bytes = ReadFile(wal_);
  bytes[OffsetOf(94) + 6] ^= 0x01;
  WriteFile(wal_, bytes);
  std::string message = ExpectRefused();
  EXPECT_NE(message.find(fs::path(wal_).filename().string()), std::string::npos) << message;
  EXPECT_NE(message.find("checksum mismatch"), std::string::npos) << message;
  EXPECT_NE(message.find("positions 0 to 93 read intact"), std::string::npos) << message;
}

TEST_F(WalDamageTest, AFlippedByteInTheNewestRecordRefusesTheOpen) {
  std::string bytes = ReadFile(wal_);
  bytes[OffsetOf(kEvents - 1) + 6] ^= 0x01;
  WriteFile(wal_, bytes);
  std::string message = ExpectRefused();
  EXPECT_NE(message.find("checksum mismatch"), std::string::npos) << message;
}

TEST_F(WalDamageTest, ARecordMissingInTheMiddleRefusesTheOpen) {
  std::string bytes = ReadFile(wal_);
  bytes.erase(OffsetOf(60), 700);
  WriteFile(wal_, bytes);
  std::string message = ExpectRefused();
  EXPECT_NE(message.find("positions 0 to 59 read intact"), std::string::npos) << message;
  EXPECT_NE(message.find("positions 60 to 119 at least are affected"), std::string::npos)
      << message;
}

TEST_F(WalDamageTest, AWalCutInsideAnAcknowledgedRecordRefusesTheOpen) {
  fs::resize_file(wal_, OffsetOf(kEvents - 1) + 5);
  std::string message = ExpectRefused();
  EXPECT_NE(message.find("comes back with 119 records but it had reached 120"), std::string::npos)
      << message;
  EXPECT_NE(message.find("position 119 is missing"), std::string::npos) << message;
}

TEST_F(WalDamageTest, AnEmptiedOrDeletedWalRefusesTheOpen) {
  fs::resize_file(wal_, 0);
  EXPECT_NE(ExpectRefused().find("positions 0 to 119 are missing"), std::string::npos);
  fs::remove(wal_);
  EXPECT_NE(ExpectRefused().find("positions 0 to 119 are missing"), std::string::npos);
}

TEST_F(WalDamageTest, ADeletedTableFileRefusesTheOpenInOneLine) {
  {
    accord::testing::RawDb raw(data_);
    ASSERT_TRUE(raw.status().ok()) << raw.status().ToString();
    raw.Flush();
  }
  std::vector<std::string> tables = FilesEndingIn(data_, ".sst");
  ASSERT_FALSE(tables.empty());
  fs::remove(tables.front());
  std::string message = ExpectRefused();
  std::string name = fs::path(tables.front()).filename().string();
  EXPECT_NE(message.find("table file " + name + " is missing"), std::string::npos) << message;
  EXPECT_EQ(message.find("Corruption: "), std::string::npos) << message;
}

TEST_F(WalDamageTest, ATornTailOfAnUnacknowledgedWriteOpensWithEveryAcknowledgedRecord) {
  // A crash in the middle of writing event 120: its record is cut, and the
  // reach file, written only after acknowledged commits, never held it.
  std::string reach = data_ + "/ACCORD-REACH";
  std::string before = ReadFile(reach);
  ASSERT_FALSE(before.empty());
  Append(kEvents, kEvents + 1);
  wal_ = FilesEndingIn(data_, ".log").back();  // opening moved the older records to tables
  fs::resize_file(wal_, OffsetOf(kEvents) + 5);
  WriteFile(reach, before);

  std::unique_ptr<EventStore> store;
  core::Status s = EventStore::Open({}, data_, &store);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(store->Head().next_position, static_cast<uint64_t>(kEvents));
  VerifyReport report;
  ASSERT_TRUE(store->Verify(&report).ok());
  for (int i = 0; i < kEvents; ++i) {
    accord::v1::EventRecord record;
    ASSERT_TRUE(store->FindEvent(accord::testing::Uuid(i + 1), &record).ok()) << i;
  }
  // And it takes appends again at the next position.
  AppendResult result;
  ASSERT_TRUE(store->Append("a", ExpectedVersion::Any(), {RawEvent(1000)}, &result).ok());
  EXPECT_EQ(result.first_position, static_cast<uint64_t>(kEvents));
}

TEST_F(WalDamageTest, ALogWithAnotherRecordWhereItReachedIsRefused) {
  // Another log of the same length moved into the folder.
  std::string other = dir_.Sub("other");
  {
    std::unique_ptr<EventStore> store;
    ASSERT_TRUE(EventStore::Open({}, other, &store).ok());
    for (int i = 0; i < kEvents; ++i) {
      AppendResult result;
      ASSERT_TRUE(store->Append("b", ExpectedVersion::Any(), {RawEvent(5000 + i)}, &result).ok());
    }
  }
  fs::copy_file(data_ + "/ACCORD-REACH", other + "/ACCORD-REACH",
                fs::copy_options::overwrite_existing);
  data_ = other;
  EXPECT_NE(ExpectRefused().find("the record at position 119 is not the one the log held"),
            std::string::npos);
}

TEST_F(WalDamageTest, ADamagedReachFileRefusesTheOpen) {
  std::string reach = data_ + "/ACCORD-REACH";
  std::string bytes = ReadFile(reach);
  bytes[16] = bytes[16] == '9' ? '8' : '9';
  WriteFile(reach, bytes);
  EXPECT_NE(ExpectRefused().find("ACCORD-REACH is damaged"), std::string::npos);
}

TEST_F(WalDamageTest, SalvageKeepsTheIntactPrefixAndSaysWhatItLost) {
  // Salvage opens with point-in-time recovery (RocksDB 7.8's skip-any-
  // corruption mode can spin forever on a damaged fragmented record); what
  // it still reads past the damage is named, not kept.
  std::string bytes = ReadFile(wal_);
  ASSERT_LT(OffsetOf(20), 32u << 10);
  bytes[OffsetOf(20) + 6] ^= 0x01;
  WriteFile(wal_, bytes);

  StoreOptions damaged_options;
  damaged_options.salvage = true;
  damaged_options.create_if_missing = false;
  std::unique_ptr<EventStore> damaged;
  core::Status s = EventStore::Open(damaged_options, data_, &damaged);
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::unique_ptr<EventStore> salvaged;
  ASSERT_TRUE(EventStore::Open({}, dir_.Sub("new"), &salvaged).ok());
  SalvageReport report;
  s = damaged->Salvage(salvaged.get(), &report);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(report.kept, 20u);
  EXPECT_EQ(report.reached, static_cast<uint64_t>(kEvents));
  EXPECT_TRUE(report.reach_known);
  for (uint64_t position : report.readable_unkept) EXPECT_GT(position, 20u);
  EXPECT_NE(report.damage.find("position 20 is missing"), std::string::npos) << report.damage;

  VerifyReport verified;
  ASSERT_TRUE(salvaged->Verify(&verified).ok());
  EXPECT_EQ(verified.records, 20u);
  // The salvaged store is a store of its own: it reopens, and takes appends.
  salvaged.reset();
  ASSERT_TRUE(EventStore::Open({}, dir_.Sub("new"), &salvaged).ok());
  EXPECT_EQ(salvaged->Head().next_position, 20u);
}

}  // namespace
}  // namespace accord::store
