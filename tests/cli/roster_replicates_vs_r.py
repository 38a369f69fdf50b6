#!/usr/bin/env python3
"""tests/cli/roster_replicates_vs_r.py HKSTAT SOURCE_DIR — the prevalence with household members on replicate designs,
through the real CLI, against R.

Golden: r/roster_replicates_golden.R → tests/golden/roster_cli/replicates.csv.
* Supplied columns: the synthetic roster sample tests/data/roster_design/ with R's 30 JKn replicate weights
  (roster_design_jkn.*: a codebook [roster] together with [replicates]): svyratio(~y, ~d) on the svrepdesign for
  respondents+members and persons, svymean(~case, subset(…)) for respondents; rule-set core_only; cells all, 15-39,
  40-64 and --by sex × broad, narrow, semi.
* Created from the design: the same sample without the columns, `--replicates jkn` (hkstat's JKn multipliers are
  R's, so the same golden rows).
* Created without a psu column: the 西東京市 sample, `--replicates jk1` (each respondent its own PSU), members
  counted (rows "nishitokyo_jk1:…", all ages).
Estimates and SEs to 1e-9 relative (1e-12 absolute below 1e-12), df exactly; every golden row found once. The
interval is not in the golden: it is est ± t(df)·SE, the same code as the linearised estimate that cli.roster_vs_r
checks against R.
"""
import csv
import io
import os
import subprocess
import sys

hk, src = sys.argv[1], sys.argv[2]
os.chdir(src)
sys.dont_write_bytecode = True  # importing vs_r_check writes no tests/cli/__pycache__
from vs_r_check import Checks

checks = Checks()
failures, near, exact = checks.failures, checks.near, checks.exact

with open("tests/golden/roster_cli/replicates.csv", encoding="utf-8") as f:
    golden = list(csv.DictReader(f))
if len(golden) != 51:
    failures.append(f"{len(golden)} golden rows, want 51 (5 cells x 3 measures x 3 numerators, and 3 measures x 2 numerators)")

RULES = ["--rules", "tests/data/weighted/core_only.toml"]
RUNS = [  # (what, golden sample prefix, hkstat input and design options, cells)
    ("supplied JKn columns", "", ["tests/data/roster_design/roster_design_jkn.csv", "--codebook",
                                  "tests/data/roster_design/roster_design_jkn.codebook.toml"]),
    ("created --replicates jkn", "", ["tests/data/roster_design/roster_design.csv", "--codebook",
                                      "tests/data/roster_design/roster_design.codebook.toml", "--replicates", "jkn"]),
    ("created --replicates jk1, no psu column", "nishitokyo_jk1:", ["data/samples/nishitokyo2024.csv", "--replicates", "jk1"]),
]

compared = 0
for what, prefix, args in RUNS:
    for numerator in ("respondents", "respondents+members", "persons"):
        want = [g for g in golden if g["numerator"] == prefix + numerator]
        if prefix and numerator == "respondents":
            continue
        cmd = [hk, "estimate", *args, *RULES, "--numerator", numerator, "--min-cell", "0", "--format", "csv"]
        if not prefix:
            cmd += ["--age-groups", "15-39,40-64", "--by", "sex"]
        if numerator == "respondents":
            cmd += ["--ci", "wald"]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            print("hkstat failed:", " ".join(cmd), p.stderr)
            sys.exit(1)
        rows = list(csv.DictReader(io.StringIO(p.stdout)))
        if not want:
            failures.append(f"{what} {numerator}: no golden rows")
        for g in want:
            label = f"{what}: {numerator} {g['measure']} {g['group']} sex={g['by_level']}"
            hits = [r for r in rows if r["measure"] == g["measure"] and r["age_group"] == g["group"] and r.get("by_level", "") == g["by_level"]]
            if len(hits) != 1:
                failures.append(f"{label}: {len(hits)} hkstat rows")
                continue
            r = hits[0]
            if r["numerator"] != numerator:
                failures.append(f"{label}: hkstat estimated numerator {r['numerator']!r}")
            near(f"{label} estimate", r["rate"], g["estimate"])
            near(f"{label} se", r["se"], g["se"])
            exact(f"{label} df", r["df"], g["df"])
            compared += 1

for f in failures:
    print("FAIL", f)
print(f"{compared} cells compared with R, {len(failures)} failures")
sys.exit(1 if failures or compared != 96 else 0)
