// hkstat report FILE — a report folder: report.md from a Mustache template, one CSV per table, an .xlsx
// workbook and SVG charts (docs/reports.md). Everything is built in memory, then the folder is written
// atomically (temporary directory + rename).
#include "commands/commands.hpp"
#include "common.hpp"
#include "design_options.hpp"
#include "prevalence_options.hpp"
#include "word.hpp"

#include "hkstat/classify/ruleset.hpp"
#include "hkstat/estimate/variance_kind.hpp"
#include "hkstat/io/atomic_dir.hpp"
#include "hkstat/io/output.hpp"
#include "hkstat/io/sha256.hpp"
#include "hkstat/report/report_builder.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>

namespace hkstat::cli {

namespace {


std::string default_out_dir(const std::string& input) { return std::filesystem::path(input).stem().string() + "-report"; }

// A file named in the report, relative to the report folder (`../survey.csv`, `../in/survey.csv`), so that the
// folder can be moved with its inputs and shows no local absolute path. Only for a file under the folder that holds
// the report folder (at most one `..`); anything farther away (a report written to /tmp from /home/…) is named by
// its file name alone — its SHA-256 identifies it — so the report does not depend on where the checkout or the
// home directory is. Resolved lexically (the folder does not exist yet); symbolic links are not followed.
std::string relative_to_report(const std::string& path, const std::string& out_dir) {
  namespace fs = std::filesystem;
  if (path.empty()) return path;
  std::error_code ec;
  const fs::path file = fs::absolute(path, ec).lexically_normal();
  const fs::path dir = fs::absolute(out_dir, ec).lexically_normal();
  if (ec) return fs::path(path).filename().string();
  const fs::path rel = file.lexically_relative(dir);
  std::size_t up = 0;
  for (const auto& part : rel) up += part == "..";
  if (rel.empty() || up > 1) return file.filename().string();
  return rel.generic_string();
}

} // namespace

int run_report(const std::vector<std::string>& args) {
  CommonOptions o;
  std::string out_dir, template_dir, timestamp, by, where;
  DesignArgs da;
  DisplayArgs dargs;
  PrevalenceArgs pa;
  bool force = false, no_bom = false, docx = false;
  OptionBinder b("report");
  add_common_options(b, o);
  b("out-dir", &out_dir);
  b("template", &template_dir);
  b("force", &force);
  b("no-bom", &no_bom);
  b("timestamp", &timestamp);
  b("docx", &docx);
  add_display_options(b, dargs);
  add_prevalence_options(b, pa);
  b("by", &by);
  b("where", &where);
  add_design_options(b, da);
  b.positional("input", &o.input);
  const po::variables_map vm = b.parse(args);
  if (o.input.empty()) usage_error("データファイルを指定してください: hkstat report survey.csv", "give a data file: hkstat report survey.csv");
  require_file_input(o, "report");
  if (vm.count("format")) usage_error("report は --format を使いません（Markdown・CSV・xlsx・SVG をすべて書きます）", "report takes no --format (it writes Markdown, CSV, xlsx and SVG)", o.format);
  if (vm.count("out")) usage_error("report の出力先は --out-dir DIR です", "the report folder is given with --out-dir DIR", o.out);
  if (o.bom && no_bom) usage_error("--bom と --no-bom は同時に指定できません", "--bom and --no-bom cannot be combined");
  if (o.lang != "ja" && o.lang != "en") usage_error("--lang は ja か en です", "--lang must be ja or en", o.lang);

  report::ReportOptions ro;
  ro.lang = o.language();
  ro.bom = !no_bom;
  ro.word = docx;
  std::string timestamp_source = "none";
  if (vm.count("timestamp")) {
    ro.timestamp = report::parse_timestamp(timestamp);
    timestamp_source = timestamp;
  } else if (const char* sde = std::getenv("SOURCE_DATE_EPOCH"); sde && *sde) {
    ro.timestamp = report::timestamp_from_epoch(sde);
    timestamp_source = std::string("SOURCE_DATE_EPOCH=") + sde;
  }
  // The template first: a bad template stops the run before any work.
  const report::ReportTemplate tmpl = template_dir.empty() ? report::builtin_template() : report::load_template(template_dir);
  if (out_dir.empty()) out_dir = default_out_dir(o.input);
  const bool exists = std::filesystem::exists(std::filesystem::symlink_status(out_dir));
  if (exists && !force)
    throw Error(Problem{ErrorCode::IoCannotWrite, SourcePos{out_dir, 0, 0, "", ""}, out_dir, Text{"出力先が既にあります", "the destination already exists"},
                        Text{"新しいディレクトリ名。置き換えるなら --force", "a new directory name, or --force to replace it"}, ""});

  run_outputs().declare_dir(out_dir, "--out-dir");
  run_outputs().add_input(template_dir);
  run_outputs().add_input(dargs.rules);
  run_outputs().add_input(pa.population_file);
  Sources src = resolve_sources(o, {});
  // Without --calibrate, supplied replicate weights and a household roster the report needs no row twice: the
  // data are streamed in batches through the single-pass accumulators of the prevalence and of every table
  // (report::ReportStream; memory flat in the rows), with the same files as from the data set read whole.
  bool streamed = false;
  try {
    const estimate::VarianceKind kind = estimate::resolve_variance_kind(src.codebook, {da.replicates, da.calibrate});
    streamed = !estimate::needs_rows(kind) && !src.codebook.roster;
  } catch (const Error&) {
    streamed = false; // the in-memory path reports the error where it always has
  }
  std::optional<classify::RuleSet> rs;
  // Everything the report needs before its numbers, from the codebook and the reader's warnings (the data set
  // only for supplied replicates and --calibrate, in memory).
  const auto prepare = [&](const config::RunConfig& cfg, const codebook::Codebook& cb, const std::string& codebook_path, const std::vector<Problem>& warnings,
                           const data::Dataset* ds, const std::optional<Calibrated>& cal) {
    const bool population = cb.kind == codebook::SurveyKind::Population;
    if (population) {
      // Classification needs the outing and duration columns: their absence is fatal here.
      for (auto role : {codebook::Role::Outing, codebook::Role::Duration}) {
        const auto* v = cb.by_role(role);
        if (!v)
          throw Error(Problem{ErrorCode::CodebookInvalid, SourcePos{codebook_path, 0, 0, "", ""}, codebook::role_name(role),
                              Text{"住民調査のレポートには外出頻度と期間の役割が必要です", "a population survey report needs the outing and duration roles"},
                              Text{"role = \"outing\" と role = \"duration\" の変数、または [codebook] kind = \"agency\" / \"intake\"",
                                   "variables with role = \"outing\" and \"duration\", or [codebook] kind = \"agency\" / \"intake\""},
                              ""});
        for (const auto& w : warnings)
          if (w.code == ErrorCode::CsvMissingColumn && w.pos.key == v->name) throw Error(w);
      }
      rs = resolve_rules(dargs, cfg);
    }

    ro.prevalence = resolve_prevalence_options(vm, pa, cfg, cb);
    {
      bool num_default = false;
      const roster::Numerator num = resolve_numerator(vm, pa, cfg, cb, num_default);
      if (!cb.roster && num != roster::Numerator::Respondents)
        usage_error(fmt::format("--numerator {} には家族票（コードブックの [roster]）が必要です。{} にはありません", roster::numerator_id(num), cb.path),
                    fmt::format("--numerator {} needs a household roster (the codebook's [roster]); {} has none", roster::numerator_id(num), cb.path),
                    roster::numerator_id(num));
      if (!num_default) ro.numerator = num;
    }
    auto& po_ = ro.prevalence;
    // --by, --where, --replicates, --calibrate as in hkstat estimate; the library passes them on to every table.
    if (!by.empty()) {
      if (!population) usage_error("--by は住民調査（出現率の表）にだけ使えます", "--by applies to population surveys (the prevalence table) only", by);
      po_.by = split_commas(by);
      for (const auto& v : po_.by)
        if (v == "age5" || v == "age10" || v == "age2")
          usage_error(fmt::format("report の --by に年齢帯 {} は使えません。年齢の区分は --age-groups、表の区分は tables.toml の by で指定します", v),
                      fmt::format("report's --by takes no age banding ({}); age groups are given with --age-groups, a table's breakdown with by in tables.toml", v), v);
    }
    if (vm.count("where")) po_.where.emplace(where, cb);
    if (ds) apply_replicates(da, *ds, po_);
    else apply_created_replicates(da, po_);
    if (cal) {
      po_.calibration = cal->calibration;
      po_.weighting = cal->weighting;
    }
    ro.ci_method = po_.ci_method;
    ro.level = po_.level;

    auto& d = ro.display;
    d = resolve_display_options(vm, dargs, cfg);
    d.rejects_file = o.rejects;

    auto& pv = ro.provenance;
    pv.version = version_string();
    // Inputs are named relative to the report folder, with their hashes: no absolute local path in the report.
    pv.input = relative_to_report(o.input, out_dir);
    pv.input_sha256 = io::sha256_file(o.input);
    pv.codebook = relative_to_report(codebook_path, out_dir);
    pv.codebook_sha256 = io::sha256_file(codebook_path);
    if (po_.population.source != "--population") po_.population.source = relative_to_report(po_.population.source, out_dir);
    if (!template_dir.empty()) pv.template_path = relative_to_report(template_dir, out_dir);
    if (!cfg.path.empty()) {
      pv.config = relative_to_report(cfg.path, out_dir);
      pv.config_sha256 = io::sha256_file(cfg.path);
    }
    std::string group_text;
    for (const auto& g : po_.groups) group_text += (group_text.empty() ? "" : ",") + g.id();
    pv.options = {{"lang", o.lang},
                  {"rules", rs ? rs->display_id() : std::string("-")},
                  {"template", template_dir.empty() ? tmpl.source : relative_to_report(template_dir, out_dir)},
                  {"timestamp", timestamp_source},
                  {"bom", ro.bom ? "yes" : "no"},
                  {"min-cell", std::to_string(d.min_cell)},
                  {"ci", po_.ci_method ? estimate::ci_method_name(*po_.ci_method) : std::string("default")},
                  {"level", fmt::format("{}", po_.level)},
                  {"age-groups", group_text.empty() ? std::string("none") : group_text},
                  {"rate-rounding", po_.rate_rounding ? std::to_string(*po_.rate_rounding) : std::string("none")},
                  {"rate-decimals", std::to_string(d.rate_decimals)},
                  {"persons-unit", d.persons_unit == report::PersonsUnit::Man ? "man" : "person"}};
    if (docx) pv.options.emplace_back("docx", "yes");
    if (!by.empty()) pv.options.emplace_back("by", by);
    if (vm.count("where")) pv.options.emplace_back("where", where);
    if (!da.replicates.empty()) pv.options.emplace_back("replicates", da.replicates);
    if (!da.replicates.empty() && (da.replicates == "bootstrap" || da.replicates == "subbootstrap")) {
      pv.options.emplace_back("replicates-n", std::to_string(da.replicates_n));
      pv.options.emplace_back("seed", std::to_string(da.seed));
    }
    if (da.calibrate) pv.options.emplace_back("calibrate", "yes");
  };

  report::ReportOutput out;
  if (streamed) {
    // What build_report would refuse after reading the data is refused after reading it here too (the data's
    // own errors first): an error of the preparation is kept, the file still read, then the error thrown.
    std::exception_ptr pending;
    std::optional<report::ReportStream> stream;
    std::vector<Problem> warnings;
    StreamedMeta meta = stream_input(
        o, src, 2, std::cerr,
        [&](const std::vector<Problem>& w) {
          warnings = w;
          try {
            prepare(src.config, src.codebook, src.codebook_path, warnings, nullptr, std::nullopt);
            stream.emplace(src.codebook, warnings, rs ? &*rs : nullptr, tmpl, ro);
          } catch (...) {
            pending = std::current_exception();
          }
        },
        [&](const data::Dataset& batch) {
          if (stream) stream->add(batch);
        },
        /*allow_no_rows=*/true);
    if (pending) std::rethrow_exception(pending);
    if (meta.rows == 0) { // no valid rows: the in-memory report of the empty data set says why
      data::IngestResult empty;
      empty.data = std::move(meta.meta);
      empty.warnings = std::move(warnings);
      empty.rows_rejected = meta.rows_rejected;
      out = report::build_report(empty, rs ? &*rs : nullptr, tmpl, ro);
    } else {
      out = stream->finish(meta.meta, meta.rows, meta.rows_rejected, warnings);
    }
  } else {
    Inputs in = load_sources(o, std::move(src), std::cerr);
    // --calibrate: the report is of the rows with a positive weight, weighted as hkstat weight would (in memory),
    // with calibration-aware SEs, as hkstat estimate --calibrate.
    std::optional<Calibrated> cal;
    if (da.calibrate) {
      cal = calibrate_data(in.ingest.data, in.config);
      in.ingest.data = std::move(cal->data);
    }
    prepare(in.config, in.ingest.data.codebook, in.codebook_path, in.ingest.warnings, &in.ingest.data, cal);
    out = report::build_report(in.ingest, rs ? &*rs : nullptr, tmpl, ro);
  }
  // The Word edition: pandoc, run here (never by the library), before anything is written, so that the folder
  // is written whole, with report.docx, or not at all.
  if (out.word) out.files.insert(out.files.begin() + 2, {"report.docx", docx_with_pandoc(*out.word, out.files)});
  io::DirectoryWriteOptions wo;
  wo.replace = force;
  wo.replaceable = report::is_report_file;
  const bool en = o.language() == Lang::En;
  std::string listing = en ? fmt::format("report written to {}/\n", out_dir) : fmt::format("レポートを書き出しました: {}/\n", out_dir);
  for (const auto& [name, content] : out.files) listing += "  " + name + "\n";
  for (const auto& [id, why] : out.skipped) listing += en ? fmt::format("  (table {} left out: {})\n", id, why.en) : fmt::format("  （表 {} は省略: {}）\n", id, why.ja);
  run_outputs().stage_dir(out_dir, out.files, wo, "--out-dir");
  stage_stdout(std::move(listing));
  return kExitOk;
}

} // namespace hkstat::cli
