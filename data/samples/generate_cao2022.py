#!/usr/bin/env python3
"""Synthetic (架空) sample in the layout of the Cabinet Office FY2022 survey (令和4年度 こども・若者の意識と生活に関する調査).

Two questionnaires in one file: the 15～39歳票 (7,035 valid responses) and the 40～69歳票 (5,214), told apart by the
column 調査票 (codebook role "form", with a [[form]] table per questionnaire). Rates are published for 15-39 and 40-64
only, so the 65～69 of the 40～69歳票 are outside every reporting range. The counts are drawn so that the published
figures reproduce (/work/shared/domain.md §4.1, §3.4):

* 15-39: 144 広義 of 7,035 = 2.05%;  40-64: 86 広義 of 4,257 = 2.02% (4,257 is one of the n that give 2.02%; the
  published n for 40-64 was not retrieved);  the 957 aged 65-69 (20 of them would be 広義) are kept out.
* 15-39 respondents who chose outing options 5-8 (n = 500, the simple-tabulation base): reasons コロナ 29.6% (148),
  その他 17.4% (87), 退職 16.2% (81), 妊娠 15.2% (76), 特に理由はない 14.8% (74).
* 専業主婦・主夫 among the 15-39 広義: 17 of 144 = 11.8% (published as 「12%」).
* women among the 広義 (seed 001 quoting the survey): 40-64 52.3% (45 of 86), 15-39 45.1% (65 of 144); the most
  common 最も大きな理由 is 「退職したこと」 in both ranges (15-39: 50 of 144; 40-64: 30 of 86).

Everything else (sex, exact ages, outing option within 5-8, durations, occupations) is invented. Deterministic: the
same files on every run (random.Random with a fixed seed). Writes cao2022_layout.csv and cao2022_layout.expected.json
next to this script; cao2022_layout.codebook.toml, .hkstat.toml and .population.csv are written by hand.
"""
import csv
import io
import json
import os
import random
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
STEM = "cao2022_layout"
rng = random.Random(2022)

FORM_YOUNG, FORM_OLD = 1, 2
# outing codes
NON_CORE = [1, 2, 3, 4]
SEMI, NARROW = [5], [6, 7, 8]
# duration codes (2022 bands); 1 = 6か月未満
DUR_LT6M = 1
DUR_GE6M = [2, 3, 4, 5, 6, 7]
# reasons codes
R = {"illness": 1, "pregnancy": 2, "childbirth_childcare": 3, "caregiving": 4, "school_misfit": 5,
     "workplace_misfit": 6, "relationships": 7, "retirement": 8, "covid": 9, "other": 10, "none": 11}
# occupation codes
OCC = {"employee": 1, "part_time": 2, "self_employed": 3, "work_at_home": 4, "homemaker": 5, "family_helper": 6,
       "student": 7, "unemployed": 8}


def person(form, age, outing, duration=None, reasons=(), occupation=None, talk=None, home=(), sex=None):
    # main reason (最も大きな理由): the first reason given
    return {"form": form, "age": age, "outing": outing, "duration": duration, "reasons": list(reasons),
            "main": reasons[0] if reasons else None, "occupation": occupation, "talk": talk, "home": list(home), "sex": sex}


def core_outing(i, narrow_every=3):
    # 広義 = 準 (5) + 狭義 (6-8): one in `narrow_every` is 狭義
    return rng.choice(NARROW) if i % narrow_every == 0 else 5


def young_rows():
    ages = lambda: rng.randint(15, 39)
    rows = []
    # --- the 500 who chose outing 5-8 -------------------------------------------------------------
    # 144 広義: single reasons retirement 50, covid 40, none 30, other 24; 17 専業主婦・主夫 who hardly talk with
    # non-family people; 65 women
    broad_reasons = ["retirement"] * 50 + ["covid"] * 40 + ["none"] * 30 + ["other"] * 24
    sexes = [2] * 65 + [1] * 79
    rng.shuffle(sexes)
    for i, reason in enumerate(broad_reasons):
        occ = "homemaker" if i % 8 == 0 and i < 8 * 17 else rng.choice(["unemployed", "unemployed", "student", "part_time"])
        talk = 3 if occ == "homemaker" else rng.choice([1, 2, 3])
        home = ["housework_childcare"] if occ == "homemaker" else []
        rows.append(person(FORM_YOUNG, ages(), core_outing(i), rng.choice(DUR_GE6M), [reason], occ, talk, home, sexes[i]))
    # 76 妊娠 (excluded: E2), 40 病気 (excluded: E1)
    for i in range(76):
        rows.append(person(FORM_YOUNG, rng.randint(20, 39), core_outing(i), rng.choice(DUR_GE6M), ["pregnancy"], "homemaker", 2,
                           ["housework_childcare"]))
    for i in range(40):
        rows.append(person(FORM_YOUNG, ages(), core_outing(i), rng.choice(DUR_GE6M), ["illness"], "unemployed", 2))
    # 240 in that state for less than 6 months (not cases): covid+other 6, covid 102, other 57, retirement 31, none 44
    short = [["covid", "other"]] * 6 + [["covid"]] * 102 + [["other"]] * 57 + [["retirement"]] * 31 + [["none"]] * 44
    for i, reasons in enumerate(short):
        rows.append(person(FORM_YOUNG, ages(), core_outing(i), DUR_LT6M, reasons, rng.choice(["employee", "part_time", "student"]), 1))
    # --- the other 6,535: outing 1-4 (20 without an answer to the outing question: in n, never cases) -------
    for i in range(6535):
        outing = 9 if i < 20 else rng.choice(NON_CORE)
        rows.append(person(FORM_YOUNG, ages(), outing, None, [], rng.choice(["employee", "part_time", "student", "self_employed"]),
                           rng.choice([1, 2])))
    return rows


def old_rows():
    rows = []
    # 40-64: 4,257 respondents, 86 広義; 30 excluded (illness 20, caregiving 10); 40 in the state < 6 months
    # 86 広義: 45 women; reasons retirement 30, relationships 20, workplace_misfit 14, other 12, none 10
    old_reasons = ["retirement"] * 30 + ["relationships"] * 20 + ["workplace_misfit"] * 14 + ["other"] * 12 + ["none"] * 10
    sexes = [2] * 45 + [1] * 41
    rng.shuffle(sexes)
    for i in range(86):
        rows.append(person(FORM_OLD, rng.randint(40, 64), core_outing(i, 2), rng.choice(DUR_GE6M), [old_reasons[i]], "unemployed",
                           rng.choice([2, 3]), (), sexes[i]))
    for i in range(20):
        rows.append(person(FORM_OLD, rng.randint(40, 64), core_outing(i), rng.choice(DUR_GE6M), ["illness"], "unemployed", 2))
    for i in range(10):
        rows.append(person(FORM_OLD, rng.randint(40, 64), core_outing(i), rng.choice(DUR_GE6M), ["caregiving"], "homemaker", 2,
                           ["caregiving"]))
    for i in range(40):
        rows.append(person(FORM_OLD, rng.randint(40, 64), core_outing(i), DUR_LT6M, ["retirement"], "part_time", 1))
    for i in range(4257 - 86 - 20 - 10 - 40):
        rows.append(person(FORM_OLD, rng.randint(40, 64), rng.choice(NON_CORE), None, [], rng.choice(["employee", "part_time", "self_employed"]),
                           rng.choice([1, 2])))
    # 65-69: 957 respondents of the same questionnaire, outside every reporting range; 20 of them would be 広義
    for i in range(20):
        rows.append(person(FORM_OLD, rng.randint(65, 69), core_outing(i, 2), rng.choice(DUR_GE6M), ["retirement"], "unemployed", 3))
    for i in range(957 - 20):
        rows.append(person(FORM_OLD, rng.randint(65, 69), rng.choice(NON_CORE), None, [], rng.choice(["unemployed", "part_time", "self_employed"]),
                           rng.choice([1, 2])))
    return rows


def main():
    rows = young_rows() + old_rows()
    rng.shuffle(rows)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["ID", "調査票", "性別", "年齢", "職業", "外出", "期間", "理由", "理由_その他分類", "最大理由", "家での活動", "家族以外との会話"])
    for k, p in enumerate(rows, 1):
        sex = p["sex"] or (rng.choice([1, 1, 2, 2, 3]) if k % 97 else 9)
        p["sex"] = sex
        w.writerow([f"R4-{k:05d}", p["form"], sex, p["age"], OCC[p["occupation"]] if p["occupation"] else "", p["outing"],
                    p["duration"] or "", ";".join(str(R[x]) for x in p["reasons"]), 3 if "other" in p["reasons"] else "", R[p["main"]] if p["main"] else "",
                    ";".join({"housework_childcare": "1", "caregiving": "2"}[x] for x in p["home"]) or "",
                    p["talk"] or ""])
    with open(os.path.join(HERE, STEM + ".csv"), "w", encoding="utf-8", newline="") as f:
        f.write(out.getvalue())

    # independent check of the designed counts (the cao2022 rule-set, written out again here)
    def broad(p):
        if p["outing"] not in (5, 6, 7, 8) or p["duration"] not in DUR_GE6M:
            return False
        rs = set(p["reasons"])
        if rs & {"illness", "pregnancy", "childbirth_childcare", "caregiving"} or p["occupation"] == "work_at_home":
            return False
        homeish = p["occupation"] in ("homemaker", "family_helper") or set(p["home"]) & {"housework_childcare", "caregiving"}
        return not (homeish and p["talk"] in (1, 2))

    def in_range(p):
        return (p["form"] == FORM_YOUNG and 15 <= p["age"] <= 39) or (p["form"] == FORM_OLD and 40 <= p["age"] <= 64)

    young = [p for p in rows if p["form"] == FORM_YOUNG]
    mid = [p for p in rows if p["form"] == FORM_OLD and p["age"] <= 64]
    old = [p for p in rows if p["form"] == FORM_OLD and p["age"] >= 65]
    core_young = [p for p in young if p["outing"] in (5, 6, 7, 8)]
    reasons = {k: sum(k in p["reasons"] for p in core_young) for k in R}
    expected = {
        "description": "内閣府 令和4年度 こども・若者の意識と生活に関する調査の形の合成データ（架空）。data/samples/generate_cao2022.py が生成",
        "file": STEM + ".csv",
        "n_rows": len(rows),
        "forms": {"15～39歳票": len(young), "40～69歳票": len(mid) + len(old)},
        "ranges": {
            "15-39": {"n": len(young), "broad": sum(map(broad, young))},
            "40-64": {"n": len(mid), "broad": sum(map(broad, mid))},
            "all (15-64)": {"n": len(young) + len(mid), "broad": sum(map(broad, young)) + sum(map(broad, mid))},
        },
        "outside_every_range": {"n": len(old), "broad_if_counted": sum(map(broad, old))},
        "young_outing_5_8": {"n": len(core_young), "reasons": reasons},
        "young_broad_homemaker": sum(1 for p in young if broad(p) and p["occupation"] == "homemaker"),
        "broad_women": {"15-39": sum(1 for p in young if broad(p) and p["sex"] == 2), "40-64": sum(1 for p in mid if broad(p) and p["sex"] == 2)},
        "broad_main_reason": {"15-39": dict(Counter(p["main"] for p in young if broad(p)).most_common()),
                              "40-64": dict(Counter(p["main"] for p in mid if broad(p)).most_common())},
        "notes": ["15-39: 144 / 7,035 = 2.05%; 40-64: 86 / 4,257 = 2.02% (published 2.05% and 2.02%)",
                  "the populations in cao2022_layout.population.csv are derived, not published: 約62万 / (144/7035) and 約84万 / (86/4257) (the often-quoted split of 約146万, domain.md 4.3), rounded to 100,000; the 人口推計 figures the Cabinet Office used are not in the seeds"],
    }
    assert expected["ranges"]["15-39"] == {"n": 7035, "broad": 144}, expected["ranges"]
    assert expected["ranges"]["40-64"] == {"n": 4257, "broad": 86}, expected["ranges"]
    assert all(in_range(p) for p in young + mid)
    assert reasons["covid"] == 148 and reasons["other"] == 87 and reasons["retirement"] == 81
    assert reasons["pregnancy"] == 76 and reasons["none"] == 74 and len(core_young) == 500
    assert expected["broad_women"] == {"15-39": 65, "40-64": 45} and expected["young_broad_homemaker"] == 17
    with open(os.path.join(HERE, STEM + ".expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
