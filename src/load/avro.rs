//! Avro: `.avsc` schemas and `.avpr` protocols, read into the contract model.
//!
//! Named types may be used across all the files read together, in any order, so loading has three
//! steps: collect every declaration (full name -> where it is), convert each file into one
//! [`Contract`], then check defaults, which can only be judged once the types they mention are known.
//!
//! Every use of a named type, its inline declaration included, becomes a [`TypeKind::Ref`] to the
//! type's full name; the declaration itself goes into the declaring file's `types`. That is what keeps
//! recursive records (`["null", "Node"]`) finite.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::SourceFile;
use super::tree::{self, Node, Value};
use crate::finding::{Finding, RuleMeta, lint};
use crate::model::{
    AvroMessage, Contract, EnumValue, Field, Format, Location, NamedType, ObjectType, Primitive, Type, TypeKind,
    TypeOrigin, UnionKind, pointer_push,
};

/// Extension key: the logical type as written (`decimal`, `timestamp-millis`, or an unknown one).
pub const EXT_LOGICAL_TYPE: &str = "avro.logicalType";
/// Extension key: the Avro type a logical type annotates (`bytes`, `fixed`, `long`, ...).
pub const EXT_TYPE: &str = "avro.type";
/// Extension key: the size of the `fixed` a logical type annotates.
pub const EXT_SIZE: &str = "avro.size";
/// Extension key on a type that came from a union with `null`: whether `null` is the first branch
/// (which decides what a default may be).
pub const EXT_NULL_FIRST: &str = "avro.null_first";
/// Extension key on a field's type whose default does not fit the type (an `invalid-avro-default`
/// lint finding says why). Schema resolution cannot use such a default.
pub const EXT_INVALID_DEFAULT: &str = "avro.invalid_default";

const PRIMITIVES: [&str; 8] = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"];
const NAMED_KINDS: [&str; 4] = ["record", "error", "enum", "fixed"];
const FIELD_ORDERS: [&str; 3] = ["ascending", "descending", "ignore"];

/// Backstop for the converters' recursion; the tree is at most [`tree::MAX_DEPTH`] deep already.
const MAX_NESTING: usize = 2 * tree::MAX_DEPTH;
/// Backstop for default checking, which follows references (each hop also descends the value).
const MAX_DEFAULT_DEPTH: usize = 4 * tree::MAX_DEPTH;
/// Budget of checks for one default. Looking for the union branch a default would fit (for the
/// hint) can multiply work at every nested union; past this budget the default is accepted.
const MAX_DEFAULT_STEPS: usize = 200_000;

/// Loads a set of Avro files that may refer to each other's named types: one contract per file.
pub fn load_set(docs: Vec<(SourceFile, Node)>) -> (Vec<Contract>, Vec<Finding>) {
    // A file named twice (a directory and a file inside it) is one file, not a set of duplicate types.
    let mut paths = HashSet::new();
    let docs: Vec<(SourceFile, Node)> = docs
        .into_iter()
        .filter(|(source, _)| paths.insert(source.path.clone()))
        .collect();

    let mut findings = Vec::new();
    let mut declared: IndexMap<String, Location> = IndexMap::new();
    for (source, node) in &docs {
        let mut collector = Collector {
            source,
            declared: &mut declared,
            findings: &mut findings,
        };
        collector.document(node);
    }

    let mut pending = Pending::default();
    let mut contracts = Vec::with_capacity(docs.len());
    for (source, node) in &docs {
        let converter = Converter {
            source,
            declared: &declared,
            findings: &mut findings,
            pending: &mut pending,
            types: IndexMap::new(),
        };
        contracts.push(converter.document(node));
    }

    let invalid = check_pending(&contracts, pending, &mut findings);
    mark_invalid_defaults(&mut contracts, &invalid);
    (contracts, findings)
}

// ---------------------------------------------------------------------------------------------
// Names

/// A resolved Avro name.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Name {
    full: String,
    short: String,
    /// `None` is the null namespace.
    namespace: Option<String>,
}

/// Resolves a written name: a dotted name is already full; otherwise the `namespace` attribute
/// applies, else the enclosing namespace. An empty namespace is the null namespace.
fn resolve_name(written: &str, namespace_attr: Option<&str>, enclosing: Option<&str>) -> Name {
    if let Some((ns, short)) = written.rsplit_once('.') {
        let namespace = (!ns.is_empty()).then(|| ns.to_string());
        let full = match &namespace {
            Some(ns) => format!("{ns}.{short}"),
            None => short.to_string(),
        };
        return Name {
            full,
            short: short.to_string(),
            namespace,
        };
    }
    let namespace = namespace_attr
        .or(enclosing)
        .filter(|ns| !ns.is_empty())
        .map(str::to_string);
    let full = match &namespace {
        Some(ns) => format!("{ns}.{written}"),
        None => written.to_string(),
    };
    Name {
        full,
        short: written.to_string(),
        namespace,
    }
}

/// The name a `record`/`error`/`enum`/`fixed` object declares, if it has a string `name`.
fn declared_name(node: &Node, enclosing: Option<&str>) -> Option<Name> {
    let written = node.get("name")?.as_str()?;
    Some(resolve_name(
        written,
        node.get("namespace").and_then(Node::as_str),
        enclosing,
    ))
}

/// The full name of a protocol, if it has a string `protocol`.
fn protocol_name(node: &Node) -> Option<Name> {
    let written = node.get("protocol")?.as_str()?;
    Some(resolve_name(
        written,
        node.get("namespace").and_then(Node::as_str),
        None,
    ))
}

/// `[A-Za-z_][A-Za-z0-9_]*`
fn is_valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Dot-separated valid names; the empty string is the null namespace.
fn is_valid_namespace(s: &str) -> bool {
    s.is_empty() || s.split('.').all(is_valid_name)
}

fn is_named_declaration(node: &Node) -> bool {
    node.get("type")
        .and_then(Node::as_str)
        .is_some_and(|t| NAMED_KINDS.contains(&t))
}

fn index_pointer(pointer: &str, key: &str, index: usize) -> String {
    pointer_push(&pointer_push(pointer, key), &index.to_string())
}

// ---------------------------------------------------------------------------------------------
// Step 1: collect declarations

/// Walks a file the way [`Converter`] does, recording where each full name is declared.
struct Collector<'a> {
    source: &'a SourceFile,
    declared: &'a mut IndexMap<String, Location>,
    findings: &'a mut Vec<Finding>,
}

impl Collector<'_> {
    fn document(&mut self, node: &Node) {
        if node.get("protocol").is_none() {
            self.schema(node, None, "", 0);
            return;
        }
        let ns = protocol_name(node).and_then(|n| n.namespace);
        let ns = ns.as_deref();
        if let Some(types) = node.get("types").and_then(Node::as_seq) {
            for (i, t) in types.iter().enumerate() {
                self.schema(t, ns, &index_pointer("", "types", i), 1);
            }
        }
        if let Some(messages) = node.get("messages").and_then(Node::as_map) {
            for (name, entry) in messages {
                let pointer = pointer_push(&pointer_push("", "messages"), name);
                let message = &entry.value;
                if let Some(request) = message.get("request").and_then(Node::as_seq) {
                    self.fields(request, ns, &pointer_push(&pointer, "request"), 2);
                }
                if let Some(response) = message.get("response") {
                    self.schema(response, ns, &pointer_push(&pointer, "response"), 2);
                }
                if let Some(errors) = message.get("errors").and_then(Node::as_seq) {
                    for (i, e) in errors.iter().enumerate() {
                        self.schema(e, ns, &index_pointer(&pointer, "errors", i), 2);
                    }
                }
            }
        }
    }

    fn fields(&mut self, fields: &[Node], ns: Option<&str>, pointer: &str, depth: usize) {
        for (i, field) in fields.iter().enumerate() {
            if let Some(t) = field.get("type") {
                let p = pointer_push(&pointer_push(pointer, &i.to_string()), "type");
                self.schema(t, ns, &p, depth + 1);
            }
        }
    }

    fn schema(&mut self, node: &Node, ns: Option<&str>, pointer: &str, depth: usize) {
        if depth > MAX_NESTING {
            return;
        }
        match &node.value {
            Value::Seq(branches) => {
                for (i, b) in branches.iter().enumerate() {
                    self.schema(b, ns, &pointer_push(pointer, &i.to_string()), depth + 1);
                }
            }
            Value::Map(_) => {
                let Some(type_node) = node.get("type") else { return };
                match type_node.as_str() {
                    Some(kind) if NAMED_KINDS.contains(&kind) => {
                        let name = declared_name(node, ns);
                        if let Some(name) = &name {
                            self.declare(name, node, pointer);
                        }
                        if matches!(kind, "record" | "error")
                            && let Some(fields) = node.get("fields").and_then(Node::as_seq)
                        {
                            let inner = match &name {
                                Some(n) => n.namespace.as_deref(),
                                None => ns,
                            };
                            self.fields(fields, inner, &pointer_push(pointer, "fields"), depth + 1);
                        }
                    }
                    Some("array") => {
                        if let Some(items) = node.get("items") {
                            self.schema(items, ns, &pointer_push(pointer, "items"), depth + 1);
                        }
                    }
                    Some("map") => {
                        if let Some(values) = node.get("values") {
                            self.schema(values, ns, &pointer_push(pointer, "values"), depth + 1);
                        }
                    }
                    Some(_) => {}
                    None => self.schema(type_node, ns, &pointer_push(pointer, "type"), depth + 1),
                }
            }
            _ => {}
        }
    }

    fn declare(&mut self, name: &Name, node: &Node, pointer: &str) {
        let location = Location::new(self.source.display.clone(), pointer, node.pos);
        if let Some(first) = self.declared.get(&name.full) {
            let message = format!(
                "type {} is declared twice; the first declaration is at {first}. Full names must be unique across the Avro files read together",
                name.full
            );
            self.findings
                .push(Finding::new(&lint::DUPLICATE_TYPE, message, location));
        } else {
            self.declared.insert(name.full.clone(), location);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Step 2: convert

/// A field default, checked once every file is converted (it may mention types of other files).
struct PendingDefault {
    /// What the default belongs to: `field "balance" of record com.example.Customer`.
    context: String,
    ty: Type,
    value: Node,
    location: Location,
}

/// A type a message lists in `errors`, checked once every type's origin is known.
struct ErrorUse {
    context: String,
    target: String,
    location: Location,
}

#[derive(Default)]
struct Pending {
    defaults: Vec<PendingDefault>,
    error_uses: Vec<ErrorUse>,
}

/// Converts one file. Named types go into `types`; every use of one is a reference.
struct Converter<'a> {
    source: &'a SourceFile,
    declared: &'a IndexMap<String, Location>,
    findings: &'a mut Vec<Finding>,
    pending: &'a mut Pending,
    /// Named types declared in this file, in declaration order (outer before inner).
    types: IndexMap<String, NamedType>,
}

impl Converter<'_> {
    fn document(mut self, node: &Node) -> Contract {
        let stem = self
            .source
            .path
            .file_stem()
            .and_then(|s| s.to_str())
            .map_or_else(|| self.source.display.clone(), str::to_string);
        let mut contract = if node.get("protocol").is_some() {
            let (name, messages) = self.protocol(node, &stem);
            let mut contract = Contract::new(name, Format::Avro, self.source.display.clone());
            contract.messages = messages;
            contract
        } else {
            let declares = is_named_declaration(node);
            let ty = *self.schema(node, None, "", 0);
            let (name, root) = match &ty.kind {
                TypeKind::Ref { target } if declares => (target.clone(), None),
                _ => (stem, Some(ty)),
            };
            let mut contract = Contract::new(name, Format::Avro, self.source.display.clone());
            contract.root = root;
            contract
        };
        contract.format_version = Some("avro".into());
        contract.types = self.types;
        contract
    }

    fn location(&self, pointer: &str, node: &Node) -> Location {
        Location::new(self.source.display.clone(), pointer, node.pos)
    }

    fn report(&mut self, rule: &'static RuleMeta, message: impl Into<String>, location: Location) {
        self.findings.push(Finding::new(rule, message, location));
    }

    // --- protocols -----------------------------------------------------------------------------

    fn protocol(&mut self, node: &Node, stem: &str) -> (String, Vec<AvroMessage>) {
        let name = self.checked_protocol_name(node);
        let ns = name.as_ref().and_then(|n| n.namespace.clone());
        let ns = ns.as_deref();
        let full = name.map_or_else(|| stem.to_string(), |n| n.full);
        let label = format!("protocol {full}");

        if let Some(types) = node.get("types") {
            let pointer = pointer_push("", "types");
            match types.as_seq() {
                Some(items) => {
                    for (i, t) in items.iter().enumerate() {
                        let p = pointer_push(&pointer, &i.to_string());
                        if !is_named_declaration(t) {
                            self.report(
                                &lint::INVALID_AVRO,
                                format!("{label}: types/{i} is not a type declaration; a protocol's \"types\" lists records, errors, enums and fixed types"),
                                self.location(&p, t),
                            );
                        }
                        self.schema(t, ns, &p, 1);
                    }
                }
                None => self.report(
                    &lint::INVALID_AVRO,
                    format!(
                        "{label}: \"types\" must be an array of type declarations; found {}",
                        types.kind_name()
                    ),
                    self.location(&pointer, types),
                ),
            }
        }

        let mut messages = Vec::new();
        if let Some(m) = node.get("messages") {
            let pointer = pointer_push("", "messages");
            match m.as_map() {
                Some(map) => {
                    for (name, entry) in map {
                        let p = pointer_push(&pointer, name);
                        if let Some(message) = self.message(name, &entry.value, ns, &p) {
                            messages.push(message);
                        }
                    }
                }
                None => self.report(
                    &lint::INVALID_AVRO,
                    format!(
                        "{label}: \"messages\" must be an object of messages by name; found {}",
                        m.kind_name()
                    ),
                    self.location(&pointer, m),
                ),
            }
        }
        (full, messages)
    }

    fn checked_protocol_name(&mut self, node: &Node) -> Option<Name> {
        let written = node.get("protocol")?;
        let pointer = pointer_push("", "protocol");
        let Some(text) = written.as_str() else {
            self.report(
                &lint::INVALID_AVRO,
                format!(
                    "\"protocol\" must be a string naming the protocol; found {}",
                    written.kind_name()
                ),
                self.location(&pointer, written),
            );
            return None;
        };
        if !text.split('.').all(is_valid_name) {
            self.report(
                &lint::INVALID_AVRO,
                format!("protocol name \"{text}\" is not valid; names (and each part of a dotted name) must match [A-Za-z_][A-Za-z0-9_]*"),
                self.location(&pointer, written),
            );
        }
        self.check_namespace_attribute(node, "", "protocol");
        protocol_name(node)
    }

    fn message(&mut self, name: &str, node: &Node, ns: Option<&str>, pointer: &str) -> Option<AvroMessage> {
        let location = self.location(pointer, node);
        let label = format!("message \"{name}\"");
        if node.as_map().is_none() {
            self.report(
                &lint::INVALID_AVRO,
                format!(
                    "{label} must be an object with \"request\" and \"response\"; found {}",
                    node.kind_name()
                ),
                location,
            );
            return None;
        }

        let request = match node.get("request") {
            Some(r) => {
                let p = pointer_push(pointer, "request");
                match r.as_seq() {
                    Some(items) => self.fields(items, &format!("the request of {label}"), ns, &p, 2),
                    None => {
                        self.report(
                            &lint::INVALID_AVRO,
                            format!(
                                "{label}: \"request\" must be an array of parameters; found {}",
                                r.kind_name()
                            ),
                            self.location(&p, r),
                        );
                        Vec::new()
                    }
                }
            }
            None => {
                self.report(
                    &lint::INVALID_AVRO,
                    format!("{label} has no \"request\"; use [] for a message without parameters"),
                    location.clone(),
                );
                Vec::new()
            }
        };

        let response = match node.get("response") {
            Some(r) => *self.schema(r, ns, &pointer_push(pointer, "response"), 2),
            None => {
                self.report(
                    &lint::INVALID_AVRO,
                    format!("{label} has no \"response\"; use \"null\" for a message that returns nothing"),
                    location.clone(),
                );
                Type::new(TypeKind::Any, location.clone())
            }
        };

        let mut errors = Vec::new();
        if let Some(e) = node.get("errors") {
            let p = pointer_push(pointer, "errors");
            match e.as_seq() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        let ty = *self.schema(item, ns, &pointer_push(&p, &i.to_string()), 2);
                        match &ty.kind {
                            TypeKind::Ref { target } => self.pending.error_uses.push(ErrorUse {
                                context: label.clone(),
                                target: target.clone(),
                                location: ty.location.clone(),
                            }),
                            // Unresolved: already reported.
                            TypeKind::Any => {}
                            _ => self.report(
                                &lint::INVALID_AVRO,
                                format!(
                                    "{label}: errors/{i} is {}, not an error type; \"errors\" lists types declared with \"type\": \"error\"",
                                    ty.summary()
                                ),
                                ty.location.clone(),
                            ),
                        }
                        errors.push(ty);
                    }
                }
                None => self.report(
                    &lint::INVALID_AVRO,
                    format!(
                        "{label}: \"errors\" must be an array of error type names; found {}",
                        e.kind_name()
                    ),
                    self.location(&p, e),
                ),
            }
        }

        let one_way = match node.get("one-way") {
            None => false,
            Some(v) => match v.as_bool() {
                Some(b) => b,
                None => {
                    self.report(
                        &lint::INVALID_AVRO,
                        format!("{label}: \"one-way\" must be true or false; found {}", render(v)),
                        self.location(&pointer_push(pointer, "one-way"), v),
                    );
                    false
                }
            },
        };
        if one_way && (!matches!(response.kind, TypeKind::Null) || !errors.is_empty()) {
            self.report(
                &lint::INVALID_AVRO,
                format!("{label} is one-way, so its response must be \"null\" and it may not declare errors"),
                location.clone(),
            );
        }

        Some(AvroMessage {
            name: name.to_string(),
            request,
            response,
            errors,
            one_way,
            location,
        })
    }

    // --- schemas -------------------------------------------------------------------------------
    //
    // A schema may nest as deeply as the tree allows, so the functions that recurse (`schema`,
    // `schema_object`, `union`, `named_declaration`, `record_fields`, `fields`, `field`) pass types
    // boxed and leave building the large values to `#[inline(never)]` helpers: each nesting level
    // then costs little stack.

    fn schema(&mut self, node: &Node, ns: Option<&str>, pointer: &str, depth: usize) -> Box<Type> {
        if depth > MAX_NESTING {
            return self.invalid(node, pointer, format!("schema nests deeper than {MAX_NESTING} levels"));
        }
        match &node.value {
            Value::String(name) => self.named_reference(name, ns, pointer, node),
            Value::Seq(branches) => self.union(branches, ns, pointer, node, depth),
            Value::Map(_) => self.schema_object(node, ns, pointer, depth),
            _ => {
                let message = format!(
                    "a schema must be a type name, a type object or an array (a union); found {} {}",
                    node.kind_name(),
                    render(node)
                );
                self.invalid(node, pointer, message)
            }
        }
    }

    /// Reports an `invalid-avro` problem at `pointer`; `any` stands in for the schema there.
    #[inline(never)]
    fn invalid(&mut self, node: &Node, pointer: &str, message: String) -> Box<Type> {
        let location = self.location(pointer, node);
        self.report(&lint::INVALID_AVRO, message, location.clone());
        Box::new(Type::new(TypeKind::Any, location))
    }

    /// `{"type": ...}`: a primitive with attributes, a declaration, an array, a map or a reference.
    fn schema_object(&mut self, node: &Node, ns: Option<&str>, pointer: &str, depth: usize) -> Box<Type> {
        let Some(type_node) = node.get("type") else {
            let message =
                "schema object has no \"type\"; write e.g. {\"type\": \"string\"} or {\"type\": \"record\", ...}";
            return self.invalid(node, pointer, message.to_string());
        };
        let type_pointer = pointer_push(pointer, "type");
        let written = match &type_node.value {
            Value::String(t) => t.as_str(),
            // `{"type": {...}}` and `{"type": [...]}`: the inner schema is the type.
            Value::Map(_) | Value::Seq(_) => return self.schema(type_node, ns, &type_pointer, depth + 1),
            _ => {
                let message = format!(
                    "\"type\" must be a type name, an object or an array; found {}",
                    render(type_node)
                );
                return self.invalid(type_node, &type_pointer, message);
            }
        };
        let ty = match written {
            "record" | "error" | "enum" | "fixed" => return self.named_declaration(node, written, ns, pointer, depth),
            "array" | "map" => {
                let key = if written == "array" { "items" } else { "values" };
                let inner = match node.get(key) {
                    Some(inner) => self.schema(inner, ns, &pointer_push(pointer, key), depth + 1),
                    None => {
                        let message = format!("{written} has no \"{key}\"; add the schema of its {key}");
                        self.invalid(node, pointer, message)
                    }
                };
                self.container(written, inner, node, pointer)
            }
            other if PRIMITIVES.contains(&other) => self.primitive(other, node, pointer),
            // A reference written as an object: attributes such as `logicalType` do not apply.
            other => return self.named_reference(other, ns, &type_pointer, type_node),
        };
        self.logical_type(ty, node, pointer, written, None)
    }

    #[inline(never)]
    fn primitive(&self, name: &str, node: &Node, pointer: &str) -> Box<Type> {
        let location = self.location(pointer, node);
        Box::new(primitive_type(name, location.clone()).unwrap_or_else(|| Type::new(TypeKind::Any, location)))
    }

    /// An array of `inner`, or a map with `inner` values.
    #[inline(never)]
    fn container(&self, kind: &str, inner: Box<Type>, node: &Node, pointer: &str) -> Box<Type> {
        let location = self.location(pointer, node);
        let kind = if kind == "array" {
            TypeKind::Array {
                items: inner,
                prefix_items: Vec::new(),
            }
        } else {
            let key = Box::new(Type::primitive(Primitive::String, location.clone()));
            TypeKind::Map { key, value: inner }
        };
        Box::new(Type::new(kind, location))
    }

    /// A type name used as a schema: a primitive, or a reference to a named type.
    #[inline(never)]
    fn named_reference(&mut self, name: &str, ns: Option<&str>, pointer: &str, node: &Node) -> Box<Type> {
        let location = self.location(pointer, node);
        if let Some(ty) = primitive_type(name, location.clone()) {
            return Box::new(ty);
        }
        if NAMED_KINDS.contains(&name) || matches!(name, "array" | "map") {
            let message = format!(
                "\"{name}\" is not a complete type on its own; write an object such as {{\"type\": \"{name}\", ...}}"
            );
            return self.invalid(node, pointer, message);
        }
        if let Some(full) = self.resolve(name, ns) {
            return Box::new(Type::reference(full, location));
        }
        let looked_for = match ns.filter(|n| !n.is_empty() && !name.contains('.')) {
            Some(ns) => format!("{ns}.{name} or {name}"),
            None => name.trim_start_matches('.').to_string(),
        };
        self.report(
            &lint::UNRESOLVED_REF,
            format!("unknown type \"{name}\": no record, error, enum or fixed named {looked_for} is declared in the Avro files read"),
            location.clone(),
        );
        Box::new(Type::new(TypeKind::Any, location))
    }

    /// A bare name is looked up in the enclosing namespace first, then in the null namespace.
    fn resolve(&self, written: &str, ns: Option<&str>) -> Option<String> {
        if written.contains('.') {
            let full = written.strip_prefix('.').unwrap_or(written);
            return self.declared.contains_key(full).then(|| full.to_string());
        }
        if let Some(ns) = ns.filter(|n| !n.is_empty()) {
            let full = format!("{ns}.{written}");
            if self.declared.contains_key(&full) {
                return Some(full);
            }
        }
        self.declared.contains_key(written).then(|| written.to_string())
    }

    fn union(&mut self, branches: &[Node], ns: Option<&str>, pointer: &str, node: &Node, depth: usize) -> Box<Type> {
        let mut variants = Vec::new();
        let mut null_at = None;
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, branch) in branches.iter().enumerate() {
            let p = pointer_push(pointer, &i.to_string());
            if matches!(branch.value, Value::Seq(_)) {
                let message = format!(
                    "union branch {i} is itself a union; unions may not directly contain unions (merge its branches into this one)"
                );
                self.invalid(branch, &p, message);
                continue;
            }
            let key = self.branch_key(branch, ns, depth);
            let ty = self.schema(branch, ns, &p, depth + 1);
            if let Some(key) = key {
                if let Some(first) = seen.get(&key).copied() {
                    let message = format!(
                        "union has two branches of type \"{key}\" (branches {first} and {i}); a union may hold each type once, except named types with different names"
                    );
                    self.invalid(branch, &p, message);
                    continue;
                }
                seen.insert(key, i);
            }
            add_branch(&mut variants, &mut null_at, ty);
        }
        self.finish_union(variants, null_at, node, pointer)
    }

    #[inline(never)]
    fn finish_union(&self, mut variants: Vec<Type>, null_at: Option<usize>, node: &Node, pointer: &str) -> Box<Type> {
        let location = self.location(pointer, node);
        if null_at.is_some() && variants.is_empty() {
            // ["null"]: nothing but null.
            return Box::new(Type::new(TypeKind::Null, location));
        }
        let mut ty = if null_at.is_some()
            && variants.len() == 1
            && let Some(mut only) = variants.pop()
        {
            // ["null", X] and [X, "null"]: an optional X.
            only.location = location;
            only.nullable = true;
            only
        } else {
            let mut ty = Type::new(
                TypeKind::Union {
                    union: UnionKind::OneOf,
                    variants,
                    discriminator: None,
                },
                location,
            );
            ty.nullable = null_at.is_some();
            ty
        };
        if let Some(at) = null_at {
            ty.extensions.insert(EXT_NULL_FIRST.into(), Json::Bool(at == 0));
        }
        Box::new(ty)
    }

    /// What makes a union branch distinct: the type name for unnamed types, the full name for named ones.
    fn branch_key(&self, branch: &Node, ns: Option<&str>, depth: usize) -> Option<String> {
        if depth > MAX_NESTING {
            return None;
        }
        match &branch.value {
            Value::String(s) => Some(self.reference_key(s, ns)),
            Value::Map(_) => {
                let t = branch.get("type")?;
                match &t.value {
                    Value::String(kind) if NAMED_KINDS.contains(&kind.as_str()) => {
                        declared_name(branch, ns).map(|n| n.full)
                    }
                    Value::String(kind) => Some(self.reference_key(kind, ns)),
                    Value::Map(_) => self.branch_key(t, ns, depth + 1),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn reference_key(&self, written: &str, ns: Option<&str>) -> String {
        if PRIMITIVES.contains(&written) || matches!(written, "array" | "map") {
            return written.to_string();
        }
        self.resolve(written, ns).unwrap_or_else(|| written.to_string())
    }

    /// Applies `logicalType` to a converted type. An invalid one is reported and ignored, as the
    /// specification says; an unknown one is ignored silently. Either way it is kept in extensions.
    #[inline(never)]
    fn logical_type(
        &mut self,
        mut ty: Box<Type>,
        node: &Node,
        pointer: &str,
        underlying: &str,
        size: Option<u64>,
    ) -> Box<Type> {
        let Some(logical_node) = node.get("logicalType") else {
            return ty;
        };
        let p = pointer_push(pointer, "logicalType");
        let on = match size {
            Some(size) => format!("fixed({size})"),
            None => underlying.to_string(),
        };
        let Some(logical) = logical_node.as_str() else {
            self.report(
                &lint::INVALID_LOGICAL_TYPE,
                format!(
                    "logicalType must be a string; found {}; the type is read as plain {on}",
                    render(logical_node)
                ),
                self.location(&p, logical_node),
            );
            return ty;
        };
        ty.extensions.insert(EXT_LOGICAL_TYPE.into(), Json::from(logical));
        ty.extensions.insert(EXT_TYPE.into(), Json::from(underlying));
        if let Some(size) = size {
            ty.extensions.insert(EXT_SIZE.into(), Json::from(size));
        }
        let on_type = |expected: &str, article: &str, p: Primitive| {
            if underlying == expected {
                Ok(Some(p))
            } else {
                Err(format!("{logical} annotates {article} {expected}"))
            }
        };
        let result = match logical {
            "decimal" => decimal(node, underlying, size),
            "uuid" => {
                if underlying == "string" || (underlying == "fixed" && size == Some(16)) {
                    Ok(Some(Primitive::Uuid))
                } else {
                    Err("uuid annotates a string or a fixed of size 16".to_string())
                }
            }
            "date" => on_type("int", "an", Primitive::Date),
            "time-millis" => on_type("int", "an", Primitive::Time),
            "time-micros" => on_type("long", "a", Primitive::Time),
            "timestamp-millis" | "timestamp-micros" | "timestamp-nanos" => on_type("long", "a", Primitive::Timestamp),
            "local-timestamp-millis" | "local-timestamp-micros" | "local-timestamp-nanos" => {
                on_type("long", "a", Primitive::LocalTimestamp)
            }
            "duration" => {
                if underlying == "fixed" && size == Some(12) {
                    Ok(Some(Primitive::Duration))
                } else {
                    Err("duration annotates a fixed of size 12".to_string())
                }
            }
            _ => Ok(None),
        };
        match result {
            Ok(Some(primitive)) => ty.kind = TypeKind::Primitive { primitive },
            Ok(None) => {}
            Err(why) => self.report(
                &lint::INVALID_LOGICAL_TYPE,
                format!("logical type \"{logical}\" on {on} is not valid: {why}; Avro ignores it and reads plain {on}"),
                self.location(&p, logical_node),
            ),
        }
        ty
    }

    // --- named types ---------------------------------------------------------------------------

    /// A `record`, `error`, `enum` or `fixed` declaration: converted into this file's `types`, and
    /// used through a reference. An unnamed one (already reported) is returned inline.
    fn named_declaration(
        &mut self,
        node: &Node,
        kind: &str,
        ns: Option<&str>,
        pointer: &str,
        depth: usize,
    ) -> Box<Type> {
        let declaration = self.declaration(node, kind, ns, pointer);
        let (ty, enum_default) = match declaration.origin {
            TypeOrigin::Enum => self.enum_body(node, &declaration.label, pointer),
            TypeOrigin::Fixed => (self.fixed_body(node, &declaration.label, pointer), None),
            _ => {
                let fields = self.record_fields(
                    node,
                    &declaration.label,
                    declaration.inner_ns.as_deref(),
                    pointer,
                    depth,
                );
                (self.record_type(fields, node, pointer), None)
            }
        };
        self.finish_declaration(declaration, ty, enum_default, node, pointer)
    }

    /// Checks the name and reserves the type's slot, so the outer type precedes the types declared inside it.
    #[inline(never)]
    fn declaration(&mut self, node: &Node, kind: &str, ns: Option<&str>, pointer: &str) -> Declaration {
        let location = self.location(pointer, node);
        let origin = match kind {
            "record" => TypeOrigin::Record,
            "error" => TypeOrigin::Error,
            "enum" => TypeOrigin::Enum,
            _ => TypeOrigin::Fixed,
        };
        let name = self.checked_name(node, kind, ns, pointer);
        let inner_ns = match &name {
            Some(n) => n.namespace.clone(),
            None => ns.map(str::to_string),
        };
        let label = match &name {
            Some(n) => format!("{kind} {}", n.full),
            None => format!("unnamed {kind}"),
        };
        let owns_slot = match &name {
            Some(n) if !self.types.contains_key(&n.full) => {
                let placeholder = NamedType {
                    id: n.full.clone(),
                    name: n.short.clone(),
                    namespace: n.namespace.clone(),
                    origin,
                    ty: Type::new(TypeKind::Any, location.clone()),
                    aliases: Vec::new(),
                    proto: None,
                    enum_default: None,
                    location,
                };
                self.types.insert(n.full.clone(), placeholder);
                true
            }
            _ => false,
        };
        Declaration {
            kind: kind.to_string(),
            name,
            origin,
            inner_ns,
            label,
            owns_slot,
        }
    }

    #[inline(never)]
    fn finish_declaration(
        &mut self,
        declaration: Declaration,
        ty: Box<Type>,
        enum_default: Option<String>,
        node: &Node,
        pointer: &str,
    ) -> Box<Type> {
        let Declaration {
            kind,
            name,
            origin,
            inner_ns,
            label,
            owns_slot,
        } = declaration;
        // A fixed applied its logical type already: it needs the size.
        let mut ty = if origin == TypeOrigin::Fixed {
            ty
        } else {
            self.logical_type(ty, node, pointer, &kind, None)
        };
        if let Some(doc) = node.get("doc").and_then(Node::as_str) {
            ty.description = Some(doc.to_string());
        }
        let aliases: Vec<String> = self
            .aliases(node, &label, pointer, true)
            .into_iter()
            .map(|alias| resolve_name(&alias, None, inner_ns.as_deref()).full)
            .collect();
        let Some(name) = name else { return ty };
        if owns_slot && let Some(slot) = self.types.get_mut(&name.full) {
            slot.ty = *ty;
            slot.aliases = aliases;
            slot.enum_default = enum_default;
        }
        Box::new(Type::reference(name.full, self.location(pointer, node)))
    }

    /// The declared name, reporting a missing or invalid one.
    fn checked_name(&mut self, node: &Node, kind: &str, ns: Option<&str>, pointer: &str) -> Option<Name> {
        let Some(name_node) = node.get("name") else {
            self.report(
                &lint::INVALID_AVRO,
                format!("{kind} has no \"name\"; every record, error, enum and fixed type must be named"),
                self.location(pointer, node),
            );
            return None;
        };
        let name_pointer = pointer_push(pointer, "name");
        let Some(written) = name_node.as_str() else {
            self.report(
                &lint::INVALID_AVRO,
                format!("the name of a {kind} must be a string; found {}", render(name_node)),
                self.location(&name_pointer, name_node),
            );
            return None;
        };
        let name = declared_name(node, ns)?;
        if !written.split('.').all(is_valid_name) {
            self.report(
                &lint::INVALID_AVRO,
                format!(
                    "{kind} name \"{written}\" is not valid; names (and each part of a dotted full name) must match [A-Za-z_][A-Za-z0-9_]*"
                ),
                self.location(&name_pointer, name_node),
            );
        } else if PRIMITIVES.contains(&name.short.as_str()) {
            self.report(
                &lint::INVALID_AVRO,
                format!(
                    "{kind} {} redefines the primitive type \"{}\"; primitive type names cannot be declared in any namespace",
                    name.full, name.short
                ),
                self.location(&name_pointer, name_node),
            );
        }
        self.check_namespace_attribute(node, pointer, &format!("{kind} {}", name.full));
        Some(name)
    }

    fn check_namespace_attribute(&mut self, node: &Node, pointer: &str, label: &str) {
        let Some(ns) = node.get("namespace") else { return };
        if ns.is_null() {
            return;
        }
        let p = pointer_push(pointer, "namespace");
        match ns.as_str() {
            Some(s) if is_valid_namespace(s) => {}
            Some(s) => self.report(
                &lint::INVALID_AVRO,
                format!(
                    "{label}: namespace \"{s}\" is not valid; each dot-separated part must match [A-Za-z_][A-Za-z0-9_]*"
                ),
                self.location(&p, ns),
            ),
            None => self.report(
                &lint::INVALID_AVRO,
                format!("{label}: \"namespace\" must be a string; found {}", render(ns)),
                self.location(&p, ns),
            ),
        }
    }

    /// `aliases` as written; `dotted` allows full names (named types) rather than plain names (fields).
    fn aliases(&mut self, node: &Node, label: &str, pointer: &str, dotted: bool) -> Vec<String> {
        let Some(list) = node.get("aliases") else {
            return Vec::new();
        };
        let p = pointer_push(pointer, "aliases");
        let Some(items) = list.as_seq() else {
            self.report(
                &lint::INVALID_AVRO,
                format!("{label}: \"aliases\" must be an array of names; found {}", render(list)),
                self.location(&p, list),
            );
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let ip = pointer_push(&p, &i.to_string());
            let Some(alias) = item.as_str() else {
                self.report(
                    &lint::INVALID_AVRO,
                    format!("{label}: alias {i} must be a string; found {}", render(item)),
                    self.location(&ip, item),
                );
                continue;
            };
            let valid = if dotted {
                alias.split('.').all(is_valid_name)
            } else {
                is_valid_name(alias)
            };
            if !valid {
                self.report(
                    &lint::INVALID_AVRO,
                    format!("{label}: alias \"{alias}\" is not a valid name; names must match [A-Za-z_][A-Za-z0-9_]*"),
                    self.location(&ip, item),
                );
            }
            out.push(alias.to_string());
        }
        out
    }

    fn record_fields(&mut self, node: &Node, label: &str, ns: Option<&str>, pointer: &str, depth: usize) -> Vec<Field> {
        let Some(fields) = node.get("fields") else {
            let message = format!("{label} has no \"fields\"; a record needs a \"fields\" array (it may be empty)");
            self.invalid(node, pointer, message);
            return Vec::new();
        };
        let p = pointer_push(pointer, "fields");
        match fields.as_seq() {
            Some(items) => self.fields(items, label, ns, &p, depth + 1),
            None => {
                let message = format!(
                    "{label}: \"fields\" must be an array of fields; found {}",
                    fields.kind_name()
                );
                self.invalid(fields, &p, message);
                Vec::new()
            }
        }
    }

    #[inline(never)]
    fn record_type(&self, fields: Vec<Field>, node: &Node, pointer: &str) -> Box<Type> {
        let location = self.location(pointer, node);
        Box::new(Type::new(TypeKind::Object(Box::new(ObjectType::new(fields))), location))
    }

    /// Record fields or message parameters; `owner` names them in messages (`record com.x.Customer`).
    fn fields(&mut self, items: &[Node], owner: &str, ns: Option<&str>, pointer: &str, depth: usize) -> Vec<Field> {
        let mut out = Vec::with_capacity(items.len());
        let mut seen = HashSet::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let p = pointer_push(pointer, &i.to_string());
            if let Some(field) = self.field(item, i, owner, ns, &p, depth + 1) {
                self.add_field(&mut out, &mut seen, field, owner);
            }
        }
        out
    }

    #[inline(never)]
    fn add_field(&mut self, fields: &mut Vec<Field>, seen: &mut HashSet<String>, field: Box<Field>, owner: &str) {
        if !seen.insert(field.name.clone()) {
            self.report(
                &lint::INVALID_AVRO,
                format!(
                    "{owner} has two fields named \"{}\"; field names must be unique",
                    field.name
                ),
                field.location.clone(),
            );
            return;
        }
        fields.push(*field);
    }

    fn field(
        &mut self,
        node: &Node,
        index: usize,
        owner: &str,
        ns: Option<&str>,
        pointer: &str,
        depth: usize,
    ) -> Option<Box<Field>> {
        let name = self.field_name(node, index, owner, pointer)?;
        let ty = match node.get("type") {
            Some(t) => self.schema(t, ns, &pointer_push(pointer, "type"), depth + 1),
            None => {
                let message = format!("field \"{name}\" of {owner} has no \"type\"");
                self.invalid(node, pointer, message)
            }
        };
        Some(self.finish_field(node, name, ty, owner, pointer))
    }

    /// The field's name, reporting a field that is not an object or has no usable name.
    #[inline(never)]
    fn field_name(&mut self, node: &Node, index: usize, owner: &str, pointer: &str) -> Option<String> {
        if node.as_map().is_none() {
            let message = format!(
                "{owner}: field {index} must be an object with \"name\" and \"type\"; found {}",
                render(node)
            );
            self.invalid(node, pointer, message);
            return None;
        }
        let Some(name) = node.get("name") else {
            self.invalid(node, pointer, format!("{owner}: field {index} has no \"name\""));
            return None;
        };
        let p = pointer_push(pointer, "name");
        let Some(text) = name.as_str() else {
            let message = format!(
                "{owner}: the name of field {index} must be a string; found {}",
                render(name)
            );
            self.invalid(name, &p, message);
            return None;
        };
        if !is_valid_name(text) {
            let message = format!("{owner}: field name \"{text}\" is not valid; it must match [A-Za-z_][A-Za-z0-9_]*");
            self.invalid(name, &p, message);
        }
        Some(text.to_string())
    }

    #[inline(never)]
    fn finish_field(&mut self, node: &Node, name: String, ty: Box<Type>, owner: &str, pointer: &str) -> Box<Field> {
        let mut ty = *ty;
        let what = format!("field \"{name}\" of {owner}");
        if let Some(doc) = node.get("doc").and_then(Node::as_str) {
            ty.description = Some(doc.to_string());
        }
        let default = node.get("default");
        if let Some(value) = default {
            ty.default = Some(Box::new(value.to_json()));
            // Without a type there is nothing to check the default against (already reported).
            if node.get("type").is_some() {
                let location = self.location(&pointer_push(pointer, "default"), value);
                self.pending.defaults.push(PendingDefault {
                    context: what.clone(),
                    ty: ty.clone(),
                    value: value.clone(),
                    location,
                });
            }
        }
        let aliases = self.aliases(node, &what, pointer, false);
        let avro_order = match node.get("order") {
            None => None,
            Some(o) => match o.as_str() {
                Some(s) if FIELD_ORDERS.contains(&s) => Some(s.to_string()),
                _ => {
                    self.report(
                        &lint::INVALID_AVRO,
                        format!(
                            "{what}: order {} is not valid; use \"ascending\", \"descending\" or \"ignore\"",
                            render(o)
                        ),
                        self.location(&pointer_push(pointer, "order"), o),
                    );
                    None
                }
            },
        };
        Box::new(Field {
            name,
            ty,
            required: default.is_none(),
            aliases,
            proto: None,
            avro_order,
            location: self.location(pointer, node),
        })
    }

    #[inline(never)]
    fn enum_body(&mut self, node: &Node, label: &str, pointer: &str) -> (Box<Type>, Option<String>) {
        let location = self.location(pointer, node);
        let mut values: Vec<EnumValue> = Vec::new();
        match node.get("symbols") {
            None => self.report(
                &lint::INVALID_AVRO,
                format!("{label} has no \"symbols\"; an enum needs an array of symbol names"),
                location.clone(),
            ),
            Some(symbols) => {
                let sp = pointer_push(pointer, "symbols");
                match symbols.as_seq() {
                    None => self.report(
                        &lint::INVALID_AVRO,
                        format!(
                            "{label}: \"symbols\" must be an array of names; found {}",
                            render(symbols)
                        ),
                        self.location(&sp, symbols),
                    ),
                    Some(items) => {
                        for (i, item) in items.iter().enumerate() {
                            let p = pointer_push(&sp, &i.to_string());
                            let at = self.location(&p, item);
                            let Some(symbol) = item.as_str() else {
                                self.report(
                                    &lint::INVALID_AVRO,
                                    format!("{label}: symbol {i} must be a string; found {}", render(item)),
                                    at,
                                );
                                continue;
                            };
                            if !is_valid_name(symbol) {
                                self.report(
                                    &lint::INVALID_AVRO,
                                    format!("{label}: symbol \"{symbol}\" is not valid; symbols must match [A-Za-z_][A-Za-z0-9_]*"),
                                    at.clone(),
                                );
                            }
                            if values.iter().any(|v| v.name == symbol) {
                                self.report(
                                    &lint::INVALID_AVRO,
                                    format!("{label}: symbol \"{symbol}\" appears twice; symbols must be unique"),
                                    at,
                                );
                                continue;
                            }
                            values.push(EnumValue {
                                name: symbol.to_string(),
                                number: None,
                                deprecated: false,
                                description: None,
                                location: at,
                            });
                        }
                    }
                }
            }
        }

        let mut enum_default = None;
        if let Some(default) = node.get("default") {
            let at = self.location(&pointer_push(pointer, "default"), default);
            match default.as_str() {
                Some(s) if values.iter().any(|v| v.name == s) => enum_default = Some(s.to_string()),
                _ => {
                    let symbols: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
                    self.report(
                        &lint::INVALID_AVRO_DEFAULT,
                        format!(
                            "{label}: default {} is not one of its symbols ({}); readers fall back to the default when they meet an unknown symbol",
                            render(default),
                            symbols.join(", ")
                        ),
                        at,
                    );
                }
            }
        }
        (Box::new(Type::new(TypeKind::Enum { values }, location)), enum_default)
    }

    #[inline(never)]
    fn fixed_body(&mut self, node: &Node, label: &str, pointer: &str) -> Box<Type> {
        let location = self.location(pointer, node);
        let size = match node.get("size") {
            None => {
                self.report(
                    &lint::INVALID_AVRO,
                    format!("{label} has no \"size\"; a fixed type needs its size in bytes"),
                    location.clone(),
                );
                None
            }
            Some(s) => match integer_text(s).and_then(|t| t.parse::<u64>().ok()) {
                Some(size) => Some(size),
                None => {
                    self.report(
                        &lint::INVALID_AVRO,
                        format!(
                            "{label}: size {} is not valid; it must be a non-negative integer",
                            render(s)
                        ),
                        self.location(&pointer_push(pointer, "size"), s),
                    );
                    None
                }
            },
        };
        match size {
            Some(size) => {
                let ty = Box::new(Type::primitive(Primitive::Fixed { size }, location));
                self.logical_type(ty, node, pointer, "fixed", Some(size))
            }
            // Reported above; plain bytes is the closest honest reading.
            None => Box::new(Type::primitive(Primitive::Bytes, location)),
        }
    }
}

/// A named declaration being converted (see [`Converter::declaration`]).
struct Declaration {
    kind: String,
    name: Option<Name>,
    origin: TypeOrigin,
    /// The namespace types declared inside inherit.
    inner_ns: Option<String>,
    /// `record com.example.Customer`, for messages.
    label: String,
    /// Whether this declaration is the first of its name in the file (a duplicate was reported).
    owns_slot: bool,
}

/// Adds a converted union branch; `null` is kept out of the variants, only its position is noted.
#[inline(never)]
fn add_branch(variants: &mut Vec<Type>, null_at: &mut Option<usize>, ty: Box<Type>) {
    if matches!(ty.kind, TypeKind::Null) {
        *null_at = Some(variants.len());
    } else {
        variants.push(*ty);
    }
}

fn primitive_type(name: &str, location: Location) -> Option<Type> {
    let primitive = match name {
        "null" => return Some(Type::new(TypeKind::Null, location)),
        "boolean" => Primitive::Bool,
        "int" => Primitive::Int32,
        "long" => Primitive::Int64,
        "float" => Primitive::Float,
        "double" => Primitive::Double,
        "bytes" => Primitive::Bytes,
        "string" => Primitive::String,
        _ => return None,
    };
    Some(Type::primitive(primitive, location))
}

/// Checks a `decimal` logical type: bytes or fixed, `precision` > 0, 0 <= `scale` <= `precision`,
/// and a fixed big enough to hold `precision` digits.
fn decimal(node: &Node, underlying: &str, size: Option<u64>) -> Result<Option<Primitive>, String> {
    if underlying != "bytes" && underlying != "fixed" {
        return Err("decimal annotates bytes or a fixed".to_string());
    }
    let precision = match node.get("precision") {
        None => return Err("\"precision\" is required".to_string()),
        Some(p) => match integer_text(p).and_then(|t| t.parse::<u32>().ok()).filter(|p| *p > 0) {
            Some(p) => p,
            None => return Err(format!("precision {} is not a positive integer", render(p))),
        },
    };
    let scale = match node.get("scale") {
        None => 0,
        Some(s) => match integer_text(s).and_then(|t| t.parse::<u32>().ok()) {
            Some(scale) if scale <= precision => scale,
            Some(scale) => return Err(format!("scale {scale} is greater than precision {precision}")),
            None => return Err(format!("scale {} is not a non-negative integer", render(s))),
        },
    };
    if underlying == "fixed"
        && let Some(size) = size
    {
        let max = max_decimal_digits(size);
        if u64::from(precision) > max {
            return Err(format!(
                "a fixed of size {size} holds at most {max} decimal digits, fewer than precision {precision}"
            ));
        }
    }
    Ok(Some(Primitive::Decimal { precision, scale }))
}

/// The digits a signed two's-complement number of `size` bytes always holds:
/// floor(log10(2^(8*size - 1) - 1)), computed as the Java implementation does.
fn max_decimal_digits(size: u64) -> u64 {
    if size == 0 {
        return 0;
    }
    let bits = size as f64 * 8.0 - 1.0;
    (bits * std::f64::consts::LOG10_2).floor() as u64
}

/// The text of a JSON number, as written.
fn integer_text(node: &Node) -> Option<&str> {
    match &node.value {
        Value::Number(n) => Some(n),
        _ => None,
    }
}

/// How many characters of a value messages show.
const RENDER_CHARS: usize = 60;

/// A value for a message: compact JSON, shortened. Only the start of the value is rendered, so a
/// large default costs no more than a small one.
fn render(node: &Node) -> String {
    let mut text = String::new();
    write_json_prefix(node, &mut text);
    if text.chars().count() <= RENDER_CHARS {
        return text;
    }
    let mut short: String = text.chars().take(RENDER_CHARS - 3).collect();
    short.push_str("...");
    short
}

/// Writes the start of a JSON string (enough to fill a message).
fn write_json_string(s: &str, out: &mut String) {
    let head: String = s.chars().take(RENDER_CHARS + 1).collect();
    out.push_str(&Json::String(head).to_string());
}

/// Writes `node` as compact JSON until `out` is longer than [`RENDER_CHARS`].
fn write_json_prefix(node: &Node, out: &mut String) {
    if out.len() > RENDER_CHARS {
        return;
    }
    match &node.value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(n),
        Value::String(s) => {
            write_json_string(s, out);
        }
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if out.len() > RENDER_CHARS {
                    return;
                }
                if i > 0 {
                    out.push(',');
                }
                write_json_prefix(item, out);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            out.push('{');
            for (i, (key, entry)) in entries.iter().enumerate() {
                if out.len() > RENDER_CHARS {
                    return;
                }
                if i > 0 {
                    out.push(',');
                }
                write_json_string(key, out);
                out.push(':');
                write_json_prefix(&entry.value, out);
            }
            out.push('}');
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Step 3: check what needs every type

/// Checks defaults and error uses; returns the locations (file, field pointer) of fields whose default
/// does not fit their type.
fn check_pending(contracts: &[Contract], pending: Pending, findings: &mut Vec<Finding>) -> HashSet<(String, String)> {
    let mut invalid = HashSet::new();
    // The first declaration of a full name wins, as it did when names were collected.
    let mut types: HashMap<&str, &NamedType> = HashMap::new();
    for contract in contracts {
        for (id, named) in &contract.types {
            types.entry(id.as_str()).or_insert(named);
        }
    }
    let checker = DefaultChecker {
        types: &types,
        steps: Cell::new(0),
        any_branch: false,
    };
    // Avro 1.12 reads a union's default as a value of the first branch it matches; 1.11 only of the
    // first branch. The lint holds defaults to 1.11 (readers of either version accept them), but a
    // default 1.12 accepts is still one a reader can use.
    let lenient = DefaultChecker {
        types: &types,
        steps: Cell::new(0),
        any_branch: true,
    };
    for pending_default in pending.defaults {
        checker.steps.set(0);
        let PendingDefault {
            context,
            ty,
            value,
            location,
        } = pending_default;
        if let Err(mismatch) = checker.check(&value, &ty, 0) {
            let message = if mismatch.at.is_empty() {
                format!("{context}: default {}", mismatch.problem)
            } else {
                format!("{context}: default value at {}: {}", mismatch.at, mismatch.problem)
            };
            lenient.steps.set(0);
            if let Some(field) = location.pointer.strip_suffix("/default")
                && lenient.check(&value, &ty, 0).is_err()
            {
                invalid.insert((location.file.to_string(), field.to_string()));
            }
            findings.push(Finding::new(&lint::INVALID_AVRO_DEFAULT, message, location));
        }
    }
    for error_use in pending.error_uses {
        if let Some(named) = types.get(error_use.target.as_str())
            && named.origin != TypeOrigin::Error
        {
            let kind = match named.origin {
                TypeOrigin::Enum => "an enum",
                TypeOrigin::Fixed => "a fixed",
                _ => "a record",
            };
            let message = format!(
                "{}: {} is {kind}, not an error; \"errors\" may only name types declared with \"type\": \"error\"",
                error_use.context, error_use.target
            );
            findings.push(Finding::new(&lint::INVALID_AVRO, message, error_use.location));
        }
    }
    invalid
}

/// Marks the fields whose default does not fit (see [`EXT_INVALID_DEFAULT`]), so comparisons know
/// that a reader cannot fall back on it.
fn mark_invalid_defaults(contracts: &mut [Contract], invalid: &HashSet<(String, String)>) {
    if invalid.is_empty() {
        return;
    }
    let mark = |field: &mut Field| {
        if invalid.contains(&(field.location.file.to_string(), field.location.pointer.clone())) {
            field.ty.extensions.insert(EXT_INVALID_DEFAULT.into(), Json::Bool(true));
        }
    };
    for contract in contracts {
        for named in contract.types.values_mut() {
            if let TypeKind::Object(object) = &mut named.ty.kind {
                object.fields.iter_mut().for_each(mark);
            }
        }
        for message in &mut contract.messages {
            message.request.iter_mut().for_each(mark);
        }
    }
}

/// Why a default does not fit: where inside the value (`.address.city`, `[2]`), and what is wrong.
#[derive(Debug)]
struct Mismatch {
    at: String,
    problem: String,
}

impl Mismatch {
    fn here(problem: String) -> Self {
        Mismatch {
            at: String::new(),
            problem,
        }
    }

    fn within(mut self, segment: &str) -> Self {
        self.at.insert_str(0, segment);
        self
    }
}

/// One branch of a union, in order.
#[derive(Clone, Copy)]
enum Branch<'t> {
    Null,
    /// The type itself, its `nullable` flag aside.
    Of(&'t Type),
}

/// The Avro type under a primitive (the one a logical type annotates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base {
    Null,
    Boolean,
    Int,
    Long,
    Float,
    Double,
    Bytes,
    String,
    Fixed(Option<u64>),
    Other,
}

impl Base {
    pub(crate) fn of(ty: &Type, primitive: Primitive) -> Base {
        if let Some(written) = ty.extensions.get(EXT_TYPE).and_then(Json::as_str) {
            return match written {
                "null" => Base::Null,
                "boolean" => Base::Boolean,
                "int" => Base::Int,
                "long" => Base::Long,
                "float" => Base::Float,
                "double" => Base::Double,
                "bytes" => Base::Bytes,
                "string" => Base::String,
                "fixed" => Base::Fixed(ty.extensions.get(EXT_SIZE).and_then(Json::as_u64)),
                _ => Base::Other,
            };
        }
        match primitive {
            Primitive::Bool => Base::Boolean,
            Primitive::Int32 | Primitive::Uint32 | Primitive::Date => Base::Int,
            Primitive::Int64
            | Primitive::Uint64
            | Primitive::Integer
            | Primitive::Time
            | Primitive::Timestamp
            | Primitive::LocalTimestamp => Base::Long,
            Primitive::Float => Base::Float,
            Primitive::Double | Primitive::Number => Base::Double,
            Primitive::Decimal { .. } | Primitive::Bytes => Base::Bytes,
            Primitive::String | Primitive::Uuid => Base::String,
            Primitive::Fixed { size } => Base::Fixed(Some(size)),
            Primitive::Duration => Base::Fixed(Some(12)),
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Base::Null => "null",
            Base::Boolean => "boolean",
            Base::Int => "int",
            Base::Long => "long",
            Base::Float => "float",
            Base::Double => "double",
            Base::Bytes => "bytes",
            Base::String => "string",
            Base::Fixed(_) => "fixed",
            Base::Other => "any",
        }
    }
}

fn null_first(ty: &Type) -> bool {
    ty.extensions
        .get(EXT_NULL_FIRST)
        .and_then(Json::as_bool)
        .unwrap_or(false)
}

/// How a union branch is named in messages: `string`, `com.example.Address`, `array`.
fn type_name(ty: &Type) -> String {
    match &ty.kind {
        TypeKind::Ref { target } => target.clone(),
        TypeKind::Primitive { primitive } => Base::of(ty, *primitive).name().to_string(),
        TypeKind::Null => "null".to_string(),
        TypeKind::Enum { .. } => "enum".to_string(),
        TypeKind::Object(_) => "record".to_string(),
        TypeKind::Array { .. } => "array".to_string(),
        TypeKind::Map { .. } => "map".to_string(),
        TypeKind::Union { .. } => "union".to_string(),
        TypeKind::Any | TypeKind::Nothing | TypeKind::AllOf { .. } => "any".to_string(),
    }
}

fn branch_name(branch: Branch<'_>) -> String {
    match branch {
        Branch::Null => "null".to_string(),
        Branch::Of(ty) => type_name(ty),
    }
}

/// Judges default values against converted types, following references across files.
struct DefaultChecker<'a> {
    types: &'a HashMap<&'a str, &'a NamedType>,
    /// Checks made for the current default (see [`MAX_DEFAULT_STEPS`]).
    steps: Cell<usize>,
    /// Accept a union default that matches any branch (Avro 1.12), not only the first (1.11).
    any_branch: bool,
}

impl DefaultChecker<'_> {
    fn check(&self, value: &Node, ty: &Type, depth: usize) -> Result<(), Mismatch> {
        // Values are finite and every reference hop descends into them; this only bounds the stack.
        if depth > MAX_DEFAULT_DEPTH {
            return Ok(());
        }
        if ty.nullable && !matches!(ty.kind, TypeKind::Union { .. }) {
            let branches = if null_first(ty) {
                [Branch::Null, Branch::Of(ty)]
            } else {
                [Branch::Of(ty), Branch::Null]
            };
            return self.check_union(value, &branches, depth);
        }
        self.check_plain(value, ty, depth)
    }

    /// Avro: a union's default is a value of its first branch.
    fn check_union(&self, value: &Node, branches: &[Branch<'_>], depth: usize) -> Result<(), Mismatch> {
        let Some((first, rest)) = branches.split_first() else {
            return Err(Mismatch::here(format!(
                "{} cannot be the default of an empty union",
                render(value)
            )));
        };
        let inner = match self.check_branch(value, *first, depth) {
            Ok(()) => return Ok(()),
            Err(inner) => inner,
        };
        if self.any_branch {
            let fits_another = rest.iter().any(|b| self.check_branch(value, *b, depth).is_ok());
            return if fits_another { Ok(()) } else { Err(inner) };
        }
        let first_name = branch_name(*first);
        // A branch that only "fits" because the budget ran out does not earn the hint.
        let fits = rest
            .iter()
            .find(|b| self.check_branch(value, **b, depth).is_ok() && self.steps.get() <= MAX_DEFAULT_STEPS);
        if let Some(fits) = fits {
            return Err(Mismatch::here(format!(
                "{} does not match the union's first branch \"{first_name}\"; put \"{}\" first or change the default",
                render(value),
                branch_name(*fits)
            )));
        }
        if inner.at.is_empty() {
            Err(Mismatch::here(format!(
                "{} does not match the union's first branch \"{first_name}\": {}",
                render(value),
                inner.problem
            )))
        } else {
            Err(inner)
        }
    }

    fn check_branch(&self, value: &Node, branch: Branch<'_>, depth: usize) -> Result<(), Mismatch> {
        match branch {
            Branch::Null if value.is_null() => Ok(()),
            Branch::Null => Err(Mismatch::here(format!("{} is not null", render(value)))),
            Branch::Of(ty) => self.check_plain(value, ty, depth + 1),
        }
    }

    fn check_plain(&self, value: &Node, ty: &Type, depth: usize) -> Result<(), Mismatch> {
        let steps = self.steps.get() + 1;
        self.steps.set(steps);
        if steps > MAX_DEFAULT_STEPS {
            return Ok(());
        }
        match &ty.kind {
            TypeKind::Any | TypeKind::Nothing | TypeKind::AllOf { .. } => Ok(()),
            TypeKind::Null => check_primitive(value, Base::Null),
            TypeKind::Primitive { primitive } => check_primitive(value, Base::of(ty, *primitive)),
            // Unresolved names were reported where they are used.
            TypeKind::Ref { target } => match self.types.get(target.as_str()) {
                Some(named) => self.check(value, &named.ty, depth + 1),
                None => Ok(()),
            },
            TypeKind::Enum { values } => match value.as_str() {
                Some(s) if values.iter().any(|v| v.name == s) => Ok(()),
                _ => {
                    let symbols: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
                    Err(Mismatch::here(format!(
                        "{} is not a symbol of the enum ({})",
                        render(value),
                        symbols.join(", ")
                    )))
                }
            },
            TypeKind::Array { items, .. } => {
                let Some(elements) = value.as_seq() else {
                    return Err(Mismatch::here(format!("{} is not an array", render(value))));
                };
                for (i, element) in elements.iter().enumerate() {
                    self.check(element, items, depth + 1)
                        .map_err(|m| m.within(&format!("[{i}]")))?;
                }
                Ok(())
            }
            TypeKind::Map { value: values, .. } => {
                let Some(entries) = value.as_map() else {
                    return Err(Mismatch::here(format!(
                        "{} is not a map (a JSON object)",
                        render(value)
                    )));
                };
                for (key, entry) in entries {
                    let segment = format!("[{}]", Json::from(key.as_str()));
                    self.check(&entry.value, values, depth + 1)
                        .map_err(|m| m.within(&segment))?;
                }
                Ok(())
            }
            TypeKind::Object(object) => {
                let Some(entries) = value.as_map() else {
                    return Err(Mismatch::here(format!(
                        "{} is not a record (a JSON object with the record's fields)",
                        render(value)
                    )));
                };
                for field in &object.fields {
                    match entries.get(&field.name) {
                        Some(entry) => self
                            .check(&entry.value, &field.ty, depth + 1)
                            .map_err(|m| m.within(&format!(".{}", field.name)))?,
                        None if field.required => {
                            return Err(Mismatch::here(format!(
                                "{} lacks field \"{}\", which has no default of its own",
                                render(value),
                                field.name
                            )));
                        }
                        None => {}
                    }
                }
                Ok(())
            }
            TypeKind::Union { variants, .. } => {
                let mut branches: Vec<Branch<'_>> = variants.iter().map(Branch::Of).collect();
                if ty.nullable {
                    if null_first(ty) {
                        branches.insert(0, Branch::Null);
                    } else {
                        branches.push(Branch::Null);
                    }
                }
                self.check_union(value, &branches, depth)
            }
        }
    }
}

fn check_primitive(value: &Node, base: Base) -> Result<(), Mismatch> {
    let fail = |problem: String| Err(Mismatch::here(problem));
    match base {
        Base::Null if value.is_null() => Ok(()),
        Base::Null => fail(format!("{} is not null", render(value))),
        Base::Boolean if value.as_bool().is_some() => Ok(()),
        Base::Boolean => fail(format!("{} is not a boolean", render(value))),
        Base::Int => check_integer(value, "an int", 32),
        Base::Long => check_integer(value, "a long", 64),
        Base::Float | Base::Double if matches!(value.value, Value::Number(_)) => Ok(()),
        Base::Float => fail(format!("{} is not a float (a JSON number)", render(value))),
        Base::Double => fail(format!("{} is not a double (a JSON number)", render(value))),
        Base::String if value.as_str().is_some() => Ok(()),
        Base::String => fail(format!("{} is not a string", render(value))),
        Base::Bytes => check_byte_string(value, "bytes", None),
        Base::Fixed(size) => check_byte_string(value, "a fixed", size),
        Base::Other => Ok(()),
    }
}

fn check_integer(value: &Node, what: &str, bits: u32) -> Result<(), Mismatch> {
    let Value::Number(text) = &value.value else {
        return Err(Mismatch::here(format!("{} is not {what}", render(value))));
    };
    let fits = if bits == 32 {
        text.parse::<i32>().is_ok()
    } else {
        text.parse::<i64>().is_ok()
    };
    if fits {
        return Ok(());
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        Err(Mismatch::here(format!(
            "{text} is out of range for {what} ({bits}-bit signed)"
        )))
    } else {
        Err(Mismatch::here(format!(
            "{text} is not {what}: it must be a whole number, written without a fraction or exponent"
        )))
    }
}

/// Bytes and fixed defaults are strings whose code points 0-255 are the bytes.
fn check_byte_string(value: &Node, what: &str, size: Option<u64>) -> Result<(), Mismatch> {
    let Some(text) = value.as_str() else {
        return Err(Mismatch::here(format!(
            "{} is not {what} value; such defaults are strings whose code points 0-255 are the bytes",
            render(value)
        )));
    };
    if let Some(c) = text.chars().find(|c| u32::from(*c) > 0xFF) {
        return Err(Mismatch::here(format!(
            "{} contains U+{:04X}, which is not a byte; {what} defaults use code points 0-255 (\\u0000-\\u00ff), one per byte",
            render(value),
            u32::from(c)
        )));
    }
    let length = text.chars().count() as u64;
    if let Some(size) = size
        && length != size
    {
        return Err(Mismatch::here(format!(
            "{} is {length} bytes long, but the fixed holds exactly {size}",
            render(value)
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn source(name: &str) -> SourceFile {
        SourceFile {
            path: PathBuf::from(format!("/work/{name}")),
            display: name.to_string(),
        }
    }

    fn load(files: &[(&str, &str)]) -> (Vec<Contract>, Vec<Finding>) {
        let docs = files
            .iter()
            .map(|(name, text)| (source(name), tree::parse_json(text).expect("test input is JSON")))
            .collect();
        load_set(docs)
    }

    fn load_one(text: &str) -> (Contract, Vec<Finding>) {
        let (mut contracts, findings) = load(&[("a.avsc", text)]);
        assert_eq!(contracts.len(), 1);
        (contracts.remove(0), findings)
    }

    fn rules(findings: &[Finding]) -> Vec<&'static str> {
        findings.iter().map(|f| f.rule).collect()
    }

    /// The findings of one rule, by message.
    fn messages<'f>(findings: &'f [Finding], rule: &RuleMeta) -> Vec<&'f str> {
        findings
            .iter()
            .filter(|f| f.rule == rule.id)
            .map(|f| f.message.as_str())
            .collect()
    }

    fn record<'c>(contract: &'c Contract, id: &str) -> &'c ObjectType {
        match &contract.types.get(id).unwrap_or_else(|| panic!("no type {id}")).ty.kind {
            TypeKind::Object(o) => o,
            other => panic!("{id} is not a record: {other:?}"),
        }
    }

    fn field<'c>(object: &'c ObjectType, name: &str) -> &'c Field {
        object
            .fields
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no field {name}"))
    }

    fn ref_target(ty: &Type) -> &str {
        match &ty.kind {
            TypeKind::Ref { target } => target,
            other => panic!("not a reference: {other:?}"),
        }
    }

    /// One record `R` with one field `f` of `type_json`, and optionally a default.
    fn single_field(type_json: &str, default: Option<&str>) -> String {
        let default = default.map(|d| format!(", \"default\": {d}")).unwrap_or_default();
        format!(r#"{{"type": "record", "name": "R", "fields": [{{"name": "f", "type": {type_json}{default}}}]}}"#)
    }

    #[test]
    fn example_billing_contract_loads_cleanly() {
        let text = include_str!("../../contracts/billing/customer_events.avsc");
        let (contract, findings) = load_one(text);
        assert!(findings.is_empty(), "{findings:#?}");
        assert_eq!(contract.name, "com.example.billing.events.CustomerEvent");
        assert_eq!(contract.format, Format::Avro);
        assert!(contract.root.is_none());
        let ids: Vec<&str> = contract.types.keys().map(String::as_str).collect();
        assert_eq!(ids[0], "com.example.billing.events.CustomerEvent");
        assert!(ids.contains(&"com.example.billing.events.Address"));
        let customer = record(&contract, "com.example.billing.events.Customer");
        let email = field(customer, "email");
        assert!(email.ty.nullable && !email.required);
        assert_eq!(email.ty.extensions.get(EXT_NULL_FIRST), Some(&Json::Bool(true)));
        let shipping = &contract.types["com.example.billing.events.Shipping"];
        let address = field(
            match &shipping.ty.kind {
                TypeKind::Object(o) => o,
                _ => panic!("Shipping is a record"),
            },
            "address",
        );
        assert_eq!(ref_target(&address.ty), "com.example.billing.events.Address");
        assert_eq!(
            contract.types["com.example.billing.events.CustomerEvent"].aliases,
            vec!["com.example.billing.events.CustomerChanged".to_string()]
        );
    }

    #[test]
    fn fields_carry_doc_default_aliases_order_and_locations() {
        let text = r#"{
  "type": "record", "name": "Customer", "namespace": "com.example",
  "fields": [
    {"name": "id", "type": "string"},
    {"name": "balance", "type": "long", "default": 0, "doc": "In cents.", "aliases": ["bal"], "order": "descending"}
  ]
}"#;
        let (contract, findings) = load_one(text);
        assert!(findings.is_empty(), "{findings:#?}");
        let customer = record(&contract, "com.example.Customer");
        let id = field(customer, "id");
        assert!(id.required);
        assert_eq!(id.location.pointer, "/fields/0");
        assert_eq!((id.location.line, id.location.col), (4, 5));
        assert_eq!(id.ty.location.pointer, "/fields/0/type");
        let balance = field(customer, "balance");
        assert!(!balance.required);
        assert_eq!(balance.ty.default.as_deref(), Some(&serde_json::json!(0)));
        assert_eq!(balance.ty.description.as_deref(), Some("In cents."));
        assert_eq!(balance.aliases, vec!["bal".to_string()]);
        assert_eq!(balance.avro_order.as_deref(), Some("descending"));
        assert!(matches!(customer.additional, crate::model::Additional::Any));
        let named = &contract.types["com.example.Customer"];
        assert_eq!(
            (named.name.as_str(), named.namespace.as_deref()),
            ("Customer", Some("com.example"))
        );
        assert_eq!(named.origin, TypeOrigin::Record);
        assert_eq!(&*named.location.file, "a.avsc");
        assert_eq!(contract.files, vec!["a.avsc".to_string()]);
    }

    #[test]
    fn primitives_map_to_model_types() {
        for (avro, expected) in [
            ("\"boolean\"", Primitive::Bool),
            ("\"int\"", Primitive::Int32),
            ("\"long\"", Primitive::Int64),
            ("\"float\"", Primitive::Float),
            ("\"double\"", Primitive::Double),
            ("\"bytes\"", Primitive::Bytes),
            ("\"string\"", Primitive::String),
            ("{\"type\": \"string\"}", Primitive::String),
        ] {
            let (contract, findings) = load_one(&single_field(avro, None));
            assert!(findings.is_empty(), "{avro}: {findings:#?}");
            let r = record(&contract, "R");
            assert_eq!(
                field(r, "f").ty.kind,
                TypeKind::Primitive { primitive: expected },
                "{avro}"
            );
        }
        let (contract, _) = load_one(&single_field("\"null\"", None));
        assert_eq!(field(record(&contract, "R"), "f").ty.kind, TypeKind::Null);
    }

    #[test]
    fn a_union_of_only_null_is_null() {
        let (contract, findings) = load_one(&single_field(r#"["null"]"#, Some("null")));
        assert!(findings.is_empty(), "{findings:#?}");
        assert_eq!(field(record(&contract, "R"), "f").ty.kind, TypeKind::Null);
    }

    #[test]
    fn messages_show_only_the_start_of_a_large_default() {
        let big = format!("\"{}\"", "x".repeat(100_000));
        let (_, findings) = load_one(&single_field("\"int\"", Some(&big)));
        let message = &findings.first().expect("a finding").message;
        assert!(message.len() < 300, "{message}");
        assert!(message.contains("..."), "{message}");
    }

    #[test]
    fn arrays_and_maps() {
        let (contract, findings) = load_one(&single_field(
            r#"{"type": "map", "values": {"type": "array", "items": "long"}}"#,
            Some(r#"{"a": [1, 2], "b": []}"#),
        ));
        assert!(findings.is_empty(), "{findings:#?}");
        let ty = &field(record(&contract, "R"), "f").ty;
        assert_eq!(ty.summary(), "map<string,array<int64>>");
    }

    #[test]
    fn cross_file_references_resolve_in_either_order() {
        let address = r#"{"type": "record", "name": "Address", "namespace": "com.example.common", "fields": [{"name": "city", "type": "string"}]}"#;
        let customer = r#"{"type": "record", "name": "Customer", "namespace": "com.example.common",
            "fields": [{"name": "home", "type": "Address"}, {"name": "work", "type": "com.example.common.Address"}]}"#;
        for files in [
            [("address.avsc", address), ("customer.avsc", customer)],
            [("customer.avsc", customer), ("address.avsc", address)],
        ] {
            let (contracts, findings) = load(&files);
            assert!(findings.is_empty(), "{findings:#?}");
            let customer = contracts
                .iter()
                .find(|c| c.name == "com.example.common.Customer")
                .expect("customer contract");
            // Each file holds only what it declares.
            assert_eq!(customer.types.len(), 1);
            let r = record(customer, "com.example.common.Customer");
            assert_eq!(ref_target(&field(r, "home").ty), "com.example.common.Address");
            assert_eq!(ref_target(&field(r, "work").ty), "com.example.common.Address");
        }
    }

    #[test]
    fn defaults_are_checked_against_types_of_other_files() {
        let status = r#"{"type": "enum", "name": "Status", "symbols": ["ACTIVE", "CLOSED"]}"#;
        let account = r#"{"type": "record", "name": "Account", "fields": [
            {"name": "ok", "type": "Status", "default": "ACTIVE"},
            {"name": "bad", "type": "Status", "default": "OPEN"}]}"#;
        let (_, findings) = load(&[("account.avsc", account), ("status.avsc", status)]);
        let bad = messages(&findings, &lint::INVALID_AVRO_DEFAULT);
        assert_eq!(bad.len(), 1, "{findings:#?}");
        assert!(
            bad[0].starts_with("field \"bad\" of record Account: default \"OPEN\" is not a symbol"),
            "{}",
            bad[0]
        );
        let finding = findings
            .iter()
            .find(|f| f.rule == lint::INVALID_AVRO_DEFAULT.id)
            .expect("finding");
        let location = finding.location.as_ref().expect("location");
        assert_eq!(
            (&*location.file, location.pointer.as_str()),
            ("account.avsc", "/fields/1/default")
        );
    }

    #[test]
    fn fields_with_invalid_defaults_are_marked() {
        let text = r#"{"type": "record", "name": "R", "fields": [
            {"name": "ok", "type": "int", "default": 1},
            {"name": "bad", "type": "int", "default": "one"},
            {"name": "nested", "type": {"type": "record", "name": "S", "fields": [
                {"name": "bad_too", "type": ["null", "string"], "default": "x"}]}}]}"#;
        let (contract, findings) = load_one(text);
        assert_eq!(
            messages(&findings, &lint::INVALID_AVRO_DEFAULT).len(),
            2,
            "{findings:#?}"
        );
        let marked = |record_id: &str, name: &str| {
            field(record(&contract, record_id), name)
                .ty
                .extensions
                .get(EXT_INVALID_DEFAULT)
                .is_some()
        };
        assert!(!marked("R", "ok"));
        assert!(marked("R", "bad"));
        assert!(!marked("S", "bad_too"), "Avro 1.12 reads it as the string branch");

        let text = r#"{"type": "record", "name": "R", "fields": [
            {"name": "no_branch", "type": ["null", "int"], "default": "x"},
            {"name": "deep", "type": {"type": "array", "items": ["null", "long"]}, "default": [1, "y"]}]}"#;
        let (contract, findings) = load_one(text);
        assert_eq!(
            messages(&findings, &lint::INVALID_AVRO_DEFAULT).len(),
            2,
            "{findings:#?}"
        );
        for name in ["no_branch", "deep"] {
            let f = field(record(&contract, "R"), name);
            assert!(f.ty.extensions.contains_key(EXT_INVALID_DEFAULT), "{name}");
        }
    }

    #[test]
    fn recursive_record_refers_to_itself() {
        let text = r#"{"type": "record", "name": "Node", "namespace": "list", "fields": [
            {"name": "value", "type": "long"},
            {"name": "next", "type": ["null", "Node"], "default": null}]}"#;
        let (contract, findings) = load_one(text);
        assert!(findings.is_empty(), "{findings:#?}");
        let next = &field(record(&contract, "list.Node"), "next").ty;
        assert_eq!(ref_target(next), "list.Node");
        assert!(next.nullable);
    }

    #[test]
    fn recursive_default_is_checked_and_terminates() {
        let text = r#"{"type": "record", "name": "Node", "fields": [
            {"name": "value", "type": "long"},
            {"name": "next", "type": ["null", "Node"], "default": null},
            {"name": "children", "type": {"type": "array", "items": "Node"},
             "default": [{"value": 1, "next": {"value": 2}}, {"value": 3, "next": null, "children": [{"value": "x"}]}]}]}"#;
        let (_, findings) = load_one(text);
        let bad = messages(&findings, &lint::INVALID_AVRO_DEFAULT);
        // [0].next is not null although null is the union's first branch; [1].children[0].value is not a long.
        assert_eq!(bad.len(), 1, "{findings:#?}");
        assert!(bad[0].contains("default value at [0].next"), "{}", bad[0]);
        assert!(bad[0].contains("put \"Node\" first"), "{}", bad[0]);

        let text = r#"{"type": "record", "name": "Node", "fields": [
            {"name": "children", "type": {"type": "array", "items": "Node"},
             "default": [{"children": [{"children": [{"children": "x"}]}]}]}]}"#;
        let (_, findings) = load_one(text);
        let bad = messages(&findings, &lint::INVALID_AVRO_DEFAULT);
        assert_eq!(bad.len(), 1, "{findings:#?}");
        assert!(
            bad[0].contains("at [0].children[0].children[0].children: \"x\" is not an array"),
            "{}",
            bad[0]
        );
    }

    #[test]
    fn nested_types_inherit_the_enclosing_namespace() {
        let text = r#"{"type": "record", "name": "Outer", "namespace": "a.b", "fields": [
            {"name": "inner", "type": {"type": "record", "name": "Inner", "fields": [
                {"name": "deep", "type": {"type": "enum", "name": "Deep", "symbols": ["X"]}}]}},
            {"name": "other", "type": {"type": "fixed", "name": "Other", "namespace": "c.d", "size": 4}},
            {"name": "dotted", "type": {"type": "record", "name": "e.f.Dotted", "namespace": "ignored", "fields": [
                {"name": "child", "type": {"type": "enum", "name": "Child", "symbols": ["Y"]}}]}},
            {"name": "nullns", "type": {"type": "record", "name": "Bare", "namespace": "", "fields": [
                {"name": "child", "type": {"type": "enum", "name": "BareChild", "symbols": ["Z"]}}]}},
            {"name": "again", "type": "Inner"},
            {"name": "again_bare", "type": "Bare"}]}"#;
        let (contract, findings) = load_one(text);
        assert!(findings.is_empty(), "{findings:#?}");
        let ids: Vec<&str> = contract.types.keys().map(String::as_str).collect();
        assert_eq!(
            ids,
            vec![
                "a.b.Outer",
                "a.b.Inner",
                "a.b.Deep",
                "c.d.Other",
                "e.f.Dotted",
                "e.f.Child",
                "Bare",
                "BareChild"
            ]
        );
        assert_eq!(contract.types["Bare"].namespace, None);
        assert_eq!(contract.types["e.f.Dotted"].name, "Dotted");
        let outer = record(&contract, "a.b.Outer");
        assert_eq!(ref_target(&field(outer, "again").ty), "a.b.Inner");
        // A bare name not found in the enclosing namespace falls back to the null namespace.
        assert_eq!(ref_target(&field(outer, "again_bare").ty), "Bare");
    }

    #[test]
    fn aliases_resolve_to_full_names() {
        let text =
            r#"{"type": "record", "name": "New", "namespace": "n", "aliases": ["Old", "x.Older"], "fields": []}"#;
        let (contract, findings) = load_one(text);
        assert!(findings.is_empty(), "{findings:#?}");
        assert_eq!(
            contract.types["n.New"].aliases,
            vec!["n.Old".to_string(), "x.Older".to_string()]
        );
    }

    #[test]
    fn valid_logical_types_map_to_primitives() {
        let cases = [
            (
                r#"{"type": "bytes", "logicalType": "decimal", "precision": 12, "scale": 2}"#,
                Primitive::Decimal {
                    precision: 12,
                    scale: 2,
                },
                "bytes",
            ),
            (
                r#"{"type": "bytes", "logicalType": "decimal", "precision": 4}"#,
                Primitive::Decimal { precision: 4, scale: 0 },
                "bytes",
            ),
            (
                r#"{"type": "string", "logicalType": "uuid"}"#,
                Primitive::Uuid,
                "string",
            ),
            (r#"{"type": "int", "logicalType": "date"}"#, Primitive::Date, "int"),
            (
                r#"{"type": "int", "logicalType": "time-millis"}"#,
                Primitive::Time,
                "int",
            ),
            (
                r#"{"type": "long", "logicalType": "time-micros"}"#,
                Primitive::Time,
                "long",
            ),
            (
                r#"{"type": "long", "logicalType": "timestamp-millis"}"#,
                Primitive::Timestamp,
                "long",
            ),
            (
                r#"{"type": "long", "logicalType": "timestamp-micros"}"#,
                Primitive::Timestamp,
                "long",
            ),
            (
                r#"{"type": "long", "logicalType": "timestamp-nanos"}"#,
                Primitive::Timestamp,
                "long",
            ),
            (
                r#"{"type": "long", "logicalType": "local-timestamp-millis"}"#,
                Primitive::LocalTimestamp,
                "long",
            ),
            (
                r#"{"type": "long", "logicalType": "local-timestamp-micros"}"#,
                Primitive::LocalTimestamp,
                "long",
            ),
            (
                r#"{"type": "long", "logicalType": "local-timestamp-nanos"}"#,
                Primitive::LocalTimestamp,
                "long",
            ),
        ];
        for (avro, expected, underlying) in cases {
            let (contract, findings) = load_one(&single_field(avro, None));
            assert!(findings.is_empty(), "{avro}: {findings:#?}");
            let ty = &field(record(&contract, "R"), "f").ty;
            assert_eq!(ty.kind, TypeKind::Primitive { primitive: expected }, "{avro}");
            assert_eq!(ty.extensions.get(EXT_TYPE), Some(&Json::from(underlying)), "{avro}");
            assert!(ty.extensions.contains_key(EXT_LOGICAL_TYPE), "{avro}");
        }
    }

    #[test]
    fn logical_types_on_named_fixed_live_on_the_declaration() {
        let cases = [
            (
                r#"{"type": "fixed", "name": "D", "size": 16, "logicalType": "decimal", "precision": 38, "scale": 9}"#,
                Primitive::Decimal {
                    precision: 38,
                    scale: 9,
                },
            ),
            (
                r#"{"type": "fixed", "name": "D", "size": 16, "logicalType": "uuid"}"#,
                Primitive::Uuid,
            ),
            (
                r#"{"type": "fixed", "name": "D", "size": 12, "logicalType": "duration"}"#,
                Primitive::Duration,
            ),
        ];
        for (avro, expected) in cases {
            let (contract, findings) = load_one(&single_field(avro, None));
            assert!(findings.is_empty(), "{avro}: {findings:#?}");
            assert_eq!(ref_target(&field(record(&contract, "R"), "f").ty), "D");
            let declared = &contract.types["D"];
            assert_eq!(declared.origin, TypeOrigin::Fixed);
            assert_eq!(declared.ty.kind, TypeKind::Primitive { primitive: expected }, "{avro}");
            assert_eq!(declared.ty.extensions.get(EXT_TYPE), Some(&Json::from("fixed")));
            assert!(declared.ty.extensions.contains_key(EXT_SIZE));
        }
    }

    #[test]
    fn invalid_logical_types_warn_and_keep_the_underlying_type() {
        let cases = [
            (
                r#"{"type": "string", "logicalType": "decimal", "precision": 4}"#,
                TypeKind::Primitive {
                    primitive: Primitive::String,
                },
            ),
            (
                r#"{"type": "bytes", "logicalType": "decimal"}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Bytes,
                },
            ),
            (
                r#"{"type": "bytes", "logicalType": "decimal", "precision": 0}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Bytes,
                },
            ),
            (
                r#"{"type": "bytes", "logicalType": "decimal", "precision": 4.5}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Bytes,
                },
            ),
            (
                r#"{"type": "bytes", "logicalType": "decimal", "precision": 4, "scale": 5}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Bytes,
                },
            ),
            (
                r#"{"type": "bytes", "logicalType": "decimal", "precision": 4, "scale": -1}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Bytes,
                },
            ),
            (
                r#"{"type": "bytes", "logicalType": "uuid"}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Bytes,
                },
            ),
            (
                r#"{"type": "long", "logicalType": "date"}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Int64,
                },
            ),
            (
                r#"{"type": "long", "logicalType": "time-millis"}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Int64,
                },
            ),
            (
                r#"{"type": "int", "logicalType": "time-micros"}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Int32,
                },
            ),
            (
                r#"{"type": "int", "logicalType": "timestamp-millis"}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Int32,
                },
            ),
            (
                r#"{"type": "string", "logicalType": "local-timestamp-micros"}"#,
                TypeKind::Primitive {
                    primitive: Primitive::String,
                },
            ),
            (
                r#"{"type": "bytes", "logicalType": "duration"}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Bytes,
                },
            ),
            (
                r#"{"type": "int", "logicalType": 7}"#,
                TypeKind::Primitive {
                    primitive: Primitive::Int32,
                },
            ),
        ];
        for (avro, expected) in cases {
            let (contract, findings) = load_one(&single_field(avro, None));
            assert_eq!(
                rules(&findings),
                vec![lint::INVALID_LOGICAL_TYPE.id],
                "{avro}: {findings:#?}"
            );
            assert_eq!(findings[0].severity, crate::finding::Severity::Warning);
            assert!(
                findings[0]
                    .location
                    .as_ref()
                    .is_some_and(|l| l.pointer == "/fields/0/type/logicalType"),
                "{avro}"
            );
            assert_eq!(field(record(&contract, "R"), "f").ty.kind, expected, "{avro}");
        }

        let fixed_cases = [
            (
                r#"{"type": "fixed", "name": "D", "size": 4, "logicalType": "decimal", "precision": 10}"#,
                4,
            ),
            (r#"{"type": "fixed", "name": "D", "size": 8, "logicalType": "uuid"}"#, 8),
            (
                r#"{"type": "fixed", "name": "D", "size": 16, "logicalType": "duration"}"#,
                16,
            ),
        ];
        for (avro, size) in fixed_cases {
            let (contract, findings) = load_one(&single_field(avro, None));
            assert_eq!(
                rules(&findings),
                vec![lint::INVALID_LOGICAL_TYPE.id],
                "{avro}: {findings:#?}"
            );
            assert_eq!(
                contract.types["D"].ty.kind,
                TypeKind::Primitive {
                    primitive: Primitive::Fixed { size }
                },
                "{avro}"
            );
        }
        let (_, findings) = load_one(&single_field(
            r#"{"type": "fixed", "name": "D", "size": 4, "logicalType": "decimal", "precision": 10}"#,
            None,
        ));
        assert!(
            findings[0].message.contains("holds at most 9 decimal digits"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn decimal_precision_limit_of_fixed_sizes() {
        assert_eq!(max_decimal_digits(0), 0);
        assert_eq!(max_decimal_digits(1), 2);
        assert_eq!(max_decimal_digits(4), 9);
        assert_eq!(max_decimal_digits(8), 18);
        assert_eq!(max_decimal_digits(16), 38);
        assert!(max_decimal_digits(u64::MAX) > 0);
    }

    #[test]
    fn unknown_logical_types_are_ignored_silently() {
        let (contract, findings) = load_one(&single_field(
            r#"{"type": "string", "logicalType": "iso-country"}"#,
            None,
        ));
        assert!(findings.is_empty(), "{findings:#?}");
        let ty = &field(record(&contract, "R"), "f").ty;
        assert_eq!(
            ty.kind,
            TypeKind::Primitive {
                primitive: Primitive::String
            }
        );
        assert_eq!(ty.extensions.get(EXT_LOGICAL_TYPE), Some(&Json::from("iso-country")));
    }

    #[test]
    fn logical_type_defaults_use_the_underlying_type() {
        let ok = [
            (
                r#"{"type": "long", "logicalType": "timestamp-millis"}"#,
                "1700000000000",
            ),
            (r#"{"type": "int", "logicalType": "date"}"#, "19000"),
            (
                r#"{"type": "bytes", "logicalType": "decimal", "precision": 4}"#,
                r#""\u0000\u00ff""#,
            ),
            (r#"{"type": "string", "logicalType": "uuid"}"#, r#""not even a uuid""#),
            (
                r#"{"type": "fixed", "name": "Dur", "size": 12, "logicalType": "duration"}"#,
                r#""abcdefghijkl""#,
            ),
        ];
        for (avro, default) in ok {
            let (_, findings) = load_one(&single_field(avro, Some(default)));
            assert!(findings.is_empty(), "{avro} {default}: {findings:#?}");
        }
        let bad = [
            (
                r#"{"type": "long", "logicalType": "timestamp-millis"}"#,
                r#""2024-01-01""#,
            ),
            (r#"{"type": "int", "logicalType": "date"}"#, "3000000000"),
            (
                r#"{"type": "fixed", "name": "Dur", "size": 12, "logicalType": "duration"}"#,
                r#""short""#,
            ),
        ];
        for (avro, default) in bad {
            let (_, findings) = load_one(&single_field(avro, Some(default)));
            assert_eq!(
                rules(&findings),
                vec![lint::INVALID_AVRO_DEFAULT.id],
                "{avro} {default}: {findings:#?}"
            );
        }
    }

    #[test]
    fn nullable_unions_record_where_null_is() {
        let (contract, findings) = load_one(&single_field(r#"["string", "null"]"#, Some(r#""x""#)));
        assert!(findings.is_empty(), "{findings:#?}");
        let ty = &field(record(&contract, "R"), "f").ty;
        assert_eq!(
            ty.kind,
            TypeKind::Primitive {
                primitive: Primitive::String
            }
        );
        assert!(ty.nullable);
        assert_eq!(ty.extensions.get(EXT_NULL_FIRST), Some(&Json::Bool(false)));
        assert_eq!(ty.location.pointer, "/fields/0/type");
    }

    #[test]
    fn wider_unions_keep_null_out_of_the_variants() {
        let (contract, findings) = load_one(&single_field(r#"["null", "string", "long"]"#, Some("null")));
        assert!(findings.is_empty(), "{findings:#?}");
        let ty = &field(record(&contract, "R"), "f").ty;
        assert!(ty.nullable);
        assert_eq!(ty.summary(), "oneOf<string|int64>?");
        let (contract, findings) = load_one(&single_field(r#"["string", "long"]"#, Some(r#""x""#)));
        assert!(findings.is_empty(), "{findings:#?}");
        let ty = &field(record(&contract, "R"), "f").ty;
        assert!(!ty.nullable);
        assert!(matches!(&ty.kind, TypeKind::Union { union: UnionKind::OneOf, variants, .. } if variants.len() == 2));
    }

    #[test]
    fn union_default_must_match_the_first_branch() {
        let (_, findings) = load_one(&single_field(r#"["string", "null"]"#, Some("null")));
        assert_eq!(
            messages(&findings, &lint::INVALID_AVRO_DEFAULT),
            vec![
                "field \"f\" of record R: default null does not match the union's first branch \"string\"; put \"null\" first or change the default"
            ]
        );
        let (_, findings) = load_one(&single_field(r#"["null", "int"]"#, Some("3")));
        let bad = messages(&findings, &lint::INVALID_AVRO_DEFAULT);
        assert_eq!(bad.len(), 1);
        assert!(
            bad[0].contains("default 3 does not match the union's first branch \"null\"; put \"int\" first"),
            "{}",
            bad[0]
        );
        let (_, findings) = load_one(&single_field(r#"["long", "string", "null"]"#, Some(r#""x""#)));
        let bad = messages(&findings, &lint::INVALID_AVRO_DEFAULT);
        assert!(bad[0].contains("put \"string\" first"), "{}", bad[0]);
        let (_, findings) = load_one(&single_field(r#"["long", "string"]"#, Some("true")));
        let bad = messages(&findings, &lint::INVALID_AVRO_DEFAULT);
        assert!(
            bad[0].contains("true does not match the union's first branch \"long\""),
            "{}",
            bad[0]
        );
        let (_, findings) = load_one(&single_field(r#"["null", "string"]"#, Some("null")));
        assert!(findings.is_empty(), "{findings:#?}");
    }

    #[test]
    fn unions_reject_duplicates_and_nested_unions() {
        let cases = [
            r#"["string", "string"]"#,
            r#"["long", {"type": "long", "logicalType": "timestamp-millis"}]"#,
            r#"[{"type": "array", "items": "int"}, {"type": "array", "items": "long"}]"#,
            r#"["null", ["string", "int"]]"#,
        ];
        for avro in cases {
            let (_, findings) = load_one(&single_field(avro, None));
            assert_eq!(rules(&findings), vec![lint::INVALID_AVRO.id], "{avro}: {findings:#?}");
        }
        // Named types with different names may share a union.
        let (_, findings) = load_one(&single_field(
            r#"[{"type": "enum", "name": "A", "symbols": ["X"]}, {"type": "enum", "name": "B", "symbols": ["X"]}, "A" ]"#,
            None,
        ));
        assert_eq!(rules(&findings), vec![lint::INVALID_AVRO.id], "{findings:#?}");
        assert!(
            findings[0].message.contains("two branches of type \"A\""),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn enum_symbols_and_default() {
        let text =
            r#"{"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"], "default": "GREEN", "doc": "Colors."}"#;
        let (contract, findings) = load_one(text);
        assert!(findings.is_empty(), "{findings:#?}");
        assert_eq!(contract.name, "Color");
        let color = &contract.types["Color"];
        assert_eq!(color.origin, TypeOrigin::Enum);
        assert_eq!(color.enum_default.as_deref(), Some("GREEN"));
        assert_eq!(color.ty.description.as_deref(), Some("Colors."));
        let TypeKind::Enum { values } = &color.ty.kind else {
            panic!("enum")
        };
        assert_eq!(
            values.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
            vec!["RED", "GREEN"]
        );
        assert_eq!(values[1].location.pointer, "/symbols/1");

        let (contract, findings) =
            load_one(r#"{"type": "enum", "name": "Color", "symbols": ["RED"], "default": "BLUE"}"#);
        assert_eq!(rules(&findings), vec![lint::INVALID_AVRO_DEFAULT.id]);
        assert_eq!(
            findings[0].location.as_ref().map(|l| l.pointer.as_str()),
            Some("/default")
        );
        assert_eq!(contract.types["Color"].enum_default, None);

        let (_, findings) = load_one(r#"{"type": "enum", "name": "Color", "symbols": ["RED", "RED", "9lives", 3]}"#);
        assert_eq!(rules(&findings), vec![lint::INVALID_AVRO.id; 3], "{findings:#?}");
    }

    #[test]
    fn fixed_and_bytes_defaults() {
        let fixed = r#"{"type": "fixed", "name": "Four", "size": 4}"#;
        let (_, findings) = load_one(&single_field(fixed, Some(r#""abcd""#)));
        assert!(findings.is_empty(), "{findings:#?}");
        let (_, findings) = load_one(&single_field(fixed, Some(r#""abc""#)));
        let bad = messages(&findings, &lint::INVALID_AVRO_DEFAULT);
        assert_eq!(
            bad,
            vec!["field \"f\" of record R: default \"abc\" is 3 bytes long, but the fixed holds exactly 4"]
        );
        let (_, findings) = load_one(&single_field("\"bytes\"", Some(r#""\u20ac""#)));
        assert_eq!(rules(&findings), vec![lint::INVALID_AVRO_DEFAULT.id]);
        assert!(findings[0].message.contains("U+20AC"), "{}", findings[0].message);
        let (_, findings) = load_one(&single_field("\"bytes\"", Some("[1, 2]")));
        assert_eq!(rules(&findings), vec![lint::INVALID_AVRO_DEFAULT.id]);
    }

    #[test]
    fn primitive_defaults() {
        let ok = [
            ("\"null\"", "null"),
            ("\"boolean\"", "false"),
            ("\"int\"", "-2147483648"),
            ("\"long\"", "9223372036854775807"),
            ("\"float\"", "1.5"),
            ("\"double\"", "-2e10"),
            ("\"string\"", r#""x""#),
            (r#"{"type": "map", "values": "int"}"#, "{}"),
        ];
        for (avro, default) in ok {
            let (_, findings) = load_one(&single_field(avro, Some(default)));
            assert!(findings.is_empty(), "{avro} {default}: {findings:#?}");
        }
        let bad = [
            ("\"null\"", "0", "0 is not null"),
            ("\"boolean\"", "\"true\"", "\"true\" is not a boolean"),
            ("\"int\"", "2147483648", "2147483648 is out of range for an int"),
            ("\"int\"", "1.0", "1.0 is not an int"),
            ("\"long\"", "\"abc\"", "\"abc\" is not a long"),
            ("\"long\"", "9223372036854775808", "out of range for a long"),
            ("\"double\"", "\"NaN\"", "is not a double"),
            ("\"string\"", "5", "5 is not a string"),
            (
                r#"{"type": "map", "values": "int"}"#,
                r#"{"a": "b"}"#,
                "default value at [\"a\"]: \"b\" is not an int",
            ),
            (
                r#"{"type": "array", "items": "int"}"#,
                "[1, null]",
                "default value at [1]: null is not an int",
            ),
        ];
        for (avro, default, expected) in bad {
            let (_, findings) = load_one(&single_field(avro, Some(default)));
            let found = messages(&findings, &lint::INVALID_AVRO_DEFAULT);
            assert_eq!(found.len(), 1, "{avro} {default}: {findings:#?}");
            assert!(found[0].contains(expected), "{avro} {default}: {}", found[0]);
        }
    }

    #[test]
    fn record_defaults_check_nested_fields_and_their_own_defaults() {
        let text = r#"{"type": "record", "name": "Order", "namespace": "shop", "fields": [
            {"name": "customer", "type": {"type": "record", "name": "Customer", "fields": [
                {"name": "id", "type": "string"},
                {"name": "tier", "type": "string", "default": "basic"},
                {"name": "address", "type": {"type": "record", "name": "Address", "fields": [
                    {"name": "city", "type": "string"}]}}]},
             "default": {"id": "c1", "address": {"city": "Oslo"}}},
            {"name": "missing", "type": "Customer", "default": {"address": {"city": "Oslo"}}},
            {"name": "wrong", "type": "Customer", "default": {"id": "c2", "address": {"city": 5}}},
            {"name": "not_object", "type": "Customer", "default": "c3"}]}"#;
        let (_, findings) = load_one(text);
        let bad = messages(&findings, &lint::INVALID_AVRO_DEFAULT);
        assert_eq!(bad.len(), 3, "{findings:#?}");
        assert!(
            bad[0].starts_with("field \"missing\" of record shop.Order: default"),
            "{}",
            bad[0]
        );
        assert!(
            bad[0].contains("lacks field \"id\", which has no default of its own"),
            "{}",
            bad[0]
        );
        assert_eq!(
            bad[1],
            "field \"wrong\" of record shop.Order: default value at .address.city: 5 is not a string"
        );
        assert!(bad[2].contains("\"c3\" is not a record"), "{}", bad[2]);
    }

    #[test]
    fn duplicate_names_are_reported_at_the_second_declaration() {
        let a = r#"{"type": "record", "name": "Same", "namespace": "x", "fields": []}"#;
        let b = r#"{"type": "record", "name": "Other", "namespace": "x", "fields": [
            {"name": "s", "type": {"type": "enum", "name": "Same", "symbols": ["A"]}}]}"#;
        let (contracts, findings) = load(&[("a.avsc", a), ("b.avsc", b)]);
        assert_eq!(rules(&findings), vec![lint::DUPLICATE_TYPE.id], "{findings:#?}");
        let location = findings[0].location.as_ref().expect("location");
        assert_eq!(
            (&*location.file, location.pointer.as_str()),
            ("b.avsc", "/fields/0/type")
        );
        assert!(findings[0].message.contains("a.avsc:1:1"), "{}", findings[0].message);
        // Each file still lists what it declares.
        assert!(contracts[1].types.contains_key("x.Same"));

        let same_file = r#"{"type": "record", "name": "R", "fields": [
            {"name": "a", "type": {"type": "fixed", "name": "F", "size": 2}},
            {"name": "b", "type": {"type": "fixed", "name": "F", "size": 3}}]}"#;
        let (contract, findings) = load_one(same_file);
        assert_eq!(rules(&findings), vec![lint::DUPLICATE_TYPE.id], "{findings:#?}");
        assert_eq!(
            contract.types["F"].ty.kind,
            TypeKind::Primitive {
                primitive: Primitive::Fixed { size: 2 }
            }
        );
    }

    #[test]
    fn duplicate_field_names_are_invalid() {
        let (contract, findings) = load_one(
            r#"{"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}, {"name": "a", "type": "long"}]}"#,
        );
        assert_eq!(rules(&findings), vec![lint::INVALID_AVRO.id]);
        assert_eq!(
            findings[0].location.as_ref().map(|l| l.pointer.as_str()),
            Some("/fields/1")
        );
        assert_eq!(record(&contract, "R").fields.len(), 1);
    }

    #[test]
    fn unresolved_names_become_any() {
        let text = r#"{"type": "record", "name": "R", "namespace": "n", "fields": [
            {"name": "a", "type": "Missing"},
            {"name": "b", "type": ["null", "other.Missing"], "default": null}]}"#;
        let (contract, findings) = load_one(text);
        assert_eq!(rules(&findings), vec![lint::UNRESOLVED_REF.id; 2], "{findings:#?}");
        assert!(
            findings[0].message.contains("n.Missing or Missing"),
            "{}",
            findings[0].message
        );
        assert_eq!(
            findings[0].location.as_ref().map(|l| l.pointer.as_str()),
            Some("/fields/0/type")
        );
        assert_eq!(
            findings[1].location.as_ref().map(|l| l.pointer.as_str()),
            Some("/fields/1/type/1")
        );
        let r = record(&contract, "n.R");
        assert_eq!(field(r, "a").ty.kind, TypeKind::Any);
        assert_eq!(field(r, "b").ty.kind, TypeKind::Any);
    }

    #[test]
    fn protocol_with_messages() {
        let text = r#"{
  "protocol": "Billing", "namespace": "com.example.rpc",
  "types": [
    {"type": "record", "name": "Invoice", "fields": [{"name": "id", "type": "string"}]},
    {"type": "error", "name": "NotFound", "fields": [{"name": "message", "type": "string"}]},
    {"type": "enum", "name": "State", "symbols": ["OPEN", "PAID"]}
  ],
  "messages": {
    "get": {"request": [{"name": "id", "type": "string"}, {"name": "state", "type": "State", "default": "OPEN"}],
            "response": "Invoice", "errors": ["NotFound"]},
    "ping": {"request": [], "response": "null", "one-way": true},
    "bad": {"request": [], "response": "null", "errors": ["Invoice"]}
  }
}"#;
        let (contract, findings) = load(&[("billing.avpr", text)]);
        let contract = &contract[0];
        assert_eq!(rules(&findings), vec![lint::INVALID_AVRO.id], "{findings:#?}");
        assert!(
            findings[0]
                .message
                .contains("com.example.rpc.Invoice is a record, not an error"),
            "{}",
            findings[0].message
        );
        assert_eq!(contract.name, "com.example.rpc.Billing");
        assert_eq!(
            contract.types.keys().map(String::as_str).collect::<Vec<_>>(),
            vec![
                "com.example.rpc.Invoice",
                "com.example.rpc.NotFound",
                "com.example.rpc.State"
            ]
        );
        assert_eq!(contract.types["com.example.rpc.NotFound"].origin, TypeOrigin::Error);
        let get = &contract.messages[0];
        assert_eq!(get.name, "get");
        assert_eq!(get.request.len(), 2);
        assert!(!get.request[1].required);
        assert_eq!(ref_target(&get.response), "com.example.rpc.Invoice");
        assert_eq!(ref_target(&get.errors[0]), "com.example.rpc.NotFound");
        assert!(!get.one_way);
        assert_eq!(get.location.pointer, "/messages/get");
        assert!(contract.messages[1].one_way);
        assert_eq!(contract.messages[1].response.kind, TypeKind::Null);
    }

    #[test]
    fn protocol_types_resolve_across_files_and_one_way_rules() {
        let schema = r#"{"type": "record", "name": "Ping", "namespace": "p", "fields": []}"#;
        let protocol = r#"{"protocol": "P", "namespace": "p", "messages": {
            "send": {"request": [{"name": "ping", "type": "Ping"}], "response": "Ping", "one-way": true}}}"#;
        let (contracts, findings) = load(&[("p.avpr", protocol), ("ping.avsc", schema)]);
        assert_eq!(rules(&findings), vec![lint::INVALID_AVRO.id], "{findings:#?}");
        assert!(findings[0].message.contains("one-way"), "{}", findings[0].message);
        assert_eq!(ref_target(&contracts[0].messages[0].request[0].ty), "p.Ping");
        assert!(contracts[0].types.is_empty());
    }

    #[test]
    fn non_record_top_levels_become_the_root() {
        let (contract, findings) = load_one(r#""string""#);
        assert!(findings.is_empty());
        assert_eq!(contract.name, "a");
        assert_eq!(
            contract.root.as_ref().map(|t| t.kind.clone()),
            Some(TypeKind::Primitive {
                primitive: Primitive::String
            })
        );

        let union = r#"[
            {"type": "record", "name": "Created", "namespace": "ev", "fields": []},
            {"type": "record", "name": "Deleted", "namespace": "ev", "fields": []}]"#;
        let (contract, findings) = load_one(union);
        assert!(findings.is_empty(), "{findings:#?}");
        assert_eq!(contract.name, "a");
        assert_eq!(contract.types.len(), 2);
        assert_eq!(
            contract.root.as_ref().map(Type::summary).as_deref(),
            Some("oneOf<ev.Created|ev.Deleted>")
        );

        let (contract, findings) = load_one(r#"{"type": "array", "items": "long"}"#);
        assert!(findings.is_empty());
        assert_eq!(
            contract.root.as_ref().map(Type::summary).as_deref(),
            Some("array<int64>")
        );
    }

    #[test]
    fn invalid_names_are_reported() {
        let text = r#"{"type": "record", "name": "my-record", "namespace": "a..b", "fields": [
            {"name": "1st", "type": "int"},
            {"name": "ok", "type": {"type": "fixed", "name": "int", "size": 1}},
            {"name": "also", "type": "int", "aliases": ["bad alias"], "order": "up"}]}"#;
        let (_, findings) = load_one(text);
        assert_eq!(rules(&findings), vec![lint::INVALID_AVRO.id; 6], "{findings:#?}");
    }

    #[test]
    fn malformed_inputs_yield_findings_without_panicking() {
        let cases: &[(&str, usize)] = &[
            (r#"{"type": "record", "name": "R", "fields": [{"name": "a"}]}"#, 1),
            (r#"{"type": "record", "fields": [{"name": "a", "type": "int"}]}"#, 1),
            (r#"{"type": "fixed", "name": "F"}"#, 1),
            (r#"{"type": "fixed", "name": "F", "size": -1}"#, 1),
            (r#"{"type": "fixed", "name": "F", "size": "16"}"#, 1),
            (r#"{"type": "enum", "name": "E", "symbols": [1, null]}"#, 2),
            (r#"{"type": "enum", "name": "E"}"#, 1),
            (r#"{"type": "record", "name": "R"}"#, 1),
            (r#"{"type": "record", "name": "R", "fields": {}}"#, 1),
            (r#"{"type": "record", "name": 5, "fields": []}"#, 1),
            (
                r#"{"type": "record", "name": "R", "fields": [5, {"type": "int"}, {"name": 1, "type": "int"}]}"#,
                3,
            ),
            (r#"{"type": "array"}"#, 1),
            (r#"{"type": "map"}"#, 1),
            (r#""record""#, 1),
            (r#"{"name": "x"}"#, 1),
            (r#"{"type": 5}"#, 1),
            ("5", 1),
            ("null", 1),
            ("[]", 0),
            ("{}", 1),
            (r#"{"protocol": 5, "types": {}, "messages": []}"#, 3),
            (
                r#"{"protocol": "P", "types": ["string"], "messages": {"m": 5, "n": {}}}"#,
                4,
            ),
            (
                r#"{"protocol": "P", "messages": {"m": {"request": 5, "response": "null", "errors": "E", "one-way": "yes"}}}"#,
                3,
            ),
        ];
        for (text, expected) in cases {
            let (_, findings) = load_one(text);
            assert_eq!(findings.len(), *expected, "{text}: {findings:#?}");
        }
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = tree::MAX_DEPTH / 2 - 2;
        let mut text = String::from("\"long\"");
        for _ in 0..depth {
            text = format!(r#"{{"type": "array", "items": {text}}}"#);
        }
        let (contract, findings) = load_one(&text);
        assert!(findings.is_empty(), "{findings:#?}");
        assert!(contract.root.is_some());

        let mut text = String::from("\"long\"");
        for i in 0..(tree::MAX_DEPTH / 3 - 2) {
            text = format!(r#"{{"type": "record", "name": "R{i}", "fields": [{{"name": "f", "type": {text}}}]}}"#);
        }
        let (contract, findings) = load_one(&text);
        assert!(findings.is_empty(), "{findings:#?}");
        assert_eq!(contract.types.len(), tree::MAX_DEPTH / 3 - 2);

        // A deep default through a recursive type.
        let mut value = String::from("[]");
        for _ in 0..(tree::MAX_DEPTH / 2 - 4) {
            value = format!(r#"[{{"children": {value}}}]"#);
        }
        let text = format!(
            r#"{{"type": "record", "name": "Node", "fields": [{{"name": "children", "type": {{"type": "array", "items": "Node"}}, "default": {value}}}]}}"#
        );
        let (_, findings) = load_one(&text);
        assert!(findings.is_empty(), "{findings:#?}");
    }

    #[test]
    fn union_default_checks_stay_bounded() {
        // Every level is a union of two records that both lead to the next level; the default is wrong
        // only at the bottom. Looking for a branch that fits must not try all 2^40 paths.
        let levels = 40;
        let mut types = Vec::new();
        for k in 0..levels {
            let next = if k + 1 == levels {
                "\"long\"".to_string()
            } else {
                format!("[\"A{}\", \"B{}\"]", k + 1, k + 1)
            };
            for side in ["A", "B"] {
                types.push(format!(
                    r#"{{"type": "record", "name": "{side}{k}", "fields": [{{"name": "x", "type": {next}}}]}}"#
                ));
            }
        }
        let mut value = String::from(r#""not a long""#);
        for _ in 0..levels {
            value = format!(r#"{{"x": {value}}}"#);
        }
        let text = format!(
            r#"{{"type": "record", "name": "Top", "fields": [{{"name": "defs", "type": {{"type": "array", "items": [{types}]}}}}, {{"name": "f", "type": ["A0", "B0"], "default": {value}}}]}}"#,
            types = types.join(", ")
        );
        let started = std::time::Instant::now();
        let (_, findings) = load_one(&text);
        assert!(started.elapsed() < std::time::Duration::from_secs(20));
        let bad = messages(&findings, &lint::INVALID_AVRO_DEFAULT);
        assert_eq!(bad.len(), 1, "{findings:#?}");
        assert!(bad[0].contains("\"not a long\" is not a long"), "{}", bad[0]);
    }
}
