// hkstat/estimate/replicates_sums.hpp — supplied replicate-weight columns (role replicate, codebook
// [replicates]) summed in one pass, so that estimate, tabulate, report and compare stream with them as with the
// other designs (docs/performance.md, issue 16).
//
// A replicate estimate of a ratio needs, per replicate r and domain (or table cell), Σ w_r·1_D·y and Σ w_r·1_D,
// and its df R's degf: rank of the domain rows' replicate weights − 1 (replicates.hpp). The caller keeps its own
// index of "slots" (a domain's Σ w_r, a cell's Σ w_r y) and adds a row's analysis weights to each slot the row
// belongs to: R sums per slot, in row order. For the ranks the caller files each row under a "class" (the set of
// domains the row is in, a dense index of the caller's): per class the Gram matrix Σ a aᵀ of its rows' analysis
// weights, added in blocks of kGramBlock rows of that class (row order within the class, so the sums do not
// depend on how the rows are cut into batches). A domain's Gram matrix is the sum of its classes' (in class
// order), its rank replicate_rank_gram. Memory: slots × R + classes × (R² + kGramBlock × R) doubles, flat in
// the rows.
//
// The analysis weights come from either
//   * the batches' role-replicate columns (ReplicateOptions from the codebook, streaming): combined columns are
//     the analysis weights, multipliers are × the row's weight (R combined.weights = FALSE); the maxima of the
//     raw columns over every row give R's guesses for multipliers (replicate_scales); or
//   * a ReplicateDesign built in memory (its rows in the order added): the same analysis weights, bit for bit.
#pragma once

#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/replicates.hpp"

#include <Eigen/Dense>

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

namespace hkstat::estimate {

class SuppliedReplicateSums {
public:
  static constexpr std::size_t kGramBlock = 64;

  // From the batches' columns: `options` (codebook [replicates], replicate_options), `codebook_path` and `line`
  // name the [replicates] table in option errors found at scales().
  SuppliedReplicateSums(ReplicateOptions options, std::string codebook_path, std::size_t line);
  // From a replicate design in memory: row i of the rows added is design->rep row i.
  explicit SuppliedReplicateSums(std::shared_ptr<const ReplicateDesign> design);

  // The replicate columns of the next batch (the first batch fixes their number; a later batch with another
  // number → Error(Internal)). Columns: every cell a number, else DataMissingRequired naming the line and column
  // (R svrepdesign: "Missing values not allowed in 'repweights'"). A batch without replicate columns (from the
  // columns) → Error(Internal).
  void bind(const data::Dataset& batch);
  // Analysis weights of row r of the batch last bound, whose full-sample weight is w: R values, valid until the
  // next call. Rows must be taken in order, each once.
  const double* row(std::size_t r, double w);
  std::size_t replicates() const { return R_; }
  // From a replicate design: every one of its rows was taken, else Error(Internal).
  void check_rows() const;

  // Slots: R sums each, zero at first.
  void resize_slots(std::size_t slots) { sums_.resize(slots * R_, 0.0); }
  void add(std::size_t slot, const double* a) {
    double* s = sums_.data() + slot * R_;
    for (std::size_t r = 0; r < R_; ++r) s[r] += a[r];
  }
  const double* sums(std::size_t slot) const { return sums_.data() + slot * R_; }

  // Ranks: the row's class (dense, from 0; a new index opens a class).
  void add_rank(std::size_t cls, const double* a);
  std::size_t classes() const { return gram_.size(); }
  // rank of the rows of `classes` − 1 (R degf of that part of the design).
  double df(const std::vector<std::size_t>& classes) const;

  // The variance scales (type, scale, rscales, mse; no rows): of the design, or replicate_scales of the options
  // with the columns' maxima. Errors as replicate_design_from_columns, naming the codebook's [replicates] line.
  ReplicateDesign scales() const;

private:
  std::optional<ReplicateOptions> options_;
  std::string codebook_path_;
  std::size_t line_ = 0;
  std::shared_ptr<const ReplicateDesign> design_;
  std::size_t R_ = 0;
  std::size_t next_design_row_ = 0;
  std::vector<const std::vector<double>*> cols_; // the bound batch's replicate columns
  Eigen::RowVectorXd max_;                       // raw column maxima over every row (multipliers)
  bool any_row_ = false;
  std::vector<double> a_;                        // the current row's analysis weights
  std::vector<double> sums_;
  std::vector<Eigen::MatrixXd> gram_;            // per class: Σ a aᵀ over its full blocks (lower triangle)
  std::vector<Eigen::MatrixXd> block_;           // per class: kGramBlock × R, rows not yet in gram_
  std::vector<std::size_t> fill_;                // per class: rows in block_
};

} // namespace hkstat::estimate
