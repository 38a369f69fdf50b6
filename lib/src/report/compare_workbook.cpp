// compare --xlsx: the workbook of a comparison or trend (compare_report.hpp, trend_workbook). Apart from
// compare_report.cpp because it needs the xlsx writer (libxlsxwriter), which the browser edition leaves out.
#include "hkstat/report/compare_report.hpp"

#include "hkstat/report/xlsx_writer.hpp"

#include <utility>

namespace hkstat::report {

std::string trend_workbook(const std::vector<CompareSurvey>& surveys, const PrevalenceTrend* prevalence, const std::vector<DistributionTrend>& dists,
                           const TrendDisplay& o, const XlsxOptions& options) {
  const bool en = options.lang == Lang::En;
  std::vector<XlsxSheet> sheets;
  int number = 0;
  auto add = [&](Table t, bool chart, bool stacked) {
    t.number = ++number;
    std::string name = xlsx_sheet_name(t.number, t.title, en);
    sheets.push_back(XlsxSheet{std::move(t), std::move(name), chart, stacked});
  };
  if (prevalence) add(prevalence_trend_cross_table(*prevalence, o), false, false);
  for (const auto& d : dists) add(distribution_trend_cross_table(d, o), true, trend_chart_stacked(d));
  Table data = trend_csv_table(prevalence, dists, o);
  using table::NumberKind;
  for (auto& c : data.columns) {
    const std::string& id = c.id;
    if (id == "round" || id == "base" || id == "count" || id == "excludes_zero" || id == "suppressed") c.kind = NumberKind::Count;
    else if (id == "estimate" || id == "ci_lower" || id == "ci_upper" || id == "difference" || id == "difference_ci_lower" || id == "difference_ci_upper" ||
             id == "conf_level")
      c.kind = NumberKind::Proportion;
    else if (id == "se" || id == "se_difference") c.kind = NumberKind::Se;
    else if (id == "df" || id == "df_difference") c.kind = NumberKind::Df;
    else c.kind = NumberKind::Text;
  }
  XlsxOptions xo = options;
  xo.percent_decimals = o.rate_decimals;
  xo.about = trend_document(surveys, prevalence, dists, o).facts;
  xo.about_name = en ? "About" : "方法と出典";
  return xlsx_report(sheets, XlsxSheet{std::move(data), en ? "Data" : "データ", false, false}, xo);
}

} // namespace hkstat::report
