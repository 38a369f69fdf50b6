# Benchmark job (g): job (a) after post-stratification to the age band x sex table bench/bench.population_age_sex.csv
# (survey's postStratify; calibration-aware linearised SEs). Usage: Rscript bench/r/job_g.R FILE
args <- commandArgs(trailingOnly = TRUE)
here <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(), value = TRUE)))
source(file.path(here, "common.R"))
d <- bench_read(args[1])
pop <- fread(file.path(here, "..", "bench.population_age_sex.csv"), encoding = "UTF-8")
pop[, sex := factor(ifelse(sex == "男性", "male", "female"), levels = c("male", "female"))]
pop[, age_band := factor(age_band, levels = levels(d$age_band))]
setnames(pop, "count", "Freq")
bench_prevalence("g", postStratify(bench_design(d), ~age_band + sex, as.data.frame(pop)))
