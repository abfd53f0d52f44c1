#include "core/event_types.h"

#include <gtest/gtest.h>

#include "accord/v1/legacy.pb.h"
#include "core/fuzzy_date.h"
#include "core/hash.h"
#include "core/upcasters.h"
#include "tests/testing/builders.h"
#include "tests/testing/event_kinds.h"

namespace accord::core {
namespace {

std::string FromHex(std::string_view hex) { return HexDecode(hex).value(); }

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

// Payloads of the schema before treaty-grade agreements (AgreementProposed,
// AgreementSigned, ConsentToBeBound, FollowUpMeetingHeld and
// MembershipCategoryChanged at schema version 1, encoded with that
// commit's protos by protoc), frozen as bytes: they must read unchanged and
// keep their meaning (binding, closed to new parties, one proposer).
constexpr char kProposedV1Hex[] =
    "0a3d436f6e76656e74696f6e206f662074686520417369612d5061636966696320537061636520436f6f7065726174"
    "696f6e204f7267616e697a6174696f6e10021a100a056368696e6112054368696e6120011a120a066d657869636f12"
    "064d657869636f20022a056368696e61";
constexpr char kSignedV1Hex[] =
    "0a06636f73706172121b0a1950726f662e2050617363616c6520456872656e667265756e641a0912074265696a696e"
    "67";
constexpr char kConsentV1Hex[] = "0a056368696e6110041a0b0801120708d80f100c1810";
constexpr char kFollowUpV1Hex[] =
    "0a091207536861726a61681a23706c616e7320666f7220636f6f7065726174696f6e206d6f76656420666f727761"
    "7264";
constexpr char kCategoryV1Hex[] =
    "0a09696e646f6e6573696110021a17726174696669636174696f6e20696e2070726f63657373";

TEST(EventTypes, ReadsRecordsOfTheSchemaBeforeTreatyGradeAgreementsUnchanged) {
  auto proposed = DecodeEvent("accord.v1.AgreementProposed", 1, FromHex(kProposedV1Hex));
  ASSERT_TRUE(proposed.ok()) << proposed.error();
  const auto& p = proposed->agreement_proposed();
  EXPECT_EQ(p.kind(), accord::v1::CONVENTION);
  ASSERT_EQ(p.parties_size(), 2);
  EXPECT_EQ(p.parties(1).role(), accord::v1::Party::OBSERVER);
  EXPECT_FALSE(p.non_binding());                                 // binding, as before
  EXPECT_FALSE(p.openness().open());                             // closed to new parties, as before
  EXPECT_EQ(ProposerIds(p), std::vector<std::string>{"china"});  // the single proposer
  // Re-encoding gives the stored bytes back: nothing was added or lost.
  EXPECT_EQ(EncodeEvent(*proposed).payload, FromHex(kProposedV1Hex));

  auto signed_ = DecodeEvent("accord.v1.AgreementSigned", 1, FromHex(kSignedV1Hex));
  ASSERT_TRUE(signed_.ok()) << signed_.error();
  EXPECT_EQ(signed_->agreement_signed().signatory().name(), "Prof. Pascale Ehrenfreund");
  EXPECT_EQ(signed_->agreement_signed().ordinal(), 0u);
  EXPECT_EQ(EncodeEvent(*signed_).payload, FromHex(kSignedV1Hex));

  auto consent = DecodeEvent("accord.v1.ConsentToBeBound", 1, FromHex(kConsentV1Hex));
  ASSERT_TRUE(consent.ok()) << consent.error();
  EXPECT_EQ(consent->consent_to_be_bound().instrument(), accord::v1::ConsentToBeBound::ACCESSION);
  EXPECT_EQ(consent->consent_to_be_bound().deposited().date().year(), 2008);
  EXPECT_EQ(EncodeEvent(*consent).payload, FromHex(kConsentV1Hex));

  auto meeting = DecodeEvent("accord.v1.FollowUpMeetingHeld", 1, FromHex(kFollowUpV1Hex));
  ASSERT_TRUE(meeting.ok()) << meeting.error();
  EXPECT_EQ(meeting->follow_up_meeting_held().place().city(), "Sharjah");
  EXPECT_EQ(meeting->follow_up_meeting_held().host_organisation_ids_size(), 0);
  EXPECT_EQ(EncodeEvent(*meeting).payload, FromHex(kFollowUpV1Hex));

  auto category = DecodeEvent("accord.v1.MembershipCategoryChanged", 1, FromHex(kCategoryV1Hex));
  ASSERT_TRUE(category.ok()) << category.error();
  EXPECT_EQ(category->membership_category_changed().note(), "ratification in process");
}

TEST(EventTypes, TheNewEventTypesHaveSchemaVersionOne) {
  for (const char* type : {"accord.v1.PartyJoined", "accord.v1.EntryIntoForceRecorded",
                           "accord.v1.DeclarationMade", "accord.v1.AgreementLinked"}) {
    EXPECT_EQ(CurrentSchemaVersion(type), 1u) << type;
  }
  accord::v1::DomainEvent joined;
  joined.mutable_party_joined()->mutable_party()->set_organisation_id("gamma");
  EncodedEvent encoded = EncodeEvent(joined);
  EXPECT_EQ(encoded.event_type, "accord.v1.PartyJoined");
  auto decoded = DecodeEvent(encoded.event_type, encoded.schema_version, encoded.payload);
  ASSERT_TRUE(decoded.ok()) << decoded.error();
  EXPECT_EQ(decoded->party_joined().party().organisation_id(), "gamma");
}

// The schema is the registry: an event added to DomainEvent's oneof has a
// stored type and a version without any list here to extend, and a version
// raised in the schema without its upcaster is caught here, not when a user's
// old record fails to read.
TEST(EventTypes, EveryEventOfTheSchemaHasAVersionItsUpcastersAndRoundTrips) {
  for (const accord::v1::DomainEvent& event : accord::testing::OneEventOfEachKind()) {
    EncodedEvent encoded = EncodeEvent(event);
    EXPECT_EQ(encoded.event_type, EventTypeName(event));
    ASSERT_GE(encoded.schema_version, 1u) << encoded.event_type;
    auto decoded = DecodeEvent(encoded.event_type, encoded.schema_version, encoded.payload);
    ASSERT_TRUE(decoded.ok()) << decoded.error();
    EXPECT_EQ(decoded->kind_case(), event.kind_case()) << encoded.event_type;
    for (uint32_t version = 1; version < encoded.schema_version; ++version) {
      // An empty payload parses as any message, so only a missing upcaster fails.
      auto upcast = Upcast(encoded.event_type, version, "");
      EXPECT_TRUE(upcast.ok()) << upcast.error();
    }
  }
  EXPECT_EQ(CurrentSchemaVersion("accord.v1.VisitHeld"), 2u) << "its schema_version option";
  EXPECT_EQ(CurrentSchemaVersion("accord.v1.NoteAdded"), 1u) << "no option: version 1";
  EXPECT_EQ(CurrentSchemaVersion("accord.v1.Place"), 0u) << "not an event";
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
