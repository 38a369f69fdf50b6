#!/usr/bin/env bash
# bench/scaling.sh — how hkstat's cost grows with the number of PSUs, domains and replicates at a fixed number of rows
# (docs/performance.md). Prints Markdown tables on standard output.
#
#   bench/scaling.sh [--rows N] [--no-build] [--keep DIR]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROWS=1000000
BUILD_IT=1
KEEP=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) ROWS=$(python3 -c 'import sys; print(int(float(sys.argv[1])))' "${2:?}"); shift 2 ;;
    --no-build) BUILD_IT=0; shift ;;
    --keep) KEEP="${2:?}"; shift 2 ;;
    *) echo "usage: bench/scaling.sh [--rows N] [--no-build] [--keep DIR]" >&2; exit 2 ;;
  esac
done

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
[ "$BUILD_IT" = 1 ] && bench_build
bench_tools
bench_workdir "$KEEP"

row() { # label NAME CMD...
  local label=$1 name=$2; shift 2
  measure "$name" "$@"
  if [ "$M_STATUS" -ne 0 ]; then
    echo "| $label | failed ($M_STATUS) | | |"
    log "  $name failed: $(grep -v '^警告\|^warning\|^  ' "$WORK/$name.err" | head -n 2)"
  else
    echo "| $label | $M_WALL | $M_CPU | $M_MB |"
  fi
}

echo "hkstat $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'), $ROWS rows, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
echo
echo "PSUs (job a: estimate, 6 age groups; 50 strata):"
echo
echo "| PSUs | s | CPU s | MB |"
echo "|---:|---:|---:|---:|"
for p in 4 40 400; do
  f="$WORK/psus_$p.csv"
  "$GEN" --rows "$ROWS" --psus "$p" -o "$f"
  psus=$(cut -d, -f7,8 "$f" | tail -n +2 | sort -u | wc -l)
  log "estimate with $psus PSUs"
  row "$psus" "psus_$p" "$HK" estimate "$f" --codebook "$CB" --no-config --age-groups 15-19,20-29,30-39,40-49,50-59,60-64 --format csv
  rm -f "$f"
done

f="$WORK/domains.csv"
"$GEN" --rows "$ROWS" -o "$f"
echo
echo "Domains of job a (estimate: 3 measures x (1 + age groups) cells):"
echo
echo "| age groups | s | CPU s | MB |"
echo "|---:|---:|---:|---:|"
for g in none 15-39,40-64 15-19,20-29,30-39,40-49,50-59,60-64 15-19,20-24,25-29,30-34,35-39,40-44,45-49,50-54,55-59,60-64; do
  if [ "$g" = none ]; then k=0; else k=$(echo "$g" | tr ',' '\n' | wc -l); fi
  log "estimate with $k age groups"
  row "$k" "groups_$k" "$HK" estimate "$f" --codebook "$CB" --no-config --age-groups "$g" --format csv
done
echo
echo "Replicates (job b: estimate, 6 age groups x sex, bootstrap replicates created from the design):"
echo
echo "| replicates | s | CPU s | MB |"
echo "|---:|---:|---:|---:|"
for r in 25 100 400; do
  log "estimate with $r bootstrap replicates"
  row "$r" "reps_$r" "$HK" estimate "$f" --codebook "$CB" --no-config --age-groups 15-19,20-29,30-39,40-49,50-59,60-64 --by sex \
    --replicates bootstrap --replicates-n "$r" --seed 1 --format csv
done
echo
echo "Domains of job c (tabulate of the 12 reasons within 広義):"
echo
echo "| --by | s | CPU s | MB |"
echo "|---|---:|---:|---:|"
for by in none sex age10 age10,sex age5,sex; do
  log "tabulate --by $by"
  if [ "$by" = none ]; then
    row "(none)" "by_none" "$HK" tabulate "$f" --codebook "$CB" --no-config --var reasons --domain broad --format csv
  else
    row "$by" "by_${by/,/_}" "$HK" tabulate "$f" --codebook "$CB" --no-config --var reasons --domain broad --by "$by" --format csv
  fi
done
rm -f "$f"
