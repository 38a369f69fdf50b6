#!/usr/bin/python3
"""Checks the golden report folders of tests/cli/cases/report_*/files/out beyond byte equality:

* the workbook opens with openpyxl: one sheet per table ("表N …"), a data sheet holding every distribution CSV
  row value for value, the method sheet last; no number stored as text ("Inf", "—", "*"), every number with a
  number format; A4 with print titles; one native chart (xl/charts/) per SVG chart;
* every chart is well-formed SVG (xml.etree) and rasterises (rsvg-convert);
* report.md renders as GitHub-flavoured Markdown (cmark-gfm): one <table> per table, every image and CSV
  link points to a file of the folder;
* the figures the 西東京市 sample was generated to reproduce (data/samples/nishitokyo2024.expected.json,
  written by data/samples/generate_samples.py, independent of hkstat) are in the CSVs of the run without
  suppression (report_nishitokyo_en), and the suppressed run hides every 1-4 count.

* with the hkstat binary as a second argument: the reports of the agency and intake samples (data/samples/agency2024,
  intake2024; their golden cases hold report.md and the CSVs only) pass the same folder checks — workbook, charts,
  Markdown — written to a temporary folder.

Usage: report_check.py SOURCE_DIR [HKSTAT]
"""
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
import xml.etree.ElementTree as ET

import openpyxl

sys.dont_write_bytecode = True
from office_check import check, check_about_version, check_no_text_specials, check_table_sheet, chart_groupings, failures  # noqa: E402

src = sys.argv[1]
cases = os.path.join(src, "tests/cli/cases")


def read_csv(path):
    with open(path, "rb") as f:
        data = f.read()
    bom = data.startswith(b"\xef\xbb\xbf")
    return bom, list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def check_folder(case, bom_expected, out=None):
    out = out or os.path.join(cases, case, "files/out")
    tables = sorted(f[:-4] for f in os.listdir(os.path.join(out, "tables")))
    chart_files = os.listdir(os.path.join(out, "charts")) if os.path.isdir(os.path.join(out, "charts")) else []
    charts = sorted(f[:-4] for f in chart_files if f.endswith(".svg"))
    # A PNG beside every SVG (rendered in-process by librsvg), and nothing else.
    check(sorted(f[:-4] for f in chart_files if f.endswith(".png")) == charts and len(chart_files) == 2 * len(charts), f"{case}: chart files {chart_files}")
    for c in charts:
        with open(os.path.join(out, "charts", c + ".png"), "rb") as f:
            check(f.read(8) == b"\x89PNG\r\n\x1a\n", f"{case}: charts/{c}.png is not a PNG")
    # CSV: BOM as requested, a header row, machine columns only.
    for t in tables:
        bom, rows = read_csv(os.path.join(out, "tables", t + ".csv"))
        check(bom == bom_expected, f"{case}: tables/{t}.csv BOM {bom}, expected {bom_expected}")
        check(len(rows) > 0, f"{case}: tables/{t}.csv has no rows")
        for r in rows:
            if r.get("suppressed") == "1":  # prevalence: cases and rate hidden (n is the published base); distributions: n and percent
                hidden = ("cases", "rate", "persons") if "cases" in r else ("n", "percent", "percent_responses")
                check(all(r.get(k, "") == "" for k in hidden), f"{case}: tables/{t}.csv shows a suppressed value: {r}")
    # Workbook: one sheet per table named by its number ("表N …" / "Table N …"), the data sheet for machines,
    # the method sheet; numbers are numbers with a number format, never text; print setup; native charts.
    xlsx = os.path.join(out, "report.xlsx")
    wb = openpyxl.load_workbook(xlsx)
    en = case.endswith("_en")
    names = wb.sheetnames
    table_sheets = [n for n in names if re.match(r"^(Table \d+|表\d+)( |$)", n)]
    check(len(table_sheets) == len(tables), f"{case}: table sheets {table_sheets} vs tables {tables}")
    check(names[-1] == ("About" if en else "方法と出典"), f"{case}: last sheet {names[-1]}")
    data_name = "Data" if en else "データ"
    check(data_name in names, f"{case}: no sheet {data_name}")
    check_no_text_specials(wb, f"{case}: ")
    for n in table_sheets:
        check_table_sheet(wb[n], f"{case}: ", n.split(" ")[0] if not en else "Table ", 3,
                          ("#,##0", "0.0%", "0%", "0.00%", "0.0000", "0.0", "0.00", "General"), ("0.0%", "0%", "0.00%"))
    # The data sheet holds every distribution CSV row, value for value (numbers as numbers, empty as empty).
    ws = wb[data_name]
    head = [c.value for c in ws[1]]
    data_rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    by_table = {}
    for d in data_rows:
        by_table.setdefault(d[0], []).append(dict(zip(head, d)))
    k = 0
    for t in tables:
        _, rows = read_csv(os.path.join(out, "tables", t + ".csv"))
        if "measure" in rows[0]:
            continue  # the prevalence table is its own sheet
        mine = by_table.get(t, [])
        check(len(mine) == len(rows), f"{case}: data sheet has {len(mine)} rows of {t}, the CSV {len(rows)}")
        for i, (r, got) in enumerate(zip(rows, mine)):
            k += 1
            for key, v in r.items():
                x = got.get(key)
                if v in ("", "Inf", "-Inf"):
                    check(x is None, f"{case}: data {t} row {i} {key} = {x!r}, CSV {v!r}")
                else:
                    try:
                        ok = isinstance(x, (int, float)) and abs(float(x) - float(v)) <= 1e-12 * max(1.0, abs(float(v)))
                    except ValueError:
                        ok = str(x) == v
                    if not ok and not isinstance(x, (int, float)):
                        ok = str(x) == v.lstrip("'")
                    check(ok, f"{case}: data {t} row {i} {key} = {x!r}, CSV {v!r}")
    check(k == len(data_rows), f"{case}: data sheet has {len(data_rows)} rows, the CSVs {k}")
    # Native charts: one per table with a chart that has percentages to draw (the prevalence chart has no native twin:
    # its sheet is the long prevalence table, measures × age groups).
    native = [c for c in charts if not c.startswith("prevalence")]

    groupings = chart_groupings(xlsx)
    n_charts = len(groupings)
    check(n_charts == len(native) and (n_charts > 0) == (len(native) > 0), f"{case}: {n_charts} Excel charts for {len(native)} SVG distribution charts")
    # A 帯グラフ (100% stacked SVG: its segments) has a native 100% stacked bar chart as its twin, the others grouped bars.
    stacked = [c for c in native if 'class="segment"' in open(os.path.join(out, "charts", c + ".svg"), encoding="utf-8").read()]
    n_stacked = groupings.count("percentStacked")
    check(n_stacked == len(stacked), f"{case}: {n_stacked} native 100% stacked charts for {len(stacked)} stacked SVG charts {stacked}")
    check_about_version(wb[names[-1]], f"{case}: ")
    # Charts.
    for c in charts:
        path = os.path.join(out, "charts", c + ".svg")
        root = ET.parse(path).getroot()
        check(root.tag == "{http://www.w3.org/2000/svg}svg", f"{case}: {c}.svg root is {root.tag}")
        png = subprocess.run(["rsvg-convert", path], capture_output=True)
        check(png.returncode == 0 and png.stdout.startswith(b"\x89PNG"), f"{case}: rsvg-convert failed on {c}.svg: {png.stderr!r}")
    # Markdown.
    html = subprocess.run(["cmark-gfm", "-e", "table", os.path.join(out, "report.md")], capture_output=True, text=True, check=True).stdout
    md = open(os.path.join(out, "report.md"), encoding="utf-8").read()
    # Provenance names files relative to the report folder: no absolute path anywhere in report.md.
    check(re.search(r"(^|[`(\s])/[A-Za-z0-9_.-]+/", md, re.M) is None and os.path.abspath(src) not in md, f"{case}: an absolute path in report.md")
    n_tables = md.count("\n|:---")
    check(html.count("<table>") == n_tables and n_tables > 0, f"{case}: {html.count('<table>')} HTML tables for {n_tables} Markdown tables")
    imgs = re.findall(r'<img src="([^"]+)"', html)
    check(sorted(i[len("charts/"):-4] for i in imgs) == charts, f"{case}: images {imgs} vs charts {charts}")
    for link in re.findall(r'<a href="([^"]+)"', html):
        check(os.path.isfile(os.path.join(out, link)), f"{case}: link {link} has no file")
    return out


for case, bom in [("report_nishitokyo", True), ("report_nishitokyo_en", False), ("report_agency", True), ("report_custom_template", True)]:
    check_folder(case, bom)

# Figures the sample was built to reproduce, from the unsuppressed run.
expected = json.load(open(os.path.join(src, "data/samples/nishitokyo2024.expected.json"), encoding="utf-8"))
codebook = tomllib.load(open(os.path.join(src, "data/samples/nishitokyo2024.codebook.toml"), "rb"))
keys = {}
for v in codebook["variable"]:
    for c in v.get("codes", []) + v.get("columns", []):
        keys[(v["name"], str(c["code"]))] = c["key"]
out_en = os.path.join(cases, "report_nishitokyo_en/files/out")


def counts(table, variable, domain):
    _, rows = read_csv(os.path.join(out_en, "tables", table + ".csv"))
    return {keys[(variable, r["code"])]: int(r["n"]) for r in rows if r["domain"] == domain and r["code"] != "no_answer" and r["age_band"] == "all"}


prof = expected["profile_broad"]
got = counts("reasons", "問21", "broad")
check({k: v for k, v in got.items() if v} == prof["reasons"], f"問21 broad {got} vs {prof['reasons']}")
check(got["illness"] == 8, "問21 病気 8")
_, rows = read_csv(os.path.join(out_en, "tables", "reasons.csv"))
pct = {keys[("問21", r["code"])]: float(r["percent"]) for r in rows if r["code"] != "no_answer"}
# The reasons table is of the 広義 respondents (14; the 6 household members of the headline are not tabulated).
check(all(abs(pct[k] - prof["reasons"].get(k, 0) / expected["broad"]) < 1e-12 for k in pct), f"問21 percentages {pct}")
check(abs(pct["illness"] - 8 / 14) < 1e-12 and abs(pct["school_misfit"] - 4 / 14) < 1e-12, f"問21 percentages {pct}")
got = counts("main_reason", "問22", "broad")
check({k: v for k, v in got.items() if v} == prof["main_reason"], f"問22 broad {got} vs {prof['main_reason']}")
got = counts("sex", "問1", "broad")
check({k: v for k, v in got.items() if v} == prof["sex"], f"sex broad {got} vs {prof['sex']}")
got = counts("sex", "問1", "all")
check({k: v for k, v in got.items() if v} == expected["sample_profile"]["sex"], f"sex all {got}")
_, rows = read_csv(os.path.join(out_en, "tables", "age.csv"))
ages = {r["label"]: int(r["n"]) for r in rows if r["domain"] == "broad" and r["code"] != "no_answer"}
check(ages == prof["age_group"], f"age2 broad {ages} vs {prof['age_group']}")
ages = {r["label"]: int(r["n"]) for r in rows if r["domain"] == "all" and r["code"] != "no_answer"}
check(ages == expected["n_by_age_group"], f"age2 all {ages} vs {expected['n_by_age_group']}")
_, rows = read_csv(os.path.join(out_en, "tables", "prevalence.csv"))
for m in ("broad", "narrow", "semi"):
    r = next(r for r in rows if r["measure"] == m and r["age_group"] == "all")
    e = expected["estimate"][m]
    check(int(r["cases"]) == e["cases"] and int(r["n"]) == e["n"], f"{m}: cases/n {r['cases']}/{r['n']}")
    check(abs(float(r["persons"]) - e["persons_unrounded"]) < 1e-6 and round(float(r["persons"])) == e["persons"], f"{m}: persons {r['persons']}")
md = open(os.path.join(cases, "report_nishitokyo/files/out/report.md"), encoding="utf-8").read()
check("**2.5%**" in md and "**3,239人**" in md, "headline 2.5% / 3,239人 in the Japanese report")
check("cao2022-scz-physical v1" in md and "Wilson" in md and "該当数1～4人のセルを秘匿" in md, "method block")
check(re.search(r"入力ファイルの SHA-256\*\*: `[0-9a-f]{64}`", md) is not None, "input SHA-256 in the provenance block")
md = open(os.path.join(cases, "report_provenance_relative/files/survey/report/report.md"), encoding="utf-8").read()
check("`../in/nishitokyo2024.csv`" in md and "`../in/nishitokyo2024.codebook.toml`" in md and "from ../in/nishitokyo2024.hkstat.toml" in md,
      "report_provenance_relative: inputs named relative to the report folder")
md = open(os.path.join(cases, "report_agency/files/out/report.md"), encoding="utf-8").read()
check("出現率と推計人数は計算していません" in md and not os.path.exists(os.path.join(cases, "report_agency/files/out/tables/prevalence.csv")), "agency: no prevalence")

# With suppression, no count of 1-4 is shown anywhere.
for case in ("report_nishitokyo", "report_agency", "report_custom_template"):
    for t in os.listdir(os.path.join(cases, case, "files/out/tables")):
        _, rows = read_csv(os.path.join(cases, case, "files/out/tables", t))
        for r in rows:
            for k in ("n", "cases"):
                if r.get(k, "") not in ("", None):
                    check(not 1 <= int(r[k]) <= 4, f"{case}/{t}: visible small count {k}={r[k]}")

# The agency and intake samples' reports (built-in tables.agency.toml / tables.intake.toml), written afresh.
if len(sys.argv) > 2:
    with tempfile.TemporaryDirectory() as tmp:
        for sample in ("agency2024", "intake2024"):
            out = os.path.join(tmp, sample)
            r = subprocess.run([sys.argv[2], "report", os.path.join(src, "data/samples", sample + ".csv"), "--out-dir", out, "--timestamp", "2025-03-01"],
                               capture_output=True)
            check(r.returncode == 0, f"report {sample}: exit {r.returncode} {r.stderr.decode()[:300]}")
            if r.returncode == 0:
                check(len(os.listdir(os.path.join(out, "charts"))) > 0, f"report {sample}: no charts")
                check_folder("report_" + sample, True, out)

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("ok")
