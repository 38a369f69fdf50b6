#!/usr/bin/env python3
"""tests/cli/compare_outputs_check.py HKSTAT SOURCE_DIR — the workbook (`--xlsx`) and the Word document (`--docx`) of
`hkstat compare` (docs/reports.md, "Trend charts of distributions"; docs/cli.md, "hkstat compare").

Runs the trend of the 西東京市 rounds (tests/data/trend/nishitokyo2018/2021, data/samples/nishitokyo2024) with a
single- and a multiple-answer question and checks with openpyxl (Debian python3-openpyxl) and the zip's XML:
Japanese sheet names 表1 … (prevalence, then one per question), データ, 方法と出典; every number a number with a
number format and never "*", "—" or "Inf" as text; A4 with the title and header rows repeated; one native chart
per question, 100% stacked (percentStacked) for the single-answer question and clustered bars for the multiple
answer; the data sheet holds every row of `--format csv` of the same run, value for value; the table's percentages
are the CSV's estimates; a suppressed value is empty. Then the English workbook's sheet names. The Word document
(python3-docx): headings 表1 … numbered in order, one per table of the text output, one Word table each, one
picture per chart (the prevalence and each question) captioned 図1 … once, A4; two surveys: one table per question.
"""
import csv
import io
import os
import re
import subprocess
import sys
import tempfile

import docx
import openpyxl

sys.dont_write_bytecode = True
from office_check import (check, check_a4, check_about_version, check_captions, check_japanese_styles, check_no_text_specials,  # noqa: E402
                          check_numbered, check_table_sheet, chart_groupings, failures, headings)

hk, src = sys.argv[1], sys.argv[2]
os.chdir(src)


ARGS = ["compare", "tests/data/trend/nishitokyo2018.csv", "tests/data/trend/nishitokyo2021.csv", "data/samples/nishitokyo2024.csv",
        "--label", "2018", "--label", "2021", "--label", "2024", "--var", "問37,問21", "--domain", "all,broad"]

with tempfile.TemporaryDirectory() as tmp:
    xlsx = os.path.join(tmp, "trend.xlsx")
    r = subprocess.run([hk, *ARGS, "--xlsx", xlsx], capture_output=True)
    check(r.returncode == 0, f"compare --xlsx failed: {r.stderr.decode()}")
    csv_out = subprocess.run([hk, *ARGS, "--format", "csv"], capture_output=True, check=True).stdout.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(csv_out)))
    wb = openpyxl.load_workbook(xlsx)
    names = wb.sheetnames
    table_sheets = [n for n in names if re.match(r"^表\d+ ", n)]
    check(len(table_sheets) == 3, f"table sheets {names}")
    check(table_sheets[0].startswith("表1 広義のひきこもり群の出現率の推移"), f"first sheet {table_sheets[0]}")
    check(table_sheets[1].startswith("表2 問37") and table_sheets[2].startswith("表3 問21"), f"question sheets {table_sheets}")
    check(names[-2:] == ["データ", "方法と出典"], f"last sheets {names[-2:]}")
    check_no_text_specials(wb, "")
    for n in table_sheets:
        ws = wb[n]
        check_table_sheet(ws, "", n.split(" ")[0] + "\u3000", 5, ("#,##0", "0.0%"), ("0.0%",))
        # Header row 3: the surveys (with n), so that a reader sees the base of every column.
        heads = [c.value for c in ws[3] if c.value]
        check(any(str(h).startswith("2018") or "・2018" in str(h) for h in heads), f"sheet {n} headers {heads}")
    # 表2: the 問37 shares of 回答者全体 in 2024 are the CSV's estimates.
    ws = wb[table_sheets[1]]
    head3 = [c.value for c in ws[3]]
    col = next(i for i, h in enumerate(head3) if h == "回答者全体・2024（n=810）")
    got = {ws.cell(row=r, column=1).value: ws.cell(row=r, column=col + 2).value for r in range(5, 8)}
    want = {r["label"]: float(r["estimate"]) for r in rows if r["variable"] == "問37" and r["domain"] == "all" and r["survey"] == "2024"}
    for label, v in want.items():
        check(label in got and abs(got[label] - v) < 1e-12, f"表2 {label} 2024: {got.get(label)!r}, CSV {v}")
    # A suppressed value is empty in the sheet: every suppressed CSV count of 問21 has an empty cell.
    hidden = [r for r in rows if r["variable"] == "問21" and r["suppressed"] == "1" and r["count"] == ""]
    check(len(hidden) > 0, "問21 has no suppressed cell (the test would not see one)")
    # Data sheet: every CSV row, value for value.
    ws = wb["データ"]
    head = [c.value for c in ws[1]]
    check(head == list(rows[0].keys()), f"data sheet header {head}")
    data_rows = [dict(zip(head, [c.value for c in r])) for r in ws.iter_rows(min_row=2)]
    check(len(data_rows) == len(rows), f"data sheet {len(data_rows)} rows, CSV {len(rows)}")
    for i, (want_row, got_row) in enumerate(zip(rows, data_rows)):
        for k, v in want_row.items():
            x = got_row.get(k)
            if v in ("", "Inf", "-Inf"):
                check(x is None, f"data row {i} {k} = {x!r}, CSV {v!r}")
                continue
            try:
                ok = isinstance(x, (int, float)) and abs(float(x) - float(v)) <= 1e-12 * max(1.0, abs(float(v)))
            except ValueError:
                ok = False
            if not ok:
                ok = str(x) == v
            check(ok, f"data row {i} {k} = {x!r}, CSV {v!r}")
    check_about_version(wb["方法と出典"], "")
    about = [r[0].value for r in wb["方法と出典"].iter_rows()]
    check(any(str(k).startswith("調査 2018") for k in about), f"about sheet lacks the surveys: {about}")
    # Native charts: one per question; 問37 (single answer) 100% stacked, 問21 (multiple answer) clustered bars.
    groupings = chart_groupings(xlsx)
    check(groupings == ["percentStacked", "clustered"], f"native chart groupings {groupings}")

    # English: the same workbook with English sheet names.
    xlsx_en = os.path.join(tmp, "trend_en.xlsx")
    subprocess.run([hk, *ARGS, "--lang", "en", "--xlsx", xlsx_en], capture_output=True, check=True)
    names_en = openpyxl.load_workbook(xlsx_en).sheetnames
    check(names_en[0].startswith("Table 1 ") and names_en[-2:] == ["Data", "About"], f"English sheets {names_en}")


def check_docx(path, n_tables, n_figures, what):
    d = docx.Document(path)
    heads = headings(d)
    numbered = [h for h in heads if re.match(r"表\d+\u3000", h)]
    check_numbered(numbered, "表", n_tables, what + " table headings")
    check(all(len(h) > len("表1\u3000") + 4 and "の" in h for h in numbered), f"{what}: table headings without their titles: {numbered}")
    check(len(d.tables) == n_tables, f"{what}: {len(d.tables)} Word tables for {n_tables}")
    check("方法" in heads and "集計表" in heads, f"{what}: headings {heads[:4]}")
    check_captions(d, "図", n_figures, what, "\u3000")
    check_a4(d, what)
    check_japanese_styles(path, what)


with tempfile.TemporaryDirectory() as tmp:
    # Three surveys: the prevalence table, then per question the table of the surveys as columns and the changes.
    path = os.path.join(tmp, "trend.docx")
    r = subprocess.run([hk, *ARGS, "--docx", path], capture_output=True)
    check(r.returncode == 0, f"compare --docx failed: {r.stderr.decode()}")
    if r.returncode == 0:
        check_docx(path, 1 + 2 * 2, 1 + 2, "three surveys")
    # Two surveys, no prevalence: one table and one chart per question.
    path2 = os.path.join(tmp, "pair.docx")
    r = subprocess.run([hk, "compare", "tests/data/trend/nishitokyo2021.csv", "data/samples/nishitokyo2024.csv", "--label", "2021", "--label", "2024",
                        "--var", "問37", "--no-prevalence", "--docx", path2], capture_output=True)
    check(r.returncode == 0, f"compare --docx (two surveys) failed: {r.stderr.decode()}")
    if r.returncode == 0:
        check_docx(path2, 1, 1, "two surveys")

for f in failures:
    print("FAIL:", f)
print(f"compare_outputs_check: {len(failures)} failures")
sys.exit(1 if failures else 0)
