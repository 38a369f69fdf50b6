# Shared by bench/r/job_*.R: read a benchmark file (bench/gen.cpp) with data.table and classify it the way
# hkstat's default rule-set cao2022 does (docs/rules.md) for the columns the file has.
#   core:    outing 5 (準) or 6-8 (狭義), duration code 2-7 (6 months or more)
#   exclude: E1 reason 病気 (reason_01); E2 妊娠 / 出産・育児 / 介護・看護 (reason_02..04); E3 occupation 5
#            (自宅で仕事). E3's other_reason_type and E6 need columns the file does not have: they never fire.
# Age bands as hkstat tabulate --by age10: 15-19, 20-29, ..., 50-59, 60-64.
suppressPackageStartupMessages({
  library(data.table)
  library(survey)
})

# The folder of the running job script (Rscript bench/r/job_X.R): common.R is sourced from it, the population
# table is one folder up.
bench_here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE)))
bench_age_bands <- c("15-19", "20-29", "30-39", "40-49", "50-59", "60-64")

bench_read <- function(file) {
  d <- fread(file, showProgress = FALSE)
  core <- d$outing %in% 5:8 & d$duration %in% 2:7
  excluded <- d$reason_01 == 1 | d$reason_02 == 1 | d$reason_03 == 1 | d$reason_04 == 1 | d$occupation == 5
  d[, broad := as.numeric(core & !excluded)]
  d[, age_band := cut(age, c(15, 20, 30, 40, 50, 60, 65), right = FALSE,
                      labels = bench_age_bands)]
  d[, sex := factor(sex, levels = 1:2, labels = c("male", "female"))]
  d
}

# The age band x sex population table bench/bench.population_age_sex.csv (jobs g, h) as columns age_band, sex
# (factors with bench_read's levels) and Freq (survey's name for the population count).
bench_population <- function() {
  pop <- fread(file.path(bench_here, "..", "bench.population_age_sex.csv"), encoding = "UTF-8")
  pop[, sex := factor(ifelse(sex == "男性", "male", "female"), levels = c("male", "female"))]
  pop[, age_band := factor(age_band, levels = bench_age_bands)]
  setnames(pop, "count", "Freq")
  pop
}

bench_design <- function(d) svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE, data = d)

# Jobs b, d, e: bench_design with 100 bootstrap replicates (Rao-Wu rescaled bootstrap, as.svrepdesign(type =
# "bootstrap")), drawn after set.seed(1) so that a rerun gives the same replicates.
bench_bootstrap <- function(d) {
  set.seed(1)
  as.svrepdesign(bench_design(d), type = "bootstrap", replicates = 100)
}

# One CSV line per estimate: job,domain,variable,estimate,se,ci_lower,ci_upper (15 significant digits).
bench_print <- function(job, domain, variable, est, se, lo = NA, hi = NA) {
  f <- function(x) ifelse(is.na(x), "", sprintf("%.15g", x))
  cat(paste(job, domain, variable, f(est), f(se), f(lo), f(hi), sep = ","), sep = "\n")
}

# Overall and age band x sex prevalence of 広義 with logit intervals (svyciprop) under `des`.
bench_prevalence <- function(job, des) {
  cat("job,domain,variable,estimate,se,ci_lower,ci_upper\n")
  p <- svyciprop(~broad, des, method = "logit")
  ci <- attr(p, "ci")
  bench_print(job, "all", "broad", coef(p), SE(p), ci[1], ci[2])
  b <- svyby(~broad, ~age_band + sex, des, svyciprop, method = "logit", vartype = c("se", "ci"))
  se <- SE(b)
  for (i in seq_len(nrow(b)))
    bench_print(job, paste(b$age_band[i], b$sex[i], sep = "/"), "broad", b$broad[i], se[i], b$ci_l[i], b$ci_u[i])
}

# The 12 reasons (0/1 columns) as weighted means under `des` (a design already restricted to the 広義 group):
# overall, by age band, by sex and by age band x sex -- what hkstat tabulate --var reasons --by age10,sex prints.
bench_reasons <- function(job, des) {
  reasons <- sprintf("reason_%02d", 1:12)
  f <- as.formula(paste("~", paste(reasons, collapse = " + ")))
  cat("job,domain,variable,estimate,se,ci_lower,ci_upper\n")
  m <- svymean(f, des)
  se <- as.vector(SE(m)) # unnamed under replicate designs: by position, the order of `reasons`
  for (j in seq_along(reasons)) bench_print(job, "all", reasons[j], coef(m)[[reasons[j]]], se[j])
  for (by in list(~age_band, ~sex, ~age_band + sex)) {
    b <- svyby(f, by, des, svymean)
    keys <- all.vars(by)
    se <- as.matrix(SE(b)) # rows = groups, columns = `reasons` in order
    for (i in seq_len(nrow(b))) {
      dom <- paste(vapply(keys, function(k) as.character(b[[k]][i]), ""), collapse = "/")
      for (j in seq_along(reasons)) bench_print(job, dom, reasons[j], b[[reasons[j]]][i], se[i, j])
    }
  }
}
