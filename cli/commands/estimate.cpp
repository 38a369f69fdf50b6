// hkstat estimate FILE — prevalence of 広義 / 狭義 / 準 and the estimated number of people.
#include "commands/commands.hpp"
#include "common.hpp"

#include "hkstat/classify/classify.hpp"
#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/report/estimate_report.hpp"
#include "hkstat/weights/apply.hpp"

#include <memory>
#include <optional>

#include <fmt/format.h>

#include <iostream>

namespace hkstat::cli {

int run_estimate(const std::vector<std::string>& args) {
  CommonOptions o;
  std::string rules, ci, age_groups, population_file, persons_unit, lonely_psu, table = "prevalence";
  double population = 0, level = 0;
  bool calibrate = false;
  int rate_rounding = -1, rate_decimals = -1, min_cell = -1;
  po::options_description desc("hkstat estimate options");
  add_common_options(desc, o);
  desc.add_options()
      ("rules", po::value(&rules), "rule-set: built-in id (hkstat rules) or .toml file (default: run config, else cao2022)")
      ("population", po::value(&population), "population of the survey's age range (persons)")
      ("population-file", po::value(&population_file), "CSV age_group,population; the estimate is the sum over age groups")
      ("age-groups", po::value(&age_groups), "comma-separated age groups, e.g. 15-39,40-64 (\"none\" for none)")
      ("ci", po::value(&ci), "interval method: wilson (default simple sample), clopper-pearson, logit (default weighted/design), wald, beta, asin, kg-nchs")
      ("lonely-psu", po::value(&lonely_psu), "strata with one PSU: fail (default), remove, certainty, adjust, average")
      ("level", po::value(&level), "confidence level (default 0.95)")
      ("rate-rounding", po::value(&rate_rounding), "round the rate half-up to D decimals of a percent before × population")
      ("rate-decimals", po::value(&rate_decimals), "decimals of displayed percentages (default 1)")
      ("persons-unit", po::value(&persons_unit), "person (default) or man (万人)")
      ("min-cell", po::value(&min_cell), "suppress cells with 1..N-1 cases (default 5; 0 = off)")
      ("table", po::value(&table), "CSV output: prevalence (default), differences (between age groups) or weighting (before/after, with --calibrate)")
      ("calibrate", po::bool_switch(&calibrate), "weight to the population tables of the run configuration's [weighting] (as hkstat weight) and estimate with calibration-aware SEs");
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

  estimate::PrevalenceOptions po_;
  if (!ci.empty()) po_.ci_method = estimate::parse_ci_method(ci);
  else if (cfg.ci_method) po_.ci_method = estimate::parse_ci_method(*cfg.ci_method);
  po_.lonely = estimate::parse_lonely_psu(!lonely_psu.empty() ? lonely_psu : cfg.lonely_psu.value_or("fail"));
  po_.level = vm.count("level") ? level : cfg.level.value_or(0.95);
  if (!(po_.level > 0 && po_.level < 1)) usage_error("--level は 0 と 1 の間です", "--level must be between 0 and 1", fmt::format("{}", po_.level));
  if (vm.count("rate-rounding")) {
    if (rate_rounding < 0 || rate_rounding > 6) usage_error("--rate-rounding は 0～6 です", "--rate-rounding must be 0-6", std::to_string(rate_rounding));
    po_.rate_rounding = rate_rounding;
  } else {
    po_.rate_rounding = cfg.rate_rounding;
  }
  std::vector<std::string> groups;
  if (vm.count("age-groups")) {
    if (age_groups != "none" && !age_groups.empty()) {
      std::size_t start = 0;
      while (start <= age_groups.size()) {
        auto comma = age_groups.find(',', start);
        groups.push_back(age_groups.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        start = comma == std::string::npos ? age_groups.size() + 1 : comma + 1;
      }
    }
  } else if (cfg.age_groups) {
    groups = *cfg.age_groups;
  } else {
    groups = {"15-39", "40-64"};
  }
  for (const auto& g : groups) po_.groups.push_back(estimate::parse_age_group(g));

  auto& pop = po_.population;
  const std::string pop_file = !population_file.empty() ? population_file : (vm.count("population") ? "" : cfg.population_file.value_or(""));
  if (vm.count("population")) {
    if (!(population > 0)) usage_error("--population は正の数です", "--population must be positive", fmt::format("{}", population));
    pop.total = population;
    pop.source = "--population";
  } else if (!pop_file.empty()) {
    for (const auto& gp : config::load_population_file(pop_file)) {
      auto g = estimate::parse_age_group(gp.age_group);
      bool listed = false;
      for (const auto& ag : po_.groups) listed = listed || (ag.min == g.min && ag.max == g.max);
      if (!listed)
        throw Error(Problem{ErrorCode::ConfigInvalid, SourcePos{pop_file, 0, 0, "", "age_group"}, gp.age_group,
                            Text{"人口ファイルの年齢区分が集計の年齢区分にありません", "the population file's age group is not one of the age groups"},
                            Text{"--age-groups と同じ区分", "the same groups as --age-groups"}, ""});
      pop.by_group.emplace_back(g, gp.population);
    }
    pop.source = pop_file;
  } else if (cfg.population) {
    pop.total = cfg.population;
    pop.source = cfg.path;
  }
  if (pop.total || !pop.by_group.empty()) pop.label = cfg.population_label.value_or("");

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
