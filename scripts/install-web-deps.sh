#!/usr/bin/env bash
# Installs what the browser build needs (web/build.sh, web/test.sh; docs/web.md), if missing, on Debian 12:
# emscripten (compiles the library to WebAssembly; Debian's 3.1.6, no download of its own), chromium and
# firefox-esr (headless, for web/test.sh: the page is tested in both), and Node.js with npm (Node.js 20 or later:
# the JavaScript parts, web/package-lock.json).
# Called by .ci/run; not needed for the CLI (scripts/install-deps.sh).
set -euo pipefail
pkgs=(emscripten chromium firefox-esr fonts-noto-cjk) # fonts: Japanese text in web/test.sh's screenshot
command -v node >/dev/null && command -v npm >/dev/null || pkgs+=(nodejs npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" != 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
node -e 'if (Number(process.versions.node.split(".")[0]) < 20) { console.error("web/: Node.js 20 or later is needed, found " + process.version); process.exit(1); }'
