//! Schemas into types: the keywords that decide a type's kind (`type`, combinators, `enum`,
//! `const`, objects, arrays, additional properties, discriminators).

use super::*;

impl Converter {
    /// Converts one schema node.
    pub fn schema(&mut self, doc: &Arc<Doc>, node: &Node, pointer: &str, depth: usize) -> Type {
        let loc = doc.loc(pointer, node.pos);
        if depth > crate::load::tree::MAX_DEPTH {
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

    pub(super) fn discriminator(&mut self, doc: &Arc<Doc>, node: &Node, pointer: &str) -> Option<Discriminator> {
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
    pub(super) fn kind_for(
        &mut self,
        ty: &str,
        doc: &Arc<Doc>,
        node: &Node,
        pointer: &str,
        t: &Type,
        depth: usize,
    ) -> TypeKind {
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

    pub(super) fn array_kind(&mut self, doc: &Arc<Doc>, node: &Node, pointer: &str, depth: usize) -> TypeKind {
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

    pub(super) fn object_kind(&mut self, doc: &Arc<Doc>, node: &Node, pointer: &str, depth: usize) -> TypeKind {
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

    pub(super) fn additional(&mut self, doc: &Arc<Doc>, node: &Node, pointer: &str, depth: usize) -> Additional {
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
}
