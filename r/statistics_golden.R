# r/statistics_golden.R — golden values for `hkstat estimate --stat total|mean|ratio` (totals with SE, the
# estimated persons and their SE, means, ratios), svyby over a code variable that is not age or sex, subset()
# domains from --where, created JKn replicates, deff = TRUE and deff = "replace" by that code variable, and text
# stratum / PSU labels. Compared through the real CLI by tests/cli/statistics_vs_r.py.
#
# Run from the repository root:   Rscript r/statistics_golden.R
# Reads  tests/data/design/design_survey.csv (written by r/design_cli_golden.R; not changed)
# Writes tests/data/design/design_labels.csv: the same rows with text labels for stratum ("12-1" style: R-style
#        labels whose byte order is not the order of the numbers) and PSU ("A01" style site codes), and three
#        variables made here with a fixed seed: district (code 1-3, 問3-like), visits (integer 0-12, some missing),
#        hh (integer 1-5). Codebook: tests/data/design/labels.codebook.toml (by hand).
#        tests/golden/statistics_cli/results.csv: case, by, group, category, estimate, se, df (17 significant digits)
#        tests/golden/statistics_cli/deff.csv: district, estimate, se, deff_replace, deff_wor (prevalence by district)
# Generated with R 4.2.2 and survey 4.1-1.
#
# Design: svydesign(ids = ~psu_label, strata = ~stratum_label, fpc = ~npsu, weights = ~w, nest = TRUE) on the
# labelled file (R takes the labels as text); broad = outing >= 5 and duration == 3 (tests/data/weighted/core_only.toml).
# Cases (the hkstat command of each is in tests/cli/statistics_vs_r.py):
#   total_broad      svytotal(~broad); svyby(~broad, ~district, svytotal)                 SE per domain = subset()
#   persons          100000 × svymean(~broad), SE 100000 × SE                           (--population 100000)
#   total_district   svytotal(~factor(district))
#   total_outing_by  svyby(~factor(outing), ~district, svytotal) and the whole sample
#   mean_visits      svymean(~visits, na.rm = TRUE); svyby(..., ~district, svymean, na.rm = TRUE)
#   ratio_visits_hh  svyratio(~visits, ~hh, na.rm = TRUE); by district
#   where_total      svytotal(~broad, subset(d, age >= 40)); svyby on that subset
#   where_mean       svymean(~visits, subset(d, age >= 40), na.rm = TRUE)
#   jkn_total        as.svrepdesign(d, type = "JKn"): svytotal(~broad); by district
#   jkn_mean         the same design: svymean(~visits, na.rm = TRUE); by district
# df: degf(design) for the whole sample, degf(subset(design, domain)) for a domain (the domain's rows with an
# answer: R's na.rm = TRUE drops the rows with a missing answer the same way).

suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

d <- read.csv("tests/data/design/design_survey.csv")
set.seed(20261205)
n <- nrow(d)
d$district <- sample(1:3, n, replace = TRUE, prob = c(0.5, 0.3, 0.2))
d$visits <- sample(0:12, n, replace = TRUE)
d$visits[sample(n, 25)] <- NA
d$hh <- sample(1:5, n, replace = TRUE)
stratum_labels <- c("12-1", "3-1", "7-1", "1-1", "10-1", "2-1", "9-1", "4-1")
d$stratum_label <- stratum_labels[d$stratum]
d$psu_label <- sprintf("%s%02d", c("A", "B", "C")[(d$psu %% 3) + 1], d$psu)
out <- d[, c("id", "age", "sex", "outing", "duration", "stratum_label", "psu_label", "npsu", "w", "district", "visits", "hh")]
write.csv(out, "tests/data/design/design_labels.csv", row.names = FALSE, quote = FALSE, na = "")

d$broad <- as.numeric(d$outing >= 5 & d$duration == 3)
des <- svydesign(ids = ~psu_label, strata = ~stratum_label, fpc = ~npsu, weights = ~w, nest = TRUE, data = d)
rep <- as.svrepdesign(des, type = "JKn")

rows <- list()
add <- function(case, by, group, category, est, se, df) {
  rows[[length(rows) + 1]] <<- c(case, by, group, category, fmt(est), fmt(se), fmt(df))
}
# The whole sample and each district, for a statistic function f(design) returning a svystat.
whole_and_by <- function(case, design, f, category = "all", keep = NULL) {
  base <- if (is.null(keep)) design else eval(bquote(subset(design, .(keep))))
  m <- f(base)
  add(case, "all", "all", category, coef(m)[[1]], SE(m)[[1]], degf(base))
  for (k in 1:3) {
    s <- eval(bquote(subset(base, district == .(k))))
    m <- f(s)
    add(case, "district", k, category, coef(m)[[1]], SE(m)[[1]], degf(s))
  }
}
answered <- function(design, vars) eval(bquote(subset(design, .(parse(text = paste0("!is.na(", vars, ")", collapse = " & "))[[1]]))))

whole_and_by("total_broad", des, function(s) svytotal(~broad, s))
m <- svymean(~broad, des)
add("persons", "all", "all", "all", 100000 * coef(m)[[1]], 100000 * SE(m)[[1]], degf(des))
m <- svytotal(~factor(district), des)
for (k in 1:3) add("total_district", "all", "all", k, coef(m)[[k]], SE(m)[[k]], degf(des))
for (k in 1:8) {
  d_k <- update(des, y = as.numeric(outing == k))
  whole_and_by("total_outing_by", d_k, function(s) svytotal(~y, s), category = k)
}
whole_and_by("mean_visits", answered(des, "visits"), function(s) svymean(~visits, s))
whole_and_by("ratio_visits_hh", answered(des, c("visits", "hh")), function(s) svyratio(~visits, ~hh, s))
whole_and_by("where_total", des, function(s) svytotal(~broad, s), keep = quote(age >= 40))
whole_and_by("where_mean", answered(des, "visits"), function(s) svymean(~visits, s), keep = quote(age >= 40))
whole_and_by("jkn_total", rep, function(s) svytotal(~broad, s))
whole_and_by("jkn_mean", answered(rep, "visits"), function(s) svymean(~visits, s))

res <- do.call(rbind, rows)
colnames(res) <- c("case", "by", "group", "category", "estimate", "se", "df")
write.csv(res, "tests/golden/statistics_cli/results.csv", row.names = FALSE, quote = FALSE)
cat("wrote", nrow(res), "rows\n")

# Prevalence of broad by district (svymean on subset(), as svyby's SE) with both design effects (hkstat estimate --by district, columns deff and deff_wor).
deffs <- do.call(rbind, lapply(1:3, function(k) {
  s <- subset(des, district == k)
  mr <- svymean(~broad, s, deff = "replace")
  mt <- svymean(~broad, s, deff = TRUE)
  data.frame(district = k, estimate = fmt(coef(mr)[[1]]), se = fmt(SE(mr)[[1]]), deff_replace = fmt(deff(mr)[[1]]), deff_wor = fmt(deff(mt)[[1]]))
}))
write.csv(deffs, "tests/golden/statistics_cli/deff.csv", row.names = FALSE, quote = FALSE)
cat("wrote", nrow(deffs), "deff rows\n")
