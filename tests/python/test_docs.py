# docs/library.md's complete examples are real: each block marked `<!-- example: PATH -->` is the file PATH
# byte for byte, and the files run on the 西東京市 sample and print its recorded figures
# (nishitokyo2024.expected.json). The C++ example (tests/consumer/main.cpp) is built by tests/CMakeLists.txt
# (HKSTAT_EXAMPLE) and, against the installed package, by tests/consumer/run.sh.
import csv
import io
import json
import os
import re
import subprocess
import sys

import pytest

SRC = os.environ.get("HKSTAT_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLE = os.path.join(SRC, "data", "samples", "nishitokyo2024.csv")
EXPECTED = json.load(open(os.path.join(SRC, "data", "samples", "nishitokyo2024.expected.json"), encoding="utf-8"))["estimate"]["broad"]
FIGURES = ["valid n %d" % EXPECTED["n"], "cases %d" % EXPECTED["cases"], "persons %d" % EXPECTED["persons"]]


def examples():
    doc = open(os.path.join(SRC, "docs", "library.md"), encoding="utf-8").read()
    return re.findall(r"<!-- example: (\S+) -->\n```\w*\n(.*?)```\n", doc, flags=re.S)


def test_the_guide_shows_the_example_files():
    found = examples()
    assert {path for path, _ in found} >= {"tests/consumer/main.cpp", "tests/python/example.py", "tests/consumer/jobs.cpp",
                                           "tests/python/example_jobs.py"}
    for path, block in found:
        assert block == open(os.path.join(SRC, path), encoding="utf-8").read(), f"docs/library.md's copy of {path} differs"


def test_python_example_runs(tmp_path):
    p = subprocess.run([sys.executable, os.path.join(SRC, "tests", "python", "example.py"), SAMPLE],
                       capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[1:4] == FIGURES
    assert lines[0].startswith("広義のひきこもり群: %d / %d" % (EXPECTED["cases"], EXPECTED["n"]))
    assert list(tmp_path.iterdir()) == []  # wrote nothing


def test_python_example_reports_an_error(tmp_path):
    p = subprocess.run([sys.executable, os.path.join(SRC, "tests", "python", "example.py"), str(tmp_path / "no.csv")],
                       capture_output=True, text=True)
    assert p.returncode == 1
    assert p.stderr.startswith("E_IO_OPEN: %s: ファイルを開けません" % (tmp_path / "no.csv"))


@pytest.mark.skipif(not os.environ.get("HKSTAT_EXAMPLE"), reason="HKSTAT_EXAMPLE (the built C++ example) not given")
def test_cpp_example_runs(tmp_path):
    p = subprocess.run([os.environ["HKSTAT_EXAMPLE"], SAMPLE], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == FIGURES
    p = subprocess.run([os.environ["HKSTAT_EXAMPLE"], str(tmp_path / "no.csv")], capture_output=True, text=True)
    assert p.returncode == 1 and "E_IO_OPEN" in p.stderr


def check_jobs_output(stdout, out_dir):
    """The jobs examples' lines: the command's figures (its CSV) for the same options, and the report folder of
    hkstat report, byte for byte."""
    cli = os.environ.get("HKSTAT_CLI", os.path.join(SRC, "build", "cli", "hkstat"))

    def headline(*flags):
        out = subprocess.run([cli, "estimate", SAMPLE, *flags, "--format", "csv"], capture_output=True, text=True, check=True).stdout
        row = next(r for r in csv.DictReader(io.StringIO(out)) if r["measure"] == "broad" and r["age_group"] == "all")
        return "rate %.4f se %.4f" % (float(row["rate"]), float(row["se"]))

    lines = stdout.splitlines()
    assert lines[0] == "calibrated " + headline("--calibrate")
    assert lines[1] == "bootstrap " + headline("--replicates", "bootstrap", "--replicates-n", "200", "--seed", "7")
    out = subprocess.run([cli, "estimate", SAMPLE, "--stat", "total", "--format", "csv"], capture_output=True, text=True, check=True).stdout
    row = next(r for r in csv.DictReader(io.StringIO(out)) if r["meaning"] == "rate_x_population")
    assert lines[2] == "persons %.0f se %.0f (%s)" % (float(row["estimate"]), float(row["se"]), row["meaning"])
    assert lines[-1] == "report %s: %d files" % (out_dir, sum(len(f) for _, _, f in os.walk(out_dir)))
    theirs = out_dir + "-cli"
    subprocess.run([cli, "report", SAMPLE, "--out-dir", theirs, "--timestamp", "2025-03-01"], capture_output=True, check=True,
                   env={k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"})
    for d, _, files in os.walk(theirs):
        for f in files:
            rel = os.path.relpath(os.path.join(d, f), theirs)
            assert open(os.path.join(out_dir, rel), "rb").read() == open(os.path.join(theirs, rel), "rb").read(), rel


def test_python_jobs_example_runs(tmp_path):
    out_dir = str(tmp_path / "report")
    p = subprocess.run([sys.executable, os.path.join(SRC, "tests", "python", "example_jobs.py"), SAMPLE, out_dir],
                       capture_output=True, text=True, env={k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"})
    assert p.returncode == 0, p.stderr
    check_jobs_output(p.stdout, out_dir)
    assert p.stdout.splitlines()[3].startswith("mean age ")


@pytest.mark.skipif(not os.environ.get("HKSTAT_JOBS_EXAMPLE"), reason="HKSTAT_JOBS_EXAMPLE (the built C++ example) not given")
def test_cpp_jobs_example_runs(tmp_path):
    out_dir = str(tmp_path / "report")
    p = subprocess.run([os.environ["HKSTAT_JOBS_EXAMPLE"], SAMPLE, out_dir], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    check_jobs_output(p.stdout, out_dir)
    p = subprocess.run([os.environ["HKSTAT_JOBS_EXAMPLE"], SAMPLE, out_dir], capture_output=True, text=True)
    assert p.returncode == 1 and "E_IO_WRITE" in p.stderr  # the folder exists: never overwritten unasked
