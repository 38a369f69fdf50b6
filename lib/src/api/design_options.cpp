// The variance options of an estimate or a table, one resolution for the command and the facade
// (hkstat/api/design_options.hpp).
#include "hkstat/api/design_options.hpp"

#include "hkstat/estimate/design_from_data.hpp"
#include "hkstat/estimate/replicates_from_data.hpp"
#include "hkstat/weights/apply.hpp"

#include <fmt/format.h>

#include <memory>
#include <utility>
#include <vector>

namespace hkstat::api {

namespace {

[[noreturn]] void unknown_type(const std::string& type_name) {
  throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, type_name,
                      Text{"‹replicates› は jk1, jkn, bootstrap, subbootstrap, brr, fay のいずれかです",
                           "‹replicates› must be jk1, jkn, bootstrap, subbootstrap, brr or fay"},
                      Text{"jk1, jkn, bootstrap, subbootstrap, brr, fay", "jk1, jkn, bootstrap, subbootstrap, brr, fay"}, ""});
}

} // namespace

Text created_replicates_label(const std::string& type_name, std::size_t n, std::uint64_t seed) {
  if (type_name == "bootstrap" || type_name == "subbootstrap")
    return Text{fmt::format("{} {} 回（乱数の種 {}）", type_name, n, seed), fmt::format("{} {} replicates (seed {})", type_name, n, seed)};
  return Text{type_name + "（設計から作成）", type_name + " (created from the design)"};
}

std::optional<estimate::ReplicateRequest> created_replicates(const std::string& type_name, std::size_t n, std::uint64_t seed, Text& label) {
  if (type_name.empty()) return std::nullopt;
  const auto kind = estimate::parse_created_replicates(type_name);
  if (!kind) unknown_type(type_name);
  if ((*kind == estimate::CreatedReplicates::Bootstrap || *kind == estimate::CreatedReplicates::SubBootstrap) &&
      (n < 2 || n > estimate::kMaxReplicates))
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, std::to_string(n),
                        Text{fmt::format("‹replicates-n› は 2～{} です", estimate::kMaxReplicates), fmt::format("‹replicates-n› must be 2-{}", estimate::kMaxReplicates)},
                        Text{fmt::format("2～{}", estimate::kMaxReplicates), fmt::format("2-{}", estimate::kMaxReplicates)}, ""});
  label = created_replicates_label(type_name, n, seed);
  return estimate::ReplicateRequest{*kind, n, seed, 0.5};
}

estimate::ReplicateDesign replicate_design(const data::Dataset& ds, const std::string& type_name, std::size_t n, std::uint64_t seed,
                                           estimate::LonelyPsu lonely, Text& label) {
  using estimate::ReplicateType;
  const estimate::DesignSpec spec = estimate::design_from_dataset(ds, lonely);
  if (const auto& supplied = ds.codebook.replicates) {
    if (!type_name.empty() && type_name != supplied->type)
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{ds.codebook.path, supplied->line, 0, "", "replicates.type"}, type_name,
                          Text{fmt::format("‹replicates› {} はコードブックの反復重みの型 \"{}\" と一致しません", type_name, supplied->type),
                               fmt::format("‹replicates› {} differs from the codebook's replicate type \"{}\"", type_name, supplied->type)},
                          Text{fmt::format("‹replicates› を省略する（コードブックの [replicates] を使う）か ‹replicates› {}", supplied->type),
                               fmt::format("leave out ‹replicates› (the codebook's [replicates] is used) or give ‹replicates› {}", supplied->type)},
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
  if (type_name == "jk1" || type_name == "jkn") {
    label = created_replicates_label(type_name, n, seed);
    return type_name == "jk1" ? estimate::make_jk1(spec.design) : estimate::make_jkn(spec.design);
  }
  if (type_name == "bootstrap" || type_name == "subbootstrap") {
    label = created_replicates_label(type_name, n, seed);
    return type_name == "bootstrap" ? estimate::make_bootstrap(spec.design, n, seed) : estimate::make_subbootstrap(spec.design, n, seed);
  }
  if (type_name == "brr" || type_name == "fay") {
    label = created_replicates_label(type_name, n, seed);
    return estimate::make_brr(spec.design, type_name == "fay" ? 0.5 : 0.0);
  }
  unknown_type(type_name);
}

std::optional<estimate::ReplicateOptions> supplied_replicate_options(const codebook::Codebook& cb, const std::string& type_name, Text& label) {
  const std::size_t columns = cb.all_by_role(codebook::Role::Replicate).size();
  if (columns == 0) return std::nullopt;
  estimate::ReplicateDesign shape; // for the label: the type and the number of columns
  shape.rep.resize(0, static_cast<Eigen::Index>(columns));
  if (const auto& supplied = cb.replicates) {
    if (!type_name.empty() && type_name != supplied->type)
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{cb.path, supplied->line, 0, "", "replicates.type"}, type_name,
                          Text{fmt::format("‹replicates› {} はコードブックの反復重みの型 \"{}\" と一致しません", type_name, supplied->type),
                               fmt::format("‹replicates› {} differs from the codebook's replicate type \"{}\"", type_name, supplied->type)},
                          Text{fmt::format("‹replicates› を省略する（コードブックの [replicates] を使う）か ‹replicates› {}", supplied->type),
                               fmt::format("leave out ‹replicates› (the codebook's [replicates] is used) or give ‹replicates› {}", supplied->type)},
                          ""});
    estimate::ReplicateOptions ro = estimate::replicate_options(*supplied);
    shape.type = ro.type;
    label = estimate::supplied_replicates_label(shape);
    return ro;
  }
  estimate::ReplicateOptions ro;
  ro.type = estimate::parse_replicate_type(type_name);
  if (ro.type == estimate::ReplicateType::Fay) ro.fay_rho = 0.5;
  label = Text{fmt::format("{}（データの反復重み {} 列）", estimate::replicate_type_name(ro.type), columns),
               fmt::format("{} ({} supplied replicate columns)", estimate::replicate_type_name(ro.type), columns)};
  return ro;
}

Calibrated calibrate(const data::Dataset& ds, const config::RunConfig& cfg) {
  if (!cfg.weighting)
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{cfg.path, 0, 0, "", "weighting"}, "",
                        Text{"‹calibrate› には実行設定（<名前>.hkstat.toml）の [weighting] が必要です（docs/cli.md の hkstat weight）",
                             "‹calibrate› needs a [weighting] section in the run configuration (<stem>.hkstat.toml; docs/cli.md, hkstat weight)"},
                        Text{"実行設定の [weighting]", "the run configuration's [weighting]"}, ""});
  const weights::WeightingResult wres = weights::apply_weighting(ds, *cfg.weighting);
  std::vector<std::size_t> keep;
  for (std::size_t r = 0; r < wres.weights.size(); ++r)
    if (wres.weights[r] != 0) keep.push_back(r);
  Calibrated out{data::with_weights(ds, keep, wres.weights, cfg.weighting->weight_name), {}, Text{}};
  if (wres.info) {
    auto info = std::make_shared<weights::CalibrationInfo>(weights::subset_rows(*wres.info, keep));
    out.calibration = [info](const Eigen::MatrixXd& z) { return weights::calibration_residuals(*info, z); };
  }
  out.weighting = describe_weighting(wres, ds.rows(), keep.size());
  return out;
}

Text describe_weighting(const weights::WeightingResult& wres, std::size_t rows, std::size_t weighted) {
  std::string tables_ja, tables_en;
  for (const auto& tb : wres.tables) {
    tables_ja += (tables_ja.empty() ? "" : "、") + tb.name + "（" + tb.path + "）";
    tables_en += (tables_en.empty() ? "" : ", ") + tb.name + " (" + tb.path + ")";
  }
  const std::string method = weights::method_name(wres.method);
  return Text{fmt::format("{}: {}。{} 行中 {} 行に正の重み", method, tables_ja, rows, weighted),
              fmt::format("{}: {}; {} of {} rows weighted", method, tables_en, weighted, rows)};
}

} // namespace hkstat::api
