# r/compare_prevalence_by_golden.R — golden values for the prevalence table of `hkstat compare A B --by V`: for each
# level of V (and the whole sample), each survey's rate of 広義 / 狭義 / 準 (svyby(~y, ~V, design, svymean)), the
# change B − A, its SE sqrt(SE_A^2 + SE_B^2) (independent samples) and its df min(df_A, df_B).
# Compared through the real CLI by tests/cli/compare_by_cross_vs_r.py (its prevalence part).
#
# Run from the repository root:   Rscript r/compare_prevalence_by_golden.R
# Generated with R 4.2.2 and survey 4.1-1.
#
# Surveys: A = tests/data/design/design_labels.csv (written by r/statistics_golden.R), B =
# tests/data/compare_by/b.csv (written by r/compare_by_cross_golden.R); neither is changed here. Codebook
# tests/data/design/labels.codebook.toml, rule-set tests/data/weighted/core_only.toml: semi = outing 5 (hobby_only),
# narrow = outing 6–8, each with duration 3 (6 months or more); broad = semi or narrow.
# Design of each survey: svydesign(ids = ~psu_label, strata = ~stratum_label, fpc = ~npsu, weights = ~w, nest = TRUE).
# By: sex (hkstat names the levels by their keys, male / female) and district (by its number), each alone.
# Writes tests/golden/compare/prevalence_by.csv: by (variable, or "all"), level (key, number, or "all"), measure,
# est_a, se_a, df_a, est_b, se_b, df_b, diff, se_diff, df_diff; 17 significant digits. The svyby values are
# checked against svymean on the subset (the design kept, rows outside with zero weight) before they are written.

suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

read <- function(path) {
  d <- read.csv(path, colClasses = c(stratum_label = "character", psu_label = "character"))
  long <- d$duration == 3
  d$semi <- as.numeric(d$outing == 5 & long)
  d$narrow <- as.numeric(d$outing >= 6 & long)
  d$broad <- d$semi + d$narrow
  d
}
measures <- c("broad", "narrow", "semi")
level_name <- function(v, code) if (v == "sex") c("1" = "male", "2" = "female")[[as.character(code)]] else as.character(code)

# Per survey: "by|level" -> measure -> c(est, se, df).
results <- function(d) {
  des <- svydesign(ids = ~psu_label, strata = ~stratum_label, fpc = ~npsu, weights = ~w, nest = TRUE, data = d)
  f <- ~broad + narrow + semi
  out <- list()
  m <- svymean(f, des)
  out[["all|all"]] <- setNames(lapply(measures, function(k) c(coef(m)[[k]], SE(m)[[k]], degf(des))), measures)
  for (v in c("sex", "district")) {
    by <- svyby(f, as.formula(paste0("~", v)), des, svymean)
    for (i in seq_len(nrow(by))) {
      code <- by[[v]][i]
      s <- des[d[[v]] == code, ]
      ms <- svymean(f, s)
      est <- as.numeric(by[i, measures])
      se <- as.numeric(by[i, paste0("se.", measures)])
      stopifnot(isTRUE(all.equal(est, as.numeric(coef(ms)), tolerance = 1e-13)), isTRUE(all.equal(se, as.numeric(SE(ms)), tolerance = 1e-13)))
      out[[paste(v, level_name(v, code), sep = "|")]] <- setNames(lapply(seq_along(measures), function(k) c(est[k], se[k], degf(s))), measures)
    }
  }
  out
}
ra <- results(read("tests/data/design/design_labels.csv"))
rb <- results(read("tests/data/compare_by/b.csv"))

lines <- "by,level,measure,est_a,se_a,df_a,est_b,se_b,df_b,diff,se_diff,df_diff"
for (key in names(ra)) {
  stopifnot(!is.null(rb[[key]]))
  parts <- strsplit(key, "|", fixed = TRUE)[[1]]
  for (k in measures) {
    a <- ra[[key]][[k]]; b <- rb[[key]][[k]]
    lines <- c(lines, paste(parts[1], parts[2], k, fmt(a[1]), fmt(a[2]), fmt(a[3]), fmt(b[1]), fmt(b[2]), fmt(b[3]),
                            fmt(b[1] - a[1]), fmt(sqrt(a[2]^2 + b[2]^2)), fmt(min(a[3], b[3])), sep = ","))
  }
}
dir.create("tests/golden/compare", showWarnings = FALSE, recursive = TRUE)
con <- file("tests/golden/compare/prevalence_by.csv", "wb"); writeLines(enc2utf8(lines), con, sep = "\n", useBytes = TRUE); close(con)
cat(sprintf("wrote %d rows\n", length(lines) - 1))
