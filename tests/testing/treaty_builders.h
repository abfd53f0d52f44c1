// Builders for multilateral agreements in tests: an open arrangement that
// parties join over the years (illustrative, like examples/open-arrangement.ndjson).
#pragma once

#include <string>

#include "tests/testing/builders.h"

namespace accord::testing {

inline constexpr char kArrangement[] = "open-arrangement";

// Commands for one multilateral agreement; ids count up like CommandBuilder's.
class TreatyBuilder {
 public:
  explicit TreatyBuilder(std::string agreement = kArrangement, uint64_t first_id = 1000)
      : b_(agreement, first_id) {}

  CommandBuilder& commands() { return b_; }

  // Proposed on `on` by two founding signatories, "alpha" and "beta", and
  // open to new parties (until `until` when given).
  accord::v1::Command Propose(accord::v1::FuzzyDate on, bool open = true,
                              accord::v1::FuzzyDate until = {}) {
    auto command = b_.Base(std::move(on));
    auto* p = command.mutable_milestone()->mutable_agreement_proposed();
    p->set_title("Arrangement on Space Weather Data");
    p->set_kind(accord::v1::AGREEMENT);
    *p->add_parties() = MakeParty("alpha", "Alpha");
    *p->add_parties() = MakeParty("beta", "Beta");
    p->add_proposer_party_ids("alpha");
    p->add_proposer_party_ids("beta");
    if (open) {
      p->mutable_openness()->set_open(true);
      if (HasUntil(until)) *p->mutable_openness()->mutable_until() = until;
    }
    return command;
  }

  accord::v1::Command Terms(accord::v1::FuzzyDate on) {
    auto command = b_.Terms();
    *command.mutable_effective() = std::move(on);
    auto* c = command.mutable_milestone()->mutable_terms_agreed()->mutable_commitments(0);
    c->clear_responsible_party_ids();
    return command;
  }

  accord::v1::Command Join(const std::string& party, accord::v1::FuzzyDate on,
                           accord::v1::Party::Role role = accord::v1::Party::SIGNATORY) {
    auto command = b_.Base(std::move(on));
    auto* j = command.mutable_milestone()->mutable_party_joined();
    *j->mutable_party() = MakeParty(party, party, role);
    return command;
  }

  // A signature with no signatory named, as sources often give it.
  accord::v1::Command Sign(const std::string& party, accord::v1::FuzzyDate on,
                           uint32_t ordinal = 0) {
    auto command = b_.Base(std::move(on));
    auto* s = command.mutable_milestone()->mutable_agreement_signed();
    s->set_party_id(party);
    s->set_ordinal(ordinal);
    return command;
  }

  accord::v1::Command Consent(const std::string& party,
                              accord::v1::ConsentToBeBound::Instrument instrument,
                              accord::v1::FuzzyDate on) {
    return b_.Consent(party, instrument, std::move(on));
  }

  accord::v1::Command InForce(accord::v1::FuzzyDate on, const std::string& party = "",
                              const std::string& words = "") {
    auto command = b_.Base(std::move(on));
    auto* r = command.mutable_milestone()->mutable_entry_into_force_recorded();
    r->set_party_id(party);
    r->set_as_stated(words);
    return command;
  }

  accord::v1::Command Condition(uint32_t instruments, uint32_t days) {
    auto command = b_.Base({});
    auto* c = command.mutable_milestone()->mutable_entry_into_force_condition_set();
    c->set_instruments_required(instruments);
    c->set_days_after_last_instrument(days);
    return command;
  }

  accord::v1::Command Declare(const std::string& party, accord::v1::DeclarationMade::Kind kind,
                              const std::string& text, accord::v1::FuzzyDate on) {
    auto command = b_.Base(std::move(on));
    auto* d = command.mutable_milestone()->mutable_declaration_made();
    d->set_party_id(party);
    d->set_kind(kind);
    d->set_text(text);
    return command;
  }

  accord::v1::Command Link(accord::v1::AgreementLinked::Relation relation,
                           const std::string& other) {
    auto command = b_.Base({});
    auto* l = command.mutable_milestone()->mutable_agreement_linked();
    l->set_relation(relation);
    l->set_other_agreement_id(other);
    return command;
  }

  accord::v1::Command Category(const std::string& party, accord::v1::MembershipCategory category,
                               accord::v1::FuzzyDate on, const std::string& note = "") {
    auto command = b_.Base(std::move(on));
    auto* m = command.mutable_milestone()->mutable_membership_category_changed();
    m->set_party_id(party);
    m->set_category(category);
    m->set_note(note);
    return command;
  }

  accord::v1::Command Withdraw(const std::string& party, accord::v1::FuzzyDate notified,
                               accord::v1::FuzzyDate takes_effect) {
    auto command = b_.Base(notified);
    auto* w = command.mutable_milestone()->mutable_party_withdrew();
    w->set_party_id(party);
    *w->mutable_notified() = std::move(notified);
    *w->mutable_takes_effect() = std::move(takes_effect);
    return command;
  }

 private:
  static bool HasUntil(const accord::v1::FuzzyDate& d) {
    return d.precision() != accord::v1::FuzzyDate::PRECISION_UNSPECIFIED;
  }
  CommandBuilder b_;
};

inline accord::v1::FuzzyDate Year(int y) {
  accord::v1::FuzzyDate date;
  date.set_precision(accord::v1::FuzzyDate::YEAR);
  date.mutable_date()->set_year(y);
  return date;
}

inline accord::v1::FuzzyDate Undated(const std::string& words) {
  accord::v1::FuzzyDate date;
  date.set_precision(accord::v1::FuzzyDate::UNDATED);
  date.set_as_stated(words);
  return date;
}

}  // namespace accord::testing
