//! Contract drafts from an observed schema: JSON Schema (2020-12), Avro, or OpenAPI 3.1 (whose
//! schemas are JSON Schema). A draft describes exactly what was seen, so `drift` of the same
//! samples against it finds nothing to fail on.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::observe::{Kind, Node};
use crate::format::StringFormat;

/// The formats a draft declares, most specific first.
const DECLARED_FORMATS: [StringFormat; 6] = [
    StringFormat::DateTime,
    StringFormat::Date,
    StringFormat::Time,
    StringFormat::Uuid,
    StringFormat::Email,
    StringFormat::Uri,
];

/// The pattern an integer-looking string gets.
pub const INTEGER_STRING_PATTERN: &str = "^-?[0-9]+$";

/// How drafts are inferred.
#[derive(Debug, Clone)]
pub struct InferOptions {
    /// A field is required when at least this share of its parent objects have it (1.0: all).
    pub required_threshold: f64,
    /// Strings become an enum when they take at most this many distinct values (0: never), and
    /// each value occurs at least twice on average.
    pub enum_max: usize,
    /// The draft's name (title, record name, schema name).
    pub name: String,
}

impl Default for InferOptions {
    fn default() -> Self {
        InferOptions {
            required_threshold: 1.0,
            enum_max: 10,
            name: "Record".into(),
        }
    }
}

/// What `infer` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// JSON Schema 2020-12.
    Jsonschema,
    /// An Avro record schema (.avsc).
    Avro,
    /// An OpenAPI 3.1 document with the draft under components/schemas.
    Openapi,
}

/// The draft of `to` that describes a scan's records; `true` with it when the draft is the Avro
/// writer schema the samples share rather than what their records show.
///
/// Avro data files say what they were written with: when every sample is one and they share
/// their writer schema (and no envelope wraps the rows), the draft is that schema (for `--to
/// avro`) or the JSON its records read as (the others). What the records show could only
/// approximate it: decimals, sizes, logical types, names, and values the samples happen not to
/// hold.
pub fn draft(
    scan: &super::Scan,
    to: Target,
    opts: &InferOptions,
    envelope: super::envelope::Envelope,
) -> (Value, bool) {
    let writer = shared_writer_schema(scan).filter(|_| envelope == super::envelope::Envelope::None);
    let from_writer = writer.is_some();
    let draft = match (to, writer) {
        (Target::Jsonschema, Some(w)) => super::avro_json::document(&w, false),
        (Target::Avro, Some(w)) => w,
        (Target::Openapi, Some(w)) => super::avro_json::openapi(&w, &opts.name),
        (Target::Jsonschema, None) => json_schema(&scan.observed, opts),
        (Target::Avro, None) => avro(&scan.observed, opts),
        (Target::Openapi, None) => openapi(&scan.observed, opts),
    };
    (draft, from_writer)
}

/// The writer schema of the samples when every one is an Avro data file and all were written
/// with the same schema.
fn shared_writer_schema(scan: &super::Scan) -> Option<Value> {
    let (_, first) = scan.writer_schemas.first()?;
    if scan.writer_schemas.len() != scan.files.len() || scan.writer_schemas.iter().any(|(_, s)| s != first) {
        return None;
    }
    serde_json::from_str(first).ok()
}

/// A draft's default name, from a sample's file name: `samples/customer_events.ndjson.gz` ->
/// `CustomerEvents`.
pub fn name_from(path: &std::path::Path) -> String {
    let stem = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.split('.').next())
        .unwrap_or("");
    let mut out = String::new();
    let mut upper = true;
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(if upper { c.to_ascii_uppercase() } else { c });
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "Record");
    }
    out
}

/// What the strings at a path look like.
enum Strings {
    Plain,
    Format(StringFormat),
    IntegerLike,
    Enum(Vec<String>),
}

fn strings(node: &Node, opts: &InferOptions) -> Strings {
    let n = node.count(Kind::String);
    if n == 0 {
        return Strings::Plain;
    }
    if let Some(f) = DECLARED_FORMATS.into_iter().find(|f| node.format_count(*f) == n) {
        return Strings::Format(f);
    }
    if node.format_count(StringFormat::IntegerString) == n {
        return Strings::IntegerLike;
    }
    let distinct = &node.distinct;
    let k = distinct.len();
    if !distinct.overflow && k > 0 && k <= opts.enum_max && n >= 2 * k as u64 {
        return Strings::Enum(distinct.sorted().into_iter().cloned().collect());
    }
    Strings::Plain
}

/// Whether `child` is required in objects of `parent`.
fn required(parent: &Node, child: &Node, opts: &InferOptions) -> bool {
    let objects = parent.count(Kind::Object);
    objects > 0 && child.present as f64 >= opts.required_threshold * objects as f64
}

/// A JSON Schema (2020-12) draft.
pub fn json_schema(root: &Node, opts: &InferOptions) -> Value {
    let mut schema = Map::new();
    schema.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
    schema.insert("title".into(), json!(opts.name));
    if let Value::Object(body) = schema_of(root, opts) {
        schema.extend(body);
    }
    Value::Object(schema)
}

/// An OpenAPI 3.1 document with the draft as its one component schema.
pub fn openapi(root: &Node, opts: &InferOptions) -> Value {
    let mut schemas = Map::new();
    schemas.insert(opts.name.clone(), schema_of(root, opts));
    json!({
        "openapi": "3.1.0",
        "info": {"title": opts.name, "version": "0.1.0"},
        "paths": {},
        "components": {"schemas": schemas},
    })
}

fn schema_of(node: &Node, opts: &InferOptions) -> Value {
    let mut branches: Vec<Map<String, Value>> = Vec::new();
    if node.count(Kind::Bool) > 0 {
        branches.push(typed("boolean"));
    }
    if node.count(Kind::Number) > 0 {
        branches.push(typed("number"));
    } else if node.count(Kind::Integer) > 0 {
        branches.push(typed("integer"));
    }
    if node.count(Kind::String) > 0 {
        let mut s = typed("string");
        match strings(node, opts) {
            Strings::Plain => {}
            Strings::Format(f) => {
                s.insert("format".into(), json!(f.name()));
            }
            Strings::IntegerLike => {
                s.insert("pattern".into(), json!(INTEGER_STRING_PATTERN));
            }
            Strings::Enum(values) => {
                s.insert("enum".into(), json!(values));
            }
        }
        branches.push(s);
    }
    if node.count(Kind::Object) > 0 {
        let mut o = typed("object");
        let mut properties = Map::new();
        let mut required_fields = Vec::new();
        for (name, child) in node.fields() {
            properties.insert(name.clone(), schema_of(child, opts));
            if required(node, child, opts) {
                required_fields.push(json!(name));
            }
        }
        o.insert("properties".into(), Value::Object(properties));
        if !required_fields.is_empty() {
            o.insert("required".into(), Value::Array(required_fields));
        }
        branches.push(o);
    }
    if node.count(Kind::Array) > 0 {
        let mut a = typed("array");
        let items = node.items.as_deref().map_or_else(|| json!({}), |i| schema_of(i, opts));
        a.insert("items".into(), items);
        branches.push(a);
    }
    let nullable = node.count(Kind::Null) > 0;
    match branches.len() {
        0 if nullable => Value::Object(typed("null")),
        0 => json!({}),
        1 if !nullable => Value::Object(branches.remove(0)),
        // `type: [x, "null"]` unless an enum would then reject the null.
        1 if !branches[0].contains_key("enum") => {
            let mut only = branches.remove(0);
            let t = only.remove("type").unwrap_or(Value::Null);
            let mut out = Map::new();
            out.insert("type".into(), json!([t, "null"]));
            out.extend(only);
            Value::Object(out)
        }
        _ => {
            let mut any: Vec<Value> = branches.into_iter().map(Value::Object).collect();
            if nullable {
                any.push(Value::Object(typed("null")));
            }
            json!({ "anyOf": any })
        }
    }
}

fn typed(t: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("type".into(), json!(t));
    m
}

/// An Avro schema draft: a record, nested objects as nested records, optional or nullable
/// fields as unions with `null` (default null).
pub fn avro(root: &Node, opts: &InferOptions) -> Value {
    let mut names = HashSet::new();
    let name = avro_name(&opts.name, "Record");
    names.insert(name.clone());
    match avro_record(root, &name, opts, &mut names) {
        Some(record) => record,
        // Records that are not objects: a schema of whatever they are.
        None => avro_type(root, &name, opts, &mut names),
    }
}

fn avro_record(node: &Node, name: &str, opts: &InferOptions, names: &mut HashSet<String>) -> Option<Value> {
    if node.count(Kind::Object) == 0 {
        return None;
    }
    let mut fields = Vec::new();
    // Keys that clean to the same name (`a-b`, `a_b`, `a.b`) get `_2`, `_3`: Avro field names are
    // unique within a record.
    let mut taken: HashSet<String> = HashSet::new();
    for (key, child) in node.fields() {
        let base = avro_name(key, "field");
        let mut field_name = base.clone();
        let mut n = 2;
        while !taken.insert(field_name.clone()) {
            field_name = format!("{base}_{n}");
            n += 1;
        }
        let mut t = avro_type(child, key, opts, names);
        let optional = !required(node, child, opts) || child.count(Kind::Null) > 0;
        let mut field = Map::new();
        field.insert("name".into(), json!(field_name));
        if optional {
            t = with_null_first(t);
        }
        field.insert("type".into(), t);
        if optional {
            field.insert("default".into(), Value::Null);
        }
        if field_name != *key {
            field.insert("doc".into(), json!(format!("`{key}` in the samples")));
        }
        fields.push(Value::Object(field));
    }
    Some(json!({"type": "record", "name": name, "fields": fields}))
}

fn with_null_first(t: Value) -> Value {
    match t {
        Value::String(s) if s == "null" => json!("null"),
        Value::Array(mut branches) => {
            branches.retain(|b| b != "null");
            branches.insert(0, json!("null"));
            Value::Array(branches)
        }
        other => json!(["null", other]),
    }
}

/// The Avro type of what was seen at a node (nulls aside: the field decides).
fn avro_type(node: &Node, hint: &str, opts: &InferOptions, names: &mut HashSet<String>) -> Value {
    let mut branches = Vec::new();
    if node.count(Kind::Bool) > 0 {
        branches.push(json!("boolean"));
    }
    if node.count(Kind::Number) > 0 {
        branches.push(json!("double"));
    } else if node.count(Kind::Integer) > 0 {
        branches.push(json!("long"));
    }
    if node.count(Kind::String) > 0 {
        branches.push(match strings(node, opts) {
            Strings::Format(StringFormat::Uuid) => json!({"type": "string", "logicalType": "uuid"}),
            Strings::Enum(values) if values.iter().all(|v| is_avro_name(v)) => {
                let name = unique(names, &pascal(hint, "Enum"));
                json!({"type": "enum", "name": name, "symbols": values})
            }
            _ => json!("string"),
        });
    }
    if node.count(Kind::Object) > 0 {
        let fields = node.fields();
        if !fields.is_empty() && fields.iter().any(|(k, _)| !is_avro_name(k)) {
            // Keys that are no Avro names (`""`, `en-US`, ids) are data, not fields: a map whose
            // values are all that was seen under any key.
            let mut values = Node::default();
            for (_, child) in fields {
                values.merge(child.clone());
            }
            let t = avro_type(&values, &format!("{hint}_value"), opts, names);
            let t = if values.count(Kind::Null) > 0 {
                with_null_first(t)
            } else {
                t
            };
            branches.push(json!({"type": "map", "values": t}));
        } else {
            let name = unique(names, &pascal(hint, "Record"));
            if let Some(r) = avro_record(node, &name, opts, names) {
                branches.push(r);
            }
        }
    }
    if node.count(Kind::Array) > 0 {
        let items = match node.items.as_deref() {
            Some(i) if i.present > i.count(Kind::Null) => {
                let t = avro_type(i, &format!("{hint}_item"), opts, names);
                if i.count(Kind::Null) > 0 { with_null_first(t) } else { t }
            }
            _ => json!("null"),
        };
        branches.push(json!({"type": "array", "items": items}));
    }
    match branches.len() {
        0 => json!("null"),
        1 => branches.remove(0),
        _ => Value::Array(branches),
    }
}

fn is_avro_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A valid Avro name for `s`: invalid characters become `_`.
fn avro_name(s: &str, fallback: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
        .collect();
    if out.is_empty() {
        out = fallback.to_string();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// `billing_address` → `BillingAddress`.
fn pascal(s: &str, fallback: &str) -> String {
    let mut out = String::new();
    let mut upper = true;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            if upper {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper = false;
        } else {
            upper = true;
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, fallback);
    }
    out
}

fn unique(names: &mut HashSet<String>, base: &str) -> String {
    let mut name = base.to_string();
    let mut n = 2;
    while names.contains(&name) {
        name = format!("{base}{n}");
        n += 1;
    }
    names.insert(name.clone());
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samples::observe::Loc;

    #[test]
    fn drafts_are_named_after_the_first_sample() {
        use std::path::Path;
        assert_eq!(
            name_from(Path::new("samples/customer_events.ndjson.gz")),
            "CustomerEvents"
        );
        assert_eq!(name_from(Path::new("orders-2026-11.csv")), "Orders202611");
        assert_eq!(name_from(Path::new("2026_orders.json")), "Record2026Orders");
        assert_eq!(name_from(Path::new("---.json")), "Record");
    }

    fn observed(records: &[Value]) -> Node {
        let mut n = Node::default();
        for (i, r) in records.iter().enumerate() {
            n.observe(
                r,
                Loc {
                    file: 0,
                    line: i as u64 + 1,
                },
                None,
            );
        }
        n
    }

    #[test]
    fn integers_numbers_formats_enums_and_nullability() {
        let records: Vec<Value> = (0..10)
            .map(|i| {
                json!({
                    "id": i,
                    "price": if i == 3 { json!(2.5) } else { json!(i) },
                    "status": if i % 2 == 0 { "open" } else { "closed" },
                    "at": "2024-05-01T10:00:00Z",
                    "note": if i == 0 { Value::Null } else { json!(format!("note {i}")) },
                })
            })
            .chain([json!({"id": 10, "price": 1, "status": "open", "at": "2024-05-01T10:00:00Z"})])
            .collect();
        let s = json_schema(&observed(&records), &InferOptions::default());
        assert_eq!(s["type"], "object");
        assert_eq!(s["properties"]["id"], json!({"type": "integer"}));
        assert_eq!(s["properties"]["price"], json!({"type": "number"}));
        assert_eq!(s["properties"]["status"]["enum"], json!(["closed", "open"]));
        assert_eq!(s["properties"]["at"]["format"], "date-time");
        assert_eq!(s["properties"]["note"]["type"], json!(["string", "null"]));
        assert_eq!(s["required"], json!(["id", "price", "status", "at"]));
    }

    #[test]
    fn avro_optional_fields_are_null_unions() {
        let records = [json!({"a": 1, "b": {"c": "x"}}), json!({"a": 2})];
        let s = avro(&observed(&records), &InferOptions::default());
        assert_eq!(s["fields"][0], json!({"name": "a", "type": "long"}));
        assert_eq!(s["fields"][1]["type"][0], "null");
        assert_eq!(s["fields"][1]["type"][1]["name"], "B");
    }
}
