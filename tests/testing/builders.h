// Builders for commands and events in tests: the COSPAR-APSCO MoU in small
// pieces, so that a test names only what it is about.
#pragma once

#include <fmt/format.h>

#include <string>

#include "accord/v1/commands.pb.h"
#include "accord/v1/events.pb.h"
#include "accord/v1/record.pb.h"
#include "core/hash.h"

namespace accord::testing {

inline constexpr char kMou[] = "cospar-apsco-mou";

// Distinct canonical UUIDs: Uuid(1) = "00000000-0000-4000-8000-000000000001".
inline std::string Uuid(uint64_t n) { return fmt::format("00000000-0000-4000-8000-{:012x}", n); }

inline accord::v1::FuzzyDate Day(int y, int m, int d) {
  accord::v1::FuzzyDate date;
  date.set_precision(accord::v1::FuzzyDate::DAY);
  date.mutable_date()->set_year(y);
  date.mutable_date()->set_month(m);
  date.mutable_date()->set_day(d);
  return date;
}

inline accord::v1::FuzzyDate Month(int y, int m) {
  accord::v1::FuzzyDate date;
  date.set_precision(accord::v1::FuzzyDate::MONTH);
  date.mutable_date()->set_year(y);
  date.mutable_date()->set_month(m);
  return date;
}

inline accord::v1::FuzzyDate Autumn(int y, std::string words = "") {
  accord::v1::FuzzyDate date;
  date.set_precision(accord::v1::FuzzyDate::SEASON);
  date.mutable_date()->set_year(y);
  date.set_season(accord::v1::AUTUMN);
  date.set_as_stated(std::move(words));
  return date;
}

inline accord::v1::Party MakeParty(const std::string& id, const std::string& name,
                                   accord::v1::Party::Role role = accord::v1::Party::SIGNATORY) {
  accord::v1::Party party;
  party.set_organisation_id(id);
  party.set_name(name);
  party.set_acronym(id == "cospar" ? "COSPAR" : id == "apsco" ? "APSCO" : "");
  party.set_role(role);
  return party;
}

// A command with a fresh id for `agreement`, effective July 2024.
class CommandBuilder {
 public:
  // Event ids count up from first_id + 1: give builders of different
  // agreements in one store different ranges.
  explicit CommandBuilder(std::string agreement = kMou, uint64_t first_id = 0)
      : agreement_(std::move(agreement)), next_id_(first_id) {}

  accord::v1::Command Base(accord::v1::FuzzyDate effective) {
    accord::v1::Command command;
    command.set_agreement_id(agreement_);
    command.set_event_id(Uuid(++next_id_));
    *command.mutable_effective() = std::move(effective);
    return command;
  }

  accord::v1::Command Propose() {
    auto command = Base(Month(2024, 7));
    auto* p = command.mutable_milestone()->mutable_agreement_proposed();
    p->set_title("Memorandum of Understanding between COSPAR and APSCO");
    p->set_kind(accord::v1::MEMORANDUM_OF_UNDERSTANDING);
    *p->add_parties() = MakeParty("cospar", "Committee on Space Research");
    *p->add_parties() = MakeParty("apsco", "Asia-Pacific Space Cooperation Organization");
    p->add_areas_of_cooperation("capacity building");
    p->set_proposer_party_id("cospar");
    return command;
  }

  accord::v1::Command Visit() {
    auto command = Base(Month(2024, 7));
    auto* v = command.mutable_milestone()->mutable_visit_held();
    v->mutable_place()->set_name("APSCO headquarters");
    v->mutable_place()->set_city("Beijing");
    v->mutable_place()->set_country("China");
    v->set_host_party_id("apsco");
    auto* delegate = v->add_delegations();
    delegate->set_name("Prof. Pascale Ehrenfreund");
    delegate->set_title("COSPAR President");
    delegate->set_organisation_id("cospar");
    v->add_topics("capacity building");
    return command;
  }

  accord::v1::Command Terms() {
    auto command = Base(Month(2024, 7));
    auto* t = command.mutable_milestone()->mutable_terms_agreed();
    auto* c = t->add_commitments();
    c->set_id("train-the-trainers");
    c->set_description("Collaborate on the Train the Trainers programme");
    c->add_responsible_party_ids("cospar");
    c->add_responsible_party_ids("apsco");
    c->set_kind(accord::v1::Commitment::UNDERTAKING);
    return command;
  }

  accord::v1::Command Sign(const std::string& party,
                           accord::v1::FuzzyDate when = Day(2024, 11, 6)) {
    auto command = Base(std::move(when));
    auto* s = command.mutable_milestone()->mutable_agreement_signed();
    s->set_party_id(party);
    s->mutable_signatory()->set_name(party == "cospar" ? "Prof. Pascale Ehrenfreund"
                                                       : "APSCO Secretary-General");
    return command;
  }

  accord::v1::Command FollowUp() {
    auto command = Base(Autumn(2024));
    auto* f = command.mutable_milestone()->mutable_follow_up_meeting_held();
    f->mutable_place()->set_city("Sharjah");
    f->add_outcomes("plans for cooperation moved forward");
    return command;
  }

  accord::v1::Command Schedule(const std::string& id, accord::v1::FuzzyDate planned) {
    auto command = Base(Month(2024, 7));
    auto* m = command.mutable_milestone()->mutable_milestone_scheduled();
    m->set_milestone_id(id);
    m->set_kind(accord::v1::MilestoneScheduled::SIGNING);
    m->set_description("Signing of the MoU");
    *m->mutable_planned() = std::move(planned);
    return command;
  }

  accord::v1::Command Withdraw() {
    auto command = Base(Day(2025, 1, 10));
    command.mutable_milestone()->mutable_agreement_withdrawn()->set_reason("abandoned");
    return command;
  }

  accord::v1::Command Terminate() {
    auto command = Base(Day(2030, 1, 10));
    command.mutable_milestone()->mutable_agreement_terminated()->set_reason("superseded");
    return command;
  }

  accord::v1::Command Note(const std::string& text) {
    auto command = Base({});
    command.mutable_milestone()->mutable_note_added()->set_text(text);
    return command;
  }

  // A document (of `bytes`' digest and size) attached to the agreement, or
  // to the event `about`.
  accord::v1::Command Document(const std::string& bytes, const std::string& about = "") {
    auto command = Base({});
    auto* attached = command.mutable_milestone()->mutable_document_attached();
    attached->set_agreement_id(command.agreement_id());
    attached->set_about_event_id(about);
    auto* document = attached->mutable_document();
    document->set_sha256(core::HexEncode(core::Sha256(bytes)));
    document->set_name("mou-signed.pdf");
    document->set_media_type("application/pdf");
    document->set_size(bytes.size());
    return command;
  }

  accord::v1::Command Consent(const std::string& party,
                              accord::v1::ConsentToBeBound::Instrument instrument,
                              accord::v1::FuzzyDate deposited) {
    auto command = Base(deposited);
    auto* c = command.mutable_milestone()->mutable_consent_to_be_bound();
    c->set_party_id(party);
    c->set_instrument(instrument);
    *c->mutable_deposited() = std::move(deposited);
    return command;
  }

 private:
  std::string agreement_;
  uint64_t next_id_ = 0;
};

// A raw event for store tests: ~300 bytes of payload, like a milestone.
inline accord::v1::NewEvent RawEvent(uint64_t id, const std::string& note = "note") {
  accord::v1::NewEvent event;
  event.set_event_id(Uuid(id));
  event.set_event_type("accord.v1.NoteAdded");
  event.set_schema_version(1);
  event.set_payload(note + std::string(300 - std::min<size_t>(note.size(), 300), '.'));
  event.set_actor("tester");
  return event;
}

// A raw event whose payload decodes as a NoteAdded, for tests where a server
// runs: its projections read every event. ~300 bytes, like RawEvent.
inline accord::v1::NewEvent NoteEvent(uint64_t id, const std::string& text = "note") {
  accord::v1::NewEvent event = RawEvent(id);
  accord::v1::NoteAdded note;
  note.set_text(text + std::string(280 - std::min<size_t>(text.size(), 280), '.'));
  event.set_payload(note.SerializeAsString());
  return event;
}

}  // namespace accord::testing
