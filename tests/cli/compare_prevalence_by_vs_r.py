#!/usr/bin/env python3
"""tests/cli/compare_prevalence_by_vs_r.py HKSTAT SOURCE_DIR — the prevalence table of `hkstat compare A B --by V`
(each level of V, and the whole sample) against R, through the real CLI.

Golden: r/compare_prevalence_by_golden.R → tests/golden/compare/prevalence_by.csv (svyby per survey on the
stratified cluster design with text labels and fpc: tests/data/design/design_labels.csv = survey A,
tests/data/compare_by/b.csv = survey B; rule-set tests/data/weighted/core_only.toml). For V = sex and V = district,
every level and measure (広義 broad, 狭義 narrow, 準 semi): each survey's rate, SE and df, the change B − A, its SE
and df. Rates, SEs and changes to 1e-9 relative (1e-12 absolute where R's value is below 1e-12), df exactly; every
golden row must be found once, and hkstat must print no level the golden lacks.
"""
import csv
import io
import os
import subprocess
import sys

hk, src = sys.argv[1], sys.argv[2]
os.chdir(src)
sys.dont_write_bytecode = True  # importing vs_r_check writes no tests/cli/__pycache__
from vs_r_check import Checks  # noqa: E402

checks = Checks()
failures, near, exact = checks.failures, checks.near, checks.exact
A, B = "tests/data/design/design_labels.csv", "tests/data/compare_by/b.csv"


def run(by):
    cmd = [hk, "compare", A, B, "--codebook", "tests/data/design/labels.codebook.toml", "--rules", "tests/data/weighted/core_only.toml",
           "--by", by, "--age-groups", "15-64", "--min-cell", "0", "--format", "csv"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        print("hkstat failed:", " ".join(cmd), p.stderr)
        sys.exit(1)
    return [r for r in csv.DictReader(io.StringIO(p.stdout)) if r["section"] == "prevalence" and r["age_group"] == "all"]


with open("tests/golden/compare/prevalence_by.csv", encoding="utf-8") as f:
    golden = list(csv.DictReader(f))
if len(golden) != 18:
    failures.append(f"{len(golden)} golden rows, want 18 (whole sample, 2 sexes and 3 districts, x 3 measures)")

checked = 0
for by in ("sex", "district"):
    rows = run(by)
    want = [g for g in golden if g["by"] in ("all", by)]
    got = {}
    for r in rows:
        got.setdefault((r["sex"], r["measure"]), []).append(r)
    for g in want:
        found = got.get((g["level"], g["measure"]), [])
        what = f"--by {by} {g['level']} {g['measure']}"
        if len(found) != 1:
            failures.append(f"{what}: {len(found)} hkstat rows, want 1")
            continue
        r = found[0]
        near(what + " estimate_a", r["estimate_a"], g["est_a"])
        near(what + " se_a", r["se_a"], g["se_a"])
        exact(what + " df_a", r["df_a"], g["df_a"])
        near(what + " estimate_b", r["estimate_b"], g["est_b"])
        near(what + " se_b", r["se_b"], g["se_b"])
        exact(what + " df_b", r["df_b"], g["df_b"])
        near(what + " difference", r["difference"], g["diff"])
        near(what + " se_difference", r["se_difference"], g["se_diff"])
        exact(what + " df_difference", r["df_difference"], g["df_diff"])
        checked += 1
    extra = set(got) - {(g["level"], g["measure"]) for g in want}
    if extra:
        failures.append(f"--by {by}: hkstat prints levels R does not have: {sorted(extra)}")

for f in failures:
    print("FAIL", f)
print(f"{checked} rows checked against R, {len(failures)} failures")
sys.exit(1 if failures or checked != 21 else 0)
