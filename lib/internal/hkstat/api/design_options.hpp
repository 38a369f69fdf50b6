// hkstat/api/design_options.hpp (internal) — the variance options of an estimate or a table, resolved once for
// the command (cli/design_options.cpp) and the facade (hkstat/api/survey.hpp): replicates created from the
// design (‹replicates› TYPE, ‹replicates-n›, ‹seed›), the data's replicate columns, and calibration to the run
// configuration's [weighting] (‹calibrate›). Errors name the options as ‹name› (core/option_text.hpp).
#pragma once

#include "hkstat/config/run_config.hpp"
#include "hkstat/core/error.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/replicates.hpp"
#include "hkstat/weights/apply.hpp"

#include <Eigen/Dense>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace hkstat::api {

// How replicates created from the design are named in the output ("bootstrap 100 replicates (seed 1)").
Text created_replicates_label(const std::string& type_name, std::size_t n, std::uint64_t seed);

// `type_name` ("" = none) as a request to create replicates, with its label. An unknown type, or a bootstrap
// count outside 2..estimate::kMaxReplicates, is UsageInvalidOption.
std::optional<estimate::ReplicateRequest> created_replicates(const std::string& type_name, std::size_t n, std::uint64_t seed, Text& label);

// The row-level replicate design of the data's role-replicate columns: with the codebook's [replicates] as it
// describes them (`type_name`, if not empty, must be its type: else UsageInvalidOption naming the codebook line);
// without it, the columns as `type_name` with R's default scale and rscales; without such columns, replicates
// created from the design.
estimate::ReplicateDesign replicate_design(const data::Dataset& ds, const std::string& type_name, std::size_t n, std::uint64_t seed,
                                           estimate::LonelyPsu lonely, Text& label);

// The same role-replicate columns read in a single pass (estimate/replicates_sums.hpp): the options
// replicate_design would use, from the codebook alone, and the same label; nullopt when the codebook has no
// role-replicate variables. Errors as replicate_design's before it reads the rows (the type mismatch; an unknown
// type for columns without [replicates]).
std::optional<estimate::ReplicateOptions> supplied_replicate_options(const codebook::Codebook& codebook, const std::string& type_name, Text& label);

// Calibration: the weights of `hkstat weight` computed in memory. `data` holds the rows with a positive weight,
// weighted; `calibration` residualises scores on the calibration (Design::calibration; empty when the method keeps
// no calibration information); `weighting` describes it for the output. Without a [weighting] section in the run
// configuration: UsageInvalidOption.
struct Calibrated {
  data::Dataset data;
  std::function<Eigen::MatrixXd(const Eigen::MatrixXd&)> calibration;
  Text weighting;
};
Calibrated calibrate(const data::Dataset& ds, const config::RunConfig& cfg);
// How `calibrate` describes a weighting of `rows` rows of which `weighted` got a positive weight (also the
// streamed `estimate --calibrate`, which has no data set).
Text describe_weighting(const weights::WeightingResult& res, std::size_t rows, std::size_t weighted);

} // namespace hkstat::api
