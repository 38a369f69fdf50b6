#!/usr/bin/python3
"""hkstat report --docx (docs/reports.md, "Word"): the Word edition made by pandoc.

  * report.docx opens with python-docx (Debian python3-docx); it has one heading 表N per table of report.md, in
    order, one Word table per Markdown table, one picture per chart with its caption 図N (and no second caption
    paragraph), the method notes and provenance headings, A4 pages, and the report's date in its properties;
  * the same run twice gives the same bytes; English gives Table N / Figure N;
  * pandoc missing: exit 5 (E_IO_OPEN) naming pandoc; pandoc failing: exit 5 (E_IO_WRITE); either way no folder and
    no temporary directory is left; --force replaces a folder that holds report.docx.
Usage: report_docx.py HKSTAT SOURCE_DIR
"""
import os
import re
import subprocess
import sys
import tempfile
import zipfile

import docx

sys.dont_write_bytecode = True
import office_check  # noqa: E402
from office_check import check, check_a4, check_captions, check_japanese_styles, check_numbered, failures, headings  # noqa: E402

office_check.echo = True
hkstat, src = sys.argv[1], sys.argv[2]
os.chdir(src)


def run(*args, env_extra=None):
    env = dict(os.environ)
    env.pop("SOURCE_DATE_EPOCH", None)
    env.update(env_extra or {})
    return subprocess.run([hkstat, "report", *args], capture_output=True, text=True, env=env)


def md_tables(md):
    """Number of GFM tables: delimiter rows such as |:---|---:|."""
    return sum(1 for line in md.splitlines() if re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", line.strip()))


def check_docx(folder, lang):
    md = open(os.path.join(folder, "report.md"), encoding="utf-8").read()
    d = docx.Document(os.path.join(folder, "report.docx"))
    heads = headings(d)
    table_word, figure_word = ("表", "図") if lang == "ja" else ("Table ", "Figure ")
    md_heads = re.findall(r"^### (%s\d+.*)$" % table_word, md, flags=re.M)
    check(len(md_heads) >= 1, f"{folder}: report.md has table headings")
    numbered = [h for h in heads if re.match(r"%s\d+" % table_word, h)]
    check(numbered == [h.replace("\\", "") for h in md_heads], f"{folder}: docx table headings {numbered} != report.md {md_heads}")
    check_numbered(numbered, table_word, None, f"{folder}: tables")
    check(len(d.tables) == md_tables(md), f"{folder}: {len(d.tables)} Word tables, {md_tables(md)} Markdown tables")
    charts = sorted(f for f in os.listdir(os.path.join(folder, "charts")) if f.endswith(".png")) if os.path.isdir(os.path.join(folder, "charts")) else []
    check_captions(d, figure_word, len(charts), folder)
    with zipfile.ZipFile(os.path.join(folder, "report.docx")) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        check(all(n.endswith(".png") for n in media) and len(media) == len(charts), f"{folder}: media {media}")
    check_japanese_styles(os.path.join(folder, "report.docx"), folder)
    for h in (("方法", "来歴") if lang == "ja" else ("Method", "Provenance")):
        check(h in heads, f"{folder}: heading {h}")
    check_a4(d, folder)
    return d


with tempfile.TemporaryDirectory() as t:
    tmp = os.path.join(t, "tmp")
    os.mkdir(tmp)
    env = {"TMPDIR": tmp}
    sample = "data/samples/nishitokyo2024.csv"
    r = run(sample, "--docx", "--timestamp", "2025-01-31", "--out-dir", f"{t}/a", env_extra=env)
    check(r.returncode == 0, f"--docx run: exit {r.returncode} {r.stderr}")
    check("report.docx" in r.stdout, "the listing names report.docx")
    if r.returncode == 0:
        d = check_docx(f"{t}/a", "ja")
        check(d.core_properties.created is not None and d.core_properties.created.year == 2025, "the document's date is the report's")
        texts = [c.text for tb in d.tables for row in tb.rows for c in row.cells]
        check("2.5%" in texts and "47.0%" in texts, "the figures of report.md are in the Word tables (2.5%, 47.0%)")
        check("docx=yes" in open(f"{t}/a/report.md", encoding="utf-8").read(), "provenance lists --docx")
    r = run(sample, "--docx", "--timestamp", "2025-01-31", "--out-dir", f"{t}/b", env_extra=env)
    check(r.returncode == 0 and open(f"{t}/a/report.docx", "rb").read() == open(f"{t}/b/report.docx", "rb").read(), "reruns give the same report.docx")
    r = run(sample, "--docx", "--lang", "en", "--min-cell", "0", "--out-dir", f"{t}/en", env_extra=env)
    check(r.returncode == 0, f"--lang en --docx: {r.stderr}")
    if r.returncode == 0:
        check_docx(f"{t}/en", "en")
    # --force replaces a folder holding report.docx.
    r = run(sample, "--docx", "--timestamp", "2025-01-31", "--out-dir", f"{t}/a", "--force", env_extra=env)
    check(r.returncode == 0, f"--force over a folder with report.docx: {r.stderr}")
    # No pandoc: exit 5, E_IO_OPEN naming pandoc, nothing left.
    r = run(sample, "--docx", "--out-dir", f"{t}/none", env_extra={**env, "HKSTAT_PANDOC": f"{t}/no-such-pandoc"})
    check(r.returncode == 5 and "E_IO_OPEN" in r.stderr and "pandoc" in r.stderr, f"missing pandoc: exit {r.returncode} {r.stderr}")
    check(not os.path.exists(f"{t}/none"), "missing pandoc: no folder")
    r = run(sample, "--docx", "--lang", "en", "--out-dir", f"{t}/none", env_extra={**env, "PATH": t})
    check(r.returncode == 5 and "cannot run pandoc" in r.stderr and "apt-get install pandoc" in r.stderr, f"pandoc not on PATH (en): {r.stderr}")
    # pandoc failing: exit 5, E_IO_WRITE.
    r = run(sample, "--docx", "--out-dir", f"{t}/none", env_extra={**env, "HKSTAT_PANDOC": "false"})
    check(r.returncode == 5 and "E_IO_WRITE" in r.stderr and "pandoc" in r.stderr, f"failing pandoc: exit {r.returncode} {r.stderr}")
    check(not os.path.exists(f"{t}/none"), "failing pandoc: no folder")
    check(os.listdir(tmp) == [], f"temporary files left: {os.listdir(tmp)}")
    # Without --docx there is no Word file (and pandoc is not needed).
    r = run(sample, "--out-dir", f"{t}/plain", env_extra={**env, "HKSTAT_PANDOC": f"{t}/no-such-pandoc"})
    check(r.returncode == 0 and not os.path.exists(f"{t}/plain/report.docx"), "no --docx: no report.docx, no pandoc needed")

print("report_docx:", "FAILED" if failures else "ok")
sys.exit(1 if failures else 0)
