// hkstat/tabulate/suppress.hpp — small-cell suppression of tables of counts (docs/tabulate.md).
//
// A problem is a list of cells (unweighted counts) and the linear relations "total = Σ parts" that the
// published tables let a reader write down: the base n of a block (a cell itself, hideable like any count;
// a relation's total may also be a published constant) equals the sum of its rows; a margin cell (e.g. 全体) equals the sum of the cells it splits into (e.g. age bands). One
// problem may hold the cells of several tables (one run, one report): a count published twice is one cell.
// A cell may be *unpublished* (a residual: respondents without an age, 一般群 when only 全体 and 広義 are
// shown, sex 無回答 when only the levels are shown, …): it is never printed, is hidden from the start, and is
// protected like any other when it is small.
//
//  1. Primary: every cell with 1 <= count < min_cell is sensitive and hidden (min_cell <= 0: none).
//  2. Audit (exact): a sensitive cell is protected when the non-negative integer tables consistent with
//     every published value and relation (and each cell's published upper bound) give it at least two
//     different values. For each sensitive cell hkstat takes the least and greatest value of the cell over
//     those tables by linear programming over exact rationals (the in-project bounded simplex of
//     lib/src/tabulate/exact_lp.hpp over the hidden cells of its connected component; an optimum that is not
//     integral is settled by its branch and bound): exact, not interval propagation. Two cheap proofs run
//     first (lib/src/tabulate/exact_lp.hpp): bound propagation that pins the cell (given away), and a
//     whole-number move of the true table that keeps every published value and changes the cell (protected);
//     the LP decides only what neither settles.
//  3. Complements of least cost: cells are hidden until every sensitive cell is protected. Cost = the
//     information lost (the caller's cost, by default the count); a margin or whole-sample cell is given a
//     cost above every inner cell by the callers, so it is hidden only when no inner cell protects.
//     When the problem is small (at most `exact_limit` candidate cells in the components of the sensitive
//     cells) the set of least total cost is found by branch and bound (branching on the cells one of which must
//     be hidden to protect a cell still given away; proven least cost);
//     otherwise greedily (the cheapest cell that protects an exposed cell on its own, else the cheapest of
//     its relations), followed by dropping every complement (most costly first) that is not needed
//     (`prune_budget` audits; a report's joint problem allows more).
//  4. Past the work limit (`work_limit`, counted, deterministic) the remaining small cells are protected by a
//     conservative rule instead (HideReason::Fallback; docs/tabulate.md "Work limit and the conservative rule").
// A sensitive cell that no hiding can protect (e.g. a relation with a single member) is reported in
// `unprotected`.
#pragma once

#include <cstddef>
#include <cstdint>
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

// Why a cell is hidden.
enum class HideReason : unsigned char {
  Shown,      // not hidden
  Primary,    // 1 <= count < min_cell (published or a residual)
  Complement, // hidden to protect the sensitive cell `complement_for`
  Residual,   // an unpublished cell that is not sensitive itself (never printed)
  Fallback,   // hidden by the conservative rule after the work limit (protects `complement_for`; see below)
};
const char* hide_reason_id(HideReason r); // "", "primary", "complement", "residual", "fallback"

struct Suppression {
  std::vector<bool> hidden;          // per cell (unpublished cells are always hidden)
  std::vector<bool> primary;         // per cell: sensitive, 1 <= count < min_cell (published or not)
  std::vector<HideReason> reason;    // per cell
  std::vector<std::size_t> complement_for; // per cell: the sensitive cell a complement protects (reason Complement)
  std::size_t secondary = 0;         // published cells hidden only to protect others (complements and fallback)
  std::size_t fallback = 0;          // of them, hidden by the conservative rule after the work limit
  double secondary_cost = 0;         // their total cost
  bool least_cost_proven = false;    // the complements were found by the exact search (no cheaper set exists)
  std::vector<std::size_t> unprotected; // sensitive cells still determined (see above); normally empty
};

struct SuppressOptions {
  std::vector<std::size_t> upper;  // published upper bound of each cell (e.g. its block's base n); empty = none
  std::vector<double> cost;        // information lost by hiding each cell; empty = suppression_costs(counts, {})
  std::vector<bool> unpublished;   // residual cells, never printed; empty = every cell is published
  // Auxiliary unknowns (e.g. the people of one age band × group in a report's joint problem): never printed,
  // hidden from the start, never sensitive themselves (no table shows them) and never complements; they only
  // tie the relations of several tables together. Empty = none.
  std::vector<bool> auxiliary;
  std::size_t exact_limit = 24;    // exact least-cost search with at most this many candidate cells (a 4 × 4 table with margins)
  std::size_t exact_budget = 3000; // … and at most this many audits (else the greedy result)
  std::size_t prune_budget = 600;  // audits spent dropping unneeded complements of the greedy set
  // The total work of the exact audits of one suppression (simplex tableau entries touched and rows scanned by
  // the cheap certificates, summed over every audit: deterministic, not time). 0 = the default
  // (kSuppressWorkLimit, well under a second of a Release build on tables of the usual size). Beyond it suppress() does not stop: the audit
  // answers from certificates only (a found move proves a cell protected; a cell without one counts as given
  // away), every sensitive cell not yet proven protected has every candidate cell connected to it through the
  // relations hidden (HideReason::Fallback, the conservative rule), the cells that rule hid are shown again only
  // where a move still proves every sensitive cell of the component protected, and a sensitive cell without a
  // move is reported in `unprotected`. No least-cost search, no pruning (least_cost_proven = false).
  std::uint64_t work_limit = 0;
};
inline constexpr std::uint64_t kSuppressWorkLimit = 2'000'000'000ULL;

// A whole problem: cells, relations and options (a table's, or every table of a report together).
struct SuppressionProblem {
  std::vector<std::size_t> counts;
  std::vector<Relation> relations;
  SuppressOptions options;
};

// `upper`: optional published upper bound of each cell (e.g. its block's base n), empty = none.
// Throws Error(Internal) if a relation names a cell outside counts, or `upper` has the wrong size.
Suppression suppress(std::span<const std::size_t> counts, std::span<const Relation> relations, int min_cell,
                     std::span<const std::size_t> upper = {});

// Throws Error(Internal) also when cost or unpublished has the wrong size.
Suppression suppress(std::span<const std::size_t> counts, std::span<const Relation> relations, int min_cell, const SuppressOptions& options);

// Costs for SuppressOptions::cost: each cell's count — a zero costs U = Σ counts + 1, after every non-zero
// cell, since a hidden zero protects only through a small sum — plus U × (cells + 1)^(1 + margin_level[i])
// for a margin, so that one margin cell costs more than every inner cell together, and a cell that is a
// margin in L dimensions (e.g. the whole-sample cell) more than every margin of fewer dimensions together.
std::vector<double> suppression_costs(std::span<const std::size_t> counts, std::span<const int> margin_level);

// The exact audit of step 2: for each cell in `cells` (hidden ones), true when every non-negative integer
// table consistent with the published cells, the relations and `upper` gives it the same value.
std::vector<bool> exposed_cells(std::span<const std::size_t> counts, std::span<const Relation> relations, const std::vector<bool>& hidden,
                                std::span<const std::size_t> upper, std::span<const std::size_t> cells);
// The least and greatest value of a hidden cell over those tables (hi = -1: no upper limit).
struct FeasibleRange {
  long long lo = 0;
  long long hi = 0;
};
FeasibleRange feasible_range(std::span<const std::size_t> counts, std::span<const Relation> relations, const std::vector<bool>& hidden,
                             std::span<const std::size_t> upper, std::size_t cell);

// Fast partial checks (kept for their tests): hidden cells whose value follows from the relations (published totals and visible cells) by linear
// algebra over the reals: true for cell i iff e_i lies in the row space of the relations restricted to the
// hidden cells (step 3a).
std::vector<bool> determined_cells(std::span<const Relation> relations, const std::vector<bool>& hidden);
// Hidden cells pinned by non-negativity and `upper` through interval propagation (step 3b).
std::vector<bool> pinned_cells(std::span<const std::size_t> counts, std::span<const Relation> relations, const std::vector<bool>& hidden,
                               std::span<const std::size_t> upper = {});

} // namespace hkstat::tabulate
