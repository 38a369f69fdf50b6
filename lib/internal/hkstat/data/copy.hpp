// hkstat/data/copy.hpp (internal) — a deliberate copy of a data set (Dataset is move-only, so that a copy is never
// made by accident): the facade's report copies the survey it was given (api::report).
#pragma once

#include "hkstat/data/dataset.hpp"

namespace hkstat::data {

// A copy of `data`: its rows, codebook and metadata; the columns point into the copy's codebook.
Dataset copy_of(const Dataset& data);

} // namespace hkstat::data
