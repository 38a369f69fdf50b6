#!/usr/bin/python3
"""Writes reports/templates/default/reference.docx: the reference document `hkstat report --docx` gives pandoc
(docs/reports.md, "Word"). It is pandoc's own default reference document (`pandoc --print-default-data-file
reference.docx`, Debian's pandoc) with the changes a Japanese municipal report needs:

  * Japanese fonts for East Asian text: 游明朝 (body) and 游ゴシック (headings, captions, tables), Japanese as the
    East Asian language, 10.5 pt body text;
  * A4 paper with 25 mm margins (pandoc's default has no page setup, so Word falls back to Letter);
  * tables with rules above and below; figures and their captions centred.

The output is reproducible (fixed zip entry times and order), so the committed file changes only when this
script or Debian's pandoc does. Usage: scripts/make-reference-docx.py [OUT]  (default: the path above).
"""
import io
import os
import re
import subprocess
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "reports", "templates", "default", "reference.docx")

MINCHO = "游明朝"
GOTHIC = "游ゴシック"


def sub1(pattern, repl, text, what):
    new, n = re.subn(pattern, repl, text, count=1, flags=re.S)
    if n != 1:
        sys.exit(f"make-reference-docx: pandoc's reference.docx changed, cannot find {what}")
    return new


def styles(xml):
    xml = sub1(r'<w:rFonts w:asciiTheme="minorHAnsi" w:eastAsiaTheme="minorHAnsi"',
               '<w:rFonts w:asciiTheme="minorHAnsi" w:eastAsiaTheme="minorEastAsia"', xml, "the default fonts")
    xml = sub1(r'(<w:rPrDefault>.*?)<w:sz w:val="24" />\s*<w:szCs w:val="24" />', r'\1<w:sz w:val="21" /><w:szCs w:val="21" />', xml,
               "the default size")
    xml = sub1(r'<w:lang w:val="en-US" w:eastAsia="en-US"', '<w:lang w:val="en-US" w:eastAsia="ja-JP"', xml, "the default language")
    # Figures and their captions (図N below the figure) centred; captions in bold Gothic.
    xml = sub1(r'(<w:style [^>]*w:styleId="ImageCaption">.*?)(</w:style>)',
               r'\1<w:pPr><w:jc w:val="center" /></w:pPr><w:rPr><w:rFonts w:eastAsia="%s" /><w:b /></w:rPr>\2' % GOTHIC, xml, "ImageCaption")
    xml = sub1(r'(<w:style [^>]*w:styleId="CaptionedFigure">.*?<w:keepNext />)', r'\1<w:jc w:val="center" />', xml, "CaptionedFigure")
    # Tables: rules at the top and bottom, and under the header row.
    xml = sub1(r'(<w:style w:type="table" w:default="1" w:styleId="Table">.*?<w:tblPr>)',
               r'\1<w:tblBorders><w:top w:val="single" w:sz="8" w:space="0" w:color="000000" />'
               r'<w:bottom w:val="single" w:sz="8" w:space="0" w:color="000000" /></w:tblBorders>', xml, "the table style")
    return xml


def theme(xml):
    xml = sub1(r'(<a:majorFont>\s*<a:latin typeface="[^"]*" />\s*)<a:ea typeface="" />', r'\1<a:ea typeface="%s" />' % GOTHIC, xml, "the major font")
    xml = sub1(r'(<a:minorFont>\s*<a:latin typeface="[^"]*" />\s*)<a:ea typeface="" />', r'\1<a:ea typeface="%s" />' % MINCHO, xml, "the minor font")
    return xml


def document(xml):
    a4 = ('<w:sectPr><w:pgSz w:w="11906" w:h="16838" />'
          '<w:pgMar w:top="1417" w:right="1417" w:bottom="1417" w:left="1417" w:header="709" w:footer="709" w:gutter="0" /></w:sectPr>')
    return sub1(r'<w:sectPr />', a4, xml, "the section properties")


def main():
    src = subprocess.run(["pandoc", "--print-default-data-file", "reference.docx"], check=True, stdout=subprocess.PIPE).stdout
    zin = zipfile.ZipFile(io.BytesIO(src))
    edits = {"word/styles.xml": styles, "word/theme/theme1.xml": theme, "word/document.xml": document}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in edits:
                data = edits[info.filename](data.decode("utf-8")).encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            zout.writestr(entry, data)
    with open(OUT, "wb") as f:
        f.write(buf.getvalue())


if __name__ == "__main__":
    main()
