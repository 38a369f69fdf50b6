#!/usr/bin/env python3
"""`hkstat estimate --by sex,district,duration` (each variable alone, every pair and the triple crossed) against R's
svyby(~broad, ~A + B [+ C], design, svymean), through the real CLI, on the stratified cluster design with text labels
(tests/data/design/design_labels.csv): every combination of the crossed terms.
  estimate_by_cross_vs_r.py HKSTAT SOURCE_DIR
Golden: r/estimate_by_cross_golden.R → tests/golden/estimate_cli/by_cross.csv.
Tolerances: rate, SE and deff 1e-9 relative (1e-12 absolute where R's value is below 1e-12); df exact.
The CSV columns are found by name (by_variable, by_level, rate, se, df, deff).
Checks, tolerances and messages of tests/cli/vs_r_check.py (VsR); ends with "N checks".
"""
import sys

sys.dont_write_bytecode = True  # importing vs_r_check writes no tests/cli/__pycache__
from vs_r_check import VsR, read_golden  # noqa: E402

t = VsR()
out = t.run_csv("estimate", "estimate", "tests/data/design/design_labels.csv", "--codebook", "tests/data/design/labels.codebook.toml",
                "--rules", "tests/data/weighted/core_only.toml", "--by", "sex,district,duration", "--age-groups", "15-64", "--min-cell", "0",
                "--format", "csv")
rows = 0
for gterm, glevel, gest, gse, gdf, gdeff in read_golden("tests/golden/estimate_cli/by_cross.csv"):
    if gterm == "term":
        continue
    rows += 1
    found = out.match(measure="broad", age_group="all", by_variable=gterm, by_level=glevel)
    if len(found) != 1:
        t.failed(f"FAIL no single hkstat row for {gterm}={glevel}")
        continue
    t.check_prop(f"{gterm}={glevel}", out, found[0], "rate", gest, gse, gdf, "NA", "NA", gdeff)
t.want_rows("all", rows, 28)
t.finish()
