#include "hkstat/tabulate/accumulator.hpp"

#include "accumulator_impl.hpp"

#include "hkstat/estimate/by_limit.hpp"
#include "hkstat/estimate/calibrated_sums.hpp"
#include "hkstat/estimate/design.hpp"
#include "hkstat/estimate/design_from_data.hpp"
#include "hkstat/estimate/domain_engine.hpp"
#include "hkstat/estimate/replicates_sums.hpp"
#include "hkstat/estimate/survey_estimators.hpp"
#include "estimate/prevalence_parts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <functional>
#include <cmath>
#include <limits>

namespace hkstat::tabulate {

using codebook::Role;
using codebook::VarType;
using detail::BlockKey;
using detail::BlockSums;
using detail::kAll;
using detail::RowKey;
using detail::VarState;

namespace detail {

std::vector<Band> make_bands(AgeBands kind, int age_min, int age_max) {
  std::vector<Band> bands;
  if (kind == AgeBands::None) return bands;
  if (kind == AgeBands::Age2) {
    if (age_min < 40) bands.push_back(Band{age_min, std::min(39, age_max)});
    if (age_max >= 40) bands.push_back(Band{std::max(40, age_min), age_max});
    return bands;
  }
  const int width = kind == AgeBands::Age5 ? 5 : 10;
  for (int start = age_min; start <= age_max;) {
    const int aligned = start >= 0 ? start / width * width : start;
    const int end = std::min(age_max, aligned + width - 1);
    bands.push_back(Band{start, end});
    start = end + 1;
  }
  return bands;
}

} // namespace detail

namespace {

// A weight's bits as a map key and back (std::bit_cast is missing from the web build's libc++).
std::uint64_t bits_of(double w) {
  std::uint64_t b;
  std::memcpy(&b, &w, sizeof b);
  return b;
}
double double_of(std::uint64_t b) {
  double w;
  std::memcpy(&w, &b, sizeof w);
  return w;
}

Text same(const std::string& s) { return Text{s, s}; }
double nan() { return std::numeric_limits<double>::quiet_NaN(); }

[[noreturn]] void internal(std::string value, const char* ja, const char* en) {
  throw Error(Problem{ErrorCode::Internal, SourcePos{}, std::move(value), Text{ja, en}, Text{}, ""});
}

// A row's answer to a variable: code → cell index + 1 (0: a value that is no cell); multi → a mask of
// the chosen options' cells, with the 無回答 cell's bit when nothing was answered.
std::uint64_t answer_of(const VarState& v, const data::Column& c, std::size_t r) {
  const std::size_t n = v.codes.size();
  if (v.multi) {
    if (c.multi_answered[r] == 0) return std::uint64_t{1} << n;
    return c.multi[r] & ((std::uint64_t{1} << n) - 1);
  }
  const std::int64_t x = c.ints[r];
  if (x == data::kMissing) return n + 1;
  const int k = c.var->code_index(x);
  return k < 0 ? 0 : static_cast<std::uint64_t>(k) + 1;
}

template <class F>
void for_each_cell(const VarState& v, std::uint64_t answer, F&& f) {
  if (!v.multi) {
    if (answer != 0) f(static_cast<std::size_t>(answer - 1));
    return;
  }
  while (answer != 0) {
    f(static_cast<std::size_t>(std::countr_zero(answer)));
    answer &= answer - 1;
  }
}

} // namespace

BlockKey TabulateAccumulator::Impl::key_of(std::size_t b) const {
  BlockKey k;
  for (std::size_t i = detail::kMaxFactors; i-- > 0;) {
    const std::size_t slot = b % slots[i];
    b /= slots[i];
    k.f[i] = slot == 0 ? kAll : static_cast<int>(slot) - 1;
  }
  k.domain = static_cast<int>(b);
  return k;
}

void TabulateAccumulator::Impl::keys_of(const data::Dataset& ds, const classify::Classification* cls, std::vector<RowKey>& out) const {
  const std::size_t rows = ds.rows();
  out.assign(rows, RowKey{});
  for (std::size_t d = 0; d < opt.domains.size(); ++d) {
    const Domain dom = opt.domains[d];
    if (dom != Domain::All && (!cls || cls->rows.size() != rows))
      internal(domain_id(dom), "判定結果がありません", "no classification given");
    for (std::size_t r = 0; r < rows; ++r)
      if (dom == Domain::All || cls->is_broad(r) == (dom == Domain::Broad)) out[r].domains |= 1U << d;
  }
  if (opt.where || !ds.codebook.forms.empty()) { // --where: rows outside are in no block (they stay in the design: R subset())
    std::vector<char> in;
    if (opt.where) opt.where->eval(ds, in);
    else in.assign(rows, 1);
    // several questionnaires: rows outside every reporting range of their own form, likewise (as estimate)
    outside_forms += estimate::detail::keep_form_ranges(ds, in);
    for (std::size_t r = 0; r < rows; ++r)
      if (!in[r]) out[r].domains = 0;
  }
  const codebook::Codebook& cb = ds.codebook;
  for (std::size_t i = 0; i < factors.size(); ++i) {
    const detail::Factor& fac = factors[i];
    if (fac.kind == detail::Factor::Kind::Age) {
      const data::Column* age = ds.column(Role::Age);
      if (!age)
        throw Error(Problem{ErrorCode::CodebookInvalid, SourcePos{cb.path, 0, 0, "", "role age"}, "",
                            Text{"年齢区分別の集計には role = \"age\" の変数が必要です", "tabulating by age needs a variable with role = \"age\""},
                            Text{"コードブックに年齢の変数を加える、または ‹by› から年齢を外す", "add an age variable to the codebook, or drop age from ‹by›"}, ""});
      // A row's band: the estimate's age-group lookup (whole-number ages 0-255 through a table, a code age by its
      // code's min-max); the bands do not overlap, so that is the one band holding the age.
      const estimate::detail::AgeGroupOf band_of(ds, bands);
      for (std::size_t r = 0; r < rows; ++r) {
        const std::int64_t a = age->ints[r];
        if (a == data::kMissing) {
          out[r].f[i] = fac.n;
          continue;
        }
        const int found = band_of(a);
        if (found < 0 && !cb.forms.empty() && out[r].domains == 0) { // outside every reporting range: in no block
          out[r].f[i] = fac.n;
          continue;
        }
        if (found < 0) {
          std::int64_t lo = a, hi = a;
          if (age->var->type == VarType::Code) {
            const auto* c = age->var->find_code(a);
            lo = c && c->min ? *c->min : std::numeric_limits<int>::min();
            hi = c && c->max ? *c->max : std::numeric_limits<int>::max();
          }
          throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{ds.source, ds.lines.empty() ? 0 : ds.lines[r], 0, age->var->name, "by"},
                              fmt::format("{}", a),
                              Text{fmt::format("年齢「{}」（{}～{}歳）が指定の年齢区分のどれにも収まりません", a, lo, hi),
                                   fmt::format("age \"{}\" ({}-{}) does not fit in any of the requested age bands", a, lo, hi)},
                              Text{"年齢をコードで聞いている場合は、その区分に合う ‹by›（例: age2）",
                                   "for ages asked in bands, a ‹by› whose bands contain them (e.g. age2)"},
                              ""});
        }
        out[r].f[i] = found;
      }
      continue;
    }
    if (fac.kind == detail::Factor::Kind::Sex) {
      const data::Column* sexc = ds.column(Role::Sex);
      if (!sexc || sexc->var->type != VarType::Code)
        throw Error(Problem{ErrorCode::CodebookInvalid, SourcePos{cb.path, 0, 0, "", "role sex"}, "",
                            Text{"性別の集計には role = \"sex\"（type = \"code\"）の変数が必要です", "tabulating by sex needs a code variable with role = \"sex\""},
                            Text{"コードブックに性別の変数を加える、または ‹by› から sex を外す", "add a sex variable to the codebook, or drop sex from ‹by›"}, ""});
      for (std::size_t r = 0; r < rows; ++r) {
        const int idx = sexc->ints[r] == data::kMissing ? -1 : sexc->var->code_index(sexc->ints[r]);
        out[r].f[i] = idx < 0 ? fac.n : idx;
      }
      continue;
    }
    const data::Column* c = ds.column(fac.column);
    if (!c || c->ints.size() != rows)
      throw Error(Problem{ErrorCode::CsvMissingColumn, SourcePos{ds.source, 0, 0, "", fac.column}, fac.column,
                          Text{fmt::format("‹by› の変数「{}」の列がデータにありません", fac.column),
                               fmt::format("the ‹by› variable \"{}\" has no column in the data", fac.column)},
                          Text{"データにその列を加える、または ‹by› から外す", "add the column to the data, or drop it from ‹by›"}, ""});
    for (std::size_t r = 0; r < rows; ++r) {
      const std::int64_t x = c->ints[r];
      int idx = -1;
      if (x != data::kMissing)
        for (std::size_t k = 0; k < fac.codes.size(); ++k)
          if (fac.codes[k].code == x) idx = static_cast<int>(k);
      out[r].f[i] = idx < 0 ? fac.n : idx;
    }
  }
}

std::vector<BlockKey> TabulateAccumulator::Impl::table_blocks() const {
  // Per domain: the whole, each factor alone, every pair, the triple (terms by size, then in --by order);
  // within a term every combination, the first factor slowest. A factor's 無回答 level only where that
  // domain has such respondents. With an age banding and sex: (all, all), (band, all)…, (all, sex)…,
  // (band, sex)….
  const std::size_t F = factors.size();
  std::vector<unsigned> terms;
  for (std::size_t size = 0; size <= F; ++size)
    for (unsigned mask = 0; mask < (1U << F); ++mask)
      if (static_cast<std::size_t>(std::popcount(mask)) == size) terms.push_back(mask);
  std::vector<BlockKey> keys;
  for (int d = 0; d < static_cast<int>(opt.domains.size()); ++d) {
    std::array<std::vector<int>, detail::kMaxFactors> levels;
    for (std::size_t i = 0; i < F; ++i) {
      for (int l = 0; l < factors[i].n; ++l) levels[i].push_back(l);
      detail::Levels unknown = detail::kAllLevels;
      unknown[i] = factors[i].n;
      if (block[block_of(d, unknown)].rows > 0) levels[i].push_back(factors[i].n);
    }
    for (const unsigned mask : terms) {
      std::vector<std::size_t> in;
      bool empty = false;
      for (std::size_t i = 0; i < F; ++i)
        if ((mask >> i) & 1U) {
          in.push_back(i);
          empty = empty || levels[i].empty();
        }
      if (empty) continue;
      std::vector<std::size_t> at(in.size(), 0); // odometer over the term's factors, the last fastest
      for (;;) {
        BlockKey k{d, detail::kAllLevels};
        for (std::size_t j = 0; j < in.size(); ++j) k.f[in[j]] = levels[in[j]][at[j]];
        keys.push_back(k);
        std::size_t j = in.size();
        while (j > 0 && ++at[j - 1] == levels[in[j - 1]].size()) at[--j] = 0;
        if (j == 0) break;
      }
    }
  }
  return keys;
}

TabulateAccumulator::TabulateAccumulator(std::vector<std::string> variables, TabulateOptions options) : impl_(std::make_unique<Impl>()) {
  if (options.domains.empty())
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{"", 0, 0, "", "domain"}, "", Text{"集計対象の区分がありません", "no domain given"},
                        Text{"all, broad, comparison", "all, broad, comparison"}, ""});
  if (options.domains.size() > 3) internal("domains", "集計対象の区分が多すぎます", "too many domains");
  impl_->names = std::move(variables);
  impl_->opt = std::move(options);
}

TabulateAccumulator::TabulateAccumulator(std::vector<std::string> variables, TabulateOptions options,
                                         std::shared_ptr<const estimate::CombinationCalibration> calibration)
    : TabulateAccumulator(std::move(variables), std::move(options)) {
  const TabulateOptions& o = impl_->opt;
  if (o.calibration || o.replicates || o.replicate_request || o.replicate_columns || !calibration)
    internal("calibration", "組み合わせの表による較正は、ほかの較正・反復重みと同時に使えません",
             "calibration on the combination table cannot be combined with other calibration or replicates");
  impl_->cal_fit = std::move(calibration);
}

void TabulateAccumulator::add(const data::Dataset& ds, const classify::Classification* cls, const std::vector<std::size_t>& combination,
                              const std::vector<double>& input_weight) {
  Impl& m = *impl_;
  if (!m.cal_fit || combination.size() != ds.rows() || input_weight.size() != ds.rows())
    internal(fmt::format("rows={} combinations={}", ds.rows(), combination.size()), "較正の組み合わせが行と一致しません",
             "the calibration's combinations differ from the rows");
  const estimate::CalibrationBatch batch(m.cal_comb, m.cal_input, combination, input_weight);
  add(ds, cls);
}

TabulateAccumulator::~TabulateAccumulator() = default;
TabulateAccumulator::TabulateAccumulator(TabulateAccumulator&&) noexcept = default;
TabulateAccumulator& TabulateAccumulator::operator=(TabulateAccumulator&&) noexcept = default;

std::size_t TabulateAccumulator::rows() const { return impl_->units.rows() + impl_->simple_rows; }

void TabulateAccumulator::add(const data::Dataset& ds, const classify::Classification* cls) {
  Impl& m = *impl_;
  if (m.cal_fit && !m.cal_comb) internal("calibration", "較正の組み合わせなしに行が加えられました", "rows added without their calibration combinations");
  if (m.source.empty()) m.source = ds.source;
  m.kind = ds.codebook.kind;
  if (ds.rows() == 0) return;
  if (!m.started) {
    m.started = true;
    m.source = ds.source;
    const codebook::Codebook& cb = ds.codebook;
    for (const std::string& name : m.names) {
      const codebook::Variable& var = tabulated_variable(cb, name);
      VarState v;
      v.name = var.name;
      v.multi = var.type == VarType::Multi;
      v.codes = var.codes;
      v.label = same(var.label);
      m.vars.push_back(std::move(v));
    }
    m.bands = detail::make_bands(m.opt.by.age, cb.age_min, cb.age_max);
    if (m.opt.by.age == AgeBands::Age2 && !cb.forms.empty()) { // several questionnaires: the reporting ranges
      m.bands.clear();
      for (const codebook::Form& f : cb.forms)
        for (const codebook::AgeRange& a : f.report) m.bands.push_back(detail::Band{a.min, a.max});
    }
    if (m.opt.by.age != AgeBands::None) {
      detail::Factor f;
      f.kind = detail::Factor::Kind::Age;
      f.n = static_cast<int>(m.bands.size());
      m.factors.push_back(std::move(f));
    }
    for (const std::string& name : m.opt.by.variables) {
      detail::Factor f;
      if (name == "sex") {
        f.kind = detail::Factor::Kind::Sex;
        f.label = Text{"性別", "sex"};
        if (const data::Column* s = ds.column(Role::Sex); s && s->var->type == VarType::Code) {
          f.column = s->var->name;
          f.codes = s->var->codes;
        }
      } else {
        const codebook::Variable& lv = by_variable(cb, name);
        f.kind = detail::Factor::Kind::Variable;
        f.column = lv.name;
        f.label = same(lv.label.empty() ? lv.name : lv.label);
        for (const codebook::CodeDef& c : lv.codes)
          if (!lv.is_missing_code(c.code)) f.codes.push_back(c);
      }
      f.n = static_cast<int>(f.codes.size());
      m.factors.push_back(std::move(f));
    }
    { // the one --by limit of every command (estimate/by_limit.hpp), before anything is allocated
      std::vector<std::size_t> levels;
      for (const detail::Factor& f : m.factors) levels.push_back(static_cast<std::size_t>(f.n));
      estimate::check_by_limits(levels, true, cb.path);
    }
    m.blocks = m.opt.domains.size();
    for (std::size_t i = 0; i < m.factors.size(); ++i) {
      m.slots[i] = static_cast<std::size_t>(m.factors[i].n) + 2;
      m.blocks *= m.slots[i];
    }
    m.block.assign(m.blocks, BlockSums{});
    for (VarState& v : m.vars) {
      v.cell_n.assign(m.blocks * v.cells(), 0);
      v.cell_w.assign(m.blocks * v.cells(), 0.0);
    }
    // Supplied replicate columns are summed per block and cell (m.sup, below), not kept per row: only calibration
    // keeps the rows.
    m.row_level = static_cast<bool>(m.opt.calibration);
    // Linearised without a psu column: per-stratum moments, nothing per row (created replicates need each row's
    // multipliers, calibration the rows themselves; with replicate columns the index keeps a PSU per row).
    // Calibrated on the combination table: per (PSU, combination) sums, or without a psu column the residuals'
    // moments per stratum (estimate::CalibratedSums per stratum).
    if (!m.row_level && !m.opt.replicate_request && !m.opt.replicates && !m.opt.replicate_columns && !ds.column(Role::Psu))
      m.units.count_rows();
    m.units.bind(ds);
    m.per_psu = m.units.spec(m.opt.lonely).complex() || m.opt.calibration || m.cal_fit || m.opt.replicates || m.opt.replicate_request ||
                m.opt.replicate_columns;
    m.dense = m.units.clustered();
    m.counted = m.per_psu && m.units.counted();
    if (m.opt.replicate_columns && (m.opt.replicates || m.opt.replicate_request || m.opt.calibration))
      throw Error(Problem{ErrorCode::Internal, SourcePos{}, "replicates", Text{"反復重みの列は、ほかの反復重み・較正と同時に使えません",
                                                                            "replicate columns cannot be combined with other replicates or calibration"},
                          Text{}, ""});
    if (m.opt.replicates) m.sup = std::make_shared<estimate::SuppliedReplicateSums>(m.opt.replicates);
    else if (m.opt.replicate_columns)
      m.sup = std::make_shared<estimate::SuppliedReplicateSums>(*m.opt.replicate_columns, cb.replicates ? cb.path : std::string(),
                                                                cb.replicates ? cb.replicates->line : 0);
    if (m.sup) {
      m.sup_slots = m.blocks;
      for (const VarState& v : m.vars) {
        m.sup_cell.push_back(m.sup_slots);
        m.sup_slots += m.blocks * v.cells();
      }
    }
    if (m.cal_fit) { // statistic (block, measure): measure cal_offset[i] + k is variable i's cell k
      std::size_t measures = 0;
      for (const VarState& v : m.vars) {
        m.cal_offset.push_back(measures);
        measures += v.cells();
      }
      m.cal = std::make_shared<estimate::CalibratedSums>(m.cal_fit, m.blocks, measures, m.counted, m.cal_offset);
    }
    // --ci likelihood, linearised: the blocks' (weight, y) groups, not the rows (created replicates refuse it in finish()).
    m.keep_groups = m.per_psu && !m.row_level && !m.opt.replicate_request && !m.opt.replicates && !m.opt.replicate_columns &&
                    m.opt.ci_method == estimate::CiMethod::Likelihood;
  } else {
    m.units.bind(ds);
  }
  m.keys_of(ds, cls, m.batch_keys);
  if (m.sup) {
    m.sup->bind(ds);
    m.sup->resize_slots(m.sup_slots); // once R is known (the first bind); unchanged after
  }
  if (m.row_level) { // the rows' design columns, as design_from_dataset reads them
    const estimate::DesignSpec part = estimate::design_from_dataset(ds, m.opt.lonely);
    const auto append = [](auto& to, const auto& from) { to.insert(to.end(), from.begin(), from.end()); };
    append(m.row_design.weights, part.design.weights);
    append(m.row_design.strata, part.design.strata);
    append(m.row_design.psu, part.design.psu);
    append(m.row_design.fpc, part.design.fpc);
    m.row_design.lonely = m.opt.lonely;
  }
  std::vector<const data::Column*> cols;
  for (const VarState& v : m.vars) {
    const data::Column* c = ds.column(v.name);
    if (!c || (v.multi ? c->multi.size() : c->ints.size()) != ds.rows())
      throw Error(Problem{ErrorCode::Internal, SourcePos{ds.source, 0, 0, "", v.name}, v.name,
                          Text{"変数の列がデータにありません", "the variable has no data column"}, Text{}, ""});
    cols.push_back(c);
  }
  const std::size_t B = m.blocks;
  std::vector<std::uint64_t> answers(m.vars.size());
  // The rows' units in one call a batch (errors in row order, as row by row; issue 16: a report's five tables
  // each looked up every row's PSU on its own, 180 instructions a row a table), then the rows.
  if (m.per_psu) m.units.add(ds, m.batch_units);
  for (std::size_t r = 0; r < ds.rows(); ++r) {
    // A simple sample needs no PSUs: counts only.
    const estimate::PsuIndex::Unit u = m.per_psu ? m.batch_units[r] : estimate::PsuIndex::Unit{};
    const double w = u.weight;
    m.simple_rows += !m.per_psu;
    const RowKey key = m.batch_keys[r];
    const double* rw = m.sup ? m.sup->row(r, w) : nullptr; // the row's replicate (analysis) weights
    if (m.dense && u.created) {
      m.psu_block.resize(m.psu_block.size() + B);
      for (VarState& v : m.vars) v.psu_cell_w.resize(v.psu_cell_w.size() + B * v.cells(), 0.0);
    }
    if (u.created) m.psu_any_w.push_back(0);
    if (m.counted) {
      const std::size_t h = u.stratum;
      if (m.stratum_wrows.size() <= h) { // a new dense stratum: its blocks' and cells' moments
        m.stratum_wrows.resize(h + 1, 0);
        m.strat_block.resize((h + 1) * B);
        m.strat_block_w2.resize((h + 1) * B, 0.0);
        for (VarState& v : m.vars) {
          v.strat_cell_w.resize((h + 1) * B * v.cells(), 0.0);
          v.strat_cell_w2.resize((h + 1) * B * v.cells(), 0.0);
        }
      }
      m.stratum_wrows[h] += w != 0;
    } else if (m.per_psu && w != 0) {
      m.psu_any_w[u.psu] = 1;
    }
    for (std::size_t i = 0; i < m.vars.size(); ++i) answers[i] = answer_of(m.vars[i], *cols[i], r);
    if ((m.per_psu && !m.dense && !m.counted && !m.sup) || m.row_level) {
      m.row_keys.push_back(key);
      m.row_w.push_back(w);
      for (std::size_t i = 0; i < m.vars.size(); ++i) m.vars[i].answers.push_back(answers[i]);
    }
    m.row_blocks.clear();
    for (std::size_t d = 0; d < m.opt.domains.size(); ++d) {
      if (((key.domains >> d) & 1U) == 0) continue;
      const int dd = static_cast<int>(d);
      for (unsigned mask = 0; mask < (1U << m.factors.size()); ++mask) { // the row's block of every term
        detail::Levels f = detail::kAllLevels;
        for (std::size_t i = 0; i < m.factors.size(); ++i)
          if ((mask >> i) & 1U) f[i] = key.f[i];
        m.row_blocks.push_back(m.block_of(dd, f));
      }
    }
    if (m.cal) { // every row, in its PSU (a row of no block too: the residuals are the whole design's)
      m.cal_hits.clear();
      if (!m.row_blocks.empty())
        for (std::size_t i = 0; i < m.vars.size(); ++i)
          for_each_cell(m.vars[i], answers[i], [&](std::size_t k) { m.cal_hits.push_back(m.cal_offset[i] + k); });
      m.cal->add(m.counted ? u.stratum : u.psu, (*m.cal_comb)[r], w, (*m.cal_input)[r], m.row_blocks.data(), m.row_blocks.size(), m.cal_hits.data(), m.cal_hits.size());
    }
    if (rw) {
      const std::array<std::int64_t, 4> ck{key.domains, key.f[0], key.f[1], key.f[2]};
      m.sup->add_rank(m.sup_classes.emplace(ck, m.sup_classes.size()).first->second, rw);
      for (const std::size_t b : m.row_blocks) {
        m.sup->add(b, rw);
        for (std::size_t i = 0; i < m.vars.size(); ++i) {
          const std::size_t C = m.vars[i].cells();
          for_each_cell(m.vars[i], answers[i], [&](std::size_t k) { m.sup->add(m.sup_cell[i] + b * C + k, rw); });
        }
      }
    }
    if (m.keep_groups) {
      const double wk = w == 0 ? 0.0 : w; // one group for +0 and −0, as the row path's std::map<double> has
      for (const std::size_t b : m.row_blocks) {
        const auto [it, fresh] = m.group_ix.try_emplace({b, bits_of(wk)}, m.group_rows.size());
        if (fresh) {
          m.group_rows.push_back(0);
          for (VarState& v : m.vars) v.group_cell_n.resize(v.group_cell_n.size() + v.cells(), 0);
        }
        const std::size_t g = it->second;
        ++m.group_rows[g];
        for (std::size_t i = 0; i < m.vars.size(); ++i) {
          VarState& v = m.vars[i];
          for_each_cell(v, answers[i], [&](std::size_t k) { ++v.group_cell_n[g * v.cells() + k]; });
        }
      }
    }
    const double w2 = w * w;
    for (const std::size_t b : m.row_blocks) {
      for (BlockSums* s : {&m.block[b], m.dense ? &m.psu_block[u.psu * B + b] : m.counted ? &m.strat_block[u.stratum * B + b] : nullptr}) {
        if (!s) continue;
        ++s->rows;
        s->wrows += w != 0;
        s->w += w;
      }
      if (m.counted) m.strat_block_w2[u.stratum * B + b] += w2;
      for (std::size_t i = 0; i < m.vars.size(); ++i) {
        VarState& v = m.vars[i];
        const std::size_t C = v.cells();
        for_each_cell(v, answers[i], [&](std::size_t k) {
          ++v.cell_n[b * C + k];
          v.cell_w[b * C + k] += w;
          if (m.dense) v.psu_cell_w[(u.psu * B + b) * C + k] += w;
          if (m.counted) {
            v.strat_cell_w[(u.stratum * B + b) * C + k] += w;
            v.strat_cell_w2[(u.stratum * B + b) * C + k] += w2;
          }
        });
      }
    }
  }
}

namespace {
// A block's per-PSU sums as the domain engine reads them (estimate/domain_engine.hpp): canonical PSU q.
struct BlockView {
  const Eigen::MatrixXd& cells;         // PSUs × cells: Σ w y
  const std::vector<BlockSums>& sums;   // PSUs: rows, rows with nonzero weight, Σ w
  std::size_t psus() const { return sums.size(); }
  std::uint64_t rows(std::size_t q) const { return sums[q].rows; }
  std::uint64_t wrows(std::size_t q) const { return sums[q].wrows; }
  double w(std::size_t q) const { return sums[q].w; }
  double wy(std::size_t q, std::size_t j) const { return cells(static_cast<Eigen::Index>(q), static_cast<Eigen::Index>(j)); }
};
} // namespace

std::vector<Distribution> TabulateAccumulator::finish() const {
  const Impl& m = *impl_;
  const TabulateOptions& opt = m.opt;
  if (rows() == 0)
    throw Error(Problem{ErrorCode::EstimateNoData, SourcePos{m.source, 0, 0, "", ""}, "", Text{"有効な回答がありません", "there are no valid responses"},
                        Text{"1行以上の有効な回答", "at least one valid response"}, ""});
  const estimate::PsuIndex::Canonical can = m.units.canonical(m.source);
  const estimate::PsuLayout& L = can.layout;
  const std::size_t H = L.strata(), P = L.psus(), B = m.blocks;

  estimate::DesignSpec spec = m.units.spec(opt.lonely);
  // Counted (no psu column, linearised): canonical stratum c is dense stratum dense_of[c]; every row is a PSU.
  std::vector<std::size_t> dense_of(m.counted ? H : 0);
  for (std::size_t h = 0; h < dense_of.size(); ++h) dense_of[can.stratum_rank[h]] = h;
  if (m.counted) {
    double psus = 0, strata = 0;
    for (const std::uint64_t n : m.stratum_wrows) {
      psus += static_cast<double>(n);
      strata += n > 0;
    }
    spec.summary.df = psus - strata;
  } else {
    std::vector<char> stratum_w(H, 0);
    double psus = 0;
    for (std::size_t q = 0; q < P; ++q)
      if (m.psu_any_w[can.dense_psu[q]]) {
        ++psus;
        stratum_w[can.psu_stratum[q]] = 1;
      }
    spec.summary.df = psus - static_cast<double>(std::count(stratum_w.begin(), stratum_w.end(), 1));
  }
  const bool calibrated = static_cast<bool>(opt.calibration) || static_cast<bool>(m.cal), created = opt.replicate_request.has_value();
  const bool supplied = static_cast<bool>(m.sup);
  const bool replicate = supplied || created;
  if (created && (opt.replicates || opt.replicate_columns || calibrated))
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{"", 0, 0, "", "replicates"}, "",
                        Text{"作成する反復重みは、与えられた反復重みや較正（‹calibrate›）と同時に使えません",
                             "replicates created from the design cannot be combined with supplied replicate weights or calibration (‹calibrate›)"},
                        Text{"どちらか一方", "one of the two"}, ""});
  const bool design_based = spec.complex() || calibrated || replicate;
  const bool row_level = static_cast<bool>(opt.calibration); // the row-level engine fills the estimates
  const estimate::CiMethod method = opt.ci_method.value_or(design_based ? estimate::CiMethod::Logit : estimate::CiMethod::Wilson);

  // The PSU sums of a block (canonical PSU q): dense, or the row's own values (each row a PSU: 0 + w is w).
  // A block's PSU sums (canonical order): its block sums and its cells' Σ w y (PSUs × cells). Dense, or each
  // row its own PSU (0 + w is w: the same values the dense sums would hold).
  const auto psu_cells = [&](const VarState& v, std::size_t b, Eigen::MatrixXd& cells, std::vector<BlockSums>& sums) {
    const std::size_t C = v.cells();
    cells.setZero(static_cast<Eigen::Index>(P), static_cast<Eigen::Index>(C));
    sums.assign(P, BlockSums{});
    const BlockKey key = m.key_of(b);
    for (std::size_t q = 0; q < P; ++q) {
      const std::size_t p = can.dense_psu[q];
      if (m.dense) {
        sums[q] = m.psu_block[p * B + b];
        for (std::size_t k = 0; k < C; ++k) cells(static_cast<Eigen::Index>(q), static_cast<Eigen::Index>(k)) = v.psu_cell_w[(p * B + b) * C + k];
      } else if (detail::in_block(m.row_keys[p], key)) {
        const double w = 0.0 + m.row_w[p];
        sums[q] = BlockSums{1, m.row_w[p] != 0, w};
        for_each_cell(v, v.answers[p], [&](std::size_t k) { cells(static_cast<Eigen::Index>(q), static_cast<Eigen::Index>(k)) = w; });
      }
    }
  };

  // Counted: the variance of cell k of block b at proportion p (Σ w over the block W) from the per-stratum moments
  // of the row scores z = w 1_b (y_k − p) / W (y² = y): Σ_h z = (Σ_h w y_k − p Σ_h w) / W and
  // Σ_h z² = (Σ_h w² y_k (1 − 2p) + p² Σ_h w²) / W², by stratum_moments_vcov (the stratum loop of psu_vcov) with the
  // strata that have rows of the block present (R subset(design, block)). A table needs no covariance of its
  // cells, so each cell is one 1 × 1 problem. Negative only by rounding: 0 then.
  std::vector<Eigen::VectorXd> s1(m.counted ? H : 0, Eigen::VectorXd::Zero(1));
  std::vector<Eigen::MatrixXd> s2(m.counted ? H : 0, Eigen::MatrixXd::Zero(1, 1));
  std::vector<char> present;
  const auto counted_var = [&](const VarState& v, std::size_t b, std::size_t k, double p, double W) {
    const std::size_t C = v.cells();
    present.assign(H, 0);
    for (std::size_t c = 0; c < H; ++c) {
      const std::size_t h = dense_of[c], hb = h * B + b;
      const BlockSums& sb = m.strat_block[hb];
      present[c] = sb.rows > 0;
      s1[c](0) = (v.strat_cell_w[hb * C + k] - p * sb.w) / W;
      s2[c](0, 0) = (v.strat_cell_w2[hb * C + k] * (1 - 2 * p) + p * p * m.strat_block_w2[hb]) / (W * W);
    }
    return std::max(0.0, estimate::stratum_moments_vcov(L, opt.lonely, s1, s2, present)(0, 0));
  };
  // Counted: the block's df, rows − strata among its rows with nonzero weight (R degf(subset(design, block))).
  const auto counted_df = [&](std::size_t b) {
    double psus = 0, strata = 0;
    for (std::size_t h = 0; h < H; ++h) {
      const std::uint64_t n = m.strat_block[h * B + b].wrows;
      psus += static_cast<double>(n);
      strata += n > 0;
    }
    return psus - strata;
  };

  // Linearisation or created replicates (PSU multipliers of the canonical layout, made once): the one domain
  // engine (estimate/domain_engine.hpp), as estimate's single pass. A replicate that leaves a block without
  // weight blanks that block's SE (EmptyReplicate::Blank; blk.replicate_undefined).
  estimate::DomainEngine engine(L, can.psu_stratum, opt.lonely, opt.replicate_request);
  if (m.cal) engine.calibrated_rows(m.units.rows()); // Korn–Graubard's n: every row of the calibrated design
  // Calibration, supplied replicates, likelihood intervals: the engine's row-level kinds, from the rows kept.
  estimate::Design calibrated_design;
  const std::size_t N = m.row_keys.size();
  // Supplied replicate columns: the scales, and per block (lazily) its df from the rank classes of its rows.
  estimate::ReplicateDesign sup_scales;
  std::vector<double> sup_block_df;
  std::vector<std::pair<RowKey, std::size_t>> sup_keys;
  if (supplied) {
    m.sup->check_rows();
    sup_scales = m.sup->scales();
    sup_block_df.assign(B, std::numeric_limits<double>::quiet_NaN());
    for (const auto& [ck, c] : m.sup_classes) { // key order: the sums of Gram matrices do not depend on the batches
      RowKey rk;
      rk.domains = static_cast<std::uint32_t>(ck[0]);
      for (std::size_t i = 0; i < detail::kMaxFactors; ++i) rk.f[i] = static_cast<int>(ck[i + 1]);
      sup_keys.emplace_back(rk, c);
    }
  }
  const auto sup_df = [&](std::size_t b) {
    if (std::isnan(sup_block_df[b])) {
      const BlockKey key = m.key_of(b);
      std::vector<std::size_t> classes;
      for (const auto& [rk, c] : sup_keys)
        if (detail::in_block(rk, key)) classes.push_back(c);
      sup_block_df[b] = m.sup->df(classes);
    }
    return sup_block_df[b];
  };
  if (m.row_level) {
    if (calibrated) {
      calibrated_design = m.row_design;
      calibrated_design.calibration = opt.calibration;
    }
    engine.use_rows(calibrated ? &calibrated_design : nullptr, nullptr);
  }
  const estimate::Design& likelihood_design = calibrated ? calibrated_design : m.row_design;
  // --ci likelihood from the (weight, y) groups: per block, its groups by ascending weight (the order of the row
  // path's std::map<(w, y)>, so R's svyglm path is summed in the same order and does not depend on batches).
  struct GroupRef {
    std::size_t block;
    double w;
    std::size_t g;
  };
  std::vector<GroupRef> groups;
  groups.reserve(m.group_ix.size());
  for (const auto& [key, g] : m.group_ix) groups.push_back(GroupRef{key.first, double_of(key.second), g});
  std::sort(groups.begin(), groups.end(), [](const GroupRef& a, const GroupRef& b) { return a.block != b.block ? a.block < b.block : a.w < b.w; });
  std::vector<double> dom;
  std::vector<std::vector<double>> ys;
  const std::vector<BlockKey> keys = m.table_blocks();
  std::vector<Distribution> out;
  for (const VarState& v : m.vars) {
    const auto vi = static_cast<std::size_t>(&v - m.vars.data());
    Distribution dist;
    dist.variable = v.name;
    dist.label = v.label;
    dist.multi = v.multi;
    dist.rows = rows();
    dist.weighted = spec.weighted;
    dist.calibrated = calibrated;
    dist.weighting = opt.weighting;
    dist.replicate = replicate;
    dist.replicates_label = opt.replicates_label;
    if (opt.where) dist.where = opt.where->text();
    dist.outside_forms = m.outside_forms;
    dist.design_based = design_based;
    if (design_based) dist.design = estimate::describe_design(spec);
    dist.method = method;
    if (replicate && method == estimate::CiMethod::Likelihood)
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{"", 0, 0, "", "ci"}, "likelihood",
                          Text{"反復重み（‹replicates›）では尤度比区間（‹ci› likelihood）は計算しません（R survey 4.1-1 も NA を返します）",
                               "no likelihood interval (‹ci› likelihood) with replicate weights (‹replicates›); R survey 4.1-1 returns NA there"},
                          Text{"‹ci› logit（既定）、beta、wald、asin、wilson、kg-nchs のいずれか", "‹ci› logit (the default), beta, wald, asin, wilson or kg-nchs"},
                          ""});
    dist.level = opt.level;
    dist.min_cell = opt.min_cell;
    dist.intervals = opt.intervals.value_or(m.kind == codebook::SurveyKind::Population);
    const std::size_t n_codes = v.codes.size(), C = v.cells();
    Eigen::MatrixXd cells;
    std::vector<BlockSums> sums;
    for (const BlockKey& key : keys) {
      const std::size_t b = m.block_of(key.domain, key.f);
      const BlockSums& bs = m.block[b];
      Block blk;
      blk.domain = opt.domains[static_cast<std::size_t>(key.domain)];
      blk.age_label = Text{"全体", "all"};
      blk.sex_label = Text{"全体", "all"};
      for (std::size_t i = 0; i < m.factors.size(); ++i) {
        const detail::Factor& fac = m.factors[i];
        const int l = key.f[i];
        if (fac.kind == detail::Factor::Kind::Age) {
          if (l == kAll) continue;
          if (l == fac.n) {
            blk.age_band = "unknown";
            blk.age_label = Text{"年齢無回答", "age not answered"};
          } else {
            const detail::Band& band = m.bands[static_cast<std::size_t>(l)];
            blk.age_band = band.id();
            blk.age_label = Text{fmt::format("{}～{}歳", band.min, band.max), band.id()};
          }
          continue;
        }
        BlockLevel lv;
        lv.variable = fac.column;
        lv.variable_label = fac.label;
        lv.sex = fac.kind == detail::Factor::Kind::Sex;
        if (l == kAll) {
          lv.level = "all";
          lv.label = Text{"全体", "all"};
        } else if (l == fac.n) {
          lv.level = "unknown";
          lv.label = lv.sex ? Text{"性別無回答", "sex not answered"} : Text{"無回答", "not answered"};
        } else {
          const auto& c = fac.codes[static_cast<std::size_t>(l)];
          lv.level = c.key.empty() ? std::to_string(c.code) : c.key;
          lv.label = same(c.label.empty() ? std::to_string(c.code) : c.label);
        }
        if (blk.levels.empty()) {
          blk.sex = lv.level;
          blk.sex_label = lv.label;
          if (!lv.sex) {
            blk.by_variable = lv.variable;
            blk.by_variable_label = lv.variable_label;
          }
        }
        blk.levels.push_back(std::move(lv));
      }
      blk.base = bs.rows;
      const bool replicated = (engine.replicated() || supplied) && blk.base > 0;
      const bool linearised = design_based && !row_level && !replicated && blk.base > 0;
      if (linearised && !(bs.w > 0))
        throw Error(Problem{ErrorCode::EstimateNoData, SourcePos{m.source, 0, 0, "", ""}, fmt::format("n={}", blk.base),
                            Text{"集計区分の重み付き回答数が0のため推定できません", "the group has no weighted respondents: nothing to estimate"},
                            Text{}, ""});
      // Linearised or created replicates: every cell of the block at once through the domain engine (R
      // svyciprop / svymean on subset(design, block)).
      Eigen::VectorXd var;
      double df = 0;
      bool undefined = false;
      std::vector<estimate::DomainDeff> deffs;
      const bool rows_needed = m.row_level && blk.base > 0;
      if (rows_needed) { // the block's indicator and each cell's 0/1 outcome, per row
        dom.assign(N, 0.0);
        ys.assign(C, std::vector<double>(N, 0.0));
        for (std::size_t r = 0; r < N; ++r) {
          dom[r] = detail::in_block(m.row_keys[r], key) ? 1.0 : 0.0;
          for_each_cell(v, v.answers[r], [&](std::size_t k) { ys[k][r] = 1.0; });
        }
      }
      estimate::DomainEstimate rde; // row-level kinds
      if (row_level && blk.base > 0) {
        rde = engine.domain_rows(dom, ys);
        undefined = rde.replicate_undefined;
        df = rde.df;
        deffs = rde.deff;
        blk.replicate_undefined = undefined;
      }
      if (linearised && m.counted && !m.cal) { // per-stratum moments, cell by cell (above)
        var.resize(static_cast<Eigen::Index>(C));
        df = counted_df(b);
        for (std::size_t k = 0; k < C; ++k) {
          estimate::DomainEstimate one;
          one.value = Eigen::VectorXd::Constant(1, v.cell_w[b * C + k] / bs.w);
          var(static_cast<Eigen::Index>(k)) = counted_var(v, b, k, one.value(0), bs.w);
          one.vcov = Eigen::MatrixXd::Constant(1, 1, var(static_cast<Eigen::Index>(k)));
          estimate::DomainEngine::add_deff(one, static_cast<double>(bs.wrows), bs.w);
          deffs.push_back(one.deff[0]);
        }
      } else if (replicated && supplied) { // θ_rk = Σ w_r y_k / Σ w_r of the block, from the sums in row order
        Eigen::VectorXd value(static_cast<Eigen::Index>(C));
        for (std::size_t k = 0; k < C; ++k) value(static_cast<Eigen::Index>(k)) = bs.w > 0 ? v.cell_w[b * C + k] / bs.w : 0.0;
        const std::size_t R = m.sup->replicates();
        Eigen::MatrixXd thetas(static_cast<Eigen::Index>(R), static_cast<Eigen::Index>(C));
        const double* den = m.sup->sums(b);
        for (std::size_t k = 0; k < C; ++k) {
          const double* num = m.sup->sums(m.sup_cell[vi] + b * C + k);
          for (std::size_t r = 0; r < R; ++r) thetas(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(k)) = num[r] / den[r];
        }
        const estimate::DomainEstimate de =
            estimate::DomainEngine::from_thetas(sup_scales, thetas, value, [&] { return sup_df(b); }, estimate::EmptyReplicate::Blank);
        undefined = de.replicate_undefined || !(bs.w > 0);
        if (!undefined) var = de.vcov.diagonal();
        df = de.df;
        blk.replicate_undefined = undefined;
      } else if (linearised && m.cal) { // calibrated on the combination table: the residual totals, whole design
        Eigen::VectorXd value(static_cast<Eigen::Index>(C));
        std::vector<std::size_t> cols(C);
        std::vector<std::pair<std::size_t, std::size_t>> stats(C);
        for (std::size_t k = 0; k < C; ++k) {
          value(static_cast<Eigen::Index>(k)) = v.cell_w[b * C + k] / bs.w;
          cols[k] = k;
          stats[k] = {b, m.cal_offset[vi] + k};
        }
        estimate::DomainEstimate de;
        de.value = value;
        // Without a psu column the residuals' centred moments per stratum, else the residual PSU totals.
        de.vcov = m.cal->vcov(can, opt.lonely, stats, value, std::vector<double>(C, bs.w), [&] {
          psu_cells(v, b, cells, sums);
          Eigen::MatrixXd z(static_cast<Eigen::Index>(P), static_cast<Eigen::Index>(C));
          engine.score_totals(BlockView{cells, sums}, cols, value, bs.w, z);
          return z;
        });
        // With a psu column `cells` and `sums` are the block's (psu_cells in the score totals above).
        df = m.counted ? counted_df(b) : engine.linearised_df(engine.psus_with_weight(BlockView{cells, sums}));
        estimate::DomainEngine::add_deff(de, static_cast<double>(bs.wrows), bs.w);
        var = de.vcov.diagonal();
        deffs = de.deff;
      } else if (linearised || replicated) {
        psu_cells(v, b, cells, sums);
        const BlockView view{cells, sums};
        Eigen::VectorXd value(static_cast<Eigen::Index>(C));
        for (std::size_t k = 0; k < C; ++k) value(static_cast<Eigen::Index>(k)) = bs.w > 0 ? v.cell_w[b * C + k] / bs.w : 0.0;
        const estimate::DomainEstimate de =
            engine.domain(view, C, value, bs.w, static_cast<double>(bs.wrows), estimate::EmptyReplicate::Blank);
        // A block of rows without weight has no replicate estimate (R: NaN).
        undefined = de.replicate_undefined || (replicated && !(bs.w > 0));
        if (!undefined) var = de.vcov.diagonal();
        df = de.df;
        deffs = de.deff;
        if (replicated) blk.replicate_undefined = undefined;
      }
      const std::size_t block_index = dist.blocks.size();
      const std::size_t first_cell = dist.cells.size();
      double weighted_responses = 0;
      for (std::size_t k = 0; k < C; ++k) {
        DistCell c;
        c.block = block_index;
        c.kind = k == n_codes ? RowKind::NoAnswer : RowKind::Code;
        if (c.kind == RowKind::Code) {
          c.code = v.codes[k].code;
          c.label = v.codes[k].label.empty() ? std::to_string(c.code) : v.codes[k].label;
        } else {
          c.label = "無回答";
        }
        c.n = v.cell_n[b * C + k];
        c.est.n = blk.base;
        c.est.sum_weights = bs.w;
        if (v.multi && k < n_codes) {
          blk.responses += c.n;
          weighted_responses += v.cell_w[b * C + k];
        }
        c.small_base = blk.base < kMinReliableBase;
        c.est.se = nan();
        c.est.deff = nan();
        c.est.deff_wor = nan();
        if (blk.base > 0) {
          c.estimable = true;
          // likelihood: R's svyglm path from the block's rows (kept for it); at the boundaries Clopper–Pearson
          // on the block's rows (the engine's interval policy).
          std::function<estimate::Interval()> lik;
          if (rows_needed)
            lik = [&, k] { return estimate::DomainEngine::likelihood_rows(likelihood_design, ys[k], dom, c.est.df, opt.level); };
          else if (m.keep_groups && linearised)
            lik = [&, k, b] {
              // R's svyglm path from the block's groups (w, y, rows), y = 0 before y = 1 at each weight; the
              // variance of the score Σ w (y − μ) / Σ w at μ = the path's, from the block's per-PSU sums.
              // Calibrated (m.cal): the path over every row of the calibrated design (zero weight outside the
              // block: one group first, as svy_likelihood_interval), the variance from the residual sums.
              std::vector<estimate::WeightGroup> wg;
              const double n = static_cast<double>(m.cal ? m.units.rows() : bs.rows), outside = n - static_cast<double>(bs.rows);
              if (outside > 0) wg.push_back(estimate::WeightGroup{0.0, false, outside});
              const auto lo = std::lower_bound(groups.begin(), groups.end(), b, [](const GroupRef& e, std::size_t blk_ix) { return e.block < blk_ix; });
              for (auto it = lo; it != groups.end() && it->block == b; ++it) {
                const std::uint64_t rows = m.group_rows[it->g], cases = v.group_cell_n[it->g * C + k];
                if (rows > cases) wg.push_back(estimate::WeightGroup{it->w, false, static_cast<double>(rows - cases)});
                if (cases > 0) wg.push_back(estimate::WeightGroup{it->w, true, static_cast<double>(cases)});
              }
              const estimate::SvyglmPath path = estimate::svyglm_intercept_path(wg, n);
              Eigen::VectorXd mu(1);
              mu(0) = path.mu;
              double var_mu = 0;
              if (m.cal) { // the one calibrated-variance path, at the path's μ
                var_mu = m.cal->vcov(can, opt.lonely, {{b, m.cal_offset[vi] + k}}, mu, {bs.w}, [&] {
                  Eigen::MatrixXd z(static_cast<Eigen::Index>(P), 1);
                  engine.score_totals(BlockView{cells, sums}, {k}, mu, bs.w, z);
                  return z;
                })(0, 0);
              } else if (m.counted) {
                var_mu = counted_var(v, b, k, path.mu, bs.w);
              } else {
                const BlockView view{cells, sums};
                Eigen::MatrixXd z(static_cast<Eigen::Index>(P), 1);
                engine.score_totals(view, {k}, mu, bs.w, z);
                var_mu = estimate::psu_vcov(L, opt.lonely, z, engine.present_strata(view))(0, 0);
              }
              return estimate::svyglm_likelihood_interval(path, var_mu, c.est.df, n, opt.level);
            };
          if (row_level) {
            const auto ki = static_cast<Eigen::Index>(k);
            c.est.value = rde.value(ki);
            c.est.se = rde.se(ki);
            c.est.df = rde.df;
            if (!deffs.empty()) {
              c.est.deff = deffs[k].replace;
              c.est.deff_wor = deffs[k].wor;
            }
            c.est.interval = engine.interval(method, c.est.value, c.est.se, c.est.df, static_cast<double>(blk.base), opt.level, lik);
          } else if (replicated) {
            c.est.value = bs.w > 0 ? v.cell_w[b * C + k] / bs.w : 0.0;
            c.est.se = undefined ? nan() : std::sqrt(std::max(0.0, var(static_cast<Eigen::Index>(k))));
            c.est.df = undefined ? nan() : df;
            c.est.interval = engine.interval(method, c.est.value, c.est.se, c.est.df, static_cast<double>(blk.base), opt.level);
          } else if (linearised) {
            c.est.value = v.cell_w[b * C + k] / bs.w;
            c.est.se = std::sqrt(var(static_cast<Eigen::Index>(k)));
            c.est.df = df;
            c.est.deff = deffs[k].replace;
            c.est.deff_wor = deffs[k].wor;
            c.est.interval = engine.interval(method, c.est.value, c.est.se, c.est.df, static_cast<double>(blk.base), opt.level, lik);
          } else if (!design_based) {
            c.est.value = static_cast<double>(c.n) / static_cast<double>(blk.base);
            c.est.se = std::sqrt(c.est.value * (1 - c.est.value) / static_cast<double>(blk.base));
            c.est.df = std::numeric_limits<double>::infinity();
            c.est.interval = estimate::binomial_interval(method, static_cast<long long>(c.n), static_cast<long long>(blk.base), opt.level);
          }
          if (c.est.interval) {
            c.est.interval_method = c.est.interval->note.empty() ? estimate::ci_method_name(method) : "clopper-pearson";
            c.wide_ci = c.est.value > 0 && (c.est.interval->upper - c.est.interval->lower) / c.est.value > kMaxRelativeCiWidth;
          }
        }
        dist.cells.push_back(std::move(c));
      }
      if (!dist.intervals) detail::drop_intervals(dist, first_cell);
      if (v.multi) {
        blk.weighted_responses = weighted_responses;
        for (std::size_t k = 0; k < n_codes; ++k)
          if (weighted_responses > 0) dist.cells[first_cell + k].percent_responses = v.cell_w[b * C + k] / weighted_responses;
      }
      dist.blocks.push_back(std::move(blk));
    }
    detail::add_relations_and_suppress(dist, keys, opt, m.factors);
    out.push_back(std::move(dist));
  }
  detail::suppress_shared_bases(out);
  return out;
}

} // namespace hkstat::tabulate
