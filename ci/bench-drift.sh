#!/usr/bin/env bash
# Drift and infer on a generated NDJSON file (about 1 GB by default: nested objects, arrays, 50+
# fields, some planted drift), side by side with DuckDB's JSON inference and genson on the same
# file. Wall time and peak memory per tool, release build.
#
#   bash ci/bench-drift.sh            # ~1 GB
#   SIZE_MB=10240 bash ci/bench-drift.sh   # ~10 GB: peak memory should not grow
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MB="${SIZE_MB:-1024}"
DATA=ci/bench-data
FILE="$DATA/events-${SIZE_MB}mb.ndjson"
VENV="${HOME}/.cache/mapcheck-bench-venv"
TIME=(/usr/bin/time -f "%e s %M KB")
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/tmp/check-target}"
mkdir -p "$DATA"

if [ ! -s "$FILE" ]; then
  echo "generating $FILE (~${SIZE_MB} MB)" >&2
  python3 - "$FILE" "$SIZE_MB" <<'EOF'
import json, random, sys
path, size_mb = sys.argv[1], int(sys.argv[2])
rnd = random.Random(42)
statuses = ["active", "inactive", "pending", "closed"]
countries = ["DE", "FR", "US", "GB", "NL", "ES", "IT", "PL"]
target = size_mb * 1024 * 1024
written = 0
i = 0
with open(path, "w") as f:
    while written < target:
        i += 1
        r = {
            "id": i,
            "uuid": "%08x-%04x-4%03x-a%03x-%012x" % (rnd.getrandbits(32), rnd.getrandbits(16), rnd.getrandbits(12), rnd.getrandbits(12), rnd.getrandbits(48)),
            "email": f"user{i}@example.com",
            "status": rnd.choice(statuses),
            "created": f"2024-{rnd.randint(1,12):02d}-{rnd.randint(1,28):02d}T{rnd.randint(0,23):02d}:00:00Z",
            "birthday": f"19{rnd.randint(50,99)}-{rnd.randint(1,12):02d}-{rnd.randint(1,28):02d}",
            "score": round(rnd.random() * 100, 3),
            "visits": rnd.randint(0, 10000),
            "active": rnd.random() < 0.8,
            "address": {"street": f"Street {rnd.randint(1,200)}", "city": rnd.choice(["Berlin", "Paris", "Boston"]),
                        "zip": f"{rnd.randint(0,99999):05d}", "country": rnd.choice(countries),
                        "geo": {"lat": rnd.uniform(-90, 90), "lon": rnd.uniform(-180, 180)}},
            "tags": rnd.sample(["a", "b", "c", "d", "e"], rnd.randint(0, 3)),
            "orders": [{"sku": f"SKU-{rnd.randint(1,999)}", "qty": rnd.randint(1, 5), "price": round(rnd.random() * 50, 2)}
                       for _ in range(rnd.randint(0, 3))],
        }
        for k in range(40):
            r[f"attr_{k:02d}"] = rnd.randint(0, 100) if k % 3 == 0 else (f"v{rnd.randint(0, 20)}" if k % 3 == 1 else None)
        # Planted drift: a string id, an unknown status, a missing email, an undeclared field.
        if i % 1000 == 0:
            r["id"] = str(i)
        if i % 777 == 0:
            r["status"] = "archived"
        if i % 500 == 0:
            del r["email"]
        if i % 250 == 0:
            r["loyalty_tier"] = "gold"
        line = json.dumps(r, separators=(",", ":")) + "\n"
        f.write(line)
        written += len(line)
EOF
fi
ls -la "$FILE" >&2

flock /tmp/mapcheck-cargo.lock cargo build --release --no-default-features >&2
BIN="$CARGO_TARGET_DIR/release/mapcheck"

# The contract: a draft from the first 10,000 records (before most drift), as a team would start.
head -n 10000 "$FILE" | grep -v loyalty_tier > "$DATA/head.ndjson"
"$BIN" infer "$DATA/head.ndjson" --to jsonschema --output "$DATA/contract.schema.json"

# Wall times on a shared 2-core machine vary by a third from run to run: mapcheck runs $REPEAT
# times (default 3) and every run is printed. PEERS=0 skips DuckDB and genson.
REPEAT="${REPEAT:-3}"
echo "== mapcheck drift ($REPEAT runs)"
for _ in $(seq "$REPEAT"); do
  "${TIME[@]}" "$BIN" drift --contract "$DATA/contract.schema.json" "$FILE" --fail-on never --format json > "$DATA/drift.json"
done
echo "== mapcheck infer ($REPEAT runs)"
for _ in $(seq "$REPEAT"); do
  "${TIME[@]}" "$BIN" infer "$FILE" --to jsonschema > "$DATA/inferred.schema.json"
done
[ "${PEERS:-1}" = 0 ] && exit 0

[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
[ -x "$VENV/bin/duckdb" ] || "$VENV/bin/pip" install -q duckdb-cli || true
[ -x "$VENV/bin/genson" ] || "$VENV/bin/pip" install -q genson || true
if [ -x "$VENV/bin/duckdb" ]; then
  echo "== duckdb read_json_auto (sample_size=-1)"
  "${TIME[@]}" "$VENV/bin/duckdb" -c "DESCRIBE SELECT * FROM read_json_auto('$FILE', sample_size=-1)" > /dev/null
elif "$VENV/bin/python" -c "import duckdb" 2>/dev/null; then
  echo "== duckdb (python) read_json_auto (sample_size=-1)"
  "${TIME[@]}" "$VENV/bin/python" -c "import duckdb; duckdb.sql(\"DESCRIBE SELECT * FROM read_json_auto('$FILE', sample_size=-1)\").fetchall()"
else
  echo "== duckdb: not available"
fi
if [ -x "$VENV/bin/genson" ]; then
  echo "== genson"
  "${TIME[@]}" "$VENV/bin/genson" "$FILE" > /dev/null
else
  echo "== genson: not available"
fi
