// hkstat/report/svg_chart.hpp — horizontal (grouped) bar charts as standalone SVG 1.1 text.
// Deterministic: the same data gives the same bytes. Suppressed values are never drawn: the bar is
// absent and the row is labelled as suppressed.
#pragma once

#include "hkstat/core/error.hpp"
#include "hkstat/table/table.hpp"
#include "hkstat/tabulate/tabulate.hpp"

#include <string>
#include <vector>

namespace hkstat::report {

struct ChartBar {
  double value = 0;      // proportion 0-1 (drawn only when shown)
  bool hidden = false;   // suppressed: no bar, labelled 秘匿 / suppressed
  bool estimable = true; // false: no bar, labelled —
  std::string label;     // value label, e.g. "40.0%"
  bool has_interval = false; // a whisker from lower to upper (the confidence interval)
  double lower = 0, upper = 0;
  bool flagged = false;  // low precision (tabulate's ※): the value label gets "※"
};

struct ChartSeries {
  Text name;                  // legend entry (e.g. 広義のひきこもり群)
  std::vector<ChartBar> bars; // one per category
};

struct ChartData {
  Text title;
  std::vector<Text> categories; // one row of bars per category, top to bottom
  std::vector<ChartSeries> series;
  Text note;                    // printed under the chart (e.g. the base, the suppression rule)
  bool fine_axis = false;       // an axis to the next 1%, 2% or 5% step (small rates such as a prevalence), not 10%
};

// Colours: the Okabe–Ito palette for up to 8 series (yellow bars get a dark outline on white); beyond 8
// the colours repeat with a diagonal hatching, so that no two series look the same. Whiskers (the
// confidence interval) are drawn over the bars, the axis covers them. Throws Error(Internal) if a series
// does not have one bar per category.
std::string bar_chart_svg(const ChartData& chart, Lang lang);

// A 100% stacked bar chart (帯グラフ): one bar per series (group), its segments the categories (answers) left
// to right, each segment labelled with its percentage when it is wide enough; a legend of the categories. A
// suppressed or undefined segment is not drawn: the rest of the bar is grey and labelled "* 秘匿". Colours as
// bar_chart_svg (hatched beyond 8 categories). For single-answer questions (the segments add up to 100%).
std::string stacked_chart_svg(const ChartData& chart, Lang lang);

// A line chart with intervals (trends over survey rounds): the categories are the points of the x axis (the rounds,
// left to right), each series a line through its values with a vertical whisker for each interval; the series are
// set side by side around each round so that whiskers do not overlap. A suppressed or undefined value is not
// drawn and breaks the line. The y axis as bar_chart_svg's (fine_axis for small rates). Colours as bar_chart_svg
// (dashed lines beyond 8 series).
std::string line_chart_svg(const ChartData& chart, Lang lang);

// The prevalence chart of a prevalence table (report::prevalence_table): the rate with its interval for each age
// group and overall (categories), one series per measure (広義, 狭義, 準); suppressed cells are not drawn.
ChartData prevalence_chart(const table::Table& prevalence, const Text& title);

// The chart of a distribution: categories are its rows (codes, then 無回答 if anyone is in it), series
// are its blocks (domain × age band × sex), values are the percentages of respondents.
ChartData distribution_chart(const tabulate::Distribution& dist, int percent_decimals);

// The lines of a note under a chart, each at most `max_px` wide (text widths estimated as the charts estimate
// them: 6.6 px per display column, a wide character 2 columns): Latin text breaks at spaces (dropped at the
// break), Japanese between any two wide characters; a run of narrow characters without a space is split only when
// it alone is wider than a line.
std::vector<std::string> wrap_chart_note(const std::string& note, double max_px);

} // namespace hkstat::report
