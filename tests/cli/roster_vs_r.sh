#!/usr/bin/env bash
# The prevalence with household members (`hkstat estimate --numerator respondents|respondents+members|persons`)
# against R (r/roster_golden.R → tests/golden/roster_cli/results.csv), through the real CLI: the 西東京市 sample
# (unweighted, wide roster of 3) and a synthetic weighted, stratified, clustered sample with a wide roster of 2
# (tests/data/roster_design/), rule-set core_only, cells all / 15-39 / 40-64 and --by sex (each member by his or
# her own age and sex) × broad, narrow, semi.
#   roster_vs_r.sh HKSTAT SOURCE_DIR
# Tolerances: estimate and SE 1e-9 relative, interval ends 1e-9 absolute, df exact.
source "$(dirname "$0")/vs_r_lib.sh" "$@"
golden=tests/golden/roster_cli/results.csv
rules=tests/data/weighted/core_only.toml


for sample in nishitokyo design; do
  case $sample in
    nishitokyo) input="data/samples/nishitokyo2024.csv" ;;
    design) input="tests/data/roster_design/roster_design.csv --codebook tests/data/roster_design/roster_design.codebook.toml" ;;
  esac
  for numerator in respondents respondents+members persons; do
    extra=
    [ "$numerator" = respondents ] && extra="--ci wald"
    out=$("$hkstat" estimate $input --rules $rules --age-groups 15-39,40-64 --by sex --numerator $numerator $extra --min-cell 0 --format csv) ||
      { echo "FAIL hkstat failed: $sample $numerator"; fail=1; continue; }
    set_header "$(echo "$out" | head -1)"
    fm=$(col measure) fg=$(col age_group) fl=$(col by_level)
    fr=$(col rate) fs=$(col se) flo=$(col ci_lower) fup=$(col ci_upper) fd=$(col df)
    rows=0
    while IFS=, read -r gs gn gm gg gl gest gse glo gup gdf; do
      [ "$gs" = "$sample" ] && [ "$gn" = "$numerator" ] || continue
      rows=$((rows + 1))
      row=$(echo "$out" | awk -F, -v fm="$fm" -v fg="$fg" -v fl="$fl" -v m="$gm" -v g="$gg" -v l="$gl" 'NR > 1 && $fm == m && $fg == g && $fl == l')
      label="$sample $numerator $gm $gg sex=$gl"
      [ "$(echo "$row" | grep -c .)" -eq 1 ] || { echo "FAIL $label: $(echo "$row" | grep -c .) hkstat rows"; fail=1; continue; }
      check "$label estimate" "$(echo "$row" | cut -d, -f"$fr")" "$gest" rel 1e-9
      check "$label se" "$(echo "$row" | cut -d, -f"$fs")" "$gse" rel 1e-9
      check "$label lower" "$(echo "$row" | cut -d, -f"$flo")" "$glo" abs 1e-9
      check "$label upper" "$(echo "$row" | cut -d, -f"$fup")" "$gup" abs 1e-9
      got_df=$(echo "$row" | cut -d, -f"$fd")
      if [ "$gdf" = Inf ]; then
        [ "$got_df" = Inf ] || { echo "FAIL $label df: got $got_df want Inf"; fail=1; }
      else
        check "$label df" "$got_df" "$gdf" abs 0
      fi
    done < "$golden"
    [ "$rows" -gt 0 ] || { echo "FAIL $sample $numerator: no golden rows"; fail=1; }
  done
done
exit $fail
