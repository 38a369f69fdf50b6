# r/where_golden.R — golden values for `hkstat tabulate --where EXPR`: the subpopulation estimated as R's
# subset(design, EXPR) (the design kept), compared through the real CLI by tests/cli/where_vs_r.py.
#
# Run from the repository root:   Rscript r/where_golden.R
# Reads  tests/data/design/design_survey.csv and pop_age_sex.csv (written by r/design_cli_golden.R; not changed)
# Writes tests/golden/tabulate_cli/where.csv (per design, condition, outing category and interval method:
#        svymean on subset(design, condition): estimate, SE, deff = "replace"; degf(subset); svyciprop interval)
#        tests/golden/design_cli/where_estimate.csv (`hkstat estimate --where`: per design, condition, age group
#        (all, 15-39, 40-64 within the condition), measure (broad = outing 5-8 and duration 3, narrow = outing 6-8
#        and duration 3: tests/data/weighted/core_only.toml) and method (xlogit, beta): the same quantities)
# Generated with R 4.2.2 and survey 4.1-1.
#
# Designs (codebook tests/data/design/calib.codebook.toml; the hkstat commands are in tests/cli/where_vs_r.py):
#   full: svydesign(ids = ~psu, strata = ~stratum, fpc = ~npsu, weights = ~w, nest = TRUE)  — linearised
#   calib_poststratify: full post-stratified to pop_age_sex.csv (age band × sex)          — --calibrate
#   rep_jkn: as.svrepdesign(full, type = "JKn")                                            — --replicates jkn
# Conditions (column "where": the hkstat expression; R's in the comment):
#   age40:        --where 'age >= 40'                                  subset(d, age >= 40)
#   female30:     --where 'age >= 30 and sex = female'                 subset(d, age >= 30 & sex == 2)
#   not_in:       --where 'not (duration = 3 and age < 25)'            subset(d, !(duration == 3 & age < 25))
# Numbers are written with 17 significant digits.

suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

d <- read.csv("tests/data/design/design_survey.csv")
for (k in 1:8) d[[paste0("outing_", k)]] <- as.numeric(d$outing == k)
d$age_band <- cut(d$age, c(14, 29, 44, 64), labels = c("15-29", "30-44", "45-64"))
pop <- read.csv("tests/data/design/pop_age_sex.csv")
pop$sex <- ifelse(pop$sex == "男性", 1, 2)

full <- svydesign(ids = ~psu, strata = ~stratum, fpc = ~npsu, weights = ~w, nest = TRUE, data = d)
ps <- postStratify(full, ~age_band + sex, data.frame(age_band = pop$age_band, sex = pop$sex, Freq = pop$count))
designs <- list(full = full, calib_poststratify = ps, rep_jkn = as.svrepdesign(full, type = "JKn"))
conditions <- list(age40 = quote(age >= 40), female30 = quote(age >= 30 & sex == 2), not_in = quote(!(duration == 3 & age < 25)))

out <- list()
for (name in names(designs)) {
  des <- designs[[name]]
  rep <- inherits(des, "svyrep.design")
  for (cond in names(conditions)) {
    s <- eval(bquote(subset(des, .(conditions[[cond]]))))
    for (k in 1:8) {
      f <- as.formula(paste0("~outing_", k))
      m <- if (rep) svymean(f, s) else svymean(f, s, deff = "replace")
      p <- coef(m)[[1]]
      se <- SE(m)[[1]]
      de <- if (rep || !(se > 1e-12)) NA else deff(m)[[1]]
      for (method in c("xlogit", "mean", "beta")) {
        ci <- if (p > 0 && p < 1 && se > 1e-12) as.vector(confint(svyciprop(f, s, method = method, level = 0.95))) else c(NA, NA)
        out[[length(out) + 1]] <- c(name, cond, k, method, fmt(p), fmt(se), fmt(degf(s)), fmt(ci[1]), fmt(ci[2]), fmt(de))
      }
    }
  }
}
res <- do.call(rbind, out)
colnames(res) <- c("design", "where", "code", "method", "estimate", "se", "df", "lower", "upper", "deff")
write.csv(res, "tests/golden/tabulate_cli/where.csv", row.names = FALSE, quote = FALSE)
cat("wrote", nrow(res), "rows\n")

# hkstat estimate --where: prevalence within the condition, and within the condition × age group.
groups <- list(all = quote(TRUE), "15-39" = quote(age >= 15 & age <= 39), "40-64" = quote(age >= 40 & age <= 64))
est <- list()
for (name in names(designs)) {
  des <- update(designs[[name]], broad = as.numeric(outing >= 5 & duration == 3), narrow = as.numeric(outing >= 6 & duration == 3))
  rep <- inherits(des, "svyrep.design")
  for (cond in names(conditions)) for (grp in names(groups)) {
    # An empty domain (age >= 40 within 15-39) has no estimate (hkstat: n = 0, no rate): not in the golden.
    if (sum(eval(conditions[[cond]], d) & eval(groups[[grp]], d)) == 0) next
    s <- eval(bquote(subset(des, .(conditions[[cond]]) & .(groups[[grp]]))))
    for (measure in c("broad", "narrow")) {
      f <- as.formula(paste0("~", measure))
      m <- if (rep) svymean(f, s) else svymean(f, s, deff = "replace")
      p <- coef(m)[[1]]
      se <- SE(m)[[1]]
      de <- if (rep || !(se > 1e-12)) NA else deff(m)[[1]]
      for (method in c("xlogit", "beta")) {
        ci <- if (p > 0 && p < 1 && se > 1e-12) as.vector(confint(svyciprop(f, s, method = method, level = 0.95))) else c(NA, NA)
        est[[length(est) + 1]] <- c(name, cond, grp, measure, method, fmt(p), fmt(se), fmt(degf(s)), fmt(ci[1]), fmt(ci[2]), fmt(de))
      }
    }
  }
}
eres <- do.call(rbind, est)
colnames(eres) <- c("design", "where", "group", "measure", "method", "estimate", "se", "df", "lower", "upper", "deff")
write.csv(eres, "tests/golden/design_cli/where_estimate.csv", row.names = FALSE, quote = FALSE)
cat("wrote", nrow(eres), "estimate rows\n")
