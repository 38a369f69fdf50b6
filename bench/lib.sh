# shellcheck shell=bash disable=SC2034  # variables used by the scripts that source this file
# bench/lib.sh — shared by bench/run.sh and bench/scaling.sh (sourced; expects ROOT).

BUILD="${HKSTAT_BENCH_BUILD:-$ROOT/build-bench}" # HKSTAT_BENCH_BUILD: another build directory (bench.smoke uses the test build)
HK="${HKSTAT_BENCH_HK:-$BUILD/cli/hkstat}" # HKSTAT_BENCH_HK: another binary (e.g. the commit before, for a before/after pair)
GEN="$BUILD/bench/hkstat-bench-gen"
READ="$BUILD/bench/hkstat-bench-read"
READ_FCCP="$BUILD/bench/hkstat-bench-read-fccp"
CB="$ROOT/bench/bench.codebook.toml"

log() { echo "bench: $*" >&2; }

# Release build of hkstat and the two bench tools in build-bench/.
bench_build() {
  log "building hkstat (Release) in $BUILD"
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DHKSTAT_BUILD_BENCH=ON -DHKSTAT_BUILD_TESTS=OFF >/dev/null
  cmake --build "$BUILD" -j2 --target hkstat hkstat-bench-gen hkstat-bench-read hkstat-bench-read-fccp >/dev/null
}

bench_tools() {
  if [ ! -x /usr/bin/time ]; then
    echo "bench: /usr/bin/time is missing (Debian package 'time'; scripts/install-deps.sh installs it)" >&2
    exit 2
  fi
  for f in "$HK" "$GEN" "$READ"; do [ -x "$f" ] || { echo "bench: $f is not built (run without --no-build)" >&2; exit 2; }; done
}

# WORK = DIR (kept) or a temporary directory removed at exit.
bench_workdir() {
  if [ -n "$1" ]; then
    mkdir -p "$1"
    WORK=$(cd "$1" && pwd)
  else
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/hkstat-bench.XXXXXX")
    trap 'rm -rf "$WORK"' EXIT
  fi
}

# measure NAME CMD... : runs CMD under /usr/bin/time -v with stdout/stderr in $WORK/NAME.{out,err} (stdout to
# $M_STDOUT instead when set, e.g. /dev/null for the floor's `cat`, which would otherwise time a file copy); sets M_STATUS, M_WALL (s), M_CPU (user + system s), M_MB (peak resident set, MB = 10^6 bytes).
measure() {
  local name=$1; shift
  local tf="$WORK/$name.time"
  set +e
  /usr/bin/time -v -o "$tf" "$@" >"${M_STDOUT:-$WORK/$name.out}" 2>"$WORK/$name.err"
  M_STATUS=$?
  set -e
  read -r M_WALL M_CPU M_MB < <(awk -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, p, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + p[i] }
    /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident set size/ { m = $2 }
    END { printf "%.2f %.2f %.0f\n", w, u + s, m * 1024 / 1e6 }' "$tf")
  # /usr/bin/time reports "Command exited with non-zero status N" itself; keep the command's status.
  if [ "$M_STATUS" -ne 0 ] && grep -q "Command terminated by signal" "$tf"; then M_STATUS=128; fi
}

# measure_median K NAME CMD...: `measure` K times; M_WALL, M_CPU, M_MB of the run with the median wall time
# (M_STATUS of the first failing run, if any). The outputs are those of the last run (every run writes the same).
measure_median() {
  local k=$1 i results=()
  shift
  for ((i = 0; i < k; i++)); do
    measure "$@"
    [ "$M_STATUS" -eq 0 ] || return 0
    results+=("$M_WALL $M_CPU $M_MB")
  done
  read -r M_WALL M_CPU M_MB < <(printf '%s\n' "${results[@]}" | sort -n -k1,1 | sed -n "$(((k + 1) / 2))p")
}

# measure_fine K NAME CMD...: CMD K times (stdout to /dev/null), timed with getrusage/perf_counter in microseconds
# (the floor: cat and wc -l take a few hundredths of a second, below /usr/bin/time's 0.01 s resolution); sets
# M_WALL and M_CPU (seconds, 4 decimals) of the run with the median wall time, and M_STATUS.
measure_fine() {
  local k=$1 name=$2
  shift 2
  set +e
  read -r M_STATUS M_WALL M_CPU < <(python3 - "$k" "$@" 2>"$WORK/$name.err" <<'PY'
import os, sys, time
k, cmd = int(sys.argv[1]), sys.argv[2:]
runs = []
for _ in range(k):
    # posix_spawn (a vfork in CPython), not fork: forking the interpreter added ~9 ms to every run (/bin/true: 11.6
    # against 2.7 ms), about a whole cat of the 10^6-row file
    t = time.perf_counter()
    pid = os.posix_spawnp(cmd[0], cmd, os.environ, file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0)])
    _, st, ru = os.wait4(pid, 0)
    rc = os.waitstatus_to_exitcode(st)
    if rc != 0:
        print(rc, 0, 0)
        sys.exit()
    runs.append((time.perf_counter() - t, ru.ru_utime + ru.ru_stime))
runs.sort()
w, c = runs[(k - 1) // 2]
print(0, "%.4f" % w, "%.4f" % c)
PY
)
  set -e
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "—"; else printf "%.1f×\n", a / b }'; }
