#!/usr/bin/env python3
"""Both of R's design effects through the real CLI: `deff` = R svymean(deff = "replace") and `deff_wor` = R's default
deff = TRUE (vs SRS without replacement), in `hkstat estimate --format csv` (broad, narrow; all / 15-39 / 40-64) and
`hkstat tabulate --format csv` (every outing category), linearised and post-stratified.
  deff_vs_r.py HKSTAT SOURCE_DIR
Golden: r/deff_golden.R → tests/golden/design_cli/deff.csv. Tolerance 1e-9 relative. Columns found by name.
Checks, tolerances and messages of tests/cli/vs_r_check.py (VsR); ends with "N checks".
"""
import sys

sys.dont_write_bytecode = True  # importing vs_r_check writes no tests/cli/__pycache__
from vs_r_check import Csv, VsR, design_options, field, read_golden  # noqa: E402

t = VsR()
golden = read_golden("tests/golden/design_cli/deff.csv")
data, cb, rules = "tests/data/design/design_survey.csv", "tests/data/design/calib.codebook.toml", "tests/data/weighted/core_only.toml"
for design in ["full", "calib_poststratify"]:
    extra = design_options(design)
    outputs = {}
    for cmd, args in [("estimate", ["--rules", rules]), ("tabulate", ["--var", "outing"])]:
        rc, text = t.run(cmd, data, "--codebook", cb, *args, *extra, "--min-cell", "0", "--format", "csv")
        if rc != 0:
            print(f"hkstat {cmd} failed: {design}")
            sys.exit(1)
        outputs[cmd] = Csv(text)
    rows = 0
    for gcmd, gd, gdom, gitem, grep, gwor in golden:
        if gd != design:
            continue
        rows += 1
        out = outputs["estimate" if gcmd == "estimate" else "tabulate"]
        if gcmd == "estimate":
            found = out.match(measure=gitem, age_group=gdom)
        else:
            found = [r for r in out.match(code=gitem.removeprefix("outing_")) if r[:3] == ["outing", "all", "all"]]
        if not found:
            t.failed(f"FAIL no hkstat row: {gcmd} {design} {gdom} {gitem}")
            continue
        label = f"{gcmd} {design} {gdom} {gitem}"
        row = t.one(label, found)
        t.check(f"{label} deff (replace)", field(row, out.col("deff")), grep, "rel", 1e-9)
        t.check(f"{label} deff_wor (deff = TRUE)", field(row, out.col("deff_wor")), gwor, "rel", 1e-9)
    if rows != 14:
        t.failed(f"FAIL {design}: {rows} golden rows, want 14")
t.finish()
