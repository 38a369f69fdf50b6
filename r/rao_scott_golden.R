# r/rao_scott_golden.R — golden values for hkstat's Rao–Scott tests of two-way tables
# (lib/include/hkstat/estimate/rao_scott.hpp; test: tests/unit/test_rao_scott.cpp).
#
# Run from the repository root:   Rscript r/rao_scott_golden.R
# Generated with R 4.2.2 and survey 4.1-1.
#
# Writes tests/golden/rao_scott/:
#   input.csv    a stratified two-stage cluster sample: 12 strata x 2-4 PSUs (labels 1..n_h repeated across
#                strata, nest = TRUE), weights varying within PSUs, fpc = the stratum's population number of PSUs.
#                Columns: id, stratum, psu, w, fpc, sex (1/2), broad (広義 0/1), age3 (1-3), q4 (1-4),
#                q4na (q4 with ~8% NA), zc (q4 with the cell age3 = 3, zc = 4 empty)
#   results.csv  case,call,kind,i,j,value,note (i = j = 0). call: F (svychisq statistic = "F", the default
#                second-order Rao–Scott), Chisq (statistic = "Chisq", first order: the statistic R prints is the
#                Pearson X² and the p-value is that of X²/mean(eigenvalues of Δ) on (r-1)(c-1) df), pearson
#                (chisq.test of svytable(~a + b, design, Ntotal = N), N = rows). kind: statistic, ndf, ddf, df, p.
# Cases (design:table):
#   clus_sex_broad     stratified cluster design without fpc, sex x broad (2 x 2)
#   clus_age3_q4       the same design, age3 x q4 (3 x 4)
#   clus_age3_q4na     age3 x q4na (rows with NA: R drops them from the cells, N stays the number of rows)
#   clus_age3_zc       age3 x zc (one empty cell)
#   fpc_age3_q4        the design with fpc, age3 x q4
#   srs_sex_broad      ids = ~1, weights only (no strata, no clusters), sex x broad
#   jkn_age3_q4        as.svrepdesign(clus design, type = "JKn"), age3 x q4 (replicate variance, nu = degf)
#   jkn_sex_broad      the same, sex x broad
#
# Also writes tests/golden/rao_scott/toshima.csv: the 豊島区 民生委員・町会・青少年育成委員 sample
# (data/samples/toshima_minsei2023.csv, synthetic 架空; equal weights, no strata or clusters: svydesign(ids = ~1)),
# tested by the 3-level code variable 区分 (hkstat tabulate --var 認知,問2,把握有無 --test 区分; checked through the
# binary by tests/cli/rao_scott_toshima_vs_r.py). 認知 and 把握有無 are the codebook's derived merges of 問2 and 問3
# (1, 2 → 1; 3 → 2); 問2 = 9 and 問3 = 9 are 無回答 (NA). Columns: variable, by, f, ndf, ddf, p (svychisq
# statistic = "F"), chisq (the Pearson X² that statistic = "Chisq" prints), chisq_p (its first-order p).

suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
out_dir <- "tests/golden/rao_scott"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

set.seed(20240810)
H <- 12
d <- do.call(rbind, lapply(1:H, function(h) {
  k <- sample(2:4, 1)
  do.call(rbind, lapply(1:k, function(i) {
    m <- sample(6:14, 1); u <- rnorm(1, 0, 0.7)
    sex <- sample(1:2, m, replace = TRUE)
    age3 <- sample(1:3, m, replace = TRUE, prob = c(0.3, 0.4, 0.3))
    broad <- rbinom(m, 1, plogis(-2.2 + u + 0.5 * (sex == 1) + 0.3 * (age3 == 1)))
    q4 <- pmin(4, pmax(1, round(1 + age3 * 0.6 + u + rnorm(m, 0, 1))))
    data.frame(stratum = h, psu = i, fpc = k + 3 + (h %% 4),
               w = round(runif(1, 40, 200) * runif(m, 0.8, 1.25), 3),
               sex = sex, broad = broad, age3 = age3, q4 = q4)
  }))
}))
d$id <- seq_len(nrow(d))
d$q4na <- ifelse(runif(nrow(d)) < 0.08, NA, d$q4)
d$zc <- ifelse(d$age3 == 3 & d$q4 == 4, 1, d$q4)
dw <- d
for (v in c("w", "fpc")) dw[[v]] <- fmt(d[[v]])
write.csv(dw[, c("id", "stratum", "psu", "w", "fpc", "sex", "broad", "age3", "q4", "q4na", "zc")],
          file.path(out_dir, "input.csv"), row.names = FALSE, quote = FALSE, na = "NA")

rows <- list()
add <- function(case, call, kind, value) rows[[length(rows) + 1]] <<- c(case, call, kind, 0, 0, fmt(value), "")

run <- function(case, design, formula) {
  f <- svychisq(formula, design, statistic = "F")
  add(case, "F", "statistic", f$statistic[[1]])
  add(case, "F", "ndf", f$parameter[["ndf"]])
  add(case, "F", "ddf", f$parameter[["ddf"]])
  add(case, "F", "p", f$p.value[[1]])
  ch <- svychisq(formula, design, statistic = "Chisq")
  add(case, "Chisq", "statistic", ch$statistic[[1]])
  add(case, "Chisq", "df", ch$parameter[["df"]])
  add(case, "Chisq", "p", ch$p.value[[1]])
  N <- nrow(design$variables)
  p <- suppressWarnings(chisq.test(svytable(formula, design, Ntotal = N), correct = FALSE))
  add(case, "pearson", "statistic", p$statistic[[1]])
  add(case, "pearson", "df", p$parameter[[1]])
  add(case, "pearson", "p", p$p.value[[1]])
}

clus <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = d, nest = TRUE)
run("clus_sex_broad", clus, ~sex + broad)
run("clus_age3_q4", clus, ~age3 + q4)
run("clus_age3_q4na", clus, ~age3 + q4na)
run("clus_age3_zc", clus, ~age3 + zc)
fpcd <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, fpc = ~fpc, data = d, nest = TRUE)
run("fpc_age3_q4", fpcd, ~age3 + q4)
srs <- svydesign(ids = ~1, weights = ~w, data = d)
run("srs_sex_broad", srs, ~sex + broad)
jkn <- as.svrepdesign(clus, type = "JKn")
run("jkn_age3_q4", jkn, ~age3 + q4)
run("jkn_sex_broad", jkn, ~sex + broad)

out <- do.call(rbind, rows)
colnames(out) <- c("case", "call", "kind", "i", "j", "value", "note")
write.csv(out, file.path(out_dir, "results.csv"), row.names = FALSE, quote = FALSE)
cat("R", as.character(getRversion()), "survey", as.character(packageVersion("survey")), ":",
    nrow(out), "result rows in", file.path(out_dir, "results.csv"), "\n")

# --- 豊島区 民生委員・町会・青少年育成委員 (synthetic): awareness and 把握 by the 3-level 区分 ---
t <- read.csv("data/samples/toshima_minsei2023.csv", fileEncoding = "UTF-8", check.names = FALSE)
names(t)[1:5] <- c("id", "group", "years", "q2", "q3")
t$q2 <- ifelse(t$q2 == 9, NA, t$q2)
t$q3 <- ifelse(t$q3 == 9, NA, t$q3)
t$aware <- ifelse(t$q2 %in% c(1, 2), 1, ifelse(t$q2 == 3, 2, NA))
t$know <- ifelse(t$q3 %in% c(1, 2), 1, ifelse(t$q3 == 3, 2, NA))
td <- svydesign(ids = ~1, weights = rep(1, nrow(t)), data = t)
trows <- list()
for (v in list(c("認知", "aware"), c("問2", "q2"), c("把握有無", "know"))) {
  f <- as.formula(paste0("~", v[2], " + group"))
  tf <- svychisq(f, td, statistic = "F")
  tc <- svychisq(f, td, statistic = "Chisq")
  trows[[length(trows) + 1]] <- c(v[1], "区分", fmt(tf$statistic[[1]]), fmt(tf$parameter[["ndf"]]), fmt(tf$parameter[["ddf"]]),
                                  fmt(tf$p.value[[1]]), fmt(tc$statistic[[1]]), fmt(tc$p.value[[1]]))
}
tout <- do.call(rbind, trows)
colnames(tout) <- c("variable", "by", "f", "ndf", "ddf", "p", "chisq", "chisq_p")
con <- file(file.path(out_dir, "toshima.csv"), open = "w", encoding = "UTF-8")
write.csv(tout, con, row.names = FALSE, quote = FALSE)
close(con)
cat("toshima:", nrow(tout), "tests by 区分 in", file.path(out_dir, "toshima.csv"), "\n")
