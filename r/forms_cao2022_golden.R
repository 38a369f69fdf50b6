# r/forms_cao2022_golden.R — golden values for the several-questionnaires path (codebook [[form]]) on the CAO 2022
# layout sample (data/samples/cao2022_layout.csv, synthetic 架空), compared through the real CLI by
# tests/cli/forms_cao2022_vs_r.py.
#
# Run from the repository root:   Rscript r/forms_cao2022_golden.R
# Generated with R 4.2.2 and survey 4.1-1.
#
# The codebook (data/samples/cao2022_layout.codebook.toml) declares no design columns: every row is its own PSU,
# unweighted (svydesign(ids = ~1), equal probability). Its [[form]]s: 調査票 1 (15～39歳票, ages 15-39) reports
# 15-39; 調査票 2 (40～69歳票, ages 40-69) reports 40-64. A row counts only in a range of its own questionnaire; rows
# outside every range (the 65-69, rows without an age or questionnaire) are in no figure and stay in the design
# (R: subset(design, in_range)). The population is the run configuration's (data/samples/cao2022_layout.population.csv).
#
# The rule-set cao2022 (data/rulesets/cao2022.toml), written out here independently of hkstat's rule engine:
#   semi = 外出 5, narrow = 外出 6-8, with 期間 2-7 (6 months or more); broad = semi + narrow; a case is excluded when
#   E1 理由 has 1 (病気); E2 理由 has 2, 3 or 4; E3 職業 = 4 or 理由_その他分類 = 1 (自宅で仕事);
#   E6 (職業 5 or 6, or 家での活動 has 1 or 2) and 家族以外との会話 1 or 2.
#
# Writes tests/golden/forms/cao2022.csv: case,group,measure,quantity,value
#   case prevalence (`hkstat estimate`, unweighted: rate = cases / n, SE = sqrt(p(1-p)/n), Wilson interval =
#        prop.test(correct = FALSE), persons = rate × population, its interval = the rate's × population; all =
#        the sum of the groups' persons with the Wald interval of the summed variances), group all, 15-39, 40-64,
#        measure broad, narrow, semi; quantities n, cases, rate, se, lower, upper, persons, persons_lower, persons_upper
#   case total_broad (`hkstat estimate --stat total`: svytotal(~broad, subset(design, in_range)), df = degf(subset),
#        and the rate × population row: svymean × the populations' sum), group all; quantities estimate, se, df,
#        n, rate, rate_se, persons, persons_se
#   case mean_age (`hkstat estimate --stat mean --var 年齢 --by 調査票`: svymean(~年齢, subset(...)) and svyby by
#        調査票), group all, 1, 2; quantities estimate, se, df, n
# Numbers are written with 17 significant digits.

suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
out_dir <- "tests/golden/forms"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)

d <- read.csv("data/samples/cao2022_layout.csv", fileEncoding = "UTF-8", colClasses = "character", check.names = FALSE)
num <- function(x) suppressWarnings(as.numeric(x))
form <- num(d[["調査票"]]); age <- num(d[["年齢"]]); outing <- num(d[["外出"]]); dur <- num(d[["期間"]])
occ <- num(d[["職業"]]); other <- num(d[["理由_その他分類"]]); talk <- num(d[["家族以外との会話"]])
has <- function(col, codes) sapply(strsplit(d[[col]], ";", fixed = TRUE), function(v) any(num(v) %in% codes))
outing[outing == 9] <- NA
excluded <- has("理由", 1) | has("理由", c(2, 3, 4)) | (occ %in% 4) | (other %in% 1) |
  (((occ %in% c(5, 6)) | has("家での活動", c(1, 2))) & (talk %in% c(1, 2)))
ok <- !is.na(outing) & !is.na(dur) & dur >= 2 & dur <= 7 & !excluded
d$semi <- as.numeric(ok & outing == 5)
d$narrow <- as.numeric(ok & outing >= 6)
d$broad <- d$semi + d$narrow
d$age <- age
d$form <- form
d$in15_39 <- !is.na(form) & form == 1 & !is.na(age) & age >= 15 & age <= 39
d$in40_64 <- !is.na(form) & form == 2 & !is.na(age) & age >= 40 & age <= 64
d$in_range <- d$in15_39 | d$in40_64

pop <- read.csv("data/samples/cao2022_layout.population.csv")
popg <- setNames(pop$population, pop$age_group)

rows <- list()
add <- function(case, group, measure, quantity, value)
  rows[[length(rows) + 1]] <<- data.frame(case = case, group = group, measure = measure, quantity = quantity, value = fmt(value))

# Prevalence, unweighted (the Cabinet Office's method): per reporting range, then all = the rows in any range.
z <- qnorm(0.975)
for (m in c("broad", "narrow", "semi")) {
  var_sum <- 0; persons_sum <- 0
  for (g in c("all", "15-39", "40-64")) {
    sel <- if (g == "all") d$in_range else if (g == "15-39") d$in15_39 else d$in40_64
    n <- sum(sel); x <- sum(d[[m]][sel]); p <- x / n; se <- sqrt(p * (1 - p) / n)
    ci <- prop.test(x, n, correct = FALSE, conf.level = 0.95)$conf.int
    add("prevalence", g, m, "n", n); add("prevalence", g, m, "cases", x)
    add("prevalence", g, m, "rate", p); add("prevalence", g, m, "se", se)
    add("prevalence", g, m, "lower", ci[1]); add("prevalence", g, m, "upper", ci[2])
    if (g != "all") {
      add("prevalence", g, m, "persons", p * popg[[g]])
      add("prevalence", g, m, "persons_lower", ci[1] * popg[[g]]); add("prevalence", g, m, "persons_upper", ci[2] * popg[[g]])
      persons_sum <- persons_sum + p * popg[[g]]; var_sum <- var_sum + (popg[[g]] * se)^2
    }
  }
  add("prevalence", "all", m, "persons", persons_sum)
  add("prevalence", "all", m, "persons_lower", persons_sum - z * sqrt(var_sum))
  add("prevalence", "all", m, "persons_upper", persons_sum + z * sqrt(var_sum))
}

# Totals and means: the design over every row, the rows outside the ranges kept in it.
des <- suppressWarnings(svydesign(ids = ~1, data = d))
sub <- subset(des, in_range)
tot <- svytotal(~broad, sub)
add("total_broad", "all", "broad", "estimate", coef(tot)[[1]]); add("total_broad", "all", "broad", "se", SE(tot)[[1]])
add("total_broad", "all", "broad", "df", degf(sub)); add("total_broad", "all", "broad", "n", sum(d$in_range))
mb <- svymean(~broad, sub)
add("total_broad", "all", "broad", "rate", coef(mb)[[1]]); add("total_broad", "all", "broad", "rate_se", SE(mb)[[1]])
add("total_broad", "all", "broad", "persons", coef(mb)[[1]] * sum(pop$population))
add("total_broad", "all", "broad", "persons_se", SE(mb)[[1]] * sum(pop$population))

ma <- svymean(~age, sub)
add("mean_age", "all", "age", "estimate", coef(ma)[[1]]); add("mean_age", "all", "age", "se", SE(ma)[[1]])
add("mean_age", "all", "age", "df", degf(sub)); add("mean_age", "all", "age", "n", sum(d$in_range))
for (f in 1:2) {
  sf <- subset(des, in_range & form == f)
  mf <- svymean(~age, sf)
  add("mean_age", as.character(f), "age", "estimate", coef(mf)[[1]]); add("mean_age", as.character(f), "age", "se", SE(mf)[[1]])
  add("mean_age", as.character(f), "age", "df", degf(sf)); add("mean_age", as.character(f), "age", "n", sum(d$in_range & d$form %in% f))
}
write.csv(do.call(rbind, rows), file.path(out_dir, "cao2022.csv"), row.names = FALSE, quote = FALSE)
