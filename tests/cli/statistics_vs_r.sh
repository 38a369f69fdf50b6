#!/usr/bin/env bash
# `hkstat estimate --stat total|mean|ratio` against R (r/statistics_golden.R → tests/golden/statistics_cli/), through the
# real CLI, on a design whose stratum and PSU columns are text labels (tests/data/design/design_labels.csv):
# svytotal and its SE, persons = rate × population with SE = population × SE(rate), svyby over a code variable that
# is not age or sex (district), subset() domains from --where, created JKn replicates, svymean and svyratio; the
# prevalence by district with deff = "replace" and deff = TRUE; `hkstat tabulate --stat total` (the same svytotal per
# answer, checked against the golden rows of total_district and total_outing_by); and the prevalence on the text-labelled file equals
# the prevalence on the same rows with integer labels (design_survey.csv) to 1e-12.
#   statistics_vs_r.sh HKSTAT SOURCE_DIR
# Tolerances: estimate, SE and deff 1e-9 relative; df exact.
source "$(dirname "$0")/vs_r_lib.sh" "$@"
data=tests/data/design/design_labels.csv cb=tests/data/design/labels.codebook.toml rules=tests/data/weighted/core_only.toml
golden=tests/golden/statistics_cli/results.csv


for case in total_broad persons total_district total_outing_by mean_visits ratio_visits_hh where_total where_mean jkn_total jkn_mean \
            tabulate_total_district tabulate_total_outing_by; do
  meaning= cmd=estimate
  case $case in
    total_broad) args="--stat total --by district"; meaning=weighted_total ;;
    persons) args="--stat total --population 100000"; meaning=rate_x_population ;;
    total_district) args="--stat total --var district" ;;
    total_outing_by) args="--stat total --var outing --by district" ;;
    mean_visits) args="--stat mean --var visits --by district" ;;
    ratio_visits_hh) args="--stat ratio --var visits --denominator hh --by district" ;;
    where_total) args="--stat total --by district --where 'age >= 40'"; meaning=weighted_total ;;
    where_mean) args="--stat mean --var visits --by district --where 'age >= 40'" ;;
    jkn_total) args="--stat total --by district --replicates jkn"; meaning=weighted_total ;;
    jkn_mean) args="--stat mean --var visits --by district --replicates jkn" ;;
    # tabulate --stat total: the same svytotal per answer (R golden rows of total_district / total_outing_by).
    tabulate_total_district) cmd=tabulate args="--stat total --var district" ;;
    tabulate_total_outing_by) cmd=tabulate args="--stat total --var outing --by district" ;;
  esac
  out=$(eval "\"$hkstat\" $cmd $data --codebook $cb --rules $rules --min-cell 0 --format csv $args") || { echo "FAIL hkstat failed: $case"; fail=1; continue; }
  set_header "$(echo "$out" | head -1)"
  fb=$(col by) fg=$(col group) fc=$(col category) fm=$(col meaning)
  fe=$(col estimate) fs=$(col se) fd=$(col df)
  rows=0
  while IFS=, read -r gcase gby ggroup gcat gest gse gdf; do
    [ "$gcase" = "${case#tabulate_}" ] || continue
    rows=$((rows + 1))
    row=$(echo "$out" | awk -F, -v fb="$fb" -v fg="$fg" -v fc="$fc" -v fm="$fm" -v b="$gby" -v g="$ggroup" -v c="$gcat" -v m="$meaning" \
      'NR > 1 && $fb == b && $fg == g && $fc == c && (m == "" || $fm == m)')
    label="$case $gby=$ggroup category=$gcat"
    [ "$(echo "$row" | grep -c .)" -eq 1 ] || { echo "FAIL $label: $(echo "$row" | grep -c .) hkstat rows"; fail=1; continue; }
    check "$label estimate" "$(echo "$row" | cut -d, -f"$fe")" "$gest" rel 1e-9
    check "$label se" "$(echo "$row" | cut -d, -f"$fs")" "$gse" rel 1e-9
    check "$label df" "$(echo "$row" | cut -d, -f"$fd")" "$gdf" abs 0
  done < "$golden"
  [ "$rows" -gt 0 ] || { echo "FAIL $case: no golden rows"; fail=1; }
done

# Prevalence by district: deff (R deff = "replace") and deff_wor (R deff = TRUE).
out=$("$hkstat" estimate $data --codebook $cb --rules $rules --min-cell 0 --by district --format csv) || { echo "FAIL hkstat estimate --by district"; exit 1; }
set_header "$(echo "$out" | head -1)"
fm=$(col measure) fg=$(col age_group) fv=$(col by_variable) fl=$(col by_level)
fr=$(col rate) fs=$(col se) fe=$(col deff) fw=$(col deff_wor)
while IFS=, read -r k gest gse gdr gdw; do
  [ "$k" = district ] && continue
  row=$(echo "$out" | awk -F, -v fm="$fm" -v fg="$fg" -v fv="$fv" -v fl="$fl" -v k="$k" '$fm == "broad" && $fg == "all" && $fv == "district" && $fl == k')
  [ "$(echo "$row" | grep -c .)" -eq 1 ] || { echo "FAIL prevalence district=$k: no single hkstat row"; fail=1; continue; }
  check "prevalence district=$k rate" "$(echo "$row" | cut -d, -f"$fr")" "$gest" rel 1e-9
  check "prevalence district=$k se" "$(echo "$row" | cut -d, -f"$fs")" "$gse" rel 1e-9
  check "prevalence district=$k deff (replace)" "$(echo "$row" | cut -d, -f"$fe")" "$gdr" rel 1e-9
  check "prevalence district=$k deff_wor (TRUE)" "$(echo "$row" | cut -d, -f"$fw")" "$gdw" rel 1e-9
done < tests/golden/statistics_cli/deff.csv

# Label spelling does not change a number: text labels vs the integer labels of the same rows. The strata are summed in
# another order (byte order of "12-1", "3-1", … vs 1, 2, …): equal to 1e-12 relative, every other field identical.
a=$("$hkstat" estimate tests/data/design/design_survey.csv --codebook tests/data/design/calib.codebook.toml --rules $rules --min-cell 0 --format csv) || fail=1
b=$("$hkstat" estimate $data --codebook $cb --rules $rules --min-cell 0 --format csv) || fail=1
if paste -d'\n' <(echo "$a") <(echo "$b") | awk -F, 'NR % 2 == 1 { n = split($0, x, ","); next }
    { if (NF != n) { print "FAIL text labels: line " NR / 2 " has another number of fields"; bad = 1; next }
      for (i = 1; i <= n; ++i) {
        if (x[i] == $i) continue
        if (x[i] ~ /^-?[0-9.e+-]+$/ && $i ~ /^-?[0-9.e+-]+$/) { d = x[i] - $i; if (d < 0) d = -d; s = x[i] < 0 ? -x[i] : x[i]
          if (d <= 1e-12 * s) continue }
        print "FAIL text labels: line " NR / 2 " field " i ": " x[i] " vs " $i; bad = 1 } }
    END { exit bad }'; then
  echo "ok   text labels: prevalence equal to the integer labels' (1e-12)"
else fail=1; fi
exit $fail
