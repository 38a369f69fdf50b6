// hkstat/estimate/variance_kind.hpp — which variance an estimate uses: ONE value, resolved by the library from
// the codebook (design roles, role-replicate columns, [replicates]) and the request (replicates to create or
// the supplied ones' type, calibration), for every command and front end (docs/estimation.md "Variance kinds").
#pragma once

#include "hkstat/codebook/codebook.hpp"

#include <string>

namespace hkstat::estimate {

enum class VarianceKind {
  Srs,                // no weight, stratum, psu or fpc: binomial (count / base)
  Linearised,         // Taylor linearisation on the design (psu_vcov)
  CreatedReplicates,  // replicates created from the design (PSU multipliers)
  SuppliedReplicates, // the data's role-replicate columns (with the codebook's [replicates], if any)
  Calibrated,         // calibrated weights (run configuration's [weighting]): calibration-aware linearisation
};

// "srs", "linearised", "created-replicates", "supplied-replicates", "calibrated".
const char* variance_kind_name(VarianceKind kind);

struct VarianceRequest {
  std::string replicates; // a replicate type (jk1, jkn, bootstrap, subbootstrap, brr, fay); "" = none asked for
  bool calibrate = false; // estimate with the calibrated weights
};

// The variance kind of `request` on a survey with this codebook:
//   replicates asked for, or a codebook [replicates]: the supplied columns (SuppliedReplicates) when the
//     codebook has [replicates] or role-replicate variables, else CreatedReplicates (role-replicate columns
//     without [replicates] and without a request are not used: Linearised / Srs);
//   calibrate: Calibrated;
//   else Linearised when the codebook declares a weight, stratum, psu or fpc, and Srs without.
// Replicates together with calibration → Error(UsageInvalidOption) (R's calibrated replicate designs are
// not built).
VarianceKind resolve_variance_kind(const codebook::Codebook& codebook, const VarianceRequest& request);

// The row-level kind keeps every row for its variance (calibration residuals); the others are computed in a single
// pass from per-PSU sums, or (supplied replicate columns) per-domain replicate sums (estimate/replicates_sums.hpp).
inline bool needs_rows(VarianceKind kind) { return kind == VarianceKind::Calibrated; }

} // namespace hkstat::estimate
