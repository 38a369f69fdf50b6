# r/weighted_golden.R — golden values for hkstat's weighted (linearised) proportion and its design-based intervals.
#
# Run from the repository root:   Rscript r/weighted_golden.R
# Writes tests/golden/ci/weighted_input.csv   (the synthetic data set: id, y, w, dom)
#        tests/golden/ci/weighted_golden.csv  (estimates, SEs, df and svyciprop intervals)
# Read by tests/unit/test_weighted_mean.cpp (point rows) and tests/unit/test_ci.cpp (interval rows).
# Generated with R 4.2.2 and survey 4.1-1 (svyciprop there has no "wilson"; see below).
#
# Design: svydesign(ids = ~1, weights = ~w, data = d) — one stratum, no clusters, with replacement.
#
# weighted_golden.csv columns: kind, design, method, level, estimate, se, df, n, lower, upper
#   kind "point": design "all" = svymean(~y, des)                       (whole sample)
#                 design "dom" = svyratio(~I(y*dom), ~dom, des)          (domain dom == 1; keeps all rows)
#                 df = degf(des) (= rows with nonzero weight - 1), n = rows in the domain; level/lower/upper NA.
#                 (svyby(~y, ~dom, des, svymean) and svymean(~y, subset(des, dom == 1)) give the same SE as
#                 svyratio here — checked below with stopifnot — because survey keeps the full-sample PSU
#                 count of the stratum when a design is subset.)
#   kind "ci":    estimate, se, df, n are exactly the inputs that reproduce R's computation through
#                 hkstat::estimate::design_interval(method, estimate, se, df, n, level); lower/upper are R's.
#     design "full"           svyciprop(~y, des, method)                       df = degf(des) = 299, n = nrow(des) = 300
#     design "subset"         svyciprop(~y, subset(des, dom == 1), method)     df = degf(subset) = n_dom - 1,
#                                                                              n = nrow(subset) = n_dom
#     design "subset_df_full" as "subset" but svyciprop(..., df = degf(des)): the df hkstat's weighted_ratio
#                             reports for a domain (full-sample df). Only mean/logit/xlogit: survey 4.1-1's "beta"
#                             ignores the df argument (it calls degf(design) itself).
#     design "zero_weight"    svyciprop(~y, des[dom == 1, , drop = FALSE], method): rows outside the domain kept
#                             with zero weight, so beta uses n = nrow = 300 but df = degf = n_dom - 1 — the only
#                             R call whose Korn–Graubard df ratio qt(a/2, n-1)/qt(a/2, df) is not 1.
#     method "logit" (svyglm quasibinomial Wald), "xlogit", "mean" (Wald), "beta" (Korn–Graubard) from svyciprop;
#     method "wilson" is evaluated here by hand with the R 4.5 svyciprop(method = "wilson") formula
#       (n_eff = p(1-p)/se^2, t = qt(1 - a/2, df)):
#       [p + t^2/(2 n_eff) -/+ t/(2 n_eff) sqrt(4 n_eff p(1-p) + t^2)] / (1 + t^2/n_eff).
# Numbers are written with 17 significant digits (sprintf("%.17g")) so that they read back to the same double.

suppressMessages(library(survey))

set.seed(20240601)
N <- 300
d <- data.frame(
  id = seq_len(N),
  y = rbinom(N, 1, 0.05),                 # ~5% cases
  w = round(runif(N, 1, 5), 3),           # positive weights in [1, 5]
  dom = rbinom(N, 1, 0.4)                 # domain indicator
)
stopifnot(sum(d$y[d$dom == 1]) >= 3)

fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
write.csv(data.frame(id = d$id, y = d$y, w = fmt(d$w), dom = d$dom),
          "tests/golden/ci/weighted_input.csv", row.names = FALSE, quote = FALSE)

des <- svydesign(ids = ~1, weights = ~w, data = d)
ds <- subset(des, dom == 1)
dz <- des[d$dom == 1, , drop = FALSE]
n_dom <- sum(d$dom == 1)

rows <- list()
add <- function(kind, design, method, level, estimate, se, df, n, lower, upper) {
  rows[[length(rows) + 1]] <<- c(kind, design, method, fmt(level), fmt(estimate), fmt(se), fmt(df), fmt(n),
                                 fmt(lower), fmt(upper))
}

# Point estimates and SEs.
m_all <- svymean(~y, des)
add("point", "all", "ratio", NA, coef(m_all)[[1]], SE(m_all)[[1]], degf(des), N, NA, NA)
r_dom <- svyratio(~I(y * dom), ~dom, des)
se_dom <- SE(r_dom)[[1]]
add("point", "dom", "ratio", NA, coef(r_dom)[[1]], se_dom, degf(des), n_dom, NA, NA)
# The other R spellings of the domain estimate agree (relative 1e-12).
stopifnot(abs(SE(svymean(~y, ds))[[1]] / se_dom - 1) < 1e-12,
          abs(SE(svyby(~y, ~dom, des, svymean))[2] / se_dom - 1) < 1e-12)

source("r/svy_wilson.R") # wilson(p, se, df, level)

ci_rows <- function(label, design, df_arg = NULL, methods = c("logit", "xlogit", "mean", "beta")) {
  p <- coef(svymean(~y, design))[[1]]
  se <- SE(svymean(~y, design))[[1]]
  for (level in c(0.95, 0.90)) {
    for (m in methods) {
      ci <- if (is.null(df_arg)) {
        suppressWarnings(attr(svyciprop(~y, design, method = m, level = level), "ci"))
      } else {
        suppressWarnings(attr(svyciprop(~y, design, method = m, level = level, df = df_arg), "ci"))
      }
      # beta always uses degf(design) and nrow(design) (survey 4.1-1, R/svyttest.R).
      df_used <- if (m == "beta" || is.null(df_arg)) degf(design) else df_arg
      add("ci", label, m, level, p, se, df_used, nrow(design), ci[[1]], ci[[2]])
    }
    df_w <- if (is.null(df_arg)) degf(design) else df_arg
    wi <- wilson(p, se, df_w, level)
    add("ci", label, "wilson", level, p, se, df_w, nrow(design), wi[1], wi[2])
  }
}
ci_rows("full", des)
ci_rows("subset", ds)
ci_rows("subset_df_full", ds, df_arg = degf(des), methods = c("logit", "xlogit", "mean"))
ci_rows("zero_weight", dz)

out <- do.call(rbind, rows)
colnames(out) <- c("kind", "design", "method", "level", "estimate", "se", "df", "n", "lower", "upper")
write.csv(out, "tests/golden/ci/weighted_golden.csv", row.names = FALSE, quote = FALSE)
cat("wrote tests/golden/ci/weighted_input.csv:", N, "rows;", "tests/golden/ci/weighted_golden.csv:", nrow(out), "rows\n")
