#!/usr/bin/env bash
# bench/run.sh — the issue-5 benchmark: the same jobs in hkstat and in R (survey + data.table) on generated
# questionnaire files, timed under /usr/bin/time -v. Prints a Markdown table on standard output; progress on
# standard error. See bench/README.md and docs/performance.md.
#
#   bench/run.sh [--rows N | --sizes N,N,...] [--jobs a,b,c] [options]
#
# Jobs:  a  estimate 広義: overall + age band, sex and age band x sex (--by sex), linearised logit intervals
#        b  the same with 100 bootstrap replicates
#        c  tabulate the 12 reasons by age band x sex within the 広義 group
#        d  job c with 100 bootstrap replicates
#        e  tabulate the main reason (13 codes) among all respondents, 100 bootstrap replicates
#        f  report (the default report folder: tables, xlsx, charts; no R equivalent)
#        g  job a after post-stratification to age band x sex (--calibrate)
#        h  job a after raking to the age band and the sex margins (--calibrate, method rake)
#        i  classify, one CSV row per respondent (no R equivalent)
#        j  weight: post-stratification as in job g, the data file with its weight column written (no R equivalent)
#        k  tabulate the main reason by sex with the Rao-Scott test (--test sex; no R equivalent)
#        l  replicate: 100 bootstrap replicate weights written beside the data (--type bootstrap; no R job)
# Every size also gets a "floor" row: cat > /dev/null, wc -l and a plain loop that stores every field into columns
# and checks nothing (hkstat-bench-read --mode plain) on the same file (wall and CPU seconds), the physical limit
# every figure is read against; job a is also given as a multiple of cat ("within 4x of cat").
# Where R runs, hkstat and R run in turn, --pairs times (hkstat, R, hkstat, R, ...): a ratio per pair.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SIZES="1000000"
JOBS="a,b,c"
ALL_JOBS="a b c d e f g h i j k l"
R_MAX_ROWS=1000000    # R runs only on files up to this size (job b needs ~3 GB at 10^6 rows, 10x at 10^7)
PIPE_MIN_ROWS=20000000 # from this size on, hkstat reads the generator through a pipe (no file is written)
USE_R=auto
BUILD_IT=1
READ_TEST=1
KEEP=""
SEED=1
REPEAT=3
PAIRS=1
CHUNK=""

usage() {
  cat <<'EOF'
usage: bench/run.sh [--rows N | --sizes N,N,...] [--jobs a,b,c] [options]
  --rows N          one file of N rows (default 1000000; 1e6 notation accepted)
  --sizes LIST      several sizes, e.g. 1e4,1e5,1e6,1e7
  --jobs LIST       jobs to run (default a,b,c; all: a to l)
  --no-r            do not run R even if it is installed
  --r-max-rows N    run R only on files up to N rows (default 1e6)
  --pipe-min-rows N stream files of N rows or more from the generator through a pipe (default 2e7)
  --no-read         skip the read-throughput lines
  --no-build        use the existing build-bench/ as it is
  --keep DIR        keep the generated files and every output in DIR (default: a temp dir, removed)
  --seed S          generator seed (default 1)
  --repeat N        run each hkstat job N times on a file and report the run with the median wall time
                    (default 3; R runs once a pair: its run is 40-400 times longer, so one run is stable enough)
  --pairs N         where R runs: N pairs in turn (hkstat's median of --repeat runs, then R), a ratio per
                    pair; the table gives the pair with the median wall ratio (default 1)
  --parse-chunk-bytes N  run hkstat with HKSTAT_PARSE_CHUNK_BYTES=N: its input parsed in byte ranges of N bytes
                    on --threads (default 2) threads whatever the load (without it hkstat decides: one thread
                    when the second core is busy, docs/performance.md); R is not affected
  Other builds: HKSTAT_BENCH_BUILD=DIR (tools and hkstat from DIR) or HKSTAT_BENCH_HK=BINARY (bench/lib.sh).
EOF
  exit 2
}

num() { # 1e6 -> 1000000
  python3 -c 'import sys; v=float(sys.argv[1]); assert v>=1 and v==int(v); print(int(v))' "$1" 2>/dev/null ||
    { echo "bench/run.sh: not a row count: $1" >&2; exit 2; }
}

while [ $# -gt 0 ]; do
  case "$1" in
    --rows) SIZES=$(num "${2:?}"); shift 2 ;;
    --sizes) SIZES=""; IFS=, read -r -a list <<<"${2:?}"; for s in "${list[@]}"; do SIZES="$SIZES $(num "$s")"; done; shift 2 ;;
    --jobs) JOBS="${2:?}"; shift 2 ;;
    --no-r) USE_R=0; shift ;;
    --r-max-rows) R_MAX_ROWS=$(num "${2:?}"); shift 2 ;;
    --pipe-min-rows) PIPE_MIN_ROWS=$(num "${2:?}"); shift 2 ;;
    --no-read) READ_TEST=0; shift ;;
    --no-build) BUILD_IT=0; shift ;;
    --keep) KEEP="${2:?}"; shift 2 ;;
    --seed) SEED="${2:?}"; shift 2 ;;
    --repeat) REPEAT=$(num "${2:?}"); shift 2 ;;
    --pairs) PAIRS=$(num "${2:?}"); shift 2 ;;
    --parse-chunk-bytes) CHUNK=$(num "${2:?}"); shift 2 ;;
    -h|--help) usage ;;
    *) echo "bench/run.sh: unknown argument $1" >&2; usage ;;
  esac
done
[ "$JOBS" = all ] && JOBS=${ALL_JOBS// /,}
FINE_REPEAT=$((REPEAT > 11 ? REPEAT : 11)) # job a against cat: runs of each, on the floor's clock
for j in ${JOBS//,/ }; do case "$j" in a|b|c|d|e|f|g|h|i|j|k|l) ;; *) echo "bench/run.sh: unknown job $j (a to l)" >&2; exit 2 ;; esac; done

if [ "$USE_R" = auto ]; then
  if command -v Rscript >/dev/null &&
     Rscript -e 'quit(status = !all(sapply(c("survey", "data.table"), requireNamespace, quietly = TRUE)))' >/dev/null 2>&1; then
    USE_R=1
  else
    USE_R=0
    echo "bench/run.sh: R with the packages survey and data.table not found: hkstat only" >&2
  fi
fi

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

[ "$BUILD_IT" = 1 ] && bench_build
bench_tools
# hkstat runs through env(1), which only sets the variable and execs it (nothing else is timed).
HKRUN=("$HK")
[ -n "$CHUNK" ] && HKRUN=(env "HKSTAT_PARSE_CHUNK_BYTES=$CHUNK" "$HK")

bench_workdir "$KEEP"

AGE_GROUPS="15-19,20-29,30-39,40-49,50-59,60-64" # = tabulate --by age10 = bench/r/common.R
hkstat_args() { # job file -> HKARGS, the hkstat command line after the binary
  case "$1" in
    a) HKARGS=(estimate "$2" --codebook "$CB" --no-config --age-groups "$AGE_GROUPS" --by sex --format csv) ;;
    b) HKARGS=(estimate "$2" --codebook "$CB" --no-config --age-groups "$AGE_GROUPS" --by sex --format csv
               --replicates bootstrap --replicates-n 100 --seed 1) ;;
    c) HKARGS=(tabulate "$2" --codebook "$CB" --no-config --var reasons --domain broad --by "age10,sex" --format csv) ;;
    d) HKARGS=(tabulate "$2" --codebook "$CB" --no-config --var reasons --domain broad --by "age10,sex" --format csv
               --replicates bootstrap --replicates-n 100 --seed 1) ;;
    e) HKARGS=(tabulate "$2" --codebook "$CB" --no-config --var main_reason --domain all --format csv
               --replicates bootstrap --replicates-n 100 --seed 1) ;;
    f) HKARGS=(report "$2" --codebook "$CB" --no-config --out-dir "$WORK/report_out" --force --timestamp 2025-01-31) ;;
    g) HKARGS=(estimate "$2" --codebook "$CB" --config "$ROOT/bench/bench.hkstat.toml" --age-groups "$AGE_GROUPS"
               --by sex --format csv --calibrate) ;;
    h) HKARGS=(estimate "$2" --codebook "$CB" --config "$ROOT/bench/bench.rake.toml" --age-groups "$AGE_GROUPS"
               --by sex --format csv --calibrate) ;;
    i) HKARGS=(classify "$2" --codebook "$CB" --no-config --format csv) ;;
    j) HKARGS=(weight "$2" --codebook "$CB" --config "$ROOT/bench/bench.hkstat.toml" --out "$WORK/weighted.csv") ;;
    k) HKARGS=(tabulate "$2" --codebook "$CB" --no-config --var main_reason --domain all --test sex --format csv) ;;
    l) HKARGS=(replicate "$2" --codebook "$CB" --no-config --type bootstrap --replicates-n 100 --out "$WORK/replicates.csv") ;;
  esac
}

ROWS_OUT=()
FLOOR_OUT=()
CAT_OUT=()
READ_OUT=()
AGREE_OUT=()
for n in $SIZES; do
  label=$(python3 -c "import sys; n=int(sys.argv[1]); e=len(str(n))-1; print(f'1e{e}' if n==10**e else f'{n:,}')" "$n")
  pipe=0
  [ "$n" -ge "$PIPE_MIN_ROWS" ] && pipe=1
  file="$WORK/bench_$n.csv"
  if [ "$pipe" = 0 ]; then
    log "generating $label rows -> $file"
    "$GEN" --rows "$n" --seed "$SEED" -o "$file"
    mb=$(awk -v b="$(stat -c %s "$file")" 'BEGIN { printf "%.1f", b / 1e6 }')
  else
    mb="(pipe)"
  fi

  if [ "$pipe" = 0 ]; then
    cat "$file" >/dev/null # into the page cache
    measure_fine "$REPEAT" "floor_cat_$n" cat "$file"
    cat_wall=$M_WALL cat_cpu=$M_CPU
    measure_fine "$REPEAT" "floor_wc_$n" wc -l "$file"
    wc_wall=$M_WALL wc_cpu=$M_CPU
    measure_fine "$REPEAT" "floor_plain_$n" "$READ" --mode plain --codebook "$CB" "$file"
    [ "$M_STATUS" = 0 ] || M_WALL="failed ($M_STATUS)" M_CPU="—"
    FLOOR_OUT+=("| $label | $mb | $cat_wall | $cat_cpu | $wc_wall | $wc_cpu | $M_WALL | $M_CPU |")
  fi

  if [ "$READ_TEST" = 1 ] && [ "$pipe" = 0 ]; then
    log "read throughput, $label rows"
    cat "$file" >/dev/null # into the page cache
    wc_cpu=$(python3 -c 'import resource, subprocess, sys
subprocess.run(["wc", "-l", sys.argv[1]], stdout=subprocess.DEVNULL, check=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(r.ru_utime + r.ru_stime)' "$file")
    bytes=$(stat -c %s "$file")
    csv_line=$("$READ" --mode csv "$file")
    ing_line=$("$READ" --mode ingest --codebook "$CB" "$file")
    fccp_line=$("$READ_FCCP" --mode fields "$file")
    READ_OUT+=("| $label | $mb | $(awk -v b="$bytes" -v t="$wc_cpu" 'BEGIN { if (t > 0) printf "%.0f", b / t / 1e6; else print "—" }') \
| $(echo "$fccp_line" | awk '{ printf "%.0f (%.0f)", $7, $6 }') | $(echo "$csv_line" | awk '{ printf "%.0f (%.0f)", $7, $6 }') | $(echo "$ing_line" | awk '{ printf "%.0f (%.0f)", $7, $6 }') |")
  fi

  for job in ${JOBS//,/ }; do
    with_r=0
    if [ "$USE_R" = 1 ] && [ "$n" -le "$R_MAX_ROWS" ] && [ "$pipe" = 0 ] && [ -f "$ROOT/bench/r/job_$job.R" ]; then with_r=1; fi
    pairs=1
    [ "$with_r" = 1 ] && pairs=$PAIRS
    PAIR_LINES=() # per pair: wall-ratio hs hc hm rs rc rm cpu-ratio mem-ratio
    hs="—" hc="—" hm="—" rs="—" rc="—" rm="—"
    for ((pair = 1; pair <= pairs; pair++)); do
      if [ "$pipe" = 0 ]; then
        log "hkstat job $job, $label rows$([ "$pairs" -gt 1 ] && echo ", pair $pair of $pairs")"
        hkstat_args "$job" "$file"
        measure_median "$REPEAT" "hk_${job}_$n" "${HKRUN[@]}" "${HKARGS[@]}"
      else
        log "hkstat job $job, $label rows, streamed from the generator"
        hkstat_args "$job" -
        # shellcheck disable=SC2016
        measure "hk_${job}_$n" bash -c 'set -o pipefail; "$1" --rows "$2" --seed "$3" | "${@:4}"' _ "$GEN" "$n" "$SEED" "${HKRUN[@]}" "${HKARGS[@]}"
      fi
      if [ "$M_STATUS" -eq 0 ]; then
        hs=$M_WALL hc=$M_CPU hm=$M_MB
      elif [ "$M_STATUS" -eq 2 ]; then
        hs="not available" hc="—" hm="—"
        log "  hkstat rejected the options: $(head -c 200 "$WORK/hk_${job}_$n.err" | head -n 1)"
      else
        hs="failed ($M_STATUS)" hc="—" hm="—"
        log "  hkstat failed: $(grep -v '^警告\|^warning\|^  ' "$WORK/hk_${job}_$n.err" | head -n 2)"
      fi
      if [ "$job" = a ] && [ "$hm" != "—" ] && [ "$pipe" = 0 ] && [ "$pair" = 1 ]; then
        # Against cat with the floor's clock (microseconds, not /usr/bin/time's 0.01 s): cat, job a, cat again, each
        # the median of FINE_REPEAT runs; the multiple against the mean of the two cat medians.
        measure_fine "$FINE_REPEAT" "cat_a1_$n" cat "$file"
        c1w=$M_WALL c1c=$M_CPU
        measure_fine "$FINE_REPEAT" "fine_a_$n" "${HKRUN[@]}" "${HKARGS[@]}"
        aw=$M_WALL ac=$M_CPU
        measure_fine "$FINE_REPEAT" "cat_a2_$n" cat "$file"
        cw=$(awk -v a="$c1w" -v b="$M_WALL" 'BEGIN { printf "%.4f", (a + b) / 2 }')
        cc=$(awk -v a="$c1c" -v b="$M_CPU" 'BEGIN { printf "%.4f", (a + b) / 2 }')
        CAT_OUT+=("| $label | $aw | $cw | $(ratio "$aw" "$cw") | $ac | $cc | $(ratio "$ac" "$cc") |")
      fi

      rs="—" rc="—" rm="—"
      if [ "$with_r" = 1 ]; then
        log "R job $job, $label rows$([ "$pairs" -gt 1 ] && echo ", pair $pair of $pairs")"
        measure "r_${job}_$n" Rscript "$ROOT/bench/r/job_$job.R" "$file"
        if [ "$M_STATUS" -eq 0 ]; then
          rs=$M_WALL rc=$M_CPU rm=$M_MB
          if [ "$hm" != "—" ] && [ "$pair" = 1 ]; then
            AGREE_OUT+=("$label rows: $(python3 "$ROOT/bench/compare.py" --job "$job" "$WORK/hk_${job}_$n.out" "$WORK/r_${job}_$n.out" | grep '^# job')")
          fi
        else
          rs="failed ($M_STATUS)" rc="—" rm="—"
          log "  R failed: $(tail -n 2 "$WORK/r_${job}_$n.err")"
        fi
      fi
      if [ "$hm" != "—" ] && [ "$rm" != "—" ]; then
        PAIR_LINES+=("$(ratio "$rs" "$hs" | tr -d '×') $hs $hc $hm $rs $rc $rm $(ratio "$rc" "$hc") $(ratio "$rm" "$hm")")
      fi
    done
    sr="—" cr="—" mr="—" each="—"
    if [ ${#PAIR_LINES[@]} -gt 0 ]; then
      # the pair with the median wall ratio; every pair's wall (CPU) ratio listed
      read -r _ hs hc hm rs rc rm cr mr < <(printf '%s\n' "${PAIR_LINES[@]}" | sort -g -k1,1 | sed -n "$(((${#PAIR_LINES[@]} + 1) / 2))p")
      sr=$(ratio "$rs" "$hs")
      each=$(printf '%s\n' "${PAIR_LINES[@]}" | awk '{ printf "%s%s× (%s)", (NR > 1 ? ", " : ""), $1, $8 }')
    fi
    ROWS_OUT+=("| $job | $label | $mb | $hs | $hc | $hm | $rs | $rc | $rm | $sr | $cr | $mr | $each |")
  done
  [ "$pipe" = 0 ] && [ -z "$KEEP" ] && rm -f "$file"
done

echo "hkstat $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end$([ -n "$CHUNK" ] && echo ", hkstat with HKSTAT_PARSE_CHUNK_BYTES=$CHUNK")"
if [ "$USE_R" = 1 ]; then
  # shellcheck disable=SC2016
  echo "R: $(Rscript -e 'cat(R.version$major, ".", R.version$minor, ", survey ", format(packageVersion("survey")), ", data.table ", format(packageVersion("data.table")), sep = "")' 2>/dev/null)"
fi
echo
echo "| job | rows | file MB | hkstat s | hkstat CPU s | hkstat MB | R s | R CPU s | R MB | speed ratio | CPU ratio | memory ratio | each pair: speed (CPU) ratio |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
printf '%s\n' "${ROWS_OUT[@]}"
echo
echo "s = wall-clock seconds, CPU s = user + system seconds, MB = peak resident set (10^6 bytes), all from /usr/bin/time -v."
echo "speed ratio = R s / hkstat s; CPU ratio = R CPU s / hkstat CPU s; memory ratio = R MB / hkstat MB."
echo "hkstat and R ran in turn ($PAIRS pair(s) per job: hkstat's median of $REPEAT runs, then R); the table gives the pair"
echo "with the median speed ratio. Jobs without R: hkstat's median of $REPEAT runs."
echo "Jobs f (report), i (classify), j (weight), k (tabulate --test) and l (replicate) have no R job here (R column —)."
if [ ${#FLOOR_OUT[@]} -gt 0 ]; then
  echo
  echo "Floor: the same file read by cat > /dev/null, by wc -l, and by a plain loop that stores every field into columns"
  echo "and checks nothing (hkstat-bench-read --mode plain: one thread, batches of 4,096 rows, checksum folded; not"
  echo "hkstat's reader); median of --repeat runs, page cache, timed in microseconds, not by /usr/bin/time:"
  echo
  echo "| rows | file MB | cat s | cat CPU s | wc -l s | wc -l CPU s | plain loop, checks nothing, s | plain loop CPU s |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${FLOOR_OUT[@]}"
fi
if [ ${#CAT_OUT[@]} -gt 0 ]; then
  echo
  echo "Job a against cat on the same file (issue 16's target: within 4× of cat), both on the floor's clock: cat, job a,"
  echo "cat again, each the median of $FINE_REPEAT runs (microseconds; cat s is the mean of its two medians):"
  echo
  echo "| rows | job a s | cat s | multiple (wall) | job a CPU s | cat CPU s | multiple (CPU) |"
  echo "|---:|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${CAT_OUT[@]}"
fi
if [ ${#READ_OUT[@]} -gt 0 ]; then
  echo
  echo "Read throughput, MB/s of CPU time (of wall time), one core, file in the page cache:"
  echo
  echo "| rows | file MB | wc -l (CPU) | fast-cpp-csv-parser, fields only | hkstat CSV reader, fields only | hkstat ingest, typed columns |"
  echo "|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${READ_OUT[@]}"
  echo
  echo "hkstat columns: build-bench/bench/hkstat-bench-read --mode csv / --mode ingest (io::CsvReader, data::ingest)."
  echo "fast-cpp-csv-parser: build-bench/bench/hkstat-bench-read-fccp --mode fields (io::CSVReader<22>, the baseline)."
fi
if [ ${#AGREE_OUT[@]} -gt 0 ]; then
  echo
  echo "hkstat vs R on the same files (bench/compare.py; matched by domain and variable):"
  echo
  printf '    %s\n' "${AGREE_OUT[@]}"
fi
[ -n "$KEEP" ] && echo && echo "outputs kept in $WORK"
exit 0
