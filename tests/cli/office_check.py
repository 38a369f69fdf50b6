"""Shared by report_check.py, report_docx.py and compare_outputs_check.py: the checks of hkstat's workbooks (.xlsx,
opened with openpyxl, Debian python3-openpyxl) and Word documents (.docx, python-docx, Debian python3-docx, and the zip's
XML) that more than one of them makes. Each check appends a message to `failures` when it does not hold.

Import it with `sys.dont_write_bytecode = True` first, so that no __pycache__ is written into the checkout.
"""
import re
import zipfile

failures = []
echo = False  # True: print each failure as it happens ("FAIL: …"), as well as keeping it


def check(cond, what):
    if not cond:
        failures.append(what)
        if echo:
            print("FAIL:", what)


# Workbooks -------------------------------------------------------------------------------------------------------

TEXT_SPECIALS = ("Inf", "-Inf", "—", "*", "NaN")


def check_no_text_specials(wb, what):
    """No cell of any sheet holds a number stand-in as text (Inf, —, *, NaN): such values are numbers or empty."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                check(c.value not in TEXT_SPECIALS, f"{what}sheet {ws.title} {c.coordinate} holds {c.value!r} as text")


def check_table_sheet(ws, what, title_prefix, first_row, formats, percent_formats):
    """A table sheet: A4, print title rows from row 1, the title in A1 starting with title_prefix, and from first_row
    on at least one number, every number with a format in `formats` and at least one in `percent_formats`."""
    n = ws.title
    check(ws.page_setup.paperSize == 9, f"{what}sheet {n} not A4")
    check(ws.print_title_rows is not None and ws.print_title_rows.startswith("$1:"), f"{what}sheet {n} print titles {ws.print_title_rows}")
    check(str(ws["A1"].value).startswith(title_prefix), f"{what}sheet {n} title {ws['A1'].value!r}")
    numbers = [c for row in ws.iter_rows(min_row=first_row) for c in row if isinstance(c.value, (int, float)) and not isinstance(c.value, bool)]
    check(len(numbers) > 0, f"{what}sheet {n} has no numbers")
    for c in numbers:
        check(c.number_format in formats, f"{what}{n}!{c.coordinate} format {c.number_format}")
    check(any(c.number_format in percent_formats for c in numbers), f"{what}sheet {n} has no percentage format")


def chart_groupings(xlsx):
    """The <c:grouping> of each native chart (xl/charts/chartN.xml) of a workbook, in name order (None: no grouping)."""
    with zipfile.ZipFile(xlsx) as z:
        charts = sorted(f for f in z.namelist() if re.match(r"xl/charts/chart\d+\.xml$", f))
        found = [re.search(r'<c:grouping val="(\w+)"/>', z.read(f).decode("utf-8")) for f in charts]
    return [g.group(1) if g else None for g in found]


def about_sheet(ws):
    """The method / about sheet as {first column: second column}."""
    return {r[0].value: r[1].value for r in ws.iter_rows()}


def check_about_version(ws, what):
    check(any(str(v).startswith("hkstat ") for v in about_sheet(ws).values()), f"{what}about sheet lacks the version")


# Word documents --------------------------------------------------------------------------------------------------

def headings(d):
    return [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]


def check_numbered(texts, word, n, what, sep=""):
    """texts are word1sep…, word2sep…, … wordNsep… in order (e.g. 表1　…, 図1　…); n None: any count, from 1."""
    found = [re.match(r"%s(\d+)%s" % (word, sep), t) for t in texts]
    nums = [int(m.group(1)) if m else None for m in found]
    check(nums == list(range(1, (len(nums) if n is None else n) + 1)), f"{what}: {word}N{sep} numbering {texts}")


def check_captions(d, figure_word, n_figures, what, sep=""):
    """One picture per chart and its caption (style Image Caption) figure_word 1 … n_figures, each caption once."""
    paras = d.paragraphs
    captions = [p.text for p in paras if p.style.name == "Image Caption"]
    check_numbered(captions, figure_word, n_figures, what + " captions", sep)
    for c in captions:
        check(sum(1 for p in paras if p.text == c) == 1, f"{what}: caption {c!r} appears once")
    check(len(d.inline_shapes) == n_figures, f"{what}: {len(d.inline_shapes)} pictures for {n_figures} charts")


def check_a4(d, what):
    sec = d.sections[0]
    check(sec.page_width is not None and abs(sec.page_width.mm - 210) < 1 and abs(sec.page_height.mm - 297) < 1, f"{what}: A4 pages")


def check_japanese_styles(path, what):
    """The styles of hkstat's reference document (Japanese fonts or language) are in word/styles.xml."""
    with zipfile.ZipFile(path) as z:
        styles = z.read("word/styles.xml").decode()
    check("游明朝" in styles or "游ゴシック" in styles or "ja-JP" in styles, f"{what}: the reference document's Japanese styles")
