// hkstat report FILE — a report folder: report.md from a Mustache template, one CSV per table, an .xlsx
// workbook and SVG charts (docs/reports.md). Everything is built in memory, then the folder is written
// atomically (temporary directory + rename).
#include "commands/commands.hpp"
#include "common.hpp"
#include "design_options.hpp"
#include "prevalence_options.hpp"
#include "word.hpp"

#include "hkstat/api/report_folder.hpp"
#include "hkstat/io/atomic_dir.hpp"
#include "hkstat/io/output.hpp"
#include "hkstat/report/report_builder.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>

namespace hkstat::cli {

int run_report(const std::vector<std::string>& args) {
  CommonOptions o;
  std::string out_dir, template_dir, timestamp, by, where;
  DesignArgs da;
  DisplayArgs dargs;
  PrevalenceArgs pa;
  bool force = false, no_bom = false, docx = false;
  int threads = 2;
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
  b("threads", &threads);
  add_design_options(b, da);
  b.positional("input", &o.input);
  const po::variables_map vm = b.parse(args);
  if (o.input.empty()) usage_error("データファイルを指定してください: hkstat report survey.csv", "give a data file: hkstat report survey.csv");
  if (vm.count("format")) usage_error("report は --format を使いません（Markdown・CSV・xlsx・SVG をすべて書きます）", "report takes no --format (it writes Markdown, CSV, xlsx and SVG)", o.format);
  if (vm.count("out")) usage_error("report の出力先は --out-dir DIR です", "the report folder is given with --out-dir DIR", o.out);
  if (o.bom && no_bom) usage_error("--bom と --no-bom は同時に指定できません", "--bom and --no-bom cannot be combined");
  if (o.lang != "ja" && o.lang != "en") usage_error("--lang は ja か en です", "--lang must be ja or en", o.lang);
  if (threads < 1 || threads > 64) usage_error("--threads は 1～64 です", "--threads must be 1 to 64", std::to_string(threads));

  // The report is built by the library (api/report_folder.hpp: the facade's api::report calls the same code); the
  // command checks its flags first, so that its messages name them, and writes the folder with its other outputs.
  api::ReportFolderOptions ro;
  ro.lang = o.language();
  ro.bom = !no_bom;
  ro.template_dir = template_dir;
  api::ReportRun run;
  run.word = docx;
  run.timestamp_source = "none";
  if (vm.count("timestamp")) {
    run.timestamp = report::parse_timestamp(timestamp);
    run.timestamp_source = timestamp;
  } else if (const char* sde = std::getenv("SOURCE_DATE_EPOCH"); sde && *sde) {
    run.timestamp = report::timestamp_from_epoch(sde);
    run.timestamp_source = std::string("SOURCE_DATE_EPOCH=") + sde;
  }
  // The template first: a bad template stops the run before any work.
  const report::ReportTemplate tmpl = template_dir.empty() ? report::builtin_template() : report::load_template(template_dir);
  if (out_dir.empty()) out_dir = api::default_report_dir(o.input);
  ro.out_dir = out_dir;
  const bool exists = std::filesystem::exists(std::filesystem::symlink_status(out_dir));
  if (exists && !force)
    throw Error(Problem{ErrorCode::IoCannotWrite, SourcePos{out_dir, 0, 0, "", ""}, out_dir, Text{"出力先が既にあります", "the destination already exists"},
                        Text{"新しいディレクトリ名。置き換えるなら --force", "a new directory name, or --force to replace it"}, ""});

  run_outputs().declare_dir(out_dir, "--out-dir");
  run_outputs().add_input(template_dir);
  run_outputs().add_input(dargs.rules);
  run_outputs().add_input(pa.population_file);
  Sources src = resolve_sources(o, {});
  // The report records the SHA-256 of the bytes it read, hashed as the first pass reads them (a regular file is not
  // read again for it, standard input or a FIFO needs no copy for it) and taken after the data.
  hash_first_pass(o, src);
  run.input_sha256 = src.input_sha256;
  // Without --calibrate and supplied replicate weights the report needs no row twice (a household roster too): the
  // data are streamed in batches through the single-pass accumulators of the prevalence and of every table
  // (api::ReportFolderStream, the library's report path; memory flat in the rows), with the same files as from the
  // data set read whole.
  api::ReportFolderOptions probe;
  probe.estimate.calibrate = da.calibrate;
  const bool streamed = api::report_folder_streamable(probe);
  // --calibrate (any method, with or without a psu column, any --ci, any input: calibration_streams)
  // reads the file twice (calibrated_passes): the combination table and fit, then the calibrated rows into the
  // calibrated report stream (the prevalence and every table from per-(PSU, combination) sums). Other calibrations
  // read the data whole.
  const bool cal_streamed = da.calibrate && da.replicates.empty() && calibration_streams(o, src, true);
  // Its second pass reads standard input or a FIFO from a copy made as the first reads it.
  if (cal_streamed) read_more_than_once(o, src);
  // The flags' checks, from the run configuration and the codebook, so that the messages name them.
  const auto check_flags = [&](const config::RunConfig& cfg, const codebook::Codebook& cb) {
    ro.estimate = estimate_options(vm, pa); // the flags' errors, naming them
    bool num_default = false;
    const roster::Numerator num = resolve_numerator(vm, pa, cfg, cb, num_default);
    if (!cb.roster && num != roster::Numerator::Respondents)
      usage_error(fmt::format("--numerator {} には家族票（コードブックの [roster]）が必要です。{} にはありません", roster::numerator_id(num), cb.path),
                  fmt::format("--numerator {} needs a household roster (the codebook's [roster]); {} has none", roster::numerator_id(num), cb.path),
                  roster::numerator_id(num));
    ro.estimate.numerator = pa.numerator;
    ro.estimate.rules = dargs.rules;
    // --by, --where, --replicates, --calibrate as in hkstat estimate; the library passes them on to every table.
    if (!by.empty()) {
      if (cb.kind != codebook::SurveyKind::Population)
        usage_error("--by は住民調査（出現率の表）にだけ使えます", "--by applies to population surveys (the prevalence table) only", by);
      ro.estimate.by = split_commas(by);
      for (const auto& v : ro.estimate.by)
        if (v == "age5" || v == "age10" || v == "age2")
          usage_error(fmt::format("report の --by に年齢帯 {} は使えません。年齢の区分は --age-groups、表の区分は tables.toml の by で指定します", v),
                      fmt::format("report's --by takes no age banding ({}); age groups are given with --age-groups, a table's breakdown with by in tables.toml", v), v);
    }
    if (vm.count("where")) ro.estimate.where = where;
    if (!da.replicates.empty() || cb.replicates) {
      if (da.calibrate)
        usage_error("反復重み（--replicates またはコードブックの [replicates]）と --calibrate は同時に使えません",
                    "replicate weights (--replicates or the codebook's [replicates]) and --calibrate cannot be combined");
      Text label;
      const bool supplied = !cb.all_by_role(codebook::Role::Replicate).empty();
      if (!supplied) created_replicates(da, label); // the flags' errors
    }
    ro.estimate.replicates = da.replicates;
    ro.estimate.replicates_n = da.replicates_n;
    ro.estimate.seed = da.seed;
    ro.estimate.calibrate = da.calibrate;
    const report::DisplayOptions d = resolve_display_options(vm, dargs, cfg); // the flags' errors, naming them
    ro.rate_decimals = d.rate_decimals;
    ro.min_cell = d.min_cell;
    ro.persons_unit = d.persons_unit == report::PersonsUnit::Man ? "man" : "person";
    run.rejects_file = o.rejects;
  };

  report::ReportOutput out;
  if (streamed) {
    // What the in-memory path refuses after reading the data is refused after reading it here too (the data's
    // own errors first): an error of the checks is kept, the file still read, then the error thrown.
    std::exception_ptr pending;
    std::optional<api::ReportFolderStream> stream;
    std::vector<Problem> warnings;
    StreamedMeta meta = stream_input(
        o, src, threads, std::cerr,
        [&](const std::vector<Problem>& w) {
          warnings = w;
          try {
            check_flags(src.config, src.codebook);
            stream.emplace(src.codebook, warnings, o.input, src.codebook_path, src.config, tmpl, ro, run);
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
      out = api::build_report_folder(empty, o.input, src.codebook_path, src.config, tmpl, ro, run);
    } else {
      out = stream->finish(meta.meta, meta.rows, meta.rows_rejected, warnings);
    }
  } else if (cal_streamed) {
    std::vector<Problem> warnings;
    std::optional<api::ReportFolderStream> stream;
    data::Dataset cmeta; // the calibrated rows' input without rows (the codebook of data::with_weights)
    const CalibratedPasses passes = calibrated_passes(
        o, src, threads, std::cerr, [&](const std::vector<Problem>& w) { warnings = w; }, [](const data::Dataset&) {}, [] {},
        [&](std::shared_ptr<const estimate::CombinationCalibration> fit, const StreamedMeta& meta) {
          cmeta = data::with_weights(meta.meta, {}, {}, src.config.weighting->weight_name);
          check_flags(src.config, cmeta.codebook);
          stream.emplace(cmeta.codebook, warnings, o.input, src.codebook_path, src.config, tmpl, ro, run, std::move(fit));
        },
        [&](const data::Dataset& part, const std::vector<std::size_t>& comb, const std::vector<double>& input) { stream->add(part, comb, input); },
        [&](const data::Dataset& batch) { stream->add_read(batch); }); // every valid row: a roster's members, as estimate
    stream->set_weighting(passes.weighting);
    out = stream->finish(cmeta, passes.weighted, passes.meta.rows_rejected, warnings);
  } else {
    Inputs in = load_sources(o, std::move(src), std::cerr);
    const auto& cfg = in.config;
    if (da.calibrate && !cfg.weighting) calibrate_data(in.ingest.data, cfg); // its usage error, naming --calibrate
    check_flags(cfg, in.ingest.data.codebook);
    out = api::build_report_folder(in.ingest, o.input, in.codebook_path, cfg, tmpl, ro, run);
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
