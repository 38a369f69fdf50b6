// hkstat compare A.csv B.csv — the change between two surveys (e.g. 2019 and 2024, possibly with different
// codebooks mapped to the same roles and keys): prevalence and distribution tables side by side, the change
// B − A, its standard error √(SE_A² + SE_B²) and interval (docs/cli.md, docs/estimation.md).
#include "commands/commands.hpp"
#include "common.hpp"
#include "design_options.hpp"
#include "prevalence_options.hpp"
#include "word.hpp"
#include "hkstat/report/report_spec.hpp"

#include "hkstat/classify/classify.hpp"
#include "hkstat/estimate/compare.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/estimate/prevalence_accumulator.hpp"
#include "hkstat/report/compare_report.hpp"
#include "hkstat/report/png_render.hpp"
#include "hkstat/report/svg_chart.hpp"
#include "hkstat/tabulate/accumulator.hpp"
#include "hkstat/tabulate/tabulate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>

namespace hkstat::cli {

namespace {


// One survey of the comparison: its options, data and classification. The file is streamed in batches through
// the single-pass accumulators of the prevalence and of each compared variable (memory flat in the rows; a
// codebook [replicates]: its replicate columns summed per domain and replicate); the numbers are the same as
// from the file read whole (estimate_prevalence and tabulate are those accumulators over the whole data set).
struct Survey {
  CommonOptions opt;
  std::string label;
  std::optional<Sources> src;           // resolved, before the data are read
  std::exception_ptr unresolved;        // resolving failed: thrown when this survey would have been read
  std::optional<Inputs> in;             // read whole
  std::optional<StreamedMeta> streamed; // streamed: the input without rows
  std::vector<Problem> warnings;        // the reader's warnings
  std::optional<classify::Classification> cls;
  // Streamed: the accumulators, built before the first batch when everything the comparison checks first
  // passes (else none: the check fails again, in its place, after every file is read). The first error an
  // accumulator meets is kept and thrown where the in-memory computation would throw it.
  std::optional<classify::RuleSet> rules;
  std::optional<estimate::PrevalenceAccumulator> prevalence;
  std::exception_ptr prevalence_error;
  std::vector<std::optional<tabulate::TabulateAccumulator>> tables; // one per --var question
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
const codebook::Variable& checked_variable(const Survey& s, const std::string& name, const std::string& other_name, std::size_t surveys = 2) {
  const codebook::Codebook& cb = s.codebook();
  const codebook::Variable* v = cb.by_name(name);
  std::string hint_ja = other_name == name ? fmt::format("両方の調査にある変数、または --var A名=B名 で対応を指定（例: --var {}=問37）", name)
                                           : "両方のコードブックにある変数名（--var A名=B名）";
  std::string hint_en = other_name == name ? fmt::format("a variable in both surveys, or map it with --var NAME_A=NAME_B (e.g. --var {}=Q37)", name)
                                           : "names that exist in both codebooks (--var NAME_A=NAME_B)";
  if (surveys > 2) {
    hint_ja = "すべての調査にある変数、または --var 名前1=名前2=…（調査の順）で対応を指定";
    hint_en = "a variable in every survey, or map it with --var NAME_1=NAME_2=... (in the order of the surveys)";
  }
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
  std::string codebook_a, codebook_b, config_a, config_b, rejects_a, rejects_b, label_a, label_b, encoding, lang = "ja", format = "text", out;
  std::vector<std::string> codebooks, configs, rejects_list, labels, more_inputs;
  std::string vars, domain = "all", by = "none", rules, age_groups, input_a, input_b, change_from = "first", chart, where, xlsx, docx;
  bool bom = false, no_config = false, no_prevalence = false;
  double level = 0;
  int min_cell = -1, rate_decimals = -1;
  OptionBinder b("compare");
  b("codebook", &codebooks);
  b("codebook-a", &codebook_a);
  b("codebook-b", &codebook_b);
  b("config", &configs);
  b("config-a", &config_a);
  b("config-b", &config_b);
  b("no-config", &no_config);
  b("label", &labels);
  b("label-a", &label_a);
  b("label-b", &label_b);
  b("var", &vars);
  b("domain", &domain);
  b("by", &by);
  b("where", &where);
  b("age-groups", &age_groups);
  b("no-prevalence", &no_prevalence);
  b("change-from", &change_from);
  b("chart", &chart);
  b("xlsx", &xlsx);
  b("docx", &docx);
  b("rules", &rules);
  b("level", &level);
  b("min-cell", &min_cell);
  b("rate-decimals", &rate_decimals);
  b("encoding", &encoding);
  b("lang", &lang);
  b("format", &format);
  b("out", &out);
  b("bom", &bom);
  b("rejects", &rejects_list);
  b("rejects-a", &rejects_a);
  b("rejects-b", &rejects_b);
  b.positional("input-a", &input_a);
  b.positional("input-b", &input_b);
  b.positional_rest("inputs", &more_inputs);
  const po::variables_map vm = b.parse(args);
  if (input_a.empty() || input_b.empty())
    usage_error("比較する2つ以上のデータファイルを指定してください: hkstat compare 2019.csv 2024.csv", "give two or more data files to compare: hkstat compare 2019.csv 2024.csv");
  std::vector<std::string> inputs{input_a, input_b};
  inputs.insert(inputs.end(), more_inputs.begin(), more_inputs.end());
  const std::size_t n = inputs.size();
  if (n > 20) usage_error("比較できる調査は20件までです", "at most 20 surveys can be compared", std::to_string(n));

  // Per-survey files: the uniform form (--codebook, --config, --label, --rejects: once per file, in the order of
  // the files; --codebook and --config also once for all) or, for two surveys, the -a / -b spelling. Not both.
  auto per_survey = [&](const char* name, std::vector<std::string>& list, std::string& a, std::string& bb, bool once_for_all) {
    const std::string opt = std::string("--") + name;
    if ((!a.empty() || !bb.empty()) && !list.empty())
      usage_error(fmt::format("{0} と {0}-a / {0}-b は同時に使えません", opt), fmt::format("{0} cannot be combined with {0}-a / {0}-b", opt));
    if (!a.empty() || !bb.empty()) {
      if (n != 2)
        usage_error(fmt::format("{0}-a / {0}-b は2つの調査の比較だけです。{1}件の調査では {0} をファイルの順に{1}回指定してください", opt, n),
                    fmt::format("{0}-a / {0}-b are for two surveys; with {1} surveys give {0} once per file, in their order", opt, n));
      return std::vector<std::string>{a, bb};
    }
    if (list.empty()) return std::vector<std::string>(n);
    if (list.size() == 1 && once_for_all) return std::vector<std::string>(n, list.front());
    if (list.size() != n)
      usage_error(once_for_all ? fmt::format("{0} は1回（すべての調査に同じもの）か、ファイルの順に調査の数（{1}回）だけ指定してください（{2}回あります）", opt, n, list.size())
                               : fmt::format("{0} はファイルの順に調査の数（{1}回）だけ指定してください（{2}回あります）", opt, n, list.size()),
                  once_for_all ? fmt::format("give {0} once (the same for every survey) or once per file, in their order ({1} times); it is given {2} times", opt, n, list.size())
                               : fmt::format("give {0} once per file, in their order ({1} times); it is given {2} times", opt, n, list.size()));
    return list;
  };
  const auto codebook_of = per_survey("codebook", codebooks, codebook_a, codebook_b, true);
  const auto config_of = per_survey("config", configs, config_a, config_b, true);
  const auto rejects_of = per_survey("rejects", rejects_list, rejects_a, rejects_b, false);
  auto label_of = per_survey("label", labels, label_a, label_b, false);
  const bool two_spelling = n == 2 && labels.empty() && rejects_list.empty() && codebooks.empty() && configs.empty();

  std::vector<Survey> surveys(n);
  for (std::size_t i = 0; i < n; ++i) {
    Survey& s = surveys[i];
    s.opt.input = inputs[i];
    s.opt.codebook = codebook_of[i];
    s.opt.config = config_of[i];
    s.opt.rejects = rejects_of[i];
    s.opt.encoding = encoding;
    s.opt.lang = lang;
    s.opt.format = format;
    s.opt.out = out;
    s.opt.bom = bom;
    s.opt.no_config = no_config;
    s.label = label_of[i].empty() ? default_label(inputs[i]) : label_of[i];
  }
  const Format fmt_out = surveys[0].opt.output_format();
  {
    std::set<std::string> seen;
    bool dup = false;
    for (const auto& s : surveys) dup = dup || !seen.insert(s.label).second;
    if (dup) {
      if (n == 2 && label_of[0].empty() && label_of[1].empty()) {
        surveys[0].label = "A";
        surveys[1].label = "B";
      } else if (std::all_of(label_of.begin(), label_of.end(), [](const std::string& l) { return l.empty(); })) {
        for (std::size_t i = 0; i < n; ++i) surveys[i].label = std::to_string(i + 1);
      } else {
        usage_error("調査の名前（--label）が重複しています", "two surveys have the same name (--label)");
      }
    }
  }
  report::TrendBase base = report::TrendBase::First;
  if (change_from == "previous") base = report::TrendBase::Previous;
  else if (change_from != "first")
    usage_error("--change-from は first か previous です", "--change-from must be first or previous", change_from);

  // With more than two surveys, --var takes NAME (the same in every survey) or NAME_1=NAME_2=…=NAME_n.
  std::vector<std::vector<std::string>> var_names; // [question][survey]
  for (const auto& item : vars.empty() ? std::vector<std::string>{} : split_commas(vars)) {
    std::vector<std::string> names;
    std::size_t from = 0;
    for (;;) {
      const auto eq = item.find('=', from);
      names.push_back(item.substr(from, eq == std::string::npos ? std::string::npos : eq - from));
      if (eq == std::string::npos) break;
      from = eq + 1;
    }
    if (names.size() == 1) names.assign(n, names.front());
    if (names.size() != n)
      usage_error(fmt::format("--var の {} は調査の数（{}）と対応が合いません。すべての調査で同じ名前か、名前1=名前2=…（調査の順）で指定してください", item, n),
                  fmt::format("--var {} does not match the {} surveys: give one name for all, or NAME_1=NAME_2=... in the order of the surveys", item, n), item);
    for (const auto& nm : names)
      if (nm.empty()) usage_error("--var に空の変数名があります", "--var has an empty variable name", vars);
    var_names.push_back(std::move(names));
  }
  const bool prevalence = !no_prevalence;
  if (!prevalence && var_names.empty())
    usage_error("--no-prevalence のときは比較する変数を --var で指定してください", "with --no-prevalence, give the variables to compare with --var");
  const std::string chart_ext = chart.size() > 4 ? chart.substr(chart.size() - 4) : "";
  if (!chart.empty() && chart_ext != ".svg")
    usage_error("--chart のファイル名は .svg で終えてください（同じ名前の .png も書きます）", "the --chart file name must end in .svg (the .png beside it is written too)", chart);
  // --chart FILE.svg: the prevalence's line chart in FILE.svg, the chart of the k-th --var question in FILE-k.svg; each
  // with its .png.
  const std::string chart_stem = chart.empty() ? "" : chart.substr(0, chart.size() - 4);
  const std::string chart_png = chart.empty() || !prevalence ? "" : chart_stem + ".png";
  if (!xlsx.empty() && (xlsx.size() < 5 || xlsx.substr(xlsx.size() - 5) != ".xlsx"))
    usage_error("--xlsx のファイル名は .xlsx で終えてください", "the --xlsx file name must end in .xlsx", xlsx);
  if (!docx.empty() && (docx.size() < 5 || docx.substr(docx.size() - 5) != ".docx"))
    usage_error("--docx のファイル名は .docx で終えてください", "the --docx file name must end in .docx", docx);
  std::vector<std::string> question_charts;
  if (!chart.empty())
    for (std::size_t q = 0; q < var_names.size(); ++q) question_charts.push_back(chart_stem + "-" + std::to_string(q + 1));

  tabulate::TabulateOptions topt;
  topt.domains = tabulate::parse_domains(domain);
  topt.by = tabulate::parse_by(by);
  // compare lines the surveys' blocks up by domain, age band and the levels of the --by variables (crossed as
  // tabulate crosses them, up to three deep with the age banding; tabulate checks the depth and the level limit).
  // --by breaks down the --var tables (age bandings and variables) and the prevalence table (its variables, each
  // alone and crossed, as estimate --by; the prevalence table's age groups are --age-groups). An age banding alone
  // without --var would break nothing down.
  if (topt.by.depth() > 0 && topt.by.variables.empty() && var_names.empty())
    usage_error(fmt::format("compare の --by {} は年齢帯だけで、区分する表がありません（出現率の表の年齢区分は --age-groups）。--var で設問を指定するか、--by に変数を加えてください", by),
                fmt::format("compare's --by {} is an age banding only, which breaks down no table (the prevalence table's age groups are --age-groups): "
                            "give questions with --var, or a variable in --by",
                            by),
                by);
  bool groups = false;
  for (auto d : topt.domains) groups = groups || d != tabulate::Domain::All;
  const bool need_cls = prevalence || (groups && !var_names.empty());

  std::set<codebook::Role> required;
  if (need_cls) required = {codebook::Role::Outing, codebook::Role::Duration};
  if (!var_names.empty() && topt.by.age != tabulate::AgeBands::None) required.insert(codebook::Role::Age);
  if (topt.by.sex()) required.insert(codebook::Role::Sex); // the --var tables and the prevalence table by sex
  // Every survey's inputs are declared before any is read; --out, --chart and the rejects files are checked against all.
  run_outputs().add_input(rules);
  for (const Survey& s : surveys) {
    run_outputs().add_input(s.opt.input);
    run_outputs().add_input(s.opt.codebook);
    run_outputs().add_input(s.opt.config);
  }
  const char* rejects_name = two_spelling ? nullptr : "--rejects";
  for (std::size_t i = 0; i < n; ++i) surveys[i].opt.rejects_option = rejects_name ? rejects_name : (i == 0 ? "--rejects-a" : "--rejects-b");
  run_outputs().declare_file(out, "--out");
  run_outputs().declare_file(prevalence ? chart : "", "--chart");
  run_outputs().declare_file(chart_png, "--chart");
  run_outputs().declare_file(xlsx, "--xlsx");
  run_outputs().declare_file(docx, "--docx");
  for (const auto& qc : question_charts) {
    run_outputs().declare_file(qc + ".svg", "--chart");
    run_outputs().declare_file(qc + ".png", "--chart");
  }
  for (const Survey& s : surveys) run_outputs().declare_file(s.opt.rejects, s.opt.rejects_option);
  // What the comparison decides from the run configurations and codebooks (the same functions before and after
  // reading).
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
  // --where: every survey subset by the same expression, compiled against each survey's codebook; the columns
  // it reads must be in each CSV (an absent column would read as missing and silently empty the subset).
  const auto where_of = [&](const Survey& s) {
    std::optional<estimate::Where> w;
    if (vm.count("where")) w.emplace(where, s.codebook());
    return w;
  };
  const auto where_columns = [&](const Survey& s, const std::optional<estimate::Where>& w) {
    if (w)
      for (const auto& v : w->variables())
        for (const auto& warn : s.warnings)
          if (warn.code == ErrorCode::CsvMissingColumn && warn.pos.key == v) throw Error(warn);
  };
  // Every --by level variable of each survey is a code variable of its codebook (sex: the role, required above).
  const auto check_by_variables = [&](const Survey& s) {
    for (const auto& v : topt.by.variables)
      if (v != "sex") tabulate::by_variable(s.codebook(), v);
  };
  const auto levels_agree = [&] {
    std::optional<double> cfg_level;
    for (const Survey& s : surveys)
      if (s.config().level) {
        if (!vm.count("level") && cfg_level && *cfg_level != *s.config().level)
          usage_error(n == 2 ? fmt::format("2つの調査の実行設定で信頼係数が違います（{} と {}）。--level で指定してください", *cfg_level, *s.config().level)
                             : fmt::format("調査の実行設定で信頼係数が違います（{} と {}）。--level で指定してください", *cfg_level, *s.config().level),
                      fmt::format("the run configurations give different confidence levels ({} and {}); choose one with --level", *cfg_level, *s.config().level));
        if (!cfg_level) cfg_level = s.config().level;
      }
    return cfg_level;
  };
  const auto chosen_level = [&](const std::optional<double>& cfg_level) {
    const double lvl = vm.count("level") ? level : cfg_level.value_or(0.95);
    check_level_option(lvl);
    return lvl;
  };
  const auto chosen_min_cell = [&] {
    int mc = 5;
    if (vm.count("min-cell")) mc = min_cell;
    else
      for (const Survey& s : surveys) mc = std::max(mc, s.config().min_cell.value_or(5));
    check_min_cell_option(mc);
    return mc;
  };
  const auto prevalence_options = [&](double lvl) {
    std::vector<std::string> groups_spec;
    if (vm.count("age-groups")) {
      if (age_groups != "none" && !age_groups.empty()) groups_spec = split_commas(age_groups);
    } else {
      std::optional<std::vector<std::string>> cfg_groups;
      for (const Survey& s : surveys)
        if (s.config().age_groups) {
          if (cfg_groups && *cfg_groups != *s.config().age_groups)
            usage_error(n == 2 ? "2つの調査の実行設定で年齢区分が違います。--age-groups で指定してください" : "調査の実行設定で年齢区分が違います。--age-groups で指定してください",
                        "the run configurations give different age groups; choose them with --age-groups");
          cfg_groups = s.config().age_groups;
        }
      groups_spec = cfg_groups ? *cfg_groups : std::vector<std::string>{"15-39", "40-64"};
    }
    estimate::PrevalenceOptions po_;
    po_.level = lvl;
    po_.by = topt.by.variables; // the prevalence table by each --by variable's levels (as estimate --by)
    for (const auto& g : groups_spec) po_.groups.push_back(estimate::parse_age_group(g));
    for (const Survey& s : surveys) estimate::check_age_groups(po_.groups, s.codebook().age_min, s.codebook().age_max);
    return po_;
  };
  const auto ruleset_of = [&](const Survey& s) { return classify::resolve_ruleset(!rules.empty() ? rules : s.config().ruleset.value_or(classify::kDefaultRuleSet)); };

  // Every survey's sources first (an error of survey i is kept until the surveys before it have been read, where
  // it always came), so that the accumulators can be prepared from every codebook and run configuration before
  // the first batch.
  bool all_resolved = true;
  for (Survey& s : surveys) {
    try {
      s.src = resolve_sources(s.opt, required);
    } catch (...) {
      s.unresolved = std::current_exception();
      all_resolved = false;
    }
  }
  // The options of the numbers, if every check they need passes (else nothing is accumulated: the check fails
  // again after every file is read, in its place).
  std::optional<estimate::PrevalenceOptions> stream_po;
  std::optional<tabulate::TabulateOptions> stream_topt;
  if (all_resolved) {
    try {
      const double lvl = chosen_level(levels_agree());
      const int mc = chosen_min_cell();
      if (prevalence) stream_po = prevalence_options(lvl);
      tabulate::TabulateOptions t = topt;
      t.level = lvl;
      t.min_cell = mc;
      stream_topt = std::move(t);
    } catch (...) {
      stream_po.reset();
      stream_topt.reset();
    }
  }
  const auto read = [&](std::size_t i) {
    Survey& s = surveys[i];
    if (s.unresolved) std::rethrow_exception(s.unresolved);
    s.streamed = stream_input(
        s.opt, *s.src, 2, std::cerr,
        [&](const std::vector<Problem>& w) {
          s.warnings = w;
          if (!stream_topt || (prevalence && !stream_po)) return;
          try {
            check_kind(s);
            check_by_variables(s);
            const std::optional<estimate::Where> wh = where_of(s);
            where_columns(s, wh);
            for (const auto& names : var_names) checked_variable(s, names[i], names[i == 0 ? 1 : 0], n);
            if (need_cls) s.rules = ruleset_of(s);
            // A codebook [replicates]: its replicate columns give the SEs (as apply_replicates / replicates_of read whole).
            std::optional<estimate::ReplicateOptions> columns;
            Text columns_label;
            if (s.src->codebook.replicates) columns = api::supplied_replicate_options(s.src->codebook, "", columns_label);
            if (prevalence) {
              estimate::PrevalenceOptions pi = *stream_po;
              pi.where = wh;
              if (columns) {
                pi.replicate_columns = columns;
                pi.replicates_label = columns_label;
              }
              s.prevalence.emplace(pi);
            }
            tabulate::TabulateOptions ti = *stream_topt;
            ti.where = wh;
            if (columns) {
              ti.replicate_columns = columns;
              ti.replicates_label = columns_label;
            }
            for (const auto& names : var_names) s.tables.emplace_back(std::in_place, std::vector<std::string>{names[i]}, ti);
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
          for (std::size_t q = 0; q < s.tables.size(); ++q) guarded(s.table_errors[q], [&] { s.tables[q]->add(batch, bc ? &*bc : nullptr); });
        },
        /*allow_no_rows=*/true);
  };
  for (std::size_t i = 0; i < n; ++i) read(i);

  // Sampling error is what a comparison is about: only population samples have it.
  for (const Survey& s : surveys) check_kind(s);

  for (const Survey& s : surveys) check_by_variables(s);

  std::vector<std::optional<estimate::Where>> wheres(n);
  for (std::size_t i = 0; i < n; ++i) {
    wheres[i] = where_of(surveys[i]);
    where_columns(surveys[i], wheres[i]);
  }

  std::vector<std::vector<const codebook::Variable*>> vars_checked; // [question][survey]
  for (const auto& names : var_names) {
    std::vector<const codebook::Variable*> vs;
    for (std::size_t i = 0; i < n; ++i) vs.push_back(&checked_variable(surveys[i], names[i], names[i == 0 ? 1 : 0], n));
    vars_checked.push_back(std::move(vs));
  }

  if (need_cls)
    for (Survey& s : surveys) s.cls = classify::classify(s.data(), ruleset_of(s)); // streamed: no rows, the rule-set

  // The run configurations: a level they give must agree (as the age groups); an interval method (ci_method) is
  // one of single proportions, which compare does not print: the change's interval is always change ± t × SE, and
  // the configuration's method is named in a warning instead of being ignored silently.
  const std::optional<double> cfg_level = levels_agree();
  for (const Survey& s : surveys)
    if (s.config().ci_method && *s.config().ci_method != "wald" && *s.config().ci_method != "mean")
      std::cerr << (surveys[0].opt.language() == Lang::En
                        ? fmt::format("warning: {}: ci_method = \"{}\" is not used by compare: the interval of a change is always change ± t × SE\n",
                                      s.config().path, *s.config().ci_method)
                        : fmt::format("警告: {}: ci_method = \"{}\" は compare では使いません（変化の信頼区間は常に 差 ± t × SE）\n", s.config().path,
                                      *s.config().ci_method));
  const double lvl = chosen_level(cfg_level);
  const int mc = chosen_min_cell();
  const int dec = vm.count("rate-decimals") ? rate_decimals : surveys[0].config().rate_decimals.value_or(1);
  if (dec < 0 || dec > 6) usage_error("--rate-decimals は 0～6 です", "--rate-decimals must be 0-6", std::to_string(dec));

  // One estimate / tabulation per survey, then one pairwise comparison per survey after the first (with its base).
  // A streamed survey's accumulators exist whenever the checks before them passed (the same checks, run again
  // above in their places, so a failed one has thrown before its accumulator is asked for).
  const auto not_prepared = [](const Survey& s) {
    return Error(Problem{ErrorCode::Internal, SourcePos{s.data().source, 0, 0, "", ""}, "",
                         Text{"比較の集計が準備されていません", "the comparison's accumulators were not prepared"}, Text{}, ""});
  };
  std::vector<estimate::PrevalenceResult> prev_results;
  if (prevalence) {
    const estimate::PrevalenceOptions po_ = prevalence_options(lvl);
    // Each survey with its own variance: a codebook [replicates] → its replicate weights; else linearised.
    for (std::size_t i = 0; i < n; ++i) {
      const Survey& s = surveys[i];
      if (s.accumulated()) {
        if (!s.prevalence) throw not_prepared(s);
        if (s.prevalence_error) std::rethrow_exception(s.prevalence_error);
        prev_results.push_back(s.prevalence->finish());
        continue;
      }
      estimate::PrevalenceOptions pi = po_;
      pi.where = wheres[i];
      apply_replicates(DesignArgs{}, s.data(), pi);
      prev_results.push_back(estimate::estimate_prevalence(s.data(), *s.cls, pi));
    }
  }
  std::vector<std::vector<bool>> prev_hidden;
  for (std::size_t i = 0; i < prev_results.size(); ++i) prev_hidden.push_back(report::prevalence_hidden(prev_results[i], *surveys[i].cls, mc));
  auto base_of = [&](std::size_t i) { return report::trend_base_of(base, i); };
  std::vector<estimate::PrevalenceComparison> prev_pairs;
  for (std::size_t i = 1; i < prev_results.size(); ++i)
    prev_pairs.push_back(estimate::compare_prevalence(prev_results[base_of(i)], prev_results[i], lvl, prev_hidden[base_of(i)], prev_hidden[i]));

  topt.level = lvl;
  topt.min_cell = mc;
  std::vector<tabulate::TabulateOptions> topts(n, topt);
  if (!var_names.empty())
    for (std::size_t i = 0; i < n; ++i) {
      // A codebook [replicates]: the rows' design for a survey computed here (a streamed one summed its columns).
      if (!surveys[i].accumulated()) topts[i].replicates = replicates_of(DesignArgs{}, surveys[i].data(), topt.lonely, topts[i].replicates_label);
      topts[i].where = wheres[i];
    }
  std::vector<std::vector<report::DistributionComparison>> dist_pairs; // [question][pair]
  for (std::size_t q = 0; q < var_names.size(); ++q) {
    std::vector<tabulate::Distribution> ds;
    for (std::size_t i = 0; i < n; ++i) {
      Survey& s = surveys[i];
      if (s.accumulated()) {
        if (q >= s.tables.size()) throw not_prepared(s);
        if (s.table_errors[q]) std::rethrow_exception(s.table_errors[q]);
        ds.push_back(std::move(s.tables[q]->finish().front()));
      } else {
        ds.push_back(tabulate::tabulate(s.data(), s.cls ? &*s.cls : nullptr, var_names[q][i], topts[i]));
      }
    }
    std::vector<report::DistributionComparison> qp;
    for (std::size_t i = 1; i < n; ++i)
      qp.push_back(report::compare_distributions(ds[base_of(i)], *vars_checked[q][base_of(i)], ds[i], *vars_checked[q][i], lvl));
    dist_pairs.push_back(std::move(qp));
  }

  std::vector<report::CompareSurvey> cs;
  for (const Survey& s : surveys)
    cs.push_back(report::CompareSurvey{&s.data(), s.cls ? &*s.cls : nullptr, s.rejected_rows(), s.opt.rejects, s.rows()});
  const Lang out_lang = surveys[0].opt.language();
  std::optional<report::PrevalenceTrend> trend;
  report::TrendDisplay tdisp;
  for (const Survey& s : surveys) tdisp.labels.push_back(s.label);
  tdisp.rate_decimals = dec;
  tdisp.min_cell = mc;
  tdisp.version = version_string();
  tdisp.where = vm.count("where") ? where : "";
  if (!prev_pairs.empty()) trend = report::prevalence_trend(prev_pairs, base);

  // The distributions over the rounds (two surveys: one pair).
  std::vector<report::DistributionTrend> dtrends;
  for (const auto& qp : dist_pairs) dtrends.push_back(report::distribution_trend(qp, base));
  // The charts (--chart, and the figures of --docx): the prevalence's line chart, then one per question.
  std::optional<std::string> prevalence_png;
  std::vector<std::string> question_pngs;
  std::vector<report::ChartData> question_chart_data;
  if (!chart.empty() || !docx.empty()) {
    if (trend) {
      const std::string svg = report::line_chart_svg(report::prevalence_trend_chart(*trend, tdisp), out_lang);
      prevalence_png = report::svg_to_png(svg);
      if (!chart.empty()) {
        run_outputs().stage_file(chart, svg, "--chart");
        run_outputs().stage_file(chart_png, *prevalence_png, "--chart");
      }
    }
    for (std::size_t q = 0; q < dtrends.size(); ++q) {
      question_chart_data.push_back(report::distribution_trend_chart(dtrends[q], tdisp));
      const report::ChartData& cd = question_chart_data.back();
      const std::string svg = report::trend_chart_stacked(dtrends[q]) ? report::stacked_chart_svg(cd, out_lang) : report::bar_chart_svg(cd, out_lang);
      question_pngs.push_back(report::svg_to_png(svg));
      if (!chart.empty()) {
        run_outputs().stage_file(question_charts[q] + ".svg", svg, "--chart");
        run_outputs().stage_file(question_charts[q] + ".png", question_pngs.back(), "--chart");
      }
    }
  }
  // --docx: the document as Markdown with its figures, converted by pandoc with the default template's reference
  // document (as report --docx). Tables: the prevalence first, then per question one table (two surveys) or two.
  auto write_docx = [&](const table::Document& doc, std::size_t tables_per_question) {
    if (docx.empty()) return;
    std::vector<report::TrendFigure> figures;
    io::FileList pictures;
    const std::size_t first = trend ? 1 : 0;
    if (prevalence_png) {
      figures.push_back(report::TrendFigure{0, "trend.png", report::prevalence_trend_chart(*trend, tdisp).title});
      pictures.emplace_back("trend.png", *prevalence_png);
    }
    for (std::size_t q = 0; q < question_pngs.size(); ++q) {
      const std::string name = "trend-" + std::to_string(q + 1) + ".png";
      figures.push_back(report::TrendFigure{first + q * tables_per_question, name, question_chart_data[q].title});
      pictures.emplace_back(name, question_pngs[q]);
    }
    report::WordSource w;
    w.markdown = report::trend_word_markdown(doc, figures, out_lang);
    const report::ReportTemplate tmpl = report::builtin_template();
    if (const auto it = tmpl.files.find(report::ReportTemplate::reference_docx_name); it != tmpl.files.end()) w.reference_docx = it->second;
    run_outputs().stage_file(docx, docx_with_pandoc(w, pictures), "--docx");
  };

  if (!xlsx.empty()) {
    report::XlsxOptions xo;
    xo.lang = out_lang;
    xo.title = out_lang == Lang::En ? "Trend over surveys" : "調査の推移";
    run_outputs().stage_file(xlsx, report::trend_workbook(cs, trend ? &*trend : nullptr, dtrends, tdisp, xo), "--xlsx");
  }

  if (n == 2) {
    // Two surveys: the pairwise layout (each survey's columns side by side).
    report::CompareDisplay disp;
    disp.label_a = surveys[0].label;
    disp.label_b = surveys[1].label;
    disp.min_cell = mc;
    disp.rate_decimals = dec;
    disp.version = version_string();
    disp.where = tdisp.where;
    const estimate::PrevalenceComparison* pp = prev_pairs.empty() ? nullptr : &prev_pairs.front();
    std::vector<report::DistributionComparison> dists;
    for (const auto& qp : dist_pairs) dists.push_back(qp.front());
    write_docx(report::comparison_document(cs[0], cs[1], pp, dists, disp), 1);
    switch (fmt_out) {
    case Format::Csv: emit(surveys[0].opt, report::render_csv(report::comparison_csv_table(pp, dists)), bom); break;
    case Format::Markdown: emit(surveys[0].opt, report::render_markdown(report::comparison_document(cs[0], cs[1], pp, dists, disp), out_lang), false); break;
    case Format::Text: emit(surveys[0].opt, report::render_text(report::comparison_document(cs[0], cs[1], pp, dists, disp), out_lang), false); break;
    }
    return kExitOk;
  }

  // More than two surveys: the trend layout (one row per survey in each cell).
  const report::PrevalenceTrend* tp = trend ? &*trend : nullptr;
  write_docx(report::trend_document(cs, tp, dtrends, tdisp), 2);
  switch (fmt_out) {
  case Format::Csv: emit(surveys[0].opt, report::render_csv(report::trend_csv_table(tp, dtrends, tdisp)), bom); break;
  case Format::Markdown: emit(surveys[0].opt, report::render_markdown(report::trend_document(cs, tp, dtrends, tdisp), out_lang), false); break;
  case Format::Text: emit(surveys[0].opt, report::render_text(report::trend_document(cs, tp, dtrends, tdisp), out_lang), false); break;
  }
  return kExitOk;
}

} // namespace hkstat::cli
