# r/deff_golden.R — both of R's design effects, deff = "replace" (hkstat's deff column) and deff = TRUE (R's default,
# against SRS without replacement: hkstat's deff_wor column), for `hkstat estimate` and `hkstat tabulate`, compared
# through the real CLI by tests/cli/deff_vs_r.py.
#
# Run from the repository root:   Rscript r/deff_golden.R
# Reads  tests/data/design/design_survey.csv and pop_age_sex.csv (written by r/design_cli_golden.R; not changed)
# Writes tests/golden/design_cli/deff.csv: command (estimate | tabulate), design, domain (all, 15-39, 40-64),
#        item (broad / narrow for estimate; outing_1..8 for tabulate), deff_replace, deff_wor
# Generated with R 4.2.2 and survey 4.1-1.
#
# Designs (codebook tests/data/design/calib.codebook.toml; rules tests/data/weighted/core_only.toml):
#   full: svydesign(ids = ~psu, strata = ~stratum, fpc = ~npsu, weights = ~w, nest = TRUE)  — linearised
#   calib_poststratify: full post-stratified to pop_age_sex.csv (age band × sex)          — --calibrate
# Domains are subsets (design kept): svymean(~y, subset(design, g), deff = TRUE / "replace").
# deff = TRUE: vsrs = svyvar × (Σw − n)/(Σw n) over the domain (n rows with nonzero weight, Σw its weights).
# Numbers are written with 17 significant digits.

suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

d <- read.csv("tests/data/design/design_survey.csv")
d$broad <- as.numeric(d$outing >= 5 & d$duration == 3)
d$narrow <- as.numeric(d$outing >= 6 & d$duration == 3)
for (k in 1:8) d[[paste0("outing_", k)]] <- as.numeric(d$outing == k)
d$age_band <- cut(d$age, c(14, 29, 44, 64), labels = c("15-29", "30-44", "45-64"))
pop <- read.csv("tests/data/design/pop_age_sex.csv")
pop$sex <- ifelse(pop$sex == "男性", 1, 2)

full <- svydesign(ids = ~psu, strata = ~stratum, fpc = ~npsu, weights = ~w, nest = TRUE, data = d)
ps <- postStratify(full, ~age_band + sex, data.frame(age_band = pop$age_band, sex = pop$sex, Freq = pop$count))
designs <- list(full = full, calib_poststratify = ps)
groups <- list(all = quote(TRUE), "15-39" = quote(age >= 15 & age <= 39), "40-64" = quote(age >= 40 & age <= 64))

out <- list()
for (name in names(designs)) for (grp in names(groups)) {
  s <- eval(bquote(subset(designs[[name]], .(groups[[grp]]))))
  items <- list(estimate = c("broad", "narrow"), tabulate = paste0("outing_", 1:8))
  for (cmd in names(items)) for (item in items[[cmd]]) {
    if (cmd == "tabulate" && grp != "all") next
    f <- as.formula(paste0("~", item))
    r <- deff(svymean(f, s, deff = "replace"))[[1]]
    t <- deff(svymean(f, s, deff = TRUE))[[1]]
    out[[length(out) + 1]] <- c(cmd, name, grp, item, fmt(r), fmt(t))
  }
}
res <- do.call(rbind, out)
colnames(res) <- c("command", "design", "domain", "item", "deff_replace", "deff_wor")
write.csv(res, "tests/golden/design_cli/deff.csv", row.names = FALSE, quote = FALSE)
cat("wrote", nrow(res), "rows\n")
