#!/usr/bin/env bash
# `hkstat report` from standard input and from a FIFO (twelfth session, reportstdin): for every form of report (plain,
# a wide household roster, a long roster with its member file, --calibrate) the folder written from `-` (a redirect and
# a pipe) and from a FIFO is the folder written from the file itself, byte for byte, except for the input's name where
# the report shows it (`<stdin>` for standard input; a FIFO is named by its path like a file, so the FIFO here sits where
# the file sits in its own tree and its folder must be identical). The input SHA-256 the report records is checked
# against sha256sum of the data (the bytes read as the first pass hands them on, not hkstat's own hash of a file).
#   report_stdin.sh HKSTAT SOURCE_DIR
set -u
hk=$1 src=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/hkstat-reportstdin.XXXXXX")
trap 'rm -rf "$T"' EXIT
export LC_ALL=C.UTF-8 TZ=Asia/Tokyo
unset SOURCE_DATE_EPOCH
cd "$src" || exit 1
fail=0 runs=0

# A report folder with the name of standard input written as the file's: every member of the workbook unzipped, the
# input's name replaced (as text and as XML text), so that `diff -r` compares everything else byte for byte.
normalise() { # DIR NAME
  python3 - "$1" "$2" <<'EOF'
import os, sys, zipfile
d, name = sys.argv[1], sys.argv[2]
def fix(b):
    return b.replace(b"<stdin>", name.encode()).replace(b"&lt;stdin&gt;", name.encode())
for root, _, files in os.walk(d):
    for f in files:
        p = os.path.join(root, f)
        if f.endswith(".xlsx"):
            z = zipfile.ZipFile(p)
            for m in z.namelist():
                out = os.path.join(p + ".d", m)
                os.makedirs(os.path.dirname(out), exist_ok=True)
                open(out, "wb").write(fix(z.read(m)))
            z.close()
            os.remove(p)
        else:
            b = open(p, "rb").read()
            open(p, "wb").write(fix(b))
EOF
}
unzip_all() { normalise "$1" "-"; } # the file's folder unzipped the same way (its name has no <stdin> to replace)

check() { # NAME DATA ARGS...: the report of DATA from the file, a FIFO, `-` redirected and `-` from a pipe
  local name=$1 data=$2
  shift 2
  local d="$T/$runs"
  runs=$((runs + 1))
  mkdir -p "$d/file" "$d/fifo"
  cp "$data" "$d/file/survey.csv"
  mkfifo "$d/fifo/survey.csv"
  local common=(--timestamp 2025-01-31 "$@")
  "$hk" report "$d/file/survey.csv" "${common[@]}" --out-dir "$d/file/report" >"$d/file.out" 2>"$d/file.err" ||
    { echo "$name: the file's report failed"; cat "$d/file.err"; fail=1; return; }
  cat "$data" >"$d/fifo/survey.csv" &
  "$hk" report "$d/fifo/survey.csv" "${common[@]}" --out-dir "$d/fifo/report" >"$d/fifo.out" 2>"$d/fifo.err" ||
    { echo "$name: the FIFO's report failed"; cat "$d/fifo.err"; fail=1; }
  wait
  "$hk" report - "${common[@]}" --out-dir "$d/stdin" <"$data" >"$d/stdin.out" 2>"$d/stdin.err" ||
    { echo "$name: the report of standard input failed"; cat "$d/stdin.err"; fail=1; return; }
  cat "$data" | "$hk" report - "${common[@]}" --out-dir "$d/pipe" >"$d/pipe.out" 2>"$d/pipe.err" ||
    { echo "$name: the report of a pipe failed"; cat "$d/pipe.err"; fail=1; return; }
  diff -r "$d/file/report" "$d/fifo/report" >/dev/null || { echo "$name: the FIFO's folder differs from the file's"; diff -rq "$d/file/report" "$d/fifo/report" | head; fail=1; }
  diff -r "$d/stdin" "$d/pipe" >/dev/null || { echo "$name: the pipe's folder differs from the redirect's"; fail=1; }
  sed -i "s|$d/file/survey.csv|<stdin>|g" "$d/file.err" # warnings name the input
  cmp -s "$d/file.err" "$d/stdin.err" || { echo "$name: standard error differs"; diff "$d/file.err" "$d/stdin.err" | head; fail=1; }
  local sha
  sha=$(sha256sum <"$data" | cut -d' ' -f1)
  for r in "$d/file/report" "$d/fifo/report" "$d/stdin"; do
    grep -q "入力ファイルの SHA-256.*$sha" "$r/report.md" || { echo "$name: $r/report.md does not record the SHA-256 of the data ($sha)"; fail=1; }
  done
  grep -q "<stdin>" "$d/stdin/report.md" || { echo "$name: the report of standard input does not name it <stdin>"; fail=1; }
  unzip_all "$d/file/report"
  normalise "$d/stdin" "../survey.csv"
  diff -r "$d/file/report" "$d/stdin" >/dev/null || { echo "$name: the folder from standard input differs from the file's (beyond its name)"; diff -rq "$d/file/report" "$d/stdin" | head; fail=1; }
}

check "plain (mini)" tests/data/unit/mini.csv --codebook tests/data/unit/mini.codebook.toml --rules cao2018 --population 1000
check "wide roster (西東京)" data/samples/nishitokyo2024.csv --codebook data/samples/nishitokyo2024.codebook.toml --config data/samples/nishitokyo2024.hkstat.toml
check "long roster with its member file" tests/data/unit/roster/household_long.csv --codebook tests/data/unit/roster/household_long.codebook.toml \
  --rules cao2022-scz-physical --population 1000 --numerator persons
# 1.3 MB, more than the reader has read when the report's options are checked (before the first batch): a hash of
# the copy taken then, not after the last row, would be of part of the data.
check "supplied replicate weights (1.3 MB)" tests/data/replicate/rep_survey.csv --codebook tests/data/replicate/sup_boot.codebook.toml \
  --rules tests/data/weighted/core_only.toml
check "--calibrate (西東京, two passes)" data/samples/nishitokyo2024.csv --codebook data/samples/nishitokyo2024.codebook.toml \
  --config data/samples/nishitokyo2024.hkstat.toml --calibrate --by sex
check "--calibrate raked with a psu column" tests/data/design/design_survey.csv --codebook tests/data/design/calib.codebook.toml \
  --rules tests/data/weighted/core_only.toml --config tests/data/design/calib_rake.hkstat.toml --calibrate

# A bad row in the middle: no folder (from standard input and from a FIFO), no temporary file left.
awk -F, -v OFS=, 'NR == 101 { $3 = 7 } { print }' tests/data/design/design_survey.csv >"$T/bad.csv"
mkfifo "$T/bad-fifo.csv"
for how in stdin fifo; do
  if [ $how = stdin ]; then
    "$hk" report - --codebook tests/data/design/calib.codebook.toml --rules tests/data/weighted/core_only.toml --out-dir "$T/bad-$how" <"$T/bad.csv" >/dev/null 2>"$T/bad.err"
  else
    cat "$T/bad.csv" >"$T/bad-fifo.csv" &
    "$hk" report "$T/bad-fifo.csv" --codebook tests/data/design/calib.codebook.toml --rules tests/data/weighted/core_only.toml --out-dir "$T/bad-$how" >/dev/null 2>"$T/bad.err"
  fi
  rc=$?
  wait
  [ $rc = 3 ] || { echo "bad row from $how: expected exit 3, got $rc"; cat "$T/bad.err"; fail=1; }
  [ -e "$T/bad-$how" ] && { echo "bad row from $how: a report folder was written"; fail=1; }
done
# Without --out-dir the folder of standard input is stdin-report in the working directory.
(cd "$T" && "$hk" report - --codebook "$src/tests/data/unit/mini.codebook.toml" --rules cao2018 --population 1000 <"$src/tests/data/unit/mini.csv" >/dev/null 2>"$T/default.err") ||
  { echo "default folder: the run failed"; cat "$T/default.err"; fail=1; }
[ -f "$T/stdin-report/report.md" ] || { echo "standard input's default folder is not stdin-report"; fail=1; }
left=$(find "$T" -name '*.tmp-*' -o -name '*.old-*')
[ -z "$left" ] || { echo "temporary files left: $left"; fail=1; }
echo "$runs forms compared"
[ $fail = 0 ] && echo ok
exit $fail
