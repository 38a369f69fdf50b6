#!/usr/bin/env bash
# The 東京都 支援状況等調査 sample given as numbers per category (data/samples/tokyo2020_counts.csv, role count) gives
# exactly the tables of the one-row-per-person case records (tokyo2020_cases.csv) it was aggregated from: every
# variable the two share, overall, by a code variable and by age band (issue 14: "the count-per-category input
# gives the same table as the equivalent one-row-per-person file"), and the same Rao–Scott test (--test; to 1e-12 relative: its sums
# run over the rows in file order, which differs).
#   tokyo_counts_same.sh HKSTAT SOURCE_DIR
set -u
hkstat=$1 src=$2
cd "$src" || exit 1
fail=0
for args in "--var 機関種別,年代,相談までの期間,相談まで区分" "--var 相談まで区分 --by 機関種別" "--var 年代 --by 相談まで区分" \
            "--var 相談までの期間 --where '年代 >= 3'" "--var 相談までの期間 --min-cell 0 --intervals" "--var 相談まで区分,年代 --test 機関種別"; do
  a=$(eval "\"$hkstat\" tabulate data/samples/tokyo2020_cases.csv $args --format csv") || { echo "FAIL cases: $args"; fail=1; continue; }
  b=$(eval "\"$hkstat\" tabulate data/samples/tokyo2020_counts.csv $args --format csv") || { echo "FAIL counts: $args"; fail=1; continue; }
  [ "$(echo "$a" | wc -l)" -gt 2 ] || { echo "FAIL too few rows: $args"; fail=1; continue; }
  if [ "$a" = "$b" ]; then echo "ok   same table: $args"; continue; fi
  # The test's sums run over the rows in file order (the counts file is ordered by category): equal to 1e-12 relative.
  if [[ $args == *--test* ]] && paste -d'\n' <(echo "$a") <(echo "$b") | awk -F, 'NR % 2 == 1 { split($0, x, ","); next }
      { for (i = 1; i <= NF; ++i) { if (i <= 2) { if ($i != x[i]) exit 1; continue }
        d = $i - x[i]; if (d < 0) d = -d; s = x[i] < 0 ? -x[i] : x[i]; if (d > 1e-12 * s) exit 1 } }'; then
    echo "ok   same test (1e-12 relative): $args"
  else
    echo "FAIL tables differ: $args"; diff <(echo "$a") <(echo "$b") | head -20; fail=1
  fi
done
exit $fail
