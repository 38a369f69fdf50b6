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
# before comparing, as in replicate_vs_r.sh).
set -u
hkstat=$1 src=$2
cd "$src" || exit 1
source tests/cli/compare_lib.sh
golden=tests/golden/tabulate_cli/where.csv
fail=0
near() {
  if awk -v w="$3" 'BEGIN{ exit !(w < 1e-12 && w > -1e-12) }'; then check "$1" "$2" "$3" abs 1e-12; else check "$1" "$2" "$3" rel "$4"; fi
}
data=tests/data/design/design_survey.csv cb=tests/data/design/calib.codebook.toml
for design in full calib_poststratify rep_jkn; do
  case $design in calib_*) extra="--config tests/data/design/$design.hkstat.toml --calibrate" ;;
                  full) extra="" ;;
                  rep_jkn) extra="--replicates jkn" ;; esac
  for cond in age40 female30 not_in; do
    case $cond in age40) where='age >= 40' ;;
                  female30) where='age >= 30 and sex = female' ;;
                  not_in) where='not (duration = 3 and age < 25)' ;; esac
    for pair in logit:xlogit wald:mean beta:beta; do
      ours=${pair%%:*} theirs=${pair##*:}
      out=$("$hkstat" tabulate "$data" --codebook "$cb" $extra --var outing --where "$where" --min-cell 0 --ci "$ours" --format csv) ||
        { echo "hkstat failed: $design $cond $ours"; exit 1; }
      rows=0
      while IFS=, read -r gd gw gcode gmethod gest gse gdf glo ghi gdeff; do
        [ "$gd" = "$design" ] && [ "$gw" = "$cond" ] && [ "$gmethod" = "$theirs" ] || continue
        rows=$((rows + 1))
        row=$(echo "$out" | awk -F, -v c="$gcode" '$1=="outing" && $2=="all" && $3=="all" && $4=="all" && $5==c')
        [ -z "$row" ] && { echo "FAIL no hkstat row for $design $cond outing=$gcode"; fail=1; continue; }
        label="$design $cond outing=$gcode $ours"
        near "$label percent" "$(echo "$row" | cut -d, -f9)" "$gest" 1e-9
        near "$label se" "$(echo "$row" | cut -d, -f10)" "$gse" 1e-9
        check "$label df" "$(echo "$row" | cut -d, -f18)" "$gdf" abs 0
        [ "$glo" != NA ] && glo=$(awk -v x="$glo" 'BEGIN{ printf "%.17g", (x < 0 ? 0 : x) }') && ghi=$(awk -v x="$ghi" 'BEGIN{ printf "%.17g", (x > 1 ? 1 : x) }')
      if [ "$glo" != NA ]; then
          check "$label lower" "$(echo "$row" | cut -d, -f11)" "$glo" abs 1e-8
          check "$label upper" "$(echo "$row" | cut -d, -f12)" "$ghi" abs 1e-8
        fi
        [ "$gdeff" != NA ] && near "$label deff" "$(echo "$row" | cut -d, -f19)" "$gdeff" 1e-9
      done < "$golden"
      [ "$rows" -eq 8 ] || { echo "FAIL $design $cond $theirs: $rows golden rows, want 8"; fail=1; }
    done
    for pair in logit:xlogit beta:beta; do
      ours=${pair%%:*} theirs=${pair##*:}
      out=$("$hkstat" estimate "$data" --codebook "$cb" --rules tests/data/weighted/core_only.toml $extra --where "$where" --min-cell 0 \
            --ci "$ours" --format csv) || { echo "hkstat estimate failed: $design $cond $ours"; exit 1; }
      header=$(echo "$out" | head -1)
      field() { echo "$header" | tr , '\n' | grep -nx "$1" | cut -d: -f1; }
      fm=$(field measure) fg=$(field age_group) fr=$(field rate) fs=$(field se) fd=$(field df) fe=$(field deff) flo=$(field ci_lower) fhi=$(field ci_upper)
      rows=0
      while IFS=, read -r gd gw ggrp gmeas gmethod gest gse gdf glo ghi gdeff; do
        [ "$gd" = "$design" ] && [ "$gw" = "$cond" ] && [ "$gmethod" = "$theirs" ] || continue
        rows=$((rows + 1))
        row=$(echo "$out" | awk -F, -v fm="$fm" -v fg="$fg" -v m="$gmeas" -v g="$ggrp" '$fm==m && $fg==g')
        [ -z "$row" ] && { echo "FAIL no hkstat estimate row for $design $cond $ggrp $gmeas"; fail=1; continue; }
        label="estimate $design $cond $ggrp $gmeas $ours"
        near "$label rate" "$(echo "$row" | cut -d, -f"$fr")" "$gest" 1e-9
        near "$label se" "$(echo "$row" | cut -d, -f"$fs")" "$gse" 1e-9
        check "$label df" "$(echo "$row" | cut -d, -f"$fd")" "$gdf" abs 0
        if [ "$glo" != NA ]; then
          check "$label lower" "$(echo "$row" | cut -d, -f"$flo")" "$glo" abs 1e-8
          check "$label upper" "$(echo "$row" | cut -d, -f"$fhi")" "$ghi" abs 1e-8
        fi
        [ "$gdeff" != NA ] && near "$label deff" "$(echo "$row" | cut -d, -f"$fe")" "$gdeff" 1e-9
      done < tests/golden/design_cli/where_estimate.csv
      want=6; [ "$cond" = age40 ] && want=4
      [ "$rows" -eq "$want" ] || { echo "FAIL estimate $design $cond $theirs: $rows golden rows, want $want"; fail=1; }
    done
  done
done
exit $fail
