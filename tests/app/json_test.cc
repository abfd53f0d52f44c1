// Messages in protobuf's JSON mapping (app/json.h): the same text as
// protobuf's own printer, from any number of threads, and no text for a
// message that has no JSON form.
#include "app/json.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "accord/v1/wire.pb.h"
#include "tests/testing/builders.h"
#include "tests/testing/event_kinds.h"

namespace accord::app {
namespace {

std::string ProtobufsOwn(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions print;
  print.always_print_primitive_fields = true;
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(message, &json, print).ok());
  return json;
}

// A recorded event of each kind, as an event stream sends them, and a few
// answers with nested messages, enums, bytes, times and repeated fields.
std::vector<std::unique_ptr<google::protobuf::Message>> Samples() {
  std::vector<std::unique_ptr<google::protobuf::Message>> samples;
  uint64_t position = 0;
  for (const accord::v1::DomainEvent& event : accord::testing::OneEventOfEachKind()) {
    auto recorded = std::make_unique<accord::v1::RecordedEvent>();
    auto* record = recorded->mutable_record();
    record->set_position(position++);
    record->set_stream_id("cospar-apsco-mou");
    record->set_hash(std::string(32, '\x7f'));
    record->mutable_recorded_at()->set_seconds(1733500000);
    record->mutable_effective()->set_as_stated("autumn 2024 (this autumn)");
    *recorded->mutable_event() = event;
    samples.push_back(std::move(recorded));
  }
  auto health = std::make_unique<accord::v1::Health>();
  health->set_log_position(42);
  health->add_projections()->set_name("agreement-index");
  health->add_doors()->set_door("http");
  samples.push_back(std::move(health));
  auto command = std::make_unique<accord::v1::Command>(
      accord::testing::CommandBuilder("cospar-apsco-mou").Propose());
  samples.push_back(std::move(command));
  return samples;
}

TEST(Json, PrintsWhatProtobufsOwnPrinterPrints) {
  for (const auto& sample : Samples()) {
    SCOPED_TRACE(sample->ShortDebugString());
    std::string json;
    ASSERT_TRUE(PrintJson(*sample, &json));
    EXPECT_EQ(json, ProtobufsOwn(*sample));
    EXPECT_EQ(ToJson(*sample), json);
  }
}

TEST(Json, PrintsTheSameFromManyThreadsAtOnce) {
  const auto samples = Samples();
  std::vector<std::string> expected;
  for (const auto& sample : samples) expected.push_back(ProtobufsOwn(*sample));
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 20; ++round) {
        for (size_t i = 0; i < samples.size(); ++i) {
          if (ToJson(*samples[i]) != expected[i]) ++wrong;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

// No message parsed by protobuf holds text that is not UTF-8, and the doors
// quote what a request sent as UTF-8 (net/http_routes.h, Utf8Safe); if one
// did, its answer would still be JSON a client can read.
TEST(Json, TextThatIsNotUtf8NeverMakesJsonThatDoesNotParse) {
  accord::v1::Error error;
  error.set_message("\xb3 is not UTF-8");
  std::string json;
  ASSERT_TRUE(PrintJson(error, &json));
  accord::v1::Error back;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &back).ok()) << json;
  EXPECT_EQ(back.message(), " is not UTF-8");
}

}  // namespace
}  // namespace accord::app
