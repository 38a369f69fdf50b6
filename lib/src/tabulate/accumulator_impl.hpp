// Private to lib/src/tabulate: the state of a TabulateAccumulator (with the rows it keeps for the row-level
// variance kinds: calibration, supplied replicate weights, likelihood intervals).
#pragma once

#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/estimate/psu_index.hpp"
#include "hkstat/tabulate/accumulator.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <functional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hkstat::estimate {
class SuppliedReplicateSums;
class CalibratedSums;
struct CombinationCalibration;
}

namespace hkstat::tabulate {

namespace detail {

// An age band of the age factor is an age group as the estimate has them (ages min to max, id() "15-39"): one
// type, read through the estimate's one lookup (estimate::detail::AgeGroupOf). Bands never overlap (make_bands; a
// codebook's reporting ranges are checked not to), so an age has at most one.
using Band = estimate::AgeGroup;
std::vector<Band> make_bands(AgeBands kind, int age_min, int age_max);

constexpr int kAll = -1;
// --by factors of one table: an age banding (first, when there is one) and level variables, crossed up to
// three deep (estimate::kMaxByDepth).
constexpr std::size_t kMaxFactors = 3;
using Levels = std::array<int, kMaxFactors>; // per factor: kAll, a level index, or the factor's n (無回答)
constexpr Levels kAllLevels{kAll, kAll, kAll};

// A --by factor: the age banding (bands of the age role), the sex role, or a code variable. Its levels are
// 0..n-1 (bands, or the valid codes in codebook order); n is 無回答 (no answer, a missing code, or a value
// that is no level).
struct Factor {
  enum class Kind { Age, Sex, Variable };
  Kind kind = Kind::Variable;
  std::string column;                 // level factors: the codebook variable
  Text label;                         // level factors: the variable's label (性別 for the sex role)
  std::vector<codebook::CodeDef> codes; // level factors: the levels
  int n = 0;                          // levels (bands or codes), 無回答 not counted
};

// A block: domain (index into options.domains) and each factor's level (kAll: the margin over it).
struct BlockKey {
  int domain = 0;
  Levels f = kAllLevels;
};

// What a row is for the blocks: its domains (bit d = options.domains[d]) and each factor's level (never kAll
// for a factor of the table).
struct RowKey {
  std::uint32_t domains = 0;
  Levels f = kAllLevels;
};

// The relations a reader can write down from the published table (suppress.hpp) and the suppression of
// its cells. `keys` are the distribution's blocks.
// `factors`: the table's --by factors (their number and kinds: what a margin is).
void add_relations_and_suppress(Distribution& dist, const std::vector<BlockKey>& keys, const TabulateOptions& opt, const std::vector<Factor>& factors);
// The questions of one run print the same blocks' base n: when one of them hides a base, every question is
// suppressed again as one problem, each base one cell (else a base hidden in one table is Σ rows of another).
void suppress_shared_bases(std::vector<Distribution>& dists);

inline bool in_block(const RowKey& r, const BlockKey& b) {
  if (((r.domains >> b.domain) & 1U) == 0) return false;
  for (std::size_t i = 0; i < kMaxFactors; ++i)
    if (b.f[i] != kAll && r.f[i] != b.f[i]) return false;
  return true;
}

// A tabulated variable, resolved from the first batch's codebook. Cells: its codes (options) in codebook
// order, then 無回答 (index codes.size()).
struct VarState {
  std::string name;
  bool multi = false;
  std::vector<codebook::CodeDef> codes;
  Text label;
  std::vector<std::uint64_t> cell_n;  // blocks × cells, unweighted counts
  std::vector<double> cell_w;         // blocks × cells, Σ w y in row order
  std::vector<double> psu_cell_w;     // clustered: PSUs × blocks × cells (dense PSU index)
  std::vector<std::uint64_t> answers; // without a psu column: per row, answer_of()
  std::vector<double> strat_cell_w;   // counted: dense strata × blocks × cells, Σ w y
  std::vector<double> strat_cell_w2;  // counted: dense strata × blocks × cells, Σ w² y
  std::vector<std::uint64_t> group_cell_n; // --ci likelihood: weight groups × cells, rows with the cell's answer
  std::size_t cells() const { return codes.size() + 1; }
};

// Full counts (Distribution::intervals false): the cells from `first` on lose their interval and ※ flag.
void drop_intervals(Distribution& dist, std::size_t first);

struct BlockSums {
  std::uint64_t rows = 0;
  std::uint64_t wrows = 0;
  double w = 0;
};

} // namespace detail

struct TabulateAccumulator::Impl {
  std::vector<std::string> names;
  TabulateOptions opt;
  bool started = false;
  std::string source;
  codebook::SurveyKind kind = codebook::SurveyKind::Population; // of the first batch's codebook
  // Resolved by the first batch.
  std::vector<detail::Band> bands;          // the age factor's bands (by.age)
  std::vector<detail::Factor> factors;      // the --by factors: the age banding first, then the level variables in --by order
  std::vector<detail::VarState> vars;
  // Candidate blocks: per domain, per factor a slot (0 = all, 1 + level, 1 + n = 無回答), mixed radix.
  std::array<std::size_t, detail::kMaxFactors> slots{1, 1, 1};
  std::size_t blocks = 0;
  std::size_t block_of(int domain, const detail::Levels& f) const {
    std::size_t b = static_cast<std::size_t>(domain);
    for (std::size_t i = 0; i < detail::kMaxFactors; ++i) b = b * slots[i] + (f[i] == detail::kAll ? 0 : static_cast<std::size_t>(f[i]) + 1);
    return b;
  }
  detail::BlockKey key_of(std::size_t b) const;

  estimate::PsuIndex units;
  bool per_psu = false;                     // design columns (or calibration / replicates): PSUs are tracked
  std::size_t simple_rows = 0;              // rows of a simple sample (not in `units`)
  bool dense = false;                       // per-PSU sums (a psu column) rather than per-row records
  std::vector<detail::BlockSums> block;     // per block, in row order
  std::vector<detail::BlockSums> psu_block; // dense: PSUs × blocks
  std::vector<char> psu_any_w;              // per PSU: a row with nonzero weight (the design df)
  std::vector<detail::RowKey> row_keys;     // without a psu column: per row
  std::vector<double> row_w;                // without a psu column: per row
  // A linearised design without a psu column (each row its own PSU): per-stratum moments of the block and cell
  // sums instead of a record per row (PsuIndex::count_rows; estimate::stratum_moments_vcov), as estimate's
  // prevalence. Memory is strata × blocks × cells, nothing per row (row_keys, row_w and answers stay for created
  // replicates and the row-level kinds).
  bool counted = false;
  std::vector<detail::BlockSums> strat_block; // counted: dense strata × blocks
  std::vector<double> strat_block_w2;         // counted: dense strata × blocks, Σ w²
  std::vector<std::uint64_t> stratum_wrows;   // counted: per dense stratum, rows with nonzero weight (the design df)
  // Calibration or supplied replicate columns: the variance needs the rows (docs/estimation.md "Rows kept"):
  // every row's key, answers (above, also with a psu column) and design.
  bool row_level = false;
  estimate::Design row_design;
  // --ci likelihood on a linearised design: R's svyglm path needs only the block's (weight, y) groups
  // (estimate/proportion_ci.hpp WeightGroup), so the rows are not kept: per (block, weight bits) a group index
  // into group_rows (rows of the block with that weight) and each variable's group_cell_n. Memory is blocks ×
  // distinct weights, not rows.
  struct GroupKeyHash {
    std::size_t operator()(const std::pair<std::size_t, std::uint64_t>& k) const noexcept {
      return std::hash<std::uint64_t>{}(k.second * 0x9E3779B97F4A7C15ULL ^ k.first);
    }
  };
  bool keep_groups = false;
  std::unordered_map<std::pair<std::size_t, std::uint64_t>, std::size_t, GroupKeyHash> group_ix;
  std::vector<std::uint64_t> group_rows;

  // Supplied replicate columns (TabulateOptions::replicates in memory, ::replicate_columns from the batches;
  // estimate/replicates_sums.hpp): slot b = block b's Σ w_r, slot sup_cell[i] + b · cells + k = variable i's
  // Σ w_r y_k in block b; rank classes: one per distinct row key (domains, levels), as the blocks are unions of them.
  std::shared_ptr<estimate::SuppliedReplicateSums> sup;
  std::vector<std::size_t> sup_cell;
  std::size_t sup_slots = 0;
  std::map<std::array<std::int64_t, 4>, std::size_t> sup_classes;

  // Calibrated on the combination table (estimate/calibrated_sums.hpp): statistic (block b, measure
  // cal_offset[i] + k) is variable i's cell k in block b; the batch's combinations and input weights during add().
  std::shared_ptr<const estimate::CombinationCalibration> cal_fit;
  std::shared_ptr<estimate::CalibratedSums> cal;
  std::vector<std::size_t> cal_offset;
  const std::vector<std::size_t>* cal_comb = nullptr;
  const std::vector<double>* cal_input = nullptr;
  std::vector<std::size_t> cal_hits;

  // Scratch (reused between batches).
  std::vector<detail::RowKey> batch_keys;
  std::vector<estimate::PsuIndex::Unit> batch_units; // the batch's rows' units, from one PsuIndex::add a batch
  std::vector<std::size_t> row_blocks;
  // Several questionnaires (codebook [[form]]): rows kept out of every block, over all batches.
  mutable std::size_t outside_forms = 0;

  // The keys of every row of a batch (errors as TabulateAccumulator::add).
  void keys_of(const data::Dataset& ds, const classify::Classification* cls, std::vector<detail::RowKey>& out) const;
  // The blocks of the table in output order: per domain the whole, each factor alone, every pair, the triple
  // (as estimate --by prints its terms), combinations with the first factor slowest; a 無回答 level only where
  // the domain has such rows.
  std::vector<detail::BlockKey> table_blocks() const;
};

} // namespace hkstat::tabulate
