// hkstat estimate FILE — prevalence of 広義 / 狭義 / 準 and the estimated number of people.
#include "commands/commands.hpp"
#include "commands/statistic.hpp"
#include "common.hpp"
#include "design_options.hpp"
#include "prevalence_options.hpp"

#include "hkstat/estimate/variance_kind.hpp"

#include "hkstat/api/design_options.hpp"
#include "hkstat/estimate/calibrated_sums.hpp"
#include "hkstat/weights/apply.hpp"

#include "hkstat/classify/classify.hpp"
#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/numerator.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/estimate/prevalence_accumulator.hpp"
#include "hkstat/report/estimate_report.hpp"
#include "hkstat/io/csv_reader.hpp"

#include <algorithm>
#include <exception>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include <iostream>

namespace hkstat::cli {

namespace {

struct StreamedInput {
  estimate::PrevalenceResult result;
  StreamedMeta meta;
};

// The streaming estimate: read a batch, classify it, add it to the accumulator, next. The same numbers
// as estimate_prevalence on the whole file, bit for bit (tests/unit/test_prevalence_accumulator.cpp,
// "streaming ... agree bitwise").
StreamedInput stream_prevalence(const CommonOptions& o, const Sources& src, const classify::RuleSet& rs, const estimate::PrevalenceOptions& po,
                                int threads, std::ostream& err) {
  estimate::PrevalenceAccumulator acc(po);
  StreamedInput out;
  out.meta = stream_input(o, src, threads, err, {}, [&](const data::Dataset& batch) { acc.add(batch, classify::classify(batch, rs)); });
  out.result = acc.finish();
  return out;
}

// The streaming estimate with household members (codebook [roster]): the respondents go to the prevalence
// accumulator, respondents and members to the members' stream (estimate::MemberStream, as `report` streams them: the
// numerator accumulator's per PSU and cell Σ w·num and Σ w·den, estimate/numerator.hpp), the members classified by
// the same rule-set. Where the members come from is the one difference between the two roster forms:
//   wide: the members are columns of their respondent's row, read from each batch (memory flat in the rows);
//   long: a member file linked by respondent id, read first in batches, keeping of each member only what the estimate
//         needs, by respondent id (estimate::LongMemberIndex: bounded by the members, not flat); each respondent
//         row's members are then looked up by its id.
// The members' errors come after the respondents' estimate's, as when the data are read whole.
StreamedInput stream_prevalence_members(const CommonOptions& o, const Sources& src, const classify::RuleSet& rs,
                                        const estimate::PrevalenceOptions& po, roster::Numerator num, bool num_default, int threads,
                                        std::ostream& err) {
  estimate::PrevalenceAccumulator acc(po);
  estimate::MemberStream members(src.codebook, po, num, num_default, /*calibrated=*/false, rs, kStreamBatchRows);
  StreamedInput out;
  out.meta = stream_input(o, src, threads, err, {}, [&](const data::Dataset& batch) {
    const classify::Classification cls = classify::classify(batch, rs);
    acc.add(batch, cls);
    members.add(batch, cls);
  });
  out.result = acc.finish();
  members.finish(out.result, src.codebook, out.meta.meta.source);
  return out;
}

// `estimate --calibrate` in two passes, memory flat in the rows (docs/performance.md, "Seventh session, calst").
// Pass 1: the uncalibrated estimate (as stream_prevalence) and the combination table of the weighting
// (weights::WeightingStream; an error of the tables or of a row's weighting is kept until the file has been read,
// so the data's own errors come first, as when the file was read whole); fit. Pass 2: each batch weighted
// (WeightingStream::weigh), its rows with a nonzero weight into the calibrated accumulator with their combination
// and input weight (estimate/calibrated_sums.hpp). The same rows, weights, estimates and calibration-aware SEs as
// api::calibrate and estimate_prevalence on the data read whole (to rounding: tests/unit/test_calibrated_stream.cpp).
struct CalibratedStream {
  estimate::PrevalenceResult before, after;
  StreamedMeta meta;
};

// With a household roster (codebook [roster]) the calibrated estimate is the respondents' (the numerator hook
// refuses --calibrate when a members numerator is asked for; the codebook's default falls back to respondents and
// says why): of the members it keeps only what the estimate on the data read whole says of them, as `report
// --calibrate` does (estimate::MemberStream, calibrated): the members of every valid row (pass 2's batches as read: a
// wide roster's from each batch, a long member file read first, its respondent ids found) and the respondents' cases
// among the calibrated rows. The refusal and the members' errors are thrown where the data read whole meet them: after
// the calibrated estimate.
CalibratedStream stream_calibrated(const CommonOptions& o, const Sources& src, const classify::RuleSet& rs, const estimate::PrevalenceOptions& po,
                                   roster::Numerator num, bool num_default, int threads, std::ostream& err) {
  CalibratedStream out;
  estimate::PrevalenceAccumulator acc(po);
  std::optional<estimate::PrevalenceAccumulator> cacc;
  std::optional<estimate::MemberStream> members;
  if (src.codebook.roster) {
    // The codebook of the calibrated rows (data::with_weights), as the data read whole give the hook.
    data::Dataset shape;
    shape.codebook = src.codebook;
    shape.columns.resize(shape.codebook.variables.size());
    for (std::size_t vi = 0; vi < shape.columns.size(); ++vi) shape.columns[vi].var = &shape.codebook.variables[vi];
    const codebook::Codebook cb = data::with_weights(shape, {}, {}, src.config.weighting->weight_name).codebook;
    members.emplace(cb, po, num, num_default, /*calibrated=*/true, rs, kStreamBatchRows);
  }
  CalibratedPasses passes = calibrated_passes(
      o, src, threads, err, {}, [&](const data::Dataset& batch) { acc.add(batch, classify::classify(batch, rs)); }, [&] { out.before = acc.finish(); },
      [&](std::shared_ptr<const estimate::CombinationCalibration> cal, const StreamedMeta&) { cacc.emplace(po, std::move(cal)); },
      [&](const data::Dataset& part, const std::vector<std::size_t>& comb, const std::vector<double>& input) {
        const classify::Classification cls = classify::classify(part, rs);
        cacc->add(part, cls, comb, input);
        if (members) members->add_calibrated(part, cls);
      },
      [&](const data::Dataset& batch) {
        if (members) members->add_read(batch);
      });
  out.meta = std::move(passes.meta);
  out.after = cacc->finish();
  out.after.weighting = std::move(passes.weighting);
  if (members) members->finish(out.after, src.codebook, out.meta.meta.source);
  return out;
}

} // namespace

int run_estimate(const std::vector<std::string>& args) {
  CommonOptions o;
  std::string table = "prevalence", by, where, stat = "prevalence", var, denominator;
  int threads = 2;
  DisplayArgs dargs;
  PrevalenceArgs pa;
  DesignArgs da;
  OptionBinder b("estimate");
  add_common_options(b, o);
  add_display_options(b, dargs);
  b("table", &table);
  b("by", &by);
  b("where", &where);
  b("threads", &threads);
  b("stat", &stat);
  b("var", &var);
  b("denominator", &denominator);
  add_design_options(b, da);
  add_prevalence_options(b, pa);
  b.positional("input", &o.input);
  const po::variables_map vm = b.parse(args);
  if (o.input.empty()) usage_error("データファイルを指定してください: hkstat estimate survey.csv", "give a data file: hkstat estimate survey.csv");
  if (stat != "prevalence") {
    // Totals, means and ratios (commands/statistic.cpp); --table is the prevalence's.
    if (vm.count("table")) usage_error("--table は --stat prevalence の表です", "--table is for --stat prevalence", table);
    return run_estimate_statistic(StatisticArgs{stat, var, denominator, by, where, threads}, o, vm, dargs, pa, da);
  }
  if (!var.empty() || !denominator.empty())
    usage_error("--var と --denominator は --stat total・mean・ratio で使います", "--var and --denominator go with --stat total, mean or ratio", var);
  const Format format = o.output_format();
  if (table != "prevalence" && table != "differences" && table != "weighting")
    usage_error("--table は prevalence, differences, weighting のいずれかです", "--table must be prevalence, differences or weighting", table);
  if (threads < 1 || threads > 64) usage_error("--threads は 1～64 です", "--threads must be 1 to 64", std::to_string(threads));

  run_outputs().add_input(dargs.rules);
  run_outputs().add_input(pa.population_file);
  Sources src = resolve_sources(o, {codebook::Role::Outing, codebook::Role::Duration});
  const auto& cfg = src.config;

  const classify::RuleSet rs = resolve_rules(dargs, cfg);

  estimate::PrevalenceOptions po_ = resolve_prevalence_options(vm, pa, cfg, src.codebook);
  if (!by.empty()) po_.by = split_commas(by);
  // --by names variables in every command; the age bandings of tabulate and compare (age5, age10, age2) are the
  // estimate's --age-groups.
  for (const auto& v : po_.by)
    if (v == "age5" || v == "age10" || v == "age2")
      usage_error(fmt::format("estimate の --by に年齢帯 {} は使えません。年齢の区分は --age-groups で指定します（例: --age-groups 15-39,40-64）", v),
                  fmt::format("estimate's --by takes no age banding ({}); age groups are given with --age-groups (e.g. --age-groups 15-39,40-64)", v), v);
  if (vm.count("where")) po_.where.emplace(where, src.codebook);
  if (!da.calibrate && table == "weighting") usage_error("--table weighting には --calibrate が必要です", "--table weighting needs --calibrate");

  // Household members (codebook [roster]): what the numerator and denominator count.
  bool num_default = false;
  const roster::Numerator num = resolve_numerator(vm, pa, cfg, src.codebook, num_default);
  const bool has_roster = src.codebook.roster.has_value();
  if (!has_roster && num != roster::Numerator::Respondents)
    usage_error(fmt::format("--numerator {} には家族票（コードブックの [roster]）が必要です。{} にはありません", roster::numerator_id(num), src.codebook.path),
                fmt::format("--numerator {} needs a household roster (the codebook's [roster]); {} has none", roster::numerator_id(num), src.codebook.path),
                roster::numerator_id(num));

  // Without --calibrate the estimate needs no row twice: the data are streamed in batches through the
  // single-pass accumulator (memory flat in the rows; docs/cli.md), also with supplied replicate columns (summed
  // per domain and replicate). A household roster streams too (stream_prevalence_members: a wide one from the
  // respondents' rows, a long one with its members by respondent id), also with supplied replicate columns (the
  // members' sums per cell and replicate). --calibrate reads a file twice where calibration_streams() says so
  // (stream_calibrated, a roster included: what the numerator hook says of its members); otherwise it reads the data
  // whole.
  // The variance kind: one value, resolved by the library from the codebook and the request.
  const estimate::VarianceKind kind = estimate::resolve_variance_kind(src.codebook, {da.replicates, da.calibrate});
  std::optional<Inputs> in;
  std::optional<StreamedInput> streamed;
  std::optional<estimate::PrevalenceResult> before;
  std::optional<classify::Classification> in_cls;
  const bool supplied = kind == estimate::VarianceKind::SuppliedReplicates;
  std::optional<estimate::PrevalenceResult> after;
  if (da.calibrate && calibration_streams(o, src, true)) {
    read_more_than_once(o, src);
    CalibratedStream cs = stream_calibrated(o, src, rs, po_, num, num_default, threads, std::cerr);
    streamed = StreamedInput{std::move(cs.before), std::move(cs.meta)};
    before = std::move(streamed->result);
    after = std::move(cs.after);
  } else if (!estimate::needs_rows(kind) && !has_roster) {
    if (supplied) apply_replicate_columns(da, src.codebook, po_);
    else apply_created_replicates(da, po_);
    streamed = stream_prevalence(o, src, rs, po_, threads, std::cerr);
    before = std::move(streamed->result);
  } else if (!estimate::needs_rows(kind)) {
    if (supplied) apply_replicate_columns(da, src.codebook, po_);
    else apply_created_replicates(da, po_);
    streamed = stream_prevalence_members(o, src, rs, po_, num, num_default, threads, std::cerr);
    before = std::move(streamed->result);
  } else {
    in = load_inputs(o, {codebook::Role::Outing, codebook::Role::Duration}, std::cerr);
    apply_replicates(da, in->ingest.data, po_);
    in_cls = classify::classify(in->ingest.data, rs);
    before = estimate::estimate_prevalence(in->ingest.data, *in_cls, po_);
  }

  // --calibrate read whole: the weights of `hkstat weight` computed in memory, then the same estimate on the rows
  // with a positive weight, with calibration-aware standard errors.
  std::optional<data::Dataset> cdata;
  std::optional<classify::Classification> ccls;
  std::optional<estimate::PrevalenceOptions> calibrated_opt;
  if (da.calibrate && !after) {
    Calibrated cal = calibrate_data(in->ingest.data, cfg);
    cdata = std::move(cal.data);
    ccls = classify::classify(*cdata, rs);
    estimate::PrevalenceOptions copt = po_;
    copt.calibration = std::move(cal.calibration);
    copt.weighting = std::move(cal.weighting);
    after = estimate::estimate_prevalence(*cdata, *ccls, copt);
    calibrated_opt = std::move(copt);
  }
  // The members of every valid row are read from the respondents' rows (wide) or the member file (long) and classified
  // by the same rule-set (estimate::apply_members); the numerator hook replaces the cells of all ages and the age groups (estimate/numerator.hpp; it
  // refuses --calibrate, another --ci than wald and a --by / --where variable the members are not asked, unless the
  // numerator is respondents).
  if (has_roster && !streamed) {
    if (after) estimate::apply_members(*after, in->ingest.data, *cdata, *ccls, num, num_default, *calibrated_opt);
    else estimate::apply_members(*before, in->ingest.data, in->ingest.data, *in_cls, num, num_default, po_);
  }
  const estimate::PrevalenceResult& result = after ? *after : *before;
  const data::Dataset& rdata = cdata ? *cdata : in ? in->ingest.data : streamed->meta.meta;
  const classify::Classification rcls = ccls ? *ccls : classify::Classification{rs, {}, {}};

  report::DisplayOptions dopt = resolve_display_options(vm, dargs, cfg);
  dopt.version = version_string();
  dopt.rejected_rows = in ? in->ingest.rows_rejected : streamed->meta.rows_rejected;
  dopt.rejects_file = o.rejects;

  switch (format) {
  case Format::Csv:
    if (table == "differences") emit(o, report::render_csv(report::differences_table(result, dopt)), o.bom);
    else if (table == "weighting") emit(o, report::render_csv(report::weighting_comparison_table(*before, result, dopt)), o.bom);
    else emit(o, report::render_csv(report::prevalence_table(result, rcls, dopt)), o.bom);
    break;
  case Format::Markdown:
  case Format::Text: {
    report::Document doc = report::prevalence_document(result, rdata, rcls, dopt);
    if (after) doc.tables.push_back(report::weighting_comparison_table(*before, *after, dopt));
    emit(o, format == Format::Text ? report::render_text(doc, o.language()) : report::render_markdown(doc, o.language()), false);
    break;
  }
  }
  return kExitOk;
}

} // namespace hkstat::cli
