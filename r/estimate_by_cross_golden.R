# r/estimate_by_cross_golden.R — golden values for `hkstat estimate --by A,B[,C]` crossed: every combination of the
# levels of two or three code variables is a domain (R svyby(~broad, ~A + B + C, design, svymean)), compared through
# the real CLI by tests/cli/estimate_by_cross_vs_r.py.
#
# Run from the repository root:   Rscript r/estimate_by_cross_golden.R
# Reads  tests/data/design/design_labels.csv (written by r/statistics_golden.R; not changed)
# Writes tests/golden/estimate_cli/by_cross.csv: term (the variables joined by ×, as hkstat names it), level (the
#        codes joined by ×), estimate, se (svyby), df (degf(subset(design, domain))), deff (svymean on the subset,
#        deff = "replace"; NA where the SE is 0), 17 significant digits.
# Generated with R 4.2.2 and survey 4.1-1.
#
# Design: svydesign(ids = ~psu_label, strata = ~stratum_label, fpc = ~npsu, weights = ~w, nest = TRUE); broad =
# outing >= 5 and duration == 3 (tests/data/weighted/core_only.toml). Terms: sex × district, sex × duration,
# district × duration and sex × district × duration (hkstat --by sex,district,duration gives each variable alone,
# every pair and the triple). The svyby values are checked against svymean on the subset here before they are written.

suppressMessages(library(survey))
options(survey.lonely.psu = "fail")
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

d <- read.csv("tests/data/design/design_labels.csv")
d$broad <- as.numeric(d$outing >= 5 & d$duration == 3)
des <- svydesign(ids = ~psu_label, strata = ~stratum_label, fpc = ~npsu, weights = ~w, nest = TRUE, data = d)

terms <- list(c("sex", "district"), c("sex", "duration"), c("district", "duration"), c("sex", "district", "duration"))
out <- list()
for (vars in terms) {
  by <- svyby(~broad, as.formula(paste("~", paste(vars, collapse = " + "))), des, svymean)
  for (i in seq_len(nrow(by))) {
    codes <- sapply(vars, function(v) by[[v]][i])
    keep <- Reduce(`&`, lapply(seq_along(vars), function(j) d[[vars[j]]] == codes[j]))
    s <- des[keep, ] # subset(): the design kept, rows outside with zero weight
    m <- svymean(~broad, s, deff = "replace")
    p <- coef(by)[[i]]
    se <- SE(by)[[i]]
    stopifnot(isTRUE(all.equal(p, coef(m)[[1]], tolerance = 1e-13)), isTRUE(all.equal(se, SE(m)[[1]], tolerance = 1e-13)))
    de <- if (se > 1e-12) deff(m)[[1]] else NA
    out[[length(out) + 1]] <- c(paste(vars, collapse = "×"), paste(codes, collapse = "×"), fmt(p), fmt(se), fmt(degf(s)), fmt(de))
  }
}
res <- do.call(rbind, out)
colnames(res) <- c("term", "level", "estimate", "se", "df", "deff")
write.csv(res, "tests/golden/estimate_cli/by_cross.csv", row.names = FALSE, quote = FALSE)
cat("wrote", nrow(res), "rows\n")
