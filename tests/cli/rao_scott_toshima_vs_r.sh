#!/usr/bin/env bash
# `hkstat tabulate --test 区分` (a 3-level code variable, not sex or broad) against R's svychisq, through the real CLI:
# the 豊島区 民生委員・町会・青少年育成委員 sample (data/samples/toshima_minsei2023.csv, synthetic 架空), its derived
# 認知 and 把握有無 and the raw 問2, each tested by 区分.
#   rao_scott_toshima_vs_r.sh HKSTAT SOURCE_DIR
# Golden: r/rao_scott_golden.R → tests/golden/rao_scott/toshima.csv. Tolerance: 1e-9 relative (F, ndf, ddf, p, the
# Pearson X² that R's statistic = "Chisq" prints, and its first-order p).
source "$(dirname "$0")/vs_r_lib.sh" "$@"
golden=tests/golden/rao_scott/toshima.csv
out=$("$hkstat" tabulate data/samples/toshima_minsei2023.csv --var 認知,問2,把握有無 --test 区分 --format csv) || { echo "hkstat failed"; exit 1; }
[ "$(echo "$out" | head -1)" = "variable,by,f,ndf,ddf,p,chisq_first_order,chisq_p,pearson" ] || { echo "FAIL header: $(echo "$out" | head -1)"; exit 1; }
rows=0
while IFS=, read -r gvar gby gf gndf gddf gp gchisq gchisq_p; do
  [ "$gvar" = variable ] && continue
  rows=$((rows + 1))
  row=$(echo "$out" | awk -F, -v v="$gvar" -v b="$gby" '$1==v && $2==b')
  [ -z "$row" ] && { echo "FAIL no hkstat row for $gvar × $gby"; fail=1; continue; }
  check "$gvar×$gby F" "$(echo "$row" | cut -d, -f3)" "$gf" rel 1e-9
  check "$gvar×$gby ndf" "$(echo "$row" | cut -d, -f4)" "$gndf" rel 1e-9
  check "$gvar×$gby ddf" "$(echo "$row" | cut -d, -f5)" "$gddf" rel 1e-9
  check "$gvar×$gby p" "$(echo "$row" | cut -d, -f6)" "$gp" rel 1e-9
  check "$gvar×$gby pearson X2" "$(echo "$row" | cut -d, -f9)" "$gchisq" rel 1e-9
  check "$gvar×$gby first-order p" "$(echo "$row" | cut -d, -f8)" "$gchisq_p" rel 1e-9
done < "$golden"
[ "$rows" -eq 3 ] || { echo "FAIL $rows golden rows, want 3"; fail=1; }
exit $fail
