#!/usr/bin/env python3
"""The several-questionnaires path (codebook [[form]]: per-questionnaire reporting ranges, the rows outside every range in
the design and in no figure) against R, through the real CLI, on the CAO 2022 layout sample
(data/samples/cao2022_layout.csv, synthetic 架空): `hkstat estimate` (rates, SEs, Wilson intervals and persons per
reporting range and all), `estimate --stat total` (svytotal of 広義 and rate × population) and `estimate --stat mean --var
年齢 --by 調査票` (svymean, svyby) on subset(design, in a range).
  forms_cao2022_vs_r.py HKSTAT SOURCE_DIR
Golden: r/forms_cao2022_golden.R → tests/golden/forms/cao2022.csv. Tolerance: 1e-9 relative; n, cases, df exact.
Checks, tolerances and messages of tests/cli/vs_r_check.py (VsR); ends with "N checks". (Until 2026-12 this was a bash
script that sourced a helper renamed away, so that its every check was "command not found" and it passed unchecked.)
"""
import sys

sys.dont_write_bytecode = True  # importing vs_r_check writes no tests/cli/__pycache__
from vs_r_check import Csv, VsR, field, read_golden  # noqa: E402

t = VsR()
golden = read_golden("tests/golden/forms/cao2022.csv")


def want(case, group, measure, quantity):
    return next((r[4] for r in golden if r[:4] == [case, group, measure, quantity]), "")


def cmp_value(label, got, w, quantity):
    """A value compared: exact for counts and df, else 1e-9 relative."""
    if w == "":
        t.failed(f"FAIL {label}: no golden value")
    elif quantity in ("n", "cases", "df"):
        t.check(label, got, w, "abs", 0)
    else:
        t.check(label, got, w, "rel", 1e-9)


def run_csv(what, *args):
    rc, text = t.run(*args)
    if rc != 0:
        print(f"{what} failed")
        sys.exit(1)
    return Csv(text)


SAMPLE = "data/samples/cao2022_layout.csv"
# Prevalence: ruleset,measure,age_group,n,cases,rate,rate_used,se,ci_lower,ci_upper,…,persons(16),persons_lower,persons_upper
prev = run_csv("hkstat estimate", "estimate", SAMPLE, "--format", "csv")
rows = 0
for m in ["broad", "narrow", "semi"]:
    for g in ["all", "15-39", "40-64"]:
        found = prev.find(f2=m, f3=g)
        if not found:
            t.failed(f"FAIL no hkstat row {m} {g}")
            continue
        rows += 1
        row = t.one(f"prevalence {m} {g}", found)
        for q, f in [("n", 4), ("cases", 5), ("rate", 6), ("se", 8), ("lower", 9), ("upper", 10), ("persons", 16), ("persons_lower", 17),
                     ("persons_upper", 18)]:
            cmp_value(f"prevalence {m} {g} {q}", field(row, f), want("prevalence", g, m, q), q)
if rows != 9:
    t.failed(f"FAIL {rows} prevalence rows, want 9")

# Totals: statistic,variable,by,group,category,meaning,estimate,se,ci_lower,ci_upper,df,n,cases,sum_weights,rate,rate_se
tot = run_csv("hkstat --stat total", "estimate", SAMPLE, "--stat", "total", "--format", "csv")
wt, rp = tot.find(f6="weighted_total"), tot.find(f6="rate_x_population")
if not wt or not rp:
    print("FAIL --stat total rows missing")
    sys.exit(1)
wt, rp = t.one("total broad", wt), t.one("rate x population", rp)
for q, f in [("estimate", 7), ("se", 8), ("df", 11), ("n", 12)]:
    cmp_value(f"total broad {q}", field(wt, f), want("total_broad", "all", "broad", q), q)
for q, f in [("persons", 7), ("persons_se", 8), ("rate", 15), ("rate_se", 16)]:
    cmp_value(f"rate x population {q}", field(rp, f), want("total_broad", "all", "broad", q), q)

# Means of 年齢, all and by 調査票.
mean = run_csv("hkstat --stat mean", "estimate", SAMPLE, "--stat", "mean", "--var", "年齢", "--by", "調査票", "--format", "csv")
for g in ["all", "1", "2"]:
    found = mean.find(f4=g)
    if not found:
        t.failed(f"FAIL no mean row {g}")
        continue
    row = t.one(f"mean age {g}", found)
    for q, f in [("estimate", 7), ("se", 8), ("df", 11), ("n", 12)]:
        cmp_value(f"mean age {g} {q}", field(row, f), want("mean_age", g, "age", q), q)
t.finish()
