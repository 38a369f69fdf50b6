#!/usr/bin/env python3
"""`hkstat estimate --calibrate` with nonresponse cells, trimming and bounded linear calibration against R's survey
package, through the real CLI.
  calibrate_adjusted_vs_r.py HKSTAT SOURCE_DIR
Golden: r/calibrate_adjusted_golden.R → tests/golden/calibrate_adjusted/{results,differences}.csv, on the stratified
two-stage design of tests/data/design/design_survey.csv (codebook calib.codebook.toml) calibrated as
tests/data/design/<design>.hkstat.toml says: nonresponse cells then post-stratification, raking or bounded linear
calibration; raking then trimming (one pass and strict); bounded linear calibration, untrimmed and trimmed.
Each design runs twice: from the file (read in passes: the streamed --calibrate) and from standard input (a pipe
cannot be read twice: the data read whole, the in-memory path; its output differs from the streamed one in the last
digits of ~90 fields, so both paths are checked).
The designs "nopsu:<configuration>" are the same rows without a psu column (codebook calib_nopsu.codebook.toml,
R svydesign(ids = ~1, strata = ~stratum, fpc = ~npop): each respondent its own PSU, the residuals' centred moments
per stratum): post-stratified, raked, bounded linear (untrimmed and trimmed), nonresponse cells then raking, raking
then trimming. They run from the file (the streamed path of docs/performance.md "Ninth session, calnopsu"); one of
them (cells then raking) also from standard input. The in-memory path equals the streamed one to 1e-12 for each of
these weightings in tests/unit/test_calibrated_stream.cpp.
And `tabulate --calibrate --var outing --domain all,broad --by sex` without a psu column (post-stratified, bounded
GREG trimmed, cells then raking; from the file, cells then raking also from standard input): every category's
proportion, SE, df, logit interval and deff (tabulate.csv). Each run is `estimate --by sex` (overall, age groups,
each sex alone and within each age group; broad and narrow) and `--table differences` (40-64 − 15-39; female − male
within all / each age group).
And `--ci likelihood` on five of the calibrated designs (likelihood.csv: svyciprop(method = "likelihood")), from the
file: every cell's interval ends; and `tabulate --calibrate --ci likelihood` on two of them (tabulate_likelihood.csv).
Tolerances (those of the other *_vs_r tests): estimate, difference, SE and deff 1e-9 relative (1e-12 absolute below
1e-12), and the estimate also 1e-10 absolute; df exact; logit interval ends 1e-8 absolute. Checks and messages of
tests/cli/vs_r_check.py (VsR); ends with "N checks".
"""
import subprocess
import sys

sys.dont_write_bytecode = True  # importing vs_r_check writes no tests/cli/__pycache__
from vs_r_check import Csv, VsR, field, read_golden  # noqa: E402

t = VsR()
DATA = "tests/data/design/design_survey.csv"
BOTH = ["file", "stdin"]
# (golden design, configuration, codebook, paths)
DESIGNS = [(name, name, "calib", BOTH) for name in
           ["calib_cells_poststratify", "calib_cells_rake", "calib_cells_linear", "calib_rake_cells", "calib_rake_trim",
            "calib_rake_trim_strict", "calib_linear_bounds", "calib_linear"]]
DESIGNS += [(f"nopsu:{name}", name, "calib_nopsu", BOTH if name == "calib_cells_rake" else ["file"]) for name in
            ["calib_poststratify", "calib_rake", "calib_linear_bounds", "calib_linear", "calib_cells_rake",
             "calib_rake_trim"]]
cells_golden = read_golden("tests/golden/calibrate_adjusted/results.csv")[1:]
diffs_golden = read_golden("tests/golden/calibrate_adjusted/differences.csv")[1:]
tab_golden = read_golden("tests/golden/calibrate_adjusted/tabulate.csv")[1:]
with open(DATA, "rb") as f:
    data_bytes = f.read()


def run_csv(what, path, *args, command="estimate"):
    """hkstat COMMAND on the file (path 'file') or on standard input from a pipe (path 'stdin'), parsed."""
    source = DATA if path == "file" else "-"
    if path == "file":
        p = subprocess.run([t.hkstat, command, source, *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    else:
        p = subprocess.run([t.hkstat, command, source, *args], input=data_bytes, stdout=subprocess.PIPE)
    if p.returncode != 0:
        print(f"hkstat failed: {what}")
        sys.stdout.flush()
        sys.exit(1)
    return Csv(p.stdout.decode("utf-8"))


def cell_row(label, cells, sx, grp, measure):
    """The row of `estimate --by sex --format csv` for sex sx (all | 1 | 2), age group grp and measure; None (and a
    FAIL) if there is none."""
    row = t.one(label, cells.match(measure=measure, age_group=grp, by_variable="" if sx == "all" else "sex",
                                   by_level="" if sx == "all" else sx))
    if row is None:
        t.failed(f"FAIL no hkstat row for {label}")
    return row


t.want_rows("designs", len({g[0] for g in cells_golden}), len(DESIGNS))
for design, config, codebook, paths in DESIGNS:
    args = ["--codebook", f"tests/data/design/{codebook}.codebook.toml", "--rules", "tests/data/weighted/core_only.toml",
            "--config", f"tests/data/design/{config}.hkstat.toml", "--calibrate", "--by", "sex", "--format", "csv",
            "--min-cell", "0"]
    want_cells = [g for g in cells_golden if g[0] == design]
    want_diffs = [g for g in diffs_golden if g[0] == design]
    t.want_rows(f"{design} cells", len(want_cells), 18)
    t.want_rows(f"{design} differences", len(want_diffs), 8)
    for path in paths:
        cells = run_csv(f"{design} {path}", path, *args)
        diffs = run_csv(f"{design} {path} differences", path, *args, "--table", "differences")
        for _, sx, grp, measure, est, se, df, lower, upper in want_cells:
            label = f"{design} {path} sex {sx} {grp} {measure}"
            row = cell_row(label, cells, sx, grp, measure)
            if row is None:
                continue
            t.check_prop(label, cells, row, "rate", est, se, df, lower, upper, "NA")
            t.check(f"{label} rate (absolute)", field(row, cells.col("rate")), est, "abs", 1e-10)
        for _, by, grp, measure, diff, se, df in want_diffs:
            label = f"{design} {path} {by} difference {grp} {measure}"
            if by == "age":
                rows = diffs.match(measure=measure, age_group="40-64", reference="15-39", by_variable="")
            else:
                rows = diffs.match(measure=measure, age_group="2", reference="1", by_variable="sex",
                                   within_age_group=grp)
            row = t.one(label, rows)
            if row is None:
                t.failed(f"FAIL no hkstat row for {label}")
                continue
            t.check_diff(label, row, diff, se, df)

# tabulate --calibrate without a psu column: outing's categories over all and within broad, in all, men and women.
SEX = {"all": "all", "1": "male", "2": "female"}
for design, config, paths in [("nopsu:calib_poststratify", "calib_poststratify", ["file"]),
                              ("nopsu:calib_linear", "calib_linear", ["file"]),
                              ("nopsu:calib_cells_rake", "calib_cells_rake", BOTH)]:
    want = [g for g in tab_golden if g[0] == design]
    t.want_rows(f"{design} tabulate cells", len(want), 48)
    for path in paths:
        out = run_csv(f"{design} {path} tabulate", path, "--codebook", "tests/data/design/calib_nopsu.codebook.toml",
                      "--rules", "tests/data/weighted/core_only.toml", "--config", f"tests/data/design/{config}.hkstat.toml",
                      "--calibrate", "--var", "outing", "--domain", "all,broad", "--by", "sex", "--min-cell", "0",
                      "--format", "csv", command="tabulate")
        for _, domain, sx, code, est, se, df, lower, upper, deff in want:
            label = f"{design} {path} tabulate {domain} sex {sx} outing={code}"
            row = t.one(label, out.match(variable="outing", domain=domain, age_band="all", sex=SEX[sx], code=code))
            if row is None:
                t.failed(f"FAIL no hkstat row for {label}")
                continue
            t.check_prop(label, out, row, "percent", est, se, df, lower, upper, deff)
# --ci likelihood on calibrated designs (docs/performance.md "Tenth session, caltest"): the interval ends of every cell
# of `estimate --by sex` against svyciprop(method = "likelihood"), from the file (the streamed path), 1e-8 absolute
# (the calibration stops at 1e-10 relative misfit, as for the other ends).
lik_golden = read_golden("tests/golden/calibrate_adjusted/likelihood.csv")[1:]
LIK = [("calib_cells_poststratify", "calib_cells_poststratify", "calib"), ("calib_linear_bounds", "calib_linear_bounds", "calib"),
       ("calib_rake_trim", "calib_rake_trim", "calib"), ("nopsu:calib_rake", "calib_rake", "calib_nopsu"),
       ("nopsu:calib_linear", "calib_linear", "calib_nopsu")]
t.want_rows("likelihood designs", len({g[0] for g in lik_golden}), len(LIK))
for design, config, codebook in LIK:
    want = [g for g in lik_golden if g[0] == design]
    t.want_rows(f"{design} likelihood cells", len(want), 18)
    cells = run_csv(f"{design} likelihood", "file", "--codebook", f"tests/data/design/{codebook}.codebook.toml", "--rules",
                    "tests/data/weighted/core_only.toml", "--config", f"tests/data/design/{config}.hkstat.toml", "--calibrate",
                    "--by", "sex", "--format", "csv", "--min-cell", "0", "--ci", "likelihood")
    for _, sx, grp, measure, lower, upper in want:
        label = f"{design} likelihood sex {sx} {grp} {measure}"
        row = cell_row(label, cells, sx, grp, measure)
        if row is None:
            continue
        t.check(f"{label} lower", field(row, cells.col("ci_lower")), lower, "abs", 1e-8)
        t.check(f"{label} upper", field(row, cells.col("ci_upper")), upper, "abs", 1e-8)
# tabulate --calibrate --ci likelihood: outing's categories (tabulate_likelihood.csv), from the file; ends 1e-8 absolute,
# NA (a category of 0 or 100 %) not compared.
tlik_golden = read_golden("tests/golden/calibrate_adjusted/tabulate_likelihood.csv")[1:]
for design, config, codebook in [("calib_cells_poststratify", "calib_cells_poststratify", "calib"),
                                 ("nopsu:calib_rake", "calib_rake", "calib_nopsu")]:
    want = [g for g in tlik_golden if g[0] == design]
    t.want_rows(f"{design} tabulate likelihood cells", len(want), 48)
    t.want_rows(f"{design} tabulate likelihood cells with an interval", len([g for g in want if g[4] != "NA"]) >= 30, True)
    out = run_csv(f"{design} tabulate likelihood", "file", "--codebook", f"tests/data/design/{codebook}.codebook.toml",
                  "--rules", "tests/data/weighted/core_only.toml", "--config", f"tests/data/design/{config}.hkstat.toml",
                  "--calibrate", "--var", "outing", "--domain", "all,broad", "--by", "sex", "--min-cell", "0",
                  "--format", "csv", "--ci", "likelihood", command="tabulate")
    for _, domain, sx, code, lower, upper in want:
        if lower == "NA":
            continue
        label = f"{design} tabulate likelihood {domain} sex {sx} outing={code}"
        row = t.one(label, out.match(variable="outing", domain=domain, age_band="all", sex=SEX[sx], code=code))
        if row is None:
            t.failed(f"FAIL no hkstat row for {label}")
            continue
        t.check(f"{label} lower", field(row, out.col("ci_lower")), lower, "abs", 1e-8)
        t.check(f"{label} upper", field(row, out.col("ci_upper")), upper, "abs", 1e-8)
t.finish()
