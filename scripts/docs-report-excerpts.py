#!/usr/bin/python3
"""scripts/docs-report-excerpts.py — the excerpts of docs/reports.md ("What the outputs look like"), made from the
report of the 西東京市 sample, so that the page shows what users see and stays true.

The report is the golden folder tests/cli/cases/report_nishitokyo/files/out: `hkstat report
data/samples/nishitokyo2024.csv` byte for byte (the golden test cli.report_nishitokyo checks it). From it:
  md      the section of one table in report.md, as a Markdown quote (without its picture line: the picture is
          shown on its own under "The chart");
  xlsx    the cells of the same table's sheet in report.xlsx (openpyxl), as stored and as Excel shows them with
          their number formats: bold title and headers, merged header ranges, empty cells.
Each goes between <!-- BEGIN GENERATED EXCERPT NAME --> and <!-- END GENERATED EXCERPT NAME --> in docs/reports.md.

Usage (from the repository root, Debian's python3 with python3-openpyxl):
  scripts/docs-report-excerpts.py            rewrite the blocks
  scripts/docs-report-excerpts.py --check    exit 1 if a block differs (test docs.report_excerpts)
"""
import os
import re
import sys

import openpyxl
from openpyxl.utils import get_column_letter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests/cli/cases/report_nishitokyo/files/out")
DOC = os.path.join(ROOT, "docs/reports.md")
TABLE = 4  # 表4: the sex table (a cross-table over three groups with suppressed and low-precision cells)


def md_excerpt():
    with open(os.path.join(OUT, "report.md"), encoding="utf-8") as f:
        text = f.read()
    m = re.search(rf"^### 表{TABLE}　.*?(?=^### |\Z)", text, re.S | re.M)
    # Links of the folder (tables/x.csv) are made relative to docs/, so that they open from the page.
    rel = "../tests/cli/cases/report_nishitokyo/files/out/"
    lines = [re.sub(r"\]\((tables|charts)/", lambda k: "](" + rel + k.group(1) + "/", l) for l in m.group(0).rstrip("\n").split("\n") if not l.startswith("![")]
    out, blank = [], False
    for l in lines:  # one blank line at most, none at the end
        if l == "" and blank:
            continue
        blank = l == ""
        out.append(l)
    while out and out[-1] == "":
        out.pop()
    return "\n".join("> " + l if l else ">" for l in out)


def shown(cell):
    v = cell.value
    if v is None:
        return ""
    if isinstance(v, (int, float)):
        fmt = cell.number_format
        if fmt == "#,##0":
            return f"{v:,.0f}"
        m = re.fullmatch(r"0\.(0+)%", fmt)
        if m:
            return f"{v * 100:.{len(m.group(1))}f}%"
        if fmt == "0%":
            return f"{v * 100:.0f}%"
        m = re.fullmatch(r"0\.(0+)", fmt)
        if m:
            return f"{v:.{len(m.group(1))}f}"
        return str(v)
    return str(v).replace("|", "\\|")


def xlsx_excerpt():
    wb = openpyxl.load_workbook(os.path.join(OUT, "report.xlsx"))
    name = next(n for n in wb.sheetnames if n.startswith(f"表{TABLE} "))
    ws = wb[name]
    merged = {}
    covered = set()
    for rng in ws.merged_cells.ranges:
        merged[(rng.min_row, rng.min_col)] = rng
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    covered.add((r, c))
    ncols = 1
    rows = []
    for row in ws.iter_rows():
        if all(c.value is None for c in row) and not any((c.row, c.column) in merged for c in row):
            continue
        rows.append(row)
        for c in row:
            if c.value is not None:
                ncols = max(ncols, c.column)
    lines = [f"**report.xlsx**, sheet `{name}` (the cells as Excel shows them with their number formats; an empty cell "
             "is *(empty)*; a native chart to the right of the table):", "",
             "| | " + " | ".join(get_column_letter(i) for i in range(1, ncols + 1)) + " |",
             "|---|" + "---|" * ncols]
    for row in rows:
        cells = []
        first_row_of_values = False
        for c in row[:ncols]:
            if (c.row, c.column) in covered:
                cells.append("")
                continue
            s = shown(c)
            if s and c.font is not None and c.font.b:
                s = f"**{s}**"
            rng = merged.get((c.row, c.column))
            if rng is not None and rng.max_col > rng.min_col:
                s += f" (merged {get_column_letter(rng.min_col)}:{get_column_letter(rng.max_col)})"
            elif rng is not None and rng.max_row > rng.min_row:
                s += f" (merged rows {rng.min_row}–{rng.max_row})"
            if not s and isinstance(c.value, type(None)) and c.column > 1 and c.has_style and c.number_format not in ("General",):
                s = "*(empty)*"
            cells.append(s)
            first_row_of_values = first_row_of_values or bool(s)
        while len(cells) < ncols:
            cells.append("")
        lines.append(f"| {row[0].row} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def replace(doc, name, body):
    begin = f"<!-- BEGIN GENERATED EXCERPT {name} (scripts/docs-report-excerpts.py; do not edit) -->"
    end = f"<!-- END GENERATED EXCERPT {name} -->"
    i, j = doc.find(begin), doc.find(end)
    if i < 0 or j < 0:
        sys.exit(f"docs/reports.md: the markers of the excerpt {name} are missing")
    return doc[: i + len(begin)] + "\n" + body + "\n" + doc[j:]


def main():
    with open(DOC, encoding="utf-8") as f:
        doc = f.read()
    new = replace(replace(doc, "md", md_excerpt()), "xlsx", xlsx_excerpt())
    if "--check" in sys.argv[1:]:
        if new != doc:
            print("docs/reports.md: the generated excerpts differ from the report of the sample; run scripts/docs-report-excerpts.py")
            sys.exit(1)
        print("docs/reports.md excerpts match the sample's report")
        return
    with open(DOC, "w", encoding="utf-8") as f:
        f.write(new)


if __name__ == "__main__":
    main()
