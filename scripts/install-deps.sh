#!/usr/bin/env bash
# Installs the Debian packages hkstat needs to build and test, if any is missing. Debian 12 (bookworm).
set -euo pipefail
pkgs=(cmake make g++ pkg-config libeigen3-dev libboost-program-options-dev libboost-math-dev libfccp-dev libfmt-dev catch2 libtomlplusplus-dev
  libmstch-dev libxlsxwriter-dev libssl-dev   # report: Mustache templates, xlsx workbooks, SHA-256
  python3-openpyxl cmark-gfm librsvg2-bin     # report tests: open the workbook, render the Markdown, rasterise charts
  time)                                        # bench/run.sh: /usr/bin/time -v
pkgs+=(r-cran-survey) # r/*.R: regenerate the R goldens under tests/golden (R 4.2.2, survey 4.1-1); the tests read the committed files
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" != 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
