#!/usr/bin/env python3
"""tests/cli/compare_by_cross_vs_r.py HKSTAT SOURCE_DIR — `hkstat compare --by sex,district,duration` (crossed three
deep: each variable alone, every pair, the triple, and the whole sample) against R, through the real CLI.

Golden: r/compare_by_cross_golden.R → tests/golden/compare/by_cross.csv (svyby per survey on the stratified cluster
design with text labels and fpc, tests/data/design/design_labels.csv = survey A, tests/data/compare_by/b.csv and
c.csv = surveys B and C). Two surveys (A → B, `--format csv`, one row per block × answer): each survey's share, SE
and df, the difference B − A, its SE and df. Three surveys (A, B, C: the trend CSV, one row per survey): each
survey's share and SE, and the change of B and of C from A with its SE and df. Shares, SEs and differences to 1e-9
relative (1e-12 absolute where R's value is below 1e-12), df exactly; every golden row must be found once, and
hkstat must print no block the golden lacks.
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
CB = "tests/data/design/labels.codebook.toml"
SURVEYS = ["tests/data/design/design_labels.csv", "tests/data/compare_by/b.csv", "tests/data/compare_by/c.csv"]


def run(files):
    cmd = [hk, "compare", *files, "--codebook", CB, "--var", "outing", "--by", "sex,district,duration", "--no-prevalence", "--min-cell", "0",
           "--format", "csv"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        print("hkstat failed:", " ".join(cmd), p.stderr)
        sys.exit(1)
    return list(csv.DictReader(io.StringIO(p.stdout)))


with open("tests/golden/compare/by_cross.csv", encoding="utf-8") as f:
    golden = list(csv.DictReader(f))
if len(golden) != 36 * 8:
    failures.append(f"{len(golden)} golden rows, want 288 (36 blocks x 8 answers)")

# Two surveys: one row per block and answer.
pair = {(r["sex"], r["key"]): r for r in run(SURVEYS[:2]) if r["section"] == "distribution"}
blocks = {r["level"] for r in golden}
for level, key in pair:
    if level not in blocks:
        failures.append(f"pair: hkstat block {level} is not in the golden")
for g in golden:
    r = pair.get((g["level"], g["answer"]))
    what = f"pair {g['level']} {g['answer']}"
    if r is None:
        failures.append(f"{what}: no hkstat row")
        continue
    for side in ("a", "b"):
        near(f"{what} estimate_{side}", r[f"estimate_{side}"], g[f"est_{side}"])
        near(f"{what} se_{side}", r[f"se_{side}"], g[f"se_{side}"])
        exact(f"{what} df_{side}", r[f"df_{side}"], g[f"df_{side}"])
    near(f"{what} difference", r["difference"], g["diff_b"])
    near(f"{what} se_difference", r["se_difference"], g["se_diff_b"])
    exact(f"{what} df_difference", r["df_difference"], g["df_diff_b"])

# Three surveys: the trend, every change from the first survey.
trend = {(r["round"], r["sex"], r["key"]): r for r in run(SURVEYS) if r["section"] == "distribution"}
answers = [k for k in trend if k[2] != "no_answer"]
if len(answers) != 3 * len(golden):
    failures.append(f"trend: {len(answers)} hkstat answer rows, want {3 * len(golden)}")
for k, r in trend.items():  # no 無回答 in these data: each block's 無回答 row is 0
    if k[2] == "no_answer" and float(r["estimate"]) != 0:
        failures.append(f"trend {k}: 無回答 {r['estimate']}, want 0")
for g in golden:
    for rnd, side in (("1", "a"), ("2", "b"), ("3", "c")):
        r = trend.get((rnd, g["level"], g["answer"]))
        what = f"trend round {rnd} {g['level']} {g['answer']}"
        if r is None:
            failures.append(f"{what}: no hkstat row")
            continue
        near(f"{what} estimate", r["estimate"], g[f"est_{side}"])
        near(f"{what} se", r["se"], g[f"se_{side}"])
        exact(f"{what} df", r["df"], g[f"df_{side}"])
        if side != "a":
            near(f"{what} difference", r["difference"], g[f"diff_{side}"])
            near(f"{what} se_difference", r["se_difference"], g[f"se_diff_{side}"])
            exact(f"{what} df_difference", r["df_difference"], g[f"df_diff_{side}"])

for f in failures[:40]:
    print("FAIL", f)
if failures:
    print(f"{len(failures)} failures")
    sys.exit(1)
print(f"ok: {len(golden)} cells, two surveys and the trend of three")
