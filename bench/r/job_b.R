# Benchmark job (b): job (a) with 100 bootstrap replicates (Rao-Wu rescaled bootstrap, survey's
# as.svrepdesign(type = "bootstrap")) instead of linearisation. Usage: Rscript bench/r/job_b.R FILE
args <- commandArgs(trailingOnly = TRUE)
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE))), "common.R"))
d <- bench_read(args[1])
bench_prevalence("b", bench_bootstrap(d))
