# Benchmark job (c): the 12 reasons (0/1 columns) within the 広義 group: overall, by age band, by sex and by
# age band x sex (what hkstat tabulate --var reasons --domain broad --by age10,sex prints), weighted means
# with linearised SEs. Usage: Rscript bench/r/job_c.R FILE
args <- commandArgs(trailingOnly = TRUE)
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE))), "common.R"))
d <- bench_read(args[1])
sub_des <- subset(bench_design(d), broad == 1)
reasons <- sprintf("reason_%02d", 1:12)
f <- as.formula(paste("~", paste(reasons, collapse = " + ")))
cat("job,domain,variable,estimate,se,ci_lower,ci_upper\n")
m <- svymean(f, sub_des)
for (r in reasons) bench_print("c", "all", r, coef(m)[[r]], SE(m)[[r]])
for (by in list(~age_band, ~sex, ~age_band + sex)) {
  b <- svyby(f, by, sub_des, svymean)
  keys <- all.vars(by)
  for (i in seq_len(nrow(b))) {
    dom <- paste(vapply(keys, function(k) as.character(b[[k]][i]), ""), collapse = "/")
    for (r in reasons) bench_print("c", dom, r, b[[r]][i], b[[paste0("se.", r)]][i])
  }
}
