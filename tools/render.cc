#include "tools/render.h"

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include "core/fuzzy_date.h"

namespace accord::tools {

using accord::core::FormatFuzzyDate;

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

}  // namespace

std::string Describe(const accord::v1::DomainEvent& e) {
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
    case accord::v1::DomainEvent::kAgreementSigned:
      return fmt::format("signed for {} by {}", e.agreement_signed().party_id(),
                         e.agreement_signed().signatory().name());
    case accord::v1::DomainEvent::kFollowUpMeetingHeld:
      return fmt::format("follow-up meeting in {}", e.follow_up_meeting_held().place().city());
    case accord::v1::DomainEvent::kMilestoneScheduled: {
      const auto& m = e.milestone_scheduled();
      return fmt::format("planned {}: {}, {}", m.milestone_id(), m.description(),
                         FormatFuzzyDate(m.planned()));
    }
    case accord::v1::DomainEvent::kConsentToBeBound:
      return fmt::format("{}: {}, deposited {}", e.consent_to_be_bound().party_id(),
                         Words(accord::v1::ConsentToBeBound::Instrument_Name(
                             e.consent_to_be_bound().instrument())),
                         FormatFuzzyDate(e.consent_to_be_bound().deposited()));
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
    case accord::v1::DomainEvent::kEventCorrected:
      return fmt::format("corrects {} ({}): {}", e.event_corrected().corrected_event_id(),
                         Join(e.event_corrected().fields()), e.event_corrected().reason());
    default:
      return "?";
  }
}

std::string HistoryLine(const accord::v1::EventRecord& record, const accord::v1::DomainEvent& event) {
  return fmt::format("v{:<3} @{:<5} {:<44} recorded {} by {}\n       {}\n", record.stream_version(),
                     record.position(), FormatFuzzyDate(record.effective()),
                     google::protobuf::util::TimeUtil::ToString(record.recorded_at()), record.actor(),
                     Describe(event));
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions print;
  print.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, print);
  return json;
}

}  // namespace accord::tools
