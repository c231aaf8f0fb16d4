#!/usr/bin/env python3
"""Differential test: mapcheck's Avro schema resolution against the Apache Avro reference checker.

A seeded generator writes random writer schemas (nested records, unions, enums with and without
defaults, fixed types, arrays, maps, logical types, recursion, namespaces) and derives a reader from
each by random edits (promotions, added and removed fields with and without defaults, renamed
fields and types with and without aliases, enum symbols, fixed sizes, union branches, logical
types, ...). For each pair it asks the reference checker of the `avro` Python package
(`ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)`) and mapcheck
(`mapcheck diff writer.avsc reader.avsc --mode backward --format json`, and the same question as
`--mode forward` with the files swapped) whether the reader reads the writer's data, and compares.

Where the Avro specification and the reference checker disagree, mapcheck follows the
specification. Each such case is a named divergence below (see docs/avro-compatibility.md): the
script applies the specification's reading to the reader schema, asks the reference checker again,
and expects mapcheck to give that answer. Every pair is checked; a pair whose verdict differs only
because of a known divergence is counted under that divergence's name, never skipped.

    python3 ci/avro-differential/generate_and_check.py --mapcheck target/debug/mapcheck
    python3 ci/avro-differential/generate_and_check.py --mapcheck BIN --pairs 5000 --seed 7 --keep out/

Exit status: 0 when every verdict matches (the reference's, or the specification's for a known
divergence), 1 otherwise, 2 on a usage or environment problem.
"""

import argparse
import copy
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import warnings
from concurrent.futures import ThreadPoolExecutor

try:
    import avro.schema
    from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType
except ImportError:  # pragma: no cover - reported to the caller
    print("the Python package `avro` is not installed (python3 -m pip install avro==1.12.2)", file=sys.stderr)
    sys.exit(2)

# The reference implementation warns about logical types it ignores; so does the generator's output on purpose.
warnings.simplefilter("ignore")

PRIMITIVES = ["boolean", "int", "long", "float", "double", "bytes", "string"]
# What a reader of the key type reads, besides itself (the specification's promotions).
READS = {
    "long": {"int"},
    "float": {"int", "long"},
    "double": {"int", "long", "float"},
    "bytes": {"string"},
    "string": {"bytes"},
}
NAMESPACES = [None, "com.acme", "com.acme.events", "org.example.v2"]
LOGICAL_ON = {
    "int": ["date", "time-millis"],
    "long": ["timestamp-millis", "timestamp-micros", "local-timestamp-millis", "time-micros", "timestamp-nanos"],
    "string": ["uuid"],
}


# ---------------------------------------------------------------------------------------------
# Names


def full_name(node, enclosing):
    """The full name a record/enum/fixed declaration declares, and its namespace."""
    name = node["name"]
    if "." in name:
        return name, name.rsplit(".", 1)[0]
    ns = node.get("namespace", enclosing)
    if ns == "":
        ns = None
    return (f"{ns}.{name}" if ns else name), ns


def reference(full, enclosing):
    """How to refer to `full` from a context whose namespace is `enclosing` (None when it cannot)."""
    if "." in full:
        return full
    return full if not enclosing else None


# ---------------------------------------------------------------------------------------------
# Writer schemas


class Generator:
    def __init__(self, rng):
        self.rng = rng
        self.counter = 0
        # full name -> (kind, namespace); in declaration order, so references only look back.
        self.declared = {}
        # full name -> declaration, for defaults that refer to a named type.
        self.nodes = {}

    def fresh(self, prefix):
        self.counter += 1
        return f"{prefix}{self.counter}"

    def visible(self, enclosing, kinds=("record", "enum", "fixed")):
        out = []
        for full, (kind, _ns) in self.declared.items():
            ref = reference(full, enclosing)
            if kind in kinds and ref is not None:
                out.append(ref)
        return out

    def name_fields(self, node, prefix, enclosing):
        name = self.fresh(prefix)
        node["name"] = name
        roll = self.rng.random()
        if roll < 0.15:
            ns = self.rng.choice([n for n in NAMESPACES if n and n != enclosing] or ["x.y"])
            node["namespace"] = ns
        elif roll < 0.2 and not enclosing:
            node["name"] = f"dotted.ns.{name}"
        return full_name(node, enclosing)

    def primitive(self):
        return self.rng.choice(PRIMITIVES)

    def logical(self):
        kind = self.rng.random()
        if kind < 0.35:
            p = self.rng.randint(1, 20)
            return {"type": "bytes", "logicalType": "decimal", "precision": p, "scale": self.rng.randint(0, p)}
        base = self.rng.choice(list(LOGICAL_ON))
        return {"type": base, "logicalType": self.rng.choice(LOGICAL_ON[base])}

    def enum(self, enclosing):
        node = {"type": "enum"}
        full, ns = self.name_fields(node, "E", enclosing)
        symbols = [f"S{i}" for i in range(self.rng.randint(1, 5))]
        node["symbols"] = symbols
        if self.rng.random() < 0.4:
            node["default"] = self.rng.choice(symbols)
        if self.rng.random() < 0.1:
            node["aliases"] = [self.fresh("OldE")]
        self.declared[full] = ("enum", ns)
        return node

    def fixed(self, enclosing):
        node = {"type": "fixed"}
        full, ns = self.name_fields(node, "F", enclosing)
        node["size"] = self.rng.choice([1, 4, 8, 12, 16])
        if self.rng.random() < 0.25 and node["size"] >= 4:
            node["logicalType"] = "decimal"
            node["precision"] = self.rng.randint(1, 9)
            node["scale"] = self.rng.randint(0, node["precision"])
        self.declared[full] = ("fixed", ns)
        return node

    def record(self, enclosing, depth, parents, top=False):
        node = {"type": "record"}
        if top:
            node["name"] = self.fresh("R")
            ns = self.rng.choice(NAMESPACES)
            if ns:
                node["namespace"] = ns
            full, ns = full_name(node, None)
        else:
            full, ns = self.name_fields(node, "R", enclosing)
        self.declared[full] = ("record", ns)
        fields = []
        for i in range(self.rng.randint(1 if depth else 2, 6 if depth < 2 else 3)):
            ty = self.type(ns, depth + 1, parents + [full])
            field = {"name": f"f{i}_{self.fresh('')}", "type": ty}
            if self.rng.random() < 0.4:
                default = default_for(ty, self.nodes, 0)
                if default is not NO_DEFAULT:
                    field["default"] = default
            if self.rng.random() < 0.08:
                field["aliases"] = [self.fresh("old_f")]
            fields.append(field)
        # Recursion: a link back to this record or an enclosing one.
        if self.rng.random() < 0.2:
            target = reference(self.rng.choice(parents + [full]), ns)
            if target is not None:
                if self.rng.random() < 0.5:
                    fields.append({"name": self.fresh("next"), "type": ["null", target], "default": None})
                else:
                    fields.append(
                        {"name": self.fresh("children"), "type": {"type": "array", "items": target}, "default": []}
                    )
        node["fields"] = fields
        return node

    def type(self, enclosing, depth, parents, in_union=False):
        r = self.rng.random()
        if r < 0.30:
            return self.primitive()
        if r < 0.38:
            return self.logical()
        if r < 0.48:
            node = self.enum(enclosing)
            self.nodes[full_name(node, enclosing)[0]] = node
            return node
        if r < 0.53:
            node = self.fixed(enclosing)
            self.nodes[full_name(node, enclosing)[0]] = node
            return node
        if r < 0.66 and depth < 4:
            node = self.record(enclosing, depth, parents)
            self.nodes[full_name(node, enclosing)[0]] = node
            return node
        if r < 0.74 and depth < 5:
            return {"type": "array", "items": self.type(enclosing, depth + 1, parents)}
        if r < 0.80 and depth < 5:
            return {"type": "map", "values": self.type(enclosing, depth + 1, parents)}
        if r < 0.94 and not in_union and depth < 5:
            return self.union(enclosing, depth, parents)
        refs = self.visible(enclosing)
        if refs:
            return self.rng.choice(refs)
        return self.primitive()

    def union(self, enclosing, depth, parents):
        branches = []
        keys = set()
        if self.rng.random() < 0.6:
            branches.append("null")
            keys.add("null")
        for _ in range(self.rng.randint(1, 3)):
            b = self.type(enclosing, depth + 1, parents, in_union=True)
            key = branch_key(b, enclosing)
            if key in keys:
                continue
            keys.add(key)
            branches.append(b)
        if len(branches) == 1 and branches[0] == "null":
            branches.append("string")
        if "null" in branches and self.rng.random() < 0.3:
            branches.remove("null")
            branches.append("null")
        return branches

    def writer(self):
        r = self.rng.random()
        if r < 0.9:
            return self.record(None, 0, [], top=True)
        if r < 0.95:
            return self.union(None, 1, [])
        return {"type": "array", "items": self.type(None, 2, [])}


def branch_key(b, enclosing):
    """What makes a union branch distinct: its type, or the full name of a named type."""
    if isinstance(b, str):
        if b in PRIMITIVES or b == "null":
            return b
        return b if "." in b else (f"{enclosing}.{b}" if enclosing else b)
    if isinstance(b, dict):
        t = b["type"]
        if t in ("record", "enum", "fixed"):
            return full_name(b, enclosing)[0]
        return t if isinstance(t, str) else None
    return None


# ---------------------------------------------------------------------------------------------
# Defaults


class _NoDefault:
    pass


NO_DEFAULT = _NoDefault()


def default_for(ty, nodes, depth):
    """A JSON default valid for `ty` (a union's is its first branch's), or NO_DEFAULT."""
    if depth > 6:
        return NO_DEFAULT
    if isinstance(ty, list):
        return default_for(ty[0], nodes, depth + 1) if ty else NO_DEFAULT
    if isinstance(ty, str):
        simple = {
            "null": None,
            "boolean": True,
            "int": 7,
            "long": -3,
            "float": 1.5,
            "double": 2.25,
            "bytes": "\u00ff\u0001",
            "string": "s",
        }
        if ty in simple:
            return simple[ty]
        node = nodes.get(ty) or next((n for full, n in nodes.items() if full.endswith("." + ty)), None)
        return default_for(node, nodes, depth + 1) if node is not None else NO_DEFAULT
    t = ty["type"]
    if isinstance(t, (list, dict)):
        return default_for(t, nodes, depth + 1)
    if t == "enum":
        return ty["symbols"][0]
    if t == "fixed":
        return "a" * ty["size"]
    if t == "array":
        return []
    if t == "map":
        return {}
    if t in ("record", "error"):
        out = {}
        for f in ty["fields"]:
            if "default" in f:
                continue
            v = default_for(f["type"], nodes, depth + 1)
            if v is NO_DEFAULT:
                return NO_DEFAULT
            out[f["name"]] = v
        return out
    return default_for(t, nodes, depth + 1)


def invalid_default_for(ty):
    """A default that does not fit `ty` (its first branch, for a union)."""
    if isinstance(ty, list):
        ty = ty[0]
    t = ty if isinstance(ty, str) else ty.get("type")
    if t in ("string", "bytes", "enum", "fixed"):
        return 12
    if t == "null":
        return "not null"
    return "not a number or record"


def default_is_valid(value, schema, depth=0):
    """Whether a JSON default fits a parsed schema, by the specification's rules (Avro 1.12: a union's
    default is a value of the first branch it matches; bytes and fixed are strings of code points 0-255)."""
    if depth > 64:
        return True
    t = schema.type
    if t == "null":
        return value is None
    if t == "boolean":
        return isinstance(value, bool)
    if t in ("int", "long"):
        bits = 32 if t == "int" else 64
        return (
            isinstance(value, int) and not isinstance(value, bool) and -(2 ** (bits - 1)) <= value < 2 ** (bits - 1)
        )
    if t in ("float", "double"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if t == "string":
        return isinstance(value, str)
    if t == "bytes":
        return isinstance(value, str) and all(ord(c) < 256 for c in value)
    if t == "fixed":
        return isinstance(value, str) and all(ord(c) < 256 for c in value) and len(value) == schema.size
    if t == "enum":
        return isinstance(value, str) and value in schema.symbols
    if t == "array":
        return isinstance(value, list) and all(default_is_valid(v, schema.items, depth + 1) for v in value)
    if t == "map":
        return isinstance(value, dict) and all(default_is_valid(v, schema.values, depth + 1) for v in value.values())
    if t in ("record", "error"):
        if not isinstance(value, dict):
            return False
        for f in schema.fields:
            if f.name in value:
                if not default_is_valid(value[f.name], f.type, depth + 1):
                    return False
            elif not f.has_default:
                return False
        return True
    if t == "union":
        return any(default_is_valid(value, b, depth + 1) for b in schema.schemas)
    return True


# ---------------------------------------------------------------------------------------------
# Readers: random edits of the writer


class Site:
    """A schema node in the reader tree: where it sits and the namespace around it."""

    def __init__(self, parent, key, ns, field=None):
        self.parent, self.key, self.ns, self.field = parent, key, ns, field

    @property
    def node(self):
        return self.parent[self.key]

    def replace(self, new):
        self.parent[self.key] = new


def walk(holder, key, ns, sites, field=None):
    site = Site(holder, key, ns, field)
    sites.append(site)
    node = holder[key]
    if isinstance(node, list):
        for i in range(len(node)):
            walk(node, i, ns, sites)
    elif isinstance(node, dict):
        t = node.get("type")
        if t in ("record", "error"):
            _, inner = full_name(node, ns)
            for f in node.get("fields", []):
                walk(f, "type", inner, sites, field=f)
        elif t == "array":
            walk(node, "items", ns, sites)
        elif t == "map":
            walk(node, "values", ns, sites)
        elif isinstance(t, (dict, list)):
            walk(node, "type", ns, sites)


def sites_of(root_holder, ns=None):
    sites = []
    walk(root_holder, "root", ns, sites)
    return sites


def declared_kind(site):
    node = site.node
    if isinstance(node, dict) and node.get("type") in ("record", "enum", "fixed"):
        return node["type"]
    return None


def rename_references(root_holder, old_full, new_full):
    """Points every reference to `old_full` at `new_full` (references are written as walk() sees them)."""
    for site in sites_of(root_holder):
        node = site.node
        if isinstance(node, str) and node not in PRIMITIVES and node != "null":
            full = node if "." in node else (f"{site.ns}.{node}" if site.ns else node)
            if full == old_full:
                ref = reference(new_full, site.ns)
                site.replace(ref if ref is not None else new_full)


class Mutator:
    def __init__(self, rng, gen):
        self.rng, self.gen = rng, gen

    def mutate(self, holder):
        sites = sites_of(holder)
        site = self.rng.choice(sites)
        kind = declared_kind(site)
        if kind == "record":
            return self.record(holder, site)
        if kind == "enum":
            return self.enum(holder, site)
        if kind == "fixed":
            return self.fixed(holder, site)
        return self.type_position(site)

    # records

    def record(self, holder, site):
        node = site.node
        fields = node["fields"]
        full, ns = full_name(node, site.ns)
        op = self.rng.choice(
            ["add", "add", "add_nodefault", "add_invalid", "remove", "rename_field", "rename_field_alias",
             "reorder", "rename", "rename_alias", "rename_alias_relative", "namespace", "field_alias"]
        )
        if op.startswith("add"):
            ty = self.gen.type(ns, 3, [full])
            self.gen.nodes.update(collect_named(ty, ns))
            field = {"name": self.gen.fresh("added_"), "type": ty}
            if op == "add":
                d = default_for(ty, all_nodes(holder) | collect_named(ty, ns), 0)
                if d is not NO_DEFAULT:
                    field["default"] = d
            elif op == "add_invalid":
                field["default"] = invalid_default_for(ty)
            fields.insert(self.rng.randint(0, len(fields)), field)
            return op
        if not fields:
            return None
        i = self.rng.randrange(len(fields))
        if op == "remove":
            del fields[i]
            return op
        if op in ("rename_field", "rename_field_alias"):
            old = fields[i]["name"]
            fields[i]["name"] = self.gen.fresh("renamed_")
            if op == "rename_field_alias":
                fields[i]["aliases"] = [old] + fields[i].get("aliases", [])
            return op
        if op == "field_alias":
            fields[i].setdefault("aliases", []).append(self.gen.fresh("al_"))
            return op
        if op == "reorder":
            self.rng.shuffle(fields)
            return op
        return self.rename(holder, site, op)

    def rename(self, holder, site, op):
        node = site.node
        old_full, ns = full_name(node, site.ns)
        if op == "namespace":
            if has_nested_declarations(node) or "." in node["name"]:
                return None
            new_ns = self.rng.choice([n for n in NAMESPACES if n != ns and n])
            node["namespace"] = new_ns
            new_full = f"{new_ns}.{node['name']}"
        else:
            short = self.gen.fresh("Renamed")
            if "." in node["name"]:
                node["name"] = node["name"].rsplit(".", 1)[0] + "." + short
            else:
                node["name"] = short
            new_full, _ = full_name(node, site.ns)
            old_short = old_full.rsplit(".", 1)[-1]
            if op == "rename_alias":
                node["aliases"] = [old_full] + node.get("aliases", [])
            elif op == "rename_alias_relative":
                # The specification reads a dot-less alias in the type's namespace.
                node["aliases"] = [old_short] + node.get("aliases", [])
        rename_references(holder, old_full, new_full)
        return op

    def enum(self, holder, site):
        node = site.node
        op = self.rng.choice(["add_symbol", "remove_symbol", "remove_symbol", "set_default", "drop_default",
                              "rename", "rename_alias", "namespace"])
        symbols = node["symbols"]
        if op == "add_symbol":
            symbols.insert(self.rng.randint(0, len(symbols)), self.gen.fresh("NEW"))
        elif op == "remove_symbol":
            if len(symbols) < 2:
                return None
            gone = symbols.pop(self.rng.randrange(len(symbols)))
            if node.get("default") == gone:
                del node["default"]
        elif op == "set_default":
            node["default"] = self.rng.choice(symbols)
        elif op == "drop_default":
            if "default" not in node:
                return None
            del node["default"]
        else:
            return self.rename(holder, site, op)
        return op

    def fixed(self, holder, site):
        node = site.node
        op = self.rng.choice(["size", "size", "rename", "rename_alias", "decimal", "namespace"])
        if op == "size":
            node["size"] = node["size"] + self.rng.choice([-1, 1, 4]) if node["size"] > 1 else 2
        elif op == "decimal":
            if node.get("logicalType") == "decimal":
                node["scale"] = (node.get("scale", 0) + 1) % (node["precision"] + 1)
            elif node["size"] >= 4:
                node.update({"logicalType": "decimal", "precision": 3, "scale": 1})
            else:
                return None
        else:
            return self.rename(holder, site, op)
        return op

    # type positions

    def type_position(self, site):
        node = site.node
        if isinstance(node, str) and node in PRIMITIVES:
            op = self.rng.choice(["promote", "demote", "other", "wrap", "logical"])
            if op == "promote":
                wider = [t for t, reads in READS.items() if node in reads]
                if not wider:
                    return None
                site.replace(self.rng.choice(wider))
            elif op == "demote":
                narrower = sorted(READS.get(node, ()))
                if not narrower:
                    return None
                site.replace(self.rng.choice(narrower))
            elif op == "other":
                site.replace(self.rng.choice([p for p in PRIMITIVES if p != node]))
            elif op == "wrap":
                return self.wrap(site)
            else:
                if node not in LOGICAL_ON:
                    return None
                site.replace({"type": node, "logicalType": self.rng.choice(LOGICAL_ON[node])})
            return op
        if isinstance(node, dict) and "logicalType" in node and node.get("type") in PRIMITIVES:
            op = self.rng.choice(["drop_logical", "change_logical", "promote"])
            if op == "drop_logical":
                site.replace(node["type"])
            elif op == "change_logical":
                if node["logicalType"] == "decimal":
                    node["scale"] = (node["scale"] + 1) % (node["precision"] + 1)
                    if node["scale"] == 0:
                        node["precision"] += 1
                elif node["type"] in LOGICAL_ON:
                    node["logicalType"] = self.rng.choice(LOGICAL_ON[node["type"]])
                else:
                    return None
            else:
                wider = [t for t, reads in READS.items() if node["type"] in reads]
                if not wider:
                    return None
                node["type"] = self.rng.choice(wider)
            return op
        if isinstance(node, list):
            op = self.rng.choice(["add_branch", "remove_branch", "shuffle", "unwrap"])
            if op == "add_branch":
                b = self.gen.type(site.ns, 4, [], in_union=True)
                keys = {branch_key(x, site.ns) for x in node}
                if branch_key(b, site.ns) in keys:
                    return None
                node.insert(self.rng.randint(0, len(node)), b)
            elif op == "remove_branch":
                if len(node) < 2:
                    return None
                node.pop(self.rng.randrange(len(node)))
            elif op == "shuffle":
                self.rng.shuffle(node)
            else:
                site.replace(self.rng.choice(node))
            return op
        if isinstance(node, dict) and node.get("type") in ("array", "map"):
            op = self.rng.choice(["swap_container", "wrap", "replace"])
            if op == "swap_container":
                inner = node.get("items", node.get("values"))
                site.replace({"type": "map", "values": inner} if node["type"] == "array" else {"type": "array", "items": inner})
            elif op == "wrap":
                return self.wrap(site)
            else:
                site.replace(self.gen.type(site.ns, 4, []))
            return op
        if isinstance(node, str):
            op = self.rng.choice(["wrap", "replace"])
            if op == "wrap":
                return self.wrap(site)
            site.replace(self.gen.type(site.ns, 4, []))
            return op
        return None

    def wrap(self, site):
        node = site.node
        if isinstance(node, list) or node == "null":
            return None
        field = site.field
        if field is not None and "default" in field and field["default"] is not None:
            site.replace([node, "null"])
        else:
            site.replace(["null", node])
        return "wrap"


def has_nested_declarations(node):
    found = []

    def visit(n, top):
        if isinstance(n, list):
            for x in n:
                visit(x, False)
        elif isinstance(n, dict):
            if not top and n.get("type") in ("record", "enum", "fixed"):
                found.append(n)
            for k in ("fields",):
                for f in n.get(k, []):
                    visit(f.get("type"), False)
            for k in ("items", "values"):
                if k in n:
                    visit(n[k], False)
            if isinstance(n.get("type"), (dict, list)):
                visit(n["type"], False)

    visit(node, True)
    return bool(found)


def collect_named(node, ns):
    """The named types declared in `node` (which sits where the namespace is `ns`), by full name."""
    out = {}
    for site in sites_of({"root": node}, ns):
        n = site.node
        if isinstance(n, dict) and n.get("type") in ("record", "enum", "fixed"):
            out[full_name(n, site.ns)[0]] = n
    return out


def all_nodes(holder):
    return collect_named(holder["root"], None)


# ---------------------------------------------------------------------------------------------
# The reference, and the known divergences


def reference_verdict(reader, writer):
    result = ReaderWriterCompatibilityChecker().get_compatibility(reader, writer)
    return result.compatibility is SchemaCompatibilityType.compatible


def named_schemas(schema):
    """Every named schema reachable from a parsed schema."""
    seen, out, stack = set(), [], [schema]
    while stack:
        s = stack.pop()
        if id(s) in seen:
            continue
        seen.add(id(s))
        if isinstance(s, avro.schema.NamedSchema):
            out.append(s)
        if isinstance(s, avro.schema.RecordSchema):
            stack.extend(f.type for f in s.fields)
        elif isinstance(s, avro.schema.ArraySchema):
            stack.append(s.items)
        elif isinstance(s, avro.schema.MapSchema):
            stack.append(s.values)
        elif isinstance(s, avro.schema.UnionSchema):
            stack.extend(s.schemas)
    return out


def spec_relative_aliases(reader):
    """Specification: a dot-less alias of a named type is relative to the type's namespace. The
    reference checker compares aliases as written with the writer's full name."""
    changed = False
    for s in named_schemas(reader):
        aliases = s.props.get("aliases")
        if not aliases or not s.namespace:
            continue
        resolved = [a if "." in a else f"{s.namespace}.{a}" for a in aliases]
        if resolved != aliases:
            s.props["aliases"] = resolved
            changed = True
    return changed


def spec_invalid_defaults(reader):
    """Specification: a reader uses a field's default when the writer lacks the field, so a default
    that does not fit the field's type cannot be used. The reference checker does not look at it."""
    changed = False
    for s in named_schemas(reader):
        if isinstance(s, avro.schema.RecordSchema):
            for f in s.fields:
                if f.has_default and not default_is_valid(f.default, f.type):
                    f._has_default = False
                    changed = True
    return changed


# Each known divergence: a name, and how the specification reads the reader schema.
DIVERGENCES = {
    "relative-alias": spec_relative_aliases,
    "invalid-default": spec_invalid_defaults,
}


def expected_verdict(reader_text, writer):
    """The reference verdict, and the specification's (with the divergences that change it)."""
    reference = reference_verdict(avro.schema.parse(reader_text), writer)
    reasons = []
    for name, apply in DIVERGENCES.items():
        reader = avro.schema.parse(reader_text)
        if apply(reader) and reference_verdict(reader, writer) != reference:
            reasons.append(name)
    if not reasons:
        return reference, reference, reasons
    reader = avro.schema.parse(reader_text)
    for apply in DIVERGENCES.values():
        apply(reader)
    spec = reference_verdict(reader, writer)
    if spec == reference:
        reasons = []
    return reference, spec, reasons


# ---------------------------------------------------------------------------------------------
# Features, for the coverage line


def features(schema):
    """What a parsed schema contains, for the coverage line."""
    out = set()
    records = 0
    on_path = set()

    def visit(s):
        nonlocal records
        if id(s) in on_path:
            out.add("recursion")
            return
        if getattr(s, "props", {}).get("logicalType") is not None:
            out.add("logical")
        if isinstance(s, avro.schema.NamedSchema):
            if s.props.get("aliases"):
                out.add("aliases")
            on_path.add(id(s))
        if isinstance(s, avro.schema.RecordSchema):
            records += 1
            for f in s.fields:
                if f.has_default:
                    out.add("defaults")
                if f.props.get("aliases"):
                    out.add("aliases")
                visit(f.type)
        elif isinstance(s, avro.schema.EnumSchema):
            out.add("enum-default" if s.props.get("default") else "enum")
        elif isinstance(s, avro.schema.FixedSchema):
            out.add("fixed")
        elif isinstance(s, avro.schema.ArraySchema):
            out.add("array")
            visit(s.items)
        elif isinstance(s, avro.schema.MapSchema):
            out.add("map")
            visit(s.values)
        elif isinstance(s, avro.schema.UnionSchema):
            out.add("union")
            for b in s.schemas:
                visit(b)
        on_path.discard(id(s))

    visit(schema)
    if records > 1:
        out.add("nested-record")
    return out


# ---------------------------------------------------------------------------------------------
# Running


def make_pair(rng):
    """A (writer, reader, edits) triple whose two schemas the reference implementation parses."""
    while True:
        gen = Generator(rng)
        writer = gen.writer()
        writer_text = json.dumps(writer, indent=1)
        try:
            avro.schema.parse(writer_text)
        except Exception:
            continue
        holder = {"root": copy.deepcopy(writer)}
        edits = []
        target = rng.choice([0, 1, 1, 1, 2, 2, 3, 4])
        attempts = 0
        while len(edits) < target and attempts < 40:
            attempts += 1
            trial = copy.deepcopy(holder)
            op = Mutator(rng, gen).mutate(trial)
            if op is None:
                continue
            try:
                avro.schema.parse(json.dumps(trial["root"]))
            except Exception:
                continue
            holder = trial
            edits.append(op)
        return writer_text, json.dumps(holder["root"], indent=1), edits


def run_mapcheck(binary, old, new, mode):
    proc = subprocess.run(
        [binary, "diff", old, new, "--mode", mode, "--format", "json", "--color", "never"],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    if proc.returncode not in (0, 1):
        return None, proc.stderr.strip() or proc.stdout.strip()
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        return None, f"not JSON: {e}"
    errors = [f for f in report.get("findings", []) if f.get("severity") == "error"]
    if any(not f.get("path") for f in errors):
        return None, "an error finding without a path"
    return not errors, errors


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mapcheck", required=True, help="path to the mapcheck binary")
    ap.add_argument("--pairs", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--keep", help="write the pairs here (default: a temporary directory, removed)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--no-forward", action="store_true", help="skip the same question asked as --mode forward")
    args = ap.parse_args()
    if not os.access(args.mapcheck, os.X_OK):
        print(f"not an executable: {args.mapcheck}", file=sys.stderr)
        return 2

    rng = random.Random(args.seed)
    out = args.keep or tempfile.mkdtemp(prefix="avro-differential-")
    os.makedirs(out, exist_ok=True)
    cases = []
    coverage = {}
    for i in range(args.pairs):
        writer_text, reader_text, edits = make_pair(rng)
        d = os.path.join(out, f"{i:05d}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "writer.avsc"), "w") as f:
            f.write(writer_text)
        with open(os.path.join(d, "reader.avsc"), "w") as f:
            f.write(reader_text)
        writer = avro.schema.parse(writer_text)
        reference, spec, reasons = expected_verdict(reader_text, writer)
        with open(os.path.join(d, "verdict.json"), "w") as f:
            json.dump({"reference": reference, "specification": spec, "divergences": reasons, "edits": edits}, f)
        for feat in features(writer) | features(avro.schema.parse(reader_text)):
            coverage[feat] = coverage.get(feat, 0) + 1
        for e in edits:
            coverage["edit:" + e] = coverage.get("edit:" + e, 0) + 1
        cases.append((d, reference, spec, reasons, edits))

    def check(case):
        d, reference, spec, reasons, edits = case
        w, r = os.path.join(d, "writer.avsc"), os.path.join(d, "reader.avsc")
        results = [("backward", run_mapcheck(args.mapcheck, w, r, "backward"))]
        if not args.no_forward:
            results.append(("forward", run_mapcheck(args.mapcheck, r, w, "forward")))
        return case, results

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        checked = list(pool.map(check, cases))

    agree_reference = 0
    by_divergence = {}
    failures = []
    for (d, reference, spec, reasons, edits), results in checked:
        verdicts = []
        for mode, (verdict, detail) in results:
            if verdict is None:
                failures.append(f"{d}: mapcheck --mode {mode} failed: {detail}")
            verdicts.append(verdict)
        got = verdicts[0]
        if any(v != got for v in verdicts):
            failures.append(f"{d}: backward and forward (files swapped) disagree: {verdicts}")
        if got is None:
            continue
        if got == reference:
            agree_reference += 1
        if got != spec:
            failures.append(
                f"{d}: mapcheck says {'compatible' if got else 'incompatible'}, expected "
                f"{'compatible' if spec else 'incompatible'} (reference: {'compatible' if reference else 'incompatible'}"
                f"{', known divergences: ' + ', '.join(reasons) if reasons else ''}; edits: {', '.join(edits) or 'none'})"
            )
        elif reasons:
            for reason in reasons:
                by_divergence[reason] = by_divergence.get(reason, 0) + 1

    n = len(cases)
    compatible = sum(1 for c in cases if c[1])
    print(f"avro differential: {n} reader/writer pairs, seed {args.seed}")
    print(f"reference checker (avro {getattr(avro, '__version__', '?')}): {compatible} compatible, {n - compatible} incompatible")
    print("coverage: " + ", ".join(f"{k} {v}" for k, v in sorted(coverage.items())))
    print(f"agreement with the reference checker: {agree_reference}/{n} ({100.0 * agree_reference / max(n, 1):.2f}%)")
    if by_divergence:
        print(
            "known divergences, where mapcheck follows the specification: "
            + ", ".join(f"{k} {v}" for k, v in sorted(by_divergence.items()))
        )
    else:
        print("known divergences, where mapcheck follows the specification: none met")
    print(f"unexplained disagreements: {len(failures)}")
    for line in failures[:50]:
        print("  " + line)
    if not args.keep:
        if failures:
            print(f"pairs kept in {out}")
        else:
            shutil.rmtree(out, ignore_errors=True)
    print(f"{n - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
