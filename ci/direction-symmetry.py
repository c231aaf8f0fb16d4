#!/usr/bin/env python3
"""Checks that compatibility directions are mirror images on real data contracts.

    python3 ci/direction-symmetry.py DIR_OR_FILE...          # e.g. ../shared/corpora/schemastore
    python3 ci/direction-symmetry.py --bin target/debug/mapcheck contracts tests/fixtures/jsonschema

`diff A B --mode backward` asks whether B reads what A wrote; `diff B A --mode forward` asks
whether B (now the old side) reads what A (the new side) writes: the same question. So the errors of
the two must sit at the same places (the same multiset of finding paths; rule names may differ,
since one run sees a property added where the other sees it removed).

For every JSON Schema (`*.json` with `$schema`, `*.schema.json`) and Avro schema (`*.avsc`) found,
the script makes mechanical variants B of it (a required property added, the first property
removed, an optional property made required, a property's type changed, an enum value added and
one removed, a `maxLength` tightened, the object closed with `additionalProperties: false`) and
compares both directions for (A, B) and (B, A). Prints counts and every mismatch; exits 1 on any.

Deliberate divergences, applied to both runs before comparing:
  - `read-only-changed` and `write-only-changed` are left out: readOnly and writeOnly say who
    writes a property (a request must not carry a readOnly one), not which values are valid, so
    becoming readOnly matters to the backward question of a request and not to its mirror.
  - A removal softened to a warning because the removed property was deprecated counts as an
    error: the sunset policy (docs/openapi-compatibility.md) applies to removals only, and its
    mirror (the same property added) stays an error.
"""

import argparse
import concurrent.futures
import copy
import json
import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path


def first_object(node, seen=None):
    """The first schema object (depth first, document order) with a `properties` map."""
    stack = [node]
    while stack:
        current = stack.pop(0)
        if isinstance(current, dict):
            if isinstance(current.get("properties"), dict) and current["properties"]:
                return current
            stack.extend(v for v in current.values() if isinstance(v, (dict, list)))
        elif isinstance(current, list):
            stack.extend(v for v in current if isinstance(v, (dict, list)))
    return None


def avro_record(node):
    stack = [node]
    while stack:
        current = stack.pop(0)
        if isinstance(current, dict):
            if current.get("type") == "record" and isinstance(current.get("fields"), list) and current["fields"]:
                return current
            stack.extend(v for v in current.values() if isinstance(v, (dict, list)))
        elif isinstance(current, list):
            stack.extend(v for v in current if isinstance(v, (dict, list)))
    return None


def json_schema_variants(schema):
    obj = first_object(schema)
    if obj is None:
        return {}
    variants = {}

    def variant(name, change):
        new = copy.deepcopy(schema)
        target = first_object(new)
        if change(target) is not False:
            variants[name] = new

    def add_required(o):
        o["properties"]["mcProbe"] = {"type": "string"}
        o["required"] = list(o.get("required") or []) + ["mcProbe"]

    def remove_first(o):
        name = next(iter(o["properties"]))
        del o["properties"][name]
        if isinstance(o.get("required"), list):
            o["required"] = [r for r in o["required"] if r != name]

    def make_required(o):
        optional = [p for p in o["properties"] if p not in (o.get("required") or [])]
        if not optional:
            return False
        o["required"] = list(o.get("required") or []) + [optional[0]]

    def change_type(o):
        for name, prop in o["properties"].items():
            if isinstance(prop, dict) and prop.get("type") in ("string", "integer", "number", "boolean"):
                o["properties"][name] = {"type": "boolean" if prop["type"] != "boolean" else "string"}
                return None
        return False

    def enum_edit(add):
        def edit(o):
            for prop in o["properties"].values():
                if isinstance(prop, dict) and isinstance(prop.get("enum"), list) and len(prop["enum"]) > 1:
                    if add:
                        prop["enum"] = prop["enum"] + ["mcProbe"]
                    else:
                        prop["enum"] = prop["enum"][:-1]
                    return None
            return False

        return edit

    def tighten(o):
        for prop in o["properties"].values():
            if isinstance(prop, dict) and prop.get("type") == "string":
                prop["maxLength"] = max(0, int(prop.get("maxLength", 11)) - 10)
                return None
        return False

    def close(o):
        if o.get("additionalProperties") is False:
            return False
        o["additionalProperties"] = False

    variant("add-required", add_required)
    variant("remove-first", remove_first)
    variant("make-required", make_required)
    variant("change-type", change_type)
    variant("enum-add", enum_edit(True))
    variant("enum-remove", enum_edit(False))
    variant("tighten-max-length", tighten)
    variant("close", close)
    return variants


def avro_variants(schema):
    if avro_record(schema) is None:
        return {}
    variants = {}

    def variant(name, change):
        new = copy.deepcopy(schema)
        if change(avro_record(new)) is not False:
            variants[name] = new

    def add_field(default):
        def edit(r):
            field = {"name": "mcProbe", "type": "string"}
            if default:
                field["default"] = ""
            r["fields"].append(field)

        return edit

    def remove_first(r):
        r["fields"].pop(0)

    def change_type(r):
        for f in r["fields"]:
            if f.get("type") in ("string", "int", "long", "boolean"):
                f["type"] = "boolean" if f["type"] != "boolean" else "string"
                f.pop("default", None)
                return None
        return False

    variant("add-field-with-default", add_field(True))
    variant("add-field-without-default", add_field(False))
    variant("remove-first", remove_first)
    variant("change-type", change_type)
    return variants


def error_paths(binary, old, new, mode):
    run = subprocess.run(
        [binary, "diff", str(old), str(new), "--mode", mode, "--format", "json", "--fail-on", "never", "--quiet"],
        capture_output=True,
    )
    if run.returncode not in (0, 1):
        return None
    findings = json.loads(run.stdout)["findings"]
    direction_specific = ("read-only-changed", "write-only-changed")
    return Counter(
        f.get("path", "")
        for f in findings
        if f["rule"] not in direction_specific
        and (f["severity"] == "error" or (f["severity"] == "warning" and "(deprecated" in f["message"]))
    )


def check_file(binary, path):
    """[(variant, order, outcome, detail)] for one schema file."""
    try:
        schema = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return [("-", "-", "unreadable", str(error))]
    avro = path.suffix == ".avsc"
    variants = avro_variants(schema) if avro else json_schema_variants(schema)
    rows = []
    with tempfile.TemporaryDirectory(prefix="mapcheck-symmetry-") as tmp:
        # Both versions under one file name (in two folders): contracts named after their file
        # then have the same name, and finding paths compare as they are.
        a = Path(tmp) / "a" / path.name
        b = Path(tmp) / "b" / path.name
        a.parent.mkdir()
        b.parent.mkdir()
        a.write_text(json.dumps(schema), encoding="utf-8")
        for name, changed in variants.items():
            b.write_text(json.dumps(changed), encoding="utf-8")
            for order, (x, y) in (("A->B", (a, b)), ("B->A", (b, a))):
                backward = error_paths(binary, x, y, "backward")
                forward = error_paths(binary, y, x, "forward")
                if backward is None or forward is None:
                    rows.append((name, order, "crash", ""))
                elif backward != forward:
                    detail = f"backward {sorted(backward.elements())} vs forward {sorted(forward.elements())}"
                    rows.append((name, order, "mismatch", detail))
                else:
                    rows.append((name, order, "ok", ""))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+", type=Path)
    default_bin = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/mapcheck-target")) / "release/mapcheck"
    parser.add_argument("--bin", default=str(default_bin))
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    files = []
    for p in args.paths:
        candidates = [p] if p.is_file() else sorted(p.rglob("*"))
        for f in candidates:
            if f.suffix == ".avsc" or f.name.endswith(".schema.json"):
                files.append(f)
            elif f.suffix == ".json" and f.is_file():
                try:
                    head = f.read_text(encoding="utf-8", errors="replace")[:4000]
                except OSError:
                    continue
                if '"$schema"' in head and "openapi" not in head[:200]:
                    files.append(f)
    if not files:
        print("direction-symmetry: no JSON Schema or Avro files found", file=sys.stderr)
        return 2
    counts = Counter()
    failures = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for f, rows in zip(files, pool.map(lambda f: check_file(args.bin, f), files)):
            for name, order, outcome, detail in rows:
                counts[outcome] += 1
                if outcome in ("mismatch", "crash"):
                    failures.append(f"{outcome.upper()} {f} {name} {order}: {detail}")
    for line in failures:
        print(line)
    print(f"{len(files)} schemas; pairs checked both ways: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
