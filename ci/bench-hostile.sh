#!/usr/bin/env bash
# Memory ceilings on hostile input (docs/hostile-input.md), measured with /usr/bin/time on the
# binary the tests build. Each case prints wall time and peak memory and fails the script when the
# peak passes its ceiling:
#   - a 1 KB OpenAPI file of 29 levels of `allOf: [*prev, *prev]` (a YAML alias bomb): `lint`
#     under 100 MB;
#   - a gzip file holding one 1 GiB NDJSON line without a newline (about 1 MB on disk): `drift`
#     under 320 MB: what the default record limit (64 MiB) lets a reader hold, with the doubling
#     growth of its buffers, not the 1 GiB;
#   - the same 1 GiB as one JSON-array element and as one CSV field: `drift` under 320 MB.
#
#   bash ci/bench-hostile.sh
#   MAPCHECK_BIN=target/release/mapcheck bash ci/bench-hostile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mapcheck-target}"
# MAPCHECK_BIN measures another build (a release binary, one without DuckDB).
if [ -z "${MAPCHECK_BIN:-}" ]; then
  cargo build --quiet --locked
fi
BIN="${MAPCHECK_BIN:-$CARGO_TARGET_DIR/debug/mapcheck}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
failed=0

# Runs a command under /usr/bin/time; prints "<label>: <s> s, <MB> MB peak (ceiling <N> MB)".
measure() {
  local label="$1" ceiling_mb="$2"
  shift 2
  local stats
  stats=$( { /usr/bin/time -f "%e %M" "$@" >/dev/null 2>"$WORK/stderr"; } 2>&1 || true)
  stats=$(tail -n 1 "$WORK/stderr")
  local secs kb
  secs=$(echo "$stats" | awk '{print $1}')
  kb=$(echo "$stats" | awk '{print $2}')
  local mb=$((kb / 1024))
  local verdict="ok"
  if [ "$mb" -ge "$ceiling_mb" ]; then
    verdict="OVER THE CEILING"
    failed=1
  fi
  echo "$label: ${secs} s, ${mb} MB peak (ceiling ${ceiling_mb} MB) $verdict"
  grep -v '^[0-9.]* [0-9]*$' "$WORK/stderr" | head -n 3 | sed 's/^/    /' || true
}

python3 - "$WORK" <<'EOF'
import gzip, sys
work = sys.argv[1]
with open(f"{work}/bomb.yaml", "w") as f:
    f.write("openapi: 3.0.0\ninfo: {title: bomb, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n")
    f.write("    a0: &a0 {type: string}\n")
    for i in range(1, 30):
        f.write(f"    a{i}: &a{i} {{allOf: [*a{i-1}, *a{i-1}]}}\n")
block = b"x" * (1 << 20)
for name, head, tail in [
    ("line.ndjson.gz", b'{"name": "', b""),
    ("element.json.gz", b'[{"name": "', b""),
    ("field.csv.gz", b"id,name\n1,", b""),
]:
    with gzip.open(f"{work}/{name}", "wb", compresslevel=6) as f:
        f.write(head)
        for _ in range(1024):
            f.write(block)
        f.write(tail)
EOF
cat > "$WORK/contract.schema.json" <<'EOF'
{"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}
EOF
ls -l "$WORK" | awk 'NR > 1 {print "  " $9 ": " $5 " bytes"}'

measure "lint, YAML alias bomb (29 levels)" 100 "$BIN" lint "$WORK/bomb.yaml"
for f in line.ndjson.gz element.json.gz field.csv.gz; do
  measure "drift, one 1 GiB record ($f)" 320 "$BIN" drift "$WORK/$f" --contract "$WORK/contract.schema.json"
done
exit "$failed"
