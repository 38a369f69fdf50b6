#include "hkstat/data/dataset.hpp"

#include <type_traits>

namespace hkstat::data {

bool is_design_label(const codebook::Variable& v) {
  return v.type == codebook::VarType::Text && (v.role == codebook::Role::Stratum || v.role == codebook::Role::Psu);
}

Dataset with_weights(const Dataset& src, const std::vector<std::size_t>& keep, const std::vector<double>& weights, const std::string& name) {
  Dataset out;
  out.codebook = src.codebook;
  out.source = src.source;
  out.encoding = src.encoding;
  out.had_bom = src.had_bom;
  out.fullwidth_normalised = src.fullwidth_normalised;
  out.answer_check_counts = src.answer_check_counts;
  out.ignored_columns = src.ignored_columns;
  out.count_rows = src.count_rows;
  for (auto& v : out.codebook.variables)
    if (v.role == codebook::Role::Weight) v.role = codebook::Role::None;
  codebook::Variable wv;
  wv.name = name;
  wv.role = codebook::Role::Weight;
  wv.type = codebook::VarType::Number;
  wv.label = name;
  out.codebook.variables.push_back(wv);
  auto pick = [&](const auto& v) {
    std::remove_cvref_t<decltype(v)> r;
    if (v.empty()) return r;
    r.reserve(keep.size());
    for (std::size_t i : keep) r.push_back(v.at(i));
    return r;
  };
  out.lines = pick(src.lines);
  for (std::size_t k = 0; k < src.columns.size(); ++k) {
    const Column& c = src.columns[k];
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
  Column wc;
  wc.numbers = pick(weights);
  out.columns.push_back(std::move(wc));
  for (std::size_t k = 0; k < out.columns.size(); ++k) out.columns[k].var = &out.codebook.variables[k];
  return out;
}

Dataset expand_counts(const Dataset& src) {
  Dataset out;
  out.codebook = src.codebook;
  out.source = src.source;
  out.encoding = src.encoding;
  out.had_bom = src.had_bom;
  out.fullwidth_normalised = src.fullwidth_normalised;
  out.answer_check_counts = src.answer_check_counts;
  out.ignored_columns = src.ignored_columns;
  const Column* count = src.column(codebook::Role::Count);
  std::vector<std::size_t> keep;
  if (count) {
    out.count_rows = src.rows();
    for (std::size_t r = 0; r < src.rows(); ++r) {
      const std::int64_t n = count->ints[r]; // validated when read: 0..kMaxCount, never missing
      for (std::int64_t k = 0; k < n; ++k) keep.push_back(r);
    }
  } else {
    out.count_rows = src.count_rows;
    keep.resize(src.rows());
    for (std::size_t r = 0; r < src.rows(); ++r) keep[r] = r;
  }
  auto pick = [&](const auto& v) {
    std::remove_cvref_t<decltype(v)> r;
    if (v.empty()) return r;
    r.reserve(keep.size());
    for (std::size_t i : keep) r.push_back(v.at(i));
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
    n.raw_missing = pick(c.raw_missing);
    out.columns.push_back(std::move(n));
  }
  for (std::size_t k = 0; k < out.columns.size(); ++k) out.columns[k].var = &out.codebook.variables[k];
  return out;
}

} // namespace hkstat::data
