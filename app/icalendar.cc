#include "app/icalendar.h"

#include <fmt/format.h>
#include <google/protobuf/util/time_util.h>

#include <chrono>

#include "core/fuzzy_date.h"

namespace accord::app {
namespace {

using accord::v1::FuzzyDate;

// 20241201
std::string IcalDate(core::Day day) {
  std::chrono::year_month_day ymd(day);
  return fmt::format("{:04}{:02}{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

// 20261206T183000Z
std::string IcalTime(const google::protobuf::Timestamp& at) {
  auto seconds = std::chrono::sys_seconds(std::chrono::seconds(at.seconds()));
  auto day = std::chrono::floor<std::chrono::days>(seconds);
  std::chrono::hh_mm_ss time(seconds - day);
  return fmt::format("{}T{:02}{:02}{:02}Z", IcalDate(day), time.hours().count(),
                     time.minutes().count(), time.seconds().count());
}

// How precise the source was, for the description.
std::string_view PrecisionWords(const FuzzyDate& date) {
  switch (date.precision()) {
    case FuzzyDate::DAY:
      return "a day";
    case FuzzyDate::MONTH:
      return "a month: the entry spans the whole month";
    case FuzzyDate::SEASON:
      return "a season: the entry spans the whole season";
    case FuzzyDate::YEAR:
      return "a year: the entry spans the whole year";
    case FuzzyDate::RANGE:
      return "a range: the entry spans all of it";
    default:
      return "no date";
  }
}

class Writer {
 public:
  void Line(std::string_view name, std::string_view value) {
    text_ += FoldICalendarLine(fmt::format("{}:{}", name, value));
  }
  void Text(std::string_view name, std::string_view value) {
    Line(name, EscapeICalendarText(value));
  }
  // A VEVENT's first lines: an all-day entry over the whole span of `date`
  // (DTEND is the day after its last), a plan, not a fact (TENTATIVE).
  void BeginEvent(std::string_view uid, std::string_view stamp, const FuzzyDate& date,
                  std::string_view summary) {
    Line("BEGIN", "VEVENT");
    Text("UID", uid);
    Line("DTSTAMP", stamp);
    Line("DTSTART;VALUE=DATE", IcalDate(*core::EarliestDay(date)));
    Line("DTEND;VALUE=DATE", IcalDate(*core::LatestDay(date) + std::chrono::days(1)));
    Text("SUMMARY", summary);
    Line("STATUS", "TENTATIVE");
  }
  std::string Take() { return std::move(text_); }

 private:
  std::string text_;
};

}  // namespace

std::string EscapeICalendarText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case ';':
        out += "\\;";
        break;
      case ',':
        out += "\\,";
        break;
      case '\r':
        if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
        out += "\\n";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        // Other control characters have no place in a TEXT value.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t') break;
        out.push_back(c);
    }
  }
  return out;
}

std::string FoldICalendarLine(std::string_view line) {
  constexpr size_t kMaxOctets = 75;
  std::string out;
  size_t room = kMaxOctets;  // the first line has 75 octets; the next ones a space and 74
  while (line.size() > room) {
    size_t cut = room;
    // Never inside a UTF-8 character: back up to the start of one.
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    out.append(line.substr(0, cut));
    out += "\r\n ";
    line.remove_prefix(cut);
    room = kMaxOctets - 1;
  }
  out.append(line);
  out += "\r\n";
  return out;
}

std::string RenderICalendar(const accord::v1::CalendarItems& items) {
  Writer w;
  w.Line("BEGIN", "VCALENDAR");
  w.Line("VERSION", "2.0");
  w.Line("PRODID", "-//accord//accord agreements//EN");
  w.Line("CALSCALE", "GREGORIAN");
  w.Line("METHOD", "PUBLISH");
  w.Text("X-WR-CALNAME", items.agreement_id().empty()
                             ? "accord: planned milestones"
                             : fmt::format("accord: {}", items.agreement_id()));
  const std::string stamp = IcalTime(items.generated_at());
  for (const auto& m : items.milestones()) {
    if (!core::EarliestDay(m.planned()) || !core::LatestDay(m.planned())) continue;  // undated
    w.BeginEvent(fmt::format("{}.{}@accord", m.event_id(), m.milestone_id()), stamp, m.planned(),
                 fmt::format("Planned {}: {}", m.milestone(), m.agreement_title()));
    if (!m.place().empty()) w.Text("LOCATION", m.place());
    w.Line("CATEGORIES", fmt::format("{},{}", EscapeICalendarText(m.milestone()),
                                     EscapeICalendarText(m.status())));
    std::string state =
        m.status() == "overdue"
            ? fmt::format("OVERDUE on {}: due by {} and not fulfilled", items.today(), m.due_by())
            : fmt::format("planned, not yet fulfilled on {}; due by {}", items.today(), m.due_by());
    w.Text("DESCRIPTION",
           fmt::format("{}\nAgreement: {} ({})\nPlanned: {} (the source gives {})\nStatus: {}",
                       m.description(), m.agreement_title(), m.agreement_id(), m.planned_text(),
                       PrecisionWords(m.planned()), state));
    w.Line("END", "VEVENT");
  }
  for (const auto& c : items.commitments()) {
    if (!core::EarliestDay(c.due()) || !core::LatestDay(c.due())) continue;  // no due date
    w.BeginEvent(fmt::format("{}.{}@accord", c.event_id(), c.commitment_id()), stamp, c.due(),
                 fmt::format("Commitment due: {}", c.agreement_title()));
    w.Line("CATEGORIES", fmt::format("commitment,{}", EscapeICalendarText(c.status())));
    std::string state =
        c.status() == "overdue"
            ? fmt::format("OVERDUE on {}: due by {} and not moved on", items.today(), c.due_by())
            : fmt::format("open on {}; due by {}", items.today(), c.due_by());
    w.Text("DESCRIPTION",
           fmt::format("{}\nAgreement: {} ({})\nDue: {} (the source gives {})\nStatus: {}",
                       c.text(), c.agreement_title(), c.agreement_id(), c.due_text(),
                       PrecisionWords(c.due()), state));
    w.Line("END", "VEVENT");
  }
  w.Line("END", "VCALENDAR");
  return w.Take();
}

}  // namespace accord::app
