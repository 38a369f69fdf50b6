"""tests/cli/vs_r_check.py — the comparisons the Python *_vs_r tests share: hkstat's printed value against R's golden
value. Checks (compare_*_vs_r.py) collects each failure (not raised), so that a run lists every difference; VsR (the
other *_vs_r.py checkers) prints every check as it makes it."""
import os
import subprocess
import sys


class Checks:
    def __init__(self):
        self.failures = []

    def near(self, what, got, want):
        """Relative 1e-9, or absolute 1e-12 where R's value is below 1e-12."""
        try:
            g = float(got)
        except ValueError:
            self.failures.append(f"{what}: hkstat {got!r}, R {want}")
            return
        w = float(want)
        ok = abs(g - w) <= 1e-12 if abs(w) < 1e-12 else abs(g - w) <= 1e-9 * abs(w)
        if not ok:
            self.failures.append(f"{what}: hkstat {g!r}, R {w!r}")

    def exact(self, what, got, want):
        """Exactly (degrees of freedom)."""
        try:
            same = float(got) == float(want)
        except ValueError:
            same = False
        if not same:
            self.failures.append(f"{what}: df hkstat {got!r}, R {want}")


# What the ported *_vs_r.py checkers share (they were bash scripts over tests/cli/vs_r_lib.sh, which forked awk and
# cut for every number; the checks, tolerances and messages are that library's): each prints `ok   LABEL: GOT` or
# `FAIL LABEL: got GOT want WANT (rel|abs diff D > TOL)`, counts its checks, and `finish` prints "N checks" and exits 1
# if any failed. CSV lines are split at every comma, as awk -F, and cut -d, did (hkstat's numeric CSV has no quoted
# field in the columns compared).


def _number(text):
    try:
        return float(text)
    except ValueError:
        return None


def clip01(x):
    """R's interval end clipped to [0, 1] as hkstat clips a Wald interval of a proportion (NA and '' unchanged)."""
    if x in ("", "NA"):
        return x
    v = float(x)
    return "0" if v < 0 else "1" if v > 1 else repr(v)


def design_options(design):
    """The hkstat options of a test design of tests/data/design (r/design_cli_golden.R): full and the codebook-declared
    designs none; calib_NAME --config tests/data/design/calib_NAME.hkstat.toml --calibrate; rep_TYPE --replicates TYPE."""
    if design.startswith("calib_"):
        return ["--config", f"tests/data/design/{design}.hkstat.toml", "--calibrate"]
    if design.startswith("rep_"):
        return ["--replicates", design[4:]]
    return []


def field(row, i):
    """The 1-based field i of a split CSV row ('' past its end or for a missing row), as cut -d, -fi printed it."""
    return row[i - 1] if row is not None and 0 < i <= len(row) else ""


class Csv:
    """An hkstat --format csv output: header (column name → 1-based position) and rows (lists of fields)."""

    def __init__(self, text):
        lines = [line.split(",") for line in text.splitlines() if line != ""]
        self.header = {name: i + 1 for i, name in enumerate(lines[0])} if lines else {}
        self.rows = lines[1:]

    def col(self, name):
        return self.header.get(name, 0)

    def find(self, **by_position):
        """The rows whose fields equal the given values; keys are 'f<N>' for 1-based field N."""
        want = [(int(k[1:]), v) for k, v in by_position.items()]
        return [r for r in self.rows if all(field(r, i) == v for i, v in want)]

    def match(self, **by_name):
        """The rows whose fields in the named columns equal the given values (a column hkstat does not print: '')."""
        want = [(self.col(k), v) for k, v in by_name.items()]
        return [r for r in self.rows if all(field(r, i) == v for i, v in want)]

    def where(self, test):
        return [r for r in self.rows if test(lambda i: field(r, i))]


def read_golden(path):
    """The lines of a golden CSV split at commas (its header included, as `while IFS=, read` saw it)."""
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n").split(",") for line in f if line.strip() != ""]


def golden_row(rows, *values):
    """The first golden row whose leading fields are values (None if none)."""
    for r in rows:
        if r[:len(values)] == list(values):
            return r
    return None


class VsR:
    """One checker run: argv HKSTAT SOURCE_DIR (cwd becomes SOURCE_DIR), the check count and the failure flag."""

    def __init__(self, argv=None):
        argv = sys.argv if argv is None else argv
        self.hkstat, src = argv[1], argv[2]
        os.chdir(src)
        self.fail = False
        self.count = 0

    # --- running hkstat
    def run(self, *args, stderr=None):
        """hkstat's exit code and stdout (stderr to the test's log unless stderr=subprocess.DEVNULL)."""
        p = subprocess.run([self.hkstat, *args], stdout=subprocess.PIPE, stderr=stderr, text=True)
        return p.returncode, p.stdout

    def run_csv(self, what, *args):
        """The parsed stdout of `hkstat ARGS`; if hkstat fails, prints 'hkstat failed: WHAT' and ends the run (exit 1)."""
        rc, out = self.run(*args)
        if rc != 0:
            print(f"hkstat failed: {what}" if what else "hkstat failed")
            sys.stdout.flush()
            sys.exit(1)
        return Csv(out)

    def failed(self, message):
        print(message)
        self.fail = True

    def one(self, what, rows):
        """The one row of rows; none → None (its checks then fail on empty fields); more → FAIL and the first."""
        if len(rows) > 1:
            self.failed(f"FAIL {what}: {len(rows)} hkstat rows, want 1")
        return rows[0] if rows else None

    # --- the checks (each counts one)
    def check(self, label, got, want, kind, tol):
        """One number printed by hkstat against R's: |got − want| (relative to |want| if kind == 'rel') ≤ tol. An empty
        or non-numeric GOT fails unless it is WANT's very text (NA = NA)."""
        self.count += 1
        g, w = _number(got), _number(want)
        if got != "" and got == want and (g is None or w is None):
            print(f"ok   {label}: {got}")
            return
        if got == "" or g is None or w is None:
            self.failed(f"FAIL {label}: got {got} want {want} ({kind} diff nan > {tol:g})")
            return
        d = abs(g - w)
        if kind == "rel":
            d = (0.0 if d == 0 else float("inf")) if w == 0 else d / abs(w)
        if not d <= tol:
            self.failed(f"FAIL {label}: got {got} want {want} ({kind} diff {d:g} > {tol:g})")
        else:
            print(f"ok   {label}: {got}")

    def near(self, label, got, want, tol):
        """tol relative, or 1e-12 absolute where |want| < 1e-12 (a category of 0 %, an SE that is 0 up to rounding)."""
        w = _number(want)
        if w is not None and abs(w) < 1e-12:
            self.check(label, got, want, "abs", 1e-12)
        else:
            self.check(label, got, want, "rel", tol)

    def check_prop(self, label, out, row, value, est, se, df, lower, upper, deff):
        """One proportion of a --format csv row, columns found by name in out's header (value: percent or rate; se,
        df, ci_lower, ci_upper, deff) against R's: value, SE and deff 1e-9 (near), df exact, interval ends 1e-8
        absolute. lower/upper or deff NA: not compared."""
        def f(name):
            return field(row, out.col(name)) if out.col(name) else ""
        self.near(f"{label} {value}", f(value), est, 1e-9)
        self.near(f"{label} se", f("se"), se, 1e-9)
        self.check(f"{label} df", f("df"), df, "abs", 0)
        if lower != "NA":
            self.check(f"{label} lower", f("ci_lower"), lower, "abs", 1e-8)
            self.check(f"{label} upper", f("ci_upper"), upper, "abs", 1e-8)
        if deff != "NA":
            self.near(f"{label} deff", f("deff"), deff, 1e-9)

    def want_rows(self, what, got, want):
        """The number of golden rows compared is want (a filter that matches nothing must not pass)."""
        if got != want:
            self.failed(f"FAIL {what}: {got} golden rows, want {want}")

    def check_cell(self, label, row, golden, lower, upper, tol=1e-8):
        """One cell of `hkstat estimate --format csv` (estimate field 6, SE 8, df 13, interval ends 9 and 10) against a
        golden results.csv row (estimate 6, SE 7, df 8) and the golden ends lower, upper: estimate and SE 1e-9
        relative, df exact, ends tol absolute."""
        self.check(f"{label} estimate", field(row, 6), field(golden, 6), "rel", 1e-9)
        self.check(f"{label} se", field(row, 8), field(golden, 7), "rel", 1e-9)
        self.check(f"{label} df", field(row, 13), field(golden, 8), "abs", 0)
        self.check(f"{label} lower", field(row, 9), lower, "abs", tol)
        self.check(f"{label} upper", field(row, 10), upper, "abs", tol)

    def check_diff(self, label, row, diff, se, df):
        """A row of `estimate --table differences --format csv` (difference field 4, SE 5, df 8) against R's."""
        self.check(f"{label} difference", field(row, 4), diff, "rel", 1e-9)
        self.check(f"{label} difference se", field(row, 5), se, "rel", 1e-9)
        self.check(f"{label} difference df", field(row, 8), df, "abs", 0)

    def check_difference(self, label, row, golden):
        """check_diff against a golden differences.csv row (difference 3, SE 4, df 5)."""
        self.check_diff(label, row, field(golden, 3), field(golden, 4), field(golden, 5))

    def finish(self):
        print(f"{self.count} checks")
        sys.stdout.flush()
        sys.exit(1 if self.fail else 0)
