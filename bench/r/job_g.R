# Benchmark job (g): job (a) after post-stratification to the age band x sex table bench/bench.population_age_sex.csv
# (survey's postStratify; calibration-aware linearised SEs). Usage: Rscript bench/r/job_g.R FILE
args <- commandArgs(trailingOnly = TRUE)
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE))), "common.R"))
d <- bench_read(args[1])
bench_prevalence("g", postStratify(bench_design(d), ~age_band + sex, as.data.frame(bench_population())))
