#!/usr/bin/env python3
"""tests/data/trend/make_nishitokyo_rounds.py — two earlier synthetic rounds (架空) of the 西東京市 sample for the
distribution trend tests of `hkstat compare` (2018, 2021 beside data/samples/nishitokyo2024.csv).

Run from the repository root:   python3 tests/data/trend/make_nishitokyo_rounds.py
Writes tests/data/trend/nishitokyo{2018,2021}.csv and their run configuration (the 2024 rule-set and age groups),
which names the 2024 sample's codebook (data/samples/nishitokyo2024.codebook.toml: the same questionnaire, one
codebook, no copy to drift). Each round is made deterministically from the 2024 rows:
rows drawn with replacement by a fixed linear congruential generator (no library random numbers, so every Python
gives the same file); awareness of the desk (問37 知っている) is lower in earlier rounds (a share of 知っている
moved to 知らない) and the wish to use it (問38 利用したい) too (moved to わからない). Never edits the inputs.
"""
import pathlib
import sys

sys.dont_write_bytecode = True
from rounds import draw, lcg, read_rows, write_rows  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[3]
SAMPLES = ROOT / "data/samples"
OUT = ROOT / "tests/data/trend"

# year: rows, 1 in K of 問37 = 1 moved to 2, 1 in K of 問38 = 1 moved to 3
ROUNDS = {2018: (620, 2, 3), 2021: (700, 4, 5)}


def main():
    header, body = read_rows(SAMPLES / "nishitokyo2024.csv", encoding="utf-8-sig")
    aware, wish = header.index("問37"), header.index("問38")
    for year, (n, k_aware, k_wish) in ROUNDS.items():
        rnd = lcg(year)

        def earlier(row):
            if row[aware] == "1" and next(rnd) % k_aware == 0:
                row[aware] = "2"
            if row[wish] == "1" and next(rnd) % k_wish == 0:
                row[wish] = "3"

        write_rows(OUT / f"nishitokyo{year}.csv", header, draw(body, n, rnd, lambda i: f"NT{year % 100:02d}-{i + 1:04d}", earlier))
        (OUT / f"nishitokyo{year}.hkstat.toml").write_text(
            f"# 西東京市 社会参加に関する調査 {year}（合成データ・架空）: tests/data/trend/make_nishitokyo_rounds.py\n"
            "[input]\n"
            'codebook = "../../../data/samples/nishitokyo2024.codebook.toml"  # the 2024 questionnaire, unchanged\n'
            "[estimate]\n"
            'ruleset = "cao2022-scz-physical"\n'
            'age_groups = ["15-39", "40-64"]\n',
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
