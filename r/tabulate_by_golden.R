# r/tabulate_by_golden.R — golden values for `hkstat tabulate --by VAR` where VAR is a code variable other than
# age and sex (svyby over any code variable), compared through the real CLI by tests/cli/tabulate_by_vs_r.py.
#
# Run from the repository root:   Rscript r/tabulate_by_golden.R
# Reads  tests/data/design/design_survey.csv and pop_age_sex.csv (written by r/design_cli_golden.R; not changed)
# Writes tests/golden/tabulate_cli/by_code.csv (per design, level of duration, outing category and interval
#        method: svyby(~y, ~duration, svymean) estimate and SE, degf(subset), svyciprop interval on the subset,
#        deff = "replace" of svymean on the subset)
#        tests/golden/tabulate_cli/by_cross.csv (per design, crossed level of duration × sex and outing category:
#        svyby(~y, ~duration + sex, svymean) estimate and SE, degf(subset), svyciprop xlogit interval on the subset,
#        deff = "replace"; `hkstat tabulate --by duration,sex`, checked by the same script)
# Generated with R 4.2.2 and survey 4.1-1.
#
# Designs (the hkstat command is in tests/cli/tabulate_by_vs_r.py; the codebook is tests/data/design/calib.codebook.toml):
#   full: svydesign(ids = ~psu, strata = ~stratum, fpc = ~npsu, weights = ~w, nest = TRUE)  — linearised
#   calib_poststratify: full post-stratified to pop_age_sex.csv (age band × sex)          — --calibrate
#   rep_jkn: as.svrepdesign(full, type = "JKn")                                            — --replicates jkn
# The breakdown is `duration` (codes 1 and 3; role duration: neither age nor sex). Each level is a domain with
# the whole design kept (svyby = subset semantics; df = degf(subset(design, duration == l))). The svyby values
# are checked against svymean on the subset here before they are written.
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

out <- list()
for (name in names(designs)) {
  des <- designs[[name]]
  rep <- inherits(des, "svyrep.design")
  for (k in 1:8) {
    f <- as.formula(paste0("~outing_", k))
    by <- if (rep) svyby(f, ~duration, des, svymean) else svyby(f, ~duration, des, svymean, deff = "replace")
    for (lev in c(1, 3)) {
      s <- subset(des, duration == lev)
      row <- which(by$duration == lev)
      p <- coef(by)[[row]]
      se <- SE(by)[[row]]
      m <- if (rep) svymean(f, s) else svymean(f, s, deff = "replace")
      stopifnot(isTRUE(all.equal(p, coef(m)[[1]], tolerance = 1e-13)), isTRUE(all.equal(se, SE(m)[[1]], tolerance = 1e-13)))
      de <- if (rep || !(se > 1e-12)) NA else deff(m)[[1]] # deff(<svyby>) fails in survey 4.1-1 ("invalid argument type")
      for (method in c("xlogit", "mean", "beta")) {
        ci <- if (p > 0 && p < 1 && se > 1e-12) as.vector(confint(svyciprop(f, s, method = method, level = 0.95))) else c(NA, NA)
        out[[length(out) + 1]] <- c(name, lev, k, method, fmt(p), fmt(se), fmt(degf(s)), fmt(ci[1]), fmt(ci[2]), fmt(de))
      }
    }
  }
}
res <- do.call(rbind, out)
colnames(res) <- c("design", "duration", "code", "method", "estimate", "se", "df", "lower", "upper", "deff")
write.csv(res, "tests/golden/tabulate_cli/by_code.csv", row.names = FALSE, quote = FALSE)
cat("wrote", nrow(res), "rows\n")

# Crossed two deep: svyby(~y, ~duration + sex) — each combination a domain of the whole design.
sex_key <- c("1" = "male", "2" = "female")
out <- list()
for (name in c("full", "rep_jkn")) {
  des <- designs[[name]]
  rep <- inherits(des, "svyrep.design")
  for (k in 1:8) {
    f <- as.formula(paste0("~outing_", k))
    by <- if (rep) svyby(f, ~duration + sex, des, svymean) else svyby(f, ~duration + sex, des, svymean, deff = "replace")
    for (lev in c(1, 3)) for (sx in c(1, 2)) {
      s <- subset(des, duration == lev & sex == sx)
      row <- which(by$duration == lev & by$sex == sx)
      p <- coef(by)[[row]]
      se <- SE(by)[[row]]
      m <- if (rep) svymean(f, s) else svymean(f, s, deff = "replace")
      stopifnot(isTRUE(all.equal(p, coef(m)[[1]], tolerance = 1e-13)), isTRUE(all.equal(se, SE(m)[[1]], tolerance = 1e-13)))
      de <- if (rep || !(se > 1e-12)) NA else deff(m)[[1]]
      ci <- if (p > 0 && p < 1 && se > 1e-12) as.vector(confint(svyciprop(f, s, method = "xlogit", level = 0.95))) else c(NA, NA)
      out[[length(out) + 1]] <- c(name, lev, sex_key[[as.character(sx)]], k, fmt(p), fmt(se), fmt(degf(s)), fmt(ci[1]), fmt(ci[2]), fmt(de))
    }
  }
}
res <- do.call(rbind, out)
colnames(res) <- c("design", "duration", "sex", "code", "estimate", "se", "df", "lower", "upper", "deff")
write.csv(res, "tests/golden/tabulate_cli/by_cross.csv", row.names = FALSE, quote = FALSE)
cat("wrote", nrow(res), "rows\n")
