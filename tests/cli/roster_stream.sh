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
# What each run proves: --threads 2 with ranges of 97 bytes (a wide roster row cut once or more, the long file's
# household and member rows cut too) and --threads 8 with ranges of 4,096 bytes (many records
# in a range, more workers than cores): the members are counted the same whoever parses their row; --threads 8 with the
# ranges hkstat chooses itself: the plain use. (Until 2026-12 the test also ran --threads 2 with its own ranges and 4,096
# bytes and --threads 8 with 97: the same properties again.)
combos="2:97 8:4096 8:0"
source "$(dirname "$0")/same_bytes_lib.sh"
check() { # NAME ARGS...: same_bytes, and the one-thread run must succeed and count household members
  same_bytes "$@"
  [ $rc1 = 0 ] || { echo "$1: exit $rc1"; cat "$T/e1"; fail=1; }
  grep -q 'respondents+members\|persons\|家族' "$T/o1" || { echo "$1: no members in the output"; fail=1; }
}
check "西東京 wide --by sex" estimate data/samples/nishitokyo2024.csv --by sex --format csv
check "roster_design wide persons" estimate tests/data/roster_design/roster_design.csv --rules tests/data/weighted/core_only.toml \
  --age-groups 15-39,40-64 --by sex --numerator persons --format csv
check "西東京 wide --by sex,outing (crossed)" estimate data/samples/nishitokyo2024.csv --by sex,outing --numerator persons --format csv
check "household long --where" estimate tests/data/unit/roster/household_long.csv --rules cao2022-scz-physical --population 1000 \
  --where "age < 40" --format csv
echo "$runs runs compared"
exit $fail
