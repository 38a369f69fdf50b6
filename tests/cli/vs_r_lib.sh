# Shared by the *_vs_r.sh scripts (hkstat's numbers against R goldens), sourced as their first command:
#   source "$(dirname "$0")/vs_r_lib.sh" "$@"
# with the script's arguments HKSTAT SOURCE_DIR: sets `hkstat` and `src`, `set -u`, cd SOURCE_DIR (every path in the
# scripts is relative to it) and `fail=0`. Each check prints `ok   …` or `FAIL …`; a failed check sets fail=1, and the
# script ends with `exit $fail`.
set -u
hkstat=$1 src=$2
cd "$src" || exit 1
fail=0

# design_options DESIGN: the hkstat options of a test design of tests/data/design (r/design_cli_golden.R): full and the
# codebook-declared designs none; calib_NAME --config tests/data/design/calib_NAME.hkstat.toml --calibrate; rep_TYPE
# (jkn, jk1) --replicates TYPE.
design_options() {
  case $1 in calib_*) echo "--config tests/data/design/$1.hkstat.toml --calibrate" ;;
             rep_*) echo "--replicates ${1#rep_}" ;;
             *) echo "" ;; esac
}

# check LABEL GOT WANT rel|abs TOL: one number printed by hkstat against R's (an empty GOT fails).
check() {
  awk -v l="$1" -v g="$2" -v w="$3" -v k="$4" -v t="$5" 'BEGIN{
    d = g - w; if (d < 0) d = -d; if (k == "rel") { s = w < 0 ? -w : w; d = d / s }
    if (d > t || g == "") { printf "FAIL %s: got %s want %s (%s diff %g > %g)\n", l, g, w, k, d, t; exit 1 }
    printf "ok   %s: %s\n", l, g }' || fail=1
}

# near LABEL GOT WANT TOL: TOL relative, or 1e-12 absolute where |WANT| < 1e-12 (a category of 0 %, an SE that is 0
# up to rounding).
near() {
  if awk -v w="$3" 'BEGIN{ exit !(w < 1e-12 && w > -1e-12) }'; then check "$1" "$2" "$3" abs 1e-12; else check "$1" "$2" "$3" rel "$4"; fi
}

# run_csv WHAT ARGS...: out = the stdout of `hkstat ARGS...`, its header line read by set_header; if hkstat fails,
# prints "hkstat failed: WHAT" and ends the script (exit 1).
run_csv() {
  local what=$1; shift
  out=$("$hkstat" "$@") || { echo "hkstat failed: $what"; exit 1; }
  set_header "$(echo "$out" | head -1)"
}

# set_header LINE: header = LINE, and C[NAME] = the 1-based position of column NAME in it (read once, not per row).
declare -A C
set_header() {
  header=$1 C=()
  local i=0 name
  local IFS=,
  for name in $header; do i=$((i + 1)); C[$name]=$i; done
}

# col NAME: the 1-based position of column NAME in $header; empty if it has none.
col() { echo "${C[$1]-}"; }

# clip01 X: X clipped to [0, 1] (NA and the empty string as they are). hkstat clips Wald intervals of a proportion to
# [0, 1] (docs/estimation.md); R's svyciprop(method = "mean") does not, so R's ends are clipped before comparing.
clip01() { awk -v x="$1" 'BEGIN { if (x == "" || x == "NA") print x; else if (x < 0) print 0; else if (x > 1) print 1; else printf "%.17g\n", x }'; }

# check_prop LABEL ROW VALUE EST SE DF LOWER UPPER DEFF: one proportion of a `--format csv` ROW whose columns are
# found by name in $header (VALUE: percent or rate; se, df, ci_lower, ci_upper, deff) against R's: value, SE and deff
# 1e-9 (near), df exact, interval ends 1e-8 absolute. LOWER/UPPER or DEFF NA: not compared.
check_prop() {
  local -a f
  IFS=, read -r -a f <<< "$2"
  # _row_field NAME: the field of column NAME in ROW (empty if the header has no such column: the check then fails)
  _row_field() { local i=${C[$1]-0}; [ "$i" -gt 0 ] && echo "${f[i - 1]-}"; }
  near "$1 $3" "$(_row_field "$3")" "$4" 1e-9
  near "$1 se" "$(_row_field se)" "$5" 1e-9
  check "$1 df" "$(_row_field df)" "$6" abs 0
  if [ "$7" != NA ]; then
    check "$1 lower" "$(_row_field ci_lower)" "$7" abs 1e-8
    check "$1 upper" "$(_row_field ci_upper)" "$8" abs 1e-8
  fi
  [ "$9" = NA ] || near "$1 deff" "$(_row_field deff)" "$9" 1e-9
}

# want_rows WHAT GOT WANT: the number of golden rows compared is WANT (a filter that matches nothing must not pass).
want_rows() { [ "$2" -eq "$3" ] || { echo "FAIL $1: $2 golden rows, want $3"; fail=1; }; }

# check_cell LABEL ROW GOLDEN LOWER UPPER [TOL]: one cell of `hkstat estimate --format csv` (ROW: estimate field 6,
# SE 8, df 13, interval ends 9 and 10) against a golden results.csv row (GOLDEN: estimate field 6, SE 7, df 8) and
# the golden interval ends LOWER, UPPER (passed apart so that a caller can clip them): estimate and SE 1e-9
# relative, df exact, interval ends TOL absolute (default 1e-8).
check_cell() {
  check "$1 estimate" "$(echo "$2" | cut -d, -f6)" "$(echo "$3" | cut -d, -f6)" rel 1e-9
  check "$1 se" "$(echo "$2" | cut -d, -f8)" "$(echo "$3" | cut -d, -f7)" rel 1e-9
  check "$1 df" "$(echo "$2" | cut -d, -f13)" "$(echo "$3" | cut -d, -f8)" abs 0
  check "$1 lower" "$(echo "$2" | cut -d, -f9)" "$4" abs "${6:-1e-8}"
  check "$1 upper" "$(echo "$2" | cut -d, -f10)" "$5" abs "${6:-1e-8}"
}

# check_diff LABEL ROW DIFFERENCE SE DF: a row of `hkstat estimate --table differences --format csv` (difference
# field 4, SE 5, df 8) against R's: 1e-9 relative, df exact.
check_diff() {
  check "$1 difference" "$(echo "$2" | cut -d, -f4)" "$3" rel 1e-9
  check "$1 difference se" "$(echo "$2" | cut -d, -f5)" "$4" rel 1e-9
  check "$1 difference df" "$(echo "$2" | cut -d, -f8)" "$5" abs 0
}

# check_difference LABEL ROW GOLDEN: check_diff against a golden differences.csv row (difference 3, SE 4, df 5).
check_difference() {
  local d se df
  IFS=, read -r _ _ d se df _ <<< "$3"
  check_diff "$1" "$2" "$d" "$se" "$df"
}
