# Benchmark job (e): the distribution of the main reason (one answer, 13 codes) among all respondents who
# answered it, with 100 bootstrap replicates. Usage: Rscript bench/r/job_e.R FILE
args <- commandArgs(trailingOnly = TRUE)
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE))), "common.R"))
d <- bench_read(args[1])
d[, main := factor(main_reason, levels = 1:13)]
m <- svymean(~main, subset(bench_bootstrap(d), !is.na(main)))
cat("job,domain,variable,estimate,se,ci_lower,ci_upper\n")
for (k in 1:13) bench_print("e", "all", sprintf("code_%d", k), coef(m)[[k]], SE(m)[[k]])
