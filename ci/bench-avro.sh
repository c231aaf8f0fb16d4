#!/usr/bin/env bash
# Times `mapcheck diff` on a large Avro schema pair with a release build, and prints the numbers.
#
#   bash ci/bench-avro.sh            # 2,000 fields, 20 runs per mode
#   bash ci/bench-avro.sh 10000 5    # more fields, fewer runs
#
# The pair (generated into ci/bench-data/avro/, which git ignores) is one top-level record of 40
# nested records, each with its share of the fields: primitives, nullable unions, wider unions,
# enums, fixed types, arrays and maps of records, logical types, and a recursive link. The new
# version has a few changes: a promotion, a narrowing, a field added with and one without a
# default, a removed enum symbol, a changed decimal scale and a resized fixed.
# Goal: a 2,000-field diff under 50 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mapcheck-target}"
fields=${1:-2000}
runs=${2:-20}
data=ci/bench-data/avro
mkdir -p "$data"

python3 - "$fields" "$data" <<'PY'
import copy, json, sys

fields, out = int(sys.argv[1]), sys.argv[2]
groups = 40
per = max(1, fields // groups)


def leaf(g, i):
    k = i % 10
    name = f"g{g}_f{i}"
    if k == 0:
        return {"name": name, "type": "int"}
    if k == 1:
        return {"name": name, "type": ["null", "string"], "default": None}
    if k == 2:
        return {"name": name, "type": {"type": "long", "logicalType": "timestamp-millis"}}
    if k == 3:
        return {"name": name, "type": {"type": "enum", "name": f"E{g}_{i}", "symbols": ["A", "B", "C", "D"]}}
    if k == 4:
        return {"name": name, "type": {"type": "array", "items": "double"}, "default": []}
    if k == 5:
        return {"name": name, "type": {"type": "map", "values": ["null", "long"]}, "default": {}}
    if k == 6:
        return {"name": name, "type": {"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}}
    if k == 7:
        return {"name": name, "type": {"type": "fixed", "name": f"H{g}_{i}", "size": 16}}
    if k == 8:
        return {"name": name, "type": ["null", "int", "string", "boolean"], "default": None}
    return {"name": name, "type": "string", "default": ""}


old = {"type": "record", "name": "Big", "namespace": "bench.avro", "fields": []}
for g in range(groups):
    record = {"type": "record", "name": f"Group{g}", "fields": [leaf(g, i) for i in range(per)]}
    record["fields"].append({"name": f"g{g}_next", "type": ["null", f"Group{g}"], "default": None})
    old["fields"].append({"name": f"group{g}", "type": record})

new = copy.deepcopy(old)
g0, g1, g2 = (new["fields"][i]["type"]["fields"] for i in range(3))
g0[0]["type"] = "long"                                   # promotion: compatible
g1[0]["type"] = {"type": "enum", "name": "Flag", "symbols": ["X"]}   # unrelated type
g2[3]["type"]["symbols"].remove("D")                     # enum symbol removed, no default
g0[6]["type"]["scale"] = 3                               # decimal scale changed
g1[7]["type"]["size"] = 32                               # fixed resized
g2.append({"name": "added_with_default", "type": "string", "default": "n/a"})
g2.append({"name": "added_without_default", "type": "long"})

count = sum(len(f["type"]["fields"]) for f in old["fields"]) + len(old["fields"])
for name, schema in (("old.avsc", old), ("new.avsc", new)):
    with open(f"{out}/{name}", "w") as f:
        json.dump(schema, f, indent=1)
print(f"schemas: {count} fields in {len(old['fields']) + 1} records, {out}/old.avsc -> {out}/new.avsc")
PY

cargo build --release --quiet --no-default-features
bin="$CARGO_TARGET_DIR/release/mapcheck"

time_ms() { # command... -> wall milliseconds of one run
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1 || true
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

"$bin" diff "$data/old.avsc" "$data/new.avsc" --format json >/dev/null || true # warm the page cache
errors=$("$bin" diff "$data/old.avsc" "$data/new.avsc" --format json | grep -c '"severity": "error"' || true)
echo "findings at error severity (backward): $errors"
measure() { # label, command... -> min, median and max wall time over $runs runs
  local label=$1
  shift
  local samples=() sorted
  for _ in $(seq "$runs"); do
    samples+=("$(time_ms "$@")")
  done
  sorted=$(printf '%s\n' "${samples[@]}" | sort -n)
  printf '%-44s %d runs: min %4d ms  median %4d ms  max %4d ms\n' "$label" "$runs" \
    "$(echo "$sorted" | head -1)" "$(echo "$sorted" | sed -n "$(((runs + 1) / 2))p")" "$(echo "$sorted" | tail -1)"
}

# Loading both files alone (lint), then the whole diff: the difference is the comparison.
measure "load only (mapcheck lint old new)" "$bin" lint "$data/old.avsc" "$data/new.avsc" --format json
for mode in backward full; do
  measure "mapcheck diff --mode $mode (goal < 50 ms)" "$bin" diff "$data/old.avsc" "$data/new.avsc" --mode "$mode" --format json
done
