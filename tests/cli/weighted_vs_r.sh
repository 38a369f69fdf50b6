#!/usr/bin/env bash
# The weighted estimate of the real CLI against R's survey package.
#   weighted_vs_r.sh HKSTAT SOURCE_DIR
# Data: tests/data/weighted/weighted_survey.csv (see its README); golden: tests/golden/ci/weighted_golden.csv
# from r/weighted_golden.R (svydesign(ids=~1, weights=~w); svymean / svyratio on the domain; svyciprop).
# Tolerances: estimate and SE 1e-9 relative; interval ends 1e-8 absolute (R's svyglm-based "logit" converges to
# ~1e-13, so we compare with R's closed-form "xlogit", which equals it for a linearised design).
source "$(dirname "$0")/vs_r_lib.sh" "$@"
golden=tests/golden/ci/weighted_golden.csv
# method in hkstat -> method in the golden
for pair in logit:xlogit wald:mean beta:beta wilson:wilson; do
  ours=${pair%%:*} theirs=${pair##*:}
  for level in 0.95 0.9; do
    out=$("$hkstat" estimate tests/data/weighted/weighted_survey.csv --rules tests/data/weighted/core_only.toml \
          --format csv --min-cell 0 --ci "$ours" --level "$level") || { echo "hkstat failed"; exit 1; }
    for grp in all:full:all 40-64:subset:dom; do
      IFS=: read -r age design point <<<"$grp"
      row=$(echo "$out" | awk -F, -v a="$age" '$2=="broad" && $3==a')
      est=$(echo "$row" | cut -d, -f6) se=$(echo "$row" | cut -d, -f8) lo=$(echo "$row" | cut -d, -f9) hi=$(echo "$row" | cut -d, -f10)
      p=$(awk -F, -v d="$point" '$1=="point" && $2==d' "$golden")
      g=$(awk -F, -v d="$design" -v m="$theirs" -v l="$level" '$1=="ci" && $2==d && $3==m && ($4+0 - l) < 1e-9 && (l - $4) < 1e-9' "$golden")
      [ -z "$g" ] && { echo "no golden row for $design $theirs $level"; fail=1; continue; }
      check "$age estimate" "$est" "$(echo "$p" | cut -d, -f5)" rel 1e-9
      check "$age se" "$se" "$(echo "$p" | cut -d, -f6)" rel 1e-9
      check "$age $ours $level lower" "$lo" "$(echo "$g" | cut -d, -f9)" abs 1e-8
      check "$age $ours $level upper" "$hi" "$(echo "$g" | cut -d, -f10)" abs 1e-8
    done
  done
done
exit $fail
