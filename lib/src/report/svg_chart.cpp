#include "hkstat/report/svg_chart.hpp"

#include "hkstat/report/number_format.hpp"
#include "hkstat/report/table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

namespace hkstat::report {

namespace {

// Layout in px. Text widths are estimated from the display width (a wide character counts 2 columns).
constexpr double kWidth = 760;
constexpr double kMargin = 16;
constexpr double kFont = 12;
constexpr double kColumn = 6.6;      // px per display column at 12px
constexpr double kLabelMax = 300;    // category labels wrap at this width
constexpr double kBar = 14;
constexpr double kBarGap = 3;
constexpr double kGroupGap = 10;
constexpr double kLine = 15;
constexpr double kValueSpace = 86;   // right of the plot, for value labels
// Okabe–Ito palette: distinguishable with colour-vision deficiencies.
constexpr const char* kColours[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"};

std::string xml(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '&': out += "&amp;"; break;
    case '<': out += "&lt;"; break;
    case '>': out += "&gt;"; break;
    case '"': out += "&quot;"; break;
    case '\'': out += "&#39;"; break;
    default: out += c;
    }
  }
  return out;
}

std::string num(double v) { return format_fixed(v, 1); }

// Series s: a palette colour, hatched from the ninth series on (the pattern is defined in <defs>).
std::string fill_of(std::size_t s) { return s < 8 ? kColours[s] : fmt::format("url(#hatch{})", s); }
// A light colour (yellow) needs an outline on white.
std::string outline_of(std::size_t s) { return s % 8 == 6 || s >= 8 ? " stroke=\"#333333\" stroke-width=\"0.6\"" : ""; }
std::string pattern_defs(std::size_t series) {
  std::string d;
  for (std::size_t s = 8; s < series; ++s)
    d += fmt::format("<pattern id=\"hatch{0}\" width=\"{2}\" height=\"{2}\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate({3})\">"
                     "<rect width=\"{2}\" height=\"{2}\" fill=\"{1}\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"{2}\" stroke=\"#ffffff\" stroke-width=\"2\"/></pattern>\n",
                     s, kColours[s % 8], 4 + (s / 8) % 3, (s / 8) % 2 ? 135 : 45);
  return d.empty() ? d : "<defs>\n" + d + "</defs>\n";
}

double text_width(const std::string& s) { return static_cast<double>(display_width(s)) * kColumn; }

// The length in bytes of the UTF-8 sequence that starts with `c` (1 for ASCII and for a stray byte).
std::size_t utf8_length(unsigned char c) { return c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1; }

// Splits a label into lines no wider than `max` px, between code points.
std::vector<std::string> wrap(const std::string& s, double max) {
  std::vector<std::string> lines(1);
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_length(static_cast<unsigned char>(s[i]));
    const std::string cp = s.substr(i, len);
    if (!lines.back().empty() && text_width(lines.back() + cp) > max) lines.emplace_back();
    lines.back() += cp;
    i += len;
  }
  return lines;
}

// Splits a note into lines no wider than `max` px: Latin text between words (at spaces, which are dropped at a
// break), Japanese between characters (each wide character may start a line, as wrap() does). A run of narrow
// characters without a space ("interval.", "n=30") stays whole unless it alone is wider than `max`, then it is
// split between code points.
std::vector<std::string> wrap_words(const std::string& s, double max) {
  // The units a line may start with: a run of narrow non-space characters, or one wide character; `space`: a
  // space comes before the unit.
  struct Unit {
    std::string text;
    bool space = false;
    bool wide = false;
  };
  std::vector<Unit> units;
  bool after_space = false;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_length(static_cast<unsigned char>(s[i]));
    const std::string cp = s.substr(i, len);
    i += len;
    if (cp == " ") {
      after_space = true;
      continue;
    }
    const bool wide = display_width(cp) > 1;
    if (wide || units.empty() || after_space || units.back().wide) units.push_back(Unit{cp, after_space, wide});
    else units.back().text += cp;
    after_space = false;
  }
  std::vector<std::string> lines(1);
  for (const Unit& u : units) {
    const std::string joined = lines.back() + (u.space && !lines.back().empty() ? " " : "") + u.text;
    if (lines.back().empty() || text_width(joined) <= max) {
      if (text_width(joined) <= max) {
        lines.back() = joined;
        continue;
      }
    } else if (text_width(u.text) <= max) {
      lines.push_back(u.text);
      continue;
    }
    // A word wider than a whole line: on lines of its own, split between code points.
    if (!lines.back().empty()) lines.emplace_back();
    const auto parts = wrap(u.text, max);
    lines.back() = parts.front();
    lines.insert(lines.end(), parts.begin() + 1, parts.end());
  }
  return lines;
}

// A legend of coloured keys (the i-th key in the i-th series colour), wrapped to the chart's width, from y on;
// y ends below it. Shared by the bar and the stacked chart.
void legend(const std::vector<std::string>& names, std::string& body, double& y) {
  double lx = kMargin;
  y += 14;
  for (std::size_t s = 0; s < names.size(); ++s) {
    const double w = 16 + text_width(names[s]) + 16;
    if (lx + w > kWidth - kMargin && lx > kMargin) {
      lx = kMargin;
      y += 18;
    }
    body += fmt::format("<rect class=\"legend\" x=\"{}\" y=\"{}\" width=\"11\" height=\"11\" fill=\"{}\"{}/>\n", num(lx), num(y - 10), fill_of(s), outline_of(s));
    body += fmt::format("<text x=\"{}\" y=\"{}\">{}</text>\n", num(lx + 15), num(y), xml(names[s]));
    lx += w;
  }
  y += 8;
}

// The value axis of the bar and line charts, in percent: 0 to the next 10% (ticks every 10%, 20% above 50%). A fine
// axis (ChartData::fine_axis: small rates such as a prevalence) when the largest value is below `fine_below`: to the
// next 1%, 2% or 5% step (ticks 1% up to 5%, 2% up to 12%, else 5%). The bar chart is fine below 10% (above, its 10%
// ticks), the line chart below 30% (its points are read against the ticks, so 5% steps help up to 30%).
struct Axis {
  int top = 10;
  int step = 10;
};
constexpr double kFineBars = 0.1;
constexpr double kFineLines = 0.3;
Axis value_axis(double vmax, bool fine, double fine_below) {
  Axis a;
  a.top = std::clamp(static_cast<int>(std::ceil(vmax * 10.0 - 1e-9)), 1, 10) * 10;
  a.step = a.top > 50 ? 20 : 10;
  if (fine && vmax < fine_below) {
    a.top = std::max(1, static_cast<int>(std::ceil(vmax * 100.0 - 1e-9)));
    a.step = a.top > 12 ? 5 : a.top > 5 ? 2 : 1;
    a.top = (a.top + a.step - 1) / a.step * a.step;
  }
  return a;
}

// Throws Error(Internal) unless every series has one bar per category.
void check_series(const ChartData& c) {
  for (const auto& s : c.series)
    if (s.bars.size() != c.categories.size())
      throw Error(Problem{ErrorCode::Internal, SourcePos{}, "", Text{"グラフの系列の長さが項目数と違います", "a chart series does not have one bar per category"}, Text{}, ""});
}

// The chart's title line at the top; y ends below it.
void title_line(const ChartData& c, bool en, std::string& body, double& y) {
  y = kMargin + 14;
  body += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"14\" font-weight=\"bold\">{}</text>\n", num(kMargin), num(y), xml(c.title.in(en)));
  y += 10;
}

// The note under a chart, wrapped to its width, from y on; y ends at its last line. Nothing for an empty note.
std::string foot_note(const std::string& note, double& y) {
  std::string foot;
  if (note.empty()) return foot;
  for (const auto& l : wrap_words(note, kWidth - 2 * kMargin)) {
    y += kLine;
    foot += fmt::format("<text class=\"note\" x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#333333\">{}</text>\n", num(kMargin), num(y), xml(l));
  }
  return foot;
}

// The standalone SVG document: the chart's width and the height that fits y, its <title>, the pattern definitions,
// a white background, then `content`.
std::string svg_document(const ChartData& c, bool en, double y, const std::string& defs, const std::string& content) {
  const double height = std::ceil(y + kMargin);
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
                     "font-family=\"'Noto Sans CJK JP', 'Hiragino Sans', 'Yu Gothic', Meiryo, sans-serif\" font-size=\"{2}\" role=\"img\">\n",
                     num(kWidth), num(height), num(kFont));
  out += "<title>" + xml(c.title.in(en)) + "</title>\n";
  out += defs;
  out += fmt::format("<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n", num(kWidth), num(height));
  return out + content + "</svg>\n";
}

} // namespace

std::vector<std::string> wrap_chart_note(const std::string& note, double max_px) { return wrap_words(note, max_px); }

std::string bar_chart_svg(const ChartData& c, Lang lang) {
  const bool en = lang == Lang::En;
  check_series(c);
  const std::size_t ns = std::max<std::size_t>(c.series.size(), 1);

  std::vector<std::vector<std::string>> labels;
  double label_w = 0;
  for (const auto& cat : c.categories) {
    labels.push_back(wrap(cat.in(en), kLabelMax));
    for (const auto& l : labels.back()) label_w = std::max(label_w, text_width(l));
  }
  const double x0 = kMargin + label_w + 10;
  const double plot_w = std::max(120.0, kWidth - x0 - kValueSpace - kMargin);

  double vmax = 0;
  bool any_interval = false, any_flag = false;
  for (const auto& s : c.series)
    for (const auto& b : s.bars)
      if (!b.hidden && b.estimable) {
        vmax = std::max(vmax, b.has_interval ? std::max(b.value, b.upper) : b.value);
        any_interval = any_interval || b.has_interval;
        any_flag = any_flag || b.flagged;
      }
  const Axis axis = value_axis(vmax, c.fine_axis, kFineBars);
  const int top = axis.top, step = axis.step; // not a structured binding: lambdas capture it (clang 14, the web build)
  auto x_of = [&](double v) { return x0 + plot_w * std::min(v * 100.0 / top, 1.0); };

  std::string body;
  double y = 0;
  title_line(c, en, body, y);
  if (c.series.size() > 1) {
    std::vector<std::string> names;
    for (const auto& series : c.series) names.push_back(series.name.in(en));
    legend(names, body, y);
  }
  const double plot_top = y + 8;
  y = plot_top;
  std::string bars;
  for (std::size_t k = 0; k < c.categories.size(); ++k) {
    const double group_h = std::max(static_cast<double>(ns) * (kBar + kBarGap) - kBarGap, static_cast<double>(labels[k].size()) * kLine);
    const double label_y = y + group_h / 2 - (static_cast<double>(labels[k].size()) - 1) * kLine / 2 + 4;
    bars += fmt::format("<text class=\"category\" x=\"{}\" y=\"{}\" text-anchor=\"end\">", num(x0 - 8), num(label_y));
    for (std::size_t l = 0; l < labels[k].size(); ++l)
      bars += fmt::format("<tspan x=\"{}\" dy=\"{}\">{}</tspan>", num(x0 - 8), l == 0 ? "0" : num(kLine), xml(labels[k][l]));
    bars += "</text>\n";
    for (std::size_t s = 0; s < c.series.size(); ++s) {
      const ChartBar& b = c.series[s].bars[k];
      const double by = y + static_cast<double>(s) * (kBar + kBarGap);
      const double ty = by + kBar - 3;
      if (b.hidden) {
        bars += fmt::format("<text class=\"suppressed\" x=\"{}\" y=\"{}\" fill=\"#555555\" font-style=\"italic\">{}</text>\n", num(x0 + 4), num(ty),
                            en ? "* suppressed" : "* 秘匿");
      } else if (!b.estimable) {
        bars += fmt::format("<text class=\"na\" x=\"{}\" y=\"{}\" fill=\"#555555\">—</text>\n", num(x0 + 4), num(ty));
      } else {
        const double w = x_of(b.value) - x0;
        bars += fmt::format("<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"{}/>\n", num(x0), num(by), num(w), num(kBar), fill_of(s),
                            outline_of(s));
        double label_x = x0 + w + 4;
        if (b.has_interval) {
          const double lo = x_of(b.lower), hi = x_of(b.upper), my = by + kBar / 2;
          bars += fmt::format("<path class=\"interval\" d=\"M{0} {1}H{2}M{0} {3}V{4}M{2} {3}V{4}\" stroke=\"#222222\" stroke-width=\"1.2\" fill=\"none\"/>\n", num(lo),
                              num(my), num(hi), num(my - 4), num(my + 4));
          label_x = std::max(label_x, hi + 4);
        }
        bars += fmt::format("<text class=\"value\" x=\"{}\" y=\"{}\">{}{}</text>\n", num(label_x), num(ty), xml(b.label), b.flagged ? "※" : "");
      }
    }
    y += group_h + kGroupGap;
  }
  const double plot_bottom = y - kGroupGap + 6;
  std::string grid;
  for (int t = 0; t <= top; t += step) {
    const double gx = x_of(t / 100.0);
    grid += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{3}\" stroke-width=\"1\"/>\n", num(gx), num(plot_top - 4), num(plot_bottom),
                        t == 0 ? "#333333" : "#dddddd");
    grid += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#333333\">{}%</text>\n", num(gx), num(plot_bottom + 14), t);
  }
  y = plot_bottom + 14;
  std::string foot;
  std::string note = c.note.in(en);
  if (any_interval)
    note += en ? " Whiskers: the confidence interval." : "横線（ひげ）は信頼区間。";
  if (any_flag)
    note += en ? " ※ low precision (base n below 30, or a wide interval)." : "※ は精度が低い値（基数30未満、または区間の幅が広い）。";
  foot += foot_note(note, y);
  return svg_document(c, en, y, pattern_defs(c.series.size()), body + grid + bars + foot);
}

std::string stacked_chart_svg(const ChartData& c, Lang lang) {
  const bool en = lang == Lang::En;
  check_series(c);
  constexpr double kStackBar = 22;
  std::vector<std::vector<std::string>> labels;
  double label_w = 0;
  for (const auto& s : c.series) {
    labels.push_back(wrap(s.name.in(en), kLabelMax));
    for (const auto& l : labels.back()) label_w = std::max(label_w, text_width(l));
  }
  const double x0 = kMargin + label_w + 10;
  const double plot_w = std::max(160.0, kWidth - x0 - kMargin - 10);

  std::string body;
  double y = 0;
  title_line(c, en, body, y);
  // Legend: the categories, in the order of the segments.
  {
    std::vector<std::string> names;
    for (const auto& category : c.categories) names.push_back(category.in(en));
    legend(names, body, y);
  }
  const double plot_top = y + 8;
  y = plot_top;
  std::string bars;
  bool any_hidden = false;
  for (std::size_t s = 0; s < c.series.size(); ++s) {
    const double row_h = std::max(kStackBar, static_cast<double>(labels[s].size()) * kLine);
    const double label_y = y + row_h / 2 - (static_cast<double>(labels[s].size()) - 1) * kLine / 2 + 4;
    bars += fmt::format("<text class=\"category\" x=\"{}\" y=\"{}\" text-anchor=\"end\">", num(x0 - 8), num(label_y));
    for (std::size_t l = 0; l < labels[s].size(); ++l)
      bars += fmt::format("<tspan x=\"{}\" dy=\"{}\">{}</tspan>", num(x0 - 8), l == 0 ? "0" : num(kLine), xml(labels[s][l]));
    bars += "</text>\n";
    const double by = y + (row_h - kStackBar) / 2;
    // Segments in the order of the answers. Once an answer is hidden (suppressed), its share is unknown: the
    // answers before it are drawn from the left, those after it end at 100%, and the hidden rest is grey between.
    double shown = 0;
    std::size_t first_hidden = c.categories.size();
    for (std::size_t k = 0; k < c.categories.size(); ++k) {
      const ChartBar& b = c.series[s].bars[k];
      if (b.hidden || !b.estimable) first_hidden = std::min(first_hidden, k);
      else shown += std::max(b.value, 0.0);
    }
    const double scale = shown > 1.0 ? 1.0 / shown : 1.0; // rounding: never past 100%
    double at = 0;
    for (std::size_t k = 0; k < c.categories.size(); ++k) {
      const ChartBar& b = c.series[s].bars[k];
      if (k == first_hidden && shown * scale < 1.0 - 1e-9) {
        const double gap = 1.0 - shown * scale;
        const double sx = x0 + plot_w * at, sw = plot_w * gap;
        any_hidden = true;
        bars += fmt::format("<rect class=\"suppressed\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#eeeeee\" stroke=\"#999999\" stroke-width=\"0.6\"/>\n", num(sx),
                            num(by), num(sw), num(kStackBar));
        if (sw >= 40)
          bars += fmt::format("<text class=\"suppressed\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555555\" font-style=\"italic\">{}</text>\n", num(sx + sw / 2),
                              num(by + kStackBar / 2 + 4), en ? "* suppressed" : "* 秘匿");
        at += gap;
      }
      if (b.hidden || !b.estimable) continue;
      const double v = std::max(b.value, 0.0) * scale;
      if (v <= 0) continue;
      const double sx = x0 + plot_w * at, sw = plot_w * v;
      bars += fmt::format("<rect class=\"segment\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"0.8\"/>\n", num(sx), num(by),
                          num(sw), num(kStackBar), fill_of(k));
      const std::string text = b.label + (b.flagged ? "※" : "");
      if (sw >= text_width(text) + 4) {
        // Dark text on the light colours (orange, sky blue, yellow, and hatched fills), white on the others.
        const bool light = k >= 8 || k % 8 == 1 || k % 8 == 4 || k % 8 == 6;
        bars += fmt::format("<text class=\"value\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"{}\">{}</text>\n", num(sx + sw / 2), num(by + kStackBar / 2 + 4),
                            light ? "#000000" : "#ffffff", xml(text));
      }
      at += v;
    }
    y += row_h + kGroupGap;
  }
  const double plot_bottom = y - kGroupGap + 6;
  std::string grid;
  for (int t = 0; t <= 100; t += 20) {
    const double gx = x0 + plot_w * t / 100.0;
    grid += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{3}\" stroke-width=\"1\"/>\n", num(gx), num(plot_top - 4), num(plot_bottom),
                        t == 0 ? "#333333" : "#dddddd");
    grid += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#333333\">{}%</text>\n", num(gx), num(plot_bottom + 14), t);
  }
  y = plot_bottom + 14;
  std::string foot;
  std::string note = c.note.in(en);
  if (any_hidden) note += en ? " Grey: suppressed answers (*)." : "灰色は秘匿した回答（*）。";
  note += en ? " Segments narrower than their label are not labelled." : "幅の狭い区分は数値を省略。";
  foot += foot_note(note, y);
  return svg_document(c, en, y, pattern_defs(c.categories.size()), body + grid + bars + foot);
}

std::string line_chart_svg(const ChartData& c, Lang lang) {
  const bool en = lang == Lang::En;
  check_series(c);
  constexpr double kPlotH = 260;
  constexpr double kYLabels = 44; // room for the tick labels left of the axis
  double vmax = 0;
  bool any_interval = false, any_flag = false, any_hidden = false;
  for (const auto& s : c.series)
    for (const auto& b : s.bars) {
      any_hidden = any_hidden || b.hidden;
      if (!b.hidden && b.estimable) {
        vmax = std::max(vmax, b.has_interval ? std::max(b.value, b.upper) : b.value);
        any_interval = any_interval || b.has_interval;
        any_flag = any_flag || b.flagged;
      }
    }
  const Axis axis = value_axis(vmax, c.fine_axis, kFineLines);
  const int top = axis.top, step = axis.step; // not a structured binding: lambdas capture it (clang 14, the web build)

  std::string body;
  double y = 0;
  title_line(c, en, body, y);
  if (c.series.size() > 1) {
    std::vector<std::string> names;
    for (const auto& series : c.series) names.push_back(series.name.in(en));
    legend(names, body, y);
  }
  const double plot_top = y + 16, plot_bottom = plot_top + kPlotH;
  const double x0 = kMargin + kYLabels, x1 = kWidth - kMargin - 70; // right: room for the last value labels
  const std::size_t nc = c.categories.size();
  auto x_of = [&](std::size_t k) { return nc <= 1 ? (x0 + x1) / 2 : x0 + 40 + (x1 - x0 - 80) * static_cast<double>(k) / static_cast<double>(nc - 1); };
  auto y_of = [&](double v) { return plot_bottom - kPlotH * std::clamp(v * 100.0 / top, 0.0, 1.0); };

  std::string grid;
  for (int t = 0; t <= top; t += step) {
    const double gy = y_of(t / 100.0);
    grid += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\" stroke-width=\"1\"/>\n", num(x0), num(gy), num(x1),
                        t == 0 ? "#333333" : "#dddddd");
    grid += fmt::format("<text class=\"tick\" x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#333333\">{}%</text>\n", num(x0 - 6), num(gy + 4), t);
  }
  for (std::size_t k = 0; k < nc; ++k) {
    const auto lines = wrap(c.categories[k].in(en), 150);
    grid += fmt::format("<text class=\"category\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">", num(x_of(k)), num(plot_bottom + 16));
    for (std::size_t l = 0; l < lines.size(); ++l)
      grid += fmt::format("<tspan x=\"{}\" dy=\"{}\">{}</tspan>", num(x_of(k)), l == 0 ? "0" : num(kLine), xml(lines[l]));
    grid += "</text>\n";
  }
  double label_rows = 1;
  for (const auto& cat : c.categories) label_rows = std::max(label_rows, static_cast<double>(wrap(cat.in(en), 150).size()));

  std::string lines;
  const std::size_t ns = c.series.size();
  for (std::size_t s = 0; s < ns; ++s) {
    // Series side by side around each round, so that their whiskers do not overlap.
    const double dx = (static_cast<double>(s) - (static_cast<double>(ns) - 1) / 2) * 7;
    const std::string colour = kColours[s % 8];
    const std::string dash = s >= 8 ? fmt::format(" stroke-dasharray=\"{}\"", s / 8 % 2 ? "6 3" : "2 2") : "";
    std::string path;
    bool open = false;
    for (std::size_t k = 0; k < nc; ++k) {
      const ChartBar& b = c.series[s].bars[k];
      if (b.hidden || !b.estimable) {
        open = false; // a suppressed or missing round breaks the line
        continue;
      }
      path += fmt::format("{}{} {}", open ? "L" : "M", num(x_of(k) + dx), num(y_of(b.value)));
      open = true;
    }
    if (!path.empty())
      lines += fmt::format("<path class=\"line\" d=\"{}\" stroke=\"{}\" stroke-width=\"2\" fill=\"none\"{}/>\n", path, colour, dash);
    for (std::size_t k = 0; k < nc; ++k) {
      const ChartBar& b = c.series[s].bars[k];
      if (b.hidden || !b.estimable) continue;
      const double px = x_of(k) + dx, py = y_of(b.value);
      if (b.has_interval)
        lines += fmt::format("<path class=\"interval\" d=\"M{0} {1}V{2}M{3} {1}H{4}M{3} {2}H{4}\" stroke=\"{5}\" stroke-width=\"1.2\" fill=\"none\"/>\n", num(px),
                             num(y_of(b.lower)), num(y_of(b.upper)), num(px - 3), num(px + 3), colour);
      lines += fmt::format("<circle class=\"point\" cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{}\"{}/>\n", num(px), num(py), colour, outline_of(s % 8));
      // Values: at every point of a single line; with several lines at the last point only (the table has the rest).
      if (ns == 1 || k + 1 == nc)
        lines += fmt::format("<text class=\"value\" x=\"{}\" y=\"{}\" font-size=\"11\">{}{}</text>\n",
                             num(ns == 1 ? px + 6 : x_of(k) + (static_cast<double>(ns) - 1) / 2 * 7 + 8), num(ns == 1 ? py - 5 : py + 4), xml(b.label),
                             b.flagged ? "※" : "");
    }
  }
  y = plot_bottom + 16 + (label_rows - 1) * kLine + 4;
  std::string foot;
  std::string note = c.note.in(en);
  if (any_interval) note += en ? " Vertical whiskers: the confidence interval of each survey." : "縦線（ひげ）は各調査の信頼区間。";
  if (any_flag) note += en ? " ※ low precision (base n below 30, or a wide interval)." : "※ は精度が低い値（基数30未満、または区間の幅が広い）。";
  if (any_hidden) note += en ? " Suppressed values (*) are not drawn; the line breaks there." : "秘匿した値（*）は描かず、線はそこで途切れます。";
  foot += foot_note(note, y);
  return svg_document(c, en, y, "", body + grid + lines + foot);
}

ChartData prevalence_chart(const table::Table& t, const Text& title) {
  ChartData c;
  c.title = title;
  c.fine_axis = true;
  auto col = [&](const char* id) -> std::size_t {
    for (std::size_t i = 0; i < t.columns.size(); ++i)
      if (t.columns[i].id == id) return i;
    throw Error(Problem{ErrorCode::Internal, SourcePos{}, id, Text{"出現率の表に列がありません", "the prevalence table lacks a column"}, Text{}, ""});
  };
  const std::size_t measure = col("measure"), group = col("age_group"), rate = col("rate"), lo = col("ci_lower"), hi = col("ci_upper"),
                    suppressed = col("suppressed"), n = col("n");
  // Rows of --by levels (estimate --by) are left out: the chart is of the age groups and the whole sample.
  std::optional<std::size_t> by_level;
  for (std::size_t i = 0; i < t.columns.size(); ++i)
    if (t.columns[i].id == "by_level") by_level = i;
  auto of_by = [&](const std::vector<table::Cell>& row) { return by_level && !row[*by_level].raw.empty(); };
  std::vector<std::string> groups, measures;
  for (const auto& row : t.rows) {
    if (of_by(row)) continue;
    if (std::find(groups.begin(), groups.end(), row[group].raw) == groups.end()) {
      groups.push_back(row[group].raw);
      c.categories.push_back(Text{row[group].display.ja + "（n=" + row[n].display.ja + "）", row[group].display.en + " (n=" + row[n].display.en + ")"});
    }
    if (std::find(measures.begin(), measures.end(), row[measure].raw) == measures.end()) {
      measures.push_back(row[measure].raw);
      c.series.push_back(ChartSeries{row[measure].display, std::vector<ChartBar>(0)});
    }
  }
  for (auto& s : c.series) s.bars.resize(groups.size(), ChartBar{0, false, false, "", false, 0, 0, false});
  for (const auto& row : t.rows) {
    if (of_by(row)) continue;
    const auto g = static_cast<std::size_t>(std::find(groups.begin(), groups.end(), row[group].raw) - groups.begin());
    const auto m = static_cast<std::size_t>(std::find(measures.begin(), measures.end(), row[measure].raw) - measures.begin());
    ChartBar& b = c.series[m].bars[g];
    b.hidden = row[suppressed].raw == "1";
    b.estimable = !b.hidden && !row[rate].raw.empty();
    if (b.estimable) {
      b.value = std::stod(row[rate].raw);
      b.label = row[rate].display.ja;
      if (!row[lo].raw.empty() && !row[hi].raw.empty()) {
        b.has_interval = true;
        b.lower = std::stod(row[lo].raw);
        b.upper = std::stod(row[hi].raw);
      }
    }
  }
  c.note = Text{"出現率は有効回答数（n）に対する該当者の割合。該当数が少ないセルは秘匿（*）。", "Prevalence: cases per valid response (n). Cells with few cases are suppressed (*)."};
  return c;
}

ChartData distribution_chart(const tabulate::Distribution& d, int decimals) {
  ChartData c;
  c.title = d.label.ja.empty() ? Text{d.variable, d.variable} : Text{d.variable + " " + d.label.ja, d.variable + " " + d.label.en};
  // Categories: the rows of the first block (every block has the same rows); 無回答 only if used.
  std::vector<std::pair<tabulate::RowKind, std::int64_t>> rows;
  bool no_answer_used = false;
  for (const auto& cell : d.cells) {
    if (cell.block == 0) rows.emplace_back(cell.kind, cell.code);
    if (cell.kind == tabulate::RowKind::NoAnswer && cell.n > 0) no_answer_used = true;
  }
  std::vector<std::size_t> keep;
  for (std::size_t r = 0; r < rows.size(); ++r)
    if (rows[r].first == tabulate::RowKind::Code || no_answer_used) keep.push_back(r);
  for (std::size_t r : keep)
    for (const auto& cell : d.cells)
      if (cell.block == 0 && cell.kind == rows[r].first && cell.code == rows[r].second) {
        c.categories.push_back(cell.kind == tabulate::RowKind::NoAnswer ? Text{"無回答", "no answer"} : Text{cell.label, cell.label});
        break;
      }
  for (std::size_t b = 0; b < d.blocks.size(); ++b) {
    const auto& blk = d.blocks[b];
    ChartSeries s;
    auto join = [](const std::string& a, const std::string& x) { return x.empty() ? a : a + " " + x; };
    const Text dom = tabulate::domain_label(blk.domain);
    const Text age = blk.age_band == "all" ? Text{} : blk.age_label;
    const Text sex = blk.sex == "all" ? Text{} : blk.sex_label;
    const std::string n = blk.base_hidden ? std::string("*") : std::to_string(blk.base);
    s.name = Text{join(join(dom.ja, age.ja), sex.ja) + fmt::format("（n={}）", n), join(join(dom.en, age.en), sex.en) + fmt::format(" (n={})", n)};
    std::vector<ChartBar> all;
    for (const auto& cell : d.cells) {
      if (cell.block != b) continue;
      ChartBar bar;
      bar.hidden = cell.hidden || blk.base_hidden; // a hidden base hides its block's percentages
      bar.estimable = cell.estimable;
      bar.value = cell.est.value;
      bar.label = format_percent(cell.est.value, decimals);
      if (cell.est.interval && !cell.hidden && cell.estimable) {
        bar.has_interval = true;
        bar.lower = cell.est.interval->lower;
        bar.upper = cell.est.interval->upper;
      }
      bar.flagged = !cell.hidden && cell.estimable && (cell.small_base || cell.wide_ci);
      all.push_back(bar);
    }
    for (std::size_t r : keep) s.bars.push_back(all.at(r));
    c.series.push_back(std::move(s));
  }
  if (d.min_cell > 0)
    c.note = Text{fmt::format("割合は各区分の回答者数（n）に対する割合{}。人数が1～{}人のセルと、合計から逆算できるセルは秘匿（*）。", d.multi ? "（複数回答）" : "",
                              d.min_cell - 1),
                  fmt::format("Percent of respondents in each group (n){}. Cells with 1-{} respondents, and cells recoverable from totals, are suppressed (*).",
                              d.multi ? " (multiple answer)" : "", d.min_cell - 1)};
  else
    c.note = Text{"割合は各区分の回答者数（n）に対する割合。秘匿なし（公表用ではありません）。", "Percent of respondents in each group (n). No suppression (not for publication)."};
  return c;
}

} // namespace hkstat::report
