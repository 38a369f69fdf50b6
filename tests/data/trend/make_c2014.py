#!/usr/bin/env python3
"""tests/data/trend/make_c2014.py — a third synthetic round (架空) for the trend tests of `hkstat compare`.

Run from the repository root:   python3 tests/data/trend/make_c2014.py
Writes tests/data/trend/c2014.csv: a "2014" survey in the 2019 layout (tests/data/compare/a2019.csv, read with
its codebook tests/data/compare/a2019.codebook.toml), made deterministically from the 2019 rows: 500 rows drawn
with replacement by a fixed linear congruential generator (no library random numbers, so every Python gives the
same file), and about a third of the respondents who stay at home (outing codes 5-8) are moved to code 4
(人づきあいのためにときどき外出する), so that 2014 has a lower prevalence than 2019. Never edits the inputs.
"""
import pathlib
import sys

sys.dont_write_bytecode = True
from rounds import draw, lcg, read_rows, write_rows  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[3]
SRC = ROOT / "tests/data/compare/a2019.csv"
OUT = ROOT / "tests/data/trend/c2014.csv"


def main():
    header, body = read_rows(SRC)
    outing = header.index("Q20")
    rnd = lcg(2014)

    def fewer_at_home(row):
        if row[outing] in ("5", "6", "7", "8") and next(rnd) % 3 == 0:
            row[outing] = "4"

    write_rows(OUT, header, draw(body, 500, rnd, lambda i: f"C{i + 1:04d}", fewer_at_home))


if __name__ == "__main__":
    main()
