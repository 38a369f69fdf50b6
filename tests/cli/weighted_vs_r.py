#!/usr/bin/env python3
"""The weighted estimate of the real CLI against R's survey package.
  weighted_vs_r.py HKSTAT SOURCE_DIR
Data: tests/data/weighted/weighted_survey.csv (see its README); golden: tests/golden/ci/weighted_golden.csv from
r/weighted_golden.R (svydesign(ids=~1, weights=~w); svymean / svyratio on the domain; svyciprop).
Tolerances: estimate and SE 1e-9 relative; interval ends 1e-8 absolute (R's svyglm-based "logit" converges to ~1e-13,
so we compare with R's closed-form "xlogit", which equals it for a linearised design).
Checks, tolerances and messages of tests/cli/vs_r_check.py (VsR); ends with "N checks".
"""
import sys

sys.dont_write_bytecode = True  # importing vs_r_check writes no tests/cli/__pycache__
from vs_r_check import VsR, field, golden_row, read_golden  # noqa: E402

t = VsR()
golden = read_golden("tests/golden/ci/weighted_golden.csv")
# method in hkstat : method in the golden
for ours, theirs in [("logit", "xlogit"), ("wald", "mean"), ("beta", "beta"), ("wilson", "wilson")]:
    for level in ["0.95", "0.9"]:
        out = t.run_csv("", "estimate", "tests/data/weighted/weighted_survey.csv", "--rules", "tests/data/weighted/core_only.toml",
                        "--format", "csv", "--min-cell", "0", "--ci", ours, "--level", level)
        for age, design, point in [("all", "full", "all"), ("40-64", "subset", "dom")]:
            row = t.one(age, out.find(f2="broad", f3=age))
            p = golden_row(golden, "point", point)
            g = next((r for r in golden if r[:3] == ["ci", design, theirs] and abs(float(r[3]) - float(level)) < 1e-9), None)
            if g is None:
                t.failed(f"no golden row for {design} {theirs} {level}")
                continue
            t.check(f"{age} estimate", field(row, 6), field(p, 5), "rel", 1e-9)
            t.check(f"{age} se", field(row, 8), field(p, 6), "rel", 1e-9)
            t.check(f"{age} {ours} {level} lower", field(row, 9), field(g, 9), "abs", 1e-8)
            t.check(f"{age} {ours} {level} upper", field(row, 10), field(g, 10), "abs", 1e-8)
t.finish()
