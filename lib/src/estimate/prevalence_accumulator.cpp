#include "hkstat/estimate/prevalence_accumulator.hpp"

#include "prevalence_parts.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/estimate/by_limit.hpp"
#include "hkstat/estimate/calibrated_sums.hpp"
#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/design_from_data.hpp"
#include "hkstat/estimate/domain_engine.hpp"
#include "hkstat/estimate/replicates.hpp"
#include "hkstat/estimate/replicates_from_data.hpp"
#include "hkstat/estimate/replicates_sums.hpp"
#include "hkstat/estimate/survey_estimators.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <span>

namespace hkstat::estimate {

using codebook::Role;

namespace {

constexpr std::array<Measure, 3> kMeasures{Measure::Broad, Measure::Narrow, Measure::Semi};

[[noreturn]] void internal(std::string value, const char* ja, const char* en) {
  throw_problem(ErrorCode::Internal, std::move(value), Text{ja, en}, Text{});
}

} // namespace

PrevalenceAccumulator::PrevalenceAccumulator(PrevalenceOptions options) : opt_(std::move(options)) {
  if ((opt_.calibration || opt_.replicates) && opt_.replicate_request)
    internal("replicates", "反復重みの作成要求と反復重みの列・較正は同時に使えません",
             "a replicate request cannot be combined with replicate columns or calibration");
  if (opt_.replicate_columns && (opt_.replicates || opt_.replicate_request || opt_.calibration))
    internal("replicates", "反復重みの列は、ほかの反復重み・較正と同時に使えません",
             "replicate columns cannot be combined with other replicates or calibration");
  // Supplied replicate columns are summed (sup_, made at the first batch), not kept per row.
  row_level_ = static_cast<bool>(opt_.calibration);
  domains_ = 1 + opt_.groups.size();
  domain_.assign(domains_, Sums{});
  cases_.assign(domains_, {0, 0, 0});
  keep_groups_ = opt_.ci_method == CiMethod::Likelihood;
  for (const classify::Class c : {classify::Class::Narrow, classify::Class::Semi, classify::Class::NotCase, classify::Class::Excluded})
    for (std::size_t m = 0; m < 3; ++m)
      if (detail::in_case(kMeasures[m], c)) ymask_[static_cast<std::size_t>(c)] |= static_cast<std::uint8_t>(1U << m);
  // Linearised: a design without a psu column is summed per stratum (nothing kept per row).
  if (!row_level_ && !opt_.replicate_request) units_.count_rows();
}

PrevalenceAccumulator::PrevalenceAccumulator(PrevalenceOptions options, std::shared_ptr<const CombinationCalibration> calibration)
    : PrevalenceAccumulator(std::move(options)) {
  if (opt_.calibration || opt_.replicates || opt_.replicate_request || opt_.replicate_columns || !calibration)
    internal("calibration", "組み合わせの表による較正は、ほかの較正・反復重みと同時に使えません",
             "calibration on the combination table cannot be combined with other calibration or replicates");
  cal_fit_ = std::move(calibration);
  // Rows counted per stratum without a psu column (CalibratedSums per stratum), every PSU kept with one.
}

void PrevalenceAccumulator::add(const data::Dataset& ds, const classify::Classification& cls, const std::vector<std::size_t>& combination,
                                const std::vector<double>& input_weight) {
  if (!cal_fit_ || combination.size() != ds.rows() || input_weight.size() != ds.rows())
    internal(fmt::format("rows={} combinations={}", ds.rows(), combination.size()), "較正の組み合わせが行と一致しません",
             "the calibration's combinations differ from the rows");
  const CalibrationBatch batch(cal_comb_, cal_input_, combination, input_weight);
  add(ds, cls);
}

void PrevalenceAccumulator::add(const data::Dataset& ds, const classify::Classification& cls) {
  if (cal_fit_ && !cal_comb_) internal("calibration", "較正の組み合わせなしに行が加えられました", "rows added without their calibration combinations");
  if (cls.rows.size() != ds.rows())
    internal(fmt::format("rows={} classified={}", ds.rows(), cls.rows.size()), "分類結果の行数がデータと一致しません",
             "classification rows differ from the data");
  if (source_.empty()) source_ = ds.source;
  if (ds.rows() == 0) return;
  units_.bind(ds);
  if (!started_) {
    detail::check_population_sample(ds);
    started_ = true;
    source_ = ds.source;
    const std::size_t G = opt_.groups.size();
    std::vector<detail::ByVariable> vars = detail::resolve_by(ds, opt_.by, true);
    for (const std::vector<std::size_t>& parts : detail::by_terms(vars)) {
      ByVar b;
      b.parts = parts;
      std::size_t levels = 1;
      for (auto i = parts.rbegin(); i != parts.rend(); ++i) {
        b.stride.insert(b.stride.begin(), levels);
        levels *= vars[*i].codes.size();
      }
      for (std::size_t i = 0; i < parts.size(); ++i) {
        b.name += (i ? "×" : "") + vars[parts[i]].name;
        b.label += (i ? "×" : "") + vars[parts[i]].label;
      }
      b.level_id.resize(levels);
      b.labels.resize(levels);
      b.keys.resize(levels);
      for (std::size_t l = 0; l < levels; ++l)
        for (std::size_t i = 0; i < parts.size(); ++i) {
          const detail::ByVariable& v = vars[parts[i]];
          const std::size_t x = l / b.stride[i] % v.codes.size();
          b.level_id[l] += (i ? "×" : "") + std::to_string(v.codes[x]);
          b.labels[l] += (i ? "×" : "") + v.labels[x];
          b.keys[l] += (i ? "×" : "") + v.keys[x];
        }
      b.first = domains_;
      domains_ += levels * (1 + G);
      by_.push_back(std::move(b));
    }
    for (detail::ByVariable& v : vars) {
      ByBase b{std::move(v.column), std::move(v.codes), {}, 0, {}};
      b.index = data::SpanTable<int>(b.codes, -1);
      if (!b.index.empty())
        for (std::size_t i = b.codes.size(); i-- > 0;) b.index.at(b.codes[i]) = static_cast<int>(i);
      by_base_.push_back(std::move(b));
    }
    domain_.assign(domains_, Sums{});
    cases_.assign(domains_, {0, 0, 0});
    build_domain_table();
    if (cal_fit_) cal_ = std::make_shared<CalibratedSums>(cal_fit_, domains_, 3, units_.counted());
    if (opt_.replicates) sup_ = std::make_shared<SuppliedReplicateSums>(opt_.replicates);
    else if (opt_.replicate_columns)
      sup_ = std::make_shared<SuppliedReplicateSums>(*opt_.replicate_columns, ds.codebook.replicates ? ds.codebook.path : std::string(),
                                                     ds.codebook.replicates ? ds.codebook.replicates->line : 0);
  }
  if (sup_) {
    sup_->bind(ds);
    sup_->resize_slots(domains_ * 4); // once R is known (the first bind); unchanged after
  }
  outside_forms_ += detail::where_rows(ds, opt_, where_scratch_);
  const detail::AgeGroupOf group_of(ds, opt_.groups); // each row's age group in pass 1, below
  by_columns_.clear();
  for (const ByBase& b : by_base_) {
    const data::Column* c = ds.column(b.column);
    if (!c) internal(b.column, "バッチごとに ‹by› の変数が異なります", "the ‹by› variables differ between batches");
    by_columns_.push_back(c);
  }
  row_level_of_.assign(by_base_.size(), -1);
  row_domains_.assign(2 + 2 * by_.size(), 0); // all and the age group, each term's level and level × age group
  if (row_level_) { // the rows' design columns, as design_from_dataset reads them (errors name the batch's lines)
    const DesignSpec part = design_from_dataset(ds, opt_.lonely);
    const auto append = [](auto& to, const auto& from) { to.insert(to.end(), from.begin(), from.end()); };
    append(row_design_.weights, part.design.weights);
    append(row_design_.strata, part.design.strata);
    append(row_design_.psu, part.design.psu);
    append(row_design_.fpc, part.design.fpc);
    row_design_.lonely = opt_.lonely;
  }

  // Pass 1: every row's unit (its errors in row order) and domains. Pass 2 adds the rows, fetching the per-PSU sums
  // of the row kAhead rows on into the cache first: the PSUs of a survey file come in any order, and the sums of
  // 2,000 PSUs × 21 domains (2 MB) do not stay in the cache (docs/performance.md, "Eighth session"). The sums
  // are added in row order either way, so the result does not change.
  // A row's domains depend only on its age group and --by levels (its key): from the table of every key's domains
  // when there is one (domain_table_), else written for the row (domains_of); either way a pointer a row. In cell
  // mode (below) a row's key instead.
  const std::size_t n = ds.rows();
  const std::size_t E = 3 + 2 * by_.size(); // a domain list: its length, then at most 2 + 2 × terms domains
  if (domain_table_.empty()) dom_scratch_.resize(n * E);
  units_.add(ds, unit_scratch_); // the units first (their errors in row order), then the sums sized for them
  const bool kept = cal_ || row_level_ || sup_ || keep_groups_;
  if (!cells_decided_) { // cell mode or not, at the first batch, for every batch
    cells_decided_ = true;
    // Only with no more keys than domains: the cells (PSUs × keys) then take no more memory than the domains' sums
    // (PSUs × domains) would. Separate --by terms make more keys than domains (the product of their levels against
    // the sum).
    const std::size_t keys = domain_table_.size() / E;
    cells_ = cells_allowed_ && !domain_table_.empty() && keys <= domains_ && !units_.counted() && !kept;
    keys_ = cells_ ? keys : 0;
    key_total_.assign(keys_, KeySums{});
  }
  if (cells_) row_key_.resize(n);
  else row_doms_.resize(n);
  if (cells_) {
    cell_sums_.resize(units_.psus() * keys_);
    cell_wy_.resize(units_.psus() * keys_);
  } else if (units_.counted()) {
    strat_sums_.resize(units_.strata() * domains_);
    strat_sq_.resize(units_.strata() * domains_);
  } else {
    psu_sums_.resize(units_.psus() * domains_);
    psu_wy_.resize(units_.psus() * domains_);
  }
  row_keys(cls, group_of, n);

  // Pass 2: one loop for every kind of design (add_rows), instantiated for what the batch's rows add, chosen once
  // here: per-stratum sums (no psu column) or per-PSU sums, and whether anything is kept beside them.
  if (cells_) add_cells(cls, n);
  else if (units_.counted()) kept ? add_rows<true, true>(cls, n) : add_rows<true, false>(cls, n);
  else kept ? add_rows<false, true>(cls, n) : add_rows<false, false>(cls, n);
}

namespace {

// A key's parts (row_keys' fast loop): per --by variable its column and its codes' key parts (ByBase::key_part).
struct KeyParts {
  std::array<const std::int64_t*, kMaxByDepth> codes{};
  std::array<data::SpanTable<std::uint32_t>::View, kMaxByDepth> part{};
};

// row_keys with a domain table and every --by variable's key parts in a table: a row's key is its age group + 1 plus
// one look-up per variable, V of them (the loop unrolled), into key[r] (kNoKey outside --where). Returns the rows with
// a missing outing and a missing age. A function of its own, its values in registers (docs/performance.md,
// "Fifteenth session, accum15").
template <std::size_t V>
[[gnu::noinline]] std::pair<std::size_t, std::size_t> keys_of_rows(std::size_t n, const char* inside, const classify::Decision* decision,
                                                                   const detail::AgeGroupOf& group_of, const KeyParts& kp, std::uint32_t kNoKey,
                                                                   std::uint32_t* key) {
  const std::int64_t* const ages = group_of.ages();
  std::array<const std::int64_t*, kMaxByDepth> codes = kp.codes;
  std::array<data::SpanTable<std::uint32_t>::View, kMaxByDepth> part = kp.part;
  std::size_t outing_missing = 0, age_missing = 0;
  for (std::size_t r = 0; r < n; ++r) {
    if (!inside[r]) {
      key[r] = kNoKey;
      continue;
    }
    outing_missing += decision[r].reason == classify::Reason::OutingMissing;
    std::uint32_t k = 0;
    if (ages) {
      const std::int64_t a = ages[r];
      if (a == data::kMissing) ++age_missing;
      else k = static_cast<std::uint32_t>(group_of(a) + 1);
    }
    for (std::size_t v = 0; v < V; ++v) k += part[v](codes[v][r]);
    key[r] = k;
  }
  return {outing_missing, age_missing};
}

} // namespace

void PrevalenceAccumulator::row_keys(const classify::Classification& cls, const detail::AgeGroupOf& group_of, const std::size_t n) {
  const std::size_t V = by_base_.size(); // at most kMaxByDepth
  const classify::Decision* const decision = cls.rows.data();
  const char* const inside = where_scratch_.data();
  const std::uint32_t* const table = domain_table_.empty() ? nullptr : domain_table_.data();
  const std::size_t E = 3 + 2 * by_.size();
  const std::uint32_t** const list = row_doms_.data();
  KeyParts kp;
  bool parts = table != nullptr;
  for (std::size_t v = 0; v < V; ++v) {
    kp.codes[v] = by_columns_[v]->ints.data();
    kp.part[v] = by_base_[v].key_part.view();
    parts = parts && !by_base_[v].key_part.empty();
  }
  if (parts) { // the usual case (job a): the keys, then in list mode each key's list
    if (!cells_) row_key_.resize(n);
    std::uint32_t* const key = row_key_.data();
    const auto [om, am] = V == 0   ? keys_of_rows<0>(n, inside, decision, group_of, kp, kNoKey, key)
                          : V == 1 ? keys_of_rows<1>(n, inside, decision, group_of, kp, kNoKey, key)
                          : V == 2 ? keys_of_rows<2>(n, inside, decision, group_of, kp, kNoKey, key)
                                   : keys_of_rows<3>(n, inside, decision, group_of, kp, kNoKey, key);
    outing_missing_ += om;
    age_missing_ += am;
    if (!cells_)
      for (std::size_t r = 0; r < n; ++r) list[r] = key[r] == kNoKey ? &kNoDomain : table + key[r] * E;
    return;
  }
  // Without a domain table, or a --by variable's codes spread too wide for one: each row's level per variable
  // (ByBase::level) and its list from the table or written for it (domains_of).
  const std::int64_t* const ages = group_of.ages();
  std::size_t outing_missing = 0, age_missing = 0;
  for (std::size_t r = 0; r < n; ++r) {
    if (!inside[r]) { // --where: in the design (its PSU and stratum), in no domain
      if (cells_) row_key_[r] = kNoKey;
      else list[r] = &kNoDomain;
      continue;
    }
    outing_missing += decision[r].reason == classify::Reason::OutingMissing;
    int g = -1;
    if (ages) {
      const std::int64_t a = ages[r];
      if (a == data::kMissing) ++age_missing;
      else g = group_of(a);
    }
    for (std::size_t v = 0; v < V; ++v) row_level_of_[v] = by_base_[v].level(kp.codes[v][r]);
    if (table) {
      std::size_t key = static_cast<std::size_t>(g + 1);
      for (std::size_t v = 0; v < V; ++v) key += static_cast<std::size_t>(row_level_of_[v] + 1) * by_base_[v].key_stride;
      if (cells_) row_key_[r] = static_cast<std::uint32_t>(key);
      else list[r] = table + key * E;
      continue;
    }
    std::uint32_t* const e = &dom_scratch_[r * E];
    domains_of(g, row_level_of_.data(), e);
    list[r] = e;
  }
  outing_missing_ += outing_missing;
  age_missing_ += age_missing;
}

void PrevalenceAccumulator::domains_of(int g, const int* level, std::uint32_t* out) const {
  const std::size_t G1 = 1 + opt_.groups.size();
  std::uint32_t* const dom = out + 1;
  std::size_t nd = 0;
  dom[nd++] = 0;
  if (g >= 0) dom[nd++] = static_cast<std::uint32_t>(g) + 1;
  for (const ByVar& b : by_) {
    std::size_t l = 0;
    bool in = true;
    for (std::size_t i = 0; i < b.parts.size(); ++i) {
      const int x = level[b.parts[i]];
      if (x < 0) {
        in = false;
        break;
      }
      l += static_cast<std::size_t>(x) * b.stride[i];
    }
    if (!in) continue;
    const std::size_t first = b.first + l * G1;
    dom[nd++] = static_cast<std::uint32_t>(first);
    if (g >= 0) dom[nd++] = static_cast<std::uint32_t>(first + static_cast<std::size_t>(g) + 1);
  }
  out[0] = static_cast<std::uint32_t>(nd);
}

void PrevalenceAccumulator::build_domain_table() {
  // Keys: (g + 1) + Σ_v (level_v + 1) key_stride_v, key_stride_0 = 1 + G, key_stride_{v+1} = key_stride_v (1 + L_v).
  const std::size_t G = opt_.groups.size(), E = 3 + 2 * by_.size();
  std::size_t keys = G + 1;
  for (ByBase& b : by_base_) {
    if (keys > domain_table_keys_) return; // too many: each row's domains written for it
    b.key_stride = keys;
    keys *= b.codes.size() + 1;
  }
  if (keys > domain_table_keys_) return;
  for (ByBase& b : by_base_) {
    b.key_part = data::SpanTable<std::uint32_t>(b.codes, 0);
    if (!b.key_part.empty())
      for (std::size_t i = b.codes.size(); i-- > 0;) b.key_part.at(b.codes[i]) = static_cast<std::uint32_t>((i + 1) * b.key_stride);
  }
  domain_table_.assign(keys * E, 0);
  std::vector<int> level(by_base_.size());
  for (std::size_t key = 0; key < keys; ++key) {
    for (std::size_t v = 0; v < by_base_.size(); ++v)
      level[v] = static_cast<int>(key / by_base_[v].key_stride % (by_base_[v].codes.size() + 1)) - 1;
    domains_of(static_cast<int>(key % (G + 1)) - 1, level.data(), &domain_table_[key * E]);
  }
}

template <bool Counted, bool Kept>
void PrevalenceAccumulator::add_rows(const classify::Classification& cls, std::size_t n) {
  // Every sum gets its additions in row order. Within a row: first what every row adds (its w and row into its
  // domains' totals and into its PSU's, or stratum's, sums of them), then, for a row in a case (ym ≠ 0: about 3% of
  // job a's rows), its w into Σ w y and its case counts.
  const std::size_t D = domains_;
  PsuSums* const psu = psu_sums_.data();
  std::array<double, 3>* const psu_wy = psu_wy_.data();
  Sums* const total = domain_.data();
  Sums* const strat = strat_sums_.data();
  Squares* const sq = strat_sq_.data();
  for (std::size_t r = 0; r < n; ++r) {
    if constexpr (!Counted)
      if (r + kAhead < n) {
        const std::size_t a = r + kAhead;
        const std::size_t base = unit_scratch_[a].psu * D;
        const std::uint32_t* const list = row_doms_[a];
        const std::uint32_t* const dom = list + 1;
        const bool in_case = ymask_[static_cast<std::size_t>(cls.rows[a].cls)] != 0;
        for (std::size_t i = 0; i < list[0]; ++i) {
          __builtin_prefetch(psu + base + dom[i], 1);
          if (in_case) __builtin_prefetch(psu_wy + base + dom[i], 1);
        }
      }
    // nd = 0: --where left the row out, in the design (its PSU and stratum) but in no domain (every other row is in
    // domain 0); kept beside the sums with no domain and no case.
    const std::uint32_t* const list = row_doms_[r];
    const std::size_t nd = list[0];
    const PsuIndex::Unit& u = unit_scratch_[r];
    const std::uint32_t* const dom = list + 1;
    if constexpr (Kept) keep_row(r, u, dom, nd, nd == 0 ? 0U : ymask_[static_cast<std::size_t>(cls.rows[r].cls)]);
    if (nd == 0) continue;
    const double w = u.weight;
    const std::uint64_t nonzero = w != 0;
    const unsigned ym = ymask_[static_cast<std::size_t>(cls.rows[r].cls)];
    const std::size_t base = (Counted ? u.stratum : u.psu) * D;
    for (std::size_t i = 0; i < nd; ++i) {
      const std::size_t d = dom[i];
      Sums& t = total[d];
      ++t.rows;
      t.wrows += nonzero;
      t.w += w;
      if constexpr (Counted) {
        Sums& s = strat[base + d];
        ++s.rows;
        s.wrows += nonzero;
        s.w += w;
        const double w2 = w * w;
        add_squares(sq[base + d], w2, ym, true);
        for (std::size_t j = i + 1; j < nd; ++j) {
          const std::size_t e = dom[j];
          add_squares(cross_[(static_cast<std::uint64_t>(u.stratum) * D + std::min(d, e)) * D + std::max(d, e)], w2, ym, false);
        }
      } else {
        PsuSums& s = psu[base + d];
        ++s.rows;
        s.w += w;
      }
    }
    if (ym != 0)
      for (std::size_t i = 0; i < nd; ++i) {
        const std::size_t d = dom[i];
        for (std::size_t m = 0; m < 3; ++m)
          if (ym >> m & 1U) {
            total[d].wy[m] += w;
            (Counted ? strat[base + d].wy[m] : psu_wy[base + d][m]) += w;
            ++cases_[d][m];
          }
      }
    ++rows_;
  }
}

void PrevalenceAccumulator::add_cells(const classify::Classification& cls, const std::size_t n) {
  // add_rows<false, false> with a row's key for its domains: its w and row into its key's total and its PSU's cell,
  // then, for a row in a case, its w into their Σ w y and its case counts.
  const std::size_t K = keys_;
  PsuSums* const cell = cell_sums_.data();
  std::array<double, 3>* const cell_wy = cell_wy_.data();
  KeySums* const total = key_total_.data();
  const std::uint32_t* const key = row_key_.data();
  const PsuIndex::Unit* const unit = unit_scratch_.data();
  const classify::Decision* const decision = cls.rows.data();
  for (std::size_t r = 0; r < n; ++r) {
    if (r + kAhead < n && key[r + kAhead] != kNoKey) { // the cell kAhead rows on, into the cache (add_rows)
      const std::size_t a = r + kAhead, at = unit[a].psu * K + key[a];
      __builtin_prefetch(cell + at, 1);
      if (ymask_[static_cast<std::size_t>(decision[a].cls)] != 0) __builtin_prefetch(cell_wy + at, 1);
    }
    const std::uint32_t k = key[r];
    if (k == kNoKey) continue;
    const PsuIndex::Unit& u = unit[r];
    const double w = u.weight;
    const std::size_t at = u.psu * K + k;
    KeySums& t = total[k];
    ++t.rows;
    t.wrows += w != 0;
    t.w += w;
    PsuSums& c = cell[at];
    ++c.rows;
    c.w += w;
    if (const unsigned ym = ymask_[static_cast<std::size_t>(decision[r].cls)]; ym != 0)
      for (std::size_t m = 0; m < 3; ++m)
        if (ym >> m & 1U) {
          t.wy[m] += w;
          cell_wy[at][m] += w;
          ++t.cases[m];
        }
    ++rows_;
  }
}

void PrevalenceAccumulator::fold_cells() const {
  if (!cells_) return;
  const std::size_t D = domains_, K = keys_, E = 3 + 2 * by_.size(), P = units_.psus();
  const auto domains = [&](std::size_t k) { return std::span<const std::uint32_t>(&domain_table_[k * E + 1], domain_table_[k * E]); };
  for (std::size_t k = 0; k < K; ++k) {
    const KeySums& t = key_total_[k];
    if (t.rows == 0) continue;
    for (const std::uint32_t d : domains(k)) {
      Sums& s = domain_[d];
      s.rows += t.rows;
      s.wrows += t.wrows;
      s.w += t.w;
      for (std::size_t m = 0; m < 3; ++m) {
        s.wy[m] += t.wy[m];
        cases_[d][m] += t.cases[m];
      }
    }
  }
  psu_sums_.resize(P * D);
  psu_wy_.resize(P * D);
  for (std::size_t p = 0; p < P; ++p)
    for (std::size_t k = 0; k < K; ++k) {
      const PsuSums& c = cell_sums_[p * K + k];
      if (c.rows == 0) continue;
      const std::array<double, 3>& cy = cell_wy_[p * K + k];
      for (const std::uint32_t d : domains(k)) {
        PsuSums& s = psu_sums_[p * D + d];
        s.rows += c.rows;
        s.w += c.w;
        for (std::size_t m = 0; m < 3; ++m) psu_wy_[p * D + d][m] += cy[m];
      }
    }
  // Folded: the cells start again from zero (a later add() and finish() fold only what came after).
  key_total_.assign(K, KeySums{});
  cell_sums_.assign(cell_sums_.size(), PsuSums{});
  cell_wy_.assign(cell_wy_.size(), {});
}

void PrevalenceAccumulator::add_squares(Squares& q, double w2, unsigned ym, bool pairs) {
  q.w2 += w2;
  for (std::size_t m = 0; m < 3; ++m)
    if (ym >> m & 1U) q.w2y[m] += w2;
  if (!pairs) return;
  if ((ym & 3U) == 3U) q.w2yy[0] += w2; // broad and narrow
  if ((ym & 5U) == 5U) q.w2yy[1] += w2; // broad and semi
  if ((ym & 6U) == 6U) q.w2yy[2] += w2; // narrow and semi
}

void PrevalenceAccumulator::keep_row(std::size_t r, const PsuIndex::Unit& u, const std::uint32_t* dom, std::size_t nd, unsigned ym) {
  // A row outside --where comes with nd = 0 and ym = 0: in the design only.
  const double* rw = sup_ ? sup_->row(r, u.weight) : nullptr; // the row's replicate (analysis) weights
  std::copy(dom, dom + nd, row_domains_.begin());
  const std::array<bool, 3> y{(ym & 1U) != 0, (ym & 2U) != 0, (ym & 4U) != 0};
  if (cal_) cal_->add(units_.counted() ? u.stratum : u.psu, (*cal_comb_)[r], u.weight, (*cal_input_)[r], row_domains_.data(), nd, y);
  if (row_level_) {
    row_dom_.insert(row_dom_.end(), dom, dom + nd);
    row_dom_off_.push_back(static_cast<std::uint32_t>(row_dom_.size()));
    row_y_.push_back(static_cast<std::uint8_t>(ym));
  }
  if (rw) {
    add_replicate_rank(rw, nd);
    for (std::size_t i = 0; i < nd; ++i) {
      const std::size_t d = dom[i];
      sup_->add(4 * d, rw);
      for (std::size_t m = 0; m < 3; ++m)
        if (y[m]) sup_->add(4 * d + 1 + m, rw);
    }
  }
  if (keep_groups_)
    for (std::size_t i = 0; i < nd; ++i) {
      std::int64_t bits;
      std::memcpy(&bits, &u.weight, sizeof bits);
      auto& grp = groups_[{static_cast<std::int64_t>(dom[i]), bits}];
      ++grp[0];
      for (std::size_t m = 0; m < 3; ++m) grp[m + 1] += y[m];
    }
}

void PrevalenceAccumulator::add_replicate_rank(const double* rw, std::size_t nd) {
  // The row's class: the set of its domains (row_domains_[0, nd)), the last one cached.
  bool same = sup_has_last_ && sup_key_.size() == nd;
  for (std::size_t i = 0; same && i < nd; ++i) same = sup_key_[i] == row_domains_[i];
  if (!same) {
    sup_key_.assign(row_domains_.begin(), row_domains_.begin() + static_cast<std::ptrdiff_t>(nd));
    sup_last_class_ = sup_classes_.emplace(sup_key_, sup_classes_.size()).first->second;
    sup_has_last_ = true;
  }
  sup_->add_rank(sup_last_class_, rw);
}

PrevalenceResult PrevalenceAccumulator::finish() const {
  using detail::check_group_df;
  fold_cells();
  PrevalenceResult res;
  res.level = opt_.level;
  res.rate_rounding = opt_.rate_rounding;
  res.population = opt_.population;
  if (opt_.where) {
    res.population = Population{};
    res.where = opt_.where->text();
  }
  res.n = rows_;
  if (rows_ == 0) detail::no_responses(source_);

  const PsuIndex::Canonical can = units_.canonical(source_);
  const PsuLayout& L = can.layout;
  const std::size_t H = L.strata(), P = L.psus(), D = domains_;
  (void)H;
  // Domain d's per-PSU sums as the domain engine reads them (estimate/domain_engine.hpp).
  // wrows(q) is 1 when the PSU has rows of nonzero weight in the domain, else 0 (the engine asks only whether it has
  // any): every weight is finite and >= 0 (PsuIndex::add), so that is Σ w > 0.
  struct View {
    const std::vector<PsuSums>& all;
    const std::vector<std::array<double, 3>>& all_wy;
    const std::vector<std::size_t>& dense;
    std::size_t D, d;
    std::size_t psus() const { return dense.size(); }
    std::size_t at(std::size_t q) const { return dense[q] * D + d; }
    std::uint64_t rows(std::size_t q) const { return all[at(q)].rows; }
    std::uint64_t wrows(std::size_t q) const { return all[at(q)].w > 0 ? 1 : 0; }
    double w(std::size_t q) const { return all[at(q)].w; }
    double wy(std::size_t q, std::size_t j) const { return all_wy[at(q)][j]; }
  };
  const auto view = [&](std::size_t d) { return View{psu_sums_, psu_wy_, can.dense_psu, D, d}; };
  // Linearisation or created replicates (the PSU multipliers of the canonical layout): the one domain engine.
  DomainEngine engine(L, can.psu_stratum, opt_.lonely, opt_.replicate_request);
  if (cal_) engine.calibrated_rows(units_.rows());
  // Calibration or supplied replicate columns: the row-level kinds of the engine, from the rows kept.
  Design calibrated;
  std::vector<std::vector<std::uint32_t>> dom_rows; // per domain: its rows (row-level kinds)
  std::vector<std::vector<double>> ys;              // per measure: 0/1 per row
  const std::size_t N = row_y_.size();
  if (row_level_) {
    if (opt_.calibration) {
      calibrated = row_design_;
      calibrated.calibration = opt_.calibration;
    }
    engine.use_rows(opt_.calibration ? &calibrated : nullptr, nullptr);
    dom_rows.resize(D);
    ys.assign(3, std::vector<double>(N, 0.0));
    for (std::size_t r = 0; r < N; ++r) {
      for (std::uint32_t i = row_dom_off_[r]; i < row_dom_off_[r + 1]; ++i) dom_rows[row_dom_[i]].push_back(static_cast<std::uint32_t>(r));
      for (std::size_t m = 0; m < 3; ++m) ys[m][r] = (row_y_[r] >> m) & 1U ? 1.0 : 0.0;
    }
  }
  const auto indicator = [&](std::size_t d, double* out) {
    std::fill(out, out + N, 0.0);
    for (const std::uint32_t r : dom_rows[d]) out[r] = 1.0;
  };
  // A design without a psu column, counted per stratum (strat_sums_ etc.; dense stratum of canonical c: dense_of[c]).
  const bool counted = units_.counted();
  std::vector<std::size_t> dense_of(counted ? L.strata() : 0);
  for (std::size_t h = 0; h < dense_of.size(); ++h) dense_of[can.stratum_rank[h]] = h;
  const auto strat = [&](std::size_t c, std::size_t d) -> const Sums& { return strat_sums_[dense_of[c] * D + d]; };
  // df of a domain: PSUs − strata among its rows with nonzero weight (R degf(subset(design, d))).
  const auto domain_df = [&](std::size_t d) {
    if (!counted) return engine.linearised_df(engine.psus_with_weight(view(d)));
    double psus = 0, strata = 0;
    for (std::size_t c = 0; c < dense_of.size(); ++c) {
      psus += static_cast<double>(strat(c, d).wrows);
      strata += strat(c, d).wrows > 0;
    }
    return psus - strata;
  };
  // Counted: the covariance of (domain, measure) pairs with the given values from the per-stratum moments of their
  // scores z = w 1_d (y − p) / W_d (y² = y): Σ z = (Σ w y − p Σ w) / W, Σ z_a z_b = Σ_{a∩b} w² (y_a − p_a)(y_b − p_b) / (W_a W_b).
  const auto counted_vcov = [&](const std::vector<std::pair<std::size_t, std::size_t>>& stats, const Eigen::VectorXd& value,
                                std::span<const char> present) {
    const std::size_t Hc = dense_of.size();
    const auto k = static_cast<Eigen::Index>(stats.size());
    std::vector<Eigen::VectorXd> s1(Hc, Eigen::VectorXd(k));
    std::vector<Eigen::MatrixXd> s2(Hc, Eigen::MatrixXd(k, k));
    for (std::size_t c = 0; c < Hc; ++c) {
      const std::size_t h = dense_of[c];
      for (Eigen::Index j = 0; j < k; ++j) {
        const auto [dj, mj] = stats[static_cast<std::size_t>(j)];
        const Sums& a = strat(c, dj);
        s1[c](j) = (a.wy[mj] - value(j) * a.w) / domain_[dj].w;
        for (Eigen::Index l = 0; l <= j; ++l) {
          const auto [dl, ml] = stats[static_cast<std::size_t>(l)];
          const double p = value(j), q = value(l);
          double t = 0;
          if (dj == dl) {
            const Squares& x = strat_sq_[h * D + dj];
            if (mj == ml) t = x.w2y[mj] * (1 - p - q) + p * q * x.w2;
            else t = x.w2yy[mj + ml - 1] - q * x.w2y[mj] - p * x.w2y[ml] + p * q * x.w2;
          } else {
            if (mj != ml) internal("measures", "異なる領域の異なる指標の共分散は作れません", "no covariance of different measures of different domains");
            const std::uint64_t key = (static_cast<std::uint64_t>(h) * D + std::min(dj, dl)) * D + std::max(dj, dl);
            if (const auto it = cross_.find(key); it != cross_.end()) t = it->second.w2y[mj] * (1 - p - q) + p * q * it->second.w2;
          }
          s2[c](j, l) = s2[c](l, j) = t / (domain_[dj].w * domain_[dl].w);
        }
      }
    }
    return stratum_moments_vcov(L, opt_.lonely, s1, s2, present);
  };

  // Supplied replicate columns: the scales, and per domain the rank classes holding its rows.
  ReplicateDesign sup_scales;
  std::vector<std::vector<std::size_t>> sup_dom_classes;
  double sup_df = 0;
  if (sup_) {
    sup_->check_rows();
    sup_scales = sup_->scales();
    sup_dom_classes.resize(D);
    std::vector<std::size_t> every;
    for (const auto& [key, c] : sup_classes_) { // key order: the sums of Gram matrices do not depend on the batches
      every.push_back(c);
      for (const std::uint32_t d : key) sup_dom_classes[d].push_back(c);
    }
    sup_df = sup_->df(every);
    sup_scales.df = sup_df;
  }
  // Replicate estimates θ_r of (domain, measure) pairs from the supplied columns' sums.
  const auto supplied_thetas = [&](const std::vector<std::pair<std::size_t, std::size_t>>& stats) {
    const std::size_t R = sup_->replicates();
    Eigen::MatrixXd thetas(static_cast<Eigen::Index>(R), static_cast<Eigen::Index>(stats.size()));
    for (std::size_t j = 0; j < stats.size(); ++j) {
      const double* den = sup_->sums(4 * stats[j].first);
      const double* num = sup_->sums(4 * stats[j].first + 1 + stats[j].second);
      for (std::size_t r = 0; r < R; ++r) thetas(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(j)) = num[r] / den[r];
    }
    return thetas;
  };

  DesignSpec spec = units_.spec(opt_.lonely); // for the description only
  spec.summary.df = domain_df(0);
  if (row_level_) spec.summary = summarize(row_design_); // the whole design, as R's svydesign of the rows
  if (cal_) { // the same from the index: every row has a nonzero weight (CalibratedSums::add)
    spec.summary.rows = units_.rows();
    spec.summary.df = static_cast<double>(units_.psus()) - static_cast<double>(L.strata()); // psus(): the rows without a psu column
  }

  res.weighting = opt_.weighting;
  res.replicate = opt_.replicate_request.has_value() || static_cast<bool>(sup_);
  res.calibrated = static_cast<bool>(opt_.calibration) || static_cast<bool>(cal_);
  res.replicates_label = opt_.replicates_label;
  res.weighted = units_.weighted();
  res.design_based = spec.complex() || res.replicate;
  res.lonely = opt_.lonely;
  res.lonely_relevant = spec.lonely_relevant();
  if (res.design_based) res.design = describe_design(spec);
  res.design_df = res.design_based ? spec.summary.df : std::numeric_limits<double>::infinity();
  if (sup_) { // R degf of the replicate design, not the linearised df
    res.design_df = sup_df;
    res.design = describe_replicate_design(spec, sup_scales);
  }
  res.method = opt_.ci_method.value_or(res.design_based ? CiMethod::Logit : CiMethod::Wilson);
  detail::check_interval_method(res);
  res.outing_missing = outing_missing_;
  res.age_missing = age_missing_;
  res.outside_forms = outside_forms_;

  // Created replicates: the engine's PSU multipliers.
  const bool mult = engine.replicated();
  double rep_df = 0;
  if (mult) {
    rep_df = engine.replicate_df(engine.psus_with_weight(view(0)));
    // The 標本設計 line and design_df give R's degf of the replicate design, as the row-level path does.
    DesignSpec shown = spec;
    shown.summary.df = rep_df;
    res.design = describe_design(shown);
    res.design_df = rep_df;
  }
  // Replicate estimates θ_r of the ratios Σ wy / Σ w of (domain, measure) pairs.
  const auto replicate_thetas = [&](const std::vector<std::pair<std::size_t, std::size_t>>& stats) {
    Eigen::MatrixXd thetas(engine.replicates(), static_cast<Eigen::Index>(stats.size()));
    for (std::size_t j = 0; j < stats.size(); ++j)
      engine.replicate_thetas(view(stats[j].first), {stats[j].second}, thetas, static_cast<Eigen::Index>(j));
    return thetas;
  };
  // Linearised PSU score totals of (domain, measure) pairs with the given rates.
  const auto score_totals = [&](const std::vector<std::pair<std::size_t, std::size_t>>& stats, const Eigen::VectorXd& rate) {
    Eigen::MatrixXd z(static_cast<Eigen::Index>(P), static_cast<Eigen::Index>(stats.size()));
    for (std::size_t j = 0; j < stats.size(); ++j) {
      Eigen::VectorXd r(1);
      r(0) = rate(static_cast<Eigen::Index>(j));
      engine.score_totals(view(stats[j].first), {stats[j].second}, r, domain_[stats[j].first].w, z, static_cast<Eigen::Index>(j));
    }
    return z;
  };
  // Calibrated stream: the residual PSU totals of (domain, measure) pairs (estimate/calibrated_sums.hpp).
  // Their covariance on the whole design; without a psu column from the residuals' centred moments per stratum.
  const auto residual_vcov = [&](const std::vector<std::pair<std::size_t, std::size_t>>& stats, const Eigen::VectorXd& rate) {
    std::vector<double> W;
    for (const auto& st : stats) W.push_back(domain_[st.first].w);
    return cal_->vcov(can, opt_.lonely, stats, rate, W, [&] { return score_totals(stats, rate); });
  };

  // What each domain is: its age group (-1 = all) and, for a --by level, the variable and level (-1 = none).
  const std::size_t G = opt_.groups.size();
  std::vector<int> dom_group(D), dom_var(D, -1), dom_level(D, -1);
  for (std::size_t d = 0; d <= G; ++d) dom_group[d] = static_cast<int>(d) - 1;
  for (std::size_t v = 0; v < by_.size(); ++v)
    for (std::size_t l = 0; l < by_[v].level_id.size(); ++l)
      for (std::size_t k = 0; k <= G; ++k) {
        const std::size_t d = by_[v].first + l * (G + 1) + k;
        dom_group[d] = static_cast<int>(k) - 1;
        dom_var[d] = static_cast<int>(v);
        dom_level[d] = static_cast<int>(l);
      }
  // --ci likelihood: the (weight, y) groups of each domain, sorted by (domain, weight bits) so the sums do not
  // depend on the hash table's order.
  std::vector<std::pair<std::pair<std::int64_t, std::int64_t>, std::array<std::uint64_t, 4>>> groups(groups_.begin(), groups_.end());
  std::sort(groups.begin(), groups.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  // R's subset(design, d): strata with rows of the domain (psu_vcov's `present`).
  const auto present_of = [&](std::size_t d) {
    if (!counted) return engine.present_strata(view(d));
    std::vector<char> present(dense_of.size(), 0);
    for (std::size_t c = 0; c < dense_of.size(); ++c) present[c] = strat(c, d).rows > 0;
    return present;
  };
  // Calibrated (cal_): R's svyglm on the calibrated design, as svy_likelihood_interval on its rows: every row of the
  // design (zero weight outside the domain, one group first), the groups in ascending (w, y), the score's variance at
  // the path's μ from the residuals.
  const auto likelihood_ci = [&](std::size_t d, std::size_t m, double df) {
    std::vector<WeightGroup> wg;
    const double n = static_cast<double>(cal_ ? units_.rows() : domain_[d].rows), outside = n - static_cast<double>(domain_[d].rows);
    if (outside > 0) wg.push_back(WeightGroup{0.0, false, outside});
    const auto lo = std::lower_bound(groups.begin(), groups.end(), static_cast<std::int64_t>(d),
                                     [](const auto& e, std::int64_t key) { return e.first.first < key; });
    for (auto it = lo; it != groups.end() && it->first.first == static_cast<std::int64_t>(d); ++it) {
      double w;
      std::memcpy(&w, &it->first.second, sizeof w);
      const auto [rows, b, nar, semi] = it->second;
      const std::uint64_t cases = m == 0 ? b : m == 1 ? nar : semi;
      if (cal_ && rows > cases) wg.push_back(WeightGroup{w, false, static_cast<double>(rows - cases)});
      if (cases > 0) wg.push_back(WeightGroup{w, true, static_cast<double>(cases)});
      if (!cal_ && rows > cases) wg.push_back(WeightGroup{w, false, static_cast<double>(rows - cases)});
    }
    const SvyglmPath path = svyglm_intercept_path(wg, n);
    Eigen::VectorXd mu(1);
    mu(0) = path.mu;
    const Eigen::MatrixXd v = cal_      ? residual_vcov({{d, m}}, mu)
                              : counted ? counted_vcov({{d, m}}, mu, present_of(d))
                                        : psu_vcov(L, opt_.lonely, score_totals({{d, m}}, mu), present_of(d));
    return svyglm_likelihood_interval(path, v(0, 0), df, n, opt_.level);
  };
  const auto group_id = [&](int g) { return g < 0 ? std::string("all") : opt_.groups[static_cast<std::size_t>(g)].id(); };

  for (std::size_t d = 0; d < D; ++d) {
    const int g = dom_group[d];
    const Sums& ds = domain_[d];
    const std::size_t n = ds.rows;
    std::array<PrevalenceCell, 3> cells;
    for (std::size_t m = 0; m < 3; ++m) {
      cells[m].measure = kMeasures[m];
      cells[m].group = group_id(g);
      cells[m].est.n = n;
      cells[m].est.sum_weights = ds.w;
      cells[m].cases = cases_[d][m];
      if (dom_var[d] >= 0) {
        const ByVar& b = by_[static_cast<std::size_t>(dom_var[d])];
        cells[m].by_variable = b.name;
        cells[m].by_variable_label = b.label;
        cells[m].by_level = b.level_id[static_cast<std::size_t>(dom_level[d])];
        cells[m].by_label = b.labels[static_cast<std::size_t>(dom_level[d])];
        cells[m].by_key = b.keys[static_cast<std::size_t>(dom_level[d])];
      }
    }
    if (n == 0) {
      for (auto& c : cells) res.cells.push_back(c);
      continue;
    }
    if (res.design_based) {
      if (!(ds.w > 0)) {
        for (auto& c : cells) {
          c.cases = 0;
          res.cells.push_back(c);
        }
        continue;
      }
      Eigen::VectorXd rate(3);
      for (std::size_t m = 0; m < 3; ++m) rate(static_cast<Eigen::Index>(m)) = ds.wy[m] / ds.w;
      std::vector<double> dom;
      DomainEstimate de;
      if (row_level_) {
        dom.resize(N);
        indicator(d, dom.data());
        de = engine.domain_rows(dom, ys);
      } else if (cal_) { // calibration-aware: the whole design (R keeps every row of a calibrated subset)
        de.value = rate;
        de.vcov = residual_vcov({{d, 0}, {d, 1}, {d, 2}}, rate);
        de.se = de.vcov.diagonal().cwiseSqrt();
        de.df = domain_df(d);
        DomainEngine::add_deff(de, static_cast<double>(ds.wrows), ds.w);
      } else if (sup_) {
        de = DomainEngine::from_thetas(sup_scales, supplied_thetas({{d, 0}, {d, 1}, {d, 2}}), rate,
                                       [&] { return sup_->df(sup_dom_classes[d]); });
      } else if (counted) {
        de.value = rate;
        de.vcov = counted_vcov({{d, 0}, {d, 1}, {d, 2}}, rate, present_of(d));
        de.se = de.vcov.diagonal().cwiseSqrt();
        de.df = domain_df(d);
        DomainEngine::add_deff(de, static_cast<double>(ds.wrows), ds.w);
      } else {
        de = engine.domain(view(d), 3, rate, ds.w, static_cast<double>(ds.wrows));
      }
      for (std::size_t m = 0; m < 3; ++m) {
        PrevalenceCell& c = cells[m];
        const auto mi = static_cast<Eigen::Index>(m);
        c.est.value = de.value(mi);
        c.est.df = de.df;
        c.est.se = de.se(mi);
        if (!de.deff.empty()) {
          c.est.deff = de.deff[m].replace;
          c.est.deff_wor = de.deff[m].wor;
        }
        // likelihood: R's svyglm path, from the rows (calibrated) or the domain's (weight, y) groups.
        std::function<Interval()> lik;
        if (engine.calibrated()) lik = [&, m] { return DomainEngine::likelihood_rows(calibrated, ys[m], dom, c.est.df, opt_.level); };
        else if (!mult && !sup_) lik = [&, d, m] { return likelihood_ci(d, m, c.est.df); };
        const std::optional<Interval> ci = engine.interval(res.method, c.est.value, c.est.se, c.est.df, static_cast<double>(n), opt_.level, lik);
        // Every published rate carries an interval: a group without one (df ≤ 0, or a replicate that leaves
        // it without weight) is refused.
        if (!ci) check_group_df(c, source_, de.replicate_undefined);
        c.est.interval = *ci;
      }
    } else {
      for (auto& c : cells) {
        c.est.value = static_cast<double>(c.cases) / static_cast<double>(n);
        c.est.se = std::sqrt(c.est.value * (1 - c.est.value) / static_cast<double>(n));
        c.est.df = std::numeric_limits<double>::infinity();
        c.est.interval = binomial_interval(res.method, static_cast<long long>(c.cases), static_cast<long long>(n), opt_.level);
      }
    }
    for (auto& c : cells) {
      if (dom_var[d] < 0) detail::finish_cell(c, opt_, g);
      else c.rate_used = opt_.rate_rounding ? round_half_up(c.est.value * 100.0, *opt_.rate_rounding) / 100.0 : c.est.value; // no population
      res.cells.push_back(c);
    }
  }

  // The rates of some domains together with their covariance (whole design: svyby(covmat = TRUE)).
  const auto together = [&](const std::vector<std::size_t>& doms, std::size_t m) {
    std::vector<std::pair<std::size_t, std::size_t>> stats;
    SurveyEstimate by;
    by.value.resize(static_cast<Eigen::Index>(doms.size()));
    for (std::size_t j = 0; j < doms.size(); ++j) {
      stats.emplace_back(doms[j], m);
      by.value(static_cast<Eigen::Index>(j)) = domain_[doms[j]].wy[m] / domain_[doms[j]].w;
    }
    if (row_level_) {
      Eigen::MatrixXd Dm(static_cast<Eigen::Index>(N), static_cast<Eigen::Index>(doms.size()));
      for (std::size_t j = 0; j < doms.size(); ++j) indicator(doms[j], Dm.col(static_cast<Eigen::Index>(j)).data());
      const Eigen::Map<const Eigen::VectorXd> y(ys[m].data(), static_cast<Eigen::Index>(N));
      return engine.together_rows(y, Dm);
    }
    if (mult) {
      by.vcov = replicate_vcov(engine.replicate_scales(), replicate_thetas(stats), by.value);
      by.df = rep_df;
    } else if (cal_) {
      by.vcov = residual_vcov(stats, by.value);
      by.df = spec.summary.df;
    } else if (sup_) {
      by.vcov = replicate_vcov(sup_scales, supplied_thetas(stats), by.value);
      by.df = sup_df;
    } else {
      by.vcov = counted ? counted_vcov(stats, by.value, {}) : psu_vcov(L, opt_.lonely, score_totals(stats, by.value));
      by.df = spec.summary.df;
    }
    return by;
  };
  const auto contrast = [](const SurveyEstimate& by, std::size_t j) {
    Eigen::VectorXd cvec = Eigen::VectorXd::Zero(by.value.size());
    cvec(static_cast<Eigen::Index>(j)) = 1;
    cvec(0) = -1;
    return svy_contrast(by, cvec);
  };

  // Differences between age groups: the groups' rates together, contrast vs the first.
  bool groups_ok = G >= 2;
  for (std::size_t g = 0; g < G; ++g)
    if (domain_[g + 1].rows == 0) groups_ok = false;
  if (groups_ok) {
    std::vector<std::size_t> doms;
    for (std::size_t g = 0; g < G; ++g) {
      if (domain_[g + 1].w == 0)
        throw_problem(ErrorCode::EstimateNoData, opt_.groups[g].id(),
                      Text{fmt::format("{} の重み付き合計が0のため推定できません", opt_.groups[g].id()),
                           fmt::format("{}: weighted denominator is 0, nothing to estimate", opt_.groups[g].id())},
                      Text{});
      doms.push_back(g + 1);
    }
    for (std::size_t m = 0; m < 3; ++m) {
      const SurveyEstimate by = together(doms, m);
      for (std::size_t g = 1; g < G; ++g)
        res.differences.push_back(detail::group_difference(kMeasures[m], opt_.groups[g].id(), opt_.groups[0].id(), contrast(by, g),
                                                           res.design_based, opt_.level));
    }
  }
  // --by: within all and each age group, each level vs the first level with respondents.
  for (const ByVar& b : by_)
    for (std::size_t k = 0; k <= G; ++k) {
      std::vector<std::size_t> doms, levels;
      for (std::size_t l = 0; l < b.level_id.size(); ++l) {
        const std::size_t d = b.first + l * (G + 1) + k;
        if (domain_[d].rows > 0 && domain_[d].w > 0) {
          doms.push_back(d);
          levels.push_back(l);
        }
      }
      if (doms.size() < 2) continue;
      for (std::size_t m = 0; m < 3; ++m) {
        const SurveyEstimate by = together(doms, m);
        for (std::size_t j = 1; j < doms.size(); ++j) {
          GroupDifference diff = detail::group_difference(kMeasures[m], b.level_id[levels[j]],
                                                          b.level_id[levels[0]], contrast(by, j), res.design_based,
                                                          opt_.level);
          diff.by_variable = b.name;
          diff.by_variable_label = b.label;
          diff.age_group = group_id(static_cast<int>(k) - 1);
          res.differences.push_back(std::move(diff));
        }
      }
    }
  detail::name_intervals(res);
  detail::sum_over_age_groups(res, opt_);
  return res;
}

} // namespace hkstat::estimate
