#!/usr/bin/env bash
# Builds the seed corpus of every fuzz target from the project's fixtures (tests/data, tests/cli/cases,
# data/samples, data/rulesets, reports/templates) plus the kept inputs in fuzz/corpus/<target>/ (regressions
# and the hardening issue's inputs). Usage: fuzz/seed.sh OUTDIR   → OUTDIR/<target>/...
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$1
mkdir -p "$OUT"
cd "$ROOT"
add() { # add TARGET FILE [PREFIX-BYTE-HEX]: copy a file (optionally with a first byte) into the target's seeds
  local t=$1 f=$2 pre=${3:-}
  mkdir -p "$OUT/$t"
  local name
  name=$(printf '%s%s' "$pre" "$f" | sha1sum | cut -c1-16)
  if [ -n "$pre" ]; then { printf "\\x$pre"; head -c 65536 "$f"; } > "$OUT/$t/$name"; else head -c 65536 "$f" > "$OUT/$t/$name"; fi
}
csvs=$(find tests/data data/samples -name '*.csv' | sort)
tomls=$(find tests/data data/samples data/rulesets reports/templates tests/cli/cases -name '*.toml' | sort)
for f in $csvs; do
  for pre in 00 01 02 05 16 29 42 84; do add csv "$f" "$pre"; done
done
for f in $(find tests/data/unit tests/data/io tests/data/bad tests/data/weight -name '*.csv' | sort); do
  for pre in 00 01 12 31 c0; do add pipeline "$f" "$pre"; done
done
for f in $tomls; do add codebook "$f"; add rules "$f"; add run_config "$f"; done
for f in $(find tests/data data/samples -name '*population*.csv' -o -name '*pop*.csv' | sort); do add population "$f"; add weighting "$f"; done
mkdir -p "$OUT/population"
printf 'age_group,population\n15-39,60123\n40-64,70456\n' > "$OUT/population/basic"
printf '\xef\xbb\xbfage_group,population\r\n15-64,100000\r\n' > "$OUT/population/bom_crlf"
# weighting: the table alone, and the table with a [weighting] configuration.
mkdir -p "$OUT/weighting"
{ cat tests/data/weight/mini_pop.csv; printf '\n%%%%%%%%\n[weighting]\nmethod = "rake"\npopulation_tables = ["a.csv:年齢区分", "a.csv:性別,地区"]\ncount_column = "人数"\nunmatched = "drop"\n[[weighting.band]]\nname = "年齢区分"\nfrom = "年齢"\nbands = ["15-39", "40-64"]\n[weighting.response]\nvariable = "回答"\n'; } > "$OUT/weighting/rake_config"
{ cat tests/data/weight/mini_pop.csv; printf '\n%%%%%%%%\n[weighting]\nmethod = "linear"\npopulation_tables = ["a.csv:性別"]\ncount_column = "人数"\nbounds = [0.5, 2]\ntrim = [1, 200]\n'; } > "$OUT/weighting/linear_config"
# templates: tables.toml, report text, partials separated by lines %%%%.
mkdir -p "$OUT/template"
tmpl() { # tmpl NAME DIR: a template directory as one input
  local d=$2 first=1
  { cat "$d/tables.toml"
    for m in "$d"/report.ja.md.mustache "$d"/report.en.md.mustache; do [ -f "$m" ] && { printf '\n%%%%%%%%\n'; cat "$m"; break; }; done
    for p in "$d"/*.mustache; do case $(basename "$p") in report.*) ;; *) printf '\n%%%%%%%%\n%s\n' "$(basename "$p" .mustache)"; cat "$p";; esac; done
  } > "$OUT/template/$1"
}
tmpl default reports/templates/default
for d in tests/data/report/template_*; do [ -f "$d/tables.toml" ] && tmpl "$(basename "$d")" "$d"; done
# where: every --where expression of the CLI cases, and a few that reach each rule of the grammar.
mkdir -p "$OUT/where"
i=0
while IFS= read -r e; do
  i=$((i + 1)); printf '%s' "$e" > "$OUT/where/case_$i"
done < <(grep -rhoE -- "--where ('[^']*'|\"[^\"]*\")" tests/cli/cases/*/cmd | sed -E "s/^--where //; s/^'(.*)'$/\1/; s/^\"(.*)\"$/\1/" | sort -u)
printf '%s' "not (問2 < 20 or 問2 > 60) and 問3 not in (1, '未婚', \"既婚（配偶者あり）\")" > "$OUT/where/grammar_1"
printf '%s' "性別 is not missing and (問2 <> 40 or 問2 == 41.5)" > "$OUT/where/grammar_2"
# the kept inputs (regressions, hardening inputs)
for t in fuzz/corpus/*/; do
  t=$(basename "$t")
  mkdir -p "$OUT/$t"
  cp fuzz/corpus/"$t"/* "$OUT/$t/" 2>/dev/null || true
done
