#!/usr/bin/env bash
# The weights written by the real `hkstat weight` against R's survey package.
#   weight_vs_r.sh HKSTAT SOURCE_DIR
# Data: data/samples/nishitokyo2024.csv (synthetic 西東京市 sample) and the synthetic population table
# data/samples/nishitokyo2024.population_age_sex.csv (age band × 問1 sex, 131,178 people).
# Golden: tests/golden/weight/nishitokyo_weights.csv from r/weight_golden.R part B: postStratify, rake (age-band
# and sex margins, maxit = 100, epsilon = 1e-10), calibrate(calfun = "linear") and trimWeights(postStratify,
# 130, 190) on the 802 rows with 問1 = 1 or 2.
# Tolerance: 1e-9 relative per weight (post-stratification, GREG and trimming are closed forms; raking stops
# within 1e-10 of the margins in both programs). Also checked: the same 802 ids and nothing else, the new column
# is the last one, the output has the input's CRLF line ends and a UTF-8 BOM, and the output's codebook makes
# the new column the weight (hkstat estimate reads it as a weighted survey).
set -u
hkstat=$1 src=$2
cd "$src" || exit 1
fail=0
T=$(mktemp -d "${TMPDIR:-/tmp}/hkstat-weight-vs-r.XXXXXX")
trap 'rm -rf "$T"' EXIT
golden=tests/golden/weight/nishitokyo_weights.csv
pop=data/samples/nishitokyo2024.population_age_sex.csv
common=(data/samples/nishitokyo2024.csv --no-config --band "age_band=問2:15-19,20-29,30-39,40-49,50-59,60-64" --unmatched drop)

run() { # name, extra args...
  local name=$1; shift
  "$hkstat" weight "${common[@]}" --out "$T/$name.csv" --diagnostics "$T/$name.txt" "$@" || { echo "FAIL hkstat weight $name"; fail=1; return 1; }
}
run ps --population-table "$pop"
run rake --method rake --population-table "$pop:age_band" --population-table "$pop:問1"
run linear --method linear --population-table "$pop:age_band" --population-table "$pop:問1"
run pstrim --population-table "$pop" --trim 130,190

# compare NAME GOLDEN_COLUMN
compare() {
  awk -F, -v col="$2" -v name="$1" '
    FNR == 1 { sub(/^\xef\xbb\xbf/, "") }
    NR == FNR { if (FNR == 1) { for (i = 1; i <= NF; i++) if ($i == col) c = i; next } want[$1] = $c; next }
    FNR == 1 { sub(/\r$/, ""); if ($NF != "calibrated_weight") { print "FAIL " name ": last column is " $NF; bad = 1 } next }
    { if ($0 !~ /\r$/) { print "FAIL " name ": line " FNR " does not end in CRLF"; bad = 1 }
      sub(/\r$/, ""); id = $1; got = $NF; seen[id] = 1; n++
      if (!(id in want)) { print "FAIL " name ": unexpected id " id; bad = 1; next }
      d = got - want[id]; if (d < 0) d = -d; rel = d / want[id]
      if (rel > max) max = rel
      if (rel > 1e-9 || got == "") { print "FAIL " name " " id ": got " got " want " want[id]; bad = 1 } }
    END { for (id in want) if (!(id in seen)) { print "FAIL " name ": missing id " id; bad = 1 }
          printf "%s %s: %d rows, max relative difference %.3g\n", (bad ? "FAIL" : "ok  "), name, n, max; exit bad }
  ' "$golden" "$T/$1.csv" || fail=1
}
compare ps w_ps
compare rake w_rake
compare linear w_linear
compare pstrim w_pstrim

# UTF-8 BOM at the start of the output; the codebook written next to it names the weight.
if [ "$(head -c 3 "$T/ps.csv" | od -An -tx1 | tr -d ' ')" != efbbbf ]; then echo "FAIL no BOM"; fail=1; fi
if ! grep -q '^name = "calibrated_weight"' "$T/ps.codebook.toml"; then echo "FAIL codebook"; fail=1; fi
# hkstat estimate reads the output as a weighted survey of the 802 weighted rows.
"$hkstat" estimate "$T/ps.csv" --format csv --min-cell 0 --no-config >"$T/est.csv" || { echo "FAIL estimate on the output"; fail=1; }
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
         $c["measure"] == "broad" && $c["age_group"] == "all" { found = 1
           if ($c["weighted"] != 1 || $c["n"] != 802) { print "FAIL estimate on the output: weighted " $c["weighted"] " n " $c["n"]; exit 1 } }
         END { if (!found) { print "FAIL estimate on the output: no broad/all row"; exit 1 } print "ok   estimate reads the output as weighted, n = 802" }' \
  "$T/est.csv" || fail=1
exit $fail
