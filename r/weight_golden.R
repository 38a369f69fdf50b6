# r/weight_golden.R — golden values for hkstat's weighting entry point and `hkstat weight`
# (lib/*/weights/apply.*, cli/commands/weight.cpp).
#
# Run from the repository root:   Rscript r/weight_golden.R
# Generated with R 4.2.2 and survey 4.1-1. Writes, under tests/golden/weight/:
#
# Part A: a stratified cluster sample, calibrated, with calibration-aware SEs (read by
# tests/unit/test_weight_apply.cpp through weights::apply_weighting and weights::calibrated_vcov).
#   design_sample.csv      id, stratum (1-5), psu (1-6 within stratum), w0 (base weight), ageband (1-3),
#                          sex (1-2), region (1-3), y (0/1), dom (0/1)
#   design_population.csv  ageband, sex, region, count (18 cells); every table below is a sum of it
#   design_weights.csv     id and the calibrated weights w_ps, w_rake, w_greg, w_gregb, w_pstrim
#   design_estimates.csv   method, statistic, estimate, se
#   Designs: des0 = svydesign(ids = ~psu, strata = ~stratum, weights = ~w0, nest = TRUE), then
#     ps      postStratify(des0, ~ageband + sex, population summed over region)
#     rake    rake(des0, list(~ageband, ~sex, ~region), margins, control = list(maxit = 100, epsilon = 1e-10))
#     greg    calibrate(des0, ~ageband + sex + region, totals, calfun = "linear")
#     gregb   the same with bounds = c(0.65, 1.55), epsilon = 1e-12, maxit = 100 (some g at a bound)
#     pstrim  trimWeights(ps, lower, upper): keeps ps's post-strata, so its SEs use ps's residuals
#   Statistics: mean_y = svymean(~y), total_y = svytotal(~y), dom_mean_y = svymean(~y, subset(d, dom == 1)).
#
# Part B: the 西東京市 synthetic sample (data/samples/nishitokyo2024.csv) weighted to the synthetic
# population table data/samples/nishitokyo2024.population_age_sex.csv (age band x 問1 sex), as
# tests/cli/weight_vs_r.sh runs the CLI. Rows with 問1 = 3 (その他・答えたくない) or 9 (無回答) are left out
# (hkstat: --unmatched drop). Base weight 1 (svydesign(ids = ~1, weights = ~one)).
#   nishitokyo_weights.csv  id (回答者ID) and w_ps (postStratify on age band x sex), w_rake (rake on the
#                           age-band margin and the sex margin, maxit = 100, epsilon = 1e-10), w_linear
#                           (calibrate(~age_band + sex, calfun = "linear")), w_pstrim (trimWeights(ps,
#                           lower = 130, upper = 190))
#   nishitokyo_estimates.csv  method, statistic (mean_y: y = 1 for 問17 in 5-8, the core outing answers),
#                           estimate, se — R's calibration-aware SE on that design
# Numbers are written with 17 significant digits (sprintf("%.17g")) so that they read back to the same double.

suppressMessages(library(survey))
cat("R", R.version$major, ".", R.version$minor, " survey ", as.character(packageVersion("survey")), "\n", sep = "")
outdir <- "tests/golden/weight"
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)
fmt <- function(x) sprintf("%.17g", x)

# ================================ Part A ==========================================================
set.seed(20240801)
pop <- expand.grid(ageband = 1:3, sex = 1:2, region = 1:3)
pop$count <- round(c(900, 1300, 1100)[pop$ageband] * c(0.97, 1.03)[pop$sex] * c(1.0, 0.8, 1.2)[pop$region] *
                     runif(nrow(pop), 0.85, 1.15))
write.csv(pop, file.path(outdir, "design_population.csv"), row.names = FALSE, quote = FALSE)

rows <- list()
id <- 0
for (h in 1:5) {
  npsu <- c(4, 5, 6, 4, 5)[h]
  for (p in seq_len(npsu)) {
    m <- sample(6:12, 1)
    region <- sample(1:3, m, replace = TRUE, prob = c(0.2, 0.3, 0.5)[c(h %% 3 + 1, (h + 1) %% 3 + 1, (h + 2) %% 3 + 1)])
    ageband <- sample(1:3, m, replace = TRUE, prob = c(0.25, 0.4, 0.35))
    sex <- sample(1:2, m, replace = TRUE)
    py <- c(0.25, 0.15, 0.1)[ageband] * ifelse(sex == 1, 1.3, 0.8) * (1 + 0.3 * (p %% 2))
    rows[[length(rows) + 1]] <- data.frame(id = id + seq_len(m), stratum = h, psu = p,
                                           w0 = c(80, 110, 70, 140, 96)[h] * runif(1, 0.9, 1.1),
                                           ageband = ageband, sex = sex, region = region,
                                           y = rbinom(m, 1, py), dom = rbinom(m, 1, 0.45))
    id <- id + m
  }
}
d <- do.call(rbind, rows)
write.csv(data.frame(id = d$id, stratum = d$stratum, psu = d$psu, w0 = fmt(d$w0), ageband = d$ageband, sex = d$sex,
                     region = d$region, y = d$y, dom = d$dom),
          file.path(outdir, "design_sample.csv"), row.names = FALSE, quote = FALSE)
cat("part A: rows", nrow(d), "PSUs", nrow(unique(d[, c("stratum", "psu")])), "y", sum(d$y), "dom", sum(d$dom), "\n")
stopifnot(all(table(d$ageband, d$sex) > 0), all(table(d$region) > 0))

d$fage <- factor(d$ageband); d$fsex <- factor(d$sex); d$freg <- factor(d$region)
des0 <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w0, data = d, nest = TRUE)

ps_tab <- aggregate(count ~ ageband + sex, data = pop, sum)
des_ps <- postStratify(des0, ~fage + fsex, data.frame(fage = factor(ps_tab$ageband), fsex = factor(ps_tab$sex), Freq = ps_tab$count))

m_age <- aggregate(count ~ ageband, data = pop, sum)
m_sex <- aggregate(count ~ sex, data = pop, sum)
m_reg <- aggregate(count ~ region, data = pop, sum)
des_rake <- rake(des0, list(~fage, ~fsex, ~freg),
                 list(data.frame(fage = factor(m_age$ageband), Freq = m_age$count),
                      data.frame(fsex = factor(m_sex$sex), Freq = m_sex$count),
                      data.frame(freg = factor(m_reg$region), Freq = m_reg$count)),
                 control = list(maxit = 100, epsilon = 1e-10))
for (f in list(list(~fage, m_age$count), list(~fsex, m_sex$count), list(~freg, m_reg$count)))
  stopifnot(max(abs(as.vector(svytable(f[[1]], des_rake)) / f[[2]] - 1)) < 1e-9)

totals <- c(`(Intercept)` = sum(pop$count), fage2 = m_age$count[2], fage3 = m_age$count[3], fsex2 = m_sex$count[2],
            freg2 = m_reg$count[2], freg3 = m_reg$count[3])
des_greg <- calibrate(des0, ~fage + fsex + freg, totals, calfun = "linear")
des_gregb <- calibrate(des0, ~fage + fsex + freg, totals, calfun = "linear", bounds = c(0.65, 1.55), epsilon = 1e-12, maxit = 100)
g_b <- weights(des_gregb) / weights(des0)
cat("bounded GREG: g range", range(g_b), "; at a bound:", sum(abs(g_b - 0.65) < 1e-12 | abs(g_b - 1.55) < 1e-12), "\n")
stopifnot(sum(abs(g_b - 0.65) < 1e-12 | abs(g_b - 1.55) < 1e-12) > 0)
stopifnot(max(abs(colSums(model.matrix(~fage + fsex + freg, d) * weights(des_gregb)) / totals - 1)) < 1e-10)

w_ps <- weights(des_ps)
trim_lo <- 65; trim_hi <- 130
cat("ps weights range", range(w_ps), "; trimmed below", sum(w_ps < trim_lo), "above", sum(w_ps > trim_hi), "\n")
stopifnot(sum(w_ps < trim_lo) > 0, sum(w_ps > trim_hi) > 0)
des_pstrim <- trimWeights(des_ps, lower = trim_lo, upper = trim_hi)
stopifnot(length(des_pstrim$postStrata) == 1)

designs <- list(ps = des_ps, rake = des_rake, greg = des_greg, gregb = des_gregb, pstrim = des_pstrim)
write.csv(data.frame(id = d$id, w_ps = fmt(weights(des_ps)), w_rake = fmt(weights(des_rake)), w_greg = fmt(weights(des_greg)),
                     w_gregb = fmt(weights(des_gregb)), w_pstrim = fmt(weights(des_pstrim))),
          file.path(outdir, "design_weights.csv"), row.names = FALSE, quote = FALSE)
est <- list()
add <- function(method, statistic, x) est[[length(est) + 1]] <<- c(method, statistic, fmt(coef(x)[[1]]), fmt(SE(x)[[1]]))
for (nm in names(designs)) {
  des <- designs[[nm]]
  add(nm, "mean_y", svymean(~y, des))
  add(nm, "total_y", svytotal(~y, des))
  add(nm, "dom_mean_y", svymean(~y, subset(des, dom == 1)))
}
# The uncalibrated design, to show that calibration changes the SE (the test checks it does).
add("base", "mean_y", svymean(~y, des0))
out <- do.call(rbind, est)
colnames(out) <- c("method", "statistic", "estimate", "se")
write.csv(out, file.path(outdir, "design_estimates.csv"), row.names = FALSE, quote = FALSE)

# ================================ Part B ==========================================================
nt <- read.csv("data/samples/nishitokyo2024.csv", fileEncoding = "UTF-8-BOM", colClasses = "character", check.names = FALSE)
age <- as.integer(chartr("０１２３４５６７８９", "0123456789", nt[["問2"]]))
bands <- c("15-19", "20-29", "30-39", "40-49", "50-59", "60-64")
nt$age_band <- factor(as.character(cut(age, c(14, 19, 29, 39, 49, 59, 64), labels = bands)), levels = bands)
nt$sex <- nt[["問1"]]
r <- nt[nt$sex %in% c("1", "2"), ]
r$sex <- factor(r$sex, levels = c("1", "2"))
r$one <- 1
r$y <- as.numeric(r[["問17"]] %in% c("5", "6", "7", "8"))
stopifnot(!any(is.na(r$age_band)))
cat("part B: rows", nrow(nt), "kept", nrow(r), "core outing", sum(r$y), "\n")

pt <- read.csv("data/samples/nishitokyo2024.population_age_sex.csv", fileEncoding = "UTF-8", colClasses = "character", check.names = FALSE)
pt$sex <- factor(ifelse(pt[["問1"]] == "男性", "1", ifelse(pt[["問1"]] == "女性", "2", NA)), levels = c("1", "2"))
pt$age_band <- factor(pt$age_band, levels = bands)
pt$count <- as.numeric(pt$count)
stopifnot(!any(is.na(pt$sex)), sum(pt$count) == 131178)

nd0 <- svydesign(ids = ~1, weights = ~one, data = r)
nd_ps <- postStratify(nd0, ~age_band + sex, data.frame(age_band = pt$age_band, sex = pt$sex, Freq = pt$count))
n_age <- aggregate(count ~ age_band, data = pt, sum)
n_sex <- aggregate(count ~ sex, data = pt, sum)
nd_rake <- rake(nd0, list(~age_band, ~sex), list(data.frame(age_band = n_age$age_band, Freq = n_age$count),
                                               data.frame(sex = n_sex$sex, Freq = n_sex$count)),
                control = list(maxit = 100, epsilon = 1e-10))
ntot <- c(`(Intercept)` = sum(pt$count), setNames(n_age$count[-1], paste0("age_band", bands[-1])),
          sex2 = n_sex$count[n_sex$sex == "2"])
nd_lin <- calibrate(nd0, ~age_band + sex, ntot, calfun = "linear")
w <- weights(nd_ps)
cat("nishitokyo ps weights range", range(w), "\n")
nd_pstrim <- trimWeights(nd_ps, lower = 130, upper = 190)
stopifnot(sum(w < 130) > 0, sum(w > 190) > 0)
write.csv(data.frame(id = r[["回答者ID"]], w_ps = fmt(weights(nd_ps)), w_rake = fmt(weights(nd_rake)),
                     w_linear = fmt(weights(nd_lin)), w_pstrim = fmt(weights(nd_pstrim))),
          file.path(outdir, "nishitokyo_weights.csv"), row.names = FALSE, quote = FALSE)
est <- list()
for (nm in c("unweighted", "ps", "rake", "linear")) {
  des <- list(unweighted = nd0, ps = nd_ps, rake = nd_rake, linear = nd_lin)[[nm]]
  add(nm, "mean_y", svymean(~y, des))
}
out <- do.call(rbind, est)
colnames(out) <- c("method", "statistic", "estimate", "se")
write.csv(out, file.path(outdir, "nishitokyo_estimates.csv"), row.names = FALSE, quote = FALSE)
cat("wrote", outdir, "\n")
