// hkstat/report/compare_report.hpp — `hkstat compare`: two surveys side by side (prevalence and the
// distribution tables), the change B − A with its SE and interval (estimate/compare.hpp), as Tables and a
// Document. Cells suppressed in either survey's own table are suppressed here too (docs/cli.md, "compare").
#pragma once

#include "hkstat/classify/classify.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/compare.hpp"
#include "hkstat/report/svg_chart.hpp"
#include "hkstat/report/table.hpp"
#include "hkstat/report/xlsx_writer.hpp"
#include "hkstat/tabulate/tabulate.hpp"

#include <cstdint>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace hkstat::report {

// The cells `hkstat estimate` suppresses in its table for `result` (its `suppressed` column), one flag per
// result cell, so that a comparison never shows a cell that the survey's own published table hides.
std::vector<bool> prevalence_hidden(const estimate::PrevalenceResult& result, const classify::Classification& cls, int min_cell);

// One answer row of one block, in both surveys.
struct DistributionChangeRow {
  tabulate::Domain domain = tabulate::Domain::All;
  std::string age_band = "all";
  std::string sex = "all";
  Text age_label;
  Text sex_label;
  Text by_variable_label; // --by a code variable other than sex (Block::by_variable_label): heads the sex column
  std::size_t base_a = 0; // the block's base in each survey (0 if the block is absent there)
  std::size_t base_b = 0;
  bool base_a_hidden = false; // the base is suppressed in that survey's own table (printed n=*)
  bool base_b_hidden = false;
  bool block_a = false;   // the block exists in survey A / B
  bool block_b = false;
  tabulate::RowKind kind = tabulate::RowKind::Code;
  std::string key;        // what the rows were matched on: the codebook key, the code, or "no_answer"
  std::optional<std::int64_t> code_a;
  std::optional<std::int64_t> code_b;
  std::string label;      // survey A's label (B's when A has no such answer)
  std::string label_b;    // survey B's label when it differs from A's, else empty
  estimate::Change change;
};

struct DistributionComparison {
  std::string variable_a;
  std::string variable_b;
  std::string label;       // survey B's question label (the later wording)
  bool multi = false;
  bool by_key = false;     // answers matched by codebook key (every code of both has a key), else by code number
  bool weighted_a = false;
  bool weighted_b = false;
  double level = 0.95;
  int min_cell = 5;
  std::vector<DistributionChangeRow> rows; // survey A's blocks and rows first, then what only B has; 無回答 last in a block
};

// Pairs two tabulations of the same question: blocks by (domain, age band, sex), answers by key when every
// code of both variables has a distinct key, else by code number. Errors: one single- and one
// multiple-answer variable (UsageInvalidOption naming both).
DistributionComparison compare_distributions(const tabulate::Distribution& a, const codebook::Variable& var_a, const tabulate::Distribution& b,
                                             const codebook::Variable& var_b, double level);

struct CompareDisplay {
  std::string label_a = "A"; // e.g. "2019"
  std::string label_b = "B"; // e.g. "2024"
  int rate_decimals = 1;     // decimals of percentages and of differences in points
  int min_cell = 5;
  std::string version;
  std::string where; // --where: both surveys subset by it ("" = none)
};

// Human tables (text / Markdown): each survey's n, count and %, the difference in points, its SE and interval,
// and whether the interval excludes 0.
Table prevalence_change_table(const estimate::PrevalenceComparison& cmp, const CompareDisplay& display);
Table distribution_change_table(const DistributionComparison& cmp, const CompareDisplay& display);

// Every compared cell under one header (what --format csv writes); numbers unrounded; suppressed cells empty.
// Columns: section, variable_a, variable_b, measure, domain, age_group, sex, key, code_a, code_b, label, base_a,
// count_a, estimate_a, se_a, df_a, base_b, count_b, estimate_b, se_b, df_b, difference, se_difference,
// df_difference, ci_lower, ci_upper, conf_level, excludes_zero, suppressed.
Table comparison_csv_table(const estimate::PrevalenceComparison* prevalence, const std::vector<DistributionComparison>& distributions);

struct CompareSurvey {
  const data::Dataset* data = nullptr;
  const classify::Classification* cls = nullptr; // null when nothing needed a classification
  std::size_t rejected_rows = 0;
  std::string rejects_file;
  std::optional<std::size_t> rows; // valid rows; unset = data->rows() (a streamed input's data holds no rows)
};

Document comparison_document(const CompareSurvey& a, const CompareSurvey& b, const estimate::PrevalenceComparison* prevalence,
                             const std::vector<DistributionComparison>& distributions, const CompareDisplay& display);

// ---- Trends: more than two surveys (rounds, e.g. 2014, 2019, 2024) ----------------------------------------
// Built from pairwise comparisons (compare_prevalence / compare_distributions), one per round after the first:
// pair i compares round base(i) with round i, where base(i) is the first round (TrendBase::First) or the round
// before (TrendBase::Previous). The rounds are independent samples, so each change has SE √(SE_base² + SE_i²),
// exactly as the two-survey comparison of that pair. Suppression is each survey's own (its Side::hidden): a
// round's value is hidden when its own table hides it, a change when either of its two rounds hides its cell.
enum class TrendBase { First, Previous };
std::size_t trend_base_of(TrendBase base, std::size_t round); // the round that round (>= 1) is compared with

struct TrendCell {
  std::vector<estimate::Side> rounds;                 // one per round (present = false where the round lacks it)
  std::vector<std::optional<estimate::Change>> changes; // changes[i] = round i − its base (none for round 0)
};

struct PrevalenceTrendCell {
  estimate::Measure measure = estimate::Measure::Broad;
  std::string group; // "all" or an age group id
  // A --by level ("" for the cells of all / the age groups), as estimate::PrevalenceChange.
  std::string by_variable;
  std::string by_variable_label;
  std::string by_key;
  std::string by_label;
  TrendCell cell;
};

struct PrevalenceTrend {
  double level = 0.95;
  TrendBase base = TrendBase::First;
  std::vector<bool> weighted; // per round
  std::vector<PrevalenceTrendCell> cells; // round 1's order (all first, then the age groups; broad, narrow, semi)
};
// `pairs[i - 1]` compares trend_base_of(base, i) (its A) with round i (its B), for i = 1 … rounds − 1.
PrevalenceTrend prevalence_trend(const std::vector<estimate::PrevalenceComparison>& pairs, TrendBase base);

struct DistributionTrendRow {
  tabulate::Domain domain = tabulate::Domain::All;
  std::string age_band = "all";
  std::string sex = "all";
  Text age_label;
  Text sex_label;
  Text by_variable_label;
  tabulate::RowKind kind = tabulate::RowKind::Code;
  std::string key;
  std::vector<std::optional<std::int64_t>> codes; // per round
  std::string label;                              // the first round's label that has the answer
  std::vector<bool> block;                        // per round: the block exists
  std::vector<std::size_t> bases;                 // per round: the block's base
  std::vector<bool> bases_hidden;                 // per round: that base is suppressed in the round's own table
  TrendCell cell;
};

struct DistributionTrend {
  std::vector<std::string> variables; // per round
  std::string label;                  // the last round's question label
  bool multi = false;
  bool by_key = true;                 // every pair matched its answers by key
  std::vector<bool> weighted;         // per round
  double level = 0.95;
  int min_cell = 5;
  TrendBase base = TrendBase::First;
  std::vector<DistributionTrendRow> rows; // blocks in round 1's order; answers a later round adds before 無回答
};
DistributionTrend distribution_trend(const std::vector<DistributionComparison>& pairs, TrendBase base);

struct TrendDisplay {
  std::vector<std::string> labels; // one per round, e.g. 2014, 2019, 2024
  int rate_decimals = 1;
  int min_cell = 5;
  std::string version;
  std::string where;               // --where: every survey subset by it ("" = none)
};

// Human tables (text / Markdown): one row per round within each cell: n, count, %, the round's own interval,
// and the change from its base round with SE, interval and verdict.
Table prevalence_trend_table(const PrevalenceTrend& trend, const TrendDisplay& display);
Table distribution_trend_table(const DistributionTrend& trend, const TrendDisplay& display);
// The trend of a distribution as municipal reports publish it (回答 × 調査): one row per answer, one column per
// block × round headed with its n ("2019（n=600）", with several blocks "男性・2019（n=289）"), showing the
// percentage ("*" suppressed in that round's own table, "—" not in that round's questionnaire or not estimable).
// Machine columns (render_csv_labelled, the workbook and its native chart): label, then per block × round
// `<block>.r<k>.n` (人数) and `<block>.r<k>.percent` (割合, 0-1, unrounded) under the column's header; a suppressed
// or missing value is empty. The same figures as distribution_trend_table (which adds the changes).
Table distribution_trend_cross_table(const DistributionTrend& trend, const TrendDisplay& display);
// The chart of a distribution trend: categories are the answers (無回答 only when someone gave none), one series
// per column of distribution_trend_cross_table (block × round). A single-answer question is drawn as 100% stacked
// bars (stacked_chart_svg: one bar per round, as municipal reports show 経年比較), a multiple-answer question as
// grouped bars with intervals (bar_chart_svg: one bar per round within each answer). trend_chart_stacked tells which.
ChartData distribution_trend_chart(const DistributionTrend& trend, const TrendDisplay& display);
inline bool trend_chart_stacked(const DistributionTrend& trend) { return !trend.multi; }
// Every round of every cell under one header (--format csv with more than two surveys); numbers unrounded,
// suppressed values empty. Columns: section, round, survey, variable, measure, domain, age_group, sex, key,
// code, label, base, count, estimate, se, df, ci_lower, ci_upper, change_from, difference, se_difference,
// df_difference, difference_ci_lower, difference_ci_upper, conf_level, excludes_zero, suppressed.
Table trend_csv_table(const PrevalenceTrend* prevalence, const std::vector<DistributionTrend>& distributions, const TrendDisplay& display);
// The line chart of a prevalence trend (line_chart_svg): the rate of 広義のひきこもり群 in each survey with its
// interval, one line for the whole sample and one per age group. Suppressed values are not drawn.
ChartData prevalence_trend_chart(const PrevalenceTrend& trend, const TrendDisplay& display);
// The prevalence trend with the surveys as columns (for the workbook): 区分, 年齢, then per survey its n, cases, rate and
// interval (machine columns `r<k>.n`, `r<k>.cases`, `r<k>.rate`, `r<k>.ci_lower`, `r<k>.ci_upper` under the survey's
// label; the human column shows the rate, "*" suppressed). Suppressed or missing values are empty.
Table prevalence_trend_cross_table(const PrevalenceTrend& trend, const TrendDisplay& display);
// The workbook of `hkstat compare --xlsx` (xlsx_report): 表1 the prevalence over the surveys (when given), then per
// question its distribution_trend_cross_table with a native chart (100% stacked bars for a single answer, bars for a
// multiple answer), a data sheet (trend_csv_table, numbers as numbers) and the method and provenance (trend_document's
// facts). `options` gives the language, the time and the scratch directory.
std::string trend_workbook(const std::vector<CompareSurvey>& surveys, const PrevalenceTrend* prevalence, const std::vector<DistributionTrend>& distributions,
                           const TrendDisplay& display, const XlsxOptions& options);
Document trend_document(const std::vector<CompareSurvey>& surveys, const PrevalenceTrend* prevalence, const std::vector<DistributionTrend>& distributions,
                        const TrendDisplay& display);

// The Word edition of a comparison or trend (compare --docx, converted by pandoc in the CLI as report --docx): the
// title, 方法 (the facts), 集計表 with each table under a heading 表N　title, a chart after its table as a picture
// alone in its paragraph (pandoc's figure) captioned 図N　caption, and 注 (the document's notes).
struct TrendFigure {
  std::size_t table = 0; // index into Document::tables
  std::string png;       // the picture's file name (beside the Markdown)
  Text caption;
};
std::string trend_word_markdown(const Document& doc, const std::vector<TrendFigure>& figures, Lang lang);

} // namespace hkstat::report
