# r/ci_golden.R — golden values for the unweighted (binomial) proportion intervals of hkstat.
#
# Run from the repository root:   Rscript r/ci_golden.R
# Writes tests/golden/ci/ci_golden.csv (read by tests/unit/test_ci.cpp).
# Generated with R 4.2.2 (base stats only; no packages needed).
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
