#!/usr/bin/env python3
"""Generate the synthetic (架空) 豊島区 民生委員・町会 survey sample: data/samples/toshima_minsei2023.*

ALL DATA ARE SYNTHETIC (架空のデータ). The layout follows what 豊島区's 令和5年度 ひきこもり支援方針 reports of its
アンケート of 民生委員・児童委員, 町会 and 青少年育成委員: whether they know the ひきこもり相談窓口 (民生委員 and 町会, where
the 窓口 was introduced at their meetings, know it more often than 青少年育成委員), whether they have come to know
(把握) someone in ひきこもり, that person's age and how long it has lasted (years and months), and what troubles them
(3つまで, or 特にない). The counts per group are fixed below (exact); the remaining answers come from
random.Random(2023). Run from the repository root: python3 data/samples/generate_toshima.py (standard library only,
deterministic). It writes the CSV (UTF-8, LF), the codebook, the run configuration and the expected counts, which it
re-tallies from the written CSV as a check.

It also writes toshima_intake2022.* (synthetic, 架空): the first consultations (初回相談) of the 豊島区 ひきこもり相談窓口,
one row per consultation with who consulted (本人, 母, 父, …; merged into 本人 / 家族 / 関係機関・その他) and how (対面,
メール, 電話, オンライン), so that 「初回相談の約7割は家族からの相談」 (令和5年度 支援方針) is a command: 84 of 120 = 70.0%.
"""
import csv
import io
import json
import os
import random
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "data", "samples")
STEM = "toshima_minsei2023"

GROUPS = {1: "民生委員・児童委員", 2: "町会・自治会", 3: "青少年育成委員"}
# 問2 相談窓口の認知: 1 知っている, 2 名前は聞いたことがある, 3 知らない, 9 無回答
AWARE = {1: {1: 48, 2: 34, 3: 26, 9: 2}, 2: {1: 30, 2: 28, 3: 31, 9: 1}, 3: {1: 9, 2: 14, 3: 37, 9: 0}}
# 問3 把握: 1 把握している, 2 把握したことがある, 3 把握していない, 9 無回答
KNOW = {1: {1: 22, 2: 30, 3: 57, 9: 1}, 2: {1: 10, 2: 18, 3: 61, 9: 1}, 3: {1: 4, 2: 8, 3: 48, 9: 0}}
TROUBLES = ["接し方がわからない", "つなぐ相談先がわからない", "家族が支援を望まない", "個人情報の扱いが難しい", "活動の時間が足りない", "特にない"]


def build():
    rng = random.Random(2023)
    rows = []
    for g in GROUPS:
        aware = [k for k, n in AWARE[g].items() for _ in range(n)]
        know = [k for k, n in KNOW[g].items() for _ in range(n)]
        assert len(aware) == len(know)
        rng.shuffle(aware)
        rng.shuffle(know)
        for a, k in zip(aware, know):
            r = {"区分": g, "問1": rng.randint(0, 30), "問2": a, "問3": k, "問4": "", "問5_年": "", "問5_月": ""}
            if k in (1, 2):  # asked only of those who know someone (skip logic)
                r["問4"] = rng.choice([1, 2, 2, 3, 3, 4, 4, 5])
                r["問5_年"] = rng.choice([0, 1, 2, 3, 5, 8, 10, 15, ""])
                r["問5_月"] = rng.choice([0, 3, 6, 9, ""]) if r["問5_年"] != "" else rng.choice([4, 8, ""])
            u = rng.random()
            chosen = set() if u < 0.04 else ({6} if u < 0.25 else set(rng.sample(range(1, 6), rng.randint(1, 3))))
            for i in range(1, 7):
                r[f"問6_{i}"] = "" if u < 0.04 else (1 if i in chosen else 0)
            rows.append(r)
    rng.shuffle(rows)
    for i, r in enumerate(rows):
        r["ID"] = f"TS{i + 1:04d}"
    return rows


CODEBOOK = '''# 豊島区 民生委員・町会・青少年育成委員アンケート（合成データ・架空）。data/samples/generate_toshima.py が生成。
# 派生変数（docs/codebook.md "Derived variables"）: 認知（知っている + 名前は聞いたことがある）、把握有無、期間の年数と区分、
# 困りごとの有無、把握した人が30代以上か。
[codebook]
title = "豊島区 民生委員・町会アンケート 2023（合成データ・架空）"
questionnaire = "toshima_minsei2023"
kind = "agency"

[[variable]]
name = "ID"
role = "id"
type = "id"

[[variable]]
name = "区分"
type = "code"
label = "回答者の区分"
codes = [ { code = 1, label = "民生委員・児童委員" }, { code = 2, label = "町会・自治会" }, { code = 3, label = "青少年育成委員" } ]

[[variable]]
name = "問1"
type = "integer"
label = "活動年数"
min = 0
max = 60

[[variable]]
name = "問2"
type = "code"
label = "区のひきこもり相談窓口を知っていますか"
missing = [9]
codes = [ { code = 1, label = "知っている" }, { code = 2, label = "名前は聞いたことがある" }, { code = 3, label = "知らない" } ]

[[variable]]
name = "問3"
type = "code"
label = "ひきこもりの状態にある人を把握していますか"
missing = [9]
codes = [ { code = 1, label = "把握している" }, { code = 2, label = "把握したことがある" }, { code = 3, label = "把握していない" } ]

[[variable]]
name = "問4"
type = "code"
label = "（問3で1・2の方）把握した人の年代"
codes = [ { code = 1, label = "10代" }, { code = 2, label = "20代" }, { code = 3, label = "30代" }, { code = 4, label = "40代" }, { code = 5, label = "50代以上" } ]

[[variable]]
name = "問5_年"
type = "integer"
label = "（問3で1・2の方）ひきこもりの期間（年）"
min = 0
max = 60

[[variable]]
name = "問5_月"
type = "integer"
label = "（問3で1・2の方）ひきこもりの期間（か月）"
min = 0
max = 11

[[variable]]
name = "問6"
type = "multi"
label = "活動の中で困っていること（3つまで）"
columns = [
{columns}
]

# 回答チェック（docs/codebook.md "Answer checks"）: 問6 は3つまで、「特にない」は他と一緒に選べない、問4・問5 は問3 で
# 1・2 の人だけに聞く。違反した行は除く（action = "reject"。"blank" は無回答に、"count" は数えるだけ）。
[[check]]
kind = "max_choices"
variable = "問6"
max = 3

[[check]]
kind = "exclusive"
variable = "問6"
options = [6]

[[check]]
kind = "skip"
variable = "問4"
asked_if = { variable = "問3", codes = [1, 2] }

[[check]]
kind = "skip"
variable = "問5_年"
asked_if = { variable = "問3", codes = [1, 2] }

[[check]]
kind = "skip"
variable = "問5_月"
asked_if = { variable = "問3", codes = [1, 2] }

[[variable]]
name = "認知"
type = "code"
label = "相談窓口の認知（問2 の「知っている」と「名前は聞いたことがある」を統合）"
derive = { method = "merge", from = "問2" }
codes = [ { code = 1, label = "知っている（名前だけを含む）", from = [1, 2] }, { code = 2, label = "知らない", from = [3] } ]

[[variable]]
name = "把握有無"
type = "code"
label = "把握の有無（問3 の「把握している」と「把握したことがある」を統合）"
derive = { method = "merge", from = "問3" }
codes = [ { code = 1, label = "把握あり", from = [1, 2] }, { code = 2, label = "把握なし", from = [3] } ]

[[variable]]
name = "年代30代以上"
type = "code"
label = "把握した人の年代（30代以上）"
derive = { method = "merge", from = "問4" }
codes = [ { code = 1, label = "30代未満", from = [1, 2] }, { code = 2, label = "30代以上", from = [3, 4, 5] } ]

[[variable]]
name = "期間_年数"
type = "integer"
label = "ひきこもりの期間（年。問5 の年と月から）"
derive = { method = "years_months", years = "問5_年", months = "問5_月" }

[[variable]]
name = "期間区分"
type = "code"
label = "ひきこもりの期間"
derive = { method = "bands", from = "期間_年数" }
codes = [ { code = 1, label = "1年未満", min = 0, max = 0 }, { code = 2, label = "1～4年", min = 1, max = 4 }, { code = 3, label = "5～9年", min = 5, max = 9 }, { code = 4, label = "10年以上", min = 10 } ]

[[variable]]
name = "活動年数区分"
type = "code"
label = "活動年数"
derive = { method = "bands", from = "問1" }
codes = [ { code = 1, label = "5年未満", max = 4 }, { code = 2, label = "5～9年", min = 5, max = 9 }, { code = 3, label = "10年以上", min = 10 } ]

[[variable]]
name = "困りごと有無"
type = "code"
label = "困りごとの有無（問6 の1～5のいずれか）"
derive = { method = "any_of", from = "問6", options = [1, 2, 3, 4, 5] }
codes = [ { code = 1, label = "困りごとあり" }, { code = 2, label = "特になし" } ]
'''

CONFIG = '''# 豊島区 民生委員・町会アンケート 2023（合成データ・架空）の実行設定。data/samples/generate_toshima.py が生成。
# 民生委員・町会・青少年育成委員の全員への調査で、住民の標本ではないため hkstat estimate の対象外です（tabulate で集計）。
[estimate]
min_cell = 5
'''

HEADER = ["ID", "区分", "問1", "問2", "問3", "問4", "問5_年", "問5_月"] + [f"問6_{i}" for i in range(1, 7)]


def main():
    rows = build()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    for r in rows:
        w.writerow([r[h] for h in HEADER])
    with open(os.path.join(OUT, STEM + ".csv"), "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())
    cols = ",\n".join(f'  {{ name = "問6_{i}", code = {i}, label = "{t}" }}' for i, t in enumerate(TROUBLES, 1))
    with open(os.path.join(OUT, STEM + ".codebook.toml"), "w", encoding="utf-8", newline="\n") as f:
        f.write(CODEBOOK.replace("{columns}", cols))
    with open(os.path.join(OUT, STEM + ".hkstat.toml"), "w", encoding="utf-8", newline="\n") as f:
        f.write(CONFIG)

    # Expected counts, re-tallied from the written file.
    with open(os.path.join(OUT, STEM + ".csv"), encoding="utf-8", newline="") as f:
        back = list(csv.DictReader(f))
    assert len(back) == sum(sum(v.values()) for v in AWARE.values())

    def by_group(fn):
        out = {}
        for g, name in GROUPS.items():
            out[name] = dict(sorted(Counter(fn(r) for r in back if r["区分"] == str(g)).items()))
        return out

    def aware(r):
        return {"1": "知っている（名前だけを含む）", "2": "知っている（名前だけを含む）", "3": "知らない"}.get(r["問2"], "無回答")

    def know(r):
        return {"1": "把握あり", "2": "把握あり", "3": "把握なし"}.get(r["問3"], "無回答")

    def trouble(r):
        if all(r[f"問6_{i}"] == "" for i in range(1, 7)):
            return "無回答"
        return "困りごとあり" if any(r[f"問6_{i}"] == "1" for i in range(1, 6)) else "特になし"

    for g in GROUPS:
        got = Counter(r["問2"] for r in back if r["区分"] == str(g))
        assert all(got[str(k)] == n for k, n in AWARE[g].items()), g
    expected = {
        "file": STEM + ".csv",
        "kind": "agency",
        "synthetic": "架空",
        "n_rows": len(back),
        "認知_by_区分": by_group(aware),
        "把握有無_by_区分": by_group(know),
        "困りごと有無": dict(sorted(Counter(trouble(r) for r in back).items())),
        "問4_answered": sum(1 for r in back if r["問4"] != ""),
    }
    with open(os.path.join(OUT, STEM + ".expected.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(expected, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(f"{STEM}: {len(back)} rows; 認知 by 区分 {expected['認知_by_区分']}")


INTAKE_STEM = "toshima_intake2022"
# 相談者 of the first consultation: 本人 22, 母 48, 父 17, きょうだい 11, 配偶者 5, その他の家族 3 (家族 84 = 70.0%),
# 関係機関 9, その他 5; 120 consultations.
WHO = [(1, "本人", 22), (2, "母", 48), (3, "父", 17), (4, "きょうだい", 11), (5, "配偶者", 5), (6, "その他の家族", 3), (7, "関係機関", 9),
       (8, "その他", 5)]
HOW = [(1, "対面"), (2, "メール"), (3, "電話"), (4, "オンライン（ビデオトーク）")]

INTAKE_CODEBOOK = """# 豊島区 ひきこもり相談窓口 初回相談の記録 2022（合成データ・架空）。data/samples/generate_toshima.py が生成。
# 1行 = 初回相談1件。相談者（本人・家族・関係機関など）と相談方法。派生変数: 相談者区分（本人 / 家族 / 関係機関・その他）。
[codebook]
title = "豊島区 ひきこもり相談窓口 初回相談 2022（合成データ・架空）"
questionnaire = "toshima_intake2022"
kind = "intake"

[[variable]]
name = "受付番号"
role = "id"
type = "id"

[[variable]]
name = "相談者"
type = "code"
label = "初回相談の相談者（当事者からみた続柄）"
codes = [ {who} ]

[[variable]]
name = "相談方法"
type = "code"
label = "相談方法"
codes = [ {how} ]

[[variable]]
name = "相談者区分"
type = "code"
label = "初回相談の相談者（本人・家族・関係機関など）"
derive = { method = "merge", from = "相談者" }
codes = [ { code = 1, label = "本人", from = [1] }, { code = 2, label = "家族", from = [2, 3, 4, 5, 6] }, { code = 3, label = "関係機関・その他", from = [7, 8] } ]
"""


def intake():
    rng = random.Random(2022)
    who = [c for c, _, n in WHO for _ in range(n)]
    rng.shuffle(who)
    rows = [{"受付番号": f"TI{i + 1:04d}", "相談者": w, "相談方法": rng.choices([1, 2, 3, 4], [35, 15, 40, 10])[0]} for i, w in enumerate(who)]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["受付番号", "相談者", "相談方法"])
    for r in rows:
        w.writerow([r["受付番号"], r["相談者"], r["相談方法"]])
    with open(os.path.join(OUT, INTAKE_STEM + ".csv"), "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())
    cb = INTAKE_CODEBOOK.replace("{who}", ", ".join(f'{{ code = {c}, label = "{t}" }}' for c, t, _ in WHO))
    cb = cb.replace("{how}", ", ".join(f'{{ code = {c}, label = "{t}" }}' for c, t in HOW))
    with open(os.path.join(OUT, INTAKE_STEM + ".codebook.toml"), "w", encoding="utf-8", newline="\n") as f:
        f.write(cb)
    with open(os.path.join(OUT, INTAKE_STEM + ".hkstat.toml"), "w", encoding="utf-8", newline="\n") as f:
        f.write("# 豊島区 初回相談の記録 2022（合成データ・架空）の実行設定。data/samples/generate_toshima.py が生成。\n"
                "# 相談の受付記録は標本ではないため、hkstat estimate の対象外です（tabulate で集計）。\n[estimate]\nmin_cell = 5\n")
    with open(os.path.join(OUT, INTAKE_STEM + ".csv"), encoding="utf-8", newline="") as f:
        back = list(csv.DictReader(f))
    c = Counter(r["相談者"] for r in back)
    family = sum(c[str(k)] for k in (2, 3, 4, 5, 6))
    assert round(100 * family / len(back), 1) == 70.0
    expected = {"file": INTAKE_STEM + ".csv", "kind": "intake", "synthetic": "架空", "n_rows": len(back),
                "相談者": {t: c[str(k)] for k, t, _ in WHO}, "published": {"初回相談のうち家族からの相談 %（約7割）": round(100 * family / len(back), 1)}}
    with open(os.path.join(OUT, INTAKE_STEM + ".expected.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(expected, f, ensure_ascii=False, indent=2)
        f.write("\n")
    print(f"{INTAKE_STEM}: {len(back)} rows; 家族 {family}")


if __name__ == "__main__":
    main()
    intake()
