#!/usr/bin/env bash
# Installs what the feeds test reads the Atom feeds and the catalog's DCAT-AP description
# with: the PyPI packages feedparser and rdflib, in a virtual environment of its own under
# target/. Does nothing when they are already there.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/feeds-venv
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import feedparser, rdflib" 2>/dev/null; then exit 0; fi
command -v python3 >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q python3 python3-venv; }
python3 -m venv "$venv" || { apt-get update -q && apt-get install -y -q python3-venv && python3 -m venv "$venv"; }
"$venv/bin/pip" install --quiet --disable-pip-version-check feedparser==6.0.11 rdflib==7.1.4
