#!/usr/bin/env bash
# Parsing on several threads (issue 16): every streamed command prints byte for byte what one thread
# prints, for 2 and 8 threads and byte ranges of 7 bytes to 4 KiB (HKSTAT_PARSE_CHUNK_BYTES forces the
# ranges whatever the file size and the load), on the 810-row sample as it is (a BOM; quoted fields with
# commas and ""), without its BOM and with CRLF line ends, in CP932, with quoted line breaks, and with a duplicate id, a
# ragged row and an unterminated quote (the same error, exit code and --rejects file); tabulate --ci likelihood
# on a clustered test design; and estimate and tabulate with supplied replicate columns.
#   parallel_parse.sh HKSTAT SOURCE_DIR
set -u
hk=$1 src=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/hkstat-parallel.XXXXXX")
trap 'rm -rf "$T"' EXIT
export LC_ALL=C.UTF-8 TZ=Asia/Tokyo
cd "$src" || exit 1
s=data/samples/nishitokyo2024
variant() { # NAME: the data in $T/NAME.csv, with the sample's codebook, configuration and population table
  # The codebook without its household roster ([roster], at its end): with a roster `estimate` reads the file whole
  # (docs/cli.md), and this test is about the streamed, range-parsed read. The roster's columns are then ignored columns.
  sed '/^\[roster\]/,$d' "$s.codebook.toml" >"$T/$1.codebook.toml"
  grep -q '^\[roster' "$T/$1.codebook.toml" && { echo "the roster is still in the codebook"; exit 1; }
  cp "$s.hkstat.toml" "$T/$1.hkstat.toml"
  cp "$s.population_age_sex.csv" "$T/"
}
variant plain && cp "$s.csv" "$T/plain.csv"
variant crlf && tail -c +4 "$s.csv" | sed 's/$/\r/' >"$T/crlf.csv" # no BOM (the sample has one), CRLF
variant cp932 && tail -c +4 "$s.csv" | iconv -f UTF-8 -t CP932 >"$T/cp932.csv"
# Quoted line breaks: the free-text answers of every row whose 28th field is quoted get one.
variant breaks && sed 's/,"\([^",]*\), /,"\1\n/' "$s.csv" >"$T/breaks.csv"
variant dup && sed '400s/^NT0399,/NT0398,/' "$s.csv" >"$T/dup.csv"
variant ragged && sed '600s/,[^,]*$//' "$s.csv" >"$T/ragged.csv"
variant quote && { cat "$s.csv"; tail -n 1 "$s.csv" | sed 's/^NT[0-9]*,/NT9999,"/'; } >"$T/quote.csv"
grep -c '"[^"]*$' "$T/breaks.csv" >/dev/null || { echo "no quoted line break in breaks.csv"; exit 1; }

# What each run proves (the sample's rows are 111 bytes on average, 90 KB in all):
# - --threads 2, ranges of 97 bytes: most records start in one range and end in the next (a field, a quoted field with
#   commas, a CRLF, a CP932 character or a quoted line break cut by the boundary) on two workers.
# - --threads 8, ranges of 7 bytes: most ranges hold no record start at all (a record spans up to dozens of ranges),
#   on more workers than the machine has cores.
# - --threads 8, ranges of 4,096 bytes: many records in a range, the shape of a real file's ranges.
# (The other three pairs of threads {2, 8} × ranges {7, 97, 4096}, run until 2026-12, repeat what these prove: the
# output may not depend on the thread count nor on where the ranges cut, and each of these pairs cuts elsewhere.)
combos="2:97 8:7 8:4096" rejects=1
source "$(dirname "$0")/same_bytes_lib.sh"
for v in plain crlf cp932 breaks dup ragged quote; do
  same_bytes "$v estimate" estimate "$T/$v.csv" --by sex --format csv
done
same_bytes "cp932 estimate text" estimate "$T/cp932.csv"
same_bytes "plain tabulate" tabulate "$T/plain.csv" --var 問21 --by sex --format csv
same_bytes "breaks tabulate" tabulate "$T/breaks.csv" --var 問21
same_bytes "dup tabulate" tabulate "$T/dup.csv" --var 問21 --lang en
# --ci likelihood on a clustered design: the blocks' (weight, y) groups, streamed (not the rows).
same_bytes "design tabulate likelihood" tabulate tests/data/design/design_survey.csv --codebook tests/data/design/clus.codebook.toml \
  --rules tests/data/weighted/core_only.toml --var outing --by age2 --domain all,broad --ci likelihood --format csv
# Supplied replicate columns (a codebook [replicates]): summed per domain / cell and replicate as the ranges come in.
# Their rows are 2.4 KB (159 columns, most of them replicate weights): ranges of 97 bytes already hold no record start for the most part, as
# 7 bytes do on the sample (and 7 bytes would make 190,000 ranges of a 1.3 MB file, seconds per run for nothing more);
# 65,536 bytes hold some 27 records, summed in a range before the ranges are merged.
R=tests/data/replicate
combos="2:4096 8:97 8:65536"
same_bytes "supplied jkn estimate" estimate $R/rep_survey.csv --codebook $R/sup_jkn.codebook.toml --rules tests/data/weighted/core_only.toml \
  --age-groups 15-39,40-64 --by duration --format csv
same_bytes "supplied jk1 multipliers estimate" estimate $R/rep_survey.csv --codebook $R/sup_jk1_mult.codebook.toml \
  --rules tests/data/weighted/core_only.toml --age-groups 15-39,40-64 --table differences --format csv
same_bytes "supplied jkn tabulate" tabulate $R/rep_survey.csv --codebook $R/sup_jkn.codebook.toml --rules tests/data/weighted/core_only.toml \
  --var outing --by age10,duration --domain all,broad --format csv
# The variants must have exercised what they are for.
"$hk" estimate "$T/dup.csv" --threads 1 >/dev/null 2>"$T/e"; grep -q E_DATA_DUPLICATE_ID "$T/e" || { echo "dup.csv: no duplicate id"; fail=1; }
"$hk" estimate "$T/ragged.csv" --threads 1 >/dev/null 2>"$T/e"; grep -q E_CSV_RAGGED_ROW "$T/e" || { echo "ragged.csv: no ragged row"; fail=1; }
"$hk" estimate "$T/quote.csv" --threads 1 >/dev/null 2>"$T/e"; grep -q E_CSV_UNTERMINATED_QUOTE "$T/e" || { echo "quote.csv: no open quote"; fail=1; }
"$hk" estimate "$T/cp932.csv" --threads 1 --format csv 2>/dev/null | cmp -s - <("$hk" estimate "$T/plain.csv" --threads 1 --format csv 2>/dev/null) ||
  { echo "cp932.csv does not read as the sample"; fail=1; }
echo "$runs parallel runs compared"
exit $fail
