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
#include "hkstat/estimate/prevalence_accumulator.hpp"
#include "hkstat/tabulate/accumulator.hpp"
#include "hkstat/tabulate/tabulate.hpp"

#include <fmt/format.h>

#include <array>
#include <exception>
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

// One side of the comparison: its options, data and classification. The file is streamed in batches through
// the single-pass accumulators of the prevalence and of each compared variable (memory flat in the rows), or
// read whole when its codebook has [replicates] (supplied replicate weights need every row); the numbers are
// the same either way (estimate_prevalence and tabulate are those accumulators over the whole data set).
struct Survey {
  CommonOptions opt;
  std::string label;
  std::optional<Sources> src;           // resolved, before the data are read
  std::optional<Inputs> in;             // read whole
  std::optional<StreamedMeta> streamed; // streamed: the input without rows
  std::vector<Problem> warnings;        // the reader's warnings
  std::optional<classify::Classification> cls;
  // Streamed: the accumulators, built before the first batch when everything the comparison checks first
  // passes (else none: the check fails again, in its place, after both files are read). The first error an
  // accumulator meets is kept and thrown where the in-memory computation would throw it.
  std::optional<classify::RuleSet> rules;
  std::optional<estimate::PrevalenceAccumulator> prevalence;
  std::exception_ptr prevalence_error;
  std::vector<std::optional<tabulate::TabulateAccumulator>> tables; // one per --var pair
  std::vector<std::exception_ptr> table_errors;

  const data::Dataset& data() const { return in ? in->ingest.data : streamed->meta; }
  const codebook::Codebook& codebook() const { return in ? in->ingest.data.codebook : src->codebook; }
  const config::RunConfig& config() const { return in ? in->config : src->config; }
  std::size_t rejected_rows() const { return in ? in->ingest.rejected.size() : streamed->rows_rejected; }
  std::size_t rows() const { return in ? in->ingest.data.rows() : streamed->rows; }
  bool accumulated() const { return streamed && streamed->rows > 0; }
};

template <class F> void guarded(std::exception_ptr& error, F&& f) {
  if (error) return;
  try {
    f();
  } catch (...) {
    error = std::current_exception();
  }
}

// The variable `name` of one survey, checked: in the codebook, in the CSV, code or multi.
const codebook::Variable& checked_variable(const Survey& s, const std::string& name, const std::string& other_name) {
  const codebook::Codebook& cb = s.codebook();
  const codebook::Variable* v = cb.by_name(name);
  const std::string hint_ja = other_name == name ? fmt::format("両方の調査にある変数、または --var A名=B名 で対応を指定（例: --var {}=問37）", name)
                                                 : "両方のコードブックにある変数名（--var A名=B名）";
  const std::string hint_en = other_name == name ? fmt::format("a variable in both surveys, or map it with --var NAME_A=NAME_B (e.g. --var {}=Q37)", name)
                                                 : "names that exist in both codebooks (--var NAME_A=NAME_B)";
  if (!v)
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{cb.path, 0, 0, "", "variable " + name}, name,
                        Text{fmt::format("変数 {} は調査 {} のコードブックにありません", name, s.label),
                             fmt::format("variable {} is not in the codebook of survey {}", name, s.label)},
                        Text{hint_ja, hint_en}, ""});
  if (v->type != codebook::VarType::Code && v->type != codebook::VarType::Multi)
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{cb.path, v->line, 0, "", "variable " + name}, name,
                        Text{fmt::format("変数 {}（調査 {}）は比較できません（型 {}）。比較できるのは単数回答（code）と複数回答（multi）だけです", name, s.label,
                                         codebook::type_name(v->type)),
                             fmt::format("variable {} (survey {}) cannot be compared (type {}); only single-answer (code) and multiple-answer "
                                         "(multi) variables can",
                                         name, s.label, codebook::type_name(v->type))},
                        Text{"type = \"code\" または \"multi\" の変数", "a variable of type \"code\" or \"multi\""}, ""});
  // A column missing from the CSV would compare as all 無回答: stop instead (as tabulate does).
  for (const auto& w : s.warnings)
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
  // What the comparison decides from the run configurations (the same functions before and after reading).
  const auto levels_agree = [&](const config::RunConfig& cfg_a, const config::RunConfig& cfg_b) {
    if (!vm.count("level") && cfg_a.level && cfg_b.level && *cfg_a.level != *cfg_b.level)
      usage_error(fmt::format("2つの調査の実行設定で信頼係数が違います（{} と {}）。--level で指定してください", *cfg_a.level, *cfg_b.level),
                  fmt::format("the run configurations give different confidence levels ({} and {}); choose one with --level", *cfg_a.level, *cfg_b.level));
  };
  const auto chosen_level = [&](const config::RunConfig& cfg_a, const config::RunConfig& cfg_b) {
    const double lvl = vm.count("level") ? level : cfg_a.level ? *cfg_a.level : cfg_b.level.value_or(0.95);
    check_level_option(lvl);
    return lvl;
  };
  const auto chosen_min_cell = [&](const config::RunConfig& cfg_a, const config::RunConfig& cfg_b) {
    const int mc = vm.count("min-cell") ? min_cell : std::max(cfg_a.min_cell.value_or(5), cfg_b.min_cell.value_or(5));
    check_min_cell_option(mc);
    return mc;
  };
  const auto prevalence_options = [&](const config::RunConfig& cfg_a, const config::RunConfig& cfg_b, double lvl) {
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
    for (const Survey* s : {&sa, &sb}) estimate::check_age_groups(po_.groups, s->codebook().age_min, s->codebook().age_max);
    return po_;
  };
  const auto ruleset_of = [&](const Survey& s) { return classify::resolve_ruleset(!rules.empty() ? rules : s.config().ruleset.value_or(classify::kDefaultRuleSet)); };
  const auto check_kind = [&](const Survey& s) {
    const auto& cb = s.codebook();
    if (cb.kind != codebook::SurveyKind::Population)
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{cb.path, 0, 0, "", "codebook.kind"}, codebook::survey_kind_name(cb.kind),
                          Text{fmt::format("調査 {} は母集団からの標本ではないため（kind = \"{}\"）、標本誤差による比較はできません", s.label,
                                           codebook::survey_kind_name(cb.kind)),
                               fmt::format("survey {} is not a population sample (kind = \"{}\"): a comparison by sampling error does not apply",
                                           s.label, codebook::survey_kind_name(cb.kind))},
                          Text{"kind = \"population\" の調査（関係機関調査・受付票は hkstat tabulate で集計）",
                               "surveys of kind = \"population\" (tabulate agency surveys and intake records with hkstat tabulate)"},
                          ""});
  };

  // Both surveys' sources first (B's errors are kept until A has been read, where they always came), so that
  // the accumulators can be prepared from both codebooks and run configurations before A's first batch.
  sa.src = resolve_sources(sa.opt, required);
  std::exception_ptr b_unresolved;
  try {
    sb.src = resolve_sources(sb.opt, required);
  } catch (...) {
    b_unresolved = std::current_exception();
  }
  // The options of the numbers, if every check they need passes (else nothing is accumulated: the check
  // fails again after both files are read, in its place).
  std::optional<estimate::PrevalenceOptions> stream_po;
  std::optional<tabulate::TabulateOptions> stream_topt;
  if (!b_unresolved) {
    try {
      levels_agree(sa.src->config, sb.src->config);
      const double lvl = chosen_level(sa.src->config, sb.src->config);
      const int mc = chosen_min_cell(sa.src->config, sb.src->config);
      if (prevalence) stream_po = prevalence_options(sa.src->config, sb.src->config, lvl);
      tabulate::TabulateOptions t = topt;
      t.level = lvl;
      t.min_cell = mc;
      stream_topt = std::move(t);
    } catch (...) {
      stream_po.reset();
      stream_topt.reset();
    }
  }
  const auto read = [&](Survey& s) {
    // A codebook [replicates]: the replicate weights of every row are needed, so the file is read whole.
    if (s.src->codebook.replicates) {
      s.in = load_sources(s.opt, std::move(*s.src), std::cerr);
      s.warnings = s.in->ingest.warnings;
      return;
    }
    const bool is_a = &s == &sa;
    s.streamed = stream_input(
        s.opt, *s.src, 2, std::cerr,
        [&](const std::vector<Problem>& w) {
          s.warnings = w;
          if (!stream_topt || (prevalence && !stream_po)) return;
          try {
            check_kind(s);
            if (!pairs.empty() && !topt.by.variable.empty()) tabulate::by_variable(s.codebook(), topt.by.variable);
            for (const auto& p : pairs) checked_variable(s, is_a ? p.a : p.b, is_a ? p.b : p.a);
            if (need_cls) s.rules = ruleset_of(s);
            if (prevalence) s.prevalence.emplace(*stream_po);
            for (const auto& p : pairs) s.tables.emplace_back(std::in_place, std::vector<std::string>{is_a ? p.a : p.b}, *stream_topt);
            s.table_errors.resize(s.tables.size());
          } catch (...) {
            s.prevalence.reset();
            s.tables.clear();
            s.table_errors.clear();
            s.rules.reset();
          }
        },
        [&](const data::Dataset& batch) {
          std::optional<classify::Classification> bc;
          if (s.rules) bc = classify::classify(batch, *s.rules);
          if (s.prevalence) guarded(s.prevalence_error, [&] { s.prevalence->add(batch, *bc); });
          for (std::size_t i = 0; i < s.tables.size(); ++i) guarded(s.table_errors[i], [&] { s.tables[i]->add(batch, bc ? &*bc : nullptr); });
        },
        /*allow_no_rows=*/true);
  };
  read(sa);
  if (b_unresolved) std::rethrow_exception(b_unresolved);
  read(sb);

  // Sampling error is what a comparison is about: only population samples have it.
  for (const Survey* s : {&sa, &sb}) check_kind(*s);

  if (!pairs.empty() && !topt.by.variable.empty())
    for (const Survey* s : {&sa, &sb}) tabulate::by_variable(s->codebook(), topt.by.variable);

  std::vector<std::pair<const codebook::Variable*, const codebook::Variable*>> vars_checked;
  for (const auto& p : pairs) {
    const auto& va = checked_variable(sa, p.a, p.b);
    const auto& vb = checked_variable(sb, p.b, p.a);
    vars_checked.emplace_back(&va, &vb);
  }

  const auto& cfg_a = sa.config();
  const auto& cfg_b = sb.config();
  if (need_cls)
    for (Survey* s : {&sa, &sb}) s->cls = classify::classify(s->data(), ruleset_of(*s)); // streamed: no rows, the rule-set

  // The run configurations: a level both give must agree (as the age groups); an interval method (ci_method) is
  // one of single proportions, which compare does not print: the change's interval is always change ± t × SE, and
  // the configuration's method is named in a warning instead of being ignored silently.
  levels_agree(cfg_a, cfg_b);
  for (const Survey* s : {&sa, &sb})
    if (s->config().ci_method && *s->config().ci_method != "wald" && *s->config().ci_method != "mean")
      std::cerr << (sa.opt.language() == Lang::En
                        ? fmt::format("warning: {}: ci_method = \"{}\" is not used by compare: the interval of a change is always change ± t × SE\n",
                                      s->config().path, *s->config().ci_method)
                        : fmt::format("警告: {}: ci_method = \"{}\" は compare では使いません（変化の信頼区間は常に 差 ± t × SE）\n", s->config().path,
                                      *s->config().ci_method));
  const double lvl = chosen_level(cfg_a, cfg_b);
  const int mc = chosen_min_cell(cfg_a, cfg_b);
  report::CompareDisplay disp;
  disp.label_a = sa.label;
  disp.label_b = sb.label;
  disp.min_cell = mc;
  disp.rate_decimals = vm.count("rate-decimals") ? rate_decimals : cfg_a.rate_decimals.value_or(1);
  if (disp.rate_decimals < 0 || disp.rate_decimals > 6) usage_error("--rate-decimals は 0～6 です", "--rate-decimals must be 0-6", std::to_string(disp.rate_decimals));
  disp.version = version_string();

  // A streamed survey's accumulators exist whenever the checks before them passed (the same checks, run again
  // above and below in their places, so a failed one has thrown before its accumulator is asked for).
  const auto not_prepared = [](const Survey& s) {
    return Error(Problem{ErrorCode::Internal, SourcePos{s.data().source, 0, 0, "", ""}, "",
                         Text{"比較の集計が準備されていません", "the comparison's accumulators were not prepared"}, Text{}, ""});
  };

  std::optional<estimate::PrevalenceComparison> prev;
  if (prevalence) {
    const estimate::PrevalenceOptions po_ = prevalence_options(cfg_a, cfg_b, lvl);
    // Each survey with its own variance: a codebook [replicates] → its replicate weights; else linearised.
    const auto estimate_of = [&](const Survey& s) {
      if (s.accumulated()) {
        if (!s.prevalence) throw not_prepared(s);
        if (s.prevalence_error) std::rethrow_exception(s.prevalence_error);
        return s.prevalence->finish();
      }
      estimate::PrevalenceOptions po_s = po_;
      apply_replicates(DesignArgs{}, s.data(), po_s);
      return estimate::estimate_prevalence(s.data(), *s.cls, po_s);
    };
    const auto ra = estimate_of(sa);
    const auto rb = estimate_of(sb);
    prev = estimate::compare_prevalence(ra, rb, lvl, report::prevalence_hidden(ra, *sa.cls, mc), report::prevalence_hidden(rb, *sb.cls, mc));
  }

  topt.level = lvl;
  topt.min_cell = mc;
  tabulate::TabulateOptions topt_a = topt, topt_b = topt;
  if (!pairs.empty()) {
    topt_a.replicates = replicates_of(DesignArgs{}, sa.data(), topt.lonely, topt_a.replicates_label);
    topt_b.replicates = replicates_of(DesignArgs{}, sb.data(), topt.lonely, topt_b.replicates_label);
  }
  const auto tabulate_of = [&](Survey& s, std::size_t i, const std::string& name, const tabulate::TabulateOptions& t) {
    if (s.accumulated()) {
      if (i >= s.tables.size()) throw not_prepared(s);
      if (s.table_errors[i]) std::rethrow_exception(s.table_errors[i]);
      return std::move(s.tables[i]->finish().front());
    }
    return tabulate::tabulate(s.data(), s.cls ? &*s.cls : nullptr, name, t);
  };
  std::vector<report::DistributionComparison> dists;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    const auto da = tabulate_of(sa, i, pairs[i].a, topt_a);
    const auto db = tabulate_of(sb, i, pairs[i].b, topt_b);
    dists.push_back(report::compare_distributions(da, *vars_checked[i].first, db, *vars_checked[i].second, lvl));
  }

  const estimate::PrevalenceComparison* pp = prev ? &*prev : nullptr;
  report::CompareSurvey ca{&sa.data(), sa.cls ? &*sa.cls : nullptr, sa.rejected_rows(), rejects_a, sa.rows()};
  report::CompareSurvey cb{&sb.data(), sb.cls ? &*sb.cls : nullptr, sb.rejected_rows(), rejects_b, sb.rows()};
  switch (fmt_out) {
  case Format::Csv: emit(sa.opt, report::render_csv(report::comparison_csv_table(pp, dists)), bom); break;
  case Format::Markdown: emit(sa.opt, report::render_markdown(report::comparison_document(ca, cb, pp, dists, disp), sa.opt.language()), false); break;
  case Format::Text: emit(sa.opt, report::render_text(report::comparison_document(ca, cb, pp, dists, disp), sa.opt.language()), false); break;
  }
  return kExitOk;
}

} // namespace hkstat::cli
