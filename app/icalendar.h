// app/icalendar: planned milestones and commitments as an iCalendar file
// (RFC 5545), for staff to load into their calendars. Pure.
//
//   BEGIN:VCALENDAR / VERSION:2.0 / PRODID / CALSCALE:GREGORIAN / METHOD:PUBLISH
//   one VEVENT per dated item:
//     UID          stable: the planning event's id and the milestone's id
//                  (a commitment: the id of the event that agreed it and
//                  its own), so a reloaded file updates the same entries
//                  instead of adding new ones
//     DTSTAMP      CalendarItems.generated_at
//     DTSTART;VALUE=DATE / DTEND;VALUE=DATE
//                  all-day, over the whole span the date can stand for:
//                  a day, a month, a season, a year or a range (DTEND is
//                  the day after the last, as RFC 5545 counts it); the
//                  DESCRIPTION says which precision the source gave
//     SUMMARY      "Planned signing: <agreement title>"; a commitment:
//                  "Commitment due: <agreement title>"
//     STATUS       TENTATIVE (a plan, not a fact)
//     DESCRIPTION  what is planned, the date as accord reads it, and
//                  whether it is overdue on CalendarItems.today
//   Items without a date (planned only in words, commitments without a due
//   date) are left out: a calendar has nowhere to put them.
// Lines end in CRLF and are folded at 75 octets (never inside a UTF-8
// character); text values are escaped as section 3.3.11 says.
#pragma once

#include <string>
#include <string_view>

#include "accord/v1/desk.pb.h"

namespace accord::app {

inline constexpr std::string_view kICalendarContentType = "text/calendar; charset=utf-8";

std::string RenderICalendar(const accord::v1::CalendarItems& items);

// RFC 5545 3.3.11: backslash, semicolon and comma escaped, a line break as \n.
std::string EscapeICalendarText(std::string_view text);

// One content line, folded at 75 octets, with its CRLF.
std::string FoldICalendarLine(std::string_view line);

}  // namespace accord::app
