// hkstat estimate FILE — prevalence of 広義 / 狭義 / 準 and the estimated number of people.
#include "commands/commands.hpp"
#include "common.hpp"
#include "design_options.hpp"
#include "prevalence_options.hpp"

#include "hkstat/classify/classify.hpp"
#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/report/estimate_report.hpp"

#include <algorithm>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include <iostream>

namespace hkstat::cli {

int run_estimate(const std::vector<std::string>& args) {
  CommonOptions o;
  std::string rules, persons_unit, table = "prevalence", by;
  PrevalenceArgs pa;
  DesignArgs da;
  int rate_decimals = -1, min_cell = -1;
  po::options_description desc("hkstat estimate options");
  add_common_options(desc, o);
  desc.add_options()
      ("rules", po::value(&rules), "rule-set: built-in id (hkstat rules) or .toml file (default: run config, else cao2022)")
      ("rate-decimals", po::value(&rate_decimals), "decimals of displayed percentages (default 1)")
      ("persons-unit", po::value(&persons_unit), "person (default) or man (万人)")
      ("min-cell", po::value(&min_cell), "suppress cells with 1..N-1 cases (default 5; 0 = off)")
      ("table", po::value(&table), "CSV output: prevalence (default), differences (between age groups) or weighting (before/after, with --calibrate)")
      ("by", po::value(&by), "prevalence also by the levels of code variables, e.g. sex or sex,district (a variable or role name); rows and CSV columns by_variable, by_level added at the end");
  add_design_options(desc, da, "weight to the population tables of the run configuration's [weighting] (as hkstat weight) and estimate with calibration-aware SEs");
  add_prevalence_options(desc, pa);
  po::positional_options_description pos;
  pos.add("input", 1);
  desc.add_options()("input", po::value(&o.input), "data file");
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
  po::notify(vm);
  if (o.input.empty()) usage_error("データファイルを指定してください: hkstat estimate survey.csv", "give a data file: hkstat estimate survey.csv");
  const Format format = o.output_format();
  if (table != "prevalence" && table != "differences" && table != "weighting")
    usage_error("--table は prevalence, differences, weighting のいずれかです", "--table must be prevalence, differences or weighting", table);

  Inputs in = load_inputs(o, {codebook::Role::Outing, codebook::Role::Duration}, std::cerr);
  const auto& cfg = in.config;

  const std::string rule_spec = !rules.empty() ? rules : cfg.ruleset.value_or(classify::kDefaultRuleSet);
  const classify::RuleSet rs = classify::resolve_ruleset(rule_spec);
  const classify::Classification cls = classify::classify(in.ingest.data, rs);

  estimate::PrevalenceOptions po_ = resolve_prevalence_options(vm, pa, cfg);
  if (!by.empty()) {
    if (da.calibrate) usage_error("--by と --calibrate は同時に使えません", "--by cannot be combined with --calibrate");
    po_.by = split_commas(by);
  }
  apply_replicates(da, in.ingest.data, po_);

  const estimate::PrevalenceResult before = estimate::estimate_prevalence(in.ingest.data, cls, po_);

  // --calibrate: the weights of `hkstat weight` computed in memory, then the same estimate on the rows
  // with a positive weight, with calibration-aware standard errors.
  std::optional<data::Dataset> cdata;
  std::optional<classify::Classification> ccls;
  std::optional<estimate::PrevalenceResult> after;
  if (da.calibrate) {
    Calibrated cal = calibrate_data(in.ingest.data, cfg);
    cdata = std::move(cal.data);
    ccls = classify::classify(*cdata, rs);
    estimate::PrevalenceOptions copt = po_;
    copt.calibration = std::move(cal.calibration);
    copt.weighting = std::move(cal.weighting);
    after = estimate::estimate_prevalence(*cdata, *ccls, copt);
  } else if (table == "weighting") {
    usage_error("--table weighting には --calibrate が必要です", "--table weighting needs --calibrate");
  }
  const estimate::PrevalenceResult& result = after ? *after : before;
  const data::Dataset& rdata = cdata ? *cdata : in.ingest.data;
  const classify::Classification& rcls = ccls ? *ccls : cls;

  report::DisplayOptions dopt;
  dopt.rate_decimals = vm.count("rate-decimals") ? rate_decimals : cfg.rate_decimals.value_or(1);
  if (dopt.rate_decimals < 0 || dopt.rate_decimals > 6) usage_error("--rate-decimals は 0～6 です", "--rate-decimals must be 0-6", std::to_string(dopt.rate_decimals));
  const std::string unit = !persons_unit.empty() ? persons_unit : cfg.persons_unit.value_or("person");
  if (unit != "person" && unit != "man") usage_error("--persons-unit は person か man です", "--persons-unit must be person or man", unit);
  dopt.persons_unit = unit == "man" ? report::PersonsUnit::Man : report::PersonsUnit::Person;
  dopt.min_cell = vm.count("min-cell") ? min_cell : cfg.min_cell.value_or(5);
  if (dopt.min_cell < 0) usage_error("--min-cell は 0 以上です", "--min-cell must be 0 or more", std::to_string(dopt.min_cell));
  dopt.version = version_string();
  dopt.rejected_rows = in.ingest.rejected.size();
  dopt.rejects_file = o.rejects;

  switch (format) {
  case Format::Csv:
    if (table == "differences") emit(o, report::render_csv(report::differences_table(result, dopt)), o.bom);
    else if (table == "weighting") emit(o, report::render_csv(report::weighting_comparison_table(before, result, dopt)), o.bom);
    else emit(o, report::render_csv(report::prevalence_table(result, rcls, dopt)), o.bom);
    break;
  case Format::Markdown:
  case Format::Text: {
    report::Document doc = report::prevalence_document(result, rdata, rcls, dopt);
    if (after) doc.tables.push_back(report::weighting_comparison_table(before, *after, dopt));
    emit(o, format == Format::Text ? report::render_text(doc, o.language()) : report::render_markdown(doc, o.language()), false);
    break;
  }
  }
  return kExitOk;
}

} // namespace hkstat::cli
