# The Python example of docs/library.md (tests/python/test_docs.py keeps the two identical and runs it).
#   python3 example.py survey.csv
import sys

import hkstat

try:
    survey = hkstat.load(sys.argv[1])  # + survey.codebook.toml, survey.hkstat.toml next to it
except hkstat.Error as e:  # also e.line, e.column, e.value, e.expected; str(e): the command's message
    sys.exit(f"{e.code}: {e.file}: {e.message}")

r = survey.estimate()  # prevalence of 広義 / 狭義 / 準 with the run configuration's settings
print(r)  # 広義のひきこもり群: 20 / 810 = 2.5%（95% 信頼区間 …）、推計 3,239人
print("valid n", r.n)
print("cases", r.cases)
print("persons", round(r.persons))
print("rate %.4f, se %.4f, ci %.4f-%.4f" % (r.rate, r.se, *r.ci))

narrow = r.cell("narrow", "40-64")  # any cell: measure × age group
print("narrow 40-64:", narrow.cases, "/", narrow.n)

# The distribution of 問20 (occupation) among the 広義 group and the others, by sex.
for dist in survey.tabulate("問20", domains=["broad", "comparison"], by="sex"):
    for c in dist.cells:
        if c.domain == "broad" and c.level == "all" and not c.suppressed:
            print(dist.variable, c.label, c.n, "%.1f%%" % (100 * c.percent))

try:
    import pandas  # optional

    print(r.to_frame()[["measure", "group", "n", "cases", "rate", "ci_lower", "ci_upper"]])
except ImportError:
    pass

# The report the hkstat command prints (text, markdown or csv), small cells suppressed.
print(survey.report("markdown").splitlines()[0])
