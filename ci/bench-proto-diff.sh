#!/usr/bin/env bash
# Compares two releases of Google's API protos with mapcheck and with buf, side by side.
#
#   bash ci/bench-proto-diff.sh
#
# Inputs (fetched from the npm registry into ci/bench-data/, which git ignores): google-proto-files
# 5.0.3 and 6.0.1, about 7,000 .proto files each, without their google/protobuf directory (the
# well-known types are built into both tools). buf comes from ci/test-tools.sh.
# Measured: `buf breaking NEW --against OLD` (FILE category, buf's default) and
# `mapcheck diff OLD NEW --proto-level file`, a release build without default features; wall time
# and peak memory from /usr/bin/time, and the number of findings of each.
# Goal for mapcheck: under 10 s and under 1 GB.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mapcheck-target}"
data=ci/bench-data/proto-diff
old_version=5.0.3
new_version=6.0.1
mkdir -p "$data"

for v in "$old_version" "$new_version"; do
  tree="$data/$v"
  if [ ! -d "$tree" ]; then
    work=$(mktemp -d)
    (cd "$work" && npm pack --silent "google-proto-files@$v" >/dev/null && tar xzf "google-proto-files-$v.tgz")
    mkdir -p "$tree"
    (cd "$work/package" && find google grafeas -name '*.proto' ! -path 'google/protobuf/*' | tar -cf - -T -) | (cd "$tree" && tar -xf -)
    rm -rf "$work"
  fi
done

bash ci/test-tools.sh >/dev/null
tools="${MAPCHECK_TOOLS:-$HOME/.cache/mapcheck-tools}"
buf=$(ls "$tools"/node_modules/@bufbuild/buf-*/bin/buf 2>/dev/null | head -1)
[ -n "$buf" ] || buf="$tools/node_modules/.bin/buf"

flock /tmp/mapcheck-cargo.lock cargo build --release --quiet --no-default-features
bin="$data/mapcheck"
cp "$CARGO_TARGET_DIR/release/mapcheck" "$bin"

measure() { # label, output file, command...
  local label=$1 out=$2
  shift 2
  local code=0
  /usr/bin/time -o "$data/time.txt" -f '%e %M' "$@" >"$out" 2>"$data/stderr.txt" || code=$?
  local t
  t=$(tail -1 "$data/time.txt")
  printf '%-9s wall %6ss  peak %7.1f MB  exit %s' "$label" "${t% *}" "$(echo "${t#* } / 1024" | bc -l)" "$code"
}

old_count=$(find "$data/$old_version" -name '*.proto' | wc -l)
new_count=$(find "$data/$new_version" -name '*.proto' | wc -l)
echo "google-proto-files $old_version ($old_count files) -> $new_version ($new_count files); $("$buf" --version | sed 's/^/buf /'); mapcheck $("$bin" --version | cut -d' ' -f2); nproc $(nproc)"
config='{"version":"v2","breaking":{"use":["FILE"]}}'
measure buf "$data/buf.json" sh -c "cd '$data/$new_version' && '$buf' breaking . --against '../$old_version' --config '$config' --against-config '{\"version\":\"v2\"}' --error-format json"
echo "  findings $(grep -c '"type"' "$data/buf.json" || true)"
measure mapcheck "$data/mapcheck.json" "$bin" diff "$data/$old_version" "$data/$new_version" --proto-level file --format json --fail-on never
echo "  findings $(python3 -c "import json,sys; print(sum(f['severity'] != 'info' for f in json.load(open(sys.argv[1]))['findings']))" "$data/mapcheck.json")"
