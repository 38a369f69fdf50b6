#!/usr/bin/env python3
"""Generate the synthetic (架空) 東京都「ひきこもりに関する支援状況等調査」 samples: data/samples/tokyo2020_*.

ALL DATA ARE SYNTHETIC (架空のデータ). The layout follows what the 東京都 ひきこもり支援ガイドブック (令和5年2月,
seed 004) reports of the 支援状況等調査 (令和2年9～11月): 関係機関 664か所 about the people they support, 地域包括支援
センター 457か所 and 民生委員・児童委員 (委員歴10年以上) 2,580人 about whether they have come to know (把握) someone in
ひきこもり, and the 区市町村 using the ひきこもりサポート事業 (11 of 62). The published figures are reproduced by
construction (the counts below are exact); the answers that the guidebook does not report come from
random.Random(2020), and the generator asserts the orderings the guidebook states (「学校・大学等におけるいじめ等の人間
関係」が最も多い, 近隣住民からの情報提供 more often than 家族からの相談, 知識や支援ノウハウがない the most common 課題).

Files (each with .codebook.toml, .hkstat.toml and .expected.json; kind = agency, full counts: no intervals):
  tokyo2020_cases     関係機関 case records, one row per person supported: age, sex, the agency's kind, triggers
                      (3つまで), duration, time until the first consultation (520 people)
  tokyo2020_counts    the same people as numbers per category (機関の種別 × 年代 × 相談までの期間, role count)
  tokyo2020_houkatsu  地域包括支援センター: 把握状況 (383 responding centres)
  tokyo2020_minsei    民生委員・児童委員: 把握状況, how they came to know (問1 で 1・2 の人), 課題 (1,640 respondents)
  tokyo2021_municipal the 62 区市町村 and whether they use the ひきこもりサポート事業 (11)

Run from the repository root: python3 data/samples/generate_tokyo.py (standard library only, deterministic). It writes
the CSVs (UTF-8, LF) and re-tallies the expected counts from the written CSVs as a check.
"""
import csv
import io
import json
import os
import random
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "data", "samples")
HEAD = "# {title}\n# 合成データ（架空）: data/samples/generate_tokyo.py が生成。回答者・回答・件数はすべて架空です。\n"


def write(stem, header, rows, codebook, config, expected):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(h, "") for h in header])
    with open(os.path.join(OUT, stem + ".csv"), "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())
    with open(os.path.join(OUT, stem + ".codebook.toml"), "w", encoding="utf-8", newline="\n") as f:
        f.write(codebook)
    with open(os.path.join(OUT, stem + ".hkstat.toml"), "w", encoding="utf-8", newline="\n") as f:
        f.write(config)
    with open(os.path.join(OUT, stem + ".csv"), encoding="utf-8", newline="") as f:
        back = list(csv.DictReader(f))
    exp = expected(back)
    with open(os.path.join(OUT, stem + ".expected.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(exp, f, ensure_ascii=False, indent=2)
        f.write("\n")
    return back


def pct(k, n):
    return round(100.0 * k / n, 1)


def codes_toml(items):
    return "codes = [\n" + ",\n".join(f'  {{ code = {c}, label = "{t}" }}' for c, t in items) + ",\n]\n"


def config(title, sent=None, returned=None):
    s = f"# {title}の実行設定。data/samples/generate_tokyo.py が生成。\n"
    s += "# 全数の集計（関係機関・委員・自治体の全数への調査）で住民の標本ではないため、hkstat estimate の対象外です（tabulate・report で集計）。\n"
    s += "[estimate]\nmin_cell = 5\n"
    if sent:
        s += "\n[fieldwork]\n" + f"sent = {sent}\n" + (f"returned = {returned}\nvalid = {returned}\n" if returned else "")
    return s


def expand(spec):
    return [k for k, n in spec for _ in range(n)]


# ---------------------------------------------------------------------------------------------------------------
# 関係機関 case records
AGENCY_KINDS = [(1, "保健所・保健センター"), (2, "生活困窮者自立相談支援機関"), (3, "精神保健福祉センター"),
                (4, "子ども・若者支援機関"), (5, "民間支援団体"), (6, "その他の機関")]
AGE_BANDS = [(1, "10代", 10, 19, 73), (2, "20代", 20, 29, 156), (3, "30代", 30, 39, 114), (4, "40代", 40, 49, 88),
             (5, "50代", 50, 59, 52), (6, "60代以上", 60, 79, 21)]
AGE_UNKNOWN = 16  # age not known to the agency: empty
TRIGGERS = ["学校・大学等におけるいじめ等の人間関係", "不登校", "受験の失敗", "就職活動の失敗", "職場の人間関係", "退職・失業",
            "病気・障害", "家族関係", "その他", "不明"]
# 継続期間: the guidebook's 「1年以上10年未満」44.2% (230 of 520) and 「10年以上」22.7% (118 of 520)
DURATION = [(1, "6か月未満", 30), (2, "6か月以上1年未満", 44), (3, "1年以上3年未満", 88), (4, "3年以上5年未満", 62),
            (5, "5年以上10年未満", 80), (6, "10年以上20年未満", 79), (7, "20年以上", 39), (8, "不明", 98)]
DURATION_MERGED = [(1, "1年未満", [1, 2]), (2, "1年以上10年未満", [3, 4, 5]), (3, "10年以上", [6, 7]), (4, "不明", [8])]
# 相談までに要した期間: 「1年未満」24.8% (129 of 520), 「10年以上」15.4% (80 of 520)
TO_CONSULT = [(1, "1年未満", 129), (2, "1年以上3年未満", 98), (3, "3年以上5年未満", 61), (4, "5年以上10年未満", 70),
              (5, "10年以上20年未満", 54), (6, "20年以上", 26), (7, "不明", 82)]
TO_CONSULT_MERGED = [(1, "1年未満", [1]), (2, "1年以上10年未満", [2, 3, 4]), (3, "10年以上", [5, 6]), (4, "不明", [7])]
N_CASES = 520
CASES_TITLE = "東京都 ひきこもりに関する支援状況等調査 2020 関係機関の事例（合成データ・架空）"


def build_cases():
    rng = random.Random(2020)
    ages = [None] * AGE_UNKNOWN + [rng.randint(lo, hi) for _, _, lo, hi, n in AGE_BANDS for _ in range(n)]
    dur = expand([(c, n) for c, _, n in DURATION])
    cons = expand([(c, n) for c, _, n in TO_CONSULT])
    assert len(ages) == len(dur) == len(cons) == N_CASES
    rng.shuffle(ages)
    rng.shuffle(dur)
    rng.shuffle(cons)
    # trigger weights: いじめ等の人間関係 most often
    weights = [30, 22, 8, 10, 18, 12, 16, 14, 6]
    rows = []
    for i in range(N_CASES):
        r = {"事例番号": f"TK{i + 1:04d}", "機関種別": rng.choices([c for c, _ in AGENCY_KINDS], [22, 30, 8, 14, 20, 6])[0],
             "性別": rng.choices([1, 2, 9], [62, 36, 2])[0], "年齢": "" if ages[i] is None else ages[i],
             "継続期間": dur[i], "相談までの期間": cons[i]}
        if rng.random() < 0.07:
            chosen = {10}  # 不明 (exclusive)
        else:
            k = rng.choices([1, 2, 3], [45, 35, 20])[0]
            chosen = set()
            while len(chosen) < k:
                chosen.add(rng.choices(range(1, 10), weights)[0])
        for j in range(1, 11):
            r[f"きっかけ_{j}"] = 1 if j in chosen else 0
        rows.append(r)
    return rows


def cases_codebook():
    cols = ",\n".join(f'  {{ name = "きっかけ_{j}", code = {j}, label = "{t}" }}' for j, t in enumerate(TRIGGERS, 1))
    merged = lambda items: "codes = [ " + ", ".join(f'{{ code = {c}, label = "{t}", from = {f} }}' for c, t, f in items) + " ]\n"
    bands = "codes = [ " + ", ".join(
        f'{{ code = {c}, label = "{t}", min = {lo}' + ("" if c == 6 else f", max = {hi}") + " }" for c, t, lo, hi, _ in AGE_BANDS) + " ]\n"
    return (HEAD.format(title=CASES_TITLE) + "# 1行 = 関係機関が相談・支援を行っている当事者1人。年齢・性別・機関の種別・きっかけ（3つまで）・継続期間・相談までに要した期間。\n"
            "# 派生変数: 年代（年齢の区分）、30代以上か、継続期間と相談までの期間の区分（ガイドブックの「1年以上10年未満」「10年以上」など）。\n\n"
            "[codebook]\n"
            f'title = "{CASES_TITLE}"\n'
            'kind = "agency"\n'
            'questionnaire = "tokyo2020_cases"\n'
            "age_min = 10\nage_max = 79\n\n"
            '[[variable]]\nname = "事例番号"\nrole = "id"\ntype = "id"\nlabel = "事例の番号"\n\n'
            '[[variable]]\nname = "機関種別"\ntype = "code"\nlabel = "相談・支援を行っている機関の種別"\n' + codes_toml(AGENCY_KINDS) + "\n"
            '[[variable]]\nname = "性別"\nrole = "sex"\ntype = "code"\nlabel = "当事者の性別"\nmissing = [9]\n'
            + codes_toml([(1, "男性"), (2, "女性")]) + "\n"
            '[[variable]]\nname = "年齢"\nrole = "age"\ntype = "integer"\nlabel = "当事者の年齢（歳。機関が把握していなければ空欄）"\n\n'
            '[[variable]]\nname = "きっかけ"\ntype = "multi"\nlabel = "ひきこもりの状態となったきっかけ（3つまで）"\ncolumns = [\n' + cols + "\n]\n\n"
            '[[variable]]\nname = "継続期間"\ntype = "code"\nlabel = "ひきこもりの状態が継続している期間"\n'
            + codes_toml([(c, t) for c, t, _ in DURATION]) + "\n"
            '[[variable]]\nname = "相談までの期間"\ntype = "code"\nlabel = "相談に至るまでに要した期間"\n'
            + codes_toml([(c, t) for c, t, _ in TO_CONSULT]) + "\n"
            "# 回答チェック: きっかけは3つまで、「不明」は他と一緒に選べない。\n"
            '[[check]]\nkind = "max_choices"\nvariable = "きっかけ"\nmax = 3\n\n'
            '[[check]]\nkind = "exclusive"\nvariable = "きっかけ"\noptions = [10]\n\n'
            '[[variable]]\nname = "年代"\ntype = "code"\nlabel = "当事者の年代"\nderive = { method = "bands", from = "年齢" }\n' + bands + "\n"
            '[[variable]]\nname = "年代30代以上"\ntype = "code"\nlabel = "当事者の年代（30代以上か）"\nderive = { method = "merge", from = "年代" }\n'
            + merged([(1, "30代未満", [1, 2]), (2, "30代以上", [3, 4, 5, 6])]) + "\n"
            '[[variable]]\nname = "継続期間区分"\ntype = "code"\nlabel = "ひきこもりの状態が継続している期間（区分）"\nderive = { method = "merge", from = "継続期間" }\n'
            + merged(DURATION_MERGED) + "\n"
            '[[variable]]\nname = "相談まで区分"\ntype = "code"\nlabel = "相談に至るまでに要した期間（区分）"\nderive = { method = "merge", from = "相談までの期間" }\n'
            + merged(TO_CONSULT_MERGED))


def cases_expected(back):
    n = len(back)
    band = lambda a: next((t for _, t, lo, hi, _ in AGE_BANDS if a != "" and lo <= int(a) <= hi), "無回答")
    trig = Counter(t for r in back for j, t in enumerate(TRIGGERS, 1) if r[f"きっかけ_{j}"] == "1")
    assert max(trig, key=trig.get) == TRIGGERS[0], trig
    assert all(sum(r[f"きっかけ_{j}"] == "1" for j in range(1, 11)) <= 3 for r in back)
    dur = Counter(r["継続期間"] for r in back)
    cons = Counter(r["相談までの期間"] for r in back)
    d_mid = sum(dur[str(c)] for c in (3, 4, 5))
    d_long = sum(dur[str(c)] for c in (6, 7))
    c_short = cons["1"]
    c_long = cons["5"] + cons["6"]
    over30 = sum(1 for r in back if r["年齢"] != "" and int(r["年齢"]) >= 30)
    published = {"継続期間 1年以上10年未満 %": pct(d_mid, n), "継続期間 10年以上 %": pct(d_long, n),
                 "相談まで 1年未満 %": pct(c_short, n), "相談まで 10年以上 %": pct(c_long, n)}
    assert published == {"継続期間 1年以上10年未満 %": 44.2, "継続期間 10年以上 %": 22.7, "相談まで 1年未満 %": 24.8,
                         "相談まで 10年以上 %": 15.4}, published
    assert over30 * 2 > n
    return {"file": "tokyo2020_cases.csv", "kind": "agency", "synthetic": "架空", "n_rows": n,
            "published": dict(published, **{"年代 30代以上 %（半数以上）": pct(over30, n),
                                            "きっかけ 最多": TRIGGERS[0]}),
            "counts": {"年代": dict(Counter(band(r["年齢"]) for r in back)),
                       "きっかけ": {t: trig[t] for t in TRIGGERS},
                       "継続期間": {t: dur[str(c)] for c, t, _ in DURATION},
                       "相談までの期間": {t: cons[str(c)] for c, t, _ in TO_CONSULT}}}


# ---------------------------------------------------------------------------------------------------------------
# 関係機関 numbers per category: the case records aggregated by 機関種別 × 年代 × 相談までの期間
COUNTS_TITLE = "東京都 ひきこもりに関する支援状況等調査 2020 関係機関の区分ごとの人数（合成データ・架空）"


def build_counts(cases):
    def band(a):
        return next((c for c, _, lo, hi, _ in AGE_BANDS if a != "" and lo <= int(a) <= hi), 9)
    n = Counter((r["機関種別"], band(r["年齢"]), r["相談までの期間"]) for r in cases)
    return [{"機関種別": k[0], "年代": k[1], "相談までの期間": k[2], "人数": n[k]} for k in sorted(n)]


def counts_codebook():
    merged = "codes = [ " + ", ".join(f'{{ code = {c}, label = "{t}", from = {f} }}' for c, t, f in TO_CONSULT_MERGED) + " ]\n"
    return (HEAD.format(title=COUNTS_TITLE) + "# 1行 = 機関の種別・当事者の年代・相談までに要した期間の組合せと、その人数（関係機関が報告する「区分ごとの人数」の形）。\n"
            "# tokyo2020_cases.csv を集計したもので、hkstat tabulate の表は tokyo2020_cases.csv と同じになります。\n\n"
            "[codebook]\n"
            f'title = "{COUNTS_TITLE}"\n'
            'kind = "agency"\n'
            'questionnaire = "tokyo2020_cases"\n\n'
            '[[variable]]\nname = "人数"\nrole = "count"\ntype = "integer"\nlabel = "この区分に当てはまる人数"\n\n'
            '[[variable]]\nname = "機関種別"\ntype = "code"\nlabel = "相談・支援を行っている機関の種別"\n' + codes_toml(AGENCY_KINDS) + "\n"
            '[[variable]]\nname = "年代"\ntype = "code"\nlabel = "当事者の年代"\nmissing = [9]\n'
            + codes_toml([(c, t) for c, t, *_ in AGE_BANDS]) + "\n"
            '[[variable]]\nname = "相談までの期間"\ntype = "code"\nlabel = "相談に至るまでに要した期間"\n'
            + codes_toml([(c, t) for c, t, _ in TO_CONSULT]) + "\n"
            '[[variable]]\nname = "相談まで区分"\ntype = "code"\nlabel = "相談に至るまでに要した期間（区分）"\nderive = { method = "merge", from = "相談までの期間" }\n'
            + merged)


# ---------------------------------------------------------------------------------------------------------------
# 地域包括支援センター and 民生委員・児童委員: 把握状況
AWARE_CODES = [(1, "把握している"), (2, "把握したことがある"), (3, "把握していない"), (4, "把握したことがない")]
AWARE_MERGED = [(1, "把握している・把握したことがある", [1, 2]), (2, "把握していない・把握したことがない", [3, 4])]
HOUKATSU = {1: 250, 2: 102, 3: 18, 4: 13, 9: 0}  # 383 of 457 centres answered; 352 = 91.9% 「9割超」
MINSEI = {1: 210, 2: 410, 3: 42, 4: 970, 9: 8}  # 1,640 of 2,580; 620 = 37.8% 「4割弱」, 1,012 = 61.7% 「6割超」
HOW = ["家族からの相談", "近隣住民からの情報提供", "本人からの相談", "関係機関からの情報提供", "委員活動（見守り・訪問）の中で", "その他"]
ISSUES = ["ひきこもりに係る知識や支援ノウハウがない", "どこにつなげばよいかわからない", "本人に会えない", "家族が支援を望まない",
          "個人情報の扱いが難しい", "その他", "特にない"]
HOUKATSU_TITLE = "東京都 ひきこもりに関する支援状況等調査 2020 地域包括支援センター（合成データ・架空）"
MINSEI_TITLE = "東京都 ひきこもりに関する支援状況等調査 2020 民生委員・児童委員（合成データ・架空）"
OPINIONS = ["", "", "", "各区市町村にひきこもりに係る支援を専門に行う相談窓口を設置してほしい",
            "相談があっても、適当な相談窓口を紹介することができない", "8050の世帯への関わり方を学ぶ研修がほしい"]


def aware_block(label):
    merged = "codes = [ " + ", ".join(f'{{ code = {c}, label = "{t}", from = {f} }}' for c, t, f in AWARE_MERGED) + " ]\n"
    return ('[[variable]]\nname = "把握状況"\ntype = "code"\n'
            f'label = "{label}"\nmissing = [9]\n' + codes_toml(AWARE_CODES) + "\n"
            '[[variable]]\nname = "把握有無"\ntype = "code"\nlabel = "把握の有無（「把握している」と「把握したことがある」を統合）"\n'
            'derive = { method = "merge", from = "把握状況" }\n' + merged)


def build_houkatsu():
    rng = random.Random(457)
    aware = expand(list(HOUKATSU.items()))
    rng.shuffle(aware)
    return [{"センター番号": f"HK{i + 1:03d}", "地域": rng.choices([1, 2], [55, 45])[0], "把握状況": a, "意見": rng.choice(OPINIONS)}
            for i, a in enumerate(aware)]


def houkatsu_codebook():
    return (HEAD.format(title=HOUKATSU_TITLE) + "# 1行 = 回答した地域包括支援センター1か所。担当地区におけるひきこもりの状態にある方の把握状況と自由記述の意見。\n\n"
            "[codebook]\n"
            f'title = "{HOUKATSU_TITLE}"\n'
            'kind = "agency"\n'
            'questionnaire = "tokyo2020_houkatsu"\n\n'
            '[[variable]]\nname = "センター番号"\nrole = "id"\ntype = "id"\nlabel = "センターの番号"\n\n'
            '[[variable]]\nname = "地域"\ntype = "code"\nlabel = "所在地"\n' + codes_toml([(1, "区部"), (2, "市町村部")]) + "\n"
            + aware_block("担当地区におけるひきこもりの状態にある方の把握状況") + "\n"
            '[[variable]]\nname = "意見"\ntype = "text"\nlabel = "ご意見（自由記述）"\n')


def aware_expected(stem, spec, extra=None):
    def fn(back):
        n = len(back)
        c = Counter(r["把握状況"] for r in back)
        got = {t: c[str(k)] for k, t in AWARE_CODES}
        got["無回答"] = c["9"]
        assert all(c[str(k)] == v for k, v in spec.items())
        exp = {"file": stem + ".csv", "kind": "agency", "synthetic": "架空", "n_rows": n, "counts": {"把握状況": got},
               "published": {"把握している・把握したことがある %": pct(c["1"] + c["2"], n),
                             "把握していない・把握したことがない %": pct(c["3"] + c["4"], n)}}
        if extra:
            extra(back, exp)
        return exp
    return fn


def build_minsei():
    rng = random.Random(2580)
    aware = expand(list(MINSEI.items()))
    rng.shuffle(aware)
    rows = []
    for i, a in enumerate(aware):
        r = {"委員番号": f"MI{i + 1:04d}", "委員歴": rng.randint(10, 36), "把握状況": a}
        if a in (1, 2):  # 問 把握のきっかけ: asked only of those who know someone
            chosen = set()
            while not chosen:
                chosen = {j for j, p in enumerate([0.26, 0.47, 0.05, 0.14, 0.30, 0.04], 1) if rng.random() < p}
            for j in range(1, 7):
                r[f"きっかけ_{j}"] = 1 if j in chosen else 0
        u = rng.random()
        if u < 0.02:
            pass  # 課題 無回答
        else:
            chosen = {7} if u < 0.15 else {j for j, p in enumerate([0.58, 0.36, 0.22, 0.18, 0.14, 0.04], 1) if rng.random() < p} or {1}
            for j in range(1, 8):
                r[f"課題_{j}"] = 1 if j in chosen else 0
        rows.append(r)
    return rows


def minsei_codebook():
    how = ",\n".join(f'  {{ name = "きっかけ_{j}", code = {j}, label = "{t}" }}' for j, t in enumerate(HOW, 1))
    iss = ",\n".join(f'  {{ name = "課題_{j}", code = {j}, label = "{t}" }}' for j, t in enumerate(ISSUES, 1))
    return (HEAD.format(title=MINSEI_TITLE) + "# 1行 = 回答した民生委員・児童委員1人（委員歴通算10年以上）。把握状況、把握のきっかけ（把握している・把握したことがある人だけ）、課題。\n\n"
            "[codebook]\n"
            f'title = "{MINSEI_TITLE}"\n'
            'kind = "agency"\n'
            'questionnaire = "tokyo2020_minsei"\n\n'
            '[[variable]]\nname = "委員番号"\nrole = "id"\ntype = "id"\nlabel = "委員の番号"\n\n'
            '[[variable]]\nname = "委員歴"\ntype = "integer"\nlabel = "委員歴（通算年数）"\nmin = 10\nmax = 60\n\n'
            + aware_block("担当地区におけるひきこもりの状態にある方の把握状況") + "\n"
            '[[variable]]\nname = "きっかけ"\ntype = "multi"\nlabel = "（把握している・把握したことがある方）把握したきっかけ（いくつでも）"\ncolumns = [\n' + how + "\n]\n\n"
            '[[variable]]\nname = "課題"\ntype = "multi"\nlabel = "ひきこもりの状態にある方への対応で課題と感じていること（いくつでも）"\ncolumns = [\n' + iss + "\n]\n\n"
            "# 回答チェック: きっかけは把握状況が 1・2 の人だけに聞く。課題の「特にない」は他と一緒に選べない。\n"
            '[[check]]\nkind = "skip"\nvariable = "きっかけ"\nasked_if = { variable = "把握状況", codes = [1, 2] }\n\n'
            '[[check]]\nkind = "exclusive"\nvariable = "課題"\noptions = [7]\n')


def minsei_extra(back, exp):
    how = Counter(t for r in back for j, t in enumerate(HOW, 1) if r[f"きっかけ_{j}"] == "1")
    iss = Counter(t for r in back for j, t in enumerate(ISSUES, 1) if r[f"課題_{j}"] == "1")
    assert how["近隣住民からの情報提供"] > how["家族からの相談"], how
    assert max(iss, key=iss.get) == ISSUES[0], iss
    exp["counts"]["きっかけ"] = {t: how[t] for t in HOW}
    exp["counts"]["きっかけ_回答者"] = sum(1 for r in back if r["きっかけ_1"] != "")
    exp["counts"]["課題"] = {t: iss[t] for t in ISSUES}
    exp["published"]["把握したことがない %（約6割）"] = pct(sum(r["把握状況"] == "4" for r in back), len(back))
    exp["published"]["きっかけ: 近隣住民からの情報提供 > 家族からの相談"] = True
    exp["published"]["課題 最多"] = ISSUES[0]


# ---------------------------------------------------------------------------------------------------------------
# 区市町村: ひきこもりサポート事業 (令和3年度: 62自治体のうち11)
MUNI_TITLE = "東京都 区市町村のひきこもりサポート事業の活用 2021（合成データ・架空）"
MUNI = {1: (23, 5), 2: (26, 5), 3: (13, 1)}  # 区部, 市部, 町村部: (自治体数, 活用); only the totals 62 / 11 are published


def build_municipal():
    rng = random.Random(62)
    rows = []
    for area, (n, using) in MUNI.items():
        flags = [1] * using + [2] * (n - using)
        rng.shuffle(flags)
        rows += [{"区分": area, "サポート事業": f} for f in flags]
    for i, r in enumerate(rows):
        r["自治体番号"] = f"M{i + 1:02d}"
    return rows


def municipal_codebook():
    return (HEAD.format(title=MUNI_TITLE) + "# 1行 = 都内の区市町村1つ（名前は出しません）。公表されているのは全体の 62 自治体のうち 11 だけで、区部・市部・町村部の内訳は架空です。\n\n"
            "[codebook]\n"
            f'title = "{MUNI_TITLE}"\n'
            'kind = "agency"\n'
            'questionnaire = "tokyo2021_municipal"\n\n'
            '[[variable]]\nname = "自治体番号"\nrole = "id"\ntype = "id"\nlabel = "自治体の番号"\n\n'
            '[[variable]]\nname = "区分"\ntype = "code"\nlabel = "区部・市部・町村部"\n' + codes_toml([(1, "区部"), (2, "市部"), (3, "町村部")]) + "\n"
            '[[variable]]\nname = "サポート事業"\ntype = "code"\nlabel = "厚生労働省「ひきこもりサポート事業」の活用（令和3年度）"\n'
            + codes_toml([(1, "活用している"), (2, "活用していない")]))


def main():
    cases = build_cases()
    header = ["事例番号", "機関種別", "性別", "年齢"] + [f"きっかけ_{j}" for j in range(1, 11)] + ["継続期間", "相談までの期間"]
    back = write("tokyo2020_cases", header, cases, cases_codebook(), config("関係機関の事例（架空）", 664), cases_expected)
    counts = build_counts(back)
    write("tokyo2020_counts", ["機関種別", "年代", "相談までの期間", "人数"], counts, counts_codebook(), config("関係機関の区分ごとの人数（架空）"),
          lambda b: {"file": "tokyo2020_counts.csv", "kind": "agency", "synthetic": "架空", "n_rows": len(b),
                     "people": sum(int(r["人数"]) for r in b), "same_as": "tokyo2020_cases.csv"})
    write("tokyo2020_houkatsu", ["センター番号", "地域", "把握状況", "意見"], build_houkatsu(), houkatsu_codebook(),
          config("地域包括支援センター（架空）", 457, sum(HOUKATSU.values())), aware_expected("tokyo2020_houkatsu", HOUKATSU))
    header = ["委員番号", "委員歴", "把握状況"] + [f"きっかけ_{j}" for j in range(1, 7)] + [f"課題_{j}" for j in range(1, 8)]
    write("tokyo2020_minsei", header, build_minsei(), minsei_codebook(), config("民生委員・児童委員（架空）", 2580, sum(MINSEI.values())),
          aware_expected("tokyo2020_minsei", MINSEI, minsei_extra))
    write("tokyo2021_municipal", ["自治体番号", "区分", "サポート事業"], build_municipal(), municipal_codebook(), config("区市町村（架空）"),
          lambda b: {"file": "tokyo2021_municipal.csv", "kind": "agency", "synthetic": "架空", "n_rows": len(b),
                     "published": {"サポート事業を活用している自治体": sum(r["サポート事業"] == "1" for r in b), "自治体数": len(b)}})
    print("tokyo2020: cases", len(back), "counts rows", len(counts))


if __name__ == "__main__":
    main()
