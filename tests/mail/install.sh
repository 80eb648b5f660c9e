#!/usr/bin/env bash
# Installs the SMTP server the mail test sends its digests to: the PyPI package aiosmtpd,
# in a virtual environment of its own under target/. Does nothing when it is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/mail-venv
if [ -x "$venv/bin/aiosmtpd" ]; then exit 0; fi
command -v python3 >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q python3 python3-venv; }
python3 -m venv "$venv" || { apt-get update -q && apt-get install -y -q python3-venv && python3 -m venv "$venv"; }
"$venv/bin/pip" install --quiet --disable-pip-version-check aiosmtpd==1.4.6
