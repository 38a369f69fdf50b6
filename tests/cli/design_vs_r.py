#!/usr/bin/env python3
"""`hkstat estimate` on complex designs (strata, nested PSUs, fpc, weights, lonely-PSU policies) against R's survey
package, through the real CLI.
  design_vs_r.py HKSTAT SOURCE_DIR
Data and golden: r/design_cli_golden.R → tests/data/design/*.csv, tests/golden/design_cli/results.csv; codebooks
tests/data/design/<design>.codebook.toml declare each design through roles.
Tolerances: estimate and SE 1e-9 relative; df exact; interval ends 1e-8 absolute, `likelihood` 1e-12 absolute (hkstat
replays R's IRLS path from the (weight, y) groups of the domain, so the interval is R's to rounding: largest gap
measured 1.9e-15, 2026-11-24). Replicate designs: R has no likelihood interval (NA) and hkstat refuses it (exit 2).
Checks, tolerances and messages of tests/cli/vs_r_check.py (VsR); ends with "N checks".
"""
import math
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # importing vs_r_check writes no tests/cli/__pycache__
from vs_r_check import VsR, design_options, field, golden_row, read_golden  # noqa: E402

t = VsR()
golden = read_golden("tests/golden/design_cli/results.csv")
golden_diffs = read_golden("tests/golden/design_cli/differences.csv")
RULES = ["--rules", "tests/data/weighted/core_only.toml"]

# method in hkstat : method in the golden
PAIRS = [("logit", "xlogit"), ("wald", "mean"), ("beta", "beta"), ("asin", "asin"), ("wilson", "wilson"), ("likelihood", "likelihood")]
for design in ["full", "strat", "clus", "srs_fpc", "lonely_remove", "lonely_certainty", "lonely_adjust", "lonely_average",
               "calib_poststratify", "calib_rake", "rep_jkn", "rep_jk1"]:
    data, cb, extra = "tests/data/design/design_survey.csv", f"tests/data/design/{design}.codebook.toml", design_options(design)
    if design.startswith("lonely_"):
        data, cb = "tests/data/design/lonely_survey.csv", "tests/data/design/lonely_survey.codebook.toml"
        extra = ["--lonely-psu", design[len("lonely_"):]]
    elif design.startswith("calib_"):
        cb = "tests/data/design/calib.codebook.toml"
    elif design == "rep_jkn":
        cb = "tests/data/design/full.codebook.toml"
    elif design == "rep_jk1":
        cb = "tests/data/design/clus.codebook.toml"
    base = ["estimate", data, "--codebook", cb, *RULES, *extra, "--format", "csv", "--min-cell", "0"]
    replicate = design.startswith("rep_")
    for ours, theirs in PAIRS:
        ci_tol = 1e-8
        if ours == "likelihood":
            ci_tol = 1e-12
            if replicate:
                rc, _ = t.run(*base, "--ci", "likelihood", stderr=subprocess.DEVNULL)
                if rc != 2:
                    t.failed(f"FAIL {design} likelihood: exit {rc}, expected 2 (refused with replicates)")
                continue
        out = t.run_csv(f"{design} {ours}", *base, "--ci", ours)
        if ours == "logit" and not design.startswith("calib_") and not replicate:
            diffs = t.run_csv(f"{design} differences", *base, "--table", "differences")
            for measure in ["broad", "narrow"]:
                row = t.one(f"{design} {measure} difference", diffs.find(f1=measure))
                t.check_difference(f"{design} {measure}", row, golden_row(golden_diffs, design, measure))
        for measure in ["broad", "narrow"]:
            for grp in ["all", "15-39", "40-64"]:
                row = t.one(f"{design} {measure} {grp}", out.find(f2=measure, f3=grp))
                g = golden_row(golden, design, grp, measure, theirs)
                if g is None:
                    t.failed(f"no golden row for {design} {grp} {measure} {theirs}")
                    continue
                label = f"{design} {measure} {grp} {ours}"
                t.check_cell(label, row, g, field(g, 9), field(g, 10), ci_tol)
                if ours == "logit" and not replicate:
                    t.check(f"{label} deff", field(row, 21), field(g, 11), "rel", 1e-9)

# --by sex on the "full" design (calib.codebook.toml adds sex): every sex × group × measure (estimate, SE 1e-9
# relative, df exact, logit interval 1e-8 absolute, deff 1e-9) and female − male within all / each age group
# (difference, SE 1e-9 relative, df exact). Golden: tests/golden/design_cli/by_sex*.csv (r/design_cli_golden.R).
by_args = ["estimate", "tests/data/design/design_survey.csv", "--codebook", "tests/data/design/calib.codebook.toml", *RULES,
           "--by", "sex", "--format", "csv", "--min-cell", "0"]
by = t.run_csv("--by sex", *by_args)
byd = t.run_csv("--by sex differences", *by_args, "--table", "differences")
for sx, grp, measure, est, se, df, lower, upper, deff in read_golden("tests/golden/design_cli/by_sex.csv"):
    if sx == "sex":
        continue
    rows = by.find(f2=measure, f3=grp, f24="sex", f25=sx)
    if not rows:
        t.failed(f"no hkstat row for sex {sx} {grp} {measure}")
        continue
    t.check_prop(f"by sex {sx} {grp} {measure}", by, t.one(f"by sex {sx} {grp} {measure}", rows), "rate", est, se, df, lower, upper, deff)
for grp, measure, diff, se, df in read_golden("tests/golden/design_cli/by_sex_differences.csv"):
    if grp == "group":
        continue
    rows = byd.find(f1=measure, f10="sex", f11=grp)
    if not rows:
        t.failed(f"no hkstat difference for sex {grp} {measure}")
        continue
    t.check_diff(f"by sex {grp} {measure}", t.one(f"by sex {grp} {measure} difference", rows), diff, se, df)

# --by sex after calibration (--calibrate: post-stratified, raked) and on supplied JKn columns (written by hkstat
# replicate, read back through their [replicates]): cells (estimate, SE 1e-9 relative, df exact, logit and likelihood
# interval 1e-8 absolute; no likelihood with replicates) and female − male differences (value, SE 1e-9 relative, df
# exact). Golden: tests/golden/design_cli/by_sex_designs*.csv (r/design_cli_golden.R).
with tempfile.TemporaryDirectory(prefix="hkstat-design-") as T:
    rc, _ = t.run("replicate", "tests/data/design/design_survey.csv", "--codebook", "tests/data/design/calib.codebook.toml",
                  "--type", "jkn", "--out", f"{T}/jkn.csv")
    if rc != 0:
        print("hkstat replicate jkn failed")
        sys.exit(1)
    by_designs = read_golden("tests/golden/design_cli/by_sex_designs.csv")
    by_designs_diffs = read_golden("tests/golden/design_cli/by_sex_designs_differences.csv")
    for design in ["calib_poststratify", "calib_rake", "rep_jkn"]:
        if design.startswith("calib_"):
            args = ["tests/data/design/design_survey.csv", "--codebook", "tests/data/design/calib.codebook.toml",
                    "--config", f"tests/data/design/{design}.hkstat.toml", "--calibrate"]
        else:
            args = [f"{T}/jkn.csv"]
        common = [*RULES, "--by", "sex", "--format", "csv", "--min-cell", "0"]
        cells = t.run_csv(f"{design} --by sex", "estimate", *args, *common)
        lik = None
        if design != "rep_jkn":
            lik = t.run_csv(f"{design} --by sex likelihood", "estimate", *args, *common, "--ci", "likelihood")
        diffs = t.run_csv(f"{design} --by sex differences", "estimate", *args, *common, "--table", "differences")
        n = 0
        for gd, sx, grp, measure, est, se, df, lower, upper, lik_lower, lik_upper in by_designs:
            if gd != design:
                continue
            n += 1
            rows = cells.find(f2=measure, f3=grp, f24="sex", f25=sx)
            if not rows:
                t.failed(f"FAIL no hkstat row for {design} sex {sx} {grp} {measure}")
                continue
            label = f"{design} by sex {sx} {grp} {measure}"
            t.check_prop(label, cells, t.one(label, rows), "rate", est, se, df, lower, upper, "NA")
            if lik is not None:
                row = t.one(f"{label} likelihood", lik.find(f2=measure, f3=grp, f24="sex", f25=sx))
                t.check(f"{label} likelihood lower", field(row, 9), lik_lower, "abs", 1e-8)
                t.check(f"{label} likelihood upper", field(row, 10), lik_upper, "abs", 1e-8)
        if n != 12:
            t.failed(f"FAIL {design}: {n} golden by-sex cells, want 12")
        for gd, grp, measure, diff, se, df in by_designs_diffs:
            if gd != design:
                continue
            rows = diffs.find(f1=measure, f10="sex", f11=grp)
            if not rows:
                t.failed(f"FAIL no hkstat difference for {design} sex {grp} {measure}")
                continue
            t.check_diff(f"{design} by sex {grp} {measure}", t.one(f"{design} by sex {grp} {measure} difference", rows), diff, se, df)

    # hkstat compare with each survey's own variance: A = the JKn columns written by hkstat replicate (the codebook's
    # [replicates] → replicate SEs), B = the same survey linearised (full.codebook.toml). Against R's per-survey values
    # (results.csv rows rep_jkn and full, xlogit): estimate and SE of each side 1e-9 relative, df exact; the
    # difference's SE = √(SE_A² + SE_B²) of R's SEs, 1e-9 relative; df = min(df_A, df_B).
    cmp = t.run_csv("compare", "compare", f"{T}/jkn.csv", "tests/data/design/design_survey.csv", "--codebook-b",
                    "tests/data/design/full.codebook.toml", *RULES, "--min-cell", "0", "--format", "csv")
    for measure in ["broad", "narrow"]:
        for grp in ["all", "15-39", "40-64"]:
            rows = cmp.find(f1="prevalence", f4=measure, f6=grp)
            ga = golden_row(golden, "rep_jkn", grp, measure, "xlogit")
            gb = golden_row(golden, "full", grp, measure, "xlogit")
            if not rows or ga is None or gb is None:
                t.failed(f"FAIL compare: missing row for {grp} {measure}")
                continue
            label = f"compare jkn vs linearised {grp} {measure}"
            row = t.one(label, rows)
            t.check(f"{label} estimate_a", field(row, 14), field(ga, 6), "rel", 1e-9)
            t.check(f"{label} se_a", field(row, 15), field(ga, 7), "rel", 1e-9)
            t.check(f"{label} df_a", field(row, 16), field(ga, 8), "abs", 0)
            t.check(f"{label} estimate_b", field(row, 19), field(gb, 6), "rel", 1e-9)
            t.check(f"{label} se_b", field(row, 20), field(gb, 7), "rel", 1e-9)
            sa, sb = float(field(ga, 7)), float(field(gb, 7))
            t.check(f"{label} se_difference", field(row, 23), format(math.sqrt(sa * sa + sb * sb), ".17g"), "rel", 1e-9)
            t.check(f"{label} df_difference", field(row, 24), format(min(float(field(ga, 8)), float(field(gb, 8))), ".17g"), "abs", 0)

# Rao–Scott (tabulate --test) of outing × sex on the stratified two-stage design: statistic, df and p to 1e-8 relative.
# (R's statistic = "Chisq" prints the Pearson X² and the first-order p; hkstat also gives X²/mean(δ).)
_, text = t.run("tabulate", "tests/data/design/design_survey.csv", "--codebook", "tests/data/design/calib.codebook.toml", *RULES,
                "--var", "outing", "--test", "sex", "--format", "csv")
lines = text.splitlines()
rs = lines[1].split(",") if len(lines) > 1 else []
g = read_golden("tests/golden/design_cli/rao_scott.csv")[1]
for ours, theirs, name in [(3, 1, "F"), (4, 2, "ndf"), (5, 3, "ddf"), (6, 4, "p"), (9, 5, "pearson_X2(R_Chisq_statistic)"), (8, 6, "chisq_p")]:
    t.check(f"rao-scott {name}", field(rs, ours), field(g, theirs), "rel", 1e-8)
t.finish()
