# r/replicate_cli_golden.R — golden values for `hkstat estimate` with replicate weights, compared through
# the real CLI by tests/cli/replicate_vs_r.py.
#
# Run from the repository root:   Rscript r/replicate_cli_golden.R
# Reads  tests/data/design/design_survey.csv (written by r/design_cli_golden.R; not changed here).
# Writes tests/data/replicate/rep_survey.csv   design_survey.csv plus SUPPLIED replicate columns:
#          b1..b40  bootstrap analysis weights, as.svrepdesign(full, "bootstrap", replicates = 40)
#          j1..j36  JKn analysis weights, as.svrepdesign(full, "JKn") (rscales with the fpc folded in)
#          k1..k36  JK1 analysis weights, as.svrepdesign(clus, "JK1")
#          m1..m36  the same JK1 replicates as multipliers of w (combined.weights = FALSE)
#        tests/data/replicate/brr_survey.csv   strata 1-6, PSUs 1-2 of design_survey.csv (2 PSUs per stratum):
#          r1..r8 BRR, f1..f8 Fay (rho = 0.3) analysis weights from as.svrepdesign
#        tests/data/replicate/<design>.codebook.toml  one codebook per design below ([replicates] table)
#        tests/golden/replicate_cli/results.csv      svymean estimate, SE, degf(subset), svyciprop intervals
#        tests/golden/replicate_cli/differences.csv  40-64 minus 15-39: svyby(covmat = TRUE) + svycontrast, degf
# Generated with R 4.2.2 and survey 4.1-1. Rule-set tests/data/weighted/core_only.toml (broad = outing 5-8 and
# duration >= 6 months; narrow = outing 6-8).
#
# Designs (column "design"; hkstat reads the supplied ones through the codebook's [replicates], no --replicates):
#   sup_boot      svrepdesign(type = "bootstrap", combined.weights = TRUE)       scale default 1/(R - 1)
#   sup_boot_mse  the same columns with scale = as.svrepdesign's scale and mse = TRUE
#   sup_jkn       svrepdesign(type = "JKn", rscales = per column)               (rscale on each variable)
#   sup_other     svrepdesign(type = "other", scale = 1, rscales = ..., mse = TRUE) (rscales array in [replicates])
#   sup_jk1       svrepdesign(type = "JK1")                                      scale default (R - 1)/R
#   sup_jk1_mult  svrepdesign(type = "JK1", combined.weights = FALSE)            multipliers; scale 1/max(first column)
#   sup_brr       svrepdesign(type = "BRR")
#   sup_fay       svrepdesign(type = "Fay", rho = 0.3)
#   cre_jkn, cre_jk1, cre_brr, cre_fay: replicates CREATED by hkstat (estimate --replicates jkn|jk1|brr|fay),
#                 R as.svrepdesign(type = "JKn" | "JK1" | "BRR" | "Fay", fay.rho = 0.5) of the same design
# Groups all, 15-39, 40-64 (svyciprop on subset(design, ...): df = degf(subset) = rank of its replicate
# weights - 1). Measures broad, narrow. Methods xlogit (hkstat logit), mean (hkstat wald), beta, asin from
# svyciprop; wilson by hand (R 4.5's svyciprop(method = "wilson") formula; survey 4.1-1 has none).
# Numbers are written with 17 significant digits.

suppressMessages(library(survey))
set.seed(20261124)
options(survey.lonely.psu = "fail")

fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
dir.create("tests/data/replicate", showWarnings = FALSE)
dir.create("tests/golden/replicate_cli", showWarnings = FALSE)

d <- read.csv("tests/data/design/design_survey.csv")
prep <- function(x) {
  x$broad <- as.numeric(x$outing >= 5 & x$duration == 3)
  x$narrow <- as.numeric(x$outing >= 6 & x$duration == 3)
  x$grp <- ifelse(x$age <= 39, "15-39", "40-64")
  x
}
full <- svydesign(ids = ~psu, strata = ~stratum, fpc = ~npsu, weights = ~w, nest = TRUE, data = prep(d))
clus <- svydesign(ids = ~psu_g, weights = ~w, data = prep(d))
b <- d[d$stratum <= 6 & d$psu <= 2, ]
brr_des <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, nest = TRUE, data = prep(b))

boot <- as.svrepdesign(full, type = "bootstrap", replicates = 40)
jkn <- as.svrepdesign(full, type = "JKn")
jk1 <- as.svrepdesign(clus, type = "JK1")
brr <- as.svrepdesign(brr_des, type = "BRR")
fay3 <- as.svrepdesign(brr_des, type = "Fay", fay.rho = 0.3)
fay5 <- as.svrepdesign(brr_des, type = "Fay", fay.rho = 0.5)

aw <- function(des) unclass(weights(des, "analysis"))
cols <- function(m, prefix) {
  m <- as.data.frame(m)
  names(m) <- paste0(prefix, seq_len(ncol(m)))
  m
}
B <- cols(aw(boot), "b")
J <- cols(aw(jkn), "j")
K <- cols(aw(jk1), "k")
M <- cols(aw(jk1) / d$w, "m")
R <- cols(aw(brr), "r")
Fy <- cols(aw(fay3), "f")
stopifnot(max(abs(as.matrix(M) * d$w - as.matrix(K))) < 1e-9 * max(K))

# Replicate columns with 17 significant digits; the survey's own columns as design_survey.csv has them.
write_cols <- function(x, reps, path) {
  reps[] <- lapply(reps, fmt)
  write.csv(cbind(x, reps), path, row.names = FALSE, quote = FALSE)
}
write_cols(d, cbind(B, J, K, M), "tests/data/replicate/rep_survey.csv")
write_cols(b, cbind(R, Fy), "tests/data/replicate/brr_survey.csv")
# The designs below are built from the values as written (17 significant digits read back exactly).
rd <- prep(read.csv("tests/data/replicate/rep_survey.csv"))
bd <- prep(read.csv("tests/data/replicate/brr_survey.csv"))
pick <- function(x, prefix, n) as.matrix(x[, paste0(prefix, seq_len(n))])

# ---- codebooks -------------------------------------------------------------------------------------------
base_vars <- '[[variable]]
name = "id"
role = "id"
type = "id"

[[variable]]
name = "age"
role = "age"
type = "integer"

[[variable]]
name = "outing"
role = "outing"
type = "code"
codes = [
  { code = 1, key = "daily" }, { code = 2, key = "weekly_3_4" }, { code = 3, key = "leisure" }, { code = 4, key = "social" },
  { code = 5, key = "hobby_only" }, { code = 6, key = "neighborhood" }, { code = 7, key = "home_only" }, { code = 8, key = "room_only" },
]

[[variable]]
name = "duration"
role = "duration"
type = "code"
codes = [ { code = 1, ge_6_months = false }, { code = 3, ge_6_months = true } ]

[[variable]]
name = "w"
role = "weight"
type = "number"
'
write_codebook <- function(name, title, prefix = NULL, n = 0, replicates = NULL, rscale = NULL, extra = "") {
  txt <- paste0("# Replicate test codebook, written by r/replicate_cli_golden.R: ", title, "\n[codebook]\ntitle = \"",
                title, "\"\nage_min = 15\nage_max = 64\n\n", base_vars, extra)
  for (i in seq_len(n)) {
    txt <- paste0(txt, sprintf('\n[[variable]]\nname = "%s%d"\nrole = "replicate"\ntype = "number"\n', prefix, i))
    if (!is.null(rscale)) txt <- paste0(txt, "rscale = ", fmt(rscale[i]), "\n")
  }
  if (!is.null(replicates)) txt <- paste0(txt, "\n[replicates]\n", replicates)
  writeLines(txt, paste0("tests/data/replicate/", name, ".codebook.toml"), sep = "")
}
fl <- function(x) { s <- fmt(x); ifelse(grepl("[.eE]", s), s, paste0(s, ".0")) }
write_codebook("sup_boot", "supplied bootstrap, R's default scale", "b", 40, 'type = "bootstrap"\n')
write_codebook("sup_boot_mse", "supplied bootstrap, explicit scale, mse", "b", 40,
               paste0('type = "bootstrap"\nscale = ', fl(boot$scale), "\nmse = true\n"))
write_codebook("sup_jkn", "supplied JKn, rscale per column", "j", 36, 'type = "jkn"\n', rscale = jkn$rscales)
write_codebook("sup_other", "supplied JKn columns as type other, rscales array, mse", "j", 36,
               paste0('type = "other"\nscale = 1.0\nmse = true\nrscales = [', paste(fl(jkn$rscales), collapse = ", "), "]\n"))
write_codebook("sup_jk1", "supplied JK1, R's default scale", "k", 36, 'type = "jk1"\n')
write_codebook("sup_jk1_mult", "supplied JK1 multipliers (combined_weights = false)", "m", 36,
               'type = "JK1"\ncombined_weights = false\n')
write_codebook("sup_brr", "supplied BRR", "r", 8, 'type = "brr"\n')
write_codebook("sup_fay", "supplied Fay, rho 0.3", "f", 8, 'type = "fay"\nrho = 0.3\n')
write_codebook("brr_design", "strata 1-6 with 2 PSUs each (hkstat estimate --replicates brr|fay)", extra = '
[[variable]]
name = "stratum"
role = "stratum"
type = "integer"

[[variable]]
name = "psu"
role = "psu"
type = "integer"
')

# ---- R designs ---------------------------------------------------------------------------------------------
sv <- function(data, reps, ...) suppressWarnings(svrepdesign(variables = data, repweights = reps, weights = data$w, ...))
designs <- list(
  sup_boot = sv(rd, pick(rd, "b", 40), type = "bootstrap", combined.weights = TRUE),
  sup_boot_mse = sv(rd, pick(rd, "b", 40), type = "bootstrap", combined.weights = TRUE, scale = boot$scale, mse = TRUE),
  sup_jkn = sv(rd, pick(rd, "j", 36), type = "JKn", combined.weights = TRUE, rscales = jkn$rscales),
  sup_other = sv(rd, pick(rd, "j", 36), type = "other", combined.weights = TRUE, scale = 1, rscales = jkn$rscales, mse = TRUE),
  sup_jk1 = sv(rd, pick(rd, "k", 36), type = "JK1", combined.weights = TRUE),
  sup_jk1_mult = sv(rd, pick(rd, "m", 36), type = "JK1", combined.weights = FALSE),
  sup_brr = sv(bd, pick(bd, "r", 8), type = "BRR", combined.weights = TRUE),
  sup_fay = sv(bd, pick(bd, "f", 8), type = "Fay", rho = 0.3, combined.weights = TRUE),
  cre_jkn = jkn,
  cre_jk1 = jk1,
  cre_brr = brr,
  cre_fay = fay5
)
stopifnot(abs(designs$sup_jk1$scale - 35 / 36) < 1e-15, abs(designs$sup_boot$scale - 1 / 39) < 1e-15,
          designs$sup_boot_mse$mse, !designs$sup_boot$mse)
# Supplied columns of as.svrepdesign's own replicates give its variances (checks the columns as written).
stopifnot(abs(SE(svymean(~broad, designs$sup_jkn)) - SE(svymean(~broad, jkn))) < 1e-12,
          abs(SE(svymean(~broad, designs$sup_brr)) - SE(svymean(~broad, brr))) < 1e-12,
          abs(SE(svymean(~broad, designs$sup_fay)) - SE(svymean(~broad, fay3))) < 1e-12,
          abs(SE(svymean(~broad, designs$sup_jk1_mult)) - SE(svymean(~broad, jk1))) < 1e-12)

source("r/svy_wilson.R") # wilson(p, se, df, level)

out <- list()
diffs <- list()
for (name in names(designs)) {
  des <- designs[[name]]
  for (measure in c("broad", "narrow")) {
    f <- as.formula(paste0("~", measure))
    by <- svyby(f, ~grp, des, svymean, covmat = TRUE)
    ct <- svycontrast(by, c(-1, 1))
    diffs[[length(diffs) + 1]] <- c(name, measure, fmt(coef(ct)[[1]]), fmt(SE(ct)[[1]]), fmt(degf(des)))
  }
  for (grp in c("all", "15-39", "40-64")) {
    g_want <- grp
    s <- if (grp == "all") des else subset(des, grp == g_want)
    for (measure in c("broad", "narrow")) {
      f <- as.formula(paste0("~", measure))
      m <- svymean(f, s)
      p <- coef(m)[[1]]
      se <- SE(m)[[1]]
      df <- degf(s)
      for (method in c("xlogit", "mean", "beta", "asin", "wilson")) {
        ci <- if (method == "wilson") wilson(p, se, df, 0.95) else as.vector(confint(svyciprop(f, s, method = method, level = 0.95)))
        out[[length(out) + 1]] <- c(name, grp, measure, method, "0.95", fmt(p), fmt(se), fmt(df), fmt(ci[1]), fmt(ci[2]))
      }
    }
  }
}
res <- do.call(rbind, out)
colnames(res) <- c("design", "group", "measure", "method", "level", "estimate", "se", "df", "lower", "upper")
write.csv(res, "tests/golden/replicate_cli/results.csv", row.names = FALSE, quote = FALSE)
dres <- do.call(rbind, diffs)
colnames(dres) <- c("design", "measure", "difference", "se", "df")
write.csv(dres, "tests/golden/replicate_cli/differences.csv", row.names = FALSE, quote = FALSE)
cat("wrote", nrow(res), "result rows and", nrow(dres), "differences\n")
