#!/usr/bin/env python3
"""The prevalence with household members (`hkstat estimate --numerator respondents|respondents+members|persons`) against R
(r/roster_golden.R → tests/golden/roster_cli/results.csv), through the real CLI: the 西東京市 sample (unweighted, wide
roster of 3) and a synthetic weighted, stratified, clustered sample with a wide roster of 2 (tests/data/roster_design/),
rule-set core_only, cells all / 15-39 / 40-64 and --by sex (each member by his or her own age and sex) × broad, narrow,
semi.
  roster_vs_r.py HKSTAT SOURCE_DIR
Tolerances: estimate and SE 1e-9 relative, interval ends 1e-9 absolute, df exact.
Checks, tolerances and messages of tests/cli/vs_r_check.py (VsR); ends with "N checks".
"""
import sys

sys.dont_write_bytecode = True  # importing vs_r_check writes no tests/cli/__pycache__
from vs_r_check import Csv, VsR, field, read_golden  # noqa: E402

t = VsR()
golden = read_golden("tests/golden/roster_cli/results.csv")
rules = "tests/data/weighted/core_only.toml"
SAMPLES = {"nishitokyo": ["data/samples/nishitokyo2024.csv"],
           "design": ["tests/data/roster_design/roster_design.csv", "--codebook", "tests/data/roster_design/roster_design.codebook.toml"]}
for sample, source in SAMPLES.items():
    for numerator in ["respondents", "respondents+members", "persons"]:
        extra = ["--ci", "wald"] if numerator == "respondents" else []
        rc, text = t.run("estimate", *source, "--rules", rules, "--age-groups", "15-39,40-64", "--by", "sex", "--numerator", numerator,
                         *extra, "--min-cell", "0", "--format", "csv")
        if rc != 0:
            t.failed(f"FAIL hkstat failed: {sample} {numerator}")
            continue
        out = Csv(text)
        rows = 0
        for gs, gn, gm, gg, gl, gest, gse, glo, gup, gdf in golden:
            if not (gs == sample and gn == numerator):
                continue
            rows += 1
            found = out.match(measure=gm, age_group=gg, by_level=gl)
            label = f"{sample} {numerator} {gm} {gg} sex={gl}"
            if len(found) != 1:
                t.failed(f"FAIL {label}: {len(found)} hkstat rows")
                continue
            row = found[0]
            t.check(f"{label} estimate", field(row, out.col("rate")), gest, "rel", 1e-9)
            t.check(f"{label} se", field(row, out.col("se")), gse, "rel", 1e-9)
            t.check(f"{label} lower", field(row, out.col("ci_lower")), glo, "abs", 1e-9)
            t.check(f"{label} upper", field(row, out.col("ci_upper")), gup, "abs", 1e-9)
            got_df = field(row, out.col("df"))
            if gdf == "Inf":
                if got_df != "Inf":
                    t.failed(f"FAIL {label} df: got {got_df} want Inf")
            else:
                t.check(f"{label} df", got_df, gdf, "abs", 0)
        if rows == 0:
            t.failed(f"FAIL {sample} {numerator}: no golden rows")
t.finish()
