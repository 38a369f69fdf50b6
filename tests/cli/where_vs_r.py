#!/usr/bin/env python3
"""`hkstat tabulate --where EXPR` and `hkstat estimate --where EXPR` against R's subset(design, EXPR) (the design kept:
every PSU in the variance, df of the subpopulation), through the real CLI: every outing category under three
conditions, on a linearised, a post-stratified (--calibrate) and a created-JKn (--replicates jkn) design, with the
logit, Wald and beta intervals; and the prevalence (broad, narrow) within each condition and condition × age group
(logit, beta).
  where_vs_r.py HKSTAT SOURCE_DIR
Golden: r/where_golden.R → tests/golden/tabulate_cli/where.csv, tests/golden/design_cli/where_estimate.csv.
Tolerances: percentage, SE and deff 1e-9 relative (1e-12 absolute where R's value is below 1e-12); df exact; interval
ends 1e-8 absolute (hkstat's wald interval is clipped to [0, 1], R's "mean" is not: R's ends are clipped before
comparing: clip01 in vs_r_check.py).
Checks, tolerances and messages of tests/cli/vs_r_check.py (VsR); ends with "N checks".
"""
import sys

sys.dont_write_bytecode = True  # importing vs_r_check writes no tests/cli/__pycache__
from vs_r_check import VsR, clip01, design_options, read_golden  # noqa: E402

t = VsR()
golden = read_golden("tests/golden/tabulate_cli/where.csv")
golden_estimate = read_golden("tests/golden/design_cli/where_estimate.csv")
data, cb = "tests/data/design/design_survey.csv", "tests/data/design/calib.codebook.toml"
CONDITIONS = {"age40": "age >= 40", "female30": "age >= 30 and sex = female", "not_in": "not (duration = 3 and age < 25)"}
for design in ["full", "calib_poststratify", "rep_jkn"]:
    extra = design_options(design)
    for cond, where in CONDITIONS.items():
        for ours, theirs in [("logit", "xlogit"), ("wald", "mean"), ("beta", "beta")]:
            out = t.run_csv(f"{design} {cond} {ours}", "tabulate", data, "--codebook", cb, *extra, "--var", "outing", "--where", where,
                            "--min-cell", "0", "--ci", ours, "--format", "csv")
            rows = 0
            for gd, gw, gcode, gmethod, gest, gse, gdf, glo, ghi, gdeff in golden:
                if not (gd == design and gw == cond and gmethod == theirs):
                    continue
                rows += 1
                found = out.find(f1="outing", f2="all", f3="all", f4="all", f5=gcode)
                if not found:
                    t.failed(f"FAIL no hkstat row for {design} {cond} outing={gcode}")
                    continue
                label = f"{design} {cond} outing={gcode} {ours}"
                t.check_prop(label, out, t.one(label, found), "percent", gest, gse, gdf, clip01(glo), clip01(ghi), gdeff)
            t.want_rows(f"{design} {cond} {theirs}", rows, 8)
        for ours, theirs in [("logit", "xlogit"), ("beta", "beta")]:
            out = t.run_csv(f"estimate {design} {cond} {ours}", "estimate", data, "--codebook", cb, "--rules", "tests/data/weighted/core_only.toml",
                            *extra, "--where", where, "--min-cell", "0", "--ci", ours, "--format", "csv")
            fm, fg = out.col("measure"), out.col("age_group")
            rows = 0
            for gd, gw, ggrp, gmeas, gmethod, gest, gse, gdf, glo, ghi, gdeff in golden_estimate:
                if not (gd == design and gw == cond and gmethod == theirs):
                    continue
                rows += 1
                found = out.where(lambda f: f(fm) == gmeas and f(fg) == ggrp)
                if not found:
                    t.failed(f"FAIL no hkstat estimate row for {design} {cond} {ggrp} {gmeas}")
                    continue
                label = f"estimate {design} {cond} {ggrp} {gmeas} {ours}"
                t.check_prop(label, out, t.one(label, found), "rate", gest, gse, gdf, glo, ghi, gdeff)
            t.want_rows(f"estimate {design} {cond} {theirs}", rows, 4 if cond == "age40" else 6)
t.finish()
