# Shared by the *_vs_r.sh scripts: compare a number printed by hkstat with R's.
#   check LABEL GOT WANT rel|abs TOL   → prints ok/FAIL; on failure sets fail=1
check() {
  awk -v l="$1" -v g="$2" -v w="$3" -v k="$4" -v t="$5" 'BEGIN{
    d = g - w; if (d < 0) d = -d; if (k == "rel") { s = w < 0 ? -w : w; d = d / s }
    if (d > t || g == "") { printf "FAIL %s: got %s want %s (%s diff %g > %g)\n", l, g, w, k, d, t; exit 1 }
    printf "ok   %s: %s\n", l, g }' || fail=1
}

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

# check_difference LABEL ROW GOLDEN: a row of `hkstat estimate --table differences --format csv` (difference
# field 4, SE 5, df 8) against a golden differences.csv row (difference 3, SE 4, df 5): 1e-9 relative, df exact.
check_difference() {
  check "$1 difference" "$(echo "$2" | cut -d, -f4)" "$(echo "$3" | cut -d, -f3)" rel 1e-9
  check "$1 difference se" "$(echo "$2" | cut -d, -f5)" "$(echo "$3" | cut -d, -f4)" rel 1e-9
  check "$1 difference df" "$(echo "$2" | cut -d, -f8)" "$(echo "$3" | cut -d, -f5)" abs 0
}
