#include "hkstat/estimate/design_from_data.hpp"

#include "hkstat/core/error.hpp"

#include <fmt/format.h>

#include <cmath>

namespace hkstat::estimate {

namespace {

[[noreturn]] void missing(const data::Dataset& d, const data::Column& c, std::size_t row) {
  Problem p;
  p.code = ErrorCode::DataMissingRequired;
  p.pos.file = d.source;
  p.pos.line = d.lines[row];
  p.pos.column_name = c.var->name;
  p.message = Text{fmt::format("標本設計の変数 {} が空欄です", c.var->name),
                   fmt::format("the design variable {} is missing", c.var->name)};
  p.expected = Text{"すべての行に値 (層・PSU・fpc)", "a value in every row (stratum, PSU, fpc)"};
  throw Error(std::move(p));
}

} // namespace

Design design_from_dataset(const data::Dataset& data, LonelyPsu lonely) {
  using codebook::Role;
  const std::size_t n = data.rows();
  Design g;
  g.lonely = lonely;
  if (const data::Column* w = data.column(Role::Weight))
    g.weights = w->numbers;
  else
    g.weights.assign(n, 1.0);
  for (Role role : {Role::Stratum, Role::Psu})
    if (const data::Column* c = data.column(role)) {
      for (std::size_t i = 0; i < n; ++i)
        if (c->ints[i] == data::kMissing) missing(data, *c, i);
      (role == Role::Stratum ? g.strata : g.psu) = c->ints;
    }
  if (const data::Column* c = data.column(Role::Fpc)) {
    for (std::size_t i = 0; i < n; ++i)
      if (std::isnan(c->numbers[i])) missing(data, *c, i);
    g.fpc = c->numbers;
  }
  summarize(g);
  return g;
}

} // namespace hkstat::estimate
