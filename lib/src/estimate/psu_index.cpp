#include "hkstat/estimate/psu_index.hpp"

#include "hkstat/core/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace hkstat::estimate {

using codebook::Role;

namespace {

[[noreturn]] void missing_design_cell(const data::Dataset& ds, std::size_t r, const data::Column& c, Role role) {
  throw Error(Problem{ErrorCode::DataMissingRequired, SourcePos{ds.source, ds.lines[r], 0, c.var->name, ""}, "",
                      Text{fmt::format("標本設計の列（{}）が欠損しています", codebook::role_name(role)),
                           fmt::format("the design column ({}) is missing", codebook::role_name(role))},
                      Text{"値", "a value"}, ""});
}

} // namespace

std::size_t PsuIndex::KeyHash::operator()(const std::pair<std::int64_t, std::int64_t>& k) const noexcept {
  const auto a = static_cast<std::uint64_t>(k.first), b = static_cast<std::uint64_t>(k.second);
  std::uint64_t h = a * 0x9E3779B97F4A7C15ull ^ (b + 0x7F4A7C159E3779B9ull + (a << 6) + (a >> 2));
  h ^= h >> 31;
  return static_cast<std::size_t>(h * 0xBF58476D1CE4E5B9ull);
}

void PsuIndex::bind(const data::Dataset& ds) {
  wc_ = ds.column(Role::Weight);
  sc_ = ds.column(Role::Stratum);
  pc_ = ds.column(Role::Psu);
  fc_ = ds.column(Role::Fpc);
  if (!bound_) {
    bound_ = true;
    weighted_ = wc_ != nullptr;
    stratified_ = sc_ != nullptr;
    clustered_ = pc_ != nullptr;
    has_fpc_ = fc_ != nullptr;
    if (wc_) weight_column_ = wc_->var->name;
    if (sc_) stratum_column_ = sc_->var->name;
    if (pc_) psu_column_ = pc_->var->name;
    if (fc_) fpc_column_ = fc_->var->name;
    if (sc_) slabels_ = sc_->labels;
    if (pc_) plabels_ = pc_->labels;
  } else if (weighted_ != (wc_ != nullptr) || stratified_ != (sc_ != nullptr) || clustered_ != (pc_ != nullptr) ||
             has_fpc_ != (fc_ != nullptr)) {
    throw Error(Problem{ErrorCode::Internal, SourcePos{}, ds.source, Text{"バッチごとに標本設計の列が異なります", "the design columns differ between batches"},
                        Text{}, ""});
  }
}

std::string PsuIndex::stratum_text(std::int64_t id) const {
  return slabels_ ? slabels_->at(id) : std::to_string(id);
}

std::size_t PsuIndex::stratum_index(std::int64_t id) {
  // Small non-negative ids (the usual 1..H) through a direct table; others through the hash map.
  const bool direct = id >= 0 && id < kDirectIds;
  if (direct && static_cast<std::size_t>(id) < stratum_direct_.size() && stratum_direct_[static_cast<std::size_t>(id)] != 0)
    return stratum_direct_[static_cast<std::size_t>(id)] - 1;
  const auto [it, inserted] = stratum_of_.emplace(id, stratum_id_.size());
  if (direct) {
    if (static_cast<std::size_t>(id) >= stratum_direct_.size()) stratum_direct_.resize(static_cast<std::size_t>(id) + 1, 0);
    stratum_direct_[static_cast<std::size_t>(id)] = static_cast<std::uint32_t>(it->second + 1);
  }
  if (inserted) {
    stratum_id_.push_back(id);
    stratum_fpc_.push_back(std::nan(""));
    stratum_fpc_line_.push_back(0);
  }
  return it->second;
}

std::size_t PsuIndex::psu_index(std::size_t stratum, std::int64_t stratum_id, std::int64_t psu_id, bool& created) {
  const auto new_psu = [&] {
    psu_stratum_.push_back(stratum);
    psu_id_.push_back(psu_id);
    created = true;
    return psu_stratum_.size() - 1;
  };
  if (!clustered_) return new_psu(); // every row is a PSU
  if (have_last_ && last_stratum_ == stratum_id && last_psu_ == psu_id) return last_psu_index_;
  // Small non-negative PSU ids through a direct table per stratum; others through the hash map.
  const bool direct = psu_id >= 0 && psu_id < kDirectIds;
  if (direct) {
    if (stratum >= psu_direct_.size()) psu_direct_.resize(stratum + 1);
    auto& table = psu_direct_[stratum];
    if (static_cast<std::size_t>(psu_id) < table.size() && table[static_cast<std::size_t>(psu_id)] != 0) {
      have_last_ = true;
      last_stratum_ = stratum_id;
      last_psu_ = psu_id;
      last_psu_index_ = table[static_cast<std::size_t>(psu_id)] - 1;
      return last_psu_index_;
    }
  }
  const auto [it, inserted] = psu_of_.emplace(std::make_pair(stratum_id, psu_id), psu_stratum_.size());
  if (inserted) new_psu();
  if (direct) {
    auto& table = psu_direct_[stratum];
    if (static_cast<std::size_t>(psu_id) >= table.size()) table.resize(static_cast<std::size_t>(psu_id) + 1, 0);
    table[static_cast<std::size_t>(psu_id)] = static_cast<std::uint32_t>(it->second + 1);
  }
  have_last_ = true;
  last_stratum_ = stratum_id;
  last_psu_ = psu_id;
  last_psu_index_ = it->second;
  return it->second;
}

PsuIndex::Unit PsuIndex::add(const data::Dataset& ds, std::size_t r) {
  Unit u;
  add_to(ds, r, u);
  return u;
}

void PsuIndex::add(const data::Dataset& ds, std::vector<Unit>& out) {
  const std::size_t n = ds.rows();
  out.resize(n);
  // With a psu column, a row of a stratum and a PSU seen before under small ids (the direct tables), with a valid
  // weight and its stratum's recorded fpc, gets what add_to() would give it (the same indices; `created` false)
  // from direct_units(); every other row (a new unit, a large or negative id, a missing or invalid cell) goes
  // through add_to(), which also reports the errors, and direct_units() goes on after it (add_to may have grown
  // the tables).
  Unit* const o = out.data();
  for (std::size_t r = 0; r < n; ++r) {
    if (pc_) {
      const std::size_t stop = direct_units(r, n, o);
      rows_ += stop - r;
      if ((r = stop) == n) break;
    }
    o[r] = Unit{};
    add_to(ds, r, o[r]);
  }
}

std::size_t PsuIndex::direct_units(std::size_t r, const std::size_t n, Unit* const o) const {
  // Everything the loop reads in locals, in a function of its own: the stores into `o` may alias anything (a Unit
  // holds a bool), and beside add_to()'s call the compiler kept the row and the tables on the stack (58 instructions
  // a row there, 43 here; docs/performance.md, "Fifteenth session, accum15").
  const double* const wv = wc_ ? wc_->numbers.data() : nullptr;
  const std::int64_t* const sv = sc_ ? sc_->ints.data() : nullptr;
  const std::int64_t* const pv = pc_->ints.data();
  const double* const fv = fc_ ? fc_->numbers.data() : nullptr;
  const std::uint32_t* const sdirect = stratum_direct_.data();
  const std::uint64_t sn = stratum_direct_.size();
  const std::vector<std::uint32_t>* const pdirect = psu_direct_.data();
  const std::uint64_t pn = psu_direct_.size();
  const double* const sfpc = stratum_fpc_.data();
  for (; r < n; ++r) {
    const double w = wv ? wv[r] : 1.0;
    const std::int64_t sid = sv ? sv[r] : 1, pid = pv[r];
    if (!(w >= 0 && w <= std::numeric_limits<double>::max()) || static_cast<std::uint64_t>(sid) >= sn) break;
    const std::uint32_t hs = sdirect[sid];
    if (hs == 0) break;
    const std::size_t h = hs - 1;
    if ((fv && !(fv[r] == sfpc[h])) || h >= pn) break;
    const std::vector<std::uint32_t>& table = pdirect[h];
    if (static_cast<std::uint64_t>(pid) >= table.size()) break;
    const std::uint32_t ps = table[static_cast<std::size_t>(pid)];
    if (ps == 0) break;
    o[r] = Unit{ps - 1, h, w, false};
  }
  return r;
}

void PsuIndex::add_to(const data::Dataset& ds, std::size_t r, Unit& u) {
  u.weight = wc_ ? wc_->numbers[r] : 1.0;
  if (!std::isfinite(u.weight) || u.weight < 0)
    throw Error(Problem{ErrorCode::DataInvalidWeight, SourcePos{ds.source, ds.lines[r], 0, weight_column_, ""}, fmt::format("{}", u.weight),
                        Text{"重みが0以上の有限値ではありません", "the weight is not a finite value >= 0"}, Text{"0以上の数値", "a number >= 0"}, ""});
  std::int64_t sid = 1;
  if (sc_) {
    sid = sc_->ints[r];
    if (sid == data::kMissing) missing_design_cell(ds, r, *sc_, Role::Stratum);
  }
  std::size_t h;
  if (have_stratum_ && sid == last_stratum_id_) {
    h = last_stratum_index_;
  } else {
    h = stratum_index(sid);
    have_stratum_ = true;
    last_stratum_id_ = sid;
    last_stratum_index_ = h;
  }
  if (fc_) {
    const double v = fc_->numbers[r];
    if (std::isnan(v)) missing_design_cell(ds, r, *fc_, Role::Fpc);
    if (!std::isfinite(v) || v <= 0)
      throw Error(Problem{ErrorCode::DataOutOfRange, SourcePos{ds.source, ds.lines[r], 0, fpc_column_, ""}, fmt::format("{}", v),
                          Text{fmt::format("層 {} の有限母集団修正 (fpc) が正の有限値ではありません", stratum_text(sid)),
                               fmt::format("stratum {}: the finite population correction is not a finite positive number", stratum_text(sid))},
                          Text{"層の母集団PSU数 (>= 標本PSU数) または抽出率 (0, 1]",
                               "the stratum's population number of PSUs (>= sampled PSUs) or a sampling fraction in (0, 1]"},
                          ""});
    if (std::isnan(stratum_fpc_[h])) {
      stratum_fpc_[h] = v;
      stratum_fpc_line_[h] = ds.lines[r];
    } else if (v != stratum_fpc_[h]) {
      throw Error(Problem{ErrorCode::DataOutOfRange, SourcePos{ds.source, ds.lines[r], 0, "", fpc_column_}, fmt::format("{}", v),
                          Text{fmt::format("層 {} の中で有限母集団修正 (fpc) が一定ではありません（{}行目は {}）", stratum_text(sid), stratum_fpc_line_[h],
                                           stratum_fpc_[h]),
                               fmt::format("the finite population correction varies within stratum {} (line {} has {})", stratum_text(sid),
                                           stratum_fpc_line_[h], stratum_fpc_[h])},
                          Text{"層ごとに一定の値", "one value per stratum"}, ""});
    }
  }
  std::int64_t pid = static_cast<std::int64_t>(rows_);
  if (pc_) {
    pid = pc_->ints[r];
    if (pid == data::kMissing) missing_design_cell(ds, r, *pc_, Role::Psu);
  }
  u.stratum = h;
  if (count_rows_ && !clustered_) {
    if (h >= stratum_rows_.size()) stratum_rows_.resize(h + 1, 0);
    ++stratum_rows_[h];
  } else {
    u.psu = psu_index(h, sid, pid, u.created);
  }
  ++rows_;
}

PsuIndex::Canonical PsuIndex::canonical(const std::string& source) const {
  Canonical can;
  PsuLayout& L = can.layout;
  const std::size_t H = stratum_id_.size(), P = psu_id_.size();
  std::vector<std::size_t> sorder(H);
  std::iota(sorder.begin(), sorder.end(), std::size_t{0});
  // Text labels in byte order (as ranked_labels), ids ascending otherwise.
  const std::vector<std::string> stext = slabels_ ? slabels_->labels() : std::vector<std::string>{};
  const std::vector<std::string> ptext = plabels_ && clustered_ ? plabels_->labels() : std::vector<std::string>{};
  const auto id_less = [](const std::vector<std::string>& text, std::int64_t a, std::int64_t b) {
    return !text.empty() ? text[static_cast<std::size_t>(a)] < text[static_cast<std::size_t>(b)] : a < b;
  };
  std::sort(sorder.begin(), sorder.end(), [&](std::size_t a, std::size_t b) { return id_less(stext, stratum_id_[a], stratum_id_[b]); });
  std::vector<std::size_t> srank(H);
  for (std::size_t k = 0; k < H; ++k) srank[sorder[k]] = k;
  can.dense_psu.resize(P);
  std::iota(can.dense_psu.begin(), can.dense_psu.end(), std::size_t{0});
  std::sort(can.dense_psu.begin(), can.dense_psu.end(), [&](std::size_t a, std::size_t b) {
    if (srank[psu_stratum_[a]] != srank[psu_stratum_[b]]) return srank[psu_stratum_[a]] < srank[psu_stratum_[b]];
    return id_less(ptext, psu_id_[a], psu_id_[b]);
  });
  L.first.assign(H + 1, 0);
  for (std::size_t k = 0; k < H; ++k) L.stratum_id.push_back(stratum_id_[sorder[k]]);
  if (slabels_)
    for (std::size_t k = 0; k < H; ++k) L.stratum_label.push_back(stext[static_cast<std::size_t>(stratum_id_[sorder[k]])]);
  can.psu_stratum.resize(P);
  for (std::size_t q = 0; q < P; ++q) {
    const std::size_t dense = can.dense_psu[q];
    L.psu_id.push_back(psu_id_[dense]);
    can.psu_stratum[q] = srank[psu_stratum_[dense]];
    ++L.first[can.psu_stratum[q] + 1];
  }
  if (counted())
    for (std::size_t k = 0; k < H; ++k) L.first[k + 1] = k < H && sorder[k] < stratum_rows_.size() ? stratum_rows_[sorder[k]] : 0;
  for (std::size_t h = 0; h < H; ++h) L.first[h + 1] += L.first[h];
  can.stratum_rank = srank;
  std::vector<double> fpc;
  std::vector<SourcePos> where;
  if (has_fpc_)
    for (std::size_t k = 0; k < H; ++k) {
      fpc.push_back(stratum_fpc_[sorder[k]]);
      where.push_back(SourcePos{source, stratum_fpc_line_[sorder[k]], 0, "", fpc_column_});
    }
  set_stratum_fpc(L, fpc, where);
  return can;
}

DesignSpec PsuIndex::spec(LonelyPsu lonely) const {
  DesignSpec spec;
  spec.weighted = weighted_;
  spec.stratified = stratified_;
  spec.clustered = clustered_;
  spec.has_fpc = has_fpc_;
  spec.weight_column = weight_column_;
  spec.stratum_column = stratum_column_;
  spec.psu_column = psu_column_;
  spec.fpc_column = fpc_column_;
  spec.design.lonely = lonely;
  spec.summary.rows = rows_;
  spec.summary.strata = stratum_id_.size();
  spec.summary.psus = psus();
  return spec;
}

} // namespace hkstat::estimate
