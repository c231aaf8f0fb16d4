#!/usr/bin/env bash
# Loads real-world contracts with a release build of mapcheck and reports wall time and peak memory.
#
#   bash ci/bench-load.sh            # fetch inputs (npm registry) if missing, build, measure
#
# Inputs (fetched into ci/bench-data/, which git ignores):
#   - GitHub's OpenAPI descriptions: npm @octokit/openapi, generated/*.json (api.github.com and GHES)
#   - Google's API protos: npm google-proto-files, every .proto except google/protobuf's own test protos
# Goals: inspect api.github.com.json < 1 s and < 300 MB; all google-proto-files < 10 s and < 1 GB.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mapcheck-target}"
data=ci/bench-data
mkdir -p "$data"

if [ ! -d "$data/node_modules/@octokit/openapi" ] || [ ! -d "$data/node_modules/google-proto-files" ]; then
  npm install --silent --no-audit --no-fund --prefix "$data" @octokit/openapi google-proto-files >/dev/null
fi

# inspect and lint never touch the crosswalk store, so the benchmark builds without DuckDB: the
# measured code is the same, and a run does not wait for DuckDB's C++ to compile in release mode.
cargo build --release --quiet --no-default-features
bin="$CARGO_TARGET_DIR/release/mapcheck"

# google-proto-files ships a copy of google/protobuf with protobuf's own test protos; leave that
# directory out (the well-known types are built into mapcheck).
protos="$data/google-protos"
if [ ! -d "$protos" ]; then
  mkdir -p "$protos"
  src="$data/node_modules/google-proto-files"
  (cd "$src" && find google grafeas -name '*.proto' ! -path 'google/protobuf/*' | tar -cf - -T -) | (cd "$protos" && tar -xf -)
fi

measure() { # label, command...
  local label=$1; shift
  local out
  local code=0
  /usr/bin/time -o /tmp/mapcheck-bench-time -f '%e %M' "$@" >/dev/null 2>/tmp/mapcheck-bench-stderr || code=$?
  out=$(tail -1 /tmp/mapcheck-bench-time)
  printf '%-48s wall %6ss  peak %7.1f MB  exit %s\n' "$label" "${out% *}" "$(echo "${out#* } / 1024" | bc -l)" "$code"
}

version=$(node -p "require('./$data/node_modules/@octokit/openapi/package.json').version")
echo "mapcheck $("$bin" --version | cut -d' ' -f2), @octokit/openapi $version, google-proto-files $(node -p "require('./$data/node_modules/google-proto-files/package.json').version")"
echo "nproc $(nproc)"
gh="$data/node_modules/@octokit/openapi/generated"
measure "inspect api.github.com.json ($(du -h "$gh/api.github.com.json" | cut -f1))" "$bin" inspect "$gh/api.github.com.json" --format json
measure "lint api.github.com.json" "$bin" lint "$gh/api.github.com.json" --fail-on never
for f in "$gh"/ghes-*.json; do
  [[ "$f" == *.deref.json ]] && continue
  measure "inspect $(basename "$f")" "$bin" inspect "$f" --format json
done
count=$(find "$protos" -name '*.proto' | wc -l)
measure "inspect google-proto-files ($count files)" "$bin" inspect "$protos" --format json
measure "lint google-proto-files ($count files)" "$bin" lint "$protos" --fail-on never
