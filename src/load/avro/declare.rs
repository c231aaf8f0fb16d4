//! Named types: `record`, `error`, `enum` and `fixed` declarations, their names, namespaces,
//! aliases and fields.

use super::*;

impl Converter<'_> {
    // --- named types ---------------------------------------------------------------------------

    /// A `record`, `error`, `enum` or `fixed` declaration: converted into this file's `types`, and
    /// used through a reference. An unnamed one (already reported) is returned inline.
    pub(super) fn named_declaration(
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
    pub(super) fn declaration(&mut self, node: &Node, kind: &str, ns: Option<&str>, pointer: &str) -> Declaration {
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
    pub(super) fn finish_declaration(
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
    pub(super) fn checked_name(&mut self, node: &Node, kind: &str, ns: Option<&str>, pointer: &str) -> Option<Name> {
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

    pub(super) fn check_namespace_attribute(&mut self, node: &Node, pointer: &str, label: &str) {
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
    pub(super) fn aliases(&mut self, node: &Node, label: &str, pointer: &str, dotted: bool) -> Vec<String> {
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

    pub(super) fn record_fields(
        &mut self,
        node: &Node,
        label: &str,
        ns: Option<&str>,
        pointer: &str,
        depth: usize,
    ) -> Vec<Field> {
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
    pub(super) fn record_type(&self, fields: Vec<Field>, node: &Node, pointer: &str) -> Box<Type> {
        let location = self.location(pointer, node);
        Box::new(Type::new(TypeKind::Object(Box::new(ObjectType::new(fields))), location))
    }

    /// Record fields or message parameters; `owner` names them in messages (`record com.x.Customer`).
    pub(super) fn fields(
        &mut self,
        items: &[Node],
        owner: &str,
        ns: Option<&str>,
        pointer: &str,
        depth: usize,
    ) -> Vec<Field> {
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
    pub(super) fn add_field(
        &mut self,
        fields: &mut Vec<Field>,
        seen: &mut HashSet<String>,
        field: Box<Field>,
        owner: &str,
    ) {
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

    pub(super) fn field(
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
    pub(super) fn field_name(&mut self, node: &Node, index: usize, owner: &str, pointer: &str) -> Option<String> {
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
    pub(super) fn finish_field(
        &mut self,
        node: &Node,
        name: String,
        ty: Box<Type>,
        owner: &str,
        pointer: &str,
    ) -> Box<Field> {
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
    pub(super) fn enum_body(&mut self, node: &Node, label: &str, pointer: &str) -> (Box<Type>, Option<String>) {
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
    pub(super) fn fixed_body(&mut self, node: &Node, label: &str, pointer: &str) -> Box<Type> {
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
pub(super) struct Declaration {
    pub(super) kind: String,
    pub(super) name: Option<Name>,
    pub(super) origin: TypeOrigin,
    /// The namespace types declared inside inherit.
    pub(super) inner_ns: Option<String>,
    /// `record com.example.Customer`, for messages.
    pub(super) label: String,
    /// Whether this declaration is the first of its name in the file (a duplicate was reported).
    pub(super) owns_slot: bool,
}
