"""Runs `buf breaking` and `mapcheck diff` on old/new pairs of .proto trees and compares them.

Each tool's findings are normalized to a set of (file, element, kind) per level, where `kind` is
the concept both tools name (field-deleted, field-type, ...), `element` the message, enum or
service the break is about (lowercase, without underscores) and `file` the file it is reported in.
buf runs once per pair with every category enabled; a rule counts at a level when buf lists it in
that level's category, which is what running buf with only that category reports.

Usage: python3 compare.py --buf BUF --mapcheck MAPCHECK PAIRS_DIR [--json REPORT] [--configured]
PAIRS_DIR holds one directory per pair, each with `old/` and `new/`.

With --configured, each pair's `new/buf.yaml` decides what both tools check: buf runs with it, and
mapcheck runs without --proto-level, so that it applies the same buf.yaml (`use`, `except`,
`ignore`, `ignore_only`, `ignore_unstable_packages`); every finding of both counts.
Exit status: 0 when every divergence is a documented one, 1 otherwise.
"""

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys

LEVELS = {"wire": "WIRE", "wire-json": "WIRE_JSON", "package": "PACKAGE", "file": "FILE"}

BUF_KIND = {
    "FILE_NO_DELETE": "file-deleted",
    "PACKAGE_NO_DELETE": "package-deleted",
    "MESSAGE_NO_DELETE": "declaration-deleted",
    "ENUM_NO_DELETE": "declaration-deleted",
    "SERVICE_NO_DELETE": "declaration-deleted",
    "EXTENSION_NO_DELETE": "declaration-deleted",
    "PACKAGE_MESSAGE_NO_DELETE": "declaration-deleted",
    "PACKAGE_ENUM_NO_DELETE": "declaration-deleted",
    "PACKAGE_SERVICE_NO_DELETE": "declaration-deleted",
    "PACKAGE_EXTENSION_NO_DELETE": "declaration-deleted",
    "RPC_NO_DELETE": "rpc-deleted",
    "ONEOF_NO_DELETE": "oneof-deleted",
    "EXTENSION_MESSAGE_NO_DELETE": "extension-range-deleted",
    "RESERVED_MESSAGE_NO_DELETE": "reserved-deleted",
    "RESERVED_ENUM_NO_DELETE": "reserved-deleted",
    "FIELD_NO_DELETE": "field-deleted",
    "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED": "field-deleted",
    "FIELD_NO_DELETE_UNLESS_NAME_RESERVED": "field-deleted",
    "ENUM_VALUE_NO_DELETE": "enum-value-deleted",
    "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED": "enum-value-deleted",
    "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED": "enum-value-deleted",
    "FIELD_SAME_TYPE": "field-type",
    "FIELD_WIRE_COMPATIBLE_TYPE": "field-type",
    "FIELD_WIRE_JSON_COMPATIBLE_TYPE": "field-type",
    "FIELD_SAME_CARDINALITY": "field-cardinality",
    "FIELD_WIRE_COMPATIBLE_CARDINALITY": "field-cardinality",
    "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY": "field-cardinality",
    "FIELD_SAME_NAME": "field-name",
    "FIELD_SAME_JSON_NAME": "field-json-name",
    "FIELD_SAME_ONEOF": "field-oneof",
    "FIELD_SAME_DEFAULT": "field-default",
    "FIELD_SAME_JSTYPE": "field-jstype",
    "FIELD_SAME_CPP_STRING_TYPE": "field-ctype",
    "FIELD_SAME_UTF8_VALIDATION": "field-utf8",
    "FIELD_SAME_JAVA_UTF8_VALIDATION": "field-utf8",
    "MESSAGE_SAME_REQUIRED_FIELDS": "required-fields",
    "ENUM_VALUE_SAME_NAME": "enum-value-name",
    "ENUM_SAME_TYPE": "enum-type",
    "ENUM_SAME_JSON_FORMAT": "json-format",
    "MESSAGE_SAME_JSON_FORMAT": "json-format",
    "MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR": "descriptor-accessor",
    "RPC_SAME_REQUEST_TYPE": "rpc-request",
    "RPC_SAME_RESPONSE_TYPE": "rpc-response",
    "RPC_SAME_CLIENT_STREAMING": "rpc-streaming",
    "RPC_SAME_SERVER_STREAMING": "rpc-streaming",
    "RPC_SAME_IDEMPOTENCY_LEVEL": "rpc-idempotency",
    "FILE_SAME_PACKAGE": "file-package",
    "FILE_SAME_SYNTAX": "file-syntax",
}

# mapcheck rule -> (kind, which segment of the finding's path names the element:
# 0 none, 1 the last segment, 2 the one before it).
MAPCHECK_KIND = {
    "contract-removed": ("file-deleted", 0),
    "proto-package-removed": ("package-deleted", 0),
    "type-removed": ("declaration-deleted", 1),
    "proto-service-removed": ("declaration-deleted", 1),
    "proto-extension-removed": ("declaration-deleted", 1),
    "proto-declaration-moved": ("declaration-deleted", 1),
    "proto-rpc-removed": ("rpc-deleted", 2),
    "proto-oneof-removed": ("oneof-deleted", 2),
    "proto-extension-range-removed": ("extension-range-deleted", 1),
    "proto-reserved-removed": ("reserved-deleted", 1),
    "proto-field-removed": ("field-deleted", 2),
    "proto-field-number-changed": ("field-deleted", 2),
    "enum-value-removed": ("enum-value-deleted", 2),
    "proto-field-wire-type-changed": ("field-type", 2),
    "proto-field-json-type-changed": ("field-type", 2),
    "proto-field-type-changed": ("field-type", 2),
    "proto-field-cardinality-changed": ("field-cardinality", 2),
    "proto-field-presence-changed": ("field-cardinality", 2),
    "proto-field-renamed": ("field-name", 2),
    "proto-field-json-name-changed": ("field-json-name", 2),
    "proto-field-oneof-changed": ("field-oneof", 2),
    "default-changed": ("field-default", 2),
    "proto-field-jstype-changed": ("field-jstype", 2),
    "proto-field-ctype-changed": ("field-ctype", 2),
    "proto-field-utf8-validation-changed": ("field-utf8", 2),
    "proto-required-fields-changed": ("required-fields", 1),
    "proto-enum-value-renamed": ("enum-value-name", 2),
    "proto-enum-type-changed": ("enum-type", 1),
    "proto-json-format-changed": ("json-format", 1),
    "proto-descriptor-accessor-removed": ("descriptor-accessor", 0),
    "proto-rpc-request-type-changed": ("rpc-request", 2),
    "proto-rpc-response-type-changed": ("rpc-response", 2),
    "proto-rpc-streaming-changed": ("rpc-streaming", 2),
    "proto-rpc-idempotency-changed": ("rpc-idempotency", 2),
    "proto-file-package-changed": ("file-package", 0),
    "proto-file-syntax-changed": ("file-syntax", 0),
    "proto-file-option-changed": ("file-option", 0),
    # Beyond buf: documented extras (docs/protobuf-compatibility.md).
    "proto-http-binding-changed": ("http-binding", 2),
    "proto-message-set-wire-format-changed": ("message-set-wire-format", 1),
}

# Kinds only mapcheck reports, on purpose.
DOCUMENTED_EXTRAS = {"http-binding", "message-set-wire-format"}

# Divergences explained in docs/protobuf-compatibility.md, recognized from the findings:
# - buf's PACKAGE_{ENUM,MESSAGE,SERVICE,EXTENSION}_NO_DELETE skip a package that has no declaration
#   of that kind left, so removing the last enum of a package goes unreported; mapcheck reports it.
# - buf counts the well-known files a package imports as part of the compared packages, so
#   importing `empty.proto` instead of `descriptor.proto` "deletes" descriptor.proto's messages.
LAST_OF_KIND = re.compile(r"\(it has no (message|enum|service|extension) left\)")
WELL_KNOWN_PACKAGE = 'package "google.protobuf"'


def norm(name):
    return name.lower().replace("_", "")


def segment(path, which):
    if which == 0:
        return ""
    parts = path.split(".")
    if len(parts) < which:
        return ""
    return norm(parts[-which])


def buf_element(kind, message):
    """The element a buf message is about, as mapcheck's paths name it."""
    quoted = re.findall(r'"([^"]*)"', message)
    if kind in ("file-deleted", "file-package", "file-syntax", "file-option", "package-deleted",
                "descriptor-accessor"):
        return ""
    if message.startswith("Extension ") or " with name \"" in message and message.split(" ")[0] == "Extension":
        # Extensions are known by full name: `Extension "100" with name "acme.v1.note" on message ...`.
        m = re.search(r'with name "([^"]+)"', message) or re.search(r'to "([^"]+)"', message)
        if m:
            return segment(m.group(1), 2)
    if kind == "declaration-deleted":
        m = re.search(r'(?:message|enum|service|extension) "([^"]+)"', message)
        return segment(m.group(1), 1) if m else ""
    for pattern in (r'on (?:message|enum|service) "([^"]+)"', r'^(?:Message|Enum) "([^"]+)"'):
        m = re.search(pattern, message)
        if m:
            return segment(m.group(1).lstrip("."), 1)
    return norm(quoted[-1]) if quoted else ""


def strip_dir(file, *dirs):
    for d in dirs:
        prefix = d.rstrip("/") + "/"
        if file.startswith(prefix):
            return file[len(prefix):]
    return file


def buf_categories(buf):
    out = subprocess.run([buf, "config", "ls-breaking-rules", "--version", "v2", "--format", "json"],
                         capture_output=True, text=True, check=True).stdout
    cats = {}
    for line in out.splitlines():
        if line.strip():
            rule = json.loads(line)
            cats[rule["id"]] = set(rule.get("categories", []))
    return cats


def run_buf(buf, pair, configured=False):
    if configured:
        command = [buf, "breaking", ".", "--against", "../old", "--error-format", "json"]
    else:
        config = json.dumps({"version": "v2", "breaking": {"use": ["FILE", "PACKAGE", "WIRE_JSON", "WIRE"]}})
        command = [buf, "breaking", ".", "--against", "../old", "--config", config,
                   "--against-config", '{"version":"v2"}', "--error-format", "json"]
    proc = subprocess.run(command, cwd=os.path.join(pair, "new"), capture_output=True, text=True)
    if proc.returncode not in (0, 100):
        return None, proc.stderr.strip() or proc.stdout.strip()
    found = []
    for line in proc.stdout.splitlines():
        if line.strip():
            found.append(json.loads(line))
    # buf reports files it cannot compile as COMPILE annotations: such a pair compares nothing.
    broken = [f for f in found if f.get("type") == "COMPILE"]
    if broken:
        return None, "; ".join(f"{f.get('path')}:{f.get('start_line')}: {f.get('message')}" for f in broken)
    return found, None


def run_mapcheck(mapcheck, pair, level):
    level_args = ["--proto-level", level] if level else []
    proc = subprocess.run([mapcheck, "diff", "old", "new", *level_args, "--format", "json"],
                          cwd=pair, capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        return None, proc.stderr.strip() or proc.stdout.strip()
    return json.loads(proc.stdout)["findings"], None


def normalize_buf(found, categories, level):
    out = set()
    for f in found:
        rule = f.get("type", "")
        if level and LEVELS[level] not in categories.get(rule, ()):
            continue
        if WELL_KNOWN_PACKAGE in f.get("message", ""):
            continue
        kind = BUF_KIND.get(rule, "file-option" if rule.startswith("FILE_SAME_") else rule)
        out.add((f.get("path", ""), buf_element(kind, f.get("message", "")), kind))
    return out


def normalize_mapcheck(found):
    out, documented = set(), set()
    for f in found:
        if f.get("severity") == "info":
            continue
        kind, which = MAPCHECK_KIND.get(f["rule"], (f["rule"], 0))
        loc = f.get("location") or f.get("old_location") or {}
        file = loc.get("file", "")
        # What buf reports against a file that no longer exists carries no file name.
        file = "" if file.startswith("old/") else strip_dir(file, "new")
        key = (file, segment(f.get("path", ""), which), kind)
        if kind in DOCUMENTED_EXTRAS or LAST_OF_KIND.search(f.get("message", "")):
            documented.add(key)
        else:
            out.add(key)
    return out, documented


def compare_pair(args, categories, pair):
    result = {"pair": os.path.basename(pair), "levels": {}}
    found, error = run_buf(args.buf, pair, args.configured)
    if error is not None:
        result["buf_error"] = error
        return result
    for level in ([None] if args.configured else LEVELS):
        theirs = normalize_buf(found, categories, level)
        mine_raw, error = run_mapcheck(args.mapcheck, pair, level)
        if error is not None:
            result["mapcheck_error"] = error
            return result
        mine, documented = normalize_mapcheck(mine_raw)
        result["levels"][level] = {
            "buf": sorted(map(list, theirs)),
            "missed": sorted(map(list, theirs - mine - documented)),
            "extra": sorted(map(list, mine - theirs)),
            "documented_extra": sorted(map(list, documented - theirs)),
        }
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--buf", required=True)
    parser.add_argument("--mapcheck", required=True)
    parser.add_argument("--json", help="write the full report here")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--configured", action="store_true",
                        help="each pair's buf.yaml decides the rules (no --proto-level)")
    parser.add_argument("pairs")
    args = parser.parse_args()
    args.mapcheck = os.path.abspath(args.mapcheck)
    categories = buf_categories(args.buf)
    pairs = sorted(os.path.join(args.pairs, p) for p in os.listdir(args.pairs)
                   if os.path.isdir(os.path.join(args.pairs, p, "old")))
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda p: compare_pair(args, categories, p), pairs))

    summary = {level: {"agree": 0, "missed": 0, "extra": 0, "documented_extra": 0, "buf_findings": 0}
               for level in ([None] if args.configured else LEVELS)}
    problems = []
    skipped = []
    for r in results:
        if "buf_error" in r or "mapcheck_error" in r:
            skipped.append(r)
            continue
        for level, v in r["levels"].items():
            s = summary[level]
            s["buf_findings"] += len(v["buf"])
            extra = v["extra"]
            s["documented_extra"] += len(v["documented_extra"])
            s["missed"] += len(v["missed"])
            s["extra"] += len(extra)
            if v["missed"] or extra:
                problems.append((r["pair"], level, v["missed"], extra))
            else:
                s["agree"] += 1
    compared = len(results) - len(skipped)
    print(f"pairs: {len(results)} compared: {compared} skipped (a tool refused the input): {len(skipped)}")
    for level, s in summary.items():
        print(f"  {level or 'buf.yaml':9} agree {s['agree']}/{compared} pairs, buf findings {s['buf_findings']}, "
              f"missed {s['missed']}, unexplained extra {s['extra']}, documented extra {s['documented_extra']}")
    for pair, level, missed, extra in problems[:60]:
        print(f"DIVERGENCE {pair} [{level}] missed={missed} extra={extra}")
    for r in skipped[:20]:
        print(f"SKIPPED {r['pair']}: buf: {r.get('buf_error', '')[:300]} mapcheck: {r.get('mapcheck_error', '')[:300]}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"pairs": len(results), "compared": compared, "skipped": len(skipped),
                       "summary": summary, "results": results}, f, indent=1)
    # Inputs buf refuses are not comparisons; inputs only mapcheck refuses are failures.
    only_mapcheck_refused = [r for r in skipped if "mapcheck_error" in r]
    sys.exit(1 if problems or only_mapcheck_refused or compared == 0 else 0)


if __name__ == "__main__":
    main()
