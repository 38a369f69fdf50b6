#include "hkstat/estimate/replicates_stream.hpp"

#include "hkstat/core/error.hpp"

#include <fmt/format.h>

namespace hkstat::estimate {

namespace {

[[noreturn]] void internal(std::string value, const char* ja, const char* en) {
  throw_problem(ErrorCode::Internal, std::move(value), Text{ja, en}, Text{});
}

} // namespace

void ReplicateWeightsStream::add(const data::Dataset& batch) {
  first_.bind(batch);
  first_.add(batch, units_);
  dense_has_w_.resize(first_.psus(), 0);
  for (const PsuIndex::Unit& u : units_)
    if (u.weight != 0) dense_has_w_[u.psu] = 1;
}

const PsuLayout& ReplicateWeightsStream::layout() {
  if (!have_layout_) {
    if (first_.rows() == 0) (void)design_layout(Design{}); // no rows: the design's own error (EstimateNoData), as every design-based path gives it
    can_ = first_.canonical(source_);
    have_layout_ = true;
  }
  return can_.layout;
}

void ReplicateWeightsStream::make(LonelyPsu lonely, const ReplicateRequest& request) {
  const PsuLayout& L = layout();
  PsuMultipliers m = make_multipliers(L, lonely, request);
  const std::size_t P = L.psus();
  std::vector<char> has_w(P);
  canonical_of_.assign(P, 0);
  for (std::size_t q = 0; q < P; ++q) {
    has_w[q] = dense_has_w_[can_.dense_psu[q]];
    canonical_of_[can_.dense_psu[q]] = q;
  }
  design_ = ReplicateDesign{};
  design_.type = m.type;
  design_.scale = m.scale;
  design_.rscales = m.rscales;
  design_.fay_rho = m.fay_rho;
  design_.df = multipliers_df(m, has_w);
  R_ = static_cast<std::size_t>(m.mult.cols());
  design_.rep.resize(0, static_cast<Eigen::Index>(R_));
  by_psu_.resize(P * R_);
  for (std::size_t q = 0; q < P; ++q)
    for (std::size_t r = 0; r < R_; ++r) by_psu_[q * R_ + r] = m.mult(static_cast<Eigen::Index>(q), static_cast<Eigen::Index>(r));
  std::vector<char>().swap(dense_has_w_);
}

void ReplicateWeightsStream::rows(const data::Dataset& batch, std::vector<Row>& out) {
  if (!have_layout_ || canonical_of_.empty()) internal("make", "反復の乗数を作る前に2回目の読み込みが始まりました", "the second pass began before the multipliers");
  // The same batches in the same order: the same dense PSUs (first appearance) as pass 1.
  second_.bind(batch);
  second_.add(batch, units_);
  out.resize(units_.size());
  for (std::size_t i = 0; i < units_.size(); ++i) {
    if (units_[i].psu >= canonical_of_.size())
      internal(fmt::format("psu={} psus={}", units_[i].psu, canonical_of_.size()), "2回目の読み込みのPSUが1回目と一致しません",
               "the second pass found a PSU the first did not");
    out[i] = Row{canonical_of_[units_[i].psu], units_[i].weight};
  }
}

void ReplicateWeightsStream::check_second_pass() const {
  if (second_.rows() != first_.rows() || second_.psus() != first_.psus())
    internal(fmt::format("rows {} of {}, PSUs {} of {}", second_.rows(), first_.rows(), second_.psus(), first_.psus()),
             "2回目の読み込みの行またはPSUが1回目と一致しません", "the second pass differs from the first in rows or PSUs");
}

} // namespace hkstat::estimate
