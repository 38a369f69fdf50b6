# r/design_golden.R — golden values for hkstat's design-based variance engine
# (lib/include/hkstat/estimate/design.hpp, survey_estimators.hpp; test: tests/unit/test_design.cpp).
#
# Run from the repository root:   Rscript r/design_golden.R
# Generated with R 4.2.2 and survey 4.1-1 (one-stage linearisation, survey.ultimate.cluster irrelevant
# because every design below has a single stage of ids; survey.adjust.domain.lonely = FALSE, the default).
#
# Writes tests/golden/design/:
#   srs_input.csv     case 1: SRS without replacement, n = 200 of N = 5000 (fpc = population size)
#   strat_input.csv   case 2: 5 strata, unequal weights within strata, fpc = stratum population size
#   clus_input.csv    case 3/5/6: 20 strata x 2-4 PSUs, PSU labels 1..n_h repeated across strata (nest = TRUE),
#                     no fpc (fpc column 0 = unused); dom (1/2: age group), dom2 (0/1: a domain that misses whole PSUs and strata)
#   lonely_input.csv  case 4: 6 strata, stratum 4 has a single PSU; fpc = stratum population size of PSUs;
#                     dom (0/1) has no rows in the lonely stratum
#   results.csv       every R result, long format: case,call,kind,i,j,value,note
#     kind: est (i = statistic), se (i), vcov (i, j), df, n, lower/upper (i), deff (i), error (note = R's message)
#     Numbers are written with 17 significant digits (sprintf("%.17g")) so that they read back to the same double.
# Input columns: id, stratum, psu, w, fpc, yb (0/1), yc (continuous), x (ratio denominator), dom, dom2.

suppressMessages(library(survey))
options(survey.adjust.domain.lonely = FALSE)
out_dir <- "tests/golden/design"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

write_input <- function(d, name) {
  d2 <- d
  for (v in c("w", "fpc", "yc", "x")) d2[[v]] <- fmt(d[[v]])
  write.csv(d2[, c("id", "stratum", "psu", "w", "fpc", "yb", "yc", "x", "dom", "dom2")],
            file.path(out_dir, name), row.names = FALSE, quote = FALSE)
}

rows <- list()
add <- function(case, call, kind, i, j, value, note = "") {
  rows[[length(rows) + 1]] <<- c(case, call, kind, i, j, fmt(value), gsub(",", ";", note))
}
# svystat / svyby with covmat: est, se, full vcov. For svyby, SE() is the column computed domain by domain on
# subset(design, domain) while vcov() comes from zero-padded influence functions on the whole design; the two
# differ only under lonely.psu = "average" / "fail" when a stratum has no domain rows (see case 4).
add_stat <- function(case, call, s) {
  cf <- coef(s); V <- as.matrix(vcov(s)); se <- SE(s)
  for (i in seq_along(cf)) {
    add(case, call, "est", i, 0, cf[[i]])
    add(case, call, "se", i, 0, se[[i]])
    for (j in seq_along(cf)) add(case, call, "vcov", i, j, V[i, j])
  }
}

## ---- case 1: SRS with fpc ------------------------------------------------------------------------
set.seed(20240701)
n <- 200; Npop <- 5000
srs <- data.frame(id = 1:n, stratum = 1, psu = 1:n, w = Npop / n, fpc = Npop,
                  yb = rbinom(n, 1, 0.12), yc = round(exp(rnorm(n, 2, 0.6)), 4),
                  x = sample(1:6, n, replace = TRUE), dom = 1, dom2 = 1)
write_input(srs, "srs_input.csv")
des1 <- svydesign(ids = ~1, fpc = ~fpc, weights = ~w, data = srs)
add_stat("srs", "svytotal", svytotal(~yb + yc, des1))
add_stat("srs", "svymean", svymean(~yb + yc, des1))
r <- svyratio(~yc, ~x, des1)
add("srs", "svyratio", "est", 1, 0, coef(r)[[1]]); add("srs", "svyratio", "se", 1, 0, SE(r)[[1]])
add("srs", "degf", "df", 0, 0, degf(des1))
# fpc given as a sampling fraction (R: all values <= 1 are fractions): identical results
des1f <- svydesign(ids = ~1, fpc = rep(n / Npop, n), weights = ~w, data = srs)
add_stat("srs", "svymean_fraction", svymean(~yb + yc, des1f))
# without fpc (with replacement)
add_stat("srs", "svymean_nofpc", svymean(~yb + yc, svydesign(ids = ~1, weights = ~w, data = srs)))

## ---- case 2: stratified, unequal weights, fpc by stratum --------------------------------------------
set.seed(20240702)
nh <- c(25, 40, 55, 35, 45); Nh <- c(800, 2000, 3500, 1200, 2500)
st <- do.call(rbind, lapply(1:5, function(h) data.frame(
  stratum = h * 10, psu = 1:nh[h], fpc = Nh[h],
  w = round(Nh[h] / nh[h] * exp(rnorm(nh[h], 0, 0.3)), 3),
  yb = rbinom(nh[h], 1, c(0.05, 0.1, 0.15, 0.2, 0.08)[h]),
  yc = round(rgamma(nh[h], 2, 0.2 + 0.05 * h), 4), x = sample(1:5, nh[h], replace = TRUE))))
st$id <- seq_len(nrow(st)); st$dom <- 1; st$dom2 <- 1
write_input(st, "strat_input.csv")
des2 <- svydesign(ids = ~psu, strata = ~stratum, fpc = ~fpc, weights = ~w, data = st, nest = TRUE)
add_stat("strat", "svymean", svymean(~yb + yc, des2))
add_stat("strat", "svytotal", svytotal(~yb + yc, des2))
r <- svyratio(~yc, ~x, des2)
add("strat", "svyratio", "est", 1, 0, coef(r)[[1]]); add("strat", "svyratio", "se", 1, 0, SE(r)[[1]])
add("strat", "degf", "df", 0, 0, degf(des2))

## ---- case 3/5/6: stratified two-stage cluster sample (ultimate-cluster variance) ---------------------
set.seed(20240703)
H <- 20
cl <- do.call(rbind, lapply(1:H, function(h) {
  k <- sample(2:4, 1)
  do.call(rbind, lapply(1:k, function(i) {
    m <- sample(4:12, 1); u <- rnorm(1, 0, 0.8)
    data.frame(stratum = 100 + h, psu = i, fpc = NA,
               w = round(runif(1, 50, 400) * runif(m, 0.7, 1.4), 3),
               yb = rbinom(m, 1, plogis(-2 + u)), yc = round(exp(rnorm(m, 1 + 0.3 * u, 0.5)), 4),
               x = sample(1:4, m, replace = TRUE),
               dom = 1 + rbinom(m, 1, plogis(0.5 * u)),
               # dom2: only PSUs 1 and 3, never strata 101-104, and only ~60% of those rows
               dom2 = as.integer(i %in% c(1, 3) & h > 4 & runif(m) < 0.6))
  }))
}))
cl$id <- seq_len(nrow(cl)); cl$fpc <- 0
write_input(cl, "clus_input.csv")
des3 <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = cl, nest = TRUE)
add("clus", "degf", "df", 0, 0, degf(des3))
add("clus", "nrow", "n", 0, 0, nrow(cl))
add_stat("clus", "svymean", svymean(~yb + yc, des3))
add_stat("clus", "svytotal", svytotal(~yb + yc, des3))
r <- svyratio(~yc, ~x, des3)
add("clus", "svyratio", "est", 1, 0, coef(r)[[1]]); add("clus", "svyratio", "se", 1, 0, SE(r)[[1]])
# by domain, with the covariance between domains (svyby pads influence functions with zeros and calls
# svyrecvar on the whole design)
bm <- svyby(~yb, ~dom, des3, svymean, covmat = TRUE)
add_stat("clus", "svyby_mean_dom", bm)
bt <- svyby(~yb, ~dom, des3, svytotal, covmat = TRUE)
add_stat("clus", "svyby_total_dom", bt)
bm2 <- svyby(~yc, ~dom, des3, svymean, covmat = TRUE)
add_stat("clus", "svyby_mean_yc_dom", bm2)
ctr <- svycontrast(bm, c(1, -1))   # dom 1 minus dom 2
add("clus", "svycontrast_mean_dom", "est", 1, 0, coef(ctr)[[1]])
add("clus", "svycontrast_mean_dom", "se", 1, 0, SE(ctr)[[1]])
for (dv in 1:2) {
  sub <- subset(des3, dom == dv)
  m <- svymean(~yb, sub)
  add("clus", paste0("svymean_subset_dom", dv), "est", 1, 0, coef(m)[[1]])
  add("clus", paste0("svymean_subset_dom", dv), "se", 1, 0, SE(m)[[1]])
  add("clus", paste0("degf_subset_dom", dv), "df", 0, 0, degf(sub))
  add("clus", paste0("nrow_subset_dom", dv), "n", 0, 0, nrow(sub))
}
# svyciprop on the domain: df = degf(subset(design, dom == 1)) = PSUs with a domain row - strata with one
sub1 <- subset(des3, dom == 1)
for (meth in c("logit", "xlogit")) {
  ci <- attr(svyciprop(~yb, sub1, method = meth), "ci")
  add("clus", paste0("svyciprop_", meth, "_dom1"), "lower", 1, 0, ci[[1]])
  add("clus", paste0("svyciprop_", meth, "_dom1"), "upper", 1, 0, ci[[2]])
  add("clus", paste0("svyciprop_", meth, "_dom1"), "df", 0, 0, degf(sub1))
}
# case 5: a domain missing whole PSUs (and whole strata): zero padding of absent PSUs matters
sub2 <- subset(des3, dom2 == 1)
add_stat("clus", "svymean_subset_area", svymean(~yb + yc, sub2))
add_stat("clus", "svytotal_subset_area", svytotal(~yb + yc, sub2))
add("clus", "degf_subset_area", "df", 0, 0, degf(sub2))
add("clus", "nrow_subset_area", "n", 0, 0, nrow(sub2))
add_stat("clus", "svyby_mean_area", svyby(~yc, ~dom2, des3, svymean, covmat = TRUE))
# what dropping the rows (a new design on the domain rows only) would give instead: must differ. Strata
# whose domain rows sit in one PSU become lonely in such a design, so this needs lonely.psu = "remove".
options(survey.lonely.psu = "remove")
wrong <- svymean(~yc, svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = cl[cl$dom2 == 1, ], nest = TRUE))
options(survey.lonely.psu = "fail")
add("clus", "svymean_dropped_rows_area", "se", 2, 0, SE(wrong)[[1]])
# case 6: design effects (whole sample and domain dom == 1)
for (v in c("yb", "yc")) {
  f <- as.formula(paste0("~", v))
  for (dd in list(list("all", des3, rep(TRUE, nrow(cl))), list("dom1", sub1, cl$dom == 1))) {
    a <- svymean(f, dd[[2]], deff = TRUE); b <- svymean(f, dd[[2]], deff = "replace")
    add("clus", paste0("deff_", v, "_", dd[[1]]), "deff", 1, 0, deff(a)[[1]])
    add("clus", paste0("deff_", v, "_", dd[[1]]), "deff", 2, 0, deff(b)[[1]])
    w <- cl$w[dd[[3]]]
    add("clus", paste0("deff_", v, "_", dd[[1]]), "deff", 3, 0, sum(w)^2 / sum(w^2))  # Kish n_eff
  }
}

## ---- case 4: lonely PSU ---------------------------------------------------------------------------
set.seed(20240704)
kk <- c(3, 2, 3, 1, 2, 3)
lo <- do.call(rbind, lapply(1:6, function(h) do.call(rbind, lapply(1:kk[h], function(i) {
  m <- sample(5:9, 1); u <- rnorm(1, 0, 0.7)
  data.frame(stratum = h, psu = i, fpc = kk[h] + 2 + h,
             w = round(runif(m, 20, 60), 3), yb = rbinom(m, 1, plogis(-1.5 + u)),
             yc = round(exp(rnorm(m, 1 + 0.3 * u, 0.5)), 4), x = 1,
             dom = if (h == 4) 0L else rbinom(m, 1, 0.5), dom2 = 1)
}))))
lo$id <- seq_len(nrow(lo))
write_input(lo, "lonely_input.csv")
des4 <- svydesign(ids = ~psu, strata = ~stratum, fpc = ~fpc, weights = ~w, data = lo, nest = TRUE)
add("lonely", "degf", "df", 0, 0, degf(des4))
for (opt in c("remove", "certainty", "adjust", "average", "fail")) {
  options(survey.lonely.psu = opt)
  run <- function(call, expr) {
    res <- tryCatch(expr, error = function(e) e)
    if (!inherits(res, "error")) return(res)
    add("lonely", paste0(opt, ":", call), "error", 0, 0, NA, conditionMessage(res))
    NULL
  }
  s <- run("svymean", svymean(~yb + yc, des4));       if (!is.null(s)) add_stat("lonely", paste0(opt, ":svymean"), s)
  s <- run("svytotal", svytotal(~yb + yc, des4));     if (!is.null(s)) add_stat("lonely", paste0(opt, ":svytotal"), s)
  # the domain through subset(): strata without domain rows are absent (R drops the rows)
  s <- run("svymean_subset_dom1", svymean(~yb, subset(des4, dom == 1)))
  if (!is.null(s)) add_stat("lonely", paste0(opt, ":svymean_subset_dom1"), s)
  # the domains through svyby(covmat = TRUE): influence functions padded with zeros, whole design
  s <- run("svyby_mean_dom", svyby(~yb, ~dom, des4, svymean, covmat = TRUE))
  if (!is.null(s)) add_stat("lonely", paste0(opt, ":svyby_mean_dom"), s)
}
options(survey.lonely.psu = "fail")

out <- do.call(rbind, rows)
colnames(out) <- c("case", "call", "kind", "i", "j", "value", "note")
write.csv(out, file.path(out_dir, "results.csv"), row.names = FALSE, quote = FALSE)
cat("R", as.character(getRversion()), "survey", as.character(packageVersion("survey")), ":",
    nrow(out), "result rows in", file.path(out_dir, "results.csv"), "\n")
