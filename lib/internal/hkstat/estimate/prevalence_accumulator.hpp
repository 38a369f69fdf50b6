// hkstat/estimate/prevalence_accumulator.hpp — prevalence from per-PSU sufficient statistics, in one pass.
//
// The accumulator is fed the rows of a survey in file order, in batches of any size (the whole data set,
// or the batches of a streaming reader), and keeps only what the estimates need:
//   per PSU (key (stratum, psu), a dense index; a design without a psu column: every row) and per domain
//   (d = all, each age group, each level of each --by variable alone and × age group): rows, Σw, Σw·y for y ∈ {広義, 狭義, 準}
//   (whether it has rows of nonzero weight is Σw > 0: every weight is finite and >= 0);
//   per domain, in row order: rows, rows with nonzero weight, Σw, Σw·y, unweighted cases;
//   per stratum: its fpc (checked constant; errors name the data file line).
// Memory is O(PSUs × domains), independent of the rows for a clustered design (a design without a psu
// column, with created replicates or a row-level kind, has one PSU per row, so there it grows with the rows: about 40
// bytes × domains a row; linearised it is summed per stratum instead).
// No heap allocation per row except when a new PSU or stratum appears (hash of (stratum, psu) → index,
// the last key cached). Every sum is sequential in row order, so the result does not depend on how the
// rows are cut into batches: identical inputs give bitwise-identical results.
//
// finish() computes, from those sums (docs/estimation.md "Single pass"):
//   rate        p̂_d = Σw y / Σw over the domain (Hájek)
//   SE          psu_vcov (design.hpp, the one variance engine) of the PSU score totals
//               z_p = (Σ_p w y − p̂_d Σ_p w) / Ŵ_d, with R's subset(design, d) semantics
//   df          PSUs − strata among the domain's rows with nonzero weight (R degf(subset))
//   deff        R deff = "replace": V̂ / (S²/m), S² = m/(m − 1) · p̂(1 − p̂) (0/1 y), m = rows with w ≠ 0
//   differences between age groups: the age groups' scores together (whole-design semantics, as
//               svyby(covmat = TRUE)) and svy_contrast
//   replicates  (PrevalenceOptions::replicate_request) PSU multipliers m_rp (replicates.hpp
//               make_multipliers): θ_rd = Σ_p m_rp Σ_p w y / Σ_p m_rp Σ_p w, variance replicate_vcov,
//               df = rank of the multipliers of the PSUs with domain rows of nonzero weight − 1
//   likelihood  (--ci likelihood) R's svyglm IRLS path replayed from the domain's (weight, y) groups, kept
//               only for this method (memory: distinct weights × domains), and psu_vcov of w (y − μ̂)/Σw
//               (calibrated: of its calibration residuals; the path over every row of the design)
//   simple sample (no weight, strata, psu or fpc): cases/n and binomial intervals, as before.
//   supplied replicate columns (PrevalenceOptions::replicates in memory, ::replicate_columns from the batches;
//               estimate/replicates_sums.hpp): per domain and replicate Σ w_r and Σ w_r y in row order,
//               θ_rd = Σ w_r y / Σ w_r, variance replicate_vcov (as created replicates); df = rank of the
//               replicate weights of the domain's rows − 1 from Gram matrices per set of domains a row is in
//               (replicate_rank_gram). Memory: domains × 4 × R + sets × R² doubles, flat in the rows.
// estimate_prevalence() is this accumulator over the whole data set, for every variance kind. Calibration
// (PrevalenceOptions::calibration) needs row-level data: for it only, the accumulator also keeps, per row, its
// design columns, its domains and its three 0/1 outcomes (memory O(rows)), and the domain engine estimates from
// them (DomainEngine::domain_rows).
#pragma once

#include "hkstat/classify/classify.hpp"
#include "hkstat/data/dataset.hpp"
#include "hkstat/data/span_table.hpp"
#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/estimate/psu_index.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <map>
#include <memory>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace hkstat::estimate {

namespace detail {
class AgeGroupOf;
}
class SuppliedReplicateSums;
class CalibratedSums;
struct CombinationCalibration;

class PrevalenceAccumulator {
public:
  // options.replicate_request together with options.calibration or options.replicates → Error(Internal).
  // With calibration the weights are those of all rows added (the calibration function's rows); with
  // supplied replicates their rows must be the rows added (else Error(Internal) at finish()).
  explicit PrevalenceAccumulator(PrevalenceOptions options);
  // Calibrated weights of a fit on the combination table, streamed (estimate/calibrated_sums.hpp; `estimate
  // --calibrate` in two passes): the rows are added with add(batch, cls, combination, input_weight), their
  // weights the calibrated ones (all nonzero), and the variance is the calibration-aware linearisation from
  // per-(PSU, combination) sums, as options.calibration gives it from the rows (to rounding). Linearised designs
  // with or without a psu column (options without calibration or replicates; else Error(Internal)). --ci
  // likelihood: R's svyglm path on the calibrated design (every row, zero weight outside the domain) from the
  // domain's (weight, y) groups — with calibration the distinct weights are at most the (input weight, combination)
  // pairs — and the score's variance at μ̂ from the residual sums (svy_likelihood_interval on the rows, to rounding).
  PrevalenceAccumulator(PrevalenceOptions options, std::shared_ptr<const CombinationCalibration> calibration);

  // The next rows, in file order. cls.rows is parallel to batch's rows. The first batch fixes the
  // codebook (design roles, age variable); later batches must use the same codebook (the same roles).
  // Errors name the data file line (batch.source, batch.lines): a weight < 0 or not finite
  // (DataInvalidWeight), a missing stratum/psu/fpc (DataMissingRequired), an fpc <= 0, not finite or
  // varying within a stratum (DataOutOfRange); agency surveys (EstimateNotPopulationSample); age groups
  // without an age variable (CodebookInvalid).
  void add(const data::Dataset& batch, const classify::Classification& cls);
  // The calibrated stream: each row's combination (weights::WeightingStream) and input weight beside it.
  void add(const data::Dataset& batch, const classify::Classification& cls, const std::vector<std::size_t>& combination,
           const std::vector<double>& input_weight);

  // The estimates of everything added so far (the accumulator is unchanged). Errors as
  // estimate_prevalence: no rows → EstimateNoData; fpc mixing fractions and sizes or N_h < n_h →
  // DataOutOfRange; lonely PSUs (Fail), design df <= 0 in a group → EstimateNoData.
  // Not from two threads at once on one accumulator: it first adds the cell sums into the domains' (fold_cells).
  PrevalenceResult finish() const;

  std::size_t rows() const { return rows_; }

  // Before the first batch: the most keys (age group × --by levels) whose domain lists add() tabulates (default 4,096;
  // 0: every row's list written for it, as with more keys). The results do not depend on it (tests).
  void domain_table_keys(std::size_t keys) { domain_table_keys_ = keys; }
  // Before the first batch: whether add() may sum by cell (cell mode, below; default true). false: the domains' sums
  // row by row, as without a domain table. The results agree to rounding (tests); cells_used() tells which was taken.
  void cell_sums(bool allow) { cells_allowed_ = allow; }
  bool cells_used() const { return cells_; }

  // The sums of one domain in one PSU (or of a whole domain).
  struct Sums {
    std::uint64_t rows = 0;
    std::uint64_t wrows = 0; // rows with nonzero weight
    double w = 0;
    std::array<double, 3> wy{}; // broad, narrow, semi
  };

private:
  using KeyHash = PsuIndex::KeyHash;
  // Supplied replicate columns: the row's analysis weights into the Gram matrix of its set of domains (the first nd of row_domains_).
  void add_replicate_rank(const double* rw, std::size_t nd);
  PrevalenceOptions opt_;
  bool started_ = false;
  // Fixed by the first batch.
  std::string source_;
  PsuIndex units_; // strata and PSUs (dense), the design columns and their checks
  std::size_t domains_ = 1; // all + age groups (+ per --by variable, per level: the level and level × age group)
  // --by terms, resolved from the first batch's codebook: each variable alone (as given), then with two or three
  // variables every pair and the triple crossed (docs/cli.md `--by`). A term's levels are the combinations of
  // its variables' valid codes (codebook order, the first variable slowest); `first` is its first domain
  // (domain of level l within age group g: first + l (1 + G) + g + 1).
  struct ByVar {
    std::string name;                  // as given ("sex"), crossed joined by × ("問3×sex")
    std::string label;                 // the variables' codebook labels (else names), crossed joined by × ("婚姻状況×性別")
    std::vector<std::size_t> parts;    // indices into by_base_
    std::vector<std::size_t> stride;   // level = Σ index_i × stride_i
    std::vector<std::string> level_id; // per level: its code, crossed joined by × ("1×2")
    std::vector<std::string> labels;   // per level: its code label, crossed joined by ×
    std::vector<std::string> keys;     // per level: its code key (else number), crossed joined by × ("never_married×male")
    std::size_t first = 0;
  };
  struct ByBase {
    std::string column; // the codebook variable
    std::vector<std::int64_t> codes;
    // A code's index in `codes` (its first place), -1 for none or missing: through a table over the codes' span when
    // they span fewer than 4,096 values (no scan whose branch a random code mispredicts), else a scan.
    data::SpanTable<int> index;
    std::size_t key_stride = 0; // the level's weight in a row's domain key (build_domain_table)
    // With a domain table: a code's part of the key, (index + 1) × key_stride (0: none or missing), through a table over
    // the codes' span (empty when they span 4,096 values or more: then level() and key_stride).
    data::SpanTable<std::uint32_t> key_part;
    int level(std::int64_t code) const {
      if (code == data::kMissing) return -1;
      if (!index.empty()) return index(code);
      const auto it = std::find(codes.begin(), codes.end(), code);
      return it == codes.end() ? -1 : static_cast<int>(it - codes.begin());
    }
  };
  std::vector<ByBase> by_base_;
  std::vector<ByVar> by_;
  // A row's domains: all, its age group g (G groups, -1: none), each term's level and level × age group, as a list
  // (length, then the domains in that order). They depend only on g and the row's level of each by_base_ variable
  // (-1: missing), its key (g + 1) + Σ_v (level_v + 1) key_stride_v: with at most domain_table_keys_ keys (job a: 7
  // × 3) the first batch writes every key's list into domain_table_ (stride 3 + 2 × terms) and a row's list is one
  // look-up; with more each row's list is written for it (domains_of, into dom_scratch_). The two agree entry for
  // entry (tests/unit/test_prevalence_accumulator.cpp).
  void domains_of(int g, const int* level, std::uint32_t* out) const;
  // add()'s pass 1 over the batch's n rows: each row's key (cell mode: row_key_) or domain list (row_doms_), its age
  // group on the way; adds the rows with a missing outing or age to the counts. With a domain table and every --by
  // variable's key_part: the keys from those tables (keys_of_rows; in list mode then each key's list), else from
  // each variable's level (ByBase::level); the two agree (tests: codes compact or spread).
  void row_keys(const classify::Classification& cls, const detail::AgeGroupOf& group_of, std::size_t n);
  void build_domain_table();
  std::size_t domain_table_keys_ = 4096;
  std::vector<std::uint32_t> domain_table_;
  static constexpr std::uint32_t kNoDomain = 0; // the list of a row outside --where: no domain
  std::vector<const std::uint32_t*> row_doms_; // the current batch: each row's domain list (reused)
  std::vector<std::size_t> row_domains_; // domains of the current row (reused)
  std::vector<int> row_level_of_;        // per by_base_ variable: the current row's code index, -1 missing (reused)
  std::vector<const data::Column*> by_columns_; // the --by columns of the current batch (reused)

  std::size_t rows_ = 0, outing_missing_ = 0, age_missing_ = 0, outside_forms_ = 0;
  // Per domain (mutable: in cell mode, below, finish() folds the cells into them first).
  mutable std::vector<Sums> domain_;                  // per domain, in row order
  mutable std::vector<std::array<std::uint64_t, 3>> cases_; // per domain: unweighted cases per measure

  // Per dense PSU and domain (index p * domains_ + d), in two arrays: what every row of the domain adds (Σ w, rows:
  // 16 bytes, one cache line for four) and Σ w y per measure, which only the rows in a case touch (about 3% of the
  // benchmark's rows). 2,000 PSUs × 21 domains: 0.7 MB beside 1 MB, instead of 2 MB of Sums (docs/performance.md,
  // "Eleventh session, accum").
  struct PsuSums {
    double w = 0;
    std::uint64_t rows = 0;
  };
  mutable std::vector<PsuSums> psu_sums_;
  mutable std::vector<std::array<double, 3>> psu_wy_;
  // Cell mode (issue 16, fourteenth session; docs/performance.md): with a domain table of no more keys than domains,
  // per-PSU sums (no per-stratum counting) and nothing kept per row — job a — a row adds its w, row and Σ w y into
  // its key's cell only: per (dense PSU, key) cell_sums_ / cell_wy_ (index p * keys_ + k) and per key key_total_,
  // one place a row instead of one per domain (4 in job a); row_doms_ is then not used. fold_cells() adds each cell into the domains of its key (domain_table_), in key
  // order, when finish() needs them. Each cell's sums are in row order, so the result does not depend on the batches
  // or threads; a domain's sums are the sums of its cells' (the same total, added in another order than the rows').
  struct KeySums {
    std::uint64_t rows = 0, wrows = 0;
    double w = 0;
    std::array<double, 3> wy{};
    std::array<std::uint64_t, 3> cases{};
  };
  bool cells_ = false, cells_decided_ = false, cells_allowed_ = true;
  std::size_t keys_ = 0;
  static constexpr std::uint32_t kNoKey = 0xFFFFFFFFU; // a row outside --where
  std::vector<std::uint32_t> row_key_;                  // the current batch: each row's key (reused; in list mode scratch)
  mutable std::vector<KeySums> key_total_;
  mutable std::vector<PsuSums> cell_sums_;
  mutable std::vector<std::array<double, 3>> cell_wy_;
  void add_cells(const classify::Classification& cls, std::size_t n);
  void fold_cells() const;
  // Per classify::Class: bit m set when it is in the case of measure m (broad, narrow, semi; detail::in_case).
  std::array<std::uint8_t, 4> ymask_{};
  // Rows ahead whose sums add() fetches into the cache (0: 336 ms of CPU on job a, one thread; 8: 292 ms; 32: 295 ms).
  static constexpr std::size_t kAhead = 8;
  // add()'s second pass over the batch's n rows, one source for every kind, chosen once a batch: Counted, a design
  // without a psu column (per-stratum sums and squares below) or else per-PSU sums; Kept, something kept beside the
  // sums (calibrated-stream sums, supplied replicate sums, the rows of a row-level kind, --ci likelihood's groups:
  // keep_row) or else nothing (job a: no per-row test of those kinds).
  template <bool Counted, bool Kept>
  void add_rows(const classify::Classification& cls, std::size_t n);
  // What add_rows keeps of row r beside the sums: its domains dom[0, nd) and outcomes (bit m of ym: in the case of
  // measure m); a row outside --where has nd = 0 and ym = 0.
  void keep_row(std::size_t r, const PsuIndex::Unit& u, const std::uint32_t* dom, std::size_t nd, unsigned ym);
  // A linearised design without a psu column (units_.counted(): every row its own PSU, counted per stratum): per
  // dense stratum and domain the Sums and the squares below (strat_sums_ / strat_sq_[h * domains_ + d]), and per
  // stratum and pair of domains d < e the squares over rows in both (cross_, key (h · D + d) · D + e). The row
  // scores z = w (y − p̂) / W expand into these, so the variance needs nothing per row (docs/performance.md).
  struct Squares {
    double w2 = 0;               // Σ w²
    std::array<double, 3> w2y{}; // Σ w² y_m
    std::array<double, 3> w2yy{}; // Σ w² y_a y_b for (broad, narrow), (broad, semi), (narrow, semi); not in cross_
  };
  // A row's w² into q (Σ w², Σ w² y_m; with `pairs` Σ w² y_a y_b too), ym its outcomes (bit m: in the case of measure m).
  static void add_squares(Squares& q, double w2, unsigned ym, bool pairs);
  std::vector<Sums> strat_sums_;
  std::vector<Squares> strat_sq_;
  std::unordered_map<std::uint64_t, Squares> cross_;
  // The current batch's rows in add(): unit (reused).
  std::vector<PsuIndex::Unit> unit_scratch_;
  std::vector<std::uint32_t> dom_scratch_; // the rows' domain lists without a domain table (stride 3 + 2 × terms)
  std::vector<char> where_scratch_; // --where: the current batch's rows in the subpopulation (reused)
  // --ci likelihood only: rows per (domain, weight bits) and, of those, broad / narrow / semi cases — the
  // groups that replay R's IRLS path exactly (svyglm_intercept_path). Grows with the distinct weights.
  bool keep_groups_ = false;
  // Calibration or supplied replicate columns: the rows (docs/estimation.md "Rows kept").
  bool row_level_ = false;
  Design row_design_;                          // every row's design columns (weights, strata, psu, fpc)
  std::vector<std::uint32_t> row_dom_off_{0};  // per row: its domains are row_dom_[off[r], off[r + 1])
  std::vector<std::uint32_t> row_dom_;
  std::vector<std::uint8_t> row_y_;            // per row: bit m = in the case of measure m (broad, narrow, semi)
  std::unordered_map<std::pair<std::int64_t, std::int64_t>, std::array<std::uint64_t, 4>, KeyHash> groups_;
  // Supplied replicate columns: slot 4 d = Σ w_r of domain d, 4 d + 1 + m = Σ w_r y_m; rank classes keyed by the
  // row's domains (an empty key: rows outside --where, in the design only).
  std::shared_ptr<SuppliedReplicateSums> sup_;
  // Calibrated stream: the per-(PSU, combination) sums, and the current batch's combinations and input weights.
  std::shared_ptr<const CombinationCalibration> cal_fit_;
  std::shared_ptr<CalibratedSums> cal_; // made at the first batch (the domains known)
  const std::vector<std::size_t>* cal_comb_ = nullptr;
  const std::vector<double>* cal_input_ = nullptr;
  std::map<std::vector<std::uint32_t>, std::size_t> sup_classes_;
  std::vector<std::uint32_t> sup_key_;
  std::size_t sup_last_class_ = 0;
  bool sup_has_last_ = false;
};

} // namespace hkstat::estimate
