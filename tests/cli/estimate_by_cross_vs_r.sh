#!/usr/bin/env bash
# `hkstat estimate --by sex,district,duration` (each variable alone, every pair and the triple crossed) against R's
# svyby(~broad, ~A + B [+ C], design, svymean), through the real CLI, on the stratified cluster design with text
# labels (tests/data/design/design_labels.csv): every combination of the crossed terms.
#   estimate_by_cross_vs_r.sh HKSTAT SOURCE_DIR
# Golden: r/estimate_by_cross_golden.R → tests/golden/estimate_cli/by_cross.csv.
# Tolerances: rate, SE and deff 1e-9 relative (1e-12 absolute where R's value is below 1e-12); df exact.
# The CSV columns are found by name (by_variable, by_level, rate, se, df, deff).
source "$(dirname "$0")/vs_r_lib.sh" "$@"
golden=tests/golden/estimate_cli/by_cross.csv
run_csv estimate estimate tests/data/design/design_labels.csv --codebook tests/data/design/labels.codebook.toml \
  --rules tests/data/weighted/core_only.toml --by sex,district,duration --age-groups 15-64 --min-cell 0 --format csv
rows=0
while IFS=, read -r gterm glevel gest gse gdf gdeff; do
  [ "$gterm" = term ] && continue
  rows=$((rows + 1))
  row=$(echo "$out" | awk -F, -v fm="$(col measure)" -v fg="$(col age_group)" -v fv="$(col by_variable)" -v fl="$(col by_level)" \
        -v t="$gterm" -v l="$glevel" '$fm=="broad" && $fg=="all" && $fv==t && $fl==l')
  [ "$(echo "$row" | grep -c .)" -eq 1 ] || { echo "FAIL no single hkstat row for $gterm=$glevel"; fail=1; continue; }
  check_prop "$gterm=$glevel" "$row" rate "$gest" "$gse" "$gdf" NA NA "$gdeff"
done < "$golden"
want_rows all "$rows" 28
exit $fail
