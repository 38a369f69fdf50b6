#!/usr/bin/env python3
"""`hkstat tabulate --by VAR` with VAR a code variable that is neither age nor sex (here duration) against R's
svyby(~y, ~duration, design, svymean), through the real CLI: every outing category within each duration level, on a
linearised, a post-stratified (--calibrate) and a created-JKn (--replicates jkn) design, with the logit, Wald and beta
intervals.
  tabulate_by_vs_r.py HKSTAT SOURCE_DIR
Golden: r/tabulate_by_golden.R → tests/golden/tabulate_cli/by_code.csv.
Tolerances: percentage, SE and deff 1e-9 relative (1e-12 absolute where R's value is below 1e-12); df exact; interval
ends 1e-8 absolute (hkstat's wald interval is clipped to [0, 1], R's "mean" is not: R's ends are clipped before
comparing: clip01 in vs_r_check.py). The CSV columns are found by name (by_variable, by_level, percent, se, ...).
Crossed: `--by duration,sex` against svyby(~y, ~duration + sex) (tests/golden/tabulate_cli/by_cross.csv, linearised and
created JKn, logit interval): the crossed blocks' by_variable / by_level and by_variable2 / by_level2 columns.
Checks, tolerances and messages of tests/cli/vs_r_check.py (VsR); ends with "N checks".
"""
import sys

sys.dont_write_bytecode = True  # importing vs_r_check writes no tests/cli/__pycache__
from vs_r_check import VsR, clip01, design_options, read_golden  # noqa: E402

t = VsR()
golden = read_golden("tests/golden/tabulate_cli/by_code.csv")
data, cb = "tests/data/design/design_survey.csv", "tests/data/design/calib.codebook.toml"
for design in ["full", "calib_poststratify", "rep_jkn"]:
    extra = design_options(design)
    for ours, theirs in [("logit", "xlogit"), ("wald", "mean"), ("beta", "beta")]:
        out = t.run_csv(f"{design} {ours}", "tabulate", data, "--codebook", cb, *extra, "--var", "outing", "--by", "duration",
                        "--min-cell", "0", "--ci", ours, "--format", "csv")
        if out.col("sex"):
            t.failed(f"FAIL {design}: a sex column in a table by duration")
        fv, fl, fc = out.col("by_variable"), out.col("by_level"), out.col("code")
        rows = 0
        for gd, glev, gcode, gmethod, gest, gse, gdf, glo, ghi, gdeff in golden:
            if not (gd == design and gmethod == theirs):
                continue
            rows += 1
            found = out.where(lambda f: f(fv) == "duration" and f(fl) == glev and f(fc) == gcode and f(3) == "all" and f(2) == "all")
            if not found:
                t.failed(f"FAIL no hkstat row for {design} duration={glev} outing={gcode}")
                continue
            label = f"{design} duration={glev} outing={gcode} {ours}"
            t.check_prop(label, out, t.one(label, found), "percent", gest, gse, gdf, clip01(glo), clip01(ghi), gdeff)
        t.want_rows(f"{design} {theirs}", rows, 16)

# Crossed two deep.
cross = read_golden("tests/golden/tabulate_cli/by_cross.csv")
for design in ["full", "rep_jkn"]:
    out = t.run_csv(f"crossed {design}", "tabulate", data, "--codebook", cb, *design_options(design), "--var", "outing",
                    "--by", "duration,sex", "--min-cell", "0", "--format", "csv")
    if not (out.col("by_variable2") and out.col("by_level2")):
        t.failed(f"FAIL crossed {design}: no by_variable2 / by_level2 column")
        continue
    fv, fl, fv2, fl2, fc = (out.col(c) for c in ["by_variable", "by_level", "by_variable2", "by_level2", "code"])
    rows = 0
    for gd, glev, gsex, gcode, gest, gse, gdf, glo, ghi, gdeff in cross:
        if gd != design:
            continue
        rows += 1
        found = out.where(lambda f: f(fv) == "duration" and f(fl) == glev and f(fv2) == "sex" and f(fl2) == gsex and f(fc) == gcode
                          and f(3) == "all" and f(2) == "all")
        if len(found) != 1:
            t.failed(f"FAIL crossed: not one hkstat row for {design} duration={glev} sex={gsex} outing={gcode}")
            continue
        t.check_prop(f"crossed {design} duration={glev} sex={gsex} outing={gcode}", out, found[0], "percent", gest, gse, gdf, glo, ghi, gdeff)
    t.want_rows(f"crossed {design}", rows, 32)
t.finish()
