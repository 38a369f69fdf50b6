#include "hkstat/table/number_format.hpp"

#include "hkstat/estimate/prevalence.hpp"

#include <fmt/compile.h>
#include <fmt/format.h>

#include <cmath>
#include <iterator>
#include <string_view>

namespace hkstat::table {

namespace {
std::string group_digits(const std::string& digits) {
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// A whole number held in a double, with thousands separators, whatever its size (a cast to an integer type
// would be undefined beyond its range). `v` is finite.
std::string whole_with_thousands(double v) {
  const std::string digits = fmt::format("{:.0f}", std::fabs(v));
  return (v < 0 && digits != "0" ? "-" : "") + group_digits(digits);
}
} // namespace

std::string with_thousands(long long v) {
  // The magnitude as unsigned: -v overflows for the smallest long long.
  const unsigned long long m = v < 0 ? 0ULL - static_cast<unsigned long long>(v) : static_cast<unsigned long long>(v);
  const std::string out = group_digits(std::to_string(m));
  return v < 0 ? "-" + out : out;
}

std::string format_fixed(double v, int decimals) {
  if (!std::isfinite(v)) return "—";
  const double r = estimate::round_half_up(v, decimals);
  std::string s = fmt::format("{:.{}f}", r, decimals);
  if (s.rfind("-0", 0) == 0 && std::stod(s) == 0.0) s.erase(0, 1);
  return s;
}

std::string format_percent(double p, int decimals) { return format_fixed(p * 100.0, decimals) + "%"; }

std::string format_persons(double v) {
  if (!std::isfinite(v)) return "—";
  return whole_with_thousands(estimate::round_half_up(v, 0));
}

std::string format_man(double v, int decimals) {
  if (!std::isfinite(v)) return "—";
  const double r = estimate::round_half_up(v / 10000.0, decimals);
  const double whole = std::floor(r);
  std::string s = whole_with_thousands(whole);
  if (decimals > 0) {
    std::string frac = fmt::format("{:.{}f}", r - whole, decimals);
    s += frac.substr(frac.find('.'));
  }
  return s + "万";
}

std::size_t raw_chars(double v, char* buf) {
  if (std::isnan(v)) return 0;
  if (std::isinf(v)) {
    const std::string_view t = v > 0 ? "Inf" : "-Inf";
    t.copy(buf, t.size());
    return t.size();
  }
  // fmt's "{}" (shortest round-trip), compiled: the same characters without parsing the format string a value and
  // without growing a string through a back_insert_iterator (hkstat replicate writes 10^8 of them at 10^6 rows × 100
  // replicates; docs/performance.md, "Sixteenth session, repstream").
  return static_cast<std::size_t>(fmt::format_to(buf, FMT_COMPILE("{}"), v) - buf);
}

void append_raw(std::string& out, double v) {
  char buf[kRawChars];
  out.append(buf, raw_chars(v, buf));
}

std::string format_raw(double v) {
  std::string out;
  append_raw(out, v);
  return out;
}

// Any finite double, half-up to a whole number, with separators: fmt's fixed notation prints every double
// exactly, so nothing is converted to an integer type (undefined beyond its range).
std::string format_whole(double v) {
  if (!std::isfinite(v)) return "—";
  const double r = estimate::round_half_up(v, 0);
  if (!std::isfinite(r)) return "—";
  const std::string digits = fmt::format("{:.0f}", std::fabs(r));
  std::string out = r < 0 && digits != "0" ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

} // namespace hkstat::table
