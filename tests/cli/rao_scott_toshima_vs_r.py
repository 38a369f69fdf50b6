#!/usr/bin/env python3
"""`hkstat tabulate --test 区分` (a 3-level code variable, not sex or broad) against R's svychisq, through the real CLI:
the 豊島区 民生委員・町会・青少年育成委員 sample (data/samples/toshima_minsei2023.csv, synthetic 架空), its derived 認知
and 把握有無 and the raw 問2, each tested by 区分.
  rao_scott_toshima_vs_r.py HKSTAT SOURCE_DIR
Golden: r/rao_scott_golden.R → tests/golden/rao_scott/toshima.csv. Tolerance: 1e-9 relative (F, ndf, ddf, p, the Pearson
X² that R's statistic = "Chisq" prints, and its first-order p).
Checks, tolerances and messages of tests/cli/vs_r_check.py (VsR); ends with "N checks".
"""
import sys

sys.dont_write_bytecode = True  # importing vs_r_check writes no tests/cli/__pycache__
from vs_r_check import Csv, VsR, field, read_golden  # noqa: E402

t = VsR()
rc, text = t.run("tabulate", "data/samples/toshima_minsei2023.csv", "--var", "認知,問2,把握有無", "--test", "区分", "--format", "csv")
if rc != 0:
    print("hkstat failed")
    sys.exit(1)
header = text.split("\n", 1)[0]
if header != "variable,by,f,ndf,ddf,p,chisq_first_order,chisq_p,pearson":
    print(f"FAIL header: {header}")
    sys.exit(1)
out = Csv(text)
rows = 0
for gvar, gby, gf, gndf, gddf, gp, gchisq, gchisq_p in read_golden("tests/golden/rao_scott/toshima.csv"):
    if gvar == "variable":
        continue
    rows += 1
    found = out.find(f1=gvar, f2=gby)
    if not found:
        t.failed(f"FAIL no hkstat row for {gvar} × {gby}")
        continue
    row = t.one(f"{gvar}×{gby}", found)
    for name, i, want in [("F", 3, gf), ("ndf", 4, gndf), ("ddf", 5, gddf), ("p", 6, gp), ("pearson X2", 9, gchisq), ("first-order p", 8, gchisq_p)]:
        t.check(f"{gvar}×{gby} {name}", field(row, i), want, "rel", 1e-9)
if rows != 3:
    t.failed(f"FAIL {rows} golden rows, want 3")
t.finish()
