//! Avro protocols (`.avpr`): the protocol's name, its types and its messages.

use super::*;

impl Converter<'_> {
    // --- protocols -----------------------------------------------------------------------------

    pub(super) fn protocol(&mut self, node: &Node, stem: &str) -> (String, Vec<AvroMessage>) {
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

    pub(super) fn checked_protocol_name(&mut self, node: &Node) -> Option<Name> {
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

    pub(super) fn message(&mut self, name: &str, node: &Node, ns: Option<&str>, pointer: &str) -> Option<AvroMessage> {
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
}
