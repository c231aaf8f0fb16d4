//! Drift: sample records judged against a contract type. The contract type is compiled once into
//! [`Expectations`] (references followed, `allOf` objects flattened, patterns compiled); the scan
//! checks each value against it and counts anomalies per path in the observed schema; the
//! findings are read off the merged result.

use super::expect::{Eid, Expectations, Shape};
use super::observe::{AnomalyKind, Kind, Loc, Node, path_push};
use crate::finding::{Finding, RuleMeta, Severity};
use crate::format::StringFormat;

crate::finding::rule_set! {
    UNDECLARED_FIELD = "undeclared-field", Warning,
        "Records carry a field the contract does not declare.",
        "A field nobody declared is a field nobody maps, validates or documents: a source system started sending it, and consumers either drop it silently or trip over it. The finding gives the share of records that have it. It is an error when the contract forbids other fields (`additionalProperties: false`), a warning otherwise.";
    REQUIRED_FIELD_MISSING = "required-field-missing", Error,
        "Records lack a field the contract requires.",
        "Consumers rely on required fields being there: a load that maps `customer_id` to a NOT NULL column fails on the first record without it. The finding counts the objects that lacked the field and names the first ones (file:line).";
    UNEXPECTED_NULL = "unexpected-null", Error,
        "A field is `null` where the contract does not allow null.",
        "A null where the contract promises a value breaks typed consumers (a non-nullable column, a generated class with a primitive field). Declare the field nullable, or fix the source.";
    UNEXPECTED_TYPE = "unexpected-type", Error,
        "A value has a type the contract does not allow.",
        "An integer that arrives as a string, an object where an array was declared: parsers and loaders reject such records, usually at 3 a.m. The finding names the types seen and the first records that had them. Protobuf's JSON mapping is honoured (64-bit integers as strings, enums as names or numbers, a float's NaN and infinities as `\"NaN\"`, `\"Infinity\"`, `\"-Infinity\"`).";
    ENUM_VALUE_UNKNOWN = "enum-value-unknown", Error,
        "A value is not one of the contract's enum (or `const`) values.",
        "A source added a status the contract does not list. Consumers that switch over the enum fail or fall into a default branch. Add the value to the contract, or map it.";
    FORMAT_VIOLATION = "format-violation", Error,
        "A string does not have the contract's `format` (date, date-time, time, uuid, email, uri).",
        "A `date` that arrives as `05/01/2024` parses differently in every consumer, or not at all. mapcheck checks the formats it knows: date, date-time (RFC 3339, with offset), time, uuid, email and uri.";
    LENGTH_VIOLATION = "length-violation", Error,
        "A string or array is shorter or longer than the contract allows.",
        "`maxLength`/`minLength` and `maxItems`/`minItems` usually mirror a column width or a downstream limit; values outside them are truncated or rejected there.";
    RANGE_VIOLATION = "range-violation", Error,
        "A number is outside the contract's `minimum`/`maximum`.",
        "Ranges encode business rules (a quantity is positive, a percentage at most 100). A value outside them is either bad data or a contract that no longer describes reality.";
    PATTERN_VIOLATION = "pattern-violation", Error,
        "A string does not match the contract's `pattern`.",
        "Patterns pin identifiers and codes (`^[A-Z]{2}$` for a country). A value that does not match is rejected by validating consumers and mis-joined by the others.";
    DECLARED_FIELD_UNSEEN = "declared-field-unseen", Info,
        "A field the contract declares never appears in the samples.",
        "Either the samples do not cover it, or the source stopped sending it and the contract is stale. Worth a look before someone maps it.";
    SCHEMA_VIOLATION = "schema-violation", Error,
        "Records fail the contract's JSON Schema, as the `jsonschema` validator checks them (`drift --validate`).",
        "With `--validate`, every record is validated against the contract's JSON Schema by a complete validator, and violations are grouped by the schema keyword that failed (`/properties/status/enum`). This covers keywords drift's own statistics do not (`if`/`then`, `oneOf`, `dependentRequired`, ...) and gives each record's instance path and the validator's message. The finding names the first records (file:line).";
    MALFORMED_RECORD = "malformed-record", Error,
        "A sample record could not be read (invalid JSON, a CSV row with the wrong number of fields).",
        "Malformed records are counted and skipped; the scan goes on until more than `--max-errors` were seen, then stops with exit code 2. The finding names the file and the first lines.";
    ENVELOPE_EVENTS = "envelope-events", Info,
        "What the change-data-capture envelopes of the samples held (`--envelope debezium|kafka-connect`).",
        "With an envelope, the records are Debezium change events or Kafka Connect `{schema, payload}` records, and the rows checked are inside them. This summary counts events by operation (create, update, delete, read, truncate), tombstones and the rows checked, and how many different Connect schemas the records carried: each is compared with the contract (a field the connector sends that the contract lacks, a type or nullability that differs), so schema drift shows before any record carries a value that shows it.";
    STALE_DATA = "stale-data", Error,
        "The newest record is older than the freshness limit (`--freshness FIELD --max-age DURATION`).",
        "A pipeline that stopped delivering looks healthy to every schema check: the last records are valid, there are just no new ones. The finding gives the newest timestamp of the field, where it is, and how far it lags behind now; no value of the field that reads as a timestamp is a finding too. `--now` fixes \"now\" for reproducible runs.";
}

/// How findings are judged.
#[derive(Debug, Clone, Copy, Default)]
pub struct DriftOptions {
    /// Anomalies whose rate is at or below this are warnings, not errors.
    pub max_rate: f64,
}

impl DriftOptions {
    /// An error affecting at most `max_rate` of the values is a warning.
    pub fn severity(&self, severity: Severity, rate: f64) -> Severity {
        if severity == Severity::Error && rate <= self.max_rate {
            Severity::Warning
        } else {
            severity
        }
    }
}

/// Turns the anomalies of a scan into findings. `files` names the sample files by index.
pub fn findings(observed: &Node, x: &Expectations, files: &[String], opts: DriftOptions) -> Vec<Finding> {
    let mut out = Vec::new();
    walk_anomalies(observed, "", observed.count(Kind::Object), x, files, opts, &mut out);
    walk_unseen(observed, x, x.root, "", 0, &mut out);
    out
}

fn display_path(path: &str) -> &str {
    if path.is_empty() { "(record)" } else { path }
}

fn locations(first: &[Loc], files: &[String]) -> String {
    first
        .iter()
        .map(|l| format!("{}:{}", files.get(l.file as usize).map_or("?", String::as_str), l.line))
        .collect::<Vec<_>>()
        .join(", ")
}

fn walk_anomalies(
    node: &Node,
    path: &str,
    parent_objects: u64,
    x: &Expectations,
    files: &[String],
    opts: DriftOptions,
    out: &mut Vec<Finding>,
) {
    for ((kind, id), a) in &node.anomalies {
        let shown = display_path(path);
        let (rule, what, total, noun): (&'static RuleMeta, String, u64, &str) = match kind {
            AnomalyKind::Undeclared => (
                &UNDECLARED_FIELD,
                format!("`{shown}` is not declared"),
                parent_objects,
                "objects",
            ),
            AnomalyKind::Missing => (
                &REQUIRED_FIELD_MISSING,
                format!("required `{shown}` is missing"),
                parent_objects,
                "objects",
            ),
            AnomalyKind::Null => (
                &UNEXPECTED_NULL,
                format!("`{shown}` is null but not nullable"),
                node.present,
                "values",
            ),
            AnomalyKind::Type => (
                &UNEXPECTED_TYPE,
                format!("`{shown}` has a type the contract does not allow"),
                node.present,
                "values",
            ),
            AnomalyKind::Enum => (
                &ENUM_VALUE_UNKNOWN,
                format!("`{shown}` has values outside the contract's enum"),
                node.present,
                "values",
            ),
            AnomalyKind::Format => {
                let f = x.node(*id).format.map_or("?", StringFormat::name);
                (
                    &FORMAT_VIOLATION,
                    format!("`{shown}` is not a valid {f}"),
                    node.present,
                    "values",
                )
            }
            AnomalyKind::Length => (
                &LENGTH_VIOLATION,
                format!("`{shown}` violates its length limits"),
                node.present,
                "values",
            ),
            AnomalyKind::Range => (
                &RANGE_VIOLATION,
                format!("`{shown}` is outside its range"),
                node.present,
                "values",
            ),
            AnomalyKind::Pattern => (
                &PATTERN_VIOLATION,
                format!("`{shown}` does not match its pattern"),
                node.present,
                "values",
            ),
        };
        let rate = if total == 0 { 1.0 } else { a.count as f64 / total as f64 };
        let mut severity = rule.severity;
        if *kind == AnomalyKind::Undeclared && x.forbids_others(*id) {
            severity = Severity::Error;
        }
        let severity = opts.severity(severity, rate);
        let mut message = format!("{what}: {} of {total} {noun} ({:.2}%)", a.count, rate * 100.0);
        if !a.examples.is_empty() {
            let shown: Vec<&str> = a.examples.iter().map(String::as_str).collect();
            let label = if *kind == AnomalyKind::Type { "seen" } else { "e.g." };
            message.push_str(&format!("; {label} {}", shown.join(", ")));
        }
        message.push_str(&format!("; first at {}", locations(&a.first, files)));
        // The fingerprint leaves counts out: the same drift on tomorrow's samples is the same finding.
        let mut f = Finding::new(rule, what, x.node(*id).location.clone())
            .with_path(shown.to_string())
            .with_severity(severity);
        f.message = message;
        out.push(f);
    }
    let objects = node.count(Kind::Object);
    for (key, child) in &node.children {
        walk_anomalies(child, &path_push(path, key), objects, x, files, opts, out);
    }
    if let Some(items) = &node.items {
        walk_anomalies(items, &format!("{path}[]"), 0, x, files, opts, out);
    }
}

/// Declared fields no sample object had, following the contract from the root.
fn walk_unseen(node: &Node, x: &Expectations, id: Eid, path: &str, depth: u32, out: &mut Vec<Finding>) {
    if depth > 32 {
        return;
    }
    let id = x.follow(id);
    match &x.node(id).shape {
        Shape::Object { fields, order, .. } if node.count(Kind::Object) > 0 => {
            for name in order {
                let field = fields[name].0;
                let child_path = path_push(path, name);
                match node.children.get(name).filter(|c| c.present > 0) {
                    Some(child) => walk_unseen(child, x, field, &child_path, depth + 1, out),
                    None => {
                        let what = format!("`{child_path}` is declared but never seen");
                        let message = format!(
                            "{what} in {} objects at `{}`",
                            node.count(Kind::Object),
                            display_path(path)
                        );
                        let mut f = Finding::new(&DECLARED_FIELD_UNSEEN, what, x.node(field).location.clone())
                            .with_path(child_path.clone());
                        f.message = message;
                        out.push(f);
                    }
                }
            }
        }
        Shape::Array(items) => {
            if let Some(n) = &node.items {
                walk_unseen(n, x, *items, &format!("{path}[]"), depth + 1, out);
            }
        }
        Shape::Union(vs) => {
            // An object branch among scalars (a nullable object written as a union).
            let objects: Vec<Eid> = vs
                .iter()
                .map(|v| x.follow(*v))
                .filter(|v| matches!(x.node(*v).shape, Shape::Object { .. }))
                .collect();
            if let [only] = objects.as_slice() {
                walk_unseen(node, x, *only, path, depth + 1, out);
            }
        }
        _ => {}
    }
}
