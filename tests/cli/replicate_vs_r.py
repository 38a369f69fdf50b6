#!/usr/bin/env python3
"""`hkstat estimate` with replicate weights against R's survey package, through the real CLI: replicate columns SUPPLIED
in the data and described by the codebook's [replicates] (bootstrap, JKn with per-column rscale, other with an rscales
array and mse, JK1 as weights and as multipliers, BRR, Fay), replicates CREATED by hkstat (estimate --replicates
jkn|jk1|brr|fay), and replicates written by `hkstat replicate` and read back through the codebook it writes; `tabulate`
and `report` on supplied JKn columns.
  replicate_vs_r.py HKSTAT SOURCE_DIR
Data and golden: r/replicate_cli_golden.R → tests/data/replicate/*, tests/golden/replicate_cli/*.csv.
Tolerances (as design_vs_r.py): estimate and SE 1e-9 relative; df exact; interval ends 1e-8 absolute; differences:
value and SE 1e-9 relative, df exact (R degf of the whole replicate design).
Checks, tolerances and messages of tests/cli/vs_r_check.py (VsR); ends with "N checks".
"""
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # importing vs_r_check writes no tests/cli/__pycache__
from vs_r_check import Csv, VsR, clip01, field, golden_row, read_golden  # noqa: E402

t = VsR()
golden = read_golden("tests/golden/replicate_cli/results.csv")
golden_diffs = read_golden("tests/golden/replicate_cli/differences.csv")
RULES = ["--rules", "tests/data/weighted/core_only.toml"]

with tempfile.TemporaryDirectory(prefix="hkstat-rep-") as T:
    # hkstat replicate writes the [replicates] table into the codebook it outputs; estimate then needs no --replicates.
    # JKn of the stratified design = R as.svrepdesign(full, "JKn") (golden cre_jkn); Fay ρ = 0.3 of the 2-PSU design =
    # as.svrepdesign(brr_des, "Fay", fay.rho = 0.3) (golden sup_fay).
    if t.run("replicate", "tests/data/design/design_survey.csv", "--codebook", "tests/data/design/full.codebook.toml",
             "--type", "jkn", "--out", f"{T}/jkn.csv")[0] != 0:
        print("hkstat replicate jkn failed")
        sys.exit(1)
    if t.run("replicate", "tests/data/replicate/brr_survey.csv", "--codebook", "tests/data/replicate/brr_design.codebook.toml",
             "--type", "fay", "--rho", "0.3", "--out", f"{T}/fay.csv")[0] != 0:
        print("hkstat replicate fay failed")
        sys.exit(1)

    R, D = "tests/data/replicate", "tests/data/design"
    # name, golden design, data, codebook, extra options
    cases = [
        ("sup_boot", "sup_boot", f"{R}/rep_survey.csv", f"{R}/sup_boot.codebook.toml", []),
        ("sup_boot_mse", "sup_boot_mse", f"{R}/rep_survey.csv", f"{R}/sup_boot_mse.codebook.toml", []),
        ("sup_jkn", "sup_jkn", f"{R}/rep_survey.csv", f"{R}/sup_jkn.codebook.toml", []),
        ("sup_jkn_agree", "sup_jkn", f"{R}/rep_survey.csv", f"{R}/sup_jkn.codebook.toml", ["--replicates", "jkn"]),
        ("sup_other", "sup_other", f"{R}/rep_survey.csv", f"{R}/sup_other.codebook.toml", []),
        ("sup_jk1", "sup_jk1", f"{R}/rep_survey.csv", f"{R}/sup_jk1.codebook.toml", []),
        ("sup_jk1_mult", "sup_jk1_mult", f"{R}/rep_survey.csv", f"{R}/sup_jk1_mult.codebook.toml", []),
        ("sup_brr", "sup_brr", f"{R}/brr_survey.csv", f"{R}/sup_brr.codebook.toml", []),
        ("sup_fay", "sup_fay", f"{R}/brr_survey.csv", f"{R}/sup_fay.codebook.toml", []),
        ("cre_jkn", "cre_jkn", f"{D}/design_survey.csv", f"{D}/full.codebook.toml", ["--replicates", "jkn"]),
        ("cre_jk1", "cre_jk1", f"{D}/design_survey.csv", f"{D}/clus.codebook.toml", ["--replicates", "jk1"]),
        ("cre_brr", "cre_brr", f"{R}/brr_survey.csv", f"{R}/brr_design.codebook.toml", ["--replicates", "brr"]),
        ("cre_fay", "cre_fay", f"{R}/brr_survey.csv", f"{R}/brr_design.codebook.toml", ["--replicates", "fay"]),
        ("written_jkn", "cre_jkn", f"{T}/jkn.csv", f"{T}/jkn.codebook.toml", []),
        ("written_fay", "sup_fay", f"{T}/fay.csv", f"{T}/fay.codebook.toml", []),
    ]
    # Wald: R's ends clipped to [0, 1] as hkstat's are (clip01; the small BRR design has lower ends below 0).
    for name, design, data, cb, extra in cases:
        # the replicate source must be named in the output (the codebook's [replicates] or --replicates)
        base = ["estimate", data, "--codebook", cb, *RULES, *extra, "--format", "csv", "--min-cell", "0"]
        rc, text = t.run(*base, "--table", "differences", stderr=subprocess.DEVNULL)
        if rc != 0:
            t.failed(f"hkstat failed: {name} differences")
            continue
        diffs = Csv(text)
        for measure in ["broad", "narrow"]:
            row = t.one(f"{name} {measure} difference", diffs.find(f1=measure))
            g = golden_row(golden_diffs, design, measure)
            if g is None:
                t.failed(f"no golden difference for {design} {measure}")
                continue
            t.check_difference(f"{name} {measure}", row, g)
        for ours, theirs in [("logit", "xlogit"), ("wald", "mean"), ("beta", "beta"), ("asin", "asin"), ("wilson", "wilson")]:
            rc, text = t.run(*base, "--ci", ours, stderr=subprocess.DEVNULL)
            if rc != 0:
                t.failed(f"hkstat failed: {name} {ours}")
                continue
            out = Csv(text)
            for measure in ["broad", "narrow"]:
                for grp in ["all", "15-39", "40-64"]:
                    row = t.one(f"{name} {measure} {grp}", out.find(f2=measure, f3=grp))
                    g = golden_row(golden, design, grp, measure, theirs)
                    if g is None:
                        t.failed(f"no golden row for {design} {grp} {measure} {theirs}")
                        continue
                    lo, hi = field(g, 9), field(g, 10)
                    if ours == "wald":
                        lo, hi = clip01(lo), clip01(hi)
                    t.check_cell(f"{name} {measure} {grp} {ours}", row, g, lo, hi)

    # hkstat tabulate reads the codebook's [replicates] too: outing over all respondents and within 広義 with the JKn
    # columns supplied (no option) against R's as.svrepdesign(full, "JKn") cells of r/tabulate_cli_golden.R (design
    # rep_jkn; the supplied columns are that design's analysis weights). Tolerances as tabulate_vs_r.py.
    tab = t.run_csv("tabulate", "tabulate", f"{R}/rep_survey.csv", "--codebook", f"{R}/sup_jkn.codebook.toml", *RULES,
                    "--var", "outing", "--domain", "all,broad", "--min-cell", "0", "--format", "csv")
    rows = 0
    for g in read_golden("tests/golden/tabulate_cli/cells.csv"):
        gd, gdom, gvar, gcode, gmethod, gest, gse, gdf, glo = g[:9]
        if not (gd == "rep_jkn" and gvar == "outing" and gmethod == "xlogit"):
            continue
        rows += 1
        label = f"tabulate sup_jkn {gdom} outing={gcode}"
        row = t.one(label, tab.find(f1="outing", f2=gdom, f3="all", f4="all", f5=gcode))
        if float(gest) == 0:
            t.check(f"{label} percent", field(row, 9), "0", "abs", 1e-12)
        else:
            t.check(f"{label} percent", field(row, 9), gest, "rel", 1e-9)
        if gse != "0":
            t.check(f"{label} se", field(row, 10), gse, "rel", 1e-9)
        t.check(f"{label} df", field(row, 18), gdf, "abs", 0)
        if glo != "NA":
            t.check(f"{label} lower", field(row, 11), glo, "abs", 1e-8)
    if rows == 0:
        t.failed("FAIL no tabulate golden rows for rep_jkn")

    # hkstat report reads the codebook's [replicates] as estimate does: its prevalence table against R (JKn, logit).
    rc, _ = t.run("report", f"{R}/rep_survey.csv", "--codebook", f"{R}/sup_jkn.codebook.toml", *RULES, "--out-dir", f"{T}/report",
                  "--timestamp", "2025-01-31", "--min-cell", "0", stderr=subprocess.DEVNULL)
    if rc != 0:
        print("hkstat report failed")
        sys.exit(1)
    prevalence = read_golden(f"{T}/report/tables/prevalence.csv")
    for measure in ["broad", "narrow"]:
        for grp in ["all", "15-39", "40-64"]:
            label = f"report sup_jkn {measure} {grp}"
            row = t.one(label, [r for r in prevalence if field(r, 2) == measure and field(r, 3) == grp])
            g = golden_row(golden, "sup_jkn", grp, measure, "xlogit")
            t.check(f"{label} se", field(row, 8), field(g, 7), "rel", 1e-9)
            t.check(f"{label} df", field(row, 13), field(g, 8), "abs", 0)
            t.check(f"{label} lower", field(row, 9), field(g, 9), "abs", 1e-8)
t.finish()
