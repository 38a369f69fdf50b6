# r/ci_golden.R — golden values for the unweighted (binomial) proportion intervals of hkstat.
#
# Run from the repository root:   Rscript r/ci_golden.R
# Writes tests/golden/ci/ci_golden.csv (read by tests/unit/test_ci.cpp).
# Generated with R 4.2.2 (base stats for ci_golden.csv; survey 4.1-1 for design_extra_golden.csv, see the end).
#
# Columns: k, n, level, method, lower, upper
#   method "wilson"          = prop.test(k, n, correct = FALSE)$conf.int  (score interval, no continuity correction)
#   method "clopper-pearson" = binom.test(k, n, conf.level = level)$conf.int  (exact interval)
# Numbers are written with 17 significant digits so that they read back to the same double.

cases <- data.frame(
  k = c(0, 1, 0, 1, 3, 9, 10, 0, 1, 20, 810, 59, 49, 47, 500, 1, 0, 3287),
  n = c(1, 1, 10, 10, 10, 10, 10, 810, 810, 810, 810, 3287, 3115, 3248, 1000, 2, 3287, 3287)
)
levels <- c(0.90, 0.95, 0.99)

fmt <- function(x) sprintf("%.17g", x)
rows <- list()
for (i in seq_len(nrow(cases))) {
  k <- cases$k[i]
  n <- cases$n[i]
  for (level in levels) {
    # prop.test warns "Chi-squared approximation may be incorrect" for small n; the interval is still the
    # Wilson score interval, which is what we want.
    w <- suppressWarnings(prop.test(k, n, conf.level = level, correct = FALSE))$conf.int
    cp <- binom.test(k, n, conf.level = level)$conf.int
    rows[[length(rows) + 1]] <- c(k, n, fmt(level), "wilson", fmt(w[1]), fmt(w[2]))
    rows[[length(rows) + 1]] <- c(k, n, fmt(level), "clopper-pearson", fmt(cp[1]), fmt(cp[2]))
  }
}
out <- do.call(rbind, rows)
colnames(out) <- c("k", "n", "level", "method", "lower", "upper")
write.csv(out, "tests/golden/ci/ci_golden.csv", row.names = FALSE, quote = FALSE)
cat("wrote tests/golden/ci/ci_golden.csv:", nrow(out), "rows\n")

# ---------------------------------------------------------------------------------------------------
# Design-based intervals not covered by r/weighted_golden.R: arcsine and the NCHS Korn–Graubard variant.
# Writes tests/golden/ci/design_extra_golden.csv (read by tests/unit/test_ci.cpp). Needs survey (4.1-1 used).
# Columns: method, case, level, p, se, df, n, lower, upper
#   method "asin":    R svyciprop(~y, design, method = "asin", level, df) on tests/golden/ci/weighted_input.csv
#                     (svydesign(ids = ~1, weights = ~w)); case "full" (df = degf = 299), "subset"
#                     (subset(des, dom == 1), df = n_dom - 1), "subset_df_full" (same, df = 299 given).
#                     p, se = svymean of the design; n = nrow(design) (unused by the formula).
#   method "kg-nchs": the NCHS Korn–Graubard interval evaluated here by hand (no R package implements this
#                     exact variant; survey-methods.md §3.5): r = qt(a/2, n-1)/qt(a/2, df);
#                     0<p<1: n* = min(n, p(1-p)/se^2 * r^2); p in {0,1}: n* = n r^2; x* = n* p;
#                     lower = 0 if p = 0 else qbeta(a/2, x*, n*-x*+1); upper = 1 if p = 1 else qbeta(1-a/2, x*+1, n*-x*).
#                     Cases: the weighted_golden domain estimate (cap not binding), a design effect < 1 (cap
#                     binding), p = 0, p = 1, small df.
suppressMessages(library(survey))
wd <- read.csv("tests/golden/ci/weighted_input.csv")
des <- svydesign(ids = ~1, weights = ~w, data = wd)
ds <- subset(des, dom == 1)
ext <- list()
addx <- function(...) ext[[length(ext) + 1]] <<- c(...)
for (level in c(0.95, 0.90)) {
  for (cs in list(list("full", des, NULL), list("subset", ds, NULL), list("subset_df_full", ds, degf(des)))) {
    d <- cs[[2]]
    m <- svymean(~y, d)
    df <- if (is.null(cs[[3]])) degf(d) else cs[[3]]
    ci <- attr(svyciprop(~y, d, method = "asin", level = level, df = df), "ci")
    addx("asin", cs[[1]], fmt(level), fmt(coef(m)[[1]]), fmt(SE(m)[[1]]), fmt(df), nrow(d), fmt(ci[[1]]), fmt(ci[[2]]))
  }
}
kg_nchs <- function(p, se, df, n, level) {
  a <- 1 - level
  r2 <- (qt(a / 2, n - 1) / qt(a / 2, df))^2
  ns <- if (p == 0 || p == 1) n * r2 else min(n, p * (1 - p) / se^2 * r2)
  xs <- ns * p
  c(if (p == 0) 0 else qbeta(a / 2, xs, ns - xs + 1), if (p == 1) 1 else qbeta(1 - a / 2, xs + 1, ns - xs))
}
kg_cases <- list(
  list("domain", 0.066069987245495287, 0.026516236088064131, 126, 127),
  list("deff_below_1", 0.2, 0.01, 40, 300),       # n_eff = 1600 > n: capped at n
  list("p0", 0, 0, 30, 127),
  list("p1", 1, 0, 30, 127),
  list("small_df", 0.1, 0.03, 5, 200))
for (level in c(0.95, 0.90)) {
  for (k in kg_cases) {
    ci <- kg_nchs(k[[2]], k[[3]], k[[4]], k[[5]], level)
    addx("kg-nchs", k[[1]], fmt(level), fmt(k[[2]]), fmt(k[[3]]), fmt(k[[4]]), fmt(k[[5]]), fmt(ci[1]), fmt(ci[2]))
  }
}
outx <- do.call(rbind, ext)
colnames(outx) <- c("method", "case", "level", "p", "se", "df", "n", "lower", "upper")
write.csv(outx, "tests/golden/ci/design_extra_golden.csv", row.names = FALSE, quote = FALSE)
cat("wrote tests/golden/ci/design_extra_golden.csv:", nrow(outx), "rows\n")
