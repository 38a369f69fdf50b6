// web/hkstat_web.cpp — the binding between the page (web/page/) and the hkstat library compiled to
// WebAssembly. The page writes the files the user chose (survey CSV as UTF-8 — the page decodes CP932 itself —,
// codebook, run configuration, a population file) into the in-memory file system under /in and calls
// run(request); everything is computed here, by the same library functions as the CLI, in the same order as
// `hkstat estimate`, `hkstat classify` and `hkstat tabulate`, and returned as one object of texts and tables.
// CSV texts come without the UTF-8 BOM: embind decodes strings with TextDecoder, which drops a leading BOM,
// so the page adds it when it saves the file. Nothing is printed, nothing leaves the page. Errors come back as data (code, file, line, column, value,
// expected, in Japanese and English), never as exceptions.
#include "hkstat/api/survey.hpp"
#include "hkstat/classify/classify.hpp"
#include "hkstat/classify/ruleset.hpp"
#include "hkstat/codebook/codebook.hpp"
#include "hkstat/config/run_config.hpp"
#include "hkstat/core/error.hpp"
#include "hkstat/core/option_text.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/numerator.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/io/sha256.hpp"
#include "hkstat/report/estimate_report.hpp"
#include "hkstat/report/report_spec.hpp"
#include "hkstat/report/svg_chart.hpp"
#include "hkstat/report/table.hpp"
#include "hkstat/table/rejects.hpp"
#include "hkstat/tabulate/accumulator.hpp"
#include "hkstat/tabulate/tabulate.hpp"

#include <emscripten/bind.h>
#include <emscripten/val.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <vector>

using emscripten::val;

namespace hk = hkstat;

namespace {

val text(const hk::Text& t) {
  val o = val::object();
  o.set("ja", t.ja);
  o.set("en", t.en);
  return o;
}

val problem_val(const hk::Problem& p) {
  val o = val::object();
  o.set("code", std::string(hk::code_name(p.code)));
  o.set("file", p.pos.file);
  o.set("line", static_cast<double>(p.pos.line));
  o.set("column", static_cast<double>(p.pos.column));
  o.set("column_name", p.pos.column_name);
  // Options by name, as the library speaks of them (‹by› → by: hkstat/core/option_text.hpp).
  const auto named = [](const hk::Text& t) {
    return hk::Text{hk::render_options(t.ja, hk::OptionStyle::Name), hk::render_options(t.en, hk::OptionStyle::Name)};
  };
  o.set("key", hk::render_options(p.pos.key, hk::OptionStyle::Name));
  o.set("value", p.value);
  o.set("message", text(named(p.message)));
  o.set("expected", text(named(p.expected)));
  o.set("formatted", text(hk::Text{hk::format_problem(p, hk::Lang::Ja), hk::format_problem(p, hk::Lang::En)}));
  return o;
}

val table_val(const hk::report::Table& t) {
  val o = val::object();
  o.set("id", t.id);
  o.set("title", text(t.title));
  val cols = val::array();
  for (const auto& c : t.columns) {
    val cv = val::object();
    cv.set("id", c.id);
    cv.set("header", text(c.header));
    cv.set("right", c.align == hk::report::Align::Right);
    cv.set("human", c.human);
    cv.set("machine", c.machine);
    cols.call<void>("push", cv);
  }
  o.set("columns", cols);
  val rows = val::array();
  for (const auto& r : t.rows) {
    val rv = val::array();
    for (const auto& cell : r) {
      val cv = val::object();
      cv.set("ja", cell.display.ja);
      cv.set("en", cell.display.en);
      cv.set("raw", cell.raw);
      rv.call<void>("push", cv);
    }
    rows.call<void>("push", rv);
  }
  o.set("rows", rows);
  val notes = val::array();
  for (const auto& n : t.notes) notes.call<void>("push", text(n));
  o.set("notes", notes);
  return o;
}

val document_val(const hk::report::Document& d) {
  val o = val::object();
  o.set("title", text(d.title));
  val facts = val::array();
  for (const auto& [k, v] : d.facts) {
    val f = val::object();
    f.set("key", text(k));
    f.set("value", text(v));
    facts.call<void>("push", f);
  }
  o.set("facts", facts);
  val tables = val::array();
  for (const auto& t : d.tables) tables.call<void>("push", table_val(t));
  o.set("tables", tables);
  val notes = val::array();
  for (const auto& n : d.notes) notes.call<void>("push", text(n));
  o.set("notes", notes);
  o.set("markdown", text(hk::Text{hk::report::render_markdown(d, hk::Lang::Ja), hk::report::render_markdown(d, hk::Lang::En)}));
  return o;
}

std::string str(const val& v) { return v.isString() ? v.as<std::string>() : std::string(); }

// cli/prevalence_options.cpp split_commas: "a,b" → {"a", "b"}; empty names are kept (the library names them).
std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  for (std::size_t start = 0; start <= s.size();) {
    const auto comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    start = comma == std::string::npos ? s.size() + 1 : comma + 1;
  }
  return out;
}

[[noreturn]] void fail(hk::ErrorCode code, const std::string& value, hk::Text message, hk::Text expected) {
  throw hk::Error(hk::Problem{code, hk::SourcePos{}, value, std::move(message), std::move(expected), ""});
}


// The prevalence options from the run configuration alone (cli/prevalence_options.cpp
// resolve_prevalence_options without command-line options: the page has none).
hk::estimate::PrevalenceOptions prevalence_options(const hk::config::RunConfig& cfg, const hk::codebook::Codebook& cb) {
  hk::estimate::PrevalenceOptions p;
  if (cfg.ci_method) p.ci_method = hk::estimate::parse_ci_method(*cfg.ci_method);
  p.lonely = hk::estimate::parse_lonely_psu(cfg.lonely_psu.value_or("fail"));
  p.level = cfg.level.value_or(0.95);
  p.rate_rounding = cfg.rate_rounding;
  const std::vector<std::string> groups = cfg.age_groups.value_or(std::vector<std::string>{"15-39", "40-64"});
  for (const auto& g : groups) p.groups.push_back(hk::estimate::parse_age_group(g));
  try {
    hk::estimate::check_age_groups(p.groups, cb.age_min, cb.age_max);
  } catch (const hk::Error& e) {
    if (!cfg.age_groups) throw;
    hk::Problem pr = e.problem();
    pr.code = hk::ErrorCode::ConfigInvalid;
    pr.pos.file = cfg.path;
    pr.pos.key = "estimate.age_groups";
    throw hk::Error(std::move(pr));
  }
  auto& pop = p.population;
  if (cfg.population_file) {
    const std::string& pop_file = *cfg.population_file;
    pop.by_group = hk::api::population_by_group(pop_file, p.groups); // the CLI's check (api/survey.hpp)
    pop.source = pop_file;
  } else if (cfg.population) {
    pop.total = cfg.population;
    pop.source = cfg.path;
  }
  if (pop.total || !pop.by_group.empty()) pop.label = cfg.population_label.value_or("");
  return p;
}

hk::report::DisplayOptions display_options(const hk::config::RunConfig& cfg) {
  hk::report::DisplayOptions d;
  d.rate_decimals = cfg.rate_decimals.value_or(1);
  d.persons_unit = cfg.persons_unit.value_or("person") == "man" ? hk::report::PersonsUnit::Man : hk::report::PersonsUnit::Person;
  d.min_cell = cfg.min_cell.value_or(5);
  d.version = fmt::format("hkstat {} (web)", HKSTAT_VERSION);
  return d;
}

// The variables the page tabulates by default: those of the default report template's distribution
// tables that this codebook has as code / multi variables (tables.toml: role, variable or label_contains).
std::vector<std::string> default_variables(const hk::codebook::Codebook& cb) {
  std::vector<std::string> out;
  const hk::report::ReportTemplate tmpl = hk::report::builtin_template();
  for (const auto& spec : tmpl.tables) {
    if (spec.kind != hk::report::TableKind::Distribution) continue;
    const hk::codebook::Variable* var = nullptr;
    if (spec.role) var = cb.by_role(*spec.role);
    else if (!spec.variable.empty()) var = cb.by_name(spec.variable);
    else
      for (const auto& v : cb.variables)
        if ((v.type == hk::codebook::VarType::Code || v.type == hk::codebook::VarType::Multi) && v.label.find(spec.label_contains) != std::string::npos) {
          var = &v;
          break;
        }
    if (var && (var->type == hk::codebook::VarType::Code || var->type == hk::codebook::VarType::Multi) &&
        std::find(out.begin(), out.end(), var->name) == out.end())
      out.push_back(var->name);
  }
  return out;
}

// One run. request: {csv, codebook, config (file names under /in; config may be ""), encoding ("CP932" when
// the page decoded the file from CP932, else ""), leave_out_rejected (bool: as --rejects), variables (array of
// names to tabulate; absent = the default template's), domains ("all,broad,comparison"), and the command
// line's options as the CLI takes them (each "" or absent = not given): estimate_by (hkstat estimate --by),
// tabulate_by (hkstat tabulate --by), where (--where of both), min_cell (--min-cell of both; a number)}.
void run_impl(const val& req, val& out) {
  const std::string csv = req["csv"].as<std::string>();
  const std::string codebook_name = req["codebook"].isString() ? req["codebook"].as<std::string>() : "";
  const std::string config_name = req["config"].isString() ? req["config"].as<std::string>() : "";
  const std::string decoded_from = req["encoding"].isString() ? req["encoding"].as<std::string>() : "";
  const bool leave_out = req["leave_out_rejected"].isTrue();
  const std::string estimate_by = str(req["estimate_by"]);
  const std::string tabulate_by = str(req["tabulate_by"]);
  const std::string where = str(req["where"]);

  hk::config::RunConfig cfg;
  if (!config_name.empty()) cfg = hk::config::load_run_config(config_name);
  std::string codebook_path = codebook_name;
  if (codebook_path.empty() && cfg.codebook) codebook_path = *cfg.codebook;
  if (codebook_path.empty())
    throw hk::Error(hk::Problem{hk::ErrorCode::CodebookInvalid, hk::SourcePos{csv, 0, 0, "", ""}, "", hk::Text{"コードブックが選ばれていません", "no codebook chosen"},
                                hk::Text{"コードブック（.toml）を選んでください（docs/codebook.md）", "choose the codebook (.toml; docs/codebook.md)"}, ""});
  const hk::codebook::Codebook cb = hk::codebook::load_codebook(codebook_path);
  if (cb.replicates)
    fail(hk::ErrorCode::UsageInvalidOption, "[replicates]", hk::Text{"反復重み（コードブックの [replicates]）はブラウザ版では使えません", "replicate weights (the codebook's [replicates]) are not available in the browser"},
         hk::Text{"コマンド版の hkstat estimate を使ってください", "use the command-line hkstat estimate"});

  hk::data::IngestOptions io;
  // The page hands over UTF-8 (a CP932 file already decoded by the browser); bytes that are neither are
  // reported by the library as UTF-8 errors with their line.
  io.encoding = "utf-8";
  io.required_roles = {hk::codebook::Role::Outing, hk::codebook::Role::Duration};
  io.max_rejected_details = leave_out ? std::numeric_limits<std::size_t>::max() : 10000;
  if (cb.data_file && cb.data_file->rows >= 0) io.expect_rows = static_cast<std::size_t>(cb.data_file->rows);
  // A codebook written by hkstat weight / replicate describes exactly one file (cli/common.cpp resolve_sources).
  // The bytes are the file's unless the page decoded it from CP932 (those files are UTF-8 when hkstat wrote them).
  if (cb.data_file && decoded_from.empty() && hk::io::sha256_file(csv) != cb.data_file->sha256)
    throw hk::Error(hk::Problem{hk::ErrorCode::CodebookInvalid, hk::SourcePos{codebook_path, cb.data_file->line, 0, "", "data_file.sha256"}, "",
                                hk::Text{fmt::format("このコードブックは別のデータファイルのために書かれています（{} の SHA-256 が [data_file] と一致しません）", csv),
                                         fmt::format("this codebook was written for another data file (the SHA-256 of {} does not match [data_file])", csv)},
                                hk::Text{"同じ実行で書かれたデータとコードブック", "the data and codebook of one run"}, ""});
  hk::data::IngestResult in = hk::data::ingest(csv, cb, io);
  if (!decoded_from.empty()) in.data.encoding = decoded_from;

  val warnings = val::array();
  for (const auto& w : in.warnings) warnings.call<void>("push", problem_val(w));
  out.set("warnings", warnings);
  out.set("rows_read", static_cast<double>(in.rows_read));
  out.set("rows_rejected", static_cast<double>(in.rows_rejected));
  if (in.rows_rejected > 0) {
    val problems = val::array();
    std::size_t total = 0;
    for (const auto& r : in.rejected)
      for (const auto& p : r.problems) {
        if (total < 50) problems.call<void>("push", problem_val(p));
        ++total;
      }
    out.set("row_problems", problems);
    out.set("row_problems_total", static_cast<double>(total));
    if (!leave_out) {
      const auto& first = in.rejected.front().problems.front();
      throw hk::Error(hk::Problem{first.code, hk::SourcePos{csv, 0, 0, "", ""}, "",
                                  hk::Text{fmt::format("不正な値のある行が {}行あります（問題 {}件）。何も集計していません", in.rows_rejected, total),
                                           fmt::format("{} rows have invalid values ({} problems); nothing was estimated", in.rows_rejected, total)},
                                  hk::Text{"データを直すか、「不正な値のある行を除いて続行」を選んでください", "fix the data, or choose \"leave out rows with invalid values\""}, ""});
    }
    out.set("rejects_csv", hk::table::rejects_csv(in.rejected)); // the CLI's --rejects file
  }
  if (in.data.rows() == 0)
    throw hk::Error(hk::Problem{hk::ErrorCode::EstimateNoData, hk::SourcePos{csv, 0, 0, "", ""}, "", hk::Text{"有効な回答がありません", "there are no valid responses"},
                                hk::Text{"1行以上の有効な回答", "at least one valid response"}, ""});

  // hkstat estimate
  const hk::classify::RuleSet rs = hk::classify::resolve_ruleset(cfg.ruleset.value_or(hk::classify::kDefaultRuleSet));
  hk::estimate::PrevalenceOptions po = prevalence_options(cfg, cb);
  // --by and --where as cli/commands/estimate.cpp takes them (the same checks, the same library code).
  if (!estimate_by.empty()) po.by = split_commas(estimate_by);
  for (const auto& v : po.by)
    if (v == "age5" || v == "age10" || v == "age2")
      fail(hk::ErrorCode::UsageInvalidOption, v,
           hk::Text{fmt::format("estimate の --by に年齢帯 {} は使えません。年齢の区分は --age-groups で指定します（例: --age-groups 15-39,40-64）", v),
                    fmt::format("estimate's --by takes no age banding ({}); age groups are given with --age-groups (e.g. --age-groups 15-39,40-64)", v)},
           hk::Text{});
  if (!where.empty()) po.where.emplace(where, cb);
  hk::report::DisplayOptions dopt = display_options(cfg);
  // --min-cell (cli/prevalence_options.cpp check_min_cell_option): the suppression of both tables.
  if (req["min_cell"].isNumber()) {
    const double m = req["min_cell"].as<double>();
    if (!(m >= 0 && m <= hk::config::kMaxMinCell) || m != static_cast<double>(static_cast<int>(m)))
      fail(hk::ErrorCode::UsageInvalidOption, fmt::format("{}", m),
           hk::Text{fmt::format("--min-cell は 0～{} です", hk::config::kMaxMinCell), fmt::format("--min-cell must be 0-{}", hk::config::kMaxMinCell)}, hk::Text{});
    dopt.min_cell = static_cast<int>(m);
  }
  dopt.rejected_rows = in.rows_rejected;
  if (in.rows_rejected > 0) dopt.rejects_file = "rejects.csv";
  const hk::classify::Classification cls = hk::classify::classify(in.data, rs);
  hk::estimate::PrevalenceResult result = hk::estimate::estimate_prevalence(in.data, cls, po);
  if (in.data.codebook.roster) { // household members, as hkstat estimate (the run configuration's numerator, else the default)
    const hk::roster::Members members = hk::roster::read_members(in.data);
    const hk::classify::Classification mcls = hk::classify::classify(members.data, rs);
    const auto num = cfg.numerator ? hk::roster::parse_numerator(*cfg.numerator) : std::nullopt;
    hk::estimate::apply_numerator(result, in.data, cls, members, mcls, num.value_or(hk::roster::default_numerator(in.data.codebook)), !num, po);
  }
  const hk::report::Table ptable = hk::report::prevalence_table(result, cls, dopt);
  out.set("estimate_csv", hk::report::render_csv(ptable));
  const hk::report::Document pdoc = hk::report::prevalence_document(result, in.data, cls, dopt);
  out.set("estimate", document_val(pdoc));
  out.set("estimate_machine", table_val(ptable));

  // hkstat classify: the exclusion audit (no respondent ids: the per-respondent table stays in the CLI)
  const hk::report::Table audit = hk::report::audit_table(cls);
  out.set("audit", table_val(audit));
  out.set("audit_csv", hk::report::render_csv(audit));

  // hkstat tabulate --var V1,V2,... --domain D (streamed or not, the same tables)
  std::vector<std::string> vars;
  if (req["variables"].isArray()) {
    const auto n = req["variables"]["length"].as<unsigned>();
    for (unsigned i = 0; i < n; ++i) vars.push_back(req["variables"][i].as<std::string>());
  } else {
    vars = default_variables(cb);
  }
  // Default questions whose column the CSV lacks are left out (as the report template's optional tables); a
  // problem with the distributions is shown beside the estimate, which stands on its own.
  if (!req["variables"].isArray())
    vars.erase(std::remove_if(vars.begin(), vars.end(),
                              [&](const std::string& v) {
                                return std::any_of(in.warnings.begin(), in.warnings.end(), [&](const hk::Problem& w) {
                                  return w.code == hk::ErrorCode::CsvMissingColumn && w.pos.key == v;
                                });
                              }),
               vars.end());
  val dists = val::array();
  if (!vars.empty()) try {
    hk::tabulate::TabulateOptions topt;
    topt.domains = hk::tabulate::parse_domains(req["domains"].isString() ? req["domains"].as<std::string>() : "all,broad,comparison");
    // --by and --where as cli/commands/tabulate.cpp takes them: a column they need must be in the CSV.
    topt.by = hk::tabulate::parse_by(tabulate_by.empty() ? "none" : tabulate_by);
    std::vector<std::string> needed;
    if (topt.by.age != hk::tabulate::AgeBands::None && cb.by_role(hk::codebook::Role::Age)) needed.push_back(cb.by_role(hk::codebook::Role::Age)->name);
    if (topt.by.sex() && cb.by_role(hk::codebook::Role::Sex)) needed.push_back(cb.by_role(hk::codebook::Role::Sex)->name);
    for (const std::string& v : topt.by.variables)
      if (v != "sex") needed.push_back(hk::tabulate::by_variable(cb, v).name);
    if (po.where) {
      topt.where = po.where;
      for (const std::string& v : po.where->variables()) needed.push_back(v);
    }
    for (const auto& w : in.warnings)
      if (w.code == hk::ErrorCode::CsvMissingColumn && std::find(needed.begin(), needed.end(), w.pos.key) != needed.end()) throw hk::Error(w);
    if (cfg.ci_method) topt.ci_method = hk::estimate::parse_ci_method(*cfg.ci_method);
    topt.lonely = po.lonely;
    topt.level = po.level;
    topt.min_cell = dopt.min_cell;
    for (const auto& v : vars) hk::tabulate::tabulated_variable(cb, v);
    // One accumulator for every question, as hkstat tabulate: the questions print the same bases and are
    // suppressed together when one of them hides a base.
    hk::tabulate::TabulateAccumulator acc(vars, topt);
    acc.add(in.data, &cls);
    std::vector<hk::tabulate::Distribution> ds = acc.finish();
    hk::tabulate::DocumentOptions tdopt;
    tdopt.table.percent_decimals = cfg.rate_decimals.value_or(1);
    tdopt.version = dopt.version;
    tdopt.rejected_rows = in.rows_rejected;
    tdopt.rejects_file = dopt.rejects_file;
    for (const auto& d : ds) {
      val dv = val::object();
      dv.set("variable", d.variable);
      dv.set("label", text(d.label));
      dv.set("table", table_val(hk::tabulate::distribution_table(d, tdopt.table)));
      const hk::report::ChartData chart = hk::report::distribution_chart(d, tdopt.table.percent_decimals);
      dv.set("svg", text(hk::Text{hk::report::bar_chart_svg(chart, hk::Lang::Ja), hk::report::bar_chart_svg(chart, hk::Lang::En)}));
      dists.call<void>("push", dv);
    }
    out.set("distributions_csv", hk::report::render_csv(hk::tabulate::combined_table(ds, tdopt.table)));
    out.set("distributions_doc", document_val(hk::tabulate::tabulate_document(ds, in.data, &cls, tdopt)));
  } catch (const hk::Error& e) {
    dists = val::array();
    out.set("distributions_error", problem_val(e.problem()));
  }
  out.set("distributions", dists);
  out.set("version", dopt.version);
  out.set("encoding", in.data.encoding);
  out.set("ok", true);
}

// The result, or on an error {ok: false, error} with what was found before it (e.g. row_problems: the rows
// with invalid values that stopped the run).
val run(val req) {
  val out = val::object();
  try {
    run_impl(req, out);
    return out;
  } catch (const hk::Error& e) {
    out.set("ok", false);
    out.set("error", problem_val(e.problem()));
    return out;
  } catch (const std::exception& e) {
    out.set("ok", false);
    out.set("error", problem_val(hk::Problem{hk::ErrorCode::Internal, hk::SourcePos{}, e.what(), hk::Text{"内部エラー", "internal error"}, hk::Text{}, ""}));
    return out;
  }
}

// The code and multi variables of a codebook, for the page's list of questions to tabulate, and the
// default choice. {ok, variables: [{name, label, multi, default}]} or {ok: false, error}.
val codebook_variables(std::string path) {
  try {
    const hk::codebook::Codebook cb = hk::codebook::load_codebook(path);
    const std::vector<std::string> defaults = default_variables(cb);
    val vars = val::array();
    for (const auto& v : cb.variables) {
      if (v.type != hk::codebook::VarType::Code && v.type != hk::codebook::VarType::Multi) continue;
      val o = val::object();
      o.set("name", v.name);
      o.set("label", v.label);
      o.set("multi", v.type == hk::codebook::VarType::Multi);
      o.set("default", std::find(defaults.begin(), defaults.end(), v.name) != defaults.end());
      vars.call<void>("push", o);
    }
    val out = val::object();
    out.set("ok", true);
    out.set("variables", vars);
    return out;
  } catch (const hk::Error& e) {
    val out = val::object();
    out.set("ok", false);
    out.set("error", problem_val(e.problem()));
    return out;
  }
}

std::string sha256(std::string bytes) { return hk::io::sha256_hex(bytes); }

std::string version() { return fmt::format("hkstat {}", HKSTAT_VERSION); }

} // namespace

EMSCRIPTEN_BINDINGS(hkstat_web) {
  emscripten::function("run", &run);
  emscripten::function("codebookVariables", &codebook_variables);
  emscripten::function("sha256", &sha256);
  emscripten::function("version", &version);
}
