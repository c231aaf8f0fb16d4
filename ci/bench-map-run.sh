#!/usr/bin/env bash
# Times `mapcheck map run` (apply a mapping, validate every canonical record against the canonical
# JSON Schema, write NDJSON) on generated CRM Account records, with a release build.
#
#   bash ci/bench-map-run.sh            # 500,000 records, failing ones to a rejects file
#   REJECTS=0 bash ci/bench-map-run.sh  # without --rejects
#   bash ci/bench-map-run.sh 2000000    # more
#
# The records (ci/bench-data/map-run/, which git ignores) follow contracts/crm/accounts.openapi.yaml:
# nested billing addresses, tags, enums, timestamps; about 2% carry a payment term the mapping does
# not know, so the transform-failure path is exercised too. A crosswalk store (built once with
# `mapcheck crosswalk load`) links 98% of the account ids to canonical ids; the other 2% are
# orphans, so those records also fail `required`. Goal: at least 200,000 records/s.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mapcheck-target}"
n=${1:-500000}
data=ci/bench-data/map-run
mkdir -p "$data"
file="$data/accounts-$n.ndjson"
if [ ! -f "$file" ]; then
  python3 - "$n" "$file" <<'PY'
import json, random, sys
n, out = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(7)
terms = ["Due on Receipt", "Net 15", "Net 30", "Net 60"]
inds = ["Agriculture", "Banking", "Manufacturing", "Retail", "Technology"]
with open(out, "w") as f:
    for i in range(n):
        r = {
            "Id": "001%015d" % i,
            "Name": "Company %d" % i,
            "Status": rnd.choice(["active", "inactive", "merged"]),
            "Phone": "+1 555 %04d" % (i % 10000),
            "Website": "https://example%d.com" % i,
            "Industry": rnd.choice(inds),
            "AnnualRevenue": round(rnd.uniform(1e4, 1e9), 2),
            "CurrencyIsoCode": rnd.choice(["USD", "EUR", "GBP"]),
            "NumberOfEmployees": rnd.randint(1, 50000),
            "BillingAddress": {"Street": "%d Main St\nFloor %d" % (i, i % 9), "City": "Springfield",
                               "State": "IL", "PostalCode": "62701", "CountryCode": "US"},
            "PaymentTerms__c": "Net 90" if rnd.random() < 0.02 else rnd.choice(terms),
            "TaxId": "TX%08d" % i,
            "Tags": rnd.sample(["vip", "smb", "enterprise", "partner"], 2),
            "CreatedDate": "2024-01-02T03:04:05Z",
            "LastModifiedDate": "2024-06-01T00:00:00Z",
        }
        f.write(json.dumps(r) + "\n")
PY
fi
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/mapcheck"
# Canonical ids are UUIDs, as the canonical customer's `customer_id` format says (map run asserts
# formats).
db="$data/crosswalk-uuid-$n.duckdb"
if [ ! -f "$db" ]; then
  python3 - "$n" "$data/links-uuid-$n.csv" <<'PY'
import random, sys
n, out = int(sys.argv[1]), sys.argv[2]
rnd = random.Random(11)
with open(out, "w") as f:
    f.write("source_id,canonical_id\n")
    for i in range(n):
        if rnd.random() >= 0.02:
            f.write("001%015d,%08x-0000-4000-8000-%012x\n" % (i, i, i))
PY
  "$bin" crosswalk --db "$db" init >/dev/null
  "$bin" crosswalk --db "$db" load "$data/links-uuid-$n.csv" --system crm --entity account >/dev/null
fi
# A store made by an older mapcheck is upgraded (init is a no-op on a current one).
"$bin" crosswalk --db "$db" init >/dev/null
size=$(du -m "$file" | cut -f1)
echo "records: $n ($size MB) -> mapcheck map run mappings/crm-account-to-customer.yaml --db $db"
# Failing records (about a third: orphans, unknown payment terms) go to a dead-letter file, as a
# pipeline would run it (REJECTS=0 leaves that out).
rejects=()
if [ "${REJECTS:-1}" != 0 ]; then
  rejects=(--rejects "$data/rejects.ndjson")
fi
/usr/bin/time -f "%e %M" -o "$data/time.txt" "$bin" map run mappings/crm-account-to-customer.yaml "$file" \
  --db "$db" --out /dev/null "${rejects[@]}" --format json --fail-on never > "$data/report.json"
read -r secs kb < "$data/time.txt"
python3 - "$n" "$secs" "$kb" "$data/report.json" "${rejects[1]:-}" <<'PY'
import json, os, sys
n, secs, kb = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
report = json.load(open(sys.argv[4]))
rejected = sum(1 for _ in open(sys.argv[5])) if sys.argv[5] else 0
print(f"wall {secs:.2f} s, peak {kb // 1024} MB, {n / secs:,.0f} records/s (goal >= 200,000), "
      f"{len(report['findings'])} kinds of problems reported, {rejected:,} records in the rejects file")
PY
