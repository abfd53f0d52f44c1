#include "tools/audit_page.h"

#include <fmt/format.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include "app/render.h"
#include "core/fuzzy_date.h"
#include "core/hash.h"

namespace accord::tools {
namespace {

using accord::app::Describe;
using accord::app::ToJson;
using accord::core::Day;

std::string Escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// "AgreementSigned" -> "Agreement signed"
std::string Spaced(std::string_view type) {
  size_t dot = type.rfind('.');
  if (dot != std::string_view::npos) type.remove_prefix(dot + 1);
  std::string out;
  for (size_t i = 0; i < type.size(); ++i) {
    char c = type[i];
    if (i > 0 && c >= 'A' && c <= 'Z') {
      out.push_back(' ');
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string Truncate(std::string text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = max - 1;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return text.substr(0, cut) + "\xE2\x80\xA6";
}

// The type's words, and for a party's step, whose.
std::string ShortLabel(const accord::v1::DomainEvent& e) {
  std::string label = Spaced(e.GetDescriptor()->name());
  if (e.has_agreement_signed()) return "Signed by " + e.agreement_signed().party_id();
  if (e.has_consent_to_be_bound()) return "Consent of " + e.consent_to_be_bound().party_id();
  if (e.has_party_withdrew()) return "Withdrawal of " + e.party_withdrew().party_id();
  if (e.has_agreement_proposed()) return "Proposed";
  if (e.has_visit_held()) return "Visit";
  if (e.has_terms_agreed()) return "Terms agreed";
  if (e.has_follow_up_meeting_held()) return "Follow-up meeting";
  if (e.has_note_added()) return "Note";
  if (e.has_membership_category_changed()) {
    return "Category of " + e.membership_category_changed().party_id();
  }
  const auto* field =
      e.GetReflection()->GetOneofFieldDescriptor(e, e.GetDescriptor()->oneof_decl(0));
  return field != nullptr ? Spaced(field->message_type()->name()) : label;
}

struct Mark {
  Day earliest;
  Day latest;
  std::string label;
  std::string date;
  std::string detail;  // the tooltip
  std::string css;     // held, planned, overdue, fulfilled
  int lane = 0;
};

constexpr double kLeft = 30;
constexpr double kWidth = 940;
constexpr double kLaneHeight = 34;
constexpr double kCharWidth = 6.4;

// Greedy lanes: each mark goes in the first lane where its label fits
// after the previous one.
int AssignLanes(std::vector<Mark>* marks, const std::function<double(Day)>& x) {
  std::sort(marks->begin(), marks->end(),
            [](const Mark& a, const Mark& b) { return a.earliest < b.earliest; });
  std::vector<double> lane_ends;
  for (Mark& m : *marks) {
    // The label sits right of the mark.
    double start = x(m.earliest) - 8;
    double end = x(m.latest) + 10 +
                 kCharWidth * static_cast<double>(std::max(m.label.size(), m.date.size())) + 8;
    size_t lane = 0;
    while (lane < lane_ends.size() && lane_ends[lane] > start) ++lane;
    if (lane == lane_ends.size()) lane_ends.push_back(0);
    lane_ends[lane] = end;
    m.lane = static_cast<int>(lane);
  }
  return static_cast<int>(lane_ends.size());
}

std::string DrawMarks(const std::vector<Mark>& marks, const std::function<double(Day)>& x,
                      double axis_y, int direction) {
  std::string out;
  for (const Mark& m : marks) {
    double y = axis_y + direction * (kLaneHeight * (m.lane + 1));
    double x0 = x(m.earliest);
    double x1 = x(m.latest);
    out += fmt::format("<g class=\"mark {}\"><title>{}</title>", m.css, Escape(m.detail));
    out += fmt::format(
        "<line class=\"stem\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>", x0,
        axis_y, x0, y);
    if (x1 - x0 < 3) {
      if (m.css == "held") {
        out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"6\"/>", x0, y);
      } else {
        out += fmt::format("<path d=\"M{:.1f} {:.1f} l7 7 l-7 7 l-7 -7 z\"/>", x0, y - 7);
      }
    } else {
      out +=
          fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"10\" rx=\"5\"/>",
                      x0, y - 5, x1 - x0);
    }
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"label\">{}</text>", x1 + 10, y - 1,
                       Escape(m.label));
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"date\">{}</text></g>\n", x1 + 10,
                       y + 10, Escape(m.date));
  }
  return out;
}

std::string StatusWord(accord::v1::MilestoneSummary::Status status) {
  switch (status) {
    case accord::v1::MilestoneSummary::OVERDUE:
      return "overdue";
    case accord::v1::MilestoneSummary::FULFILLED:
      return "fulfilled";
    default:
      return "planned";
  }
}

std::string TimelineSvg(const accord::v1::Timeline& timeline,
                        const accord::v1::AgreementSummary& summary) {
  std::vector<Mark> held;
  std::vector<std::string> undated;
  for (const auto& e : timeline.entries()) {
    if (e.event().has_milestone_scheduled() || e.event().has_event_corrected()) continue;
    std::string date = core::FormatFuzzyDate(e.effective());
    std::string label = ShortLabel(e.event());
    if (e.corrected_by_size() > 0) label += " (corrected)";
    std::string detail =
        fmt::format("{}: {} (recorded {} by {})", date, Describe(e.event()),
                    google::protobuf::util::TimeUtil::ToString(e.recorded_at()), e.actor());
    auto earliest = core::EarliestDay(e.effective());
    auto latest = core::LatestDay(e.effective());
    if (!earliest || !latest) {
      undated.push_back(fmt::format("{}: {}", label, date));
      continue;
    }
    held.push_back({*earliest, *latest, Truncate(label, 34), Truncate(date, 34), detail, "held"});
  }
  std::vector<Mark> planned;
  for (const auto& m : summary.milestones()) {
    auto earliest = core::EarliestDay(m.plan().planned());
    auto latest = core::LatestDay(m.plan().planned());
    std::string status = StatusWord(m.status());
    std::string label = fmt::format("{} ({})", m.plan().description(), status);
    std::string date = "planned " + core::FormatFuzzyDate(m.plan().planned());
    if (m.times_rescheduled() > 0) date += fmt::format(", rescheduled {}x", m.times_rescheduled());
    if (!earliest || !latest) {
      undated.push_back(fmt::format("{}: {}", label, date));
      continue;
    }
    planned.push_back({*earliest, *latest, Truncate(label, 34), Truncate(date, 34),
                       fmt::format("{}: {}", label, date), status});
  }
  std::optional<Day> today;
  if (summary.as_of().has_date()) today = core::ToDay(summary.as_of().date());

  std::vector<Day> days;
  for (const auto* marks : {&held, &planned}) {
    for (const Mark& m : *marks) {
      days.push_back(m.earliest);
      days.push_back(m.latest);
    }
  }
  if (days.empty() && today) days.push_back(*today);
  if (days.empty()) return "<p>No dated milestones to draw.</p>\n";
  Day first = *std::min_element(days.begin(), days.end());
  Day last = *std::max_element(days.begin(), days.end());
  // Today joins the axis unless it would squeeze the milestones into a
  // corner; then an arrow at the right edge says how far on it is.
  bool today_on_axis = false;
  if (today && *today >= first &&
      (*today - last).count() <= std::max<int64_t>((last - first).count() / 2, 90)) {
    last = std::max(last, *today);
    today_on_axis = true;
  }
  auto span = std::max<int64_t>((last - first).count(), 60);
  first -= std::chrono::days(span / 20 + 5);
  last += std::chrono::days(span / 8 + 30);  // room for the last label
  double total = static_cast<double>((last - first).count());
  auto x = [&](Day d) { return kLeft + kWidth * static_cast<double>((d - first).count()) / total; };

  int up = AssignLanes(&held, x);
  int down = AssignLanes(&planned, x);
  double axis_y = 30 + kLaneHeight * (up + 1);
  double height =
      axis_y + kLaneHeight * (down + 1) + 30 + 16.0 * static_cast<double>(undated.size());

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1000 {0:.0f}\" width=\"1000\" "
      "height=\"{0:.0f}\" role=\"img\" aria-label=\"Timeline of {1}\">\n",
      height, Escape(timeline.agreement_id()));
  svg += fmt::format("<line class=\"axis\" x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\"/>\n",
                     kLeft, axis_y, kLeft + kWidth, axis_y);
  // Year ticks with labels; month ticks when the span is short enough to read them.
  auto ymd_first = std::chrono::year_month_day(first);
  bool months = total < 365 * 4;
  for (auto ym = ymd_first.year() / ymd_first.month(); Day(ym / 1) <= last;
       ym += std::chrono::months(1)) {
    Day d = Day(ym / 1);
    if (d < first) continue;
    // Every year labelled up to 12 years; beyond that, every 2nd or 5th.
    int years = static_cast<int>(total / 365) + 1;
    int label_every = years <= 12 ? 1 : years <= 30 ? 2 : 5;
    bool year_start = ym.month() == std::chrono::January;
    if (!year_start && !months) continue;
    double tx = x(d);
    svg += fmt::format(
        "<line class=\"tick{}\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>",
        year_start ? " year" : "", tx, axis_y - (year_start ? 8 : 4), tx,
        axis_y + (year_start ? 8 : 4));
    if (year_start && static_cast<int>(ym.year()) % label_every == 0) {
      svg += fmt::format("<text class=\"year\" x=\"{:.1f}\" y=\"{:.1f}\">{}</text>", tx + 3,
                         axis_y - 10, static_cast<int>(ym.year()));
    }
  }
  svg += "\n";
  if (today && !today_on_axis) {
    svg += fmt::format(
        "<g class=\"today\"><text x=\"{:.1f}\" y=\"16\" text-anchor=\"end\">statuses judged on "
        "{} &#8594;</text></g>\n",
        kLeft + kWidth, core::FormatFuzzyDate(summary.as_of()));
  } else if (today) {
    svg += fmt::format(
        "<g class=\"today\"><line x1=\"{0:.1f}\" y1=\"20\" x2=\"{0:.1f}\" y2=\"{1:.1f}\"/><text "
        "x=\"{2:.1f}\" y=\"16\">statuses judged on {3}</text></g>\n",
        x(*today), height - 20 - 16.0 * static_cast<double>(undated.size()), x(*today) - 150,
        core::FormatFuzzyDate(summary.as_of()));
  }
  svg += DrawMarks(held, x, axis_y, -1);
  svg += DrawMarks(planned, x, axis_y, +1);
  double y = axis_y + kLaneHeight * (down + 1) + 24;
  for (const auto& line : undated) {
    svg += fmt::format("<text class=\"undated\" x=\"{}\" y=\"{:.1f}\">undated: {}</text>\n", kLeft,
                       y, Escape(Truncate(line, 150)));
    y += 16;
  }
  svg += "</svg>\n";
  return svg;
}

constexpr char kStyle[] = R"(
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 24px; color: #1f2937; }
h1 { font-size: 22px; margin-bottom: 4px; }
.verified { padding: 8px 12px; border-radius: 6px; margin: 12px 0; }
.verified.passed { background: #dcfce7; border: 1px solid #16a34a; }
.verified.failed { background: #fee2e2; border: 1px solid #dc2626; }
code { font-size: 12px; }
svg { background: #fafafa; border: 1px solid #e5e7eb; border-radius: 6px; }
svg .axis { stroke: #374151; stroke-width: 2; }
svg .tick { stroke: #9ca3af; } svg .tick.year { stroke: #374151; }
svg .year { font-size: 11px; fill: #374151; }
svg .stem { stroke: #d1d5db; stroke-width: 1; }
svg .label { font-size: 11px; fill: #111827; }
svg .date { font-size: 10px; fill: #6b7280; }
svg .held circle, svg .held rect { fill: #2563eb; fill-opacity: 0.85; }
svg .planned path, svg .planned rect { fill: #fff; stroke: #2563eb; stroke-width: 2; stroke-dasharray: 4 2; }
svg .overdue path, svg .overdue rect { fill: #fff; stroke: #dc2626; stroke-width: 2; stroke-dasharray: 4 2; }
svg .overdue .label { fill: #b91c1c; font-weight: bold; }
svg .fulfilled path, svg .fulfilled rect { fill: #e5e7eb; stroke: #6b7280; stroke-width: 1.5; }
svg .today line { stroke: #f59e0b; stroke-width: 1.5; stroke-dasharray: 5 3; }
svg .today text { font-size: 10px; fill: #b45309; }
svg .undated { font-size: 11px; fill: #6b7280; }
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
                     Escape(report.agreement_id()), kStyle);
  out += fmt::format("<h1>Audit report: {}</h1>\n<p>{}</p>\n", Escape(report.agreement_id()),
                     Escape(summary.title()));
  out += fmt::format(
      "<div class=\"verified {}\"><strong>Log verification: {}</strong> ({} events in the log; "
      "head hash <code>{}</code>)</div>\n",
      report.log_verified() ? "passed" : "failed",
      report.log_verified() ? "passed" : "FAILED: " + Escape(report.verification()),
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
        r.position(), r.stream_version(), Escape(Spaced(r.event_type())),
        e.corrected_by_size() > 0 ? " (corrected)" : "",
        Escape(core::FormatFuzzyDate(r.effective())),
        google::protobuf::util::TimeUtil::ToString(r.recorded_at()), Escape(r.actor()),
        core::HexEncode(r.hash()).substr(0, 16));
  }
  out += "</table>\n";
  for (const auto& e : report.entries()) {
    const auto& r = e.record();
    out += fmt::format(
        "<details><summary>Version {}: {}</summary><p>event id <code>{}</code>, hash "
        "<code>{}</code>, previous hash <code>{}</code>{}</p><pre>{}</pre></details>\n",
        r.stream_version(), Escape(Describe(e.event())), Escape(r.event_id()),
        core::HexEncode(r.hash()), core::HexEncode(r.prev_hash()),
        e.corrected_by_size() > 0
            ? ", corrected by " + Escape(fmt::format("{}", fmt::join(e.corrected_by(), ", ")))
            : "",
        Escape(ToJson(e.event())));
  }
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace accord::tools
