#!/usr/bin/env bash
# `hkstat estimate --by sex,district,duration` (each variable alone, every pair and the triple crossed) against R's
# svyby(~broad, ~A + B [+ C], design, svymean), through the real CLI, on the stratified cluster design with text
# labels (tests/data/design/design_labels.csv): every combination of the crossed terms.
#   estimate_by_cross_vs_r.sh HKSTAT SOURCE_DIR
# Golden: r/estimate_by_cross_golden.R → tests/golden/estimate_cli/by_cross.csv.
# Tolerances: rate, SE and deff 1e-9 relative (1e-12 absolute where R's value is below 1e-12); df exact.
# The CSV columns are found by name (by_variable, by_level, rate, se, df, deff).
set -u
hkstat=$1 src=$2
cd "$src" || exit 1
source tests/cli/compare_lib.sh
golden=tests/golden/estimate_cli/by_cross.csv
fail=0
near() {
  if awk -v w="$3" 'BEGIN{ exit !(w < 1e-12 && w > -1e-12) }'; then check "$1" "$2" "$3" abs 1e-12; else check "$1" "$2" "$3" rel "$4"; fi
}
out=$("$hkstat" estimate tests/data/design/design_labels.csv --codebook tests/data/design/labels.codebook.toml \
      --rules tests/data/weighted/core_only.toml --by sex,district,duration --age-groups 15-64 --min-cell 0 --format csv) ||
  { echo "hkstat failed"; exit 1; }
header=$(echo "$out" | head -1)
field() { echo "$header" | tr , '\n' | grep -nx "$1" | cut -d: -f1; }
fm=$(field measure) fg=$(field age_group) fv=$(field by_variable) fl=$(field by_level) fr=$(field rate) fs=$(field se) fd=$(field df) fe=$(field deff)
rows=0
while IFS=, read -r gterm glevel gest gse gdf gdeff; do
  [ "$gterm" = term ] && continue
  rows=$((rows + 1))
  row=$(echo "$out" | awk -F, -v fm="$fm" -v fg="$fg" -v fv="$fv" -v fl="$fl" -v t="$gterm" -v l="$glevel" \
        '$fm=="broad" && $fg=="all" && $fv==t && $fl==l')
  [ "$(echo "$row" | grep -c .)" -eq 1 ] || { echo "FAIL no single hkstat row for $gterm=$glevel"; fail=1; continue; }
  label="$gterm=$glevel"
  near "$label rate" "$(echo "$row" | cut -d, -f"$fr")" "$gest" 1e-9
  near "$label se" "$(echo "$row" | cut -d, -f"$fs")" "$gse" 1e-9
  check "$label df" "$(echo "$row" | cut -d, -f"$fd")" "$gdf" abs 0
  [ "$gdeff" != NA ] && near "$label deff" "$(echo "$row" | cut -d, -f"$fe")" "$gdeff" 1e-9
done < "$golden"
[ "$rows" -eq 28 ] || { echo "FAIL $rows golden rows, want 28"; fail=1; }
exit $fail
