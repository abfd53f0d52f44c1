// Treaty-grade agreements: parties that join later, entry into force as a
// fact beside the rule, every party's status, non-binding instruments,
// declarations and links (given events / when command / then events or a
// rejection, and the projections on both time axes).
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "core/as_of.h"
#include "core/decider.h"
#include "core/entry_into_force.h"
#include "core/summary.h"
#include "tests/testing/decider_harness.h"
#include "tests/testing/treaty_builders.h"

namespace accord::core {
namespace {

using accord::testing::Month;
using accord::testing::TreatyBuilder;
using accord::testing::Undated;
using accord::testing::Year;
using accord::v1::Command;
using accord::v1::RejectionCode;
using Instrument = accord::v1::ConsentToBeBound;

accord::v1::FuzzyDate D(int y, int m, int d) { return accord::testing::Day(y, m, d); }
Day On(int y, int m, int d) { return ToDay(D(y, m, d).date()); }

class Treaty : public ::testing::Test, public accord::testing::DeciderHarness {
 protected:
  Treaty() : DeciderHarness(accord::testing::kArrangement) {}

  // Proposed in 2020, open, terms agreed the same month.
  void GivenOpenArrangement() { Given({t_.Propose(Month(2020, 3)), t_.Terms(Month(2020, 3))}); }

  const PartyStatus& Party(const std::string& id) const { return *state_.FindParty(id); }

  TreatyBuilder t_;
};

// --- Joining -------------------------------------------------------------

TEST_F(Treaty, APartyJoinsAnOpenAgreementFromItsDate) {
  GivenOpenArrangement();
  ThenAccepted(t_.Join("gamma", D(2022, 5, 1)));
  ASSERT_NE(state_.FindParty("gamma"), nullptr);
  EXPECT_EQ(Party("gamma").joined_by, JoinedBy::kJoining);
  EXPECT_EQ(Party("gamma").joined_on.date().year(), 2022);
  std::string message =
      ThenRejected(t_.Join("gamma", D(2023, 1, 1)), accord::v1::PARTY_ALREADY_JOINED);
  EXPECT_NE(message.find("'gamma' is a party already"), std::string::npos);
  ThenRejected(t_.Join("alpha", D(2023, 1, 1)), accord::v1::PARTY_ALREADY_JOINED);
}

TEST_F(Treaty, AClosedAgreementRefusesNewParties) {
  Given({t_.Propose(Month(2020, 3), /*open=*/false), t_.Terms(Month(2020, 3))});
  std::string message =
      ThenRejected(t_.Join("gamma", D(2022, 5, 1)), accord::v1::AGREEMENT_NOT_OPEN);
  EXPECT_NE(message.find("not open to new parties"), std::string::npos);
  // Signing or acceding by a party it does not list stays UNKNOWN_PARTY.
  ThenRejected(t_.Sign("gamma", D(2022, 5, 1)), accord::v1::UNKNOWN_PARTY);
  ThenRejected(t_.Consent("gamma", Instrument::ACCESSION, D(2022, 5, 1)),
               accord::v1::UNKNOWN_PARTY);
}

TEST_F(Treaty, AnAgreementOpenUntilADayRefusesLaterParties) {
  Given({t_.Propose(Month(2020, 3), true, D(2021, 12, 31)), t_.Terms(Month(2020, 3))});
  ThenAccepted(t_.Join("gamma", D(2021, 12, 31)));
  ThenRejected(t_.Join("delta", D(2022, 1, 1)), accord::v1::AGREEMENT_NOT_OPEN);
  std::string message =
      ThenRejected(t_.Sign("delta", D(2022, 1, 1)), accord::v1::AGREEMENT_NOT_OPEN);
  EXPECT_NE(message.find("open to new parties until 2021-12-31"), std::string::npos);
}

TEST_F(Treaty, SigningAnOpenAgreementJoinsIt) {
  GivenOpenArrangement();
  ThenAccepted(t_.Sign("gamma", D(2022, 5, 1), 3));
  EXPECT_EQ(Party("gamma").joined_by, JoinedBy::kSignature);
  EXPECT_EQ(Party("gamma").party.role(), accord::v1::Party::SIGNATORY);
  EXPECT_EQ(Party("gamma").signature->ordinal(), 3u);
  ThenAccepted(t_.Consent("gamma", Instrument::RATIFICATION, D(2023, 2, 1)));
}

TEST_F(Treaty, AJoiningLoggedAfterTheActItJoinedBySaysWhenItJoined) {
  GivenOpenArrangement();
  Given({t_.Sign("gamma", D(2021, 6, 1))});
  EXPECT_EQ(Party("gamma").joined_by, JoinedBy::kSignature);
  ThenAccepted(t_.Join("gamma", Year(2020)));
  EXPECT_EQ(Party("gamma").joined_by, JoinedBy::kJoining);
  EXPECT_EQ(Party("gamma").joined_on.date().year(), 2020);
  ThenRejected(t_.Join("gamma", Year(2020)), accord::v1::PARTY_ALREADY_JOINED);
}

TEST_F(Treaty, AccedingToAnOpenAgreementJoinsItButRatifyingDoesNot) {
  GivenOpenArrangement();
  ThenRejected(t_.Consent("gamma", Instrument::RATIFICATION, D(2022, 5, 1)),
               accord::v1::PARTY_NOT_SIGNED);
  ThenAccepted(t_.Consent("gamma", Instrument::ACCESSION, D(2022, 5, 1)));
  EXPECT_EQ(Party("gamma").joined_by, JoinedBy::kConsent);
  EXPECT_FALSE(Party("gamma").signature.has_value());
}

TEST_F(Treaty, SuccessionAndDefinitiveSignatureNeedNoEarlierSignature) {
  GivenOpenArrangement();
  ThenAccepted(t_.Consent("alpha", Instrument::SUCCESSION, D(2021, 1, 1)));
  ThenAccepted(t_.Consent("beta", Instrument::DEFINITIVE_SIGNATURE, D(2021, 2, 1)));
  // A definitive signature is the party's signature too.
  ASSERT_TRUE(Party("beta").signature.has_value());
  EXPECT_EQ(Party("beta").signed_on.date().month(), 2);
  ThenAccepted(t_.Sign("gamma", D(2021, 3, 1)));
  ThenRejected(t_.Consent("gamma", Instrument::DEFINITIVE_SIGNATURE, D(2021, 4, 1)),
               accord::v1::PARTY_ALREADY_SIGNED);
}

TEST_F(Treaty, AnInstrumentMayGoUnnamedOnlyAfterASignature) {
  GivenOpenArrangement();
  Command unnamed = t_.Consent("alpha", Instrument::INSTRUMENT_UNSPECIFIED, Undated("not stated"));
  std::string message = ThenRejected(unnamed, accord::v1::INVALID_COMMAND);
  EXPECT_NE(message.find("only a party that signed may leave it unnamed"), std::string::npos);
  Given({t_.Sign("alpha", D(2020, 4, 1))});
  unnamed.set_event_id(accord::testing::Uuid(9000));
  ThenAccepted(unnamed);
  EXPECT_TRUE(Party("alpha").consent.has_value());
}

TEST_F(Treaty, AllowedActionsSayAnOpenAgreementCanBeJoined) {
  GivenOpenArrangement();
  std::string message =
      ThenRejected(t_.Join("alpha", D(2021, 1, 1)), accord::v1::PARTY_ALREADY_JOINED);
  EXPECT_NE(message.find("join it (open to new parties)"), std::string::npos);
  EXPECT_NE(message.find("record entry into force"), std::string::npos);
}

TEST_F(Treaty, ASignatureNeedsNoSignatorysName) {
  GivenOpenArrangement();
  Command sign = t_.Sign("alpha", D(2020, 4, 1));
  ASSERT_TRUE(sign.milestone().agreement_signed().signatory().name().empty());
  ThenAccepted(sign);
}

TEST_F(Treaty, AnObserverBecomesASignatoryByJoiningAsOne) {
  GivenOpenArrangement();
  Given({t_.Join("omega", D(2021, 1, 1), accord::v1::Party::OBSERVER)});
  ThenRejected(t_.Sign("omega", D(2021, 6, 1)), accord::v1::PARTY_NOT_SIGNATORY);
  ThenAccepted(t_.Join("omega", D(2022, 1, 1), accord::v1::Party::SIGNATORY));
  ThenAccepted(t_.Sign("omega", D(2022, 6, 1)));
  ThenRejected(t_.Join("omega", D(2023, 1, 1), accord::v1::Party::SIGNATORY),
               accord::v1::PARTY_ALREADY_JOINED);
}

TEST_F(Treaty, FullySignedMeansEveryPartyOfTheDayAndStaysSo) {
  GivenOpenArrangement();
  Given({t_.Sign("alpha", D(2020, 4, 1)), t_.Sign("beta", D(2020, 4, 2))});
  EXPECT_EQ(state_.stage, Stage::kSigned);
  Given({t_.Join("gamma", D(2022, 1, 1))});
  EXPECT_EQ(state_.stage, Stage::kSigned);  // gamma signs on its own
  accord::v1::PartyCounts counts = CountParties(state_, On(2022, 6, 1));
  EXPECT_EQ(counts.parties(), 3u);
  EXPECT_EQ(counts.have_signed(), 2u);
}

TEST_F(Treaty, SeveralProposersAndTheOldSingleField) {
  Command propose = t_.Propose(Month(2020, 3));
  auto* p = propose.mutable_milestone()->mutable_agreement_proposed();
  p->add_proposer_party_ids("nobody");
  ThenRejected(propose, accord::v1::UNKNOWN_PARTY);

  accord::v1::AgreementProposed old;
  old.set_proposer_party_id("alpha");
  old.add_proposer_party_ids("beta");
  old.add_proposer_party_ids("alpha");
  EXPECT_EQ(ProposerIds(old), (std::vector<std::string>{"alpha", "beta"}));

  ThenAccepted(t_.Propose(Month(2020, 3)));
  EXPECT_EQ(ProposerIds(state_.proposal), (std::vector<std::string>{"alpha", "beta"}));
}

TEST_F(Treaty, FollowUpMeetingsHaveHostsThatNeedNotBeParties) {
  GivenOpenArrangement();
  Command meeting = t_.commands().FollowUp();
  meeting.mutable_milestone()->mutable_follow_up_meeting_held()->add_host_organisation_ids(
      "unoosa");
  ThenAccepted(meeting);
  Command bad = t_.commands().FollowUp();
  bad.mutable_milestone()->mutable_follow_up_meeting_held()->add_host_organisation_ids("UN OOSA");
  ThenRejected(bad, accord::v1::INVALID_COMMAND);
}

TEST_F(Treaty, MembershipCategoryHistoryIsKept) {
  GivenOpenArrangement();
  Given({t_.Category("alpha", accord::v1::ASSOCIATE_MEMBER, Year(2020), "ratification in process"),
         t_.Category("alpha", accord::v1::FULL_MEMBER, Year(2022))});
  const auto& history = Party("alpha").category_history;
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].category, accord::v1::ASSOCIATE_MEMBER);
  EXPECT_EQ(history[0].note, "ratification in process");
  EXPECT_EQ(history[1].effective.date().year(), 2022);
  EXPECT_EQ(Party("alpha").category, accord::v1::FULL_MEMBER);
}

// --- Declarations and links ----------------------------------------------

TEST_F(Treaty, DeclarationsAreDatedAndNeedAKindAndText) {
  GivenOpenArrangement();
  ThenAccepted(t_.Declare("alpha", accord::v1::DeclarationMade::RESERVATION, "Article 5 aside",
                          D(2021, 1, 1)));
  ASSERT_EQ(Party("alpha").declarations.size(), 1u);
  EXPECT_EQ(Party("alpha").declarations[0].effective.date().year(), 2021);
  ThenRejected(
      t_.Declare("alpha", accord::v1::DeclarationMade::KIND_UNSPECIFIED, "x", D(2021, 1, 1)),
      accord::v1::INVALID_COMMAND);
  ThenRejected(t_.Declare("zeta", accord::v1::DeclarationMade::OBJECTION, "x", D(2021, 1, 1)),
               accord::v1::UNKNOWN_PARTY);
  ThenRejected(t_.Declare("alpha", accord::v1::DeclarationMade::DECLARATION, "x", {}),
               accord::v1::INVALID_COMMAND);
}

TEST_F(Treaty, LinksNameAnotherAgreementOnce) {
  GivenOpenArrangement();
  ThenAccepted(t_.Link(accord::v1::AgreementLinked::IMPLEMENTS, "apsco-convention"));
  ThenRejected(t_.Link(accord::v1::AgreementLinked::IMPLEMENTS, "apsco-convention"),
               accord::v1::ALREADY_LINKED);
  ThenRejected(t_.Link(accord::v1::AgreementLinked::AMENDS, accord::testing::kArrangement),
               accord::v1::INVALID_COMMAND);
  ThenRejected(t_.Link(accord::v1::AgreementLinked::RELATION_UNSPECIFIED, "other"),
               accord::v1::INVALID_COMMAND);
  auto summary = Summarize(state_, 3, On(2024, 1, 1));
  ASSERT_EQ(summary.links_size(), 1);
  EXPECT_EQ(summary.links(0).other_agreement_id(), "apsco-convention");
  EXPECT_EQ(summary.links(0).direction(), accord::v1::LinkSummary::OUTGOING);
}

// --- Entry into force: fact and rule -------------------------------------

TEST_F(Treaty, ARecordedEntryIntoForceWinsOverTheRule) {
  GivenOpenArrangement();
  Given({t_.Sign("alpha", D(2020, 4, 1))});  // beta never signs: the rule says no
  ThenAccepted(t_.InForce(D(2021, 1, 1), "", "in force from 1 January 2021"));
  EntryIntoForce force = EvaluateEntryIntoForce(state_, On(2022, 1, 1));
  EXPECT_TRUE(force.in_force);
  EXPECT_TRUE(force.recorded);
  EXPECT_FALSE(force.disagree);  // no stated condition to disagree with
  EXPECT_EQ(force.since, On(2021, 1, 1));
  EXPECT_FALSE(EvaluateEntryIntoForce(state_, On(2020, 12, 31)).in_force);
  ThenRejected(t_.InForce(D(2021, 2, 1)), accord::v1::ENTRY_INTO_FORCE_ALREADY_RECORDED);
  ThenRejected(t_.InForce({}), accord::v1::INVALID_COMMAND);
  ThenRejected(t_.InForce(D(2021, 2, 1), "zeta"), accord::v1::UNKNOWN_PARTY);
}

TEST_F(Treaty, AFactAndAConditionThatDisagreeAreBothShown) {
  GivenOpenArrangement();
  Given({t_.Condition(2, 30), t_.Sign("alpha", D(2020, 4, 1)), t_.Sign("beta", D(2020, 4, 1)),
         t_.Consent("alpha", Instrument::RATIFICATION, D(2021, 1, 1)),
         t_.Consent("beta", Instrument::RATIFICATION, D(2021, 3, 1)), t_.InForce(D(2021, 6, 1))});
  auto summary = Summarize(state_, 7, On(2022, 1, 1));
  const auto& force = summary.entry_into_force();
  EXPECT_TRUE(force.in_force());
  EXPECT_EQ(force.since().date().month(), 6);  // the fact
  EXPECT_TRUE(force.rule_in_force());
  EXPECT_EQ(force.rule_since().date().month(), 3);  // 1 March + 30 days = 31 March
  EXPECT_EQ(force.rule_since().date().day(), 31);
  EXPECT_TRUE(force.disagree());
  EXPECT_NE(force.explanation().find("its condition would put it in force from 2021-03-31"),
            std::string::npos);
}

TEST_F(Treaty, AFactAndAConditionThatAgreeDoNotDisagree) {
  GivenOpenArrangement();
  Given({t_.Condition(1, 0), t_.Sign("alpha", D(2020, 4, 1)),
         t_.Consent("alpha", Instrument::RATIFICATION, D(2021, 1, 1)), t_.InForce(D(2021, 1, 1))});
  EntryIntoForce force = EvaluateEntryIntoForce(state_, On(2022, 1, 1));
  EXPECT_TRUE(force.in_force);
  EXPECT_FALSE(force.disagree);
}

TEST_F(Treaty, EntryIntoForceForEachParty) {
  GivenOpenArrangement();
  Given({t_.Condition(2, 30), t_.Sign("alpha", D(2020, 4, 1)), t_.Sign("beta", D(2020, 4, 1)),
         t_.Consent("alpha", Instrument::RATIFICATION, D(2021, 1, 1)),
         t_.Consent("beta", Instrument::RATIFICATION, D(2021, 3, 1)),
         t_.Consent("gamma", Instrument::ACCESSION, D(2022, 5, 1)), t_.Join("delta", D(2022, 6, 1)),
         t_.InForce(D(2023, 1, 1), "delta", "for delta")});
  auto summary = Summarize(state_, 8, On(2024, 1, 1));
  auto row = [&summary](const std::string& id) {
    for (const auto& p : summary.parties()) {
      if (p.party().organisation_id() == id) return p;
    }
    return accord::v1::PartySummary();
  };
  EXPECT_EQ(row("alpha").in_force().since().date().month(), 3);  // with the agreement
  EXPECT_EQ(row("gamma").in_force().since().date().month(), 5);  // 30 days after its accession
  EXPECT_EQ(row("gamma").in_force().since().date().day(), 31);
  EXPECT_TRUE(row("delta").in_force().recorded());
  EXPECT_EQ(row("delta").in_force().since().date().year(), 2023);
  EXPECT_EQ(summary.counts().bound(), 3u);
  EXPECT_EQ(summary.counts().in_force_for(), 4u);

  Given({t_.Withdraw("gamma", D(2023, 5, 1), D(2024, 5, 1))});
  EXPECT_TRUE(EvaluateForParty(state_, *state_.FindParty("gamma"),
                               EvaluateEntryIntoForce(state_, On(2024, 1, 1)), On(2024, 1, 1))
                  .in_force);
  accord::v1::PartyCounts later = CountParties(state_, On(2024, 6, 1));
  EXPECT_EQ(later.withdrawn(), 1u);
  EXPECT_EQ(later.in_force_for(), 3u);
}

TEST_F(Treaty, NonBindingInstrumentsAreInEffectNeverInForce) {
  Command propose = t_.Propose(Month(2020, 3));
  propose.mutable_milestone()->mutable_agreement_proposed()->set_non_binding(true);
  propose.mutable_milestone()->mutable_agreement_proposed()->mutable_openness()->set_as_stated(
      "open for signature indefinitely");
  Given({propose, t_.Terms(Month(2020, 3)), t_.Sign("alpha", D(2020, 4, 1)),
         t_.Sign("beta", D(2020, 4, 1)), t_.Join("gamma", D(2021, 1, 1))});
  ThenRejected(t_.Consent("alpha", Instrument::RATIFICATION, D(2021, 1, 1)),
               accord::v1::NOT_BINDING);
  ThenRejected(t_.InForce(D(2021, 1, 1)), accord::v1::NOT_BINDING);
  ThenRejected(t_.Condition(1, 0), accord::v1::NOT_BINDING);

  auto summary = Summarize(state_, 5, On(2022, 1, 1));
  EXPECT_TRUE(summary.non_binding());
  EXPECT_TRUE(summary.entry_into_force().non_binding());
  EXPECT_FALSE(summary.entry_into_force().in_force());  // although fully signed
  for (const auto& p : summary.parties()) {
    EXPECT_FALSE(p.in_force().in_force());
    EXPECT_TRUE(p.in_force().in_effect()) << p.party().organisation_id();
  }
  EXPECT_EQ(summary.parties(2).in_force().in_effect_since().date().year(), 2021);  // adherence
  EXPECT_EQ(summary.counts().in_force_for(), 3u);
}

// --- Both time axes, for an open agreement joined over years -------------

class OpenArrangementOverYears : public Treaty {
 protected:
  accord::v1::AgreementSummary TrueOn(Day day) const {
    return Summarize(Fold(accord::testing::kArrangement, AsTrueOn(events_, day)), 0, day);
  }
  accord::v1::AgreementSummary RecordedBefore(const std::string& moment, Day today) const {
    return Summarize(
        Fold(accord::testing::kArrangement, ToAgreementEvents(AsRecorded(events_, At(moment)))), 0,
        today);
  }
  static std::vector<std::string> Ids(const accord::v1::AgreementSummary& s) {
    std::vector<std::string> ids;
    for (const auto& p : s.parties()) ids.push_back(p.party().organisation_id());
    return ids;
  }

  // Founders sign in 2020; gamma joins in 2021 and signs in 2022; delta
  // accedes in 2023, but gamma's and delta's acts are logged only in 2024,
  // after epsilon's 2024 signature.
  void SetUp() override {
    Log(t_.Propose(Month(2020, 3)), "2020-03-10T09:00:00Z");
    Log(t_.Terms(Month(2020, 3)), "2020-03-10T09:01:00Z");
    Log(t_.Sign("alpha", D(2020, 4, 1)), "2020-04-02T09:00:00Z");
    Log(t_.Sign("beta", D(2020, 4, 1)), "2020-04-02T09:01:00Z");
    Log(t_.Sign("epsilon", D(2024, 2, 1)), "2024-02-02T09:00:00Z");
    Log(t_.Join("gamma", D(2021, 6, 1)), "2024-03-01T09:00:00Z");
    Log(t_.Sign("gamma", D(2022, 9, 1)), "2024-03-01T09:01:00Z");
    Log(t_.Consent("delta", Instrument::ACCESSION, Month(2023, 5)), "2024-03-01T09:02:00Z");
  }
};

TEST_F(OpenArrangementOverYears, WhoWasAPartyAndWhoHadSignedOnADay) {
  // Fully signed in 2020, by the parties of 2020; gamma is not listed as missing.
  auto in_2020 = TrueOn(On(2020, 12, 31));
  EXPECT_EQ(Ids(in_2020), (std::vector<std::string>{"alpha", "beta"}));
  EXPECT_EQ(in_2020.stage(), accord::v1::SIGNED);
  EXPECT_TRUE(in_2020.entry_into_force().in_force());
  EXPECT_EQ(in_2020.entry_into_force().since().date().year(), 2020);

  auto in_2021 = TrueOn(On(2021, 12, 31));
  EXPECT_EQ(Ids(in_2021), (std::vector<std::string>{"alpha", "beta", "gamma"}));
  EXPECT_EQ(in_2021.counts().parties(), 3u);
  EXPECT_EQ(in_2021.counts().have_signed(), 2u);
  EXPECT_EQ(in_2021.stage(), accord::v1::SIGNED);  // "in force since" does not move
  EXPECT_EQ(in_2021.entry_into_force().since().date().year(), 2020);

  // May 2023 is not over on 15 May: delta had not certainly acceded.
  EXPECT_EQ(TrueOn(On(2023, 5, 15)).counts().parties(), 3u);
  auto mid_2023 = TrueOn(On(2023, 6, 1));
  EXPECT_EQ(mid_2023.counts().parties(), 4u);
  EXPECT_EQ(mid_2023.counts().have_signed(), 3u);
  EXPECT_EQ(mid_2023.counts().bound(), 1u);

  auto now = TrueOn(On(2025, 1, 1));
  // Later signatures (gamma 2022, epsilon 2024) do not move "in force since".
  EXPECT_EQ(now.entry_into_force().since().date().year(), 2020);
  EXPECT_EQ(now.counts().parties(), 5u);
  EXPECT_EQ(now.counts().have_signed(), 4u);
  // Order of joining is by date joined, not by when it was logged.
  std::map<std::string, uint32_t> order;
  for (const auto& p : now.parties()) order[p.party().organisation_id()] = p.join_order();
  EXPECT_EQ(order["alpha"], 1u);
  EXPECT_EQ(order["beta"], 2u);
  EXPECT_EQ(order["gamma"], 3u);
  EXPECT_EQ(order["delta"], 4u);
  EXPECT_EQ(order["epsilon"], 5u);
}

TEST_F(OpenArrangementOverYears, WhatTheLogSaidAtAMoment) {
  // On 1 March 2024, before gamma's and delta's acts were logged, the log
  // knew alpha, beta and epsilon only.
  auto then = RecordedBefore("2024-03-01T00:00:00Z", On(2024, 3, 1));
  EXPECT_EQ(Ids(then), (std::vector<std::string>{"alpha", "beta", "epsilon"}));
  EXPECT_EQ(then.counts().have_signed(), 3u);
  EXPECT_EQ(then.counts().bound(), 0u);
  auto after = RecordedBefore("2024-03-02T00:00:00Z", On(2024, 3, 2));
  EXPECT_EQ(after.counts().parties(), 5u);
  EXPECT_EQ(after.counts().bound(), 1u);
}

TEST_F(OpenArrangementOverYears, CycleTimesArePerPartyFromJoiningOrOpening) {
  auto now = TrueOn(On(2025, 1, 1));
  std::map<std::string, accord::v1::PartySummary> rows;
  for (const auto& p : now.parties()) rows[p.party().organisation_id()] = p;
  EXPECT_EQ(rows["alpha"].days_to_signature(), 31);      // 1 March 2020 to 1 April
  EXPECT_EQ(rows["gamma"].days_to_signature(), 457);     // joined 1 June 2021 to 1 Sep 2022
  EXPECT_EQ(rows["epsilon"].days_to_signature(), 1432);  // from opening: 1 March 2020
  EXPECT_EQ(rows["delta"].days_to_consent(), 1156);      // to 1 May 2023
  EXPECT_EQ(rows["delta"].days_to_signature(), -1);
}

// --- The APSCO Convention, as examples/apsco-convention.ndjson tells it ---

// The agreement's commands from an example file, decided and folded.
AgreementState LoadExample(const std::string& file, const std::string& agreement_id) {
  std::ifstream in(std::string(ACCORD_EXAMPLES_DIR) + "/" + file);
  EXPECT_TRUE(in.good()) << file;
  std::string line;
  AgreementState state = InitialState(agreement_id);
  while (std::getline(in, line)) {
    Command command;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &command).ok()) << line;
    if (command.agreement_id() != agreement_id) continue;
    Decision decision = Decide(command, state);
    EXPECT_TRUE(decision.ok()) << decision.error().message;
    if (!decision.ok()) continue;
    for (const auto& e : decision.value()) state = Evolve(std::move(state), e);
  }
  return state;
}

TEST(ApscoConvention, InForceSince16December2008WithEachMembersStatus) {
  AgreementState state = LoadExample("apsco-convention.ndjson", "apsco-convention");
  auto summary = Summarize(state, 0, On(2025, 1, 1));
  const auto& force = summary.entry_into_force();
  EXPECT_TRUE(force.in_force());
  EXPECT_TRUE(force.recorded());
  EXPECT_FALSE(force.disagree());
  EXPECT_EQ(force.since().date().year(), 2008);
  EXPECT_EQ(force.since().date().month(), 12);
  EXPECT_EQ(force.since().date().day(), 16);
  EXPECT_FALSE(EvaluateEntryIntoForce(state, On(2008, 12, 15)).in_force);

  std::map<std::string, accord::v1::PartySummary> rows;
  for (const auto& p : summary.parties()) rows[p.party().organisation_id()] = p;
  for (const char* id :
       {"bangladesh", "china", "iran", "mongolia", "pakistan", "peru", "thailand", "turkiye"}) {
    const auto& row = rows[id];
    EXPECT_TRUE(row.has_signature()) << id;
    EXPECT_EQ(row.signed_on().date().year(), 2005) << id;
    ASSERT_TRUE(row.has_consent()) << id;
    EXPECT_EQ(row.consent().deposited().precision(), accord::v1::FuzzyDate::UNDATED);
    EXPECT_EQ(row.consent().deposited().as_stated(), "not stated");
    EXPECT_TRUE(row.in_force().in_force()) << id;
    EXPECT_EQ(row.category(), accord::v1::FULL_MEMBER);
  }
  EXPECT_TRUE(rows["indonesia"].has_signature());
  EXPECT_FALSE(rows["indonesia"].has_consent());
  EXPECT_FALSE(rows["indonesia"].in_force().in_force());
  EXPECT_EQ(rows["indonesia"].category(), accord::v1::SIGNATORY_MEMBER);
  EXPECT_EQ(rows["indonesia"].category_note(), "ratification in process");
  EXPECT_FALSE(rows["egypt"].has_signature());
  EXPECT_EQ(rows["egypt"].category(), accord::v1::ASSOCIATE_MEMBER);
  EXPECT_EQ(rows["egypt"].category_note(), "ratification in process");
  for (const char* id : {"mexico", "isnet", "auass", "venezuela"}) {
    EXPECT_EQ(rows[id].party().role(), accord::v1::Party::OBSERVER) << id;
    EXPECT_EQ(rows[id].category(), accord::v1::OBSERVER_MEMBER) << id;
    EXPECT_FALSE(rows[id].in_force().in_force()) << id;
  }
  EXPECT_EQ(summary.counts().parties(), 14u);
  EXPECT_EQ(summary.counts().have_signed(), 9u);
  EXPECT_EQ(summary.counts().bound(), 8u);
  EXPECT_EQ(summary.counts().in_force_for(), 8u);
  EXPECT_EQ(summary.counts().observers(), 4u);
}

TEST(OpenArrangementExample, JoinedOverYearsInForceByItsCondition) {
  AgreementState state = LoadExample("open-arrangement.ndjson", "open-arrangement");
  auto summary = Summarize(state, 0, On(2025, 1, 1));
  // Third instrument: Caledonia's accession, June 2022 (certain by 30 June), + 30 days.
  EXPECT_TRUE(summary.entry_into_force().in_force());
  EXPECT_EQ(summary.entry_into_force().since().date().month(), 7);
  EXPECT_EQ(summary.entry_into_force().since().date().day(), 30);
  EXPECT_EQ(summary.counts().parties(), 5u);
  EXPECT_EQ(summary.counts().bound(), 4u);
  EXPECT_EQ(summary.counts().observers(), 1u);
}

}  // namespace
}  // namespace accord::core
