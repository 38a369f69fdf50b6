# r/tabulate_cli_golden.R — golden values for `hkstat tabulate` with calibration-aware and replicate-weight
# variances, compared through the real CLI by tests/cli/tabulate_vs_r.py.
#
# Run from the repository root:   Rscript r/tabulate_cli_golden.R
# Reads  tests/data/design/design_survey.csv and pop_age_sex.csv (written by r/design_cli_golden.R; not changed)
# Writes tests/golden/tabulate_cli/cells.csv      (per design, domain, variable, category and interval method:
#                                                 svymean estimate and SE, degf, svyciprop interval, deff)
#        tests/golden/tabulate_cli/rao_scott.csv  (svychisq(~outing + sex) per design, "F" and "Chisq")
# Generated with R 4.2.2 and survey 4.1-1.
#
# Designs (column "design"; the hkstat command that must give the same numbers is in tests/cli/tabulate_vs_r.py):
#   calib_poststratify, calib_rake: svydesign(ids = ~psu, strata = ~stratum, fpc = ~npsu, weights = ~w, nest = TRUE)
#       post-stratified / raked to pop_age_sex.csv (age band × sex; margins age band and sex), as
#       r/design_cli_golden.R — hkstat tabulate --calibrate --config tests/data/design/calib_*.hkstat.toml
#   rep_jkn: as.svrepdesign(<that design, uncalibrated>, type = "JKn")    — hkstat tabulate --replicates jkn
#   rep_jk1: as.svrepdesign(svydesign(ids = ~psu_g, weights = ~w), "JK1") — hkstat tabulate --replicates jk1
#   full: that design uncalibrated (linearised)                             — hkstat tabulate (no design option)
#   strat_sex: svydesign(ids = ~1, strata = ~stratum, weights = ~w): no psu column, each respondent its own PSU
#       (linearised)          — hkstat tabulate --codebook tests/data/design/strat_sex.codebook.toml (per-stratum moments)
# Domains: all, and broad = outing 5-8 and duration 3 (tests/data/weighted/core_only.toml), as
# svyciprop(~y, subset(design, broad == 1)) (df = degf(subset)); deff = svymean(deff = "replace") on the
# calibrated designs (hkstat writes no deff for replicate designs). Variables: outing (codes 1-8) and sex (1-2),
# y = indicator of the category. Methods: xlogit (hkstat logit), mean (hkstat wald), beta (hkstat beta),
# likelihood (hkstat likelihood; not on replicate designs, where survey 4.1-1 returns NA);
# intervals only where 0 < p < 1 (hkstat falls back to Clopper–Pearson on the boundary: not compared) and
# SE > 1e-12 (sex after calibration to sex margins: the SE is 0 up to rounding, ~1e-18, and R's beta
# interval is NaN there; tabulate_vs_r.py checks such SEs as below 1e-12 instead).
# Numbers are written with 17 significant digits.

suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

d <- read.csv("tests/data/design/design_survey.csv")
d$broad <- as.numeric(d$outing >= 5 & d$duration == 3)
for (k in 1:8) d[[paste0("outing_", k)]] <- as.numeric(d$outing == k)
for (k in 1:2) d[[paste0("sex_", k)]] <- as.numeric(d$sex == k)
d$age_band <- cut(d$age, c(14, 29, 44, 64), labels = c("15-29", "30-44", "45-64"))
pop <- read.csv("tests/data/design/pop_age_sex.csv")
pop$sex <- ifelse(pop$sex == "男性", 1, 2)

full <- svydesign(ids = ~psu, strata = ~stratum, fpc = ~npsu, weights = ~w, nest = TRUE, data = d)
ps <- postStratify(full, ~age_band + sex, data.frame(age_band = pop$age_band, sex = pop$sex, Freq = pop$count))
m_age <- aggregate(count ~ age_band, pop, sum)
m_sex <- aggregate(count ~ sex, pop, sum)
rk <- rake(full, list(~age_band, ~sex), list(data.frame(age_band = m_age$age_band, Freq = m_age$count),
                                             data.frame(sex = m_sex$sex, Freq = m_sex$count)),
           control = list(maxit = 100, epsilon = 1e-12))
designs <- list(calib_poststratify = ps, calib_rake = rk,
                rep_jkn = as.svrepdesign(full, type = "JKn"),
                rep_jk1 = as.svrepdesign(svydesign(ids = ~psu_g, weights = ~w, data = d), type = "JK1"),
                full = full,
                strat_sex = svydesign(ids = ~1, strata = ~stratum, weights = ~w, data = d))

out <- list()
rs <- list()
for (name in names(designs)) {
  des <- designs[[name]]
  for (domain in c("all", "broad")) {
    s <- if (domain == "all") des else subset(des, broad == 1)
    df <- degf(s)
    for (v in list(c("outing", 8), c("sex", 2))) {
      for (k in seq_len(as.integer(v[2]))) {
        f <- as.formula(paste0("~", v[1], "_", k))
        rep <- inherits(s, "svyrep.design")
        m <- if (rep) svymean(f, s) else svymean(f, s, deff = "replace")
        p <- coef(m)[[1]]
        se <- SE(m)[[1]]
        de <- if (rep || !(se > 1e-12)) NA else deff(m)[[1]]
        for (method in c("xlogit", "mean", "beta", if (!rep) "likelihood")) {
          ci <- if (p > 0 && p < 1 && se > 1e-12) as.vector(confint(svyciprop(f, s, method = method, level = 0.95))) else c(NA, NA)
          out[[length(out) + 1]] <- c(name, domain, v[1], k, method, fmt(p), fmt(se), fmt(df), fmt(ci[1]), fmt(ci[2]), fmt(de))
        }
      }
    }
  }
  # Rao–Scott test of outing × sex on the whole design (hkstat tabulate --var outing --test sex).
  t_f <- svychisq(~outing + sex, des, statistic = "F")
  t_c <- svychisq(~outing + sex, des, statistic = "Chisq")
  rs[[length(rs) + 1]] <- c(name, fmt(t_f$statistic[[1]]), fmt(t_f$parameter[[1]]), fmt(t_f$parameter[[2]]), fmt(t_f$p.value),
                            fmt(t_c$statistic[[1]]), fmt(t_c$p.value))
}
res <- do.call(rbind, out)
colnames(res) <- c("design", "domain", "variable", "code", "method", "estimate", "se", "df", "lower", "upper", "deff")
write.csv(res, "tests/golden/tabulate_cli/cells.csv", row.names = FALSE, quote = FALSE)
rres <- do.call(rbind, rs)
colnames(rres) <- c("design", "f", "ndf", "ddf", "p", "chisq", "chisq_p")
write.csv(rres, "tests/golden/tabulate_cli/rao_scott.csv", row.names = FALSE, quote = FALSE)
cat("wrote", nrow(res), "cell rows and", nrow(rres), "tests\n")
