// The report folder (hkstat/api/report_folder.hpp, api::report): one path for `hkstat report` and the facade.
// Its own file: the browser edition (web/CMakeLists.txt) builds no report folder (xlsx, atomic_dir).
#include "hkstat/api/report_folder.hpp"

#include "facade.hpp"
#include "hkstat/api/design_options.hpp"
#include "hkstat/classify/ruleset.hpp"
#include "hkstat/data/copy.hpp"
#include "hkstat/estimate/variance_kind.hpp"
#include "hkstat/io/atomic_dir.hpp"
#include "hkstat/io/csv_reader.hpp"
#include "hkstat/io/sha256.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <system_error>

namespace hkstat::api {

using namespace detail;

std::string default_report_dir(const std::string& data_path) {
  return (data_path == "-" ? std::string("stdin") : std::filesystem::path(data_path).stem().string()) + "-report";
}

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

namespace {

// The input's SHA-256, once its last row has been read: of the bytes read (ReportRun::input_sha256) or of the file.
std::string input_sha256(const std::string& data_path, const std::shared_ptr<io::InputSha256>& read) {
  return read ? read->hex() : io::sha256_file(data_path);
}

// The report's options and rule-set, resolved before its numbers.
struct Prepared {
  report::ReportOptions ro;
  std::optional<classify::RuleSet> rs;
};

// Everything the report needs before its numbers, from the codebook and the reader's warnings: the checks of the
// options (in this order for both paths), the estimate's options and the provenance. `ds`: the data set read whole
// (supplied replicate weights), or null for a streamed report (report_folder_streamable: created replicates at
// most); `cal`: the calibration, if any (the data set whole).
void prepare(Prepared& p, const codebook::Codebook& cb, const std::vector<Problem>& warnings, const data::Dataset* ds, const Calibrated* cal,
             const std::string& data_path, const std::string& codebook_path, const config::RunConfig& cfg, const report::ReportTemplate& tmpl,
             const ReportFolderOptions& options, const ReportRun& run) {
  report::ReportOptions& ro = p.ro;
  std::optional<classify::RuleSet>& rs = p.rs;
  const std::string out_dir = options.out_dir.empty() ? default_report_dir(data_path) : options.out_dir;
  const EstimateOptions& eo = options.estimate;
  ro.lang = options.lang;
  ro.bom = options.bom;
  ro.word = run.word;
  std::string timestamp_source = "none";
  if (run.timestamp) {
    ro.timestamp = run.timestamp;
    timestamp_source = run.timestamp_source;
  } else if (!options.timestamp.empty()) {
    ro.timestamp = report::parse_timestamp(options.timestamp);
    timestamp_source = options.timestamp;
  }
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
    rs = classify::resolve_ruleset(or_default(eo.rules, cfg.ruleset, classify::kDefaultRuleSet));
  }
  if (!eo.by.empty()) {
    if (!population) invalid(fmt::format("{}", fmt::join(eo.by, ",")), Text{"‹by› は住民調査（出現率の表）にだけ使えます", "‹by› applies to population surveys (the prevalence table) only"},
                             Text{"住民調査のデータ", "the data of a population survey"});
    for (const auto& v : eo.by)
      if (v == "age5" || v == "age10" || v == "age2")
        invalid(v, Text{fmt::format("レポートの ‹by› に年齢帯 {} は使えません。年齢の区分は ‹age-groups›、表の区分は tables.toml の by で指定します", v),
                        fmt::format("the report's ‹by› takes no age banding ({}); age groups are given with ‹age-groups›, a table's breakdown with by in tables.toml", v)},
                Text{"コード変数の名前", "the name of a code variable"});
  }
  ro.prevalence = prevalence_options(cfg, cb, eo); // by, where
  {
    const std::string& asked = !eo.numerator.empty() ? eo.numerator : cfg.numerator.value_or("");
    if (!asked.empty()) {
      const auto num = roster::parse_numerator(asked);
      if (!num)
        throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{"", 0, 0, "", "numerator"}, asked, Text{"未知の分子の数え方です", "unknown numerator"},
                            Text{"respondents, respondents+members, persons", "respondents, respondents+members, persons"}, ""});
      if (!cb.roster && *num != roster::Numerator::Respondents)
        throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{cb.path, 0, 0, "", "numerator"}, asked,
                            Text{"家族内の該当者を数えるには家族票（コードブックの [roster]）が必要です", "counting household members needs a household roster (the codebook's [roster])"},
                            Text{"respondents", "respondents"}, ""});
      ro.numerator = *num;
    }
  }
  auto& po = ro.prevalence;
  Variance v;
  if (ds) {
    v = variance_of(*ds, eo.replicates, eo.replicates_n, eo.seed, eo.calibrate, po.lonely);
  } else { // streamed: the supplied columns summed as the rows come (as variance_of's design), or replicates created from the design
    if (estimate::resolve_variance_kind(cb, {eo.replicates, eo.calibrate}) == estimate::VarianceKind::SuppliedReplicates)
      po.replicate_columns = supplied_replicate_options(cb, eo.replicates, v.label);
    else if (!eo.replicates.empty())
      v.request = created_replicates(eo.replicates, eo.replicates_n, eo.seed, v.label);
  }
  po.replicate_request = v.request;
  po.replicates = std::move(v.design);
  if (po.replicate_request || po.replicates || po.replicate_columns) po.replicates_label = std::move(v.label);
  if (cal) {
    po.calibration = cal->calibration;
    po.weighting = cal->weighting;
  }
  ro.ci_method = po.ci_method;
  ro.level = po.level;

  auto& d = ro.display;
  d = display_options(cfg, options.rate_decimals, options.min_cell, options.persons_unit);
  d.rejects_file = run.rejects_file;

  auto& pv = ro.provenance;
  pv.version = version_line();
  // Inputs are named relative to the report folder, with their hashes: no absolute local path in the report. Standard
  // input as other commands name it (<stdin>); the input's hash once its rows have been read (input_sha256).
  pv.input = data_path == "-" ? io::input_display_name(data_path) : relative_to_report(data_path, out_dir);
  pv.codebook = relative_to_report(codebook_path, out_dir);
  pv.codebook_sha256 = io::sha256_file(codebook_path);
  if (!eo.population) po.population.source = relative_to_report(po.population.source, out_dir);
  if (!options.template_dir.empty()) pv.template_path = relative_to_report(options.template_dir, out_dir);
  if (!cfg.path.empty()) {
    pv.config = relative_to_report(cfg.path, out_dir);
    pv.config_sha256 = io::sha256_file(cfg.path);
  }
  std::string group_text;
  for (const auto& g : po.groups) group_text += (group_text.empty() ? "" : ",") + g.id();
  pv.options = {{"lang", options.lang == Lang::En ? "en" : "ja"},
                {"rules", rs ? rs->display_id() : std::string("-")},
                {"template", options.template_dir.empty() ? tmpl.source : relative_to_report(options.template_dir, out_dir)},
                {"timestamp", timestamp_source},
                {"bom", ro.bom ? "yes" : "no"},
                {"min-cell", std::to_string(d.min_cell)},
                {"ci", po.ci_method ? estimate::ci_method_name(*po.ci_method) : std::string("default")},
                {"level", fmt::format("{}", po.level)},
                {"age-groups", group_text.empty() ? std::string("none") : group_text},
                {"rate-rounding", po.rate_rounding ? std::to_string(*po.rate_rounding) : std::string("none")},
                {"rate-decimals", std::to_string(d.rate_decimals)},
                {"persons-unit", d.persons_unit == report::PersonsUnit::Man ? "man" : "person"}};
  if (run.word) pv.options.emplace_back("docx", "yes");
  if (!eo.by.empty()) pv.options.emplace_back("by", fmt::format("{}", fmt::join(eo.by, ",")));
  if (!eo.where.empty()) pv.options.emplace_back("where", eo.where);
  if (!eo.replicates.empty()) pv.options.emplace_back("replicates", eo.replicates);
  if (eo.replicates == "bootstrap" || eo.replicates == "subbootstrap") {
    pv.options.emplace_back("replicates-n", std::to_string(eo.replicates_n));
    pv.options.emplace_back("seed", std::to_string(eo.seed));
  }
  if (eo.calibrate) pv.options.emplace_back("calibrate", "yes");
}

} // namespace

report::ReportOutput build_report_folder(const data::IngestResult& input, const std::string& data_path, const std::string& codebook_path,
                                         const config::RunConfig& cfg, const report::ReportTemplate& tmpl, const ReportFolderOptions& options,
                                         const ReportRun& run) {
  // Calibration: the report is of the rows with a positive weight, weighted as hkstat weight would (in memory),
  // with calibration-aware SEs, as the calibrated estimate; a roster's members are those of every valid row.
  std::optional<Calibrated> cal;
  data::IngestResult calibrated;
  if (options.estimate.calibrate) {
    cal = calibrate(input.data, cfg);
    calibrated.data = std::move(cal->data);
    calibrated.rejected = input.rejected;
    calibrated.warnings = input.warnings;
    calibrated.rows_read = input.rows_read;
    calibrated.rows_rejected = input.rows_rejected;
  }
  const data::IngestResult& in = cal ? calibrated : input;
  Prepared p;
  prepare(p, in.data.codebook, in.warnings, &in.data, cal ? &*cal : nullptr, data_path, codebook_path, cfg, tmpl, options, run);
  p.ro.provenance.input_sha256 = input_sha256(data_path, run.input_sha256);
  return report::build_report(in, p.rs ? &*p.rs : nullptr, tmpl, p.ro, cal ? &input.data : nullptr); // members: of every valid row
}

bool report_folder_streamable(const ReportFolderOptions& options) { return !options.estimate.calibrate; }

struct ReportFolderStream::Impl {
  Prepared prepared;
  std::optional<report::ReportStream> stream;
  std::string data_path;                      // hashed in finish() (input_sha256) ...
  std::shared_ptr<io::InputSha256> input_read; // ... or the hash of the bytes read
};

ReportFolderStream::ReportFolderStream(const codebook::Codebook& codebook, const std::vector<Problem>& warnings, const std::string& data_path,
                                       const std::string& codebook_path, const config::RunConfig& config, const report::ReportTemplate& tmpl,
                                       const ReportFolderOptions& options, const ReportRun& run)
    : impl_(std::make_unique<Impl>()) {
  if (!report_folder_streamable(options))
    throw Error(Problem{ErrorCode::Internal, SourcePos{codebook.path, 0, 0, "", ""}, "",
                        Text{"このレポートは全行を必要とします（build_report_folder）", "this report needs every row (build_report_folder)"}, Text{}, ""});
  impl_->data_path = data_path;
  impl_->input_read = run.input_sha256;
  Prepared& p = impl_->prepared;
  prepare(p, codebook, warnings, nullptr, nullptr, data_path, codebook_path, config, tmpl, options, run);
  impl_->stream.emplace(codebook, warnings, p.rs ? &*p.rs : nullptr, tmpl, p.ro);
}

ReportFolderStream::ReportFolderStream(const codebook::Codebook& codebook, const std::vector<Problem>& warnings, const std::string& data_path,
                                       const std::string& codebook_path, const config::RunConfig& config, const report::ReportTemplate& tmpl,
                                       const ReportFolderOptions& options, const ReportRun& run,
                                       std::shared_ptr<const estimate::CombinationCalibration> calibration)
    : impl_(std::make_unique<Impl>()) {
  if (!options.estimate.calibrate || !calibration)
    throw Error(Problem{ErrorCode::Internal, SourcePos{codebook.path, 0, 0, "", ""}, "calibration",
                        Text{"較正済みのレポートには較正が必要です", "a calibrated report needs its calibration"}, Text{}, ""});
  impl_->data_path = data_path;
  impl_->input_read = run.input_sha256;
  Prepared& p = impl_->prepared;
  // The calibration-aware SEs come from the accumulators' sums (no residual function of the rows); the weighting's
  // description is set after the last row (set_weighting).
  prepare(p, codebook, warnings, nullptr, nullptr, data_path, codebook_path, config, tmpl, options, run);
  impl_->stream.emplace(codebook, warnings, p.rs ? &*p.rs : nullptr, tmpl, p.ro, std::move(calibration));
}

ReportFolderStream::~ReportFolderStream() = default;

void ReportFolderStream::add(const data::Dataset& batch) { impl_->stream->add(batch); }

void ReportFolderStream::add(const data::Dataset& batch, const std::vector<std::size_t>& combination, const std::vector<double>& input_weight) {
  impl_->stream->add(batch, combination, input_weight);
}

void ReportFolderStream::add_read(const data::Dataset& batch) { impl_->stream->add_read(batch); }

void ReportFolderStream::set_weighting(Text weighting) { impl_->stream->set_weighting(std::move(weighting)); }

report::ReportOutput ReportFolderStream::finish(const data::Dataset& meta, std::size_t rows, std::size_t rejected_rows, const std::vector<Problem>& warnings) {
  impl_->stream->set_input_sha256(input_sha256(impl_->data_path, impl_->input_read));
  return impl_->stream->finish(meta, rows, rejected_rows, warnings);
}

ReportFolder report(const Survey& survey, const ReportFolderOptions& options) {
  if (survey.data_path == "-")
    invalid("-", Text{"レポートにはデータのファイルが必要です（標準入力は読めません）", "a report needs a data file (not standard input)"},
            Text{"CSV ファイルのパス", "the path of a CSV file"});
  // The template first: a bad template stops the run before any work.
  const report::ReportTemplate tmpl = options.template_dir.empty() ? report::builtin_template() : report::load_template(options.template_dir);
  ReportFolderOptions o = options;
  if (o.out_dir.empty()) o.out_dir = default_report_dir(survey.data_path);
  if (!o.replace && std::filesystem::exists(std::filesystem::symlink_status(o.out_dir)))
    throw Error(Problem{ErrorCode::IoCannotWrite, SourcePos{o.out_dir, 0, 0, "", ""}, o.out_dir, Text{"出力先が既にあります", "the destination already exists"},
                        Text{"新しいディレクトリ名。置き換えるなら ‹replace›", "a new directory name, or ‹replace› to replace it"}, ""});
  data::IngestResult in;
  in.data = data::copy_of(survey.data);
  in.rejected = survey.rejected;
  in.warnings = survey.warnings;
  in.rows_rejected = survey.rows_rejected;
  in.rows_read = survey.data.rows() + survey.rows_rejected;
  report::ReportOutput out = build_report_folder(in, survey.data_path, survey.codebook_path, survey.config, tmpl, o);
  io::DirectoryWriteOptions wo;
  wo.replace = o.replace;
  wo.replaceable = report::is_report_file;
  io::write_directory_atomic(o.out_dir, out.files, wo);
  ReportFolder folder;
  folder.dir = o.out_dir;
  for (const auto& f : out.files) folder.files.push_back(f.first);
  folder.skipped = std::move(out.skipped);
  return folder;
}

} // namespace hkstat::api
