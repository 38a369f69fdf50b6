#!/usr/bin/env python3
# tests/data/counts: a population survey given as numbers per category (role count), for the cases that check that
# a counted file streams with the same output as when it was read whole and expanded (tests/cli/cases/counts_*,
# tests/unit/test_counts_stream.cpp). Synthetic (架空). Deterministic: python3 generate.py rewrites counted.csv.
import csv
import random

rng = random.Random(20261206)
ages = [17, 24, 33, 38, 45, 52, 58, 63]
rows = []
for i in range(90):
    sex = rng.choice([1, 1, 2, 2, 9]) if i % 17 else 9
    age = rng.choice(ages)
    outing = rng.choice([1, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    duration = rng.choice(["", 1, 2, 3, 4, 5, 6]) if outing >= 5 else ""
    reasons = rng.choice(["", "1", "2", "3", "4", "1;4", "2;3"]) if outing >= 5 else ""
    aware = rng.choice([1, 2, 2, 9])
    responded = 1 if rng.random() < 0.85 else 2
    count = rng.choice([0, 1, 1, 2, 3, 4, 5, 6, 8, 12]) if i != 41 else 37
    rows.append([sex, age, outing, duration, reasons, aware, responded, count])
with open("counted.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["性別", "年齢", "外出", "期間", "きっかけ", "窓口", "回答", "人数"])
    w.writerows(rows)
