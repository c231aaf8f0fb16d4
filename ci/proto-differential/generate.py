"""Generates old/new pairs of .proto trees by mutating real protos, for the differential test.

Seeds are directories of .proto files (an import root each): the rule fixtures, the example
workspace, the loader fixtures and a few of Google's API protos. Every pair copies one seed as
`old/` and applies one mutation to one file of the copy as `new/`: a deleted field, message, enum
value, service or RPC; a renumbered field; a type change within and across wire groups; a label,
json_name, oneof, default or option change; a removed reservation; a package change; a message
moved to another file; a deleted file... The mutations are plain line edits, so a few give files
that do not compile; the comparison skips pairs that buf cannot build.

Usage: python3 generate.py OUT_DIR [--seed N] [--max-per-kind N]
Deterministic for a given seed.
"""

import argparse
import os
import random
import re
import shutil

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

SCALARS = ["double", "float", "int32", "int64", "uint32", "uint64", "sint32", "sint64",
           "fixed32", "fixed64", "sfixed32", "sfixed64", "bool", "string", "bytes"]
# A type in the same wire group, and one in another.
SAME_WIRE = {"int32": ["uint32", "int64", "bool"], "int64": ["uint64", "int32"], "uint32": ["int32", "uint64"],
             "uint64": ["int64", "uint32"], "bool": ["int32"], "sint32": ["sint64"], "sint64": ["sint32"],
             "fixed32": ["sfixed32"], "sfixed32": ["fixed32"], "fixed64": ["sfixed64"],
             "sfixed64": ["fixed64"], "string": ["bytes"], "bytes": ["string"]}
OTHER_WIRE = {"int32": ["string", "sint32", "fixed32"], "int64": ["double", "sint64", "string"],
              "uint32": ["fixed32", "float"], "uint64": ["fixed64"], "bool": ["string"],
              "sint32": ["int32"], "sint64": ["int64"], "fixed32": ["int32"], "sfixed32": ["float"],
              "fixed64": ["double"], "sfixed64": ["int64"], "string": ["int64", "bool"],
              "bytes": ["int32"], "double": ["float", "int64"], "float": ["double", "fixed32"]}
FILE_OPTIONS = {
    "go_package": '"example.com/mutated/v1;mutatedv1"',
    "java_package": '"com.example.mutated"',
    "java_outer_classname": '"MutatedProto"',
    "java_multiple_files": "false",
    "csharp_namespace": '"Mutated.V1"',
    "objc_class_prefix": '"MUT"',
    "php_namespace": '"Mutated\\\\V1"',
    "php_class_prefix": '"Mut"',
    "php_metadata_namespace": '"Mutated\\\\Meta"',
    "ruby_package": '"Mutated::V1"',
    "swift_prefix": '"Mut"',
    "optimize_for": "CODE_SIZE",
    "cc_enable_arenas": "false",
    "cc_generic_services": "true",
    "java_generic_services": "true",
    "py_generic_services": "true",
    "java_string_check_utf8": "true",
}

FIELD = re.compile(
    r"^(?P<indent>\s*)(?:(?P<label>optional|required|repeated)\s+)?"
    r"(?P<type>map\s*<\s*[\w.]+\s*,\s*[\w.]+\s*>|\.?[\w.]+)\s+(?P<name>\w+)\s*=\s*(?P<number>\d+)\s*"
    r"(?P<options>\[[^\]]*\])?\s*;\s*(?P<comment>//.*)?$")
ENUM_VALUE = re.compile(r"^(?P<indent>\s*)(?P<name>\w+)\s*=\s*(?P<number>-?\d+)\s*(?P<options>\[[^\]]*\])?\s*;")
HEADER = re.compile(r"^\s*(?P<kind>message|enum|service|oneof|extend)\s+(?P<name>[\w.]+)\s*\{")
RPC = re.compile(r"^(?P<indent>\s*)rpc\s+(?P<name>\w+)\s*\(\s*(?P<cs>stream\s+)?(?P<input>[\w.]+)\s*\)\s*"
                 r"returns\s*\(\s*(?P<ss>stream\s+)?(?P<output>[\w.]+)\s*\)")
NOT_TYPES = {"option", "reserved", "extensions", "rpc", "returns", "syntax", "package", "import", "edition"}


def code_of(line, in_comment):
    """The line without comments and string literals (for counting braces), and the comment state."""
    out = []
    i = 0
    while i < len(line):
        if in_comment:
            end = line.find("*/", i)
            if end < 0:
                return "".join(out), True
            i = end + 2
            in_comment = False
            continue
        c = line[i]
        if line.startswith("//", i):
            break
        if line.startswith("/*", i):
            in_comment = True
            i += 2
            continue
        if c in "\"'":
            end = i + 1
            while end < len(line) and line[end] != c:
                end += 2 if line[end] == "\\" else 1
            i = end + 1
            continue
        out.append(c)
        i += 1
    return "".join(out), in_comment


class ProtoFile:
    """A .proto file as lines, each with the blocks it sits in."""

    def __init__(self, rel, text):
        self.rel = rel
        self.lines = text.split("\n")
        self.scopes = []  # per line: list of (kind, name, start line) of the enclosing blocks
        self.blocks = []  # (kind, name, start, end, depth)
        stack = []
        in_comment = False
        for i, line in enumerate(self.lines):
            self.scopes.append(list(stack))
            code, in_comment = code_of(line, in_comment)
            m = HEADER.match(code)
            r = RPC.match(code)
            opened = False
            for c in code:
                if c == "{":
                    if not opened and m:
                        stack.append((m.group("kind"), m.group("name"), i))
                    elif not opened and r:
                        stack.append(("rpc", r.group("name"), i))
                    else:
                        stack.append(("other", "", i))
                    opened = True
                elif c == "}" and stack:
                    kind, name, start = stack.pop()
                    self.blocks.append((kind, name, start, i, len(stack)))
        self.syntax = "proto2"
        if re.search(r'^\s*syntax\s*=\s*"proto3"', text, re.M):
            self.syntax = "proto3"
        if re.search(r'^\s*edition\s*=', text, re.M):
            self.syntax = "editions"
        text_code = "\n".join(code_of(line, False)[0] for line in self.lines)
        m = re.search(r"^\s*package\s+([\w.]+)\s*;", text_code, re.M)
        self.package = m.group(1) if m else ""
        self.imports = re.findall(r'^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"', text_code, re.M)

    def text(self):
        return "\n".join(self.lines)

    def parent(self, i):
        scope = self.scopes[i]
        return scope[-1] if scope else None

    def fields(self):
        for i, line in enumerate(self.lines):
            p = self.parent(i)
            if not p or p[0] not in ("message", "oneof", "extend"):
                continue
            m = FIELD.match(line)
            if m and m.group("type") not in NOT_TYPES:
                yield i, m, p

    def enum_values(self):
        for i, line in enumerate(self.lines):
            p = self.parent(i)
            if p and p[0] == "enum":
                m = ENUM_VALUE.match(line)
                if m and m.group("name") not in ("option", "reserved"):
                    yield i, m, p

    def rpcs(self):
        for i, line in enumerate(self.lines):
            m = RPC.match(line)
            if m:
                yield i, m

    def block_of(self, start):
        for b in self.blocks:
            if b[2] == start:
                return b
        return None

    def top_level(self, kind):
        return [b for b in self.blocks if b[0] == kind and b[4] == 0]


def replace(lines, i, new):
    out = list(lines)
    if new is None:
        del out[i]
    else:
        out[i] = new
    return out


def delete_block(lines, start, end):
    return lines[:start] + lines[end + 1:]


def field_line(m, label=None, type_=None, name=None, number=None, options=None):
    label = m.group("label") if label is None else label
    parts = [m.group("indent")]
    if label:
        parts.append(label + " ")
    parts.append(m.group("type") if type_ is None else type_)
    parts.append(" " + (m.group("name") if name is None else name))
    parts.append(" = " + str(m.group("number") if number is None else number))
    opts = m.group("options") if options is None else options
    if opts:
        parts.append(" " + opts)
    parts.append(";")
    return "".join(parts)


def mutations(pf, all_files, rng):
    """Every mutation of one file: (kind, description, {rel: new text or None to delete})."""
    lines = pf.lines
    enums = {b[1] for f in all_files.values() for b in f.blocks if b[0] == "enum"}
    messages_here = [b for b in pf.blocks if b[0] == "message"]

    def edit(kind, desc, new_lines, extra=None):
        change = {pf.rel: "\n".join(new_lines)}
        change.update(extra or {})
        return (kind, f"{pf.rel}: {desc}", change)

    for i, m, parent in pf.fields():
        name, number, type_, label = m.group("name"), int(m.group("number")), m.group("type"), m.group("label")
        in_oneof = parent[0] == "oneof"
        in_extend = parent[0] == "extend"
        is_map = type_.startswith("map")
        where = f"{parent[1]}.{name}"
        yield edit("delete-field", f"delete {where}", replace(lines, i, None))
        if not in_extend:
            yield edit("delete-field-reserve-number", f"delete {where}, reserve {number}",
                       replace(lines, i, f"{m.group('indent')}reserved {number};"))
            if pf.syntax != "editions":
                yield edit("delete-field-reserve-name", f"delete {where}, reserve its name",
                           replace(lines, i, f'{m.group("indent")}reserved "{name}";'))
            yield edit("renumber-field", f"renumber {where}",
                       replace(lines, i, field_line(m, number=number + 7000)))
        yield edit("rename-field", f"rename {where}", replace(lines, i, field_line(m, name=name + "_renamed")))
        if not in_extend:
            opts = m.group("options") or ""
            if "json_name" not in opts:
                inner = opts[1:-1].strip() if opts else ""
                new_opts = "[" + (inner + ", " if inner else "") + 'json_name = "mutatedJsonName"]'
                yield edit("json-name", f"json_name on {where}", replace(lines, i, field_line(m, options=new_opts)))
        base = type_.lstrip(".")
        if base in SCALARS:
            for t in SAME_WIRE.get(base, []):
                yield edit("type-same-wire", f"{where}: {base} -> {t}", replace(lines, i, field_line(m, type_=t)))
            for t in OTHER_WIRE.get(base, []):
                yield edit("type-other-wire", f"{where}: {base} -> {t}", replace(lines, i, field_line(m, type_=t)))
            if base in ("int64", "uint64", "sint64", "fixed64", "sfixed64") and "jstype" not in (m.group("options") or ""):
                yield edit("jstype", f"jstype on {where}", replace(lines, i, field_line(m, options="[jstype = JS_STRING]")))
            if base in ("string", "bytes") and pf.syntax != "editions" and not is_map:
                yield edit("ctype", f"ctype on {where}", replace(lines, i, field_line(m, options="[ctype = CORD]")))
            if pf.syntax == "proto2" and label != "repeated" and not in_oneof:
                default = {"string": '"mutated"', "bytes": '"mutated"', "bool": "true", "double": "1.5",
                           "float": "2.5"}.get(base, "7")
                yield edit("default", f"default on {where}",
                           replace(lines, i, field_line(m, options=f"[default = {default}]")))
        elif is_map:
            key, value = [x.strip() for x in type_[type_.index("<") + 1:-1].split(",")]
            for t in (SAME_WIRE.get(value, []) + OTHER_WIRE.get(value, []))[:2] or ["bytes"]:
                yield edit("map-value-type", f"{where}: map value {value} -> {t}",
                           replace(lines, i, field_line(m, type_=f"map<{key}, {t}>")))
            yield edit("map-to-repeated", f"{where}: map -> repeated",
                       replace(lines, i, field_line(m, label="repeated", type_=value if value in SCALARS else "string")))
        else:
            short = base.split(".")[-1]
            if short in enums:
                yield edit("type-enum-to-int", f"{where}: enum -> int32", replace(lines, i, field_line(m, type_="int32")))
            else:
                yield edit("type-message-to-string", f"{where}: message -> string",
                           replace(lines, i, field_line(m, type_="string")))
                others = [b[1] for b in messages_here if b[1] != short and b[4] == 0]
                if others:
                    yield edit("type-message-to-message", f"{where}: {short} -> {others[0]}",
                               replace(lines, i, field_line(m, type_=others[0])))
        if not in_oneof and not is_map and not in_extend:
            if label is None and pf.syntax == "proto3":
                yield edit("label-optional", f"optional {where}", replace(lines, i, field_line(m, label="optional")))
                yield edit("label-repeated", f"repeated {where}", replace(lines, i, field_line(m, label="repeated")))
            elif label == "optional" and pf.syntax == "proto3":
                yield edit("label-implicit", f"implicit {where}", replace(lines, i, field_line(m, label="")))
            elif label == "optional" and pf.syntax == "proto2":
                yield edit("label-required", f"required {where}", replace(lines, i, field_line(m, label="required")))
                yield edit("label-repeated", f"repeated {where}", replace(lines, i, field_line(m, label="repeated")))
            elif label == "required":
                yield edit("label-optional", f"optional {where}", replace(lines, i, field_line(m, label="optional")))
            elif label == "repeated":
                singular = "optional" if pf.syntax == "proto2" else ""
                yield edit("label-singular", f"singular {where}", replace(lines, i, field_line(m, label=singular)))
            if label in (None, "") and pf.syntax in ("proto3", "editions") and parent[0] == "message":
                indent = m.group("indent")
                yield edit("into-oneof", f"{where} into a oneof",
                           replace(lines, i, f"{indent}oneof mutated_choice {{\n{indent}  {line_without_label(m)}\n{indent}}}"))
        if pf.syntax == "editions" and not in_oneof and not is_map and label is None and base in SCALARS:
            yield edit("feature-presence", f"implicit presence for {where}",
                       replace(lines, i, field_line(m, options="[features.field_presence = IMPLICIT]")))

    # Oneofs: unwrap (the fields stay, the oneof goes).
    for b in pf.blocks:
        if b[0] == "oneof":
            _, name, start, end, _ = b
            body = [ln for ln in lines[start + 1:end] if not re.match(r"^\s*option\s", ln)]
            new = lines[:start] + body + lines[end + 1:]
            yield edit("delete-oneof", f"unwrap oneof {name}", new)

    for i, m, parent in pf.enum_values():
        name, number = m.group("name"), int(m.group("number"))
        block = pf.block_of(parent[2])
        values = [v for v in pf.enum_values() if v[2] == parent]
        if len(values) > 1 and values[0][0] != i:
            yield edit("delete-enum-value", f"delete {parent[1]}.{name}", replace(lines, i, None))
            yield edit("delete-enum-value-reserve", f"delete {parent[1]}.{name}, reserve {number}",
                       replace(lines, i, f"{m.group('indent')}reserved {number};"))
            yield edit("renumber-enum-value", f"renumber {parent[1]}.{name}",
                       replace(lines, i, f"{m.group('indent')}{name} = {number + 500};"))
        yield edit("rename-enum-value", f"rename {parent[1]}.{name}",
                   replace(lines, i, f"{m.group('indent')}{name}_RENAMED = {number}{' ' + m.group('options') if m.group('options') else ''};"))
        if values[0][0] == i and "allow_alias" not in "\n".join(lines[parent[2]:i]):
            yield edit("enum-alias", f"alias for {parent[1]}.{name}",
                       lines[:i + 1] + [f"{m.group('indent')}option allow_alias = true;",
                                        f"{m.group('indent')}{name}_ALIAS = {number};"] + lines[i + 1:])
        if block and pf.syntax == "editions" and values[0][0] == i:
            yield edit("feature-enum-type", f"close enum {parent[1]}",
                       lines[:i] + [f"{m.group('indent')}option features.enum_type = CLOSED;"] + lines[i:])

    for i, line in enumerate(lines):
        code, _ = code_of(line, False)
        if re.match(r"^\s*reserved\s", code):
            yield edit("delete-reserved", f"remove `{line.strip()}`", replace(lines, i, None))
        if re.match(r"^\s*extensions\s", code):
            yield edit("delete-extension-range", f"remove `{line.strip()}`", replace(lines, i, None))
        pm = re.match(r"^\s*package\s+([\w.]+)\s*;", code)
        if pm:
            yield edit("package", f"package {pm.group(1)} -> {pm.group(1)}.mutated",
                       replace(lines, i, f"package {pm.group(1)}.mutated;"))
        om = re.match(r"^\s*option\s+(\w+)\s*=", code)
        if om and not pf.parent(i):
            option = om.group(1)
            yield edit("file-option-removed", f"remove option {option}", replace(lines, i, None))
            if option in FILE_OPTIONS:
                yield edit("file-option-changed", f"change option {option}",
                           replace(lines, i, f"option {option} = {FILE_OPTIONS[option]};"))
        sm = re.match(r'^\s*syntax\s*=\s*"(proto2|proto3)"', code)
        if sm:
            other = "proto3" if sm.group(1) == "proto2" else "proto2"
            yield edit("syntax", f"syntax {sm.group(1)} -> {other}", replace(lines, i, f'syntax = "{other}";'))

    # New file options, one at a time.
    anchor = next((i for i, ln in enumerate(lines) if re.match(r"^\s*package\s", ln)), None)
    if anchor is not None:
        present = set(re.findall(r"^\s*option\s+(\w+)", pf.text(), re.M))
        for option, value in FILE_OPTIONS.items():
            if option not in present and pf.syntax != "editions":
                yield edit("file-option-added", f"add option {option}",
                           lines[:anchor + 1] + [f"option {option} = {value};"] + lines[anchor + 1:])

    for kind in ("message", "enum", "service"):
        for b in pf.blocks:
            if b[0] == kind and not (kind == "message" and b[1].endswith("Entry")):
                yield edit(f"delete-{kind}", f"delete {kind} {b[1]}", delete_block(lines, b[2], b[3]))
    for b in pf.blocks:
        if b[0] == "message" and b[4] >= 0:
            line = lines[b[2]]
            indent = re.match(r"^\s*", line).group(0)
            yield edit("descriptor-accessor", f"no_standard_descriptor_accessor on {b[1]}",
                       lines[:b[2] + 1] + [f"{indent}  option no_standard_descriptor_accessor = true;"] + lines[b[2] + 1:])
            if pf.syntax == "editions":
                yield edit("feature-json-format", f"legacy JSON for {b[1]}",
                           lines[:b[2] + 1] + [f"{indent}  option features.json_format = LEGACY_BEST_EFFORT;"] + lines[b[2] + 1:])

    message_names = [b[1] for b in pf.blocks if b[0] == "message" and b[4] == 0]
    for i, m in pf.rpcs():
        indent, name = m.group("indent"), m.group("name")
        block = next((b for b in pf.blocks if b[0] == "rpc" and b[2] == i), None)
        if block:
            yield edit("delete-rpc", f"delete rpc {name}", delete_block(lines, block[2], block[3]))
        else:
            yield edit("delete-rpc", f"delete rpc {name}", replace(lines, i, None))
        line = lines[i]
        stream_in = "stream " if m.group("cs") else ""
        stream_out = "stream " if m.group("ss") else ""
        yield edit("rpc-client-streaming", f"toggle client streaming of {name}",
                   replace(lines, i, line.replace(f"({stream_in}{m.group('input')})",
                                                  f"({'' if stream_in else 'stream '}{m.group('input')})", 1)))
        yield edit("rpc-server-streaming", f"toggle server streaming of {name}",
                   replace(lines, i, line.replace(f"returns ({stream_out}{m.group('output')})",
                                                  f"returns ({'' if stream_out else 'stream '}{m.group('output')})", 1)))
        other = [n for n in message_names if n not in (m.group("input"), m.group("output").split(".")[-1])]
        if other:
            yield edit("rpc-request-type", f"request of {name} -> {other[0]}",
                       replace(lines, i, line.replace(f"{m.group('input')})", f"{other[0]})", 1)))
            yield edit("rpc-response-type", f"response of {name} -> {other[0]}",
                       replace(lines, i, line.replace(f"returns ({stream_out}{m.group('output')})",
                                                      f"returns ({stream_out}{other[0]})", 1)))
        if block:
            body = "\n".join(lines[block[2]:block[3] + 1])
            if "idempotency_level" in body:
                new = [re.sub(r"idempotency_level\s*=\s*\w+", "idempotency_level = IDEMPOTENCY_UNKNOWN", ln)
                       for ln in lines]
                yield edit("rpc-idempotency", f"idempotency of {name}", new)
            http = re.search(r'(get|post|put|patch|delete)\s*:\s*"([^"]+)"', body)
            if http:
                new = list(lines)
                for k in range(block[2], block[3] + 1):
                    if http.group(2) in new[k]:
                        new[k] = new[k].replace(http.group(2), http.group(2) + "/mutated", 1)
                        break
                yield edit("http-route", f"http route of {name}", new)
        else:
            yield edit("rpc-idempotency", f"idempotency of {name}",
                       replace(lines, i, line.rstrip().rstrip(";") + " {\n" + indent
                               + "  option idempotency_level = NO_SIDE_EFFECTS;\n" + indent + "}"))

    # Move a top-level message that uses nothing else declared in this file to a new file.
    names_here = {b[1] for b in pf.blocks if b[4] == 0}
    for b in pf.top_level("message"):
        body = lines[b[2]:b[3] + 1]
        words = set(re.findall(r"[A-Za-z_][\w]*", "\n".join(code_of(ln, False)[0] for ln in body)))
        if words & (names_here - {b[1]}) or pf.syntax == "editions":
            continue
        dirname = os.path.dirname(pf.rel)
        moved_rel = os.path.join(dirname, "moved_" + b[1].lower() + ".proto")
        header = [f'syntax = "{pf.syntax}";', ""]
        if pf.package:
            header += [f"package {pf.package};", ""]
        header += [f'import "{imp}";' for imp in pf.imports] + [""]
        rest = delete_block(lines, b[2], b[3])
        anchor = next((k for k, ln in enumerate(rest) if re.match(r"^\s*package\s", ln)), 0)
        rest = rest[:anchor + 1] + [f'import "{moved_rel}";'] + rest[anchor + 1:]
        yield edit("move-message", f"move {b[1]} to {moved_rel}", rest, {moved_rel: "\n".join(header + body) + "\n"})
        break

    # Delete the whole file when nothing imports it.
    imported = {imp for f in all_files.values() for imp in f.imports}
    if pf.rel not in imported and len(all_files) > 1:
        yield ("delete-file", f"{pf.rel}: delete the file", {pf.rel: None})


def line_without_label(m):
    return f"{m.group('type')} {m.group('name')} = {m.group('number')}" + \
        (f" {m.group('options')}" if m.group("options") else "") + ";"


def seeds():
    """(name, directory, files to mutate or None for all) of every seed. A seed's directory is its
    import root; with a list of files, only those are copied and mutated."""
    out = []
    rules = os.path.join(REPO, "tests/fixtures/rules")
    for rule in sorted(os.listdir(rules)):
        old = os.path.join(rules, rule, "old")
        if os.path.isdir(old):
            out.append((f"rule-{rule}", old, None, None))
    out.append(("erp", os.path.join(REPO, "contracts"), None, None))
    out.append(("loader", os.path.join(REPO, "tests/fixtures/protobuf/nested"), None, None))
    out.append(("legacy", os.path.join(REPO, "tests/fixtures/protobuf"), ["legacy.proto"], ["legacy.proto"]))
    out.append(("editions", os.path.join(REPO, "tests/fixtures/editions"), None, None))
    corpus = os.path.join(REPO, "tests/fixtures/proto-corpus")
    out.append(("google", corpus, None, [
        "google/pubsub/v1/pubsub.proto", "google/pubsub/v1/schema.proto", "google/type/money.proto",
        "google/type/date.proto", "google/type/dayofweek.proto", "google/type/postal_address.proto",
        "google/type/timeofday.proto", "google/rpc/error_details.proto", "google/rpc/code.proto",
        "google/longrunning/operations.proto", "google/api/http.proto", "google/type/latlng.proto"]))
    return out


def proto_files(root):
    found = {}
    for dirpath, _, names in os.walk(root):
        for n in names:
            if n.endswith(".proto"):
                path = os.path.join(dirpath, n)
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                with open(path, encoding="utf-8") as f:
                    found[rel] = f.read()
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--max-per-kind", type=int, default=16,
                        help="at most this many pairs of one mutation kind")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    if os.path.exists(args.out):
        shutil.rmtree(args.out)
    os.makedirs(args.out)
    count = 0
    kinds = {}
    by_kind = {}
    for name, root, copy_only, only in seeds():
        texts = proto_files(root)
        if copy_only is not None:
            texts = {rel: text for rel, text in texts.items() if rel in copy_only}
        parsed = {rel: ProtoFile(rel, text) for rel, text in texts.items()}
        for rel in sorted(parsed):
            if only is not None and rel not in only:
                continue
            for kind, desc, change in mutations(parsed[rel], parsed, rng):
                by_kind.setdefault(kind, []).append((name, texts, desc, change))
    for kind in sorted(by_kind):
        chosen = by_kind[kind]
        if len(chosen) > args.max_per_kind:
            chosen = rng.sample(chosen, args.max_per_kind)
        for name, texts, desc, change in chosen:
            count += 1
            kinds[kind] = kinds.get(kind, 0) + 1
            pair = os.path.join(args.out, f"{count:04d}-{name}-{kind}")
            for side in ("old", "new"):
                for rel, text in texts.items():
                    if side == "new" and rel in change:
                        continue
                    write(os.path.join(pair, side, rel), text)
            for rel, text in change.items():
                if text is not None:
                    write(os.path.join(pair, "new", rel), text)
            write(os.path.join(pair, "MUTATION"), desc + "\n")
    print(f"{count} pairs in {args.out}")
    for kind in sorted(kinds):
        print(f"  {kind:30} {kinds[kind]}")


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
