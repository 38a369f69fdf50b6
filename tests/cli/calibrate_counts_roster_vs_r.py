#!/usr/bin/env python3
"""`hkstat estimate --calibrate` on a counted file and on a survey with a long household roster against R's survey
package, through the real CLI.
  calibrate_counts_roster_vs_r.py HKSTAT SOURCE_DIR
Golden: r/calibrate_counts_roster_golden.R → tests/golden/calibrate_counts_roster/estimate.csv:
  counted       tests/data/counts/counted.csv (role count), post-stratified as counted.hkstat.toml says; R expands
                the rows to people;
  counted_rake  the same, nonresponse cells, raking and strict trimming as counted_rake.hkstat.toml says;
  roster        tests/data/roster_calib/household_long.* (a long roster; H4 reports a member and gets weight 0), the
                respondents' calibrated estimate (`estimate --calibrate` with a roster gives it, and a note).
Each runs from the file (the calibrated stream: passes over the file, a counted row's people expanded in parts) and
from standard input (a pipe: the passes read a temporary copy). The roster is also run as `report --calibrate`
(its prevalence table, tables/prevalence.csv), against R and against `estimate --calibrate --format csv` on the same
data (every column both print: numbers 1e-12 absolute, text exactly). Every cell of `estimate --by sex` (counted; roster: no --by):
rate, SE, df, logit interval ends — all 1e-8 absolute (df exact); interval ends NA in R (a rate of 0 or 1, where
hkstat gives Clopper–Pearson) not compared. Prints the largest gap; ends with "N checks".
"""
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # importing vs_r_check writes no tests/cli/__pycache__
from vs_r_check import Csv, VsR, field, read_golden  # noqa: E402

t = VsR()
golden = read_golden("tests/golden/calibrate_counts_roster/estimate.csv")[1:]
COUNTS = ["--codebook", "tests/data/counts/counted.codebook.toml", "--calibrate", "--by", "sex", "--min-cell", "0"]
ROSTER = ["--codebook", "tests/data/roster_calib/household_long.codebook.toml", "--config",
          "tests/data/roster_calib/household_long.hkstat.toml", "--rules", "cao2022-scz-physical", "--population", "1000",
          "--min-cell", "0", "--calibrate"]
RUNS = [("counted", "tests/data/counts/counted.csv", ["--config", "tests/data/counts/counted.hkstat.toml", *COUNTS]),
        ("counted_rake", "tests/data/counts/counted.csv", ["--config", "tests/data/counts/counted_rake.hkstat.toml", *COUNTS]),
        ("roster", "tests/data/roster_calib/household_long.csv", ROSTER)]
gap = [0.0, ""]


def run(what, data, args, path):
    if path == "file":
        p = subprocess.run([t.hkstat, "estimate", data, *args, "--format", "csv"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    else:
        with open(data, "rb") as f:
            p = subprocess.run([t.hkstat, "estimate", "-", *args, "--format", "csv"], input=f.read(), stdout=subprocess.PIPE)
    if p.returncode != 0:
        print(f"hkstat failed: {what}")
        sys.stdout.flush()
        sys.exit(1)
    return Csv(p.stdout.decode("utf-8"))


def check(label, got, want):
    t.check(label, got, want, "abs", 1e-8)
    try:
        d = abs(float(got) - float(want))
    except ValueError:
        return
    if d > gap[0]:
        gap[0], gap[1] = d, label


def compare(label, out, want, rate="rate"):
    for _, sx, grp, measure, est, se, df, lower, upper in want:
        cell = f"{label} sex {sx} {grp} {measure}"
        row = t.one(cell, out.match(measure=measure, age_group=grp, by_variable="" if sx == "all" else "sex",
                                    by_level="" if sx == "all" else sx))
        if row is None:
            t.failed(f"FAIL no hkstat row for {cell}")
            continue
        check(f"{cell} {rate}", field(row, out.col(rate)), est)
        check(f"{cell} se", field(row, out.col("se")), se)
        t.check(f"{cell} df", field(row, out.col("df")), df, "abs", 0)
        if lower != "NA":
            check(f"{cell} lower", field(row, out.col("ci_lower")), lower)
            check(f"{cell} upper", field(row, out.col("ci_upper")), upper)


t.want_rows("designs", len({g[0] for g in golden}), len(RUNS))
for design, data, args in RUNS:
    want = [g for g in golden if g[0] == design]
    t.want_rows(f"{design} cells", len(want), 9 if design == "roster" else 27)
    for path in ["file", "stdin"]:
        compare(f"{design} {path}", run(f"{design} {path}", data, args, path), want)

# report --calibrate on the roster: its prevalence table's CSV.
with tempfile.TemporaryDirectory() as tmp:
    out_dir = os.path.join(tmp, "out")
    p = subprocess.run([t.hkstat, "report", RUNS[2][1], *ROSTER, "--out-dir", out_dir, "--timestamp", "2025-03-01"],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    if p.returncode != 0:
        print("hkstat failed: roster report")
        sys.exit(1)
    with open(os.path.join(out_dir, "tables", "prevalence.csv"), encoding="utf-8-sig") as f:
        text = f.read()
    report = Csv(text)
    compare("roster report", report, [g for g in golden if g[0] == "roster"])
# The report's prevalence table is estimate --calibrate's (the respondents' calibrated estimate; the same members
# read): every row and every column the two print, numbers to 1e-12 absolute, text exactly.
estimate = run("roster estimate", RUNS[2][1], ROSTER, "file")
t.want_rows("roster report rows", len(report.rows), len(estimate.rows))
for row in estimate.rows:
    key = (field(row, estimate.col("measure")), field(row, estimate.col("age_group")))
    label = f"roster report = estimate {key[0]} {key[1]}"
    mine = t.one(label, report.match(measure=key[0], age_group=key[1]))
    shared = [c for c in estimate.header if report.col(c)]
    t.want_rows(f"{label} columns", len(shared) >= 20, True)
    for c in shared:
        got, want = field(mine, report.col(c)), field(row, estimate.col(c))
        if got == want:  # the same text (an empty field too)
            t.count += 1
            print(f"ok   {label} {c}: {got}")
        else:
            t.check(f"{label} {c}", got, want, "abs", 1e-12)
print(f"largest gap: {gap[0]:.3g} ({gap[1]})")
t.finish()
