#!/usr/bin/env bash
# The several-questionnaires path (codebook [[form]]: per-questionnaire reporting ranges, the rows outside every
# range in the design and in no figure) against R, through the real CLI, on the CAO 2022 layout sample
# (data/samples/cao2022_layout.csv, synthetic 架空): `hkstat estimate` (rates, SEs, Wilson intervals and persons per
# reporting range and all), `estimate --stat total` (svytotal of 広義 and rate × population) and `estimate --stat mean
# --var 年齢 --by 調査票` (svymean, svyby) on subset(design, in a range).
#   forms_cao2022_vs_r.sh HKSTAT SOURCE_DIR
# Golden: r/forms_cao2022_golden.R → tests/golden/forms/cao2022.csv. Tolerance: 1e-9 relative; n, cases, df exact.
set -u
hkstat=$1 src=$2
cd "$src" || exit 1
source tests/cli/compare_lib.sh
golden=tests/golden/forms/cao2022.csv
fail=0
want() { awk -F, -v c="$1" -v g="$2" -v m="$3" -v q="$4" '$1==c && $2==g && $3==m && $4==q {print $5}' "$golden"; }
# A value compared: exact for counts and df, else 1e-9 relative.
cmp_value() {
  local label=$1 got=$2 w=$3 q=$4
  [ -z "$w" ] && { echo "FAIL $label: no golden value"; fail=1; return; }
  case $q in n | cases | df) check "$label" "$got" "$w" abs 0 ;; *) check "$label" "$got" "$w" rel 1e-9 ;; esac
}

# Prevalence: ruleset,measure,age_group,n,cases,rate,rate_used,se,ci_lower,ci_upper,…,persons(16),persons_lower,persons_upper
prev=$("$hkstat" estimate data/samples/cao2022_layout.csv --format csv) || { echo "hkstat estimate failed"; exit 1; }
rows=0
for m in broad narrow semi; do
  for g in all 15-39 40-64; do
    row=$(echo "$prev" | awk -F, -v m="$m" -v g="$g" '$2==m && $3==g')
    [ -z "$row" ] && { echo "FAIL no hkstat row $m $g"; fail=1; continue; }
    rows=$((rows + 1))
    for qf in n:4 cases:5 rate:6 se:8 lower:9 upper:10 persons:16 persons_lower:17 persons_upper:18; do
      q=${qf%%:*} f=${qf##*:}
      cmp_value "prevalence $m $g $q" "$(echo "$row" | cut -d, -f"$f")" "$(want prevalence "$g" "$m" "$q")" "$q"
    done
  done
done
[ "$rows" -eq 9 ] || { echo "FAIL $rows prevalence rows, want 9"; fail=1; }

# Totals: statistic,variable,by,group,category,meaning,estimate,se,ci_lower,ci_upper,df,n,cases,sum_weights,rate,rate_se
tot=$("$hkstat" estimate data/samples/cao2022_layout.csv --stat total --format csv) || { echo "hkstat --stat total failed"; exit 1; }
wt=$(echo "$tot" | awk -F, '$6=="weighted_total"')
rp=$(echo "$tot" | awk -F, '$6=="rate_x_population"')
[ -n "$wt" ] && [ -n "$rp" ] || { echo "FAIL --stat total rows missing"; exit 1; }
for qf in estimate:7 se:8 df:11 n:12; do
  q=${qf%%:*} f=${qf##*:}
  cmp_value "total broad $q" "$(echo "$wt" | cut -d, -f"$f")" "$(want total_broad all broad "$q")" "$q"
done
for qf in persons:7 persons_se:8 rate:15 rate_se:16; do
  q=${qf%%:*} f=${qf##*:}
  cmp_value "rate x population $q" "$(echo "$rp" | cut -d, -f"$f")" "$(want total_broad all broad "$q")" "$q"
done

# Means of 年齢, all and by 調査票.
mean=$("$hkstat" estimate data/samples/cao2022_layout.csv --stat mean --var 年齢 --by 調査票 --format csv) || { echo "hkstat --stat mean failed"; exit 1; }
for g in all 1 2; do
  row=$(echo "$mean" | awk -F, -v g="$g" '$4==g')
  [ -z "$row" ] && { echo "FAIL no mean row $g"; fail=1; continue; }
  for qf in estimate:7 se:8 df:11 n:12; do
    q=${qf%%:*} f=${qf##*:}
    cmp_value "mean age $g $q" "$(echo "$row" | cut -d, -f"$f")" "$(want mean_age "$g" age "$q")" "$q"
  done
done
exit $fail
