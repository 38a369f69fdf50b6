# r/replicate_golden.R — golden values for hkstat's replicate-weight designs
# (lib/include/hkstat/estimate/replicates.hpp; test: tests/unit/test_replicates.cpp).
#
# Run from the repository root (after r/design_golden.R, whose inputs it reuses):
#   Rscript r/replicate_golden.R
# Generated with R 4.2.2 and survey 4.1-1, options(survey.replicates.mse = FALSE) (the default) unless a case says mse.
#
# Inputs (tests/golden/design/, written by r/design_golden.R): srs_input.csv, clus_input.csv, lonely_input.csv.
# Writes tests/golden/replicates/:
#   brr_input.csv     clus_input rows of PSUs 1 and 2 of every stratum (20 strata x 2 PSUs), same columns
#   <case>_index.csv  column `index`: for every input row (file order), its row in <case>_mult.csv (R's
#                     repweights$index: PSUs numbered by first appearance)
#   <case>_mult.csv   columns r1..rR, one row per PSU: R's replicate multipliers (as.svrepdesign stores
#                     combined.weights = FALSE); the analysis weight of row i in replicate r is
#                     mult[index[i], r] * w[i], exactly what R's weights(design, "analysis") computes
#   meta.csv          case,key,i,value: input (file), rows (a filter, see below), type, scale, rscale (i = 1..R),
#                     mse, rho, replicates, degf
#   results.csv       case,call,kind,i,j,value,note as in tests/golden/design/results.csv
# Cases:
#   jk1_srs40       first 40 rows of srs_input, ids = ~1, fpc = 5000: JK1 with scale (N-n)/N (n-1)/n
#   jk1_clus        clus_input unstratified, ids = ~cid (cid = stratum*10 + psu): JK1, 68 replicates, no fpc
#   jkn_clus        clus_input stratified (nest = TRUE): JKn, one replicate per PSU, rscales (n_h-1)/n_h
#   jkn_clus_mse    the same replicate weights with mse = TRUE
#   jkn_lonely_<p>  lonely_input with fpc, survey.lonely.psu = remove / adjust / average (stratum 4 has one PSU)
#   boot_clus       clus_input: as.svrepdesign(type = "bootstrap", replicates = 50), set.seed(20240801)
#   subboot_clus    clus_input: as.svrepdesign(type = "subbootstrap", replicates = 40), set.seed(20240802)
#   brr6, fay6      brr_input strata 101-106: BRR and Fay (rho = 0.5); Hadamard order 8
#   brr20           brr_input (20 strata): BRR, Hadamard order 24 (R's matrix)
#   brr20_paley     the same with hkstat's order-24 matrix (Paley I, q = 23) given to R as hadamard.matrix
#   lin_brr20       the linearised SEs of brr_input (svydesign, no fpc): equal to BRR for totals
#   jk1_clus_supplied  the jk1_clus analysis weights given to svrepdesign(type = "JK1", combined.weights = TRUE)
#                   without scale (R's default (R-1)/R, with a warning)
#   cli_jkn, cli_brr   `hkstat replicate` golden outputs (tests/cli/cases/replicate_jkn, replicate_brr) on
#                   tests/data/design/design_mini.csv recomputed by R; the script stops if they differ

suppressMessages(library(survey))
options(survey.adjust.domain.lonely = FALSE, survey.lonely.psu = "fail")
in_dir <- "tests/golden/design"
out_dir <- "tests/golden/replicates"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
fmt <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))

rows <- list()
add <- function(case, call, kind, i, j, value, note = "") {
  rows[[length(rows) + 1]] <<- c(case, call, kind, i, j, fmt(value), gsub(",", ";", note))
}
meta <- list()
addm <- function(case, key, i, value) meta[[length(meta) + 1]] <<- c(case, key, i, as.character(value))

add_stat <- function(case, call, s) {
  cf <- coef(s); V <- as.matrix(vcov(s)); se <- SE(s)
  for (i in seq_along(cf)) {
    add(case, call, "est", i, 0, cf[[i]])
    add(case, call, "se", i, 0, se[[i]])
    for (j in seq_along(cf)) add(case, call, "vcov", i, j, V[i, j])
  }
}

# The statistics every case reports, on a replicate design `rd` whose variables are the input columns.
estimates <- function(case, rd, domains = TRUE) {
  add(case, "degf", "df", 0, 0, degf(rd))
  add_stat(case, "svymean", svymean(~yb + yc, rd))
  add_stat(case, "svytotal", svytotal(~yb + yc, rd))
  r <- svyratio(~yc, ~x, rd)
  add(case, "svyratio", "est", 1, 0, coef(r)[[1]]); add(case, "svyratio", "se", 1, 0, SE(r)[[1]])
  if (domains) {
    add_stat(case, "svyby_mean_dom", svyby(~yb, ~dom, rd, svymean, covmat = TRUE))
    add_stat(case, "svyby_total_dom", svyby(~yc, ~dom, rd, svytotal, covmat = TRUE))
    for (dv in sort(unique(rd$variables$dom))) add(case, paste0("degf_subset_dom", dv), "df", 0, 0, degf(subset(rd, dom == dv)))
  }
}

# Writes R's replicate multipliers of an as.svrepdesign() result.
write_rep <- function(case, rd, input, rows_filter = "") {
  rw <- rd$repweights
  stopifnot(inherits(rw, "repweights_compressed"), !rd$combined.weights)
  m <- rw$weights
  colnames(m) <- paste0("r", seq_len(ncol(m)))
  mm <- apply(m, 2, fmt)
  if (is.null(dim(mm))) mm <- matrix(mm, nrow = 1, dimnames = list(NULL, colnames(m)))
  write.csv(mm, file.path(out_dir, paste0(case, "_mult.csv")), row.names = FALSE, quote = FALSE)
  write.csv(data.frame(index = rw$index), file.path(out_dir, paste0(case, "_index.csv")), row.names = FALSE, quote = FALSE)
  addm(case, "input", 0, input)
  addm(case, "rows", 0, rows_filter)
  addm(case, "type", 0, rd$type)
  addm(case, "scale", 0, fmt(rd$scale))
  for (i in seq_along(rd$rscales)) addm(case, "rscale", i, fmt(rd$rscales[[i]]))
  addm(case, "mse", 0, as.integer(isTRUE(rd$mse)))
  addm(case, "rho", 0, fmt(if (is.null(rd$rho)) 0 else rd$rho))
  addm(case, "replicates", 0, ncol(m))
}

srs <- read.csv(file.path(in_dir, "srs_input.csv"))
cl <- read.csv(file.path(in_dir, "clus_input.csv"))
lo <- read.csv(file.path(in_dir, "lonely_input.csv"))

## ---- JK1 -------------------------------------------------------------------------------------------
s40 <- srs[1:40, ]
d <- svydesign(ids = ~1, fpc = ~fpc, weights = ~w, data = s40)
rd <- as.svrepdesign(d, type = "JK1")
write_rep("jk1_srs40", rd, "srs_input.csv", "first40")
estimates("jk1_srs40", rd, domains = FALSE)

cl$cid <- cl$stratum * 10 + cl$psu
d <- svydesign(ids = ~cid, weights = ~w, data = cl)
rd <- as.svrepdesign(d, type = "JK1")
write_rep("jk1_clus", rd, "clus_input.csv")
estimates("jk1_clus", rd)

# the same weights supplied as columns (combined), JK1 without scale: R guesses (R-1)/R
aw <- weights(rd, "analysis")
sup <- suppressWarnings(svrepdesign(data = cl, repweights = aw, weights = ~w, type = "JK1", combined.weights = TRUE))
addm("jk1_clus_supplied", "scale", 0, fmt(sup$scale))
estimates("jk1_clus_supplied", sup)

## ---- JKn -------------------------------------------------------------------------------------------
d <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = cl, nest = TRUE)
rd <- as.svrepdesign(d, type = "JKn")
write_rep("jkn_clus", rd, "clus_input.csv")
estimates("jkn_clus", rd)
rdm <- as.svrepdesign(d, type = "JKn", mse = TRUE)
estimates("jkn_clus_mse", rdm)
addm("jkn_clus_mse", "mse", 0, as.integer(isTRUE(rdm$mse)))
# svyby(covmat) with a domain that misses whole PSUs and strata
add_stat("jkn_clus", "svyby_mean_yc_area", svyby(~yc, ~dom2, rd, svymean, covmat = TRUE))
add("jkn_clus", "degf_subset_area", "df", 0, 0, degf(subset(rd, dom2 == 1)))

dl <- svydesign(ids = ~psu, strata = ~stratum, fpc = ~fpc, weights = ~w, data = lo, nest = TRUE)
for (opt in c("remove", "adjust", "average")) {
  options(survey.lonely.psu = opt)
  rd <- as.svrepdesign(dl, type = "JKn")
  case <- paste0("jkn_lonely_", opt)
  write_rep(case, rd, "lonely_input.csv")
  add(case, "degf", "df", 0, 0, degf(rd))
  add_stat(case, "svymean", svymean(~yb + yc, rd))
  add_stat(case, "svytotal", svytotal(~yb + yc, rd))
}
options(survey.lonely.psu = "fail")
res <- tryCatch(as.svrepdesign(dl, type = "JKn"), error = function(e) e)
add("jkn_lonely_fail", "as.svrepdesign", "error", 0, 0, NA, conditionMessage(res))

## ---- bootstrap (R's own random draws, supplied to hkstat as columns) ---------------------------------
set.seed(20240801)
rd <- as.svrepdesign(d, type = "bootstrap", replicates = 50)
write_rep("boot_clus", rd, "clus_input.csv")
estimates("boot_clus", rd)
set.seed(20240802)
rd <- as.svrepdesign(d, type = "subbootstrap", replicates = 40)
write_rep("subboot_clus", rd, "clus_input.csv")
estimates("subboot_clus", rd)

## ---- BRR and Fay -------------------------------------------------------------------------------------
br <- cl[cl$psu <= 2, c("id", "stratum", "psu", "w", "fpc", "yb", "yc", "x", "dom", "dom2")]
bw <- br
for (v in c("w", "fpc", "yc", "x")) bw[[v]] <- fmt(br[[v]])
write.csv(bw, file.path(out_dir, "brr_input.csv"), row.names = FALSE, quote = FALSE)
br6 <- br[br$stratum <= 106, ]
d6 <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = br6, nest = TRUE)
rd <- as.svrepdesign(d6, type = "BRR")
write_rep("brr6", rd, "brr_input.csv", "stratum<=106")
estimates("brr6", rd)
rd <- as.svrepdesign(d6, type = "Fay", fay.rho = 0.5)
write_rep("fay6", rd, "brr_input.csv", "stratum<=106")
estimates("fay6", rd)
d20 <- svydesign(ids = ~psu, strata = ~stratum, weights = ~w, data = br, nest = TRUE)
rd <- as.svrepdesign(d20, type = "BRR")
write_rep("brr20", rd, "brr_input.csv")
estimates("brr20", rd)
# hkstat's Hadamard matrix of order 24 (Paley I, q = 23: H = I + [[0, 1'], [-1, Q]], Q[i, j] = chi(j - i),
# normalised to a first row and column of +1), built here from the textbook definition and given to R's
# brrweights(). R maps the value of H[1, 1] to "second PSU", so the (unused) first row is negated to make
# +1 mean "first PSU", hkstat's convention. Means depend on the matrix; these are R's numbers for hkstat's.
paley1 <- function(q) {
  chi <- rep(-1, q); chi[1] <- 0; chi[((1:(q - 1))^2 %% q) + 1] <- 1
  Q <- outer(0:(q - 1), 0:(q - 1), function(i, j) chi[((j - i) %% q) + 1])
  H <- diag(q + 1) + rbind(c(0, rep(1, q)), cbind(rep(-1, q), Q))
  H <- H * H[, 1]                       # rows: first column +1
  t(t(H) * H[1, ])                      # columns: first row +1
}
P24 <- paley1(23)
stopifnot(all(P24 %*% t(P24) == 24 * diag(24)))
G <- P24; G[1, ] <- -G[1, ]
rd <- as.svrepdesign(d20, type = "BRR", hadamard.matrix = G)
write_rep("brr20_paley", rd, "brr_input.csv")
estimates("brr20_paley", rd)
add_stat("lin_brr20", "svytotal", svytotal(~yb + yc, d20))
add_stat("lin_brr20", "svymean", svymean(~yb + yc, d20))

## ---- the CLI's output (tests/cli/cases/replicate_jkn, replicate_brr: CSV and codebook) checked against R -------------------
# `hkstat replicate` wrote those golden files; R recomputes the replicate weights and rscales from the input and
# stops if any differs by more than 1e-15 relative (R computes its weights as 1/(1/w), one ulp from w × multiplier).
# Recorded as kind "maxreldiff".
mini <- read.csv("tests/data/design/design_mini.csv")
dm <- svydesign(ids = ~psu, strata = ~stratum, fpc = ~fpc, weights = ~w, data = mini, nest = TRUE)
relmax <- function(a, b) max(abs(a - b) / pmax(abs(b), 1e-300))
check_cli <- function(case, rd, file, spec, prefix) {
  got <- read.csv(file)
  ours <- as.matrix(got[, grep(paste0("^", prefix, "[0-9]+$"), names(got))])
  theirs <- weights(rd, "analysis")
  stopifnot(all(dim(ours) == dim(theirs)))
  d1 <- relmax(ours, theirs)
  # The [replicates] table at the end of the codebook hkstat replicate writes; BRR and Fay fix scale 1/R and
  # rscales 1 there (svrepdesign's rule), so those are what the codebook means when it gives none.
  sp <- readLines(spec)
  sp <- sp[seq(which(sp == "[replicates]"), length(sp))]
  rs_line <- grep("^rscales", sp, value = TRUE)
  sc_line <- grep("^scale", sp, value = TRUE)
  rs <- if (length(rs_line)) as.numeric(strsplit(gsub("^rscales = \\[|\\]$", "", rs_line), ", ")[[1]]) else rep(1, ncol(ours))
  sc <- if (length(sc_line)) as.numeric(sub("^scale = ", "", sc_line)) else 1 / ncol(ours)
  d2 <- max(relmax(rs, rd$rscales), relmax(sc, rd$scale))
  if (d1 > 1e-15 || d2 > 1e-15) stop(case, ": hkstat replicate differs from R: ", d1, " ", d2)
  add(case, "weights", "maxreldiff", 0, 0, d1)
  add(case, "scales", "maxreldiff", 0, 0, d2)
}
check_cli("cli_jkn", as.svrepdesign(dm, type = "JKn"), "tests/cli/cases/replicate_jkn/files/rep.csv",
          "tests/cli/cases/replicate_jkn/files/rep.codebook.toml", "rep")
check_cli("cli_brr", suppressWarnings(as.svrepdesign(dm, type = "BRR")), "tests/cli/cases/replicate_brr/files/brr.csv",
          "tests/cli/cases/replicate_brr/files/brr.codebook.toml", "brr")

out <- do.call(rbind, rows)
colnames(out) <- c("case", "call", "kind", "i", "j", "value", "note")
write.csv(out, file.path(out_dir, "results.csv"), row.names = FALSE, quote = FALSE)
mo <- do.call(rbind, meta)
colnames(mo) <- c("case", "key", "i", "value")
write.csv(mo, file.path(out_dir, "meta.csv"), row.names = FALSE, quote = FALSE)
cat("R", as.character(getRversion()), "survey", as.character(packageVersion("survey")), ":",
    nrow(out), "result rows,", nrow(mo), "meta rows in", out_dir, "\n")
