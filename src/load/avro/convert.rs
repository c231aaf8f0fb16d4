//! Step 2 of loading: convert each file into one contract: schemas, unions, references, and the
//! pending defaults that step 3 checks once every type is known.

use super::*;

/// A field default, checked once every file is converted (it may mention types of other files).
pub(super) struct PendingDefault {
    /// What the default belongs to: `field "balance" of record com.example.Customer`.
    pub(super) context: String,
    pub(super) ty: Type,
    pub(super) value: Node,
    pub(super) location: Location,
}

/// A type a message lists in `errors`, checked once every type's origin is known.
pub(super) struct ErrorUse {
    pub(super) context: String,
    pub(super) target: String,
    pub(super) location: Location,
}

#[derive(Default)]
pub(super) struct Pending {
    pub(super) defaults: Vec<PendingDefault>,
    pub(super) error_uses: Vec<ErrorUse>,
}

/// Converts one file. Named types go into `types`; every use of one is a reference.
pub(super) struct Converter<'a> {
    pub(super) source: &'a SourceFile,
    pub(super) declared: &'a IndexMap<String, Location>,
    pub(super) findings: &'a mut Vec<Finding>,
    pub(super) pending: &'a mut Pending,
    /// Named types declared in this file, in declaration order (outer before inner).
    pub(super) types: IndexMap<String, NamedType>,
}

impl Converter<'_> {
    pub(super) fn document(mut self, node: &Node) -> Contract {
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

    pub(super) fn location(&self, pointer: &str, node: &Node) -> Location {
        Location::new(self.source.display.clone(), pointer, node.pos)
    }

    pub(super) fn report(&mut self, rule: &'static RuleMeta, message: impl Into<String>, location: Location) {
        self.findings.push(Finding::new(rule, message, location));
    }
}

impl Converter<'_> {
    // --- schemas -------------------------------------------------------------------------------
    //
    // A schema may nest as deeply as the tree allows, so the functions that recurse (`schema`,
    // `schema_object`, `union`, `named_declaration`, `record_fields`, `fields`, `field`) pass types
    // boxed and leave building the large values to `#[inline(never)]` helpers: each nesting level
    // then costs little stack.

    pub(super) fn schema(&mut self, node: &Node, ns: Option<&str>, pointer: &str, depth: usize) -> Box<Type> {
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
    pub(super) fn invalid(&mut self, node: &Node, pointer: &str, message: String) -> Box<Type> {
        let location = self.location(pointer, node);
        self.report(&lint::INVALID_AVRO, message, location.clone());
        Box::new(Type::new(TypeKind::Any, location))
    }

    /// `{"type": ...}`: a primitive with attributes, a declaration, an array, a map or a reference.
    pub(super) fn schema_object(&mut self, node: &Node, ns: Option<&str>, pointer: &str, depth: usize) -> Box<Type> {
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
    pub(super) fn primitive(&self, name: &str, node: &Node, pointer: &str) -> Box<Type> {
        let location = self.location(pointer, node);
        Box::new(primitive_type(name, location.clone()).unwrap_or_else(|| Type::new(TypeKind::Any, location)))
    }

    /// An array of `inner`, or a map with `inner` values.
    #[inline(never)]
    pub(super) fn container(&self, kind: &str, inner: Box<Type>, node: &Node, pointer: &str) -> Box<Type> {
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
    pub(super) fn named_reference(&mut self, name: &str, ns: Option<&str>, pointer: &str, node: &Node) -> Box<Type> {
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
    pub(super) fn resolve(&self, written: &str, ns: Option<&str>) -> Option<String> {
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

    pub(super) fn union(
        &mut self,
        branches: &[Node],
        ns: Option<&str>,
        pointer: &str,
        node: &Node,
        depth: usize,
    ) -> Box<Type> {
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
    pub(super) fn finish_union(
        &self,
        mut variants: Vec<Type>,
        null_at: Option<usize>,
        node: &Node,
        pointer: &str,
    ) -> Box<Type> {
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
    pub(super) fn branch_key(&self, branch: &Node, ns: Option<&str>, depth: usize) -> Option<String> {
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

    pub(super) fn reference_key(&self, written: &str, ns: Option<&str>) -> String {
        if PRIMITIVES.contains(&written) || matches!(written, "array" | "map") {
            return written.to_string();
        }
        self.resolve(written, ns).unwrap_or_else(|| written.to_string())
    }
}

/// Adds a converted union branch; `null` is kept out of the variants, only its position is noted.
#[inline(never)]
pub(super) fn add_branch(variants: &mut Vec<Type>, null_at: &mut Option<usize>, ty: Box<Type>) {
    if matches!(ty.kind, TypeKind::Null) {
        *null_at = Some(variants.len());
    } else {
        variants.push(*ty);
    }
}

/// The text of a JSON number, as written.
pub(super) fn integer_text(node: &Node) -> Option<&str> {
    match &node.value {
        Value::Number(n) => Some(n),
        _ => None,
    }
}

/// How many characters of a value messages show.
pub(super) const RENDER_CHARS: usize = 60;

/// A value for a message: compact JSON, shortened. Only the start of the value is rendered, so a
/// large default costs no more than a small one.
pub(super) fn render(node: &Node) -> String {
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
pub(super) fn write_json_string(s: &str, out: &mut String) {
    let head: String = s.chars().take(RENDER_CHARS + 1).collect();
    out.push_str(&Json::String(head).to_string());
}

/// Writes `node` as compact JSON until `out` is longer than [`RENDER_CHARS`].
pub(super) fn write_json_prefix(node: &Node, out: &mut String) {
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
