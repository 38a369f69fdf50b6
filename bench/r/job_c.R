# Benchmark job (c): the 12 reasons (0/1 columns) within the 広義 group: overall, by age band, by sex and by
# age band x sex (what hkstat tabulate --var reasons --domain broad --by age10,sex prints), weighted means
# with linearised SEs. Usage: Rscript bench/r/job_c.R FILE
args <- commandArgs(trailingOnly = TRUE)
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE))), "common.R"))
d <- bench_read(args[1])
bench_reasons("c", subset(bench_design(d), broad == 1))
