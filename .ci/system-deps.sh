#!/usr/bin/env bash
# System packages the tests need, from Debian: a CJK font to typeset the test PDFs
# (fonts-wqy-microhei) and a headless browser for the UI tests (chromium + chromium-driver).
# Idempotent and non-interactive; needs root (or sudo).
set -euo pipefail
need=()
[[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]] || need+=(fonts-wqy-microhei)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
if [[ ${#need[@]} -eq 0 ]]; then
    echo "system-deps: all present"
    exit 0
fi
SUDO=""
[[ "$(id -u)" -eq 0 ]] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "system-deps: installing ${need[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "system-deps: done"
