#!/usr/bin/env bash
# Debian's nginx, for tests/tests/proxy.rs (which runs deploy/nginx/communs.conf).
set -euo pipefail
command -v nginx >/dev/null 2>&1 && exit 0
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q nginx
