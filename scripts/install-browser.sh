#!/usr/bin/env bash
# Install Debian's Chromium for the end-to-end browser test, unless it is already there.
# Playwright drives this binary (executable_path); it never downloads a browser.
# As root (CI), a failed install fails the run. As another user, the install needs
# sudo without a password prompt; without it the browser test skips and says why.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    exit 0
fi
if ! sudo -n true 2>/dev/null; then
    echo "chromium is missing and installing it needs root; the browser test will skip." >&2
    exit 0
fi
sudo -n apt-get update -qq
sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
