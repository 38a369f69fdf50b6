#!/usr/bin/env bash
# The generated bash completion completes commands, each command's own options (from the option table), option
# values with choices, and options written before the command. Usage: bash_completion.sh GEN_DOCS COMPLETION
set -u
gen=$1 script=$2 fail=0
# shellcheck disable=SC1090
source "$script" || { echo "cannot source $script"; exit 1; }
complete_words() { # the words of the completion of "$@" (last word = the one being completed)
  COMP_WORDS=("$@")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _hkstat
  [ ${#COMPREPLY[@]} -gt 0 ] && printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "
}
expect() { # expect "WANT" WORDS...
  local want=$1; shift
  local got; got=$(complete_words "$@")
  if [ "$got" != "$want" ]; then echo "completion of '$*': expected '$want', got '$got'"; fail=1; fi
}
expect "estimate " hkstat est
expect "codebook compare " hkstat co
expect "check " hkstat codebook ch
expect "--population --population-file " hkstat estimate x.csv --popu
expect "--population-table " hkstat weight x.csv --popu
expect "wilson " hkstat tabulate x.csv --ci wil
expect "jk1 jkn " hkstat replicate x.csv --type jk
expect "en " hkstat --lang e
expect "estimate " hkstat --lang en est
expect "--rules " hkstat codebook check x.csv --ru
expect "" hkstat codebook init x.csv --ru
# Every option of every command is offered after "--" and nothing else.
for cmd in estimate classify tabulate report compare weight replicate rules codebook-init codebook-check; do
  case $cmd in codebook-*) words=(hkstat codebook "${cmd#codebook-}" x.csv --) ;; *) words=(hkstat "$cmd" x.csv --) ;; esac
  want=$( ("$gen" options "$cmd"; echo --help) | sort | tr '\n' ' ')
  expect "$want" "${words[@]}"
done
[ $fail = 0 ] && echo ok
exit $fail
