//! Step 1 of loading: collect every named declaration of every file (full name -> where it is),
//! so that a type may be used before, or in another file than, its declaration.

use super::*;

/// Walks a file the way [`Converter`] does, recording where each full name is declared.
pub(super) struct Collector<'a> {
    pub(super) source: &'a SourceFile,
    pub(super) declared: &'a mut IndexMap<String, Location>,
    pub(super) findings: &'a mut Vec<Finding>,
}

impl Collector<'_> {
    pub(super) fn document(&mut self, node: &Node) {
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

    pub(super) fn fields(&mut self, fields: &[Node], ns: Option<&str>, pointer: &str, depth: usize) {
        for (i, field) in fields.iter().enumerate() {
            if let Some(t) = field.get("type") {
                let p = pointer_push(&pointer_push(pointer, &i.to_string()), "type");
                self.schema(t, ns, &p, depth + 1);
            }
        }
    }

    pub(super) fn schema(&mut self, node: &Node, ns: Option<&str>, pointer: &str, depth: usize) {
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

    pub(super) fn declare(&mut self, name: &Name, node: &Node, pointer: &str) {
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
