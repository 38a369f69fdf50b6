#include "data/derive.hpp"

#include <fmt/format.h>

namespace hkstat::data::detail {

using codebook::DeriveMethod;

RowRules::RowRules(const codebook::Codebook& cb) {
  for (std::size_t i = 0; i < cb.variables.size(); ++i) {
    const auto& v = cb.variables[i];
    if (!v.derive) continue;
    Step s;
    s.target = i;
    s.var = &v;
    auto index = [&](const std::string& name) -> long {
      const auto* src = cb.by_name(name);
      return src ? static_cast<long>(cb.index_of(src)) : -1;
    };
    if (v.derive->method == DeriveMethod::YearsMonths) {
      s.a = index(v.derive->years);
      s.b = index(v.derive->months);
    } else {
      s.a = index(v.derive->from);
    }
    if (v.derive->method == DeriveMethod::AnyOf && s.a >= 0)
      for (std::int64_t code : v.derive->options) {
        const int bit = cb.variables[static_cast<std::size_t>(s.a)].code_index(code);
        if (bit >= 0) s.any_mask |= std::uint64_t{1} << bit;
      }
    steps_.push_back(s);
  }
}

void RowRules::apply(Column* columns, std::size_t row, const RowProblem& problem) const {
  for (const Step& s : steps_) {
    Column& out = columns[s.target];
    out.ints[row] = kMissing;
    out.raw_missing[row] = kMissing;
    if (s.a < 0 || (s.var->derive->method == DeriveMethod::YearsMonths && s.b < 0)) continue;
    const Column& src = columns[s.a];
    const auto& codes = s.var->codes;
    switch (s.var->derive->method) {
    case DeriveMethod::Merge: {
      const std::int64_t x = src.ints[row];
      if (x == kMissing) break;
      for (const auto& c : codes)
        for (std::int64_t f : c.from)
          if (f == x) out.ints[row] = c.code;
      break;
    }
    case DeriveMethod::Bands: {
      const std::int64_t x = src.ints[row];
      if (x == kMissing) break;
      for (const auto& c : codes)
        if ((!c.band_min || x >= *c.band_min) && (!c.band_max || x <= *c.band_max)) out.ints[row] = c.code;
      if (out.ints[row] == kMissing) {
        std::vector<std::string> bands;
        for (const auto& c : codes)
          bands.push_back(fmt::format("{}{}", c.band_min ? std::to_string(*c.band_min) : "", c.band_max ? "～" + std::to_string(*c.band_max) : "～"));
        problem(ErrorCode::DataOutOfRange, static_cast<std::size_t>(s.a), std::to_string(x),
                Text{fmt::format("派生変数「{}」のどの区分にも入らない値です", s.var->name),
                     fmt::format("the value falls in no band of the derived variable \"{}\"", s.var->name)},
                Text{fmt::format("{}", fmt::join(bands, ", ")), fmt::format("{}", fmt::join(bands, ", "))});
      }
      break;
    }
    case DeriveMethod::YearsMonths: {
      const std::int64_t y = src.ints[row];
      const std::int64_t m = columns[s.b].ints[row];
      if (y == kMissing && m == kMissing) break;
      const std::int64_t yy = y == kMissing ? 0 : y, mm = m == kMissing ? 0 : m;
      // Both are bounded by their codebook ranges or by the 64-bit parse; keep the sum in range.
      if (yy > INT64_MAX / 24 || yy < -(INT64_MAX / 24) || mm > INT64_MAX / 2 || mm < -(INT64_MAX / 2)) {
        problem(ErrorCode::DataOutOfRange, static_cast<std::size_t>(s.a), fmt::format("{} / {}", yy, mm),
                Text{fmt::format("派生変数「{}」を計算できない大きさの値です", s.var->name), fmt::format("too large to compute the derived variable \"{}\"", s.var->name)},
                Text{"年と月の min / max をコードブックに指定する", "give min / max for the years and months in the codebook"});
        break;
      }
      const std::int64_t total = yy * 12 + mm;
      out.ints[row] = total >= 0 ? total / 12 : -((-total + 11) / 12);
      break;
    }
    case DeriveMethod::AnyOf:
      if (!src.multi_answered[row]) break;
      out.ints[row] = (src.multi[row] & s.any_mask) ? codes[0].code : codes[1].code;
      break;
    }
  }
}

} // namespace hkstat::data::detail
