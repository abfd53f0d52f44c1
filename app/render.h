// app/render: how views read as text, for people (a summary, a timeline, the
// reports as Markdown and CSV) and for scripts (JSON through protobuf's own
// mapping). Pure functions of the views; every front door and tool shares
// them, so the HTTP door's report.csv is the CLI's report --csv.
#pragma once

#include <google/protobuf/message.h>

#include <string>

#include "accord/v1/events.pb.h"
#include "accord/v1/record.pb.h"
#include "accord/v1/views.pb.h"
#include "app/json.h"

namespace accord::app {

// "MEMORANDUM_OF_UNDERSTANDING" -> "memorandum of understanding"
std::string Words(std::string enum_name);

// One line saying what the event records: "signed for apsco by ...".
std::string Describe(const accord::v1::DomainEvent& event);

// Two lines: version, position, effective date, recorded-at and actor; then
// what the event records.
std::string HistoryLine(const accord::v1::EventRecord& record,
                        const accord::v1::DomainEvent& event);

// An agreement's summary as a page of text: stage, parties, commitments,
// planned milestones with their status.
std::string RenderSummary(const accord::v1::AgreementSummary& summary);

// One line per agreement: id, stage, title, next milestone.
std::string RenderListLine(const accord::v1::AgreementSummary& summary);

// The timeline, one entry per milestone, earliest first; a corrected entry
// also says what was believed before and which events corrected it.
std::string RenderTimeline(const accord::v1::Timeline& timeline);

// The audit report as Markdown: the verification result, a table of every
// event (position, version, type, effective date, recorded-at, actor,
// hash), then each event in full with its content as JSON.
std::string RenderAuditMarkdown(const accord::v1::AuditReport& report);

// The agreements report as Markdown, or as CSV (one row per fact, its first
// column naming the section: pipeline, cycle, overdue, open-commitment,
// convention-party: every multilateral agreement's parties, year-count).
std::string RenderReportMarkdown(const accord::v1::AgreementsReport& report);
std::string RenderReportCsv(const accord::v1::AgreementsReport& report);

}  // namespace accord::app
