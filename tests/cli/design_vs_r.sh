#!/usr/bin/env bash
# `hkstat estimate` on complex designs (strata, nested PSUs, fpc, weights, lonely-PSU policies) against
# R's survey package, through the real CLI.
#   design_vs_r.sh HKSTAT SOURCE_DIR
# Data and golden: r/design_cli_golden.R → tests/data/design/*.csv, tests/golden/design_cli/results.csv;
# codebooks tests/data/design/<design>.codebook.toml declare each design through roles.
# Tolerances: estimate and SE 1e-9 relative; df exact; interval ends 1e-8 absolute, `likelihood` 1e-12
# absolute (hkstat replays R's IRLS path from the (weight, y) groups of the domain, so the interval is R's
# to rounding: largest gap measured 1.9e-15, 2026-11-24). Replicate designs: R has no likelihood
# interval (NA) and hkstat refuses it (exit 2).
source "$(dirname "$0")/vs_r_lib.sh" "$@"
golden=tests/golden/design_cli/results.csv
# method in hkstat -> method in the golden
for design in full strat clus srs_fpc lonely_remove lonely_certainty lonely_adjust lonely_average calib_poststratify calib_rake rep_jkn rep_jk1; do
  data=tests/data/design/design_survey.csv cb=tests/data/design/$design.codebook.toml extra=$(design_options $design)
  case $design in lonely_*) data=tests/data/design/lonely_survey.csv cb=tests/data/design/lonely_survey.codebook.toml
                            extra="--lonely-psu ${design#lonely_}" ;;
                  calib_*) cb=tests/data/design/calib.codebook.toml ;;
                  rep_jkn) cb=tests/data/design/full.codebook.toml ;;
                  rep_jk1) cb=tests/data/design/clus.codebook.toml ;; esac
  for pair in logit:xlogit wald:mean beta:beta asin:asin wilson:wilson likelihood:likelihood; do
    ours=${pair%%:*} theirs=${pair##*:}
    ci_tol=1e-8
    if [ "$ours" = likelihood ]; then
      ci_tol=1e-12
      if [ "${design#rep_}" != "$design" ]; then
        "$hkstat" estimate "$data" --codebook "$cb" --rules tests/data/weighted/core_only.toml $extra \
          --format csv --min-cell 0 --ci likelihood >/dev/null 2>&1
        rc=$?
        [ $rc -eq 2 ] || { echo "FAIL $design likelihood: exit $rc, expected 2 (refused with replicates)"; fail=1; }
        continue
      fi
    fi
    out=$("$hkstat" estimate "$data" --codebook "$cb" --rules tests/data/weighted/core_only.toml $extra \
          --format csv --min-cell 0 --ci "$ours") || { echo "hkstat failed: $design $ours"; exit 1; }
    if [ "$ours" = logit ] && [ "${design#calib_}" = "$design" ] && [ "${design#rep_}" = "$design" ]; then
      diffs=$("$hkstat" estimate "$data" --codebook "$cb" --rules tests/data/weighted/core_only.toml $extra \
              --format csv --min-cell 0 --table differences) || { echo "hkstat failed: $design differences"; exit 1; }
      for measure in broad narrow; do
        row=$(echo "$diffs" | awk -F, -v m="$measure" '$1==m')
        g=$(awk -F, -v d="$design" -v m="$measure" '$1==d && $2==m' tests/golden/design_cli/differences.csv)
        check_difference "$design $measure" "$row" "$g"
      done
    fi
    for measure in broad narrow; do
      for grp in all 15-39 40-64; do
        row=$(echo "$out" | awk -F, -v m="$measure" -v a="$grp" '$2==m && $3==a')
        g=$(awk -F, -v d="$design" -v a="$grp" -v m="$measure" -v k="$theirs" '$1==d && $2==a && $3==m && $4==k' "$golden")
        [ -z "$g" ] && { echo "no golden row for $design $grp $measure $theirs"; fail=1; continue; }
        label="$design $measure $grp $ours"
        check_cell "$label" "$row" "$g" "$(echo "$g" | cut -d, -f9)" "$(echo "$g" | cut -d, -f10)" "$ci_tol"
        [ "$ours" = logit ] && [ "${design#rep_}" = "$design" ] && check "$label deff" "$(echo "$row" | cut -d, -f21)" "$(echo "$g" | cut -d, -f11)" rel 1e-9
      done
    done
  done
done
# --by sex on the "full" design (calib.codebook.toml adds sex): every sex × group × measure (estimate, SE 1e-9
# relative, df exact, logit interval 1e-8 absolute, deff 1e-9) and female − male within all / each age group
# (difference, SE 1e-9 relative, df exact). Golden: tests/golden/design_cli/by_sex*.csv (r/design_cli_golden.R).
by=$("$hkstat" estimate tests/data/design/design_survey.csv --codebook tests/data/design/calib.codebook.toml \
     --rules tests/data/weighted/core_only.toml --by sex --format csv --min-cell 0) || { echo "hkstat failed: --by sex"; exit 1; }
byd=$("$hkstat" estimate tests/data/design/design_survey.csv --codebook tests/data/design/calib.codebook.toml \
      --rules tests/data/weighted/core_only.toml --by sex --format csv --min-cell 0 --table differences) || { echo "hkstat failed: --by sex differences"; exit 1; }
set_header "$(echo "$by" | head -1)"
while IFS=, read -r sx grp measure est se df lower upper deff; do
  [ "$sx" = sex ] && continue
  row=$(echo "$by" | awk -F, -v m="$measure" -v a="$grp" -v s="$sx" '$2==m && $3==a && $24=="sex" && $25==s')
  [ -z "$row" ] && { echo "no hkstat row for sex $sx $grp $measure"; fail=1; continue; }
  check_prop "by sex $sx $grp $measure" "$row" rate "$est" "$se" "$df" "$lower" "$upper" "$deff"
done < tests/golden/design_cli/by_sex.csv
while IFS=, read -r grp measure diff se df; do
  [ "$grp" = group ] && continue
  row=$(echo "$byd" | awk -F, -v m="$measure" -v a="$grp" '$1==m && $10=="sex" && $11==a')
  [ -z "$row" ] && { echo "no hkstat difference for sex $grp $measure"; fail=1; continue; }
  check_diff "by sex $grp $measure" "$row" "$diff" "$se" "$df"
done < tests/golden/design_cli/by_sex_differences.csv
# --by sex after calibration (--calibrate: post-stratified, raked) and on supplied JKn columns (written by
# hkstat replicate, read back through their [replicates]): cells (estimate, SE 1e-9 relative, df exact, logit
# and likelihood interval 1e-8 absolute; no likelihood with replicates) and female − male differences (value,
# SE 1e-9 relative, df exact). Golden: tests/golden/design_cli/by_sex_designs*.csv (r/design_cli_golden.R).
T=$(mktemp -d "${TMPDIR:-/tmp}/hkstat-design-XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
"$hkstat" replicate tests/data/design/design_survey.csv --codebook tests/data/design/calib.codebook.toml --type jkn   --out "$T/jkn.csv" >/dev/null || { echo "hkstat replicate jkn failed"; exit 1; }
for design in calib_poststratify calib_rake rep_jkn; do
  case $design in
    calib_*) args=(tests/data/design/design_survey.csv --codebook tests/data/design/calib.codebook.toml
                   --config tests/data/design/$design.hkstat.toml --calibrate) ;;
    rep_jkn) args=("$T/jkn.csv") ;;
  esac
  common=(--rules tests/data/weighted/core_only.toml --by sex --format csv --min-cell 0)
  cells=$("$hkstat" estimate "${args[@]}" "${common[@]}") || { echo "hkstat failed: $design --by sex"; exit 1; }
  lik=""
  [ "$design" != rep_jkn ] && { lik=$("$hkstat" estimate "${args[@]}" "${common[@]}" --ci likelihood) || { echo "hkstat failed: $design --by sex likelihood"; exit 1; }; }
  diffs=$("$hkstat" estimate "${args[@]}" "${common[@]}" --table differences) || { echo "hkstat failed: $design --by sex differences"; exit 1; }
  set_header "$(echo "$cells" | head -1)"
  n=0
  while IFS=, read -r gd sx grp measure est se df lower upper lik_lower lik_upper; do
    [ "$gd" = "$design" ] || continue
    n=$((n + 1))
    row=$(echo "$cells" | awk -F, -v m="$measure" -v a="$grp" -v s="$sx" '$2==m && $3==a && $24=="sex" && $25==s')
    [ -z "$row" ] && { echo "FAIL no hkstat row for $design sex $sx $grp $measure"; fail=1; continue; }
    label="$design by sex $sx $grp $measure"
    check_prop "$label" "$row" rate "$est" "$se" "$df" "$lower" "$upper" NA
    if [ -n "$lik" ]; then
      row=$(echo "$lik" | awk -F, -v m="$measure" -v a="$grp" -v s="$sx" '$2==m && $3==a && $24=="sex" && $25==s')
      check "$label likelihood lower" "$(echo "$row" | cut -d, -f9)" "$lik_lower" abs 1e-8
      check "$label likelihood upper" "$(echo "$row" | cut -d, -f10)" "$lik_upper" abs 1e-8
    fi
  done < tests/golden/design_cli/by_sex_designs.csv
  [ "$n" -eq 12 ] || { echo "FAIL $design: $n golden by-sex cells, want 12"; fail=1; }
  while IFS=, read -r gd grp measure diff se df; do
    [ "$gd" = "$design" ] || continue
    row=$(echo "$diffs" | awk -F, -v m="$measure" -v a="$grp" '$1==m && $10=="sex" && $11==a')
    [ -z "$row" ] && { echo "FAIL no hkstat difference for $design sex $grp $measure"; fail=1; continue; }
    check_diff "$design by sex $grp $measure" "$row" "$diff" "$se" "$df"
  done < tests/golden/design_cli/by_sex_designs_differences.csv
done
# hkstat compare with each survey's own variance: A = the JKn columns written by hkstat replicate (the codebook's
# [replicates] → replicate SEs), B = the same survey linearised (full.codebook.toml). Against R's per-survey values
# (results.csv rows rep_jkn and full, xlogit): estimate and SE of each side 1e-9 relative, df exact; the
# difference's SE = √(SE_A² + SE_B²) of R's SEs, 1e-9 relative; df = min(df_A, df_B).
cmp=$("$hkstat" compare "$T/jkn.csv" tests/data/design/design_survey.csv --codebook-b tests/data/design/full.codebook.toml       --rules tests/data/weighted/core_only.toml --min-cell 0 --format csv) || { echo "hkstat failed: compare"; exit 1; }
for measure in broad narrow; do
  for grp in all 15-39 40-64; do
    row=$(echo "$cmp" | awk -F, -v m="$measure" -v a="$grp" '$1=="prevalence" && $4==m && $6==a')
    ga=$(awk -F, -v a="$grp" -v m="$measure" '$1=="rep_jkn" && $2==a && $3==m && $4=="xlogit"' tests/golden/design_cli/results.csv)
    gb=$(awk -F, -v a="$grp" -v m="$measure" '$1=="full" && $2==a && $3==m && $4=="xlogit"' tests/golden/design_cli/results.csv)
    [ -z "$row" ] || [ -z "$ga" ] || [ -z "$gb" ] && { echo "FAIL compare: missing row for $grp $measure"; fail=1; continue; }
    label="compare jkn vs linearised $grp $measure"
    check "$label estimate_a" "$(echo "$row" | cut -d, -f14)" "$(echo "$ga" | cut -d, -f6)" rel 1e-9
    check "$label se_a" "$(echo "$row" | cut -d, -f15)" "$(echo "$ga" | cut -d, -f7)" rel 1e-9
    check "$label df_a" "$(echo "$row" | cut -d, -f16)" "$(echo "$ga" | cut -d, -f8)" abs 0
    check "$label estimate_b" "$(echo "$row" | cut -d, -f19)" "$(echo "$gb" | cut -d, -f6)" rel 1e-9
    check "$label se_b" "$(echo "$row" | cut -d, -f20)" "$(echo "$gb" | cut -d, -f7)" rel 1e-9
    check "$label se_difference" "$(echo "$row" | cut -d, -f23)" \
      "$(awk -v a="$(echo "$ga" | cut -d, -f7)" -v b="$(echo "$gb" | cut -d, -f7)" 'BEGIN { printf "%.17g", sqrt(a * a + b * b) }')" rel 1e-9
    check "$label df_difference" "$(echo "$row" | cut -d, -f24)" \
      "$(awk -v a="$(echo "$ga" | cut -d, -f8)" -v b="$(echo "$gb" | cut -d, -f8)" 'BEGIN { print (a < b ? a : b) }')" abs 0
  done
done
# Rao–Scott (tabulate --test) of outing × sex on the stratified two-stage design: statistic, df and p to 1e-8 relative.
# (R's statistic = "Chisq" prints the Pearson X² and the first-order p; hkstat also gives X²/mean(δ).)
rs=$("$hkstat" tabulate tests/data/design/design_survey.csv --codebook tests/data/design/calib.codebook.toml \
     --rules tests/data/weighted/core_only.toml --var outing --test sex --format csv | sed -n 2p)
g=$(sed -n 2p tests/golden/design_cli/rao_scott.csv)
for k in "3 1 F" "4 2 ndf" "5 3 ddf" "6 4 p" "9 5 pearson_X2(R_Chisq_statistic)" "8 6 chisq_p"; do
  set -- $k
  check "rao-scott $3" "$(echo "$rs" | cut -d, -f"$1")" "$(echo "$g" | cut -d, -f"$2")" rel 1e-8
done
exit $fail
