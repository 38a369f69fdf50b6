#include "design_options.hpp"

#include "hkstat/estimate/calibrated_sums.hpp"
#include "hkstat/estimate/replicates.hpp"
#include "hkstat/weights/apply.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <memory>

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

bool calibration_streams(const CommonOptions& o, const Sources& src, bool without_psu) {
  (void)o; // any input: one that cannot be read twice is copied for the later passes (read_more_than_once)
  const auto& cb = src.codebook;
  const auto& w = src.config.weighting;
  return w && w->method != weights::WeightingMethod::None && (without_psu || cb.by_role(codebook::Role::Psu)) &&
         !cb.by_role(codebook::Role::Replicate) && !cb.replicates;
}

WeightingPasses weighting_passes(const CommonOptions& o, const Sources& src, const weights::WeightingSpec& spec, int threads, std::ostream& err,
                                 const std::function<void(const std::vector<Problem>&)>& check_warnings,
                                 const std::function<void(const data::Dataset&)>& first, const std::function<void(const StreamedMeta&)>& first_done) {
  require_rereadable(o, src); // before reading: a copy for the later passes if the input cannot be read twice
  WeightingPasses out;
  std::exception_ptr deferred;
  try {
    out.stream = std::make_unique<weights::WeightingStream>(src.codebook, spec);
  } catch (const Error&) {
    deferred = std::current_exception();
  }
  weights::WeightingStream* ws = out.stream.get();
  out.meta = stream_input(o, src, threads, err, check_warnings, [&](const data::Dataset& batch) {
    first(batch);
    if (deferred) return;
    try {
      if (ws->prepass_needed()) ws->prepass(batch); // nonresponse cells: their sums first, the table in the next pass
      else ws->add(batch);
    } catch (const Error&) {
      deferred = std::current_exception();
    }
  });
  first_done(out.meta); // the command's own results of pass 1 (and their errors) before the weighting's errors
  if (deferred) std::rethrow_exception(deferred);
  ws->fit_passes([&](const std::function<void(const data::Dataset&)>& fn) { reread_input(o, src, threads, fn); });
  return out;
}

CalibratedPasses calibrated_passes(
    const CommonOptions& o, const Sources& src, int threads, std::ostream& err, const std::function<void(const std::vector<Problem>&)>& check_warnings,
    const std::function<void(const data::Dataset&)>& first, const std::function<void()>& first_done,
    const std::function<void(std::shared_ptr<const estimate::CombinationCalibration>, const StreamedMeta&)>& fitted,
    const std::function<void(const data::Dataset&, const std::vector<std::size_t>&, const std::vector<double>&)>& second,
    const std::function<void(const data::Dataset&)>& read) {
  const weights::WeightingSpec& spec = *src.config.weighting;
  CalibratedPasses out;
  WeightingPasses passes = weighting_passes(o, src, spec, threads, err, check_warnings, first, [&](const StreamedMeta&) { first_done(); });
  out.meta = std::move(passes.meta);
  weights::WeightingStream* ws = passes.stream.get();
  fitted(std::make_shared<const estimate::CombinationCalibration>(estimate::CombinationCalibration::of(*ws)), out.meta);
  weights::WeightingStream::Kept kept;
  std::size_t weighted = 0;
  reread_input(o, src, threads, [&](const data::Dataset& batch) {
    if (read) read(batch);
    if (ws->weigh_kept(batch, kept) == 0) return;
    weighted += kept.keep.size();
    second(kept.rows, kept.combination, kept.input_weight);
  });
  out.weighting = api::describe_weighting(ws->finish(), out.meta.rows, weighted);
  out.weighted = weighted;
  return out;
}

} // namespace hkstat::cli
