// Private to lib/src/tabulate: the state of a TabulateAccumulator (with the rows it keeps for the row-level
// variance kinds: calibration, supplied replicate weights, likelihood intervals).
#pragma once

#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/psu_index.hpp"
#include "hkstat/tabulate/accumulator.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace hkstat::tabulate {

namespace detail {

struct Band {
  int lo = 0;
  int hi = 0;
  std::string id() const;
};
std::vector<Band> make_bands(AgeBands kind, int age_min, int age_max);

constexpr int kAll = -1;

// A block: domain (index into options.domains), age (kAll, band index, or bands = 年齢無回答) and sex
// (kAll, code index, or codes = 性別無回答).
struct BlockKey {
  int domain = 0;
  int age = kAll;
  int sex = kAll;
};

// What a row is for the blocks: its domains (bit d = options.domains[d]), age band and sex (as BlockKey;
// kAll when the table is not by age / sex).
struct RowKey {
  std::uint32_t domains = 0;
  int age = kAll;
  int sex = kAll;
};

// The relations a reader can write down from the published table (suppress.hpp) and the suppression of
// its cells. `keys` are the distribution's blocks.
void add_relations_and_suppress(Distribution& dist, const std::vector<BlockKey>& keys, const TabulateOptions& opt, int n_age, int n_sex);

inline bool in_block(const RowKey& r, const BlockKey& b) {
  return ((r.domains >> b.domain) & 1U) != 0 && (b.age == kAll || r.age == b.age) && (b.sex == kAll || r.sex == b.sex);
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
  std::vector<detail::Band> bands;
  int n_age = 0, n_sex = 0;
  // The level variable of the "sex" slot: the sex role, or By::variable (then `level_column` names it and
  // its missing codes are no level: those rows are 無回答, as unanswered ones).
  std::vector<codebook::CodeDef> sex_codes;
  std::string level_column;
  Text level_label;
  std::vector<detail::VarState> vars;
  // Candidate blocks: per domain, age slot (0 = all, 1 + band, 1 + n_age = unknown) × sex slot (likewise).
  std::size_t age_slots = 1, sex_slots = 1, blocks = 0;
  std::size_t block_of(int domain, int age, int sex) const {
    const std::size_t a = age == detail::kAll ? 0 : static_cast<std::size_t>(age) + 1;
    const std::size_t s = sex == detail::kAll ? 0 : static_cast<std::size_t>(sex) + 1;
    return (static_cast<std::size_t>(domain) * age_slots + a) * sex_slots + s;
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
  // Calibration, supplied replicate columns or a linearised likelihood interval: the variance needs the rows
  // (docs/estimation.md "Rows kept"): every row's key, answers (above, also with a psu column) and design.
  bool row_level = false;
  estimate::Design row_design;

  // Scratch (reused between batches).
  std::vector<detail::RowKey> batch_keys;
  std::vector<std::size_t> row_blocks;
  // Several questionnaires (codebook [[form]]): rows kept out of every block, over all batches.
  mutable std::size_t outside_forms = 0;

  // The keys of every row of a batch (errors as TabulateAccumulator::add).
  void keys_of(const data::Dataset& ds, const classify::Classification* cls, std::vector<detail::RowKey>& out) const;
  // The blocks of the table in output order (unknown age / sex only where the domain has such rows).
  std::vector<detail::BlockKey> table_blocks() const;
};

} // namespace hkstat::tabulate
