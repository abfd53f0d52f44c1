#include "core/decider.h"

#include <fmt/format.h>
#include <google/protobuf/util/field_mask_util.h>

#include <algorithm>
#include <set>
#include <string_view>

#include "core/fuzzy_date.h"

namespace accord::core {
namespace {

using accord::v1::Command;
using accord::v1::DomainEvent;
using accord::v1::FuzzyDate;
using accord::v1::Party;
using accord::v1::RejectionCode;

class Rules {
 public:
  Rules(const Command& command, const AgreementState& state) : command_(command), state_(state) {}

  Decision Run() {
    if (!IsValidAgreementId(command_.agreement_id())) {
      return Reject(accord::v1::INVALID_COMMAND,
                    "an agreement id is 1-128 lower-case letters, digits and inner hyphens");
    }
    if (!IsCanonicalUuid(command_.event_id())) {
      return Reject(accord::v1::INVALID_COMMAND,
                    "the event id must be a UUID in canonical lower-case form");
    }
    if (std::string problem = ValidateFuzzyDate(command_.effective()); !problem.empty()) {
      return Reject(accord::v1::INVALID_COMMAND, "effective date: " + problem);
    }
    const DomainEvent& m = command_.milestone();
    if (m.kind_case() == DomainEvent::KIND_NOT_SET) {
      return Reject(accord::v1::INVALID_COMMAND, "the command names no milestone");
    }
    if (m.kind_case() == DomainEvent::kAgreementProposed) return Propose(m.agreement_proposed());
    if (state_.stage == Stage::kNone) {
      return Reject(accord::v1::UNKNOWN_AGREEMENT, "no such agreement has been proposed");
    }
    // After withdrawal or termination only notes, documents (the letter that
    // ended it) and corrections are recorded.
    if (state_.IsClosed() && !m.has_note_added() && !m.has_event_corrected() &&
        !m.has_document_attached()) {
      return Reject(accord::v1::AGREEMENT_CLOSED, "it is closed to new milestones");
    }
    // No default: a milestone kind without its rule does not compile (-Wswitch).
    switch (m.kind_case()) {
      case DomainEvent::KIND_NOT_SET:        // refused above
      case DomainEvent::kAgreementProposed:  // decided above
        break;
      case DomainEvent::kVisitHeld:
        return Visit(m.visit_held());
      case DomainEvent::kTermsAgreed:
        return AgreeTerms(m.terms_agreed());
      case DomainEvent::kAgreementSigned:
        return Sign(m.agreement_signed());
      case DomainEvent::kFollowUpMeetingHeld:
        return FollowUp(m.follow_up_meeting_held());
      case DomainEvent::kMilestoneScheduled:
        return Schedule(m.milestone_scheduled());
      case DomainEvent::kConsentToBeBound:
        return Consent(m.consent_to_be_bound());
      case DomainEvent::kMembershipCategoryChanged:
        return Membership(m.membership_category_changed());
      case DomainEvent::kPartyWithdrew:
        return PartyWithdraw(m.party_withdrew());
      case DomainEvent::kEntryIntoForceConditionSet:
        return Condition(m.entry_into_force_condition_set());
      case DomainEvent::kAgreementWithdrawn:
        return Withdraw(m.agreement_withdrawn());
      case DomainEvent::kAgreementTerminated:
        return Terminate(m.agreement_terminated());
      case DomainEvent::kNoteAdded:
        return Note(m.note_added());
      case DomainEvent::kEventCorrected:
        return Correct(m.event_corrected());
      case DomainEvent::kPartyJoined:
        return Join(m.party_joined());
      case DomainEvent::kEntryIntoForceRecorded:
        return RecordEntryIntoForce(m.entry_into_force_recorded());
      case DomainEvent::kDeclarationMade:
        return Declare(m.declaration_made());
      case DomainEvent::kAgreementLinked:
        return Link(m.agreement_linked());
      case DomainEvent::kDocumentAttached:
        return AttachDocument(m.document_attached());
    }
    return Reject(accord::v1::INVALID_COMMAND, "the command names no milestone");
  }

 private:
  Decision Reject(RejectionCode code, const std::string& reason) const {
    std::string where =
        state_.stage == Stage::kNone
            ? fmt::format("agreement '{}' does not exist", command_.agreement_id())
            : fmt::format("agreement '{}' is {}", command_.agreement_id(), StageName(state_.stage));
    return MakeUnexpected(Rejection{code, fmt::format("{}: {}; allowed now: {}", where, reason,
                                                      fmt::join(AllowedActions(state_), ", "))});
  }

  Decision Accept() const {
    return std::vector<AgreementEvent>{
        AgreementEvent{command_.event_id(), command_.effective(), command_.milestone()}};
  }

  Decision RequireDate(const char* what) const {
    if (!HasDate(command_.effective())) {
      return Reject(accord::v1::INVALID_COMMAND,
                    fmt::format("{} needs an effective date (UNDATED with the source's words "
                                "when it has none)",
                                what));
    }
    return Accept();
  }

  // Empty when the party may act; otherwise the rejection.
  std::optional<Decision> CheckParty(const std::string& party_id) const {
    if (party_id.empty()) return Reject(accord::v1::INVALID_COMMAND, "a party id is required");
    if (state_.FindParty(party_id) == nullptr) {
      return Reject(accord::v1::UNKNOWN_PARTY,
                    fmt::format("'{}' is not one of its parties ({})", party_id, PartyIds()));
    }
    return std::nullopt;
  }

  // Like CheckParty, for a signature or consent: a party not yet listed
  // joins by the act itself where the agreement is open on the command's
  // effective date. *joining is set when it does.
  std::optional<Decision> CheckPartyOrJoin(const std::string& party_id, bool* joining) const {
    *joining = false;
    if (party_id.empty()) return Reject(accord::v1::INVALID_COMMAND, "a party id is required");
    if (state_.FindParty(party_id) != nullptr) return std::nullopt;
    if (!state_.OpenToNewParties()) return CheckParty(party_id);  // UNKNOWN_PARTY, as ever
    if (auto rejected = CheckOpen()) return *rejected;
    if (!IsValidAgreementId(party_id)) {
      return Reject(accord::v1::INVALID_COMMAND,
                    "a party joining needs a lower-case organisation id");
    }
    *joining = true;
    return std::nullopt;
  }

  // Empty when the agreement takes new parties on the command's date.
  std::optional<Decision> CheckOpen() const {
    if (!state_.OpenToNewParties()) {
      return Reject(accord::v1::AGREEMENT_NOT_OPEN,
                    "it is not open to new parties: only the parties it was proposed with "
                    "take part");
    }
    if (!state_.OpenToNewPartiesOn(command_.effective())) {
      return Reject(accord::v1::AGREEMENT_NOT_OPEN,
                    fmt::format("it was open to new parties until {}, before {}",
                                FormatFuzzyDate(state_.proposal.openness().until()),
                                FormatFuzzyDate(command_.effective())));
    }
    return std::nullopt;
  }

  std::optional<Decision> CheckMilestone(const std::string& milestone_id) const {
    if (milestone_id.empty() || state_.milestones.count(milestone_id) > 0) return std::nullopt;
    return Reject(accord::v1::INVALID_COMMAND,
                  fmt::format("no milestone '{}' is scheduled to be fulfilled", milestone_id));
  }

  std::string PartyIds() const {
    std::vector<std::string> ids;
    for (const auto& p : state_.parties) ids.push_back(p.party.organisation_id());
    return fmt::format("{}", fmt::join(ids, ", "));
  }

  std::optional<Decision> CheckDate(const FuzzyDate& date, const char* what) const {
    if (std::string problem = ValidateFuzzyDate(date); !problem.empty()) {
      return Reject(accord::v1::INVALID_COMMAND, fmt::format("{}: {}", what, problem));
    }
    return std::nullopt;
  }

  Decision Propose(const accord::v1::AgreementProposed& p) const {
    if (state_.stage != Stage::kNone) {
      return Reject(accord::v1::AGREEMENT_ALREADY_EXISTS, "it was proposed already");
    }
    if (p.title().empty()) return Reject(accord::v1::INVALID_COMMAND, "a proposal needs a title");
    if (p.kind() == accord::v1::AGREEMENT_KIND_UNSPECIFIED) {
      return Reject(accord::v1::INVALID_COMMAND, "a proposal needs a kind of agreement");
    }
    if (p.parties_size() < 2) {
      return Reject(accord::v1::INVALID_COMMAND, "an agreement needs at least two parties");
    }
    std::set<std::string> ids;
    int signatories = 0;
    for (const Party& party : p.parties()) {
      if (!IsValidAgreementId(party.organisation_id()) || party.name().empty()) {
        return Reject(accord::v1::INVALID_COMMAND,
                      "each party needs a lower-case organisation id and a name");
      }
      if (party.role() == Party::ROLE_UNSPECIFIED) {
        return Reject(accord::v1::INVALID_COMMAND,
                      fmt::format("party '{}' needs a role", party.organisation_id()));
      }
      if (!ids.insert(party.organisation_id()).second) {
        return Reject(accord::v1::INVALID_COMMAND,
                      fmt::format("party '{}' is listed twice", party.organisation_id()));
      }
      signatories += party.role() == Party::SIGNATORY ? 1 : 0;
    }
    if (signatories == 0) {
      return Reject(accord::v1::INVALID_COMMAND, "at least one party must be a signatory");
    }
    for (const std::string& proposer : ProposerIds(p)) {
      if (ids.count(proposer) == 0) {
        return Reject(accord::v1::UNKNOWN_PARTY,
                      fmt::format("the proposer '{}' is not one of the parties", proposer));
      }
    }
    if (p.openness().has_until() && !p.openness().open()) {
      return Reject(accord::v1::INVALID_COMMAND,
                    "an agreement closed to new parties has no date until which it is open");
    }
    if (auto rejected = CheckDate(p.openness().until(), "open until")) return *rejected;
    return Accept();
  }

  Decision Visit(const accord::v1::VisitHeld& v) const {
    if (v.place().name().empty() && v.place().city().empty()) {
      return Reject(accord::v1::INVALID_COMMAND, "a visit needs a place");
    }
    if (!v.host_party_id().empty()) {
      if (auto rejected = CheckParty(v.host_party_id())) return *rejected;
    }
    for (const auto& person : v.delegations()) {
      if (person.name().empty()) {
        return Reject(accord::v1::INVALID_COMMAND, "every delegate needs a name");
      }
    }
    if (auto rejected = CheckMilestone(v.fulfils_milestone_id())) return *rejected;
    return RequireDate("a visit");
  }

  Decision AgreeTerms(const accord::v1::TermsAgreed& t) const {
    if (state_.stage != Stage::kProposed) {
      return Reject(accord::v1::TERMS_ALREADY_AGREED, "its terms were agreed already");
    }
    if (t.commitments().empty()) {
      return Reject(accord::v1::INVALID_COMMAND, "agreed terms need at least one commitment");
    }
    std::set<std::string> ids;
    for (const auto& c : t.commitments()) {
      if (c.id().empty() || c.description().empty()) {
        return Reject(accord::v1::INVALID_COMMAND, "each commitment needs an id and a description");
      }
      if (!ids.insert(c.id()).second) {
        return Reject(accord::v1::INVALID_COMMAND,
                      fmt::format("commitment '{}' is listed twice", c.id()));
      }
      for (const auto& party_id : c.responsible_party_ids()) {
        if (auto rejected = CheckParty(party_id)) return *rejected;
      }
      if (auto rejected = CheckDate(c.due(), "commitment due date")) return *rejected;
    }
    return RequireDate("agreeing terms");
  }

  Decision Sign(const accord::v1::AgreementSigned& s) const {
    if (state_.stage == Stage::kProposed) {
      return Reject(accord::v1::TERMS_NOT_AGREED,
                    "it cannot be signed before its terms are agreed");
    }
    bool joining = false;
    if (auto rejected = CheckPartyOrJoin(s.party_id(), &joining)) return *rejected;
    if (joining) {
      if (auto rejected = CheckMilestone(s.fulfils_milestone_id())) return *rejected;
      return RequireDate("a signature");
    }
    const PartyStatus& party = *state_.FindParty(s.party_id());
    if (party.party.role() != Party::SIGNATORY) {
      return Reject(accord::v1::PARTY_NOT_SIGNATORY,
                    fmt::format("'{}' takes part as an observer and does not sign", s.party_id()));
    }
    if (party.signature) {
      return Reject(accord::v1::PARTY_ALREADY_SIGNED,
                    fmt::format("'{}' signed already, on {}", s.party_id(),
                                FormatFuzzyDate(party.signed_on)));
    }
    if (auto rejected = CheckMilestone(s.fulfils_milestone_id())) return *rejected;
    return RequireDate("a signature");
  }

  Decision FollowUp(const accord::v1::FollowUpMeetingHeld& f) const {
    if (state_.stage == Stage::kProposed) {
      return Reject(accord::v1::TERMS_NOT_AGREED,
                    "follow-up meetings are recorded once its terms are agreed");
    }
    for (const auto& host : f.host_organisation_ids()) {
      if (!IsValidAgreementId(host)) {
        return Reject(accord::v1::INVALID_COMMAND,
                      fmt::format("host '{}' is not a lower-case organisation id", host));
      }
    }
    for (const auto& id : f.commitments_progressed()) {
      if (state_.FindCommitment(id) == nullptr) {
        return Reject(accord::v1::INVALID_COMMAND,
                      fmt::format("'{}' is not one of its commitments", id));
      }
    }
    if (auto rejected = CheckMilestone(f.fulfils_milestone_id())) return *rejected;
    return RequireDate("a follow-up meeting");
  }

  Decision Schedule(const accord::v1::MilestoneScheduled& m) const {
    if (m.milestone_id().empty() || m.kind() == accord::v1::MilestoneScheduled::KIND_UNSPECIFIED) {
      return Reject(accord::v1::INVALID_COMMAND, "a planned milestone needs an id and a kind");
    }
    if (!HasDate(m.planned())) {
      return Reject(accord::v1::INVALID_COMMAND, "a planned milestone needs a planned date");
    }
    if (auto rejected = CheckDate(m.planned(), "planned date")) return *rejected;
    for (const auto& party_id : m.party_ids()) {
      if (auto rejected = CheckParty(party_id)) return *rejected;
    }
    return Accept();
  }

  Decision Consent(const accord::v1::ConsentToBeBound& c) const {
    if (state_.stage == Stage::kProposed) {
      return Reject(accord::v1::TERMS_NOT_AGREED,
                    "consent to be bound needs agreed terms to be bound by");
    }
    if (state_.NonBinding()) {
      return Reject(accord::v1::NOT_BINDING,
                    "it is a non-binding instrument: a party takes part by signing or "
                    "joining, not by consent to be bound");
    }
    using Instrument = accord::v1::ConsentToBeBound;
    // Accession, succession and definitive signature need no earlier
    // signature. A signatory's instrument may go unnamed where the source
    // does not name it ("full member": bound, by some instrument).
    bool unnamed = c.instrument() == Instrument::INSTRUMENT_UNSPECIFIED;
    bool needs_signature = unnamed || c.instrument() == Instrument::RATIFICATION ||
                           c.instrument() == Instrument::ACCEPTANCE ||
                           c.instrument() == Instrument::APPROVAL;
    bool joining = false;
    if (auto rejected = CheckPartyOrJoin(c.party_id(), &joining)) return *rejected;
    const PartyStatus* known = state_.FindParty(c.party_id());
    if (unnamed && (known == nullptr || !known->signature)) {
      return Reject(accord::v1::INVALID_COMMAND,
                    "name the instrument: ratification, acceptance, approval, accession, "
                    "succession or definitive signature (only a party that signed may leave "
                    "it unnamed)");
    }
    if (joining && needs_signature) {
      return Reject(accord::v1::PARTY_NOT_SIGNED,
                    fmt::format("'{}' is not yet a party and has not signed: it joins by "
                                "accession, succession or definitive signature, or signs first",
                                c.party_id()));
    }
    if (joining) return CheckInstrumentDates(c);
    const PartyStatus& party = *state_.FindParty(c.party_id());
    if (party.party.role() != Party::SIGNATORY) {
      return Reject(
          accord::v1::PARTY_NOT_SIGNATORY,
          fmt::format("'{}' takes part as an observer and cannot be bound", c.party_id()));
    }
    if (party.withdrawal) {
      return Reject(accord::v1::PARTY_ALREADY_WITHDRAWN,
                    fmt::format("'{}' has withdrawn", c.party_id()));
    }
    if (party.consent) {
      return Reject(accord::v1::PARTY_ALREADY_BOUND,
                    fmt::format("'{}' deposited its instrument already", c.party_id()));
    }
    if (needs_signature && !party.signature) {
      return Reject(accord::v1::PARTY_NOT_SIGNED,
                    fmt::format("'{}' has not signed: sign first, or record an accession, "
                                "succession or definitive signature",
                                c.party_id()));
    }
    if (IsDefinitiveSignature(c) && party.signature) {
      return Reject(accord::v1::PARTY_ALREADY_SIGNED,
                    fmt::format("'{}' signed already, on {}: a definitive signature is a "
                                "first signature; record a ratification instead",
                                c.party_id(), FormatFuzzyDate(party.signed_on)));
    }
    return CheckInstrumentDates(c);
  }

  Decision CheckInstrumentDates(const accord::v1::ConsentToBeBound& c) const {
    if (!HasDate(c.deposited())) {
      return Reject(accord::v1::INVALID_COMMAND, "the instrument needs its deposit date");
    }
    if (auto rejected = CheckDate(c.deposited(), "deposit date")) return *rejected;
    if (auto rejected = CheckDate(c.takes_effect(), "date of effect")) return *rejected;
    if (auto rejected = CheckMilestone(c.fulfils_milestone_id())) return *rejected;
    return Accept();
  }

  Decision Membership(const accord::v1::MembershipCategoryChanged& m) const {
    if (auto rejected = CheckParty(m.party_id())) return *rejected;
    if (m.category() == accord::v1::MEMBERSHIP_CATEGORY_UNSPECIFIED) {
      return Reject(accord::v1::INVALID_COMMAND, "name the membership category");
    }
    if (state_.FindParty(m.party_id())->withdrawal) {
      return Reject(accord::v1::PARTY_ALREADY_WITHDRAWN,
                    fmt::format("'{}' has withdrawn", m.party_id()));
    }
    return Accept();
  }

  Decision PartyWithdraw(const accord::v1::PartyWithdrew& w) const {
    if (auto rejected = CheckParty(w.party_id())) return *rejected;
    const PartyStatus& party = *state_.FindParty(w.party_id());
    if (party.withdrawal) {
      return Reject(accord::v1::PARTY_ALREADY_WITHDRAWN,
                    fmt::format("'{}' has withdrawn already", w.party_id()));
    }
    if (party.party.role() == Party::SIGNATORY && !party.signature && !party.consent) {
      return Reject(accord::v1::PARTY_NOT_SIGNED,
                    fmt::format("'{}' neither signed nor is bound, so has nothing to withdraw from",
                                w.party_id()));
    }
    if (auto rejected = CheckDate(w.notified(), "date of notification")) return *rejected;
    if (auto rejected = CheckDate(w.takes_effect(), "date of effect")) return *rejected;
    return RequireDate("a withdrawal");
  }

  Decision Condition(const accord::v1::EntryIntoForceConditionSet& c) const {
    if (state_.NonBinding()) {
      return Reject(accord::v1::NOT_BINDING,
                    "it is a non-binding instrument and never enters into force");
    }
    if (c.instruments_required() == 0) {
      return Reject(accord::v1::INVALID_COMMAND,
                    "an entry-into-force condition needs at least one instrument");
    }
    return Accept();
  }

  Decision Join(const accord::v1::PartyJoined& j) const {
    const Party& party = j.party();
    if (!IsValidAgreementId(party.organisation_id()) || party.name().empty()) {
      return Reject(accord::v1::INVALID_COMMAND,
                    "a party joining needs a lower-case organisation id and a name");
    }
    if (party.role() == Party::ROLE_UNSPECIFIED) {
      return Reject(accord::v1::INVALID_COMMAND,
                    fmt::format("party '{}' needs a role", party.organisation_id()));
    }
    if (const PartyStatus* existing = state_.FindParty(party.organisation_id())) {
      // An observer becomes a signatory by joining again as one; a party that
      // joined by signing or acceding may have its joining logged after that
      // act (logged out of order), which says when it joined.
      bool observer_to_signatory = existing->party.role() == Party::OBSERVER &&
                                   party.role() == Party::SIGNATORY && !existing->withdrawal;
      bool joined_by_act =
          existing->joined_by == JoinedBy::kSignature || existing->joined_by == JoinedBy::kConsent;
      if (!observer_to_signatory && !joined_by_act) {
        return Reject(accord::v1::PARTY_ALREADY_JOINED,
                      fmt::format("'{}' is a party already (since {})", party.organisation_id(),
                                  FormatFuzzyDate(existing->joined_on)));
      }
    }
    if (auto rejected = CheckOpen()) return *rejected;
    return RequireDate("joining");
  }

  Decision RecordEntryIntoForce(const accord::v1::EntryIntoForceRecorded& r) const {
    if (state_.NonBinding()) {
      return Reject(accord::v1::NOT_BINDING,
                    "it is a non-binding instrument and never enters into force: it is in "
                    "effect for each party from its signature or joining");
    }
    if (Decision dated = RequireDate("entry into force"); !dated) return dated;
    if (r.party_id().empty()) {
      if (state_.in_force_recorded) {
        return Reject(accord::v1::ENTRY_INTO_FORCE_ALREADY_RECORDED,
                      fmt::format("its entry into force was recorded already ({}); correct "
                                  "that event instead",
                                  FormatFuzzyDate(state_.in_force_recorded_on)));
      }
    } else {
      if (auto rejected = CheckParty(r.party_id())) return *rejected;
      if (state_.FindParty(r.party_id())->in_force_recorded) {
        return Reject(accord::v1::ENTRY_INTO_FORCE_ALREADY_RECORDED,
                      fmt::format("its entry into force for '{}' was recorded already; correct "
                                  "that event instead",
                                  r.party_id()));
      }
    }
    return RequireDate("entry into force");
  }

  Decision Declare(const accord::v1::DeclarationMade& d) const {
    if (auto rejected = CheckParty(d.party_id())) return *rejected;
    if (d.kind() == accord::v1::DeclarationMade::KIND_UNSPECIFIED || d.text().empty()) {
      return Reject(accord::v1::INVALID_COMMAND,
                    "a declaration needs its kind (declaration, reservation or objection) and "
                    "its text");
    }
    return RequireDate("a declaration");
  }

  Decision Link(const accord::v1::AgreementLinked& l) const {
    if (l.relation() == accord::v1::AgreementLinked::RELATION_UNSPECIFIED) {
      return Reject(accord::v1::INVALID_COMMAND,
                    "name the relation: amends, supersedes, implements, protocol to or related");
    }
    if (!IsValidAgreementId(l.other_agreement_id())) {
      return Reject(accord::v1::INVALID_COMMAND, "name the other agreement by its id");
    }
    if (l.other_agreement_id() == command_.agreement_id()) {
      return Reject(accord::v1::INVALID_COMMAND, "an agreement is not linked to itself");
    }
    for (const DatedLink& existing : state_.links) {
      if (existing.link.relation() == l.relation() &&
          existing.link.other_agreement_id() == l.other_agreement_id()) {
        return Reject(accord::v1::ALREADY_LINKED,
                      fmt::format("it is linked to '{}' so already", l.other_agreement_id()));
      }
    }
    return Accept();
  }

  Decision Withdraw(const accord::v1::AgreementWithdrawn& w) const {
    if (state_.stage == Stage::kSigned) {
      return Reject(accord::v1::ALREADY_FULLY_SIGNED,
                    "a fully signed agreement is terminated, not withdrawn");
    }
    if (w.reason().empty()) return Reject(accord::v1::INVALID_COMMAND, "give a reason");
    return Accept();
  }

  Decision Terminate(const accord::v1::AgreementTerminated& t) const {
    if (state_.stage != Stage::kSigned) {
      return Reject(accord::v1::NOT_FULLY_SIGNED,
                    "only a fully signed agreement is terminated; withdraw it instead");
    }
    if (t.reason().empty()) return Reject(accord::v1::INVALID_COMMAND, "give a reason");
    return Accept();
  }

  Decision Note(const accord::v1::NoteAdded& n) const {
    if (n.text().empty()) return Reject(accord::v1::INVALID_COMMAND, "a note needs text");
    if (!n.about_event_id().empty() && state_.FindEvent(n.about_event_id()) == nullptr) {
      return Reject(accord::v1::UNKNOWN_EVENT,
                    fmt::format("it has no event '{}' to note", n.about_event_id()));
    }
    return Accept();
  }

  // The bytes are the document store's business (the application stores
  // them before it decides); the rules check what the event says of them.
  Decision AttachDocument(const accord::v1::DocumentAttached& d) const {
    if (d.agreement_id() != command_.agreement_id()) {
      return Reject(
          accord::v1::INVALID_COMMAND,
          fmt::format("the document's agreement_id '{}' is not the command's", d.agreement_id()));
    }
    if (!d.about_event_id().empty() && state_.FindEvent(d.about_event_id()) == nullptr) {
      return Reject(
          accord::v1::UNKNOWN_EVENT,
          fmt::format("it has no event '{}' to attach a document to", d.about_event_id()));
    }
    if (std::string problem = DocumentProblem(d.document()); !problem.empty()) {
      return Reject(accord::v1::INVALID_COMMAND, problem);
    }
    return Accept();
  }

  Decision Correct(const accord::v1::EventCorrected& c) const {
    const AgreementEvent* target = state_.FindEvent(c.corrected_event_id());
    if (target == nullptr) {
      return Reject(accord::v1::UNKNOWN_EVENT,
                    fmt::format("it has no event '{}' to correct", c.corrected_event_id()));
    }
    if (target->event.has_event_corrected()) {
      return Reject(accord::v1::INVALID_CORRECTION,
                    "a correction is not corrected; correct the original event again");
    }
    if (c.reason().empty() || c.source().empty()) {
      return Reject(accord::v1::INVALID_CORRECTION, "a correction needs a reason and a source");
    }
    if (c.fields().empty() && !c.has_effective()) {
      return Reject(accord::v1::INVALID_CORRECTION,
                    "a correction names at least one field or a new effective date");
    }
    if (target->event.has_document_attached()) {
      for (const auto& path : c.fields()) {
        if (path == "document" || path == "document.sha256" || path == "document.size" ||
            path == "agreement_id") {
          return Reject(accord::v1::INVALID_CORRECTION,
                        fmt::format("'{}' binds the document's bytes and is not corrected; "
                                    "attach the right file instead",
                                    path));
        }
      }
    }
    if (!c.fields().empty()) {
      if (c.replacement().kind_case() != target->event.kind_case()) {
        return Reject(accord::v1::INVALID_CORRECTION,
                      "the replacement must be of the corrected event's type");
      }
      const auto* type =
          DomainEvent::descriptor()->FindFieldByNumber(target->event.kind_case())->message_type();
      for (const auto& path : c.fields()) {
        if (!google::protobuf::util::FieldMaskUtil::GetFieldDescriptors(type, path, nullptr)) {
          return Reject(accord::v1::INVALID_CORRECTION,
                        fmt::format("'{}' is not a field of {}", path, type->full_name()));
        }
      }
    }
    if (auto rejected = CheckDate(c.effective(), "corrected effective date")) return *rejected;
    return ReplayCorrected();
  }

  // A correction may not produce a history the rules would have refused:
  // replay the corrected history through them.
  Decision ReplayCorrected() const {
    std::vector<AgreementEvent> history = state_.history;
    history.push_back(
        AgreementEvent{command_.event_id(), command_.effective(), command_.milestone()});
    AgreementState replayed = InitialState(state_.agreement_id);
    for (const AgreementEvent& e : CorrectedHistory(history)) {
      Command again;
      again.set_agreement_id(command_.agreement_id());
      again.set_event_id(e.event_id);
      *again.mutable_effective() = e.effective;
      *again.mutable_milestone() = e.event;
      Decision d = Rules(again, replayed).Run();
      if (!d) {
        return Reject(accord::v1::INVALID_CORRECTION,
                      fmt::format("the corrected event {} would break a rule ({})", e.event_id,
                                  d.error().message));
      }
      replayed = Evolve(std::move(replayed), e);
    }
    return Accept();
  }

  const Command& command_;
  const AgreementState& state_;
};

}  // namespace

bool IsSha256Hex(std::string_view digest) {
  return digest.size() == 64 && std::all_of(digest.begin(), digest.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool IsMediaType(std::string_view type) {
  // RFC 6838's restricted-name: type "/" subtype, letters, digits and
  // !#$&-^_.+ (parameters such as "; charset=utf-8" are not kept).
  auto token = [](std::string_view t) {
    if (t.empty() || t.size() > 127) return false;
    return std::all_of(t.begin(), t.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             std::string_view("!#$&-^_.+").find(c) != std::string_view::npos;
    });
  };
  size_t slash = type.find('/');
  return slash != std::string_view::npos && token(type.substr(0, slash)) &&
         token(type.substr(slash + 1));
}

std::string DocumentProblem(const accord::v1::Document& document) {
  if (!IsSha256Hex(document.sha256())) {
    return "a document's sha256 is its SHA-256 digest in 64 lower-case hex digits";
  }
  const std::string& name = document.name();
  if (name.empty()) return "a document needs its file's name";
  if (std::any_of(name.begin(), name.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return c == '/' || u < 0x20 || u == 0x7f;
      })) {
    return "a document's name is a file's name: no '/' and no control characters";
  }
  if (!IsMediaType(document.media_type())) {
    return fmt::format("'{}' is not a media type (type/subtype: application/pdf)",
                       document.media_type());
  }
  if (document.size() == 0) return "an empty file is not a document";
  return "";
}

bool IsValidAgreementId(const std::string& id) {
  if (id.empty() || id.size() > 128 || id.front() == '-' || id.back() == '-') return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsCanonicalUuid(const std::string& id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return true;
}

std::vector<std::string> AllowedActions(const AgreementState& state) {
  switch (state.stage) {
    case Stage::kNone:
      return {"propose it"};
    case Stage::kWithdrawn:
    case Stage::kTerminated:
      return {"add a note", "correct an event"};
    default:
      break;
  }
  std::vector<std::string> actions = {"record a visit"};
  if (state.stage == Stage::kProposed) {
    actions.push_back("agree terms");
  } else {
    for (const PartyStatus& p : state.parties) {
      if (p.party.role() == Party::SIGNATORY && !p.signature) {
        actions.push_back(fmt::format("sign ({})", p.party.organisation_id()));
      }
    }
    actions.push_back("record a follow-up meeting");
    if (!state.NonBinding()) actions.push_back("record consent to be bound");
  }
  if (state.OpenToNewParties()) actions.push_back("join it (open to new parties)");
  actions.push_back("schedule a milestone");
  actions.push_back("change a membership category");
  if (!state.NonBinding()) {
    actions.push_back("set an entry-into-force condition");
    if (!state.in_force_recorded) actions.push_back("record entry into force");
  }
  actions.insert(actions.end(), {"record a declaration", "link another agreement", "add a note",
                                 "correct an event"});
  actions.push_back(state.stage == Stage::kSigned ? "terminate it" : "withdraw it");
  return actions;
}

Decision Decide(const Command& command, const AgreementState& state) {
  return Rules(command, state).Run();
}

}  // namespace accord::core
