#!/usr/bin/env bash
# `hkstat estimate` with replicate weights against R's survey package, through the real CLI: replicate
# columns SUPPLIED in the data and described by the codebook's [replicates] (bootstrap, JKn with per-column
# rscale, other with an rscales array and mse, JK1 as weights and as multipliers, BRR, Fay), replicates
# CREATED by hkstat (estimate --replicates jkn|jk1|brr|fay), and replicates written by `hkstat replicate`
# and read back through the codebook it writes; `tabulate` and `report` on supplied JKn columns.
#   replicate_vs_r.sh HKSTAT SOURCE_DIR
# Data and golden: r/replicate_cli_golden.R → tests/data/replicate/*, tests/golden/replicate_cli/*.csv.
# Tolerances (as design_vs_r.sh): estimate and SE 1e-9 relative; df exact; interval ends 1e-8 absolute;
# differences: value and SE 1e-9 relative, df exact (R degf of the whole replicate design).
source "$(dirname "$0")/vs_r_lib.sh" "$@"
T=$(mktemp -d "${TMPDIR:-/tmp}/hkstat-rep-XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
golden=tests/golden/replicate_cli/results.csv

# hkstat replicate writes the [replicates] table into the codebook it outputs; estimate then needs no
# --replicates. JKn of the stratified design = R as.svrepdesign(full, "JKn") (golden cre_jkn); Fay ρ = 0.3 of
# the 2-PSU design = as.svrepdesign(brr_des, "Fay", fay.rho = 0.3) (golden sup_fay).
"$hkstat" replicate tests/data/design/design_survey.csv --codebook tests/data/design/full.codebook.toml \
  --type jkn --out "$T/jkn.csv" > /dev/null || { echo "hkstat replicate jkn failed"; exit 1; }
"$hkstat" replicate tests/data/replicate/brr_survey.csv --codebook tests/data/replicate/brr_design.codebook.toml \
  --type fay --rho 0.3 --out "$T/fay.csv" > /dev/null || { echo "hkstat replicate fay failed"; exit 1; }

# case = name:golden design:data:codebook:extra options
cases="
sup_boot:sup_boot:tests/data/replicate/rep_survey.csv:tests/data/replicate/sup_boot.codebook.toml:
sup_boot_mse:sup_boot_mse:tests/data/replicate/rep_survey.csv:tests/data/replicate/sup_boot_mse.codebook.toml:
sup_jkn:sup_jkn:tests/data/replicate/rep_survey.csv:tests/data/replicate/sup_jkn.codebook.toml:
sup_jkn_agree:sup_jkn:tests/data/replicate/rep_survey.csv:tests/data/replicate/sup_jkn.codebook.toml:--replicates jkn
sup_other:sup_other:tests/data/replicate/rep_survey.csv:tests/data/replicate/sup_other.codebook.toml:
sup_jk1:sup_jk1:tests/data/replicate/rep_survey.csv:tests/data/replicate/sup_jk1.codebook.toml:
sup_jk1_mult:sup_jk1_mult:tests/data/replicate/rep_survey.csv:tests/data/replicate/sup_jk1_mult.codebook.toml:
sup_brr:sup_brr:tests/data/replicate/brr_survey.csv:tests/data/replicate/sup_brr.codebook.toml:
sup_fay:sup_fay:tests/data/replicate/brr_survey.csv:tests/data/replicate/sup_fay.codebook.toml:
cre_jkn:cre_jkn:tests/data/design/design_survey.csv:tests/data/design/full.codebook.toml:--replicates jkn
cre_jk1:cre_jk1:tests/data/design/design_survey.csv:tests/data/design/clus.codebook.toml:--replicates jk1
cre_brr:cre_brr:tests/data/replicate/brr_survey.csv:tests/data/replicate/brr_design.codebook.toml:--replicates brr
cre_fay:cre_fay:tests/data/replicate/brr_survey.csv:tests/data/replicate/brr_design.codebook.toml:--replicates fay
written_jkn:cre_jkn:$T/jkn.csv:$T/jkn.codebook.toml:
written_fay:sup_fay:$T/fay.csv:$T/fay.codebook.toml:
"
# Wald: R's ends clipped to [0, 1] as hkstat's are (clip01; the small BRR design has lower ends below 0).
while IFS= read -r c; do
  [ -z "$c" ] && continue
  IFS=: read -r name design data cb extra <<< "$(eval echo "$c")"
  # the replicate source must be named in the output (the codebook's [replicates] or --replicates)
  run() { "$hkstat" estimate "$data" --codebook "$cb" --rules tests/data/weighted/core_only.toml $extra --format csv --min-cell 0 "$@"; }
  diffs=$(run --table differences 2>/dev/null) || { echo "hkstat failed: $name differences"; fail=1; continue; }
  for measure in broad narrow; do
    row=$(echo "$diffs" | awk -F, -v m="$measure" '$1==m')
    g=$(awk -F, -v d="$design" -v m="$measure" '$1==d && $2==m' tests/golden/replicate_cli/differences.csv)
    [ -z "$g" ] && { echo "no golden difference for $design $measure"; fail=1; continue; }
    check_difference "$name $measure" "$row" "$g"
  done
  for pair in logit:xlogit wald:mean beta:beta asin:asin wilson:wilson; do
    ours=${pair%%:*} theirs=${pair##*:}
    out=$(run --ci "$ours" 2>/dev/null) || { echo "hkstat failed: $name $ours"; fail=1; continue; }
    for measure in broad narrow; do
      for grp in all 15-39 40-64; do
        row=$(echo "$out" | awk -F, -v m="$measure" -v a="$grp" '$2==m && $3==a')
        g=$(awk -F, -v d="$design" -v a="$grp" -v m="$measure" -v k="$theirs" '$1==d && $2==a && $3==m && $4==k' "$golden")
        [ -z "$g" ] && { echo "no golden row for $design $grp $measure $theirs"; fail=1; continue; }
        label="$name $measure $grp $ours"
        lo=$(echo "$g" | cut -d, -f9) hi=$(echo "$g" | cut -d, -f10)
        [ "$ours" = wald ] && lo=$(clip01 "$lo") hi=$(clip01 "$hi")
        check_cell "$label" "$row" "$g" "$lo" "$hi"
      done
    done
  done
done <<< "$cases"

# hkstat tabulate reads the codebook's [replicates] too: outing over all respondents and within 広義 with the JKn
# columns supplied (no option) against R's as.svrepdesign(full, "JKn") cells of r/tabulate_cli_golden.R (design
# rep_jkn; the supplied columns are that design's analysis weights). Tolerances as tabulate_vs_r.sh.
tab=$("$hkstat" tabulate tests/data/replicate/rep_survey.csv --codebook tests/data/replicate/sup_jkn.codebook.toml \
      --rules tests/data/weighted/core_only.toml --var outing --domain all,broad --min-cell 0 --format csv) ||
  { echo "hkstat tabulate failed"; exit 1; }
rows=0
while IFS=, read -r gd gdom gvar gcode gmethod gest gse gdf glo ghi gdeff; do
  [ "$gd" = rep_jkn ] && [ "$gvar" = outing ] && [ "$gmethod" = xlogit ] || continue
  rows=$((rows + 1))
  row=$(echo "$tab" | awk -F, -v d="$gdom" -v c="$gcode" '$1=="outing" && $2==d && $3=="all" && $4=="all" && $5==c')
  label="tabulate sup_jkn $gdom outing=$gcode"
  if awk -v w="$gest" 'BEGIN{ exit !(w == 0) }'; then check "$label percent" "$(echo "$row" | cut -d, -f9)" 0 abs 1e-12
  else check "$label percent" "$(echo "$row" | cut -d, -f9)" "$gest" rel 1e-9; fi
  [ "$gse" != 0 ] && check "$label se" "$(echo "$row" | cut -d, -f10)" "$gse" rel 1e-9
  check "$label df" "$(echo "$row" | cut -d, -f18)" "$gdf" abs 0
  [ "$glo" != NA ] && check "$label lower" "$(echo "$row" | cut -d, -f11)" "$glo" abs 1e-8
done < tests/golden/tabulate_cli/cells.csv
[ "$rows" -gt 0 ] || { echo "FAIL no tabulate golden rows for rep_jkn"; fail=1; }

# hkstat report reads the codebook's [replicates] as estimate does: its prevalence table against R (JKn, logit).
"$hkstat" report tests/data/replicate/rep_survey.csv --codebook tests/data/replicate/sup_jkn.codebook.toml \
  --rules tests/data/weighted/core_only.toml --out-dir "$T/report" --timestamp 2025-01-31 --min-cell 0 > /dev/null 2>&1 ||
  { echo "hkstat report failed"; exit 1; }
for measure in broad narrow; do
  for grp in all 15-39 40-64; do
    row=$(awk -F, -v m="$measure" -v a="$grp" '$2==m && $3==a' "$T/report/tables/prevalence.csv")
    g=$(awk -F, -v a="$grp" -v m="$measure" '$1=="sup_jkn" && $2==a && $3==m && $4=="xlogit"' "$golden")
    check "report sup_jkn $measure $grp se" "$(echo "$row" | cut -d, -f8)" "$(echo "$g" | cut -d, -f7)" rel 1e-9
    check "report sup_jkn $measure $grp df" "$(echo "$row" | cut -d, -f13)" "$(echo "$g" | cut -d, -f8)" abs 0
    check "report sup_jkn $measure $grp lower" "$(echo "$row" | cut -d, -f9)" "$(echo "$g" | cut -d, -f9)" abs 1e-8
  done
done
exit $fail
