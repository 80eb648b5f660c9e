#!/usr/bin/env bash
# Installs what the browser test needs: Debian's Chromium (never a downloaded browser) and
# the node packages of package-lock.json (with oidc-provider, the login tests' real OpenID
# Connect provider). Does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Chromium is missing: install Debian's packages chromium and chromium-driver (as root)" >&2
    exit 1
  fi
  echo "installing Debian's chromium and chromium-driver"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get -o DPkg::Lock::Timeout=600 install -y -q chromium chromium-driver
fi
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ] || [ ! -d node_modules/oidc-provider ] || [ package-lock.json -nt node_modules ]; then
  command -v npm >/dev/null 2>&1 || { echo "npm is needed for the browser test (Debian's nodejs and npm)" >&2; exit 1; }
  echo "installing the browser test's node packages"
  npm ci --no-audit --no-fund
  touch node_modules
fi
