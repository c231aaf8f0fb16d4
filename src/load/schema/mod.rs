//! JSON Schema (and OpenAPI's dialects of it) into the model's [`Type`].
//!
//! One converter serves OpenAPI 3.0, OpenAPI 3.1 and JSON Schema drafts 4 to 2020-12. References
//! never expand: a `$ref` becomes [`TypeKind::Ref`] to a named type, converted once, so recursive
//! schemas terminate. Referenced files are loaded on demand, confined to the workspace root.

mod keywords;
mod refs;
mod types;

use refs::*;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;

use super::SourceFile;
use super::tree::{Node, Value};
use crate::finding::{Finding, RuleMeta};
use crate::load::lint;
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
