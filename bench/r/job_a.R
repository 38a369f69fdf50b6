# Benchmark job (a): read, classify, overall + age band x sex prevalence of 広義, linearised logit intervals
# under the stratified cluster design. Usage: Rscript bench/r/job_a.R FILE
args <- commandArgs(trailingOnly = TRUE)
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE))), "common.R"))
d <- bench_read(args[1])
bench_prevalence("a", bench_design(d))
