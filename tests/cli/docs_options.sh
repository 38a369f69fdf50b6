#!/usr/bin/env bash
# docs/cli.md agrees with the option table (cli/options.cpp): its generated option reference is the table's
# (hkstat-gen-docs check-docs), and every option named in the first column of an option table of a command's
# section ("## `hkstat CMD`") is an option of that command. Usage: docs_options.sh GEN_DOCS SOURCE_DIR
set -u
gen=$1 src=$2 fail=0
"$gen" check-docs "$src/docs/cli.md" || fail=1
section= 
while IFS= read -r line; do
  case $line in
    "## \`hkstat "*) section=$(sed -E 's/^## `hkstat ([a-z]+)( ([a-z]+))?`.*/\1 \3/' <<<"$line") ;;
    "## "*|"### Options of"*|"<!-- BEGIN GENERATED"*) section= ;;
  esac
  [ -n "$section" ] || continue
  case $line in "| \`--"*) ;; *) continue ;; esac
  first=$(cut -d'|' -f2 <<<"$line")
  for opt in $(grep -oE '`--[a-z][a-z0-9-]*' <<<"$first" | tr -d '`'); do
    ok=0
    for cmd in $section; do
      [ "$cmd" = codebook ] && continue
      id=$cmd
      case "$section" in "codebook "*) id=codebook-$cmd ;; esac
      "$gen" options "$id" | grep -qx -- "$opt" && ok=1
    done
    if [ $ok = 0 ]; then echo "docs/cli.md, section hkstat $section: $opt is not an option of that command in cli/options.cpp"; fail=1; fi
  done
done <"$src/docs/cli.md"
[ $fail = 0 ] && echo ok
exit $fail
