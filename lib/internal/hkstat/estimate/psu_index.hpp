// hkstat/estimate/psu_index.hpp — the first-stage units of a survey read in batches: one dense index
// per stratum and per PSU, in order of first appearance, with the checks every design row needs.
//
// The single-pass accumulators (prevalence_accumulator.hpp, tabulate/accumulator.hpp) keep their sums
// per dense PSU and ask this index, row by row, which PSU a row belongs to. At the end canonical()
// gives the layout psu_vcov (design.hpp) expects: strata ascending by id, PSUs ascending by id within a
// stratum (a design without a psu column: every row is its own PSU, in row order), and the map from
// canonical to dense PSU index. One place for: the weight check, missing stratum / psu / fpc, an fpc
// that is not positive or varies within a stratum (errors name the data file line), and the direct
// look-up tables that keep the hot path free of hashing for the usual small ids.
#pragma once

#include "hkstat/data/dataset.hpp"
#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/design_from_data.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hkstat::estimate {

class PsuIndex {
public:
  // The design columns of a batch (role weight, stratum, psu, fpc). The first batch fixes which exist;
  // a later batch with other design columns → Error(Internal).
  void bind(const data::Dataset& batch);

  // Without a psu column every row is its own PSU. By default each such PSU is recorded (its id and stratum: memory
  // grows with the rows). count_rows() (before the first bind) keeps only the number of rows per stratum instead:
  // for callers that sum per stratum (the prevalence accumulator's linearised path; docs/performance.md). Then
  // psus() is the number of rows, Unit::psu is 0, Unit::created false, and canonical() gives the strata's
  // offsets (layout.first, popsize, g) but no PSU ids (layout.psu_id, dense_psu and psu_stratum empty).
  void count_rows() { count_rows_ = true; }
  bool counted() const { return count_rows_ && bound_ && !clustered_; }

  struct Unit {
    std::size_t psu = 0;  // dense PSU index
    std::size_t stratum = 0; // dense stratum index
    double weight = 1;    // the row's weight (1 without a weight column), finite and >= 0
    bool created = false; // first row of this PSU
  };
  // Row r of the batch last bound. Errors name the data file line: weight < 0 or not finite
  // (DataInvalidWeight), a missing stratum / psu / fpc (DataMissingRequired), an fpc <= 0, not finite
  // or varying within a stratum (DataOutOfRange).
  Unit add(const data::Dataset& batch, std::size_t r);
  // Every row of the batch last bound, in row order: out[r] = add(batch, r) (out resized to the rows; the first
  // bad row's error, as add's). One call per batch: the units go straight into `out` for the caller's next pass
  // instead of coming back one by one through the stack (a store-forwarding stall a row; docs/performance.md,
  // "Eleventh session, accum").
  void add(const data::Dataset& batch, std::vector<Unit>& out);

  std::size_t rows() const { return rows_; }
  std::size_t psus() const { return counted() ? rows_ : psu_id_.size(); }
  std::size_t strata() const { return stratum_id_.size(); }
  bool weighted() const { return weighted_; }
  bool clustered() const { return clustered_; }

  struct Canonical {
    PsuLayout layout;                     // fpc set (set_stratum_fpc's errors name the fpc's line)
    std::vector<std::size_t> dense_psu;   // canonical PSU → dense index
    std::vector<std::size_t> psu_stratum; // canonical PSU → canonical stratum
    std::vector<std::size_t> stratum_rank; // dense stratum → canonical stratum
  };
  // `source`: the data file named in fpc errors.
  Canonical canonical(const std::string& source) const;

  // What describe_design needs (columns, strata, PSUs, rows; summary.df left 0 for the caller).
  DesignSpec spec(LonelyPsu lonely) const;

  // A hash of a pair of ids (also the prevalence accumulator's (domain, weight bits) groups).
  struct KeyHash {
    std::size_t operator()(const std::pair<std::int64_t, std::int64_t>& k) const noexcept;
  };

private:
  void add_to(const data::Dataset& batch, std::size_t r, Unit& u); // add(), writing into u (set to Unit{} by the caller)
  // The batch add()'s rows from r on that the direct tables give (a seen stratum and PSU under small ids, a valid
  // weight, the stratum's fpc) into o, up to the first that needs add_to() (or n): that row's index.
  std::size_t direct_units(std::size_t r, std::size_t n, Unit* o) const;
  std::size_t stratum_index(std::int64_t id);
  std::size_t psu_index(std::size_t stratum, std::int64_t stratum_id, std::int64_t psu_id, bool& created);

  bool bound_ = false;
  bool count_rows_ = false;
  std::vector<std::size_t> stratum_rows_; // counted(): rows per dense stratum
  bool weighted_ = false, stratified_ = false, clustered_ = false, has_fpc_ = false;
  std::string weight_column_, stratum_column_, psu_column_, fpc_column_;
  const data::Column *wc_ = nullptr, *sc_ = nullptr, *pc_ = nullptr, *fc_ = nullptr; // of the batch last bound
  // Text labels of the stratum / PSU column (null for integer and code columns): canonical order by label.
  std::shared_ptr<data::LabelDict> slabels_, plabels_;
  std::string stratum_text(std::int64_t id) const;
  std::size_t rows_ = 0;

  // Strata (dense, first appearance): id, fpc and the line that gave it.
  std::vector<std::int64_t> stratum_id_;
  std::vector<double> stratum_fpc_;
  std::vector<std::size_t> stratum_fpc_line_;
  std::unordered_map<std::int64_t, std::size_t> stratum_of_;
  // PSUs (dense, first appearance): stratum and id.
  std::vector<std::size_t> psu_stratum_;
  std::vector<std::int64_t> psu_id_;
  std::unordered_map<std::pair<std::int64_t, std::int64_t>, std::size_t, KeyHash> psu_of_;
  // Direct look-up of small non-negative ids (0 <= id < kDirectIds): index + 1, 0 = not seen. Per stratum for PSUs.
  static constexpr std::int64_t kDirectIds = 1 << 16;
  std::vector<std::uint32_t> stratum_direct_;
  std::vector<std::vector<std::uint32_t>> psu_direct_;
  // Last keys seen (rows of a PSU or stratum usually come together).
  bool have_last_ = false, have_stratum_ = false;
  std::int64_t last_stratum_ = 0, last_psu_ = 0, last_stratum_id_ = 0;
  std::size_t last_stratum_index_ = 0, last_psu_index_ = 0;
};

// The linearised covariance of k estimates when every row is its own PSU and only per-stratum moments of the
// score totals are kept (PsuIndex::count_rows): for canonical stratum h, s1[h] = Σ z (k) and s2[h] = Σ z zᵀ
// (k × k) over its L.psus_in(h) rows. The estimator of psu_vcov with Σ (z − z̄)(z − z̄)ᵀ = s2 − s1 s1ᵀ / n_h:
// the same policies (census strata, `present`, lonely PSUs, errors); equal to psu_vcov on the rows up to
// rounding (tests/unit/test_prevalence_accumulator.cpp). Sizes that do not match → Internal.
Eigen::MatrixXd stratum_moments_vcov(const PsuLayout& L, LonelyPsu lonely, const std::vector<Eigen::VectorXd>& s1,
                                     const std::vector<Eigen::MatrixXd>& s2, std::span<const char> present = {});
// The same from centred moments: c2[h] = Σ (z − z̄)(z − z̄)ᵀ over stratum h's rows, s1[h] = Σ z (its singleton's
// uncentred moment is s1 s1ᵀ). For sums that can centre without Σ z zᵀ − s1 s1ᵀ / n (estimate::CalibratedSums).
Eigen::MatrixXd stratum_centred_vcov(const PsuLayout& L, LonelyPsu lonely, const std::vector<Eigen::VectorXd>& s1,
                                     const std::vector<Eigen::MatrixXd>& c2, std::span<const char> present = {});

} // namespace hkstat::estimate
