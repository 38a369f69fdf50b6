#!/usr/bin/env bash
# `hkstat tabulate --by VAR` with VAR a code variable that is neither age nor sex (here duration) against R's
# svyby(~y, ~duration, design, svymean), through the real CLI: every outing category within each duration level,
# on a linearised, a post-stratified (--calibrate) and a created-JKn (--replicates jkn) design, with the logit,
# Wald and beta intervals.
#   tabulate_by_vs_r.sh HKSTAT SOURCE_DIR
# Golden: r/tabulate_by_golden.R → tests/golden/tabulate_cli/by_code.csv.
# Tolerances: percentage, SE and deff 1e-9 relative (1e-12 absolute where R's value is below 1e-12); df exact;
# interval ends 1e-8 absolute (hkstat's wald interval is clipped to [0, 1], R's "mean" is not: R's ends are clipped
# before comparing: clip01 in vs_r_lib.sh). The CSV columns are found by name (by_variable, by_level, percent, se, ...).
# Crossed: `--by duration,sex` against svyby(~y, ~duration + sex) (tests/golden/tabulate_cli/by_cross.csv, linearised
# and created JKn, logit interval): the crossed blocks' by_variable / by_level and by_variable2 / by_level2 columns.
source "$(dirname "$0")/vs_r_lib.sh" "$@"
golden=tests/golden/tabulate_cli/by_code.csv
data=tests/data/design/design_survey.csv cb=tests/data/design/calib.codebook.toml
for design in full calib_poststratify rep_jkn; do
  extra=$(design_options $design)
  for pair in logit:xlogit wald:mean beta:beta; do
    ours=${pair%%:*} theirs=${pair##*:}
    run_csv "$design $ours" tabulate "$data" --codebook "$cb" $extra --var outing --by duration --min-cell 0 --ci "$ours" --format csv
    [ -z "$(col sex)" ] || { echo "FAIL $design: a sex column in a table by duration"; fail=1; }
    rows=0
    while IFS=, read -r gd glev gcode gmethod gest gse gdf glo ghi gdeff; do
      [ "$gd" = "$design" ] && [ "$gmethod" = "$theirs" ] || continue
      rows=$((rows + 1))
      row=$(echo "$out" | awk -F, -v fv="$(col by_variable)" -v fl="$(col by_level)" -v fc="$(col code)" -v l="$glev" -v c="$gcode" \
            '$fv=="duration" && $fl==l && $fc==c && $3=="all" && $2=="all"')
      [ -z "$row" ] && { echo "FAIL no hkstat row for $design duration=$glev outing=$gcode"; fail=1; continue; }
      check_prop "$design duration=$glev outing=$gcode $ours" "$row" percent "$gest" "$gse" "$gdf" "$(clip01 "$glo")" "$(clip01 "$ghi")" "$gdeff"
    done < "$golden"
    want_rows "$design $theirs" "$rows" 16
  done
done

# Crossed two deep.
cross=tests/golden/tabulate_cli/by_cross.csv
for design in full rep_jkn; do
  extra=$(design_options $design)
  run_csv "crossed $design" tabulate "$data" --codebook "$cb" $extra --var outing --by duration,sex --min-cell 0 --format csv
  [ -n "$(col by_variable2)" ] && [ -n "$(col by_level2)" ] || { echo "FAIL crossed $design: no by_variable2 / by_level2 column"; fail=1; continue; }
  rows=0
  while IFS=, read -r gd glev gsex gcode gest gse gdf glo ghi gdeff; do
    [ "$gd" = "$design" ] || continue
    rows=$((rows + 1))
    row=$(echo "$out" | awk -F, -v fv="$(col by_variable)" -v fl="$(col by_level)" -v fv2="$(col by_variable2)" -v fl2="$(col by_level2)" \
          -v fc="$(col code)" -v l="$glev" -v s="$gsex" -v c="$gcode" \
          '$fv=="duration" && $fl==l && $fv2=="sex" && $fl2==s && $fc==c && $3=="all" && $2=="all"')
    [ "$(echo "$row" | grep -c .)" -eq 1 ] || { echo "FAIL crossed: not one hkstat row for $design duration=$glev sex=$gsex outing=$gcode"; fail=1; continue; }
    check_prop "crossed $design duration=$glev sex=$gsex outing=$gcode" "$row" percent "$gest" "$gse" "$gdf" "$glo" "$ghi" "$gdeff"
  done < "$cross"
  want_rows "crossed $design" "$rows" 32
done
exit $fail
