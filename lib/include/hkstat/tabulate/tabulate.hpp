// hkstat/tabulate/tabulate.hpp — distributions of single-answer (code) and multiple-answer (multi)
// questions, overall or within the 広義 / comparison groups, optionally by age band and sex
// (docs/tabulate.md). Identifier and free-text variables can never be tabulated.
#pragma once

#include "hkstat/classify/classify.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/estimate.hpp"
#include "hkstat/estimate/proportion_ci.hpp"
#include "hkstat/estimate/rao_scott.hpp"
#include "hkstat/estimate/replicates.hpp"
#include "hkstat/estimate/where.hpp"
#include "hkstat/table/table.hpp"
#include "hkstat/tabulate/suppress.hpp"

#include <Eigen/Dense>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hkstat::tabulate {

// Who is in the table: every respondent, the 広義 group (狭義 + 準), or everyone else (非広義).
enum class Domain { All, Broad, Comparison };
const char* domain_id(Domain d);   // "all", "broad", "comparison"
Text domain_label(Domain d);
// One domain or a comma-separated list ("all,broad,comparison"); throws Error(UsageInvalidOption).
std::vector<Domain> parse_domains(std::string_view text);

enum class AgeBands { None, Age5, Age10, Age2 }; // 5-year, 10-year (10代, 20代, …), age_min-39 / 40-age_max
// The breakdown of a table: at most one age banding and level variables — the sex role (`sex`) or any other
// single-answer (code) variable of the codebook, named by its variable name or a role name (e.g. "問3": its
// valid codes are the levels, its label heads the column) — crossed up to three deep in all
// (estimate::kMaxByDepth, an age banding counting as one).
struct By {
  AgeBands age = AgeBands::None;
  std::vector<std::string> variables; // the level variables in --by order; "sex" = the sex role
  bool levels() const { return !variables.empty(); }
  bool sex() const; // "sex" is one of them
  std::size_t depth() const { return variables.size() + (age != AgeBands::None ? 1 : 0); }
};
// "age5", "age10", "age2", "sex", "age5,sex", "問3", "age2,問3", "問3,sex", "age2,sex,問3", "none"; throws
// Error(UsageInvalidOption) for two age bandings, a word given twice, or more than three words. A word that
// is not an age banding or sex is a variable name, checked against the codebook by by_variable() (and by
// tabulate() / TabulateAccumulator on the first batch).
By parse_by(std::string_view text);
// The code variable a --by word names: a variable of the codebook, or a role name (e.g. sex) meaning the
// variable with that role. Errors (UsageInvalidOption): no such variable; not a single-answer code variable.
const codebook::Variable& by_variable(const codebook::Codebook& cb, const std::string& name);

struct TabulateOptions {
  std::vector<Domain> domains{Domain::All};
  By by;
  std::optional<estimate::CiMethod> ci_method; // default: Wilson for an unweighted simple sample, logit for a design
  estimate::LonelyPsu lonely = estimate::LonelyPsu::Fail; // strata with one PSU (as hkstat estimate)
  double level = 0.95;
  int min_cell = 5;                            // suppress counts 1..min_cell-1; 0 disables
  // The data's weights were calibrated (hkstat tabulate --calibrate): every cell's SE uses the scores'
  // calibration residuals (Design::calibration; R svymean on a postStratify / rake / calibrate design).
  // `weighting` describes the calibration in the output.
  std::function<Eigen::MatrixXd(const Eigen::MatrixXd&)> calibration;
  Text weighting;
  // Replicate-weight variance instead of linearisation (same rows as the data set): percentages use its
  // full-sample weights, SEs the replicates, df = R degf(subset(replicate design, block)). Not together
  // with calibration (Error UsageInvalidOption).
  std::shared_ptr<const estimate::ReplicateDesign> replicates;
  // The same supplied columns read from the batches as they are added (streaming; api::supplied_replicate_options):
  // the accumulator sums them per block, cell and replicate (estimate/replicates_sums.hpp), as it does for
  // `replicates`. Not together with `replicates`, replicate_request or calibration.
  std::optional<estimate::ReplicateOptions> replicate_columns;
  // Replicates created from the design (--replicates jk1|jkn|bootstrap|subbootstrap|brr|fay): the PSU
  // multipliers of the canonical layout (estimate::make_multipliers) applied to the accumulator's per-PSU
  // sums, as estimate's single pass does; no rows × R matrix, so the table streams. The same replicates as
  // `replicates` = make_replicates(design, request). Not together with `replicates` or calibration.
  std::optional<estimate::ReplicateRequest> replicate_request;
  Text replicates_label; // e.g. "jkn (created from the design)"
  // --where: every block is narrowed to the rows where the expression is true, the design kept (R
  // subset(design, EXPR): rows outside stay in the variance with zero scores; df of the rows inside).
  std::optional<estimate::Where> where;
  // Sampling intervals and the ※ reliability flag. Unset: by the codebook's survey kind — a population
  // sample has them; agency surveys, 民生委員 surveys and intake records are counts of everyone (全数), so
  // by default they have none (hkstat tabulate --intervals turns them on).
  std::optional<bool> intervals;
};

// One level variable of a block (a --by factor other than the age banding).
struct BlockLevel {
  std::string variable;   // its codebook name
  Text variable_label;    // its label (性別 for the sex role; else the codebook label, or the name)
  std::string level;      // "all" (the margin over it), the level's code key (or its number), or "unknown" (無回答)
  Text label;             // the level's label (全体 for "all")
  bool sex = false;       // the sex role (--by sex)
};

// A block is one group of respondents the table describes: a domain, possibly narrowed to one age band
// and/or a level of each --by variable. Its rows (codes and 無回答) are percentages of the block's respondents.
struct Block {
  Domain domain = Domain::All;
  std::string age_band = "all"; // "all", "15-19", …, or "unknown" (年齢無回答)
  Text age_label;
  // Every --by level variable of the table, in --by order (empty without one).
  std::vector<BlockLevel> levels;
  // The first level variable (levels.front()), as the commands that break down by one level read it
  // (compare, report): level / label, and its name and label when it is not the sex role.
  std::string sex = "all";      // "all", the level's code key (or its number), or "unknown" (無回答)
  Text sex_label;               // the level's label
  std::string by_variable;      // the first level variable when it is not sex: its codebook name
  Text by_variable_label;       // and its label (e.g. 婚姻状況); "" with sex
  // The block's levels as one key: `sex` with one level variable (or none); crossed, each level variable's
  // level joined by "×" ("1×all", "2×unknown").
  std::string level_key() const;
  std::size_t base = 0;         // respondents in the block (unweighted), 無回答 included
  bool base_hidden = false;     // the base n is suppressed (a cell of the suppression problem, printed n=*): the
                                // block's percentages, SEs and intervals are then hidden too (n / % gives n away)
  std::size_t responses = 0;    // multi: options chosen in total (unweighted)
  double weighted_responses = 0; // multi: Σ w × options chosen
  bool replicate_undefined = false; // replicate SEs: a replicate gives the block no weight, so its cells have
                                    // SE and df NaN and no interval (R: NaN replicate statistics)
};

enum class RowKind { Code, NoAnswer };

struct DistCell {
  std::size_t block = 0;        // index into Distribution::blocks
  RowKind kind = RowKind::Code;
  std::int64_t code = 0;        // RowKind::Code
  std::string label;            // codebook label (or the code) / 無回答
  std::size_t n = 0;            // unweighted count of the answer (the block's base is est.n)
  bool estimable = false;       // false when the block is empty (no percentage)
  // The share (est.value: proportion of the block's respondents, 0-1, unrounded, weighted if weighted), its
  // SE (NaN when undefined: weighted block with one respondent), df (R degf(subset); +inf for a simple
  // sample), deff (R "replace") and deff_wor (R TRUE; NaN where undefined), est.n = the block's base,
  // est.sum_weights = its Σ w, the interval (none where undefined) and est.interval_method (the method
  // actually used: "clopper-pearson" on a boundary fallback).
  estimate::Estimate est{.value = 0, .se = 0, .df = 0, .deff = 0, .deff_wor = 0, .n = 0, .sum_weights = 0, .interval = {},
                         .interval_method = {}};
  std::optional<double> percent_responses; // multi options: share of all choices in the block, 0-1
  bool hidden = false;          // suppressed (primary or secondary)
  bool primary = false;
  bool small_base = false;      // reliability: block base n < 30
  bool wide_ci = false;         // reliability: (ci_upper - ci_lower) / percent > 1.30
};

struct Distribution {
  std::string variable;
  Text label;                    // codebook label (both languages the same)
  std::size_t rows = 0;          // respondents tabulated (the data set's rows)
  bool multi = false;
  bool weighted = false;         // a weight column was used
  bool design_based = false;     // weights, strata, clusters or fpc: design-based SEs and df
  Text design;                   // describe_design() when design_based
  bool calibrated = false;       // TabulateOptions::calibration was set
  Text weighting;                // TabulateOptions::weighting
  bool replicate = false;        // replicate-weight SEs
  Text replicates_label;         // TabulateOptions::replicates_label
  std::string where;             // TabulateOptions::where's expression ("" = every row)
  std::size_t outside_forms = 0; // several questionnaires (codebook [[form]]): rows outside every reporting range, in no block
  estimate::CiMethod method = estimate::CiMethod::Wilson;
  double level = 0.95;
  int min_cell = 5;
  bool intervals = true;         // false: full counts, no interval and no ※ flag (TabulateOptions::intervals)
  std::vector<Block> blocks;
  std::vector<DistCell> cells;   // block by block, rows in codebook order then 無回答
  std::vector<Relation> relations; // what the published table lets a reader add up (see suppress.hpp)
  // The whole suppression problem: counts of cells (then of unpublished residual cells), relations
  // (= `relations`), upper bounds, costs and residual flags; a report suppresses all its tables together
  // from these (report_suppression.hpp).
  SuppressionProblem problem;
  Suppression suppression;
  // Index in problem.counts of block 0's base n (block b's is base_cell0 + b; after the cells and residuals);
  // nullopt: the problem has no base cells.
  std::optional<std::size_t> base_cell0;
};

// Reliability thresholds (NCHS-style, simplified: shared/survey-methods.md §3.10).
inline constexpr std::size_t kMinReliableBase = 30;
inline constexpr double kMaxRelativeCiWidth = 1.30;

// The codebook variable `name`, checked to be tabulable: code or multi. Errors (UsageInvalidOption): no
// such variable; id and text variables refused by name (privacy rule); other types.
const codebook::Variable& tabulated_variable(const codebook::Codebook& cb, const std::string& name);

// Tabulate one variable. `cls` is needed only for the broad / comparison domains (else may be null).
// Errors (hkstat::Error): unknown variable, or a variable that is not code/multi (UsageInvalidOption;
// id and text variables are refused by name as a privacy rule); a variable absent from the data
// (CsvMissingColumn); age or sex bands without an age / sex role (CodebookInvalid); an age code band
// that does not fit in the requested bands (UsageInvalidOption); no rows (EstimateNoData).
Distribution tabulate(const data::Dataset& data, const classify::Classification* cls, const std::string& variable,
                      const TabulateOptions& options);

struct TableOptions {
  int percent_decimals = 1;
};

// One table per distribution: machine columns variable, domain, age_band, sex, code, label, n, base,
// percent, se, ci_lower, ci_upper, ci_method, suppressed, flag, percent_responses, responses, and for a
// design-based distribution df, deff (empty where undefined or suppressed); human
// columns for text / Markdown. Suppressed cells show "*".
table::Table distribution_table(const Distribution& dist, const TableOptions& options);
// Every distribution's rows under one header (what --format csv writes). The distributions of one run share
// one design (df, deff columns when it is design-based).
table::Table combined_table(const std::vector<Distribution>& dists, const TableOptions& options);

// The suppression audit (hkstat tabulate --audit-out): one row per hidden cell of each table, printed cells first
// then the unpublished residual cells (a difference of printed cells), with why it is hidden — reason `primary`
// (1 to min_cell−1 respondents), `complement` (hidden so that the cell named in `protects` cannot be worked out)
// or `residual` (never printed; `detail` names the difference it is) — and no count.
table::Table suppression_audit_table(const std::vector<Distribution>& dists);

struct DocumentOptions {
  TableOptions table;
  std::string version;
  std::size_t rejected_rows = 0;
  std::string rejects_file;
};
// Title, facts (input, codebook, rule-set if a group domain is used, estimator with the variance method —
// linearised, calibration-aware or replicate weights —, interval, suppression),
// one table per distribution, notes.
table::Document tabulate_document(const std::vector<Distribution>& dists, const data::Dataset& data, const classify::Classification* cls,
                                   const DocumentOptions& options);

// Tests of association (Rao–Scott, estimate/rao_scott.hpp = R svychisq) between a single-answer
// variable and sex, membership of the 広義 group, or any other single-answer (code) variable of the codebook,
// derived ones included (e.g. 認知 × 区分 of a 民生委員・町会 survey), on the whole data set's design. 無回答
// (missing codes) in either variable leaves the row out, as R's svychisq does. Multiple-answer variables are
// not tested (each option would be its own 2 × k table).
enum class TestBy { Sex, Broad, Variable };
TestBy parse_test_by(std::string_view text); // "sex", "broad"; throws Error(UsageInvalidOption)

// What --test names: sex, broad, or (any other text) a code variable, checked by association_test.
struct TestTarget {
  TestBy by = TestBy::Sex;
  std::string variable; // for TestBy::Variable
};
TestTarget parse_test_target(std::string_view text); // "sex", "broad", else a variable name; empty → UsageInvalidOption

struct AssociationTest {
  std::string variable;
  TestBy by = TestBy::Sex;
  estimate::RaoScott result;
  std::string by_variable; // for TestBy::Variable
};

// `cls` is needed for TestBy::Broad. Errors: a multi / non-code variable on either side, or the same variable on
// both (UsageInvalidOption), no sex role (CodebookInvalid), fewer than 2 levels on either side (EstimateNoData,
// from rao_scott).
AssociationTest association_test(const data::Dataset& data, const classify::Classification* cls, const std::string& variable, TestBy by,
                                 estimate::LonelyPsu lonely);
// The same with the design extras of `options` (lonely, calibration, replicates), as R svychisq on the
// calibrated design (calibration-aware V̂) or on the replicate design (svychisq.svyrep.design: V̂ from the
// replicates, ν = degf).
AssociationTest association_test(const data::Dataset& data, const classify::Classification* cls, const std::string& variable, TestBy by,
                                 const TabulateOptions& options);
AssociationTest association_test(const data::Dataset& data, const classify::Classification* cls, const std::string& variable,
                                 const TestTarget& by, const TabulateOptions& options);

// One row per test: variable, by, F (second order), ndf, ddf, p, first-order χ², its p, Pearson X².
table::Table association_table(const std::vector<AssociationTest>& tests);

} // namespace hkstat::tabulate
