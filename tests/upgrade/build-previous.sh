#!/usr/bin/env bash
# Builds the `communs` binary of the previous release (deploy/previous-release) from this
# clone's history, for tests/tests/upgrade.rs, and prints its path. Its own target folder
# (target/previous), so that the tree's binary and build stay as they are; built once per
# release commit.
set -euo pipefail
cd "$(dirname "$0")/../.."
commit=$(awk '$1 == "commit" { print $2 }' deploy/previous-release)
version=$(awk '$1 == "version" { print $2 }' deploy/previous-release)
if [ -z "$commit" ]; then
  echo "deploy/previous-release names no commit" >&2
  exit 2
fi
binary="target/previous/$commit/communs"
if [ -x "$binary" ]; then
  echo "$binary"
  exit 0
fi
if ! git cat-file -e "$commit^{commit}" 2>/dev/null; then
  echo "release $version ($commit) is not in this clone's history: the upgrade test needs a clone with it (not a shallow one)" >&2
  exit 2
fi
source="target/previous/src-$commit"
rm -rf "$source"
mkdir -p "$source"
git archive "$commit" | tar -x -C "$source"
echo "building release $version ($commit) into target/previous (once per release)" >&2
cargo build --locked --quiet -p server --bin communs \
  --manifest-path "$source/Cargo.toml" --target-dir target/previous/target >&2
mkdir -p "target/previous/$commit"
cp "target/previous/target/debug/communs" "$binary.part"
mv "$binary.part" "$binary"
rm -rf "$source"
echo "$binary"
