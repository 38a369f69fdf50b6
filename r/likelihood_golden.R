# r/likelihood_golden.R — golden values for the `likelihood` interval (R svyciprop(method = "likelihood"))
# at the level of its pieces, read by tests/unit/test_likelihood_ci.cpp.
#
# Run from the repository root, after r/design_cli_golden.R (it reads the data that script writes):
#   Rscript r/likelihood_golden.R
# Generated with R 4.2.2, survey 4.1-1, MASS 7.3-58.
#
# tests/golden/likelihood/design_pieces.csv — for each design × group × measure of r/design_cli_golden.R
#   (replicate designs excluded: survey 4.1-1 returns NA there), the scalars hkstat's
#   scaled_likelihood_interval takes, as R computed them inside svyciprop:
#     estimate   coef(svymean) = Σ w y / Σ w (what hkstat computes)
#     b0         coef of the svyglm fit β̂ (glm's IRLS iterate: logit(estimate) up to ~1e-8)
#     se_logit   sqrt(vcov(fit)) (svyglm's design SE of β̂)
#     lambda     fit$cov.unscaled / fit$naive.cov (R's IRLS state: see proportion_ci.hpp)
#     dispersion summary(fit)$dispersion
#     df         degf(design); n = nrow(design) (R's subset design); m = rows with nonzero weight
#     se_p       SE(svymean) (what hkstat's likelihood_interval takes)
#     lower, upper  confint(svyciprop(..., method = "likelihood"))
# tests/golden/likelihood/binomial.csv — k, n, level, lower, upper of
#   confint(glm(cbind(k, n - k) ~ 1, family = binomial)) (MASS profile), expit'ed.
# Numbers are written with 17 significant digits.

suppressMessages(library(survey))
suppressMessages(library(MASS))
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

prep <- function(x) {
  x$broad <- as.numeric(x$outing >= 5 & x$duration == 3)
  x$narrow <- as.numeric(x$outing >= 6 & x$duration == 3)
  x$grp <- ifelse(x$age <= 39, "15-39", "40-64")
  x
}
d <- prep(read.csv("tests/data/design/design_survey.csv"))
l <- prep(read.csv("tests/data/design/lonely_survey.csv"))

out <- list()
add_design <- function(name, des) {
  for (grp in c("all", "15-39", "40-64")) {
    g_want <- grp
    s <- if (grp == "all") des else subset(des, grp == g_want)
    for (measure in c("broad", "narrow")) {
      f <- as.formula(paste0(measure, " ~ 1"))
      fit <- suppressWarnings(svyglm(f, s, family = quasibinomial))
      ci <- suppressWarnings(as.vector(confint(svyciprop(as.formula(paste0("~", measure)), s, method = "likelihood"))))
      se_p <- SE(svymean(as.formula(paste0("~", measure)), s))[[1]]
      out[[length(out) + 1]] <<- c(name, grp, measure, "0.95", fmt(coef(svymean(as.formula(paste0("~", measure)), s))[[1]]), fmt(coef(fit)[[1]]), fmt(sqrt(vcov(fit)[1, 1])),
                                   fmt((fit$cov.unscaled / fit$naive.cov)[1, 1]), fmt(suppressWarnings(summary(fit))$dispersion[1]),
                                   fmt(degf(s)), nrow(s), sum(weights(s, "sampling") != 0), fmt(se_p), fmt(ci[1]), fmt(ci[2]))
    }
  }
}

options(survey.lonely.psu = "fail")
add_design("full", svydesign(ids = ~psu, strata = ~stratum, fpc = ~npsu, weights = ~w, nest = TRUE, data = d))
add_design("strat", svydesign(ids = ~1, strata = ~stratum, weights = ~w, data = d))
add_design("clus", svydesign(ids = ~psu_g, weights = ~w, data = d))
add_design("srs_fpc", svydesign(ids = ~1, fpc = ~npop, data = d))
for (policy in c("remove", "certainty", "adjust", "average")) {
  options(survey.lonely.psu = policy)
  add_design(paste0("lonely_", policy), svydesign(ids = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = l))
}
options(survey.lonely.psu = "fail")
pop <- read.csv("tests/data/design/pop_age_sex.csv")
pop$sex <- ifelse(pop$sex == "男性", 1, 2)
d$age_band <- cut(d$age, c(14, 29, 44, 64), labels = c("15-29", "30-44", "45-64"))
full <- svydesign(ids = ~psu, strata = ~stratum, fpc = ~npsu, weights = ~w, nest = TRUE, data = d)
add_design("calib_poststratify", postStratify(full, ~age_band + sex, data.frame(age_band = pop$age_band, sex = pop$sex, Freq = pop$count)))
m_age <- aggregate(count ~ age_band, pop, sum)
m_sex <- aggregate(count ~ sex, pop, sum)
add_design("calib_rake", rake(full, list(~age_band, ~sex), list(data.frame(age_band = m_age$age_band, Freq = m_age$count),
                                                               data.frame(sex = m_sex$sex, Freq = m_sex$count)),
                              control = list(maxit = 100, epsilon = 1e-12)))
res <- do.call(rbind, out)
colnames(res) <- c("design", "group", "measure", "level", "estimate", "b0", "se_logit", "lambda", "dispersion", "df", "n", "m", "se_p", "lower", "upper")
write.csv(res, "tests/golden/likelihood/design_pieces.csv", row.names = FALSE, quote = FALSE)

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
cat("wrote", nrow(res), "+", nrow(b), "rows\n")
