// hkstat/report/svg_chart.hpp — horizontal (grouped) bar charts as standalone SVG 1.1 text.
// Deterministic: the same data gives the same bytes. Suppressed values are never drawn: the bar is
// absent and the row is labelled as suppressed.
#pragma once

#include "hkstat/core/error.hpp"
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
};

// Colours: the Okabe–Ito palette for up to 8 series (yellow bars get a dark outline on white); beyond 8
// the colours repeat with a diagonal hatching, so that no two series look the same. Whiskers (the
// confidence interval) are drawn over the bars, the axis covers them. Throws Error(Internal) if a series
// does not have one bar per category.
std::string bar_chart_svg(const ChartData& chart, Lang lang);

// The chart of a distribution: categories are its rows (codes, then 無回答 if anyone is in it), series
// are its blocks (domain × age band × sex), values are the percentages of respondents.
ChartData distribution_chart(const tabulate::Distribution& dist, int percent_decimals);

} // namespace hkstat::report
