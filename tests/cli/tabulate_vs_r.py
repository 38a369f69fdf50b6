#!/usr/bin/env python3
"""`hkstat tabulate --calibrate` and `hkstat tabulate --replicates jkn|jk1` against R's survey package, through the real
CLI (and the same design uncalibrated: "full"; and a stratified design without a psu column, "strat_sex", each
respondent its own PSU): every category of outing and sex, over all respondents and within 広義, with the logit, Wald,
beta and likelihood intervals (no likelihood on replicate designs: R returns NA), and the Rao–Scott test of outing × sex
on each design.
  tabulate_vs_r.py HKSTAT SOURCE_DIR
Data: tests/data/design/design_survey.csv (r/design_cli_golden.R); golden: r/tabulate_cli_golden.R →
tests/golden/tabulate_cli/{cells,rao_scott}.csv.
Tolerances: percentage, SE and deff 1e-9 relative (1e-12 absolute where R's value is below 1e-12: a category of 0%, or
the SE of sex after calibration to the sex margins, which is 0 up to rounding); df exact; interval ends 1e-8 absolute
(likelihood too: hkstat replays R's IRLS path, docs/estimation.md); Rao–Scott statistic, df and p 1e-8 relative.
Checks, tolerances and messages of tests/cli/vs_r_check.py (VsR); ends with "N checks".
"""
import sys

sys.dont_write_bytecode = True  # importing vs_r_check writes no tests/cli/__pycache__
from vs_r_check import VsR, design_options, field, golden_row, read_golden  # noqa: E402

t = VsR()
golden = read_golden("tests/golden/tabulate_cli/cells.csv")
golden_rs = read_golden("tests/golden/tabulate_cli/rao_scott.csv")
data = "tests/data/design/design_survey.csv"
RULES = ["--rules", "tests/data/weighted/core_only.toml"]
for design in ["calib_poststratify", "calib_rake", "rep_jkn", "rep_jk1", "full", "strat_sex"]:
    pairs = [("logit", "xlogit"), ("wald", "mean"), ("beta", "beta"), ("likelihood", "likelihood")]
    cb, extra = "tests/data/design/calib.codebook.toml", design_options(design)
    if design.startswith("rep_"):
        pairs = pairs[:-1]  # R has no likelihood interval on replicate designs
    if design == "rep_jk1":
        cb = "tests/data/design/clus_sex.codebook.toml"
    if design == "strat_sex":
        cb = "tests/data/design/strat_sex.codebook.toml"  # no psu column: per-stratum moments
    for ours, theirs in pairs:
        out = t.run_csv(f"{design} {ours}", "tabulate", data, "--codebook", cb, *RULES, *extra, "--var", "outing,sex",
                        "--domain", "all,broad", "--min-cell", "0", "--ci", ours, "--format", "csv")
        rows = 0
        for gd, gdom, gvar, gcode, gmethod, gest, gse, gdf, glo, ghi, gdeff in golden:
            if not (gd == design and gmethod == theirs):
                continue
            rows += 1
            found = out.find(f1=gvar, f2=gdom, f3="all", f4="all", f5=gcode)
            if not found:
                t.failed(f"FAIL no hkstat row for {design} {gdom} {gvar} {gcode}")
                continue
            label = f"{design} {gdom} {gvar}={gcode} {ours}"
            t.check_prop(label, out, t.one(label, found), "percent", gest, gse, gdf, glo, ghi, gdeff if ours == "logit" else "NA")
        t.want_rows(f"{design} {theirs}", rows, 20)
    # Rao–Scott (tabulate --test sex): R's statistic = "Chisq" prints the Pearson X² and the first-order p.
    _, text = t.run("tabulate", data, "--codebook", cb, *RULES, *extra, "--var", "outing", "--test", "sex", "--format", "csv")
    lines = text.splitlines()
    rs = lines[1].split(",") if len(lines) > 1 else []
    g = golden_row(golden_rs, design)
    for ours, theirs, name in [(3, 2, "F"), (4, 3, "ndf"), (5, 4, "ddf"), (6, 5, "p"), (9, 6, "pearson_X2(R_Chisq_statistic)"), (8, 7, "chisq_p")]:
        t.check(f"{design} rao-scott {name}", field(rs, ours), field(g, theirs), "rel", 1e-8)
t.finish()
