# r/calibrate_counts_roster_golden.R — golden values for `hkstat estimate --calibrate` on a counted file (role count:
# a row stands for that many people) and on a survey with a long household roster, compared through the real CLI by
# tests/cli/calibrate_counts_roster_vs_r.py. Until this script these two streams were only compared with hkstat's own
# whole-file path.
#
# Run from the repository root:   Rscript r/calibrate_counts_roster_golden.R
# Generated with R 4.2.2 and survey 4.1-1. Writes tests/golden/calibrate_counts_roster/estimate.csv.
#
# Designs (column "design"):
#   counted       tests/data/counts/counted.csv expanded in R to one row per person (rep() by 人数; a row of 0 people
#                 gives none), each person its own PSU with weight 1 (the codebook has no design columns):
#                 svydesign(ids = ~1, weights = ~one); as counted.hkstat.toml says, people whose sex is 無回答 (9) have
#                 no population cell and are dropped (unmatched = "drop"), the rest post-stratified to age band
#                 (15-39, 40-64) × sex of pop.csv: postStratify(~age_band + sex).
#   counted_rake  the same people as counted_rake.hkstat.toml says: a weighting-class nonresponse adjustment within
#                 age bands (回答 = 1 responded; docs/estimation.md "Weighting" step 2, by hand as
#                 r/calibrate_adjusted_golden.R does: w = Σ_cell 1 / Σ_cell,responded 1 for each respondent, the cells
#                 over every person), the respondents without a sex dropped, rake(list(~age_band, ~sex)) to pop.csv's
#                 margins (control = list(maxit = 100, epsilon = 1e-12)), then trimWeights(lower = 500, upper = 900,
#                 strict = TRUE).
#   roster        tests/data/roster_calib/household_long.csv (8 respondents; the long member file is not read: with a
#                 roster `hkstat estimate --calibrate` gives the respondents' calibrated estimate and a note on the
#                 members, docs/performance.md "Eleventh session, calroster"): each respondent its own PSU with weight
#                 1, H4 (no sex) dropped, postStratify(~sex) to pop_sex.csv (household_long.hkstat.toml).
# Classification, written out here independently of hkstat: counted uses tests/data/compare/compare_rules.toml (core
# condition: outing 5 semi, 6-8 narrow, duration 2-6 (≥ 6 months); excluded if a reason is 病気 (1)); roster uses
# data/rulesets/cao2022-scz-physical.toml (the same core condition; duration codes 2-3; exclusions E1 reason illness
# with illness type schizophrenia or physical, E2 reason pregnancy / childcare / caregiving, E3 works at home
# (occupation or other reason type), E6 homemaker / family helper / housework or care and talks with non-family
# people). A missing outing or duration is not a case (and stays in the denominator).
#
# estimate.csv: design, sex (all | 1 | 2; roster: all only), group (all | 15-39 | 40-64), measure (broad | narrow |
#   semi), estimate (coef(svymean)), se (SE(svymean)), df (degf of the subset), lower, upper (svyciprop(method =
#   "xlogit"), 95%; NA where the rate is 0 or 1: hkstat gives Clopper–Pearson there), on subset(design, sex & group)
#   — what `hkstat estimate --calibrate --by sex --format csv --min-cell 0` prints (roster: without --by).
# Numbers are written with 17 significant digits.

suppressMessages(library(survey))
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
outdir <- "tests/golden/calibrate_counts_roster"
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)

core <- function(outing, duration_6m) {
  semi <- !is.na(outing) & outing == 5 & duration_6m
  narrow <- !is.na(outing) & outing %in% 6:8 & duration_6m
  list(semi = semi, narrow = narrow)
}
has_code <- function(multi, code) sapply(strsplit(ifelse(is.na(multi), "", as.character(multi)), ";"), function(x) code %in% x)

# --- the counted survey, one row per person
raw <- read.csv("tests/data/counts/counted.csv", check.names = FALSE, colClasses = "character", fileEncoding = "UTF-8")
num <- function(x) suppressWarnings(as.integer(x))
people <- raw[rep(seq_len(nrow(raw)), num(raw[["人数"]])), ]
p <- data.frame(sex = num(people[["性別"]]), age = num(people[["年齢"]]), outing = num(people[["外出"]]),
                duration = num(people[["期間"]]), reasons = people[["きっかけ"]], responded = num(people[["回答"]]) == 1)
stopifnot(nrow(p) == sum(num(raw[["人数"]])), !any(is.na(p$age)))
p$outing[p$outing == 9] <- NA
c1 <- core(p$outing, !is.na(p$duration) & p$duration %in% 2:6)
excluded <- has_code(p$reasons, "1")
p$semi <- as.numeric(c1$semi & !excluded)
p$narrow <- as.numeric(c1$narrow & !excluded)
p$broad <- p$semi + p$narrow
p$grp <- ifelse(p$age <= 39, "15-39", "40-64")
p$age_band <- p$grp
p$one <- 1

pop <- read.csv("tests/data/counts/pop.csv", fileEncoding = "UTF-8")
pop$sex <- ifelse(pop$性別 == "男性", 1, 2)
ps_pop <- data.frame(age_band = pop$年齢区分, sex = pop$sex, Freq = pop$count)
m_age <- aggregate(count ~ 年齢区分, pop, sum)
m_sex <- aggregate(count ~ sex, pop, sum)
margins <- list(data.frame(age_band = m_age$年齢区分, Freq = m_age$count), data.frame(sex = m_sex$sex, Freq = m_sex$count))

designs <- list()
matched <- p[p$sex %in% 1:2, ]
designs$counted <- postStratify(svydesign(ids = ~1, weights = ~one, data = matched), ~age_band + sex, ps_pop)

# Nonresponse cells (age band) over every person, then the respondents with a sex raked and trimmed.
all_w <- tapply(p$one, p$age_band, sum)
resp_w <- tapply(p$one * p$responded, p$age_band, sum)
r <- p[p$responded, ]
r$w <- all_w[r$age_band] / resp_w[r$age_band]
r <- r[r$sex %in% 1:2, ]
raked <- rake(svydesign(ids = ~1, weights = ~w, data = r), list(~age_band, ~sex), margins,
              control = list(maxit = 100, epsilon = 1e-12))
w0 <- weights(raked)
designs$counted_rake <- trimWeights(raked, lower = 500, upper = 900, strict = TRUE)
w1 <- weights(designs$counted_rake)
cat("counted_rake: weights", range(w0), "; trimmed below", sum(w0 < 500), "above", sum(w0 > 900), "; after", range(w1), "\n")

# --- the respondents of the long roster survey
h <- read.csv("tests/data/roster_calib/household_long.csv", colClasses = "character")
hn <- function(x) suppressWarnings(as.integer(x))
hd <- data.frame(id = h$id, age = hn(h$age), sex = hn(h$sex), outing = hn(h$outing), duration = hn(h$duration))
c2 <- core(hd$outing, !is.na(hd$duration) & hd$duration %in% 2:3)
e1 <- has_code(h$reasons, "1") & hn(h$illness_type) %in% 1:2
e2 <- has_code(h$reasons, "2") | has_code(h$reasons, "3") | has_code(h$reasons, "4")
e3 <- hn(h$occupation) %in% 2 | hn(h$other_type) %in% 1
e6 <- (hn(h$occupation) %in% 3:4 | has_code(h$home, "1") | has_code(h$home, "2")) & hn(h$talk) %in% 1:2
excluded <- e1 | e2 | e3 | e6
hd$semi <- as.numeric(c2$semi & !excluded)
hd$narrow <- as.numeric(c2$narrow & !excluded)
hd$broad <- hd$semi + hd$narrow
hd$grp <- ifelse(hd$age <= 39, "15-39", "40-64")
hd$one <- 1
sex_pop <- data.frame(sex = c(1, 2), Freq = c(520, 480))
designs$roster <- postStratify(svydesign(ids = ~1, weights = ~one, data = hd[hd$sex %in% 1:2, ]), ~sex, sex_pop)
cat("roster: cases", hd$id[hd$broad == 1], "; excluded", hd$id[excluded], "\n")

rows <- list()
for (name in names(designs)) {
  des <- designs[[name]]
  for (sx in if (name == "roster") "all" else c("all", "1", "2")) for (grp in c("all", "15-39", "40-64")) {
    s_want <- sx
    g_want <- grp
    s <- des
    if (sx != "all") s <- subset(s, sex == as.integer(s_want))
    if (grp != "all") s <- subset(s, grp == g_want)
    for (measure in c("broad", "narrow", "semi")) {
      f <- as.formula(paste0("~", measure))
      m <- svymean(f, s)
      est <- coef(m)[[1]]
      ci <- if (est > 1e-12 && est < 1 - 1e-12) as.vector(confint(svyciprop(f, s, method = "xlogit", level = 0.95))) else c(NA, NA)
      rows[[length(rows) + 1]] <- c(name, sx, grp, measure, fmt(est), fmt(SE(m)[[1]]), fmt(degf(s)), fmt(ci[1]), fmt(ci[2]))
    }
  }
}
x <- do.call(rbind, rows)
colnames(x) <- c("design", "sex", "group", "measure", "estimate", "se", "df", "lower", "upper")
write.csv(x, file.path(outdir, "estimate.csv"), row.names = FALSE, quote = FALSE)
cat("wrote", length(rows), "cells\n")
