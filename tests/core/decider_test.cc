// The lifecycle rules, as given events / when command / then events or a
// rejection (after the decider tests of fmodel).
#include "core/decider.h"

#include <gtest/gtest.h>

#include <functional>

#include "tests/testing/builders.h"
#include "tests/testing/decider_harness.h"

namespace accord::core {
namespace {

using accord::testing::CommandBuilder;
using accord::testing::Day;
using accord::testing::Month;
using accord::v1::Command;
using accord::v1::RejectionCode;

class AgreementDecider : public ::testing::Test, public accord::testing::DeciderHarness {
 protected:
  AgreementDecider() : DeciderHarness(accord::testing::kMou) {}

  CommandBuilder b_;
};

TEST_F(AgreementDecider, ProposalStartsTheStream) {
  ThenAccepted(b_.Propose());
  EXPECT_EQ(state_.stage, Stage::kProposed);
  EXPECT_EQ(state_.parties.size(), 2u);
}

TEST_F(AgreementDecider, RejectsASecondProposal) {
  Given({b_.Propose()});
  ThenRejected(b_.Propose(), accord::v1::AGREEMENT_ALREADY_EXISTS);
}

TEST_F(AgreementDecider, RejectsAnythingButAProposalOnAMissingAgreement) {
  std::string message = ThenRejected(b_.Visit(), accord::v1::UNKNOWN_AGREEMENT);
  EXPECT_NE(message.find("agreement 'cospar-apsco-mou' does not exist"), std::string::npos);
  EXPECT_NE(message.find("allowed now: propose it"), std::string::npos);
}

TEST_F(AgreementDecider, RejectsMalformedProposals) {
  Command no_title = b_.Propose();
  no_title.mutable_milestone()->mutable_agreement_proposed()->clear_title();
  ThenRejected(no_title, accord::v1::INVALID_COMMAND);

  Command one_party = b_.Propose();
  one_party.mutable_milestone()->mutable_agreement_proposed()->mutable_parties()->RemoveLast();
  ThenRejected(one_party, accord::v1::INVALID_COMMAND);

  Command twice = b_.Propose();
  auto* parties = twice.mutable_milestone()->mutable_agreement_proposed()->mutable_parties();
  parties->Mutable(1)->set_organisation_id("cospar");
  ThenRejected(twice, accord::v1::INVALID_COMMAND);

  Command stranger = b_.Propose();
  stranger.mutable_milestone()->mutable_agreement_proposed()->set_proposer_party_id("esa");
  ThenRejected(stranger, accord::v1::UNKNOWN_PARTY);

  Command no_signatory = b_.Propose();
  for (auto& party :
       *no_signatory.mutable_milestone()->mutable_agreement_proposed()->mutable_parties()) {
    party.set_role(accord::v1::Party::OBSERVER);
  }
  ThenRejected(no_signatory, accord::v1::INVALID_COMMAND);
}

TEST_F(AgreementDecider, RejectsMalformedEnvelopes) {
  Command bad_id = b_.Propose();
  bad_id.set_agreement_id("COSPAR APSCO");
  ThenRejected(bad_id, accord::v1::INVALID_COMMAND);

  Command bad_uuid = b_.Propose();
  bad_uuid.set_event_id("not-a-uuid");
  ThenRejected(bad_uuid, accord::v1::INVALID_COMMAND);

  Command upper_uuid = b_.Propose();
  upper_uuid.set_event_id("00000000-0000-4000-8000-00000000000A");
  ThenRejected(upper_uuid, accord::v1::INVALID_COMMAND);

  Command bad_date = b_.Propose();
  *bad_date.mutable_effective() = Day(2024, 2, 30);
  ThenRejected(bad_date, accord::v1::INVALID_COMMAND);

  Command empty = b_.Propose();
  empty.clear_milestone();
  ThenRejected(empty, accord::v1::INVALID_COMMAND);
}

TEST_F(AgreementDecider, AcceptsVisitsBeforeAndAfterTerms) {
  Given({b_.Propose()});
  ThenAccepted(b_.Visit());
  Given({b_.Terms()});
  ThenAccepted(b_.Visit());
}

TEST_F(AgreementDecider, RejectsAVisitWithoutPlaceOrDateOrWithAnUnknownHost) {
  Given({b_.Propose()});
  Command no_place = b_.Visit();
  no_place.mutable_milestone()->mutable_visit_held()->clear_place();
  ThenRejected(no_place, accord::v1::INVALID_COMMAND);

  Command no_date = b_.Visit();
  no_date.clear_effective();
  ThenRejected(no_date, accord::v1::INVALID_COMMAND);

  Command stranger = b_.Visit();
  stranger.mutable_milestone()->mutable_visit_held()->set_host_party_id("esa");
  ThenRejected(stranger, accord::v1::UNKNOWN_PARTY);
}

TEST_F(AgreementDecider, TermsAreAgreedOnceAfterTheProposal) {
  Given({b_.Propose()});
  ThenAccepted(b_.Terms());
  EXPECT_EQ(state_.stage, Stage::kAgreed);
  ASSERT_EQ(state_.commitments.size(), 1u);
  ThenRejected(b_.Terms(), accord::v1::TERMS_ALREADY_AGREED);
}

TEST_F(AgreementDecider, RejectsTermsNamingAStrangerOrRepeatingACommitment) {
  Given({b_.Propose()});
  Command stranger = b_.Terms();
  stranger.mutable_milestone()
      ->mutable_terms_agreed()
      ->mutable_commitments(0)
      ->add_responsible_party_ids("esa");
  ThenRejected(stranger, accord::v1::UNKNOWN_PARTY);

  Command twice = b_.Terms();
  auto* terms = twice.mutable_milestone()->mutable_terms_agreed();
  *terms->add_commitments() = terms->commitments(0);
  ThenRejected(twice, accord::v1::INVALID_COMMAND);
}

TEST_F(AgreementDecider, RejectsSignatureBeforeTermsAgreed) {
  Given({b_.Propose()});
  std::string message = ThenRejected(b_.Sign("cospar"), accord::v1::TERMS_NOT_AGREED);
  EXPECT_NE(message.find("agreement 'cospar-apsco-mou' is proposed"), std::string::npos);
  EXPECT_NE(message.find("agree terms"), std::string::npos);
}

TEST_F(AgreementDecider, IsFullySignedWhenEverySignatoryHasSigned) {
  Given({b_.Propose(), b_.Terms()});
  ThenAccepted(b_.Sign("apsco"));
  EXPECT_EQ(state_.stage, Stage::kPartiallySigned);
  ThenAccepted(b_.Sign("cospar"));
  EXPECT_EQ(state_.stage, Stage::kSigned);
}

TEST_F(AgreementDecider, RejectsASecondSignatureOfTheSameParty) {
  Given({b_.Propose(), b_.Terms(), b_.Sign("cospar")});
  std::string message = ThenRejected(b_.Sign("cospar"), accord::v1::PARTY_ALREADY_SIGNED);
  EXPECT_NE(message.find("sign (apsco)"), std::string::npos) << message;
}

TEST_F(AgreementDecider, RejectsASignatureByAStrangerOrAnObserver) {
  Command proposal = b_.Propose();
  *proposal.mutable_milestone()->mutable_agreement_proposed()->add_parties() =
      accord::testing::MakeParty("isnet", "ISNET", accord::v1::Party::OBSERVER);
  Given({proposal, b_.Terms()});
  ThenRejected(b_.Sign("esa"), accord::v1::UNKNOWN_PARTY);
  ThenRejected(b_.Sign("isnet"), accord::v1::PARTY_NOT_SIGNATORY);
  ThenAccepted(b_.Sign("cospar"));
  ThenAccepted(b_.Sign("apsco"));
  EXPECT_EQ(state_.stage, Stage::kSigned) << "an observer's signature is not awaited";
}

TEST_F(AgreementDecider, FollowUpMeetingsOnlyAfterTerms) {
  Given({b_.Propose()});
  ThenRejected(b_.FollowUp(), accord::v1::TERMS_NOT_AGREED);
  Given({b_.Terms()});
  ThenAccepted(b_.FollowUp());
  Command unknown = b_.FollowUp();
  unknown.mutable_milestone()->mutable_follow_up_meeting_held()->add_commitments_progressed(
      "moon-base");
  ThenRejected(unknown, accord::v1::INVALID_COMMAND);
}

TEST_F(AgreementDecider, ReschedulingKeepsEarlierPlans) {
  Given({b_.Propose()});
  ThenAccepted(b_.Schedule("signing", accord::testing::Autumn(2024, "this autumn")));
  ThenAccepted(b_.Schedule("signing", Month(2025, 3)));
  const PlannedMilestone& signing = state_.milestones.at("signing");
  EXPECT_EQ(signing.plan.planned().date().year(), 2025);
  ASSERT_EQ(signing.earlier.size(), 1u);
  EXPECT_EQ(signing.earlier[0].planned().as_stated(), "this autumn");
}

TEST_F(AgreementDecider, ASignatureFulfilsItsMilestoneOnlyIfScheduled) {
  Given({b_.Propose(), b_.Schedule("signing", accord::testing::Autumn(2024)), b_.Terms()});
  Command unknown = b_.Sign("cospar");
  unknown.mutable_milestone()->mutable_agreement_signed()->set_fulfils_milestone_id("ceremony");
  ThenRejected(unknown, accord::v1::INVALID_COMMAND);
  Command fulfils = b_.Sign("cospar");
  fulfils.mutable_milestone()->mutable_agreement_signed()->set_fulfils_milestone_id("signing");
  ThenAccepted(fulfils);
  EXPECT_EQ(state_.milestones.at("signing").fulfilled_by_event_id, fulfils.event_id());
}

TEST_F(AgreementDecider, WithdrawnAgreementsTakeOnlyNotesAndCorrections) {
  Given({b_.Propose(), b_.Withdraw()});
  EXPECT_EQ(state_.stage, Stage::kWithdrawn);
  std::string message = ThenRejected(b_.Visit(), accord::v1::AGREEMENT_CLOSED);
  EXPECT_NE(message.find("is withdrawn"), std::string::npos);
  EXPECT_NE(message.find("allowed now: add a note, correct an event"), std::string::npos);
  ThenRejected(b_.Terms(), accord::v1::AGREEMENT_CLOSED);
  ThenRejected(b_.Withdraw(), accord::v1::AGREEMENT_CLOSED);
  ThenAccepted(b_.Note("the parties stopped talking"));
}

TEST_F(AgreementDecider, SignedAgreementsAreTerminatedNotWithdrawn) {
  Given({b_.Propose(), b_.Terms()});
  ThenRejected(b_.Terminate(), accord::v1::NOT_FULLY_SIGNED);
  Given({b_.Sign("cospar"), b_.Sign("apsco")});
  ThenRejected(b_.Withdraw(), accord::v1::ALREADY_FULLY_SIGNED);
  ThenAccepted(b_.Terminate());
  EXPECT_EQ(state_.stage, Stage::kTerminated);
  ThenRejected(b_.FollowUp(), accord::v1::AGREEMENT_CLOSED);
}

TEST_F(AgreementDecider, RatificationNeedsASignatureButAccessionDoesNot) {
  Given({b_.Propose(), b_.Terms()});
  using Instrument = accord::v1::ConsentToBeBound;
  ThenRejected(b_.Consent("cospar", Instrument::RATIFICATION, Day(2025, 1, 1)),
               accord::v1::PARTY_NOT_SIGNED);
  ThenAccepted(b_.Consent("apsco", Instrument::ACCESSION, Day(2025, 1, 1)));
  ThenRejected(b_.Consent("apsco", Instrument::ACCESSION, Day(2025, 2, 1)),
               accord::v1::PARTY_ALREADY_BOUND);
  Given({b_.Sign("cospar")});
  ThenAccepted(b_.Consent("cospar", Instrument::RATIFICATION, Day(2025, 3, 1)));
}

TEST_F(AgreementDecider, ConsentIsRefusedToObserversAndWithoutADepositDate) {
  Command proposal = b_.Propose();
  *proposal.mutable_milestone()->mutable_agreement_proposed()->add_parties() =
      accord::testing::MakeParty("isnet", "ISNET", accord::v1::Party::OBSERVER);
  Given({proposal});
  using Instrument = accord::v1::ConsentToBeBound;
  ThenRejected(b_.Consent("apsco", Instrument::ACCESSION, Day(2025, 1, 1)),
               accord::v1::TERMS_NOT_AGREED);
  Given({b_.Terms()});
  ThenRejected(b_.Consent("isnet", Instrument::ACCESSION, Day(2025, 1, 1)),
               accord::v1::PARTY_NOT_SIGNATORY);
  Command undated = b_.Consent("apsco", Instrument::ACCESSION, Day(2025, 1, 1));
  undated.mutable_milestone()->mutable_consent_to_be_bound()->clear_deposited();
  ThenRejected(undated, accord::v1::INVALID_COMMAND);
  Command no_instrument = b_.Consent("apsco", Instrument::INSTRUMENT_UNSPECIFIED, Day(2025, 1, 1));
  ThenRejected(no_instrument, accord::v1::INVALID_COMMAND);
}

TEST_F(AgreementDecider, APartyWithdrawsOnlyFromWhatItSignedOrIsBoundBy) {
  Given({b_.Propose(), b_.Terms()});
  Command withdraw = b_.Base(Day(2026, 1, 1));
  withdraw.mutable_milestone()->mutable_party_withdrew()->set_party_id("cospar");
  ThenRejected(withdraw, accord::v1::PARTY_NOT_SIGNED);

  Given({b_.Sign("cospar")});
  withdraw.set_event_id(accord::testing::Uuid(500));
  ThenAccepted(withdraw);
  EXPECT_TRUE(state_.FindParty("cospar")->withdrawal.has_value());

  Command again = withdraw;
  again.set_event_id(accord::testing::Uuid(501));
  ThenRejected(again, accord::v1::PARTY_ALREADY_WITHDRAWN);
  using Instrument = accord::v1::ConsentToBeBound;
  ThenRejected(b_.Consent("cospar", Instrument::RATIFICATION, Day(2026, 2, 1)),
               accord::v1::PARTY_ALREADY_WITHDRAWN);
}

TEST_F(AgreementDecider, MembershipCategoriesNameAPartyAndACategory) {
  Given({b_.Propose()});
  Command change = b_.Base(Month(2024, 10));
  auto* m = change.mutable_milestone()->mutable_membership_category_changed();
  m->set_party_id("apsco");
  ThenRejected(change, accord::v1::INVALID_COMMAND);
  m->set_category(accord::v1::SIGNATORY_MEMBER);
  m->set_note("ratification in process");
  ThenAccepted(change);
  EXPECT_EQ(state_.FindParty("apsco")->category, accord::v1::SIGNATORY_MEMBER);
  EXPECT_EQ(state_.FindParty("apsco")->category_note, "ratification in process");

  Command stranger = b_.Base(Month(2024, 10));
  stranger.mutable_milestone()->mutable_membership_category_changed()->set_party_id("esa");
  stranger.mutable_milestone()->mutable_membership_category_changed()->set_category(
      accord::v1::FULL_MEMBER);
  ThenRejected(stranger, accord::v1::UNKNOWN_PARTY);
}

TEST_F(AgreementDecider, PlansAndConditionsMustBeComplete) {
  Given({b_.Propose()});
  Command undated = b_.Schedule("signing", {});
  ThenRejected(undated, accord::v1::INVALID_COMMAND);
  Command stranger = b_.Schedule("signing", Month(2025, 1));
  stranger.mutable_milestone()->mutable_milestone_scheduled()->add_party_ids("esa");
  ThenRejected(stranger, accord::v1::UNKNOWN_PARTY);

  Command condition = b_.Base({});
  condition.mutable_milestone()->mutable_entry_into_force_condition_set()->set_as_stated(
      "after ratification");
  ThenRejected(condition, accord::v1::INVALID_COMMAND);
  condition.mutable_milestone()->mutable_entry_into_force_condition_set()->set_instruments_required(
      5);
  ThenAccepted(condition);
  ASSERT_TRUE(state_.entry_into_force.has_value());
  EXPECT_EQ(state_.entry_into_force->instruments_required(), 5u);
}

TEST_F(AgreementDecider, NotesMayNameOnlyEventsOfTheAgreement) {
  Command proposal = b_.Propose();
  Given({proposal});
  Command stray = b_.Note("about nothing");
  stray.mutable_milestone()->mutable_note_added()->set_about_event_id(accord::testing::Uuid(999));
  ThenRejected(stray, accord::v1::UNKNOWN_EVENT);
  Command about = b_.Note("the proposal came from COSPAR");
  about.mutable_milestone()->mutable_note_added()->set_about_event_id(proposal.event_id());
  ThenAccepted(about);
}

TEST_F(AgreementDecider, DocumentsAttachToTheAgreementOrOneOfItsEvents) {
  Command proposal = b_.Propose();
  Given({proposal});
  Command whole = b_.Document("the memorandum");
  ThenAccepted(whole);
  Command to_proposal = b_.Document("the proposal letter", proposal.event_id());
  ThenAccepted(to_proposal);
  ASSERT_EQ(state_.documents.size(), 2u);
  EXPECT_EQ(state_.documents[0].event_id, whole.event_id());
  EXPECT_EQ(state_.documents[1].attached.about_event_id(), proposal.event_id());

  Command stray = b_.Document("a stray page", accord::testing::Uuid(999));
  std::string message = ThenRejected(stray, accord::v1::UNKNOWN_EVENT);
  EXPECT_NE(message.find("no event '" + accord::testing::Uuid(999) + "' to attach a document to"),
            std::string::npos)
      << message;
}

TEST_F(AgreementDecider, DocumentsNeedTheirAgreement) {
  ThenRejected(b_.Document("the memorandum"), accord::v1::UNKNOWN_AGREEMENT);
  Given({b_.Propose()});
  Command other = b_.Document("the memorandum");
  other.mutable_milestone()->mutable_document_attached()->set_agreement_id("another-agreement");
  ThenRejected(other, accord::v1::INVALID_COMMAND);
}

TEST_F(AgreementDecider, RejectsMalformedDocuments) {
  Given({b_.Propose()});
  auto with = [&](const std::function<void(accord::v1::Document*)>& change) {
    Command command = b_.Document("the memorandum");
    change(command.mutable_milestone()->mutable_document_attached()->mutable_document());
    return command;
  };
  for (const Command& bad : {
           with([](auto* d) { d->set_sha256(std::string(64, 'A')); }),  // upper case
           with([](auto* d) { d->set_sha256("abc"); }),
           with([](auto* d) { d->clear_name(); }),
           with([](auto* d) { d->set_name("../etc/passwd"); }),
           with([](auto* d) { d->set_name("line\nbreak.pdf"); }),
           with([](auto* d) { d->set_media_type("pdf"); }),
           with([](auto* d) { d->set_media_type("application/"); }),
           with([](auto* d) { d->set_media_type("text/html; charset=utf-8"); }),
           with([](auto* d) { d->set_size(0); }),
       }) {
    ThenRejected(bad, accord::v1::INVALID_COMMAND);
  }
  ThenAccepted(with([](auto* d) { d->set_name("Mémorandum signé (2024).pdf"); }));
}

TEST_F(AgreementDecider, ClosedAgreementsStillTakeDocuments) {
  Given({b_.Propose(), b_.Withdraw()});
  ThenAccepted(b_.Document("the letter of withdrawal"));
}

class Corrections : public AgreementDecider {
 protected:
  Command Correct(const std::string& target, const accord::v1::DomainEvent& replacement,
                  const std::vector<std::string>& fields) {
    Command command = b_.Base({});
    auto* c = command.mutable_milestone()->mutable_event_corrected();
    c->set_corrected_event_id(target);
    *c->mutable_replacement() = replacement;
    for (const auto& f : fields) c->add_fields(f);
    c->set_reason("the city was misheard");
    c->set_source("COSPAR announcement");
    return command;
  }
};

TEST_F(Corrections, ADocumentsNameIsCorrectedButNeverTheBytesItBinds) {
  Command proposal = b_.Propose();
  Command attached = b_.Document("the memorandum");
  Given({proposal, attached});
  accord::v1::DomainEvent replacement = attached.milestone();
  auto* document = replacement.mutable_document_attached()->mutable_document();
  document->set_name("mou-as-signed.pdf");
  document->set_sha256(std::string(64, 'b'));
  document->set_size(7);
  for (std::string path : {"document", "document.sha256", "document.size"}) {
    std::string message = ThenRejected(Correct(attached.event_id(), replacement, {path}),
                                       accord::v1::INVALID_CORRECTION);
    EXPECT_NE(message.find("attach the right file instead"), std::string::npos) << message;
  }
  ThenAccepted(Correct(attached.event_id(), replacement, {"document.name"}));
}

TEST_F(Corrections, SupersedeFieldsWithoutTouchingTheEvent) {
  Command visit = b_.Visit();
  Given({b_.Propose(), visit});
  accord::v1::DomainEvent replacement;
  replacement.mutable_visit_held()->mutable_place()->set_city("Beijing (Haidian)");
  ThenAccepted(Correct(visit.event_id(), replacement, {"place.city"}));

  const AgreementEvent* logged = state_.FindEvent(visit.event_id());
  ASSERT_NE(logged, nullptr);
  EXPECT_EQ(logged->event.visit_held().place().city(), "Beijing") << "history keeps the original";
  std::vector<AgreementEvent> view = CorrectedHistory(state_.history);
  ASSERT_EQ(view.size(), 2u);
  EXPECT_EQ(view[1].event.visit_held().place().city(), "Beijing (Haidian)");
  EXPECT_EQ(view[1].event.visit_held().place().name(), "APSCO headquarters") << "other fields stay";
}

TEST_F(Corrections, ChangeDerivedState) {
  Command sign = b_.Sign("cospar");
  Given({b_.Propose(), b_.Terms(), sign});
  accord::v1::DomainEvent replacement;
  replacement.mutable_agreement_signed()->set_party_id("apsco");
  ThenAccepted(Correct(sign.event_id(), replacement, {"party_id"}));
  EXPECT_TRUE(state_.FindParty("apsco")->signature.has_value());
  EXPECT_FALSE(state_.FindParty("cospar")->signature.has_value());
}

TEST_F(Corrections, AreRejectedWhenMalformedOrWhenTheResultBreaksARule) {
  Command sign_cospar = b_.Sign("cospar");
  Command visit = b_.Visit();
  Given({b_.Propose(), visit, b_.Terms(), sign_cospar, b_.Sign("apsco")});

  accord::v1::DomainEvent signed_by_apsco;
  signed_by_apsco.mutable_agreement_signed()->set_party_id("apsco");
  ThenRejected(Correct(accord::testing::Uuid(999), signed_by_apsco, {"party_id"}),
               accord::v1::UNKNOWN_EVENT);
  ThenRejected(Correct(visit.event_id(), signed_by_apsco, {"party_id"}),
               accord::v1::INVALID_CORRECTION);
  ThenRejected(Correct(sign_cospar.event_id(), signed_by_apsco, {"no_such_field"}),
               accord::v1::INVALID_CORRECTION);
  std::string message = ThenRejected(Correct(sign_cospar.event_id(), signed_by_apsco, {"party_id"}),
                                     accord::v1::INVALID_CORRECTION);
  EXPECT_NE(message.find("signed already"), std::string::npos) << message;

  Command no_reason = Correct(sign_cospar.event_id(), signed_by_apsco, {"party_id"});
  no_reason.mutable_milestone()->mutable_event_corrected()->clear_reason();
  ThenRejected(no_reason, accord::v1::INVALID_CORRECTION);
}

TEST_F(Corrections, CanCorrectTheEffectiveDateAlone) {
  Command visit = b_.Visit();
  Given({b_.Propose(), visit});
  Command fix = b_.Base({});
  auto* c = fix.mutable_milestone()->mutable_event_corrected();
  c->set_corrected_event_id(visit.event_id());
  *c->mutable_effective() = Day(2024, 7, 16);
  c->set_reason("exact day found");
  c->set_source("meeting minutes");
  ThenAccepted(fix);
  EXPECT_EQ(CorrectedHistory(state_.history)[1].effective.precision(), accord::v1::FuzzyDate::DAY);
}

TEST_F(AgreementDecider, WorksAfterTheAgreementIsClosedForCorrections) {
  Command withdraw = b_.Withdraw();
  Given({b_.Propose(), withdraw});
  Command fix = b_.Base({});
  auto* c = fix.mutable_milestone()->mutable_event_corrected();
  c->set_corrected_event_id(withdraw.event_id());
  c->mutable_replacement()->mutable_agreement_withdrawn()->set_reason("talks ended");
  c->add_fields("reason");
  c->set_reason("clearer wording");
  c->set_source("minutes");
  ThenAccepted(fix);
  EXPECT_EQ(state_.closing_reason, "talks ended");
}

}  // namespace
}  // namespace accord::core
