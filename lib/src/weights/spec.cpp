#include "hkstat/weights/spec.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/io/text.hpp"

#include <fmt/format.h>

#include <limits>

namespace hkstat::weights {

namespace {

[[noreturn]] void usage(std::string value, Text message, Text expected) {
  throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{}, std::move(value), std::move(message), std::move(expected), ""});
}

} // namespace

const char* method_name(WeightingMethod m) {
  switch (m) {
  case WeightingMethod::None: return "none";
  case WeightingMethod::PostStratify: return "poststratify";
  case WeightingMethod::Rake: return "rake";
  case WeightingMethod::Linear: return "linear";
  }
  return "?";
}

WeightingMethod parse_method(std::string_view s) {
  if (s == "none") return WeightingMethod::None;
  if (s == "poststratify" || s == "post-stratify" || s == "ps") return WeightingMethod::PostStratify;
  if (s == "rake" || s == "raking") return WeightingMethod::Rake;
  if (s == "linear" || s == "greg" || s == "calibrate") return WeightingMethod::Linear;
  usage(std::string(s), Text{"未知の重み付け方法です", "unknown weighting method"},
        Text{"poststratify（事後層化）, rake（レーキング）, linear（線形較正 GREG）, none",
             "poststratify, rake, linear (GREG) or none"});
}

const char* unmatched_name(Unmatched u) { return u == Unmatched::Drop ? "drop" : "error"; }

std::optional<Band> parse_band(std::string_view s) {
  // Full-width digits and minus signs become ASCII; "～" and "〜" are accepted as the dash too.
  std::string t = io::normalize_numeric(s);
  for (const char* dash : {"～", "〜", "－", "–"}) {
    for (auto p = t.find(dash); p != std::string::npos; p = t.find(dash)) t.replace(p, std::string_view(dash).size(), "-");
  }
  const auto dash = t.find('-', 1);
  if (dash == std::string::npos) return std::nullopt;
  const auto lo = io::parse_integer(io::trim(t.substr(0, dash)));
  const std::string rest = io::trim(t.substr(dash + 1));
  if (!lo) return std::nullopt;
  Band b;
  b.label = io::trim(s);
  b.min = *lo;
  if (rest.empty()) {
    b.max = std::numeric_limits<std::int64_t>::max();
  } else {
    const auto hi = io::parse_integer(rest);
    if (!hi || *hi < *lo) return std::nullopt;
    b.max = *hi;
  }
  return b;
}

BandVariable parse_band_variable(std::string_view s, const std::string& origin) {
  const Text expected{"名前=変数:15-19,20-29,…,60-（変数を省くと役割 age の変数）",
                      "NAME=VAR:15-19,20-29,...,60- (VAR omitted = the variable with role age)"};
  const auto eq = s.find('=');
  if (eq == std::string_view::npos || eq == 0)
    usage(std::string(s), Text{"‹band› の書き方が正しくありません", "malformed ‹band›"}, expected);
  BandVariable v;
  v.name = io::trim(s.substr(0, eq));
  v.origin = origin;
  std::string_view rest = s.substr(eq + 1);
  if (const auto colon = rest.find(':'); colon != std::string_view::npos) {
    v.from = io::trim(rest.substr(0, colon));
    rest = rest.substr(colon + 1);
  }
  std::size_t start = 0;
  while (start <= rest.size()) {
    const auto comma = rest.find(',', start);
    const std::string_view item = rest.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    const auto b = parse_band(item);
    if (!b) usage(std::string(item), Text{fmt::format("‹band› {} の区分が正しくありません", v.name), fmt::format("‹band› {}: malformed band", v.name)}, expected);
    v.bands.push_back(*b);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return v;
}

PopulationTableSpec parse_table_arg(std::string_view s) {
  PopulationTableSpec t;
  const auto colon = s.rfind(':');
  if (colon != std::string_view::npos && s.substr(colon).find('/') == std::string_view::npos) {
    t.path = std::string(s.substr(0, colon));
    const std::string_view vars = s.substr(colon + 1);
    std::size_t start = 0;
    while (start <= vars.size()) {
      const auto comma = vars.find(',', start);
      const std::string v = io::trim(vars.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
      if (v.empty())
        usage(std::string(s), Text{"‹population-table› の変数名が空です", "‹population-table›: empty variable name"},
              Text{"FILE または FILE:変数,変数", "FILE or FILE:VAR,VAR"});
      t.variables.push_back(v);
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
  } else {
    t.path = std::string(s);
  }
  if (t.path.empty())
    usage(std::string(s), Text{"‹population-table› のファイル名が空です", "‹population-table›: empty file name"},
          Text{"FILE または FILE:変数,変数", "FILE or FILE:VAR,VAR"});
  return t;
}

} // namespace hkstat::weights
