#!/usr/bin/env bash
# Runs the `validate` fuzz target, its corpus seeded from the reference cases
# (publiccode/tests/reference): `publiccode/fuzz/run.sh [SECONDS] [libFuzzer flags...]`.
# Crashes land in artifacts/validate/; copy each into ../tests/fuzz-regressions/.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
shift || true
corpus=corpus/validate
mkdir -p "$corpus"
shared=../tests/reference/testdata
if [ -d "$shared" ]; then
  find "$shared" -name '*.yml' -print0 | while IFS= read -r -d '' f; do
    cp "$f" "$corpus/seed-$(printf '%s' "${f#"$shared"/}" | tr '/' '_')"
  done
else
  echo "no reference cases at $shared: starting from what $corpus holds" >&2
fi
cp ../tests/data/*.yml "$corpus/" 2>/dev/null || true
exec nice -n 10 cargo +nightly fuzz run validate "$corpus" -- \
  -dict=publiccode.dict -max_len=16384 -max_total_time="$seconds" -print_final_stats=1 "$@"
