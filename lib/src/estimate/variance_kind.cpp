#include "hkstat/estimate/variance_kind.hpp"

#include "hkstat/core/error.hpp"

namespace hkstat::estimate {

const char* variance_kind_name(VarianceKind kind) {
  switch (kind) {
  case VarianceKind::Srs: return "srs";
  case VarianceKind::Linearised: return "linearised";
  case VarianceKind::CreatedReplicates: return "created-replicates";
  case VarianceKind::SuppliedReplicates: return "supplied-replicates";
  case VarianceKind::Calibrated: return "calibrated";
  }
  return "";
}

VarianceKind resolve_variance_kind(const codebook::Codebook& cb, const VarianceRequest& req) {
  using codebook::Role;
  if (!req.replicates.empty() || cb.replicates) {
    if (req.calibrate)
      throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, "",
                          Text{"反復重み（‹replicates› またはコードブックの [replicates]）と ‹calibrate› は同時に使えません",
                               "replicate weights (‹replicates› or the codebook's [replicates]) and ‹calibrate› cannot be combined"},
                          Text{"反復重みか較正のどちらか一方", "one of the two: replicate weights or calibration"}, ""});
    return cb.replicates || !cb.all_by_role(Role::Replicate).empty() ? VarianceKind::SuppliedReplicates : VarianceKind::CreatedReplicates;
  }
  if (req.calibrate) return VarianceKind::Calibrated;
  for (const Role r : {Role::Weight, Role::Stratum, Role::Psu, Role::Fpc})
    if (cb.by_role(r)) return VarianceKind::Linearised;
  return VarianceKind::Srs;
}

} // namespace hkstat::estimate
