# r/design_cli_golden.R — golden values for `hkstat estimate` on complex designs, compared through the
# real CLI by tests/cli/design_vs_r.py.
#
# Run from the repository root:   Rscript r/design_cli_golden.R
# Writes tests/data/design/design_survey.csv  (synthetic survey: 8 strata, 3-6 PSUs each, fpc, weights)
#        tests/data/design/lonely_survey.csv  (the same with stratum 8 reduced to one PSU)
#        tests/golden/design_cli/results.csv  (R's estimates, SEs, df, svyciprop intervals, deff = "replace")
#        tests/golden/design_cli/differences.csv (40-64 minus 15-39: svyby(covmat = TRUE) + svycontrast)
#        tests/golden/design_cli/by_sex.csv, by_sex_differences.csv (hkstat estimate --by sex on "full")
# Generated with R 4.2.2 and survey 4.1-1. The codebooks tests/data/design/*.codebook.toml (hand-written)
# declare the designs below through codebook roles; the rule-set is tests/data/weighted/core_only.toml
# (broad = outing 5-8 and duration >= 6 months; narrow = outing 6-8; semi = outing 5).
#
# Designs (column "design" of results.csv = codebook name):
#   full      svydesign(ids = ~psu, strata = ~stratum, fpc = ~npsu, weights = ~w, nest = TRUE)
#             (PSU labels 1..k repeat across strata: nesting by stratum)
#   strat     svydesign(ids = ~1, strata = ~stratum, weights = ~w)
#   clus      svydesign(ids = ~psu_g, weights = ~w)          (one stratum, clusters, no fpc)
#   srs_fpc   svydesign(ids = ~1, fpc = ~npop)               (equal probability, known population size)
#   lonely_<policy>  lonely_survey.csv with svydesign(ids = ~psu, strata = ~stratum, weights = ~w, nest = TRUE)
#             under options(survey.lonely.psu = <policy>) for remove, certainty, adjust, average
#   calib_poststratify, calib_rake: "full" after postStratify / rake to pop_age_sex.csv (age band × sex;
#             margins age band and sex); calibration-aware SEs (svyrecvar with postStrata)
#   rep_jkn, rep_jk1: as.svrepdesign(full, "JKn") and as.svrepdesign(clus, "JK1") (svyciprop on a subset of a
#             replicate design: df = degf(subset) = rank of its replicate weights - 1)
# Groups: all, 15-39 and 40-64 (subset(design, ...), as svyciprop on a subset: df = degf(subset),
# n = nrow(subset)). Measures: broad, narrow.
# Methods: xlogit (hkstat logit), mean (hkstat wald), beta, asin, likelihood from svyciprop; wilson by hand
# with the R 4.5 svyciprop(method = "wilson") formula (survey 4.1-1 has none; see r/weighted_golden.R).
# likelihood rows only for the linearised designs (calib_* included; rep_* excluded, see add_design); their
# pieces go to tests/golden/likelihood/design_pieces.csv (see the end).
# Numbers are written with 17 significant digits.

suppressMessages(library(survey))
set.seed(20261123)

fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

make_data <- function() {
  rows <- list()
  id <- 0
  g <- 0
  for (h in 1:8) {
    k <- c(3, 4, 5, 6, 3, 4, 5, 6)[h]
    npsu <- k * 6 + h
    for (j in 1:k) {
      g <- g + 1
      m <- sample(12:20, 1)
      u <- rnorm(1, 0, 0.8) # cluster effect
      for (i in 1:m) {
        id <- id + 1
        age <- sample(15:64, 1)
        p <- plogis(-2.6 + u + 0.02 * (age - 40))
        case <- rbinom(1, 1, p)
        outing <- if (case == 1) sample(5:8, 1) else sample(1:4, 1)
        duration <- if (case == 1 && runif(1) < 0.9) 3 else 1
        rows[[id]] <- data.frame(id = id, age = age, sex = sample(1:2, 1), outing = outing, duration = duration,
                                 stratum = h, psu = j, psu_g = g, npsu = npsu, npop = 5000,
                                 w = round(runif(1, 20, 80) * (1 + h / 4), 2))
      }
    }
  }
  do.call(rbind, rows)
}

d <- make_data()
write.csv(d, "tests/data/design/design_survey.csv", row.names = FALSE, quote = FALSE)
l <- d[!(d$stratum == 8 & d$psu > 1), ]
write.csv(l, "tests/data/design/lonely_survey.csv", row.names = FALSE, quote = FALSE)

prep <- function(x) {
  x$broad <- as.numeric(x$outing >= 5 & x$duration == 3)
  x$narrow <- as.numeric(x$outing >= 6 & x$duration == 3)
  x$grp <- ifelse(x$age <= 39, "15-39", "40-64")
  x
}
d <- prep(d)
l <- prep(l)

source("r/svy_wilson.R") # wilson(p, se, df, level)

out <- list()
diffs <- list()
pieces <- list()
add_design <- function(name, des, differences = TRUE) {
  # Differences 40-64 minus 15-39 with the covariance between the groups (hkstat estimate --table differences).
  # (svyby(covmat = TRUE) fails on post-stratified designs in survey 4.1-1: calibrated designs check cells only.)
  if (differences) for (measure in c("broad", "narrow")) {
    f <- as.formula(paste0("~", measure))
    b <- svyby(f, ~grp, des, svymean, covmat = TRUE)
    ct <- svycontrast(b, c(-1, 1))
    diffs[[length(diffs) + 1]] <<- c(name, measure, fmt(coef(ct)[[1]]), fmt(SE(ct)[[1]]), fmt(degf(des)))
  }
  for (grp in c("all", "15-39", "40-64")) {
    g_want <- grp
    s <- if (grp == "all") des else subset(des, grp == g_want)
    # subset() of a survey.design2 keeps every stratum and PSU and gives the other rows zero weight:
    # the same SE as des[rows, ] (checked).
    if (grp != "all") {
      s2 <- des[des$variables$grp == g_want, ]
      stopifnot(abs(SE(svymean(~broad, s))[[1]] - SE(svymean(~broad, s2))[[1]]) < 1e-14)
    }
    for (measure in c("broad", "narrow")) {
      f <- as.formula(paste0("~", measure))
      m <- svymean(f, s, deff = "replace")
      p <- coef(m)[[1]]
      deff_r <- deff(m)[[1]]
      se <- SE(m)[[1]]
      df <- degf(s)
      # likelihood: not for replicate designs (survey 4.1-1 returns NA there: its Pearson residuals of an
      # svrepglm are wrong); hkstat refuses --ci likelihood with --replicates.
      methods <- c("xlogit", "mean", "beta", "asin", "wilson", if (!inherits(s, "svyrep.design")) "likelihood")
      if (!inherits(s, "svyrep.design")) { # the pieces R's likelihood interval is made of (see the end)
        fit <- suppressWarnings(svyglm(as.formula(paste0(measure, " ~ 1")), s, family = quasibinomial))
        pieces[[length(pieces) + 1]] <<- c(name, grp, measure, "0.95", fmt(p), fmt(coef(fit)[[1]]), fmt(sqrt(vcov(fit)[1, 1])),
                                           fmt((fit$cov.unscaled / fit$naive.cov)[1, 1]), fmt(suppressWarnings(summary(fit))$dispersion[1]),
                                           fmt(df), nrow(s), sum(weights(s, "sampling") != 0), fmt(se))
      }
      for (method in methods) {
        ci <- if (method == "wilson") wilson(p, se, df, 0.95)
              else suppressWarnings(as.vector(confint(svyciprop(f, s, method = method, level = 0.95))))
        out[[length(out) + 1]] <<- c(name, grp, measure, method, "0.95", fmt(p), fmt(se), fmt(df), fmt(ci[1]), fmt(ci[2]), fmt(deff_r))
      }
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

# Calibrated designs (hkstat estimate --calibrate with tests/data/design/calib_{poststratify,rake}.hkstat.toml):
# the "full" design post-stratified / raked to tests/data/design/pop_age_sex.csv (age band × sex).
options(survey.lonely.psu = "fail")
pop <- read.csv("tests/data/design/pop_age_sex.csv")
pop$sex <- ifelse(pop$sex == "男性", 1, 2)
d$age_band <- cut(d$age, c(14, 29, 44, 64), labels = c("15-29", "30-44", "45-64"))
full <- svydesign(ids = ~psu, strata = ~stratum, fpc = ~npsu, weights = ~w, nest = TRUE, data = d)
ps <- postStratify(full, ~age_band + sex, data.frame(age_band = pop$age_band, sex = pop$sex, Freq = pop$count))
add_design("calib_poststratify", ps, differences = FALSE)
m_age <- aggregate(count ~ age_band, pop, sum)
m_sex <- aggregate(count ~ sex, pop, sum)
rk <- rake(full, list(~age_band, ~sex), list(data.frame(age_band = m_age$age_band, Freq = m_age$count),
                                             data.frame(sex = m_sex$sex, Freq = m_sex$count)),
           control = list(maxit = 100, epsilon = 1e-12))
add_design("calib_rake", rk, differences = FALSE)

# Replicate-weight designs (hkstat estimate --replicates jkn / jk1, replicates created by hkstat, which equal
# R's as.svrepdesign weights exactly: tests/unit/test_replicates.cpp).
options(survey.lonely.psu = "fail")
add_design("rep_jkn", as.svrepdesign(full, type = "JKn"))
add_design("rep_jk1", as.svrepdesign(svydesign(ids = ~psu_g, weights = ~w, data = d), type = "JK1"))

# Rao–Scott test of outing × sex on the "full" design (hkstat tabulate --var outing --test sex).
rs_f <- svychisq(~outing + sex, full, statistic = "F")
rs_c <- svychisq(~outing + sex, full, statistic = "Chisq")
write.csv(data.frame(f = fmt(rs_f$statistic[[1]]), ndf = fmt(rs_f$parameter[[1]]), ddf = fmt(rs_f$parameter[[2]]),
                     p = fmt(rs_f$p.value), chisq = fmt(rs_c$statistic[[1]]), chisq_p = fmt(rs_c$p.value)),
          "tests/golden/design_cli/rao_scott.csv", row.names = FALSE, quote = FALSE)

# Prevalence by sex (hkstat estimate --by sex on the "full" design, codebook calib.codebook.toml which adds the
# sex variable): each sex alone and within each age group, as svyciprop / svymean(deff = "replace") on
# subset(design, sex == s [& grp == g]); differences female − male within all / each age group from
# svyby(~y, ~sex, design or subset(design, grp == g), svymean, covmat = TRUE) + svycontrast (subset keeps every
# PSU with zero weights: the whole-design covariance), df = degf(design) as for the age-group differences.
by_out <- list()
by_diffs <- list()
for (sx in 1:2) for (grp in c("all", "15-39", "40-64")) {
  s_want <- sx
  g_want <- grp
  s <- if (grp == "all") subset(full, sex == s_want) else subset(full, sex == s_want & grp == g_want)
  for (measure in c("broad", "narrow")) {
    f <- as.formula(paste0("~", measure))
    m <- svymean(f, s, deff = "replace")
    ci <- as.vector(confint(svyciprop(f, s, method = "xlogit", level = 0.95)))
    by_out[[length(by_out) + 1]] <- c(sx, grp, measure, fmt(coef(m)[[1]]), fmt(SE(m)[[1]]), fmt(degf(s)), fmt(ci[1]), fmt(ci[2]),
                                      fmt(deff(m)[[1]]))
  }
}
for (grp in c("all", "15-39", "40-64")) for (measure in c("broad", "narrow")) {
  g_want <- grp
  s <- if (grp == "all") full else subset(full, grp == g_want)
  b <- svyby(as.formula(paste0("~", measure)), ~sex, s, svymean, covmat = TRUE)
  ct <- svycontrast(b, c(-1, 1))
  by_diffs[[length(by_diffs) + 1]] <- c(grp, measure, fmt(coef(ct)[[1]]), fmt(SE(ct)[[1]]), fmt(degf(full)))
}
bres <- do.call(rbind, by_out)
colnames(bres) <- c("sex", "group", "measure", "estimate", "se", "df", "lower", "upper", "deff")
write.csv(bres, "tests/golden/design_cli/by_sex.csv", row.names = FALSE, quote = FALSE)
bd <- do.call(rbind, by_diffs)
colnames(bd) <- c("group", "measure", "difference", "se", "df")
write.csv(bd, "tests/golden/design_cli/by_sex_differences.csv", row.names = FALSE, quote = FALSE)

res <- do.call(rbind, out)
colnames(res) <- c("design", "group", "measure", "method", "level", "estimate", "se", "df", "lower", "upper", "deff")
write.csv(res, "tests/golden/design_cli/results.csv", row.names = FALSE, quote = FALSE)
dres <- do.call(rbind, diffs)
colnames(dres) <- c("design", "measure", "difference", "se", "df")
write.csv(dres, "tests/golden/design_cli/differences.csv", row.names = FALSE, quote = FALSE)
# tests/golden/likelihood/design_pieces.csv (tests/unit/test_likelihood_ci.cpp): for each linearised design ×
# group × measure, the scalars of R's svyciprop(method = "likelihood") as R computed them:
#   estimate   coef(svymean) = Σ w y / Σ w (what hkstat computes); se_p = SE(svymean)
#   b0         coef of svyglm(y ~ 1, family = quasibinomial): β̂, glm's IRLS iterate (logit(estimate) up to ~1e-8)
#   se_logit   sqrt(vcov(fit)); lambda = fit$cov.unscaled / fit$naive.cov (R's IRLS state: proportion_ci.hpp)
#   dispersion summary(fit)$dispersion; df = degf; n = nrow(design) (R's subset design); m = rows with weight > 0
#   lower, upper  the likelihood interval (as in results.csv)
lik <- res[res[, "method"] == "likelihood", , drop = FALSE]
pc <- do.call(rbind, pieces)
stopifnot(nrow(pc) == nrow(lik), all(pc[, 1] == lik[, "design"] & pc[, 2] == lik[, "group"] & pc[, 3] == lik[, "measure"]))
pc <- cbind(pc, lik[, "lower"], lik[, "upper"])
colnames(pc) <- c("design", "group", "measure", "level", "estimate", "b0", "se_logit", "lambda", "dispersion", "df", "n", "m", "se_p", "lower", "upper")
dir.create("tests/golden/likelihood", showWarnings = FALSE)
write.csv(pc, "tests/golden/likelihood/design_pieces.csv", row.names = FALSE, quote = FALSE)
# --by sex on calibrated and replicate designs (hkstat estimate --by sex --calibrate, and on the JKn columns
# written by hkstat replicate, read back through [replicates]): tests/golden/design_cli/by_sex_designs.csv
# (cells: svymean / svyciprop xlogit and likelihood on subset(design, sex == s [& grp == g]); no likelihood on
# the replicate design) and by_sex_designs_differences.csv (female − male within all / each age group).
# Differences: rep_jkn from svyby(covmat = TRUE) + svycontrast on the replicate design (df = degf(design));
# calib_* from svyratio(~y·[sex = s], ~[sex = s], covmat = TRUE) + svycontrast — the same domain means with the
# calibration-aware covariance (svyby(covmat = TRUE) fails on post-stratified designs in survey 4.1-1);
# df = degf(design).
bd_designs <- list(calib_poststratify = ps, calib_rake = rk, rep_jkn = as.svrepdesign(full, type = "JKn"))
bsd <- list()
bsd_diff <- list()
for (name in names(bd_designs)) {
  des <- bd_designs[[name]]
  rep <- inherits(des, "svyrep.design")
  for (sx in 1:2) for (grp in c("all", "15-39", "40-64")) {
    s_want <- sx
    g_want <- grp
    s <- if (grp == "all") subset(des, sex == s_want) else subset(des, sex == s_want & grp == g_want)
    for (measure in c("broad", "narrow")) {
      f <- as.formula(paste0("~", measure))
      m <- svymean(f, s)
      ci <- as.vector(confint(svyciprop(f, s, method = "xlogit", level = 0.95)))
      lk <- if (rep) c(NA, NA) else suppressWarnings(as.vector(confint(svyciprop(f, s, method = "likelihood", level = 0.95))))
      bsd[[length(bsd) + 1]] <- c(name, sx, grp, measure, fmt(coef(m)[[1]]), fmt(SE(m)[[1]]), fmt(degf(s)), fmt(ci[1]), fmt(ci[2]),
                                  fmt(lk[1]), fmt(lk[2]))
    }
  }
  for (grp in c("all", "15-39", "40-64")) for (measure in c("broad", "narrow")) {
    g_want <- grp
    if (rep) {
      s <- if (grp == "all") des else subset(des, grp == g_want)
      b <- svyby(as.formula(paste0("~", measure)), ~sex, s, svymean, covmat = TRUE)
      ct <- svycontrast(b, c(-1, 1))
    } else {
      v <- des$variables
      inside <- if (grp == "all") rep(1, nrow(v)) else as.numeric(v$grp == g_want)
      yv <- v[[measure]]
      dz <- update(des, n1 = inside * (sex == 1), n2 = inside * (sex == 2),
                   y1 = inside * (sex == 1) * yv, y2 = inside * (sex == 2) * yv)
      r <- svyratio(~y1 + y2, ~n1 + n2, dz, covmat = TRUE) # y1/n1, y2/n1, y1/n2, y2/n2
      ct <- svycontrast(r, c(-1, 0, 0, 1))
    }
    bsd_diff[[length(bsd_diff) + 1]] <- c(name, grp, measure, fmt(coef(ct)[[1]]), fmt(SE(ct)[[1]]), fmt(degf(des)))
  }
}
x <- do.call(rbind, bsd)
colnames(x) <- c("design", "sex", "group", "measure", "estimate", "se", "df", "lower", "upper", "lik_lower", "lik_upper")
write.csv(x, "tests/golden/design_cli/by_sex_designs.csv", row.names = FALSE, quote = FALSE)
x <- do.call(rbind, bsd_diff)
colnames(x) <- c("design", "group", "measure", "difference", "se", "df")
write.csv(x, "tests/golden/design_cli/by_sex_designs_differences.csv", row.names = FALSE, quote = FALSE)

cat("wrote", nrow(res), "rows\n")
