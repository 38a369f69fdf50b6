// The facade (hkstat/api/survey.hpp): finding a survey's files, loading, classifying, estimating,
// tabulating and rendering in the order and with the defaults of the hkstat command.
#include "hkstat/api/survey.hpp"

#include "hkstat/api/design_options.hpp"
#include "facade.hpp"
#include "hkstat/classify/ruleset.hpp"
#include "hkstat/estimate/numerator.hpp"
#include "hkstat/estimate/statistics.hpp"
#include "hkstat/estimate/variance_kind.hpp"
#include "hkstat/io/csv_reader.hpp"
#include "hkstat/io/sha256.hpp"
#include "hkstat/tabulate/accumulator.hpp"
#include "hkstat/report/estimate_report.hpp"
#include "hkstat/report/statistic_report.hpp"
#include "hkstat/report/table.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <system_error>

namespace hkstat::api {

namespace detail {

void invalid(const std::string& value, Text message, Text expected) {
  throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, value, std::move(message), std::move(expected), ""});
}

std::string or_default(const std::string& given, const std::optional<std::string>& configured, const char* fallback) {
  return !given.empty() ? given : configured.value_or(fallback);
}

std::string version_line() { return fmt::format("hkstat {}", HKSTAT_VERSION); }

} // namespace detail

using namespace detail;

const char* version() { return HKSTAT_VERSION; }

LocatedSurvey locate_survey(const SurveyFiles& files) {
  const bool from_stdin = files.data == "-";
  if (!from_stdin) {
    std::error_code ec;
    // Only "not there" is reported here; anything else (permissions, a directory) is left to the reader.
    if (!std::filesystem::exists(std::filesystem::path(files.data), ec) && !ec)
      throw Error(Problem{ErrorCode::IoCannotOpen, SourcePos{files.data, 0, 0, "", ""}, files.data,
                          Text{"ファイルを開けません: ファイルが見つかりません", "cannot open the file: No such file or directory"},
                          Text{"読み取り可能な CSV ファイルのパス", "the path of a readable CSV file"}, ""});
  }
  LocatedSurvey out;
  if (!files.no_config) {
    std::string cfg = files.config;
    if (cfg.empty() && !from_stdin) {
      const std::string guess = config::sibling_path(files.data, "hkstat.toml");
      if (config::file_exists(guess)) cfg = guess;
    }
    if (!cfg.empty()) out.config = config::load_run_config(cfg);
  }
  out.codebook_path = files.codebook;
  if (out.codebook_path.empty() && out.config.codebook) out.codebook_path = *out.config.codebook;
  if (out.codebook_path.empty() && from_stdin)
    throw Error(Problem{ErrorCode::CodebookInvalid, SourcePos{io::input_display_name(files.data), 0, 0, "", "codebook"}, "",
                        Text{"標準入力から読むときはコードブックを指定してください", "reading standard input needs a codebook"},
                        Text{"コードブックのパス", "the codebook's path"}, ""});
  if (out.codebook_path.empty()) {
    const std::string guess = config::sibling_path(files.data, "codebook.toml");
    if (!config::file_exists(guess)) {
      // An Excel workbook given as data has no codebook beside it either: name the real problem first.
      if (std::FILE* f = std::fopen(files.data.c_str(), "rb")) {
        char head[8] = {};
        const std::size_t n = std::fread(head, 1, sizeof head, f);
        std::fclose(f);
        if (std::optional<Problem> p = io::spreadsheet_problem(files.data, std::string_view(head, n))) throw Error(std::move(*p));
      }
      throw Error(Problem{ErrorCode::CodebookInvalid, SourcePos{files.data, 0, 0, "", "codebook"}, guess,
                          Text{"コードブックが見つかりません", "no codebook found"},
                          Text{fmt::format("{} を置くか、コードブックのパスを指定してください（docs/codebook.md）", guess),
                               fmt::format("put one at {} or give the codebook's path (docs/codebook.md)", guess)},
                          ""});
    }
    out.codebook_path = guess;
  }
  return out;
}

std::optional<std::size_t> check_data_file(const std::string& data_path, const std::string& codebook_path, const codebook::Codebook& cb) {
  if (!cb.data_file) return std::nullopt;
  // Written by hkstat weight / replicate: the codebook describes exactly one file (docs/cli.md "Output policy").
  const auto& b = *cb.data_file;
  // Only a regular file is hashed here: standard input, a FIFO or a device would be read to its end before the
  // data are (a FIFO then waits for ever for a second writer); for those, `rows` below bounds the data instead.
  std::error_code ec;
  if (data_path != "-" && std::filesystem::is_regular_file(data_path, ec) && io::sha256_file(data_path) != b.sha256) {
    const std::string input_name = io::input_display_name(data_path);
    throw Error(Problem{ErrorCode::CodebookInvalid, SourcePos{codebook_path, b.line, 0, "", "data_file.sha256"}, "",
                        Text{fmt::format("このコードブックは別のデータファイルのために書かれています（{} の SHA-256 が [data_file] と一致しません）。"
                                         "hkstat weight / replicate の出力のデータとコードブックが揃っていません",
                                         input_name),
                             fmt::format("this codebook was written for another data file (the SHA-256 of {} does not match [data_file]): "
                                         "the data and codebook written by hkstat weight / replicate do not belong together",
                                         input_name)},
                        Text{"同じ実行で書かれたデータとコードブック（再実行する）。データを意図して編集したなら [data_file] の表を削除",
                             "the data and codebook of one run (run it again); if you edited the data on purpose, delete the [data_file] table"},
                        ""});
  }
  if (b.rows >= 0) return static_cast<std::size_t>(b.rows);
  return std::nullopt;
}

Survey load_survey(const std::string& data_path, const LoadOptions& options) {
  LocatedSurvey loc = locate_survey(SurveyFiles{data_path, options.codebook, options.config, options.no_config});
  const codebook::Codebook cb = codebook::load_codebook(loc.codebook_path);
  const std::optional<std::size_t> bound_rows = check_data_file(data_path, loc.codebook_path, cb);
  data::IngestOptions io;
  io.encoding = or_default(options.encoding, loc.config.encoding, "auto");
  io.required_roles = options.required_roles;
  io.expect_rows = options.expect_rows ? options.expect_rows : bound_rows;
  data::IngestResult in = data::ingest(data_path, cb, io);
  if (in.rows_rejected > 0 && !options.drop_invalid_rows) {
    // The first problem, where it is, with the number of rows that have one.
    std::size_t problems = 0;
    for (const auto& r : in.rejected) problems += r.problems.size();
    Problem p = in.rejected.front().problems.front();
    p.message = Text{fmt::format("{}（不正な値のある行は {}行、問題は {}件）", p.message.ja, in.rows_rejected, problems),
                     fmt::format("{} ({} rows have invalid values, {} problems)", p.message.en, in.rows_rejected, problems)};
    throw Error(std::move(p));
  }
  Survey s;
  s.data_path = data_path;
  s.codebook_path = std::move(loc.codebook_path);
  s.config = std::move(loc.config);
  // Numbers per category (role count): one row per person, as every command reads them (docs/codebook.md "Counts per
  // category"); before, the facade counted the rows.
  s.data = cb.by_role(codebook::Role::Count) ? data::expand_counts(in.data) : std::move(in.data);
  s.rejected = std::move(in.rejected);
  s.rows_rejected = in.rows_rejected;
  s.warnings = std::move(in.warnings);
  return s;
}

classify::Classification classify(const Survey& survey, const std::string& rules) {
  return classify::classify(survey.data, classify::resolve_ruleset(or_default(rules, survey.config.ruleset, classify::kDefaultRuleSet)));
}

namespace {

void check_level(double level) {
  if (!config::level_ok(level))
    invalid(fmt::format("{}", level), Text{"level は 0.000001～0.999999 です", "level must be from 0.000001 to 0.999999"},
            Text{"0.000001～0.999999（例: 0.95）", "0.000001 to 0.999999 (e.g. 0.95)"});
}

} // namespace

namespace detail {

Variance variance_of(const data::Dataset& ds, const std::string& type, std::size_t n, std::uint64_t seed, bool calibrate, estimate::LonelyPsu lonely) {
  estimate::resolve_variance_kind(ds.codebook, {type, calibrate});
  Variance v;
  if (type.empty() && !ds.codebook.replicates) return v;
  const bool supplied = std::any_of(ds.columns.begin(), ds.columns.end(), [](const data::Column& c) { return c.var->role == codebook::Role::Replicate; });
  if (!supplied) v.request = created_replicates(type, n, seed, v.label);
  else v.design = std::make_shared<const estimate::ReplicateDesign>(replicate_design(ds, type, n, seed, lonely, v.label));
  return v;
}

} // namespace detail

std::vector<std::pair<estimate::AgeGroup, double>> population_by_group(const std::string& path, const std::vector<estimate::AgeGroup>& groups) {
  std::vector<std::string> ids;
  for (const auto& g : groups) ids.push_back(g.id());
  std::vector<std::pair<estimate::AgeGroup, double>> out;
  std::vector<std::size_t> line_of(groups.size(), 0);
  for (const auto& gp : config::load_population_file(path)) {
    std::optional<estimate::AgeGroup> g;
    try {
      g = estimate::parse_age_group(gp.age_group);
    } catch (const Error&) {
    }
    std::size_t k = 0;
    while (g && k < groups.size() && !(groups[k].min == g->min && groups[k].max == g->max)) ++k;
    if (!g || k == groups.size())
      throw Error(Problem{ErrorCode::ConfigInvalid, SourcePos{path, gp.line, gp.group_column, "age_group", ""}, gp.age_group,
                          Text{"人口ファイルの年齢区分が集計の年齢区分にありません", "the population file's age group is not one of the age groups"},
                          Text{fmt::format("集計の年齢区分: {}", fmt::join(ids, ",")), fmt::format("the estimate's age groups: {}", fmt::join(ids, ","))}, ""});
    if (line_of[k] != 0)
      throw Error(Problem{ErrorCode::ConfigInvalid, SourcePos{path, gp.line, gp.group_column, "age_group", ""}, gp.age_group,
                          Text{fmt::format("人口ファイルに同じ年齢区分が2回あります（{}行目と同じ）", line_of[k]),
                               fmt::format("the population file gives this age group twice (as line {})", line_of[k])},
                          Text{"年齢区分ごとに1行", "one row per age group"}, ""});
    line_of[k] = gp.line;
    out.emplace_back(*g, gp.population);
  }
  for (std::size_t k = 0; k < groups.size(); ++k)
    if (line_of[k] == 0)
      throw Error(Problem{ErrorCode::ConfigInvalid, SourcePos{path, 0, 0, "", ""}, groups[k].id(),
                          Text{"集計の年齢区分の人口が人口ファイルにありません", "the population file has no row for this age group"},
                          Text{fmt::format("年齢区分ごとに1行: {}", fmt::join(ids, ",")), fmt::format("one row per age group: {}", fmt::join(ids, ","))}, ""});
  return out;
}

estimate::PrevalenceOptions prevalence_options(const Survey& survey, const EstimateOptions& o) {
  estimate::PrevalenceOptions p = prevalence_options(survey.config, survey.codebook(), o);
  Variance v = variance_of(survey.data, o.replicates, o.replicates_n, o.seed, o.calibrate, p.lonely);
  p.replicate_request = v.request;
  p.replicates = std::move(v.design);
  if (p.replicate_request || p.replicates) p.replicates_label = std::move(v.label);
  return p;
}

estimate::PrevalenceOptions prevalence_options(const config::RunConfig& cfg, const codebook::Codebook& cb, const EstimateOptions& o) {
  estimate::PrevalenceOptions p;
  const std::string ci = or_default(o.ci, cfg.ci_method, "");
  if (!ci.empty()) p.ci_method = estimate::parse_ci_method(ci);
  p.lonely = estimate::parse_lonely_psu(or_default(o.lonely_psu, cfg.lonely_psu, "fail"));
  p.level = o.level.value_or(cfg.level.value_or(0.95));
  check_level(p.level);
  if (o.rate_rounding && (*o.rate_rounding < 0 || *o.rate_rounding > 6))
    invalid(std::to_string(*o.rate_rounding), Text{"rate_rounding は 0～6 です", "rate_rounding must be 0-6"}, Text{"0～6", "0-6"});
  p.rate_rounding = o.rate_rounding ? o.rate_rounding : cfg.rate_rounding;
  // Several questionnaires (codebook [[form]]): the reporting ranges unless groups are given.
  const bool forms_default = !cb.forms.empty() && !o.age_groups && !cfg.age_groups;
  const std::vector<std::string> groups = o.age_groups.value_or(cfg.age_groups.value_or(std::vector<std::string>{"15-39", "40-64"}));
  if (forms_default) p.groups = estimate::form_age_groups(cb);
  else
    for (const auto& g : groups) p.groups.push_back(estimate::parse_age_group(g));
  try {
    estimate::check_age_groups(p.groups, cb.age_min, cb.age_max);
    estimate::check_form_groups(p.groups, cb);
  } catch (const Error& e) {
    if (o.age_groups || !cfg.age_groups) throw;
    Problem pr = e.problem(); // from the run configuration: its error, naming it
    pr.code = ErrorCode::ConfigInvalid;
    pr.pos.file = cfg.path;
    pr.pos.key = "estimate.age_groups";
    throw Error(std::move(pr));
  }
  auto& pop = p.population;
  const std::string pop_file = !o.population_file.empty() ? o.population_file : (o.population ? "" : cfg.population_file.value_or(""));
  if (o.population) {
    if (auto why = config::population_problem(*o.population))
      invalid(fmt::format("{}", *o.population), Text{"population: " + why->ja, "population: " + why->en}, config::population_expected());
    pop.total = *o.population;
    pop.source = o.population_source.empty() ? "population" : o.population_source;
  } else if (!pop_file.empty()) {
    pop.by_group = population_by_group(pop_file, p.groups);
    pop.source = pop_file;
  } else if (cfg.population) {
    pop.total = cfg.population;
    pop.source = cfg.path;
  }
  if (pop.total || !pop.by_group.empty()) pop.label = cfg.population_label.value_or("");
  p.by = o.by;
  if (!o.where.empty()) p.where.emplace(o.where, cb);
  return p;
}

namespace {

// What `hkstat estimate` computes for these options: the estimate, and with `calibrate` the calibrated rows, their
// classification and the estimate before calibration (the output compares the two).
struct EstimateRun {
  std::optional<Calibrated> cal;
  std::optional<classify::Classification> ccls;
  std::optional<estimate::PrevalenceResult> before;
  estimate::PrevalenceResult result;
};

EstimateRun run_estimate(const Survey& survey, const classify::Classification& cls, const EstimateOptions& options) {
  const estimate::PrevalenceOptions po = prevalence_options(survey, options);
  const codebook::Codebook& cb = survey.data.codebook;
  const std::string& asked = !options.numerator.empty() ? options.numerator : survey.config.numerator.value_or("");
  std::optional<roster::Numerator> num;
  if (!asked.empty() && !(num = roster::parse_numerator(asked)))
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{"", 0, 0, "", "numerator"}, asked, Text{"未知の分子の数え方です", "unknown numerator"},
                        Text{"respondents, respondents+members, persons", "respondents, respondents+members, persons"}, ""});
  if (!cb.roster && num && *num != roster::Numerator::Respondents)
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{cb.path, 0, 0, "", "numerator"}, asked,
                        Text{"家族内の該当者を数えるには家族票（コードブックの [roster]）が必要です", "counting household members needs a household roster (the codebook's [roster])"},
                        Text{"respondents", "respondents"}, ""});
  EstimateRun run;
  run.result = estimate::estimate_prevalence(survey.data, cls, po);
  const data::Dataset* rows = &survey.data;
  const classify::Classification* rcls = &cls;
  const estimate::PrevalenceOptions* ropt = &po;
  estimate::PrevalenceOptions copt;
  if (options.calibrate) {
    // The weights of `hkstat weight` computed in memory, then the same estimate on the rows with a positive
    // weight, with calibration-aware standard errors (as hkstat estimate --calibrate).
    run.cal = calibrate(survey.data, survey.config);
    run.ccls = classify::classify(run.cal->data, cls.ruleset);
    copt = po;
    copt.calibration = run.cal->calibration;
    copt.weighting = run.cal->weighting;
    run.before = std::move(run.result);
    run.result = estimate::estimate_prevalence(run.cal->data, *run.ccls, copt);
    rows = &run.cal->data;
    rcls = &*run.ccls;
    ropt = &copt;
  }
  if (!cb.roster) return run;
  // Household members, as hkstat estimate and report (estimate::apply_members): those of every valid row, also when
  // the estimate is of the calibrated rows.
  estimate::apply_members(run.result, survey.data, *rows, *rcls, num.value_or(roster::default_numerator(cb)), !num, *ropt);
  return run;
}

} // namespace

estimate::PrevalenceResult estimate_prevalence(const Survey& survey, const classify::Classification& cls, const EstimateOptions& options) {
  return std::move(run_estimate(survey, cls, options).result);
}

estimate::PrevalenceResult estimate_prevalence(const Survey& survey, const EstimateOptions& options) {
  return estimate_prevalence(survey, classify(survey, options.rules), options);
}

const estimate::PrevalenceCell& headline(const estimate::PrevalenceResult& result) {
  for (const auto& c : result.cells)
    if (c.measure == estimate::Measure::Broad && c.group == "all" && c.by_variable.empty()) return c;
  throw_problem(ErrorCode::Internal, "", Text{"広義・全体のセルがありません", "no broad cell for all respondents"}, Text{});
}

namespace {

// What `hkstat tabulate` computes for these options: the distributions, the classification of the group domains
// and, with `calibrate`, the calibrated rows they are of.
struct TabulateRun {
  std::optional<Calibrated> cal;
  std::optional<classify::Classification> cls;
  std::vector<tabulate::Distribution> dists;
};

TabulateRun run_tabulate(const Survey& survey, const std::vector<std::string>& variables, const TabulateOptions& o) {
  const config::RunConfig& cfg = survey.config;
  tabulate::TabulateOptions t;
  t.domains = tabulate::parse_domains(o.domains);
  t.by = tabulate::parse_by(o.by);
  for (const std::string& v : t.by.variables)
    if (v != "sex") tabulate::by_variable(survey.codebook(), v);
  const std::string ci = or_default(o.ci, cfg.ci_method, "");
  if (!ci.empty()) t.ci_method = estimate::parse_ci_method(ci);
  t.lonely = estimate::parse_lonely_psu(or_default(o.lonely_psu, cfg.lonely_psu, "fail"));
  t.level = o.level.value_or(cfg.level.value_or(0.95));
  check_level(t.level);
  t.min_cell = o.min_cell.value_or(cfg.min_cell.value_or(5));
  if (t.min_cell < 0 || t.min_cell > config::kMaxMinCell)
    invalid(std::to_string(t.min_cell), Text{fmt::format("min_cell は 0～{} です", config::kMaxMinCell), fmt::format("min_cell must be 0-{}", config::kMaxMinCell)},
            Text{fmt::format("0～{}", config::kMaxMinCell), fmt::format("0-{}", config::kMaxMinCell)});
  if (!o.where.empty()) t.where.emplace(o.where, survey.codebook());
  Variance v = variance_of(survey.data, o.replicates, o.replicates_n, o.seed, o.calibrate, t.lonely);
  t.replicate_request = v.request;
  t.replicates = std::move(v.design);
  if (t.replicate_request || t.replicates) t.replicates_label = std::move(v.label);
  bool groups = false;
  for (auto d : t.domains) groups = groups || d != tabulate::Domain::All;
  // A variable whose column is not in the data would tabulate as all 無回答: its load warning is the error.
  for (const auto& name : variables) {
    tabulate::tabulated_variable(survey.codebook(), name);
    for (const auto& w : survey.warnings)
      if (w.code == ErrorCode::CsvMissingColumn && w.pos.key == name) throw Error(w);
  }
  TabulateRun run;
  if (o.calibrate) {
    // The table of the rows with a positive weight, with calibration-aware SEs (as hkstat tabulate --calibrate).
    run.cal = calibrate(survey.data, cfg);
    t.calibration = run.cal->calibration;
    t.weighting = run.cal->weighting;
  }
  const data::Dataset& rows = run.cal ? run.cal->data : survey.data;
  if (groups) run.cls = classify::classify(rows, classify::resolve_ruleset(or_default(o.rules, cfg.ruleset, classify::kDefaultRuleSet)));
  // One accumulator for every question, as the command: the questions print the same bases and are suppressed
  // together when one of them hides a base.
  tabulate::TabulateAccumulator acc(variables, t);
  acc.add(rows, run.cls ? &*run.cls : nullptr);
  run.dists = acc.finish();
  return run;
}

} // namespace

std::vector<tabulate::Distribution> tabulate(const Survey& survey, const std::vector<std::string>& variables, const TabulateOptions& o) {
  return std::move(run_tabulate(survey, variables, o).dists);
}

namespace {

std::string render(const report::Document& doc, const ReportOptions& o) {
  return o.format == Format::Markdown ? report::render_markdown(doc, o.lang) : report::render_text(doc, o.lang);
}

} // namespace

namespace detail {

report::DisplayOptions display_options(const config::RunConfig& cfg, const std::optional<int>& rate_decimals, const std::optional<int>& min_cell,
                                       const std::string& persons_unit) {
  report::DisplayOptions d;
  if (cfg.fieldwork) d.method_notes.push_back(config::fieldwork_note(*cfg.fieldwork)); // as the command (response rate)
  d.rate_decimals = rate_decimals.value_or(cfg.rate_decimals.value_or(1));
  if (d.rate_decimals < 0 || d.rate_decimals > 6)
    invalid(std::to_string(d.rate_decimals), Text{"rate_decimals は 0～6 です", "rate_decimals must be 0-6"}, Text{"0～6", "0-6"});
  const std::string unit = or_default(persons_unit, cfg.persons_unit, "person");
  if (unit != "person" && unit != "man") invalid(unit, Text{"persons_unit は person か man です", "persons_unit must be person or man"}, Text{"person, man", "person, man"});
  d.persons_unit = unit == "man" ? report::PersonsUnit::Man : report::PersonsUnit::Person;
  d.min_cell = min_cell.value_or(cfg.min_cell.value_or(5));
  if (d.min_cell < 0 || d.min_cell > config::kMaxMinCell)
    invalid(std::to_string(d.min_cell), Text{fmt::format("min_cell は 0～{} です", config::kMaxMinCell), fmt::format("min_cell must be 0-{}", config::kMaxMinCell)},
            Text{fmt::format("0～{}", config::kMaxMinCell), fmt::format("0-{}", config::kMaxMinCell)});
  return d;
}

} // namespace detail

namespace {

report::DisplayOptions display_options(const Survey& survey, const ReportOptions& o) {
  report::DisplayOptions d = detail::display_options(survey.config, o.rate_decimals, o.min_cell, o.persons_unit);
  d.version = version_line();
  d.rejected_rows = survey.rows_rejected;
  return d;
}

tabulate::DocumentOptions tabulation_options(const Survey& survey, const ReportOptions& o) {
  tabulate::DocumentOptions d;
  d.table.percent_decimals = o.rate_decimals.value_or(survey.config.rate_decimals.value_or(1));
  d.version = version_line();
  d.rejected_rows = survey.rows_rejected;
  return d;
}

} // namespace

std::string render_prevalence(const Survey& survey, const classify::Classification& cls, const estimate::PrevalenceResult& result,
                              const ReportOptions& o) {
  const report::DisplayOptions d = display_options(survey, o);
  if (o.format == Format::Csv) return report::render_csv(report::prevalence_table(result, cls, d));
  return render(report::prevalence_document(result, survey.data, cls, d), o);
}

std::string render_tabulation(const Survey& survey, const std::vector<tabulate::Distribution>& dists, const ReportOptions& o,
                              const classify::Classification* cls) {
  const tabulate::DocumentOptions d = tabulation_options(survey, o);
  if (o.format == Format::Csv) return report::render_csv(tabulate::combined_table(dists, d.table));
  return render(tabulate::tabulate_document(dists, survey.data, cls, d), o);
}

std::string render_estimate(const Survey& survey, const EstimateOptions& estimate, const ReportOptions& o) {
  const report::DisplayOptions d = display_options(survey, o); // its errors before any work, as the command's
  const classify::Classification cls = classify(survey, estimate.rules);
  const EstimateRun run = run_estimate(survey, cls, estimate);
  const classify::Classification& rcls = run.ccls ? *run.ccls : cls;
  if (o.format == Format::Csv) return report::render_csv(report::prevalence_table(run.result, rcls, d));
  report::Document doc = report::prevalence_document(run.result, run.cal ? run.cal->data : survey.data, rcls, d);
  if (run.before) doc.tables.push_back(report::weighting_comparison_table(*run.before, run.result, d));
  return render(doc, o);
}

std::string render_tabulate(const Survey& survey, const std::vector<std::string>& variables, const TabulateOptions& tabulate,
                            const ReportOptions& o) {
  const TabulateRun run = run_tabulate(survey, variables, tabulate);
  const tabulate::DocumentOptions d = tabulation_options(survey, o);
  if (o.format == Format::Csv) return report::render_csv(tabulate::combined_table(run.dists, d.table));
  return render(tabulate::tabulate_document(run.dists, run.cal ? run.cal->data : survey.data, run.cls ? &*run.cls : nullptr, d), o);
}

// ---- Totals, means and ratios ---------------------------------------------------------------------

estimate::StatisticResult statistic(const Survey& survey, const StatisticOptions& o) {
  estimate::StatKind kind;
  if (o.stat == "total") kind = estimate::StatKind::Total;
  else if (o.stat == "mean") kind = estimate::StatKind::Mean;
  else if (o.stat == "ratio") kind = estimate::StatKind::Ratio;
  else invalid(o.stat, Text{"‹stat› は total, mean, ratio のいずれかです", "‹stat› must be total, mean or ratio"}, Text{"total, mean, ratio", "total, mean, ratio"});
  if (kind != estimate::StatKind::Total && o.variable.empty())
    invalid("", Text{fmt::format("‹stat› {} には変数（‹variable›）が必要です", o.stat), fmt::format("‹stat› {} needs a variable (‹variable›)", o.stat)},
            Text{"整数か数値の変数", "an integer or number variable"});
  if (kind == estimate::StatKind::Ratio && o.denominator.empty())
    invalid("", Text{"‹stat› ratio には分母の変数（‹denominator›）が必要です", "‹stat› ratio needs the denominator variable (‹denominator›)"},
            Text{"整数か数値の変数", "an integer or number variable"});
  if (kind != estimate::StatKind::Ratio && !o.denominator.empty())
    invalid(o.denominator, Text{"‹denominator› は ‹stat› ratio だけで使えます", "‹denominator› is for ‹stat› ratio only"}, Text{"‹stat› ratio", "‹stat› ratio"});
  const codebook::Codebook& cb = survey.codebook();
  if (std::any_of(cb.variables.begin(), cb.variables.end(), [](const codebook::Variable& v) { return v.role == codebook::Role::Replicate; }))
    invalid("", Text{"合計・平均・比はコードブックの反復重みの列にまだ対応していません（‹replicates› で設計から作る反復は使えます）",
                     "totals, means and ratios do not take supplied replicate-weight columns yet (replicates created with ‹replicates› do)"},
            Text{"反復重みの列のないコードブック", "a codebook without replicate-weight columns"});
  const bool indicator = kind == estimate::StatKind::Total && o.variable.empty();

  EstimateOptions eo;
  eo.population = o.population;
  eo.population_file = o.population_file;
  eo.age_groups = o.age_groups;
  eo.level = o.level;
  eo.lonely_psu = o.lonely_psu;
  const estimate::PrevalenceOptions po = prevalence_options(survey.config, cb, eo);
  estimate::StatisticOptions so;
  so.kind = kind;
  so.variable = o.variable;
  so.denominator = o.denominator;
  so.by = o.by;
  if (!o.where.empty()) so.where.emplace(o.where, cb);
  so.lonely = po.lonely;
  so.replicate_request = created_replicates(o.replicates, o.replicates_n, o.seed, so.replicates_label);
  so.level = po.level;
  std::vector<char> ind;
  if (indicator) {
    // The persons of the 広義 indicator, with the population of the estimate (summed over age groups in a row-order loop).
    const auto& pop = po.population;
    if (pop.total) so.population = *pop.total;
    else if (!pop.by_group.empty()) {
      double sum = 0;
      for (const auto& g : pop.by_group) sum += g.second;
      so.population = sum;
    }
    so.population_label = pop.label.empty() ? pop.source : pop.label;
    const classify::Classification cls = classify(survey, o.rules);
    ind.assign(survey.data.rows(), 0);
    for (std::size_t r = 0; r < survey.data.rows(); ++r) ind[r] = cls.rows[r].cls == classify::Class::Narrow || cls.rows[r].cls == classify::Class::Semi;
  }
  return estimate::estimate_statistic(survey.data, so, indicator ? &ind : nullptr);
}

std::string render_statistic(const Survey& survey, const estimate::StatisticResult& result, const ReportOptions& o) {
  const report::DisplayOptions d = display_options(survey.config, o.rate_decimals, o.min_cell, o.persons_unit);
  if (o.format == Format::Csv) return report::render_csv(report::statistic_table(result, d.min_cell));
  return render(report::statistic_document(result, d.min_cell, survey.rows_rejected), o);
}

} // namespace hkstat::api
