// hkstat/estimate/distributions.hpp — the one wrapper around Boost.Math quantile functions.
//
// Every quantile hkstat uses goes through here, so that Boost's error policy (throw
// std::domain_error / std::overflow_error / boost::math::evaluation_error) is translated into
// hkstat::Error in one place, and no caller ever receives a NaN.
//
// Errors:
//  * df <= 0 or NaN, level outside (0, 1): arguments that user input can reach (a domain with a
//    single respondent, --level 1.2). Thrown as Error(EstimateNoData) with a bilingual message.
//  * Anything else out of range (p outside the support, a shape parameter <= 0): a programmer
//    error, thrown as Error(Internal).
#pragma once

namespace hkstat::estimate {

// Standard normal quantile Φ⁻¹(p), p in (0, 1).
double normal_quantile(double p);

// Student t quantile with df degrees of freedom, p in (0, 1). df may be non-integer;
// df = +infinity gives the normal quantile. df <= 0 or NaN throws Error(EstimateNoData).
double t_quantile(double p, double df);

// Two-sided critical value for a confidence level: t_{1-(1-level)/2, df} (z when df = +infinity).
// level must be in (0, 1), df > 0; otherwise Error(EstimateNoData).
double critical_value(double level, double df);

// Beta(a, b) quantile, p in [0, 1], a > 0, b > 0 (p = 0 → 0, p = 1 → 1).
double beta_quantile(double p, double a, double b);

// F(d1, d2) quantile, p in [0, 1), d1 > 0, d2 > 0 (d2 = +infinity allowed: χ²_{d1}/d1).
double f_quantile(double p, double d1, double d2);

// Upper-tail F(d1, d2) quantile: x with P(F > x) = q, q in (0, 1] (R qf(q, d1, d2, lower.tail = FALSE)),
// accurate for tiny q where f_quantile(1 − q) would lose q to rounding (d2 = +infinity: χ²_{d1}/d1).
double f_quantile_upper(double q, double d1, double d2);

// χ²(df) quantile, p in [0, 1), df > 0.
double chisq_quantile(double p, double df);

// Upper-tail probabilities (p-values): P(X > x) for x >= 0, computed as Boost's complement cdf (no 1 − cdf
// cancellation, so tiny p-values keep their relative accuracy, as R's lower.tail = FALSE).
// df <= 0 or NaN → Error(EstimateNoData) ("no test"); x < 0 or NaN → Error(Internal).
double chisq_upper_tail(double x, double df);        // R pchisq(x, df, lower.tail = FALSE)
double f_upper_tail(double x, double d1, double d2); // R pf(x, d1, d2, lower.tail = FALSE); d2 = +infinity allowed

} // namespace hkstat::estimate
