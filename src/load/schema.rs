//! JSON Schema (and OpenAPI's dialects of it) into the model's [`Type`].
//!
//! One converter serves OpenAPI 3.0, OpenAPI 3.1 and JSON Schema drafts 4 to 2020-12. References
//! never expand: a `$ref` becomes [`TypeKind::Ref`] to a named type, converted once, so recursive
//! schemas terminate. Referenced files are loaded on demand, confined to the workspace root.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;

use super::SourceFile;
use super::tree::{Node, Value};
use crate::finding::{Finding, RuleMeta, lint};
use crate::model::{
    Additional, Conditional, Discriminator, EnumValue, Field, Location, NamedType, ObjectType, Pos, Primitive, Type,
    TypeKind, TypeOrigin, UnionKind, pointer_push, pointer_segments,
};

/// Which flavour of JSON Schema a document speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dialect {
    Draft4,
    Draft6,
    Draft7,
    Draft2019,
    Draft2020,
    OpenApi30,
    OpenApi31,
}

impl Dialect {
    /// `$ref` siblings are ignored (draft 4-7, OpenAPI 3.0) rather than applied.
    fn ref_overrides_siblings(self) -> bool {
        matches!(
            self,
            Dialect::Draft4 | Dialect::Draft6 | Dialect::Draft7 | Dialect::OpenApi30
        )
    }

    /// `exclusiveMinimum` is a boolean modifier of `minimum`.
    fn boolean_exclusives(self) -> bool {
        matches!(self, Dialect::Draft4 | Dialect::OpenApi30)
    }

    /// Whether `type` may be a list and `null` a type.
    fn type_arrays(self) -> bool {
        self != Dialect::OpenApi30
    }

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Draft4 => "draft-04",
            Dialect::Draft6 => "draft-06",
            Dialect::Draft7 => "draft-07",
            Dialect::Draft2019 => "2019-09",
            Dialect::Draft2020 => "2020-12",
            Dialect::OpenApi30 => "openapi-3.0",
            Dialect::OpenApi31 => "openapi-3.1",
        }
    }
}

/// A parsed document that references can point into.
#[derive(Debug)]
pub struct Doc {
    pub source: SourceFile,
    pub node: Node,
    /// How type ids name this document: "" for the main one, else its path relative to the main one.
    pub rel: String,
    /// The document's base URI (`$id`), if any.
    base: Option<String>,
    /// `$anchor` / `$dynamicAnchor` / `#name` ids -> JSON pointer.
    anchors: HashMap<String, String>,
    /// Embedded absolute `$id`s -> JSON pointer.
    ids: HashMap<String, String>,
}

impl Doc {
    pub fn new(source: SourceFile, node: Node, rel: String) -> Self {
        let base = node
            .get("$id")
            .or_else(|| node.get("id"))
            .and_then(Node::as_str)
            .map(|s| strip_fragment(s).to_string());
        let mut doc = Doc {
            source,
            node,
            rel,
            base,
            anchors: HashMap::new(),
            ids: HashMap::new(),
        };
        let mut anchors = HashMap::new();
        let mut ids = HashMap::new();
        let legacy_id = doc
            .node
            .get("$schema")
            .and_then(Node::as_str)
            .is_some_and(|s| s.contains("draft-04") || s.contains("draft-03"));
        index_ids(
            &doc.node,
            &mut String::new(),
            doc.base.as_deref(),
            &mut anchors,
            &mut ids,
            0,
            legacy_id,
        );
        doc.anchors = anchors;
        doc.ids = ids;
        doc
    }

    pub fn loc(&self, pointer: &str, pos: Pos) -> Location {
        Location::new(self.source.display.clone(), pointer, pos)
    }
}

fn strip_fragment(s: &str) -> &str {
    s.split('#').next().unwrap_or(s)
}

fn index_ids(
    node: &Node,
    pointer: &mut String,
    base: Option<&str>,
    anchors: &mut HashMap<String, String>,
    ids: &mut HashMap<String, String>,
    depth: usize,
    legacy_id: bool,
) {
    if depth > super::tree::MAX_DEPTH {
        return;
    }
    // One pointer buffer for the whole walk: push a segment, recurse, truncate.
    let descend =
        |child: &Node, segment: &str, base: Option<&str>, pointer: &mut String, anchors: &mut _, ids: &mut _| {
            let len = pointer.len();
            pointer.push('/');
            for c in segment.chars() {
                match c {
                    '~' => pointer.push_str("~0"),
                    '/' => pointer.push_str("~1"),
                    c => pointer.push(c),
                }
            }
            index_ids(child, pointer, base, anchors, ids, depth + 1, legacy_id);
            pointer.truncate(len);
        };
    match &node.value {
        Value::Map(m) => {
            let mut own_base: Option<String> = None;
            // Draft 4 spells the identifier `id`.
            let id = m
                .get("$id")
                .or_else(|| if legacy_id { m.get("id") } else { None })
                .and_then(|e| e.value.as_str());
            if let Some(id) = id {
                // `"$id": "#name"` (drafts 6 and 7) only names an anchor: the base stays.
                if !strip_fragment(id).is_empty() {
                    let abs = join_uri(base, strip_fragment(id));
                    if !pointer.is_empty() {
                        ids.insert(abs.clone(), pointer.clone());
                    }
                    own_base = Some(abs);
                }
                if let Some((_, frag)) = id.split_once('#')
                    && !frag.is_empty()
                    && !frag.starts_with('/')
                {
                    anchors.insert(frag.to_string(), pointer.clone());
                }
            }
            for key in ["$anchor", "$dynamicAnchor"] {
                if let Some(a) = m.get(key).and_then(|e| e.value.as_str()) {
                    anchors.entry(a.to_string()).or_insert_with(|| pointer.clone());
                }
            }
            let base_here = own_base.as_deref().or(base);
            for (k, e) in m.iter() {
                // Values of these keywords are data, not schemas.
                if matches!(k.as_str(), "enum" | "const" | "default" | "example" | "examples") {
                    continue;
                }
                descend(&e.value, k, base_here, pointer, anchors, ids);
            }
        }
        Value::Seq(s) => {
            for (i, n) in s.iter().enumerate() {
                descend(n, &i.to_string(), base, pointer, anchors, ids);
            }
        }
        _ => {}
    }
}

/// Resolves a URI reference against a base (RFC 3986, enough for `$id` and `$ref` use).
fn join_uri(base: Option<&str>, reference: &str) -> String {
    if reference.contains("://") || reference.starts_with("urn:") {
        return reference.to_string();
    }
    let Some(base) = base else { return reference.to_string() };
    if reference.is_empty() {
        return base.to_string();
    }
    let base = strip_fragment(base);
    let dir = match base.rfind('/') {
        Some(i) => &base[..=i],
        None => "",
    };
    let (scheme_host, path) = match dir.find("://") {
        Some(i) => {
            let after = &dir[i + 3..];
            let slash = after.find('/').map(|j| i + 3 + j).unwrap_or(dir.len());
            (&dir[..slash], &dir[slash..])
        }
        None => ("", dir),
    };
    let joined = if reference.starts_with('/') {
        reference.to_string()
    } else {
        format!("{path}{reference}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("{scheme_host}{}", parts.join("/"))
}

/// Where a reference leads.
#[derive(Debug, Clone)]
pub struct Target {
    pub doc: Arc<Doc>,
    pub pointer: String,
}

impl Target {
    pub fn node(&self) -> Option<&Node> {
        self.doc.node.pointer(&pointer_segments(&self.pointer)?)
    }

    pub fn id(&self) -> String {
        format!("{}#{}", self.doc.rel, self.pointer)
    }
}

/// Converts schemas of one main document (and the documents it references) into model types.
pub struct Converter {
    pub dialect: Dialect,
    pub main: Arc<Doc>,
    root: PathBuf,
    docs: HashMap<PathBuf, Arc<Doc>>,
    failed: HashSet<PathBuf>,
    /// Per directory: the root `$id` (or draft-04 `id`) of each JSON file in it, for references
    /// that name a document by its identifier rather than its file name. Read on first need.
    ids_by_dir: HashMap<PathBuf, HashMap<String, PathBuf>>,
    pub types: IndexMap<String, NamedType>,
    pending: Vec<(Target, TypeOrigin)>,
    queued: HashSet<String>,
    pub findings: Vec<Finding>,
}

/// Keywords that only annotate (they do not change which values are valid).
const ANNOTATIONS: &[&str] = &[
    "$ref",
    "$schema",
    "$id",
    "$anchor",
    "$comment",
    "description",
    "title",
    "deprecated",
    "readOnly",
    "writeOnly",
    "default",
    "example",
    "examples",
    "externalDocs",
    "xml",
    "$dynamicAnchor",
    "$defs",
    "definitions",
    "$vocabulary",
];

impl Converter {
    pub fn new(main: Doc, dialect: Dialect, root: PathBuf) -> Self {
        let main = Arc::new(main);
        let mut docs = HashMap::new();
        docs.insert(main.source.path.clone(), main.clone());
        Converter {
            dialect,
            main,
            root,
            docs,
            failed: HashSet::new(),
            ids_by_dir: HashMap::new(),
            types: IndexMap::new(),
            pending: Vec::new(),
            queued: HashSet::new(),
            findings: Vec::new(),
        }
    }

    pub fn report(&mut self, rule: &'static RuleMeta, message: impl Into<String>, location: Location) {
        self.findings.push(Finding::new(rule, message, location));
    }

    /// Registers a named type at `pointer` of the main document (components, `$defs`).
    pub fn declare(&mut self, doc: &Arc<Doc>, pointer: String, origin: TypeOrigin) {
        let target = Target {
            doc: doc.clone(),
            pointer,
        };
        if self.queued.insert(target.id()) {
            self.pending.push((target, origin));
        }
    }

    /// Converts every declared or referenced named type not converted yet.
    pub fn drain(&mut self) {
        while let Some((target, origin)) = self.pending.pop() {
            let id = target.id();
            let Some(node) = target.node() else { continue };
            let ty = self.schema(&target.doc, node, &target.pointer, 0);
            let segments = pointer_segments(&target.pointer).unwrap_or_default();
            let name = segments
                .last()
                .cloned()
                .unwrap_or_else(|| file_stem(&target.doc.source.path));
            let location = target.doc.loc(&target.pointer, node.pos);
            let named = NamedType {
                id: id.clone(),
                name,
                namespace: None,
                origin,
                ty,
                aliases: Vec::new(),
                proto: None,
                enum_default: None,
                location,
            };
            self.types.insert(id, named);
        }
        // Declaration order: main document first, then referenced files, each by position.
        self.types.sort_by(|_, a, _, b| {
            (
                *a.location.file != *self.main.source.display,
                &a.location.file,
                a.location.line,
                a.location.col,
            )
                .cmp(&(
                    *b.location.file != *self.main.source.display,
                    &b.location.file,
                    b.location.line,
                    b.location.col,
                ))
        });
    }

    /// Resolves a `$ref` string found at `at` in `doc`. Reports why when it cannot.
    pub fn resolve(&mut self, doc: &Arc<Doc>, reference: &str, at: &Location) -> Option<Target> {
        let (file_part, fragment) = match reference.split_once('#') {
            Some((f, frag)) => (f, frag),
            None => (reference, ""),
        };
        // Same document.
        let mut target_doc = doc.clone();
        if !file_part.is_empty() {
            let absolute = join_uri(doc.base.as_deref(), file_part);
            if let Some(pointer) = doc.ids.get(&absolute).or_else(|| self.main.ids.get(&absolute)) {
                let owner = if doc.ids.contains_key(&absolute) {
                    doc.clone()
                } else {
                    self.main.clone()
                };
                return self.finish_target(owner, pointer.clone(), fragment, reference, at);
            }
            if doc.base.as_deref() == Some(absolute.as_str()) {
                // A reference to the document's own `$id`.
            } else if file_part.contains("://") || file_part.starts_with("urn:") {
                // An absolute URI: local when it shares the document's base directory, else remote.
                let local = doc.base.as_deref().and_then(|b| {
                    let dir = &b[..b.rfind('/')? + 1];
                    absolute.strip_prefix(dir).map(str::to_string)
                });
                match local {
                    Some(rel) => target_doc = self.load_file(doc, &rel, reference, at)?,
                    None => {
                        self.report(
                            &lint::REMOTE_REF,
                            format!(
                                "`$ref: {reference}` points at the network; mapcheck never fetches remote documents"
                            ),
                            at.clone(),
                        );
                        return None;
                    }
                }
            } else {
                // No such file, but a document beside it may carry that identifier
                // (`"$ref": "grunt-task#/..."` for the file whose `$id` ends in `/grunt-task`).
                let dir = doc.source.path.parent().unwrap_or(Path::new("")).to_path_buf();
                let by_id = if dir.join(percent_decode(file_part)).exists() {
                    None
                } else {
                    self.document_with_id(&dir, &absolute)
                };
                let absent = !dir.join(percent_decode(file_part)).exists();
                target_doc = match by_id {
                    Some(name) => self.load_file(doc, &name, reference, at)?,
                    // Resolved against a network base URI to a document no file here carries:
                    // a remote reference.
                    None if absent && absolute.contains("://") => {
                        self.report(
                            &lint::REMOTE_REF,
                            format!(
                                "`$ref: {reference}` resolves to {absolute}, which no document here carries; mapcheck never fetches remote documents"
                            ),
                            at.clone(),
                        );
                        return None;
                    }
                    None => self.load_file(doc, file_part, reference, at)?,
                };
            }
        }
        self.finish_target(target_doc, String::new(), fragment, reference, at)
    }

    fn finish_target(
        &mut self,
        doc: Arc<Doc>,
        base_pointer: String,
        fragment: &str,
        reference: &str,
        at: &Location,
    ) -> Option<Target> {
        let fragment = percent_decode(fragment);
        let pointer = if fragment.is_empty() {
            base_pointer
        } else if fragment.starts_with('/') {
            format!("{base_pointer}{fragment}")
        } else if let Some(p) = doc.anchors.get(&fragment) {
            p.clone()
        } else {
            self.report(
                &lint::UNRESOLVED_REF,
                format!("`$ref: {reference}`: no anchor `{fragment}` in {}", doc.source.display),
                at.clone(),
            );
            return None;
        };
        let target = Target { doc, pointer };
        if target.node().is_none() {
            self.report(
                &lint::UNRESOLVED_REF,
                format!(
                    "`$ref: {reference}`: nothing at `{}` in {}",
                    target.pointer, target.doc.source.display
                ),
                at.clone(),
            );
            return None;
        }
        Some(target)
    }

    /// The file name, in `dir`, of the JSON document whose root identifier is `id`.
    fn document_with_id(&mut self, dir: &Path, id: &str) -> Option<String> {
        if !id.contains("://") && !id.starts_with("urn:") {
            return None;
        }
        let index = self.ids_by_dir.entry(dir.to_path_buf()).or_insert_with(|| {
            let mut index = HashMap::new();
            let Ok(entries) = std::fs::read_dir(dir) else {
                return index;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                // Schemas, not data: large files are left out.
                let small = entry.metadata().is_ok_and(|m| m.len() <= 8 << 20);
                if !small || !path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(&text) else {
                    continue;
                };
                let root_id = map.get("$id").or_else(|| map.get("id")).and_then(|v| v.as_str());
                if let Some(root_id) = root_id {
                    index.insert(strip_fragment(root_id).to_string(), path);
                }
            }
            index
        });
        let path = index.get(id)?;
        path.file_name().and_then(|n| n.to_str()).map(str::to_string)
    }

    fn load_file(&mut self, from: &Arc<Doc>, rel: &str, reference: &str, at: &Location) -> Option<Arc<Doc>> {
        let rel = percent_decode(rel);
        let dir = from.source.path.parent().unwrap_or(Path::new(""));
        let path = super::normalize_path(&dir.join(&rel));
        match super::inside_root(&self.root, &path) {
            Ok(()) => {}
            Err(super::Outside::Path) => {
                self.report(
                    &lint::REF_OUTSIDE_ROOT,
                    format!("`$ref: {reference}` leaves the workspace root {}", self.root.display()),
                    at.clone(),
                );
                return None;
            }
            Err(outside) => {
                self.report(
                    &lint::REF_OUTSIDE_ROOT,
                    format!("`$ref: {reference}` names {}", outside.describe(&self.root)),
                    at.clone(),
                );
                return None;
            }
        }
        if let Some(d) = self.docs.get(&path) {
            return Some(d.clone());
        }
        if self.failed.contains(&path) {
            return None;
        }
        let source = SourceFile::new(&path);
        let parsed = super::read_text(&path).and_then(|text| {
            let json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
            super::tree::parse_auto(&text, json)
                .map_err(|e| format!("{}:{}:{}: {}", source.display, e.pos.line, e.pos.col, e.message))
        });
        match parsed {
            Ok(node) => {
                let main_dir = self.main.source.path.parent().unwrap_or(Path::new(""));
                let rel_name = relative_path(main_dir, &path);
                let doc = Arc::new(Doc::new(source, node, rel_name));
                self.docs.insert(path, doc.clone());
                Some(doc)
            }
            Err(message) => {
                self.failed.insert(path);
                self.report(
                    &lint::UNRESOLVED_REF,
                    format!("`$ref: {reference}`: cannot load the referenced file: {message}"),
                    at.clone(),
                );
                None
            }
        }
    }

    /// A `$ref` as a type: the referenced schema becomes a named type (converted once).
    fn ref_type(&mut self, doc: &Arc<Doc>, reference: &str, location: Location) -> Type {
        match self.resolve(doc, reference, &location) {
            Some(target) => {
                let id = target.id();
                if self.queued.insert(id.clone()) {
                    self.pending.push((target, TypeOrigin::Schema));
                }
                Type::reference(id, location)
            }
            None => {
                let mut t = Type::new(TypeKind::Any, location);
                t.extensions.insert(
                    "unresolved_ref".into(),
                    serde_json::Value::String(reference.to_string()),
                );
                t
            }
        }
    }

    /// Follows `$ref`s of non-schema objects (parameters, responses, path items) to the object.
    pub fn follow(&mut self, doc: &Arc<Doc>, node: &Node, pointer: &str) -> Option<Target> {
        let ref_of = |n: &Node| n.get("$ref").and_then(|r| Some((r.as_str()?.to_string(), r.pos)));
        let mut current = Target {
            doc: doc.clone(),
            pointer: pointer.to_string(),
        };
        let mut seen = HashSet::new();
        let mut next_ref = ref_of(node);
        for _ in 0..64 {
            let Some((reference, pos)) = next_ref else {
                return Some(current);
            };
            let at = current.doc.loc(&pointer_push(&current.pointer, "$ref"), pos);
            let next = self.resolve(&current.doc.clone(), &reference, &at)?;
            if !seen.insert(next.id()) {
                self.report(
                    &lint::UNRESOLVED_REF,
                    format!("`$ref: {reference}` is part of a reference cycle"),
                    at,
                );
                return None;
            }
            next_ref = ref_of(next.node()?);
            current = next;
        }
        None
    }

    /// Converts one schema node.
    pub fn schema(&mut self, doc: &Arc<Doc>, node: &Node, pointer: &str, depth: usize) -> Type {
        let loc = doc.loc(pointer, node.pos);
        if depth > super::tree::MAX_DEPTH {
            return Type::new(TypeKind::Any, loc);
        }
        let map = match &node.value {
            Value::Bool(true) => return Type::new(TypeKind::Any, loc),
            Value::Bool(false) => return Type::new(TypeKind::Nothing, loc),
            Value::Map(m) => m,
            _ => {
                self.report(
                    &lint::INVALID_SCHEMA,
                    format!("a schema must be an object or a boolean, found {}", node.kind_name()),
                    loc.clone(),
                );
                return Type::new(TypeKind::Any, loc);
            }
        };

        // References.
        let reference = ["$ref", "$dynamicRef", "$recursiveRef"]
            .iter()
            .find_map(|k| map.get(*k).map(|e| (*k, e)));
        if let Some((key, entry)) = reference {
            let ref_loc = doc.loc(&pointer_push(pointer, key), entry.value.pos);
            let Some(reference) = entry.value.as_str() else {
                self.report(
                    &lint::INVALID_SCHEMA,
                    format!("`{key}` must be a string"),
                    ref_loc.clone(),
                );
                return Type::new(TypeKind::Any, loc);
            };
            let reference = if key == "$recursiveRef" && reference == "#" {
                "#"
            } else {
                reference
            };
            let mut ref_ty = self.ref_type(doc, reference, ref_loc);
            ref_ty.location = loc.clone();
            if self.dialect.ref_overrides_siblings() {
                if self.dialect == Dialect::OpenApi30 {
                    self.annotate(&mut ref_ty, doc, node, pointer);
                }
                return ref_ty;
            }
            let has_assertions = map.keys().any(|k| {
                !ANNOTATIONS.contains(&k.as_str()) && !k.starts_with("x-") && k != "$dynamicRef" && k != "$recursiveRef"
            });
            if !has_assertions {
                self.annotate(&mut ref_ty, doc, node, pointer);
                return ref_ty;
            }
            let mut rest = node.clone();
            if let Value::Map(m) = &mut rest.value {
                m.shift_remove(key);
            }
            let mut sibling = self.schema(doc, &rest, pointer, depth + 1);
            sibling.description = None;
            let mut t = Type::new(
                TypeKind::AllOf {
                    members: vec![ref_ty, sibling],
                },
                loc,
            );
            self.annotate(&mut t, doc, node, pointer);
            return t;
        }

        let mut nullable = false;
        // `type`
        let mut types: Vec<String> = Vec::new();
        if let Some(t) = node.get("type") {
            let tloc = doc.loc(&pointer_push(pointer, "type"), t.pos);
            match &t.value {
                Value::String(s) => types.push(s.clone()),
                Value::Seq(items) if self.dialect.type_arrays() => {
                    for i in items {
                        match i.as_str() {
                            Some(s) => types.push(s.to_string()),
                            None => self.report(&lint::INVALID_SCHEMA, "`type` entries must be strings", tloc.clone()),
                        }
                    }
                }
                Value::Seq(_) => self.report(
                    &lint::INVALID_SCHEMA,
                    "OpenAPI 3.0 `type` must be a single string (use `nullable: true` for null)",
                    tloc.clone(),
                ),
                _ => self.report(
                    &lint::INVALID_SCHEMA,
                    format!(
                        "`type` must be a string or an array of strings, found {}",
                        t.kind_name()
                    ),
                    tloc.clone(),
                ),
            }
            let known = ["string", "number", "integer", "boolean", "object", "array", "null"];
            types.retain(|s| {
                let ok = known.contains(&s.as_str()) && (s != "null" || self.dialect.type_arrays());
                if !ok {
                    self.report(
                        &lint::INVALID_SCHEMA,
                        format!("unknown type `{s}`; expected one of {}", known.join(", ")),
                        tloc.clone(),
                    );
                }
                ok
            });
        }
        if types.iter().any(|t| t == "null") {
            nullable = true;
            types.retain(|t| t != "null");
            if types.is_empty() {
                types.push("null".into());
            }
        }
        if self.dialect == Dialect::OpenApi30 && node.get("nullable").and_then(Node::as_bool) == Some(true) {
            nullable = true;
        }
        if node.get("x-nullable").and_then(Node::as_bool) == Some(true) {
            nullable = true;
        }

        let has = |k: &str| map.contains_key(k);
        // JSON Schema lets values of other types through a schema whose type is only implied by
        // its keywords; OpenAPI descriptions mean the type (and are read that way).
        let implied = types.is_empty() && !matches!(self.dialect, Dialect::OpenApi30 | Dialect::OpenApi31);
        if types.is_empty() {
            if [
                "properties",
                "patternProperties",
                "additionalProperties",
                "required",
                "unevaluatedProperties",
                "propertyNames",
                "minProperties",
                "maxProperties",
                "dependentRequired",
            ]
            .iter()
            .any(|k| has(k))
            {
                types.push("object".into());
            } else if [
                "items",
                "prefixItems",
                "minItems",
                "maxItems",
                "uniqueItems",
                "additionalItems",
                "contains",
            ]
            .iter()
            .any(|k| has(k))
            {
                types.push("array".into());
            }
        }

        let implied = implied && !types.is_empty();
        let mut t = Type::new(TypeKind::Any, loc.clone());
        t.implied = implied;
        self.constraints(&mut t, doc, node, pointer);
        if let Some(contains) = node.get("contains") {
            let ct = self.schema(doc, contains, &pointer_push(pointer, "contains"), depth + 1);
            let mut c = t.constraints().clone();
            c.contains = Some(Box::new(ct));
            t.set_constraints(c);
        }

        // Base kind from `type`.
        let kind = match types.len() {
            0 => TypeKind::Any,
            1 => self.kind_for(&types[0], doc, node, pointer, &t, depth),
            _ => TypeKind::Union {
                union: UnionKind::AnyOf,
                variants: types
                    .iter()
                    .map(|ty| {
                        let k = self.kind_for(ty, doc, node, pointer, &t, depth);
                        Type::new(k, loc.clone())
                    })
                    .collect(),
                discriminator: None,
            },
        };
        t.kind = kind;

        // Enumerations.
        if let Some(e) = node.get("enum") {
            let eloc = doc.loc(&pointer_push(pointer, "enum"), e.pos);
            match e.as_seq() {
                Some(values) => {
                    // A `null` in the list allows null unless `type` leaves it out.
                    if values.iter().any(Node::is_null) && node.get("type").is_none() {
                        nullable = true;
                    }
                    let non_null: Vec<&Node> = values.iter().filter(|v| !v.is_null()).collect();
                    let string_like = matches!(
                        t.kind,
                        TypeKind::Any
                            | TypeKind::Primitive {
                                primitive: Primitive::String
                            }
                    );
                    if string_like && !non_null.is_empty() && non_null.iter().all(|v| v.as_str().is_some()) {
                        let values = non_null
                            .iter()
                            .enumerate()
                            .map(|(i, v)| EnumValue {
                                name: v.as_str().unwrap_or_default().to_string(),
                                number: None,
                                deprecated: false,
                                description: None,
                                location: doc.loc(&pointer_push(&pointer_push(pointer, "enum"), &i.to_string()), v.pos),
                            })
                            .collect();
                        t.kind = TypeKind::Enum { values };
                    } else {
                        let mut c = t.constraints().clone();
                        c.allowed_values = Some(values.iter().map(Node::to_json).collect());
                        t.set_constraints(c);
                    }
                }
                None => self.report(&lint::INVALID_SCHEMA, "`enum` must be an array", eloc),
            }
        }

        // Combinators.
        let mut combined: Vec<Type> = Vec::new();
        for (key, union) in [
            ("oneOf", Some(UnionKind::OneOf)),
            ("anyOf", Some(UnionKind::AnyOf)),
            ("allOf", None),
        ] {
            let Some(list) = node.get(key) else { continue };
            let kp = pointer_push(pointer, key);
            let Some(items) = list.as_seq() else {
                self.report(
                    &lint::INVALID_SCHEMA,
                    format!("`{key}` must be an array of schemas"),
                    doc.loc(&kp, list.pos),
                );
                continue;
            };
            let members: Vec<Type> = items
                .iter()
                .enumerate()
                .map(|(i, s)| self.schema(doc, s, &pointer_push(&kp, &i.to_string()), depth + 1))
                .collect();
            let ty_kind = match union {
                Some(u) => TypeKind::Union {
                    union: u,
                    variants: members,
                    discriminator: self.discriminator(doc, node, pointer),
                },
                None => TypeKind::AllOf { members },
            };
            combined.push(Type::new(ty_kind, doc.loc(&kp, list.pos)));
        }
        if !combined.is_empty() {
            if matches!(t.kind, TypeKind::Any) && combined.len() == 1 {
                t.kind = combined.pop().map(|c| c.kind).unwrap_or(TypeKind::Any);
            } else {
                let mut members = Vec::new();
                if !matches!(t.kind, TypeKind::Any) {
                    let base_kind = std::mem::replace(&mut t.kind, TypeKind::Any);
                    members.push(Type::new(base_kind, loc.clone()));
                }
                for c in combined {
                    match c.kind {
                        TypeKind::AllOf { members: m } => members.extend(m),
                        other => members.push(Type::new(other, c.location)),
                    }
                }
                t.kind = TypeKind::AllOf { members };
            }
        }

        if let Some(n) = node.get("not") {
            t.not = Some(Box::new(self.schema(doc, n, &pointer_push(pointer, "not"), depth + 1)));
        }
        if let Some(cond) = node.get("if") {
            let then_type = node
                .get("then")
                .map(|n| self.schema(doc, n, &pointer_push(pointer, "then"), depth + 1));
            let else_type = node
                .get("else")
                .map(|n| self.schema(doc, n, &pointer_push(pointer, "else"), depth + 1));
            t.conditional = Some(Box::new(Conditional {
                condition: self.schema(doc, cond, &pointer_push(pointer, "if"), depth + 1),
                then_type,
                else_type,
            }));
        }
        t.nullable = nullable;
        self.annotate(&mut t, doc, node, pointer);
        t
    }

    fn discriminator(&mut self, doc: &Arc<Doc>, node: &Node, pointer: &str) -> Option<Discriminator> {
        let d = node.get("discriminator")?;
        let property = d.get("propertyName").and_then(Node::as_str)?.to_string();
        let mut mapping = BTreeMap::new();
        if let Some(m) = d.get("mapping").and_then(Node::as_map) {
            for (value, entry) in m {
                let Some(reference) = entry.value.as_str() else {
                    continue;
                };
                let at = doc.loc(
                    &pointer_push(&pointer_push(&pointer_push(pointer, "discriminator"), "mapping"), value),
                    entry.value.pos,
                );
                // A bare name means a component schema.
                let reference = if reference.contains('#') || reference.contains('/') || reference.contains('.') {
                    reference.to_string()
                } else {
                    format!("#/components/schemas/{reference}")
                };
                if let Some(target) = self.resolve(doc, &reference, &at) {
                    mapping.insert(value.clone(), target.id());
                }
            }
        }
        Some(Discriminator { property, mapping })
    }

    /// The shape for one `type` name, reading the keywords that apply to it.
    fn kind_for(&mut self, ty: &str, doc: &Arc<Doc>, node: &Node, pointer: &str, t: &Type, depth: usize) -> TypeKind {
        let format = t.constraints().format.as_deref();
        let prim = |p| TypeKind::Primitive { primitive: p };
        match ty {
            "null" => TypeKind::Null,
            "boolean" => prim(Primitive::Bool),
            "integer" => prim(match format {
                Some("int32") => Primitive::Int32,
                Some("int64") => Primitive::Int64,
                Some("uint32") => Primitive::Uint32,
                Some("uint64") => Primitive::Uint64,
                _ => Primitive::Integer,
            }),
            "number" => prim(match format {
                Some("float") => Primitive::Float,
                Some("double") => Primitive::Double,
                Some("int32") => Primitive::Int32,
                Some("int64") => Primitive::Int64,
                _ => Primitive::Number,
            }),
            "string" => prim(match format {
                Some("date") => Primitive::Date,
                Some("date-time") => Primitive::Timestamp,
                Some("time") => Primitive::Time,
                Some("uuid") => Primitive::Uuid,
                Some("duration") => Primitive::Duration,
                Some("byte" | "binary") => Primitive::Bytes,
                _ => Primitive::String,
            }),
            "array" => self.array_kind(doc, node, pointer, depth),
            "object" => self.object_kind(doc, node, pointer, depth),
            _ => TypeKind::Any,
        }
    }

    fn array_kind(&mut self, doc: &Arc<Doc>, node: &Node, pointer: &str, depth: usize) -> TypeKind {
        let any = |p: &str, pos| Type::new(TypeKind::Any, doc.loc(p, pos));
        let mut prefix_items = Vec::new();
        let mut items = None;
        if let Some(p) = node.get("prefixItems") {
            let pp = pointer_push(pointer, "prefixItems");
            match p.as_seq() {
                Some(list) => {
                    for (i, s) in list.iter().enumerate() {
                        prefix_items.push(self.schema(doc, s, &pointer_push(&pp, &i.to_string()), depth + 1));
                    }
                }
                None => self.report(
                    &lint::INVALID_SCHEMA,
                    "`prefixItems` must be an array of schemas",
                    doc.loc(&pp, p.pos),
                ),
            }
        }
        if let Some(i) = node.get("items") {
            let ip = pointer_push(pointer, "items");
            match &i.value {
                Value::Seq(list) => {
                    // Draft 4-2019 tuple form.
                    for (n, s) in list.iter().enumerate() {
                        prefix_items.push(self.schema(doc, s, &pointer_push(&ip, &n.to_string()), depth + 1));
                    }
                    if let Some(extra) = node.get("additionalItems") {
                        items = Some(self.schema(doc, extra, &pointer_push(pointer, "additionalItems"), depth + 1));
                    }
                }
                _ => items = Some(self.schema(doc, i, &ip, depth + 1)),
            }
        }
        let items = items.unwrap_or_else(|| any(pointer, node.pos));
        TypeKind::Array {
            items: Box::new(items),
            prefix_items,
        }
    }

    fn object_kind(&mut self, doc: &Arc<Doc>, node: &Node, pointer: &str, depth: usize) -> TypeKind {
        let mut required: Vec<(String, Pos, String)> = Vec::new();
        if let Some(r) = node.get("required") {
            let rp = pointer_push(pointer, "required");
            match r.as_seq() {
                Some(list) => {
                    for (i, n) in list.iter().enumerate() {
                        match n.as_str() {
                            Some(s) => required.push((s.to_string(), n.pos, pointer_push(&rp, &i.to_string()))),
                            None => self.report(
                                &lint::INVALID_SCHEMA,
                                "`required` entries must be strings",
                                doc.loc(&rp, n.pos),
                            ),
                        }
                    }
                }
                // Draft 3 / Swagger booleans are not valid here.
                None => self.report(
                    &lint::INVALID_SCHEMA,
                    "`required` must be an array of property names",
                    doc.loc(&rp, r.pos),
                ),
            }
        }
        let mut fields = Vec::new();
        let mut declared = HashSet::new();
        if let Some(props) = node.get("properties") {
            let pp = pointer_push(pointer, "properties");
            match props.as_map() {
                Some(m) => {
                    for (name, entry) in m {
                        let fp = pointer_push(&pp, name);
                        let ty = self.schema(doc, &entry.value, &fp, depth + 1);
                        declared.insert(name.clone());
                        fields.push(Field {
                            name: name.clone(),
                            required: required.iter().any(|(r, _, _)| r == name),
                            ty,
                            aliases: Vec::new(),
                            proto: None,
                            avro_order: None,
                            location: doc.loc(&fp, entry.key_pos),
                        });
                    }
                }
                None => self.report(
                    &lint::INVALID_SCHEMA,
                    "`properties` must be an object",
                    doc.loc(&pp, props.pos),
                ),
            }
        }
        // Required but not declared here (often declared by another allOf member).
        for (name, pos, rp) in &required {
            if declared.insert(name.clone()) {
                fields.push(Field {
                    name: name.clone(),
                    ty: Type::new(TypeKind::Any, doc.loc(rp, *pos)),
                    required: true,
                    aliases: Vec::new(),
                    proto: None,
                    avro_order: None,
                    location: doc.loc(rp, *pos),
                });
            }
        }
        let mut obj = ObjectType::new(fields);
        if let Some(a) = node.get("additionalProperties") {
            obj.additional = self.additional(doc, a, &pointer_push(pointer, "additionalProperties"), depth);
        }
        if let Some(u) = node.get("unevaluatedProperties") {
            obj.unevaluated = Some(self.additional(doc, u, &pointer_push(pointer, "unevaluatedProperties"), depth));
        }
        if let Some(pp) = node.get("patternProperties").and_then(Node::as_map) {
            let base = pointer_push(pointer, "patternProperties");
            for (pattern, entry) in pp {
                let ty = self.schema(doc, &entry.value, &pointer_push(&base, pattern), depth + 1);
                obj.pattern_properties.push((pattern.clone(), ty));
            }
        }
        if let Some(pn) = node.get("propertyNames") {
            obj.property_names = Some(self.schema(doc, pn, &pointer_push(pointer, "propertyNames"), depth + 1));
        }
        let dependent = |key: &str, obj: &mut ObjectType, this: &mut Self| {
            let Some(m) = node.get(key).and_then(Node::as_map) else {
                return;
            };
            let base = pointer_push(pointer, key);
            for (prop, entry) in m {
                match &entry.value.value {
                    Value::Seq(list) => {
                        let names = list.iter().filter_map(Node::as_str).map(str::to_string).collect();
                        obj.dependent_required.insert(prop.clone(), names);
                    }
                    _ if key != "dependentRequired" => {
                        let ty = this.schema(doc, &entry.value, &pointer_push(&base, prop), depth + 1);
                        obj.dependent_schemas.insert(prop.clone(), ty);
                    }
                    _ => this.report(
                        &lint::INVALID_SCHEMA,
                        "`dependentRequired` values must be arrays of property names",
                        doc.loc(&pointer_push(&base, prop), entry.value.pos),
                    ),
                }
            }
        };
        dependent("dependentRequired", &mut obj, self);
        dependent("dependentSchemas", &mut obj, self);
        dependent("dependencies", &mut obj, self);

        // An object with nothing but `additionalProperties: <schema>` is a map.
        if obj.fields.is_empty()
            && obj.pattern_properties.is_empty()
            && let Additional::Schema(value) = &obj.additional
        {
            let key_loc = doc.loc(pointer, node.pos);
            let key = obj
                .property_names
                .clone()
                .unwrap_or_else(|| Type::primitive(Primitive::String, key_loc));
            return TypeKind::Map {
                key: Box::new(key),
                value: value.clone(),
            };
        }
        TypeKind::Object(Box::new(obj))
    }

    fn additional(&mut self, doc: &Arc<Doc>, node: &Node, pointer: &str, depth: usize) -> Additional {
        match &node.value {
            Value::Bool(true) => Additional::Any,
            Value::Bool(false) => Additional::Forbidden,
            _ => {
                let t = self.schema(doc, node, pointer, depth + 1);
                match t.kind {
                    TypeKind::Any if t.constraints.is_none() => Additional::Any,
                    TypeKind::Nothing => Additional::Forbidden,
                    _ => Additional::Schema(Box::new(t)),
                }
            }
        }
    }

    /// Reads validation keywords into `t.constraints`, reporting values of the wrong kind.
    fn constraints(&mut self, t: &mut Type, doc: &Arc<Doc>, node: &Node, pointer: &str) {
        let mut c = t.constraints().clone();
        let mut bad: Vec<(String, Pos, &'static str)> = Vec::new();
        let number = |key: &str, bad: &mut Vec<(String, Pos, &'static str)>| -> Option<f64> {
            let n = node.get(key)?;
            match n.as_f64() {
                Some(v) => Some(v),
                None => {
                    bad.push((key.to_string(), n.pos, "a number"));
                    None
                }
            }
        };
        c.minimum = number("minimum", &mut bad);
        c.maximum = number("maximum", &mut bad);
        c.multiple_of = number("multipleOf", &mut bad);
        for (key, slot_is_min) in [("exclusiveMinimum", true), ("exclusiveMaximum", false)] {
            let Some(n) = node.get(key) else { continue };
            match (&n.value, self.dialect.boolean_exclusives()) {
                (Value::Bool(b), true) => {
                    if *b {
                        if slot_is_min {
                            c.exclusive_minimum = c.minimum.take();
                        } else {
                            c.exclusive_maximum = c.maximum.take();
                        }
                    }
                }
                (Value::Number(_), false) => {
                    let v = n.as_f64();
                    if slot_is_min {
                        c.exclusive_minimum = v;
                    } else {
                        c.exclusive_maximum = v;
                    }
                }
                (_, true) => bad.push((
                    key.to_string(),
                    n.pos,
                    "a boolean (this dialect modifies minimum/maximum)",
                )),
                (_, false) => bad.push((key.to_string(), n.pos, "a number")),
            }
        }
        let count = |key: &str, bad: &mut Vec<(String, Pos, &'static str)>| -> Option<u64> {
            let n = node.get(key)?;
            match n.as_u64() {
                Some(v) => Some(v),
                None => {
                    bad.push((key.to_string(), n.pos, "a non-negative integer"));
                    None
                }
            }
        };
        c.min_length = count("minLength", &mut bad);
        c.max_length = count("maxLength", &mut bad);
        c.min_items = count("minItems", &mut bad);
        c.max_items = count("maxItems", &mut bad);
        c.min_properties = count("minProperties", &mut bad);
        c.max_properties = count("maxProperties", &mut bad);
        c.min_contains = count("minContains", &mut bad);
        c.max_contains = count("maxContains", &mut bad);
        for (key, slot) in [("pattern", &mut c.pattern), ("format", &mut c.format)] {
            if let Some(n) = node.get(key) {
                match n.as_str() {
                    Some(s) => *slot = Some(s.to_string()),
                    None => bad.push((key.to_string(), n.pos, "a string")),
                }
            }
        }
        if let Some(n) = node.get("uniqueItems") {
            match n.as_bool() {
                Some(b) => c.unique_items = b,
                None => bad.push(("uniqueItems".into(), n.pos, "a boolean")),
            }
        }
        if let Some(n) = node.get("const") {
            c.const_value = Some(n.to_json());
        }
        const KEYWORDS: [&str; 18] = [
            "minimum",
            "maximum",
            "exclusiveMinimum",
            "exclusiveMaximum",
            "multipleOf",
            "minLength",
            "maxLength",
            "pattern",
            "format",
            "minItems",
            "maxItems",
            "uniqueItems",
            "minProperties",
            "maxProperties",
            "minContains",
            "maxContains",
            "const",
            "enum",
        ];
        c.keywords_at = KEYWORDS.iter().filter_map(|k| Some((*k, node.key_pos(k)?))).collect();
        for (key, pos, expected) in bad {
            let at = doc.loc(&pointer_push(pointer, &key), pos);
            self.report(&lint::INVALID_SCHEMA, format!("`{key}` must be {expected}"), at);
        }
        t.set_constraints(c);
    }

    /// Annotations: title, description, default, deprecation, read/write-only, `x-` extensions.
    fn annotate(&mut self, t: &mut Type, doc: &Arc<Doc>, node: &Node, pointer: &str) {
        let Some(map) = node.as_map() else { return };
        if let Some(s) = node.get("title").and_then(Node::as_str) {
            t.title = Some(s.to_string());
        }
        if let Some(s) = node.get("description").and_then(Node::as_str) {
            t.description = Some(s.to_string());
        }
        if let Some(d) = node.get("default") {
            t.default = Some(Box::new(d.to_json()));
        }
        for (key, slot) in [
            ("deprecated", &mut t.deprecated),
            ("readOnly", &mut t.read_only),
            ("writeOnly", &mut t.write_only),
        ] {
            if let Some(n) = node.get(key) {
                match n.as_bool() {
                    Some(b) => *slot = b,
                    None => self.findings.push(Finding::new(
                        &lint::INVALID_SCHEMA,
                        format!("`{key}` must be a boolean"),
                        doc.loc(&pointer_push(pointer, key), n.pos),
                    )),
                }
            }
        }
        for (k, e) in map {
            if k.starts_with("x-") {
                t.extensions.insert(k.clone(), e.value.to_json());
            }
        }
    }
}

fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = s.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(h, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn file_stem(path: &Path) -> String {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("contract");
    name.split('.').next().unwrap_or(name).to_string()
}

/// `to` relative to the directory `from` (with `..` where needed), using `/`.
fn relative_path(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to_c: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to_c).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_string(), from.len() - common).collect();
    parts.extend(
        to_c[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_joining() {
        assert_eq!(
            join_uri(Some("https://x.com/a/b.json"), "c.json"),
            "https://x.com/a/c.json"
        );
        assert_eq!(
            join_uri(Some("https://x.com/a/b.json"), "../c.json"),
            "https://x.com/c.json"
        );
        assert_eq!(join_uri(None, "c.json"), "c.json");
    }

    #[test]
    fn relative_paths() {
        assert_eq!(relative_path(Path::new("/w/a"), Path::new("/w/a/b/c.yaml")), "b/c.yaml");
        assert_eq!(
            relative_path(Path::new("/w/a"), Path::new("/w/d/c.yaml")),
            "../d/c.yaml"
        );
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
