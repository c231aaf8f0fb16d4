#!/usr/bin/env python3
"""Differential test: mapcheck's JSON Schema compatibility verdicts against IBM's subschema checker.

A seeded generator writes random draft-04 schemas (open, closed and partially open objects,
arrays with `items` schemas and tuples, numbers and integers with bounds and multipleOf, strings
with lengths and patterns, enums, type arrays, anyOf/oneOf/allOf/not, `dependencies`, `$ref` to
`#/definitions/...`) and derives a new version of each by random edits (properties, required,
additionalProperties, patternProperties, tuple items, bounds, patterns, enum values, branches,
wrapping, ...), by equivalence-preserving refactors only, or not at all. For each pair it asks
`jsonsubschema` (`api.isSubschema(s1, s2)`: every document valid under s1 is valid under s2) and
mapcheck (`mapcheck diff old new --mode backward|forward --format json`, one run per mode over
all pairs) and compares:

    backward (new readers read old data):     compatible == isSubschema(old, new)
    forward  (old readers read new data):     compatible == isSubschema(new, old)

mapcheck also compares each named definition with the definition of the same name on the other
side (code generated from a contract uses them by name, whether or not the root still refers to
them): findings whose path starts at a definition rather than at the pair's root are not the
question the oracle answers and are left out (DEFINITIONS_BY_NAME; docs/jsonschema-compatibility.md).

mapcheck calls a pair undecided in a mode when one of its findings has the rule
`compatibility-undecided` (an error beside it is a keyword rule's conservative answer),
incompatible when any of its findings is an `error`, compatible otherwise. Undecided pairs
are counted and listed, not taken for disagreements. Nothing is skipped silently: a pair the
oracle cannot judge (an exception, a timeout, a keyword it ignores: ORACLE_BLIND_SPOTS) and a
disagreement with a known cause (DIVERGENCES) are each counted under their name.

For each disagreement the script looks for a witness: a document valid under one schema and not
the other (jsonschema's Draft4Validator decides), which proves "not a subschema". Where the oracle
says compatible, mapcheck says incompatible and a witness exists, the oracle is wrong: such a pair
is counted as `oracle-refuted` and listed with its witness, not taken for a disagreement. Where
the oracle says incompatible, a witness on the disagreement line confirms it.

The oracle gets each schema with its `$ref`s replaced by their targets (jsonref, which it uses,
loses `#/definitions/...` inside a definition reached through a root `$ref`); mapcheck gets the
schemas as written (every pair names its definitions alike, which also checks that mapcheck keeps
the documents of a directory apart).

    /path/to/venv/bin/python ci/jsonschema-differential/generate_and_check.py --mapcheck target/debug/mapcheck
    ... --mapcheck BIN --pairs 5000 --seed 7 --keep out/ --jobs 4

Needs `jsonsubschema==0.0.8` (ci/test-tools.sh installs it into jss-venv/). Exit status: 0 when
no disagreement is left unexplained and at least --min-compared pairs were compared in each mode,
1 otherwise, 2 on a usage or environment problem.
"""

import argparse
import collections
import copy
import json
import os
import random
import selectors
import shutil
import subprocess
import sys
import tempfile
import time

DRAFT4 = "http://json-schema.org/draft-04/schema#"
MAX_DEPTH = 3  # subschema nesting below the root, with $ref expanded
MAX_PROPERTIES = 5
MAX_NODES = 30  # subschemas in one schema, $ref expanded: keeps the oracle fast
# The oracle intersects patterns with lengths as regular expressions (`.{0,n}`) and enumerates
# their strings: a maxLength of 4 next to `^[a-z]+$` already takes it over 10 s.
MAX_LENGTH = 3

PROPERTY_NAMES = ["a", "b", "c", "id", "name", "x_a", "x_b", "tags"]
# Keys for patternProperties, each matched by some of PROPERTY_NAMES (anchored: the oracle is slow
# with a pattern like `_b$`, which it reads as `.*_b`).
KEY_PATTERNS = ["^x_", "^[a-z]+$", "^[a-c]$", "^[a-z]_b$"]
STRING_PATTERNS = ["^a", "^[a-z]+$", "^[0-9]+$", "^x_", "b$", "^(foo|bar)$", "^[a-c]*$", "^ab"]
STRING_VALUES = ["a", "b", "ab", "foo", "bar", "x_1", "123"]
NUMBER_VALUES = [0, 1, 2, 3, -1, 10, 0.5, 2.5]
TYPES = ["string", "integer", "number", "boolean", "null", "object", "array"]
CONNECTORS = ["anyOf", "allOf", "oneOf"]

# The kinds of pair, with their share of the pairs. `dependencies` gets half a share: the oracle
# ignores the keyword (see ORACLE_BLIND_SPOTS), so those pairs are generated for mapcheck's sake
# but not compared.
CATEGORIES = {
    "object": 2,
    "array": 2,
    "number": 2,
    "string": 2,
    "enum": 2,
    "combinator": 2,
    "dependencies": 1,
}
# The node kinds (see kind()) an edit of each category goes for first.
CATEGORY_KINDS = {
    "object": {"object"},
    "array": {"array"},
    "number": {"number"},
    "string": {"string"},
    "enum": {"enum", "typearray", "boolean", "null"},
    "combinator": {"combinator", "not"},
    "dependencies": {"object"},
}


# ---------------------------------------------------------------------------------------------
# Schema shape


def kind(node):
    """What a (dict) schema node is, for choosing an edit."""
    if "$ref" in node:
        return "ref"
    if any(c in node for c in CONNECTORS):
        return "combinator"
    if "not" in node:
        return "not" if len(node) == 1 else "combinator"
    if "enum" in node:
        return "enum"
    t = node.get("type")
    if isinstance(t, list):
        return "typearray"
    if t in ("integer", "number"):
        return "number"
    if t in ("string", "boolean", "null", "object", "array"):
        return t
    if any(k in node for k in ("properties", "patternProperties", "additionalProperties", "required", "dependencies")):
        return "object"
    if any(k in node for k in ("items", "additionalItems", "minItems", "maxItems")):
        return "array"
    return "any"


def children(node):
    """(container, key) of every direct subschema of a node."""
    out = []
    for key in ("properties", "patternProperties"):
        for k in node.get(key, {}):
            out.append((node[key], k))
    for key in ("additionalProperties", "additionalItems", "not"):
        if isinstance(node.get(key), dict):
            out.append((node, key))
    items = node.get("items")
    if isinstance(items, dict):
        out.append((node, "items"))
    elif isinstance(items, list):
        out.extend((items, i) for i in range(len(items)))
    for key in CONNECTORS:
        out.extend((node[key], i) for i in range(len(node.get(key, []))))
    deps = node.get("dependencies", {})
    out.extend((deps, k) for k in deps if isinstance(deps[k], dict))
    return out


def ref_name(node):
    return node["$ref"].rsplit("/", 1)[-1]


def measure(node, defs, depth=0):
    """(expanded depth, expanded node count, largest properties) of a schema."""
    if "$ref" in node:
        return measure(defs[ref_name(node)], defs, depth)
    deepest, count, widest = depth, 1, len(node.get("properties", {}))
    for container, key in children(node):
        d, c, w = measure(container[key], defs, depth + 1)
        deepest, count, widest = max(deepest, d), count + c, max(widest, w)
    return deepest, count, widest


def features(node, defs, out):
    """Keywords and shapes a schema uses, for the coverage line."""
    if "$ref" in node:
        out.add("$ref")
        return features(defs[ref_name(node)], defs, out)
    for k in node:
        if k in ("anyOf", "allOf", "oneOf", "not", "dependencies", "patternProperties", "additionalItems",
                 "uniqueItems", "multipleOf", "pattern", "enum", "exclusiveMinimum", "exclusiveMaximum",
                 "minProperties", "maxProperties"):
            out.add(k)
    if node.get("additionalProperties") is False:
        out.add("closed-object")
    elif isinstance(node.get("additionalProperties"), dict):
        out.add("additionalProperties-schema")
    if isinstance(node.get("items"), list):
        out.add("tuple")
    if isinstance(node.get("type"), list):
        out.add("type-array")
    if node == {}:
        out.add("untyped")
    for container, key in children(node):
        features(container[key], defs, out)
    return out


class Doc:
    """A schema being built: its root and its definitions (written at the root when serialized)."""

    def __init__(self, root, defs=None):
        self.root, self.defs = root, defs or {}

    def copy(self):
        return Doc(copy.deepcopy(self.root), copy.deepcopy(self.defs))

    def sites(self):
        """(container, key, depth) of every schema node, the root's and the definitions' included."""
        out = []

        def walk(container, key, depth):
            out.append((container, key, depth))
            for c, k in children(container[key]):
                walk(c, k, depth + 1)

        holder = {"root": self.root}
        walk(holder, "root", 0)
        for name in list(self.defs):
            walk(self.defs, name, 1)
        self._holder = holder
        return out

    def settle(self):
        """After editing sites: the root may have been replaced in the holder."""
        self.root = self._holder["root"]

    def json(self):
        out = {"$schema": DRAFT4}
        out.update(self.root)
        if self.defs:
            out["definitions"] = self.defs
        return out


# ---------------------------------------------------------------------------------------------
# Base schemas


class Generator:
    def __init__(self, rng):
        self.rng = rng

    def child(self, budget):
        """A small subschema whose nesting stays within `budget` levels."""
        r = self.rng.random()
        if budget > 0 and r < 0.12:
            return self.object(budget)
        if budget > 0 and r < 0.2:
            return self.array(budget)
        if budget > 0 and r < 0.25:
            return self.combinator(budget)
        if r < 0.35:
            return {}
        if r < 0.55:
            return {"type": self.rng.choice(TYPES)}
        if r < 0.7:
            return self.string()
        if r < 0.85:
            return self.number()
        return self.enum()

    def of(self, category, budget):
        if category in ("object", "dependencies"):
            return self.object(max(budget, 1), dependencies=category == "dependencies")
        if category == "array":
            return self.array(max(budget, 1))
        if category == "number":
            return self.number()
        if category == "string":
            return self.string()
        if category == "enum":
            return self.enum()
        return self.combinator(max(budget, 1))

    def object(self, budget, dependencies=False):
        rng = self.rng
        node = {"type": "object"} if rng.random() < 0.9 else {}
        names = rng.sample(PROPERTY_NAMES, rng.randint(0, 4))
        props = {}
        for name in names:
            props[name] = {} if rng.random() < 0.2 else self.child(budget - 1)
        if props or rng.random() < 0.2:
            node["properties"] = props
        required = [n for n in names if rng.random() < 0.4]
        if rng.random() < 0.1:
            required.append(rng.choice([n for n in PROPERTY_NAMES if n not in names]))
        if required:
            node["required"] = required
        style = rng.choice(["open", "open", "closed", "closed", "pattern", "schema", "pattern+closed", "pattern+schema"])
        if "pattern" in style:
            pats = rng.sample(KEY_PATTERNS, rng.randint(1, 2))
            node["patternProperties"] = {p: self.child(0) for p in pats}
        if style.endswith("closed"):
            node["additionalProperties"] = False
        elif style.endswith("schema"):
            node["additionalProperties"] = self.child(0)
        if rng.random() < 0.15:
            node["minProperties"] = rng.randint(0, 2)
        if rng.random() < 0.1:
            node["maxProperties"] = rng.randint(1, 4)
        if dependencies:
            deps = {}
            for _ in range(rng.randint(1, 2)):
                deps[rng.choice(PROPERTY_NAMES)] = self.dependency()
            node["dependencies"] = deps
        return node

    def dependency(self):
        rng = self.rng
        if rng.random() < 0.6:
            return rng.sample(PROPERTY_NAMES, rng.randint(1, 2))
        if rng.random() < 0.5:
            return {"required": [rng.choice(PROPERTY_NAMES)]}
        return {"properties": {rng.choice(PROPERTY_NAMES): self.child(0)}}

    def array(self, budget):
        rng = self.rng
        node = {"type": "array"}
        if rng.random() < 0.55:
            if rng.random() < 0.9:
                node["items"] = self.child(budget - 1)
        else:
            node["items"] = [self.child(budget - 1) for _ in range(rng.randint(1, 3))]
            extra = rng.choice(["absent", "false", "schema"])
            if extra == "false":
                node["additionalItems"] = False
            elif extra == "schema":
                node["additionalItems"] = self.child(0)
        if rng.random() < 0.25:
            node["minItems"] = rng.randint(0, 2)
        if rng.random() < 0.2:
            node["maxItems"] = node.get("minItems", 0) + rng.randint(0, 3)
        if rng.random() < 0.15:
            node["uniqueItems"] = True
        return node

    def number(self):
        rng = self.rng
        t = rng.choice(["integer", "number"])
        node = {"type": t}
        value = (lambda: rng.randint(-3, 10)) if t == "integer" or rng.random() < 0.7 else (lambda: rng.choice([0.5, 1.5, 2.5]))
        if rng.random() < 0.6:
            node["minimum"] = value()
            if rng.random() < 0.3:
                node["exclusiveMinimum"] = True
        if rng.random() < 0.45:
            node["maximum"] = node.get("minimum", 0) + rng.randint(0, 12)
            if rng.random() < 0.3:
                node["exclusiveMaximum"] = True
        if rng.random() < 0.25:
            node["multipleOf"] = rng.choice([2, 3, 5] if t == "integer" else [0.5, 2, 2.5])
        return node

    def string(self):
        rng = self.rng
        node = {"type": "string"}
        if rng.random() < 0.35:
            node["minLength"] = rng.randint(0, 2)
        if rng.random() < 0.3:
            node["maxLength"] = rng.randint(node.get("minLength", 0), MAX_LENGTH)
        if rng.random() < 0.35:
            node["pattern"] = rng.choice(STRING_PATTERNS)
        return node

    def enum(self):
        rng = self.rng
        r = rng.random()
        if r < 0.25:
            return {"enum": rng.sample(STRING_VALUES, rng.randint(1, 4))}
        if r < 0.4:
            return {"enum": rng.sample(NUMBER_VALUES, rng.randint(1, 4))}
        if r < 0.55:
            pool = ["a", "b", 1, 2.5, None, True]
            return {"enum": rng.sample(pool, rng.randint(2, 4))}
        if r < 0.62:
            return {"type": "string", "enum": rng.sample(STRING_VALUES, rng.randint(1, 3))}
        if r < 0.85:
            types = rng.choice([["integer", "null"], ["string", "null"], ["string", "integer"], ["number", "string"],
                                ["boolean", "null"], ["object", "null"], ["array", "string"]])
            node = {"type": list(types)}
            if "string" in types and rng.random() < 0.3:
                node["maxLength"] = rng.randint(1, MAX_LENGTH)
            if "integer" in types and rng.random() < 0.3:
                node["minimum"] = rng.randint(0, 3)
            return node
        return rng.choice([{"type": "boolean"}, {"enum": [True]}, {"enum": [False, True]}, {"type": "boolean", "enum": [True]}])

    def combinator(self, budget):
        rng = self.rng
        r = rng.random()
        if r < 0.6:
            c = rng.choice(CONNECTORS)
            return {c: [self.child(budget - 1) for _ in range(rng.randint(1, 3))]}
        if r < 0.7 and budget >= 2:
            return {"anyOf": [self.child(budget - 1), {"anyOf": [self.child(budget - 2) for _ in range(2)]}]}
        if r < 0.8:
            return {"not": self.negatable()}
        if r < 0.9:
            base = rng.choice([self.string(), self.number(), {"type": "string"}])
            return {"allOf": [base, {"not": self.negatable()}]}
        t = rng.choice(["string", "integer", "number"])
        return {"type": t, "not": {"enum": rng.sample(STRING_VALUES if t == "string" else NUMBER_VALUES[:6], 2)}}

    def negatable(self):
        """What `not` takes here: a bare type or an enum (the oracle's negation handles only these)."""
        if self.rng.random() < 0.6:
            return {"type": self.rng.choice(TYPES)}
        return {"enum": self.rng.sample(["a", "b", 1, 2, None, True], self.rng.randint(1, 2))}

    def base(self, category):
        """A root schema whose edits go for a node of `category`, in one of several contexts."""
        rng = self.rng
        r = rng.random()
        if r < 0.45:
            return Doc(self.of(category, MAX_DEPTH))
        focus = self.of(category, MAX_DEPTH - 1)
        if r < 0.65:
            props = {"v": focus}
            for name in rng.sample(["id", "name", "a"], rng.randint(0, 2)):
                props[name] = self.child(0)
            node = {"type": "object", "properties": props}
            if rng.random() < 0.5:
                node["required"] = ["v"]
            if rng.random() < 0.3:
                node["additionalProperties"] = False
            return Doc(node)
        if r < 0.78:
            return Doc({"type": "array", "items": focus})
        if r < 0.88:
            return Doc({"$ref": "#/definitions/Main"}, {"Main": self.of(category, MAX_DEPTH)})
        return Doc({"type": "object", "properties": {"v": {"$ref": "#/definitions/V"}}, "required": ["v"]}, {"V": focus})


# ---------------------------------------------------------------------------------------------
# Edits: each takes (container, key, depth) of a site and returns the edit's name, or None when it
# does not apply to that node


def bump(rng, value, low=None):
    value = value + rng.choice([-2, -1, 1, 2])
    return value if low is None else max(low, value)


class Mutator:
    def __init__(self, rng, doc):
        self.rng, self.doc = rng, doc
        self.gen = Generator(rng)

    def budget(self, depth):
        return max(0, MAX_DEPTH - depth - 1)

    # objects

    def object(self, c, k, depth, dependencies=False):
        rng, node = self.rng, c[k]
        props = node.get("properties", {})
        required = node.get("required", [])
        ops = ["add_property", "add_untyped_property", "remove_property", "change_property", "require", "unrequire",
               "additional", "additional", "pattern_properties", "min_properties", "max_properties"]
        if dependencies:
            ops += ["add_dependency", "add_dependency", "remove_dependency", "change_dependency"]
        op = rng.choice(ops)
        if op in ("add_property", "add_untyped_property"):
            free = [n for n in PROPERTY_NAMES if n not in props]
            if not free or len(props) >= MAX_PROPERTIES:
                return None
            name = rng.choice(free)
            node.setdefault("properties", {})[name] = {} if op == "add_untyped_property" else self.gen.child(self.budget(depth))
            if rng.random() < 0.3:
                node["required"] = required + [name] if name not in required else required
            return op
        if op == "remove_property":
            if not props:
                return None
            name = rng.choice(list(props))
            del props[name]
            if rng.random() < 0.6 and name in required:
                required.remove(name)
                if not required:
                    del node["required"]
            return op
        if op == "change_property":
            if not props:
                return None
            props[rng.choice(list(props))] = self.gen.child(self.budget(depth))
            return op
        if op == "require":
            candidates = [n for n in props if n not in required]
            if not candidates or rng.random() < 0.15:
                candidates = [n for n in PROPERTY_NAMES if n not in required]
            if not candidates:
                return None
            node["required"] = required + [rng.choice(candidates)]
            return op
        if op == "unrequire":
            if not required:
                return None
            required.remove(rng.choice(required))
            if not required:
                del node["required"]
            return op
        if op == "additional":
            current = node.get("additionalProperties", "absent")
            state = "false" if current is False else "absent" if current == "absent" else "schema"
            # A schema may become another schema; absent and false change into something else.
            choice = rng.choice([x for x in ("absent", "false", "schema") if x != state or x == "schema"])
            if choice == "absent":
                node.pop("additionalProperties", None)
                return "additional_open"
            if choice == "false":
                node["additionalProperties"] = False
                return "additional_close"
            node["additionalProperties"] = self.gen.child(0)
            return "additional_schema"
        if op == "pattern_properties":
            pats = node.get("patternProperties", {})
            sub = rng.choice(["add", "remove", "change"])
            if sub == "add" or not pats:
                free = [p for p in KEY_PATTERNS if p not in pats]
                if not free:
                    return None
                node.setdefault("patternProperties", {})[rng.choice(free)] = self.gen.child(0)
                return "add_pattern_property"
            p = rng.choice(list(pats))
            if sub == "remove":
                del pats[p]
                if not pats:
                    del node["patternProperties"]
                return "remove_pattern_property"
            pats[p] = self.gen.child(0)
            return "change_pattern_property"
        if op in ("min_properties", "max_properties"):
            key = "minProperties" if op == "min_properties" else "maxProperties"
            if key in node and rng.random() < 0.4:
                del node[key]
            else:
                node[key] = bump(rng, node[key], 0) if key in node else rng.randint(0, 3)
            return op
        deps = node.get("dependencies", {})
        if op == "add_dependency":
            free = [n for n in PROPERTY_NAMES if n not in deps]
            if not free:
                return None
            node.setdefault("dependencies", {})[rng.choice(free)] = self.gen.dependency()
            return op
        if not deps:
            return None
        name = rng.choice(list(deps))
        if op == "remove_dependency":
            del deps[name]
            if not deps:
                del node["dependencies"]
            return op
        if isinstance(deps[name], list) and rng.random() < 0.5:
            extra = [n for n in PROPERTY_NAMES if n not in deps[name]]
            if len(deps[name]) > 1 and rng.random() < 0.5:
                deps[name] = deps[name][:-1]
            elif extra:
                deps[name] = deps[name] + [rng.choice(extra)]
        else:
            deps[name] = self.gen.dependency()
        return op

    # arrays

    def array(self, c, k, depth):
        rng, node = self.rng, c[k]
        items = node.get("items")
        if isinstance(items, list):
            op = rng.choice(["items", "items", "to_list", "tuple_append", "tuple_remove", "additional_items",
                             "additional_items", "min_items", "max_items", "unique_items"])
        else:
            op = rng.choice(["items", "items", "to_tuple", "min_items", "max_items", "unique_items"])
        if op == "items":
            if isinstance(items, list):
                items[rng.randrange(len(items))] = self.gen.child(self.budget(depth))
                return "tuple_item"
            if items is not None and rng.random() < 0.2:
                del node["items"]
                return "remove_items"
            node["items"] = self.gen.child(self.budget(depth))
            return op
        if op == "to_tuple":
            if isinstance(items, list):
                return None
            node["items"] = [copy.deepcopy(items) if items is not None else {} for _ in range(rng.randint(1, 2))]
            if rng.random() < 0.5:
                node["additionalItems"] = rng.choice([False, copy.deepcopy(items) if items is not None else {}])
            return op
        if op == "to_list":
            if not isinstance(items, list):
                return None
            node["items"] = copy.deepcopy(rng.choice(items))
            node.pop("additionalItems", None)
            return op
        if op == "tuple_append":
            if not isinstance(items, list) or len(items) >= 4:
                return None
            items.append(self.gen.child(self.budget(depth)))
            return op
        if op == "tuple_remove":
            if not isinstance(items, list) or len(items) < 2:
                return None
            items.pop()
            return op
        if op == "additional_items":
            if not isinstance(items, list):
                return None
            current = node.get("additionalItems", "absent")
            choice = rng.choice([x for x in ("absent", "false", "schema") if x != ("false" if current is False else current)])
            if choice == "absent":
                node.pop("additionalItems", None)
            else:
                node["additionalItems"] = False if choice == "false" else self.gen.child(0)
            return "additional_items_" + choice
        if op in ("min_items", "max_items"):
            key = "minItems" if op == "min_items" else "maxItems"
            if key in node and rng.random() < 0.4:
                del node[key]
            else:
                node[key] = bump(rng, node[key], 0) if key in node else rng.randint(0, 3)
            return op
        if node.get("uniqueItems"):
            del node["uniqueItems"]
        else:
            node["uniqueItems"] = True
        return op

    # numbers

    def number(self, c, k, depth):
        rng, node = self.rng, c[k]
        op = rng.choice(["minimum", "maximum", "exclusive", "multiple_of", "integer_number", "bound_rewrite"])
        if op in ("minimum", "maximum"):
            excl = "exclusiveMinimum" if op == "minimum" else "exclusiveMaximum"
            if op in node and rng.random() < 0.3:
                del node[op]
                node.pop(excl, None)
                return "remove_" + op
            if op in node:
                node[op] = bump(rng, node[op])
            else:
                node[op] = rng.randint(-2, 8) if op == "minimum" else node.get("minimum", 0) + rng.randint(0, 8)
            return op
        if op == "exclusive":
            bounds = [b for b in ("minimum", "maximum") if b in node]
            if not bounds:
                return None
            b = rng.choice(bounds)
            excl = "exclusiveMinimum" if b == "minimum" else "exclusiveMaximum"
            if node.get(excl):
                del node[excl]
            else:
                node[excl] = True
            return op
        if op == "multiple_of":
            if "multipleOf" in node and rng.random() < 0.4:
                del node["multipleOf"]
            else:
                options = [2, 3, 4, 6] if node.get("type") == "integer" else [0.5, 1, 2, 4, 2.5]
                node["multipleOf"] = rng.choice([m for m in options if m != node.get("multipleOf")])
            return op
        if op == "integer_number":
            node["type"] = "number" if node.get("type") == "integer" else "integer"
            return op
        return self.bound_rewrite(c, k, depth)

    def bound_rewrite(self, c, k, depth):
        """Integers: `minimum: n` is `minimum: n-1, exclusiveMinimum: true` (and so for maximum)."""
        node = c[k]
        if node.get("type") != "integer" or "multipleOf" in node:
            return None
        bounds = [b for b in ("minimum", "maximum") if b in node and isinstance(node[b], int)]
        if not bounds:
            return None
        b = self.rng.choice(bounds)
        excl, step = ("exclusiveMinimum", -1) if b == "minimum" else ("exclusiveMaximum", 1)
        if node.get(excl):
            node[b] -= step
            del node[excl]
        else:
            node[b] += step
            node[excl] = True
        return "bound_rewrite"

    # strings

    def string(self, c, k, depth):
        rng, node = self.rng, c[k]
        op = rng.choice(["min_length", "max_length", "pattern", "pattern"])
        if op in ("min_length", "max_length"):
            key = "minLength" if op == "min_length" else "maxLength"
            if key in node and rng.random() < 0.4:
                del node[key]
                return "remove_" + op
            node[key] = min(MAX_LENGTH, bump(rng, node[key], 0) if key in node else rng.randint(0, MAX_LENGTH))
            return op
        if "pattern" in node and rng.random() < 0.4:
            del node["pattern"]
            return "remove_pattern"
        op = "change_pattern" if "pattern" in node else "add_pattern"
        node["pattern"] = rng.choice([p for p in STRING_PATTERNS if p != node.get("pattern")])
        return op

    # enums, type arrays, booleans, null

    def enum(self, c, k, depth):
        rng, node = self.rng, c[k]
        values = node["enum"]
        op = rng.choice(["add_value", "add_value", "remove_value", "replace_value", "enum_to_type"])
        pool = STRING_VALUES + NUMBER_VALUES + [None, True, False]
        if node.get("type") == "string":
            pool = STRING_VALUES
        if op == "add_value":
            free = [v for v in pool if not any(same(v, x) for x in values)]
            if not free:
                return None
            values.insert(rng.randint(0, len(values)), rng.choice(free))
            return op
        if op == "remove_value":
            if len(values) < 2:
                return None
            values.pop(rng.randrange(len(values)))
            return op
        if op == "replace_value":
            free = [v for v in pool if not any(same(v, x) for x in values)]
            if not free:
                return None
            values[rng.randrange(len(values))] = rng.choice(free)
            return op
        types = []
        for v in values:
            t = json_type(v)
            if t not in types:
                types.append(t)
        c[k] = {"type": types[0] if len(types) == 1 else types}
        return op

    def typearray(self, c, k, depth):
        rng, node = self.rng, c[k]
        types = node["type"]
        op = rng.choice(["add_type", "remove_type", "collapse_type"])
        if op == "add_type":
            free = [t for t in TYPES if t not in types]
            if not free:
                return None
            types.append(rng.choice(free))
            return op
        if len(types) < 2:
            return None
        if op == "remove_type":
            types.pop(rng.randrange(len(types)))
            return op
        node["type"] = rng.choice(types)
        return op

    def simple(self, c, k, depth):
        rng, node = self.rng, c[k]
        t = node.get("type")
        op = rng.choice(["nullable", "retype", "to_enum"])
        if op == "nullable":
            if t == "null":
                return None
            node["type"] = [t, "null"]
            return op
        if op == "retype":
            node["type"] = rng.choice([x for x in TYPES if x != t])
            return op
        if t == "boolean":
            c[k] = {"enum": rng.choice([[True], [False], [True, False]])}
        elif t == "null":
            c[k] = {"enum": [None]}
        else:
            return None
        return op

    # combinators

    def combinator(self, c, k, depth):
        rng, node = self.rng, c[k]
        conn = next((x for x in CONNECTORS if x in node), None)
        if conn is None:  # {"type": t, "not": ...}
            if "not" not in node:
                return None
            if rng.random() < 0.5:
                del node["not"]
                return "remove_not"
            node["not"] = self.gen.negatable()
            return "change_not"
        branches = node[conn]
        op = rng.choice(["swap_connector", "swap_connector", "duplicate_branch", "add_branch", "remove_branch",
                         "unwrap", "nest", "flatten", "add_not"])
        if op == "swap_connector":
            new = rng.choice([x for x in CONNECTORS if x != conn and x not in node])
            node[new] = node.pop(conn)
            return f"{conn}_to_{new}"
        if op == "duplicate_branch":
            if len(branches) >= 4:
                return None
            branches.append(copy.deepcopy(rng.choice(branches)))
            return f"duplicate_{conn}_branch"
        if op == "add_branch":
            if len(branches) >= 4:
                return None
            branches.insert(rng.randint(0, len(branches)), self.gen.child(self.budget(depth)))
            return op
        if op == "remove_branch":
            if len(branches) < 2:
                return None
            branches.pop(rng.randrange(len(branches)))
            return op
        if op == "unwrap":
            if len(branches) != 1 or len(node) != 1:
                return None
            c[k] = branches[0]
            return f"unwrap_{conn}"
        if op == "nest":
            if len(branches) < 3 or conn != "anyOf":
                return None
            node[conn] = [branches[0], {"anyOf": branches[1:]}]
            return op
        if op == "flatten":
            nested = [i for i, b in enumerate(branches) if list(b) == [conn]]
            if not nested:
                return None
            i = rng.choice(nested)
            branches[i:i + 1] = branches[i][conn]
            return op
        if len(node) != 1:
            return None
        c[k] = {"allOf": [node, {"not": self.gen.negatable()}]}
        return op

    def negation(self, c, k, depth):
        node = c[k]
        r = self.rng.random()
        if r < 0.35:
            c[k] = {"anyOf": [{"type": t} for t in TYPES if node["not"] != {"type": t}][: self.rng.randint(1, 3)]}
            return "replace_not"
        if r < 0.7:
            node["not"] = self.gen.negatable()
            return "change_not"
        c[k] = {}
        return "remove_not"

    # anything

    def generic(self, c, k, depth, refactor):
        """Edits any node can take; with `refactor`, only those that keep what the schema accepts."""
        rng, node = self.rng, c[k]
        ops = ["wrap_anyOf", "wrap_allOf", "wrap_oneOf", "to_definition", "inline_definition", "type_to_list",
               "reorder", "duplicate_anyOf_branch", "add_empty_allOf_branch", "bound_rewrite"]
        if not refactor:
            ops += ["replace", "add_not", "drop_type"]
        op = rng.choice(ops)
        if op.startswith("wrap_"):
            if depth >= MAX_DEPTH:
                return None
            c[k] = {op[5:]: [node]}
            return op
        if op == "to_definition":
            if "$ref" in node:
                return None
            name = f"D{len(self.doc.defs) + 1}"
            while name in self.doc.defs:
                name += "x"
            self.doc.defs[name] = node
            c[k] = {"$ref": f"#/definitions/{name}"}
            return op
        if op == "inline_definition":
            if "$ref" not in node:
                return None
            c[k] = copy.deepcopy(self.doc.defs[ref_name(node)])
            return op
        if op == "type_to_list":
            if not isinstance(node.get("type"), str):
                return None
            node["type"] = [node["type"]]
            return op
        if op == "reorder":
            return self.reorder(node)
        if op == "duplicate_anyOf_branch":
            if not node.get("anyOf") or len(node["anyOf"]) >= 4:
                return None
            node["anyOf"].insert(rng.randint(0, len(node["anyOf"])), copy.deepcopy(rng.choice(node["anyOf"])))
            return op
        if op == "add_empty_allOf_branch":
            if "allOf" not in node or len(node["allOf"]) >= 4:
                return None
            node["allOf"].insert(rng.randint(0, len(node["allOf"])), {})
            return op
        if op == "bound_rewrite":
            return self.bound_rewrite(c, k, depth)
        if op == "replace":
            if depth == 0 or c is self.doc.defs:  # the root, or a definition: nothing to put back
                return None
            c[k] = self.gen.child(self.budget(depth - 1))
            return op
        if op == "add_not":
            if "not" in node or "$ref" in node:
                return None
            node["not"] = self.gen.negatable()
            return op
        if not isinstance(node.get("type"), str) or len(node) < 2:
            return None
        del node["type"]
        return op

    def reorder(self, node):
        """Equivalent: the order of properties, required names, enum values and anyOf/allOf branches."""
        rng = self.rng
        movable = [key for key in ("properties", "patternProperties") if len(node.get(key, {})) > 1]
        movable += [key for key in ("required", "enum", "anyOf", "allOf", "type") if isinstance(node.get(key), list) and len(node[key]) > 1]
        if not movable:
            return None
        key = rng.choice(movable)
        if isinstance(node[key], dict):
            entries = list(node[key].items())
            rng.shuffle(entries)
            node[key] = dict(entries)
        else:
            rng.shuffle(node[key])
        return "reorder_" + key

    def edit(self, category, refactor=False):
        sites = self.doc.sites()
        if refactor:
            c, k, depth = self.rng.choice(sites)
            op = self.generic(c, k, depth, refactor=True)
            self.doc.settle()
            return op
        wanted = [s for s in sites if kind(s[0][s[1]]) in CATEGORY_KINDS[category]]
        if wanted and self.rng.random() < 0.85:
            c, k, depth = self.rng.choice(wanted)
        else:
            c, k, depth = self.rng.choice(sites)
        node = c[k]
        nk = kind(node)
        if self.rng.random() < 0.1 or nk in ("any", "ref"):
            op = self.generic(c, k, depth, refactor=False)
        elif nk == "object":
            op = self.object(c, k, depth, dependencies=category == "dependencies")
        elif nk == "array":
            op = self.array(c, k, depth)
        elif nk == "number":
            op = self.number(c, k, depth)
        elif nk == "string":
            op = self.string(c, k, depth)
        elif nk == "enum":
            op = self.enum(c, k, depth)
        elif nk == "typearray":
            op = self.typearray(c, k, depth)
        elif nk in ("boolean", "null"):
            op = self.simple(c, k, depth)
        elif nk == "combinator":
            op = self.combinator(c, k, depth)
        elif nk == "not":
            op = self.negation(c, k, depth)
        else:
            op = None
        self.doc.settle()
        return op


def json_type(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    return "string"


def same(a, b):
    """JSON equality of two enum values (True is not 1)."""
    return json_type(a) == json_type(b) and a == b


# ---------------------------------------------------------------------------------------------
# Pairs


def acceptable(doc, check_schema):
    """Whether a generated schema is valid draft-04 and small enough."""
    defs = doc.defs
    try:
        depth, nodes, widest = measure(doc.root, defs)
        for d in defs.values():
            measure(d, defs)
    except (KeyError, RecursionError):
        return False
    if depth > MAX_DEPTH or nodes > MAX_NODES or widest > MAX_PROPERTIES:
        return False
    try:
        check_schema(doc.json())
    except Exception:
        return False
    return True


def make_pair(rng, category, check_schema):
    """(old, new, edits) for one pair; old and new are serializable draft-04 schemas."""
    while True:
        gen = Generator(rng)
        old = gen.base(category)
        if acceptable(old, check_schema):
            break
    r = rng.random()
    if r < 0.05:
        return old.json(), old.json(), ["identical"]
    refactor = r < 0.15
    target = rng.choice([1, 2]) if refactor else rng.choice([1, 1, 2, 2, 3])
    new, edits, attempts = old.copy(), [], 0
    while len(edits) < target and attempts < 60:
        attempts += 1
        trial = new.copy()
        op = Mutator(rng, trial).edit(category, refactor=refactor)
        if op is None or not acceptable(trial, check_schema):
            continue
        new = trial
        edits.append(op)
    if refactor:
        edits = ["refactor:" + e for e in edits] or ["refactor:none"]
    return old.json(), new.json(), edits or ["none"]


def oracle_worker():
    """Answers one isSubschema(lhs, rhs) per line of stdin on the original stdout; whatever the
    library prints goes nowhere."""
    import warnings

    proto = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(os.devnull, "w")
    warnings.simplefilter("ignore")
    sys.setrecursionlimit(5000)
    from jsonsubschema import api

    for line in sys.stdin:
        task = json.loads(line)
        started = time.monotonic()
        try:
            # The library rewrites what it is given: each call gets copies of its own.
            result = api.isSubschema(copy.deepcopy(task["lhs"]), copy.deepcopy(task["rhs"]))
            if result is None:
                # Several of its checks end without a `return` where the answer is "no".
                out = {"verdict": False, "none": True}
            elif isinstance(result, bool):
                out = {"verdict": result}
            else:
                out = {"error": f"oracle-error: non-boolean result {type(result).__name__}"}
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # SystemExit included: the library calls sys.exit() on some input
            out = {"error": f"oracle-error: {type(e).__name__}"}
        out["seconds"] = round(time.monotonic() - started, 3)
        proto.write(json.dumps({"id": task["id"], **out}) + "\n")
        proto.flush()


class OraclePool:
    def __init__(self, jobs, timeout):
        self.jobs, self.timeout = max(1, jobs), timeout
        self.crashes = 0

    def spawn(self):
        return subprocess.Popen(
            [sys.executable, os.path.abspath(__file__), "--oracle-worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )

    def retire(self, worker):
        worker.kill()
        worker.wait()

    def run(self, tasks):
        """tasks: [(id, lhs, rhs)]; returns {id: {"verdict": bool} or {"error": name}}."""
        results = {}
        pending = collections.deque(tasks)
        idle = [self.spawn() for _ in range(min(self.jobs, len(tasks)))]
        busy = {}  # worker -> (task id, deadline)
        sel = selectors.DefaultSelector()
        try:
            while pending or busy:
                while idle and pending:
                    worker = idle.pop()
                    tid, lhs, rhs = pending.popleft()
                    try:
                        worker.stdin.write(json.dumps({"id": tid, "lhs": lhs, "rhs": rhs}) + "\n")
                        worker.stdin.flush()
                    except BrokenPipeError:
                        self.crash(worker)
                        pending.appendleft((tid, lhs, rhs))
                        idle.append(self.spawn())
                        continue
                    busy[worker] = (tid, time.monotonic() + self.timeout)
                    sel.register(worker.stdout, selectors.EVENT_READ, worker)
                wait = max(0.0, min(d for _, d in busy.values()) - time.monotonic())
                for key, _ in sel.select(wait):
                    worker = key.data
                    sel.unregister(worker.stdout)
                    tid, _ = busy.pop(worker)
                    line = worker.stdout.readline()
                    if not line:
                        self.crash(worker)
                        results[tid] = {"error": "oracle-crash"}
                        idle.append(self.spawn())
                        continue
                    answer = json.loads(line)
                    if answer.get("id") != tid:
                        raise RuntimeError(f"oracle worker answered {answer.get('id')} for {tid}")
                    results[tid] = answer
                    idle.append(worker)
                now = time.monotonic()
                for worker, (tid, deadline) in list(busy.items()):
                    if now >= deadline:
                        sel.unregister(worker.stdout)
                        del busy[worker]
                        self.retire(worker)
                        results[tid] = {"error": "oracle-timeout"}
                        idle.append(self.spawn())
        finally:
            for worker in idle + list(busy):
                try:
                    worker.stdin.close()
                except OSError:
                    pass
                try:
                    worker.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.retire(worker)
        return results

    def crash(self, worker):
        self.crashes += 1
        self.retire(worker)
        if self.crashes > 50:
            raise RuntimeError("oracle workers keep dying (is jsonsubschema importable by this Python?)")


# ---------------------------------------------------------------------------------------------
# Known limits of the oracle and known divergences


def has_keyword(schema, keyword):
    if isinstance(schema, dict):
        if keyword in schema:
            return True
        return any(has_keyword(v, keyword) for v in schema.values())
    if isinstance(schema, list):
        return any(has_keyword(v, keyword) for v in schema)
    return False


# Pairs the oracle cannot judge: matched before comparing at all, so they count neither as
# agreements nor as disagreements, only under their name. Each has a canary, a pair on which the
# oracle's answer is wrong because of the blind spot; the run checks that it still is.
ORACLE_BLIND_SPOTS = {
    "oracle-ignores-dependencies": (
        lambda old, new, mode, oracle: has_keyword(old, "dependencies") or has_keyword(new, "dependencies"),
        "jsonsubschema 0.0.8 drops `dependencies` (it says {type: object} is a subschema of "
        "{type: object, dependencies: {a: [b]}}, which rejects {a: 1})",
        ({"$schema": DRAFT4, "type": "object"}, {"$schema": DRAFT4, "type": "object", "dependencies": {"a": ["b"]}}, True),
    ),
}

# Disagreements with a known cause: {name: (predicate(old, new, mode, oracle_verdict) -> bool,
# explanation)}. Applied to a pair only when mapcheck and the oracle disagree on it; a matching
# disagreement is counted under the name instead of failing the run.
DIVERGENCES = {}

# The oracle says "not a subschema", mapcheck says compatible, and neither the witness search nor
# a second one this many documents long finds a document the first schema accepts and the second
# rejects: counted as `oracle-unwitnessed` (and listed), not as a disagreement. Every such pair
# examined by hand is one of the oracle's bugs listed in docs/jsonschema-compatibility.md (a
# pattern beside a length range, `maxItems: 0`, a tuple equal to its list form, equal integer sets
# written differently, a `oneOf` of disjoint branches, names two patterns both match). The
# opposite case, mapcheck saying incompatible where the oracle says compatible, has no such
# allowance: without a witness for the oracle's being wrong it is a disagreement.
UNWITNESSED_TRIES = 6000


# ---------------------------------------------------------------------------------------------
# Witnesses: a document the first schema accepts and the second rejects proves that the first is
# not a subschema of the second. Searched for (among documents built from both schemas' names and
# constants, and by following their structure) for each disagreement: when the oracle says
# "subschema" and a witness exists, the oracle is wrong; when it says "not a subschema", a witness
# confirms it. No witness found proves nothing.


def expand(schema):
    """The schema with every `$ref` (local, not recursive) replaced by what it points to: what the
    oracle is given, since jsonref loses `#/definitions/...` inside a definition that a root `$ref`
    points to."""
    defs = schema.get("definitions", {})

    def walk(node, in_schema):
        if isinstance(node, dict):
            if in_schema and "$ref" in node:
                return walk(defs[ref_name(node)], True)
            out = {}
            for k, v in node.items():
                if in_schema and k == "definitions":
                    continue
                if in_schema and k in ("enum", "required", "type"):
                    out[k] = copy.deepcopy(v)
                elif in_schema and k == "dependencies":
                    out[k] = {d: walk(x, True) if isinstance(x, dict) else list(x) for d, x in v.items()}
                else:
                    # properties and patternProperties map names to schemas; anything else is one
                    out[k] = walk(v, k not in ("properties", "patternProperties"))
            return out
        if isinstance(node, list):
            return [walk(x, True) for x in node]
        return node

    out = walk(schema, True)
    return {"$schema": DRAFT4, **{k: v for k, v in out.items() if k != "$schema"}}


def constants(schema, names, numbers, strings):
    """Property names, numbers and strings a schema mentions."""
    if isinstance(schema, dict):
        for k, v in schema.items():
            if k in ("properties", "patternProperties") and isinstance(v, dict):
                names.update(v)
            if k in ("required",) and isinstance(v, list):
                names.update(v)
            if k == "dependencies" and isinstance(v, dict):
                names.update(v)
                for x in v.values():
                    if isinstance(x, list):
                        names.update(x)
            if k == "enum":
                for x in v:
                    if isinstance(x, str):
                        strings.add(x)
                    elif isinstance(x, (int, float)) and not isinstance(x, bool):
                        numbers.add(x)
            if k in ("minimum", "maximum", "multipleOf") and isinstance(v, (int, float)):
                numbers.add(v)
            constants(v, names, numbers, strings)
    elif isinstance(schema, list):
        for x in schema:
            constants(x, names, numbers, strings)


# Short strings of each length up to MAX_LENGTH + 1 that the patterns above do and do not match
# (no newline: Python's `$` matches before a final one, ECMA 262's does not).
WITNESS_STRINGS = ["", "a", "b", "d", "z", "1", "_", "ab", "ba", "zz", "12", "x_", "a1", "abc", "b_b", "x_1", "x_a",
                   "zzz", "abcd", "x_ab", "1234", "zzzz", "foobar", "aaaaaaaaa"]


class Witnesses:
    """Candidate documents for one pair: built at random from the pair's constants and by
    following either schema's structure (integral floats such as 1.0 are left out: draft-04 does
    not call them integers, and a witness should not hang on that)."""

    def __init__(self, rng, a, b):
        self.rng = rng
        names, numbers, strings = set(PROPERTY_NAMES + ["zz", "x_q", "q_b"]), set(), set(STRING_VALUES + WITNESS_STRINGS)
        constants(a, names, numbers, strings)
        constants(b, names, numbers, strings)
        nums = {0, 1, -1, 2, 3, 0.5, 2.5, 7, 100, -100}
        for x in numbers:
            nums.update({x, x - 1, x + 1, x - 0.5, x + 0.5, x * 2, x * 3})
        self.numbers = sorted(n for n in nums if isinstance(n, int) or not float(n).is_integer())
        self.strings = sorted(strings)
        self.names = sorted(names)

    def scalar(self):
        rng = self.rng
        r = rng.random()
        if r < 0.1:
            return None
        if r < 0.2:
            return rng.random() < 0.5
        if r < 0.6:
            return rng.choice(self.numbers)
        return rng.choice(self.strings)

    def value(self, depth):
        r = self.rng.random()
        if depth <= 0 or r < 0.6:
            return self.scalar()
        if r < 0.8:
            return self.object(depth - 1)
        return self.array(depth - 1)

    def object(self, depth):
        return {n: self.value(depth) for n in self.rng.sample(self.names, self.rng.randint(0, min(5, len(self.names))))}

    def array(self, depth):
        out = [self.value(depth) for _ in range(self.rng.randint(0, 4))]
        if out and self.rng.random() < 0.2:
            out.append(copy.deepcopy(out[0]))
        return out

    def following(self, schema, depth=4):
        """A document shaped after `schema` (not necessarily valid under it)."""
        rng = self.rng
        if not isinstance(schema, dict) or depth <= 0 or rng.random() < 0.1:
            return self.value(1)
        for c in CONNECTORS:
            if schema.get(c):
                return self.following(rng.choice(schema[c]), depth - 1)
        if "enum" in schema and rng.random() < 0.8:
            return copy.deepcopy(rng.choice(schema["enum"]))
        t = schema.get("type")
        if isinstance(t, list):
            t = rng.choice(t)
        if t is None:
            if any(k in schema for k in ("properties", "patternProperties", "additionalProperties", "required")):
                t = "object"
            elif any(k in schema for k in ("items", "additionalItems", "minItems", "maxItems", "uniqueItems")):
                t = "array"
            else:
                return self.value(2)
        if t == "object":
            out = {}
            props = schema.get("properties", {})
            for n in props:
                if n in schema.get("required", []) or rng.random() < 0.6:
                    out[n] = self.following(props[n], depth - 1)
            for n in schema.get("required", []):
                if n not in out and rng.random() < 0.9:
                    out[n] = self.value(1)
            for _ in range(rng.randint(0, 2)):
                out[rng.choice(self.names)] = self.value(1)
            return out
        if t == "array":
            items = schema.get("items", {})
            if isinstance(items, list):
                out = [self.following(x, depth - 1) for x in items[: rng.randint(0, len(items))]]
                if len(out) == len(items) and rng.random() < 0.4:
                    out.append(self.following(schema.get("additionalItems", {}), depth - 1))
                return out
            return [self.following(items, depth - 1) for _ in range(rng.randint(0, 4))]
        if t in ("integer", "number"):
            pool = [n for n in self.numbers if t == "number" or isinstance(n, int)]
            return rng.choice(pool)
        if t == "string":
            return rng.choice(self.strings)
        if t == "boolean":
            return rng.random() < 0.5
        if t == "null":
            return None
        return self.value(2)


def find_witness(validator_class, a, b, seed, tries=1500):
    """A document `a` accepts and `b` rejects, or None."""
    va, vb = validator_class(a), validator_class(b)
    w = Witnesses(random.Random(seed), a, b)
    for i in range(tries):
        r = i % 4
        if r == 0:
            doc = w.following(a)
        elif r == 1:
            doc = w.following(b)
        elif r == 2:
            doc = w.value(3)
        else:
            doc = w.scalar()
        if va.is_valid(doc) and not vb.is_valid(doc):
            return doc
    return None


# ---------------------------------------------------------------------------------------------
# mapcheck


def run_mapcheck(binary, workdir, mode, ids):
    """{pair id: ("compatible" | "incompatible" | "undecided", [error rules])}, or raises
    EnvironmentError with what went wrong."""
    cmd = [binary, "diff", "old", "new", "--mode", mode, "--format", "json", "--color", "never"]
    try:
        proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=1800,
                              env={**os.environ, "NO_COLOR": "1"})
    except subprocess.TimeoutExpired:
        raise EnvironmentError(f"`{' '.join(cmd)}` did not finish in 30 minutes")
    if proc.returncode not in (0, 1):
        raise EnvironmentError(f"`{' '.join(cmd)}` exited {proc.returncode}:\n{proc.stderr.strip() or proc.stdout.strip()}")
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        raise EnvironmentError(f"`{' '.join(cmd)}` printed no JSON report ({e}):\n{proc.stderr.strip()}")
    errors = collections.defaultdict(list)
    by_name = collections.defaultdict(list)
    undecided = set()
    known = set(ids)
    for f in report.get("findings", []):
        severity, rule = f.get("severity"), f.get("rule")
        if severity != "error" and rule != "compatibility-undecided":
            continue
        file = (f.get("location") or {}).get("file") or (f.get("old_location") or {}).get("file")
        pid = os.path.splitext(os.path.basename(file))[0] if file else None
        if pid not in known:
            raise EnvironmentError(f"mapcheck --mode {mode}: a finding not located in a pair's file: {json.dumps(f)}")
        path = f.get("path") or ""
        at_root = path == pid or path[len(pid):len(pid) + 1] in (".", "[", "{", "<", "&", "!")
        if not path.startswith(pid) or not at_root:
            # A named definition compared with its namesake (DEFINITIONS_BY_NAME): not the
            # question the oracle answers.
            by_name[pid].append(rule)
            continue
        if severity == "error":
            errors[pid].append(rule)
        else:
            undecided.add(pid)
    if (proc.returncode == 1) != bool(errors) and not (proc.returncode == 1 and by_name):
        raise EnvironmentError(f"mapcheck --mode {mode} exited {proc.returncode} with {sum(map(len, errors.values()))} error findings")
    out = {}
    for pid in ids:
        # mapcheck says it could not decide: an error beside it is a keyword rule's conservative
        # answer, not a verdict of inclusion.
        if pid in undecided:
            out[pid] = ("undecided", sorted(set(errors.get(pid, []))))
        elif pid in errors:
            out[pid] = ("incompatible", sorted(set(errors[pid])))
        else:
            out[pid] = ("compatible", [])
    return out


# ---------------------------------------------------------------------------------------------
# Running


def compact(schema):
    return json.dumps({k: v for k, v in schema.items() if k != "$schema"}, separators=(",", ":"))


def verdict_word(ok):
    return "compatible" if ok else "incompatible"


def main():
    if sys.argv[1:] == ["--oracle-worker"]:
        oracle_worker()
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mapcheck", required=True, help="path to the mapcheck binary")
    ap.add_argument("--pairs", type=int, default=2400)
    ap.add_argument("--seed", type=int, default=20250904)
    ap.add_argument("--keep", help="write each disagreeing pair (old, new, verdicts) here")
    ap.add_argument("--jobs", type=int, default=2, help="oracle worker processes")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds the oracle gets per question")
    ap.add_argument("--min-compared", type=int, default=2000,
                    help="fail unless at least this many pairs were compared in each mode")
    args = ap.parse_args()
    if not os.access(args.mapcheck, os.X_OK):
        print(f"not an executable: {args.mapcheck}", file=sys.stderr)
        return 2
    binary = os.path.abspath(args.mapcheck)
    try:
        import importlib.metadata

        import jsonschema
        import jsonsubschema  # noqa: F401 - the workers use it

        oracle_version = importlib.metadata.version("jsonsubschema")
    except ImportError:
        print("the Python package `jsonsubschema` is not installed (python3 -m pip install jsonsubschema==0.0.8)",
              file=sys.stderr)
        return 2
    check_schema = jsonschema.Draft4Validator.check_schema

    # 1. Pairs
    rng = random.Random(args.seed)
    names, weights = list(CATEGORIES), list(CATEGORIES.values())
    width = max(4, len(str(args.pairs)))
    pairs = []  # (id, category, old, new, edits)
    for i in range(1, args.pairs + 1):
        category = rng.choices(names, weights)[0]
        old, new, edits = make_pair(rng, category, check_schema)
        pid = f"p{i:0{width}d}"
        pairs.append((pid, category, old, new, edits))

    # 2. The oracle, both directions of each pair, and the blind spots' canaries
    tasks = []
    expanded = {}
    for pid, _, old, new, _ in pairs:
        expanded[pid] = (expand(old), expand(new))
        tasks.append((f"{pid}/backward", *expanded[pid]))
        tasks.append((f"{pid}/forward", *reversed(expanded[pid])))
    for name, (_, _, (lhs, rhs, _)) in ORACLE_BLIND_SPOTS.items():
        tasks.append((f"canary/{name}", lhs, rhs))
    started = time.monotonic()
    try:
        oracle = OraclePool(args.jobs, args.timeout).run(tasks)
    except RuntimeError as e:
        print(f"oracle: {e}", file=sys.stderr)
        return 2
    oracle_seconds = time.monotonic() - started

    # 3. mapcheck, once per mode over all pairs
    workdir = tempfile.mkdtemp(prefix="jsonschema-differential-")
    try:
        for side in ("old", "new"):
            os.makedirs(os.path.join(workdir, side))
        for pid, _, old, new, _ in pairs:
            for side, schema in (("old", old), ("new", new)):
                with open(os.path.join(workdir, side, pid + ".json"), "w") as f:
                    json.dump(schema, f, indent=1)
                    f.write("\n")
        ids = [p[0] for p in pairs]
        mapcheck = {}
        started = time.monotonic()
        for mode in ("backward", "forward"):
            mapcheck[mode] = run_mapcheck(binary, workdir, mode, ids)
        mapcheck_seconds = time.monotonic() - started
    except EnvironmentError as e:
        print(f"mapcheck: {e}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    # 4. Compare
    modes = ("backward", "forward")
    stats = {m: collections.Counter() for m in modes}
    named = {m: collections.Counter() for m in modes}
    per_category = {m: collections.defaultdict(collections.Counter) for m in modes}
    categories = collections.Counter(p[1] for p in pairs)
    coverage = collections.Counter()
    oracle_none = 0
    disagreements, undecided_list, refuted, oracle_failures, unwitnessed = [], [], [], [], []
    kept = collections.defaultdict(dict)
    for pid, category, old, new, edits in pairs:
        for feat in sorted(features_of(old) | features_of(new)):
            coverage[feat] += 1
        for e in edits:
            coverage["edit:" + e] += 1
        for mode in modes:
            answer = oracle[f"{pid}/{mode}"]
            verdict = answer.get("verdict")
            oracle_none += bool(answer.get("none"))
            st, cat = stats[mode], per_category[mode][category]
            blind = next((n for n, (pred, _, _) in ORACLE_BLIND_SPOTS.items() if pred(old, new, mode, verdict)), None)
            if blind:
                named[mode][blind] += 1
                cat["oracle-blind"] += 1
                continue
            if "error" in answer:
                named[mode][answer["error"]] += 1
                cat["oracle-failed"] += 1
                oracle_failures.append(f"{pid} {mode}: {answer['error']} ({category}) old {compact(old)} new {compact(new)}")
                continue
            got, rules = mapcheck[mode][pid]
            if got == "undecided":
                st["undecided"] += 1
                cat["undecided"] += 1
                undecided_list.append(f"{pid} {mode} ({category}; oracle: {verdict_word(verdict)}): old {compact(old)} new {compact(new)}")
                continue
            st["compared"] += 1
            cat["compared"] += 1
            if (got == "compatible") == verdict:
                st["agree"] += 1
                cat["agree"] += 1
                continue
            reason = next((n for n, (pred, _) in DIVERGENCES.items() if pred(old, new, mode, verdict)), None)
            if reason:
                named[mode][reason] += 1
                cat["divergence"] += 1
                continue
            # The question the oracle answered: is lhs a subschema of rhs?
            lhs, rhs = expanded[pid] if mode == "backward" else reversed(expanded[pid])
            witness = find_witness(jsonschema.Draft4Validator, lhs, rhs, f"{args.seed}/{pid}/{mode}")
            if verdict and witness is None:
                # The oracle's "subschema" against mapcheck's "not": look harder for the document.
                witness = find_witness(jsonschema.Draft4Validator, lhs, rhs, f"{args.seed}/{pid}/{mode}/deep",
                                       tries=UNWITNESSED_TRIES)
            shown = "" if witness is None else " witness " + json.dumps(witness, separators=(",", ":"))
            if verdict and witness is not None:
                named[mode]["oracle-refuted"] += 1
                cat["oracle-refuted"] += 1
                refuted.append(f"{pid} {mode}: oracle compatible, mapcheck incompatible [{', '.join(rules)}] ({category}){shown}"
                               f" old {compact(old)} new {compact(new)}")
                continue
            if not verdict and got == "compatible" and witness is None:
                # The oracle's "not a subschema" with nothing to show for it: search harder.
                witness = find_witness(jsonschema.Draft4Validator, lhs, rhs, f"{args.seed}/{pid}/{mode}/deep",
                                       tries=UNWITNESSED_TRIES)
                if witness is None:
                    named[mode]["oracle-unwitnessed"] += 1
                    cat["oracle-unwitnessed"] += 1
                    unwitnessed.append(f"{pid} {mode} ({category}; {', '.join(edits)}): old {compact(old)} new {compact(new)}")
                    continue
                shown = " witness " + json.dumps(witness, separators=(",", ":"))
            st["disagree"] += 1
            cat["disagree"] += 1
            disagreements.append(
                f"{pid} {mode}: oracle {verdict_word(verdict)}, mapcheck {got}"
                f" [{', '.join(rules) or 'no error'}] ({category}; {', '.join(edits)}){shown}"
                f" old {compact(old)} new {compact(new)}"
            )
            kept[pid][mode] = {"oracle": verdict_word(verdict), "mapcheck": got, "rules": rules, "witness": witness}
        if pid in kept:
            kept[pid].update({"category": category, "edits": edits})

    if args.keep and kept:
        os.makedirs(args.keep, exist_ok=True)
        by_id = {p[0]: p for p in pairs}
        for pid, verdicts in kept.items():
            d = os.path.join(args.keep, pid)
            os.makedirs(d, exist_ok=True)
            _, _, old, new, _ = by_id[pid]
            for name, doc in (("old.json", old), ("new.json", new), ("verdict.json", verdicts)):
                with open(os.path.join(d, name), "w") as f:
                    json.dump(doc, f, indent=1)
                    f.write("\n")

    # 5. Summary
    n = len(pairs)
    print(f"jsonschema differential: {n} old/new pairs of draft-04 schemas, seed {args.seed}")
    print("categories: " + ", ".join(f"{c} {categories[c]}" for c in CATEGORIES))
    print("coverage: " + ", ".join(f"{k} {v}" for k, v in sorted(coverage.items())))
    failed = collections.Counter(a["error"] for a in oracle.values() if "error" in a)
    print(
        f"oracle (jsonsubschema {oracle_version}): {len(tasks)} questions in {oracle_seconds:.1f} s with {args.jobs} "
        f"worker(s), {args.timeout:g} s each at most; "
        + (", ".join(f"{k} {v}" for k, v in sorted(failed.items())) or "no failures")
        + f"; {oracle_none} answers None (read as not a subschema)"
    )
    timed = sorted((a["seconds"], tid) for tid, a in oracle.items() if "seconds" in a)
    if timed:
        print(f"oracle time per question: median {1000 * timed[len(timed) // 2][0]:.0f} ms, "
              f"{sum(1 for t, _ in timed if t > 1)} over 1 s; slowest: "
              + ", ".join(f"{tid} {t:.1f} s" for t, tid in reversed(timed[-5:])))
    for name, (_, explanation, (_, _, wrong)) in ORACLE_BLIND_SPOTS.items():
        canary = oracle.get(f"canary/{name}", {})
        still = canary.get("verdict") == wrong
        print(f"oracle blind spot {name}: {explanation}; canary: "
              + ("still wrong" if still else f"answered {canary} - the blind spot may be gone, check it"))
    print(f"mapcheck: 2 runs over {n} pairs in {mapcheck_seconds:.1f} s")
    short = False
    for mode in modes:
        st = stats[mode]
        compared = st["compared"]
        pct = 100.0 * st["agree"] / compared if compared else 0.0
        print(
            f"{mode}: compared {compared}, agree {st['agree']} ({pct:.2f}%), disagree {st['disagree']}, "
            f"undecided {st['undecided']} ({100.0 * st['undecided'] / max(n, 1):.2f}% of pairs)"
        )
        if named[mode]:
            print("  not compared or explained, by name: " + ", ".join(f"{k} {v}" for k, v in sorted(named[mode].items())))
        for c in CATEGORIES:
            cs = per_category[mode][c]
            print(f"  {c}: " + ", ".join(f"{k} {cs[k]}" for k in ("compared", "agree", "disagree", "divergence", "oracle-refuted", "oracle-unwitnessed",
                                                                  "undecided", "oracle-failed", "oracle-blind") if cs[k]))
        if compared < args.min_compared:
            short = True
            print(f"  {compared} pairs compared, fewer than --min-compared {args.min_compared}")
    if oracle_failures:
        print(f"oracle failures ({len(oracle_failures)}), not compared:")
        for line in oracle_failures:
            print("  " + line)
    if unwitnessed:
        print(f"oracle unwitnessed ({len(unwitnessed)}): it says not a subschema, mapcheck says compatible, and "
              f"no document among {UNWITNESSED_TRIES} built from both schemas shows a difference:")
        for line in unwitnessed:
            print("  " + line)
    if refuted:
        print(f"oracle refuted ({len(refuted)}): it says compatible, the witness (a document old accepts and new "
              "rejects for backward, the other way round for forward) says not, and so does mapcheck:")
        for line in refuted:
            print("  " + line)
    if undecided_list:
        print(f"undecided ({len(undecided_list)}):")
        for line in undecided_list:
            print("  " + line)
    print(f"unexplained disagreements: {len(disagreements)}")
    for line in disagreements:
        print("  " + line)
    if args.keep and kept:
        print(f"disagreeing pairs written to {args.keep}")
    return 1 if disagreements or short else 0


def features_of(schema):
    defs = schema.get("definitions", {})
    root = {k: v for k, v in schema.items() if k not in ("$schema", "definitions")}
    return features(root, defs, set())


if __name__ == "__main__":
    sys.exit(main())
