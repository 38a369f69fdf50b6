#include "hkstat/estimate/replicates_from_data.hpp"

#include <fmt/format.h>

#include <cmath>
#include <utility>

namespace hkstat::estimate {

ReplicateOptions replicate_options(const codebook::ReplicateSpec& spec) {
  ReplicateOptions o;
  o.type = parse_replicate_type(spec.type);
  o.combined = spec.combined_weights;
  o.scale = spec.scale;
  o.rscales = spec.rscales;
  o.fay_rho = spec.rho;
  o.mse = spec.mse;
  return o;
}

Eigen::MatrixXd replicate_columns(const data::Dataset& ds) {
  std::vector<const data::Column*> cols;
  for (const auto& c : ds.columns)
    if (c.var->role == codebook::Role::Replicate) cols.push_back(&c);
  Eigen::MatrixXd m(static_cast<Eigen::Index>(ds.rows()), static_cast<Eigen::Index>(cols.size()));
  for (std::size_t j = 0; j < cols.size(); ++j)
    for (std::size_t r = 0; r < ds.rows(); ++r)
      m(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(j)) = cols[j]->numbers[r];
  return m;
}

std::optional<ReplicateDesign> supplied_replicate_design(const data::Dataset& ds, const std::vector<double>& weights) {
  if (!ds.codebook.replicates) return std::nullopt;
  const codebook::ReplicateSpec& spec = *ds.codebook.replicates;
  // An empty cell in a replicate column (R svrepdesign: "Missing values not allowed in 'repweights'").
  for (const auto& c : ds.columns)
    if (c.var->role == codebook::Role::Replicate)
      for (std::size_t r = 0; r < ds.rows(); ++r)
        if (!std::isfinite(c.numbers[r]))
          throw Error(Problem{ErrorCode::DataMissingRequired, SourcePos{ds.source, ds.lines[r], 0, c.var->name, ""}, "",
                              Text{"反復重みの列に空欄があります", "a replicate-weight cell is empty"},
                              Text{"すべての行に反復重みの数値", "a replicate weight on every row"}, ""});
  try {
    return replicate_design_from_columns(weights, replicate_columns(ds), replicate_options(spec));
  } catch (Error& e) {
    Problem p = e.problem();
    if (p.pos.file.empty()) {
      // Options rejected by the library (the codebook parser checks them first, so this is a backstop).
      p.pos = SourcePos{ds.codebook.path, spec.line, 0, "", "replicates"};
      throw Error(std::move(p));
    }
    throw;
  }
}

Text describe_replicate_design(const DesignSpec& spec, const ReplicateDesign& design) {
  const std::string w_ja = spec.weighted ? fmt::format("重み付き（{}）", spec.weight_column) : "重みなし";
  const std::string w_en = spec.weighted ? fmt::format("weighted ({})", spec.weight_column) : "unweighted";
  const char* type = replicate_type_name(design.type);
  return Text{fmt::format("{}・反復重み {} 列（{}、scale {:.6g}{}）・自由度 {}", w_ja, design.replicates(), type, design.scale,
                          design.mse ? "、mse" : "", design.df),
              fmt::format("{}, {} replicate weights ({}, scale {:.6g}{}), df {}", w_en, design.replicates(), type, design.scale,
                          design.mse ? ", mse" : "", design.df)};
}

Text supplied_replicates_label(const ReplicateDesign& design) {
  return Text{fmt::format("{}（データの反復重み {} 列、コードブックの [replicates]）", replicate_type_name(design.type), design.replicates()),
              fmt::format("{} ({} supplied replicate columns, codebook [replicates])", replicate_type_name(design.type), design.replicates())};
}

} // namespace hkstat::estimate
