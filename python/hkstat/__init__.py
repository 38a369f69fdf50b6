"""hkstat — prevalence estimates of municipal hikikomori surveys (ひきこもり実態調査) from Python.

The C++ library's facade (hkstat/api/survey.hpp) with the same files, defaults and numbers as the ``hkstat``
command::

    >>> import hkstat
    >>> r = hkstat.estimate("data/samples/nishitokyo2024.csv")
    >>> r.cases, r.n, round(r.persons)
    (20, 810, 3239)

The codebook ``<stem>.codebook.toml`` and the run configuration ``<stem>.hkstat.toml`` are found next to the
data unless given. Results are plain Python objects (``Estimate``, ``Cell``, ``Distribution``); with pandas
installed, ``to_frame()`` gives a DataFrame. Every problem is raised as ``hkstat.Error`` carrying the code,
file, line, column, value, expected value and message in Japanese (``lang="en"``: English).
See docs/library.md.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from . import _core

__all__ = ["Error", "Survey", "Estimate", "Cell", "Difference", "Distribution", "TableCell", "Classification",
           "Statistic", "StatisticRow", "ReportFolder", "load", "estimate", "tabulate", "statistic", "report", "__version__"]

__version__ = _core.version

_LANGS = ("ja", "en")
_MEASURE_LABELS = {"broad": ("広義のひきこもり群", "broad hikikomori"), "narrow": ("狭義のひきこもり群", "narrow hikikomori"),
                   "semi": ("準ひきこもり群", "semi-hikikomori")}


class Error(Exception):
    """A problem hkstat found (the library's hkstat::Error).

    Attributes: ``code`` (stable, e.g. ``"E_DATA_UNKNOWN_CODE"``), ``file``, ``line``, ``column``,
    ``column_name``, ``key`` (None when they do not apply), ``value``, ``message`` and ``expected`` in the
    language asked for (``lang``), and both languages in ``message_ja``/``message_en``,
    ``expected_ja``/``expected_en``. ``str(error)`` is the one-line report of the ``hkstat`` command.
    """

    def __init__(self, problem: Dict[str, Any], lang: str = "ja"):
        self.problem = dict(problem)
        self.lang = lang
        self.code: str = problem["code"]
        self.file: Optional[str] = problem["file"]
        self.line: Optional[int] = problem["line"]
        self.column: Optional[int] = problem["column"]
        self.column_name: Optional[str] = problem["column_name"]
        self.key: Optional[str] = problem["key"]
        self.value: str = problem["value"]
        self.message_ja: str = problem["message_ja"]
        self.message_en: str = problem["message_en"]
        self.expected_ja: str = problem["expected_ja"]
        self.expected_en: str = problem["expected_en"]
        self.message: str = problem["message_" + lang]
        self.expected: str = problem["expected_" + lang]
        super().__init__(problem["text_" + lang])

    def __reduce__(self):  # pickling (multiprocessing) keeps the whole problem
        return (Error, (self.problem, self.lang))


def _check_lang(lang: str) -> str:
    if lang not in _LANGS:
        raise ValueError(f"lang must be 'ja' or 'en', not {lang!r}")
    return lang


@contextlib.contextmanager
def _errors(lang: str) -> Iterator[None]:
    try:
        yield
    except _core.CoreError as e:
        raise Error(e.args[0], lang) from None


def _pandas():
    try:
        import pandas
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise ImportError("to_frame() needs pandas (Debian: apt-get install python3-pandas)") from e
    return pandas


@dataclass(frozen=True)
class Cell:
    """One prevalence cell: a measure (broad, narrow, semi) in a group ("all" or an age group such as
    "15-39"), or in a level of a ``by`` variable. ``rate`` and ``se`` are proportions (0-1); ``ci`` is the
    interval at the estimate's level; ``persons`` the estimated number of people (None without a population)."""

    measure: str
    group: str
    n: int
    cases: int
    rate: float
    rate_used: float
    se: float
    df: float
    deff: Optional[float]
    deff_wor: Optional[float]
    ci: Tuple[float, float]
    ci_note: Optional[str]
    population: Optional[float]
    persons: Optional[float]
    persons_ci: Optional[Tuple[float, float]]
    persons_ci_method: Optional[str]
    by_variable: Optional[str] = None
    by_level: Optional[str] = None
    by_label: Optional[str] = None


@dataclass(frozen=True)
class Difference:
    """The difference between two groups' rates (group − reference) with its SE and interval."""

    measure: str
    group: str
    reference: str
    by_variable: Optional[str]
    age_group: Optional[str]
    difference: float
    se: float
    df: float
    ci: Tuple[float, float]


@dataclass(frozen=True, repr=False)
class Estimate:
    """A prevalence estimate (``hkstat estimate``). The headline figures — ``n``, ``cases``, ``rate``, ``se``,
    ``ci``, ``persons``, ``persons_ci`` — are those of the broad group (広義) among all respondents; every
    cell is in ``cells`` (``cell(measure, group)`` finds one). Figures are unsuppressed: ``report()`` applies
    the small-cell rule when publishing."""

    cells: List[Cell]
    differences: List[Difference]
    ruleset: str
    ci_method: str
    level: float
    weighted: bool
    design_based: bool
    design: str
    design_df: float
    rate_rounding: Optional[int]
    outing_missing: int
    age_missing: int
    where: Optional[str]
    population: Optional[float]
    population_by_group: Dict[str, float]
    population_label: Optional[str]
    population_source: Optional[str]
    lang: str = field(default="ja", repr=False)

    def cell(self, measure: str = "broad", group: str = "all", by_variable: Optional[str] = None,
             by_level: Optional[str] = None) -> Cell:
        for c in self.cells:
            if c.measure == measure and c.group == group and c.by_variable == by_variable and c.by_level == by_level:
                return c
        raise KeyError((measure, group, by_variable, by_level))

    @property
    def headline(self) -> Cell:
        return self.cell()

    n = property(lambda self: self.headline.n)
    cases = property(lambda self: self.headline.cases)
    rate = property(lambda self: self.headline.rate)
    se = property(lambda self: self.headline.se)
    ci = property(lambda self: self.headline.ci)
    persons = property(lambda self: self.headline.persons)
    persons_ci = property(lambda self: self.headline.persons_ci)

    def to_frame(self):
        """The cells as a pandas DataFrame, one row per cell (columns as the fields of ``Cell``, the
        interval split into ci_lower / ci_upper and persons_lower / persons_upper)."""
        pd = _pandas()
        rows = []
        for c in self.cells:
            d = dict(c.__dict__)
            d["ci_lower"], d["ci_upper"] = d.pop("ci")
            pci = d.pop("persons_ci")
            d["persons_lower"], d["persons_upper"] = pci if pci else (None, None)
            rows.append(d)
        return pd.DataFrame(rows)

    def __repr__(self) -> str:
        h = self.headline
        return (f"<hkstat.Estimate broad: cases={h.cases} n={h.n} rate={h.rate!r} se={h.se!r} ci={h.ci!r} "
                f"persons={h.persons!r}; {len(self.cells)} cells, ruleset={self.ruleset!r}>")

    def __str__(self) -> str:
        h = self.headline
        en = self.lang == "en"
        pct = f"{h.rate * 100:.1f}%"
        ci = f"{h.ci[0] * 100:.1f}–{h.ci[1] * 100:.1f}%"
        label = _MEASURE_LABELS["broad"][1 if en else 0]
        level = f"{self.level * 100:g}%"
        if en:
            s = f"{label}: {h.cases} / {h.n} = {pct} ({level} CI {ci}, {self.ci_method})"
            if h.persons is not None:
                s += f"; estimated {round(h.persons):,} persons"
        else:
            s = f"{label}: {h.cases} / {h.n} = {pct}（{level} 信頼区間 {ci}、{self.ci_method}）"
            if h.persons is not None:
                s += f"、推計 {round(h.persons):,}人"
        return s


@dataclass(frozen=True)
class TableCell:
    """One row of a distribution within one block (domain × age band × level)."""

    domain: str
    age_band: str
    level: str
    level_label: str
    by_variable: Optional[str]
    base: int
    code: Optional[int]
    label: str
    n: int
    percent: Optional[float]
    se: Optional[float]
    df: float
    deff: Optional[float]
    ci: Optional[Tuple[float, float]]
    ci_method: Optional[str]
    suppressed: bool
    small_base: bool
    wide_ci: bool
    base_suppressed: bool = False


@dataclass(frozen=True)
class Distribution:
    """The distribution of one single- or multiple-answer variable (``hkstat tabulate --var``). ``percent``
    and ``se`` are proportions (0-1). ``suppressed`` marks the cells the published table hides (small
    counts and what would reveal them), ``base_suppressed`` the cells of a block whose base n it hides (n=*, no
    percentages); the values are still there for the analyst."""

    variable: str
    label: str
    multi: bool
    rows: int
    weighted: bool
    design_based: bool
    ci_method: str
    level: float
    min_cell: int
    where: Optional[str]
    cells: List[TableCell]

    def to_frame(self):
        pd = _pandas()
        rows = []
        for c in self.cells:
            d = {"variable": self.variable, **c.__dict__}
            ci = d.pop("ci")
            d["ci_lower"], d["ci_upper"] = ci if ci else (None, None)
            rows.append(d)
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class Classification:
    """The class of every respondent under a rule-set: ``counts`` by class id (narrow, semi, not_case,
    excluded) and ``rows``, one class id per valid row in file order."""

    ruleset: str
    counts: Dict[str, int]
    rows: List[str]

    @property
    def broad(self) -> int:
        return self.counts["narrow"] + self.counts["semi"]


@dataclass(frozen=True)
class StatisticRow:
    """One row of a total, mean or ratio: a domain (``by`` variable and its ``group`` code, "all" for the whole
    sample) and, for the total of a code variable, the ``category``. ``meaning`` says what ``estimate`` is: "total",
    "mean", "ratio", "weighted_total" or "rate_x_population" (persons = rate × population, with ``rate`` and
    ``rate_se``). ``ci`` is None when it cannot be computed (df <= 0, no respondents)."""

    by: str
    group: str
    group_label: str
    category: str
    category_label: str
    meaning: str
    estimate: Optional[float]
    se: Optional[float]
    df: Optional[float]
    ci: Optional[Tuple[float, float]]
    n: int
    cases: int
    sum_weights: float
    rate: Optional[float]
    rate_se: Optional[float]


@dataclass(frozen=True)
class Statistic:
    """A total (R svytotal), mean (svymean) or ratio (svyratio) with SE (``hkstat estimate --stat``): one
    ``StatisticRow`` per domain in ``rows``, unsuppressed (``Survey.report(stat=...)`` applies min_cell)."""

    stat: str
    variable: Optional[str]
    denominator: Optional[str]
    variable_label: str
    denominator_label: str
    design: str
    variance: str
    level: float
    where: Optional[str]
    n: int
    weighted: bool
    population: Optional[float]
    population_label: Optional[str]
    rows: List[StatisticRow]

    def row(self, by: str = "all", group: str = "all", category: str = "all", meaning: Optional[str] = None) -> StatisticRow:
        """The first row of this domain (and category, and ``meaning`` when given: the total of 広義 has a
        "weighted_total" and, with a population, a "rate_x_population" row)."""
        for r in self.rows:
            if r.by == by and r.group == group and r.category == category and meaning in (None, r.meaning):
                return r
        raise KeyError((by, group, category, meaning))

    def to_frame(self):
        pd = _pandas()
        rows = []
        for r in self.rows:
            d = dict(r.__dict__)
            ci = d.pop("ci")
            d["ci_lower"], d["ci_upper"] = ci if ci else (None, None)
            rows.append(d)
        return pd.DataFrame(rows)


@dataclass(frozen=True)
class ReportFolder:
    """The report folder written by ``Survey.write_report`` / ``hkstat.report(path, out_dir=...)``: its ``dir``,
    the ``files`` (relative paths) and the optional tables ``skipped`` as (id, reason)."""

    dir: str
    files: List[str]
    skipped: List[Tuple[str, str]]


def _statistic_from(d: Dict[str, Any], lang: str) -> Statistic:
    return Statistic(
        stat=d["stat"], variable=d["variable"], denominator=d["denominator"], variable_label=d["variable_label"][lang],
        denominator_label=d["denominator_label"][lang], design=d["design"][lang], variance=d["variance"][lang],
        level=d["level"], where=d["where"], n=d["n"], weighted=d["weighted"], population=d["population"],
        population_label=d["population_label"], rows=[StatisticRow(**r) for r in d["rows"]])


def _estimate_from(d: Dict[str, Any], lang: str) -> Estimate:
    pop = d["population"]
    return Estimate(
        cells=[Cell(**c) for c in d["cells"]],
        differences=[Difference(**x) for x in d["differences"]],
        ruleset=d["ruleset"], ci_method=d["ci_method"], level=d["level"], weighted=d["weighted"],
        design_based=d["design_based"], design=d["design"][lang], design_df=d["design_df"],
        rate_rounding=d["rate_rounding"], outing_missing=d["outing_missing"], age_missing=d["age_missing"],
        where=d["where"], population=pop["total"], population_by_group=dict(pop["by_group"]),
        population_label=pop["label"], population_source=pop["source"], lang=lang)


def _distribution_from(d: Dict[str, Any]) -> Distribution:
    cells = [TableCell(**c) for c in d.pop("cells")]
    return Distribution(cells=cells, **d)


_VARIANCE_KEYS = ("replicates", "replicates_n", "seed", "calibrate")
_ESTIMATE_KEYS = ("rules", "population", "population_file", "age_groups", "ci", "level", "rate_rounding",
                  "lonely_psu", "by", "where", "numerator") + _VARIANCE_KEYS
_TABULATE_KEYS = ("domains", "by", "where", "rules", "ci", "level", "min_cell", "lonely_psu") + _VARIANCE_KEYS
_STATISTIC_KEYS = ("stat", "variable", "denominator", "by", "where", "rules", "population", "population_file",
                   "age_groups", "level", "lonely_psu", "replicates", "replicates_n", "seed")


def _options(kw: Dict[str, Any], keys: Sequence[str], what: str) -> Dict[str, Any]:
    out = {}
    for k, v in kw.items():
        if k not in keys:
            raise TypeError(f"{what}() got an unexpected keyword argument {k!r}")
        if k in ("age_groups", "by") and isinstance(v, str) and what in ("estimate", "statistic"):
            v = [x for x in v.split(",") if x] if k == "by" else ([] if v == "none" else v.split(","))
        if k == "domains" and not isinstance(v, str):
            v = ",".join(v)
        out[k] = v
    return out


class Survey:
    """A survey file read under its codebook (``hkstat.load``). Estimate, tabulate and report it as often as
    needed without reading it again."""

    def __init__(self, core: "_core.Survey", lang: str):
        self._core = core
        self.lang = lang

    data_path = property(lambda self: self._core.data_path)
    codebook_path = property(lambda self: self._core.codebook_path)
    config_path = property(lambda self: self._core.config_path)
    n_rows = property(lambda self: self._core.n_rows, doc="valid rows read")
    encoding = property(lambda self: self._core.encoding)
    rows_rejected = property(lambda self: self._core.rows_rejected)
    variables = property(lambda self: self._core.variables, doc="the codebook's variable names")

    @property
    def rejected(self) -> List[Tuple[int, List[Error]]]:
        """Rows left out for invalid values (``drop_invalid_rows=True``): (line, [Error, ...])."""
        return [(line, [Error(p, self.lang) for p in problems]) for line, problems in self._core.rejected]

    @property
    def warnings(self) -> List[Error]:
        return [Error(p, self.lang) for p in self._core.warnings]

    def classify(self, rules: Optional[str] = None) -> Classification:
        with _errors(self.lang):
            d = _core.classify(self._core, rules or "")
        return Classification(ruleset=d["ruleset"], counts=dict(d["counts"]), rows=list(d["rows"]))

    def estimate(self, **options) -> Estimate:
        """Prevalence of 広義 / 狭義 / 準 (``hkstat estimate``). Options (else the run configuration's, else
        the default): rules, population, population_file, age_groups (list or "15-39,40-64"), ci, level,
        rate_rounding, lonely_psu, by (list of code variables), where (an expression, docs/cli.md), numerator
        (respondents | respondents+members | persons: household members of a codebook with a [roster])."""
        kw = _options(options, _ESTIMATE_KEYS, "estimate")
        with _errors(self.lang):
            return _estimate_from(_core.estimate(self._core, kw), self.lang)

    def tabulate(self, variables, **options) -> List[Distribution]:
        """Distributions of code / multi variables (``hkstat tabulate``). Options: domains ("all", "broad",
        "comparison" or a list), by ("age10", "sex", "age2,sex", a code variable), where, rules, ci, level,
        min_cell, lonely_psu."""
        if isinstance(variables, str):
            variables = [variables]
        kw = _options(options, _TABULATE_KEYS, "tabulate")
        with _errors(self.lang):
            return [_distribution_from(d) for d in _core.tabulate(self._core, list(variables), kw)]

    def statistic(self, stat: str = "total", variable: Optional[str] = None, denominator: Optional[str] = None,
                  **options) -> Statistic:
        """A total, mean or ratio with SE (``hkstat estimate --stat``): ``stat`` "total" (of a code, integer or
        number variable; without ``variable``: the persons of 広義 with their SE), "mean" or "ratio" (``variable``
        over ``denominator``). Options: by (list of code variables), where, rules, population, population_file,
        age_groups, level, lonely_psu, replicates, replicates_n, seed."""
        kw = _options(dict(options, stat=stat, variable=variable, denominator=denominator), _STATISTIC_KEYS, "statistic")
        with _errors(self.lang):
            return _statistic_from(_core.statistic(self._core, kw), self.lang)

    def write_report(self, out_dir: Optional[str] = None, *, template: Optional[str] = None,
                     timestamp: Optional[str] = None, bom: bool = True, replace: bool = False,
                     rate_decimals: Optional[int] = None, min_cell: Optional[int] = None,
                     persons_unit: Optional[str] = None, **options) -> ReportFolder:
        """Writes the report folder of ``hkstat report`` (report.md, report.xlsx, tables/*.csv, charts/*.svg and
        *.png) to ``out_dir`` (default ``<stem>-report`` in the working directory), whole or not at all: the
        library's report folder, in-process, the same bytes as the command. ``template``: a template folder;
        ``timestamp``: the report's date ("2025-03-01"); ``bom``: CSV files start with a UTF-8 BOM; ``replace``:
        replace an existing report folder. Estimate options as ``estimate()``. Errors are raised as ``Error``."""
        kw = _options(options, _ESTIMATE_KEYS, "estimate")
        if out_dir is None:
            out_dir = os.path.splitext(os.path.basename(self.data_path))[0] + "-report"
        with _errors(self.lang):
            d = _core.write_report(self._core, kw, str(out_dir), self.lang, rate_decimals, min_cell, persons_unit or "",
                                   "" if template is None else str(template), timestamp or "", bool(bom), bool(replace))
        return ReportFolder(dir=str(out_dir), files=list(d["files"]),
                            skipped=[(table, why[self.lang]) for table, why in d["skipped"]])

    def report(self, format: str = "text", *, variables=None, stat: Optional[str] = None, rate_decimals: Optional[int] = None,
               min_cell: Optional[int] = None, persons_unit: Optional[str] = None, **options) -> str:
        """The estimate (or, with ``variables``, the tables; with ``stat``, the total, mean or ratio) as the command
        prints it: format "text", "markdown" or "csv", in the survey's language; small cells suppressed. The report
        folder: ``write_report``."""
        with _errors(self.lang):
            if stat is not None:
                kw = _options(dict(options, stat=stat), _STATISTIC_KEYS, "statistic")
                return _core.render_statistic(self._core, kw, format, self.lang, min_cell)
            if variables is not None:
                if isinstance(variables, str):
                    variables = [variables]
                kw = _options(options, _TABULATE_KEYS, "tabulate")
                return _core.render_tabulation(self._core, list(variables), kw, format, self.lang, rate_decimals)
            kw = _options(options, _ESTIMATE_KEYS, "estimate")
            return _core.render_estimate(self._core, kw, format, self.lang, rate_decimals, min_cell, persons_unit or "")

    def __repr__(self) -> str:
        return f"<hkstat.Survey {self.data_path!r}: {self.n_rows} rows, codebook {self.codebook_path!r}>"


_LOAD_KEYS = ("codebook", "config", "no_config", "encoding", "drop_invalid_rows", "require_prevalence_roles")


def load(path, *, codebook: Optional[str] = None, config: Optional[str] = None, no_config: bool = False,
         encoding: Optional[str] = None, drop_invalid_rows: bool = False, require_prevalence_roles: bool = True,
         lang: str = "ja") -> Survey:
    """Read a survey CSV with its codebook (default ``<stem>.codebook.toml`` next to it, or the run
    configuration's) and run configuration (``<stem>.hkstat.toml`` if present). Rows with invalid values raise
    ``Error`` unless ``drop_invalid_rows`` (then see ``Survey.rejected``). ``lang`` is the language of errors
    and reports ("ja" or "en")."""
    _check_lang(lang)
    with _errors(lang):
        core = _core.load(str(path), str(codebook or ""), str(config or ""), bool(no_config), encoding or "",
                          bool(drop_invalid_rows), bool(require_prevalence_roles))
    return Survey(core, lang)


def _split(kw: Dict[str, Any]):
    load_kw = {k: kw.pop(k) for k in list(kw) if k in _LOAD_KEYS}
    return load_kw, kw


def estimate(path, *, lang: str = "ja", **options) -> Estimate:
    """``hkstat.load(path, ...)`` then ``Survey.estimate(...)``: load options (codebook, config, no_config,
    encoding, drop_invalid_rows) and estimate options in one call."""
    load_kw, est_kw = _split(dict(options))
    return load(path, lang=lang, **load_kw).estimate(**est_kw)


def tabulate(path, variables, *, lang: str = "ja", **options) -> List[Distribution]:
    """``hkstat.load(path, require_prevalence_roles=False, ...)`` then ``Survey.tabulate(variables, ...)``."""
    load_kw, tab_kw = _split(dict(options))
    load_kw.setdefault("require_prevalence_roles", False)
    return load(path, lang=lang, **load_kw).tabulate(variables, **tab_kw)


def statistic(path, stat: str = "total", variable: Optional[str] = None, denominator: Optional[str] = None, *,
              lang: str = "ja", **options) -> Statistic:
    """``hkstat.load(path, ...)`` then ``Survey.statistic(stat, variable, denominator, ...)``; the outing and
    duration columns are required only for the total of 広義 (no ``variable``)."""
    load_kw, st_kw = _split(dict(options))
    load_kw.setdefault("require_prevalence_roles", stat == "total" and variable is None)
    return load(path, lang=lang, **load_kw).statistic(stat, variable, denominator, **st_kw)


def report(path, format: Optional[str] = None, *, out_dir: Optional[str] = None, lang: str = "ja", **options):
    """With ``out_dir``: ``hkstat.load(path, ...)`` then ``Survey.write_report(out_dir, ...)`` — the report folder
    of ``hkstat report`` (returns a ``ReportFolder``). Without it: ``Survey.report(format or "text", ...)``, the
    text the command prints (a string)."""
    load_kw, rep_kw = _split(dict(options))
    if out_dir is not None:
        if format is not None:
            raise TypeError("report(): format is for the printed report; the folder (out_dir) holds every format")
        load_kw.setdefault("require_prevalence_roles", False)  # agency and intake records have a report too
        return load(path, lang=lang, **load_kw).write_report(out_dir, **rep_kw)
    if "stat" in rep_kw:
        load_kw.setdefault("require_prevalence_roles", rep_kw["stat"] == "total" and rep_kw.get("variable") is None)
    return load(path, lang=lang, **load_kw).report(format or "text", **rep_kw)
