#!/usr/bin/env bash
# Household-roster benchmark files from a bench file (hkstat-bench-gen): the respondents as they are, plus per
# respondent 0–2 reported household members (age 0–89, so some fall outside 15–64; sex; outing 1–8; duration 1–7),
# each a deterministic function of the respondent id (no random state: the same id gives the same members).
#   bench/roster.sh BENCH.csv OUTDIR
# writes OUTDIR/wide.csv + wide.codebook.toml (members as columns m1_*, m2_* of the respondent's row) and
# OUTDIR/long.csv (the bench file) + long_members.csv + long.codebook.toml (members as rows, linked by id, in the
# respondents' order). Used for docs/performance.md "roster": e.g.
#   hkstat estimate OUTDIR/wide.csv --no-config --age-groups 15-39,40-64 --by sex --format csv
set -euo pipefail
[ $# = 2 ] || { echo "usage: bench/roster.sh BENCH.csv OUTDIR" >&2; exit 2; }
in=$1 out=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
roster_toml() { # the [roster] questions (after the pattern or file line)
  cat <<'TOML'

[[roster.variable]]
name = "age"
role = "age"
type = "integer"

[[roster.variable]]
name = "sex"
role = "sex"
type = "code"
missing = [9]
codes = [ { code = 1, key = "male", label = "男性" }, { code = 2, key = "female", label = "女性" } ]
TOML
  sed -n '/^name = "outing"/,/^]/p; /^name = "duration"/,/^]/p' "$here/bench.codebook.toml" |
    sed 's/^name = /\n[[roster.variable]]\nname = /'
}
{ cat "$here/bench.codebook.toml"; printf '\n[roster]\nlabel = "家族内の該当者"\nmembers = 2\npattern = "m{n}_{name}"\n'; roster_toml; } >"$out/wide.codebook.toml"
{ cat "$here/bench.codebook.toml"; printf '\n[roster]\nlabel = "家族内の該当者"\nfile = "long_members.csv"\nid = "id"\n'; roster_toml; } >"$out/long.codebook.toml"
cp "$in" "$out/long.csv"
# h(id, k): a hash in [0, 1000003) of the id and a field number (integers below 2^53: exact in awk's doubles).
awk -F, -v OFS=, -v wide="$out/wide.csv" -v long="$out/long_members.csv" '
function h(id, k) { return (id * 7919 + k * 104729 + (id % 977) * (k + 13) * 31337) % 1000003 }
NR == 1 { print $0, "m1_age,m1_sex,m1_outing,m1_duration,m2_age,m2_sex,m2_outing,m2_duration" > wide; print "id,age,sex,outing,duration" > long; next }
{
  id = $1; line = $0
  for (n = 1; n <= 2; n++) {
    if (h(id, 10 * n) % 100 < (n == 1 ? 45 : 20)) {
      age = h(id, 10 * n + 1) % 90; sex = 1 + h(id, 10 * n + 2) % 2
      outing = (h(id, 10 * n + 3) % 100 < 8) ? 5 + h(id, 10 * n + 4) % 4 : 1 + h(id, 10 * n + 4) % 4
      duration = 1 + h(id, 10 * n + 5) % 7
      line = line "," age "," sex "," outing "," duration
      print id, age, sex, outing, duration > long
    } else line = line ",,,,"
  }
  print line > wide
}' "$in"
