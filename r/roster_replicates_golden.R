# r/roster_replicates_golden.R — golden values for the prevalence with household members on a design whose
# variance comes from supplied replicate-weight columns (a codebook [roster] together with [replicates]), compared
# through the real CLI by tests/cli/roster_replicates_vs_r.py (estimate and SE 1e-9 relative, df exactly).
#
# Run from the repository root, after r/roster_golden.R:   Rscript r/roster_replicates_golden.R
# Reads  tests/data/roster_design/roster_design.csv (r/roster_golden.R's synthetic 架空 sample: 6 strata × 5 PSUs,
#        weights, a wide roster of 2 members).
# Writes tests/data/roster_design/roster_design_jkn.csv: the same rows with 30 stratified jackknife (JKn) replicate
#        weights r1..r30 from as.svrepdesign(type = "JKn") (each stratum has 5 PSUs, so rscale = 4/5 for every
#        column; codebook tests/data/roster_design/roster_design_jkn.codebook.toml, by hand), and
#        tests/golden/roster_cli/replicates.csv: numerator, measure, group, by_level, estimate, se, df; the rows
#        whose numerator starts with "nishitokyo_jk1:" are the 西東京市 sample (data/samples/nishitokyo2024.csv,
#        unweighted, each respondent its own PSU) with JK1 replicates created from the design.
# Generated with R 4.2.2 and survey 4.1-1.
#
# Definitions as r/roster_golden.R (rule-set tests/data/weighted/core_only.toml, members counted by their own age
# 15-64 or missing, groups and sex levels the member's own): respondents+members and persons are
# svyratio(~y, ~d, repdesign) over all respondents; respondents is svymean(~case, subset(repdesign, cell)).
# df = degf(repdesign) (the rank of the replicate weights − 1) for every cell.

suppressMessages(library(survey))
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

d <- read.csv("tests/data/roster_design/roster_design.csv", stringsAsFactors = FALSE)
lin <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = d)
rep <- as.svrepdesign(lin, type = "JKn", compress = FALSE)
stopifnot(all(abs(rep$rscales - 0.8) < 1e-15), rep$scale == 1)
rw <- weights(rep, "analysis")
out <- d
for (r in seq_len(ncol(rw))) out[[paste0("r", r)]] <- sprintf("%.17g", rw[, r])
write.csv(out, "tests/data/roster_design/roster_design_jkn.csv", row.names = FALSE, quote = FALSE, na = "")

cls <- function(outing, duration) {
  ok <- !is.na(outing) & !is.na(duration) & duration >= 2
  list(broad = as.numeric(ok & outing >= 5), narrow = as.numeric(ok & outing >= 6), semi = as.numeric(ok & outing == 5))
}
mem <- do.call(rbind, lapply(1:2, function(k) {
  cols <- sprintf("m%d_%s", k, c("age", "sex", "outing", "duration"))
  present <- !(is.na(d[[cols[1]]]) & is.na(d[[cols[2]]]) & is.na(d[[cols[3]]]) & is.na(d[[cols[4]]]))
  data.frame(r = which(present), age = d[[cols[1]]][present], sex = d[[cols[2]]][present],
             outing = d[[cols[3]]][present], duration = d[[cols[4]]][present])
}))

results <- list()
add <- function(numerator, measure, group, level, est, se, df) {
  results[[length(results) + 1]] <<- data.frame(numerator = numerator, measure = measure, group = group, by_level = level,
                                                 estimate = fmt(est), se = fmt(se), df = fmt(df))
}
rc <- cls(d$outing, d$duration)
mc <- cls(mem$outing, mem$duration)
m_in <- is.na(mem$age) | (mem$age >= 15 & mem$age <= 64)
cells <- list(list("all", "", rep(TRUE, nrow(d)), m_in),
              list("15-39", "", d$age >= 15 & d$age <= 39, m_in & !is.na(mem$age) & mem$age <= 39),
              list("40-64", "", d$age >= 40 & d$age <= 64, m_in & !is.na(mem$age) & mem$age >= 40),
              list("all", "1", d$sex %in% 1, m_in & mem$sex %in% 1),
              list("all", "2", d$sex %in% 2, m_in & mem$sex %in% 2))
n <- nrow(d)
df_all <- degf(rep)
for (cell in cells) {
  group <- cell[[1]]; level <- cell[[2]]; rin <- cell[[3]]; min <- cell[[4]]
  for (measure in c("broad", "narrow", "semi")) {
    y_mem <- tapply(mc[[measure]] * min, factor(mem$r, levels = 1:n), sum); y_mem[is.na(y_mem)] <- 0
    n_mem <- tapply(as.numeric(min), factor(mem$r, levels = 1:n), sum); n_mem[is.na(n_mem)] <- 0
    rep$variables$y <- rc[[measure]] * rin + as.numeric(y_mem)
    for (numerator in c("respondents+members", "persons")) {
      rep$variables$dd <- as.numeric(rin) + if (numerator == "persons") as.numeric(n_mem) else 0
      r <- svyratio(~y, ~dd, rep)
      add(numerator, measure, group, level, as.numeric(coef(r)), as.numeric(SE(r)), df_all)
    }
    rep$variables$case <- rc[[measure]]
    rep$variables$cell <- rin
    if (sum(rc[[measure]][rin]) == 0) next
    m <- svymean(~case, subset(rep, cell))
    add("respondents", measure, group, level, as.numeric(coef(m)), as.numeric(SE(m)), degf(subset(rep, cell)))
  }
}
# The 西東京市 sample (unweighted, no psu column: each respondent its own PSU, wide roster 家族1..3) with JK1
# replicates created from the design (hkstat: --replicates jk1; R: as.svrepdesign(type = "JK1")): members counted
# only (sample "nishitokyo_jk1"; members as r/roster_golden.R reads them).
nt <- read.csv("data/samples/nishitokyo2024.csv", fileEncoding = "UTF-8-BOM", check.names = FALSE)
nt_resp <- data.frame(age = nt[["問2"]], sex = nt[["問1"]], outing = nt[["問17"]], duration = nt[["問18"]])
nt_resp$outing[nt_resp$outing %in% 9] <- NA
nt_resp$duration[nt_resp$duration %in% 9] <- NA
nt_mem <- do.call(rbind, lapply(1:3, function(k) {
  get <- function(v) { x <- nt[[sprintf("家族%d_%s", k, v)]]; if (v != "年齢") x[x %in% 9] <- NA; x }
  a <- get("年齢"); sx <- get("性別"); o <- get("外出"); du <- get("期間")
  rel <- nt[[sprintf("家族%d_続柄", k)]]; why <- nt[[sprintf("家族%d_理由", k)]]
  present <- !(is.na(a) & is.na(sx) & is.na(o) & is.na(du)) | !(rel %in% c(NA, 9)) | !(is.na(why) | why == "")
  data.frame(r = which(present), age = a[present], sex = sx[present], outing = o[present], duration = du[present])
}))
nt_rep <- as.svrepdesign(svydesign(ids = ~1, data = nt_resp), type = "JK1", compress = FALSE)
nrc <- cls(nt_resp$outing, nt_resp$duration)
nmc <- cls(nt_mem$outing, nt_mem$duration)
nm_in <- is.na(nt_mem$age) | (nt_mem$age >= 15 & nt_mem$age <= 64)
nn <- nrow(nt_resp)
for (measure in c("broad", "narrow", "semi")) {
  y_mem <- tapply(nmc[[measure]] * nm_in, factor(nt_mem$r, levels = 1:nn), sum); y_mem[is.na(y_mem)] <- 0
  n_mem <- tapply(as.numeric(nm_in), factor(nt_mem$r, levels = 1:nn), sum); n_mem[is.na(n_mem)] <- 0
  nt_rep$variables$y <- nrc[[measure]] + as.numeric(y_mem)
  for (numerator in c("respondents+members", "persons")) {
    nt_rep$variables$dd <- 1 + if (numerator == "persons") as.numeric(n_mem) else 0
    r <- svyratio(~y, ~dd, nt_rep)
    add(paste0("nishitokyo_jk1:", numerator), measure, "all", "", as.numeric(coef(r)), as.numeric(SE(r)), degf(nt_rep))
  }
}
write.csv(do.call(rbind, results), "tests/golden/roster_cli/replicates.csv", row.names = FALSE, quote = FALSE)
cat("wrote tests/data/roster_design/roster_design_jkn.csv and tests/golden/roster_cli/replicates.csv\n")
