#!/usr/bin/env bash
# `hkstat estimate` on complex designs (strata, nested PSUs, fpc, weights, lonely-PSU policies) against
# R's survey package, through the real CLI.
#   design_vs_r.sh HKSTAT SOURCE_DIR
# Data and golden: r/design_cli_golden.R → tests/data/design/*.csv, tests/golden/design_cli/results.csv;
# codebooks tests/data/design/<design>.codebook.toml declare each design through roles.
# Tolerances: estimate and SE 1e-9 relative; df exact; interval ends 1e-8 absolute.
set -u
hkstat=$1 src=$2
cd "$src" || exit 1
source tests/cli/compare_lib.sh
golden=tests/golden/design_cli/results.csv
fail=0
# method in hkstat -> method in the golden
for design in full strat clus srs_fpc lonely_remove lonely_certainty lonely_adjust lonely_average calib_poststratify calib_rake rep_jkn rep_jk1; do
  data=tests/data/design/design_survey.csv cb=tests/data/design/$design.codebook.toml extra=""
  case $design in lonely_*) data=tests/data/design/lonely_survey.csv cb=tests/data/design/lonely_survey.codebook.toml
                            extra="--lonely-psu ${design#lonely_}" ;;
                  calib_*) cb=tests/data/design/calib.codebook.toml extra="--config tests/data/design/$design.hkstat.toml --calibrate" ;;
                  rep_jkn) cb=tests/data/design/full.codebook.toml extra="--replicates jkn" ;;
                  rep_jk1) cb=tests/data/design/clus.codebook.toml extra="--replicates jk1" ;; esac
  for pair in logit:xlogit wald:mean beta:beta asin:asin wilson:wilson; do
    ours=${pair%%:*} theirs=${pair##*:}
    out=$("$hkstat" estimate "$data" --codebook "$cb" --rules tests/data/weighted/core_only.toml $extra \
          --format csv --min-cell 0 --ci "$ours") || { echo "hkstat failed: $design $ours"; exit 1; }
    if [ "$ours" = logit ] && [ "${design#calib_}" = "$design" ] && [ "${design#rep_}" = "$design" ]; then
      diffs=$("$hkstat" estimate "$data" --codebook "$cb" --rules tests/data/weighted/core_only.toml $extra \
              --format csv --min-cell 0 --table differences) || { echo "hkstat failed: $design differences"; exit 1; }
      for measure in broad narrow; do
        row=$(echo "$diffs" | awk -F, -v m="$measure" '$1==m')
        g=$(awk -F, -v d="$design" -v m="$measure" '$1==d && $2==m' tests/golden/design_cli/differences.csv)
        check "$design $measure difference" "$(echo "$row" | cut -d, -f4)" "$(echo "$g" | cut -d, -f3)" rel 1e-9
        check "$design $measure difference se" "$(echo "$row" | cut -d, -f5)" "$(echo "$g" | cut -d, -f4)" rel 1e-9
        check "$design $measure difference df" "$(echo "$row" | cut -d, -f8)" "$(echo "$g" | cut -d, -f5)" abs 0
      done
    fi
    for measure in broad narrow; do
      for grp in all 15-39 40-64; do
        row=$(echo "$out" | awk -F, -v m="$measure" -v a="$grp" '$2==m && $3==a')
        g=$(awk -F, -v d="$design" -v a="$grp" -v m="$measure" -v k="$theirs" '$1==d && $2==a && $3==m && $4==k' "$golden")
        [ -z "$g" ] && { echo "no golden row for $design $grp $measure $theirs"; fail=1; continue; }
        label="$design $measure $grp $ours"
        check "$label estimate" "$(echo "$row" | cut -d, -f6)" "$(echo "$g" | cut -d, -f6)" rel 1e-9
        check "$label se" "$(echo "$row" | cut -d, -f8)" "$(echo "$g" | cut -d, -f7)" rel 1e-9
        check "$label df" "$(echo "$row" | cut -d, -f13)" "$(echo "$g" | cut -d, -f8)" abs 0
        check "$label lower" "$(echo "$row" | cut -d, -f9)" "$(echo "$g" | cut -d, -f9)" abs 1e-8
        check "$label upper" "$(echo "$row" | cut -d, -f10)" "$(echo "$g" | cut -d, -f10)" abs 1e-8
        [ "$ours" = logit ] && [ "${design#rep_}" = "$design" ] && check "$label deff" "$(echo "$row" | cut -d, -f21)" "$(echo "$g" | cut -d, -f11)" rel 1e-9
      done
    done
  done
done
exit $fail
