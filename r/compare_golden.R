# r/compare_golden.R — golden values for `hkstat compare` (lib/include/hkstat/estimate/compare.hpp,
# report/compare_report.hpp; tests: tests/unit/test_compare.cpp, tests/cli/cases/compare_*).
#
# Run from the repository root:   Rscript r/compare_golden.R
# Generated with R 4.2.2 and survey 4.1-1.
#
# Writes two synthetic surveys (架空のデータ: every respondent and answer is invented) and R's results:
#   tests/data/compare/a2019.csv   "2019" layout: ID, F1 sex, F2 age, Q20 outing, Q22 duration (2010-style bands),
#                                  Q23 reasons (one column, ";"-separated codes), Q30 窓口の認知, W weight. n = 600.
#   tests/data/compare/b2024.csv   "2024" layout: 回答者番号, 問1, 問2, 問17 outing, 問18 duration (2022-style bands),
#                                  問21_1..問21_6 reasons (0/1 columns; 問21_5 コロナ only in 2024), 問37 認知 with an
#                                  extra answer 名前だけ知っている, 重み weight. n = 800.
#   The codebooks next to them are written by hand: a2019.codebook.toml / b2024.codebook.toml ignore the weight
#   column (unweighted), a2019_weighted.codebook.toml / b2024_weighted.codebook.toml give it role = "weight".
#   Both map their codes to the same keys, so that codes are matched by key (Q23 その他 = 5, 問21 その他 = 6;
#   Q30 知らない = 2, 問37 知らない = 3). The rule-set is tests/data/compare/compare_rules.toml: the core
#   condition plus one exclusion (reason 病気), re-implemented below without hkstat.
#   tests/golden/compare/results.csv   one row per compared cell, both pairs (unweighted, weighted).
#
# What R computes, per pair:
#   unweighted: p = k / n per survey, SE = sqrt(p (1 - p) / n) (binomial, as hkstat estimate/tabulate), the
#     difference p_B - p_A with SE = sqrt(SE_A^2 + SE_B^2) and the interval of prop.test(c(k_B, k_A), c(n_B, n_A),
#     correct = FALSE) — the unpooled normal (Wald) interval for a difference of independent proportions.
#   weighted: both surveys stacked in one svydesign(ids = ~1, strata = ~year, weights = ~w); svyby(~y, ~year, ...,
#     svymean, covmat = TRUE) on each domain (subset for an age group / the 広義 group), then
#     svycontrast(c(-1, 1)) for the difference and its SE. The survey year is a stratum, so the two years'
#     estimates have zero covariance and the SE is sqrt(SE_A^2 + SE_B^2). Per survey df = degf of that survey's
#     own design restricted to the domain (n_domain - 1, as hkstat); the difference's interval is
#     diff ± qt(1 - alpha/2, min(df_A, df_B)).
# Columns: pair, section (prevalence | distribution), variable ("" | "Q30=問37" | "Q23=問21"), domain (all | broad),
#   group (prevalence: all | 15-39 | 40-64; distribution: all), row (broad | narrow | semi; or the answer key |
#   no_answer), base_a, count_a, est_a, se_a, df_a, base_b, count_b, est_b, se_b, df_b, diff, se_diff, df_diff,
#   lower, upper, excludes_zero. "NA" where a survey has no such answer (covid, name_only: 2024 only).
#   Numbers with 17 significant digits (sprintf("%.17g")); df "Inf" for unweighted.

suppressMessages(library(survey))
dir.create("tests/data/compare", showWarnings = FALSE, recursive = TRUE)
dir.create("tests/golden/compare", showWarnings = FALSE, recursive = TRUE)
fmt <- function(x) ifelse(is.na(x), "NA", ifelse(is.infinite(x), "Inf", sprintf("%.17g", x)))
level <- 0.95

## ---- the two synthetic surveys ------------------------------------------------------------------
# Common answer model; `year` shifts the outing distribution (more 準/狭義 in 2024).
make_survey <- function(n, year) {
  sex <- sample(c(1, 2, 9), n, replace = TRUE, prob = c(0.47, 0.52, 0.01))
  age <- sample(15:64, n, replace = TRUE)
  p_out <- if (year == 2019) c(0.36, 0.17, 0.21, 0.185, 0.030, 0.018, 0.008, 0.004, 0.015)
           else              c(0.34, 0.17, 0.21, 0.180, 0.045, 0.028, 0.010, 0.004, 0.013)
  outing <- sample(c(1:8, 9), n, replace = TRUE, prob = p_out)
  core <- outing %in% 5:8
  # duration: 0 = 6か月未満, 1..5 = >= 6 months (band index), NA = not asked, -1 = 無回答
  dur <- ifelse(core, sample(c(0, 1, 2, 3, 4, 5, -1), n, replace = TRUE, prob = c(0.15, 0.15, 0.25, 0.15, 0.1, 0.15, 0.05)), NA)
  # reasons (keys), asked of outing 5-8; a few of them leave it blank (無回答)
  keys <- c("illness", "school_misfit", "workplace_misfit", "relationships", "covid", "other")
  prob <- c(0.25, 0.2, 0.2, 0.3, if (year == 2019) 0 else 0.2, 0.1)
  reasons <- lapply(seq_len(n), function(i) {
    if (!core[i]) return(NULL)
    if (runif(1) < 0.06) return(character(0)) # 無回答
    k <- keys[runif(length(keys)) < prob]
    if (length(k) == 0) k <- "other"
    k
  })
  aware <- if (year == 2019) sample(c("aware", "not_aware", NA), n, replace = TRUE, prob = c(0.18, 0.80, 0.02))
           else sample(c("aware", "name_only", "not_aware", NA), n, replace = TRUE, prob = c(0.24, 0.15, 0.59, 0.02))
  # weights: unequal by age and sex (a made-up nonresponse adjustment), positive, 3 decimals
  w <- round(ifelse(age < 40, 1.35, 0.85) * ifelse(sex == 1, 1.15, 0.92) * exp(rnorm(n, 0, 0.25)), 3)
  data.frame(sex = sex, age = age, outing = outing, dur = dur, aware = aware, w = w,
             stringsAsFactors = FALSE) -> d
  d$reasons <- reasons
  d
}

set.seed(20240901)
A <- make_survey(600, 2019)
B <- make_survey(800, 2024)

# Classification (independent of hkstat): compare_rules.toml = core condition + E1 (reason 病気).
classify <- function(d) {
  illness <- vapply(d$reasons, function(k) !is.null(k) && "illness" %in% k, logical(1))
  ge6 <- !is.na(d$dur) & d$dur >= 1
  core <- d$outing %in% 5:8 & ge6 & !illness
  d$narrow <- as.numeric(core & d$outing %in% 6:8)
  d$semi <- as.numeric(core & d$outing == 5)
  d$broad <- d$narrow + d$semi
  d$grp <- ifelse(d$age <= 39, "15-39", "40-64")
  d
}
A <- classify(A)
B <- classify(B)

## ---- write the CSVs --------------------------------------------------------------------------------
csv_field <- function(x) ifelse(is.na(x), "", as.character(x))
a_reason_codes <- c(illness = 1, school_misfit = 2, workplace_misfit = 3, relationships = 4, other = 5)
b_reason_cols <- c(illness = 1, school_misfit = 2, workplace_misfit = 3, relationships = 4, covid = 5, other = 6)
a_dur <- function(x) ifelse(is.na(x), "", ifelse(x == -1, "9", as.character(x + 1)))   # 1 = 6か月未満, 2..6
b_dur <- function(x) ifelse(is.na(x), "", ifelse(x == -1, "9", as.character(ifelse(x == 0, 1, x + 2)))) # 1; 3..7
a_aware <- c(aware = "1", not_aware = "2")
b_aware <- c(aware = "1", name_only = "2", not_aware = "3")

lines_a <- "ID,F1,F2,Q20,Q22,Q23,Q30,W"
for (i in seq_len(nrow(A))) {
  r <- A$reasons[[i]]
  q23 <- if (is.null(r) || length(r) == 0) "" else paste(sort(a_reason_codes[r]), collapse = ";")
  lines_a <- c(lines_a, paste(sprintf("A%04d", i), A$sex[i], A$age[i], A$outing[i], a_dur(A$dur[i]), q23,
                              ifelse(is.na(A$aware[i]), "9", a_aware[A$aware[i]]), sprintf("%.3f", A$w[i]), sep = ","))
}
hdr_b <- paste(c("回答者番号", "問1", "問2", "問17", "問18", paste0("問21_", 1:6), "問37", "重み"), collapse = ",")
lines_b <- hdr_b
for (i in seq_len(nrow(B))) {
  r <- B$reasons[[i]]
  q21 <- if (is.null(r) || length(r) == 0) rep("", 6) else as.character(as.integer(names(b_reason_cols) %in% r))
  lines_b <- c(lines_b, paste(c(sprintf("B%04d", i), B$sex[i], B$age[i], B$outing[i], b_dur(B$dur[i]), q21,
                                ifelse(is.na(B$aware[i]), "9", b_aware[B$aware[i]]), sprintf("%.3f", B$w[i])), collapse = ","))
}
con <- file("tests/data/compare/a2019.csv", "wb"); writeLines(lines_a, con, sep = "\n"); close(con)
con <- file("tests/data/compare/b2024.csv", "wb"); writeLines(enc2utf8(lines_b), con, sep = "\n", useBytes = TRUE); close(con)
# The weights as written (3 decimals) are the weights R uses.
A$w <- round(A$w, 3); B$w <- round(B$w, 3)

## ---- indicators of every compared cell -------------------------------------------------------------
# Distribution rows: Q30=問37 (single answer; 無回答 = 9) and Q23=問21 (multiple answer; 無回答 = nothing answered
# at all, which includes everyone not asked). Base = every respondent of the block, 無回答 included.
add_indicators <- function(d) {
  for (k in c("aware", "name_only", "not_aware")) d[[paste0("Q30_", k)]] <- as.numeric(!is.na(d$aware) & d$aware == k)
  d$Q30_no_answer <- as.numeric(is.na(d$aware))
  for (k in names(b_reason_cols)) d[[paste0("Q23_", k)]] <- vapply(d$reasons, function(r) as.numeric(!is.null(r) && k %in% r), 0)
  d$Q23_no_answer <- vapply(d$reasons, function(r) as.numeric(is.null(r) || length(r) == 0), 0)
  d
}
A <- add_indicators(A); B <- add_indicators(B)
A$year <- "2019"; B$year <- "2024"
ind_cols <- grep("^(Q30_|Q23_)", names(A), value = TRUE)
keep <- c("year", "w", "broad", "narrow", "semi", "grp", ind_cols)
S <- rbind(A[, keep], B[, keep])
S$all <- 1

cells <- list()
add_cells <- function(section, variable, domain, group, row, y, dom) cells[[length(cells) + 1]] <<- list(
  section = section, variable = variable, domain = domain, group = group, row = row, y = y, dom = dom)
for (g in c("all", "15-39", "40-64"))
  for (m in c("broad", "narrow", "semi")) add_cells("prevalence", "", "all", g, m, m, g)
for (dom in c("all", "broad")) {
  for (k in c("aware", "name_only", "not_aware", "no_answer")) add_cells("distribution", "Q30=問37", dom, "all", k, paste0("Q30_", k), dom)
  for (k in c(names(b_reason_cols), "no_answer")) add_cells("distribution", "Q23=問21", dom, "all", k, paste0("Q23_", k), dom)
}
# Which rows exist in which survey (the codebooks): 2019 has no covid reason and no name_only answer.
exists_a <- function(row) !(row %in% c("covid", "name_only"))

in_domain <- function(d, dom) if (dom == "all") rep(TRUE, nrow(d)) else if (dom == "broad") d$broad == 1 else d$grp == dom

## ---- unweighted pair ---------------------------------------------------------------------------------
out <- c("pair,section,variable,domain,group,row,base_a,count_a,est_a,se_a,df_a,base_b,count_b,est_b,se_b,df_b,diff,se_diff,df_diff,lower,upper,excludes_zero")
row_out <- function(pair, cl, a, b, diff, se, df, lo, hi) {
  ez <- if (is.na(lo)) "NA" else as.character(as.integer(lo > 0 || hi < 0))
  paste(pair, cl$section, cl$variable, cl$domain, cl$group, cl$row,
        fmt(a$base), fmt(a$count), fmt(a$est), fmt(a$se), fmt(a$df),
        fmt(b$base), fmt(b$count), fmt(b$est), fmt(b$se), fmt(b$df),
        fmt(diff), fmt(se), fmt(df), fmt(lo), fmt(hi), ez, sep = ",")
}
na_side <- list(base = NA, count = NA, est = NA, se = NA, df = NA)
z <- qnorm(1 - (1 - level) / 2)
for (cl in cells) {
  side <- function(d, present) {
    if (!present) return(na_side)
    m <- in_domain(d, cl$dom)
    n <- sum(m); k <- sum(d[[cl$y]][m]); p <- k / n
    list(base = n, count = k, est = p, se = sqrt(p * (1 - p) / n), df = Inf)
  }
  a <- side(A, exists_a(cl$row)); b <- side(B, TRUE)
  if (is.na(a$est)) { out <- c(out, row_out("unweighted", cl, a, b, NA, NA, NA, NA, NA)); next }
  diff <- b$est - a$est
  se <- sqrt(a$se^2 + b$se^2)
  ci <- suppressWarnings(prop.test(c(b$count, a$count), c(b$base, a$base), correct = FALSE, conf.level = level)$conf.int)
  # prop.test's interval is diff ± z sqrt(p_B q_B / n_B + p_A q_A / n_A): the same SE, found independently.
  stopifnot(abs((ci[2] - ci[1]) / (2 * z) - se) < 1e-12, abs((ci[1] + ci[2]) / 2 - diff) < 1e-12)
  out <- c(out, row_out("unweighted", cl, a, b, diff, se, Inf, ci[1], ci[2]))
}

## ---- weighted pair: stacked design, survey year as a stratum ------------------------------------------
des <- svydesign(ids = ~1, strata = ~year, weights = ~w, data = S)
for (cl in cells) {
  dname <- cl$dom
  sub <- if (dname == "all") des else if (dname == "broad") subset(des, broad == 1) else subset(des, grp == dname)
  f <- as.formula(paste0("~", cl$y))
  by <- svyby(f, ~year, sub, svymean, covmat = TRUE)
  est <- coef(by); V <- vcov(by)
  side <- function(d, yr, present) {
    if (!present) return(na_side)
    m <- in_domain(d, dname)
    one <- svydesign(ids = ~1, weights = ~w, data = d[, keep])
    dfy <- degf(if (dname == "all") one else subset(one, in_domain(d, dname)))
    list(base = sum(m), count = sum(d[[cl$y]][m]), est = est[[yr]], se = sqrt(V[yr, yr]), df = dfy)
  }
  a <- side(A, "2019", exists_a(cl$row)); b <- side(B, "2024", TRUE)
  if (is.na(a$est)) { out <- c(out, row_out("weighted", cl, a, b, NA, NA, NA, NA, NA)); next }
  stopifnot(abs(V["2019", "2024"]) < 1e-15) # independent strata: zero covariance
  ctr <- svycontrast(by, c(-1, 1))
  diff <- coef(ctr)[[1]]; se <- SE(ctr)[[1]]
  df <- min(a$df, b$df)
  tq <- qt(1 - (1 - level) / 2, df)
  out <- c(out, row_out("weighted", cl, a, b, diff, se, df, diff - tq * se, diff + tq * se))
}
con <- file("tests/golden/compare/results.csv", "wb"); writeLines(enc2utf8(out), con, sep = "\n", useBytes = TRUE); close(con)
cat(sprintf("wrote %d rows; 2019: n=%d broad=%d; 2024: n=%d broad=%d\n", length(out) - 1, nrow(A), sum(A$broad), nrow(B), sum(B$broad)))
