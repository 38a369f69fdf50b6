#!/usr/bin/env python3
"""Generate data/samples/agency2024_counts.*: the 西東京市 関係機関向け調査 2024 sample (agency2024.csv, synthetic, 架空)
given as numbers per category — the form in which an agency reports "we have 7 people in category X".

ALL DATA ARE SYNTHETIC (架空のデータ). Each row is one combination of 問1 (機関の種別), 問2 (関わった経験) and 問3
(当事者の年代) with its number of people in the column 人数 (role count); rows of agency2024.csv with the same three
answers become one row. hkstat tabulate of this file counts people, so its tables of 問1, 問2 and 問3 are those of
agency2024.csv (tests/unit/test_counts.cpp and the CLI golden counts_same_as_rows check it). Run from the repository
root after generate_samples.py: python3 data/samples/generate_counts.py (standard library only, deterministic).
"""
import csv
import io
import json
import os
import re
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "data", "samples")
SRC, STEM = "agency2024", "agency2024_counts"
KEYS = ["問1", "問2", "問3"]


def main():
    with open(os.path.join(OUT, SRC + ".csv"), encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    counts = Counter(tuple(r[k] for k in KEYS) for r in rows)
    ordered = sorted(counts, key=lambda t: tuple(int(x) if x else 0 for x in t))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(KEYS + ["人数"])
    for key in ordered:
        w.writerow(list(key) + [counts[key]])
    # One category with no one in it (an agency that reports 0): left out of every table.
    w.writerow(["9", "1", "1", 0])
    with open(os.path.join(OUT, STEM + ".csv"), "w", encoding="utf-8", newline="") as f:
        f.write(buf.getvalue())

    # The codebook: the three variables of agency2024.codebook.toml, plus the count column.
    with open(os.path.join(OUT, SRC + ".codebook.toml"), encoding="utf-8") as f:
        src = f.read()
    blocks = re.split(r"\n(?=\[\[variable\]\])", src)
    keep = [b for b in blocks[1:] if re.search(r'^name = "(%s)"$' % "|".join(KEYS), b, re.M)]
    head = (
        "# 西東京市 関係機関向け調査 2024（合成データ・架空）: 区分ごとの人数の形（1行 = 問1・問2・問3 の組合せと人数）。\n"
        "# data/samples/generate_counts.py が agency2024.csv から生成。回答はすべて架空です。\n\n"
        "[codebook]\n"
        'title = "西東京市 関係機関向け調査 2024 区分ごとの人数（合成データ・架空）"\n'
        'kind = "agency"\n'
        'questionnaire = "nishitokyo2024_agency"\n'
        "age_min = 0\n"
        "age_max = 150\n\n"
        "[[variable]]\n"
        'name = "人数"\n'
        'role = "count"\n'
        'type = "integer"\n'
        'label = "この区分に当てはまる人数"\n\n'
    )
    with open(os.path.join(OUT, STEM + ".codebook.toml"), "w", encoding="utf-8", newline="") as f:
        f.write(head + "\n".join(b.rstrip("\n") + "\n" for b in keep))
    with open(os.path.join(OUT, STEM + ".hkstat.toml"), "w", encoding="utf-8", newline="") as f:
        f.write("# agency2024_counts の実行設定。data/samples/generate_counts.py が生成。\n[estimate]\nmin_cell = 5\n")

    expected = {"file": STEM + ".csv", "kind": "agency", "n_rows": len(ordered) + 1, "people": len(rows),
                "counts": {k: dict(sorted(Counter(r[k] or "no_answer" for r in rows).items())) for k in KEYS}}
    with open(os.path.join(OUT, STEM + ".expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=False, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
