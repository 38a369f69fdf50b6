#!/usr/bin/env python3
"""Generate hkstat's synthetic sample surveys and reference data sets.

ALL DATA WRITTEN BY THIS SCRIPT ARE SYNTHETIC (架空のデータ). No respondent exists; the ids, ages, answers and
free-text entries are invented. The data sets are only *shaped* to published aggregate figures (counts of the
広義のひきこもり群, their sex/age profile, reasons) so that hkstat can be tested against known answers.

Run from the repository root (Python 3.11+, standard library only, deterministic):

    python3 data/samples/generate_samples.py

What it writes (each CSV with a codebook, an expected-result file and, for data/samples/, a run configuration):

  data/samples/nishitokyo2024.csv      西東京市 社会参加に関する調査 2024 layout, 810 rows, UTF-8 with BOM, CRLF
  data/samples/cao2015_layout.csv      内閣府 平成27年度 layout, 3,115 rows, CP932 (Shift_JIS), CRLF, no BOM
  tests/data/reference/cao2010.csv     内閣府 平成22年 layout, 3,287 rows, UTF-8, LF, no BOM (compact)
  tests/data/reference/cao2018.csv     内閣府 平成30年度 layout, 3,248 rows, UTF-8, LF, no BOM (compact)

How the targets are met: respondents are constructed by design, not sampled and then classified. For every data set
the script first decides each respondent's intended class (狭義 / 準 / 除外 by a named rule / 非該当 for a named reason)
and then draws answers that are consistent with that class:

  * 広義 cases (狭義 + 準): outing 5-8, a duration category flagged ge_6_months, and answers that fire none of the
    rule-set's exclusions (illness only with illness_type = other_illness; no pregnancy/childbirth/caregiving
    reasons where those exclude; homemakers / housework only with talk_nonfamily = hardly where that keeps them in;
    no housework at home and no homemaker occupation under the 2010/2015 rule-sets). Their profile (outing option,
    sex, age band, duration, reasons, main reason, work experience) is fixed by explicit per-person tables or by
    shuffling lists that hold the exact target counts.
  * 除外 cases: core outing + duration, plus the answers of exactly one intended rule, built so that no earlier rule
    in file order fires (e.g. an E5 家事手伝い without 家事・育児 at home, because E4 comes first).
  * 非該当 cases: outing 9 (無回答), outing 5-8 with duration 6か月未満 or 無回答, and ordinary respondents (outing 1-4)
    whose other answers are drawn from a fixed random.Random(seed) per data set.

Targets per data set and where they are set:

  nishitokyo2024  810 rows; the report's 20 (広義のひきこもり群と家族内の該当者) = 14 広義 respondents (狭義 8 + 準 6)
                  under cao2022-scz-physical + 6 household members aged 15-64 from the roster columns 家族1_… 家族3_
                  (3 狭義 + 3 準; 12 of the 20 aged 15-39, 8 aged 40-64, 12 women); 除外 8 (E1, E2, E3, E6 two each);
                  非該当 = 4 outing 9, 4 duration 6か月未満, 1 duration 無回答, 779 outing 1-4 (6 of them were 広義 in the
                  sample before the roster and keep their other answers). The designed respondents are written out one
                  by one in build_nishitokyo(), the designed members in nt_members() (one aged 81 meeting the core
                  condition, not counted; one excluded by E2; one 6か月未満; one outing 無回答); the 742 other members go out.
                  Whole sample: 421 women of 810 (52%), 3 ages in full-width digits, free text with a comma and a ".
                  Over the 20, 問22 (members: 家族N_最大理由) 病気 4, 退職 4, 特に理由はない 3; 問23 (家族N_就業経験)
                  過去に就業経験 16; 10-year ages 1/8/3/3/5/0 (20代 and 50代 peaks). 問39 (image) 甘えている 197 of 810
                  (24.3%) and 問40 (市民が望む支援, 0/1 columns), from their own random.Random, at the end of the file.
  cao2015_layout  3,115 rows; 広義 49 = 狭義 16 + 準 33 under cao2015; E1-E5 three each (two E1 are schizophrenia
                  only, so cao2015-incl-scz gives 51); sex 31/18, ages 5/12/12/10/10, 7年以上 17 (exact shuffled lists).
  cao2010         3,287 rows; 広義 59 = 狭義 20 + 準 39 under cao2010; E1-E4 three each; sex 39/20, ages 9/11/12/13/14,
                  triggers 14/14/12/7/7/4/1 as published.
  cao2018         3,248 rows; 広義 47 (hobby_only 19, neighborhood 21, home_only 5, room_only 2) under cao2018;
                  E1, E2, E3, E6 three each; 4 homemakers + 1 carer with talk_nonfamily = hardly stay in.

The expected counts in <name>.expected.json are tallied from these design decisions, not from a classifier.
At the end the script re-reads every written CSV with the csv module (decoding cp932 where needed), re-classifies each
row from the codebook TOML and the rule-set TOML in data/rulesets/ (tomllib) under the semantics of the brief, and
asserts that the counts, profiles and estimates equal the design. It prints one line per data set.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import tomllib
import unicodedata
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NA = "__NA__"  # answered 無回答: written as the variable's first missing code. None = not asked: empty cell.
FW = str.maketrans("0123456789", "０１２３４５６７８９")

# ---------------------------------------------------------------------------------------------------------------
# Codebook model: a list of variables; `field` is the person-dict key the value comes from.
# ---------------------------------------------------------------------------------------------------------------


def var(name, type_, label, role=None, field=None, missing=None, codes=None, columns=None, delimiter=None, derive=None):
    """derive: a derived variable (no CSV column), e.g. dict(method="bands", source="世帯人数"); codes then carry min/max."""
    return dict(name=name, type=type_, label=label, role=role, field=field or role or name, missing=missing or [],
                codes=codes or [], columns=columns or [], delimiter=delimiter, derive=derive)


def codes(*items):
    """items: (code, key, label) or (code, key, label, ge_6_months)."""
    out = []
    for it in items:
        d = dict(code=it[0], key=it[1], label=it[2])
        if len(it) > 3:
            d["ge_6_months"] = it[3]
        out.append(d)
    return out


def cols(prefix, items):
    return [dict(name=f"{prefix}{c}", code=c, key=k, label=l) for c, k, l in items]


def toml_str(s):
    return json.dumps(s, ensure_ascii=False)


def toml_entry(d):
    parts = []
    for k in ("name", "code", "key", "label", "ge_6_months", "min", "max"):
        if k in d:
            v = d[k]
            if isinstance(v, bool):
                parts.append(f"{k} = {'true' if v else 'false'}")
            elif isinstance(v, int):
                parts.append(f"{k} = {v}")
            else:
                parts.append(f"{k} = {toml_str(v)}")
    return "{ " + ", ".join(parts) + " }"


def codebook_toml(cb):
    lines = [f"# {cb['title']}", "# 合成データ（架空）: data/samples/generate_samples.py が生成。回答者・回答はすべて架空です。", ""]
    lines += ["[codebook]", f"title = {toml_str(cb['title'])}"] + ([f"kind = {toml_str(cb['kind'])}"] if cb.get("kind") else [])
    lines += [f"questionnaire = {toml_str(cb['questionnaire'])}", f"age_min = {cb['age_min']}", f"age_max = {cb['age_max']}", ""]
    for v in cb["vars"]:
        lines.append("[[variable]]")
        lines.append(f"name = {toml_str(v['name'])}")
        if v["role"]:
            lines.append(f"role = {toml_str(v['role'])}")
        lines.append(f"type = {toml_str(v['type'])}")
        lines.append(f"label = {toml_str(v['label'])}")
        if v.get("derive"):
            lines.append(f"derive = {{ method = {toml_str(v['derive']['method'])}, from = {toml_str(v['derive']['source'])} }}")
        if v["delimiter"]:
            lines.append(f"delimiter = {toml_str(v['delimiter'])}")
        if v["missing"]:
            lines.append(f"missing = [{', '.join(str(m) for m in v['missing'])}]")
        for listname in ("codes", "columns"):
            if v[listname]:
                lines.append(f"{listname} = [")
                lines += [f"  {toml_entry(c)}," for c in v[listname]]
                lines.append("]")
        lines.append("")
    ro = cb.get("roster")
    if ro:
        lines += [f"# {ro['comment']}", "[roster]", f"label = {toml_str(ro['label'])}", f"members = {ro['members']}",
                  f"pattern = {toml_str(ro['pattern'])}", ""]
        for v in ro["vars"]:
            lines.append("[[roster.variable]]")
            lines.append(f"name = {toml_str(v['name'])}")
            if v["role"]:
                lines.append(f"role = {toml_str(v['role'])}")
            lines.append(f"type = {toml_str(v['type'])}")
            lines.append(f"label = {toml_str(v['label'])}")
            if v["delimiter"]:
                lines.append(f"delimiter = {toml_str(v['delimiter'])}")
            if v["missing"]:
                lines.append(f"missing = [{', '.join(str(m) for m in v['missing'])}]")
            if v["codes"]:
                lines.append("codes = [")
                lines += [f"  {toml_entry(c)}," for c in v["codes"]]
                lines.append("]")
            lines.append("")
    return "\n".join(lines)


def roster_column(ro, n, name):
    return ro["pattern"].replace("{n}", str(n)).replace("{name}", name)


def header_of(cb):
    """The CSV columns: the variables, the roster's column groups, then the questions added later (`tail`: the
    roster's, one group per member, then the respondents'), so that adding a question never moves a column."""
    names = lambda vs: [n for v in vs if not v.get("derive")  # noqa: E731
                        for n in ([c["name"] for c in v["columns"]] if v["columns"] else [v["name"]])]
    out = names(_split(cb["vars"], False))
    ro = cb.get("roster")
    if ro:
        for tail in (False, True):
            out += [roster_column(ro, n, v["name"]) for n in range(1, ro["members"] + 1) for v in _split(ro["vars"], tail)]
    return out + names(_split(cb["vars"], True))


def _split(variables, tail):
    return [v for v in variables if bool(v.get("tail")) == tail]


def cells_of(cb, p):
    out = cells_of_vars(_split(cb["vars"], False), p)
    ro = cb.get("roster")
    if ro:
        members = p.get("members") or []
        assert len(members) <= ro["members"]
        for tail in (False, True):
            rvars = _split(ro["vars"], tail)
            for n in range(ro["members"]):
                out += cells_of_vars(rvars, members[n]) if n < len(members) else [""] * len(rvars)
    out += cells_of_vars(_split(cb["vars"], True), p)
    return out


def cells_of_vars(variables, p):
    out = []
    for v in variables:
        if v.get("derive"):
            continue
        val = p.get(v["field"])
        t = v["type"]
        if t == "multi" and v["columns"]:
            if val is None:
                out += [""] * len(v["columns"])
            else:
                assert val <= {c["key"] for c in v["columns"]}, (v["name"], val)
                out += ["1" if c["key"] in val else "0" for c in v["columns"]]
            continue
        if val is None:
            out.append("")
        elif val == NA:
            out.append(str(v["missing"][0]))
        elif t in ("id", "text"):
            out.append(val)
        elif t == "integer":
            out.append(str(val).translate(FW) if p.get("age_fw") else str(val))
        elif t == "code":
            m = [c["code"] for c in v["codes"] if c["key"] == val]
            assert m, (v["name"], val)
            out.append(str(m[0]))
        elif t == "multi":
            m = sorted(c["code"] for c in v["codes"] if c["key"] in val)
            assert len(m) == len(val), (v["name"], val)
            out.append(v["delimiter"].join(str(c) for c in m))
        else:
            raise AssertionError(t)
    return out


def write_csv(path, cb, people, encoding, newline, bom):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    w.writerow(header_of(cb))
    for p in people:
        w.writerow(cells_of(cb, p))
    data = buf.getvalue().encode(encoding)
    if bom:
        data = b"\xef\xbb\xbf" + data
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def write_text(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text if text.endswith("\n") else text + "\n")


# ---------------------------------------------------------------------------------------------------------------
# Design helpers
# ---------------------------------------------------------------------------------------------------------------

CLASS_NARROW, CLASS_SEMI, CLASS_EXCL, CLASS_NOT = "狭義", "準", "除外", "非該当"
SEMI_KEYS = {"hobby_only"}
NARROW_KEYS = {"neighborhood", "home_only", "room_only"}


def case(outing, **kw):
    """A 広義 person; class follows from the outing key."""
    return dict(outing=outing, design_class=CLASS_SEMI if outing in SEMI_KEYS else CLASS_NARROW,
                design_reason="core:semi" if outing in SEMI_KEYS else "core:narrow", **kw)


def excluded(rule, outing, **kw):
    return dict(outing=outing, design_class=CLASS_EXCL, design_reason=rule, **kw)


def notcase(reason, **kw):
    return dict(design_class=CLASS_NOT, design_reason=reason, **kw)


def band_of(age, bands):
    for b in bands:
        lo, hi = (int(x) for x in b.split("-"))
        if lo <= age <= hi:
            return b
    return None


def count_profile(people, fields, bands5, age_groups):
    """Profile of a group from the design dicts: single answers count keys, multi answers count each key."""
    prof = {}
    for f in fields:
        c = Counter()
        for p in people:
            v = p.get(f)
            if v is None or v == NA:
                continue
            if isinstance(v, (set, frozenset)):
                c.update(v)
            else:
                c[v] += 1
        prof[f] = dict(sorted(c.items()))
    if bands5:
        prof["age_band"] = dict(Counter(band_of(p["age"], bands5) for p in people))
        prof["age_band"] = {b: prof["age_band"].get(b, 0) for b in bands5}
    if age_groups:
        prof["age_group"] = {g: sum(1 for p in people if band_of(p["age"], [g])) for g in age_groups}
    return prof


def pick(rng, weighted):
    """weighted: list of (value, weight)."""
    tot = sum(w for _, w in weighted)
    x = rng.random() * tot
    for v, w in weighted:
        x -= w
        if x < 0:
            return v
    return weighted[-1][0]


def half_up(x: Decimal, q: str) -> Decimal:
    return x.quantize(Decimal(q), rounding=ROUND_HALF_UP)


def estimate(k, n, population, rate_rounding=None, unit="person"):
    rate_pct = Decimal(k) * 100 / Decimal(n)
    used = half_up(rate_pct, "1." + "0" * rate_rounding) if rate_rounding is not None else rate_pct
    persons = used / 100 * Decimal(population)
    out = {"cases": k, "n": n, "rate_percent": float(rate_pct), "rate_percent_used": float(used),
           "persons_unrounded": float(persons)}
    if unit == "man":
        out["persons_man"] = float(half_up(persons / 10000, "0.1"))
    else:
        out["persons"] = int(half_up(persons, "1"))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Ordinary respondents (outing 1-4): plausible answers, drawn from a seeded RNG.
# ---------------------------------------------------------------------------------------------------------------


def draw_occupation(rng, age, sex):
    if age <= 18:
        return pick(rng, [("student", 95), ("part_time", 3), ("unemployed", 2)])
    if age <= 22:
        return pick(rng, [("student", 55), ("employee", 20), ("part_time", 17), ("contract", 4), ("unemployed", 4)])
    if sex == "female":
        w = [("employee", 36), ("contract", 9), ("part_time", 25), ("self_employed", 4), ("work_at_home", 3),
             ("homemaker", 16), ("family_helper", 1), ("unemployed", 4), ("other_occupation", 2)]
    else:
        w = [("employee", 63), ("contract", 8), ("part_time", 7), ("self_employed", 9), ("work_at_home", 3),
             ("homemaker", 1), ("unemployed", 7), ("other_occupation", 2)]
    if age >= 60:
        w = [(k, x * (3 if k in ("unemployed", "part_time", "homemaker") else 1)) for k, x in w]
    return pick(rng, w)


OUTING_BY_OCC = {
    "employee": [("daily", 88), ("weekly_3_4", 10), ("leisure", 2)],
    "contract": [("daily", 75), ("weekly_3_4", 22), ("social", 3)],
    "part_time": [("daily", 40), ("weekly_3_4", 48), ("leisure", 6), ("social", 6)],
    "self_employed": [("daily", 55), ("weekly_3_4", 20), ("leisure", 15), ("social", 10)],
    "work_at_home": [("weekly_3_4", 20), ("leisure", 35), ("social", 45)],
    "homemaker": [("leisure", 45), ("social", 55)],
    "family_helper": [("leisure", 40), ("social", 60)],
    "student": [("daily", 90), ("weekly_3_4", 8), ("leisure", 2)],
    "unemployed": [("leisure", 40), ("social", 60)],
    "other_occupation": [("daily", 30), ("weekly_3_4", 30), ("leisure", 20), ("social", 20)],
}
EMPLOYED = {"employee", "contract", "part_time", "self_employed", "work_at_home", "other_occupation"}


def ordinary(rng, sex, age, home_keys, features):
    occ = draw_occupation(rng, age, sex)
    p = notcase("outing:not_core", sex=sex, age=age, outing=pick(rng, OUTING_BY_OCC[occ]))
    if "occupation" in features:
        p["occupation"] = occ
    if "work_experience" in features:
        p["work_experience"] = ("employed_now" if occ in EMPLOYED else
                                "never_worked" if occ == "student" and rng.random() < 0.85 else
                                "worked_before" if occ != "student" else "employed_now")
        if occ in ("homemaker", "unemployed", "family_helper") and rng.random() < 0.08:
            p["work_experience"] = "never_worked"
    if "talk_nonfamily" in features:
        p["talk_nonfamily"] = pick(rng, [("often", 76), ("sometimes", 19), ("hardly", 5)])
    home = set()
    chores = 0.95 if occ == "homemaker" else (0.65 if sex == "female" else 0.35)
    if age <= 18:
        chores = 0.15
    probs = {"housework_childcare": chores, "caregiving": 0.10 if age >= 50 else 0.03, "tv": 0.6, "internet": 0.7,
             "games": 0.45 if age < 40 else 0.15, "reading": 0.3, "hobby": 0.4, "study": 0.5 if occ == "student" else 0.05,
             "other_activity": 0.05}
    for k in home_keys:
        if rng.random() < probs[k]:
            home.add(k)
    if not home:
        home.add("tv" if "tv" in home_keys else home_keys[-1])
    p["home_activities"] = home
    if "marital" in features:
        p["marital"] = ("unmarried" if age < 25 else
                        pick(rng, [("unmarried", 40 if age < 35 else 20), ("married", 55 if age < 35 else 70),
                                   ("divorced_widowed", 3 if age < 35 else 10)]))
    if "aware" in features:
        p["aware"] = pick(rng, [("aware", 20), ("not_aware", 78), (NA, 2)])
        p["intent"] = pick(rng, [("want_to_use", 48), ("not_want", 22), ("dont_know", 28), (NA, 2)])
    return p


def draw_age(rng, lo, hi, band_weights):
    bands = [(b, w) for b, w in band_weights if int(b.split("-")[0]) >= lo and int(b.split("-")[1]) <= hi]
    b = pick(rng, bands)
    a, z = (int(x) for x in b.split("-"))
    return rng.randint(a, z)


def sex_pool(rng, targets, designed):
    """Sexes for the ordinary respondents so that the whole sample meets `targets` exactly."""
    used = Counter(p["sex"] for p in designed)
    pool = []
    for k, n in targets.items():
        assert n >= used[k], (k, n, used[k])
        pool += [k] * (n - used[k])
    rng.shuffle(pool)
    return pool


def finish(rng, people, id_fmt):
    rng.shuffle(people)
    for i, p in enumerate(people, 1):
        p["id"] = id_fmt.format(i)
    return people


def expected_json(meta, people, ruleset, profile_fields, bands5, age_groups, extra):
    cls = Counter(p["design_class"] for p in people)
    broad = [p for p in people if p["design_class"] in (CLASS_NARROW, CLASS_SEMI)]
    excl = Counter(p["design_reason"] for p in people if p["design_class"] == CLASS_EXCL)
    notc = Counter(p["design_reason"] for p in people if p["design_class"] == CLASS_NOT)
    e = dict(meta)
    e.update({
        "ruleset": ruleset,
        "n_rows": len(people),
        "classes": {c: cls.get(c, 0) for c in (CLASS_NARROW, CLASS_SEMI, CLASS_EXCL, CLASS_NOT)},
        "broad": len(broad),
        "excluded_by_rule": dict(sorted(excl.items())),
        "not_case_by_reason": dict(sorted(notc.items())),
        "broad_by_outing": {k: sum(1 for p in broad if p["outing"] == k)
                            for k in ("hobby_only", "neighborhood", "home_only", "room_only")},
        "fullwidth_cells": sum(1 for p in people if p.get("age_fw")),
        "profile_broad": count_profile(broad, profile_fields, bands5, age_groups),
    })
    if age_groups:
        e["n_by_age_group"] = {g: sum(1 for p in people if band_of(p["age"], [g])) for g in age_groups}
        e["broad_by_age_group"] = e["profile_broad"]["age_group"]
    e["sample_profile"] = count_profile(people, ["sex"], None, None)
    e.update(extra)
    return e


# ---------------------------------------------------------------------------------------------------------------
# 1. 西東京市 社会参加に関する調査 2024 (synthetic)
# ---------------------------------------------------------------------------------------------------------------

NT_REASONS = [(1, "illness", "病気"), (2, "pregnancy", "妊娠したこと"), (3, "childbirth_childcare", "出産・育児をすることになったこと"),
              (4, "caregiving", "介護・看護を担うことになったこと"), (5, "school_misfit", "学校になじめなかったこと"),
              (6, "exam_failure", "受験に失敗したこと"), (7, "job_hunting", "就職活動がうまくいかなかったこと"),
              (8, "workplace_misfit", "職場になじめなかったこと"), (9, "relationships", "人間関係がうまくいかなかったこと"),
              (10, "retirement", "退職したこと"), (11, "covid", "新型コロナウイルス感染症が流行したこと"), (12, "other", "その他")]
NT_HOME = [(1, "housework_childcare", "家事・育児をする"), (2, "caregiving", "介護・看護をする"), (3, "tv", "テレビを見る"),
           (4, "internet", "インターネットやSNSを利用する"), (5, "games", "ゲームをする"), (6, "reading", "本や雑誌を読む"),
           (7, "hobby", "趣味に取り組む"), (8, "other_activity", "その他")]
OCC_CODES = codes((1, "employee", "正社員・正職員"), (2, "contract", "契約社員・派遣社員"), (3, "part_time", "パート・アルバイト"),
                  (4, "self_employed", "自営業・自由業"), (5, "work_at_home", "自宅で仕事をしている（在宅勤務・内職など）"),
                  (6, "homemaker", "専業主婦・主夫"), (7, "family_helper", "家事手伝い"), (8, "student", "学生"),
                  (9, "unemployed", "無職"), (10, "other_occupation", "その他"))
OUTING_CODES = codes((1, "daily", "仕事や学校で平日は毎日外出する"), (2, "weekly_3_4", "仕事や学校で週に3～4日外出する"),
                     (3, "leisure", "遊び等で頻繁に外出する"), (4, "social", "人づきあいのためにときどき外出する"),
                     (5, "hobby_only", "ふだんは家にいるが、自分の趣味に関する用事のときだけ外出する"),
                     (6, "neighborhood", "ふだんは家にいるが、近所のコンビニなどには出かける"),
                     (7, "home_only", "自室からは出るが、家からは出ない"), (8, "room_only", "自室からほとんど出ない"))
ILLNESS_CODES = codes((1, "schizophrenia", "統合失調症"), (2, "physical", "身体的な病気"), (3, "other_illness", "その他の病気"))
SEX_CODES = codes((1, "male", "男性"), (2, "female", "女性"))
NT_IMAGE = [(1, "spoiled", "甘えている感じがする"), (2, "not_spoiled", "そうは感じない"), (3, "neither", "どちらともいえない")]
# 市民が望む支援: seed 001 names the first three (in this order) as the most chosen, 「等」 for the others.
NT_SUPPORT = [(1, "ibasho_intro", "いつでも好きな時にでかけられる居場所の紹介"), (2, "work_prep", "就労に向けた準備支援"),
              (3, "listening_desk", "話（悩み）を聞いてくれる窓口"), (4, "home_visit", "自宅への訪問支援"),
              (5, "family_support", "家族向けのセミナー・家族会"), (6, "online", "メール・SNSによる相談"),
              (7, "medical", "医療機関の紹介"), (8, "other", "その他"), (9, "none", "特にない")]
NT_MAIN_CODES = codes(*NT_REASONS, (13, "none", "特に理由はない"))
NT_WORK_CODES = codes((1, "employed_now", "現在就業している"), (2, "worked_before", "現在は就業していないが、過去に就業経験がある"),
                      (3, "never_worked", "就業経験はない"))

NT_CB = dict(
    title="西東京市 社会参加に関する調査 2024（合成データ・架空）", questionnaire="nishitokyo2024", age_min=15, age_max=64,
    vars=[
        var("回答者ID", "id", "回答者ID", role="id"),
        var("問1", "code", "性別", role="sex", missing=[9],
            codes=codes((1, "male", "男性"), (2, "female", "女性"), (3, "other", "その他・答えたくない"))),
        var("問2", "integer", "年齢（満年齢）", role="age"),
        var("問3", "code", "婚姻状況", field="marital", missing=[9],
            codes=codes((1, "unmarried", "未婚"), (2, "married", "既婚（配偶者あり）"), (3, "divorced_widowed", "離別・死別"))),
        var("問17", "code", "ふだんどのくらい外出しますか", role="outing", missing=[9], codes=OUTING_CODES),
        var("問18", "code", "現在の状態になってどのくらい経ちますか（問17で5～8の方）", role="duration", missing=[9],
            codes=codes((1, "lt_6m", "6か月未満", False), (2, "6m_1y", "6か月～1年未満", True), (3, "1y_3y", "1年～3年未満", True),
                        (4, "3y_5y", "3年～5年未満", True), (5, "5y_7y", "5年～7年未満", True), (6, "7y_10y", "7年～10年未満", True),
                        (7, "ge_10y", "10年以上", True))),
        var("問19", "multi", "ふだんご自宅にいるときによくしていること（いくつでも）", role="home_activities",
            columns=cols("問19_", NT_HOME)),
        var("問20", "code", "職業・状態", role="occupation", missing=[99], codes=OCC_CODES),
        var("問21", "multi", "外出状況が現在の状態になった理由（いくつでも・問17で5～8の方）", role="reasons",
            columns=cols("問21_", NT_REASONS)),
        var("問21_その他", "text", "問21「その他」の内容（自由記述）", field="other_text"),
        var("問21_病名", "text", "問21「病気」の病名（自由記述）", field="illness_text"),
        var("問21_病名コード", "code", "問21 病名の分類（分析者が付与）", role="illness_type", codes=ILLNESS_CODES),
        var("問21_その他コード", "code", "問21「その他」の分類（分析者が付与）", role="other_reason_type",
            codes=codes((1, "work_at_home", "自宅で仕事"), (2, "childbirth_childcare", "出産・育児"), (3, "other_text", "その他"))),
        var("問22", "code", "最も大きな理由（1つ・問17で5～8の方）", role="main_reason", missing=[99], codes=NT_MAIN_CODES),
        var("問23", "code", "就業経験", role="work_experience", missing=[9], codes=NT_WORK_CODES),
        var("問24", "code", "最近6か月間に家族以外の人と会話をしましたか", role="talk_nonfamily", missing=[9],
            codes=codes((1, "often", "よく会話した"), (2, "sometimes", "ときどき会話した"), (3, "hardly", "ほとんど会話しなかった"))),
        var("問37", "code", "「西東京市生活サポート相談窓口」の認知", field="aware", missing=[9],
            codes=codes((1, "aware", "知っている"), (2, "not_aware", "知らない"))),
        var("問38", "code", "「西東京市生活サポート相談窓口」の利用意向", field="intent", missing=[9],
            codes=codes((1, "want_to_use", "利用したい"), (2, "not_want", "利用したくない"), (3, "dont_know", "わからない"))),
        # Added after the first release of the sample (columns at the end of the file, `tail`): seed 001's 市民向け調査
        # 「甘えている感じがする」 (全体の24.3%) and 市民が望む支援.
        dict(var("問39", "code", "ひきこもりの状態にある人についての印象", field="image", missing=[9],
                 codes=codes(*NT_IMAGE)), tail=True),
        dict(var("問40", "multi", "ひきこもりの方やその家族への、あなたが望む支援（いくつでも）",
                 field="support_wanted", columns=cols("問40_", NT_SUPPORT)), tail=True),
    ])


# The household roster (家族票): the respondent answers for up to 3 other members of the household — 続柄, age, sex,
# going-out state and its duration, the reasons (いくつでも) and, for a member in the state 5-8, the main reason (問22)
# and the work experience (問23); the last two were added later, as columns at the end of the file. Members are not
# asked the occupation, home activities, conversation or the 病名 coding: rules on those read a member's answer as 無回答.
NT_DUR_CODES = codes((1, "lt_6m", "6か月未満", False), (2, "6m_1y", "6か月～1年未満", True), (3, "1y_3y", "1年～3年未満", True),
                     (4, "3y_5y", "3年～5年未満", True), (5, "5y_7y", "5年～7年未満", True), (6, "7y_10y", "7年～10年未満", True),
                     (7, "ge_10y", "10年以上", True))
NT_CB["roster"] = dict(
    comment="家族票: 同居する家族（最大3人）について回答者が答える。家族1_続柄 … 家族3_理由 の列、ファイル末尾に 家族1_最大理由 … 家族3_就業経験 の列（docs/codebook.md「Household roster」）",
    label="家族内の該当者", members=3, pattern="家族{n}_{name}",
    vars=[
        var("続柄", "code", "続柄（回答者から見て）", field="relation", missing=[9],
            codes=codes((1, "spouse", "配偶者"), (2, "child", "子"), (3, "parent", "父母"), (4, "sibling", "きょうだい"),
                        (5, "grandparent", "祖父母"), (6, "other_relative", "その他の親族"))),
        var("年齢", "integer", "年齢（満年齢）", role="age"),
        var("性別", "code", "性別", role="sex", missing=[9], codes=codes((1, "male", "男性"), (2, "female", "女性"))),
        var("外出", "code", "その方はふだんどのくらい外出しますか", role="outing", missing=[9], codes=OUTING_CODES),
        var("期間", "code", "その方の外出状況が現在の状態になってどのくらい経ちますか（外出で5～8の方）", role="duration",
            missing=[9], codes=NT_DUR_CODES),
        var("理由", "multi", "その方の外出状況が現在の状態になった理由（いくつでも・;区切り）", role="reasons", delimiter=";",
            codes=codes(*NT_REASONS)),
        dict(var("最大理由", "code", "その方の最も大きな理由（1つ・外出で5～8の方）", role="main_reason", missing=[99],
                 codes=NT_MAIN_CODES), tail=True),
        dict(var("就業経験", "code", "その方の就業経験（外出で5～8の方）", role="work_experience", missing=[9],
                 codes=NT_WORK_CODES), tail=True),
    ])


def member(relation, age, sex, outing, dur=None, reasons=None, design=None, main=None, we=None):
    """A household member reported by a respondent; design: the member's class under cao2022-scz-physical;
    main, we: 最大理由 (問22) and 就業経験 (問23), asked of a member in the state 5-8."""
    assert (main is not None) == (we is not None) == (outing in SEMI_KEYS | NARROW_KEYS)
    assert main in (None, "none") or main in reasons
    return dict(relation=relation, age=age, sex=sex, outing=outing, duration=dur, reasons=set(reasons) if reasons else None,
                design=design, main_reason=main, work_experience=we)


def nt_person(builder, outing, sex, age, dur, reasons, main, occ, we, talk, home, ill=None, ill_text=None,
              oth=None, oth_text=None, marital=None, aware=None, intent=None, fw=False, rule=None):
    kw = dict(sex=sex, age=age, duration=dur, reasons=set(reasons), main_reason=main, occupation=occ,
              work_experience=we, talk_nonfamily=talk, home_activities=set(home), illness_type=ill, illness_text=ill_text,
              other_reason_type=oth, other_text=oth_text, aware=aware, intent=intent, age_fw=fw,
              marital=marital or ("unmarried" if age < 35 else "married" if occ == "homemaker" else "unmarried"))
    assert ("illness" in reasons) == (ill is not None) == (ill_text is not None)
    assert ("other" in reasons) == (oth is not None) == (oth_text is not None)
    assert main == "none" or main in reasons
    return builder(rule, outing, **kw) if rule else builder(outing, **kw)


def build_nishitokyo():
    rng = random.Random(20240801)
    C = lambda *a, **k: nt_person(case, *a, **k)  # noqa: E731
    # The 20 respondents of the 広義のひきこもり群 (8 狭義 + 12 準). Columns:
    # outing, sex, age, duration, reasons (問21), main reason (問22), occupation, work experience, talk, home (問19)
    cases = [
        C("hobby_only", "female", 17, "1y_3y", {"school_misfit", "relationships"}, "school_misfit", "student", "never_worked",
          "sometimes", {"internet", "games"}, aware="not_aware", intent="dont_know"),
        C("neighborhood", "female", 21, "1y_3y", {"illness", "school_misfit"}, "illness", "unemployed", "never_worked", "hardly",
          {"internet"}, ill="other_illness", ill_text="不安障害"),
        C("room_only", "male", 23, "3y_5y", {"school_misfit", "exam_failure"}, "school_misfit", "unemployed", "never_worked",
          "hardly", {"games", "internet"}),
        C("hobby_only", "male", 24, "6m_1y", {"job_hunting", "covid"}, "job_hunting", "unemployed", "worked_before", "sometimes",
          {"games"}),
        C("hobby_only", "female", 26, "1y_3y", {"relationships", "workplace_misfit"}, "relationships", "family_helper",
          "worked_before", "hardly", {"housework_childcare", "tv"}),
        # E1-like: 病気 with a mental illness (illness_type other_illness) is NOT excluded under cao2022-scz-physical.
        C("home_only", "male", 27, "5y_7y", {"illness", "school_misfit"}, "illness", "unemployed", "worked_before", "hardly",
          {"internet"}, ill="other_illness", ill_text="うつ病"),
        C("hobby_only", "female", 29, "1y_3y", {"workplace_misfit", "illness"}, "workplace_misfit", "unemployed",
          "worked_before", "sometimes", {"hobby", "internet"}, ill="other_illness", ill_text="適応障害"),
        C("neighborhood", "female", 31, "3y_5y", {"covid"}, "none", "unemployed", "worked_before", "hardly", {"tv"}),
        C("hobby_only", "male", 34, "7y_10y", {"school_misfit", "relationships"}, "none", "unemployed", "never_worked", "hardly",
          {"games"}),
        C("hobby_only", "female", 38, "3y_5y", {"illness", "workplace_misfit"}, "workplace_misfit", "unemployed", "worked_before",
          "sometimes", {"reading", "tv"}, ill="other_illness", ill_text="パニック障害", fw=True),
        C("neighborhood", "male", 42, "7y_10y", {"retirement", "relationships"}, "relationships", "unemployed", "worked_before",
          "hardly", {"tv"}),
        # 専業主婦 who hardly talks with non-family people: stays in (E6 needs often/sometimes).
        C("hobby_only", "female", 45, "3y_5y", {"illness"}, "illness", "homemaker", "worked_before", "hardly",
          {"housework_childcare", "tv"}, ill="other_illness", ill_text="双極性障害", marital="married"),
        C("room_only", "male", 48, "ge_10y", {"retirement", "illness"}, "retirement", "unemployed", "worked_before", "hardly",
          {"internet"}, ill="other_illness", ill_text="うつ病"),
        C("hobby_only", "female", 51, "5y_7y", {"covid"}, "covid", "unemployed", "worked_before", "sometimes", {"tv", "reading"}),
        C("home_only", "female", 52, "5y_7y", {"illness", "other"}, "other", "unemployed", "worked_before", "hardly", {"tv"},
          ill="other_illness", ill_text="睡眠障害", oth="other_text", oth_text='いわゆる"燃え尽き"の状態になった'),
        C("hobby_only", "male", 54, "7y_10y", {"retirement"}, "retirement", "unemployed", "worked_before", "sometimes", {"hobby"}),
        C("neighborhood", "female", 55, "ge_10y", {"illness", "other"}, "illness", "homemaker", "worked_before", "hardly",
          {"housework_childcare", "tv"}, ill="other_illness", ill_text="不安障害", oth="other_text",
          oth_text="家族の転勤, 引っ越しが重なった", marital="married"),
        C("hobby_only", "male", 57, "ge_10y", {"retirement", "job_hunting"}, "retirement", "unemployed", "worked_before", "often",
          {"tv", "hobby"}),
        C("hobby_only", "female", 59, "1y_3y", {"retirement", "covid"}, "retirement", "unemployed", "worked_before", "sometimes",
          {"reading"}, marital="divorced_widowed"),
        C("hobby_only", "female", 62, "5y_7y", {"relationships"}, "none", "unemployed", "worked_before", "sometimes", {"tv"},
          marital="divorced_widowed"),
    ]
    # Six of the respondents above go out (人づきあいのためにときどき外出する) in this sample: the 広義 group of the
    # report, 20, is 14 respondents + 6 household members (家族内の該当者) reported by other respondents (below). They
    # keep their place in the list (so the random draws of the ordinary respondents do not change); the questions
    # for those who chose 5-8 are left empty.
    goes_out = {("female", 26), ("male", 34), ("female", 51), ("male", 54), ("female", 59), ("female", 62)}
    for p in cases:
        if (p["sex"], p["age"]) in goes_out:
            p.update(outing="social", duration=None, reasons=None, main_reason=None, illness_type=None, illness_text=None,
                     other_reason_type=None, other_text=None, design_class=CLASS_NOT, design_reason="outing:not_core")
    assert sum(1 for p in cases if p["design_class"] == CLASS_NOT) == 6
    X = lambda rule, *a, **k: nt_person(excluded, *a, rule=rule, **k)  # noqa: E731
    excl = [
        X("E1", "neighborhood", "male", 44, "7y_10y", {"illness"}, "illness", "unemployed", "worked_before", "hardly", {"tv"},
          ill="schizophrenia", ill_text="統合失調症"),
        X("E1", "hobby_only", "female", 36, "3y_5y", {"illness", "retirement"}, "illness", "unemployed", "worked_before",
          "sometimes", {"internet"}, ill="physical", ill_text="椎間板ヘルニア"),
        X("E2", "home_only", "female", 33, "6m_1y", {"pregnancy", "childbirth_childcare"}, "childbirth_childcare", "homemaker",
          "worked_before", "sometimes", {"housework_childcare"}, marital="married"),
        X("E2", "hobby_only", "female", 58, "1y_3y", {"caregiving"}, "caregiving", "unemployed", "worked_before", "often",
          {"caregiving", "housework_childcare"}),
        X("E3", "hobby_only", "male", 41, "5y_7y", {"retirement"}, "retirement", "work_at_home", "employed_now", "sometimes",
          {"internet"}),
        X("E3", "neighborhood", "male", 29, "1y_3y", {"other"}, "other", "self_employed", "employed_now", "sometimes",
          {"internet", "games"}, oth="work_at_home", oth_text="在宅で仕事をしている（データ入力, 翻訳）"),
        X("E6", "hobby_only", "female", 47, "5y_7y", {"relationships"}, "relationships", "homemaker", "worked_before",
          "sometimes", {"housework_childcare", "tv"}, marital="married"),
        X("E6", "hobby_only", "male", 39, "1y_3y", {"retirement"}, "retirement", "unemployed", "worked_before", "often",
          {"caregiving", "tv"}),
    ]
    N = lambda reason, *a, **k: nt_person(lambda o, **kw: notcase(reason, outing=o, **kw), *a, **k)  # noqa: E731
    short = [
        N("duration:lt_6_months", "hobby_only", "male", 20, "lt_6m", {"covid"}, "covid", "student", "never_worked", "sometimes",
          {"games"}),
        N("duration:lt_6_months", "neighborhood", "female", 45, "lt_6m", {"illness"}, "illness", "unemployed", "worked_before",
          "hardly", {"tv"}, ill="physical", ill_text="骨折"),
        N("duration:lt_6_months", "hobby_only", "male", 61, "lt_6m", {"retirement"}, "retirement", "unemployed", "worked_before",
          "often", {"hobby"}),
        N("duration:lt_6_months", "home_only", "female", 28, "lt_6m", {"other"}, "other", "unemployed", "worked_before",
          "sometimes", {"internet"}, oth="other_text", oth_text="転職活動中のため"),
        N("duration:missing", "room_only", "male", 37, NA, {"relationships"}, "relationships", "unemployed", "worked_before",
          "hardly", {"games"}),
    ]
    designed = cases + excl + short
    for p in designed:  # 問37/問38 for the designed respondents
        if p["aware"] is None:
            p["aware"] = pick(rng, [("aware", 15), ("not_aware", 85)])
        if p["intent"] is None:
            p["intent"] = pick(rng, [("want_to_use", 50), ("not_want", 20), ("dont_know", 30)])
    outing_na = []
    for sex, age in (("male", 50), ("female", 63), ("female", 19), (NA, 44)):
        outing_na.append(notcase("outing:missing", outing=NA, sex=sex, age=age, occupation=NA, work_experience=NA,
                                 talk_nonfamily=NA, home_activities=None, marital=NA, aware=NA, intent=NA))
    designed += outing_na
    n_ordinary = 810 - len(designed)
    sexes = sex_pool(rng, {"female": 421, "male": 381, "other": 5, NA: 3}, designed)
    assert len(sexes) == n_ordinary
    weights = [("15-19", 6), ("20-24", 6), ("25-29", 7), ("30-34", 8), ("35-39", 9), ("40-44", 10), ("45-49", 12),
               ("50-54", 13), ("55-59", 14), ("60-64", 15)]
    home_keys = [k for _, k, _ in NT_HOME]
    people = list(designed)
    for i in range(n_ordinary):
        age = draw_age(rng, 15, 64, weights)
        sx = sexes[i]
        p = ordinary(rng, "female" if sx == "other" else sx, age, home_keys,
                     {"occupation", "work_experience", "talk_nonfamily", "marital", "aware"})
        p["sex"] = sx
        if i in (5, 400):
            p["age_fw"] = True  # full-width digits (２６) in two ordinary rows, one case row above
        if i in (11, 222):
            p["occupation"] = NA
        if i in (33, 555):
            p["work_experience"] = NA
        if i in (77, 333, 666):
            p["talk_nonfamily"] = NA
        if i in (99,):
            p["marital"] = NA
        if i in (150, 650):
            p["home_activities"] = None  # 問19 left blank = 無回答
        people.append(p)
    finish(rng, people, "NT{:04d}")
    members = nt_members(people)
    nt_resident_views(people)
    meta = {"description": "西東京市 社会参加に関する調査 2024 の形の合成データ（架空）。data/samples/generate_samples.py が生成",
            "file": "nishitokyo2024.csv", "codebook": "nishitokyo2024.codebook.toml", "encoding": "utf-8-sig",
            "line_endings": "CRLF"}
    resp = [p for p in cases if p["design_class"] in (CLASS_NARROW, CLASS_SEMI)]
    counted = [m for m in members if m["design"] in (CLASS_NARROW, CLASS_SEMI) and 15 <= m["age"] <= 64]
    n_narrow = sum(1 for p in resp if p["design_class"] == CLASS_NARROW)
    m_narrow = sum(1 for m in counted if m["design"] == CLASS_NARROW)
    in_range = [m for m in members if 15 <= m["age"] <= 64]
    # Seed 001 over the 20 (広義 respondents + counted members): 問22, 問23 and the 10-year age bands.
    both = resp + counted
    main20 = Counter(x["main_reason"] for x in both)
    work20 = Counter(x["work_experience"] for x in both)
    age20 = Counter(band_of(x["age"], ["15-19", "20-29", "30-39", "40-49", "50-59", "60-64"]) for x in both)
    assert len(both) == 20 and main20["illness"] == main20["retirement"] == 4 and main20["none"] == 3
    assert all(v <= 2 for k, v in main20.items() if k not in ("illness", "retirement", "none"))
    assert work20["worked_before"] == 16
    assert age20["20-29"] > age20["50-59"] > max(age20["40-49"], age20["30-39"], age20["60-64"])
    image = Counter(p["image"] for p in people)
    support = Counter(k for p in people for k in (p["support_wanted"] or ()))
    assert image["spoiled"] == 197  # 197 / 810 = 24.3%
    top = [k for k, _ in sorted(support.items(), key=lambda kv: -kv[1])[:3]]
    assert top == ["ibasho_intro", "work_prep", "listening_desk"], support
    extra = {
        # What `hkstat estimate` prints by default for this codebook (it has a [roster], so --numerator
        # respondents+members): 広義 respondents + 家族内の該当者 over the 810 respondents, the report's 2.5% and 3,239.
        "estimate": {"population": 131178, "population_label": "西東京市 15～64歳人口", "rate_rounding": None,
                     "numerator": "respondents+members",
                     "broad": estimate(len(resp) + len(counted), 810, 131178),
                     "narrow": estimate(n_narrow + m_narrow, 810, 131178),
                     "semi": estimate(len(resp) - n_narrow + len(counted) - m_narrow, 810, 131178)},
        # --numerator respondents: the 広義 respondents only.
        "estimate_respondents": {
            "broad": estimate(len(resp), 810, 131178),
            "narrow": estimate(n_narrow, 810, 131178),
            "semi": estimate(len(resp) - n_narrow, 810, 131178)},
        # --numerator persons: the same numerator over respondents + the members in the survey's age range.
        "estimate_persons": {"cases": len(resp) + len(counted), "n": 810 + len(in_range),
                             "rate_percent": 100 * (len(resp) + len(counted)) / (810 + len(in_range))},
        "roster": {
            "members": len(members),
            "members_out_of_age": sum(1 for m in members if not 15 <= m["age"] <= 64),
            "member_classes": dict(sorted(Counter(m["design"] for m in members).items())),
            "member_cases_counted": len(counted),
            "member_cases_out_of_age": sum(1 for m in members if m["design"] in (CLASS_NARROW, CLASS_SEMI)
                                           and not 15 <= m["age"] <= 64),
            "counted_by_age_group": {g: sum(1 for m in counted if band_of(m["age"], [g])) for g in ("15-39", "40-64")},
            "counted_by_sex": dict(sorted(Counter(m["sex"] for m in counted).items())),
            "respondents_plus_members_by_age_group": {
                g: sum(1 for p in resp if band_of(p["age"], [g])) + sum(1 for m in counted if band_of(m["age"], [g]))
                for g in ("15-39", "40-64")},
            "respondents_plus_members_by_sex": dict(sorted((Counter(p["sex"] for p in resp)
                                                            + Counter(m["sex"] for m in counted)).items())),
            "respondents_plus_members_main_reason": dict(sorted(main20.items())),
            "respondents_plus_members_work_experience": dict(sorted(work20.items())),
            "respondents_plus_members_by_age10": {g: age20[g] for g in ("15-19", "20-29", "30-39", "40-49", "50-59",
                                                                         "60-64")},
        },
        # 市民向け調査 (all 810 respondents): 問39 「甘えている感じがする」 197 (24.3%); 問40 市民が望む支援, the seed's
        # three most chosen first.
        "resident_views": {"問39": {x[1]: image[x[1]] for x in NT_IMAGE} | {"no_answer": image[NA]},
                           "問40": {x[1]: support[x[1]] for x in NT_SUPPORT}
                           | {"no_answer": sum(1 for p in people if p["support_wanted"] is None)}},
        # Under cao2022 (every illness excludes) the 8 illness cases and both E1 people fall under E1.
        "other_rulesets": {"cao2022": other_ruleset(people, lambda p: "E1" if "illness" in (p.get("reasons") or ()) else None)},
        "notes": ["the report's 広義のひきこもり群と家族内の該当者 (20) = 14 広義 respondents + 6 household members aged 15-64 "
                  "(家族1_… 家族3_ columns); 12 aged 15-39 / 8 aged 40-64 (4割), 12 women (6割), as seed 001 describes",
                  "a member aged 81 who meets the core condition is not counted (outside the survey's 15-64); a member whose "
                  "reasons include 介護・看護 is excluded by E2; a member whose reasons include 病気 stays in (the 病名 coding "
                  "is not asked of members, so E1 cannot remove him or her)",
                  "the 6 respondents of the earlier sample who now go out keep their other answers",
                  "the 7 広義 respondents who chose 病気 have illness_type = other_illness (not excluded under cao2022-scz-physical)"],
    }
    exp = expected_json(meta, people, "cao2022-scz-physical",
                        ["outing", "sex", "duration", "reasons", "main_reason", "work_experience", "occupation",
                         "talk_nonfamily", "illness_type"],
                        ["15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49", "50-54", "55-59", "60-64"],
                        ["15-39", "40-64"], extra)
    config = """# 西東京市 社会参加に関する調査 2024（合成データ・架空）の実行設定。data/samples/generate_samples.py が生成。
[estimate]
ruleset = "cao2022-scz-physical"
population = 131178
population_label = "西東京市 15～64歳人口"
age_groups = ["15-39", "40-64"]

# hkstat weight / hkstat estimate --calibrate: post-stratification to a synthetic 住民基本台帳-style table of
# age band × sex (data/samples/nishitokyo2024.population_age_sex.csv, sums to 131,178). Respondents whose sex is
# その他・答えたくない or 無回答 have no population cell: they get weight 0 (unmatched = "drop"), which the
# output states.
[weighting]
method = "poststratify"
population_tables = ["nishitokyo2024.population_age_sex.csv"]
unmatched = "drop"
weight_name = "wt_age_sex"

[[weighting.band]]
name = "age_band"
from = "問2"
bands = ["15-19", "20-29", "30-39", "40-49", "50-59", "60-64"]

# 実査（調査報告書）: 無作為抽出 2,500件、有効回答率 32.4%（810件）。estimate と report の注記に回答率として出ます。
[fieldwork]
sent = 2500
valid = 810
"""
    return dict(stem="data/samples/nishitokyo2024", cb=NT_CB, people=people, expected=exp, config=config,
                encoding="utf-8", newline="\r\n", bom=True)


def nt_members(people):
    """Household members (家族票) of the respondents, after the ids are set. The designed members go to ordinary
    respondents (outing 1-4) of a fitting age, one household each; the other ordinary respondents report members who
    go out, drawn from their own random.Random so that nothing else in the file changes."""
    rng = random.Random(20240802)
    ordinary_resp = [p for p in people if p["design_class"] == CLASS_NOT and p["design_reason"] == "outing:not_core"
                     and p.get("age") not in (None, NA) and "members" not in p]
    # (predicate on the respondent's age, members). Classes under cao2022-scz-physical.
    designed = [
        # The six members counted (広義, 15-64) have the reasons that, with the 14 広義 respondents' 問21, make the
        # report's shares over the 20 (seed 001, 問21): 病気 8 (40.0%); 学校になじめなかった, 人間関係, 退職 5 each (25.0%).
        # Their 最大理由 (問22) make, with the respondents' 問22, 病気 4 and 退職したこと 4 (20.0% each; the members add
        # no 病気 and 2 退職), then 特に理由はない 3 (15.0%: 1 + 2), every other reason at most 2; their 就業経験 (問23)
        # make 「現在は就業していないが、過去に就業経験がある」 16 of 20 (8割: 11 respondents + 5 members).
        # The sibling is 53 (50代), so that the 20's ages have the seed's second peak in the 50代 (20代 8, 50代 5).
        (lambda a: a >= 50, [member("child", 24, "male", "room_only", "3y_5y", {"school_misfit"}, CLASS_NARROW,
                                    "none", "never_worked")]),
        (lambda a: a >= 48, [member("child", 22, "female", "neighborhood", "1y_3y", {"relationships"}, CLASS_NARROW,
                                    "relationships", "worked_before"),
                             member("spouse", 52, "male", "daily", design=CLASS_NOT)]),
        (lambda a: 28 <= a <= 40, [member("sibling", 33, "female", "hobby_only", "5y_7y", {"workplace_misfit", "relationships"},
                                          CLASS_SEMI, "none", "worked_before"),
                                   member("parent", 66, "female", "social", design=CLASS_NOT)]),
        (lambda a: a >= 52, [member("child", 28, "female", "hobby_only", "1y_3y", {"job_hunting", "relationships"}, CLASS_SEMI,
                                    "job_hunting", "worked_before")]),
        (lambda a: a >= 55, [member("spouse", 56, "female", "neighborhood", "ge_10y", {"retirement"}, CLASS_NARROW,
                                    "retirement", "worked_before")]),
        (lambda a: 40 <= a <= 55, [member("sibling", 53, "male", "hobby_only", "7y_10y", {"retirement"}, CLASS_SEMI,
                                          "retirement", "worked_before")]),
        # Meets the core condition but is 81: outside the survey's 15-64, not counted.
        (lambda a: a >= 50, [member("parent", 81, "female", "home_only", "ge_10y", {"illness"}, CLASS_NARROW,
                                    "illness", "worked_before")]),
        # 介護・看護 → E2.
        (lambda a: a >= 55, [member("child", 30, "male", "hobby_only", "1y_3y", {"caregiving"}, CLASS_EXCL,
                                    "caregiving", "worked_before")]),
        (lambda a: a >= 45, [member("child", 19, "female", "neighborhood", "lt_6m", {"covid"}, CLASS_NOT,
                                    "covid", "never_worked")]),
        (lambda a: a >= 45, [member("child", 26, "male", NA, design=CLASS_NOT)]),
    ]
    for pred, ms in designed:
        p = next(p for p in ordinary_resp if "members" not in p and pred(p["age"]))
        p["members"] = ms
    out = [m for p in people for m in p.get("members", [])]
    for p in ordinary_resp:
        if "members" in p or rng.random() < 0.45:
            continue
        a = p["age"]
        ms = []
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            if a >= 45 and rng.random() < 0.6:
                rel, age = "child", rng.randint(8, a - 22)
            elif a < 30:
                rel, age = "parent", a + rng.randint(22, 35)
            else:
                rel, age = rng.choice((("spouse", a + rng.randint(-5, 5)), ("sibling", a + rng.randint(-8, 8)),
                                       ("parent", a + rng.randint(24, 34))))
            out_key = "daily" if age < 65 and rng.random() < 0.7 else rng.choice(("weekly_3_4", "leisure", "social"))
            ms.append(member(rel, age, rng.choice(("male", "female")), out_key, design=CLASS_NOT))
        p["members"] = ms
        out += ms
    return out


def nt_resident_views(people):
    """問39 (image) and 問40 (市民が望む支援) for every respondent, from their own random.Random (nothing else in the
    file changes): 問39 「甘えている感じがする」 exactly 197 of 810 (seed 001: 全体の24.3%), 9 無回答; 問40 drawn with
    the seed's three most chosen first, 12 無回答, 特にない alone when nothing else is chosen."""
    rng = random.Random(20240805)
    image = exact_list({"spoiled": 197, "not_spoiled": 301, "neither": 303, NA: 9}, rng)
    assert len(image) == len(people)
    blank = set(rng.sample(range(len(people)), 12))
    probs = [("ibasho_intro", 0.36), ("work_prep", 0.31), ("listening_desk", 0.27), ("home_visit", 0.12),
             ("family_support", 0.18), ("online", 0.15), ("medical", 0.11), ("other", 0.03)]
    for i, p in enumerate(people):
        p["image"] = image[i]
        if i in blank:
            p["support_wanted"] = None
            continue
        chosen = {k for k, pr in probs if rng.random() < pr}
        p["support_wanted"] = chosen or {"none"}


def other_ruleset(people, first_rule_override):
    """Design-level outcome under another rule-set: `first_rule_override(p)` returns a rule id that now fires first
    (or None to keep the primary design)."""
    cls, excl = Counter(), Counter()
    by_outing = Counter()
    for p in people:
        c, r = p["design_class"], p["design_reason"]
        if c != CLASS_NOT:
            o = first_rule_override(p)
            if o == "KEEP":
                c = CLASS_SEMI if p["outing"] in SEMI_KEYS else CLASS_NARROW
            elif o:
                c, r = CLASS_EXCL, o
        cls[c] += 1
        if c == CLASS_EXCL:
            excl[r] += 1
        elif c != CLASS_NOT:
            by_outing[p["outing"]] += 1
    return {"classes": {c: cls.get(c, 0) for c in (CLASS_NARROW, CLASS_SEMI, CLASS_EXCL, CLASS_NOT)},
            "broad": cls[CLASS_NARROW] + cls[CLASS_SEMI], "excluded_by_rule": dict(sorted(excl.items())),
            "broad_by_outing": {k: by_outing.get(k, 0) for k in ("hobby_only", "neighborhood", "home_only", "room_only")}}


# ---------------------------------------------------------------------------------------------------------------
# National layouts (2010, 2015, 2018)
# ---------------------------------------------------------------------------------------------------------------

TRIG_2010 = [(1, "futoko", "不登校（小学校・中学校・高校）"), (2, "workplace_misfit", "職場になじめなかった"),
             (3, "job_hunting", "就職活動がうまくいかなかった"), (4, "illness", "病気"), (5, "pregnancy", "妊娠した"),
             (6, "relationships", "人間関係がうまくいかなかった"), (7, "university_misfit", "大学になじめなかった"),
             (8, "exam_failure", "受験に失敗した（高校・大学）"), (9, "other", "その他")]
DUR_2010 = codes((1, "lt_6m", "6か月未満", False), (2, "6m_1y", "6か月～1年未満", True), (3, "1y_3y", "1年～3年未満", True),
                 (4, "3y_5y", "3年～5年未満", True), (5, "5y_7y", "5年～7年未満", True), (6, "ge_7y", "7年以上", True))
OTHER_TYPE = codes((1, "work_at_home", "自宅で仕事"), (2, "childbirth_childcare", "出産・育児"), (3, "other_text", "その他"))
BANDS_YOUNG = ["15-19", "20-24", "25-29", "30-34", "35-39"]
BANDS_MID = ["40-44", "45-49", "50-54", "55-59", "60-64"]
OTHER_ILLNESS_TEXT = ["うつ病", "適応障害", "不安障害", "パニック障害", "睡眠障害", "社交不安障害", "強迫性障害", "双極性障害"]
PHYSICAL_TEXT = ["椎間板ヘルニア", "心臓病", "交通事故によるけが", "慢性疲労", "糖尿病", "腎臓病"]


def exact_list(counts: dict, rng):
    out = []
    for k, n in counts.items():
        out += [k] * n
    rng.shuffle(out)
    return out


def ages_from_bands(rng, band_counts):
    ages = []
    for b, n in band_counts.items():
        lo, hi = (int(x) for x in b.split("-"))
        ages += [rng.randint(lo, hi) for _ in range(n)]
    return ages


def assign_durations(rng, ages, dur_counts, order):
    """Longer durations tend to go to older respondents (rank + noise), exact counts kept."""
    durs = []
    for k, n in dur_counts.items():
        durs += [k] * n
    durs.sort(key=lambda k: order.index(k) + rng.uniform(0, 2.5))
    idx = sorted(range(len(ages)), key=lambda i: ages[i] + rng.uniform(0, 6))
    out = [None] * len(ages)
    for i, d in zip(idx, durs):
        out[i] = d
    return out


def national_cases(rng, n, sex_counts, band_counts, dur_counts, dur_order, outing_counts, primaries, secondaries,
                   home_keys, occupation_for=None, talk=None):
    sexes = exact_list(sex_counts, rng)
    ages = ages_from_bands(rng, band_counts)
    rng.shuffle(ages)
    durs = assign_durations(rng, ages, dur_counts, dur_order)
    outs = exact_list(outing_counts, rng)
    prim = exact_list(primaries, rng)
    assert len(sexes) == len(ages) == len(durs) == len(outs) == len(prim) == n
    people = []
    ill_i = 0
    for i in range(n):
        reasons = {prim[i]}
        p = case(outs[i], sex=sexes[i], age=ages[i], duration=durs[i], reasons=reasons,
                 home_activities={rng.choice([k for k in home_keys if k not in ("housework_childcare", "caregiving")])})
        if occupation_for:
            p["occupation"] = occupation_for(p)
        if talk:
            p["talk_nonfamily"] = pick(rng, talk)
        people.append(p)
    for k, m in secondaries.items():
        pool = [p for p in people if k not in p["reasons"]]
        for p in rng.sample(pool, m):
            p["reasons"].add(k)
    for p in people:
        if "illness" in p["reasons"]:
            p["illness_type"] = "other_illness"
            p["illness_text"] = OTHER_ILLNESS_TEXT[ill_i % len(OTHER_ILLNESS_TEXT)]
            ill_i += 1
        if "other" in p["reasons"]:
            p["other_reason_type"] = "other_text"
            p["other_text"] = rng.choice(["家族の事情", "引っ越し", "特にない", "よくわからない"])
    return people


def national_ordinary(rng, people, n_total, sex_targets, age_lo, age_hi, band_weights, home_keys, features,
                      na_fields=()):
    sexes = sex_pool(rng, sex_targets, people)
    n = n_total - len(people)
    assert len(sexes) == n
    out = []
    for i in range(n):
        age = draw_age(rng, age_lo, age_hi, band_weights)
        p = ordinary(rng, "female" if sexes[i] == NA else sexes[i], age, home_keys, features)
        p["sex"] = sexes[i]
        if "occupation" not in features:
            p.pop("occupation", None)
        out.append(p)
    for idx, field in na_fields:
        out[idx][field] = NA
    return people + out


def short_and_missing(rng, age_lo, age_hi, n_short, n_dmiss, n_omiss, sexes, extra=None):
    out = []
    outs = ["hobby_only", "neighborhood", "home_only", "room_only"]
    for i in range(n_short):
        out.append(notcase("duration:lt_6_months", outing=outs[i % 4], sex=sexes[i % len(sexes)],
                           age=rng.randint(age_lo, age_hi), duration="lt_6m", reasons={"relationships"},
                           home_activities={"tv"}, **(extra or {})))
    for i in range(n_dmiss):
        out.append(notcase("duration:missing", outing=outs[(i + 1) % 4], sex=sexes[(i + 1) % len(sexes)],
                           age=rng.randint(age_lo, age_hi), duration=NA, reasons={"job_hunting"},
                           home_activities={"internet"}, **(extra or {})))
    for i in range(n_omiss):
        out.append(notcase("outing:missing", outing=NA, sex=sexes[(i + 2) % len(sexes)], age=rng.randint(age_lo, age_hi),
                           home_activities=None))
    return out


# --- 2010 -------------------------------------------------------------------------------------------------------

CB_2010 = dict(
    title="内閣府 平成22年 若者の意識に関する調査 形式（合成データ・架空・テスト用）", questionnaire="cao2010", age_min=15, age_max=39,
    vars=[
        var("ID", "id", "回答者ID", role="id"),
        var("F1", "code", "性別", role="sex", missing=[9], codes=SEX_CODES),
        var("F2", "integer", "年齢", role="age"),
        var("問15", "multi", "ふだんご自宅にいるときによくしていること（いくつでも）", role="home_activities",
            columns=cols("問15_", [(1, "housework_childcare", "家事・育児をする"), (2, "tv", "テレビを見る"), (3, "games", "ゲームをする"),
                                  (4, "internet", "インターネットをする")])),
        var("問17", "code", "ふだんどのくらい外出しますか", role="outing", missing=[9], codes=OUTING_CODES),
        var("問19", "code", "現在の状態となってどのくらい経ちますか", role="duration", missing=[9], codes=DUR_2010),
        var("問20", "multi", "現在の状態になったきっかけ（いくつでも）", role="reasons", columns=cols("問20_", TRIG_2010)),
        var("問20_病名コード", "code", "病名の分類", role="illness_type", codes=ILLNESS_CODES),
        var("問20_その他コード", "code", "「その他」の分類", role="other_reason_type", codes=OTHER_TYPE),
    ])


def build_cao2010():
    rng = random.Random(20100218)
    home = ["housework_childcare", "tv", "games", "internet"]
    cases = national_cases(
        rng, 59, {"male": 39, "female": 20}, dict(zip(BANDS_YOUNG, [9, 11, 12, 13, 14])),
        {"6m_1y": 14, "1y_3y": 18, "3y_5y": 8, "5y_7y": 7, "ge_7y": 10, NA: 2},
        ["6m_1y", "1y_3y", "3y_5y", "5y_7y", "ge_7y", NA],
        {"hobby_only": 39, "neighborhood": 14, "home_only": 4, "room_only": 2},
        {"workplace_misfit": 14, "illness": 14, "job_hunting": 12, "futoko": 7, "relationships": 7, "university_misfit": 4,
         "exam_failure": 1}, {}, home)
    X = excluded
    excl = [
        X("E1", "hobby_only", sex="male", age=27, duration="3y_5y", reasons={"illness"}, illness_type="schizophrenia",
          home_activities={"tv"}),
        X("E1", "neighborhood", sex="male", age=33, duration="1y_3y", reasons={"illness", "job_hunting"},
          illness_type="physical", home_activities={"internet"}),
        X("E1", "home_only", sex="female", age=22, duration="6m_1y", reasons={"illness"}, illness_type="physical",
          home_activities={"tv", "games"}),
        X("E2", "hobby_only", sex="female", age=26, duration="6m_1y", reasons={"pregnancy"}, home_activities={"tv"}),
        X("E2", "neighborhood", sex="female", age=31, duration="6m_1y", reasons={"pregnancy"}, home_activities={"tv"}),
        X("E2", "hobby_only", sex="female", age=24, duration="1y_3y", reasons={"pregnancy", "relationships"},
          home_activities={"internet"}),
        X("E3", "hobby_only", sex="male", age=35, duration="3y_5y", reasons={"other"}, other_reason_type="work_at_home",
          home_activities={"internet"}),
        X("E3", "neighborhood", sex="female", age=38, duration="1y_3y", reasons={"other"}, other_reason_type="work_at_home",
          home_activities={"tv"}),
        X("E3", "hobby_only", sex="female", age=30, duration="1y_3y", reasons={"other"},
          other_reason_type="childbirth_childcare", home_activities={"tv"}),
        X("E4", "hobby_only", sex="female", age=34, duration="3y_5y", reasons={"relationships"},
          home_activities={"housework_childcare", "tv"}),
        X("E4", "neighborhood", sex="female", age=29, duration="1y_3y", reasons={"workplace_misfit"},
          home_activities={"housework_childcare"}),
        X("E4", "hobby_only", sex="male", age=37, duration="5y_7y", reasons={"job_hunting"},
          home_activities={"housework_childcare", "games"}),
    ]
    # No 非該当 with a missing duration here: cao2010 counts a missing duration as meeting the condition.
    other = short_and_missing(rng, 15, 39, 5, 0, 4, ["male", "female"])
    people = national_ordinary(rng, cases + excl + other, 3287, {"male": 1583, "female": 1704}, 15, 39,
                               [("15-19", 18), ("20-24", 18), ("25-29", 20), ("30-34", 21), ("35-39", 23)], home, set())
    finish(rng, people, "H22-{:04d}")
    meta = {"description": "内閣府 平成22年 調査の形の合成データ（架空）。テスト用の参照データ。data/samples/generate_samples.py が生成",
            "file": "cao2010.csv", "codebook": "cao2010.codebook.toml", "encoding": "utf-8", "line_endings": "LF"}
    extra = {
        "reference_estimate": {"population": 38800000, "rate_rounding": None,
                               "broad": estimate(59, 3287, 38800000, unit="man"),
                               "narrow": estimate(20, 3287, 38800000, unit="man"),
                               "semi": estimate(39, 3287, 38800000, unit="man")},
        "notes": ["published 2010 profile reproduced: sex 39/20, ages 9/11/12/13/14, triggers 14/14/12/7/7/4/1",
                  "published durations reproduced: 14/18/8/7/10 and 2 無回答 among the 59 (cao2010 has duration_missing = case)"],
    }
    exp = expected_json(meta, people, "cao2010", ["outing", "sex", "duration", "reasons"], BANDS_YOUNG, [], extra)
    return dict(stem="tests/data/reference/cao2010", cb=CB_2010, people=people, expected=exp, config=None,
                encoding="utf-8", newline="\n", bom=False)


# --- 2015 -------------------------------------------------------------------------------------------------------

CB_2015 = dict(
    title="内閣府 平成27年度 若者の生活に関する調査 形式（合成データ・架空）", questionnaire="cao2015", age_min=15, age_max=39,
    vars=[
        var("ID", "id", "回答者ID", role="id"),
        var("F1", "code", "性別", role="sex", missing=[9], codes=SEX_CODES),
        var("F2", "integer", "年齢", role="age"),
        var("Q9", "code", "あなたの現在の職業・状態", role="occupation", missing=[99],
            codes=codes((1, "employee", "正社員・正職員"), (2, "contract", "契約社員・派遣社員"), (3, "part_time", "パート・アルバイト"),
                        (4, "self_employed", "自営業・自由業"), (5, "work_at_home", "自宅で仕事（内職・在宅勤務）"),
                        (6, "student", "学生"), (7, "homemaker", "専業主婦・主夫"), (8, "family_helper", "家事手伝い"),
                        (9, "unemployed", "無職"), (10, "other_occupation", "その他"))),
        var("Q18", "multi", "ふだんご自宅にいるときによくしていること（いくつでも）", role="home_activities", delimiter=";",
            codes=codes((1, "housework_childcare", "家事・育児をする"), (2, "tv", "テレビを見る"), (3, "games", "ゲームをする"),
                        (4, "internet", "インターネットをする"), (5, "reading", "本を読む"), (6, "hobby", "趣味に関することをする"),
                        (7, "study", "勉強する"), (8, "other_activity", "その他"))),
        var("Q20", "code", "ふだんどのくらい外出しますか", role="outing", missing=[9], codes=OUTING_CODES),
        var("Q21", "multi", "現在の状態になったきっかけ（いくつでも）", role="reasons", delimiter=";", missing=[99],
            codes=codes(*TRIG_2010)),
        var("Q21_disease", "text", "「病気」の病名（自由記述）", field="illness_text"),
        var("Q21_disease_code", "code", "病名の分類", role="illness_type", codes=ILLNESS_CODES),
        var("Q21_other", "text", "「その他」の内容（自由記述）", field="other_text"),
        var("Q21_other_code", "code", "「その他」の分類", role="other_reason_type", codes=OTHER_TYPE),
        var("Q22", "code", "現在の状態となってどのくらい経ちますか", role="duration", missing=[9], codes=DUR_2010),
    ])


def build_cao2015():
    rng = random.Random(20151201)
    home = ["housework_childcare", "tv", "games", "internet", "reading", "hobby", "study", "other_activity"]

    def occ(p):
        return "student" if p["age"] <= 21 and rng.random() < 0.5 else "unemployed"

    cases = national_cases(
        rng, 49, {"male": 31, "female": 18}, dict(zip(BANDS_YOUNG, [5, 12, 12, 10, 10])),
        {"6m_1y": 7, "1y_3y": 11, "3y_5y": 8, "5y_7y": 6, "ge_7y": 17}, ["6m_1y", "1y_3y", "3y_5y", "5y_7y", "ge_7y"],
        {"hobby_only": 33, "neighborhood": 11, "home_only": 3, "room_only": 2},
        {"futoko": 9, "workplace_misfit": 9, "relationships": 8, "illness": 7, "job_hunting": 7, "university_misfit": 3,
         "exam_failure": 2, "other": 4},
        {"job_hunting": 1, "exam_failure": 2, "university_misfit": 2}, home, occupation_for=occ)
    X = excluded
    excl = [
        # E1 schizophrenia only (two respondents): kept in by cao2015-incl-scz (→ 51 there; docs/rules.md explains
        # why two: the published 56.3万 = 54.1万 + 2 × 3,445万 / 3,115).
        X("E1", "hobby_only", sex="male", age=28, duration="5y_7y", reasons={"illness"}, illness_type="schizophrenia",
          illness_text="統合失調症", occupation="unemployed", home_activities={"tv"}),
        X("E1", "neighborhood", sex="female", age=35, duration="1y_3y", reasons={"illness"}, illness_type="schizophrenia",
          illness_text="統合失調症", occupation="unemployed", home_activities={"reading"}),
        X("E1", "room_only", sex="male", age=19, duration="6m_1y", reasons={"illness", "futoko"}, illness_type="physical",
          illness_text=PHYSICAL_TEXT[1], occupation="student", home_activities={"games"}),
        X("E2", "hobby_only", sex="female", age=27, duration="6m_1y", reasons={"pregnancy"}, occupation="unemployed",
          home_activities={"tv"}),
        X("E2", "neighborhood", sex="female", age=32, duration="6m_1y", reasons={"pregnancy"}, occupation="part_time",
          home_activities={"internet"}),
        X("E2", "hobby_only", sex="female", age=24, duration="1y_3y", reasons={"pregnancy", "workplace_misfit"},
          occupation="unemployed", home_activities={"tv", "reading"}),
        X("E3", "hobby_only", sex="male", age=36, duration="3y_5y", reasons={"other"}, other_reason_type="work_at_home",
          other_text="自宅でプログラムの仕事をしている", occupation="self_employed", home_activities={"internet"}),
        X("E3", "neighborhood", sex="male", age=30, duration="1y_3y", reasons={"other"}, other_reason_type="work_at_home",
          other_text="在宅勤務", occupation="employee", home_activities={"internet"}),
        X("E3", "home_only", sex="female", age=33, duration="1y_3y", reasons={"other"},
          other_reason_type="childbirth_childcare", other_text="子どもが生まれたため", occupation="unemployed",
          home_activities={"tv"}),
        X("E4", "hobby_only", sex="female", age=38, duration="3y_5y", reasons={"relationships"}, occupation="unemployed",
          home_activities={"housework_childcare", "tv"}),
        X("E4", "neighborhood", sex="male", age=29, duration="5y_7y", reasons={"workplace_misfit"}, occupation="unemployed",
          home_activities={"housework_childcare", "games"}),
        X("E4", "hobby_only", sex="female", age=31, duration="ge_7y", reasons={"relationships"}, occupation="part_time",
          home_activities={"housework_childcare"}),
        X("E5", "hobby_only", sex="female", age=23, duration="1y_3y", reasons={"job_hunting"}, occupation="family_helper",
          home_activities={"tv", "internet"}),
        X("E5", "neighborhood", sex="female", age=26, duration="3y_5y", reasons={"relationships"}, occupation="family_helper",
          home_activities={"reading"}),
        X("E5", "hobby_only", sex="male", age=34, duration="1y_3y", reasons={"workplace_misfit"}, occupation="homemaker",
          home_activities={"tv"}),
    ]
    other = short_and_missing(rng, 15, 39, 6, 2, 5, ["male", "female"], extra={"occupation": "unemployed"})
    people = national_ordinary(rng, cases + excl + other, 3115, {"male": 1487, "female": 1625, NA: 3}, 15, 39,
                               [("15-19", 17), ("20-24", 18), ("25-29", 20), ("30-34", 22), ("35-39", 23)], home,
                               {"occupation"}, na_fields=[(10, "occupation"), (500, "occupation")])
    finish(rng, people, "H27-{:04d}")
    meta = {"description": "内閣府 平成27年度 若者の生活に関する調査の形の合成データ（架空）。data/samples/generate_samples.py が生成",
            "file": "cao2015_layout.csv", "codebook": "cao2015_layout.codebook.toml", "encoding": "cp932",
            "line_endings": "CRLF"}
    scz = [p for p in excl if p.get("illness_type") == "schizophrenia"]
    extra = {
        "estimate": {"population": 34450000, "population_label": "15～39歳人口（総務省 人口推計）", "rate_rounding": 2,
                     "broad": estimate(49, 3115, 34450000, 2, "man"), "narrow": estimate(16, 3115, 34450000, 2, "man"),
                     "semi": estimate(33, 3115, 34450000, 2, "man")},
        "other_rulesets": {"cao2015-incl-scz": other_ruleset(people, lambda p: "KEEP" if any(p is s for s in scz) else None)},
        "notes": ["published 2015 profile reproduced: sex 31/18, ages 5/12/12/10/10, 7年以上 17; 不登校 and 職場になじめなかった tie (9 each)",
                  "cao2015-incl-scz keeps the two schizophrenia-only E1 respondents in: 51 広義"],
    }
    exp = expected_json(meta, people, "cao2015", ["outing", "sex", "duration", "reasons", "occupation"], BANDS_YOUNG, [],
                        extra)
    config = """# 内閣府 平成27年度 若者の生活に関する調査 形式（合成データ・架空）の実行設定。data/samples/generate_samples.py が生成。
[estimate]
ruleset = "cao2015"
population = 34450000
population_label = "15～39歳人口（総務省 人口推計）"
age_groups = []
rate_rounding = 2     # 率を小数点以下2桁(%)に四捨五入してから人口に掛ける（平成27年度の方式）
rate_decimals = 2
persons_unit = "man"  # 万人で表示
"""
    return dict(stem="data/samples/cao2015_layout", cb=CB_2015, people=people, expected=exp, config=config,
                encoding="cp932", newline="\r\n", bom=False)


# --- 2018 -------------------------------------------------------------------------------------------------------

TRIG_2018 = [(1, "retirement", "退職したこと"), (2, "relationships", "人間関係がうまくいかなかったこと"), (3, "illness", "病気"),
             (4, "workplace_misfit", "職場になじめなかったこと"), (5, "job_hunting", "就職活動がうまくいかなかったこと"),
             (6, "caregiving", "介護・看護を担うことになったこと"), (7, "pregnancy", "妊娠したこと"),
             (8, "childbirth_childcare", "出産・育児をすることになったこと"), (9, "futoko", "不登校（小学校・中学校・高校）"),
             (10, "university_misfit", "大学になじめなかったこと"), (11, "exam_failure", "受験に失敗したこと"), (12, "other", "その他")]
DUR_2018_ORDER = ["6m_1y", "1y_3y", "3y_5y", "5y_7y", "7y_10y", "10y_15y", "15y_20y", "20y_25y", "25y_30y", "ge_30y"]

CB_2018 = dict(
    title="内閣府 平成30年度 生活状況に関する調査 形式（合成データ・架空・テスト用）", questionnaire="cao2018", age_min=40, age_max=64,
    vars=[
        var("ID", "id", "回答者ID", role="id"),
        var("F1", "code", "性別", role="sex", missing=[9], codes=SEX_CODES),
        var("F2", "integer", "年齢", role="age"),
        var("Q8", "code", "あなたの現在の職業・状態", role="occupation", missing=[99], codes=OCC_CODES),
        var("Q18", "multi", "ふだんご自宅にいるときによくしていること（いくつでも）", role="home_activities", delimiter=";",
            codes=codes((1, "housework_childcare", "家事・育児をする"), (2, "caregiving", "介護・看護をする"), (3, "tv", "テレビを見る"),
                        (4, "internet", "インターネットをする"), (5, "hobby", "趣味に関することをする"))),
        var("Q19", "code", "ふだんどのくらい外出しますか", role="outing", missing=[9], codes=OUTING_CODES),
        var("Q20", "code", "現在の状態となってどのくらい経ちますか", role="duration", missing=[99],
            codes=codes((1, "lt_6m", "6か月未満", False), (2, "6m_1y", "6か月～1年未満", True), (3, "1y_3y", "1年～3年未満", True),
                        (4, "3y_5y", "3年～5年未満", True), (5, "5y_7y", "5年～7年未満", True), (6, "7y_10y", "7年～10年未満", True),
                        (7, "10y_15y", "10年～15年未満", True), (8, "15y_20y", "15年～20年未満", True),
                        (9, "20y_25y", "20年～25年未満", True), (10, "25y_30y", "25年～30年未満", True),
                        (11, "ge_30y", "30年以上", True))),
        var("Q21", "multi", "現在の状態になったきっかけ（いくつでも）", role="reasons", delimiter=";", codes=codes(*TRIG_2018)),
        var("Q21_disease_code", "code", "病名の分類", role="illness_type", codes=ILLNESS_CODES),
        var("Q21_other_code", "code", "「その他」の分類", role="other_reason_type", codes=OTHER_TYPE),
        var("Q24", "code", "最近6か月間に家族以外の人と会話をしましたか", role="talk_nonfamily", missing=[9],
            codes=codes((1, "often", "よく会話した"), (2, "sometimes", "ときどき会話した"), (3, "hardly", "ほとんど会話しなかった"))),
    ])


def build_cao2018():
    rng = random.Random(20181201)
    home = ["housework_childcare", "caregiving", "tv", "internet", "hobby"]
    cases = national_cases(
        rng, 47, {"male": 36, "female": 11}, dict(zip(BANDS_MID, [9, 9, 10, 10, 9])),
        {"6m_1y": 3, "1y_3y": 8, "3y_5y": 6, "5y_7y": 5, "7y_10y": 7, "10y_15y": 5, "15y_20y": 4, "20y_25y": 4,
         "25y_30y": 2, "ge_30y": 3}, DUR_2018_ORDER,
        {"hobby_only": 19, "neighborhood": 21, "home_only": 5, "room_only": 2},
        {"retirement": 17, "relationships": 8, "illness": 10, "workplace_misfit": 7, "job_hunting": 3, "futoko": 1,
         "other": 1},
        {"relationships": 2, "workplace_misfit": 2}, home, occupation_for=lambda p: "unemployed",
        talk=[("often", 10), ("sometimes", 35), ("hardly", 55)])
    # Homemakers (3 women, 1 man) and one carer who hardly talk with non-family people: they stay IN under E6.
    women = [p for p in cases if p["sex"] == "female" and "illness" not in p["reasons"]]
    men = [p for p in cases if p["sex"] == "male" and "illness" not in p["reasons"]]
    assert len(women) >= 3 and len(men) >= 2
    for p in women[:3] + men[:1]:
        p.update(occupation="homemaker", talk_nonfamily="hardly", home_activities={"housework_childcare", "tv"})
        p["hardly_homemaker"] = True
    men[1].update(talk_nonfamily="hardly", home_activities={"caregiving", "tv"})
    X = excluded
    excl = [
        X("E1", "neighborhood", sex="male", age=52, duration="10y_15y", reasons={"illness"}, illness_type="schizophrenia",
          occupation="unemployed", talk_nonfamily="hardly", home_activities={"tv"}),
        X("E1", "hobby_only", sex="male", age=61, duration="3y_5y", reasons={"illness", "retirement"},
          illness_type="physical", occupation="unemployed", talk_nonfamily="sometimes", home_activities={"tv"}),
        X("E1", "home_only", sex="female", age=58, duration="1y_3y", reasons={"illness"}, illness_type="physical",
          occupation="homemaker", talk_nonfamily="often", home_activities={"housework_childcare"}),
        X("E2", "hobby_only", sex="female", age=56, duration="5y_7y", reasons={"caregiving"}, occupation="unemployed",
          talk_nonfamily="sometimes", home_activities={"caregiving", "housework_childcare"}),
        X("E2", "neighborhood", sex="male", age=63, duration="3y_5y", reasons={"caregiving", "retirement"},
          occupation="unemployed", talk_nonfamily="hardly", home_activities={"caregiving"}),
        X("E2", "neighborhood", sex="female", age=41, duration="1y_3y", reasons={"childbirth_childcare"},
          occupation="homemaker", talk_nonfamily="sometimes", home_activities={"housework_childcare"}),
        X("E3", "hobby_only", sex="male", age=48, duration="7y_10y", reasons={"retirement"}, occupation="work_at_home",
          talk_nonfamily="sometimes", home_activities={"internet"}),
        X("E3", "neighborhood", sex="female", age=45, duration="3y_5y", reasons={"relationships"}, occupation="work_at_home",
          talk_nonfamily="hardly", home_activities={"internet"}),
        X("E3", "hobby_only", sex="male", age=54, duration="5y_7y", reasons={"other"}, other_reason_type="work_at_home",
          occupation="self_employed", talk_nonfamily="often", home_activities={"internet"}),
        X("E6", "neighborhood", sex="female", age=50, duration="7y_10y", reasons={"relationships"}, occupation="homemaker",
          talk_nonfamily="sometimes", home_activities={"housework_childcare", "tv"}),
        X("E6", "hobby_only", sex="female", age=43, duration="3y_5y", reasons={"workplace_misfit"},
          occupation="family_helper", talk_nonfamily="often", home_activities={"tv"}),
        X("E6", "neighborhood", sex="male", age=59, duration="5y_7y", reasons={"retirement"}, occupation="unemployed",
          talk_nonfamily="sometimes", home_activities={"housework_childcare"}),
    ]
    for p in excl:
        if "illness" in p["reasons"]:
            p["illness_text"] = "統合失調症" if p["illness_type"] == "schizophrenia" else PHYSICAL_TEXT[3]
    other = short_and_missing(rng, 40, 64, 5, 2, 5, ["male", "female"],
                              extra={"occupation": "unemployed", "talk_nonfamily": "sometimes"})
    people = national_ordinary(rng, cases + excl + other, 3248, {"male": 1563, "female": 1685}, 40, 64,
                               [("40-44", 19), ("45-49", 20), ("50-54", 20), ("55-59", 20), ("60-64", 21)], home,
                               {"occupation", "talk_nonfamily"}, na_fields=[(20, "talk_nonfamily"), (40, "occupation")])
    finish(rng, people, "H30-{:04d}")
    meta = {"description": "内閣府 平成30年度 生活状況に関する調査の形の合成データ（架空）。テスト用の参照データ。data/samples/generate_samples.py が生成",
            "file": "cao2018.csv", "codebook": "cao2018.codebook.toml", "encoding": "utf-8", "line_endings": "LF"}
    extra = {
        "homemaker_hardly_talk_in_broad": sum(1 for p in cases if p.get("hardly_homemaker")),
        "reference_estimate": {"population": 42350000, "rate_rounding": None,
                               "broad": estimate(47, 3248, 42350000, unit="man"),
                               "hobby_only": estimate(19, 3248, 42350000, unit="man"),
                               "neighborhood": estimate(21, 3248, 42350000, unit="man"),
                               "home_or_room": estimate(7, 3248, 42350000, unit="man")},
        "notes": ["4 homemakers (occupation homemaker, housework at home) and 1 carer in the 47 hardly talk with non-family "
                  "people and so are not excluded by E6"],
    }
    exp = expected_json(meta, people, "cao2018", ["outing", "sex", "duration", "reasons", "occupation", "talk_nonfamily"],
                        BANDS_MID, [], extra)
    return dict(stem="tests/data/reference/cao2018", cb=CB_2018, people=people, expected=exp, config=None,
                encoding="utf-8", newline="\n", bom=False)


# ---------------------------------------------------------------------------------------------------------------
# Agency survey and intake records: tabulated only (no prevalence: they are not population samples)
# ---------------------------------------------------------------------------------------------------------------
# 関係機関向け調査 (西東京市 2024: 300 agencies — 庁内関係部署, 民生委員, 地域包括支援センター …; 東京都 令和2年度
# 「ひきこもりに関する支援状況等調査」: age of the cases, triggers (up to 3), duration, time until consultation) and
# intake records (日野市「ひきこもり相談受付票」, 足立区・狛江市「つなぐシート」), shaped to the figures quoted in the seeds
# (shared/seeds/001, 002, 004): 知識・支援ノウハウがない 約5割; 「甘えている感じがする」13.5%; case duration
# 1年以上10年未満 44.2% / 10年以上 22.7%; time until consultation 1年未満 24.8% / 10年以上 15.4%. One row per responding
# agency, or per consultation received. The counts are exact lists (shuffled) where a figure is quoted, otherwise drawn
# from a seeded random.Random; <stem>.expected.json holds every answer count, tallied from the design.

AG_TYPES = [(1, "municipal", "庁内関係部署"), (2, "welfare_commissioner", "民生委員・児童委員"),
            (3, "community_care", "地域包括支援センター"), (4, "disability_support", "相談支援事業所"),
            (5, "social_welfare_council", "社会福祉協議会"), (6, "medical", "医療機関"), (7, "school", "学校・教育機関"),
            (8, "npo", "民間支援団体・NPO"), (9, "other_agency", "その他")]
AG_TRIGGERS = [(1, "school_bullying", "学校・大学等におけるいじめ等の人間関係"), (2, "non_attendance", "不登校"),
               (3, "exam_failure", "受験の失敗"), (4, "job_hunting", "就職活動の失敗"), (5, "workplace", "職場の人間関係"),
               (6, "job_loss", "退職・失業"), (7, "illness_disability", "病気・障害"), (8, "family", "家族関係"),
               (9, "other", "その他"), (10, "unknown", "わからない")]
AG_ISSUES = [(1, "no_knowhow", "ひきこもりに係る知識や支援ノウハウを有していない"), (2, "no_partner", "相談先・連携先がわからない"),
             (3, "no_staff", "人員・時間が不足している"), (4, "cannot_meet", "本人に会えない"),
             (5, "family_uncooperative", "家族の協力が得られない"), (6, "other", "その他"), (7, "none", "特にない")]
AG_NEEDS = [(1, "local_consultation", "身近な地域における相談体制の充実"), (2, "network", "地域における連携ネットワークづくり"),
            (3, "family_seminar", "家族向けのひきこもりに関するセミナー、家族教室等"), (4, "ibasho", "居場所づくり"),
            (5, "employment", "就労に向けた支援"), (6, "outreach", "訪問支援（アウトリーチ）"), (7, "training", "支援者向けの研修"),
            (8, "other", "その他")]

AG_CB = dict(
    title="西東京市 関係機関向け調査 2024（合成データ・架空）", questionnaire="nishitokyo2024_agency", kind="agency",
    age_min=0, age_max=150,
    vars=[
        var("機関番号", "id", "回答機関の番号", role="id"),
        var("問1", "code", "機関の種別", field="agency_type", missing=[99], codes=codes(*AG_TYPES)),
        var("問2", "code", "ひきこもりの状態にある人またはその家族と関わった経験", field="contact", missing=[9],
            codes=codes((1, "current", "現在関わっている"), (2, "past", "過去に関わったことがある"), (3, "never", "関わったことはない"))),
        var("問3", "code", "最も最近関わった当事者の年代（問2で1・2の機関）", field="case_age", missing=[9],
            codes=codes((1, "teens", "10代"), (2, "20s", "20代"), (3, "30s", "30代"), (4, "40s", "40代"), (5, "50s", "50代"),
                        (6, "60plus", "60代以上"), (7, "unknown", "わからない"))),
        var("問4", "multi", "ひきこもりの状態となったきっかけ（3つまで・問2で1・2の機関）", field="triggers",
            columns=cols("問4_", AG_TRIGGERS)),
        var("問5", "code", "ひきこもりの状態が継続している期間（問2で1・2の機関）", field="case_duration", missing=[9],
            codes=codes((1, "lt_1y", "1年未満"), (2, "1y_10y", "1年以上10年未満"), (3, "ge_10y", "10年以上"), (4, "unknown", "わからない"))),
        var("問6", "code", "相談に至るまでに要した期間（問2で1・2の機関）", field="time_to_consult", missing=[9],
            codes=codes((1, "lt_1y", "1年未満"), (2, "1y_3y", "1年以上3年未満"), (3, "3y_5y", "3年以上5年未満"),
                        (4, "5y_10y", "5年以上10年未満"), (5, "ge_10y", "10年以上"), (6, "unknown", "わからない"))),
        var("問7", "multi", "ひきこもり支援に関する課題（いくつでも）", field="issues", delimiter=";", codes=codes(*AG_ISSUES)),
        var("問8", "multi", "今後、行政や支援機関が取り組むべきこと（いくつでも）", field="needs", columns=cols("問8_", AG_NEEDS)),
        var("問9", "code", "ひきこもりの状態にある人についての印象", field="image", missing=[9],
            codes=codes((1, "spoiled", "甘えている感じがする"), (2, "not_spoiled", "そうは感じない"), (3, "neither", "どちらともいえない"))),
        var("問10", "text", "ご意見・ご要望（自由記述）", field="comment"),
    ])


def build_agency():
    rng = random.Random(20240803)
    n = 185  # of 300 agencies surveyed (61.7%)
    types = exact_list({"municipal": 41, "welfare_commissioner": 88, "community_care": 8, "disability_support": 12,
                        "social_welfare_council": 6, "medical": 9, "school": 11, "npo": 6, "other_agency": 4}, rng)
    contact = exact_list({"current": 34, "past": 71, "never": 78, NA: 2}, rng)
    image = exact_list({"spoiled": 25, "not_spoiled": 87, "neither": 73}, rng)  # 25/185 = 13.5%
    with_case = [i for i in range(n) if contact[i] in ("current", "past")]
    m = len(with_case)  # 105
    # 東京都 2020: duration 1年以上10年未満 44.2%, 10年以上 22.7%; time until consultation 1年未満 24.8%, 10年以上 15.4%.
    durations = exact_list({"lt_1y": 14, "1y_10y": 46, "ge_10y": 24, "unknown": 19, NA: 2}, rng)
    consult = exact_list({"lt_1y": 26, "1y_3y": 19, "3y_5y": 11, "5y_10y": 13, "ge_10y": 16, "unknown": 18, NA: 2}, rng)
    ages = exact_list({"teens": 12, "20s": 22, "30s": 21, "40s": 20, "50s": 17, "60plus": 6, "unknown": 6, NA: 1}, rng)
    assert len(durations) == len(consult) == len(ages) == m
    people = []
    for i in range(n):
        p = dict(design_class="agency", agency_type=types[i], contact=contact[i], image=image[i], comment="")
        if i in with_case:
            k = with_case.index(i)
            p.update(case_age=ages[k], case_duration=durations[k], time_to_consult=consult[k])
            if rng.random() < 0.04:
                p["triggers"] = set()  # answered nothing (all 0)
            elif rng.random() < 0.03:
                p["triggers"] = None  # 無回答
            else:
                w = [("school_bullying", 36), ("non_attendance", 22), ("exam_failure", 6), ("job_hunting", 12),
                     ("workplace", 22), ("job_loss", 14), ("illness_disability", 18), ("family", 16), ("other", 6)]
                if rng.random() < 0.1:
                    p["triggers"] = {"unknown"}
                else:
                    chosen = set()
                    for _ in range(rng.choice((1, 2, 2, 3, 3))):
                        chosen.add(pick(rng, w))
                    p["triggers"] = chosen
                assert 1 <= len(p["triggers"]) <= 3
        issues = set()
        if rng.random() < 0.03:
            p["issues"] = None
        else:
            for key, pr in (("no_knowhow", 0.5), ("no_partner", 0.3), ("no_staff", 0.25), ("cannot_meet", 0.2),
                            ("family_uncooperative", 0.12), ("other", 0.05)):
                if rng.random() < pr:
                    issues.add(key)
            p["issues"] = issues or {"none"}
        needs = set()
        for key, pr in (("local_consultation", 0.55), ("network", 0.48), ("family_seminar", 0.42), ("ibasho", 0.35),
                        ("employment", 0.25), ("outreach", 0.22), ("training", 0.3), ("other", 0.04)):
            if rng.random() < pr:
                needs.add(key)
        p["needs"] = needs if rng.random() > 0.02 else None
        people.append(p)
    comments = ["相談先の一覧がほしい", "民生委員として、どこにつなげばよいか迷う", "家族会の情報を共有してほしい",
                "研修の機会を増やしてほしい", "支援機関同士の「顔の見える関係」が必要"]
    for k, i in enumerate(rng.sample(range(n), len(comments))):
        people[i]["comment"] = comments[k]
    people = finish(rng, people, "AG{:03d}")
    return dict(stem="data/samples/agency2024", cb=AG_CB, people=people, encoding="utf-8", newline="\r\n", bom=True,
                config="# 西東京市 関係機関向け調査 2024（合成データ・架空）の実行設定。data/samples/generate_samples.py が生成。\n"
                       "# 関係機関の回答は母集団からの標本ではないため、hkstat estimate の対象外です（hkstat tabulate で集計）。\n"
                       "[estimate]\nmin_cell = 5\n",
                expected=dict(file="agency2024.csv", kind="agency", encoding="utf-8-sig", line_endings="CRLF",
                              questionnaires_sent=300, n_rows=n, counts=tally(AG_CB, people)))


IN_CONTENTS = [(1, "hikikomori", "ひきこもり"), (2, "employment", "就労"), (3, "living_cost", "生活費・家賃"),
               (4, "childcare", "子育て"), (5, "care_disability", "介護・障害"), (6, "dv", "DV・暴力"), (7, "abuse", "虐待"),
               (8, "health", "健康・医療"), (9, "other", "その他")]
IN_MONTHS = [(m, f"m{m:02d}", f"{m}月") for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]

IN_HOUSEHOLD_BANDS = [(1, "h1", "1人世帯", 1, 1), (2, "h2", "2人世帯", 2, 2), (3, "h3", "3人世帯", 3, 3), (4, "h4", "4人世帯", 4, 4),
                      (5, "h5_plus", "5人以上の世帯", 5, None)]


IN_CB = dict(
    title="ひきこもり相談受付票 2024年度（日野市・つなぐシート型、合成データ・架空）", questionnaire="intake2024", kind="intake",
    age_min=10, age_max=89,
    vars=[
        var("受付番号", "id", "受付番号", role="id"),
        var("受付月", "code", "受付月（年度内）", field="month", codes=codes(*IN_MONTHS)),
        var("受付経路", "code", "相談の受付経路", field="route",
            codes=codes((1, "phone", "電話"), (2, "visit_office", "来所"), (3, "mail_form", "メール・フォーム"),
                        (4, "home_visit", "訪問"), (5, "referral", "関係機関からのつなぎ（つなぐシート）"))),
        var("相談者", "code", "相談者（対象者からみた続柄）", field="caller", missing=[9],
            codes=codes((1, "self", "本人"), (2, "father", "父"), (3, "mother", "母"), (4, "sibling", "きょうだい"),
                        (5, "child", "子"), (6, "spouse", "配偶者"), (7, "other", "その他"))),
        var("対象者_性別", "code", "対象者の性別", role="sex", missing=[9],
            codes=codes((1, "male", "男性"), (2, "female", "女性"), (3, "other", "その他"))),
        var("対象者_年齢", "integer", "対象者の年齢（歳）", role="age"),
        var("世帯人数", "integer", "世帯人数（人）", field="household"),
        # 相談受付票「家族構成とそれぞれの年齢（　人世帯）」: the household size as the seed's 人世帯 bands (derived)
        var("世帯人数区分", "code", "世帯人数（人世帯）", field="household_band", derive=dict(method="bands", source="世帯人数"),
            codes=[dict(code=c, key=k, label=l, min=lo, **({"max": hi} if hi else {})) for c, k, l, lo, hi in IN_HOUSEHOLD_BANDS]),
        var("ひきこもり期間", "code", "ひきこもりの期間", field="duration_band", missing=[9],
            codes=codes((1, "lt_6m", "6か月未満"), (2, "6m_1y", "6か月～1年未満"), (3, "1y_3y", "1年～3年未満"),
                        (4, "3y_5y", "3年～5年未満"), (5, "5y_10y", "5年～10年未満"), (6, "10y_20y", "10年～20年未満"),
                        (7, "ge_20y", "20年以上"))),
        var("不登校経験", "code", "小・中・高校時代の不登校・長期欠席", field="non_attendance", missing=[9],
            codes=codes((1, "no", "無"), (2, "yes", "有"))),
        var("通院", "code", "通院", field="clinic", missing=[9], codes=codes((1, "yes", "有"), (2, "no", "無"))),
        var("服薬", "code", "薬の服用", field="medication", missing=[9], codes=codes((1, "yes", "有"), (2, "no", "無"))),
        var("家族との会話", "code", "ご本人は家族と話をするか", field="family_talk", missing=[9],
            codes=codes((1, "very_often", "よく喋る"), (2, "often", "喋る"), (3, "nod", "相づち程度"),
                        (4, "rarely", "ほとんど喋らない"), (5, "never", "全く喋らない"))),
        var("友人との交流", "code", "友人との交流", field="friends", missing=[9], codes=codes((1, "yes", "有"), (2, "no", "無"))),
        var("外出", "code", "外出はあるか（外出頻度の8択ではない）", field="goes_out", missing=[9],
            codes=codes((1, "yes", "有"), (2, "no", "無"))),
        var("相談内容", "multi", "相談内容（つなぐシートの項目・いくつでも）", field="contents", columns=cols("相談内容_", IN_CONTENTS)),
        var("家族の困りごと", "text", "ご家族として一番お困りのこと（自由記述）", field="family_trouble"),
        var("本人の困りごと", "text", "ご本人が一番困っていると思われること（自由記述）", field="self_trouble"),
        var("情報共有の同意", "code", "関係機関との情報共有への同意", field="consent",
            codes=codes((1, "yes", "同意あり"), (2, "no", "同意なし"))),
        var("つなぎ先", "code", "つなぎ先", field="referred_to",
            codes=codes((1, "specialist", "委託先の専門相談員"), (2, "self_reliance", "自立相談支援機関"),
                        (3, "health_center", "保健センター・保健所"), (4, "community_care", "地域包括支援センター"),
                        (5, "medical", "医療機関"), (6, "ibasho_family", "居場所・家族会"), (7, "other", "その他"),
                        (8, "advice_only", "つなぎ先なし（助言のみ）"))),
    ])


def build_intake():
    rng = random.Random(20240804)
    n = 96
    months = exact_list({f"m{m:02d}": c for m, c in zip((4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3),
                                                         (6, 8, 9, 7, 6, 8, 10, 9, 7, 8, 9, 9))}, rng)
    callers = exact_list({"self": 18, "father": 12, "mother": 46, "sibling": 9, "child": 3, "spouse": 4, "other": 3, NA: 1}, rng)
    sexes = exact_list({"male": 61, "female": 33, "other": 1, NA: 1}, rng)
    people = []
    for i in range(n):
        age = None if rng.random() < 0.04 else pick(rng, [(rng.randint(14, 19), 14), (rng.randint(20, 29), 26),
                                                           (rng.randint(30, 39), 22), (rng.randint(40, 49), 18),
                                                           (rng.randint(50, 59), 14), (rng.randint(60, 72), 6)])
        p = dict(design_class="intake", month=months[i], caller=callers[i], sex=sexes[i], age=age,
                 route=pick(rng, [("phone", 45), ("visit_office", 22), ("mail_form", 10), ("home_visit", 3), ("referral", 20)]),
                 household=pick(rng, [(1, 8), (2, 25), (3, 35), (4, 22), (5, 8), (6, 2)]),
                 duration_band=pick(rng, [("lt_6m", 6), ("6m_1y", 8), ("1y_3y", 20), ("3y_5y", 16), ("5y_10y", 20),
                                          ("10y_20y", 15), ("ge_20y", 7), (NA, 8)]),
                 non_attendance=pick(rng, [("no", 50), ("yes", 35), (NA, 15)]),
                 clinic=pick(rng, [("yes", 38), ("no", 52), (NA, 10)]),
                 medication=pick(rng, [("yes", 30), ("no", 58), (NA, 12)]),
                 family_talk=pick(rng, [("very_often", 10), ("often", 25), ("nod", 25), ("rarely", 22), ("never", 10), (NA, 8)]),
                 friends=pick(rng, [("yes", 20), ("no", 72), (NA, 8)]),
                 goes_out=pick(rng, [("yes", 55), ("no", 38), (NA, 7)]),
                 consent=pick(rng, [("yes", 85), ("no", 15)]),
                 referred_to=pick(rng, [("specialist", 48), ("self_reliance", 12), ("health_center", 9), ("community_care", 5),
                                        ("medical", 6), ("ibasho_family", 8), ("other", 4), ("advice_only", 8)]),
                 family_trouble="", self_trouble="")
        contents = {"hikikomori"}
        for key, pr in (("employment", 0.3), ("living_cost", 0.15), ("childcare", 0.03), ("care_disability", 0.12),
                        ("dv", 0.04), ("abuse", 0.02), ("health", 0.25), ("other", 0.08)):
            if rng.random() < pr:
                contents.add(key)
        if p["route"] == "referral" and rng.random() < 0.3:
            contents.discard("hikikomori")  # つなぐシート: referred for another matter, hikikomori found later
            contents.add("other")
        p["contents"] = contents
        people.append(p)
    troubles = ["昼夜逆転していて、話しかけても返事がない", "親が高齢になり、今後の生活が心配", "将来、お金のことが不安",
                "仕事を辞めてから部屋にこもっている", "どこに相談すればよいかわからなかった"]
    for k, i in enumerate(rng.sample(range(n), len(troubles))):
        people[i]["family_trouble"] = troubles[k]
    people[rng.randrange(n)]["self_trouble"] = "人と会うのが怖い、と言っている"
    people = finish(rng, people, "R2024-{:03d}")
    return dict(stem="data/samples/intake2024", cb=IN_CB, people=people, encoding="utf-8", newline="\n", bom=False,
                config="# ひきこもり相談受付票 2024年度（合成データ・架空）の実行設定。data/samples/generate_samples.py が生成。\n"
                       "# 相談の受付記録は母集団からの標本ではないため、hkstat estimate の対象外です（hkstat tabulate で集計）。\n"
                       "[estimate]\nmin_cell = 5\n",
                expected=dict(file="intake2024.csv", kind="intake", encoding="utf-8", line_endings="LF", n_rows=n,
                              counts=tally(IN_CB, people), age_missing=sum(1 for p in people if p["age"] is None)))


def tally(cb, people):
    """Answer counts of every code and multi variable, from the design dicts: key (or code) → n, plus no_answer."""
    out = {}
    for v in cb["vars"]:
        if v["type"] not in ("code", "multi"):
            continue
        entries = v["codes"] or v["columns"]
        c = {e["key"]: 0 for e in entries}
        c["no_answer"] = 0
        for p in people:
            val = p.get(v["field"])
            if v.get("derive"):  # a band of an integer: counted under the band's key
                src = p.get(next(w["field"] for w in cb["vars"] if w["name"] == v["derive"]["source"]))
                hit = [e["key"] for e in entries if src not in (None, NA) and e.get("min", -10**9) <= src <= e.get("max", 10**9)]
                val = hit[0] if hit else None
            if val is None or val == NA:
                c["no_answer"] += 1
            elif isinstance(val, (set, frozenset)):
                for k in val:
                    c[k] += 1
            else:
                c[val] += 1
        out[v["name"]] = c
    return out


def check_tabulation(ds):
    """Re-read a tabulate-only sample with the csv and tomllib modules and compare every answer count with the design."""
    stem = os.path.join(ROOT, ds["stem"])
    raw = open(stem + ".csv", "rb").read()
    exp = json.load(open(stem + ".expected.json", encoding="utf-8"))
    cb = tomllib.load(open(stem + ".codebook.toml", "rb"))
    assert cb["codebook"]["kind"] == exp["kind"]
    roles = {v.get("role") for v in cb["variable"]} - {None}
    assert roles <= {"id", "age", "sex"}, roles  # never outing/duration: these are not population samples
    assert raw.startswith(b"\xef\xbb\xbf") == (exp["encoding"] == "utf-8-sig")
    body = raw.decode(exp["encoding"])
    assert ("\r\n" in body) == (exp["line_endings"] == "CRLF")
    rows = list(csv.reader(io.StringIO(body, newline="")))
    header, rows = rows[0], rows[1:]
    assert len(rows) == exp["n_rows"] and all(len(r) == len(header) for r in rows)
    col = {h: i for i, h in enumerate(header)}
    got = {}
    for v in cb["variable"]:
        if v["type"] not in ("code", "multi"):
            continue
        miss = set(v.get("missing", []))
        entries = v.get("codes") or v.get("columns")
        c = {e["key"]: 0 for e in entries}
        c["no_answer"] = 0
        for r in rows:
            if "derive" in v:  # bands of an integer column: re-derived from the CSV
                s = r[col[v["derive"]["from"]]].strip()
                hit = [e for e in entries if s and e.get("min", -10**9) <= int(s) <= e.get("max", 10**9)]
                c[hit[0]["key"] if hit else "no_answer"] += 1
            elif v["type"] == "code":
                s = r[col[v["name"]]].strip()
                if s == "" or int(s) in miss:
                    c["no_answer"] += 1
                else:
                    c[next(e["key"] for e in entries if e["code"] == int(s))] += 1
            elif "columns" in v:
                cells = [r[col[e["name"]]].strip() for e in v["columns"]]
                if all(s == "" for s in cells):
                    c["no_answer"] += 1
                for e, s in zip(v["columns"], cells):
                    c[e["key"]] += s == "1"
                if v["name"] == "問4":
                    assert sum(s == "1" for s in cells) <= 3  # 3つまで
            else:
                toks = [t for t in r[col[v["name"]]].split(v["delimiter"]) if t.strip()]
                if not toks:
                    c["no_answer"] += 1
                for t in toks:
                    c[next(e["key"] for e in entries if e["code"] == int(t))] += 1
        got[v["name"]] = c
    assert got == exp["counts"], (ds["stem"], got, exp["counts"])
    return exp


# ---------------------------------------------------------------------------------------------------------------
# Independent check: re-read the written files and re-classify from the TOML files only.
# ---------------------------------------------------------------------------------------------------------------


def check(ds):
    stem = os.path.join(ROOT, ds["stem"])
    raw = open(stem + ".csv", "rb").read()
    exp = json.load(open(stem + ".expected.json", encoding="utf-8"))
    cb = tomllib.load(open(stem + ".codebook.toml", "rb"))
    cfg = tomllib.load(open(stem + ".hkstat.toml", "rb")) if os.path.exists(stem + ".hkstat.toml") else None
    # Encoding and line endings as declared.
    assert raw.startswith(b"\xef\xbb\xbf") == (exp["encoding"] == "utf-8-sig")
    body = raw.decode(exp["encoding"])
    if exp["line_endings"] == "CRLF":
        assert body.count("\n") == body.count("\r\n") > 0
    else:
        assert "\r" not in body
    rows = list(csv.reader(io.StringIO(body, newline="")))
    header, rows = rows[0], rows[1:]
    assert len(set(header)) == len(header)
    assert all(len(r) == len(header) for r in rows)
    col = {h: i for i, h in enumerate(header)}
    amin, amax = cb["codebook"]["age_min"], cb["codebook"]["age_max"]

    def norm(s):
        return unicodedata.normalize("NFKC", s).strip()

    fullwidth = 0
    recs = []
    ids = set()
    for r in rows:
        rec = {}
        for v in cb["variable"]:
            miss = set(v.get("missing", []))
            t, role = v["type"], v.get("role")
            name = role or v["name"]
            if t == "text":
                continue
            if t == "id":
                val = r[col[v["name"]]].strip()
                assert val and val not in ids
                ids.add(val)
                continue
            if t == "integer":
                cell = r[col[v["name"]]]
                if norm(cell) != cell.strip():
                    fullwidth += 1
                s = norm(cell)
                val = None if s == "" or int(s) in miss else int(s)
                if role == "age":
                    assert val is not None and amin <= val <= amax, val
                rec[name] = val
                continue
            if t == "code":
                s = norm(r[col[v["name"]]])
                if s == "" or int(s) in miss:
                    rec[name] = None
                    continue
                m = [c for c in v["codes"] if c["code"] == int(s)]
                assert m, (v["name"], s)
                rec[name] = m[0].get("key", "")
                if role == "duration":
                    rec["_ge6"] = m[0]["ge_6_months"]
                continue
            assert t == "multi"
            if "columns" in v:
                keys, answered = set(), False
                for c in v["columns"]:
                    s = norm(r[col[c["name"]]])
                    if s == "" or int(s) in miss:
                        continue
                    assert s in ("0", "1"), (c["name"], s)
                    answered = True
                    if s == "1":
                        keys.add(c["key"])
            else:
                keys, answered = set(), False
                for tok in r[col[v["name"]]].split(v["delimiter"]):
                    s = norm(tok)
                    if s == "" or int(s) in miss:
                        continue
                    m = [c for c in v["codes"] if c["code"] == int(s)]
                    assert m, (v["name"], s)
                    answered = True
                    keys.add(m[0].get("key", ""))
            rec[name] = keys if answered else None
        recs.append(rec)

    def leaf_or_group(c, rec):
        if "all" in c:
            return all(leaf_or_group(x, rec) for x in c["all"])
        if "any" in c:
            return any(leaf_or_group(x, rec) for x in c["any"])
        val = rec.get(c["role"])
        if val is None:
            return False
        if "in" in c:
            return val in c["in"]
        return bool(val & set(c["has_any"]))

    def classify(rs_id, records=None):
        rs = tomllib.load(open(os.path.join(ROOT, "data", "rulesets", rs_id + ".toml"), "rb"))
        semi, narrow = set(rs["core"]["semi"]), set(rs["core"]["narrow"])
        out = []
        for rec in (recs if records is None else records):
            o = rec.get("outing")
            if o is None:
                out.append((CLASS_NOT, "outing:missing"))
            elif o not in semi | narrow:
                out.append((CLASS_NOT, "outing:not_core"))
            elif rec.get("duration") is None and rs["core"].get("duration_missing", "not_case") != "case":
                out.append((CLASS_NOT, "duration:missing"))
            elif rec.get("duration") is not None and not rec["_ge6"]:
                out.append((CLASS_NOT, "duration:lt_6_months"))
            else:
                fired = next((e["id"] for e in rs.get("exclude", []) if leaf_or_group(e, rec)), None)
                if fired:
                    out.append((CLASS_EXCL, fired))
                else:
                    out.append((CLASS_NARROW if o in narrow else CLASS_SEMI, "core"))
        return out

    def summary(res):
        cls = Counter(c for c, _ in res)
        broad = [rec for rec, (c, _) in zip(recs, res) if c in (CLASS_NARROW, CLASS_SEMI)]
        return {"classes": {c: cls.get(c, 0) for c in (CLASS_NARROW, CLASS_SEMI, CLASS_EXCL, CLASS_NOT)},
                "broad": len(broad),
                "excluded_by_rule": dict(sorted(Counter(r for c, r in res if c == CLASS_EXCL).items())),
                "broad_by_outing": {k: sum(1 for b in broad if b["outing"] == k)
                                    for k in ("hobby_only", "neighborhood", "home_only", "room_only")}}, broad

    res = classify(exp["ruleset"])
    got, broad = summary(res)
    for k, v in got.items():
        assert exp[k] == v, (ds["stem"], k, exp[k], v)
    assert exp["n_rows"] == len(rows)
    assert exp["not_case_by_reason"] == dict(sorted(Counter(r for c, r in res if c == CLASS_NOT).items()))
    assert exp["fullwidth_cells"] == fullwidth
    for rs_id, want in exp.get("other_rulesets", {}).items():
        assert summary(classify(rs_id))[0] == want, (rs_id, want)
    # Profiles of the 広義 group and of the sample.
    for f, want in exp["profile_broad"].items():
        if f in ("age_band", "age_group"):
            got_p = {b: sum(1 for rec in broad if band_of(rec["age"], [b])) for b in want}
        else:
            c = Counter()
            for rec in broad:
                val = rec.get(f)
                if val is None:
                    continue
                c.update(val) if isinstance(val, set) else c.update([val])
            got_p = dict(c)
        got_p = {k: v for k, v in got_p.items() if v}
        assert got_p == {k: v for k, v in want.items() if v}, (ds["stem"], f, want, got_p)
    sample_sex = Counter(rec["sex"] for rec in recs if rec["sex"] is not None)
    assert sample_sex == Counter({k: v for k, v in exp["sample_profile"]["sex"].items() if k != NA}), sample_sex
    for g, want in exp.get("n_by_age_group", {}).items():
        assert sum(1 for rec in recs if band_of(rec["age"], [g])) == want
    if "homemaker_hardly_talk_in_broad" in exp:
        n = sum(1 for rec in broad if rec.get("occupation") == "homemaker" and rec.get("talk_nonfamily") == "hardly")
        assert n == exp["homemaker_hardly_talk_in_broad"] >= 3
    # Household members (家族票, [roster]): re-read the member columns, classify each member by the same rule-set
    # (roles the members are not asked read as 無回答), and compare with the design.
    if "roster" in cb:
        ro = cb["roster"]
        mrecs = []
        for r in rows:
            for n in range(1, ro["members"] + 1):
                cells = {v["name"]: norm(r[col[ro["pattern"].replace("{n}", str(n)).replace("{name}", v["name"])]])
                         for v in ro["variable"]}
                if all(c == "" for c in cells.values()):
                    continue
                rec = {}
                for v in ro["variable"]:
                    name, c, miss = v.get("role") or v["name"], cells[v["name"]], set(v.get("missing", []))
                    if v["type"] == "integer":
                        rec[name] = int(c) if c else None
                    elif v["type"] == "code":
                        m = [x for x in v["codes"] if c and int(c) not in miss and x["code"] == int(c)]
                        rec[name] = m[0]["key"] if m else None
                        if v.get("role") == "duration" and m:
                            rec["_ge6"] = m[0]["ge_6_months"]
                    else:
                        keys = {x["key"] for tok in c.split(v["delimiter"]) if tok for x in v["codes"] if x["code"] == int(tok)}
                        rec[name] = keys or None
                mrecs.append(rec)
        mres = classify(exp["ruleset"], mrecs)
        want = exp["roster"]
        assert len(mrecs) == want["members"], (len(mrecs), want["members"])
        assert dict(sorted(Counter(c for c, _ in mres).items())) == want["member_classes"]
        in_age = [amin <= rec["age"] <= amax for rec in mrecs]
        assert sum(1 for ok in in_age if not ok) == want["members_out_of_age"]
        counted = [rec for rec, (c, _), ok in zip(mrecs, mres, in_age) if ok and c in (CLASS_NARROW, CLASS_SEMI)]
        assert len(counted) == want["member_cases_counted"]
        assert {g: sum(1 for rec in counted if band_of(rec["age"], [g])) for g in want["counted_by_age_group"]} \
            == want["counted_by_age_group"]
        # Seed 001 over the 20 (respondents + counted members), re-read: 問22 / 家族N_最大理由, 問23 / 家族N_就業経験.
        for key, role in (("respondents_plus_members_main_reason", "main_reason"),
                          ("respondents_plus_members_work_experience", "work_experience")):
            if key in want:
                assert dict(sorted(Counter(rec.get(role) for rec in broad + counted).items())) == want[key], key
        if "respondents_plus_members_by_age10" in want:
            a10 = want["respondents_plus_members_by_age10"]
            assert {g: sum(1 for rec in broad + counted if band_of(rec["age"], [g])) for g in a10} == a10
        e = cfg["estimate"]
        assert estimate(got["broad"] + len(counted), len(rows), e["population"]) == exp["estimate"]["broad"]
        assert estimate(got["broad"], len(rows), e["population"]) == exp["estimate_respondents"]["broad"]
        member_cases = {"broad": len(counted), "narrow": sum(1 for rec, (c, _), ok in zip(mrecs, mres, in_age)
                                                               if ok and c == CLASS_NARROW)}
        member_cases["semi"] = member_cases["broad"] - member_cases["narrow"]
    else:
        member_cases = {"broad": 0, "narrow": 0, "semi": 0}
    # Estimates from the checked counts and the run configuration (or the reference population).
    est = exp.get("estimate")
    if est and cfg:
        e = cfg["estimate"]
        assert e["population"] == est["population"]
        rr = e.get("rate_rounding")
        unit = e.get("persons_unit", "person")
        for m, k in (("broad", got["broad"]), ("narrow", got["classes"][CLASS_NARROW]), ("semi", got["classes"][CLASS_SEMI])):
            assert estimate(k + member_cases[m], len(rows), e["population"], rr, unit) == est[m], (m, est[m])
    # 市民向け調査 (問39, 問40), re-read from the columns.
    for name, want in exp.get("resident_views", {}).items():
        v = next(v for v in cb["variable"] if v["name"] == name)
        miss = set(v.get("missing", []))
        if v["type"] == "code":
            c = Counter(next((x["key"] for x in v["codes"] if norm(r[col[name]]) and int(norm(r[col[name]])) == x["code"]
                              and x["code"] not in miss), "no_answer") for r in rows)
        else:
            c = Counter()
            for r in rows:
                cells = [norm(r[col[x["name"]]]) for x in v["columns"]]
                if all(x == "" for x in cells):
                    c["no_answer"] += 1
                c.update(x["key"] for x, cell in zip(v["columns"], cells) if cell == "1")
        assert {k: c.get(k, 0) for k in want} == want, (name, dict(c), want)
    # The Nishitokyo file must exercise quoting: a comma and a doubled quote inside fields.
    if exp["file"].startswith("nishitokyo"):
        assert any("," in f for r in rows for f in r) and any('"' in f for r in rows for f in r)
        assert b'""' in raw
    return got


# ---------------------------------------------------------------------------------------------------------------


def main():
    datasets = [build_nishitokyo(), build_cao2015(), build_cao2010(), build_cao2018()]
    tabulate_only = [build_agency(), build_intake()]
    for ds in datasets + tabulate_only:
        stem = os.path.join(ROOT, ds["stem"])
        write_csv(stem + ".csv", ds["cb"], ds["people"], ds["encoding"], ds["newline"], ds["bom"])
        write_text(stem + ".codebook.toml", codebook_toml(ds["cb"]))
        if ds["config"]:
            write_text(stem + ".hkstat.toml", ds["config"])
        write_text(stem + ".expected.json", json.dumps(ds["expected"], ensure_ascii=False, indent=2))
    for ds in datasets:
        got = check(ds)
        c = got["classes"]
        excl = ", ".join(f"{k} {v}" for k, v in got["excluded_by_rule"].items())
        companions = ".codebook.toml, .expected.json" + (", .hkstat.toml" if ds["config"] else "")
        print(f"{ds['stem']}.csv ({ds['expected']['encoding']}, {ds['expected']['line_endings']}): "
              f"{ds['expected']['n_rows']} rows; 狭義 {c[CLASS_NARROW]} + 準 {c[CLASS_SEMI]} = 広義 {got['broad']}; "
              f"除外 {c[CLASS_EXCL]} [{excl}]; 非該当 {c[CLASS_NOT]} — checked (+ {companions})")
    for ds in tabulate_only:
        exp = check_tabulation(ds)
        print(f"{ds['stem']}.csv ({exp['encoding']}, {exp['line_endings']}): {exp['n_rows']} rows, kind = {exp['kind']}; "
              f"answer counts of {len(exp['counts'])} questions — checked (+ .codebook.toml, .expected.json, .hkstat.toml)")


if __name__ == "__main__":
    main()
