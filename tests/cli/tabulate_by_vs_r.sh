#!/usr/bin/env bash
# `hkstat tabulate --by VAR` with VAR a code variable that is neither age nor sex (here duration) against R's
# svyby(~y, ~duration, design, svymean), through the real CLI: every outing category within each duration level,
# on a linearised, a post-stratified (--calibrate) and a created-JKn (--replicates jkn) design, with the logit,
# Wald and beta intervals.
#   tabulate_by_vs_r.sh HKSTAT SOURCE_DIR
# Golden: r/tabulate_by_golden.R → tests/golden/tabulate_cli/by_code.csv.
# Tolerances: percentage, SE and deff 1e-9 relative (1e-12 absolute where R's value is below 1e-12); df exact;
# interval ends 1e-8 absolute (hkstat's wald interval is clipped to [0, 1], R's "mean" is not: R's ends are clipped
# before comparing, as in replicate_vs_r.sh). The CSV columns are found by name (by_variable, by_level, percent, se, ...).
# Crossed: `--by duration,sex` against svyby(~y, ~duration + sex) (tests/golden/tabulate_cli/by_cross.csv, linearised
# and created JKn, logit interval): the crossed blocks' by_variable / by_level and by_variable2 / by_level2 columns.
set -u
hkstat=$1 src=$2
cd "$src" || exit 1
source tests/cli/compare_lib.sh
golden=tests/golden/tabulate_cli/by_code.csv
fail=0
near() {
  if awk -v w="$3" 'BEGIN{ exit !(w < 1e-12 && w > -1e-12) }'; then check "$1" "$2" "$3" abs 1e-12; else check "$1" "$2" "$3" rel "$4"; fi
}
data=tests/data/design/design_survey.csv cb=tests/data/design/calib.codebook.toml
for design in full calib_poststratify rep_jkn; do
  case $design in calib_*) extra="--config tests/data/design/$design.hkstat.toml --calibrate" ;;
                  full) extra="" ;;
                  rep_jkn) extra="--replicates jkn" ;; esac
  for pair in logit:xlogit wald:mean beta:beta; do
    ours=${pair%%:*} theirs=${pair##*:}
    out=$("$hkstat" tabulate "$data" --codebook "$cb" $extra --var outing --by duration --min-cell 0 --ci "$ours" --format csv) ||
      { echo "hkstat failed: $design $ours"; exit 1; }
    header=$(echo "$out" | head -1)
    [ "$(echo "$header" | tr , '\n' | grep -c '^sex$')" -eq 0 ] || { echo "FAIL $design: a sex column in a table by duration"; fail=1; }
    field() { echo "$header" | tr , '\n' | grep -nx "$1" | cut -d: -f1; }
    fv=$(field by_variable) fl=$(field by_level) fc=$(field code) fp=$(field percent) fs=$(field se) fd=$(field df) fe=$(field deff)
    flo=$(field ci_lower) fhi=$(field ci_upper)
    rows=0
    while IFS=, read -r gd glev gcode gmethod gest gse gdf glo ghi gdeff; do
      [ "$gd" = "$design" ] && [ "$gmethod" = "$theirs" ] || continue
      rows=$((rows + 1))
      row=$(echo "$out" | awk -F, -v fv="$fv" -v fl="$fl" -v fc="$fc" -v l="$glev" -v c="$gcode" \
            '$fv=="duration" && $fl==l && $fc==c && $3=="all" && $2=="all"')
      [ -z "$row" ] && { echo "FAIL no hkstat row for $design duration=$glev outing=$gcode"; fail=1; continue; }
      label="$design duration=$glev outing=$gcode $ours"
      near "$label percent" "$(echo "$row" | cut -d, -f"$fp")" "$gest" 1e-9
      near "$label se" "$(echo "$row" | cut -d, -f"$fs")" "$gse" 1e-9
      check "$label df" "$(echo "$row" | cut -d, -f"$fd")" "$gdf" abs 0
      [ "$glo" != NA ] && glo=$(awk -v x="$glo" 'BEGIN{ printf "%.17g", (x < 0 ? 0 : x) }') && ghi=$(awk -v x="$ghi" 'BEGIN{ printf "%.17g", (x > 1 ? 1 : x) }')
      if [ "$glo" != NA ]; then
        check "$label lower" "$(echo "$row" | cut -d, -f"$flo")" "$glo" abs 1e-8
        check "$label upper" "$(echo "$row" | cut -d, -f"$fhi")" "$ghi" abs 1e-8
      fi
      [ "$gdeff" != NA ] && near "$label deff" "$(echo "$row" | cut -d, -f"$fe")" "$gdeff" 1e-9
    done < "$golden"
    [ "$rows" -eq 16 ] || { echo "FAIL $design $theirs: $rows golden rows, want 16"; fail=1; }
  done
done

# Crossed two deep.
cross=tests/golden/tabulate_cli/by_cross.csv
for design in full rep_jkn; do
  case $design in full) extra="" ;; rep_jkn) extra="--replicates jkn" ;; esac
  out=$("$hkstat" tabulate "$data" --codebook "$cb" $extra --var outing --by duration,sex --min-cell 0 --format csv) ||
    { echo "hkstat failed: crossed $design"; exit 1; }
  header=$(echo "$out" | head -1)
  field() { echo "$header" | tr , '\n' | grep -nx "$1" | cut -d: -f1; }
  fv=$(field by_variable) fl=$(field by_level) fv2=$(field by_variable2) fl2=$(field by_level2) fc=$(field code) fp=$(field percent)
  fs=$(field se) fd=$(field df) fe=$(field deff) flo=$(field ci_lower) fhi=$(field ci_upper)
  [ -n "$fv2" ] && [ -n "$fl2" ] || { echo "FAIL crossed $design: no by_variable2 / by_level2 column"; fail=1; continue; }
  rows=0
  while IFS=, read -r gd glev gsex gcode gest gse gdf glo ghi gdeff; do
    [ "$gd" = "$design" ] || continue
    rows=$((rows + 1))
    row=$(echo "$out" | awk -F, -v fv="$fv" -v fl="$fl" -v fv2="$fv2" -v fl2="$fl2" -v fc="$fc" -v l="$glev" -v s="$gsex" -v c="$gcode" \
          '$fv=="duration" && $fl==l && $fv2=="sex" && $fl2==s && $fc==c && $3=="all" && $2=="all"')
    [ "$(echo "$row" | grep -c .)" -eq 1 ] || { echo "FAIL crossed: not one hkstat row for $design duration=$glev sex=$gsex outing=$gcode"; fail=1; continue; }
    label="crossed $design duration=$glev sex=$gsex outing=$gcode"
    near "$label percent" "$(echo "$row" | cut -d, -f"$fp")" "$gest" 1e-9
    near "$label se" "$(echo "$row" | cut -d, -f"$fs")" "$gse" 1e-9
    check "$label df" "$(echo "$row" | cut -d, -f"$fd")" "$gdf" abs 0
    if [ "$glo" != NA ]; then
      check "$label lower" "$(echo "$row" | cut -d, -f"$flo")" "$glo" abs 1e-8
      check "$label upper" "$(echo "$row" | cut -d, -f"$fhi")" "$ghi" abs 1e-8
    fi
    [ "$gdeff" != NA ] && near "$label deff" "$(echo "$row" | cut -d, -f"$fe")" "$gdeff" 1e-9
  done < "$cross"
  [ "$rows" -eq 32 ] || { echo "FAIL crossed $design: $rows golden rows, want 32"; fail=1; }
done
exit $fail
