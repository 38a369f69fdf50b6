#!/usr/bin/env python3
"""Print hkstat's and R's numbers for one benchmark job side by side (bench/README.md).

    bench/compare.py --job a|b|c|d|e|g|h HKSTAT_CSV R_CSV

HKSTAT_CSV is `hkstat estimate --format csv` (jobs a, b, g, h: rows with measure = broad) or
`hkstat tabulate --format csv` (jobs c, d: reasons; e: main_reason); R_CSV is the output of bench/r/job_*.R.
Rows are matched by domain ("all", "20-29", "male", "20-29/male") and variable. The summary line gives the
largest absolute difference of the estimates and the largest relative difference of the standard errors.
Exit status 0 whatever the differences: this prints, it does not judge (the bootstrap SEs of jobs b, d, e are random).
"""
import argparse
import csv
import sys


def hkstat_rows(path, job):
    out = {}
    with open(path, encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            if job == "e":
                if r.get("variable") != "main_reason" or not r.get("code", "").isdigit():
                    continue
                key, var = "all", "code_%d" % int(r["code"])
                est, se = r["percent"], r["se"]
                lo, hi = r.get("ci_lower", ""), r.get("ci_upper", "")
            elif job in ("c", "d"):
                if r.get("variable") != "reasons" or r.get("domain") != "broad" or not r.get("code", "").isdigit():
                    continue
                band, sex = r.get("age_band", "all"), r.get("sex", "all")
                key = "/".join(k for k in (band, sex) if k != "all") or "all"
                var = "reason_%02d" % int(r["code"])
                est, se = r["percent"], r["se"]
                lo, hi = r.get("ci_lower", ""), r.get("ci_upper", "")
            else:
                if r.get("measure") != "broad":
                    continue
                sex = "all"
                if r.get("by_variable"):  # estimate --by sex: codes 1, 2 = R's male, female
                    if r["by_variable"] != "sex":
                        continue
                    sex = {"1": "male", "2": "female"}[r["by_level"]]
                parts = [r.get("age_group", "all"), sex]
                key = "/".join(k for k in parts if k and k != "all") or "all"
                var = "broad"
                est, se, lo, hi = r["rate"], r["se"], r["ci_lower"], r["ci_upper"]
            out[(key, var)] = tuple(float(x) if x != "" else None for x in (est, se, lo, hi))
    return out


def r_rows(path):
    out = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            out[(r["domain"], r["variable"])] = tuple(
                float(x) if x not in ("", "NA") else None for x in (r["estimate"], r["se"], r["ci_lower"], r["ci_upper"]))
    return out


def fmt(x):
    return "" if x is None else "%.10g" % x


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--job", required=True, choices="abcdegh")
    ap.add_argument("hkstat_csv")
    ap.add_argument("r_csv")
    a = ap.parse_args()
    h, r = hkstat_rows(a.hkstat_csv, a.job), r_rows(a.r_csv)
    common = [k for k in r if k in h]
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["domain", "variable", "hkstat_est", "r_est", "hkstat_se", "r_se", "hkstat_lo", "r_lo", "hkstat_hi", "r_hi"])
    max_est, max_se = 0.0, 0.0
    for k in common:
        he, re_ = h[k], r[k]
        w.writerow([k[0], k[1]] + [fmt(v) for pair in zip(he, re_) for v in pair])
        if he[0] is not None and re_[0] is not None:
            max_est = max(max_est, abs(he[0] - re_[0]))
        if he[1] and re_[1]:
            max_se = max(max_se, abs(he[1] / re_[1] - 1))
    only_r = sorted(k for k in r if k not in h)
    only_h = sorted(k for k in h if k not in r)
    print(f"# job {a.job}: {len(common)} estimates in both; max |estimate difference| {max_est:.3g}; "
          f"max relative SE difference {max_se:.3g}; only in R: {len(only_r)}; only in hkstat: {len(only_h)}")
    if only_r:
        print("# only in R: " + ", ".join("/".join(k) for k in only_r[:12]) + (" ..." if len(only_r) > 12 else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
