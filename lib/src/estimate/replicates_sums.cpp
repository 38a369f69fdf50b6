#include "hkstat/estimate/replicates_sums.hpp"

#include "hkstat/core/error.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <utility>

namespace hkstat::estimate {

namespace {

[[noreturn]] void internal(std::string value, const char* ja, const char* en) {
  throw_problem(ErrorCode::Internal, std::move(value), Text{ja, en}, Text{});
}

} // namespace

SuppliedReplicateSums::SuppliedReplicateSums(ReplicateOptions options, std::string codebook_path, std::size_t line)
    : options_(std::move(options)), codebook_path_(std::move(codebook_path)), line_(line) {}

SuppliedReplicateSums::SuppliedReplicateSums(std::shared_ptr<const ReplicateDesign> design) : design_(std::move(design)) {
  R_ = design_->replicates();
  a_.resize(R_);
}

void SuppliedReplicateSums::bind(const data::Dataset& ds) {
  if (design_) return;
  cols_.clear();
  std::vector<const data::Column*> cs;
  for (const auto& c : ds.columns)
    if (c.var->role == codebook::Role::Replicate) cs.push_back(&c);
  if (R_ == 0) {
    if (cs.empty()) internal("replicates", "反復重みの列がありません", "no replicate-weight columns");
    R_ = cs.size();
    a_.resize(R_);
    max_ = Eigen::RowVectorXd::Constant(static_cast<Eigen::Index>(R_), -std::numeric_limits<double>::infinity());
  } else if (cs.size() != R_) {
    internal(fmt::format("columns={} replicates={}", cs.size(), R_), "バッチごとに反復重みの列の数が異なります",
             "the number of replicate columns differs between batches");
  }
  // An empty cell in a replicate column (as supplied_replicate_design: R svrepdesign refuses missing values).
  for (const data::Column* c : cs)
    for (std::size_t r = 0; r < ds.rows(); ++r)
      if (!std::isfinite(c->numbers[r]))
        throw Error(Problem{ErrorCode::DataMissingRequired, SourcePos{ds.source, ds.lines[r], 0, c->var->name, ""}, "",
                            Text{"反復重みの列に空欄があります", "a replicate-weight cell is empty"},
                            Text{"すべての行に反復重みの数値", "a replicate weight on every row"}, ""});
  for (const data::Column* c : cs) cols_.push_back(&c->numbers);
}

const double* SuppliedReplicateSums::row(std::size_t r, double w) {
  if (design_) {
    if (next_design_row_ >= design_->rows())
      internal(fmt::format("rows={}", design_->rows()), "反復重みの行数がデータより少ない", "the replicate design has fewer rows than the data");
    const auto i = static_cast<Eigen::Index>(next_design_row_++);
    for (std::size_t j = 0; j < R_; ++j) a_[j] = design_->rep(i, static_cast<Eigen::Index>(j));
    return a_.data();
  }
  const bool combined = options_->combined;
  for (std::size_t j = 0; j < R_; ++j) {
    const double x = (*cols_[j])[r];
    if (x > max_(static_cast<Eigen::Index>(j))) max_(static_cast<Eigen::Index>(j)) = x;
    a_[j] = combined ? x : x * w; // replicate_design_from_columns: rep.row(i) *= weights[i]
  }
  any_row_ = true;
  return a_.data();
}

void SuppliedReplicateSums::check_rows() const {
  if (design_ && next_design_row_ != design_->rows())
    internal(fmt::format("replicate rows={} data rows={}", design_->rows(), next_design_row_), "反復重みの行数がデータと一致しません",
             "replicate weights differ in rows from the data");
}

void SuppliedReplicateSums::add_rank(std::size_t cls, const double* a) {
  const auto R = static_cast<Eigen::Index>(R_);
  while (gram_.size() <= cls) {
    gram_.push_back(Eigen::MatrixXd::Zero(R, R));
    block_.push_back(Eigen::MatrixXd(static_cast<Eigen::Index>(kGramBlock), R));
    fill_.push_back(0);
  }
  Eigen::MatrixXd& b = block_[cls];
  const auto i = static_cast<Eigen::Index>(fill_[cls]++);
  for (Eigen::Index j = 0; j < R; ++j) b(i, j) = a[j];
  if (fill_[cls] == kGramBlock) {
    gram_[cls].selfadjointView<Eigen::Lower>().rankUpdate(b.transpose());
    fill_[cls] = 0;
  }
}

double SuppliedReplicateSums::df(const std::vector<std::size_t>& classes) const {
  const auto R = static_cast<Eigen::Index>(R_);
  Eigen::MatrixXd g = Eigen::MatrixXd::Zero(R, R);
  for (const std::size_t c : classes) {
    if (c >= gram_.size()) continue;
    Eigen::MatrixXd part = gram_[c];
    if (fill_[c] > 0) part.selfadjointView<Eigen::Lower>().rankUpdate(block_[c].topRows(static_cast<Eigen::Index>(fill_[c])).transpose());
    g.triangularView<Eigen::Lower>() += part;
  }
  return replicate_rank_gram(g) - 1;
}

ReplicateDesign SuppliedReplicateSums::scales() const {
  if (design_) {
    ReplicateDesign d;
    d.type = design_->type;
    d.scale = design_->scale;
    d.rscales = design_->rscales;
    d.mse = design_->mse;
    d.fay_rho = design_->fay_rho;
    d.rep.resize(0, static_cast<Eigen::Index>(R_));
    return d;
  }
  try {
    ReplicateDesign d = replicate_scales(*options_, R_, !options_->combined && any_row_ ? max_ : Eigen::RowVectorXd());
    check_replicate_scales(d);
    return d;
  } catch (Error& e) {
    Problem p = e.problem();
    if (p.pos.file.empty() && !codebook_path_.empty()) { // as supplied_replicate_design: name the [replicates] table
      p.pos = SourcePos{codebook_path_, line_, 0, "", "replicates"};
      throw Error(std::move(p));
    }
    throw;
  }
}

} // namespace hkstat::estimate
