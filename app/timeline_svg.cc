#include "app/timeline_svg.h"

#include <fmt/format.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <vector>

#include "app/render.h"
#include "core/fuzzy_date.h"

namespace accord::app {

std::string EscapeMarkup(std::string_view text) {
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
std::string SpacedTypeName(std::string_view type) {
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

namespace {

using core::Day;

std::string Truncate(std::string text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = max - 1;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return text.substr(0, cut) + "\xE2\x80\xA6";
}

// The type's words, and for a party's step, whose.
std::string ShortLabel(const accord::v1::DomainEvent& e) {
  std::string label = SpacedTypeName(e.GetDescriptor()->name());
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
  return field != nullptr ? SpacedTypeName(field->message_type()->name()) : label;
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
constexpr std::string_view kFontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif";

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

// How a mark's shape is painted, by what it is: the drawing carries its own
// paint (presentation attributes), so that it reads the same as a file, in
// an <img>, or inside a page, with no stylesheet.
std::string_view ShapePaint(std::string_view css) {
  if (css == "held") return R"( fill="#2563eb" fill-opacity="0.85")";
  if (css == "overdue") {
    return R"( fill="#fff" stroke="#dc2626" stroke-width="2" stroke-dasharray="4 2")";
  }
  if (css == "fulfilled") return R"( fill="#e5e7eb" stroke="#6b7280" stroke-width="1.5")";
  return R"( fill="#fff" stroke="#2563eb" stroke-width="2" stroke-dasharray="4 2")";  // planned
}

std::string DrawMarks(const std::vector<Mark>& marks, const std::function<double(Day)>& x,
                      double axis_y, int direction) {
  std::string out;
  for (const Mark& m : marks) {
    double y = axis_y + direction * (kLaneHeight * (m.lane + 1));
    double x0 = x(m.earliest);
    double x1 = x(m.latest);
    const std::string_view paint = ShapePaint(m.css);
    out += fmt::format("<g class=\"mark {}\"><title>{}</title>", m.css, EscapeMarkup(m.detail));
    out += fmt::format(
        "<line class=\"stem\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
        "stroke=\"#d1d5db\"/>",
        x0, axis_y, x0, y);
    if (x1 - x0 < 3) {
      if (m.css == "held") {
        out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"6\"{}/>", x0, y, paint);
      } else {
        out += fmt::format("<path d=\"M{:.1f} {:.1f} l7 7 l-7 7 l-7 -7 z\"{}/>", x0, y - 7, paint);
      }
    } else {
      out +=
          fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"10\" rx=\"5\"{}/>",
                      x0, y - 5, x1 - x0, paint);
    }
    out += fmt::format(
        "<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"label\" font-size=\"11\" fill=\"{}\"{}>{}</text>",
        x1 + 10, y - 1, m.css == "overdue" ? "#b91c1c" : "#111827",
        m.css == "overdue" ? " font-weight=\"bold\"" : "", EscapeMarkup(m.label));
    out += fmt::format(
        "<text x=\"{:.1f}\" y=\"{:.1f}\" class=\"date\" font-size=\"10\" "
        "fill=\"#6b7280\">{}</text></g>\n",
        x1 + 10, y + 10, EscapeMarkup(m.date));
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

}  // namespace

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
  if (days.empty()) {
    return fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 1000 40\" width=\"1000\" "
        "height=\"40\" role=\"img\" aria-label=\"Timeline of {}\" font-family=\"{}\"><text "
        "x=\"{}\" y=\"24\" font-size=\"12\" fill=\"#6b7280\">No dated milestones to "
        "draw.</text></svg>\n",
        EscapeMarkup(timeline.agreement_id()), kFontFamily, kLeft);
  }
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
      "height=\"{0:.0f}\" role=\"img\" aria-label=\"Timeline of {1}\" font-family=\"{2}\">\n",
      height, EscapeMarkup(timeline.agreement_id()), kFontFamily);
  svg += fmt::format(
      "<line class=\"axis\" x1=\"{}\" y1=\"{:.1f}\" x2=\"{}\" y2=\"{:.1f}\" stroke=\"#374151\" "
      "stroke-width=\"2\"/>\n",
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
        "<line class=\"tick{}\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
        "stroke=\"{}\"/>",
        year_start ? " year" : "", tx, axis_y - (year_start ? 8 : 4), tx,
        axis_y + (year_start ? 8 : 4), year_start ? "#374151" : "#9ca3af");
    if (year_start && static_cast<int>(ym.year()) % label_every == 0) {
      svg += fmt::format(
          "<text class=\"year\" x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\" "
          "fill=\"#374151\">{}</text>",
          tx + 3, axis_y - 10, static_cast<int>(ym.year()));
    }
  }
  svg += "\n";
  if (today && !today_on_axis) {
    svg += fmt::format(
        "<g class=\"today\" font-size=\"10\" fill=\"#b45309\"><text x=\"{:.1f}\" y=\"16\" "
        "text-anchor=\"end\">statuses judged on "
        "{} &#8594;</text></g>\n",
        kLeft + kWidth, core::FormatFuzzyDate(summary.as_of()));
  } else if (today) {
    svg += fmt::format(
        "<g class=\"today\" font-size=\"10\" fill=\"#b45309\"><line x1=\"{0:.1f}\" y1=\"20\" "
        "x2=\"{0:.1f}\" y2=\"{1:.1f}\" stroke=\"#f59e0b\" stroke-width=\"1.5\" "
        "stroke-dasharray=\"5 3\"/><text "
        "x=\"{2:.1f}\" y=\"16\">statuses judged on {3}</text></g>\n",
        x(*today), height - 20 - 16.0 * static_cast<double>(undated.size()), x(*today) - 150,
        core::FormatFuzzyDate(summary.as_of()));
  }
  svg += DrawMarks(held, x, axis_y, -1);
  svg += DrawMarks(planned, x, axis_y, +1);
  double y = axis_y + kLaneHeight * (down + 1) + 24;
  for (const auto& line : undated) {
    svg += fmt::format(
        "<text class=\"undated\" x=\"{}\" y=\"{:.1f}\" font-size=\"11\" fill=\"#6b7280\">undated: "
        "{}</text>\n",
        kLeft, y, EscapeMarkup(Truncate(line, 150)));
    y += 16;
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace accord::app
