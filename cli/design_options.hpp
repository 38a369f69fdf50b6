// cli/design_options.hpp — the variance options shared by `estimate` and `tabulate` (one place, so the two
// commands cannot drift apart): --replicates TYPE [--replicates-n N --seed S] (replicate-weight SEs) and
// --calibrate (weights to the run configuration's [weighting] in memory, calibration-aware SEs).
// docs/cli.md describes them.
#pragma once

#include "common.hpp"

#include "hkstat/api/design_options.hpp"

#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/estimate/replicates.hpp"
#include "hkstat/tabulate/tabulate.hpp"
#include "hkstat/weights/apply.hpp"

namespace hkstat::estimate {
struct CombinationCalibration;
}

#include <Eigen/Dense>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hkstat::cli {

struct DesignArgs {
  std::string replicates;        // empty = linearisation
  std::size_t replicates_n = 100;
  std::uint64_t seed = 1;
  bool calibrate = false;
};

// --replicates, --replicates-n, --seed, --calibrate (help: the option table, cli/options.cpp).
void add_design_options(OptionBinder& b, DesignArgs& a);

// The replicate design: a codebook with [replicates] gives its role-replicate columns as described there
// (`type_name`, if not empty, must be that type: else a usage error naming the codebook line); without it,
// role-replicate columns are read as `type_name` with R's default scale and rscales; without those,
// replicates are created from the design. `label` says which. An unknown type is a usage error (exit 2).
estimate::ReplicateDesign replicate_design(const data::Dataset& ds, const std::string& type_name, std::size_t n, std::uint64_t seed,
                                           estimate::LonelyPsu lonely, Text& label);

// The replicate design of the arguments and the codebook, or null without --replicates and without a
// codebook [replicates]. Replicates with --calibrate are a usage error (exit 2).
std::shared_ptr<const estimate::ReplicateDesign> replicates_of(const DesignArgs& a, const data::Dataset& ds, estimate::LonelyPsu lonely,
                                                               Text& label);

// --replicates for `estimate`: replicates created from the design become a ReplicateRequest (the estimate
// builds PSU multipliers in its single pass, no rows × R matrix); supplied role-replicate columns a row-level
// ReplicateDesign (replicates_of), also without --replicates when the codebook has [replicates]. Without
// either nothing changes.
void apply_replicates(const DesignArgs& a, const data::Dataset& ds, estimate::PrevalenceOptions& po);
// The same when the codebook has no role-replicate columns (the streaming estimate: no data set yet).
void apply_created_replicates(const DesignArgs& a, estimate::PrevalenceOptions& po);
// The same for `tabulate` (its accumulator applies the PSU multipliers to per-PSU sums: the table streams).
void apply_created_replicates(const DesignArgs& a, tabulate::TabulateOptions& to);
// Supplied role-replicate columns read in the single pass (no data set yet): the options and label from the
// codebook (api::supplied_replicate_options); the accumulators sum the columns of each batch. Without
// role-replicate columns nothing changes.
void apply_replicate_columns(const DesignArgs& a, const codebook::Codebook& cb, estimate::PrevalenceOptions& po);
void apply_replicate_columns(const DesignArgs& a, const codebook::Codebook& cb, tabulate::TabulateOptions& to);
// --replicates as a request to create replicates (and their label), or nullopt without --replicates; an
// unknown type, --replicates-n out of range or --calibrate is a usage error (exit 2).
std::optional<estimate::ReplicateRequest> created_replicates(const DesignArgs& a, Text& label);

// --calibrate: the weights of `hkstat weight` computed in memory (the library's api::calibrate, shared with the
// facade): the rows with a positive weight, weighted, the calibration residuals and the description.
using Calibrated = api::Calibrated;
// Without a [weighting] section in the run configuration: usage error (exit 2).
Calibrated calibrate_data(const data::Dataset& ds, const config::RunConfig& cfg);

// --calibrate in passes, memory flat in the rows (docs/performance.md "Seventh session, calst", "Eighth session,
// calst2", "Eighth session, calst3"): what they handle — every weighting method (post-stratification, raking, linear)
// with or without nonresponse cells and trimming, a design with a psu column or (`without_psu`: the command's
// accumulator sums the residuals per stratum, "Ninth session, calnopsu") without one, with or without --ci likelihood
// (the (weight, y) groups, "Tenth session, caltest"), with or without a count column (each pass reads the counted
// rows' people, "Eleventh session, countcol"), with or without a household roster (the calibrated estimate is the
// respondents': "Eleventh session, calroster"), no replicates; from a file, standard input or a FIFO (the command
// calls read_more_than_once first: the passes after the first read a copy). Everything else reads the data whole.
bool calibration_streams(const CommonOptions& o, const Sources& src, bool without_psu = false);
// The weighting's passes up to the fitted weights, shared by `weight` and calibrated_passes: pass 1 (stream_input):
// `first` on each batch, and the batch to the weighting stream (with nonresponse cells the cells' sums; an error of the
// tables or of a row's weighting is kept until the file has been read, so the data's own errors come first, as when
// the file is read whole); then `first_done` with pass 1's meta, then that kept error; with nonresponse cells the
// combination table in a read of its own; the fit; a read per trimming pass. Returns the fitted stream and pass 1's meta.
struct WeightingPasses {
  std::unique_ptr<weights::WeightingStream> stream;
  StreamedMeta meta;
};
WeightingPasses weighting_passes(const CommonOptions& o, const Sources& src, const weights::WeightingSpec& spec, int threads, std::ostream& err,
                                 const std::function<void(const std::vector<Problem>&)>& check_warnings,
                                 const std::function<void(const data::Dataset&)>& first, const std::function<void(const StreamedMeta&)>& first_done);
// The passes, shared by `estimate`, `tabulate` and `report` (weighting_passes, then the weighted pass). Pass 1 (stream_input): `first` on each batch (the
// uncalibrated work of the command, whose errors come first) and the combination table of the weighting
// (weights::WeightingStream; with nonresponse cells the cells' sums instead, and the table in a read of its own after
// them; an error of the tables or of a row's weighting is kept until the file has been read, so the data's own errors
// come first, as when the file is read whole), then `first_done`; fit, a read per trimming pass (with trimming), then
// `fitted` with the fit on the combination table and pass 1's meta. Pass 2 (reread_input): each batch weighted (WeightingStream::weigh), its rows of nonzero weight
// (as api::calibrate keeps them) to `second` with their combinations and input weights, after `read` on the batch as
// read (every valid row, those of weight 0 too: a household roster's members). Returns pass 1's meta and the
// description of the weighting (api::describe_weighting).
struct CalibratedPasses {
  StreamedMeta meta;
  Text weighting;
  std::size_t weighted = 0; // the rows of nonzero weight (given to `second`)
};
CalibratedPasses calibrated_passes(
    const CommonOptions& o, const Sources& src, int threads, std::ostream& err, const std::function<void(const std::vector<Problem>&)>& check_warnings,
    const std::function<void(const data::Dataset&)>& first, const std::function<void()>& first_done,
    const std::function<void(std::shared_ptr<const estimate::CombinationCalibration>, const StreamedMeta&)>& fitted,
    const std::function<void(const data::Dataset&, const std::vector<std::size_t>&, const std::vector<double>&)>& second,
    const std::function<void(const data::Dataset&)>& read = {});

} // namespace hkstat::cli
