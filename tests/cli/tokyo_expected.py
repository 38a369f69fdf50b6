#!/usr/bin/env python3
"""The 東京都 支援状況等調査 samples (data/samples/tokyo20*_*.csv, synthetic 架空) through the real hkstat binary: every
count that generate_tokyo.py designed (<stem>.expected.json) is the count `hkstat tabulate --format csv` prints, and the
guidebook's published figures (seed 004) come out as printed there: 継続期間 「1年以上10年未満」44.2% and 「10年以上」22.7%,
相談までに要した期間 「1年未満」24.8% and 「10年以上」15.4%, 当事者の半数以上が30代以上, 地域包括 「把握している・把握したことが
ある」9割超, 民生委員 4割弱 / 6割超, サポート事業 11 of 62.
    tokyo_expected.py HKSTAT SOURCE_DIR
"""
import csv
import io
import json
import os
import subprocess
import sys

hkstat, src = sys.argv[1], sys.argv[2]
os.chdir(src)
fail = 0


def table(stem, var, *extra):
    out = subprocess.run([hkstat, "tabulate", f"data/samples/{stem}.csv", "--var", var, "--min-cell", "0", "--format", "csv", *extra],
                         check=True, capture_output=True, text=True).stdout
    return [r for r in csv.DictReader(io.StringIO(out)) if r["variable"] == var]


def check(label, got, want):
    global fail
    if got == want:
        print(f"ok   {label}: {got}")
    else:
        print(f"FAIL {label}: got {got!r} want {want!r}")
        fail = 1


def counts(stem, var, *extra):
    return {r["label"]: int(r["n"]) for r in table(stem, var, *extra)}


def pct(stem, var, label):
    row = next(r for r in table(stem, var) if r["label"] == label)
    return round(100 * float(row["percent"]), 1)


def expected(stem):
    with open(f"data/samples/{stem}.expected.json", encoding="utf-8") as f:
        return json.load(f)


e = expected("tokyo2020_cases")
check("cases 年代", counts("tokyo2020_cases", "年代"), e["counts"]["年代"])
check("cases きっかけ", {k: v for k, v in counts("tokyo2020_cases", "きっかけ").items() if k != "無回答"}, e["counts"]["きっかけ"])
check("cases 継続期間", {k: v for k, v in counts("tokyo2020_cases", "継続期間").items() if k != "無回答"}, e["counts"]["継続期間"])
check("cases 相談までの期間", {k: v for k, v in counts("tokyo2020_cases", "相談までの期間").items() if k != "無回答"}, e["counts"]["相談までの期間"])
check("published 継続期間 1年以上10年未満", pct("tokyo2020_cases", "継続期間区分", "1年以上10年未満"), 44.2)
check("published 継続期間 10年以上", pct("tokyo2020_cases", "継続期間区分", "10年以上"), 22.7)
check("published 相談まで 1年未満", pct("tokyo2020_cases", "相談まで区分", "1年未満"), 24.8)
check("published 相談まで 10年以上", pct("tokyo2020_cases", "相談まで区分", "10年以上"), 15.4)
check("published 30代以上が半数以上", pct("tokyo2020_cases", "年代30代以上", "30代以上") > 50, True)
trig = counts("tokyo2020_cases", "きっかけ")
check("published きっかけ 最多", max((v, k) for k, v in trig.items() if k != "無回答")[1], "学校・大学等におけるいじめ等の人間関係")
check("counts people", sum(counts("tokyo2020_counts", "相談までの期間").values()), e["n_rows"])

for stem, low, high in (("tokyo2020_houkatsu", 90.0, 100.0), ("tokyo2020_minsei", 35.0, 40.0)):
    e = expected(stem)
    check(f"{stem} 把握状況", counts(stem, "把握状況"), e["counts"]["把握状況"])
    p = pct(stem, "把握有無", "把握している・把握したことがある")
    check(f"{stem} published 把握あり", (p, low < p < high), (e["published"]["把握している・把握したことがある %"], True))
e = expected("tokyo2020_minsei")
check("minsei 把握なし 6割超", pct("tokyo2020_minsei", "把握有無", "把握していない・把握したことがない") > 60, True)
how = counts("tokyo2020_minsei", "きっかけ", "--where", "把握有無 = 1")
check("minsei きっかけ (把握あり)", {k: v for k, v in how.items() if k != "無回答"}, e["counts"]["きっかけ"])
check("minsei きっかけ base", int(table("tokyo2020_minsei", "きっかけ", "--where", "把握有無 = 1")[0]["base"]), e["counts"]["きっかけ_回答者"])
check("published 近隣住民 > 家族", how["近隣住民からの情報提供"] > how["家族からの相談"], True)
iss = counts("tokyo2020_minsei", "課題")
check("minsei 課題", {k: v for k, v in iss.items() if k != "無回答"}, e["counts"]["課題"])
check("published 課題 最多", max((v, k) for k, v in iss.items() if k != "無回答")[1], "ひきこもりに係る知識や支援ノウハウがない")
m = counts("tokyo2021_municipal", "サポート事業")
check("published サポート事業 11 of 62", (m["活用している"], sum(m.values())), (11, 62))
sys.exit(fail)
