//! The keywords that constrain or annotate a type without changing its kind: bounds, lengths,
//! patterns, formats, defaults, examples, deprecation, extensions.

use super::*;

impl Converter {
    /// Reads validation keywords into `t.constraints`, reporting values of the wrong kind.
    pub(super) fn constraints(&mut self, t: &mut Type, doc: &Arc<Doc>, node: &Node, pointer: &str) {
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
    pub(super) fn annotate(&mut self, t: &mut Type, doc: &Arc<Doc>, node: &Node, pointer: &str) {
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
