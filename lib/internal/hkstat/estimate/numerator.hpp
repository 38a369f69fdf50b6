// hkstat/estimate/numerator.hpp — the prevalence with household members (家族内の該当者) in the numerator, and
// in the denominator for `persons` (docs/estimation.md "Household members").
#pragma once

#include "hkstat/estimate/prevalence.hpp"
#include "hkstat/estimate/psu_index.hpp"
#include "hkstat/roster/member_source.hpp"
#include "hkstat/roster/roster.hpp"

#include <array>
#include <cstddef>
#include <memory>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace hkstat::estimate {

class SuppliedReplicateSums;

// Replaces the cells of all ages and of each age group of `res` (from estimate_prevalence on the same data and
// options) by the estimate with the members `m` (classified as `mcls`) counted as `mode` says, and records what
// was counted in res.numerator. Respondents mode only fills res.numerator (the cells stay the respondents').
//
// The rate is a ratio of two totals per respondent (Σ w·y / Σ w·d): y = the respondent's own case (0/1) plus the
// reported members who are cases, d = 1 (respondents+members) or 1 + the reported members (persons), members
// carrying the weight of the respondent who reported them. y is a count, not 0/1, so the binomial intervals do
// not apply: the standard error is the linearised one of the ratio (as svy_ratio; s²/n of the counts for a simple
// sample) and the interval is Wald (rate ± z·SE, or t with the design's df; the lower end cut at 0). A member
// counts in the age group of his or her own age; a member whose age is outside the survey's age range is not
// counted (the population is the survey's); a member with no age counts in 全体 only. Group differences are
// not computed (res.differences is emptied). With supplied replicate-weight columns (codebook [replicates]) the SE
// is the replicate one of the ratio (R svyratio on the svrepdesign: θ_r = Σ w_r·y / Σ w_r·d, replicate_vcov) and the
// df R's degf of the whole replicate design for every cell; with replicates created from the design (‹replicates›
// TYPE) the same from the per-PSU sums and the PSU multipliers (a design without a psu column then keeps each
// row's sums: every row its own PSU). A replicate that leaves a cell without weight: EstimateNoData (as
// check_group_df). Not with calibration, nor with another --ci than wald, nor with a ‹by› / ‹where› variable the members are not asked: UsageInvalidOption naming
// `--numerator respondents` when `mode` was asked for (by_default false); when it is the codebook's default, the
// cells stay the respondents' and res.numerator.fallback names the option.
// This is NumeratorAccumulator over the whole data set (one batch).
void apply_numerator(PrevalenceResult& res, const data::Dataset& ds, const classify::Classification& cls, const roster::Members& m,
                     const classify::Classification& mcls, roster::Numerator mode, bool by_default, const PrevalenceOptions& opt);

// apply_numerator with the members of `read`, the valid rows read, classified by cls's rule-set: `ds` (classified as
// `cls`) is `read`, or under calibration its rows of positive weight (api::calibrate). The members are always those of
// every valid row, as `hkstat estimate`, `report` and the facade read them: a respondent of weight 0 keeps its members,
// which take its weight (0) — a calibrated estimate never counts members in its cells (the refusal or fallback), so
// they only show in res.numerator. Counting members (no calibration) needs `ds` to be `read`: Error(Internal) otherwise.
void apply_members(PrevalenceResult& res, const data::Dataset& read, const data::Dataset& ds, const classify::Classification& cls,
                   roster::Numerator mode, bool by_default, const PrevalenceOptions& opt);

// What the estimate with members needs of each member, in the order read (MemberFacts::of): nothing of the
// member's answers but these. `respondent`: the row of the respondent in the batch the members came from (wide),
// unused for a long member file (the id decides, LongMemberIndex).
struct MemberFacts {
  std::vector<std::uint32_t> respondent;
  std::vector<std::int16_t> group;   // age group index; -1 none (no age, or in no group); -2 outside the survey's ages
  std::vector<std::uint8_t> flags;   // bits 0–2: a case of broad, narrow, semi; bit 3: in ‹where›; bit 4: no age
  std::vector<std::int16_t> levels;  // per member, per ‹by› variable: its code index (-1 none)
  std::size_t size() const { return group.size(); }
};

// The estimate with members from sums, in one pass over the respondents (in file order, in batches of any size,
// each with its members): per cell (measure × age group × ‹by› term level) and respondent row r the counts
// num_r (own case + the members' cases) and den_r (1, or 1 + members for persons) are formed exactly as the
// row-level estimate forms them, and kept only as
//   per cell, in row order: Σ w num, Σ w den, Σ num, Σ den (the rate and counts: bitwise the row-level sums);
//   per PSU and cell: Σ w num, Σ w den (the PSU score totals (Σ_p w num − R Σ_p w den) / Σ w den → psu_vcov);
//   a design without a psu column (every row its own PSU): per stratum and cell Σ w num, Σ w den, Σ (w num)²,
//   Σ w num · w den, Σ (w den)² (→ stratum_moments_vcov);
//   supplied replicate columns: per cell and replicate Σ w_r num, Σ w_r den in row order, and the Gram matrix of
//   every row's replicate weights for the rank (SuppliedReplicateSums).
// Memory O(PSUs × cells) (or strata × cells), nothing per row; the SE equals the row-level svy_ratio to rounding
// (the scores are summed per PSU, not per row). The results do not depend on how the rows are cut into batches.
class NumeratorAccumulator {
public:
  // `respondents`: the respondents' codebook (with its [roster]). Refuses (UsageInvalidOption) options the estimate
  // with members does not support when `mode` was asked for (see apply_numerator); ‹by› errors as resolve_by.
  // `calibrated`: the respondents' estimate is calibrated on the combination table (the streamed --calibrate, whose
  // options carry no PrevalenceOptions::calibration): treated as options with a calibration (refused, or the fallback).
  NumeratorAccumulator(const codebook::Codebook& respondents, PrevalenceOptions options, roster::Numerator mode, bool by_default,
                       bool calibrated = false);

  // The facts of members `m` (their classification `mcls`), for add(). The first call decides (from the members'
  // codebook) whether a ‹by› / ‹where› variable is not asked about the members: refused when the mode was asked for.
  MemberFacts facts(const roster::Members& m, const classify::Classification& mcls);

  // The next respondents, in file order, with their members: those of row r (of `batch`) are f's entries
  // order[first[r]], …, order[first[r + 1] − 1] (`first`: batch.rows() + 1 offsets).
  void add(const data::Dataset& batch, const classify::Classification& cls, const MemberFacts& f, const std::vector<std::uint32_t>& first,
           const std::vector<std::uint32_t>& order);
  // The same for members whose MemberFacts::respondent is the row in `batch` (wide: roster::read_members(batch)).
  void add(const data::Dataset& batch, const classify::Classification& cls, const MemberFacts& f);

  // Members counted in res.numerator that add() does not see (a long member file's: LongMemberIndex counts them).
  void count_members(const MemberFacts& f);

  // Replaces the cells of `res` (the respondents' estimate of the same rows and options) as apply_numerator does.
  void finish(PrevalenceResult& res) const;

  bool counting() const { return counting_; } // members counted in the cells (not respondents only, no fallback)

private:
  struct Term {
    std::string name;                  // as the respondents' cells name it ("sex", crossed "問3×sex")
    std::vector<std::size_t> parts;    // indices into base_
    std::vector<std::size_t> stride;
    std::vector<std::string> level_id; // "1", crossed "1×2"
    std::size_t first = 0;             // first cell index
  };
  struct Cell { // per cell and PSU (or whole): Σ w num (per measure), Σ w den
    std::array<double, 3> wn{};
    double wd = 0;
  };
  struct Moments { // per cell and stratum, counted designs
    std::array<double, 3> wn{}, wn2{}, wnd{};
    double wd = 0, wd2 = 0;
  };
  struct Scratch {
    std::array<std::uint32_t, 3> num{};
    std::uint32_t den = 0;
  };
  std::size_t domain(int g, std::size_t t, std::size_t level) const;
  void decide(const roster::Members& m);

  PrevalenceOptions opt_;
  roster::Numerator mode_;
  bool by_default_;
  roster::NumeratorSummary s_;
  data::Dataset shape_; // the respondents' codebook, no rows (resolve_by, where_rows)
  struct Base {
    std::string column; // the codebook variable
    std::vector<std::int64_t> codes;
  };
  std::vector<Base> base_;
  std::vector<Term> terms_;
  std::vector<std::string> names_; // ‹by› then ‹where› variables
  std::size_t D_ = 1;              // cells per measure: (1 + G) × (1 + Σ levels)
  bool decided_ = false, counting_ = false;
  std::string lacking_, lacking_option_, conflict_;
  std::size_t member_cases_all_ = 0, member_cases_where_ = 0, respondent_cases_ = 0;
  std::string source_;

  PsuIndex units_;
  std::vector<PsuIndex::Unit> batch_units_; // a batch's units, from one PsuIndex::add
  std::shared_ptr<SuppliedReplicateSums> sup_; // supplied replicate columns (made at the first counted batch)
  std::vector<double> sup_wa_;                 // a row's replicate weights × a count
  std::vector<Cell> psu_;         // per dense PSU × D_
  std::vector<Moments> strat_;    // counted: per dense stratum × D_
  std::vector<char> psu_w_;       // per dense PSU: a row of nonzero weight
  std::vector<std::uint64_t> stratum_wrows_; // counted: per dense stratum, rows of nonzero weight
  std::vector<Cell> total_;       // per cell, in row order
  std::vector<std::array<std::uint64_t, 3>> cases_;
  std::vector<std::uint64_t> n_;
  // reused per batch / row
  std::vector<char> rin_, min_;
  std::vector<int> rgroup_;
  std::vector<std::int16_t> rlevel_;
  std::vector<Scratch> scratch_;
  std::vector<char> touched_mark_;
  std::vector<std::size_t> touched_;
};

// The accumulator of the constructor's arguments, emplaced into `slot` by the streamed commands (estimate
// --calibrate, report), except that the refusal of a members numerator asked for with an option the estimate with
// members does not support is kept in `refused`, for the caller to throw where the data read whole meet it (after the
// respondents' estimate and the member file's errors); the accumulator then gathers the members' facts as for
// respondents. An error the respondents' accumulator meets too (a ‹by› variable) is thrown.
void emplace_deferring_refusal(std::optional<NumeratorAccumulator>& slot, const codebook::Codebook& respondents, const PrevalenceOptions& options,
                               roster::Numerator mode, bool by_default, bool calibrated, std::exception_ptr& refused);

// A long roster streamed (docs/performance.md "roster"): the member file is read first (roster::for_each_member_batch),
// and of each member only its MemberFacts are kept, chained per respondent id; then the respondents are streamed and
// each row's members looked up by its id (of_batch), exactly the members the row-level estimate gives the row, in
// the member file's order. Memory: about 65 bytes per respondent who reports members, measured with its members
// (the id, up to 15 bytes inline, its chain, and 7 + 2 × ‹by› variables bytes per member) — bounded by the
// members, not flat.
class LongMemberIndex {
public:
  // The next members read (m's first column: their respondent id; f = NumeratorAccumulator::facts(m, …)).
  void add(const roster::Members& m, const MemberFacts& f);
  // The members of the rows of `batch` (by its id column) as NumeratorAccumulator::add takes them: facts() with
  // first (batch.rows() + 1 offsets) and order (indices into facts()). Marks those ids found.
  void of_batch(const data::Dataset& batch, std::vector<std::uint32_t>& first, std::vector<std::uint32_t>& order);
  const MemberFacts& facts() const { return facts_; }
  // After the last respondent: a member whose respondent id was never found → DataRoster naming the first such
  // member row (roster::unknown_respondent).
  void check_found(const codebook::Codebook& respondents, const std::string& respondents_source) const;
  std::size_t respondents() const { return index_.respondents(); } // respondent ids with members

private:
  roster::MembersById index_; // member k = facts_ entry k
  MemberFacts facts_;
};

// The household members of a streamed estimate (`estimate` and `report`, with or without --calibrate): the
// NumeratorAccumulator (emplace_deferring_refusal), a long member file read first (LongMemberIndex, `batch_rows` at a
// time), and every error kept until finish(), where the data read whole meet them (after the respondents' estimate):
// the member file's or a batch's, an unknown respondent id, then the refusal. The members are those of every valid
// row read, as apply_members reads them: without calibration add(batch, cls) (the rows read are the rows estimated);
// calibrated (`calibrated`: members never counted in the cells), add_read(batch) with every batch read — a wide
// roster's members read from its rows, a long roster's respondent ids marked found, a respondent of weight 0
// included — and add_calibrated(part, cls) with its rows of positive weight (the respondents' cases).
class MemberStream {
public:
  MemberStream(const codebook::Codebook& respondents, const PrevalenceOptions& options, roster::Numerator mode, bool by_default, bool calibrated,
               const classify::RuleSet& rs, std::size_t batch_rows);
  void add(const data::Dataset& batch, const classify::Classification& cls);
  void add_read(const data::Dataset& batch);
  void add_calibrated(const data::Dataset& part, const classify::Classification& cls);
  // Throws the first error kept, else replaces the cells of `res` (NumeratorAccumulator::finish). `respondents` and
  // `respondents_source` name an unknown respondent id of a long roster (LongMemberIndex::check_found).
  void finish(PrevalenceResult& res, const codebook::Codebook& respondents, const std::string& respondents_source);

private:
  template <class F> void guarded(F&& f);
  const classify::RuleSet* rs_;
  bool calibrated_;
  std::optional<NumeratorAccumulator> acc_;
  std::optional<LongMemberIndex> index_;
  std::exception_ptr error_, refused_;
  std::vector<std::uint32_t> first_, order_; // reused per batch
};

} // namespace hkstat::estimate
