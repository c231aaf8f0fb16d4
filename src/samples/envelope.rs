//! Change-data-capture envelopes: the record a sample line holds is not the row the contract
//! describes but a wrapper around it.
//!
//! - `kafka-connect`: Kafka Connect's JSON converter with `schemas.enable=true`,
//!   `{"schema": {...}, "payload": ROW}`.
//! - `debezium`: Debezium change events as the JSON converter writes them, with or without
//!   `schemas.enable` (`{"schema": ..., "payload": EVENT}` or `EVENT`), where `EVENT` is
//!   `{"before", "after", "source", "op", "ts_ms", "transaction"}`. `after` of creates (`c`),
//!   snapshot reads (`r`) and updates (`u`), and `before` of updates and deletes (`d`) when the
//!   connector sends it, are the rows checked. A `null` record is a tombstone (Kafka's delete
//!   marker for compaction) and is counted, not checked.
//!
//! The Connect `schema` the records carry is compared with the contract too (a field the
//! connector sends that the contract lacks, a type that differs), so schema drift shows straight
//! from the stream, before any record carries a value that shows it.

use std::collections::BTreeMap;

use serde_json::Value;

use super::drift::{ENVELOPE_EVENTS, REQUIRED_FIELD_MISSING, UNDECLARED_FIELD, UNEXPECTED_NULL, UNEXPECTED_TYPE};
use super::expect::{Eid, Expectations};
use super::observe::{Kind, Loc};
use crate::finding::{Finding, Severity};
use crate::json::{Shape, View};
use crate::model::{Location, Pos};

/// How sample records wrap the rows the contract describes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Envelope {
    /// The records are the rows.
    #[default]
    None,
    /// Debezium change events (JSON converter, with or without `schemas.enable`).
    Debezium,
    /// Kafka Connect `{schema, payload}` records (JSON converter with `schemas.enable`).
    KafkaConnect,
}

impl Envelope {
    pub fn parse(name: &str) -> Option<Envelope> {
        match name {
            "none" => Some(Envelope::None),
            "debezium" => Some(Envelope::Debezium),
            "kafka-connect" => Some(Envelope::KafkaConnect),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Envelope::None => "none",
            Envelope::Debezium => "debezium",
            Envelope::KafkaConnect => "kafka-connect",
        }
    }

    /// The freshness field when none is named: Debezium's `source.ts_ms` (when the database
    /// committed the change).
    pub fn default_freshness(self) -> Option<&'static str> {
        match self {
            Envelope::Debezium => Some("source.ts_ms"),
            _ => None,
        }
    }
}

/// The operations of Debezium events, in the order reports list them.
const OPS: [(&str, &str); 5] = [
    ("c", "create"),
    ("u", "update"),
    ("d", "delete"),
    ("r", "read"),
    ("t", "truncate"),
];

/// The largest number of distinct Connect schemas kept for comparison.
const SCHEMAS_KEPT: usize = 16;

/// What the envelopes of a scan held.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Events {
    /// Events by operation, as [`OPS`] orders them.
    pub ops: [u64; 5],
    pub tombstones: u64,
    /// Rows checked against the contract.
    pub rows: u64,
    /// Distinct Connect schemas of the rows (their JSON text), with how many records carried each
    /// and the first one's place.
    pub schemas: BTreeMap<String, (u64, Loc)>,
    /// Schemas beyond [`SCHEMAS_KEPT`], counted only.
    pub more_schemas: u64,
}

impl Events {
    pub fn merge(&mut self, other: Events) {
        for (a, b) in self.ops.iter_mut().zip(other.ops) {
            *a += b;
        }
        self.tombstones += other.tombstones;
        self.rows += other.rows;
        self.more_schemas += other.more_schemas;
        for (text, (n, at)) in other.schemas {
            self.keep_schema(text, n, at);
        }
    }

    fn keep_schema(&mut self, text: String, n: u64, at: Loc) {
        if let Some((count, first)) = self.schemas.get_mut(&text) {
            *count += n;
            if (at.file, at.line) < (first.file, first.line) {
                *first = at;
            }
        } else if self.schemas.len() < SCHEMAS_KEPT {
            self.schemas.insert(text, (n, at));
        } else {
            self.more_schemas += n;
        }
    }
}

/// One record unwrapped: the rows to check, the value freshness is read from, or why the
/// record is malformed.
pub struct Unwrapped<'t, 'a> {
    pub rows: Vec<View<'t, 'a>>,
    /// The row as it stands after the event (Debezium's `after` of a create, read or update; the
    /// Kafka Connect payload); none for a delete or a tombstone. What `map run` maps.
    pub current: Option<View<'t, 'a>>,
    /// The event (Debezium) or payload (Kafka Connect): paths of `--freshness` start there.
    pub event: Option<View<'t, 'a>>,
}

fn get<'t, 'a>(v: View<'t, 'a>, key: &str) -> Option<View<'t, 'a>> {
    v.entries().filter(|(k, _)| *k == key).last().map(|(_, v)| v)
}

fn is_null(v: View) -> bool {
    matches!(v.shape(), Shape::Null)
}

/// Unwraps one record, counting it in `events`. `Err` says why it is malformed.
pub fn unwrap<'t, 'a>(
    envelope: Envelope,
    record: View<'t, 'a>,
    at: Loc,
    events: &mut Events,
) -> Result<Unwrapped<'t, 'a>, String> {
    let none = Unwrapped {
        rows: Vec::new(),
        current: None,
        event: None,
    };
    if is_null(record) {
        events.tombstones += 1;
        return Ok(none);
    }
    if !record.is_object() {
        return Err(format!("a {} event must be a JSON object or null", envelope.name()));
    }
    let wrapped = get(record, "payload").is_some() && get(record, "schema").is_some();
    let (schema, payload) = if wrapped {
        (get(record, "schema"), get(record, "payload").expect("checked"))
    } else {
        (None, record)
    };
    match envelope {
        Envelope::None => Ok(Unwrapped {
            rows: vec![record],
            current: Some(record),
            event: Some(record),
        }),
        Envelope::KafkaConnect => {
            if !wrapped {
                return Err("not a Kafka Connect record: expected `schema` and `payload` (JSON converter with schemas.enable=true)".into());
            }
            if is_null(payload) {
                events.tombstones += 1;
                return Ok(none);
            }
            if let Some(s) = schema.filter(|s| !is_null(*s)) {
                events.keep_schema(s.to_value().to_string(), 1, at);
            }
            events.rows += 1;
            Ok(Unwrapped {
                rows: vec![payload],
                current: Some(payload),
                event: Some(payload),
            })
        }
        Envelope::Debezium => {
            if is_null(payload) {
                events.tombstones += 1;
                return Ok(none);
            }
            let op = match get(payload, "op").map(View::shape) {
                Some(Shape::Str(op)) => op,
                Some(_) => return Err("Debezium event: `op` must be a string (c, u, d, r, t)".into()),
                None => return Err("not a Debezium event: no `op` (expected before, after, source, op)".into()),
            };
            let Some(index) = OPS.iter().position(|(o, _)| *o == op) else {
                return Err(format!("Debezium event: unknown operation `op: {op}`"));
            };
            events.ops[index] += 1;
            let row = |key: &str| get(payload, key).filter(|v| !is_null(*v));
            let mut rows = Vec::new();
            if matches!(op, "c" | "r" | "u") {
                match row("after") {
                    Some(after) if after.is_object() => rows.push(after),
                    _ => return Err(format!("Debezium `{op}` event without an `after` row")),
                }
            }
            if matches!(op, "u" | "d")
                && let Some(before) = row("before")
            {
                if !before.is_object() {
                    return Err(format!("Debezium `{op}` event: `before` must be a row (an object)"));
                }
                rows.push(before);
            }
            // The row schema: the envelope's `after` field (or `before`).
            if let Some(s) = schema.and_then(|s| row_schema(s, "after").or_else(|| row_schema(s, "before"))) {
                events.keep_schema(s.to_value().to_string(), 1, at);
            }
            events.rows += rows.len() as u64;
            let current = rows.first().copied().filter(|_| matches!(op, "c" | "r" | "u"));
            Ok(Unwrapped {
                rows,
                current,
                event: Some(payload),
            })
        }
    }
}

/// The schema of the envelope field `name` in a Connect struct schema.
fn row_schema<'t, 'a>(schema: View<'t, 'a>, name: &str) -> Option<View<'t, 'a>> {
    get(schema, "fields")?
        .items()
        .find(|f| matches!(get(*f, "field").map(View::shape), Some(Shape::Str(n)) if n == name))
}

/// The summary of the envelopes (an info finding), and what the Connect schemas say that the
/// contract does not.
pub fn findings(envelope: Envelope, events: &Events, x: &Expectations, files: &[String]) -> Vec<Finding> {
    let mut out = Vec::new();
    let first_file = files.first().map_or("", String::as_str);
    let events_total: u64 = events.ops.iter().sum();
    let mut parts = Vec::new();
    if envelope == Envelope::Debezium {
        let ops: Vec<String> = OPS
            .iter()
            .zip(events.ops)
            .filter(|(_, n)| *n > 0)
            .map(|((op, word), n)| format!("{op} ({word}) {n}"))
            .collect();
        parts.push(format!(
            "{events_total} change event{}{}",
            if events_total == 1 { "" } else { "s" },
            if ops.is_empty() {
                String::new()
            } else {
                format!(": {}", ops.join(", "))
            }
        ));
    }
    parts.push(format!(
        "{} tombstone{}",
        events.tombstones,
        if events.tombstones == 1 { "" } else { "s" }
    ));
    parts.push(format!(
        "{} row{} checked",
        events.rows,
        if events.rows == 1 { "" } else { "s" }
    ));
    let schemas = events.schemas.len() as u64;
    parts.push(match schemas {
        0 => "no Connect schema in the records".to_string(),
        1 => "1 Connect schema".to_string(),
        n => format!("{n} different Connect schemas"),
    });
    let mut f = Finding::new(
        &ENVELOPE_EVENTS,
        format!("{} envelope: {}", envelope.name(), parts.join("; ")),
        Location::new(first_file, "", Pos::new(0, 0)),
    );
    f.severity = Severity::Info;
    out.push(f);
    for (text, (count, at)) in &events.schemas {
        let Ok(schema) = serde_json::from_str::<Value>(text) else {
            continue;
        };
        let file = files.get(at.file as usize).map_or("", String::as_str);
        let origin = format!(
            "the connector's schema ({} record{}, first {file}:{})",
            count,
            if *count == 1 { "" } else { "s" },
            at.line
        );
        let mut cx = SchemaCheck {
            x,
            origin: &origin,
            location: Location::new(file, "", Pos::new(0, 0)),
            out: &mut out,
        };
        cx.walk(&schema, x.root(), "", 0);
    }
    out
}

/// Compares a Connect schema with the contract's expectations.
struct SchemaCheck<'c> {
    x: &'c Expectations,
    origin: &'c str,
    location: Location,
    out: &'c mut Vec<Finding>,
}

/// The JSON kind the JSON converter writes for a Connect schema (`None`: any).
fn connect_kind(schema: &Value) -> Option<Kind> {
    Some(match schema.get("type").and_then(Value::as_str)? {
        "int8" | "int16" | "int32" | "int64" => Kind::Integer,
        "float" | "float32" | "float64" | "double" => Kind::Number,
        "boolean" => Kind::Bool,
        "string" => Kind::String,
        // Decimal (`org.apache.kafka.connect.data.Decimal`) is bytes too: base64 text by default.
        "bytes" => Kind::String,
        "struct" => Kind::Object,
        "array" => Kind::Array,
        "map" => Kind::Object,
        _ => return None,
    })
}

impl SchemaCheck<'_> {
    fn finding(
        &mut self,
        rule: &'static crate::finding::RuleMeta,
        path: &str,
        what: String,
        severity: Option<Severity>,
    ) {
        let mut f =
            Finding::new(rule, format!("{}: {what}", self.origin), self.location.clone()).with_path(path.to_string());
        if let Some(s) = severity {
            f.severity = s;
        }
        self.out.push(f);
    }

    fn walk(&mut self, schema: &Value, id: Eid, path: &str, depth: usize) {
        if depth > 32 {
            return;
        }
        let Some(kind) = connect_kind(schema) else { return };
        let shown = if path.is_empty() { "(record)" } else { path };
        let type_name = schema.get("type").and_then(Value::as_str).unwrap_or("?");
        let logical = schema
            .get("name")
            .and_then(Value::as_str)
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        let optional = schema.get("optional").and_then(Value::as_bool).unwrap_or(false);
        if optional && !path.is_empty() && !self.x.accepts(id, Kind::Null) {
            self.finding(
                &UNEXPECTED_NULL,
                path,
                format!("`{shown}` is optional (may be null), the contract does not allow null"),
                Some(Severity::Warning),
            );
        }
        let id = self.x.resolve(id, kind);
        if !self.x.accepts(id, kind) {
            self.finding(
                &UNEXPECTED_TYPE,
                path,
                format!(
                    "`{shown}` is {type_name}{logical}, which the JSON converter writes as {}; the contract does not allow that",
                    kind.name()
                ),
                None,
            );
            return;
        }
        match kind {
            Kind::Object if type_name == "struct" => {
                let fields = schema
                    .get("fields")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                let mut sent = Vec::new();
                for field in fields {
                    let Some(name) = field.get("field").and_then(Value::as_str) else {
                        continue;
                    };
                    sent.push(name);
                    let child = crate::samples::observe::path_push(path, name);
                    let (check, _) = self.x.field(id, name);
                    match check {
                        super::expect::Check::Declared(f) => self.walk(field, f, &child, depth + 1),
                        super::expect::Check::Undeclared => {
                            let closed = self.x.closed(id);
                            self.finding(
                                &UNDECLARED_FIELD,
                                &child,
                                format!("the connector sends `{child}`, which the contract does not declare"),
                                Some(if closed { Severity::Error } else { Severity::Warning }),
                            );
                        }
                        super::expect::Check::Unchecked => {}
                    }
                }
                for (name, _) in self.x.required(id) {
                    if !sent.contains(&name.as_str()) {
                        let child = crate::samples::observe::path_push(path, name);
                        self.finding(
                            &REQUIRED_FIELD_MISSING,
                            &child,
                            format!("required `{child}` is not in the connector's schema"),
                            None,
                        );
                    }
                }
            }
            Kind::Array => {
                if let (Some(items), Some(item_id)) = (schema.get("items"), self.x.items(id)) {
                    self.walk(items, item_id, &format!("{path}[]"), depth + 1);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::Tree;

    fn unwrap_value(envelope: Envelope, v: &Value, events: &mut Events) -> Result<Vec<Value>, String> {
        let tree = Tree::from_value(v);
        let u = unwrap(envelope, View::Tree(&tree), Loc { file: 0, line: 1 }, events)?;
        Ok(u.rows.into_iter().map(View::to_value).collect())
    }

    #[test]
    fn debezium_events_give_their_rows() {
        let mut ev = Events::default();
        let create = serde_json::json!({"before": null, "after": {"id": 1}, "source": {"ts_ms": 1}, "op": "c"});
        assert_eq!(
            unwrap_value(Envelope::Debezium, &create, &mut ev),
            Ok(vec![serde_json::json!({"id": 1})])
        );
        let update = serde_json::json!({"schema": {"type": "struct", "fields": []}, "payload": {"before": {"id": 1}, "after": {"id": 2}, "op": "u"}});
        assert_eq!(unwrap_value(Envelope::Debezium, &update, &mut ev).unwrap().len(), 2);
        let delete = serde_json::json!({"before": null, "after": null, "op": "d"});
        assert_eq!(unwrap_value(Envelope::Debezium, &delete, &mut ev), Ok(vec![]));
        assert_eq!(unwrap_value(Envelope::Debezium, &Value::Null, &mut ev), Ok(vec![]));
        assert_eq!(ev.ops, [1, 1, 1, 0, 0]);
        assert_eq!((ev.tombstones, ev.rows), (1, 3));
        for (bad, why) in [
            (serde_json::json!({"after": {"id": 1}}), "no `op`"),
            (serde_json::json!({"op": "x"}), "unknown operation `op: x`"),
            (
                serde_json::json!({"op": "c", "after": null}),
                "`c` event without an `after` row",
            ),
            (serde_json::json!([1]), "must be a JSON object or null"),
        ] {
            let e = unwrap_value(Envelope::Debezium, &bad, &mut ev).unwrap_err();
            assert!(e.contains(why), "{e}");
        }
        let e = unwrap_value(Envelope::KafkaConnect, &serde_json::json!({"id": 1}), &mut ev).unwrap_err();
        assert!(e.contains("expected `schema` and `payload`"), "{e}");
    }
}
