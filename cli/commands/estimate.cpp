// hkstat estimate FILE — prevalence of 広義 / 狭義 / 準 and the estimated number of people.
#include "commands/commands.hpp"
#include "common.hpp"
#include "prevalence_options.hpp"

#include "hkstat/classify/classify.hpp"
#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/report/estimate_report.hpp"
#include "hkstat/estimate/design_from_data.hpp"
#include "hkstat/estimate/replicates.hpp"
#include "hkstat/weights/apply.hpp"

#include <algorithm>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include <iostream>

namespace hkstat::cli {

namespace {

// The replicate design of --replicates: the codebook's role-replicate columns (supplied, of that type,
// with R's default scale and rscales), or replicates created from the design.
estimate::ReplicateDesign replicate_design(const data::Dataset& ds, const std::string& type_name, std::size_t n, std::uint64_t seed,
                                           estimate::LonelyPsu lonely, Text& label) {
  using estimate::ReplicateType;
  const estimate::DesignSpec spec = estimate::design_from_dataset(ds, lonely);
  std::vector<const data::Column*> cols;
  for (const auto& c : ds.columns)
    if (c.var->role == codebook::Role::Replicate) cols.push_back(&c);
  if (!cols.empty()) {
    estimate::ReplicateOptions ro;
    ro.type = estimate::parse_replicate_type(type_name);
    if (ro.type == ReplicateType::Fay) ro.fay_rho = 0.5;
    Eigen::MatrixXd m(static_cast<Eigen::Index>(ds.rows()), static_cast<Eigen::Index>(cols.size()));
    for (std::size_t j = 0; j < cols.size(); ++j)
      for (std::size_t r = 0; r < ds.rows(); ++r) m(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(j)) = cols[j]->numbers[r];
    label = Text{fmt::format("{}（データの反復重み {} 列）", estimate::replicate_type_name(ro.type), cols.size()),
                 fmt::format("{} ({} supplied replicate columns)", estimate::replicate_type_name(ro.type), cols.size())};
    return estimate::replicate_design_from_columns(spec.design.weights, std::move(m), ro);
  }
  if (type_name == "jk1") {
    label = Text{"jk1（設計から作成）", "jk1 (created from the design)"};
    return estimate::make_jk1(spec.design);
  }
  if (type_name == "jkn") {
    label = Text{"jkn（設計から作成）", "jkn (created from the design)"};
    return estimate::make_jkn(spec.design);
  }
  if (type_name == "bootstrap" || type_name == "subbootstrap") {
    label = Text{fmt::format("{} {} 回（乱数の種 {}）", type_name, n, seed), fmt::format("{} {} replicates (seed {})", type_name, n, seed)};
    return type_name == "bootstrap" ? estimate::make_bootstrap(spec.design, n, seed) : estimate::make_subbootstrap(spec.design, n, seed);
  }
  if (type_name == "brr" || type_name == "fay") {
    label = Text{type_name + "（設計から作成）", type_name + " (created from the design)"};
    return estimate::make_brr(spec.design, type_name == "fay" ? 0.5 : 0.0);
  }
  usage_error("--replicates は jk1, jkn, bootstrap, subbootstrap, brr, fay のいずれかです",
              "--replicates must be jk1, jkn, bootstrap, subbootstrap, brr or fay", type_name);
}

// The label of replicates created from the design (--replicates jk1, jkn, bootstrap, subbootstrap, brr, fay).
Text created_label(const std::string& type_name, std::size_t n, std::uint64_t seed) {
  if (type_name == "bootstrap" || type_name == "subbootstrap")
    return Text{fmt::format("{} {} 回（乱数の種 {}）", type_name, n, seed), fmt::format("{} {} replicates (seed {})", type_name, n, seed)};
  return Text{type_name + "（設計から作成）", type_name + " (created from the design)"};
}

} // namespace

int run_estimate(const std::vector<std::string>& args) {
  CommonOptions o;
  std::string rules, persons_unit, table = "prevalence", replicates, by;
  std::size_t replicates_n = 100;
  std::uint64_t seed = 1;
  PrevalenceArgs pa;
  bool calibrate = false;
  int rate_decimals = -1, min_cell = -1;
  po::options_description desc("hkstat estimate options");
  add_common_options(desc, o);
  desc.add_options()
      ("rules", po::value(&rules), "rule-set: built-in id (hkstat rules) or .toml file (default: run config, else cao2022)")
      ("rate-decimals", po::value(&rate_decimals), "decimals of displayed percentages (default 1)")
      ("persons-unit", po::value(&persons_unit), "person (default) or man (万人)")
      ("min-cell", po::value(&min_cell), "suppress cells with 1..N-1 cases (default 5; 0 = off)")
      ("table", po::value(&table), "CSV output: prevalence (default), differences (between age groups) or weighting (before/after, with --calibrate)")
      ("replicates", po::value(&replicates), "replicate-weight SEs: jk1, jkn, bootstrap, subbootstrap, brr, fay (created from the design; with role-replicate columns in the codebook, their type)")
      ("replicates-n", po::value(&replicates_n), "bootstrap replicates to create (default 100)")
      ("seed", po::value(&seed), "random seed of the bootstrap (default 1)")
      ("by", po::value(&by), "prevalence also by the levels of code variables, e.g. sex or sex,district (a variable or role name); rows and CSV columns by_variable, by_level added at the end")
      ("calibrate", po::bool_switch(&calibrate), "weight to the population tables of the run configuration's [weighting] (as hkstat weight) and estimate with calibration-aware SEs");
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
    if (calibrate) usage_error("--by と --calibrate は同時に使えません", "--by cannot be combined with --calibrate");
    po_.by = split_commas(by);
  }
  if (!replicates.empty()) {
    if (calibrate) usage_error("--replicates と --calibrate は同時に使えません", "--replicates and --calibrate cannot be combined");
    const bool supplied = std::any_of(in.ingest.data.columns.begin(), in.ingest.data.columns.end(),
                                      [](const data::Column& c) { return c.var->role == codebook::Role::Replicate; });
    // Created replicates: the estimate builds PSU multipliers in its single pass (no rows × R matrix).
    if (const auto kind = estimate::parse_created_replicates(replicates); kind && !supplied) {
      po_.replicate_request = estimate::ReplicateRequest{*kind, replicates_n, seed, 0.5};
      po_.replicates_label = created_label(replicates, replicates_n, seed);
    } else {
      po_.replicates = std::make_shared<const estimate::ReplicateDesign>(replicate_design(in.ingest.data, replicates, replicates_n, seed, po_.lonely, po_.replicates_label));
    }
  }

  const estimate::PrevalenceResult before = estimate::estimate_prevalence(in.ingest.data, cls, po_);

  // --calibrate: the weights of `hkstat weight` computed in memory, then the same estimate on the rows
  // with a positive weight, with calibration-aware standard errors.
  std::optional<data::Dataset> cdata;
  std::optional<classify::Classification> ccls;
  std::optional<estimate::PrevalenceResult> after;
  if (calibrate) {
    if (!cfg.weighting)
      usage_error("--calibrate には実行設定（<名前>.hkstat.toml）の [weighting] が必要です（docs/cli.md の hkstat weight）",
                  "--calibrate needs a [weighting] section in the run configuration (<stem>.hkstat.toml; docs/cli.md, hkstat weight)");
    const weights::WeightingResult wres = weights::apply_weighting(in.ingest.data, *cfg.weighting);
    std::vector<std::size_t> keep;
    for (std::size_t r = 0; r < wres.weights.size(); ++r)
      if (wres.weights[r] != 0) keep.push_back(r);
    cdata = data::with_weights(in.ingest.data, keep, wres.weights, cfg.weighting->weight_name);
    ccls = classify::classify(*cdata, rs);
    estimate::PrevalenceOptions copt = po_;
    if (wres.info) {
      auto info = std::make_shared<weights::CalibrationInfo>(weights::subset_rows(*wres.info, keep));
      copt.calibration = [info](const Eigen::MatrixXd& z) { return weights::calibration_residuals(*info, z); };
    }
    std::string tables_ja, tables_en;
    for (const auto& tb : wres.tables) {
      tables_ja += (tables_ja.empty() ? "" : "、") + tb.name + "（" + tb.path + "）";
      tables_en += (tables_en.empty() ? "" : ", ") + tb.name + " (" + tb.path + ")";
    }
    const std::string method = weights::method_name(wres.method);
    copt.weighting = Text{fmt::format("{}: {}。{} 行中 {} 行に正の重み", method, tables_ja, in.ingest.data.rows(), keep.size()),
                          fmt::format("{}: {}; {} of {} rows weighted", method, tables_en, keep.size(), in.ingest.data.rows())};
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
