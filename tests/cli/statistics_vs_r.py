#!/usr/bin/env python3
"""`hkstat estimate --stat total|mean|ratio` against R (r/statistics_golden.R → tests/golden/statistics_cli/), through the
real CLI, on a design whose stratum and PSU columns are text labels (tests/data/design/design_labels.csv): svytotal and
its SE, persons = rate × population with SE = population × SE(rate), svyby over a code variable that is not age or sex
(district), subset() domains from --where, created JKn replicates, svymean and svyratio; the prevalence by district
with deff = "replace" and deff = TRUE; `hkstat tabulate --stat total` (the same svytotal per answer, checked against
the golden rows of total_district and total_outing_by); and the prevalence on the text-labelled file equals the
prevalence on the same rows with integer labels (design_survey.csv) to 1e-12.
  statistics_vs_r.py HKSTAT SOURCE_DIR
Tolerances: estimate, SE and deff 1e-9 relative; df exact.
Checks, tolerances and messages of tests/cli/vs_r_check.py (VsR); ends with "N checks".
"""
import re
import sys

sys.dont_write_bytecode = True  # importing vs_r_check writes no tests/cli/__pycache__
from vs_r_check import Csv, VsR, field, read_golden  # noqa: E402

t = VsR()
data, cb, rules = "tests/data/design/design_labels.csv", "tests/data/design/labels.codebook.toml", "tests/data/weighted/core_only.toml"
golden = read_golden("tests/golden/statistics_cli/results.csv")
CASES = {  # case: (command, options, the `meaning` of the rows compared: '' for every row)
    "total_broad": ("estimate", ["--stat", "total", "--by", "district"], "weighted_total"),
    "persons": ("estimate", ["--stat", "total", "--population", "100000"], "rate_x_population"),
    "total_district": ("estimate", ["--stat", "total", "--var", "district"], ""),
    "total_outing_by": ("estimate", ["--stat", "total", "--var", "outing", "--by", "district"], ""),
    "mean_visits": ("estimate", ["--stat", "mean", "--var", "visits", "--by", "district"], ""),
    "ratio_visits_hh": ("estimate", ["--stat", "ratio", "--var", "visits", "--denominator", "hh", "--by", "district"], ""),
    "where_total": ("estimate", ["--stat", "total", "--by", "district", "--where", "age >= 40"], "weighted_total"),
    "where_mean": ("estimate", ["--stat", "mean", "--var", "visits", "--by", "district", "--where", "age >= 40"], ""),
    "jkn_total": ("estimate", ["--stat", "total", "--by", "district", "--replicates", "jkn"], "weighted_total"),
    "jkn_mean": ("estimate", ["--stat", "mean", "--var", "visits", "--by", "district", "--replicates", "jkn"], ""),
    # tabulate --stat total: the same svytotal per answer (R golden rows of total_district / total_outing_by).
    "tabulate_total_district": ("tabulate", ["--stat", "total", "--var", "district"], ""),
    "tabulate_total_outing_by": ("tabulate", ["--stat", "total", "--var", "outing", "--by", "district"], ""),
}
for case, (cmd, args, meaning) in CASES.items():
    rc, text = t.run(cmd, data, "--codebook", cb, "--rules", rules, "--min-cell", "0", "--format", "csv", *args)
    if rc != 0:
        t.failed(f"FAIL hkstat failed: {case}")
        continue
    out = Csv(text)
    fe, fs, fd = out.col("estimate"), out.col("se"), out.col("df")
    rows = 0
    for gcase, gby, ggroup, gcat, gest, gse, gdf in golden:
        if gcase != case.removeprefix("tabulate_"):
            continue
        rows += 1
        found = [r for r in out.match(by=gby, group=ggroup, category=gcat) if meaning == "" or field(r, out.col("meaning")) == meaning]
        label = f"{case} {gby}={ggroup} category={gcat}"
        if len(found) != 1:
            t.failed(f"FAIL {label}: {len(found)} hkstat rows")
            continue
        t.check(f"{label} estimate", field(found[0], fe), gest, "rel", 1e-9)
        t.check(f"{label} se", field(found[0], fs), gse, "rel", 1e-9)
        t.check(f"{label} df", field(found[0], fd), gdf, "abs", 0)
    if rows == 0:
        t.failed(f"FAIL {case}: no golden rows")

# Prevalence by district: deff (R deff = "replace") and deff_wor (R deff = TRUE).
rc, text = t.run("estimate", data, "--codebook", cb, "--rules", rules, "--min-cell", "0", "--by", "district", "--format", "csv")
if rc != 0:
    print("FAIL hkstat estimate --by district")
    sys.exit(1)
out = Csv(text)
for k, gest, gse, gdr, gdw in read_golden("tests/golden/statistics_cli/deff.csv"):
    if k == "district":
        continue
    found = out.match(measure="broad", age_group="all", by_variable="district", by_level=k)
    if len(found) != 1:
        t.failed(f"FAIL prevalence district={k}: no single hkstat row")
        continue
    row = found[0]
    t.check(f"prevalence district={k} rate", field(row, out.col("rate")), gest, "rel", 1e-9)
    t.check(f"prevalence district={k} se", field(row, out.col("se")), gse, "rel", 1e-9)
    t.check(f"prevalence district={k} deff (replace)", field(row, out.col("deff")), gdr, "rel", 1e-9)
    t.check(f"prevalence district={k} deff_wor (TRUE)", field(row, out.col("deff_wor")), gdw, "rel", 1e-9)

# Label spelling does not change a number: text labels vs the integer labels of the same rows. The strata are summed in
# another order (byte order of "12-1", "3-1", … vs 1, 2, …): equal to 1e-12 relative, every other field identical.
rc_a, a = t.run("estimate", "tests/data/design/design_survey.csv", "--codebook", "tests/data/design/calib.codebook.toml", "--rules", rules,
                "--min-cell", "0", "--format", "csv")
rc_b, b = t.run("estimate", data, "--codebook", cb, "--rules", rules, "--min-cell", "0", "--format", "csv")
t.count += 1
same = rc_a == 0 and rc_b == 0
if not same:
    t.fail = True
a_lines, b_lines = a.split("\n"), b.split("\n")
if len(a_lines) != len(b_lines):
    print("FAIL text labels: another number of lines")
    same = False
NUMBER = re.compile(r"^-?[0-9.e+-]+$")
for n, (x_line, y_line) in enumerate(zip(a_lines, b_lines), start=1):
    x, y = x_line.split(","), y_line.split(",")
    if len(x) != len(y):
        print(f"FAIL text labels: line {n} has another number of fields")
        same = False
        continue
    for i, (u, v) in enumerate(zip(x, y), start=1):
        if u == v:
            continue
        if NUMBER.match(u) and NUMBER.match(v):
            try:
                if abs(float(u) - float(v)) <= 1e-12 * abs(float(u)):
                    continue
            except ValueError:  # "e", "." or "-" alone: not numbers, and not equal
                pass
        print(f"FAIL text labels: line {n} field {i}: {u} vs {v}")
        same = False
if same:
    print("ok   text labels: prevalence equal to the integer labels' (1e-12)")
else:
    t.fail = True
t.finish()
