# Shared by the *_vs_r.sh scripts: compare a number printed by hkstat with R's.
#   check LABEL GOT WANT rel|abs TOL   → prints ok/FAIL; on failure sets fail=1
check() {
  awk -v l="$1" -v g="$2" -v w="$3" -v k="$4" -v t="$5" 'BEGIN{
    d = g - w; if (d < 0) d = -d; if (k == "rel") { s = w < 0 ? -w : w; d = d / s }
    if (d > t || g == "") { printf "FAIL %s: got %s want %s (%s diff %g > %g)\n", l, g, w, k, d, t; exit 1 }
    printf "ok   %s: %s\n", l, g }' || fail=1
}
