# The second Python example of docs/library.md (tests/python/test_docs.py keeps the two identical and runs it):
# calibrated weights, replicates, a total with its SE and the report folder, as the hkstat command gives them.
#   python3 example_jobs.py survey.csv OUT_DIR
import sys

import hkstat

survey = hkstat.load(sys.argv[1])

r = survey.estimate(calibrate=True)  # hkstat estimate --calibrate: the run configuration's [weighting]
print("calibrated rate %.4f se %.4f" % (r.rate, r.se))

r = survey.estimate(replicates="bootstrap", replicates_n=200, seed=7)  # --replicates bootstrap --replicates-n 200
print("bootstrap rate %.4f se %.4f" % (r.rate, r.se))

total = survey.statistic("total")  # hkstat estimate --stat total: the persons of 広義 with their SE
row = total.row(meaning="rate_x_population")  # rate × population (the other row: the weighted total)
print("persons %.0f se %.0f (%s)" % (row.estimate, row.se, row.meaning))
mean_age = survey.statistic("mean", "問2", by=["問1"])  # --stat mean --var 問2 --by 問1: mean age by sex
print("mean age %.1f" % mean_age.row().estimate)

# hkstat report survey.csv --out-dir OUT_DIR --timestamp 2025-03-01: the same files, byte for byte.
folder = hkstat.report(sys.argv[1], out_dir=sys.argv[2], timestamp="2025-03-01")
print("report %s: %d files" % (folder.dir, len(folder.files)))
