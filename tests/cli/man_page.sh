#!/usr/bin/env bash
# The generated man pages render with `man -l` without a groff warning, and list every command and option of the
# option table (cli/options.cpp). Usage: man_page.sh GEN_DOCS HKSTAT_1 HKSTAT_JA_1
set -u
gen=$1 fail=0
T=$(mktemp -d "${TMPDIR:-/tmp}/hkstat-man.XXXXXX")
trap 'rm -rf "$T"' EXIT
export LC_ALL=C.UTF-8 MANWIDTH=100 MAN_KEEP_FORMATTING= PAGER=cat
for page in "$2" "$3"; do
  [ -s "$page" ] || { echo "missing man page $page"; fail=1; continue; }
  if ! man -l "$page" >"$T/out" 2>"$T/err"; then echo "man -l $page failed"; cat "$T/err"; fail=1; continue; fi
  if [ -s "$T/err" ]; then echo "man -l $page warned:"; cat "$T/err"; fail=1; fi
  # Also groff's own warnings (man hides some).
  if groff -man -Tutf8 -ww -K utf8 "$page" 2>&1 >/dev/null | grep -q .; then echo "groff warns on $page:"; groff -man -Tutf8 -ww -K utf8 "$page" 2>&1 >/dev/null | head; fail=1; fi
  col -b <"$T/out" >"$T/plain"
  for cmd in estimate classify tabulate report compare weight replicate rules "codebook init" "codebook check"; do
    grep -q "hkstat $cmd" "$T/plain" || { echo "$page: no section for hkstat $cmd"; fail=1; }
  done
  for cmd in estimate classify tabulate report compare weight replicate rules codebook-init codebook-check; do
    while IFS= read -r opt; do
      grep -q -- "$opt" "$T/plain" || { echo "$page: $opt ($cmd) missing"; fail=1; }
    done < <("$gen" options "$cmd")
  done
done
[ $fail = 0 ] && echo ok
exit $fail
