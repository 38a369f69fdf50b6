// data/derive.hpp — what the codebook computes for every row after its cells are read: derived variables
// (docs/codebook.md "Derived variables"). Applied by ingest to each row, in codebook order, so that a
// derived variable may use one derived before it. Internal to the library.
#pragma once

#include "hkstat/codebook/codebook.hpp"
#include "hkstat/core/error.hpp"
#include "hkstat/data/dataset.hpp"

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace hkstat::data::detail {

// A problem found in a row: its code, the variable it concerns (index into codebook.variables), the value,
// message and expected.
using RowProblem = std::function<void(ErrorCode code, std::size_t var, const std::string& value, Text message, Text expected)>;

// An answer check broken with action blank or count: the check's index in codebook.checks, the variable,
// the value as read, and the message (the answer has already been blanked for action blank).
using RowCounted = std::function<void(std::size_t check, std::size_t var, const std::string& value, Text message)>;

class RowRules {
public:
  // Resolves every derived variable's sources by name in `cb` (a derived variable whose source is not in
  // `cb`, e.g. left out by codebook check for a missing column, stays missing).
  explicit RowRules(const codebook::Codebook& cb);
  bool empty() const { return steps_.empty() && checks_.empty(); }
  // Applies the answer checks to row `row` (rejects go to `problem`, blank/count to `counted`), then computes
  // each derived column; a value that falls in no band is a problem of the row.
  void apply(Column* columns, std::size_t row, const RowProblem& problem, const RowCounted& counted) const;

private:
  struct Step {
    std::size_t target = 0;
    const codebook::Variable* var = nullptr;
    long a = -1, b = -1; // source variable indices (b: months of years_months), -1 = not in the codebook
    std::uint64_t any_mask = 0;
  };
  std::vector<Step> steps_;
  struct Check {
    std::size_t index = 0; // in codebook.checks
    const codebook::AnswerCheck* check = nullptr;
    long var = -1, if_var = -1; // -1: not in the codebook (the check is then skipped)
    std::uint64_t options_mask = 0;
  };
  std::vector<Check> checks_;
};

} // namespace hkstat::data::detail
