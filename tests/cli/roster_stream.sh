#!/usr/bin/env bash
# `estimate` with a household roster streams (issue 16): the bytes printed for --threads 1 are the bytes printed for
# --threads 2 and 8, with the file parsed in forced byte ranges (HKSTAT_PARSE_CHUNK_BYTES) — a wide roster (the
# 西東京 sample, --by sex, and --by sex,outing crossed with persons; the clustered, weighted roster_design with
# --numerator persons and --by sex)
# and a long one (the unit household with its member file, --where).
#   roster_stream.sh HKSTAT SOURCE_DIR
set -u
hk=$1 src=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/hkstat-roster.XXXXXX")
trap 'rm -rf "$T"' EXIT
export LC_ALL=C.UTF-8 TZ=Asia/Tokyo
cd "$src" || exit 1
fail=0 runs=0
check() { # NAME ARGS...
  local name=$1
  shift
  "$hk" "$@" --min-cell 0 --threads 1 >"$T/o1" 2>"$T/e1"
  local rc1=$?
  [ $rc1 = 0 ] || { echo "$name: exit $rc1"; cat "$T/e1"; fail=1; }
  grep -q 'respondents+members\|persons\|家族' "$T/o1" || { echo "$name: no members in the output"; fail=1; }
  for threads in 2 8; do
    for chunk in 0 97 4096; do
      if [ $chunk = 0 ]; then "$hk" "$@" --min-cell 0 --threads $threads >"$T/o2" 2>"$T/e2"
      else HKSTAT_PARSE_CHUNK_BYTES=$chunk "$hk" "$@" --min-cell 0 --threads $threads >"$T/o2" 2>"$T/e2"; fi
      local rc2=$?
      runs=$((runs + 1))
      if [ $rc1 != $rc2 ] || ! cmp -s "$T/o1" "$T/o2" || ! cmp -s "$T/e1" "$T/e2"; then
        echo "DIFFERENT: $name --threads $threads, ranges of $chunk bytes (exit $rc1 vs $rc2)"
        diff "$T/o1" "$T/o2" | head -5
        fail=1
      fi
    done
  done
  echo "$name: exit $rc1"
}
check "西東京 wide --by sex" estimate data/samples/nishitokyo2024.csv --by sex --format csv
check "roster_design wide persons" estimate tests/data/roster_design/roster_design.csv --rules tests/data/weighted/core_only.toml \
  --age-groups 15-39,40-64 --by sex --numerator persons --format csv
check "西東京 wide --by sex,outing (crossed)" estimate data/samples/nishitokyo2024.csv --by sex,outing --numerator persons --format csv
check "household long --where" estimate tests/data/unit/roster/household_long.csv --rules cao2022-scz-physical --population 1000 \
  --where "age < 40" --format csv
echo "$runs runs compared"
exit $fail
