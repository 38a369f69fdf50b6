# Benchmark job (h): job (a) after raking to the age band and the sex margins of bench/bench.population_age_sex.csv
# (survey's rake, iterated to 1e-10 as hkstat's default epsilon; calibration-aware linearised SEs).
# Usage: Rscript bench/r/job_h.R FILE
args <- commandArgs(trailingOnly = TRUE)
source(file.path(dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE))), "common.R"))
d <- bench_read(args[1])
pop <- bench_population()
m_age <- pop[, .(Freq = sum(Freq)), by = age_band]
m_sex <- pop[, .(Freq = sum(Freq)), by = sex]
rk <- rake(bench_design(d), list(~age_band, ~sex), list(as.data.frame(m_age), as.data.frame(m_sex)),
           control = list(maxit = 100, epsilon = 1e-10))
bench_prevalence("h", rk)
