#!/usr/bin/env bash
# Both of R's design effects through the real CLI: `deff` = R svymean(deff = "replace") and `deff_wor` = R's
# default deff = TRUE (vs SRS without replacement), in `hkstat estimate --format csv` (broad, narrow; all / 15-39 /
# 40-64) and `hkstat tabulate --format csv` (every outing category), linearised and post-stratified.
#   deff_vs_r.sh HKSTAT SOURCE_DIR
# Golden: r/deff_golden.R → tests/golden/design_cli/deff.csv. Tolerance 1e-9 relative. Columns found by name.
source "$(dirname "$0")/vs_r_lib.sh" "$@"
golden=tests/golden/design_cli/deff.csv
data=tests/data/design/design_survey.csv cb=tests/data/design/calib.codebook.toml rules=tests/data/weighted/core_only.toml
for design in full calib_poststratify; do
  extra=$(design_options $design)
  est=$("$hkstat" estimate "$data" --codebook "$cb" --rules "$rules" $extra --min-cell 0 --format csv) || { echo "hkstat estimate failed: $design"; exit 1; }
  tab=$("$hkstat" tabulate "$data" --codebook "$cb" $extra --var outing --min-cell 0 --format csv) || { echo "hkstat tabulate failed: $design"; exit 1; }
  rows=0
  while IFS=, read -r gcmd gd gdom gitem grep gwor; do
    [ "$gd" = "$design" ] || continue
    rows=$((rows + 1))
    if [ "$gcmd" = estimate ]; then out=$est; else out=$tab; fi
    set_header "$(echo "$out" | head -1)"
    if [ "$gcmd" = estimate ]; then
      row=$(echo "$out" | awk -F, -v m="$gitem" -v g="$gdom" -v fm="$(col measure)" -v fg="$(col age_group)" '$fm==m && $fg==g')
    else
      row=$(echo "$out" | awk -F, -v c="${gitem#outing_}" -v fc="$(col code)" '$1=="outing" && $2=="all" && $3=="all" && $fc==c')
    fi
    [ -z "$row" ] && { echo "FAIL no hkstat row: $gcmd $design $gdom $gitem"; fail=1; continue; }
    check "$gcmd $design $gdom $gitem deff (replace)" "$(echo "$row" | cut -d, -f"$(col deff)")" "$grep" rel 1e-9
    check "$gcmd $design $gdom $gitem deff_wor (deff = TRUE)" "$(echo "$row" | cut -d, -f"$(col deff_wor)")" "$gwor" rel 1e-9
  done < "$golden"
  [ "$rows" -eq 14 ] || { echo "FAIL $design: $rows golden rows, want 14"; fail=1; }
done
exit $fail
