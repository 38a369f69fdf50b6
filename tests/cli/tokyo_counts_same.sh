#!/usr/bin/env bash
# The 東京都 支援状況等調査 sample given as numbers per category (data/samples/tokyo2020_counts.csv, role count) gives
# exactly the tables of the one-row-per-person case records (tokyo2020_cases.csv) it was aggregated from: every
# variable the two share, overall, by a code variable and by age band (issue 14: "the count-per-category input
# gives the same table as the equivalent one-row-per-person file").
#   tokyo_counts_same.sh HKSTAT SOURCE_DIR
set -u
hkstat=$1 src=$2
cd "$src" || exit 1
fail=0
for args in "--var 機関種別,年代,相談までの期間,相談まで区分" "--var 相談まで区分 --by 機関種別" "--var 年代 --by 相談まで区分" \
            "--var 相談までの期間 --where '年代 >= 3'" "--var 相談までの期間 --min-cell 0 --intervals"; do
  a=$(eval "\"$hkstat\" tabulate data/samples/tokyo2020_cases.csv $args --format csv") || { echo "FAIL cases: $args"; fail=1; continue; }
  b=$(eval "\"$hkstat\" tabulate data/samples/tokyo2020_counts.csv $args --format csv") || { echo "FAIL counts: $args"; fail=1; continue; }
  [ "$(echo "$a" | wc -l)" -gt 3 ] || { echo "FAIL too few rows: $args"; fail=1; continue; }
  if [ "$a" = "$b" ]; then echo "ok   same table: $args"; else echo "FAIL tables differ: $args"; diff <(echo "$a") <(echo "$b") | head -20; fail=1; fi
done
exit $fail
