#!/usr/bin/env python3
"""Writes newlayout.csv: data/samples/nishitokyo2024.csv (synthetic, 架空) in another municipality's layout —
descriptive Japanese headers instead of question numbers, columns in another order, CP932, CRLF — the input of
the `hkstat codebook init` golden cases (tests/cli/cases/codebook_init_*). Same respondents, so the estimate of
the filled codebook (newlayout.codebook.toml) must be nishitokyo2024's: 810 valid, 20 cases, 3,239 persons.
Run from the repository root: python3 tests/data/codebook/make_newlayout.py"""
import csv
import io

RENAME = {
    "回答者ID": "ID",
    "問1": "性別",
    "問2": "年齢",
    "問3": "婚姻状況",
    "問17": "ふだんの外出の頻度",
    "問18": "現在の外出状況になってからの期間",
    "問20": "職業",
    "問21_その他": "きっかけ_その他の内容",
    "問21_病名": "きっかけ_病名",
    "問21_病名コード": "病名の分類",
    "問21_その他コード": "その他の分類",
    "問22": "最も大きなきっかけ",
    "問23": "就業経験",
    "問24": "家族以外の人との会話",
    "問37": "相談窓口の認知",
    "問38": "相談窓口の利用意向",
}
HOME = ["家事・育児", "介護・看護", "テレビ", "インターネット・SNS", "ゲーム", "読書", "趣味", "その他"]
REASONS = ["病気", "妊娠", "出産・育児", "介護・看護", "学校になじめなかった", "受験の失敗", "就職活動", "職場になじめなかった",
           "人間関係", "退職", "新型コロナウイルス", "その他"]
for i, label in enumerate(HOME, 1):
    RENAME[f"問19_{i}"] = f"自宅での過ごし方_{label}"
for i, label in enumerate(REASONS, 1):
    RENAME[f"問21_{i}"] = f"きっかけ_{label}"
# Another order: the profile first, the reasons before the main questions.
FIRST = ["回答者ID", "問2", "問1", "問3", "問20", "問23", "問17", "問18"]

with open("data/samples/nishitokyo2024.csv", encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f))
header, body = rows[0], rows[1:]
order = [header.index(c) for c in FIRST] + [i for i, c in enumerate(header) if c not in FIRST]
out = io.StringIO(newline="")
w = csv.writer(out, lineterminator="\r\n")
w.writerow([RENAME[header[i]] for i in order])
for r in body:
    w.writerow([r[i] for i in order])
with open("tests/data/codebook/newlayout.csv", "wb") as f:
    f.write(out.getvalue().encode("cp932"))
