#!/usr/bin/env bash
# The search benchmark in one command: installs the INSEE reference data (npm package
# @etalab/decoupage-administratif) into bench/data/ if it is missing, builds the server and
# the bench in release mode, then compares Communs' search with SQLite FTS5 and PostgreSQL
# full-text search on the national dataset (see bench/README.md).
#
#   bench/search.sh                  full scale (about 10 minutes on 2 cores)
#   bench/search.sh --scale 0.05     quick smoke run of every step on small data
#   bench/search.sh --postgres URL   PostgreSQL server where it may create a database
#                                    (default: $COMMUNS_BENCH_POSTGRES_URL, or
#                                    postgres://postgres@127.0.0.1:5432/postgres)
#
# Other options (--queries, --concurrency, --duration, --seed): target/release/search --help
set -euo pipefail
cd "$(dirname "$0")/.."

data=bench/data/node_modules/@etalab/decoupage-administratif/data
if [ ! -f "$data/communes.json" ]; then
  command -v npm >/dev/null 2>&1 || { echo "npm is needed to install @etalab/decoupage-administratif" >&2; exit 2; }
  mkdir -p bench/data
  npm install --prefix bench/data --no-audit --no-fund @etalab/decoupage-administratif
fi

cargo build --release -p server -p bench
exec target/release/search --communes "$data" --communs target/release/communs "$@"
