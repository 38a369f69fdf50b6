#include "hkstat/estimate/by_limit.hpp"

#include "hkstat/core/error.hpp"
#include "hkstat/estimate/prevalence.hpp"

#include <fmt/format.h>

namespace hkstat::estimate {

std::size_t by_domains(const std::vector<std::size_t>& levels, bool crossed) {
  const std::size_t n = levels.size();
  if (!crossed || n > kMaxByDepth) {
    std::size_t sum = 0;
    for (const std::size_t l : levels) sum += l;
    return sum;
  }
  // Every non-empty subset of the factors (n ≤ 3: at most 7 terms).
  std::size_t domains = 0;
  for (std::size_t mask = 1; mask < (std::size_t{1} << n); ++mask) {
    std::size_t d = 1;
    for (std::size_t i = 0; i < n; ++i)
      if ((mask >> i) & 1U) d *= levels[i];
    domains += d;
  }
  return domains;
}

void check_by_limits(const std::vector<std::size_t>& levels, bool crossed, const std::string& file) {
  if (crossed && levels.size() > kMaxByDepth)
    throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{file, 0, 0, "", "‹by›"}, fmt::format("{}", levels.size()),
                        Text{fmt::format("‹by› の変数が {} 個あります。掛け合わせられるのは {} 個までです", levels.size(), kMaxByDepth),
                             fmt::format("‹by› has {} variables; at most three can be crossed", levels.size())},
                        Text{"3 個以下の変数（例: 問3,sex,地区）", "at most three variables (e.g. 問3,sex,district)"}, ""});
  const std::size_t domains = by_domains(levels, crossed);
  if (domains <= kMaxByLevels) return;
  // Crossed: the levels are the combinations' count; one variable or a list of uncrossed ones: their codes.
  const bool combos = crossed && levels.size() > 1;
  const Text what = combos ? Text{fmt::format("‹by› の水準（コード、掛け合わせはその組み合わせ）が合わせて {} あり、上限 {} を超えています", domains, kMaxByLevels),
                                  fmt::format("the ‹by› levels (codes; crossed: their combinations) are {} in all, above the limit of {}", domains, kMaxByLevels)}
                           : Text{fmt::format("‹by› の変数の水準（コード）が合わせて {} あり、上限 {} を超えています", domains, kMaxByLevels),
                                  fmt::format("the ‹by› variables have {} levels (codes) in all, above the limit of {}", domains, kMaxByLevels)};
  const Text expected{fmt::format("水準が合わせて {} 以下{}変数（例: 地区を大きな区分にまとめた変数）", kMaxByLevels, combos ? "になる" : "の"),
                      fmt::format("variables with at most {} levels in all (e.g. districts grouped into larger areas)", kMaxByLevels)};
  throw Error(Problem{ErrorCode::UsageInvalidOption, SourcePos{file, 0, 0, "", "‹by›"}, fmt::format("{}", domains), what, expected, ""});
}

} // namespace hkstat::estimate
