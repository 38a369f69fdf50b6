// hkstat compare A.csv B.csv — the change between two surveys (e.g. 2019 and 2024, possibly with different
// codebooks mapped to the same roles and keys): prevalence and distribution tables side by side, the change
// B − A, its standard error √(SE_A² + SE_B²) and interval (docs/cli.md, docs/estimation.md).
#include "commands/commands.hpp"
#include "common.hpp"
#include "design_options.hpp"
#include "prevalence_options.hpp"

#include "hkstat/classify/classify.hpp"
#include "hkstat/estimate/compare.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/report/compare_report.hpp"
#include "hkstat/tabulate/tabulate.hpp"

#include <fmt/format.h>

#include <array>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>

namespace hkstat::cli {

namespace {


struct VarPair {
  std::string a;
  std::string b;
};

// One side of the comparison: its options, data and classification.
struct Survey {
  CommonOptions opt;
  std::string label;
  Inputs in;
  std::optional<classify::Classification> cls;
};

// The variable `name` of one survey, checked: in the codebook, in the CSV, code or multi.
const codebook::Variable& checked_variable(const Survey& s, const std::string& name, const std::string& other_name) {
  const data::Dataset& ds = s.in.ingest.data;
  const codebook::Variable* v = ds.codebook.by_name(name);
  const std::string hint_ja = other_name == name ? fmt::format("両方の調査にある変数、または --var A名=B名 で対応を指定（例: --var {}=問37）", name)
                                                 : "両方のコードブックにある変数名（--var A名=B名）";
  const std::string hint_en = other_name == name ? fmt::format("a variable in both surveys, or map it with --var NAME_A=NAME_B (e.g. --var {}=Q37)", name)
                                                 : "names that exist in both codebooks (--var NAME_A=NAME_B)";
  if (!v)
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{ds.codebook.path, 0, 0, "", "variable " + name}, name,
                        Text{fmt::format("変数 {} は調査 {} のコードブックにありません", name, s.label),
                             fmt::format("variable {} is not in the codebook of survey {}", name, s.label)},
                        Text{hint_ja, hint_en}, ""});
  if (v->type != codebook::VarType::Code && v->type != codebook::VarType::Multi)
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{ds.codebook.path, v->line, 0, "", "variable " + name}, name,
                        Text{fmt::format("変数 {}（調査 {}）は比較できません（型 {}）。比較できるのは単数回答（code）と複数回答（multi）だけです", name, s.label,
                                         codebook::type_name(v->type)),
                             fmt::format("variable {} (survey {}) cannot be compared (type {}); only single-answer (code) and multiple-answer "
                                         "(multi) variables can",
                                         name, s.label, codebook::type_name(v->type))},
                        Text{"type = \"code\" または \"multi\" の変数", "a variable of type \"code\" or \"multi\""}, ""});
  // A column missing from the CSV would compare as all 無回答: stop instead (as tabulate does).
  for (const auto& w : s.in.ingest.warnings)
    if (w.code == ErrorCode::CsvMissingColumn && w.pos.key == name) throw Error(w);
  return *v;
}

std::string default_label(const std::string& path) { return std::filesystem::path(path).stem().string(); }

} // namespace

int run_compare(const std::vector<std::string>& args) {
  Survey sa, sb;
  std::string codebook_a, codebook_b, config_a, config_b, rejects_a, rejects_b, encoding, lang = "ja", format = "text", out;
  std::string vars, domain = "all", by = "none", rules, age_groups, input_a, input_b;
  bool bom = false, no_config = false, no_prevalence = false;
  double level = 0;
  int min_cell = -1, rate_decimals = -1;
  OptionBinder b("compare");
  b("codebook-a", &codebook_a);
  b("codebook-b", &codebook_b);
  b("config-a", &config_a);
  b("config-b", &config_b);
  b("no-config", &no_config);
  b("label-a", &sa.label);
  b("label-b", &sb.label);
  b("var", &vars);
  b("domain", &domain);
  b("by", &by);
  b("age-groups", &age_groups);
  b("no-prevalence", &no_prevalence);
  b("rules", &rules);
  b("level", &level);
  b("min-cell", &min_cell);
  b("rate-decimals", &rate_decimals);
  b("encoding", &encoding);
  b("lang", &lang);
  b("format", &format);
  b("out", &out);
  b("bom", &bom);
  b("rejects-a", &rejects_a);
  b("rejects-b", &rejects_b);
  b.positional("input-a", &input_a);
  b.positional("input-b", &input_b);
  const po::variables_map vm = b.parse(args);
  if (input_a.empty() || input_b.empty())
    usage_error("比較する2つのデータファイルを指定してください: hkstat compare 2019.csv 2024.csv", "give the two data files to compare: hkstat compare 2019.csv 2024.csv");

  const std::pair<Survey*, std::array<const std::string*, 4>> sides[] = {{&sa, {&input_a, &codebook_a, &config_a, &rejects_a}},
                                                                         {&sb, {&input_b, &codebook_b, &config_b, &rejects_b}}};
  for (const auto& [s, f] : sides) {
    s->opt.input = *f[0];
    s->opt.codebook = *f[1];
    s->opt.config = *f[2];
    s->opt.rejects = *f[3];
    s->opt.encoding = encoding;
    s->opt.lang = lang;
    s->opt.format = format;
    s->opt.out = out;
    s->opt.bom = bom;
    s->opt.no_config = no_config;
  }
  const Format fmt_out = sa.opt.output_format();
  if (sa.label.empty()) sa.label = default_label(input_a);
  if (sb.label.empty()) sb.label = default_label(input_b);
  if (sa.label == sb.label) {
    sa.label = "A";
    sb.label = "B";
  }

  std::vector<VarPair> pairs;
  if (!vars.empty())
    for (const auto& item : split_commas(vars)) {
      const auto eq = item.find('=');
      VarPair p{item.substr(0, eq), eq == std::string::npos ? item : item.substr(eq + 1)};
      if (p.a.empty() || p.b.empty()) usage_error("--var に空の変数名があります", "--var has an empty variable name", vars);
      pairs.push_back(p);
    }
  const bool prevalence = !no_prevalence;
  if (!prevalence && pairs.empty())
    usage_error("--no-prevalence のときは比較する変数を --var で指定してください", "with --no-prevalence, give the variables to compare with --var");

  tabulate::TabulateOptions topt;
  topt.domains = tabulate::parse_domains(domain);
  topt.by = tabulate::parse_by(by);
  bool groups = false;
  for (auto d : topt.domains) groups = groups || d != tabulate::Domain::All;
  const bool need_cls = prevalence || (groups && !pairs.empty());

  std::set<codebook::Role> required;
  if (need_cls) required = {codebook::Role::Outing, codebook::Role::Duration};
  if (!pairs.empty() && topt.by.age != tabulate::AgeBands::None) required.insert(codebook::Role::Age);
  if (!pairs.empty() && topt.by.sex) required.insert(codebook::Role::Sex);
  // Both surveys' inputs are declared before either is read; --out and the rejects files are checked against all.
  run_outputs().add_input(rules);
  for (const Survey* s : {&sa, &sb}) {
    run_outputs().add_input(s->opt.input);
    run_outputs().add_input(s->opt.codebook);
    run_outputs().add_input(s->opt.config);
  }
  sa.opt.rejects_option = "--rejects-a";
  sb.opt.rejects_option = "--rejects-b";
  run_outputs().declare_file(out, "--out");
  run_outputs().declare_file(rejects_a, "--rejects-a");
  run_outputs().declare_file(rejects_b, "--rejects-b");
  sa.in = load_inputs(sa.opt, required, std::cerr);
  sb.in = load_inputs(sb.opt, required, std::cerr);

  // Sampling error is what a comparison is about: only population samples have it.
  for (const Survey* s : {&sa, &sb}) {
    const auto& cb = s->in.ingest.data.codebook;
    if (cb.kind != codebook::SurveyKind::Population)
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{cb.path, 0, 0, "", "codebook.kind"}, codebook::survey_kind_name(cb.kind),
                          Text{fmt::format("調査 {} は母集団からの標本ではないため（kind = \"{}\"）、標本誤差による比較はできません", s->label,
                                           codebook::survey_kind_name(cb.kind)),
                               fmt::format("survey {} is not a population sample (kind = \"{}\"): a comparison by sampling error does not apply",
                                           s->label, codebook::survey_kind_name(cb.kind))},
                          Text{"kind = \"population\" の調査（関係機関調査・受付票は hkstat tabulate で集計）",
                               "surveys of kind = \"population\" (tabulate agency surveys and intake records with hkstat tabulate)"},
                          ""});
  }

  if (!pairs.empty() && !topt.by.variable.empty())
    for (const Survey* s : {&sa, &sb}) tabulate::by_variable(s->in.ingest.data.codebook, topt.by.variable);

  std::vector<std::pair<const codebook::Variable*, const codebook::Variable*>> vars_checked;
  for (const auto& p : pairs) {
    const auto& va = checked_variable(sa, p.a, p.b);
    const auto& vb = checked_variable(sb, p.b, p.a);
    vars_checked.emplace_back(&va, &vb);
  }

  const auto& cfg_a = sa.in.config;
  const auto& cfg_b = sb.in.config;
  if (need_cls)
    for (Survey* s : {&sa, &sb}) {
      const std::string spec = !rules.empty() ? rules : s->in.config.ruleset.value_or(classify::kDefaultRuleSet);
      s->cls = classify::classify(s->in.ingest.data, classify::resolve_ruleset(spec));
    }

  // The run configurations: a level both give must agree (as the age groups); an interval method (ci_method) is
  // one of single proportions, which compare does not print: the change's interval is always change ± t × SE, and
  // the configuration's method is named in a warning instead of being ignored silently.
  if (!vm.count("level") && cfg_a.level && cfg_b.level && *cfg_a.level != *cfg_b.level)
    usage_error(fmt::format("2つの調査の実行設定で信頼係数が違います（{} と {}）。--level で指定してください", *cfg_a.level, *cfg_b.level),
                fmt::format("the run configurations give different confidence levels ({} and {}); choose one with --level", *cfg_a.level, *cfg_b.level));
  for (const Survey* s : {&sa, &sb})
    if (s->in.config.ci_method && *s->in.config.ci_method != "wald" && *s->in.config.ci_method != "mean")
      std::cerr << (sa.opt.language() == Lang::En
                        ? fmt::format("warning: {}: ci_method = \"{}\" is not used by compare: the interval of a change is always change ± t × SE\n",
                                      s->in.config.path, *s->in.config.ci_method)
                        : fmt::format("警告: {}: ci_method = \"{}\" は compare では使いません（変化の信頼区間は常に 差 ± t × SE）\n", s->in.config.path,
                                      *s->in.config.ci_method));
  const double lvl = vm.count("level") ? level : cfg_a.level ? *cfg_a.level : cfg_b.level.value_or(0.95);
  check_level_option(lvl);
  const int mc = vm.count("min-cell") ? min_cell : std::max(cfg_a.min_cell.value_or(5), cfg_b.min_cell.value_or(5));
  check_min_cell_option(mc);
  report::CompareDisplay disp;
  disp.label_a = sa.label;
  disp.label_b = sb.label;
  disp.min_cell = mc;
  disp.rate_decimals = vm.count("rate-decimals") ? rate_decimals : cfg_a.rate_decimals.value_or(1);
  if (disp.rate_decimals < 0 || disp.rate_decimals > 6) usage_error("--rate-decimals は 0～6 です", "--rate-decimals must be 0-6", std::to_string(disp.rate_decimals));
  disp.version = version_string();

  std::optional<estimate::PrevalenceComparison> prev;
  if (prevalence) {
    std::vector<std::string> groups_spec;
    if (vm.count("age-groups")) {
      if (age_groups != "none" && !age_groups.empty()) groups_spec = split_commas(age_groups);
    } else if (cfg_a.age_groups && cfg_b.age_groups && *cfg_a.age_groups != *cfg_b.age_groups) {
      usage_error("2つの調査の実行設定で年齢区分が違います。--age-groups で指定してください", "the run configurations give different age groups; choose them with --age-groups");
    } else if (cfg_a.age_groups || cfg_b.age_groups) {
      groups_spec = cfg_a.age_groups ? *cfg_a.age_groups : *cfg_b.age_groups;
    } else {
      groups_spec = {"15-39", "40-64"};
    }
    estimate::PrevalenceOptions po_;
    po_.level = lvl;
    for (const auto& g : groups_spec) po_.groups.push_back(estimate::parse_age_group(g));
    for (const Survey* s : {&sa, &sb}) estimate::check_age_groups(po_.groups, s->in.ingest.data.codebook.age_min, s->in.ingest.data.codebook.age_max);
    // Each survey with its own variance: a codebook [replicates] → its replicate weights; else linearised.
    estimate::PrevalenceOptions po_a = po_, po_b = po_;
    apply_replicates(DesignArgs{}, sa.in.ingest.data, po_a);
    apply_replicates(DesignArgs{}, sb.in.ingest.data, po_b);
    const auto ra = estimate::estimate_prevalence(sa.in.ingest.data, *sa.cls, po_a);
    const auto rb = estimate::estimate_prevalence(sb.in.ingest.data, *sb.cls, po_b);
    prev = estimate::compare_prevalence(ra, rb, lvl, report::prevalence_hidden(ra, *sa.cls, mc), report::prevalence_hidden(rb, *sb.cls, mc));
  }

  topt.level = lvl;
  topt.min_cell = mc;
  tabulate::TabulateOptions topt_a = topt, topt_b = topt;
  if (!pairs.empty()) {
    topt_a.replicates = replicates_of(DesignArgs{}, sa.in.ingest.data, topt.lonely, topt_a.replicates_label);
    topt_b.replicates = replicates_of(DesignArgs{}, sb.in.ingest.data, topt.lonely, topt_b.replicates_label);
  }
  std::vector<report::DistributionComparison> dists;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const auto da = tabulate::tabulate(sa.in.ingest.data, sa.cls ? &*sa.cls : nullptr, pairs[i].a, topt_a);
    const auto db = tabulate::tabulate(sb.in.ingest.data, sb.cls ? &*sb.cls : nullptr, pairs[i].b, topt_b);
    dists.push_back(report::compare_distributions(da, *vars_checked[i].first, db, *vars_checked[i].second, lvl));
  }

  const estimate::PrevalenceComparison* pp = prev ? &*prev : nullptr;
  report::CompareSurvey ca{&sa.in.ingest.data, sa.cls ? &*sa.cls : nullptr, sa.in.ingest.rejected.size(), rejects_a};
  report::CompareSurvey cb{&sb.in.ingest.data, sb.cls ? &*sb.cls : nullptr, sb.in.ingest.rejected.size(), rejects_b};
  switch (fmt_out) {
  case Format::Csv: emit(sa.opt, report::render_csv(report::comparison_csv_table(pp, dists)), bom); break;
  case Format::Markdown: emit(sa.opt, report::render_markdown(report::comparison_document(ca, cb, pp, dists, disp), sa.opt.language()), false); break;
  case Format::Text: emit(sa.opt, report::render_text(report::comparison_document(ca, cb, pp, dists, disp), sa.opt.language()), false); break;
  }
  return kExitOk;
}

} // namespace hkstat::cli
