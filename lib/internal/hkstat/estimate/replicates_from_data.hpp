// hkstat/estimate/replicates_from_data.hpp — the replicate design a data set supplies: its role-replicate
// columns (codebook order) read with the codebook's [replicates] table (R svrepdesign() arguments;
// docs/codebook.md "Replicate weights").
#pragma once

#include "hkstat/codebook/codebook.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/design_from_data.hpp"
#include "hkstat/estimate/replicates.hpp"

#include <optional>
#include <vector>

namespace hkstat::estimate {

// [replicates] → ReplicateOptions: type, scale, rscales, mse, rho, combined_weights as written (defaults
// by type are applied by replicate_design_from_columns, as R svrepdesign() applies them).
ReplicateOptions replicate_options(const codebook::ReplicateSpec& spec);

// The role-replicate columns as a rows × R matrix, in codebook order (0 columns when there are none).
Eigen::MatrixXd replicate_columns(const data::Dataset& ds);

// The design of the supplied columns with the codebook's [replicates] (nullopt without [replicates]);
// `weights` are the full-sample weights (design_from_dataset). Errors of replicate_design_from_columns
// (a negative or missing replicate weight ...) are rethrown naming the codebook's [replicates] line.
std::optional<ReplicateDesign> supplied_replicate_design(const data::Dataset& ds, const std::vector<double>& weights);

// The 標本設計 line of a replicate-weight estimate: the weight column, the replicates (type, number, scale,
// mse) and R's degf of the replicate design (rank of the replicate weights − 1), instead of the linearised df.
Text describe_replicate_design(const DesignSpec& spec, const ReplicateDesign& design);

// "JKn（データの反復重み 36 列、コードブックの [replicates]）" — the label estimate and report show.
Text supplied_replicates_label(const ReplicateDesign& design);

} // namespace hkstat::estimate
