// hkstat/data/copy.hpp (internal) — a deliberate copy of a data set (Dataset is move-only, so that a copy is never
// made by accident): the facade's report copies the survey it was given (api::report).
#pragma once

#include "hkstat/data/dataset.hpp"

namespace hkstat::data {

// A copy of `data`: its rows, codebook and metadata; the columns point into the copy's codebook.
Dataset copy_of(const Dataset& data);

// The rows `keep` of `data` (in that order), with its codebook and metadata; the columns point into the copy's
// codebook. With `keep` empty: the data set's shape without rows (append_rows fills it).
Dataset rows_of(const Dataset& data, const std::vector<std::size_t>& keep);
// Appends the rows `keep` of `from` to `to`, a data set of the same codebook (rows_of of a batch of the same file):
// every per-row vector of each column that `from` has; with `columns` (one flag per column) only the flagged columns
// (the others stay without rows).
void append_rows(Dataset& to, const Dataset& from, const std::vector<std::size_t>& keep, const std::vector<char>& columns = {});

} // namespace hkstat::data
