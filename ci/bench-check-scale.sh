#!/usr/bin/env bash
# `mapcheck check --against <ref>` on a generated workspace at scale, with a release build.
#
#   bash ci/bench-check-scale.sh            # generate (if missing), build, measure 5 runs
#   RUNS=10 bash ci/bench-check-scale.sh
#
# The workspace (ci/bench-data/check-scale/, which git ignores) is a git repository with:
#   - 300 contracts: 73 OpenAPI 3.1, 73 Avro, 72 Protobuf and 72 JSON Schema source contracts (one
#     type of 25 fields each, the OpenAPI ones with paths, the Protobuf ones with a service), and
#     10 canonical entities (contracts/canonical/e<k>/v1.schema.json);
#   - 100 mappings (mappings/m<N>.yaml) from source types of all four formats into the canonical
#     entities: renames, casts, enum maps and one crosswalk lookup each;
#   - mapcheck.toml with a [crosswalk] table, and a crosswalk store of 1,000,000 links over the 20
#     (system, entity) pairs the mappings look up, loaded with `mapcheck crosswalk load`.
# `main` holds that state; the checked-out branch `change` edits 20 contracts (5 per format: 10
# breaking, among them fields that mappings read, and 10 compatible additions).
# Measured: `mapcheck check --against main` (lint 300 contracts, diff the changed ones, validate the
# 100 mappings and their impact, crosswalk checks over the store): wall time and peak memory.
# Goal: under 3 s.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/mapcheck-target}"
runs=${RUNS:-5}
repo=$PWD
ws=ci/bench-data/check-scale

cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/mapcheck"

if [ ! -f "$ws/.generated" ]; then
  rm -rf "$ws"
  mkdir -p "$ws"
  python3 - "$ws" <<'PY'
import json, os, random, sys

ws = sys.argv[1]
rnd = random.Random(3)
ENTITIES = 10
FIELDS = 20  # plus id, name, amount, status, created


def w(path, text):
    path = os.path.join(ws, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


# Canonical entities.
for k in range(ENTITIES):
    props = {
        "id": {"type": "string", "minLength": 1},
        "name": {"type": "string", "maxLength": 200},
        "amount": {"type": "number"},
        "status": {"type": "string", "enum": ["active", "inactive", "closed"]},
        "created": {"type": "string", "format": "date-time"},
    }
    for j in range(8):
        props[f"attr_{j}"] = {"type": "string"}
    w(f"contracts/canonical/e{k}/v1.schema.json", json.dumps({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://example.com/canonical/e{k}/v1",
        "title": f"E{k}", "type": "object", "required": ["id", "name", "status"],
        "properties": props}, indent=2) + "\n")

counts = {"openapi": 73, "avro": 73, "protobuf": 72, "jsonschema": 72}
sources = []  # (format, index, contract path, type name, field names by role)

for i in range(counts["jsonschema"]):
    props = {"Id": {"type": "string"}, "Name": {"type": "string", "maxLength": 200},
             "Amount": {"type": "number"}, "Status": {"type": "string", "enum": ["A", "B", "C"]},
             "Created": {"type": "string", "format": "date-time"}}
    for j in range(FIELDS):
        props[f"F{j}"] = {"type": "string", "maxLength": 100} if j % 3 else {"type": "integer", "minimum": 0}
    path = f"contracts/jsonschema/t{i}.schema.json"
    w(path, json.dumps({"$schema": "https://json-schema.org/draft/2020-12/schema", "title": f"T{i}",
                        "type": "object", "required": ["Id", "Name", "Status"], "properties": props},
                       indent=2) + "\n")
    sources.append(("jsonschema", i, path, f"T{i}", ["Id", "Name", "Amount", "Status", "Created", "F"], ["A", "B", "C"]))

for i in range(counts["avro"]):
    fields = [{"name": "Id", "type": "string"}, {"name": "Name", "type": "string"},
              {"name": "Amount", "type": "double"},
              {"name": "Status", "type": {"type": "enum", "name": f"Status{i}", "symbols": ["A", "B", "C"]}},
              {"name": "Created", "type": "string"}]
    for j in range(FIELDS):
        fields.append({"name": f"F{j}", "type": ["null", "string"] if j % 3 else "long",
                       **({"default": None} if j % 3 else {})})
    path = f"contracts/avro/t{i}.avsc"
    w(path, json.dumps({"type": "record", "name": f"T{i}", "namespace": "bench.avro", "fields": fields}, indent=2) + "\n")
    sources.append(("avro", i, path, f"bench.avro.T{i}", ["Id", "Name", "Amount", "Status", "Created", "F"], ["A", "B", "C"]))

for i in range(counts["protobuf"]):
    lines = ['syntax = "proto3";', "", f"package bench.p{i};", "",
             f"enum Status{i} {{", f"  STATUS{i}_UNSPECIFIED = 0;", f"  STATUS{i}_A = 1;",
             f"  STATUS{i}_B = 2;", f"  STATUS{i}_C = 3;", "}", "", f"message T{i} {{",
             "  string id = 1;", "  string name = 2;", "  double amount = 3;",
             f"  Status{i} status = 4;", "  string created = 5;"]
    for j in range(FIELDS):
        lines.append(f"  {'string' if j % 3 else 'int64'} f{j} = {6 + j};")
    lines += ["}", "", f"message GetT{i}Request {{", "  string id = 1;", "}", "",
              f"service T{i}Service {{", f"  rpc GetT{i}(GetT{i}Request) returns (T{i});", "}", ""]
    path = f"contracts/protobuf/t{i}.proto"
    w(path, "\n".join(lines))
    sources.append(("protobuf", i, path, f"bench.p{i}.T{i}", ["id", "name", "amount", "status", "created", "f"],
                    [f"STATUS{i}_UNSPECIFIED", f"STATUS{i}_A", f"STATUS{i}_B", f"STATUS{i}_C"]))

for i in range(counts["openapi"]):
    props = {"Id": {"type": "string", "readOnly": True}, "Name": {"type": "string", "maxLength": 200},
             "Amount": {"type": "number"}, "Status": {"type": "string", "enum": ["A", "B", "C"]},
             "Created": {"type": "string", "format": "date-time"}}
    for j in range(FIELDS):
        props[f"F{j}"] = {"type": "string", "maxLength": 100} if j % 3 else {"type": "integer", "minimum": 0}
    ref = {"$ref": f"#/components/schemas/T{i}"}
    doc = {
        "openapi": "3.1.0", "info": {"title": f"T{i} API", "version": "1.0.0"},
        "paths": {
            f"/t{i}": {
                "get": {"operationId": f"listT{i}", "parameters": [
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "maximum": 100}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {
                        "schema": {"type": "array", "items": ref}}}}}},
                "post": {"operationId": f"createT{i}", "requestBody": {"required": True, "content": {
                    "application/json": {"schema": ref}}},
                    "responses": {"201": {"description": "created", "content": {"application/json": {"schema": ref}}}}}},
            f"/t{i}/{{id}}": {
                "get": {"operationId": f"getT{i}", "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": ref}}},
                                  "404": {"description": "not found"}}}},
        },
        "components": {"schemas": {f"T{i}": {"type": "object", "required": ["Id", "Name", "Status"], "properties": props}}},
    }
    path = f"contracts/openapi/t{i}.openapi.json"
    w(path, json.dumps(doc, indent=2) + "\n")
    sources.append(("openapi", i, path, f"T{i}", ["Id", "Name", "Amount", "Status", "Created", "F"], ["A", "B", "C"]))

# 100 mappings, 25 per format.
by_format = {f: [s for s in sources if s[0] == f] for f in counts}
mapped = []
for m in range(100):
    fmt = ["jsonschema", "avro", "protobuf", "openapi"][m % 4]
    src = by_format[fmt][m // 4]
    mapped.append(src)
    fmt, i, path, ty, (fid, fname, famount, fstatus, fcreated, fpre), symbols = src
    k = m % ENTITIES
    system = f"s{m % 4}"
    canon = ["active", "inactive", "closed"]
    enum = {sym: canon[min(n, 2)] for n, sym in enumerate(symbols[-3:])}
    if len(symbols) == 4:
        enum[symbols[0]] = "inactive"
    rules = [
        f"  - target: id\n    from: {fid}\n    crosswalk: {{system: {system}, entity: e{k}}}",
        f"  - target: name\n    from: {fname}",
        f"  - target: amount\n    from: {famount}",
        "  - target: status\n    from: " + fstatus + "\n    enum:\n" +
        "".join(f"      {a}: {b}\n" for a, b in enum.items()).rstrip("\n"),
        f"  - target: created\n    from: {fcreated}",
    ]
    for j in range(8):
        src_field = f"{fpre}{1 + j * 2 if (1 + j * 2) % 3 else 2 + j * 2}"
        rules.append(f"  - target: attr_{j}\n    from: {src_field}")
    w(f"mappings/m{m}.yaml",
      f"mapping: m{m}\nsource:\n  contract: {path}\n  type: {ty}\n  system: {system}\n"
      f"target:\n  entity: e{k}\n  version: 1\nrules:\n" + "\n".join(rules) + "\n")

w("mapcheck.toml", '[crosswalk]\ndb = ".mapcheck/crosswalk.duckdb"\n')
w(".gitignore", ".mapcheck/\nlinks-*.csv\n")

# Crosswalk links: 1,000,000 over the 20 (system, entity) pairs the mappings use.
pairs = sorted({(f"s{m % 4}", f"e{m % ENTITIES}") for m in range(100)})
per = 1_000_000 // len(pairs)
for n, (s, e) in enumerate(pairs):
    with open(os.path.join(ws, f"links-{s}-{e}.csv"), "w") as f:
        f.write("source_id,canonical_id\n")
        for x in range(per):
            f.write(f"{s}-{e}-{x:07d},{e}-{(x + n * 97) % (per + per // 10):08d}\n")
with open(os.path.join(ws, "pairs.txt"), "w") as f:
    f.write("".join(f"{s} {e}\n" for s, e in pairs))

# The 20 changes, applied on the `change` branch: per format 3 breaking (a field a mapping reads
# removed; a type changed; an enum value removed) and 2 compatible (a field added), on mapped types.
changes = []
for fmt in counts:
    victims = [s for s in mapped if s[0] == fmt][:5]
    for n, src in enumerate(victims):
        changes.append((fmt, src[2], ["remove", "retype", "enum", "add", "add"][n], src[4][5]))
with open(os.path.join(ws, "changes.json"), "w") as f:
    json.dump(changes, f)
PY
  (
    cd "$ws"
    git init -q -b main
    git add -A
    git -c user.name=bench -c user.email=bench@example.com commit -qm "300 contracts, 100 mappings"
    "$bin" crosswalk init >/dev/null
    while read -r s e; do
      "$bin" crosswalk load "links-$s-$e.csv" --system "$s" --entity "$e" >/dev/null
    done < pairs.txt
    git checkout -qb change
  )
  python3 - "$ws" <<'PY'
import json, os, re, sys

ws = sys.argv[1]
for fmt, path, kind, pre in json.load(open(os.path.join(ws, "changes.json"))):
    full = os.path.join(ws, path)
    text = open(full).read()
    if fmt == "protobuf":
        if kind == "remove":
            text = re.sub(r"\n  string f1 = 7;", "", text)
        elif kind == "retype":
            text = text.replace("string name = 2;", "bytes name = 2;")
        elif kind == "enum":
            text = re.sub(r"\n  STATUS\d+_C = 3;", "", text)
        else:
            text = text.replace("  string created = 5;", "  string created = 5;\n  string note = 99;")
    else:
        doc = json.loads(text)
        if fmt == "avro":
            fields = doc["fields"]
            if kind == "remove":
                doc["fields"] = [f for f in fields if f["name"] != "F1"]
            elif kind == "retype":
                next(f for f in fields if f["name"] == "Amount")["type"] = "float"
            elif kind == "enum":
                next(f for f in fields if f["name"] == "Status")["type"]["symbols"].remove("C")
            else:
                fields.append({"name": "Note", "type": ["null", "string"], "default": None})
        else:
            schema = doc if fmt == "jsonschema" else next(iter(doc["components"]["schemas"].values()))
            props = schema["properties"]
            if kind == "remove":
                del props["F1"]
            elif kind == "retype":
                props["Amount"] = {"type": "string"}
            elif kind == "enum":
                props["Status"]["enum"].remove("C")
            else:
                props["Note"] = {"type": "string"}
        text = json.dumps(doc, indent=2) + "\n"
    open(full, "w").write(text)
PY
  (cd "$ws" && git add -A && git -c user.name=bench -c user.email=bench@example.com commit -qm "20 changes")
  touch "$ws/.generated"
fi

cd "$ws"
echo "workspace: $(git ls-files 'contracts/*' | wc -l) contracts, $(ls mappings | wc -l) mappings, \
$(git diff --name-only main -- contracts | wc -l) changed since main; crosswalk store $(du -h .mapcheck/crosswalk.duckdb | cut -f1)"
"$bin" check --against main --format json --fail-on never > /tmp/mapcheck-check-scale.json
python3 - /tmp/mapcheck-check-scale.json <<'PY'
import collections, json, sys
r = json.load(open(sys.argv[1]))
by = collections.Counter(f["rule"] for f in r["findings"])
s = r["summary"]
print(f"check: {s['errors']} errors, {s['warnings']} warnings, {s['infos']} infos; by rule: "
      + ", ".join(f"{k} {v}" for k, v in by.most_common(8)))
PY
"$bin" check --against main --verbose --fail-on never >/dev/null 2>/tmp/mapcheck-check-scale.err || true
grep -E 'check:' /tmp/mapcheck-check-scale.err | sed 's/^/  /'
for i in $(seq "$runs"); do
  /usr/bin/time -f "%e %M" -o /tmp/mapcheck-check-scale.time "$bin" check --against main --fail-on never >/dev/null 2>&1
  read -r secs kb < /tmp/mapcheck-check-scale.time
  echo "run $i: wall ${secs} s, peak $((kb / 1024)) MB (goal < 3 s)"
done
cd "$repo"
