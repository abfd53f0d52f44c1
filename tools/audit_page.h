// The audit report as one self-contained HTML page (no scripts, no fetches:
// it can be mailed or archived), for people who would rather look than read.
// Above the table of events it draws the agreement's timeline with
// app/timeline_svg.h, the renderer the HTTP door serves timeline.svg from:
// what happened above the axis, planned milestones below it, marked
// planned, overdue or fulfilled.
#pragma once

#include <string>

#include "accord/v1/views.pb.h"

namespace accord::tools {

std::string RenderAuditHtml(const accord::v1::AuditReport& report,
                            const accord::v1::Timeline& timeline,
                            const accord::v1::AgreementSummary& summary);

}  // namespace accord::tools
