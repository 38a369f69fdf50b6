# Shared by tests/cli/parallel_parse.sh and tests/cli/roster_stream.sh (issue 16: parsing on several threads prints what
# one thread prints), sourced after `hk` (the hkstat binary) and `T` (a temporary directory) are set:
#   source "$(dirname "$0")/same_bytes_lib.sh"
# same_bytes NAME ARGS...: runs `hkstat ARGS --min-cell 0 --threads 1` (the reference: stdout $T/o1, stderr $T/e1, exit
# code rc1, and with rejects=1 the file written by --rejects), then `--threads N` once for each THREADS:CHUNK of $combos
# (CHUNK 0: the ranges hkstat chooses itself; else HKSTAT_PARSE_CHUNK_BYTES=CHUNK forces ranges of CHUNK bytes whatever
# the file size and the load), and compares stdout, stderr, exit code (and the --rejects file) byte for byte: a
# difference prints DIFFERENT (the command, threads, range size, the first lines of the diff) and sets fail=1. runs
# counts the compared runs. --min-cell 0: the small-cell suppression runs after parsing, is the same for every thread
# count, and its solver would otherwise dominate the time of these runs (under AddressSanitizer above all).
fail=0 runs=0 rejects=0
same_bytes() {
  local name=$1 threads chunk combo
  shift
  set -- "$@" --min-cell 0
  local -a r1=() r2=()
  if [ "$rejects" = 1 ]; then r1=(--rejects "$T/r1.csv") r2=(--rejects "$T/r2.csv"); fi
  rm -f "$T/r1.csv"
  "$hk" "$@" --threads 1 "${r1[@]}" >"$T/o1" 2>"$T/e1"
  rc1=$?
  for combo in $combos; do
    threads=${combo%:*} chunk=${combo#*:}
    rm -f "$T/r2.csv"
    if [ "$chunk" = 0 ]; then "$hk" "$@" --threads "$threads" "${r2[@]}" >"$T/o2" 2>"$T/e2"
    else HKSTAT_PARSE_CHUNK_BYTES=$chunk "$hk" "$@" --threads "$threads" "${r2[@]}" >"$T/o2" 2>"$T/e2"; fi
    local rc2=$?
    runs=$((runs + 1))
    [ "$rejects" = 1 ] && sed -i "s|r2\.csv|r1.csv|g" "$T/e2" "$T/o2" # the rejects file is named in the messages
    if [ $rc1 != $rc2 ] || ! cmp -s "$T/o1" "$T/o2" || ! cmp -s "$T/e1" "$T/e2" || { [ -f "$T/r1.csv" ] && ! cmp -s "$T/r1.csv" "$T/r2.csv"; }; then
      echo "DIFFERENT: $name $* --threads $threads, ranges of $chunk bytes (exit $rc1 vs $rc2)"
      diff "$T/o1" "$T/o2" | head -5
      diff "$T/e1" "$T/e2" | head -5
      fail=1
    fi
  done
  echo "$name: exit $rc1"
}
