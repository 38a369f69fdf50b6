#!/usr/bin/env bash
# ctest bench.smoke (tests/CMakeLists.txt, only with -DHKSTAT_BUILD_BENCH=ON; .ci/run turns it on): the
# benchmark tools build and agree with each other on a small generated file. It checks record counts, not
# speed (speed is never asserted in tests). Usage: smoke.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hkstat-bench-smoke-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
n=2345
"$build/bench/hkstat-bench-gen" --rows "$n" --seed 7 -o "$tmp/b.csv"
# The generator's pieces concatenate to the whole (bench/README.md).
{ "$build/bench/hkstat-bench-gen" --rows 1000 --seed 7; "$build/bench/hkstat-bench-gen" --rows $((n - 1000)) --first 1000 --seed 7; } >"$tmp/pieces.csv"
cmp "$tmp/b.csv" "$tmp/pieces.csv"
fail=0
check() { # label, line printed by a read tool (mode records bytes ...)
  local records
  records=$(awk '{ print $2 }' <<<"$2")
  if [ "$records" != "$n" ]; then echo "FAIL $1: $records records, expected $n ($2)"; fail=1; else echo "ok   $1: $2"; fi
}
check "hkstat CsvReader" "$("$build/bench/hkstat-bench-read" --mode csv "$tmp/b.csv")"
check "hkstat ingest" "$("$build/bench/hkstat-bench-read" --mode ingest --codebook "$src/bench/bench.codebook.toml" "$tmp/b.csv")"
check "hkstat IngestStream, batches of 100" "$("$build/bench/hkstat-bench-read" --mode stream --batch 100 --codebook "$src/bench/bench.codebook.toml" "$tmp/b.csv")"
check "fccp LineReader" "$("$build/bench/hkstat-bench-read-fccp" --mode lines "$tmp/b.csv")"
check "fccp CSVReader<22>" "$("$build/bench/hkstat-bench-read-fccp" --mode fields "$tmp/b.csv")"
exit $fail
