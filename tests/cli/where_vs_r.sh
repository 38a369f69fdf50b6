#!/usr/bin/env bash
# `hkstat tabulate --where EXPR` and `hkstat estimate --where EXPR` against R's subset(design, EXPR) (the design
# kept: every PSU in the variance, df of the subpopulation), through the real CLI: every outing category under three
# conditions, on a linearised, a post-stratified (--calibrate) and a created-JKn (--replicates jkn) design, with the
# logit, Wald and beta intervals; and the prevalence (broad, narrow) within each condition and condition × age group
# (logit, beta).
#   where_vs_r.sh HKSTAT SOURCE_DIR
# Golden: r/where_golden.R → tests/golden/tabulate_cli/where.csv, tests/golden/design_cli/where_estimate.csv.
# Tolerances: percentage, SE and deff 1e-9 relative (1e-12 absolute where R's value is below 1e-12); df exact;
# interval ends 1e-8 absolute (hkstat's wald interval is clipped to [0, 1], R's "mean" is not: R's ends are clipped
# before comparing: clip01 in vs_r_lib.sh).
source "$(dirname "$0")/vs_r_lib.sh" "$@"
golden=tests/golden/tabulate_cli/where.csv
data=tests/data/design/design_survey.csv cb=tests/data/design/calib.codebook.toml
for design in full calib_poststratify rep_jkn; do
  extra=$(design_options $design)
  for cond in age40 female30 not_in; do
    case $cond in age40) where='age >= 40' ;;
                  female30) where='age >= 30 and sex = female' ;;
                  not_in) where='not (duration = 3 and age < 25)' ;; esac
    for pair in logit:xlogit wald:mean beta:beta; do
      ours=${pair%%:*} theirs=${pair##*:}
      run_csv "$design $cond $ours" tabulate "$data" --codebook "$cb" $extra --var outing --where "$where" --min-cell 0 --ci "$ours" --format csv
      rows=0
      while IFS=, read -r gd gw gcode gmethod gest gse gdf glo ghi gdeff; do
        [ "$gd" = "$design" ] && [ "$gw" = "$cond" ] && [ "$gmethod" = "$theirs" ] || continue
        rows=$((rows + 1))
        row=$(echo "$out" | awk -F, -v c="$gcode" '$1=="outing" && $2=="all" && $3=="all" && $4=="all" && $5==c')
        [ -z "$row" ] && { echo "FAIL no hkstat row for $design $cond outing=$gcode"; fail=1; continue; }
        check_prop "$design $cond outing=$gcode $ours" "$row" percent "$gest" "$gse" "$gdf" "$(clip01 "$glo")" "$(clip01 "$ghi")" "$gdeff"
      done < "$golden"
      want_rows "$design $cond $theirs" "$rows" 8
    done
    for pair in logit:xlogit beta:beta; do
      ours=${pair%%:*} theirs=${pair##*:}
      run_csv "estimate $design $cond $ours" estimate "$data" --codebook "$cb" --rules tests/data/weighted/core_only.toml $extra \
        --where "$where" --min-cell 0 --ci "$ours" --format csv
      rows=0
      while IFS=, read -r gd gw ggrp gmeas gmethod gest gse gdf glo ghi gdeff; do
        [ "$gd" = "$design" ] && [ "$gw" = "$cond" ] && [ "$gmethod" = "$theirs" ] || continue
        rows=$((rows + 1))
        row=$(echo "$out" | awk -F, -v fm="$(col measure)" -v fg="$(col age_group)" -v m="$gmeas" -v g="$ggrp" '$fm==m && $fg==g')
        [ -z "$row" ] && { echo "FAIL no hkstat estimate row for $design $cond $ggrp $gmeas"; fail=1; continue; }
        check_prop "estimate $design $cond $ggrp $gmeas $ours" "$row" rate "$gest" "$gse" "$gdf" "$glo" "$ghi" "$gdeff"
      done < tests/golden/design_cli/where_estimate.csv
      want=6; [ "$cond" = age40 ] && want=4
      want_rows "estimate $design $cond $theirs" "$rows" "$want"
    done
  done
done
exit $fail
