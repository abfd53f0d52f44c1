// app/timeline_svg: an agreement's milestones drawn on a time axis, as SVG:
// what the audit page shows (tools/audit_page.h) and the HTTP door serves
// (GET /api/v1/agreements/{id}/timeline.svg), from one renderer.
//
// What happened is drawn above the axis, at its effective date (a dot for
// a day, a bar across a month, season or range, so imprecision shows);
// planned milestones below it, hollow, marked planned, overdue or
// fulfilled; a line for the day statuses are judged on (the summary's
// as_of). Undated events are listed under the axis with the source's words.
// Every text from the log is escaped; the drawing carries its own paint
// (no stylesheet, no script, nothing fetched), so it is the same picture
// as a file, in an <img> or inside a page. Pure.
#pragma once

#include <string>
#include <string_view>

#include "accord/v1/views.pb.h"

namespace accord::app {

// `text` fit for HTML and XML text and attribute values: & < > " ' escaped.
std::string EscapeMarkup(std::string_view text);

// "accord.v1.AgreementSigned" -> "Agreement signed"
std::string SpacedTypeName(std::string_view type);

// An <svg> document of `timeline`'s events and `summary`'s planned
// milestones, judged on summary.as_of.
std::string TimelineSvg(const accord::v1::Timeline& timeline,
                        const accord::v1::AgreementSummary& summary);

}  // namespace accord::app
