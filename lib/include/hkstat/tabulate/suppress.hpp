// hkstat/tabulate/suppress.hpp — small-cell suppression of a table of counts (docs/tabulate.md).
//
// A table is a list of cells (unweighted counts) and the linear relations "total = Σ parts" that the
// published table lets a reader write down: the base n of a block (a published constant) equals the sum
// of its rows; a margin cell (e.g. 全体) equals the sum of the cells it splits into (e.g. age bands).
//
//  1. Primary suppression: every cell with 1 <= count < min_cell is hidden (min_cell <= 0: none).
//  2. Secondary suppression, iterated to a fixed point over all relations: a relation with exactly one
//     hidden member would give that member away by subtraction, so its smallest non-zero visible member
//     (or, if every visible member is 0, its smallest) is hidden as well.
//  3. Audit: a hidden cell can still be determined
//     (a) by a combination of relations (e.g. a "bridge" between two groups of hidden cells in a two-way
//         table): the relations restricted to the hidden cells are reduced to row echelon form; the cell is
//         determined when some reduced row is its unit vector;
//     (b) because counts are never negative (e.g. hidden zeros whose visible total is 0, or a hidden 1 next
//         to them): bounds [lo, hi] of every hidden cell, starting from [0, upper], are tightened through
//         every relation to a fixed point; the cell is determined when lo == hi.
//     For each determined cell one more cell is hidden (the smallest non-zero visible member of the
//     relations containing it) and steps 2-3 repeat. Hiding more cells never makes a hidden cell
//     determined, so this terminates. (b) is interval propagation, not a full linear-programming audit:
//     the unit tests prove the results on their tables by brute force.
// A hidden cell that no further hiding can protect (a relation whose other members are all hidden already
// and still determines it — only possible for a relation with a single member) is reported in
// `unprotected`.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace hkstat::tabulate {

// Σ counts[parts] = counts[*total] when total is a cell, else = a published constant (a base n).
struct Relation {
  std::vector<std::size_t> parts;
  std::optional<std::size_t> total;
  // Every cell of the relation: parts and, if any, the total.
  std::vector<std::size_t> members() const;
};

struct Suppression {
  std::vector<bool> hidden;          // per cell
  std::vector<bool> primary;         // per cell: hidden because 1 <= count < min_cell
  std::size_t secondary = 0;         // cells hidden only to protect others
  std::vector<std::size_t> unprotected; // hidden cells still determined (see above); normally empty
};

// `upper`: optional published upper bound of each cell (e.g. its block's base n), empty = none.
// Throws Error(Internal) if a relation names a cell outside counts, or `upper` has the wrong size.
Suppression suppress(std::span<const std::size_t> counts, std::span<const Relation> relations, int min_cell,
                     std::span<const std::size_t> upper = {});

// Hidden cells whose value follows from the relations (published totals and visible cells) by linear
// algebra over the reals: true for cell i iff e_i lies in the row space of the relations restricted to the
// hidden cells (step 3a).
std::vector<bool> determined_cells(std::span<const Relation> relations, const std::vector<bool>& hidden);
// Hidden cells pinned by non-negativity and `upper` through interval propagation (step 3b).
std::vector<bool> pinned_cells(std::span<const std::size_t> counts, std::span<const Relation> relations, const std::vector<bool>& hidden,
                               std::span<const std::size_t> upper = {});

} // namespace hkstat::tabulate
