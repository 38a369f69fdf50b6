// The variance kind (estimate/variance_kind.hpp): one value from the codebook and the request, the same for
// every command and front end; replicates with calibration are refused.
#include "hkstat/core/option_text.hpp"
#include "hkstat/estimate/variance_kind.hpp"

#include <catch2/catch.hpp>

using namespace hkstat;
using namespace hkstat::estimate;
using codebook::Role;

namespace {
codebook::Codebook with_roles(std::initializer_list<Role> roles) {
  codebook::Codebook cb;
  int i = 0;
  for (const Role r : roles) {
    codebook::Variable v;
    v.name = "v" + std::to_string(i++);
    v.role = r;
    v.type = codebook::VarType::Number;
    cb.variables.push_back(v);
  }
  return cb;
}
} // namespace

TEST_CASE("variance kind: codebook + request → one kind", "[estimate][variance]") {
  const codebook::Codebook simple = with_roles({Role::Outing});
  CHECK(resolve_variance_kind(simple, {}) == VarianceKind::Srs);
  for (const Role r : {Role::Weight, Role::Stratum, Role::Psu, Role::Fpc})
    CHECK(resolve_variance_kind(with_roles({Role::Outing, r}), {}) == VarianceKind::Linearised);
  const codebook::Codebook weighted = with_roles({Role::Weight, Role::Stratum});
  CHECK(resolve_variance_kind(weighted, {"jkn", false}) == VarianceKind::CreatedReplicates);
  CHECK(resolve_variance_kind(weighted, {"", true}) == VarianceKind::Calibrated);
  // Role-replicate columns are used when replicates are asked for, or described by [replicates].
  codebook::Codebook columns = with_roles({Role::Weight, Role::Replicate, Role::Replicate});
  CHECK(resolve_variance_kind(columns, {}) == VarianceKind::Linearised);
  CHECK(resolve_variance_kind(columns, {"bootstrap", false}) == VarianceKind::SuppliedReplicates);
  columns.replicates = codebook::ReplicateSpec{};
  columns.replicates->type = "jk1";
  CHECK(resolve_variance_kind(columns, {}) == VarianceKind::SuppliedReplicates);
  CHECK_FALSE(needs_rows(VarianceKind::SuppliedReplicates)); // summed per domain and replicate (replicates_sums.hpp)
  CHECK(needs_rows(VarianceKind::Calibrated));
  CHECK_FALSE(needs_rows(VarianceKind::CreatedReplicates));
  CHECK_FALSE(needs_rows(VarianceKind::Linearised));
  CHECK(std::string(variance_kind_name(VarianceKind::SuppliedReplicates)) == "supplied-replicates");
  // Replicates (asked for, or the codebook's) with calibration: a usage error naming the options, not flags.
  for (const codebook::Codebook* cb : {&weighted, static_cast<const codebook::Codebook*>(&columns)}) {
    try {
      (void)resolve_variance_kind(*cb, {cb == &weighted ? "jkn" : "", true});
      FAIL("no error");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::UsageInvalidOption);
      CHECK(std::string(e.what()).find("--") == std::string::npos);
      CHECK(format_problem(e.problem(), Lang::En, OptionStyle::Flag).find("--replicates") != std::string::npos);
    }
  }
}
