#!/usr/bin/env bash
# Runs fuzz targets on their corpus (fuzz/README.md).
#   fuzz/run.sh [-t SECONDS] [-j PARALLEL] [-n] BUILD_DIR [TARGET...]
# BUILD_DIR was configured with -DHKSTAT_FUZZ=ON (it holds fuzz/fuzz_<target>). Every target by default.
# -t: seconds per target (default 60); -j: targets run at the same time (default 2); -n: nice -n 19.
# A run longer than TIMEOUT seconds of wall-clock time is a finding (default 30; 120 with -n, where the targets
# only get idle CPU on a shared machine).
# The working corpus is BUILD_DIR/fuzz-corpus/<target> (seeded by fuzz/seed.sh, grown by the runs), logs in
# BUILD_DIR/fuzz-logs/<target>.log, crashing inputs in BUILD_DIR/fuzz-artifacts/. Exit 1 if any target
# found something (crash, sanitizer report, uncaught exception, a run longer than TIMEOUT, more than 2 GB).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_EACH=60 PARALLEL=2 NICE="" TIMEOUT=${TIMEOUT:-}
while getopts "t:j:n" o; do
  case $o in t) SECONDS_EACH=$OPTARG ;; j) PARALLEL=$OPTARG ;; n) NICE="nice -n 19" ;; *) exit 2 ;; esac
done
[ -n "$TIMEOUT" ] || { [ -n "$NICE" ] && TIMEOUT=120 || TIMEOUT=30; }
shift $((OPTIND - 1))
BUILD=$(cd "$1" && pwd); shift
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(csv codebook rules run_config population weighting template pipeline where)
CORPUS=$BUILD/fuzz-corpus LOGS=$BUILD/fuzz-logs ART=$BUILD/fuzz-artifacts
mkdir -p "$CORPUS" "$LOGS" "$ART"
SEEDS=$(mktemp -d)
trap 'rm -rf "$SEEDS"' EXIT
bash "$ROOT/fuzz/seed.sh" "$SEEDS"
dict() {
  case $1 in
    codebook|rules|run_config) echo "-dict=$ROOT/fuzz/dict_toml.txt" ;;
    template) echo "-dict=$ROOT/fuzz/dict_mustache.txt" ;;
    csv|pipeline|population|weighting) echo "-dict=$ROOT/fuzz/dict_csv.txt" ;;
    where) echo "-dict=$ROOT/fuzz/dict_where.txt" ;;
  esac
}
run_one() {
  local t=$1
  mkdir -p "$CORPUS/$t"
  cp -n "$SEEDS/$t"/* "$CORPUS/$t/" 2>/dev/null || true
  local start=$SECONDS rc=0
  # shellcheck disable=SC2046
  ( cd "$BUILD" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      $NICE "$BUILD/fuzz/fuzz_$t" "$CORPUS/$t" $(dict "$t") -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 \
      -timeout="$TIMEOUT" -max_len=65536 -print_final_stats=1 -artifact_prefix="$ART/$t-" ) > "$LOGS/$t.log" 2>&1 || rc=$?
  local execs
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$LOGS/$t.log" | grep -o '[0-9]*$' || echo "?")
  if [ $rc -eq 0 ]; then
    echo "fuzz_$t: no finding in $((SECONDS - start)) s ($execs runs, corpus $(ls "$CORPUS/$t" | wc -l))"
  else
    echo "fuzz_$t: FINDING (exit $rc) after $((SECONDS - start)) s; see $LOGS/$t.log and $ART/$t-*"
    grep -m3 -E 'ERROR|runtime error|uncaught|deadly signal|Test unit written' "$LOGS/$t.log" | sed 's/^/    /' || true
  fi
  return $rc
}
export -f run_one dict
export ROOT BUILD CORPUS LOGS ART SEEDS SECONDS_EACH NICE TIMEOUT
printf '%s\n' "${TARGETS[@]}" | xargs -P "$PARALLEL" -I{} bash -c 'run_one {}'
