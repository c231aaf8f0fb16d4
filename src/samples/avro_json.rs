//! An Avro schema as the JSON Schema of the values [`super::avro`] reads from data written with
//! it: what a record of an Avro data file looks like once it is JSON (decimals numbers, bytes and
//! fixed base64 text, timestamps RFC 3339 text, maps objects). Used to compare an Avro file's
//! writer schema with a contract in another format, and as the exact `infer` draft of Avro data.

use indexmap::IndexMap;
use serde_json::{Map, Value, json};

/// How the converted schema is written.
#[derive(Debug, Clone, Copy)]
pub struct Style<'a> {
    /// Where named types go, as a JSON pointer prefix: `#/$defs/` or `#/components/schemas/`.
    pub refs: &'a str,
    /// Records forbid fields they do not declare (`additionalProperties: false`): true to
    /// describe exactly what a writer writes, false for a draft that lets fields be added.
    pub closed: bool,
}

/// Named types found while converting, by full name, in the order met.
pub type Defs = IndexMap<String, Value>;

/// Converts `schema` (an Avro schema as JSON); named types go to `defs` and are referred to.
pub fn convert(schema: &Value, style: Style, defs: &mut Defs) -> Value {
    let mut c = Converter { style, defs };
    c.schema(schema, None, 0)
}

/// The full name of a named type declared as `name` in `namespace` (its own `namespace` wins).
fn full_name(name: &str, own: Option<&str>, enclosing: Option<&str>) -> String {
    if name.contains('.') {
        return name.to_string();
    }
    match own.or(enclosing).filter(|n| !n.is_empty()) {
        Some(ns) => format!("{ns}.{name}"),
        None => name.to_string(),
    }
}

/// The namespace part of a full name.
fn namespace_of(full: &str) -> Option<&str> {
    full.rsplit_once('.').map(|(ns, _)| ns)
}

/// How deep schemas may nest (the Avro loader refuses deeper documents already).
const MAX_DEPTH: usize = 256;

struct Converter<'a, 'd> {
    style: Style<'a>,
    defs: &'d mut Defs,
}

impl Converter<'_, '_> {
    fn reference(&self, full: &str) -> Value {
        json!({"$ref": format!("{}{full}", self.style.refs)})
    }

    fn schema(&mut self, s: &Value, namespace: Option<&str>, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return json!({});
        }
        match s {
            Value::String(name) => match primitive(name) {
                Some(p) => p,
                None => {
                    // A named type used by name: its full name under the enclosing namespace
                    // (or as written, when that is how it was declared).
                    let full = full_name(name, None, namespace);
                    let full = if self.defs.contains_key(&full) || !self.defs.contains_key(name.as_str()) {
                        full
                    } else {
                        name.clone()
                    };
                    self.reference(&full)
                }
            },
            Value::Array(branches) => self.union(branches, namespace, depth),
            Value::Object(o) => self.complex(o, namespace, depth),
            _ => json!({}),
        }
    }

    fn union(&mut self, branches: &[Value], namespace: Option<&str>, depth: usize) -> Value {
        let nullable = branches.iter().any(|b| b.as_str() == Some("null"));
        let others: Vec<Value> = branches
            .iter()
            .filter(|b| b.as_str() != Some("null"))
            .map(|b| self.schema(b, namespace, depth + 1))
            .collect();
        match (others.len(), nullable) {
            (0, _) => json!({"type": "null"}),
            (1, false) => others.into_iter().next().unwrap_or_default(),
            (1, true) => with_null(others.into_iter().next().unwrap_or_default()),
            (_, nullable) => {
                let mut any = others;
                if nullable {
                    any.push(json!({"type": "null"}));
                }
                json!({"anyOf": any})
            }
        }
    }

    fn complex(&mut self, o: &Map<String, Value>, namespace: Option<&str>, depth: usize) -> Value {
        let ty = o.get("type");
        let mut out = match ty.and_then(Value::as_str) {
            Some("record" | "error") => return self.named(o, namespace, depth, Self::record),
            Some("enum") => return self.named(o, namespace, depth, |_, o, _, _| enumeration(o)),
            Some("fixed") => return self.named(o, namespace, depth, |_, o, _, _| fixed(o)),
            Some("array") => {
                let items = o
                    .get("items")
                    .map_or(json!({}), |i| self.schema(i, namespace, depth + 1));
                json!({"type": "array", "items": items})
            }
            Some("map") => {
                let values = o
                    .get("values")
                    .map_or(json!({}), |v| self.schema(v, namespace, depth + 1));
                json!({"type": "object", "additionalProperties": values})
            }
            Some(p) => match logical(o.get("logicalType").and_then(Value::as_str), p) {
                Some(l) => l,
                None => self.schema(&Value::String(p.to_string()), namespace, depth + 1),
            },
            // `{"type": {...}}` or `{"type": [...]}`: the type inside.
            None => match ty {
                Some(inner) => self.schema(inner, namespace, depth + 1),
                None => json!({}),
            },
        };
        if let (Some(doc), Value::Object(m)) = (o.get("doc").and_then(Value::as_str), &mut out) {
            m.insert("description".into(), json!(doc));
        }
        out
    }

    /// A named type: converted once into `defs` (a recursive type refers to itself), referred to.
    fn named(
        &mut self,
        o: &Map<String, Value>,
        namespace: Option<&str>,
        depth: usize,
        body: fn(&mut Self, &Map<String, Value>, Option<&str>, usize) -> Value,
    ) -> Value {
        let name = o.get("name").and_then(Value::as_str).unwrap_or("Anonymous");
        let full = full_name(name, o.get("namespace").and_then(Value::as_str), namespace);
        if !self.defs.contains_key(&full) {
            // Claimed first, so a reference from inside finds it.
            self.defs.insert(full.clone(), json!({}));
            let mut converted = body(self, o, namespace_of(&full), depth + 1);
            if let (Some(doc), Value::Object(m)) = (o.get("doc").and_then(Value::as_str), &mut converted) {
                m.insert("description".into(), json!(doc));
            }
            self.defs.insert(full.clone(), converted);
        }
        self.reference(&full)
    }

    fn record(&mut self, o: &Map<String, Value>, namespace: Option<&str>, depth: usize) -> Value {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for f in o.get("fields").and_then(Value::as_array).into_iter().flatten() {
            let Some(name) = f.get("name").and_then(Value::as_str) else {
                continue;
            };
            let mut t = f
                .get("type")
                .map_or(json!({}), |t| self.schema(t, namespace, depth + 1));
            if let (Some(doc), Value::Object(m)) = (f.get("doc").and_then(Value::as_str), &mut t)
                && !m.contains_key("$ref")
            {
                m.insert("description".into(), json!(doc));
            }
            properties.insert(name.to_string(), t);
            // A writer writes every field of a record: each is in every value.
            required.push(json!(name));
        }
        let mut r = Map::new();
        r.insert("type".into(), json!("object"));
        r.insert("properties".into(), Value::Object(properties));
        if !required.is_empty() {
            r.insert("required".into(), Value::Array(required));
        }
        if self.style.closed {
            r.insert("additionalProperties".into(), json!(false));
        }
        Value::Object(r)
    }
}

fn primitive(name: &str) -> Option<Value> {
    Some(match name {
        "null" => json!({"type": "null"}),
        "boolean" => json!({"type": "boolean"}),
        "int" | "long" => json!({"type": "integer"}),
        "float" | "double" => json!({"type": "number"}),
        "string" => json!({"type": "string"}),
        "bytes" => json!({"type": "string", "contentEncoding": "base64"}),
        _ => return None,
    })
}

/// A logical type as the JSON its values read as (see [`super::values`]); `None`: the
/// underlying type (an unknown logical type is ignored, as Avro readers do).
fn logical(logical: Option<&str>, underlying: &str) -> Option<Value> {
    let l = logical?;
    Some(match (l, underlying) {
        ("decimal", "bytes" | "fixed") | ("big-decimal", "bytes") => json!({"type": "number"}),
        ("date", "int") => json!({"type": "string", "format": "date"}),
        ("time-millis", "int") | ("time-micros", "long") => json!({"type": "string", "format": "time"}),
        ("timestamp-millis" | "timestamp-micros" | "timestamp-nanos", "long") => {
            json!({"type": "string", "format": "date-time"})
        }
        ("local-timestamp-millis" | "local-timestamp-micros" | "local-timestamp-nanos", "long") => {
            json!({"type": "string"})
        }
        ("uuid", "string" | "fixed") => json!({"type": "string", "format": "uuid"}),
        _ => return None,
    })
}

fn enumeration(o: &Map<String, Value>) -> Value {
    let symbols: Vec<Value> = o.get("symbols").and_then(Value::as_array).cloned().unwrap_or_default();
    json!({"type": "string", "enum": symbols})
}

fn fixed(o: &Map<String, Value>) -> Value {
    match (o.get("logicalType").and_then(Value::as_str), o.get("size")) {
        (Some(l), _) if logical(Some(l), "fixed").is_some() => logical(Some(l), "fixed").unwrap_or_default(),
        (Some("duration"), _) => json!({"type": "string", "format": "duration"}),
        _ => json!({"type": "string", "contentEncoding": "base64"}),
    }
}

/// `t` that also allows null.
fn with_null(t: Value) -> Value {
    match t {
        Value::Object(mut m) if m.get("type").is_some_and(Value::is_string) && !m.contains_key("enum") => {
            let ty = m.remove("type").unwrap_or_default();
            m.insert("type".into(), json!([ty, "null"]));
            Value::Object(m)
        }
        other => json!({"anyOf": [other, {"type": "null"}]}),
    }
}

/// The JSON Schema document (2020-12) of data written with `schema`: the top-level type as the
/// root, named types under `$defs`.
pub fn document(schema: &Value, closed: bool) -> Value {
    let mut defs = Defs::new();
    let root = convert(
        schema,
        Style {
            refs: "#/$defs/",
            closed,
        },
        &mut defs,
    );
    let title = schema
        .get("name")
        .and_then(Value::as_str)
        .map(|n| n.rsplit('.').next().unwrap_or(n).to_string());
    let mut doc = Map::new();
    doc.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
    if let Some(t) = title {
        doc.insert("title".into(), json!(t));
    }
    // The top-level named type is the root itself, not a reference to it, unless a type refers
    // back to it (then the root refers into `$defs`).
    let root_name = root
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .map(str::to_string);
    let recursive = root_name.as_ref().is_some_and(|n| {
        let needle = format!("\"#/$defs/{n}\"");
        defs.iter().any(|(_, d)| d.to_string().contains(&needle))
    });
    match (root, root_name) {
        (_, Some(n)) if !recursive => {
            if let Some(Value::Object(body)) = defs.shift_remove(&n) {
                doc.extend(body);
            }
        }
        (Value::Object(body), _) => doc.extend(body),
        _ => {}
    }
    if !defs.is_empty() {
        doc.insert("$defs".into(), Value::Object(defs.into_iter().collect()));
    }
    Value::Object(doc)
}

/// An OpenAPI 3.1 document with the type of data written with `schema` as component schemas: every
/// named type under its full name (`shop.Order`), referred to from the others.
pub fn openapi(schema: &Value, name: &str) -> Value {
    let mut defs = Defs::new();
    let root = convert(
        schema,
        Style {
            refs: "#/components/schemas/",
            closed: false,
        },
        &mut defs,
    );
    let mut schemas = Map::new();
    if root.get("$ref").is_none() {
        schemas.insert(name.to_string(), root);
    }
    schemas.extend(defs);
    json!({
        "openapi": "3.1.0",
        "info": {"title": name, "version": "0.1.0"},
        "paths": {},
        "components": {"schemas": schemas},
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_become_objects_with_named_types_referred_to() {
        let avro = json!({
            "type": "record", "name": "Order", "namespace": "shop",
            "fields": [
                {"name": "id", "type": "long"},
                {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "PAID"]}},
                {"name": "again", "type": ["null", "Status"], "default": null},
                {"name": "total", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
                {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
                {"name": "tags", "type": {"type": "map", "values": "string"}},
                {"name": "note", "type": ["null", "string"]},
            ]
        });
        let doc = document(&avro, true);
        assert_eq!(doc["title"], "Order");
        assert_eq!(doc["additionalProperties"], false);
        assert_eq!(doc["properties"]["id"], json!({"type": "integer"}));
        assert_eq!(doc["properties"]["status"], json!({"$ref": "#/$defs/shop.Status"}));
        assert_eq!(
            doc["properties"]["again"],
            json!({"anyOf": [{"$ref": "#/$defs/shop.Status"}, {"type": "null"}]})
        );
        assert_eq!(
            doc["$defs"]["shop.Status"],
            json!({"type": "string", "enum": ["NEW", "PAID"]})
        );
        assert_eq!(doc["properties"]["total"], json!({"type": "number"}));
        assert_eq!(doc["properties"]["at"]["format"], "date-time");
        assert_eq!(
            doc["properties"]["tags"]["additionalProperties"],
            json!({"type": "string"})
        );
        assert_eq!(doc["properties"]["note"], json!({"type": ["string", "null"]}));
        assert_eq!(doc["required"].as_array().map(Vec::len), Some(7));
    }

    #[test]
    fn recursive_records_stay_finite() {
        let avro = json!({
            "type": "record", "name": "Node",
            "fields": [{"name": "next", "type": ["null", "Node"]}]
        });
        let doc = document(&avro, false);
        assert_eq!(doc["$ref"], "#/$defs/Node");
        assert_eq!(
            doc["$defs"]["Node"]["properties"]["next"],
            json!({"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]})
        );
    }
}
