# r/likelihood_golden.R — golden values for the `likelihood` interval of an unweighted simple sample,
# read by tests/unit/test_likelihood_ci.cpp. (The design cases, and the pieces of R's design interval, are
# written by r/design_cli_golden.R.)
#
# Run from the repository root:   Rscript r/likelihood_golden.R
# Generated with R 4.2.2, MASS 7.3-58.
#
# tests/golden/likelihood/binomial.csv — k, n, level, lower, upper of
#   plogis(confint(glm(cbind(k, n - k) ~ 1, family = binomial))) (MASS profile likelihood).
# Numbers are written with 17 significant digits.

suppressMessages(library(MASS))
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

# Binomial profile-likelihood intervals (hkstat's `likelihood` on an unweighted simple sample).
cases <- data.frame(k = c(1, 3, 9, 1, 20, 59, 500, 1, 3286), n = c(10, 10, 10, 810, 810, 3287, 1000, 2, 3287))
bin <- list()
for (i in seq_len(nrow(cases))) for (level in c(0.90, 0.95, 0.99)) {
  k <- cases$k[i]; n <- cases$n[i]
  fit <- glm(cbind(k, n - k) ~ 1, family = binomial)
  ci <- plogis(suppressMessages(confint(fit, level = level)))
  bin[[length(bin) + 1]] <- c(k, n, fmt(level), fmt(ci[[1]]), fmt(ci[[2]]))
}
b <- do.call(rbind, bin)
colnames(b) <- c("k", "n", "level", "lower", "upper")
write.csv(b, "tests/golden/likelihood/binomial.csv", row.names = FALSE, quote = FALSE)
cat("wrote", nrow(b), "rows\n")
