#!/usr/bin/env bash
# Installs the OpenAPI validator the API test checks the document with: the PyPI package
# openapi-spec-validator, in a virtual environment of its own under target/. Does nothing
# when it is already there.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/openapi-venv
if [ -x "$venv/bin/openapi-spec-validator" ]; then exit 0; fi
command -v python3 >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q python3 python3-venv; }
python3 -m venv "$venv" || { apt-get update -q && apt-get install -y -q python3-venv && python3 -m venv "$venv"; }
"$venv/bin/pip" install --quiet --disable-pip-version-check openapi-spec-validator==0.9.0
