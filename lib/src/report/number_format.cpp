#include "hkstat/report/number_format.hpp"

#include "hkstat/estimate/prevalence.hpp"

#include <fmt/format.h>

#include <cmath>

namespace hkstat::report {

std::string with_thousands(long long v) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
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
  return with_thousands(static_cast<long long>(estimate::round_half_up(v, 0)));
}

std::string format_man(double v, int decimals) {
  if (!std::isfinite(v)) return "—";
  const double r = estimate::round_half_up(v / 10000.0, decimals);
  const double whole = std::floor(r);
  std::string s = with_thousands(static_cast<long long>(whole));
  if (decimals > 0) {
    std::string frac = fmt::format("{:.{}f}", r - whole, decimals);
    s += frac.substr(frac.find('.'));
  }
  return s + "万";
}

std::string format_raw(double v) {
  if (std::isnan(v)) return "";
  if (std::isinf(v)) return v > 0 ? "Inf" : "-Inf";
  return fmt::format("{}", v);
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

} // namespace hkstat::report
