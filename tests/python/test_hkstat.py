# The Python module hkstat against the hkstat command (the same numbers, reports and errors) and the sample's
# own record of its figures. Run by ctest (python.pytest) with PYTHONPATH=build/python, HKSTAT_CLI (the built
# command) and HKSTAT_SOURCE_DIR set:
#   PYTHONPATH=build/python HKSTAT_CLI=build/cli/hkstat HKSTAT_SOURCE_DIR=. /usr/bin/python3 -m pytest tests/python
import csv
import io
import json
import math
import os
import pickle
import shutil
import subprocess

import pytest

import hkstat

SRC = os.environ.get("HKSTAT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("HKSTAT_CLI", os.path.join(SRC, "build", "cli", "hkstat"))
SAMPLES = os.path.join(SRC, "data", "samples")
SAMPLE = os.path.join(SAMPLES, "nishitokyo2024.csv")


def cli(*args, check=True):
    p = subprocess.run([CLI, *args], capture_output=True, text=True)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def cli_csv(*args):
    return list(csv.DictReader(io.StringIO(cli(*args, "--format", "csv").stdout)))


def number(text):
    """A CSV number of the command; "" (undefined) is None."""
    return None if text == "" else float(text)


@pytest.fixture(scope="module")
def survey():
    return hkstat.load(SAMPLE)


def test_estimate_is_the_samples_record():
    expected = json.load(open(os.path.join(SAMPLES, "nishitokyo2024.expected.json"), encoding="utf-8"))["estimate"]
    r = hkstat.estimate(SAMPLE)
    for measure in ("broad", "narrow", "semi"):
        c = r.cell(measure)
        assert (c.n, c.cases) == (expected[measure]["n"], expected[measure]["cases"])
        assert c.rate * 100 == pytest.approx(expected[measure]["rate_percent"], rel=1e-12)
        assert round(c.persons) == expected[measure]["persons"]
    assert (r.n, r.cases, round(r.persons)) == (expected["broad"]["n"], expected["broad"]["cases"], expected["broad"]["persons"])
    assert r.population == expected["population"]
    assert r.population_label == expected["population_label"]
    assert "%.1f%%" % (100 * r.rate) == "%.1f%%" % expected["broad"]["rate_percent"]
    # str(): the headline as the command shows it (2.5%, 3,239人).
    assert f"{r.cases} / {r.n}" in str(r)
    assert f"{round(r.persons):,}人" in str(r)
    assert "%.1f%%" % (100 * r.rate) in str(r)


def test_every_cell_equals_the_commands_csv(survey):
    r = survey.estimate()
    rows = cli_csv("estimate", SAMPLE)
    assert len(rows) == len(r.cells)
    hidden = []
    for row, c in zip(rows, r.cells):
        assert (row["measure"], row["age_group"]) == (c.measure, c.group)
        assert int(row["n"]) == c.n
        if row["suppressed"] == "1":  # the command hides small counts; the module keeps them for the analyst
            hidden.append(c.cases)  # primary (1..4 cases) or secondary (would reveal one)
            continue
        assert int(row["cases"]) == c.cases
        # The CSV writes doubles with 17 significant digits: the same doubles.
        for name, value in (("rate", c.rate), ("se", c.se), ("ci_lower", c.ci[0]), ("ci_upper", c.ci[1]),
                            ("persons", c.persons)):
            assert number(row[name]) == value, name
        assert row["ci_method"] == r.ci_method
        assert row["ruleset"].split()[0] == r.ruleset
    assert any(0 < cases < 5 for cases in hidden)


def test_options_are_the_commands_flags(survey):
    r = survey.estimate(population=100000, level=0.9, ci="clopper-pearson", age_groups="15-39,40-64", by=["sex"])
    rows = cli_csv("estimate", SAMPLE, "--population", "100000", "--level", "0.9", "--ci", "clopper-pearson", "--by", "sex")
    by_cells = [c for c in r.cells if c.by_variable]
    assert by_cells, "by=['sex'] gives cells per level"
    assert len(rows) == len(r.cells)
    for row, c in zip(rows, r.cells):
        assert row["conf_level"] == "0.9"
        if row["suppressed"] == "1":
            continue
        assert float(row["rate"]) == c.rate
        assert float(row["ci_lower"]) == c.ci[0]
        assert float(row["ci_upper"]) == c.ci[1]
        if c.persons is not None:
            assert float(row["persons"]) == c.persons
    assert r.level == 0.9 and r.ci_method == "clopper-pearson"
    assert r.persons == pytest.approx(r.rate * 100000, rel=1e-15)


@pytest.mark.parametrize("codebook", ["sup_jkn", "sup_boot_mse", "sup_jk1"])
def test_supplied_replicates_as_the_command(codebook):
    """A codebook with [replicates]: its replicate columns give the SEs, without any option, as in the command."""
    data = os.path.join(SRC, "tests", "data", "replicate", "rep_survey.csv")
    cb = os.path.join(SRC, "tests", "data", "replicate", codebook + ".codebook.toml")
    rules = os.path.join(SRC, "tests", "data", "weighted", "core_only.toml")
    s = hkstat.load(data, codebook=cb)
    r = s.estimate(rules=rules)
    rows = cli_csv("estimate", data, "--codebook", cb, "--rules", rules, "--min-cell", "0")
    assert len(rows) == len(r.cells)
    for row, c in zip(rows, r.cells):
        assert (row["measure"], row["age_group"], int(row["n"])) == (c.measure, c.group, c.n)
        for name, value in (("rate", c.rate), ("se", c.se), ("ci_lower", c.ci[0]), ("ci_upper", c.ci[1]), ("df", c.df)):
            assert number(row[name]) == value, name
    want = cli("estimate", data, "--codebook", cb, "--rules", rules, "--format", "markdown", "--lang", "en").stdout
    assert hkstat.load(data, codebook=cb, lang="en").report("markdown", rules=rules) == want
    var = _code_variable(s)
    tab = cli_csv("tabulate", data, "--codebook", cb, "--var", var, "--min-cell", "0")
    dist = s.tabulate(var, min_cell=0)[0]
    assert [number(t["se"]) for t in tab] == [c.se for c in dist.cells]
    assert "replicate" in cli("tabulate", data, "--codebook", cb, "--var", var, "--lang", "en").stdout.lower()


def _code_variable(s):
    """The first variable of the survey's codebook that tabulate accepts."""
    for v in s.variables:
        try:
            s.tabulate(v)
            return v
        except hkstat.Error:
            continue
    raise AssertionError("no tabulable variable")


@pytest.mark.parametrize("fmt,lang", [("text", "ja"), ("csv", "en"), ("markdown", "en")])
def test_report_is_the_commands_output(fmt, lang):
    want = cli("estimate", SAMPLE, "--format", fmt, "--lang", lang).stdout
    assert hkstat.report(SAMPLE, fmt, lang=lang) == want


def test_tabulate_equals_the_command():
    dists = hkstat.tabulate(SAMPLE, ["問20", "問21"], domains=["all", "broad"], by="sex")
    assert [d.variable for d in dists] == ["問20", "問21"]
    assert not dists[0].multi and dists[1].multi
    rows = cli_csv("tabulate", SAMPLE, "--var", "問20,問21", "--domain", "all,broad", "--by", "sex")
    cells = [(d.variable, c) for d in dists for c in d.cells]
    assert len(rows) == len(cells)
    for row, (var, c) in zip(rows, cells):
        assert (row["variable"], row["domain"], row["age_band"], row["sex"]) == (var, c.domain, c.age_band, c.level)
        assert row["base"] == ("" if c.base_suppressed else str(c.base))  # a hidden base: n=*, no percentages
        assert row["suppressed"] == ("1" if c.suppressed or c.base_suppressed else "0")
        if not c.suppressed:  # the command hides suppressed counts; the analyst's module keeps them, flagged
            assert int(row["n"]) == c.n
        if not c.suppressed and not c.base_suppressed:
            assert number(row["percent"]) == c.percent
            assert number(row["se"]) == c.se
    s = hkstat.load(SAMPLE, require_prevalence_roles=False)
    want = cli("tabulate", SAMPLE, "--var", "問20", "--domain", "all,broad", "--format", "markdown").stdout
    assert s.report("markdown", variables="問20", domains="all,broad") == want


def test_to_frame(survey):
    pd = pytest.importorskip("pandas")
    r = survey.estimate()
    f = r.to_frame()
    assert isinstance(f, pd.DataFrame)
    assert len(f) == len(r.cells)
    broad = f[(f.measure == "broad") & (f.group == "all")].iloc[0]
    assert (broad.n, broad.cases, broad.ci_lower, broad.ci_upper) == (r.n, r.cases, r.ci[0], r.ci[1])
    t = survey.tabulate("問20")[0].to_frame()
    assert set(["variable", "label", "n", "percent", "ci_lower", "suppressed"]) <= set(t.columns)
    assert t.n.sum() == survey.n_rows


def test_classify_counts(survey):
    expected = json.load(open(os.path.join(SAMPLES, "nishitokyo2024.expected.json"), encoding="utf-8"))
    c = survey.classify()
    assert c.ruleset == expected["ruleset"]
    assert (c.counts["narrow"], c.counts["semi"], c.counts["excluded"]) == (
        expected["classes"]["狭義"], expected["classes"]["準"], expected["classes"]["除外"])
    assert c.broad == expected["broad"]
    assert len(c.rows) == survey.n_rows


# ---- errors -----------------------------------------------------------------------------------------------

def test_population_file_as_the_command(tmp_path):
    pop = tmp_path / "pop.csv"
    pop.write_text("age_group,population\n15-39,60123\n40-64,71055\n")
    r = hkstat.estimate(SAMPLE, no_config=True, population_file=str(pop), lang="en")
    assert r.population_by_group == {"15-39": 60123, "40-64": 71055}
    want = cli("estimate", SAMPLE, "--no-config", "--population-file", str(pop), "--format", "csv").stdout
    assert hkstat.report(SAMPLE, "csv", no_config=True, population_file=str(pop)) == want
    assert r.persons == pytest.approx(r.cell("broad", "15-39").persons + r.cell("broad", "40-64").persons, rel=1e-12)
    pop.write_text("age_group,population\n15-39,60123\n40-64,71055\n15-39,60123\n")
    with pytest.raises(hkstat.Error) as e:
        hkstat.estimate(SAMPLE, no_config=True, population_file=str(pop), lang="en")
    assert (e.value.code, e.value.file, e.value.line, e.value.column_name, e.value.value) == (
        "E_CONFIG_INVALID", str(pop), 4, "age_group", "15-39")
    p = cli("estimate", SAMPLE, "--no-config", "--population-file", str(pop), "--lang", "en", check=False)
    assert p.returncode == 4 and f"{pop}:4:" in p.stderr


def test_missing_data_file_is_named(tmp_path):
    missing = str(tmp_path / "survey.csv")
    with pytest.raises(hkstat.Error) as e:
        hkstat.estimate(missing)
    assert e.value.code == "E_IO_OPEN"
    assert e.value.file == missing
    assert e.value.line is None
    assert "ファイルが見つかりません" in e.value.message
    assert "No such file" in e.value.message_en
    assert str(e.value).startswith(missing + ": エラー[E_IO_OPEN]")
    with pytest.raises(hkstat.Error) as e:
        hkstat.estimate(missing, lang="en")
    assert str(e.value).startswith(missing + ": error[E_IO_OPEN]")
    assert e.value.message == e.value.message_en
    copy = pickle.loads(pickle.dumps(e.value))
    assert (copy.code, copy.file, copy.message, str(copy)) == (e.value.code, e.value.file, e.value.message, str(e.value))


def test_missing_codebook(tmp_path):
    data = tmp_path / "survey.csv"
    shutil.copy(SAMPLE, data)
    with pytest.raises(hkstat.Error) as e:
        hkstat.load(data, lang="en")
    assert e.value.code == "E_CODEBOOK_INVALID"
    assert e.value.value == str(tmp_path / "survey.codebook.toml")
    assert "--codebook" not in e.value.expected  # library terms, not the command's flags
    # The command reports the same problem with its flag.
    p = cli("estimate", str(data), "--lang", "en", check=False)
    assert p.returncode == 4 and "--codebook FILE" in p.stderr


def _with_bad_cell(tmp_path, value):
    """The sample with the first row's 問17 (outing) replaced by `value`; returns (path, line, column)."""
    text = open(SAMPLE, encoding="utf-8-sig", newline="").read()
    lines = text.split("\r\n")
    header = lines[0].split(",")
    col = header.index("問17")
    cells = lines[1].split(",")
    cells[col] = value
    lines[1] = ",".join(cells)
    path = tmp_path / "bad.csv"
    path.write_text("\r\n".join(lines), encoding="utf-8", newline="")
    shutil.copy(os.path.join(SAMPLES, "nishitokyo2024.codebook.toml"), tmp_path / "bad.codebook.toml")
    return path, 2, col + 1


def test_invalid_value_error_carries_its_location(tmp_path):
    path, line, column = _with_bad_cell(tmp_path, "77")
    with pytest.raises(hkstat.Error) as e:
        hkstat.load(path)
    err = e.value
    assert err.code == "E_DATA_UNKNOWN_CODE"
    assert (err.file, err.line, err.column, err.column_name, err.value) == (str(path), line, column, "問17", "77")
    assert err.message == err.message_ja and err.expected == err.expected_ja
    assert err.message_ja != err.message_en and err.expected_en
    assert "1 rows have invalid values" in err.message_en
    # The command names the same code, line and column.
    p = cli("estimate", str(path), "--population", "1000", check=False)
    assert p.returncode == 3
    assert f"{path}:{line}:{column}" in p.stderr and "E_DATA_UNKNOWN_CODE" in p.stderr
    # Left out and listed on request, as --rejects does.
    s = hkstat.load(path, drop_invalid_rows=True, lang="en")
    assert s.rows_rejected == 1
    [(rline, problems)] = s.rejected
    assert rline == line and problems[0].code == "E_DATA_UNKNOWN_CODE" and problems[0].message == problems[0].message_en
    assert s.n_rows == hkstat.load(SAMPLE).n_rows - 1
    # Its report folder is written by the library from the rows kept (no command to rerun on the file).
    folder = s.write_report(str(tmp_path / "r"), population=1000)
    assert "report.md" in folder.files and (tmp_path / "r" / "report.md").is_file()


def test_bad_options(survey):
    with pytest.raises(hkstat.Error) as e:
        survey.estimate(level=1.5)
    assert e.value.code == "E_USAGE" and e.value.value == "1.5"
    with pytest.raises(hkstat.Error) as e:
        survey.estimate(rules="no-such-rules")
    assert e.value.code == "E_RULES_NOT_FOUND"
    with pytest.raises(hkstat.Error) as e:
        survey.estimate(where="問99 = 1")
    assert e.value.code == "E_USAGE"
    with pytest.raises(hkstat.Error) as e:
        survey.tabulate("回答者ID")  # identifiers are never tabulated
    assert e.value.code == "E_USAGE"
    with pytest.raises(TypeError):
        survey.estimate(populaton=1000)
    with pytest.raises(ValueError):
        hkstat.load(SAMPLE, lang="fr")
    with pytest.raises(ValueError):
        survey.report("pdf")


def test_error_is_an_exception_with_the_problem():
    assert issubclass(hkstat.Error, Exception)
    with pytest.raises(hkstat.Error) as e:
        hkstat.estimate(SAMPLE, codebook=os.path.join(SRC, "tests", "data", "bad", "syntax_error.codebook.toml"))
    assert e.value.code == "E_CODEBOOK_SYNTAX"
    assert e.value.file.endswith("syntax_error.codebook.toml") and e.value.line and e.value.line > 0


# ---- Calibration, replicates, totals / means / ratios and the report folder (issue 17) ----

DESIGN = os.path.join(SRC, "tests", "data", "design", "design_survey.csv")
DESIGN_CB = os.path.join(SRC, "tests", "data", "design", "calib.codebook.toml")
CORE_RULES = os.path.join(SRC, "tests", "data", "weighted", "core_only.toml")
LABELS = os.path.join(SRC, "tests", "data", "design", "design_labels.csv")
LABELS_CB = os.path.join(SRC, "tests", "data", "design", "labels.codebook.toml")


def _cells_equal_csv(r, rows, rel=0.0):
    """The cells of `r` as the command's CSV gives them: equal, or within `rel` relative (a calibrated stream)."""
    assert len(rows) == len(r.cells)
    for row, c in zip(rows, r.cells):
        assert (row["measure"], row["age_group"], int(row["n"])) == (c.measure, c.group, c.n)
        for name, value in (("rate", c.rate), ("se", c.se), ("ci_lower", c.ci[0]), ("ci_upper", c.ci[1]), ("df", c.df)):
            got = number(row[name])
            if rel and isinstance(value, float) and isinstance(got, float) and not math.isnan(value):
                assert abs(got - value) <= rel * max(abs(got), abs(value)) + 1e-15, name
            else:
                assert got == value, name


def test_calibrate_as_the_command(survey):
    # The library reads the data whole; the command reads the file in two passes (the calibration residuals summed per
    # combination): the same numbers to 1e-12 (docs/performance.md, calst and calroster).
    r = survey.estimate(calibrate=True)
    _cells_equal_csv(r, cli_csv("estimate", SAMPLE, "--calibrate", "--min-cell", "0"), rel=1e-12)
    assert r.weighted and r.rate != survey.estimate().rate
    # The printed estimate: the calibrated rows and the table before / after calibration, byte for byte.
    assert survey.report(calibrate=True) == cli("estimate", SAMPLE, "--calibrate").stdout
    assert hkstat.report(SAMPLE, "markdown", lang="en", calibrate=True) == cli("estimate", SAMPLE, "--calibrate", "--format", "markdown", "--lang", "en").stdout
    cfg = os.path.join(SRC, "tests", "data", "design", "calib_rake.hkstat.toml")
    args = ("tabulate", DESIGN, "--config", cfg, "--calibrate", "--rules", CORE_RULES, "--var", "outing,sex", "--domain", "all,broad")
    s = hkstat.load(DESIGN, config=cfg, require_prevalence_roles=False)
    assert s.report(variables=["outing", "sex"], domains="all,broad", rules=CORE_RULES, calibrate=True) == cli(*args).stdout
    dists = s.tabulate(["outing", "sex"], domains="all,broad", rules=CORE_RULES, calibrate=True)
    # The binding reads the data whole (the residuals per row); the command reads a regular file twice and sums them
    # per combination (docs/performance.md "Eighth session, calst2"): the same SEs to 1e-12 relative (the sex cells,
    # a calibration margin, are 0 up to rounding: 1e-15 absolute).
    rows = cli_csv(*args, "--min-cell", "0")
    ses = [c.se for d in dists for c in d.cells]
    assert len(rows) == len(ses)
    for t, se in zip(rows, ses):
        assert number(t["se"]) == pytest.approx(se, rel=1e-12, abs=1e-15)


def test_replicates_as_the_command(survey):
    r = survey.estimate(replicates="bootstrap", replicates_n=30, seed=7)
    _cells_equal_csv(r, cli_csv("estimate", SAMPLE, "--replicates", "bootstrap", "--replicates-n", "30", "--seed", "7", "--min-cell", "0"))
    assert r.se != survey.estimate().se
    assert r.se != survey.estimate(replicates="bootstrap", replicates_n=30, seed=8).se
    s = hkstat.load(DESIGN, codebook=DESIGN_CB)
    r = s.estimate(rules=CORE_RULES, replicates="jkn")
    _cells_equal_csv(r, cli_csv("estimate", DESIGN, "--codebook", DESIGN_CB, "--rules", CORE_RULES, "--replicates", "jkn", "--min-cell", "0"))
    dist = s.tabulate("outing", domains="all,broad", rules=CORE_RULES, replicates="jkn", min_cell=0)[0]
    rows = cli_csv("tabulate", DESIGN, "--codebook", DESIGN_CB, "--rules", CORE_RULES, "--var", "outing", "--domain", "all,broad",
                   "--replicates", "jkn", "--min-cell", "0")
    assert [number(t["se"]) for t in rows] == [c.se for c in dist.cells]


def test_variance_errors(survey):
    with pytest.raises(hkstat.Error) as e:
        survey.estimate(replicates="jkn", calibrate=True)
    assert e.value.code == "E_USAGE"
    with pytest.raises(hkstat.Error) as e:
        hkstat.estimate(SAMPLE, replicates="jackknife", lang="en")
    assert e.value.code == "E_USAGE" and e.value.value == "jackknife"
    assert e.value.message.startswith("replicates must be jk1") and "--" not in str(e.value)
    assert e.value.message_ja.startswith("replicates は")
    with pytest.raises(hkstat.Error) as e:
        hkstat.estimate(SAMPLE, no_config=True, calibrate=True, lang="en")
    assert e.value.code == "E_USAGE" and "calibrate needs a [weighting] section" in e.value.message


def _stat_rows_equal_csv(st, rows):
    assert len(rows) == len(st.rows)
    for row, r in zip(rows, st.rows):
        assert (row["by"], row["group"], row["meaning"]) == (r.by, r.group, r.meaning)
        assert int(row["n"]) == r.n
        for name, value in (("estimate", r.estimate), ("se", r.se), ("df", r.df)):
            assert number(row[name]) == value, name


def test_statistic_as_the_command():
    st = hkstat.statistic(LABELS, "ratio", "visits", "hh", codebook=LABELS_CB, by=["district"])
    assert st.stat == "ratio" and st.variable == "visits" and st.denominator == "hh"
    _stat_rows_equal_csv(st, cli_csv("estimate", LABELS, "--codebook", LABELS_CB, "--stat", "ratio", "--var", "visits", "--denominator", "hh",
                                     "--by", "district", "--min-cell", "0"))
    assert st.row().se > 0
    st = hkstat.statistic(LABELS, "mean", "visits", codebook=LABELS_CB, replicates="jkn", where="district == 1")
    _stat_rows_equal_csv(st, cli_csv("estimate", LABELS, "--codebook", LABELS_CB, "--stat", "mean", "--var", "visits", "--replicates", "jkn",
                                     "--where", "district == 1", "--min-cell", "0"))
    # The persons of 広義 with their SE, from the sample's population.
    st = hkstat.statistic(SAMPLE)
    _stat_rows_equal_csv(st, cli_csv("estimate", SAMPLE, "--stat", "total", "--min-cell", "0"))
    assert [r.meaning for r in st.rows] == ["weighted_total", "rate_x_population"]
    persons = st.row(meaning="rate_x_population")
    assert persons.estimate == pytest.approx(persons.rate * st.population, rel=1e-12)
    assert hkstat.load(SAMPLE).report("csv", stat="total") == cli("estimate", SAMPLE, "--stat", "total", "--format", "csv").stdout
    want = cli("estimate", LABELS, "--codebook", LABELS_CB, "--stat", "mean", "--var", "visits", "--by", "district", "--lang", "en").stdout
    assert hkstat.report(LABELS, codebook=LABELS_CB, stat="mean", variable="visits", by=["district"], lang="en") == want


def test_statistic_errors_and_frame():
    with pytest.raises(hkstat.Error) as e:
        hkstat.statistic(LABELS, "median", "visits", codebook=LABELS_CB, lang="en")
    assert e.value.code == "E_USAGE" and e.value.message == "stat must be total, mean or ratio"
    with pytest.raises(hkstat.Error) as e:
        hkstat.statistic(LABELS, "mean", codebook=LABELS_CB)
    assert e.value.code == "E_USAGE" and "variable" in e.value.message_en
    with pytest.raises(TypeError):
        hkstat.statistic(LABELS, "mean", "visits", codebook=LABELS_CB, ci="wilson")
    pd = pytest.importorskip("pandas")
    st = hkstat.statistic(LABELS, "mean", "visits", codebook=LABELS_CB, by="district")
    f = st.to_frame()
    assert isinstance(f, pd.DataFrame) and len(f) == len(st.rows)
    assert list(f.estimate) == [r.estimate for r in st.rows]


def _tree(d):
    out = {}
    for root, _, files in os.walk(d):
        for f in files:
            p = os.path.join(root, f)
            out[os.path.relpath(p, d)] = open(p, "rb").read()
    return out


@pytest.mark.parametrize("flags,options", [
    (["--timestamp", "2025-03-01"], {"timestamp": "2025-03-01"}),
    (["--timestamp", "2025-03-01", "--calibrate", "--lang", "en"], {"timestamp": "2025-03-01", "calibrate": True, "lang": "en"}),
    (["--replicates", "bootstrap", "--replicates-n", "30", "--seed", "7", "--no-bom", "--age-groups", "none", "--min-cell", "3",
      "--rate-decimals", "2"],
     {"replicates": "bootstrap", "replicates_n": 30, "seed": 7, "bom": False, "age_groups": [], "min_cell": 3, "rate_decimals": 2}),
    (["--by", "問1", "--where", "問2 >= 40", "--numerator", "respondents"], {"by": ["問1"], "where": "問2 >= 40", "numerator": "respondents"}),
])
def test_report_folder_as_the_command(tmp_path, monkeypatch, flags, options):
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    theirs = tmp_path / "cli" / "out"
    os.makedirs(theirs.parent)
    p = subprocess.run([CLI, "report", SAMPLE, "--out-dir", str(theirs), *flags], capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    mine = tmp_path / "py" / "out"
    os.makedirs(mine.parent)

    def no_command(*args, **kwargs):
        raise AssertionError("the report folder is written in-process, not by running a command")

    monkeypatch.setattr(subprocess, "Popen", no_command)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")  # the library reads no environment
    folder = hkstat.report(SAMPLE, out_dir=str(mine), **options)
    assert isinstance(folder, hkstat.ReportFolder)
    assert folder.dir == str(mine)
    a, b = _tree(mine), _tree(theirs)
    assert sorted(a) == sorted(b) == sorted(folder.files)
    for name in b:
        # Calibrated, the command streams: its CSVs and workbook agree with the data read whole to 1e-12 in the last
        # digits (checked by test_api_jobs), the text byte for byte.
        if options.get("calibrate") and (name.endswith(".csv") or name.endswith(".xlsx")):
            continue
        assert a[name] == b[name], name


def test_report_folder_errors(tmp_path):
    out = tmp_path / "r"
    hkstat.load(SAMPLE).write_report(str(out))
    with pytest.raises(hkstat.Error) as e:
        hkstat.report(SAMPLE, out_dir=str(out), lang="en")
    assert e.value.code == "E_IO_WRITE" and e.value.file == str(out) and e.value.value == str(out)
    assert e.value.message == "the destination already exists" and e.value.message_ja == "出力先が既にあります"
    hkstat.report(SAMPLE, out_dir=str(out), replace=True, population=1000)  # a report folder: replaced
    with pytest.raises(TypeError):
        hkstat.report(SAMPLE, "csv", out_dir=str(out))
    with pytest.raises(hkstat.Error) as e:
        hkstat.report(SAMPLE, out_dir=str(tmp_path / "t"), template=str(tmp_path / "no-template"))
    assert e.value.code != "E_INTERNAL"
    assert not (tmp_path / "t").exists()
