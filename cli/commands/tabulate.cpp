// hkstat tabulate FILE --var NAME[,NAME...] — distributions of single- and multiple-answer questions,
// overall or within the 広義 / comparison groups, optionally by age band and sex (docs/tabulate.md).
#include "commands/commands.hpp"
#include "common.hpp"
#include "design_options.hpp"
#include "prevalence_options.hpp"

#include "hkstat/estimate/variance_kind.hpp"
#include "hkstat/classify/classify.hpp"
#include "hkstat/tabulate/accumulator.hpp"
#include "hkstat/tabulate/cross_table.hpp"
#include "hkstat/tabulate/tabulate.hpp"

#include <fmt/format.h>

#include <iostream>
#include <optional>

namespace hkstat::cli {

int run_tabulate(const std::vector<std::string>& args) {
  CommonOptions o;
  std::string vars, domain = "all", by = "none", rules, ci, lonely_psu, test, where, layout = "long", audit_out;
  double level = 0;
  int min_cell = -1, threads = 2;
  bool intervals = false;
  DesignArgs da;
  OptionBinder b("tabulate");
  add_common_options(b, o);
  b("var", &vars);
  b("domain", &domain);
  b("by", &by);
  b("where", &where);
  b("layout", &layout);
  b("min-cell", &min_cell);
  b("ci", &ci);
  b("test", &test);
  b("lonely-psu", &lonely_psu);
  b("level", &level);
  b("intervals", &intervals);
  b("rules", &rules);
  b("threads", &threads);
  b("audit-out", &audit_out);
  add_design_options(b, da);
  b.positional("input", &o.input);
  const po::variables_map vm = b.parse(args);
  if (o.input.empty())
    usage_error("データファイルを指定してください: hkstat tabulate survey.csv --var 問17", "give a data file: hkstat tabulate survey.csv --var Q17");
  if (vars.empty()) usage_error("集計する変数を --var で指定してください（例: --var 問17,問21）", "give the variable(s) to tabulate with --var (e.g. --var Q17,Q21)");
  const Format format = o.output_format();
  if (layout != "long" && layout != "cross") usage_error("--layout は long か cross です", "--layout must be long or cross", layout);
  const bool cross = layout == "cross";

  tabulate::TabulateOptions topt;
  topt.domains = tabulate::parse_domains(domain);
  topt.by = tabulate::parse_by(by);
  std::vector<std::string> names;
  for (std::size_t start = 0; start <= vars.size();) {
    const auto comma = vars.find(',', start);
    const std::string name = vars.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (name.empty()) usage_error("--var に空の変数名があります", "--var has an empty variable name", vars);
    names.push_back(name);
    start = comma == std::string::npos ? vars.size() + 1 : comma + 1;
  }

  bool groups = false;
  for (auto d : topt.domains) groups = groups || d != tabulate::Domain::All;
  std::optional<tabulate::TestBy> test_by;
  if (!test.empty()) test_by = tabulate::parse_test_by(test);
  if (test_by == tabulate::TestBy::Broad) groups = true;
  std::set<codebook::Role> required;
  if (groups) required = {codebook::Role::Outing, codebook::Role::Duration};
  if (topt.by.age != tabulate::AgeBands::None) required.insert(codebook::Role::Age);
  if (topt.by.sex || test_by == tabulate::TestBy::Sex) required.insert(codebook::Role::Sex);
  if (threads < 1 || threads > 64) usage_error("--threads は 1～64 です", "--threads must be 1 to 64", std::to_string(threads));
  run_outputs().declare_file(audit_out, "--audit-out");
  run_outputs().add_input(rules);
  Sources src = resolve_sources(o, required);
  const auto& cfg = src.config;
  for (const auto& name : names) tabulate::tabulated_variable(src.codebook, name);
  std::vector<std::string> needed_columns; // --by / --where variables: their CSV columns must be in the data
  if (!topt.by.variable.empty()) needed_columns.push_back(tabulate::by_variable(src.codebook, topt.by.variable).name);
  if (vm.count("where")) {
    if (test_by)
      usage_error("--where と --test は同時に使えません（検定は回答者全体で行います）", "--where and --test cannot be combined (the test is on all respondents)", where);
    topt.where.emplace(where, src.codebook);
    for (const std::string& v : topt.where->variables()) needed_columns.push_back(v);
  }

  if (!ci.empty()) topt.ci_method = estimate::parse_ci_method(ci);
  else if (cfg.ci_method) topt.ci_method = estimate::parse_ci_method(*cfg.ci_method);
  topt.lonely = estimate::parse_lonely_psu(!lonely_psu.empty() ? lonely_psu : cfg.lonely_psu.value_or("fail"));
  topt.level = vm.count("level") ? level : cfg.level.value_or(0.95);
  check_level_option(topt.level);
  topt.min_cell = vm.count("min-cell") ? min_cell : cfg.min_cell.value_or(5);
  check_min_cell_option(topt.min_cell);
  if (intervals) topt.intervals = true; // else by the survey kind: none for full counts (agency, intake)
  std::optional<classify::RuleSet> rs;
  if (groups) rs = classify::resolve_ruleset(!rules.empty() ? rules : cfg.ruleset.value_or(classify::kDefaultRuleSet));

  // A requested variable whose column is not in the CSV would tabulate as all 無回答: stop instead.
  const auto check_columns = [&](const std::vector<Problem>& warnings) {
    for (const auto& w : warnings) {
      for (const auto& name : names)
        if (w.code == ErrorCode::CsvMissingColumn && w.pos.key == name) throw Error(w);
      for (const auto& name : needed_columns)
        if (w.code == ErrorCode::CsvMissingColumn && w.pos.key == name) throw Error(w);
    }
  };

  // Linearised, simple-sample and created-replicate tables without a test need no row twice: the data are
  // streamed in batches through the single-pass accumulator (memory flat in the rows for a clustered
  // design; created replicates are PSU multipliers on its per-PSU sums). Calibration, supplied replicate
  // columns, the likelihood interval and --test need every row at once: the data set is read whole. The
  // tables are the same either way (tabulate() is the same accumulator).
  // The variance kind: one value, resolved by the library from the codebook and the request.
  const estimate::VarianceKind kind = estimate::resolve_variance_kind(src.codebook, {da.replicates, da.calibrate});
  const bool created = kind == estimate::VarianceKind::CreatedReplicates;
  if (created) apply_created_replicates(da, topt);
  const bool whole = estimate::needs_rows(kind) || test_by || topt.ci_method == estimate::CiMethod::Likelihood;
  std::vector<tabulate::Distribution> dists;
  std::optional<Inputs> in;
  std::optional<StreamedMeta> streamed;
  std::optional<Calibrated> cal;
  std::optional<classify::Classification> cls;
  if (!whole) {
    tabulate::TabulateAccumulator acc(names, topt);
    streamed = stream_input(o, src, threads, std::cerr, check_columns, [&](const data::Dataset& batch) {
      if (rs) {
        const classify::Classification bc = classify::classify(batch, *rs);
        acc.add(batch, &bc);
      } else {
        acc.add(batch, nullptr);
      }
    });
    dists = acc.finish();
    if (rs) cls = classify::Classification{*rs, {}, {}};
  } else {
    in = load_inputs(o, required, std::cerr);
    check_columns(in->ingest.warnings);
    // --replicates: replicate-weight SEs; --calibrate: the weights of `hkstat weight` computed in memory and
    // the table of the rows with a positive weight, with calibration-aware SEs (as hkstat estimate).
    if (!created) topt.replicates = replicates_of(da, in->ingest.data, topt.lonely, topt.replicates_label);
    if (da.calibrate) {
      cal = calibrate_data(in->ingest.data, cfg);
      topt.calibration = cal->calibration;
      topt.weighting = cal->weighting;
    }
    const data::Dataset& data = cal ? cal->data : in->ingest.data;
    if (rs) cls = classify::classify(data, *rs);
    for (const auto& name : names) dists.push_back(tabulate::tabulate(data, cls ? &*cls : nullptr, name, topt));
  }
  const data::Dataset& ds = cal ? cal->data : in ? in->ingest.data : streamed->meta;

  tabulate::DocumentOptions dopt;
  dopt.table.percent_decimals = cfg.rate_decimals.value_or(1);
  dopt.version = version_string();
  dopt.rejected_rows = in ? in->ingest.rejected.size() : streamed->rows_rejected;
  dopt.rejects_file = o.rejects;
  const classify::Classification* clsp = cls ? &*cls : nullptr;
  std::vector<tabulate::AssociationTest> tests;
  if (test_by)
    for (const auto& d : dists)
      if (!d.multi) tests.push_back(tabulate::association_test(ds, clsp, d.variable, *test_by, topt));
  if (test_by && tests.empty())
    usage_error("--test は単数回答の変数に使います（複数回答は検定しません）", "--test applies to single-answer variables (multiple answers are not tested)", vars);
  if (!audit_out.empty())
    run_outputs().stage_file(audit_out, (o.bom ? "\xEF\xBB\xBF" : "") + report::render_csv(tabulate::suppression_audit_table(dists)), "--audit-out");
  switch (format) {
  case Format::Csv:
    if (cross && !test_by) {
      std::string out;
      for (const auto& d : dists) {
        const table::Table t = tabulate::cross_table(d, dopt.table);
        out += (out.empty() ? "" : "\n") + table::csv_cell(t.title.in(o.language() == Lang::En)) + "\n" + table::render_csv_labelled(t, o.language());
      }
      emit(o, out, o.bom);
    } else {
      emit(o, report::render_csv(test_by ? tabulate::association_table(tests) : tabulate::combined_table(dists, dopt.table)), o.bom);
    }
    break;
  case Format::Markdown:
  case Format::Text: {
    report::Document doc = tabulate::tabulate_document(dists, ds, clsp, dopt);
    if (cross)
      for (std::size_t i = 0; i < dists.size(); ++i) doc.tables[i] = tabulate::cross_table(dists[i], dopt.table);
    if (test_by) doc.tables.push_back(tabulate::association_table(tests));
    emit(o, format == Format::Text ? report::render_text(doc, o.language()) : report::render_markdown(doc, o.language()), false);
    break;
  }
  }
  return kExitOk;
}

} // namespace hkstat::cli
