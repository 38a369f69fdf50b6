#!/usr/bin/env bash
# `hkstat tabulate --calibrate` and `hkstat tabulate --replicates jkn|jk1` against R's survey package, through
# the real CLI (and the same design uncalibrated: "full"; and a stratified design without a psu column,
# "strat_sex", each respondent its own PSU): every category of outing and sex, over all
# respondents and within 広義, with the logit, Wald, beta and likelihood intervals (no likelihood on replicate
# designs: R returns NA), and the Rao–Scott test of outing × sex on each design.
#   tabulate_vs_r.sh HKSTAT SOURCE_DIR
# Data: tests/data/design/design_survey.csv (r/design_cli_golden.R); golden: r/tabulate_cli_golden.R →
# tests/golden/tabulate_cli/{cells,rao_scott}.csv.
# Tolerances: percentage, SE and deff 1e-9 relative (1e-12 absolute where R's value is below 1e-12: a
# category of 0%, or the SE of sex after calibration to the sex margins, which is 0 up to rounding);
# df exact; interval ends 1e-8 absolute (likelihood too: hkstat replays R's IRLS path, docs/estimation.md); Rao–Scott statistic, df and p 1e-8 relative.
source "$(dirname "$0")/vs_r_lib.sh" "$@"
golden=tests/golden/tabulate_cli/cells.csv
data=tests/data/design/design_survey.csv
for design in calib_poststratify calib_rake rep_jkn rep_jk1 full strat_sex; do
  pairs="logit:xlogit wald:mean beta:beta likelihood:likelihood"
  cb=tests/data/design/calib.codebook.toml extra=$(design_options $design)
  case $design in rep_*) pairs=${pairs% *} ;; esac  # R has no likelihood interval on replicate designs
  [ $design = rep_jk1 ] && cb=tests/data/design/clus_sex.codebook.toml
  [ $design = strat_sex ] && cb=tests/data/design/strat_sex.codebook.toml  # no psu column: per-stratum moments
  for pair in $pairs; do
    ours=${pair%%:*} theirs=${pair##*:}
    run_csv "$design $ours" tabulate "$data" --codebook "$cb" --rules tests/data/weighted/core_only.toml $extra --var outing,sex \
      --domain all,broad --min-cell 0 --ci "$ours" --format csv
    rows=0
    while IFS=, read -r gd gdom gvar gcode gmethod gest gse gdf glo ghi gdeff; do
      [ "$gd" = "$design" ] && [ "$gmethod" = "$theirs" ] || continue
      rows=$((rows + 1))
      row=$(echo "$out" | awk -F, -v v="$gvar" -v d="$gdom" -v c="$gcode" '$1==v && $2==d && $3=="all" && $4=="all" && $5==c')
      [ -z "$row" ] && { echo "FAIL no hkstat row for $design $gdom $gvar $gcode"; fail=1; continue; }
      [ "$ours" = logit ] || gdeff=NA
      check_prop "$design $gdom $gvar=$gcode $ours" "$row" percent "$gest" "$gse" "$gdf" "$glo" "$ghi" "$gdeff"
    done < "$golden"
    want_rows "$design $theirs" "$rows" 20
  done
  # Rao–Scott (tabulate --test sex): R's statistic = "Chisq" prints the Pearson X² and the first-order p.
  rs=$("$hkstat" tabulate "$data" --codebook "$cb" --rules tests/data/weighted/core_only.toml $extra --var outing --test sex \
       --format csv | sed -n 2p) || { echo "hkstat failed: $design --test"; exit 1; }
  g=$(awk -F, -v d="$design" '$1==d' tests/golden/tabulate_cli/rao_scott.csv)
  for k in "3 2 F" "4 3 ndf" "5 4 ddf" "6 5 p" "9 6 pearson_X2(R_Chisq_statistic)" "8 7 chisq_p"; do
    set -- $k
    check "$design rao-scott $3" "$(echo "$rs" | cut -d, -f"$1")" "$(echo "$g" | cut -d, -f"$2")" rel 1e-8
  done
done
exit $fail
