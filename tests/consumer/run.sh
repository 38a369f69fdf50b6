#!/usr/bin/env bash
# The installed hkstat as an outside project sees it (CI, .ci/run):
#   tests/consumer/run.sh BUILD_DIR
# installs BUILD_DIR (already built) into a temporary prefix, builds tests/consumer/main.cpp against it twice —
# with find_package(hkstat) (tests/consumer/CMakeLists.txt) and with `pkg-config --cflags --libs --static hkstat`
# — runs both on data/samples/nishitokyo2024.csv and checks valid n, cases and persons of 広義 against the
# sample's expected figures (nishitokyo2024.expected.json: 810 / 20 / 3,239); the second example
# (tests/consumer/jobs.cpp, with pkg-config) writes the report folder, whose report.md must equal the installed
# command's. Then the installed CLI, run from
# outside the source tree on the installed sample, must print the same estimate. Nothing is written outside
# the temporary directory. When the build has the Python module (HKSTAT_BUILD_PYTHON), the installed module is
# imported from the prefix's site directory by the Python it was built for, from outside the source tree, and
# must give the same figures.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: tests/consumer/run.sh BUILD_DIR" >&2; exit 2; }
build=$(cd "$1" && pwd)
src=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hkstat-consumer.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" || { cat "$tmp/install.log" >&2; fail "cmake --install"; }
for f in bin/hkstat include/hkstat/hkstat.hpp include/hkstat/api/survey.hpp include/hkstat/estimate/prevalence.hpp share/hkstat/rulesets/cao2022.toml \
         share/hkstat/templates/default/tables.toml share/hkstat/samples/nishitokyo2024.csv; do
  [ -f "$prefix/$f" ] || fail "not installed: $f"
done
libdir=$(dirname "$(find "$prefix" -name libhkstat.a | head -1)")
[ -f "$libdir/libhkstat.a" ] || fail "libhkstat.a not installed"
[ -f "$libdir/pkgconfig/hkstat.pc" ] || fail "hkstat.pc not installed"
[ -f "$libdir/cmake/hkstat/hkstatConfig.cmake" ] || fail "hkstatConfig.cmake not installed"

# The expected figures, from the sample's own record of them.
expected=$(python3 -c 'import json, sys; e = json.load(open(sys.argv[1]))["estimate"]["broad"]; print("valid n %d\ncases %d\npersons %d" % (e["n"], e["cases"], e["persons"]))' \
  "$src/data/samples/nishitokyo2024.expected.json")

# 1. find_package(hkstat): only the prefix is known, not the source tree.
cmake -S "$src/tests/consumer" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >"$tmp/cmake.log" 2>&1 \
  || { cat "$tmp/cmake.log" >&2; fail "configuring the consumer with find_package(hkstat)"; }
cmake --build "$tmp/cmake-build" >>"$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log" >&2; fail "building the consumer with find_package(hkstat)"; }

# 2. pkg-config (the library is static: --static brings its private dependencies).
flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs --static hkstat) || fail "pkg-config hkstat"
# shellcheck disable=SC2086
"${CXX:-c++}" -std=c++20 -O1 -o "$tmp/consumer-pc" "$src/tests/consumer/main.cpp" $flags 2>"$tmp/pc.log" \
  || { echo "flags: $flags" >&2; cat "$tmp/pc.log" >&2; fail "building the consumer with pkg-config"; }

# The second example (report folder included: the Mustache renderer is compiled into libhkstat.a, no other
# library), with the same flags.
# shellcheck disable=SC2086
"${CXX:-c++}" -std=c++20 -O1 -o "$tmp/jobs-pc" "$src/tests/consumer/jobs.cpp" $flags 2>"$tmp/pc-jobs.log" \
  || { echo "flags: $flags" >&2; cat "$tmp/pc-jobs.log" >&2; fail "building the jobs example with pkg-config"; }

cd "$tmp"
for bin in "$tmp/cmake-build/hkstat-consumer" "$tmp/consumer-pc"; do
  got=$("$bin" "$src/data/samples/nishitokyo2024.csv") || fail "$bin exited $?"
  [ "$got" = "$expected" ] || { printf 'expected:\n%s\ngot:\n%s\n' "$expected" "$got" >&2; fail "$bin: wrong figures"; }
done

"$tmp/jobs-pc" "$src/data/samples/nishitokyo2024.csv" "$tmp/jobs-report" >"$tmp/jobs.log" || { cat "$tmp/jobs.log" >&2; fail "the jobs example exited"; }
(unset SOURCE_DATE_EPOCH; "$prefix/bin/hkstat" report "$src/data/samples/nishitokyo2024.csv" --out-dir "$tmp/cli-report" --timestamp 2025-03-01 >/dev/null) \
  || fail "installed hkstat report"
cmp -s "$tmp/jobs-report/report.md" "$tmp/cli-report/report.md" || { diff "$tmp/cli-report/report.md" "$tmp/jobs-report/report.md" >&2 || true; fail "the library's report.md differs from the command's"; }

# 3. The installed CLI, outside the source tree, on the installed sample (its rule-sets are built in).
"$prefix/bin/hkstat" estimate "$prefix/share/hkstat/samples/nishitokyo2024.csv" --format csv --lang en >"$tmp/cli.csv" \
  || fail "installed hkstat estimate exited $?"
"$prefix/bin/hkstat" estimate "$src/data/samples/nishitokyo2024.csv" --format csv --lang en >"$tmp/cli-src.csv" || fail "hkstat estimate on the source sample"
sed 's|^[^,]*nishitokyo2024.csv|F|' "$tmp/cli.csv" | cmp -s - <(sed 's|^[^,]*nishitokyo2024.csv|F|' "$tmp/cli-src.csv") \
  || { diff "$tmp/cli.csv" "$tmp/cli-src.csv" >&2 || true; fail "the installed sample gives another estimate"; }
cli_figures=$(awk -F, '$2 == "broad" && $3 == "all" { printf "valid n %d\ncases %d\npersons %.0f\n", $4, $5, $16 }' "$tmp/cli.csv")
[ "$cli_figures" = "$expected" ] || { printf 'expected:\n%s\ngot:\n%s\n' "$expected" "$cli_figures" >&2; fail "installed hkstat: wrong figures"; }

# 4. The Python module, installed under the prefix (python/CMakeLists.txt: HKSTAT_PYTHON_INSTALL_DIR).
python_note=""
if grep -q '^HKSTAT_BUILD_PYTHON:BOOL=ON' "$build/CMakeCache.txt"; then
  py=$(sed -n 's/^Python3_EXECUTABLE:FILEPATH=//p' "$build/CMakeCache.txt")
  site=$(sed -n 's/^HKSTAT_PYTHON_INSTALL_DIR:STRING=//p' "$build/CMakeCache.txt")
  [ -f "$prefix/$site/hkstat/__init__.py" ] || fail "the Python module is not installed under $prefix/$site"
  got=$(PYTHONPATH="$prefix/$site" PYTHONDONTWRITEBYTECODE=1 "$py" -c '
import sys, hkstat
assert hkstat.__file__.startswith(sys.argv[2]), hkstat.__file__
r = hkstat.estimate(sys.argv[1])
hkstat.report(sys.argv[3], out_dir=sys.argv[4], timestamp="2025-03-01")  # in-process, as the C++ example
print("valid n %d\ncases %d\npersons %d" % (r.n, r.cases, round(r.persons)))' "$prefix/share/hkstat/samples/nishitokyo2024.csv" "$prefix/" \
    "$src/data/samples/nishitokyo2024.csv" "$tmp/py-report") || fail "the installed Python module"
  [ "$got" = "$expected" ] || { printf 'expected:\n%s\ngot:\n%s\n' "$expected" "$got" >&2; fail "installed Python module: wrong figures"; }
  cmp -s "$tmp/py-report/report.md" "$tmp/cli-report/report.md" || fail "the installed Python module's report.md differs from the command's"
  python_note=", installed Python module"
fi
echo "consumer: find_package and pkg-config builds, report folder, installed CLI$python_note: ok ($(tr '\n' ' ' <<<"$expected"))"
