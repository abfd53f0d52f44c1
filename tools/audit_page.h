// The audit report as one self-contained HTML page (no scripts, no fetches:
// it can be mailed or archived), for people who would rather look than read.
// Above the table of events it draws the agreement's milestones on an SVG
// time axis: what happened above the axis, at its effective date (a dot for
// a day, a bar across a month, season or range, so imprecision shows);
// planned milestones below it, hollow, marked planned, overdue or
// fulfilled; a line for the day statuses are judged on. Undated events are
// listed under the axis with the source's words.
#pragma once

#include <string>

#include "accord/v1/views.pb.h"

namespace accord::tools {

std::string RenderAuditHtml(const accord::v1::AuditReport& report,
                            const accord::v1::Timeline& timeline,
                            const accord::v1::AgreementSummary& summary);

}  // namespace accord::tools
