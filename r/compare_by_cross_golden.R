# r/compare_by_cross_golden.R — golden values for `hkstat compare --by A,B,C` crossed (two and three surveys):
# every block of each survey's table (each --by variable alone, every pair, the triple, and the whole sample) is
# a domain; the change of each answer's share between two surveys is the difference of the two surveys' svyby
# estimates for that level, its SE sqrt(SE_A^2 + SE_B^2) (independent samples), its df min(df_A, df_B).
# Compared through the real CLI by tests/cli/compare_by_cross_vs_r.py.
#
# Run from the repository root:   Rscript r/compare_by_cross_golden.R
# Generated with R 4.2.2 and survey 4.1-1.
#
# Survey A is tests/data/design/design_labels.csv (written by r/statistics_golden.R; not changed): a stratified
# cluster design with text stratum and PSU labels and an fpc. Surveys B and C (架空のデータ, written here to
# tests/data/compare_by/b.csv and c.csv, same columns and codebook tests/data/design/labels.codebook.toml) keep A's
# design and respondents' sex, district and duration, with a third of the outing answers drawn again (a shifted
# distribution) and the weights perturbed, so that the changes are not zero.
#
# Design of each survey: svydesign(ids = ~psu_label, strata = ~stratum_label, fpc = ~npsu, weights = ~w,
# nest = TRUE). Variable compared: outing (8 answers, matched by key; no 無回答 in these data). By: sex, district,
# duration — hkstat names a block by the level of each variable in --by order joined by × ("male×2×all"; the
# sex codes by their key, district and duration by their number; "all" = every level of that variable), the
# whole sample "all".
# Writes tests/golden/compare/by_cross.csv: level (that name), answer (the outing key), then for A, B, C: est, se,
# df (degf(subset(design, block))), then diff_b, se_diff_b, df_diff_b (B − A) and diff_c, se_diff_c, df_diff_c
# (C − A, the trend's change from the first survey); 17 significant digits. Blocks with no respondents in a
# survey are not written (svyby leaves them out). The svyby values are checked against svymean on the subset.

suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

A <- read.csv("tests/data/design/design_labels.csv", colClasses = c(stratum_label = "character", psu_label = "character"))
redraw <- function(d, seed, prob) {
  set.seed(seed)
  pick <- runif(nrow(d)) < 1 / 3
  d$outing[pick] <- sample(1:8, sum(pick), replace = TRUE, prob = prob)
  d$w <- round(d$w * exp(rnorm(nrow(d), 0, 0.15)), 2)
  d
}
B <- redraw(A, 20261205, c(0.20, 0.20, 0.20, 0.16, 0.08, 0.07, 0.05, 0.04))
C <- redraw(A, 20261206, c(0.28, 0.22, 0.20, 0.14, 0.06, 0.04, 0.03, 0.03))
dir.create("tests/data/compare_by", showWarnings = FALSE, recursive = TRUE)
write_csv <- function(d, path) {
  con <- file(path, "wb")
  write.csv(d, con, row.names = FALSE, quote = FALSE, eol = "\n", na = "")
  close(con)
}
write_csv(B, "tests/data/compare_by/b.csv")
write_csv(C, "tests/data/compare_by/c.csv")
B <- read.csv("tests/data/compare_by/b.csv", colClasses = c(stratum_label = "character", psu_label = "character"))
C <- read.csv("tests/data/compare_by/c.csv", colClasses = c(stratum_label = "character", psu_label = "character"))

keys <- c("daily", "weekly_3_4", "leisure", "social", "hobby_only", "neighborhood", "home_only", "room_only")
vars <- c("sex", "district", "duration")
level_name <- function(v, code) if (v == "sex") c("1" = "male", "2" = "female")[[as.character(code)]] else as.character(code)
terms <- list(character(0), "sex", "district", "duration", c("sex", "district"), c("sex", "duration"), c("district", "duration"), vars)

# Per survey: level name -> answer key -> c(est, se, df).
results <- function(d) {
  for (k in seq_along(keys)) d[[keys[k]]] <- as.numeric(d$outing == k)
  des <- svydesign(ids = ~psu_label, strata = ~stratum_label, fpc = ~npsu, weights = ~w, nest = TRUE, data = d)
  f <- as.formula(paste("~", paste(keys, collapse = " + ")))
  out <- list()
  for (tv in terms) {
    if (length(tv) == 0) {
      m <- svymean(f, des)
      out[["all"]] <- lapply(seq_along(keys), function(k) c(coef(m)[[k]], SE(m)[[k]], degf(des)))
      names(out[["all"]]) <- keys
      next
    }
    by <- svyby(f, as.formula(paste("~", paste(tv, collapse = " + "))), des, svymean)
    for (i in seq_len(nrow(by))) {
      codes <- sapply(tv, function(v) by[[v]][i])
      name <- paste(sapply(vars, function(v) if (v %in% tv) level_name(v, codes[[v]]) else "all"), collapse = "×")
      keep <- Reduce(`&`, lapply(tv, function(v) d[[v]] == codes[[v]]))
      s <- des[keep, ] # subset(): the design kept
      m <- svymean(f, s)
      est <- as.numeric(by[i, keys])
      se <- as.numeric(by[i, paste0("se.", keys)])
      stopifnot(isTRUE(all.equal(est, as.numeric(coef(m)), tolerance = 1e-13)), isTRUE(all.equal(se, as.numeric(SE(m)), tolerance = 1e-13)))
      out[[name]] <- lapply(seq_along(keys), function(k) c(est[k], se[k], degf(s)))
      names(out[[name]]) <- keys
    }
  }
  out
}
ra <- results(A); rb <- results(B); rc <- results(C)

lines <- "level,answer,est_a,se_a,df_a,est_b,se_b,df_b,est_c,se_c,df_c,diff_b,se_diff_b,df_diff_b,diff_c,se_diff_c,df_diff_c"
for (lv in names(ra)) {
  stopifnot(!is.null(rb[[lv]]), !is.null(rc[[lv]])) # B and C keep A's blocks
  for (k in keys) {
    a <- ra[[lv]][[k]]; b <- rb[[lv]][[k]]; cc <- rc[[lv]][[k]]
    lines <- c(lines, paste(lv, k, fmt(a[1]), fmt(a[2]), fmt(a[3]), fmt(b[1]), fmt(b[2]), fmt(b[3]), fmt(cc[1]), fmt(cc[2]), fmt(cc[3]),
                            fmt(b[1] - a[1]), fmt(sqrt(a[2]^2 + b[2]^2)), fmt(min(a[3], b[3])),
                            fmt(cc[1] - a[1]), fmt(sqrt(a[2]^2 + cc[2]^2)), fmt(min(a[3], cc[3])), sep = ","))
  }
}
dir.create("tests/golden/compare", showWarnings = FALSE, recursive = TRUE)
con <- file("tests/golden/compare/by_cross.csv", "wb"); writeLines(enc2utf8(lines), con, sep = "\n", useBytes = TRUE); close(con)
cat(sprintf("wrote %d rows (%d blocks)\n", length(lines) - 1, length(ra)))
