// The one stream reader (app/stream_reader.h): every record once, in order,
// across pages, stopping where asked and at the first error.
#include "app/stream_reader.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/event_types.h"
#include "tests/testing/builders.h"
#include "tests/testing/temp_dir.h"

namespace accord::app {
namespace {

class StreamReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(store::EventStore::Open(store::StoreOptions{}, dir_.path(), &store_).ok());
    // Two streams interleaved: a, b, a, b, ... (10 records each).
    uint64_t id = 0;
    for (int i = 0; i < 10; ++i) {
      for (const char* stream : {"a", "b"}) {
        accord::v1::NewEvent event = accord::testing::RawEvent(id++);
        store::AppendResult result;
        ASSERT_TRUE(store_->Append(stream, store::ExpectedVersion::Any(), {event}, &result).ok());
      }
    }
  }

  accord::testing::TempDir dir_;
  std::unique_ptr<store::EventStore> store_;
};

TEST_F(StreamReaderTest, ReadsAStreamAcrossPagesInOrder) {
  StreamReader reader = StreamReader::Stream(*store_, "b", 3);
  reader.PageSize(2);
  std::vector<uint64_t> versions;
  int pages = 0;
  ASSERT_TRUE(reader
                  .ForEachPage([&](const store::ReadPage& page) {
                    ++pages;
                    for (const auto& r : page.records) versions.push_back(r.stream_version());
                    return core::Status::OK();
                  })
                  .ok());
  EXPECT_EQ(versions, (std::vector<uint64_t>{3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(pages, 4);
  EXPECT_EQ(reader.next(), 10u);
}

TEST_F(StreamReaderTest, ReadsTheLogBeforeAPosition) {
  StreamReader reader = StreamReader::Log(*store_, 5);
  reader.PageSize(3).Before(12);
  std::vector<uint64_t> positions;
  ASSERT_TRUE(reader
                  .ForEach([&](const accord::v1::EventRecord& r) {
                    positions.push_back(r.position());
                    return core::Status::OK();
                  })
                  .ok());
  EXPECT_EQ(positions, (std::vector<uint64_t>{5, 6, 7, 8, 9, 10, 11}));
  EXPECT_EQ(reader.next(), 12u);
}

TEST_F(StreamReaderTest, StopsAtTheVisitorsErrorAndResumesThere) {
  StreamReader reader = StreamReader::Stream(*store_, "a");
  reader.PageSize(4);
  int seen = 0;
  core::Status s = reader.ForEach([&](const accord::v1::EventRecord& r) {
    ++seen;
    return r.stream_version() == 5 ? core::Status::InvalidArgument("stop") : core::Status::OK();
  });
  EXPECT_EQ(s.code(), core::Status::Code::kInvalidArgument);
  EXPECT_EQ(seen, 6);
  EXPECT_EQ(reader.next(), 4u);  // the page holding the failure is read again
}

TEST_F(StreamReaderTest, AMissingStreamIsEmpty) {
  int seen = 0;
  EXPECT_TRUE(StreamReader::Stream(*store_, "nobody")
                  .ForEach([&](const accord::v1::EventRecord&) {
                    ++seen;
                    return core::Status::OK();
                  })
                  .ok());
  EXPECT_EQ(seen, 0);
}

TEST_F(StreamReaderTest, APayloadThatDoesNotDecodeIsCorruptionNamingItsPosition) {
  core::Status s = StreamReader::Log(*store_).ForEachEvent(
      [](const accord::v1::EventRecord&, accord::v1::DomainEvent) { return core::Status::OK(); });
  // The raw test events are not domain events: the first one fails to decode.
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("position 0"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace accord::app
