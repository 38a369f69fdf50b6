// hkstat/estimate/design_from_data.hpp — the Design (design.hpp) of a validated data set, from the
// codebook's design roles (docs/codebook.md "Roles").
#pragma once

#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/design.hpp"

namespace hkstat::estimate {

// weight (number; no weight variable → every weight 1), stratum and psu (integer or code; absent → one
// stratum / every row its own PSU), fpc (number; absent → none). A missing stratum, PSU or fpc value →
// Error(DataMissingRequired) naming the file, line and column; the design itself is checked by summarize().
Design design_from_dataset(const data::Dataset& data, LonelyPsu lonely);

} // namespace hkstat::estimate
