#include "hkstat/data/dataset.hpp"
#include "hkstat/data/copy.hpp"

#include <type_traits>

namespace hkstat::data {

bool is_design_label(const codebook::Variable& v) {
  return v.type == codebook::VarType::Text && (v.role == codebook::Role::Stratum || v.role == codebook::Role::Psu);
}

namespace {

// The rows `keep` of `src` (in that order, repeats allowed), with its codebook and metadata: the one row picker
// of with_weights and expand_counts. The columns' `var` pointers are left for the caller to set (it may still
// add variables to the codebook).
Dataset select_rows(const Dataset& src, const std::vector<std::size_t>& keep) {
  Dataset out;
  out.codebook = src.codebook;
  out.source = src.source;
  out.encoding = src.encoding;
  out.had_bom = src.had_bom;
  out.fullwidth_normalised = src.fullwidth_normalised;
  out.answer_check_counts = src.answer_check_counts;
  out.ignored_columns = src.ignored_columns;
  out.count_rows = src.count_rows;
  // Every row once, in order (a calibrated batch whose rows all have weight, data without a count column): the
  // columns copied whole; else picked row by row.
  bool all = keep.size() == src.rows();
  for (std::size_t k = 0; all && k < keep.size(); ++k) all = keep[k] == k;
  auto pick = [&](const auto& v) {
    std::remove_cvref_t<decltype(v)> r;
    if (v.empty()) return r;
    if (all && v.size() == keep.size()) {
      r = v;
      return r;
    }
    r.resize(keep.size());
    for (std::size_t k = 0; k < keep.size(); ++k) r[k] = v.at(keep[k]);
    return r;
  };
  out.lines = pick(src.lines);
  for (const Column& c : src.columns) {
    Column n;
    n.ints = pick(c.ints);
    n.numbers = pick(c.numbers);
    n.multi = pick(c.multi);
    n.multi_answered = pick(c.multi_answered);
    n.ids = pick(c.ids);
    n.raw_missing = pick(c.raw_missing); // parallel to ints
    n.labels = c.labels;
    out.columns.push_back(std::move(n));
  }
  return out;
}

void bind_columns(Dataset& ds) {
  for (std::size_t k = 0; k < ds.columns.size(); ++k) ds.columns[k].var = &ds.codebook.variables[k];
}

} // namespace

Dataset copy_of(const Dataset& src) {
  std::vector<std::size_t> all(src.rows());
  for (std::size_t r = 0; r < all.size(); ++r) all[r] = r;
  Dataset out = select_rows(src, all);
  bind_columns(out);
  return out;
}

Dataset rows_of(const Dataset& src, const std::vector<std::size_t>& keep) {
  Dataset out = select_rows(src, keep);
  bind_columns(out);
  return out;
}

void append_rows(Dataset& to, const Dataset& from, const std::vector<std::size_t>& keep, const std::vector<char>& columns) {
  const auto add = [&](auto& dst, const auto& v) {
    if (v.empty()) return;
    for (std::size_t i : keep) dst.push_back(v.at(i));
  };
  add(to.lines, from.lines);
  for (std::size_t k = 0; k < from.columns.size() && k < to.columns.size(); ++k) {
    const Column& c = from.columns[k];
    Column& n = to.columns[k];
    if (!n.labels) n.labels = c.labels;
    if (!columns.empty() && !columns[k]) continue;
    add(n.ints, c.ints);
    add(n.numbers, c.numbers);
    add(n.multi, c.multi);
    add(n.multi_answered, c.multi_answered);
    add(n.ids, c.ids);
    add(n.raw_missing, c.raw_missing);
  }
}

Dataset with_weights(const Dataset& src, const std::vector<std::size_t>& keep, const std::vector<double>& weights, const std::string& name) {
  Dataset out = select_rows(src, keep);
  for (auto& v : out.codebook.variables)
    if (v.role == codebook::Role::Weight) v.role = codebook::Role::None;
  codebook::Variable wv;
  wv.name = name;
  wv.role = codebook::Role::Weight;
  wv.type = codebook::VarType::Number;
  wv.label = name;
  out.codebook.variables.push_back(wv);
  Column wc;
  if (!weights.empty()) {
    wc.numbers.resize(keep.size());
    for (std::size_t k = 0; k < keep.size(); ++k) wc.numbers[k] = weights.at(keep[k]);
  }
  out.columns.push_back(std::move(wc));
  bind_columns(out);
  return out;
}

Dataset expand_counts(const Dataset& src) {
  const Column* count = src.column(codebook::Role::Count);
  std::vector<std::size_t> keep;
  if (count) {
    for (std::size_t r = 0; r < src.rows(); ++r) {
      const std::int64_t n = count->ints[r]; // validated when read: 0..kMaxCount, never missing
      for (std::int64_t k = 0; k < n; ++k) keep.push_back(r);
    }
  } else {
    keep.resize(src.rows());
    for (std::size_t r = 0; r < src.rows(); ++r) keep[r] = r;
  }
  Dataset out = select_rows(src, keep);
  if (count) out.count_rows = src.rows();
  bind_columns(out);
  return out;
}

void expand_counts(const Dataset& src, std::size_t max_rows, const std::function<void(const Dataset&)>& part) {
  const Column* count = src.column(codebook::Role::Count);
  if (!count) {
    part(src);
    return;
  }
  if (max_rows == 0) max_rows = 1;
  std::vector<std::size_t> keep;
  keep.reserve(max_rows);
  const auto flush = [&] {
    Dataset out = select_rows(src, keep);
    out.count_rows = 0;
    bind_columns(out);
    keep.clear();
    part(out);
  };
  for (std::size_t r = 0; r < src.rows(); ++r) {
    for (std::int64_t k = count->ints[r]; k > 0; --k) { // validated when read: 0..kMaxCount, never missing
      keep.push_back(r);
      if (keep.size() == max_rows) flush();
    }
  }
  if (!keep.empty()) flush();
}

} // namespace hkstat::data
