# Benchmark job (d): job (c) -- the 12 reasons within the 広義 group, overall, by age band, by sex and by age
# band x sex -- with 100 bootstrap replicates (as.svrepdesign(type = "bootstrap")) instead of linearisation.
# Usage: Rscript bench/r/job_d.R FILE
args <- commandArgs(trailingOnly = TRUE)
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE))), "common.R"))
d <- bench_read(args[1])
bench_reasons("d", subset(bench_bootstrap(d), broad == 1))
