# r/roster_golden.R — golden values for the prevalence with household members (hkstat estimate --numerator
# respondents | respondents+members | persons; docs/estimation.md "Household members"), compared through the
# real CLI by tests/cli/roster_vs_r.py to 1e-9 (estimate, SE, interval).
#
# Run from the repository root:   Rscript r/roster_golden.R
# Writes tests/data/roster_design/roster_design.csv: a synthetic (架空) weighted, stratified, clustered sample with
#        a wide roster of 2 members (set.seed below; codebook tests/data/roster_design/roster_design.codebook.toml,
#        by hand), and tests/golden/roster_cli/results.csv:
#        sample, numerator, measure, group, by_level, estimate, se, lower, upper, df (17 significant digits).
# Reads  data/samples/nishitokyo2024.csv (the 西東京市 sample: unweighted, wide roster 家族1..3).
# Generated with R 4.2.2 and survey 4.1-1.
#
# Classes: the rule-set tests/data/weighted/core_only.toml (no exclusions), the same for respondents and members:
# semi = outing 5, narrow = outing 6-8, with duration 2-7 (6 months or more); broad = semi + narrow.
# A member counts when his or her age is within 15-64, or missing (then in "all" only); groups and the sex levels
# are the member's own. Per respondent: y = own case + cases among the members counted in the cell; d = 1 (the
# respondent in the cell) for respondents+members, 1 + the members counted in the cell for persons.
#   respondents+members, persons: svyratio(~y, ~d, design) over all respondents (rows outside the cell have
#        y = d = 0, as hkstat); interval est ± q·SE, q = qnorm (simple sample) or qt(df = degf(design)) (weighted,
#        clustered: the whole design's df for every cell); lower end cut at 0 (and the upper at 1 for persons).
#   respondents: svymean(~case, subset(design, cell)), Wald (--ci wald): est ± q·SE cut to [0, 1], df =
#        degf(subset(design, cell)); for the simple sample the binomial SE sqrt(p(1 - p)/n) (hkstat's simple-sample
#        estimator) with qnorm. Cells with no case are left out (the boundary fallback is another test's).
# Designs: nishitokyo  svydesign(ids = ~1, data)             (no weight)
#          design      svydesign(ids = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data)
# Cells: all, 15-39, 40-64 and sex 1, 2 (all ages) × broad, narrow, semi.

suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

# ---- the synthetic weighted / clustered roster sample ---------------------------------------------------------
set.seed(20261205)
H <- 6; P <- 5; M <- 12
n <- H * P * M
d <- data.frame(id = sprintf("R%04d", 1:n), stratum = rep(1:H, each = P * M), psu = rep(1:(H * P), each = M))
d$w <- round(runif(H, 40, 160))[d$stratum] * round(runif(n, 0.7, 1.3), 3)
d$age <- sample(15:64, n, replace = TRUE)
d$sex <- sample(1:2, n, replace = TRUE)
out_p <- c(0.3, 0.15, 0.2, 0.2, 0.05, 0.04, 0.03, 0.03)
d$outing <- sample(1:8, n, replace = TRUE, prob = out_p)
d$duration <- ifelse(d$outing >= 5, sample(1:7, n, replace = TRUE, prob = c(0.1, rep(0.15, 6))), NA)
for (k in 1:2) {
  has <- runif(n) < ifelse(k == 1, 0.75, 0.45)
  age <- sample(0:90, n, replace = TRUE)
  age[runif(n) < 0.03] <- NA
  sex <- sample(1:2, n, replace = TRUE)
  outing <- sample(1:8, n, replace = TRUE, prob = c(0.25, 0.1, 0.2, 0.2, 0.07, 0.07, 0.06, 0.05))
  duration <- ifelse(outing >= 5, sample(1:7, n, replace = TRUE, prob = c(0.1, rep(0.15, 6))), NA)
  d[[paste0("m", k, "_age")]] <- ifelse(has, age, NA)
  d[[paste0("m", k, "_sex")]] <- ifelse(has, sex, NA)
  d[[paste0("m", k, "_outing")]] <- ifelse(has, outing, NA)
  d[[paste0("m", k, "_duration")]] <- ifelse(has, duration, NA)
}
write.csv(d, "tests/data/roster_design/roster_design.csv", row.names = FALSE, quote = FALSE, na = "")

# ---- respondents and members in long form ---------------------------------------------------------------------
cls <- function(outing, duration) {
  ok <- !is.na(outing) & !is.na(duration) & duration >= 2
  list(broad = as.numeric(ok & outing >= 5), narrow = as.numeric(ok & outing >= 6), semi = as.numeric(ok & outing == 5))
}
# A member is a column group with any answer (`extra`: per slot, the presence of the group's other columns).
members_of <- function(df, slots, name, extra = NULL) {
  rows <- list()
  for (k in slots) {
    cols <- sprintf(name, k, c("age", "sex", "outing", "duration"))
    present <- !(is.na(df[[cols[1]]]) & is.na(df[[cols[2]]]) & is.na(df[[cols[3]]]) & is.na(df[[cols[4]]]))
    if (!is.null(extra)) present <- present | extra[[k]]
    rows[[length(rows) + 1]] <- data.frame(r = which(present), age = df[[cols[1]]][present], sex = df[[cols[2]]][present],
                                           outing = df[[cols[3]]][present], duration = df[[cols[4]]][present])
  }
  do.call(rbind, rows)
}

results <- list()
add <- function(sample, numerator, measure, group, level, est, se, lower, upper, df) {
  results[[length(results) + 1]] <<- data.frame(sample = sample, numerator = numerator, measure = measure, group = group,
                                                 by_level = level, estimate = fmt(est), se = fmt(se), lower = fmt(lower),
                                                 upper = fmt(upper), df = ifelse(is.finite(df), fmt(df), "Inf"))
}

run <- function(sample, resp, mem, des_of, simple) {
  rc <- cls(resp$outing, resp$duration)
  mc <- cls(mem$outing, mem$duration)
  m_in <- is.na(mem$age) | (mem$age >= 15 & mem$age <= 64)
  cells <- list(list("all", "", rep(TRUE, nrow(resp)), m_in),
                list("15-39", "", resp$age >= 15 & resp$age <= 39, m_in & !is.na(mem$age) & mem$age <= 39),
                list("40-64", "", resp$age >= 40 & resp$age <= 64, m_in & !is.na(mem$age) & mem$age >= 40),
                list("all", "1", resp$sex %in% 1, m_in & mem$sex %in% 1),
                list("all", "2", resp$sex %in% 2, m_in & mem$sex %in% 2))
  n <- nrow(resp)
  for (cell in cells) {
    group <- cell[[1]]; level <- cell[[2]]; rin <- cell[[3]]; min <- cell[[4]]
    for (measure in c("broad", "narrow", "semi")) {
      y_own <- rc[[measure]] * rin
      y_mem <- tapply(mc[[measure]] * min, factor(mem$r, levels = 1:n), sum); y_mem[is.na(y_mem)] <- 0
      n_mem <- tapply(as.numeric(min), factor(mem$r, levels = 1:n), sum); n_mem[is.na(n_mem)] <- 0
      resp$y <- y_own + as.numeric(y_mem)
      des <- des_of(resp)
      q <- if (simple) qnorm(0.975) else qt(0.975, degf(des))
      df <- if (simple) Inf else degf(des)
      for (numerator in c("respondents+members", "persons")) {
        resp$d <- as.numeric(rin) + if (numerator == "persons") as.numeric(n_mem) else 0
        des <- des_of(resp)
        r <- svyratio(~y, ~d, des)
        est <- as.numeric(coef(r)); se <- as.numeric(SE(r))
        upper <- est + q * se
        if (numerator == "persons") upper <- min(1, upper)
        add(sample, numerator, measure, group, level, est, se, max(0, est - q * se), upper, df)
      }
      # respondents only
      resp$case <- rc[[measure]]
      resp$cell <- rin
      if (sum(resp$case[rin]) == 0) next
      if (simple) {
        p <- mean(resp$case[rin]); m <- sum(rin)
        se <- sqrt(p * (1 - p) / m)
        add(sample, "respondents", measure, group, level, p, se, max(0, p - qnorm(0.975) * se), min(1, p + qnorm(0.975) * se), Inf)
      } else {
        sub <- subset(des_of(resp), cell)
        mm <- svymean(~case, sub)
        est <- as.numeric(coef(mm)); se <- as.numeric(SE(mm)); dfs <- degf(sub)
        add(sample, "respondents", measure, group, level, est, se, max(0, est - qt(0.975, dfs) * se), min(1, est + qt(0.975, dfs) * se), dfs)
      }
    }
  }
}

# 西東京市 (unweighted): respondents 問1 sex, 問2 age, 問17 outing, 問18 duration; members 家族k_年齢/性別/外出/期間.
nt <- read.csv("data/samples/nishitokyo2024.csv", fileEncoding = "UTF-8-BOM", check.names = FALSE)
nt_resp <- data.frame(age = nt[["問2"]], sex = nt[["問1"]], outing = nt[["問17"]], duration = nt[["問18"]])
nt_resp$outing[nt_resp$outing %in% 9] <- NA
nt_resp$duration[nt_resp$duration %in% 9] <- NA
nt_wide <- data.frame(row.names = seq_len(nrow(nt)))
for (k in 1:3) for (v in c("age", "sex", "outing", "duration")) {
  src <- c(age = "年齢", sex = "性別", outing = "外出", duration = "期間")[[v]]
  x <- nt[[sprintf("家族%d_%s", k, src)]]
  if (v != "age") x[x %in% 9] <- NA
  nt_wide[[sprintf("m%d_%s", k, v)]] <- x
}
# 続柄 and 理由 count for presence too (a group with any answer is a member; the declared missing code 9 is none).
present_extra <- lapply(1:3, function(k) !(nt[[sprintf("家族%d_続柄", k)]] %in% c(NA, 9)) | !(is.na(nt[[sprintf("家族%d_理由", k)]]) | nt[[sprintf("家族%d_理由", k)]] == ""))
nt_mem <- members_of(nt_wide, 1:3, "m%d_%s", present_extra)
run("nishitokyo", nt_resp, nt_mem, function(df) svydesign(ids = ~1, data = df), TRUE)

dd_mem <- members_of(d, 1:2, "m%d_%s")
run("design", d, dd_mem, function(df) svydesign(ids = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = df), FALSE)

dir.create("tests/golden/roster_cli", showWarnings = FALSE, recursive = TRUE)
write.csv(do.call(rbind, results), "tests/golden/roster_cli/results.csv", row.names = FALSE, quote = FALSE)
cat("wrote tests/golden/roster_cli/results.csv\n")
