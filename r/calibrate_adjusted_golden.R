# r/calibrate_adjusted_golden.R — golden values for `hkstat estimate --calibrate` with nonresponse cells, trimming and
# bounded linear calibration, compared through the real CLI by tests/cli/calibrate_adjusted_vs_r.py.
#
# Run from the repository root:   Rscript r/calibrate_adjusted_golden.R
# Generated with R 4.2.2 and survey 4.1-1. Reads tests/data/design/design_survey.csv and pop_age_sex.csv (written by
# r/design_cli_golden.R); writes tests/golden/calibrate_adjusted/results.csv (cells), differences.csv, tabulate.csv and
# likelihood.csv and tabulate_likelihood.csv.
#
# The design is the stratified two-stage "full" design of r/design_cli_golden.R (codebook calib.codebook.toml):
#   svydesign(ids = ~psu, strata = ~stratum, fpc = ~npsu, weights = ~w, nest = TRUE)
# calibrated as each tests/data/design/<design>.hkstat.toml says (column "design" = that name):
#   calib_cells_poststratify  nonresponse cells (stratum), then postStratify(~age_band + sex)
#   calib_cells_rake          nonresponse cells (stratum × sex), then rake(list(~age_band, ~sex))
#   calib_cells_linear        nonresponse cells (stratum), then calibrate(~age_band + sex, calfun = "linear",
#                             bounds = c(0.405, 1.5))
#   calib_rake_cells          nonresponse cells (sex), rake, trimWeights(lower = 20, upper = 90, strict = TRUE)
#   calib_rake_trim           rake, then trimWeights(lower = 25, upper = 100)               (one pass)
#   calib_rake_trim_strict    rake, then trimWeights(lower = 25, upper = 100, strict = TRUE)
#   calib_linear_bounds       calibrate(~age_band + sex, calfun = "linear", bounds = c(0.415, 1.5))
#   calib_linear              the same, then trimWeights(lower = 20, upper = 90)             (one pass)
# and, without a psu column (codebook calib_nopsu.codebook.toml: each respondent its own PSU, the calnopsu path of
# docs/performance.md "Ninth session, calnopsu"), the same rows as a stratified sample of respondents:
#   svydesign(ids = ~1, strata = ~stratum, fpc = ~npop, weights = ~w)
# calibrated as (column "design" = "nopsu:" and the configuration's name; hkstat runs it with --codebook
# calib_nopsu.codebook.toml, the weights are the same as with the psu column):
#   nopsu:calib_poststratify  postStratify(~age_band + sex)
#   nopsu:calib_rake          rake(list(~age_band, ~sex))
#   nopsu:calib_linear_bounds calibrate(~age_band + sex, calfun = "linear", bounds = c(0.415, 1.5))
#   nopsu:calib_linear        the same, then trimWeights(lower = 20, upper = 90)             (one pass)
#   nopsu:calib_cells_rake    nonresponse cells (stratum × sex), then rake
#   nopsu:calib_rake_trim     rake, then trimWeights(lower = 25, upper = 100)               (one pass)
# rake: control = list(maxit = 100, epsilon = 1e-12); calibrate: epsilon = 1e-12, maxit = 100 (hkstat stops at 1e-10
# relative misfit: estimates agree to ~1e-12).
#
# Nonresponse (hkstat [weighting.response] variable = "outing", codes = 1-7): outing 8 is a nonrespondent. R has no
# function for a weighting-class adjustment, so it is done by hand as docs/estimation.md "Weighting" step 2 defines it
# (and r/weighting_golden.R): w_nr = w · Σ_{cell} w / Σ_{cell, responded} w; the design is then declared on the
# respondents alone with the weights w_nr and calibrated. hkstat's SEs treat the adjusted weights as the input weights
# of the calibration (the adjustment's own variability is not in them), which is exactly this R construction:
# svyrecvar residualises on the calibration's postStrata only. Every PSU keeps at least one respondent (df 28 as on
# the whole sample; without the psu column df = respondents − 8 strata).
#
# Trimming: trimWeights() on the calibrated design keeps its postStrata (the residuals of the calibration, with the
# calibration's own weights), and the scores use the trimmed weights — what hkstat does (docs/estimation.md
# "Variance after calibration").
#
# results.csv: design, sex (all | 1 | 2), group (all | 15-39 | 40-64), measure (broad | narrow), estimate
#   (coef(svymean)), se (SE(svymean)), df (degf of the subset), lower, upper (svyciprop(method = "xlogit"), 95%),
#   on subset(design, sex == s & grp == g) (R's subset of a calibrated design keeps every row, weight 0 outside).
# tabulate.csv: design, domain (all | broad), sex (all | 1 | 2), code (outing 1-8), estimate, se (svymean), df
#   (degf of the subset), lower, upper (svyciprop(method = "xlogit"), 95%), deff (svymean(deff = "replace")) of
#   outing's categories on subset(design, domain & sex) for nopsu:calib_poststratify, nopsu:calib_linear and
#   nopsu:calib_cells_rake — hkstat tabulate --calibrate --var outing --domain all,broad --by sex; interval and
#   deff NA where p is 0 or 1 (hkstat's boundary interval is Clopper–Pearson: not compared).
# differences.csv: design, by (age | sex), group, measure, difference, se, df — the age groups' difference 40-64 −
#   15-39, and female − male within all / each age group, from svyratio(~y·[domain], ~[domain], covmat = TRUE) +
#   svycontrast (svyby(covmat = TRUE) fails on post-stratified designs in survey 4.1-1; see r/design_cli_golden.R);
#   df = degf(design).
# Numbers are written with 17 significant digits.

suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
outdir <- "tests/golden/calibrate_adjusted"
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)

d <- read.csv("tests/data/design/design_survey.csv")
d$broad <- as.numeric(d$outing >= 5 & d$duration == 3)
d$narrow <- as.numeric(d$outing >= 6 & d$duration == 3)
d$grp <- ifelse(d$age <= 39, "15-39", "40-64")
d$age_band <- cut(d$age, c(14, 29, 44, 64), labels = c("15-29", "30-44", "45-64"))
d$fsex <- factor(d$sex)
d$responded <- d$outing %in% 1:7
for (k in 1:8) d[[paste0("outing_", k)]] <- as.numeric(d$outing == k)

pop <- read.csv("tests/data/design/pop_age_sex.csv")
pop$sex <- ifelse(pop$sex == "男性", 1, 2)
ps_pop <- data.frame(age_band = pop$age_band, sex = pop$sex, Freq = pop$count)
m_age <- aggregate(count ~ age_band, pop, sum)
m_sex <- aggregate(count ~ sex, pop, sum)
margins <- list(data.frame(age_band = m_age$age_band, Freq = m_age$count),
                data.frame(sex = m_sex$sex, Freq = m_sex$count))
totals <- c(`(Intercept)` = sum(pop$count), `age_band30-44` = m_age$count[m_age$age_band == "30-44"],
            `age_band45-64` = m_age$count[m_age$age_band == "45-64"], fsex2 = m_sex$count[m_sex$sex == 2])

# The weighting-class adjustment within cells (a list of columns of d), respondents only.
respondents <- function(cells) {
  key <- do.call(interaction, c(d[cells], drop = TRUE))
  all_w <- tapply(d$w, key, sum)
  resp_w <- tapply(d$w * d$responded, key, sum)
  r <- d
  r$w <- d$w * all_w[as.character(key)] / resp_w[as.character(key)]
  r <- r[r$responded, ]
  stopifnot(abs(sum(r$w) - sum(d$w)) < 1e-9 * sum(d$w))
  r
}
declare <- function(data) svydesign(ids = ~psu, strata = ~stratum, fpc = ~npsu, weights = ~w, nest = TRUE, data = data)
declare_nopsu <- function(data) svydesign(ids = ~1, strata = ~stratum, fpc = ~npop, weights = ~w, data = data)
rake2 <- function(des) rake(des, list(~age_band, ~sex), margins, control = list(maxit = 100, epsilon = 1e-12))
linear <- function(des, bounds) {
  cal <- calibrate(des, ~age_band + fsex, totals, calfun = "linear", bounds = bounds, epsilon = 1e-12, maxit = 100)
  g <- weights(cal) / weights(des)
  cat("  g in [", range(g), "], at a bound:", sum(abs(g - bounds[1]) < 1e-9 | abs(g - bounds[2]) < 1e-9), "\n")
  cal
}
trim <- function(des, lower, upper, strict = FALSE) {
  w <- weights(des)
  t <- trimWeights(des, lower = lower, upper = upper, strict = strict)
  w1 <- weights(t)
  cat("  trimmed: below", sum(w < lower), "above", sum(w > upper), "; after: outside",
      sum(w1 < lower - 1e-9 | w1 > upper + 1e-9), "\n")
  t
}

full <- declare(d)
designs <- list()
cat("calib_cells_poststratify\n")
designs$calib_cells_poststratify <- postStratify(declare(respondents("stratum")), ~age_band + sex, ps_pop)
cat("calib_cells_rake\n")
designs$calib_cells_rake <- rake2(declare(respondents(c("stratum", "sex"))))
cat("calib_cells_linear\n")
designs$calib_cells_linear <- linear(declare(respondents("stratum")), c(0.405, 1.5))
cat("calib_rake_cells\n")
designs$calib_rake_cells <- trim(rake2(declare(respondents("sex"))), 20, 90, strict = TRUE)
cat("calib_rake_trim\n")
designs$calib_rake_trim <- trim(rake2(full), 25, 100)
cat("calib_rake_trim_strict\n")
designs$calib_rake_trim_strict <- trim(rake2(full), 25, 100, strict = TRUE)
cat("calib_linear_bounds\n")
designs$calib_linear_bounds <- linear(full, c(0.415, 1.5))
cat("calib_linear\n")
designs$calib_linear <- trim(designs$calib_linear_bounds, 20, 90)

# Every calibration kept its postStrata (trimWeights does) and every design has all 36 PSUs.
for (name in names(designs)) stopifnot(length(designs[[name]]$postStrata) == 1, degf(designs[[name]]) == 28)

nopsu <- list()
cat("nopsu:calib_poststratify\n")
nopsu$calib_poststratify <- postStratify(declare_nopsu(d), ~age_band + sex, ps_pop)
cat("nopsu:calib_rake\n")
nopsu$calib_rake <- rake2(declare_nopsu(d))
cat("nopsu:calib_linear_bounds\n")
nopsu$calib_linear_bounds <- linear(declare_nopsu(d), c(0.415, 1.5))
cat("nopsu:calib_linear\n")
nopsu$calib_linear <- trim(nopsu$calib_linear_bounds, 20, 90)
cat("nopsu:calib_cells_rake\n")
nopsu$calib_cells_rake <- rake2(declare_nopsu(respondents(c("stratum", "sex"))))
cat("nopsu:calib_rake_trim\n")
nopsu$calib_rake_trim <- trim(rake2(declare_nopsu(d)), 25, 100)
# Each row its own PSU: df = rows − strata; the weights are those of the design with the psu column.
for (name in names(nopsu)) {
  des <- nopsu[[name]]
  stopifnot(length(des$postStrata) == 1, degf(des) == nrow(des$variables) - 8)
  if (!is.null(designs[[name]])) stopifnot(all.equal(weights(des), weights(designs[[name]]), tolerance = 1e-12))
}
names(nopsu) <- paste0("nopsu:", names(nopsu))
designs <- c(designs, nopsu)

# --ci likelihood on calibrated designs (the tenth session's caltest path: R's svyglm replayed from the (weight, y)
# groups, the variance from the calibration residuals): svyciprop(method = "likelihood", 95%) on the same subsets as
# results.csv, for five of the designs (post-stratification after nonresponse cells, bounded linear, raking then
# trimming; raking and bounded linear without a psu column), written to likelihood.csv. NA where R gives none.
# svyglm warns "observations with zero weight not used for calculating dispersion" on every subset (R's subset keeps
# the rows, weight 0): expected.
lik_designs <- c("calib_cells_poststratify", "calib_linear_bounds", "calib_rake_trim", "nopsu:calib_rake", "nopsu:calib_linear")
lik <- list()
cells <- list()
diffs <- list()
for (name in names(designs)) {
  des <- designs[[name]]
  for (sx in c("all", "1", "2")) for (grp in c("all", "15-39", "40-64")) {
    s_want <- sx
    g_want <- grp
    s <- des
    if (sx != "all") s <- subset(s, sex == as.integer(s_want))
    if (grp != "all") s <- subset(s, grp == g_want)
    for (measure in c("broad", "narrow")) {
      f <- as.formula(paste0("~", measure))
      m <- svymean(f, s)
      ci <- as.vector(confint(svyciprop(f, s, method = "xlogit", level = 0.95)))
      cells[[length(cells) + 1]] <- c(name, sx, grp, measure, fmt(coef(m)[[1]]), fmt(SE(m)[[1]]), fmt(degf(s)),
                                      fmt(ci[1]), fmt(ci[2]))
      if (name %in% lik_designs) {
        lci <- tryCatch(as.vector(confint(svyciprop(f, s, method = "likelihood", level = 0.95))), error = function(e) c(NA, NA))
        lik[[length(lik) + 1]] <- c(name, sx, grp, measure, fmt(lci[1]), fmt(lci[2]))
      }
    }
  }
  # Differences as domain means of two domains with their covariance: y_k = [in domain k] · y over n_k = [in domain k].
  v <- des$variables
  contrast <- function(in1, in2, measure) {
    yv <- v[[measure]]
    dz <- update(des, n1 = as.numeric(in1), n2 = as.numeric(in2), y1 = as.numeric(in1) * yv, y2 = as.numeric(in2) * yv)
    r <- svyratio(~y1 + y2, ~n1 + n2, dz, covmat = TRUE) # y1/n1, y2/n1, y1/n2, y2/n2
    svycontrast(r, c(-1, 0, 0, 1))
  }
  for (measure in c("broad", "narrow")) {
    ct <- contrast(v$grp == "15-39", v$grp == "40-64", measure)
    diffs[[length(diffs) + 1]] <- c(name, "age", "all", measure, fmt(coef(ct)[[1]]), fmt(SE(ct)[[1]]), fmt(degf(des)))
    for (grp in c("all", "15-39", "40-64")) {
      inside <- if (grp == "all") rep(TRUE, nrow(v)) else v$grp == grp
      ct <- contrast(inside & v$sex == 1, inside & v$sex == 2, measure)
      diffs[[length(diffs) + 1]] <- c(name, "sex", grp, measure, fmt(coef(ct)[[1]]), fmt(SE(ct)[[1]]), fmt(degf(des)))
    }
  }
}
x <- do.call(rbind, cells)
colnames(x) <- c("design", "sex", "group", "measure", "estimate", "se", "df", "lower", "upper")
write.csv(x, file.path(outdir, "results.csv"), row.names = FALSE, quote = FALSE)
x <- do.call(rbind, diffs)
colnames(x) <- c("design", "by", "group", "measure", "difference", "se", "df")
write.csv(x, file.path(outdir, "differences.csv"), row.names = FALSE, quote = FALSE)
cat("wrote", length(cells), "cells and", length(diffs), "differences\n")

x <- do.call(rbind, lik)
colnames(x) <- c("design", "sex", "group", "measure", "lower", "upper")
write.csv(x, file.path(outdir, "likelihood.csv"), row.names = FALSE, quote = FALSE)
cat("wrote", length(lik), "likelihood intervals\n")

# tabulate --calibrate without a psu column (its own path: a row's residual pattern kept per variable):
# every category of outing over all respondents and within broad, in all, men and women, on three of the designs
# (tabulate.csv). And tabulate --calibrate --ci likelihood, the same categories on a design with a psu column (cells
# then post-stratification) and one without (raking) (tabulate_likelihood.csv); NA where p is 0 or 1 (hkstat gives
# Clopper–Pearson there) or R gives no interval.
tab_designs <- c("nopsu:calib_poststratify", "nopsu:calib_linear", "nopsu:calib_cells_rake")
tlik_designs <- c("calib_cells_poststratify", "nopsu:calib_rake")
tab <- list()
tlik <- list()
for (name in c(tab_designs, tlik_designs)) {
  des <- designs[[name]]
  for (domain in c("all", "broad")) for (sx in c("all", "1", "2")) {
    s <- des
    if (domain == "broad") s <- subset(s, broad == 1)
    if (sx != "all") s <- subset(s, sex == as.integer(sx))
    df <- degf(s)
    for (k in 1:8) {
      f <- as.formula(paste0("~outing_", k))
      m <- svymean(f, s, deff = "replace")
      p <- coef(m)[[1]]
      se <- SE(m)[[1]]
      if (name %in% tab_designs) {
        # The interval and deff only where 0 < p < 1 (hkstat falls back to Clopper–Pearson on the boundary).
        inside <- p > 0 && p < 1 && se > 1e-12
        ci <- if (inside) as.vector(confint(svyciprop(f, s, method = "xlogit", level = 0.95))) else c(NA, NA)
        de <- if (inside) deff(m)[[1]] else NA
        tab[[length(tab) + 1]] <- c(name, domain, sx, k, fmt(p), fmt(se), fmt(df), fmt(ci[1]), fmt(ci[2]), fmt(de))
      }
      if (name %in% tlik_designs) {
        ci <- if (p > 0 && p < 1) tryCatch(as.vector(confint(svyciprop(f, s, method = "likelihood", level = 0.95))),
                                           error = function(e) c(NA, NA)) else c(NA, NA)
        tlik[[length(tlik) + 1]] <- c(name, domain, sx, k, fmt(ci[1]), fmt(ci[2]))
      }
    }
  }
}
x <- do.call(rbind, tab)
colnames(x) <- c("design", "domain", "sex", "code", "estimate", "se", "df", "lower", "upper", "deff")
write.csv(x, file.path(outdir, "tabulate.csv"), row.names = FALSE, quote = FALSE)
cat("wrote", length(tab), "tabulate cells\n")
x <- do.call(rbind, tlik)
colnames(x) <- c("design", "domain", "sex", "code", "lower", "upper")
write.csv(x, file.path(outdir, "tabulate_likelihood.csv"), row.names = FALSE, quote = FALSE)
cat("wrote", length(tlik), "tabulate likelihood intervals\n")
