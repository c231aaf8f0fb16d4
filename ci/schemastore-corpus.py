#!/usr/bin/env python3
"""Checks that mapcheck loads and self-diffs every JSON Schema of the SchemaStore corpus.

    python3 ci/schemastore-corpus.py                          # the whole corpus
    python3 ci/schemastore-corpus.py --limit 50 --jobs 2      # the first 50 files (name order)
    python3 ci/schemastore-corpus.py --report out.json        # also write every result as JSON

The corpus is SchemaStore's `src/schemas/json/` (about 950 JSON Schemas, drafts 04 to 2020-12;
/work/shared/corpora/README.md); --corpus names another folder of `*.json` schemas. Every file is
read `--as jsonschema` (17 of them have no `$schema`, and format detection refuses those), with
`--root` set to the corpus folder.

For every file:
  lint      `mapcheck lint FILE --format json` must not fault. Each `unresolved-ref` finding is
            checked here, independently of mapcheck, against the JSON Schema rules: the `$ref` is
            resolved against the base URI in effect where it stands (the file's location, then every
            `$id`, or `id` in draft-04, on the way down, nested ones included; in drafts 04-07 an
            `$id` beside a `$ref` is ignored, but for the root's), to a resource of this file or of another corpus file
            (known by its file path or by its `$id`/`id`), then its fragment is followed as a JSON
            pointer (percent-decoded, `~0`/`~1` unescaped) from that resource, or looked up as an
            anchor (`$anchor`/`$dynamicAnchor` in 2019-09 and later, `$id: "#name"` in drafts 06-07,
            `id: "#name"` in draft-04). A target that exists makes the finding a `mapcheck-fault`
            (a failure); one that does not is `genuinely-unresolved` (the schema is broken: listed,
            not a failure), and so is a target outside the corpus (a remote URL mapcheck reported as
            unresolved rather than as `remote-ref`). `parse-error` findings are counted and listed.
            Other lint rules (`remote-ref`, `invalid-schema`, ...) are counted only; a `remote-ref`
            whose URL is the `$id` of a corpus file is listed (it could load, but is no failure).
  self      `mapcheck diff FILE FILE --mode full --format json` reports nothing and exits 0.
Every run is timed; a run over 20 s, a timeout (60 s), an exit status other than 0 or 1 (2 for a
lint that reports a parse-error), or a panic on stderr is a failure. The script prints each failing
file (its first 3 problems), the genuinely unresolved refs, the parse errors, the slowest files and
a summary; it exits 1 when an invariant fails and 2 when it could not run.
"""

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from pathlib import Path

SLOW_SECONDS = 20.0
PANIC = re.compile(r"panicked at|RUST_BACKTRACE")
REF_IN_MESSAGE = re.compile(r"^`\$ref: (.*?)`(?::|\s)")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")

# Keywords whose value is a schema, an array of schemas, or a map of schemas (any draft).
SCHEMA_ONE = {
    "additionalItems", "additionalProperties", "contains", "contentSchema", "else", "if", "items",
    "not", "propertyNames", "then", "unevaluatedItems", "unevaluatedProperties",
}
SCHEMA_LIST = {"allOf", "anyOf", "oneOf", "prefixItems", "items", "additionalItems"}
SCHEMA_MAP = {"$defs", "definitions", "dependencies", "dependentSchemas", "patternProperties", "properties"}


# ---------------------------------------------------------------------------------------------
# URIs
# ---------------------------------------------------------------------------------------------


def defrag(uri):
    """(uri without fragment, fragment or '')."""
    head, _, fragment = uri.partition("#")
    return head, fragment


def join(base, ref):
    """The absolute URI of ref read against base (RFC 3986), or None when base cannot take a
    relative reference (a `urn:` base and a ref with a path)."""
    if SCHEME.match(ref):
        return ref
    if ref.startswith("#"):
        return defrag(base)[0] + ref
    if urllib.parse.urlsplit(base).scheme in ("http", "https", "file", ""):
        return urllib.parse.urljoin(base, ref)
    return None


def draft_of(schema):
    """4, 6, 7, 2019, 2020, or None (no or unknown `$schema`)."""
    uri = schema.get("$schema") if isinstance(schema, dict) else None
    if not isinstance(uri, str):
        return None
    for mark, draft in (("draft-03", 4), ("draft-04", 4), ("draft-06", 6), ("draft-07", 7),
                        ("2019-09", 2019), ("2020-12", 2020)):
        if mark in uri:
            return draft
    return None


# ---------------------------------------------------------------------------------------------
# Documents: resources ($id), anchors and base URIs
# ---------------------------------------------------------------------------------------------


class Document:
    """One corpus file: its JSON, and what its identifiers declare, walked as a schema."""

    def __init__(self, path, data):
        self.path = path
        self.data = data
        self.uri = path.resolve().as_uri()
        self.draft = draft_of(data)
        self.resources = {}   # absolute URI (no fragment) -> (node, how it was named)
        self.anchors = {}     # (absolute URI, name) -> (node, how it was named)
        self.bases = {}       # id(schema object) -> base URI in effect inside it
        self.id_key = "id" if self.draft == 4 else "$id"
        self._walk()

    def _walk(self):
        stack = [(self.data, self.uri)]
        while stack:
            node, base = stack.pop()
            if not isinstance(node, dict):
                continue
            # Drafts 04-07: an `$id` beside `$ref` is ignored, except the root's (79 SchemaStore
            # files name themselves beside a root `$ref`, and validators honour that name). The
            # subschemas beside a `$ref` are walked all the same (`"definitions"` beside it).
            ref_only = self.draft is not None and self.draft <= 7 and "$ref" in node and node is not self.data
            ident = node.get(self.id_key)
            if isinstance(ident, str) and not ref_only:
                absolute = join(base, ident)
                if absolute is not None:
                    uri, fragment = defrag(absolute)
                    how = "draft-04 `id`" if self.id_key == "id" else "`$id`"
                    if not ident.startswith("#"):  # a URI: a new base, and a resource named by it
                        base = uri
                        self.resources.setdefault(uri, (node, how))
                    # A plain-name fragment (`"#name"`) is an anchor in drafts 04-07 (tolerated
                    # without `$schema`); 2019-09 and later use `$anchor` instead.
                    if fragment and not fragment.startswith("/") and (self.draft is None or self.draft <= 7):
                        self.anchors.setdefault((base, urllib.parse.unquote(fragment)), (node, how + ' "#name"'))
            if self.draft is None or self.draft >= 2019:
                for key in ("$anchor", "$dynamicAnchor"):
                    if isinstance(node.get(key), str):
                        self.anchors.setdefault((base, node[key]), (node, "`" + key + "`"))
            self.bases[id(node)] = base
            for key, value in node.items():
                if key in SCHEMA_MAP and isinstance(value, dict):
                    stack.extend((v, base) for v in value.values() if isinstance(v, dict))
                elif key in SCHEMA_LIST and isinstance(value, list):
                    stack.extend((v, base) for v in value if isinstance(v, dict))
                elif key in SCHEMA_ONE and isinstance(value, dict):
                    stack.append((value, base))
        self.resources.setdefault(self.uri, (self.data, "file path"))

    def trail(self, pointer):
        """The nodes from the root down to the node at a JSON pointer (shorter when it breaks off)."""
        nodes = [self.data]
        for token in pointer_tokens(pointer):
            node = step(nodes[-1], token)
            if node is MISSING:
                break
            nodes.append(node)
        return nodes

    def base_at(self, pointer):
        """The base URI in effect for the member at pointer (the innermost schema object above)."""
        for node in reversed(self.trail(pointer)[:-1] or [self.data]):
            if id(node) in self.bases:
                return self.bases[id(node)]
        return self.uri


MISSING = object()


def pointer_tokens(pointer):
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def step(node, token):
    if isinstance(node, dict):
        return node.get(token, MISSING)
    if isinstance(node, list) and re.fullmatch(r"0|[1-9][0-9]*", token) and int(token) < len(node):
        return node[int(token)]
    return MISSING


class Corpus:
    """Every corpus file, parsed and indexed once (lazily), and the identifiers they declare."""

    def __init__(self, root, files):
        self.root = root
        self.files = files
        self.lock = threading.Lock()
        self.docs = None
        self.resources = defaultdict(list)   # URI -> [(Document, node, how)]
        self.anchors = defaultdict(list)     # (URI, name) -> [(Document, node, how)]
        self.unparsable = {}                 # path -> reason

    def load(self):
        with self.lock:
            if self.docs is not None:
                return
            docs = {}
            for path in self.files:
                try:
                    with open(path, encoding="utf-8-sig") as handle:
                        data = json.load(handle)
                except (OSError, ValueError) as error:
                    self.unparsable[path.resolve()] = str(error)
                    continue
                doc = Document(path, data)
                docs[path.resolve()] = doc
                for uri, (node, how) in doc.resources.items():
                    self.resources[uri].append((doc, node, how))
                for key, (node, how) in doc.anchors.items():
                    self.anchors[key].append((doc, node, how))
            self.docs = docs

    def doc(self, path):
        self.load()
        return self.docs.get(Path(path).resolve())

    def resource(self, uri, prefer):
        """(Document, node, how) of the resource named uri, this document's own first; else None."""
        if uri in prefer.resources:
            node, how = prefer.resources[uri]
            return prefer, node, how
        parts = urllib.parse.urlsplit(uri)
        if parts.scheme == "file":
            doc = self.docs.get(Path(urllib.parse.unquote(parts.path)).resolve())
            if doc is not None:
                return doc, doc.data, "file path"
        found = self.resources.get(uri)
        return found[0] if found else None


def classify(corpus, doc, finding):
    """Resolves the `$ref` of an unresolved-ref finding per the JSON Schema rules.

    Returns a dict: ref, class (`mapcheck-fault` or `genuinely-unresolved`), cause (a short
    description of what the resolution needed, or of why it fails), target (absolute URI)."""
    location = finding.get("location") or {}
    pointer = location.get("pointer") or ""
    match = REF_IN_MESSAGE.match(finding.get("message", ""))
    ref = match.group(1) if match else None
    holder_pointer = pointer[: pointer.rfind("/")] if pointer.endswith("/$ref") else pointer
    at = doc.trail(pointer)
    if len(at) == len(pointer_tokens(pointer)) + 1 and isinstance(at[-1], str):
        ref = at[-1]  # the document's own value beats the message's rendering of it
    result = {"ref": ref, "pointer": pointer, "class": "genuinely-unresolved", "cause": "", "target": None}
    if ref is None:
        result["cause"] = "no $ref found in the message or at the finding's pointer"
        return result
    base = doc.base_at(pointer if pointer.endswith("/$ref") else holder_pointer + "/$ref")
    absolute = join(base, ref)
    if absolute is None:
        result["cause"] = f"relative ref against a non-hierarchical base {base}"
        return result
    result["target"] = absolute
    uri, fragment = defrag(absolute)
    traits = []
    how = "draft-04 `id`" if doc.id_key == "id" else "`$id`"
    if base != doc.bases.get(id(doc.data), doc.uri):
        traits.append(f"base set by a nested {how}")
    elif base != doc.uri and not ref.startswith("#") and not SCHEME.match(ref):
        traits.append(f"relative to the root {how}")
    found = corpus.resource(uri, doc)
    if found is None:
        parts = urllib.parse.urlsplit(uri)
        if parts.scheme == "file":
            result["cause"] = f"no file {Path(urllib.parse.unquote(parts.path)).name} in the corpus"
        else:
            hint = ""
            name = parts.path.rsplit("/", 1)[-1]
            for candidate in (name, name + ".json"):
                if candidate and (corpus.root / candidate).is_file():
                    hint = f" (a corpus file {candidate} exists, but its identifier is not this URI)"
                    break
            result["cause"] = f"target {uri} is outside the corpus (remote, not a corpus identifier){hint}"
        return result
    target_doc, resource, how = found
    if target_doc is not doc:
        traits.append("other file, named by its identifier" if how != "file path" else "other file, by relative path")
    elif resource is not doc.data:
        traits.append(f"target is a nested resource (named by {how})")
    if fragment == "":
        node = resource
    elif fragment.startswith("/") or fragment.startswith("%2F") or fragment.startswith("%2f"):
        decoded = urllib.parse.unquote(fragment)
        if decoded != fragment:
            traits.append("percent-encoded pointer")
        if "~0" in decoded or "~1" in decoded:
            traits.append("pointer with ~0/~1 escapes")
        node = resource
        for token in pointer_tokens(decoded):
            node = step(node, token)
            if node is MISSING:
                break
        if node is MISSING:
            from_root = MISSING
            if resource is not target_doc.data:
                from_root = target_doc.data
                for token in pointer_tokens(decoded):
                    from_root = step(from_root, token)
                    if from_root is MISSING:
                        break
            hint = " (it exists from the document root: the author ignored the nested identifier)" if from_root is not MISSING else ""
            result["cause"] = f"nothing at {decoded} in {uri}{hint}"
            return result
        if isinstance(node, dict) and id(node) not in target_doc.bases:
            traits.append("target not in a schema position")
    else:
        name = urllib.parse.unquote(fragment)
        hit = target_doc.anchors.get((uri, name)) or next(iter(corpus.anchors.get((uri, name), [])), None)
        if hit is None:
            result["cause"] = f"no anchor `{name}` in {uri}"
            return result
        node, anchor_how = hit[-2], hit[-1]
        traits.append(f"anchor via {anchor_how}")
    result["class"] = "mapcheck-fault"
    result["cause"] = " + ".join(t for t in traits if t) or "plain same-document pointer"
    result["target_file"] = target_doc.path.name
    return result


# ---------------------------------------------------------------------------------------------
# Running mapcheck
# ---------------------------------------------------------------------------------------------


def run(args, argv):
    """(seconds, exit code or 'timeout', parsed JSON or None, stderr)."""
    command = [args.mapcheck, *argv, "--format", "json", "--root", str(args.corpus)]
    if not args.detect:
        command += ["--as", "jsonschema"]
    for attempt in range(5):
        start = time.monotonic()
        try:
            proc = subprocess.run(command, capture_output=True, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            return args.timeout, "timeout", None, ""
        except OSError as error:  # the binary is being rebuilt ("text file busy", missing)
            if attempt == 4:
                return 0.0, "oserror", None, str(error)
            time.sleep(3)
            continue
        seconds = time.monotonic() - start
        try:
            report = json.loads(proc.stdout)
        except ValueError:
            report = None
        return seconds, proc.returncode, report, proc.stderr.decode("utf-8", "replace")
    raise AssertionError("unreachable")


def check_file(args, corpus, path):
    """Everything about one file, as a dict."""
    name = path.relative_to(args.corpus).as_posix()
    out = {"file": name, "problems": [], "refs": [], "parse_errors": [], "other_lint": Counter(), "remote_in_corpus": [],
           "self_findings": []}

    def problem(rule, message):
        out["problems"].append((rule, message))

    seconds, code, report, stderr = run(args, ["lint", str(path), "--fail-on", "never"])
    out["lint_seconds"] = seconds
    findings = report.get("findings", []) if isinstance(report, dict) else []
    parse_errors = [f for f in findings if f.get("rule") == "parse-error"]
    if code == "timeout":
        problem("lint-timeout", f"no answer in {args.timeout:.0f} s")
    elif code == "oserror":
        problem("lint-crash", f"could not run mapcheck: {stderr}")
    elif PANIC.search(stderr):
        problem("lint-crash", f"exit {code}, panic: {tail(stderr)}")
    elif report is None or (code not in (0, 1) and not (code == 2 and parse_errors)):
        problem("lint-crash", f"exit {code}: {tail(stderr) or 'no JSON on stdout'}")
    elif seconds > SLOW_SECONDS:
        problem("lint-slow", f"{seconds:.1f} s")
    doc = None
    for finding in findings:
        rule = finding.get("rule")
        if rule == "parse-error":
            loc = finding.get("location") or {}
            out["parse_errors"].append(f"{loc.get('line')}:{loc.get('col')}: {finding.get('message')}")
        elif rule == "unresolved-ref":
            if doc is None:
                doc = corpus.doc(path)
            if doc is None:
                verdict = {"ref": None, "pointer": (finding.get("location") or {}).get("pointer"),
                           "class": "genuinely-unresolved", "cause": "the file is not valid JSON", "target": None}
            else:
                verdict = classify(corpus, doc, finding)
            verdict["message"] = finding.get("message")
            out["refs"].append(verdict)
            if verdict["class"] == "mapcheck-fault":
                problem("unresolved-ref", f"{verdict['ref']} at {verdict['pointer']} exists ({verdict['cause']}): {finding.get('message')}")
        else:
            out["other_lint"][rule] += 1
            if rule == "remote-ref":
                if doc is None:
                    doc = corpus.doc(path)
                verdict = classify(corpus, doc, finding) if doc is not None else None
                if verdict and verdict["class"] == "mapcheck-fault":
                    out["remote_in_corpus"].append(verdict)
    out["lint_ok"] = not out["problems"]

    if parse_errors:
        out["self"] = "skipped"
        return out
    seconds, code, report, stderr = run(args, ["diff", str(path), str(path), "--mode", "full"])
    out["self_seconds"] = seconds
    before = len(out["problems"])
    if code == "timeout":
        problem("self-timeout", f"no answer in {args.timeout:.0f} s")
    elif code == "oserror":
        problem("self-crash", f"could not run mapcheck: {stderr}")
    elif PANIC.search(stderr) or code not in (0, 1) or report is None:
        problem("self-crash", f"exit {code}: {tail(stderr) or 'no JSON on stdout'}")
    else:
        for finding in report.get("findings", []):
            out["self_findings"].append({
                "rule": finding.get("rule"),
                "severity": finding.get("severity"),
                "path": finding.get("path"),
                "pointer": (finding.get("location") or {}).get("pointer"),
                "message": finding.get("message"),
            })
            problem(f"self/{finding.get('rule')}", f"{finding.get('path') or (finding.get('location') or {}).get('pointer')}: {finding.get('message')}")
        if code != 0:
            problem("self-exit", f"exit {code} (expected 0)")
        if seconds > SLOW_SECONDS:
            problem("self-slow", f"{seconds:.1f} s")
    out["self"] = "ok" if len(out["problems"]) == before else "fail"
    return out


def tail(text, limit=300):
    text = " ".join(text.strip().split())
    return text if len(text) <= limit else "..." + text[-limit:]


def shorten(text, limit=240):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def main():
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path.home() / ".cache/mapcheck-target"))
    default_bin = next((p for p in (target / "release/mapcheck", target / "debug/mapcheck") if p.is_file()),
                       target / "release/mapcheck")
    default_corpus = Path(os.environ.get("MAPCHECK_SCHEMASTORE", "/work/shared/corpora/schemastore"))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mapcheck", default=str(default_bin), metavar="BIN",
                        help="the mapcheck binary (default: the release build, else the debug one)")
    parser.add_argument("--corpus", type=Path, default=default_corpus, metavar="DIR",
                        help="folder of JSON Schemas (default: $MAPCHECK_SCHEMASTORE or %(default)s)")
    parser.add_argument("--limit", type=int, metavar="N", help="check only the first N files (name order)")
    parser.add_argument("--match", help="only files whose name contains this text")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, metavar="N")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per mapcheck run (default 60)")
    parser.add_argument("--detect", action="store_true",
                        help="let mapcheck detect the format instead of passing --as jsonschema")
    parser.add_argument("--report", type=Path, metavar="FILE", help="also write every result into this JSON file")
    args = parser.parse_args()
    if not Path(args.mapcheck).is_file():
        print(f"schemastore-corpus: no mapcheck binary at {args.mapcheck} (build it, or pass --mapcheck)", file=sys.stderr)
        return 2
    if not args.corpus.is_dir():
        print(f"schemastore-corpus: no corpus folder {args.corpus} (pass --corpus)", file=sys.stderr)
        return 2
    args.corpus = args.corpus.resolve()
    every = sorted(p for p in args.corpus.rglob("*.json") if p.is_file())
    files = [p for p in every if not args.match or args.match in p.relative_to(args.corpus).as_posix()]
    if args.limit is not None:
        files = files[: args.limit]
    if not files:
        print(f"schemastore-corpus: no *.json files under {args.corpus}", file=sys.stderr)
        return 2
    corpus = Corpus(args.corpus, every)  # every file: refs may lead to ones outside --limit

    started = time.monotonic()
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for result in pool.map(lambda p: check_file(args, corpus, p), files):
            results.append(result)
    elapsed = time.monotonic() - started

    # Failures, file by file.
    failing = [r for r in results if r["problems"]]
    for r in failing:
        print(f"FAIL {r['file']}:")
        for rule, message in r["problems"][:3]:
            print(f"    {rule}: {shorten(message)}")
        if len(r["problems"]) > 3:
            print(f"    (+{len(r['problems']) - 3} more)")

    genuine = [(r["file"], v) for r in results for v in r["refs"] if v["class"] == "genuinely-unresolved"]
    if genuine:
        print(f"\ngenuinely unresolved refs (the schemas are broken; not failures): {len(genuine)}")
        for file, v in genuine:
            print(f"    {file} {v['pointer']}: {v['ref']}: {shorten(v['cause'], 200)}")
    parse = [(r["file"], m) for r in results for m in r["parse_errors"]]
    if parse:
        print(f"\nparse errors (files mapcheck cannot parse): {len(parse)}")
        for file, message in parse:
            print(f"    {file}:{shorten(message, 200)}")

    remote = [(r["file"], v) for r in results for v in r["remote_in_corpus"]]
    if remote:
        print(f"\nremote-ref findings whose URL names a corpus file (by its identifier; not failures): {len(remote)}")
        for file, v in remote:
            print(f"    {file} {v['pointer']}: {v['ref']} -> {v['target_file']}")

    faults = [(r["file"], v) for r in results for v in r["refs"] if v["class"] == "mapcheck-fault"]
    if faults:
        print("\nmapcheck-fault refs by cause:")
        by_cause = defaultdict(list)
        for file, v in faults:
            by_cause[v["cause"]].append((file, v))
        for cause, items in sorted(by_cause.items(), key=lambda kv: -len(kv[1])):
            files_hit = sorted({f for f, _ in items})
            print(f"  {len(items):4} refs, {len(files_hit)} files: {cause}")
            for file, v in items[:3]:
                print(f"         {file} {v['pointer']}: {v['ref']}")

    print("\nslowest files (self-diff seconds, lint seconds, MB):")
    timed = sorted(results, key=lambda r: -(r.get("self_seconds") or 0))[:10]
    for r in timed:
        mb = (args.corpus / r["file"]).stat().st_size / 1e6
        print(f"  {r.get('self_seconds') or 0:7.2f} s {r['lint_seconds']:7.2f} s {mb:6.2f} MB  {r['file']}")

    other = Counter()
    for r in results:
        other.update(r["other_lint"])
    kinds = Counter(rule.split(":")[0] for r in results for rule, _ in r["problems"])
    crashes = sum(kinds[k] for k in ("lint-crash", "self-crash"))
    timeouts = sum(kinds[k] for k in ("lint-timeout", "self-timeout"))
    slow = sum(kinds[k] for k in ("lint-slow", "self-slow"))
    self_findings = sum(len(r["self_findings"]) for r in results)
    rows = [
        ("files", len(results)),
        ("lint ok", sum(r["lint_ok"] for r in results)),
        ("unresolved-ref: mapcheck-fault", len(faults)),
        ("unresolved-ref: genuinely unresolved", len(genuine)),
        ("parse errors", len(parse)),
        ("remote-ref naming a corpus file (info)", len(remote)),
        ("self-diff ok", sum(r["self"] == "ok" for r in results)),
        ("self-diff skipped (parse error)", sum(r["self"] == "skipped" for r in results)),
        ("self-diff findings", f"{self_findings} in {sum(bool(r['self_findings']) for r in results)} files"),
        ("self-diff exit not 0", kinds["self-exit"]),
        ("crashes", crashes),
        ("timeouts", timeouts),
        (f"runs over {SLOW_SECONDS:.0f} s", slow),
        ("failing files", len(failing)),
    ]
    print(f"\n{len(results)} files, {elapsed:.0f} s, {args.jobs} jobs, {args.mapcheck}")
    for label, value in rows:
        print(f"  {label:<40} {value:>10}")
    if other:
        print("  other lint findings (counted only): " + ", ".join(f"{k} {v}" for k, v in other.most_common()))

    if args.report:
        for r in results:
            r["other_lint"] = dict(r["other_lint"])
        args.report.write_text(json.dumps({"elapsed": elapsed, "results": results}, indent=1), encoding="utf-8")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
