#!/usr/bin/env bash
# Install Debian's Chromium for the end-to-end browser test, unless it is already there.
# Playwright drives this binary (executable_path); it never downloads a browser.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    echo "chromium is missing and this user cannot install it; the browser test will skip." >&2
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
