#!/usr/bin/env bash
# Golden-file test of the real hkstat binary.
#   run_case.sh HKSTAT CASE_DIR SOURCE_DIR
# CASE_DIR holds:
#   cmd              the arguments, one shell line; $T is a fresh temporary directory for outputs
#   exit             expected exit code (default 0)
#   stdout, stderr   expected output, byte for byte (absent = not checked... except stdout, which must match if present)
#   files/NAME       expected content of $T/NAME after the run (NAME may be a path: files/out/tables/a.csv)
#   files_exact      if present: $T holds exactly the files under files/, nothing more (a report folder)
#   absent           names (one per line) that must NOT exist in $T after the run (no half-written output)
#   setup            optional shell lines run first (cwd = SOURCE_DIR, $T set), e.g. to create a broken input
#   env              optional NAME=VALUE lines exported for the run (e.g. HKSTAT_LIBRSVG, or the internal test hook
#                    HKSTAT_TEST_SUPPRESS_WORK)
# The command runs with SOURCE_DIR as the working directory so that paths in the output are stable.
# HKSTAT_UPDATE_GOLDEN=1 rewrites stdout/stderr/exit/files from the actual run (review the diff!).
set -u
hkstat=$1 case_dir=$2 src=$3
T=$(mktemp -d "${TMPDIR:-/tmp}/hkstat-case.XXXXXX")
trap 'rm -rf "$T"' EXIT
export T LC_ALL=C.UTF-8 TZ=Asia/Tokyo
unset SOURCE_DATE_EPOCH # hkstat report would take its date from it
cd "$src" || exit 1
if [ -f "$case_dir/setup" ]; then
  (source "$case_dir/setup") || { echo "setup failed"; exit 1; }
fi
if [ -f "$case_dir/env" ]; then
  set -a; source "$case_dir/env"; set +a
fi
args=$(cat "$case_dir/cmd")
eval "\"$hkstat\" $args" >"$T/.stdout" 2>"$T/.stderr"
rc=$?
# Temporary paths differ on every run: show them as $T.
for s in stdout stderr; do sed -i "s|$T|\$T|g" "$T/.$s"; done
want_rc=0
[ -f "$case_dir/exit" ] && want_rc=$(cat "$case_dir/exit")
if [ "${HKSTAT_UPDATE_GOLDEN:-0}" = 1 ]; then
  echo "$rc" >"$case_dir/exit"
  cp "$T/.stdout" "$case_dir/stdout"
  cp "$T/.stderr" "$case_dir/stderr"
  if [ -d "$case_dir/files" ]; then
    if [ -f "$case_dir/files_exact" ]; then
      rm -rf "$case_dir/files" && mkdir -p "$case_dir/files"
      (cd "$T" && find . -type f ! -name '.stdout' ! -name '.stderr' | sed 's|^\./||') | while IFS= read -r name; do
        mkdir -p "$case_dir/files/$(dirname "$name")" && cp "$T/$name" "$case_dir/files/$name"
      done
    else
      (cd "$case_dir/files" && find . -type f | sed 's|^\./||') | while IFS= read -r name; do cp "$T/$name" "$case_dir/files/$name"; done
    fi
  fi
  echo "updated $case_dir"
  exit 0
fi
fail=0
if [ "$rc" != "$want_rc" ]; then echo "exit code: expected $want_rc, got $rc"; fail=1; fi
for s in stdout stderr; do
  if [ -f "$case_dir/$s" ] && ! cmp -s "$case_dir/$s" "$T/.$s"; then
    echo "---- $s differs (expected vs actual):"; diff -u "$case_dir/$s" "$T/.$s" | head -60; fail=1
  fi
done
if [ -d "$case_dir/files" ]; then
  while IFS= read -r name; do
    f="$case_dir/files/$name"
    if [ ! -f "$T/$name" ]; then echo "missing output file $name"; fail=1
    elif ! cmp -s "$f" "$T/$name"; then echo "---- file $name differs:"; diff -u "$f" "$T/$name" | head -60; fail=1; fi
  done < <(cd "$case_dir/files" && find . -type f | sed 's|^\./||' | sort)
  if [ -f "$case_dir/files_exact" ]; then
    extra=$(comm -13 <(cd "$case_dir/files" && find . -type f | sort) <(cd "$T" && find . -type f ! -name '.stdout' ! -name '.stderr' | sort))
    if [ -n "$extra" ]; then echo "unexpected output files:"; echo "$extra"; fail=1; fi
  fi
fi
if [ -f "$case_dir/absent" ]; then
  while IFS= read -r name; do
    [ -z "$name" ] && continue
    if compgen -G "$T/$name" >/dev/null; then echo "file $name must not exist (half-written output?)"; fail=1; fi
  done <"$case_dir/absent"
fi
# No temporary file or folder from an atomic write may be left anywhere in $T.
left=$(find "$T" -name '*.tmp-*' -o -name '*.old-*')
if [ -n "$left" ]; then echo "temporary file left behind: $left"; fail=1; fi
[ $fail = 0 ] && echo "ok"
exit $fail
