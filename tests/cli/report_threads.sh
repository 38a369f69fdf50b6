#!/usr/bin/env bash
# hkstat report with the file parsed in byte ranges on several threads (issue 16) — every file of the report folder,
# standard output, standard error and the exit code byte for byte those of --threads 1. HKSTAT_PARSE_CHUNK_BYTES forces
# the ranges whatever the file size and the load (cli/common.cpp stream_input): these inputs are far under the 4 MiB
# where they would otherwise pay. Pairs THREADS:RANGE BYTES: 2:97 (most records cut by a range boundary, two parse
# workers), 8:4096 (many records a range, more workers than cores).
#   report_threads.sh HKSTAT SOURCE_DIR
set -u
hk=$1 src=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/hkstat-report-threads.XXXXXX")
trap 'rm -rf "$T"' EXIT
export LC_ALL=C.UTF-8 TZ=Asia/Tokyo
unset SOURCE_DATE_EPOCH
cd "$src" || exit 1
fail=0 runs=0
# same_report NAME EXIT ARGS...: `hkstat report ARGS --threads 1` into $T/out (kept as $T/ref), which must exit with EXIT,
# then with each pair.
same_report() {
  local name=$1 want=$2 combo threads chunk
  shift 2
  rm -rf "$T/out" "$T/ref"
  "$hk" report "$@" --out-dir "$T/out" --threads 1 >"$T/o1" 2>"$T/e1"
  local rc1=$?
  [ -d "$T/out" ] && mv "$T/out" "$T/ref"
  [ "$rc1" = "$want" ] || { echo "$name: exit $rc1, not $want"; head -3 "$T/e1"; fail=1; }
  for combo in 2:97 8:4096; do
    threads=${combo%:*} chunk=${combo#*:}
    rm -rf "$T/out"
    HKSTAT_PARSE_CHUNK_BYTES=$chunk "$hk" report "$@" --out-dir "$T/out" --threads "$threads" >"$T/o2" 2>"$T/e2"
    local rc2=$?
    runs=$((runs + 1))
    if [ $rc1 != $rc2 ] || ! cmp -s "$T/o1" "$T/o2" || ! cmp -s "$T/e1" "$T/e2" || { [ -d "$T/ref" ] && ! diff -r "$T/ref" "$T/out" >/dev/null; } ||
      { [ ! -d "$T/ref" ] && [ -d "$T/out" ]; }; then
      echo "DIFFERENT: $name --threads $threads, ranges of $chunk bytes (exit $rc1 vs $rc2)"
      diff "$T/o1" "$T/o2" | head -5
      diff "$T/e1" "$T/e2" | head -5
      [ -d "$T/ref" ] && diff -r "$T/ref" "$T/out" | head -5
      fail=1
    fi
  done
  echo "$name: exit $rc1"
}
s=data/samples
same_report "sample (population, household roster)" 0 $s/nishitokyo2024.csv --timestamp 2025-01-31
same_report "sample --where --by --lang en" 0 $s/nishitokyo2024.csv --where '問2 >= 40' --by sex --lang en --timestamp 2025-03-01
same_report "design, created bootstrap replicates" 0 tests/data/design/design_survey.csv --codebook tests/data/design/full.codebook.toml \
  --rules tests/data/weighted/core_only.toml --no-config --replicates bootstrap --replicates-n 20 --seed 3 --timestamp 2025-01-31
same_report "supplied jkn replicate columns" 0 tests/data/replicate/rep_survey.csv --codebook tests/data/replicate/sup_jkn.codebook.toml \
  --rules tests/data/weighted/core_only.toml --no-config --timestamp 2025-01-31
same_report "calibrated in two passes (rake)" 0 tests/data/design/design_survey.csv --codebook tests/data/design/calib.codebook.toml \
  --rules tests/data/weighted/core_only.toml --config tests/data/design/calib_rake.hkstat.toml --calibrate --by sex --timestamp 2025-03-01
same_report "long household roster" 0 tests/data/unit/roster/household_long.csv --codebook tests/data/unit/roster/household_long.codebook.toml \
  --rules cao2022-scz-physical --no-config --population 1000 --timestamp 2025-01-31
same_report "agency survey" 0 $s/agency2024.csv --timestamp 2025-01-31
same_report "numbers per category" 0 $s/agency2024_counts.csv --timestamp 2025-01-31
# A row's error (a code out of range) kept by its accumulator and thrown where the one-thread report throws it.
sed '3s/^K02,35,1,/K02,35,7,/' tests/data/report/agency_mini.csv >"$T/a.csv"
same_report "the first error" 3 "$T/a.csv" --codebook tests/data/report/agency_mini.codebook.toml --no-config --by sex --timestamp 2025-01-31
echo "$runs two-thread reports compared"
exit $fail
