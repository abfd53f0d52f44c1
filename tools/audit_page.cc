#include "tools/audit_page.h"

#include <fmt/format.h>
#include <google/protobuf/util/time_util.h>

#include "app/render.h"
#include "app/timeline_svg.h"
#include "core/fuzzy_date.h"
#include "core/hash.h"

namespace accord::tools {
namespace {

using accord::app::Describe;
using accord::app::EscapeMarkup;
using accord::app::SpacedTypeName;
using accord::app::TimelineSvg;
using accord::app::ToJson;

constexpr char kStyle[] = R"(
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 24px; color: #1f2937; }
h1 { font-size: 22px; margin-bottom: 4px; }
.verified { padding: 8px 12px; border-radius: 6px; margin: 12px 0; }
.verified.passed { background: #dcfce7; border: 1px solid #16a34a; }
.verified.failed { background: #fee2e2; border: 1px solid #dc2626; }
code { font-size: 12px; }
svg { background: #fafafa; border: 1px solid #e5e7eb; border-radius: 6px; }
.legend span { margin-right: 16px; font-size: 12px; }
table { border-collapse: collapse; margin-top: 16px; font-size: 12px; }
th, td { border: 1px solid #e5e7eb; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f3f4f6; }
details { margin: 6px 0; font-size: 12px; }
pre { white-space: pre-wrap; word-break: break-all; background: #f9fafb; padding: 8px; }
)";

}  // namespace

std::string RenderAuditHtml(const accord::v1::AuditReport& report,
                            const accord::v1::Timeline& timeline,
                            const accord::v1::AgreementSummary& summary) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += fmt::format("<title>Audit report: {}</title>\n<style>{}</style>\n</head>\n<body>\n",
                     EscapeMarkup(report.agreement_id()), kStyle);
  out += fmt::format("<h1>Audit report: {}</h1>\n<p>{}</p>\n", EscapeMarkup(report.agreement_id()),
                     EscapeMarkup(summary.title()));
  out += fmt::format(
      "<div class=\"verified {}\"><strong>Log verification: {}</strong> ({} events in the log; "
      "head hash <code>{}</code>)</div>\n",
      report.log_verified() ? "passed" : "failed",
      report.log_verified() ? "passed" : "FAILED: " + EscapeMarkup(report.verification()),
      report.log_records(), core::HexEncode(report.log_head_hash()));
  out += "<h2>Timeline</h2>\n";
  out +=
      "<p class=\"legend\"><span>&#9679; above the axis: what happened, at its effective date (a "
      "bar when the source gives only a month, season or range)</span><span>&#9671; below: "
      "planned milestones, marked planned, overdue or fulfilled</span></p>\n";
  out += TimelineSvg(timeline, summary);
  out += fmt::format("<h2>Events</h2>\n<p>{} events, in the order they were logged.</p>\n",
                     report.entries_size());
  out +=
      "<table>\n<tr><th>position</th><th>version</th><th>event</th><th>effective</th><th>recorded "
      "at</th><th>by</th><th>hash</th></tr>\n";
  for (const auto& e : report.entries()) {
    const auto& r = e.record();
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</"
        "code></td></tr>\n",
        r.position(), r.stream_version(), EscapeMarkup(SpacedTypeName(r.event_type())),
        e.corrected_by_size() > 0 ? " (corrected)" : "",
        EscapeMarkup(core::FormatFuzzyDate(r.effective())),
        google::protobuf::util::TimeUtil::ToString(r.recorded_at()), EscapeMarkup(r.actor()),
        core::HexEncode(r.hash()).substr(0, 16));
  }
  out += "</table>\n";
  for (const auto& e : report.entries()) {
    const auto& r = e.record();
    out += fmt::format(
        "<details><summary>Version {}: {}</summary><p>event id <code>{}</code>, hash "
        "<code>{}</code>, previous hash <code>{}</code>{}</p><pre>{}</pre></details>\n",
        r.stream_version(), EscapeMarkup(Describe(e.event())), EscapeMarkup(r.event_id()),
        core::HexEncode(r.hash()), core::HexEncode(r.prev_hash()),
        e.corrected_by_size() > 0
            ? ", corrected by " + EscapeMarkup(fmt::format("{}", fmt::join(e.corrected_by(), ", ")))
            : "",
        EscapeMarkup(ToJson(e.event())));
  }
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace accord::tools
