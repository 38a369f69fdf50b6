#!/usr/bin/env bash
# hkstat report is reproducible and never leaves a partial folder:
#   two runs (with --timestamp, and with neither --timestamp nor SOURCE_DATE_EPOCH) give identical folders;
#   SOURCE_DATE_EPOCH gives the same bytes as the equivalent --timestamp;
#   an existing folder is refused without --force (left untouched) and replaced whole with --force.
# Usage: report_rerun.sh HKSTAT SOURCE_DIR
set -u
hkstat=$1 src=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/hkstat-rerun.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$src" || exit 1
unset SOURCE_DATE_EPOCH
fail=0
run() { "$hkstat" report data/samples/nishitokyo2024.csv "$@" >/dev/null 2>"$T/err" || { echo "run failed: $*"; cat "$T/err"; fail=1; }; }
run --out-dir "$T/a" --timestamp 2025-01-31
run --out-dir "$T/b" --timestamp 2025-01-31
diff -r "$T/a" "$T/b" >/dev/null || { echo "two runs with --timestamp differ"; fail=1; }
run --out-dir "$T/c"
run --out-dir "$T/d"
diff -r "$T/c" "$T/d" >/dev/null || { echo "two runs without a timestamp differ"; fail=1; }
SOURCE_DATE_EPOCH=1738281600 run --out-dir "$T/e"
core() { python3 -c 'import sys, zipfile; sys.stdout.write(zipfile.ZipFile(sys.argv[1]).read("docProps/core.xml").decode())' "$1"; }
[ "$(core "$T/a/report.xlsx")" = "$(core "$T/e/report.xlsx")" ] || { echo "SOURCE_DATE_EPOCH and --timestamp give different workbook dates"; fail=1; }
core "$T/a/report.xlsx" | grep -q "2025-01-31T00:00:00Z" || { echo "workbook created time is not the timestamp"; fail=1; }
core "$T/c/report.xlsx" | grep -q "1980-01-01T00:00:00Z" || { echo "workbook created time without a timestamp is not 1980-01-01"; fail=1; }
grep -q "作成日: 2025-01-31" "$T/e/report.md" || { echo "SOURCE_DATE_EPOCH date missing"; fail=1; }
cmp -s "$T/a/report.xlsx" "$T/c/report.xlsx" && { echo "the timestamp does not reach the workbook"; fail=1; }
grep -q "作成日" "$T/c/report.md" && { echo "a date is shown without a timestamp"; fail=1; }
# Existing folder without --force: exit 5, untouched.
cp -r "$T/c" "$T/c.before"
"$hkstat" report data/samples/nishitokyo2024.csv --out-dir "$T/c" --timestamp 2025-01-31 >/dev/null 2>"$T/err"
[ $? = 5 ] || { echo "existing folder without --force: expected exit 5"; fail=1; }
grep -q "E_IO_WRITE" "$T/err" || { echo "no E_IO_WRITE message"; cat "$T/err"; fail=1; }
diff -r "$T/c" "$T/c.before" >/dev/null || { echo "the existing folder was modified"; fail=1; }
# --force replaces it whole (a stale table of the old report disappears).
echo "old" >"$T/c/tables/stale.csv"
run --out-dir "$T/c" --timestamp 2025-01-31 --force
diff -r "$T/a" "$T/c" >/dev/null || { echo "--force did not give the same folder as a fresh run"; fail=1; }
left=$(find "$T" -name '*.tmp-*' -o -name '*.old-*')
[ -z "$left" ] || { echo "temporary folders left: $left"; fail=1; }
[ $fail = 0 ] && echo ok
exit $fail
