#include "design_options.hpp"

#include "hkstat/estimate/replicates.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace hkstat::cli {

void add_design_options(OptionBinder& b, DesignArgs& a) {
  b("replicates", &a.replicates);
  b("replicates-n", &a.replicates_n);
  b("seed", &a.seed);
  b("calibrate", &a.calibrate);
}

// The replicate design (the library's, api/design_options.hpp): an unknown type is refused here first, so that the
// message names the flag as the command always has.
estimate::ReplicateDesign replicate_design(const data::Dataset& ds, const std::string& type_name, std::size_t n, std::uint64_t seed,
                                           estimate::LonelyPsu lonely, Text& label) {
  const bool columns = ds.codebook.replicates || !ds.codebook.all_by_role(codebook::Role::Replicate).empty();
  if (!columns && !estimate::parse_created_replicates(type_name))
    usage_error("--replicates は jk1, jkn, bootstrap, subbootstrap, brr, fay のいずれかです",
                "--replicates must be jk1, jkn, bootstrap, subbootstrap, brr or fay", type_name);
  return api::replicate_design(ds, type_name, n, seed, lonely, label);
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
  return api::created_replicates(a.replicates, a.replicates_n, a.seed, label);
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

void apply_replicate_columns(const DesignArgs& a, const codebook::Codebook& cb, estimate::PrevalenceOptions& po) {
  if (a.calibrate)
    usage_error("反復重み（--replicates またはコードブックの [replicates]）と --calibrate は同時に使えません",
                "replicate weights (--replicates or the codebook's [replicates]) and --calibrate cannot be combined");
  po.replicate_columns = api::supplied_replicate_options(cb, a.replicates, po.replicates_label);
}

void apply_replicate_columns(const DesignArgs& a, const codebook::Codebook& cb, tabulate::TabulateOptions& to) {
  if (a.calibrate)
    usage_error("反復重み（--replicates またはコードブックの [replicates]）と --calibrate は同時に使えません",
                "replicate weights (--replicates or the codebook's [replicates]) and --calibrate cannot be combined");
  to.replicate_columns = api::supplied_replicate_options(cb, a.replicates, to.replicates_label);
}

Calibrated calibrate_data(const data::Dataset& ds, const config::RunConfig& cfg) {
  if (!cfg.weighting)
    usage_error("--calibrate には実行設定（<名前>.hkstat.toml）の [weighting] が必要です（docs/cli.md の hkstat weight）",
                "--calibrate needs a [weighting] section in the run configuration (<stem>.hkstat.toml; docs/cli.md, hkstat weight)");
  return api::calibrate(ds, cfg); // the library's, shared with the facade
}

} // namespace hkstat::cli
