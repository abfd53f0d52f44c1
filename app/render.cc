#include "app/render.h"

#include <fmt/format.h>
#include <google/protobuf/util/time_util.h>

#include "core/fuzzy_date.h"
#include "core/hash.h"

namespace accord::app {

using accord::core::FormatFuzzyDate;
using accord::core::HexEncode;

namespace {

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

std::string Words(std::string enum_name) {
  for (char& c : enum_name) c = c == '_' ? ' ' : c;
  return Lower(enum_name);
}

namespace {

std::string Join(const google::protobuf::RepeatedPtrField<std::string>& items) {
  return fmt::format("{}", fmt::join(items.begin(), items.end(), ", "));
}

std::string InstrumentText(accord::v1::ConsentToBeBound::Instrument instrument) {
  if (instrument == accord::v1::ConsentToBeBound::INSTRUMENT_UNSPECIFIED) {
    return "consent (instrument not stated)";
  }
  return Words(accord::v1::ConsentToBeBound::Instrument_Name(instrument));
}

std::string RelationText(accord::v1::AgreementLinked::Relation relation) {
  switch (relation) {
    case accord::v1::AgreementLinked::AMENDS:
      return "amends";
    case accord::v1::AgreementLinked::SUPERSEDES:
      return "supersedes";
    case accord::v1::AgreementLinked::IMPLEMENTS:
      return "implements";
    case accord::v1::AgreementLinked::PROTOCOL_TO:
      return "is a protocol to";
    default:
      return "is related to";
  }
}

// The other side's view of a link: "amended by", "has protocol".
std::string ReverseRelationText(accord::v1::AgreementLinked::Relation relation) {
  switch (relation) {
    case accord::v1::AgreementLinked::AMENDS:
      return "amended by";
    case accord::v1::AgreementLinked::SUPERSEDES:
      return "superseded by";
    case accord::v1::AgreementLinked::IMPLEMENTS:
      return "implemented by";
    case accord::v1::AgreementLinked::PROTOCOL_TO:
      return "has the protocol";
    default:
      return "is related to";
  }
}

}  // namespace

std::string Describe(const accord::v1::DomainEvent& e) {
  // No default: an event kind without its line does not compile (-Wswitch).
  switch (e.kind_case()) {
    case accord::v1::DomainEvent::kAgreementProposed:
      return fmt::format("proposed: {} ({} parties)", e.agreement_proposed().title(),
                         e.agreement_proposed().parties_size());
    case accord::v1::DomainEvent::kVisitHeld: {
      const auto& v = e.visit_held();
      return fmt::format("visit to {}, {}: {} delegates, {} topics, {} outcomes", v.place().name(),
                         v.place().city(), v.delegations_size(), v.topics_size(),
                         v.outcomes_size());
    }
    case accord::v1::DomainEvent::kTermsAgreed:
      return fmt::format("terms agreed: {} commitments", e.terms_agreed().commitments_size());
    case accord::v1::DomainEvent::kAgreementSigned: {
      const auto& s = e.agreement_signed();
      std::string text = fmt::format("signed for {}", s.party_id());
      if (!s.signatory().name().empty()) text += " by " + s.signatory().name();
      if (s.ordinal() > 0) text += fmt::format(" (signatory no. {})", s.ordinal());
      return text;
    }
    case accord::v1::DomainEvent::kFollowUpMeetingHeld: {
      const auto& f = e.follow_up_meeting_held();
      std::string text = fmt::format("follow-up meeting in {}", f.place().city());
      if (f.host_organisation_ids_size() > 0)
        text += ", hosted by " + Join(f.host_organisation_ids());
      return text;
    }
    case accord::v1::DomainEvent::kMilestoneScheduled: {
      const auto& m = e.milestone_scheduled();
      return fmt::format("planned {}: {}, {}", m.milestone_id(), m.description(),
                         FormatFuzzyDate(m.planned()));
    }
    case accord::v1::DomainEvent::kConsentToBeBound:
      return fmt::format("{}: {}, deposited {}", e.consent_to_be_bound().party_id(),
                         InstrumentText(e.consent_to_be_bound().instrument()),
                         FormatFuzzyDate(e.consent_to_be_bound().deposited()));
    case accord::v1::DomainEvent::kPartyJoined: {
      const auto& j = e.party_joined();
      return fmt::format("{} joined as {}{}", j.party().organisation_id(),
                         Words(accord::v1::Party::Role_Name(j.party().role())),
                         j.category() == accord::v1::MEMBERSHIP_CATEGORY_UNSPECIFIED
                             ? ""
                             : ", " + Words(accord::v1::MembershipCategory_Name(j.category())));
    }
    case accord::v1::DomainEvent::kEntryIntoForceRecorded: {
      const auto& r = e.entry_into_force_recorded();
      return fmt::format("entered into force{}{}",
                         r.party_id().empty() ? "" : " for " + r.party_id(),
                         r.as_stated().empty() ? "" : ": " + r.as_stated());
    }
    case accord::v1::DomainEvent::kDeclarationMade: {
      const auto& d = e.declaration_made();
      return fmt::format("{} by {}: {}", Words(accord::v1::DeclarationMade::Kind_Name(d.kind())),
                         d.party_id(), d.text());
    }
    case accord::v1::DomainEvent::kAgreementLinked:
      return fmt::format("{} {}", RelationText(e.agreement_linked().relation()),
                         e.agreement_linked().other_agreement_id());
    case accord::v1::DomainEvent::kMembershipCategoryChanged: {
      const auto& m = e.membership_category_changed();
      return fmt::format("{}: {}{}", m.party_id(),
                         Words(accord::v1::MembershipCategory_Name(m.category())),
                         m.note().empty() ? "" : " (" + m.note() + ")");
    }
    case accord::v1::DomainEvent::kPartyWithdrew:
      return fmt::format("{} withdrew", e.party_withdrew().party_id());
    case accord::v1::DomainEvent::kEntryIntoForceConditionSet:
      return fmt::format("enters into force {} days after instrument {}",
                         e.entry_into_force_condition_set().days_after_last_instrument(),
                         e.entry_into_force_condition_set().instruments_required());
    case accord::v1::DomainEvent::kAgreementWithdrawn:
      return "withdrawn: " + e.agreement_withdrawn().reason();
    case accord::v1::DomainEvent::kAgreementTerminated:
      return "terminated: " + e.agreement_terminated().reason();
    case accord::v1::DomainEvent::kNoteAdded:
      return "note: " + e.note_added().text();
    case accord::v1::DomainEvent::kDocumentAttached: {
      const accord::v1::DocumentAttached& d = e.document_attached();
      return fmt::format("document attached: {} ({}, {} bytes, sha256 {}){}", d.document().name(),
                         d.document().media_type(), d.document().size(), d.document().sha256(),
                         d.about_event_id().empty() ? "" : " to " + d.about_event_id());
    }
    case accord::v1::DomainEvent::kEventCorrected:
      return fmt::format("corrects {} ({}): {}", e.event_corrected().corrected_event_id(),
                         Join(e.event_corrected().fields()), e.event_corrected().reason());
    case accord::v1::DomainEvent::KIND_NOT_SET:
      break;
  }
  return "?";
}

std::string HistoryLine(const accord::v1::EventRecord& record,
                        const accord::v1::DomainEvent& event) {
  return fmt::format("v{:<3} @{:<5} {:<44} recorded {} by {}\n       {}\n", record.stream_version(),
                     record.position(), FormatFuzzyDate(record.effective()),
                     google::protobuf::util::TimeUtil::ToString(record.recorded_at()),
                     record.actor(), Describe(event));
}

namespace {

std::string PartyStatusText(const accord::v1::PartySummary& p) {
  std::string status = p.party().role() == accord::v1::Party::OBSERVER ? "observer, does not sign"
                       : p.has_signature() ? "signed " + FormatFuzzyDate(p.signed_on())
                                           : "not signed";
  if (p.has_signature() && p.signature().ordinal() > 0) {
    status += fmt::format(" (no. {})", p.signature().ordinal());
  }
  if (p.has_consent()) {
    status += ", " + InstrumentText(p.consent().instrument()) + " deposited " +
              FormatFuzzyDate(p.consent().deposited());
  }
  const auto& f = p.in_force();
  if (f.in_effect()) {
    status += ", in effect for it since " + FormatFuzzyDate(f.in_effect_since());
  } else if (f.in_force()) {
    status += ", in force for it " + (f.has_since() ? "since " + FormatFuzzyDate(f.since())
                                                    : std::string("(date not stated)"));
    if (f.recorded()) status += " (recorded)";
  }
  if (p.category() != accord::v1::MEMBERSHIP_CATEGORY_UNSPECIFIED) {
    status += ", " + Words(accord::v1::MembershipCategory_Name(p.category()));
    if (!p.category_note().empty()) status += " (" + p.category_note() + ")";
  }
  if (p.has_withdrawal()) {
    status += f.withdrawn() ? ", withdrawn" : ", withdrawing";
    if (p.withdrawal().has_takes_effect()) {
      status += " (effective " + FormatFuzzyDate(p.withdrawal().takes_effect()) + ")";
    }
  }
  return status;
}

std::string JoinedText(const accord::v1::PartySummary& p) {
  switch (p.joined_by()) {
    case accord::v1::BY_JOINING:
      return "joined " + FormatFuzzyDate(p.joined_on());
    case accord::v1::BY_SIGNATURE:
      return "joined by signing";
    case accord::v1::BY_CONSENT:
      return "joined by its instrument";
    default:
      return "in the proposal";
  }
}

std::string EntryIntoForceText(const accord::v1::EntryIntoForceSummary& force) {
  if (force.non_binding()) {
    return "never (a non-binding instrument: in effect for each party from its signature or "
           "joining)";
  }
  std::string text = !force.in_force()   ? std::string("no")
                     : force.has_since() ? "since " + FormatFuzzyDate(force.since())
                                         : std::string("yes (date not stated)");
  if (force.recorded()) {
    text += ", a recorded fact";
    if (!force.recorded_as_stated().empty()) {
      text += "\n    as stated: \"" + force.recorded_as_stated() + "\"";
    }
  }
  if (force.instruments_required() > 0) {
    text += fmt::format(" ({} of {} instruments deposited)", force.instruments_deposited(),
                        force.instruments_required());
  }
  if (force.disagree()) {
    text +=
        fmt::format("\n  the recorded fact and the rule disagree: by its condition it is {}",
                    force.rule_in_force() ? "in force since " + FormatFuzzyDate(force.rule_since())
                                          : std::string("not in force"));
  }
  return text;
}

std::string StageText(accord::v1::AgreementStage stage) {
  return Words(accord::v1::AgreementStage_Name(stage));
}

std::string MilestoneStatusText(accord::v1::MilestoneSummary::Status status) {
  return Words(accord::v1::MilestoneSummary::Status_Name(status));
}

}  // namespace

std::string RenderSummary(const accord::v1::AgreementSummary& a) {
  std::string out = fmt::format("{}: {}\n", a.agreement_id(), a.title());
  out += fmt::format("  kind: {}   stage: {}   version: {}\n",
                     Words(accord::v1::AgreementKind_Name(a.kind())), StageText(a.stage()),
                     a.version());
  if (!a.closing_reason().empty()) out += fmt::format("  closed: {}\n", a.closing_reason());
  if (a.proposer_ids_size() > 0) out += "  proposed by: " + Join(a.proposer_ids()) + "\n";
  if (a.openness().open()) {
    out += "  open to new parties: " + (a.openness().has_until()
                                            ? "until " + FormatFuzzyDate(a.openness().until())
                                            : std::string("indefinitely"));
    if (!a.openness().as_stated().empty()) out += " (\"" + a.openness().as_stated() + "\")";
    out += "\n";
  }
  out += fmt::format("  in force: {}\n", EntryIntoForceText(a.entry_into_force()));
  const auto& n = a.counts();
  out += fmt::format(
      "  parties on {}: {} ({} observers); signed {}, bound {}, {} for {}, withdrawn {}\n",
      FormatFuzzyDate(a.as_of()), n.parties(), n.observers(), n.have_signed(), n.bound(),
      a.non_binding() ? "in effect" : "in force", n.in_force_for(), n.withdrawn());
  out += "  parties:\n";
  for (const auto& p : a.parties()) {
    std::string name =
        p.party().name() + (p.party().acronym().empty() ? "" : " (" + p.party().acronym() + ")");
    out += fmt::format("    {:>2}. {:<10} {:<46} {:<22} {}\n", p.join_order(),
                       p.party().organisation_id(), name, JoinedText(p), PartyStatusText(p));
    if (p.category_history_size() > 1) {
      std::vector<std::string> changes;
      for (const auto& c : p.category_history()) {
        changes.push_back(Words(accord::v1::MembershipCategory_Name(c.category())) + " " +
                          FormatFuzzyDate(c.effective()));
      }
      out += fmt::format("        categories: {}\n", fmt::join(changes, "; "));
    }
    for (const auto& d : p.declarations()) {
      out += fmt::format("        {} ({}): {}\n",
                         Words(accord::v1::DeclarationMade::Kind_Name(d.declaration().kind())),
                         FormatFuzzyDate(d.effective()), d.declaration().text());
    }
  }
  if (a.links_size() > 0) {
    out += "  links:\n";
    for (const auto& l : a.links()) {
      bool incoming = l.direction() == accord::v1::LinkSummary::INCOMING;
      out += fmt::format("    {} {}{}\n",
                         incoming ? ReverseRelationText(l.relation()) : RelationText(l.relation()),
                         l.other_agreement_id(), l.note().empty() ? "" : " (" + l.note() + ")");
    }
  }
  if (a.commitments_size() > 0) {
    out += "  commitments:\n";
    for (const auto& c : a.commitments()) {
      std::string progress =
          c.progressed_by_event_ids_size() == 0
              ? ""
              : fmt::format(" [moved on at {} meeting(s)]", c.progressed_by_event_ids_size());
      std::string due = core::HasDate(c.commitment().due())
                            ? fmt::format(" (due {})", core::FormatFuzzyDate(c.commitment().due()))
                            : "";
      out += fmt::format("    {:<36} {:<16} {}{}{}\n", c.commitment().id(),
                         Words(accord::v1::Commitment::Kind_Name(c.commitment().kind())),
                         c.commitment().description(), due, progress);
    }
  }
  if (a.milestones_size() > 0) {
    out += fmt::format("  planned milestones (as of {}):\n", FormatFuzzyDate(a.as_of()));
    for (const auto& m : a.milestones()) {
      std::string moved = m.times_rescheduled() == 0 ? ""
                          : m.times_rescheduled() == 1
                              ? std::string(" (rescheduled once)")
                              : fmt::format(" (rescheduled {} times)", m.times_rescheduled());
      out += fmt::format("    {:<18} {:<9} {:<62} {}{}\n", m.plan().milestone_id(),
                         MilestoneStatusText(m.status()), FormatFuzzyDate(m.plan().planned()),
                         m.plan().description(), moved);
    }
  }
  return out;
}

std::string RenderListLine(const accord::v1::AgreementSummary& a) {
  std::string next = a.has_next_milestone()
                         ? fmt::format("next: {} {}, {}", a.next_milestone().plan().milestone_id(),
                                       MilestoneStatusText(a.next_milestone().status()),
                                       FormatFuzzyDate(a.next_milestone().plan().planned()))
                         : "";
  std::string title = a.abridged() ? "(too large to list in full)" : a.title();
  return fmt::format("{:<20} {:<17} {:<62} {}\n", a.agreement_id(), StageText(a.stage()), title,
                     next);
}

std::string RenderTimeline(const accord::v1::Timeline& timeline) {
  std::string out = fmt::format("{}: {} milestones, by when they happened\n",
                                timeline.agreement_id(), timeline.entries_size());
  for (const auto& e : timeline.entries()) {
    out += fmt::format("  {:<44} recorded {} by {} (@{} v{})\n      {}\n",
                       FormatFuzzyDate(e.effective()),
                       google::protobuf::util::TimeUtil::ToString(e.recorded_at()), e.actor(),
                       e.position(), e.version(), Describe(e.event()));
    if (e.corrected_by_size() > 0) {
      out += fmt::format("      corrected by {}; before: {}", fmt::join(e.corrected_by(), ", "),
                         Describe(e.original()));
      if (e.has_original_effective()) out += ", " + FormatFuzzyDate(e.original_effective());
      out += "\n";
    }
  }
  return out;
}

namespace {

std::string Cell(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '|')
      out += "\\|";
    else if (c == '\n')
      out += ' ';
    else
      out.push_back(c);
  }
  return out;
}

std::string ShortType(const std::string& type) {
  size_t dot = type.rfind('.');
  return dot == std::string::npos ? type : type.substr(dot + 1);
}

}  // namespace

std::string RenderAuditMarkdown(const accord::v1::AuditReport& report) {
  std::string out = fmt::format("# Audit report: {}\n\n", report.agreement_id());
  out += fmt::format("**Log verification:** {} ({} events in the log; head hash `{}`)\n\n",
                     report.log_verified() ? "passed" : "FAILED: " + report.verification(),
                     report.log_records(), HexEncode(report.log_head_hash()));
  out += fmt::format("{} events, in the order they were logged.\n\n", report.entries_size());
  out += "| position | version | event | effective | recorded at | by | hash |\n";
  out += "| --- | --- | --- | --- | --- | --- | --- |\n";
  for (const auto& e : report.entries()) {
    const auto& r = e.record();
    out +=
        fmt::format("| {} | {} | {}{} | {} | {} | {} | `{}` |\n", r.position(), r.stream_version(),
                    ShortType(r.event_type()), e.corrected_by_size() > 0 ? " (corrected)" : "",
                    Cell(FormatFuzzyDate(r.effective())),
                    google::protobuf::util::TimeUtil::ToString(r.recorded_at()), Cell(r.actor()),
                    HexEncode(r.hash()).substr(0, 16));
  }
  out += "\n## Events\n";
  for (const auto& e : report.entries()) {
    const auto& r = e.record();
    out += fmt::format("\n### Version {}: {}\n\n", r.stream_version(), Cell(Describe(e.event())));
    out += fmt::format("- type: `{}` (schema version {})\n", r.event_type(), r.schema_version());
    out += fmt::format("- effective: {}\n", FormatFuzzyDate(r.effective()));
    out += fmt::format("- recorded: {} by {}\n",
                       google::protobuf::util::TimeUtil::ToString(r.recorded_at()), r.actor());
    out += fmt::format("- position {}, event id `{}`\n", r.position(), r.event_id());
    if (!r.correlation_id().empty())
      out += fmt::format("- correlation id `{}`\n", r.correlation_id());
    if (!r.causation_id().empty()) out += fmt::format("- causation id `{}`\n", r.causation_id());
    out += fmt::format("- hash `{}`\n- previous hash `{}`\n", HexEncode(r.hash()),
                       HexEncode(r.prev_hash()));
    if (e.corrected_by_size() > 0) {
      out += fmt::format("- corrected by {}\n", fmt::join(e.corrected_by(), ", "));
    }
    out += "\n```json\n" + ToJson(e.event()) + "\n```\n";
  }
  return out;
}

namespace {

std::string Days(int64_t days) { return days < 0 ? "-" : std::to_string(days); }

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

std::string ConventionStatus(const accord::v1::PartySummary& p) {
  std::string status = Words(accord::v1::MembershipCategory_Name(p.category()));
  if (!p.category_note().empty()) status += " (" + p.category_note() + ")";
  status += p.has_signature() ? ", signed " + FormatFuzzyDate(p.signed_on()) : ", not signed";
  if (p.has_consent()) status += ", " + InstrumentText(p.consent().instrument());
  return status;
}

std::string InForceCell(const accord::v1::PartySummary& p) {
  const auto& f = p.in_force();
  if (f.withdrawn()) return "withdrawn";
  if (f.in_effect()) return "in effect since " + FormatFuzzyDate(f.in_effect_since());
  if (!f.in_force()) return "-";
  return f.has_since() ? FormatFuzzyDate(f.since()) : "yes (date not stated)";
}

}  // namespace

std::string RenderReportMarkdown(const accord::v1::AgreementsReport& r) {
  std::string out = fmt::format("# Agreements report, as of {}\n\nBuilt by replaying {} events.\n",
                                FormatFuzzyDate(r.as_of()), r.events_replayed());
  out += "\n## Pipeline\n\n| stage | agreements |\n| --- | --- |\n";
  for (const auto& p : r.pipeline()) {
    out += fmt::format("| {} | {} |\n", StageText(p.stage()), fmt::join(p.agreement_ids(), ", "));
  }
  out += fmt::format(
      "\n## Cycle times (days)\n\nMedian: proposed to agreed {}, agreed to signed {}.\n\n"
      "| agreement | proposed to agreed | agreed to signed |\n| --- | --- | --- |\n",
      Days(r.median_days_proposed_to_agreed()), Days(r.median_days_agreed_to_signed()));
  for (const auto& c : r.cycle_times()) {
    out += fmt::format("| {} | {} | {} |\n", c.agreement_id(), Days(c.days_proposed_to_agreed()),
                       Days(c.days_agreed_to_signed()));
  }
  out +=
      "\n## Overdue milestones\n\n| agreement | milestone | planned | description |\n"
      "| --- | --- | --- | --- |\n";
  for (const auto& o : r.overdue()) {
    out += fmt::format("| {} | {} | {} | {} |\n", o.agreement_id(), o.plan().milestone_id(),
                       Cell(FormatFuzzyDate(o.plan().planned())), Cell(o.plan().description()));
  }
  out +=
      "\n## Open commitments by party\n\n| party | agreement | commitment |\n| --- | --- | --- |\n";
  for (const auto& c : r.open_commitments()) {
    out += fmt::format("| {} | {} | {}: {} |\n", c.party_id(), c.agreement_id(),
                       c.commitment().id(), Cell(c.commitment().description()));
  }
  out +=
      "\n## Multilateral agreements: each party's status\n\n"
      "| agreement | # | party | joined | signature | consent | in force for it | category | "
      "days to signature | days to consent |\n"
      "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
  for (const auto& c : r.convention_parties()) {
    const auto& p = c.party();
    std::string consent = p.has_consent() ? InstrumentText(p.consent().instrument()) + " " +
                                                FormatFuzzyDate(p.consent().deposited())
                                          : "-";
    std::string category = p.category() == accord::v1::MEMBERSHIP_CATEGORY_UNSPECIFIED
                               ? "-"
                               : Words(accord::v1::MembershipCategory_Name(p.category()));
    if (!p.category_note().empty()) category += " (" + p.category_note() + ")";
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", c.agreement_id(),
                       p.join_order(), Cell(p.party().name()), Cell(JoinedText(p)),
                       p.has_signature() ? Cell(FormatFuzzyDate(p.signed_on())) : "-",
                       Cell(consent), Cell(InForceCell(p)), Cell(category),
                       Days(p.days_to_signature()), Days(p.days_to_consent()));
  }
  out +=
      "\n## Multilateral agreements: counts at the end of each year\n\n"
      "| agreement | year | parties | signed | bound | in force for | withdrawn |\n"
      "| --- | --- | --- | --- | --- | --- | --- |\n";
  for (const auto& y : r.counts_by_year()) {
    const auto& n = y.counts();
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", y.agreement_id(), y.year(),
                       n.parties(), n.have_signed(), n.bound(), n.in_force_for(), n.withdrawn());
  }
  return out;
}

std::string RenderReportCsv(const accord::v1::AgreementsReport& r) {
  std::string out = "section,agreement,item,value\n";
  for (const auto& p : r.pipeline()) {
    for (const auto& id : p.agreement_ids()) {
      out += fmt::format("pipeline,{},stage,{}\n", CsvField(id), StageText(p.stage()));
    }
  }
  for (const auto& c : r.cycle_times()) {
    out += fmt::format("cycle,{},days proposed to agreed,{}\n", CsvField(c.agreement_id()),
                       Days(c.days_proposed_to_agreed()));
    out += fmt::format("cycle,{},days agreed to signed,{}\n", CsvField(c.agreement_id()),
                       Days(c.days_agreed_to_signed()));
  }
  for (const auto& o : r.overdue()) {
    out += fmt::format("overdue,{},{},{}\n", CsvField(o.agreement_id()),
                       CsvField(o.plan().milestone_id()),
                       CsvField(FormatFuzzyDate(o.plan().planned())));
  }
  for (const auto& c : r.open_commitments()) {
    out += fmt::format("open-commitment,{},{},{}\n", CsvField(c.agreement_id()),
                       CsvField(c.party_id()), CsvField(c.commitment().id()));
  }
  for (const auto& c : r.convention_parties()) {
    out += fmt::format("convention-party,{},{},{}\n", CsvField(c.agreement_id()),
                       CsvField(c.party().party().organisation_id()),
                       CsvField(ConventionStatus(c.party())));
  }
  for (const auto& y : r.counts_by_year()) {
    const auto& n = y.counts();
    out +=
        fmt::format("year-count,{},{},parties {} signed {} bound {} in force for {} withdrawn {}\n",
                    CsvField(y.agreement_id()), y.year(), n.parties(), n.have_signed(), n.bound(),
                    n.in_force_for(), n.withdrawn());
  }
  return out;
}

}  // namespace accord::app
