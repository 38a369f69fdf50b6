#!/usr/bin/env bash
# ctest bench.smoke (tests/CMakeLists.txt, only with -DHKSTAT_BUILD_BENCH=ON; .ci/run turns it on): the
# benchmark tools build and agree with each other on a small generated file (the plain loop's checksum also with
# awk's sums of the file), and bench/run.sh runs every job
# (a to l, hkstat only: R is not needed by tests) with its floor rows on a tiny file (1,500 rows; about 1.5 s of
# CPU). It checks record counts and that every job ran and wrote its output, not speed (speed is never asserted
# in tests).
# Usage: smoke.sh BUILD_DIR SOURCE_DIR
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
# --mode plain (checks nothing): its record count, and its checksum against the sums of the file's cells taken by
# awk (every integer cell summed, and the cells of weight, the codebook's one number column), in chunks of 256 KiB (the file is one) and of 4 KiB
# (a record cut at almost every chunk's end) in batches of 100 rows (the last one partial).
sums=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) number[i] = ($i == "weight"); next }
  { for (i = 1; i <= NF; i++) if (number[i]) d += $i; else s += $i } END { printf "%.0f %.17g", s, d }' "$tmp/b.csv")
for args in "" "--batch 100 --chunk-bytes 4096"; do
  # shellcheck disable=SC2086  # args: words
  line=$("$build/bench/hkstat-bench-read" --mode plain $args --codebook "$src/bench/bench.codebook.toml" "$tmp/b.csv" 2>"$tmp/plain.err")
  check "plain loop ${args:-(defaults)}" "$line"
  if ! awk -v sums="$sums" '{ split(sums, e, " "); gsub(",", ""); if ($4 != e[1] || ($7 - e[2]) ^ 2 > (1e-12 * e[2]) ^ 2) exit 1 }' "$tmp/plain.err"; then
    echo "FAIL plain loop ${args:-(defaults)}: $(cat "$tmp/plain.err"), expected int cells and number cells $sums"; fail=1
  else
    echo "ok   plain loop ${args:-(defaults)}: checksum = awk's sums ($sums)"
  fi
done
if "$build/bench/hkstat-bench-read" --mode plain --codebook "$src/bench/bench.codebook.toml" - <"$tmp/b.csv" >/dev/null 2>&1; [ $? != 2 ]; then
  echo "FAIL plain loop: standard input (-) not refused with the usage line (exit 2)"; fail=1
fi
check "fccp LineReader" "$("$build/bench/hkstat-bench-read-fccp" --mode lines "$tmp/b.csv")"
check "fccp CSVReader<22>" "$("$build/bench/hkstat-bench-read-fccp" --mode fields "$tmp/b.csv")"

# bench/run.sh, every job, 1,500 rows, one run each, without R and without the read-throughput lines.
rows=1500
if ! HKSTAT_BENCH_BUILD="$build" bash "$src/bench/run.sh" --rows "$rows" --jobs all --no-r --no-build --no-read \
    --repeat 1 --keep "$tmp/run" >"$tmp/run.md" 2>"$tmp/run.err"; then
  echo "FAIL bench/run.sh exited non-zero:"; cat "$tmp/run.err"; exit 1
fi
for job in a b c d e f g h i j k l; do
  line=$(grep "^| $job | 1,500 |" "$tmp/run.md" || true)
  secs=$(awk -F' [|] ' '{ print $4 }' <<<"$line")
  if ! [[ "$secs" =~ ^[0-9]+\.[0-9]+$ ]]; then
    echo "FAIL run.sh job $job: no time (${line:-no row})"; fail=1; continue
  fi
  if [ "$job" = f ]; then
    out=$(find "$tmp/run/report_out" -type f 2>/dev/null | wc -l)
    [ "$out" -gt 0 ] || { echo "FAIL run.sh job f: the report folder is empty"; fail=1; continue; }
  elif [ "$job" = j ]; then
    # weight: the data file, a header and a row per weighted respondent
    out=$(wc -l <"$tmp/run/weighted.csv" 2>/dev/null || echo 0)
    [ "$out" -gt "$rows" ] || { echo "FAIL run.sh job j: $out lines in the weighted file"; fail=1; continue; }
  elif [ "$job" = l ]; then
    # replicate: a header and a row per respondent, each with its 100 replicate weights
    out=$(wc -l <"$tmp/run/replicates.csv" 2>/dev/null || echo 0)
    cols=$(head -n 1 "$tmp/run/replicates.csv" 2>/dev/null | tr ',' '\n' | grep -c '^rep[0-9]' || true)
    [ "$out" -gt "$rows" ] && [ "$cols" = 100 ] || { echo "FAIL run.sh job l: $out lines, $cols replicate columns"; fail=1; continue; }
  else
    # estimate / tabulate CSV: a header and at least one row
    out=$(wc -l <"$tmp/run/hk_${job}_$rows.out")
    [ "$out" -ge 2 ] || { echo "FAIL run.sh job $job: $out lines of output"; fail=1; continue; }
  fi
  echo "ok   run.sh job $job: $line"
done
grep -q "^| 1,500 | [0-9.]* | [0-9.]* | [0-9.]* | [0-9.]* | [0-9.]* | [0-9.]* | [0-9.]* |$" "$tmp/run.md" ||
  { echo "FAIL run.sh: no floor row (cat, wc -l, the plain loop)"; fail=1; }
grep -q "^| 1,500 | [0-9.]* | [0-9.]* | [^|]* | [0-9.]* | [0-9.]* | [^|]* |$" "$tmp/run.md" ||
  { echo "FAIL run.sh: no 'job a against cat' row"; fail=1; }
[ "$fail" = 0 ] || { echo "--- run.sh output"; cat "$tmp/run.md"; echo "--- run.sh log"; cat "$tmp/run.err"; }
exit $fail
