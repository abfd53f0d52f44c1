#include "core/entry_into_force.h"

#include <gtest/gtest.h>

#include "core/decider.h"
#include "tests/testing/builders.h"

namespace accord::core {
namespace {

using Instrument = accord::v1::ConsentToBeBound;

core::Day On(int y, int m, int d) { return ToDay(accord::testing::Day(y, m, d).date()); }

AgreementState Fold(std::initializer_list<accord::v1::Command> commands) {
  AgreementState state = InitialState("convention");
  for (const auto& command : commands) {
    Decision decision = Decide(command, state);
    EXPECT_TRUE(decision.ok()) << decision.error().message;
    if (!decision.ok()) continue;
    for (const auto& e : decision.value()) state = Evolve(std::move(state), e);
  }
  return state;
}

accord::v1::Command Convention(accord::testing::CommandBuilder& b) {
  auto command = b.Propose();
  auto* p = command.mutable_milestone()->mutable_agreement_proposed();
  p->set_kind(accord::v1::CONVENTION);
  p->clear_parties();
  for (const char* id : {"bangladesh", "china", "iran", "mongolia"}) {
    *p->add_parties() = accord::testing::MakeParty(id, id);
  }
  p->clear_proposer_party_id();
  return command;
}

accord::v1::Command ConventionTerms(accord::testing::CommandBuilder& b) {
  auto command = b.Terms();
  command.mutable_milestone()
      ->mutable_terms_agreed()
      ->mutable_commitments(0)
      ->clear_responsible_party_ids();
  return command;
}

accord::v1::Command Condition(accord::testing::CommandBuilder& b, uint32_t instruments,
                              uint32_t days) {
  auto command = b.Base({});
  auto* c = command.mutable_milestone()->mutable_entry_into_force_condition_set();
  c->set_instruments_required(instruments);
  c->set_days_after_last_instrument(days);
  return command;
}

TEST(EntryIntoForce, ConventionEntersIntoForceAfterTheKthInstrument) {
  accord::testing::CommandBuilder b("convention");
  AgreementState state = Fold({
      Convention(b),
      Condition(b, 3, 30),
      ConventionTerms(b),
      b.Sign("bangladesh", accord::testing::Day(2005, 10, 28)),
      b.Sign("china", accord::testing::Day(2005, 10, 28)),
      b.Consent("china", Instrument::RATIFICATION, accord::testing::Day(2006, 6, 1)),
      b.Consent("bangladesh", Instrument::RATIFICATION, accord::testing::Day(2007, 3, 1)),
      b.Consent("iran", Instrument::ACCESSION, accord::testing::Day(2008, 11, 1)),
  });
  EntryIntoForce before = EvaluateEntryIntoForce(state, On(2008, 11, 30));
  EXPECT_FALSE(before.in_force);
  EXPECT_EQ(before.instruments_deposited, 3u);
  EXPECT_EQ(before.instruments_required, 3u);

  EntryIntoForce after = EvaluateEntryIntoForce(state, On(2008, 12, 1));
  EXPECT_TRUE(after.in_force);
  EXPECT_EQ(after.since, On(2008, 12, 1));

  EntryIntoForce early = EvaluateEntryIntoForce(state, On(2007, 1, 1));
  EXPECT_EQ(early.instruments_deposited, 1u) << "only deposits made by the day count";
}

TEST(EntryIntoForce, MemorandumIsInForceFromItsLastSignature) {
  accord::testing::CommandBuilder b;
  AgreementState partial =
      Fold({b.Propose(), b.Terms(), b.Sign("cospar", accord::testing::Day(2024, 11, 5))});
  EXPECT_FALSE(EvaluateEntryIntoForce(partial, On(2030, 1, 1)).in_force);

  accord::testing::CommandBuilder b2;
  AgreementState full =
      Fold({b2.Propose(), b2.Terms(), b2.Sign("cospar", accord::testing::Day(2024, 11, 5)),
            b2.Sign("apsco", accord::testing::Day(2024, 11, 6))});
  EXPECT_FALSE(EvaluateEntryIntoForce(full, On(2024, 11, 5)).in_force);
  EntryIntoForce in_force = EvaluateEntryIntoForce(full, On(2024, 11, 6));
  EXPECT_TRUE(in_force.in_force);
  EXPECT_EQ(in_force.since, On(2024, 11, 6));
}

// The rules refuse a condition of no instruments, but a raw append or an
// imported log can carry one; the fold must still answer (the fuzzer once
// found it reading the instrument before the first). It changes nothing:
// the memorandum stays in force, and each party with it, from full
// signature, as without it.
TEST(EntryIntoForce, AConditionOfNoInstrumentsChangesNothing) {
  accord::testing::CommandBuilder b;
  AgreementState state =
      Fold({b.Propose(), b.Terms(), b.Sign("cospar", accord::testing::Day(2024, 11, 5)),
            b.Sign("apsco", accord::testing::Day(2024, 11, 6))});
  accord::v1::Command raw = Condition(b, 0, 30);
  EXPECT_FALSE(Decide(raw, state).ok()) << "the rules refuse it";
  state =
      Evolve(std::move(state), AgreementEvent{raw.event_id(), raw.effective(), raw.milestone()});
  EXPECT_FALSE(state.entry_into_force.has_value());
  EXPECT_EQ(state.history.size(), 5u) << "it stays in the history";
  EXPECT_FALSE(BindsByConsent(state));

  EXPECT_FALSE(EvaluateEntryIntoForce(state, On(2024, 11, 5)).in_force);
  EntryIntoForce in_force = EvaluateEntryIntoForce(state, On(2024, 11, 6));
  EXPECT_TRUE(in_force.in_force);
  EXPECT_EQ(in_force.since, On(2024, 11, 6));
  EXPECT_EQ(in_force.instruments_required, 0u);
  for (const PartyStatus& party : state.parties) {
    EXPECT_TRUE(EvaluateForParty(state, party, in_force, On(2024, 11, 6)).in_force)
        << party.party.organisation_id();
  }

  // Nor does it undo a condition set before it.
  accord::testing::CommandBuilder c("convention");
  AgreementState convention = Fold({Convention(c), Condition(c, 3, 30)});
  accord::v1::Command zero = Condition(c, 0, 0);
  convention = Evolve(std::move(convention),
                      AgreementEvent{zero.event_id(), zero.effective(), zero.milestone()});
  ASSERT_TRUE(convention.entry_into_force.has_value());
  EXPECT_EQ(convention.entry_into_force->instruments_required(), 3u);
}

}  // namespace
}  // namespace accord::core
