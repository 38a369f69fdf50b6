#include "design_options.hpp"

#include "hkstat/estimate/design_from_data.hpp"
#include "hkstat/estimate/replicates_from_data.hpp"
#include "hkstat/weights/apply.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace hkstat::cli {

void add_design_options(OptionBinder& b, DesignArgs& a) {
  b("replicates", &a.replicates);
  b("replicates-n", &a.replicates_n);
  b("seed", &a.seed);
  b("calibrate", &a.calibrate);
}

namespace {
// The label of replicates created from the design.
Text created_label(const std::string& type_name, std::size_t n, std::uint64_t seed) {
  if (type_name == "bootstrap" || type_name == "subbootstrap")
    return Text{fmt::format("{} {} 回（乱数の種 {}）", type_name, n, seed), fmt::format("{} {} replicates (seed {})", type_name, n, seed)};
  return Text{type_name + "（設計から作成）", type_name + " (created from the design)"};
}
} // namespace

// The replicate design: the codebook's role-replicate columns read with its [replicates] (the data says
// how they were made; --replicates, if given, must name the same type), or, without [replicates], those
// columns as --replicates TYPE with R's default scale and rscales; else replicates created from the design.
estimate::ReplicateDesign replicate_design(const data::Dataset& ds, const std::string& type_name, std::size_t n, std::uint64_t seed,
                                           estimate::LonelyPsu lonely, Text& label) {
  using estimate::ReplicateType;
  const estimate::DesignSpec spec = estimate::design_from_dataset(ds, lonely);
  if (const auto& supplied = ds.codebook.replicates) {
    if (!type_name.empty() && type_name != supplied->type)
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{ds.codebook.path, supplied->line, 0, "", "replicates.type"}, type_name,
                          Text{fmt::format("--replicates {} はコードブックの反復重みの型 \"{}\" と一致しません", type_name, supplied->type),
                               fmt::format("--replicates {} differs from the codebook's replicate type \"{}\"", type_name, supplied->type)},
                          Text{fmt::format("--replicates を省略する（コードブックの [replicates] を使う）か --replicates {}", supplied->type),
                               fmt::format("leave out --replicates (the codebook's [replicates] is used) or give --replicates {}", supplied->type)},
                          ""});
    estimate::ReplicateDesign rd = *estimate::supplied_replicate_design(ds, spec.design.weights);
    label = estimate::supplied_replicates_label(rd);
    return rd;
  }
  if (!ds.codebook.all_by_role(codebook::Role::Replicate).empty()) {
    estimate::ReplicateOptions ro;
    ro.type = estimate::parse_replicate_type(type_name);
    if (ro.type == ReplicateType::Fay) ro.fay_rho = 0.5;
    Eigen::MatrixXd m = estimate::replicate_columns(ds);
    label = Text{fmt::format("{}（データの反復重み {} 列）", estimate::replicate_type_name(ro.type), m.cols()),
                 fmt::format("{} ({} supplied replicate columns)", estimate::replicate_type_name(ro.type), m.cols())};
    return estimate::replicate_design_from_columns(spec.design.weights, std::move(m), ro);
  }
  if (type_name == "jk1") {
    label = created_label(type_name, n, seed);
    return estimate::make_jk1(spec.design);
  }
  if (type_name == "jkn") {
    label = created_label(type_name, n, seed);
    return estimate::make_jkn(spec.design);
  }
  if (type_name == "bootstrap" || type_name == "subbootstrap") {
    label = created_label(type_name, n, seed);
    return type_name == "bootstrap" ? estimate::make_bootstrap(spec.design, n, seed) : estimate::make_subbootstrap(spec.design, n, seed);
  }
  if (type_name == "brr" || type_name == "fay") {
    label = created_label(type_name, n, seed);
    return estimate::make_brr(spec.design, type_name == "fay" ? 0.5 : 0.0);
  }
  usage_error("--replicates は jk1, jkn, bootstrap, subbootstrap, brr, fay のいずれかです",
              "--replicates must be jk1, jkn, bootstrap, subbootstrap, brr or fay", type_name);
}

std::shared_ptr<const estimate::ReplicateDesign> replicates_of(const DesignArgs& a, const data::Dataset& ds, estimate::LonelyPsu lonely,
                                                               Text& label) {
  if (a.replicates.empty() && !ds.codebook.replicates) return nullptr;
  if (a.calibrate)
    usage_error("反復重み（--replicates またはコードブックの [replicates]）と --calibrate は同時に使えません",
                "replicate weights (--replicates or the codebook's [replicates]) and --calibrate cannot be combined");
  return std::make_shared<const estimate::ReplicateDesign>(replicate_design(ds, a.replicates, a.replicates_n, a.seed, lonely, label));
}

void apply_replicates(const DesignArgs& a, const data::Dataset& ds, estimate::PrevalenceOptions& po) {
  if (a.replicates.empty() && !ds.codebook.replicates) return;
  if (a.calibrate)
    usage_error("反復重み（--replicates またはコードブックの [replicates]）と --calibrate は同時に使えません",
                "replicate weights (--replicates or the codebook's [replicates]) and --calibrate cannot be combined");
  const bool supplied = std::any_of(ds.columns.begin(), ds.columns.end(), [](const data::Column& c) { return c.var->role == codebook::Role::Replicate; });
  if (!supplied) return apply_created_replicates(a, po);
  po.replicates = replicates_of(a, ds, po.lonely, po.replicates_label);
}

std::optional<estimate::ReplicateRequest> created_replicates(const DesignArgs& a, Text& label) {
  if (a.replicates.empty()) return std::nullopt;
  if (a.calibrate) usage_error("--replicates と --calibrate は同時に使えません", "--replicates and --calibrate cannot be combined");
  const auto kind = estimate::parse_created_replicates(a.replicates);
  if (!kind)
    usage_error("--replicates は jk1, jkn, bootstrap, subbootstrap, brr, fay のいずれかです",
                "--replicates must be jk1, jkn, bootstrap, subbootstrap, brr or fay", a.replicates);
  if ((*kind == estimate::CreatedReplicates::Bootstrap || *kind == estimate::CreatedReplicates::SubBootstrap) &&
      (a.replicates_n < 2 || a.replicates_n > estimate::kMaxReplicates))
    usage_error(fmt::format("--replicates-n は 2～{} です", estimate::kMaxReplicates), fmt::format("--replicates-n must be 2-{}", estimate::kMaxReplicates),
                std::to_string(a.replicates_n));
  label = created_label(a.replicates, a.replicates_n, a.seed);
  return estimate::ReplicateRequest{*kind, a.replicates_n, a.seed, 0.5};
}

void apply_created_replicates(const DesignArgs& a, estimate::PrevalenceOptions& po) {
  Text label;
  if (auto req = created_replicates(a, label)) {
    po.replicate_request = req;
    po.replicates_label = std::move(label);
  }
}

void apply_created_replicates(const DesignArgs& a, tabulate::TabulateOptions& to) {
  Text label;
  if (auto req = created_replicates(a, label)) {
    to.replicate_request = req;
    to.replicates_label = std::move(label);
  }
}

Calibrated calibrate_data(const data::Dataset& ds, const config::RunConfig& cfg) {
  if (!cfg.weighting)
    usage_error("--calibrate には実行設定（<名前>.hkstat.toml）の [weighting] が必要です（docs/cli.md の hkstat weight）",
                "--calibrate needs a [weighting] section in the run configuration (<stem>.hkstat.toml; docs/cli.md, hkstat weight)");
  const weights::WeightingResult wres = weights::apply_weighting(ds, *cfg.weighting);
  std::vector<std::size_t> keep;
  for (std::size_t r = 0; r < wres.weights.size(); ++r)
    if (wres.weights[r] != 0) keep.push_back(r);
  Calibrated out{data::with_weights(ds, keep, wres.weights, cfg.weighting->weight_name), {}, Text{}};
  if (wres.info) {
    auto info = std::make_shared<weights::CalibrationInfo>(weights::subset_rows(*wres.info, keep));
    out.calibration = [info](const Eigen::MatrixXd& z) { return weights::calibration_residuals(*info, z); };
  }
  std::string tables_ja, tables_en;
  for (const auto& tb : wres.tables) {
    tables_ja += (tables_ja.empty() ? "" : "、") + tb.name + "（" + tb.path + "）";
    tables_en += (tables_en.empty() ? "" : ", ") + tb.name + " (" + tb.path + ")";
  }
  const std::string method = weights::method_name(wres.method);
  out.weighting = Text{fmt::format("{}: {}。{} 行中 {} 行に正の重み", method, tables_ja, ds.rows(), keep.size()),
                       fmt::format("{}: {}; {} of {} rows weighted", method, tables_en, keep.size(), ds.rows())};
  return out;
}

} // namespace hkstat::cli
