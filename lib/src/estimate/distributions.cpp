#include "hkstat/estimate/distributions.hpp"

#include "hkstat/core/error.hpp"

#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/fisher_f.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <fmt/format.h>

#include <cmath>
#include <exception>
#include <string>
#include <utility>

// Boost.Math's "initializers": a static object per special function and type whose constructor calls the function a
// few times before main(), so that its function-local tables exist before a second thread could race to build them
// (a C++03 precaution). C++11 initialises function-local statics thread-safely on first use, so they only cost every
// process start, also one that needs no quantile (issue 16: `hkstat --version` ~5 page faults in Boost's code). Each
// is specialised here to do nothing, for the types this file's distributions compute in (double promoted to long
// double, and double): what the functions keep in function-local statics is built on their first call instead, so
// every number is unchanged (the R-checked tests). Declared before the first use below instantiates them; a Boost
// release that renames one fails to compile here, one that adds another only runs it. The test
// cli.start_no_boost_initializers checks that none is left in the executable.
namespace boost::math {
namespace detail {
#define HKSTAT_NO_BOOST_INITIALIZER(T)                                                                                    \
  template <class Policy, class Tag> struct erf_initializer<T, Policy, Tag> { static void force_instantiate() {} };      \
  template <class Policy> struct erf_inv_initializer<T, Policy> { static void force_instantiate() {} };                  \
  template <class Policy, class Tag> struct expm1_initializer<T, Policy, Tag> { static void force_instantiate() {} };    \
  template <class Policy> struct igamma_initializer<T, Policy> { static void force_instantiate() {} };                   \
  template <class Policy> struct lgamma_initializer<T, Policy> { static void force_instantiate() {} };
HKSTAT_NO_BOOST_INITIALIZER(double)
HKSTAT_NO_BOOST_INITIALIZER(long double)
#undef HKSTAT_NO_BOOST_INITIALIZER
} // namespace detail
namespace lanczos {
template <class Lanczos> struct lanczos_initializer<Lanczos, double> { static void force_instantiate() {} };
template <class Lanczos> struct lanczos_initializer<Lanczos, long double> { static void force_instantiate() {} };
} // namespace lanczos
} // namespace boost::math

namespace hkstat::estimate {

namespace {

[[noreturn]] void fail(ErrorCode code, std::string value, Text message, Text expected) {
  throw_problem(code, std::move(value), std::move(message), std::move(expected));
}

[[noreturn]] void internal(const char* what, std::string value) {
  fail(ErrorCode::Internal, std::move(value),
       Text{fmt::format("分位点関数の引数が不正です ({})", what), fmt::format("invalid argument to a quantile function ({})", what)},
       Text{});
}

void check_df(double df) {
  // NaN fails the comparison and is rejected too.
  if (!(df > 0))
    fail(ErrorCode::EstimateNoData, fmt::format("df={}", df),
         Text{"自由度が0以下のため信頼区間を計算できません", "degrees of freedom <= 0: no confidence interval"},
         Text{"回答者が2人以上いる集計区分", "a group with at least 2 respondents"});
}

void check_open_unit(double p, const char* what) {
  if (!(p > 0 && p < 1)) internal(what, fmt::format("p={}", p));
}

// Runs a Boost.Math computation; converts its exceptions, and a non-finite result, to hkstat::Error.
template <class F>
double guarded(const char* what, std::string args, F&& f) {
  double r = 0;
  try {
    r = f();
  } catch (const std::exception& e) {
    fail(ErrorCode::Internal, std::move(args),
         Text{fmt::format("分位点の計算に失敗しました ({}): {}", what, e.what()),
              fmt::format("quantile computation failed ({}): {}", what, e.what())},
         Text{});
  }
  if (std::isnan(r)) internal(what, std::move(args));
  return r;
}

} // namespace

double normal_quantile(double p) {
  check_open_unit(p, "normal_quantile");
  return guarded("normal_quantile", fmt::format("p={}", p), [&] { return quantile(boost::math::normal_distribution<double>(), p); });
}

double t_quantile(double p, double df) {
  check_df(df);
  check_open_unit(p, "t_quantile");
  if (std::isinf(df)) return normal_quantile(p);
  return guarded("t_quantile", fmt::format("p={} df={}", p, df),
                 [&] { return quantile(boost::math::students_t_distribution<double>(df), p); });
}

double critical_value(double level, double df) {
  if (!(level > 0 && level < 1))
    fail(ErrorCode::EstimateNoData, fmt::format("level={}", level),
         Text{"信頼水準が0と1の間にないため信頼区間を計算できません", "confidence level not in (0, 1): no confidence interval"},
         Text{"0より大きく1より小さい値 (例 0.95)", "a value strictly between 0 and 1, e.g. 0.95"});
  check_df(df);
  // (1 + level)/2 rather than 1 - (1 - level)/2: the same number, spelled as R's prop.test spells it.
  return t_quantile((1 + level) / 2, df);
}

double beta_quantile(double p, double a, double b) {
  if (!(p >= 0 && p <= 1)) internal("beta_quantile", fmt::format("p={}", p));
  if (!(a > 0 && b > 0) || std::isinf(a) || std::isinf(b)) internal("beta_quantile", fmt::format("a={} b={}", a, b));
  if (p == 0) return 0;
  if (p == 1) return 1;
  return guarded("beta_quantile", fmt::format("p={} a={} b={}", p, a, b),
                 [&] { return quantile(boost::math::beta_distribution<double>(a, b), p); });
}

double chisq_quantile(double p, double df) {
  if (!(p >= 0 && p < 1)) internal("chisq_quantile", fmt::format("p={}", p));
  check_df(df);
  if (std::isinf(df)) internal("chisq_quantile", fmt::format("df={}", df));
  if (p == 0) return 0;
  return guarded("chisq_quantile", fmt::format("p={} df={}", p, df),
                 [&] { return quantile(boost::math::chi_squared_distribution<double>(df), p); });
}

double f_quantile(double p, double d1, double d2) {
  if (!(p >= 0 && p < 1)) internal("f_quantile", fmt::format("p={}", p));
  check_df(d1);
  check_df(d2);
  if (std::isinf(d1)) internal("f_quantile", fmt::format("d1={}", d1));
  if (p == 0) return 0;
  // F(d1, ∞) is χ²_{d1}/d1 (Boost's fisher_f rejects an infinite d2).
  if (std::isinf(d2)) return chisq_quantile(p, d1) / d1;
  return guarded("f_quantile", fmt::format("p={} d1={} d2={}", p, d1, d2),
                 [&] { return quantile(boost::math::fisher_f_distribution<double>(d1, d2), p); });
}

double f_quantile_upper(double q, double d1, double d2) {
  if (!(q > 0 && q <= 1)) internal("f_quantile_upper", fmt::format("q={}", q));
  check_df(d1);
  check_df(d2);
  if (std::isinf(d1)) internal("f_quantile_upper", fmt::format("d1={}", d1));
  if (q == 1) return 0;
  if (std::isinf(d2))
    return guarded("f_quantile_upper", fmt::format("q={} d1={}", q, d1), [&] {
             return quantile(boost::math::complement(boost::math::chi_squared_distribution<double>(d1), q));
           }) / d1;
  return guarded("f_quantile_upper", fmt::format("q={} d1={} d2={}", q, d1, d2),
                 [&] { return quantile(boost::math::complement(boost::math::fisher_f_distribution<double>(d1, d2), q)); });
}

namespace {

void check_test_df(double df) {
  if (!(df > 0))
    fail(ErrorCode::EstimateNoData, fmt::format("df={}", df),
         Text{"自由度が0以下のため検定できません", "degrees of freedom <= 0: no test"},
         Text{"自由度が正になる設計と表 (PSUが層より多い、2行2列以上)", "a design and table with positive df"});
}

} // namespace

double chisq_upper_tail(double x, double df) {
  check_test_df(df);
  if (!(x >= 0) || std::isinf(df)) internal("chisq_upper_tail", fmt::format("x={} df={}", x, df));
  if (std::isinf(x)) return 0;
  return guarded("chisq_upper_tail", fmt::format("x={} df={}", x, df),
                 [&] { return cdf(complement(boost::math::chi_squared_distribution<double>(df), x)); });
}

double f_upper_tail(double x, double d1, double d2) {
  check_test_df(d1);
  check_test_df(d2);
  if (!(x >= 0) || std::isinf(d1)) internal("f_upper_tail", fmt::format("x={} d1={} d2={}", x, d1, d2));
  if (std::isinf(x)) return 0;
  if (std::isinf(d2)) return chisq_upper_tail(x * d1, d1); // F(d1, ∞) = χ²_{d1}/d1
  return guarded("f_upper_tail", fmt::format("x={} d1={} d2={}", x, d1, d2),
                 [&] { return cdf(complement(boost::math::fisher_f_distribution<double>(d1, d2), x)); });
}

} // namespace hkstat::estimate
