#include "core/event_types.h"

#include <gtest/gtest.h>

#include "accord/v1/legacy.pb.h"
#include "core/fuzzy_date.h"
#include "tests/testing/builders.h"

namespace accord::core {
namespace {

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

TEST(EventTypes, EncodeThenDecodeRoundTripsEveryKind) {
  accord::testing::CommandBuilder b;
  for (const auto& command : {b.Propose(), b.Visit(), b.Terms(), b.Sign("cospar"), b.FollowUp(),
                              b.Withdraw(), b.Note("n")}) {
    EncodedEvent encoded = EncodeEvent(command.milestone());
    EXPECT_EQ(encoded.schema_version, CurrentSchemaVersion(encoded.event_type));
    auto decoded = DecodeEvent(encoded.event_type, encoded.schema_version, encoded.payload);
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    EXPECT_EQ(decoded->SerializeAsString(), command.milestone().SerializeAsString());
  }
  EXPECT_EQ(EventTypeName(b.Visit().milestone()), "accord.v1.VisitHeld");
}

// A VisitHeld payload as accord wrote it at schema version 1
// (accord.v1.legacy.VisitHeldV1), frozen as bytes: location "APSCO
// headquarters, Beijing", host "APSCO", one delegate (Prof. Pascale
// Ehrenfreund, COSPAR President), topic "small satellites". Never regenerate
// it: it stands for records already in users' logs.
constexpr char kVisitHeldV1Hex[] =
    "0a1b415053434f206865616471756172746572732c204265696a696e671205415053434f1a2d0a1950726f662e2050"
    "617363616c6520456872656e667265756e641210434f5350415220507265736964656e742210736d616c6c20736174"
    "656c6c69746573";

TEST(EventTypes, UpcastsAStoredVersionOneVisit) {
  auto decoded = DecodeEvent("accord.v1.VisitHeld", 1, FromHex(kVisitHeldV1Hex));
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  const auto& visit = decoded->visit_held();
  EXPECT_EQ(visit.place().name(), "APSCO headquarters, Beijing");
  EXPECT_EQ(visit.host_party_id(), "apsco");
  ASSERT_EQ(visit.delegations_size(), 1);
  EXPECT_EQ(visit.delegations(0).name(), "Prof. Pascale Ehrenfreund");
  EXPECT_EQ(visit.delegations(0).title(), "COSPAR President");
  ASSERT_EQ(visit.topics_size(), 1);
  EXPECT_EQ(visit.topics(0), "small satellites");
}

TEST(EventTypes, ReadsAStoredVersionOneRecordIntoTheCurrentShape) {
  accord::v1::EventRecord record;
  record.set_position(7);
  record.set_event_id(accord::testing::Uuid(7));
  record.set_event_type("accord.v1.VisitHeld");
  record.set_schema_version(1);
  record.set_payload(FromHex(kVisitHeldV1Hex));
  *record.mutable_effective() = accord::testing::Month(2024, 7);
  auto event = ToAgreementEvent(record);
  ASSERT_TRUE(event.ok()) << event.error();
  EXPECT_EQ(event->event_id, accord::testing::Uuid(7));
  EXPECT_EQ(event->event.visit_held().place().name(), "APSCO headquarters, Beijing");
  EXPECT_EQ(event->effective.date().month(), 7);

  record.set_payload("\xff\xff");
  auto broken = ToAgreementEvent(record);
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().find("position 7"), std::string::npos);
}

// An effective date as accord wrote it before FuzzyDate had a span: RANGE
// 2024-11-05..2024-11-07 (fields 1, 2 and 4), frozen as bytes. It must read
// unchanged: a plain range of days, printed as before.
constexpr char kRangeBeforeSpansHex[] = "0805120708e80f100b1805220708e80f100b1807";

TEST(EventTypes, ReadsADateStoredBeforeRangesHadASpanUnchanged) {
  accord::v1::EventRecord record;
  record.set_position(3);
  record.set_event_id(accord::testing::Uuid(3));
  record.set_event_type("accord.v1.VisitHeld");
  record.set_schema_version(1);
  record.set_payload(FromHex(kVisitHeldV1Hex));
  ASSERT_TRUE(record.mutable_effective()->ParseFromString(FromHex(kRangeBeforeSpansHex)));
  auto event = ToAgreementEvent(record);
  ASSERT_TRUE(event.ok()) << event.error();
  const accord::v1::FuzzyDate& effective = event->effective;
  EXPECT_EQ(effective.precision(), accord::v1::FuzzyDate::RANGE);
  EXPECT_EQ(effective.span(), accord::v1::FuzzyDate::SPAN_DAYS);
  EXPECT_EQ(ValidateFuzzyDate(effective), "");
  EXPECT_EQ(FormatFuzzyDate(effective), "2024-11-05 to 2024-11-07");
  EXPECT_EQ(effective.SerializeAsString(), FromHex(kRangeBeforeSpansHex))
      << "nothing is added to an old record when it is read";
}

TEST(EventTypes, RefusesUnknownTypesNewerVersionsAndGarbage) {
  EXPECT_FALSE(DecodeEvent("accord.v1.Nope", 1, "").ok());
  auto newer = DecodeEvent("accord.v1.VisitHeld", 3, "");
  ASSERT_FALSE(newer.ok());
  EXPECT_NE(newer.error().find("not one this build reads"), std::string::npos);
  EXPECT_FALSE(DecodeEvent("accord.v1.NoteAdded", 1, "\xff\xff\xff").ok());
  EXPECT_FALSE(DecodeEvent("accord.v1.NoteAdded", 0, "").ok());
}

}  // namespace
}  // namespace accord::core
