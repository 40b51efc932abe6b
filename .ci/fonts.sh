#!/usr/bin/env bash
# Installs the CJK TrueType font the test documents are typeset in (tests/docfiles.py):
# Debian's fonts-wqy-microhei (WenQuanYi Micro Hei, /usr/share/fonts/truetype/wqy/wqy-microhei.ttc,
# 1.6 MB download, 5 MB installed). Idempotent, non-interactive; run as root (or with sudo).
set -euo pipefail

FONT=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
PACKAGE=fonts-wqy-microhei

if [[ -f "$FONT" ]]; then
    echo "fonts.sh: $FONT already installed"
    exit 0
fi

SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "fonts.sh: need root to install $PACKAGE (apt-get)" >&2
        exit 1
    fi
fi

export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends "$PACKAGE" >/dev/null 2>&1; then
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "$PACKAGE"
fi

if [[ ! -f "$FONT" ]]; then
    echo "fonts.sh: $PACKAGE installed but $FONT is missing" >&2
    exit 1
fi
echo "fonts.sh: installed $FONT"
