#!/usr/bin/env bash
# The benchmark in one command: installs the INSEE reference data (npm package
# @etalab/decoupage-administratif) into bench/data/ if it is missing, builds the server and
# the bench in release mode, then runs the bench on SQLite and PostgreSQL.
#
#   bench/run.sh                     full scale, SQLite then PostgreSQL
#   bench/run.sh --scale 0.05        quick smoke run of every step on small data
#   bench/run.sh --no-postgres       SQLite only
#   bench/run.sh --postgres URL      PostgreSQL server where it may create a database
#                                    (default: $COMMUNS_BENCH_POSTGRES_URL, or
#                                    postgres://postgres@127.0.0.1:5432/postgres)
#
# Other options (--duration, --warmup, --concurrency, --http-tool, --chunk, --seed):
# target/release/bench --help
set -euo pipefail
cd "$(dirname "$0")/.."

data=bench/data/node_modules/@etalab/decoupage-administratif/data
if [ ! -f "$data/communes.json" ]; then
  command -v npm >/dev/null 2>&1 || { echo "npm is needed to install @etalab/decoupage-administratif" >&2; exit 2; }
  mkdir -p bench/data
  npm install --prefix bench/data --no-audit --no-fund @etalab/decoupage-administratif
fi

# The GET phases are sent by wrk unless --http-tool builtin is given.
if ! command -v wrk >/dev/null 2>&1 && [[ " $* " != *" --http-tool builtin "* ]]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get install -y -q wrk || { apt-get update -q && apt-get install -y -q wrk; }
  else
    echo "wrk is needed (apt-get install wrk), or give --http-tool builtin" >&2
    exit 2
  fi
fi

cargo build --release -p server -p bench
exec target/release/bench --communes "$data" --communs target/release/communs "$@"
