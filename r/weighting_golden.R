# r/weighting_golden.R — golden values for hkstat's weighting module (lib/*/weights/calibrate.*).
#
# Run from the repository root:   Rscript r/weighting_golden.R
# Generated with R 4.2.2 and survey 4.1-1.
# Read by tests/unit/test_weighting.cpp. Writes, under tests/golden/weighting/:
#   sample.csv      every sampled person: id, ageband (1-3), sex (1-2), district (1-4), w0 (base weight),
#                   responded (0/1); for respondents also y (0/1, ~5% ones), z (continuous), dom (0/1 domain);
#                   nonrespondents have y, z, dom = NA.
#   population.csv  population counts per ageband x sex x district cell (24 cells): ageband, sex, district, count.
#                   The post-stratification table (ageband x sex), the raking margins (ageband; sex; district)
#                   and the calibration totals are all sums of this table.
#   weights.csv     one row per respondent: id and the weights below.
#   estimates.csv   method, statistic, estimate, se (R's own, calibration-aware).
#
# Design. The sample is stratified by district (n = 135 per district, base weight w0 = N_d / 135), with
# person-level nonresponse depending on age band and sex. Every design below is declared
#   svydesign(ids = ~1, weights = ~w, data = respondents)
# (one stratum, no clusters, with replacement), NOT strata = ~district, so that the SEs are those of
# hkstat::estimate::variance_from_scores (the one-stratum engine). The weights themselves do not depend
# on that choice.
#
# Weights (columns of weights.csv), all computed on the respondents from the base weights w0:
#   w_nr        nonresponse adjustment in district x sex cells, by hand:
#               w0 * (sum of w0 over all sampled in the cell) / (sum of w0 over respondents in the cell)
#   w_ps        postStratify(des0, ~ageband + sex, table of population counts per ageband x sex)
#   w_rake      rake(des0, list(~ageband, ~sex, ~district), population margins,
#                    control = list(maxit = 100, epsilon = 1e-10))
#   w_greg      calibrate(des0, ~ageband + sex + district, population totals, calfun = "linear")
#   w_gregb     the same with bounds = c(0.5, 2) (some g reach the upper bound 2)
#   w_trim      trimWeights(des_nr, lower = 55, upper = 125)                 (strict = FALSE: one pass)
#   w_trims     trimWeights(des_nr, lower = 55, upper = 125, strict = TRUE)  (repeated until inside)
#               survey 4.1-1 trimWeights: weights outside [lower, upper] are set to the bound and the trimmed
#               mass sum(w - w_trimmed) is shared EQUALLY (the same amount added to each untrimmed weight),
#               so after one pass some weights can again exceed upper (48 here); strict = TRUE repeats.
#               (With upper = 100, 115 or 120 on these data strict = TRUE recurses until R's C stack
#               overflows: a weight a rounding error above the bound is trimmed again and again.)
# des0 = design on w0, des_nr = design on w_nr.
#
# estimates.csv rows: method in {base, nr, ps, rake, greg, gregb, trim, trims}; statistic in
#   mean_y  = svymean(~y, des)                      total_y = svytotal(~y, des)
#   mean_z  = svymean(~z, des)                      dom_mean_y = svymean(~y, subset(des, dom == 1))
# "base" uses des0, "nr" des_nr, "trim"/"trims" the trimmed designs (no calibration: plain SEs), the
# others the calibrated designs (SEs from survey's calibration residuals in svyrecvar).
# Numbers are written with 17 significant digits (sprintf("%.17g")) so that they read back to the same double.

suppressMessages(library(survey))
cat("R", R.version$major, ".", R.version$minor, " survey ", as.character(packageVersion("survey")), "\n", sep = "")

set.seed(20240715)
outdir <- "tests/golden/weighting"
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

# ---- population -----------------------------------------------------------------------------------
Nd <- c(12000, 8000, 15000, 5000)
age_share <- rbind(c(0.30, 0.40, 0.30), c(0.25, 0.35, 0.40), c(0.35, 0.40, 0.25), c(0.20, 0.35, 0.45))
pop <- expand.grid(ageband = 1:3, sex = 1:2, district = 1:4)
pop$count <- NA_real_
for (i in seq_len(nrow(pop))) {
  s <- if (pop$sex[i] == 1) 0.49 else 0.51
  pop$count[i] <- round(Nd[pop$district[i]] * age_share[pop$district[i], pop$ageband[i]] * s *
                          runif(1, 0.9, 1.1))
}
write.csv(pop, file.path(outdir, "population.csv"), row.names = FALSE, quote = FALSE)
Npop <- tapply(pop$count, pop$district, sum)

# ---- sample: stratified by district, 135 each -------------------------------------------------------
nh <- 135
rows <- list()
for (dd in 1:4) {
  cells <- pop[pop$district == dd, ]
  pick <- sample(seq_len(nrow(cells)), nh, replace = TRUE, prob = cells$count)
  rows[[dd]] <- data.frame(ageband = cells$ageband[pick], sex = cells$sex[pick], district = dd,
                           w0 = Npop[[dd]] / nh)
}
s <- do.call(rbind, rows)
s$id <- seq_len(nrow(s))
resp_p <- c(0.55, 0.75, 0.90)[s$ageband] * ifelse(s$sex == 1, 0.92, 1.0)
s$responded <- rbinom(nrow(s), 1, resp_p)
py <- c(0.07, 0.05, 0.03)[s$ageband] * ifelse(s$sex == 1, 1.4, 0.7)
s$y <- ifelse(s$responded == 1, rbinom(nrow(s), 1, py), NA)
s$z <- ifelse(s$responded == 1, round(rnorm(nrow(s), 10 + 3 * s$ageband - s$sex, 4), 2), NA)
s$dom <- ifelse(s$responded == 1, rbinom(nrow(s), 1, 0.4), NA)
write.csv(data.frame(id = s$id, ageband = s$ageband, sex = s$sex, district = s$district, w0 = fmt(s$w0),
                     responded = s$responded, y = fmt(s$y), z = fmt(s$z), dom = fmt(s$dom)),
          file.path(outdir, "sample.csv"), row.names = FALSE, quote = FALSE)

# ---- nonresponse adjustment (hand formula) ----------------------------------------------------------
cellnr <- interaction(s$district, s$sex)
all_w <- tapply(s$w0, cellnr, sum)
resp_w <- tapply(s$w0 * s$responded, cellnr, sum)
s$w_nr <- ifelse(s$responded == 1, s$w0 * all_w[as.character(cellnr)] / resp_w[as.character(cellnr)], 0)

r <- s[s$responded == 1, ]
r$fage <- factor(r$ageband)
r$fsex <- factor(r$sex)
r$fdist <- factor(r$district)
cat("sampled", nrow(s), "respondents", nrow(r), "cases", sum(r$y), "\n")
stopifnot(abs(sum(r$w_nr) - sum(s$w0)) < 1e-6)

des0 <- svydesign(ids = ~1, weights = ~w0, data = r)
des_nr <- svydesign(ids = ~1, weights = ~w_nr, data = r)

# ---- post-stratification on ageband x sex ------------------------------------------------------------
ps_tab <- aggregate(count ~ ageband + sex, data = pop, sum)
ps_pop <- data.frame(fage = factor(ps_tab$ageband), fsex = factor(ps_tab$sex), Freq = ps_tab$count)
des_ps <- postStratify(des0, ~fage + fsex, ps_pop)

# ---- raking on three margins -------------------------------------------------------------------------
m_age <- aggregate(count ~ ageband, data = pop, sum)
m_sex <- aggregate(count ~ sex, data = pop, sum)
m_dist <- aggregate(count ~ district, data = pop, sum)
des_rake <- rake(des0, list(~fage, ~fsex, ~fdist),
                 list(data.frame(fage = factor(m_age$ageband), Freq = m_age$count),
                      data.frame(fsex = factor(m_sex$sex), Freq = m_sex$count),
                      data.frame(fdist = factor(m_dist$district), Freq = m_dist$count)),
                 control = list(maxit = 100, epsilon = 1e-10))
# Raking converged: every margin reproduced to 1e-9 relative.
for (f in list(list(~fage, m_age$count), list(~fsex, m_sex$count), list(~fdist, m_dist$count))) {
  got <- as.vector(svytable(f[[1]], des_rake))
  stopifnot(max(abs(got / f[[2]] - 1)) < 1e-9)
}

# ---- linear calibration (GREG) ------------------------------------------------------------------------
totals <- c(`(Intercept)` = sum(pop$count),
            fage2 = m_age$count[2], fage3 = m_age$count[3],
            fsex2 = m_sex$count[2],
            fdist2 = m_dist$count[2], fdist3 = m_dist$count[3], fdist4 = m_dist$count[4])
des_greg <- calibrate(des0, ~fage + fsex + fdist, totals, calfun = "linear")
des_gregb <- calibrate(des0, ~fage + fsex + fdist, totals, calfun = "linear", bounds = c(0.5, 2),
                       epsilon = 1e-12, maxit = 100)
g_b <- weights(des_gregb) / weights(des0)
cat("bounded GREG: g range", range(g_b), "; at upper bound:", sum(abs(g_b - 2) < 1e-12), "\n")
stopifnot(sum(abs(g_b - 2) < 1e-12) > 0)
mm <- model.matrix(~fage + fsex + fdist, r)
stopifnot(max(abs(colSums(mm * weights(des_gregb)) / totals - 1)) < 1e-10)

# ---- trimming -------------------------------------------------------------------------------------------
cat("w_nr range", range(r$w_nr), "\n")
des_trim <- trimWeights(des_nr, lower = 55, upper = 125)
des_trims <- trimWeights(des_nr, lower = 55, upper = 125, strict = TRUE)
cat("trimmed: below", sum(r$w_nr < 55), "above", sum(r$w_nr > 125),
    "; non-strict range", range(weights(des_trim)), "\n")

# ---- outputs -------------------------------------------------------------------------------------------
designs <- list(base = des0, nr = des_nr, ps = des_ps, rake = des_rake, greg = des_greg, gregb = des_gregb,
                trim = des_trim, trims = des_trims)
write.csv(data.frame(id = r$id, w_nr = fmt(r$w_nr), w_ps = fmt(weights(des_ps)), w_rake = fmt(weights(des_rake)),
                     w_greg = fmt(weights(des_greg)), w_gregb = fmt(weights(des_gregb)),
                     w_trim = fmt(weights(des_trim)), w_trims = fmt(weights(des_trims))),
          file.path(outdir, "weights.csv"), row.names = FALSE, quote = FALSE)

est <- list()
add <- function(method, statistic, x) {
  est[[length(est) + 1]] <<- c(method, statistic, fmt(coef(x)[[1]]), fmt(SE(x)[[1]]))
}
for (nm in names(designs)) {
  d <- designs[[nm]]
  add(nm, "mean_y", svymean(~y, d))
  add(nm, "total_y", svytotal(~y, d))
  add(nm, "mean_z", svymean(~z, d))
  add(nm, "dom_mean_y", svymean(~y, subset(d, dom == 1)))
}
out <- do.call(rbind, est)
colnames(out) <- c("method", "statistic", "estimate", "se")
write.csv(out, file.path(outdir, "estimates.csv"), row.names = FALSE, quote = FALSE)
cat("wrote", outdir, ": sample", nrow(s), "rows, respondents", nrow(r), ", estimates", nrow(out), "rows\n")
