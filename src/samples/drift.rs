//! Drift: sample records judged against a contract type. The contract type is compiled once into
//! [`Expectations`] (references followed, `allOf` objects flattened, patterns compiled); the scan
//! checks each value against it and counts anomalies per path in the observed schema; the
//! findings are read off the merged result.

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use serde_json::Value;

use super::format::StringFormat;
use super::observe::{AnomalyKind, Kind, Loc, Node, path_push};
use crate::finding::{Finding, RuleMeta, Severity};
use crate::json::{Shape as Seen, View};
use crate::model::{Additional, Location, NamedType, Primitive, Type, TypeKind};

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

/// An index into [`Expectations`].
pub type Eid = u32;

/// What a field lookup on an object expectation says.
#[derive(Debug, Clone, Copy)]
pub enum Check {
    Declared(Eid),
    /// Not declared: report it.
    Undeclared,
    /// Not declared, but the contract says nothing either way (a map, `any`, a type mismatch).
    Unchecked,
}

#[derive(Debug)]
enum Shape {
    Any,
    Nothing,
    Null,
    /// Accepted kinds as [`Kind::bit`]s.
    Scalar(u8),
    Enum {
        names: HashSet<String, foldhash::fast::RandomState>,
        numbers: HashSet<i64, foldhash::fast::RandomState>,
    },
    Object {
        /// Each declared field's node and, when it is required, its index in `required`.
        fields: HashMap<String, (Eid, Option<u32>), foldhash::fast::RandomState>,
        /// Required fields in declaration order.
        required: Vec<(String, Eid)>,
        /// Declared fields in declaration order.
        order: Vec<String>,
        additional: Extra,
    },
    Array(Eid),
    Map(Eid),
    Union(Vec<Eid>),
    /// A reference, compiled where its target is.
    Link(Eid),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Extra {
    Any,
    Forbidden,
    Schema(Eid),
}

#[derive(Debug)]
struct Expect {
    shape: Shape,
    nullable: bool,
    location: Location,
    minimum: Option<(f64, bool)>,
    maximum: Option<(f64, bool)>,
    min_length: Option<u64>,
    max_length: Option<u64>,
    pattern: Option<regex::Regex>,
    format: Option<StringFormat>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    allowed: Option<Vec<Value>>,
}

/// A contract type compiled for checking values.
#[derive(Debug)]
pub struct Expectations {
    nodes: Vec<Expect>,
    /// Per node, the kinds it accepts (as [`Kind::bit`]s, null included), worked out once after
    /// compiling: every value of every record asks.
    accepts: Vec<u8>,
    root: Eid,
    /// Patterns the `regex` crate could not compile (reported once, not checked).
    pub skipped_patterns: Vec<String>,
}

const BOOL: u8 = 1 << 1;
const INT: u8 = 1 << 2;
const NUM: u8 = 1 << 3;
const STR: u8 = 1 << 4;
/// Not a kind: a float that JSON writers may write as `"NaN"`, `"Infinity"` or `"-Infinity"`
/// (Protobuf's JSON mapping does; JSON has no such numbers).
const NON_FINITE: u8 = 1 << 7;

fn primitive_kinds(p: Primitive) -> u8 {
    match p {
        Primitive::Bool => BOOL,
        Primitive::Int32 | Primitive::Uint32 | Primitive::Integer => INT,
        // Protobuf's JSON mapping writes 64-bit integers as strings.
        Primitive::Int64 | Primitive::Uint64 => INT | STR,
        Primitive::Float | Primitive::Double => INT | NUM | NON_FINITE,
        Primitive::Number => INT | NUM,
        Primitive::Decimal { .. } => INT | NUM | STR,
        // Avro writes dates and timestamps as numbers; JSON formats as strings.
        Primitive::Date | Primitive::Time | Primitive::Timestamp | Primitive::LocalTimestamp | Primitive::Duration => {
            INT | STR
        }
        Primitive::String | Primitive::Bytes | Primitive::Uuid | Primitive::Fixed { .. } => STR,
    }
}

fn primitive_format(p: Primitive) -> Option<StringFormat> {
    match p {
        Primitive::Date => Some(StringFormat::Date),
        Primitive::Timestamp => Some(StringFormat::DateTime),
        Primitive::Time => Some(StringFormat::Time),
        Primitive::Uuid => Some(StringFormat::Uuid),
        _ => None,
    }
}

struct Compiler<'a> {
    types: &'a IndexMap<String, NamedType>,
    nodes: Vec<Expect>,
    by_ref: HashMap<String, Eid>,
    skipped_patterns: Vec<String>,
}

impl Compiler<'_> {
    fn push(&mut self, e: Expect) -> Eid {
        self.nodes.push(e);
        (self.nodes.len() - 1) as Eid
    }

    fn blank(shape: Shape, location: Location) -> Expect {
        Expect {
            shape,
            nullable: false,
            location,
            minimum: None,
            maximum: None,
            min_length: None,
            max_length: None,
            pattern: None,
            format: None,
            min_items: None,
            max_items: None,
            allowed: None,
        }
    }

    /// Follows references to the type they name (for flattening `allOf`).
    fn deref<'t>(&'t self, mut t: &'t Type) -> &'t Type {
        for _ in 0..32 {
            match &t.kind {
                TypeKind::Ref { target } => match self.types.get(target) {
                    Some(named) => t = &named.ty,
                    None => return t,
                },
                _ => return t,
            }
        }
        t
    }

    fn compile(&mut self, ty: &Type) -> Eid {
        let shape = match &ty.kind {
            TypeKind::Any => Shape::Any,
            TypeKind::Nothing => Shape::Nothing,
            TypeKind::Null => Shape::Null,
            TypeKind::Primitive { primitive } => Shape::Scalar(primitive_kinds(*primitive)),
            TypeKind::Enum { values } => Shape::Enum {
                names: values.iter().map(|v| v.name.clone()).collect(),
                numbers: values.iter().filter_map(|v| v.number.map(i64::from)).collect(),
            },
            TypeKind::Ref { target } => {
                if let Some(id) = self.by_ref.get(target) {
                    Shape::Link(*id)
                } else if let Some(named) = self.types.get(target) {
                    // Reserve the slot first: recursive types point back at it.
                    let slot = self.push(Self::blank(Shape::Any, named.location.clone()));
                    self.by_ref.insert(target.clone(), slot);
                    let body = self.compile(&named.ty.clone());
                    self.nodes[slot as usize].shape = Shape::Link(body);
                    Shape::Link(slot)
                } else {
                    Shape::Any
                }
            }
            TypeKind::Object(obj) => {
                let mut fields = HashMap::default();
                let mut required: Vec<(String, Eid)> = Vec::new();
                let mut order = Vec::new();
                for f in &obj.fields {
                    let id = self.compile(&f.ty);
                    // Field-level location: a finding points at the field's declaration.
                    self.nodes[id as usize].location = f.location.clone();
                    let index = match required.iter().position(|(n, _)| *n == f.name) {
                        Some(i) => Some(i as u32),
                        None if f.required => {
                            required.push((f.name.clone(), id));
                            Some(required.len() as u32 - 1)
                        }
                        None => None,
                    };
                    fields.insert(f.name.clone(), (id, index));
                    order.push(f.name.clone());
                }
                let additional = match &obj.additional {
                    Additional::Any => Extra::Any,
                    Additional::Forbidden => Extra::Forbidden,
                    Additional::Schema(t) => Extra::Schema(self.compile(t)),
                };
                // Pattern properties declare fields too: treat the object as open.
                let additional = if obj.pattern_properties.is_empty() {
                    additional
                } else {
                    Extra::Any
                };
                Shape::Object {
                    fields,
                    required,
                    order,
                    additional,
                }
            }
            TypeKind::Array { items, .. } => Shape::Array(self.compile(items)),
            TypeKind::Map { value, .. } => Shape::Map(self.compile(value)),
            TypeKind::Union { variants, .. } => Shape::Union(variants.iter().map(|v| self.compile(v)).collect()),
            TypeKind::AllOf { members } => return self.compile_all_of(ty, members),
        };
        let mut e = Self::blank(shape, ty.location.clone());
        e.nullable = ty.nullable;
        let c = ty.constraints();
        e.minimum = c.exclusive_minimum.map(|m| (m, true)).or(c.minimum.map(|m| (m, false)));
        e.maximum = c.exclusive_maximum.map(|m| (m, true)).or(c.maximum.map(|m| (m, false)));
        e.min_length = c.min_length;
        e.max_length = c.max_length;
        e.min_items = c.min_items;
        e.max_items = c.max_items;
        e.format = c
            .format
            .as_deref()
            .and_then(StringFormat::from_name)
            .or(match &ty.kind {
                TypeKind::Primitive { primitive } => primitive_format(*primitive),
                _ => None,
            });
        if let Some(p) = &c.pattern {
            match regex::Regex::new(p) {
                Ok(r) => e.pattern = Some(r),
                Err(_) => self.skipped_patterns.push(p.clone()),
            }
        }
        e.allowed = match (&c.const_value, &c.allowed_values) {
            (Some(v), _) => Some(vec![v.clone()]),
            (None, Some(list)) => Some(list.clone()),
            _ => None,
        };
        self.push(e)
    }

    /// `allOf` of objects becomes one object with every member's fields; otherwise the first
    /// member decides.
    fn compile_all_of(&mut self, ty: &Type, members: &[Type]) -> Eid {
        let resolved: Vec<Type> = members.iter().map(|m| self.deref(m).clone()).collect();
        let objects: Vec<_> = resolved
            .iter()
            .filter_map(|m| match &m.kind {
                TypeKind::Object(o) => Some(o.as_ref().clone()),
                _ => None,
            })
            .collect();
        if objects.is_empty() {
            return match resolved.first() {
                Some(first) => self.compile(first),
                None => self.push(Self::blank(Shape::Any, ty.location.clone())),
            };
        }
        let mut merged = crate::model::ObjectType::new(Vec::new());
        merged.additional = if objects.iter().all(|o| o.additional == Additional::Forbidden) {
            Additional::Forbidden
        } else {
            Additional::Any
        };
        for o in objects {
            for f in o.fields {
                match merged.fields.iter_mut().find(|m| m.name == f.name) {
                    Some(m) => m.required |= f.required,
                    None => merged.fields.push(f),
                }
            }
        }
        let mut t = Type::new(TypeKind::Object(Box::new(merged)), ty.location.clone());
        t.nullable = ty.nullable;
        self.compile(&t)
    }
}

impl Expectations {
    /// Compiles `ty`, whose references name `types`.
    pub fn compile(ty: &Type, types: &IndexMap<String, NamedType>) -> Expectations {
        let mut c = Compiler {
            types,
            nodes: Vec::new(),
            by_ref: HashMap::new(),
            skipped_patterns: Vec::new(),
        };
        let root = c.compile(ty);
        let mut x = Expectations {
            nodes: c.nodes,
            accepts: Vec::new(),
            root,
            skipped_patterns: c.skipped_patterns,
        };
        x.accepts = (0..x.nodes.len() as Eid)
            .map(|id| {
                // Null from the node itself: a reference may carry `nullable` on the way.
                Kind::ALL
                    .iter()
                    .filter(|k| match k {
                        Kind::Null => x.allows_null(id, 0),
                        k => x.accepts_kind_walk(id, **k, 0),
                    })
                    .fold(0u8, |bits, k| bits | k.bit())
            })
            .collect();
        x
    }

    pub fn root(&self) -> Eid {
        self.root
    }

    fn node(&self, id: Eid) -> &Expect {
        &self.nodes[id as usize]
    }

    /// Follows links only.
    fn follow(&self, mut id: Eid) -> Eid {
        for _ in 0..64 {
            match self.node(id).shape {
                Shape::Link(next) => id = next,
                _ => return id,
            }
        }
        id
    }

    /// Whether a node (or, for a union, one of its branches) accepts a kind of value.
    pub fn accepts(&self, id: Eid, kind: Kind) -> bool {
        self.accepts_kind(id, kind)
    }

    /// Whether a resolved object node forbids fields it does not declare.
    pub fn closed(&self, id: Eid) -> bool {
        matches!(
            &self.node(id).shape,
            Shape::Object {
                additional: Extra::Forbidden,
                ..
            }
        )
    }

    /// Whether a node accepts a kind of value (from the table made when compiling).
    fn accepts_kind(&self, id: Eid, kind: Kind) -> bool {
        self.accepts[id as usize] & kind.bit() != 0
    }

    fn accepts_kind_walk(&self, id: Eid, kind: Kind, depth: u32) -> bool {
        let id = self.follow(id);
        let e = self.node(id);
        if kind == Kind::Null {
            return self.allows_null(id, depth);
        }
        match &e.shape {
            Shape::Any => true,
            Shape::Nothing | Shape::Null => false,
            Shape::Scalar(bits) => bits & kind.bit() != 0 || (kind == Kind::Integer && bits & NUM != 0),
            Shape::Enum { numbers, .. } => kind == Kind::String || (kind == Kind::Integer && !numbers.is_empty()),
            Shape::Object { .. } | Shape::Map(_) => kind == Kind::Object,
            Shape::Array(_) => kind == Kind::Array,
            Shape::Union(vs) => depth < 16 && vs.iter().any(|v| self.accepts_kind_walk(*v, kind, depth + 1)),
            Shape::Link(_) => true,
        }
    }

    /// Whether a node (or a branch of it) is a float whose NaN and infinities may arrive as
    /// strings.
    fn accepts_non_finite(&self, id: Eid, depth: u32) -> bool {
        let id = self.follow(id);
        match &self.node(id).shape {
            Shape::Scalar(bits) => bits & NON_FINITE != 0,
            Shape::Union(vs) => depth < 16 && vs.iter().any(|v| self.accepts_non_finite(*v, depth + 1)),
            _ => false,
        }
    }

    fn allows_null(&self, mut id: Eid, depth: u32) -> bool {
        // A reference may carry `nullable` itself: look at every link on the way.
        for _ in 0..64 {
            let e = self.node(id);
            if e.nullable {
                return true;
            }
            match &e.shape {
                Shape::Link(next) => id = *next,
                Shape::Any | Shape::Null => return true,
                Shape::Union(vs) => return depth < 16 && vs.iter().any(|v| self.allows_null(*v, depth + 1)),
                _ => return false,
            }
        }
        false
    }

    /// The contract node a value of `kind` is judged against: references followed, and for a
    /// union the first branch that accepts the kind.
    pub fn resolve(&self, id: Eid, kind: Kind) -> Eid {
        if kind == Kind::Null {
            return id;
        }
        let mut id = self.follow(id);
        for _ in 0..16 {
            match &self.node(id).shape {
                Shape::Union(vs) if kind != Kind::Null => match vs.iter().find(|b| self.accepts_kind(**b, kind)) {
                    Some(b) => id = self.follow(*b),
                    None => return id,
                },
                _ => return id,
            }
        }
        id
    }

    /// Checks one value against a resolved node, reporting anomalies; false when the value's
    /// kind is wrong (its parts are then not judged). The scan passes what it already knows of the
    /// value: its kind and, for a string, the formats [`super::format::detect`] found (a format
    /// found needs no second look).
    pub fn check(
        &self,
        id: Eid,
        v: View,
        shape: &Seen,
        kind: Kind,
        formats: u8,
        report: &mut dyn FnMut(AnomalyKind, Option<String>),
    ) -> bool {
        let e = self.node(id);
        if kind == Kind::Null {
            if !self.accepts_kind(id, Kind::Null) {
                report(AnomalyKind::Null, None);
            }
            return false;
        }
        if !self.accepts_kind(id, kind) {
            let non_finite = matches!(shape, Seen::Str("NaN" | "Infinity" | "-Infinity"));
            if !(non_finite && self.accepts_non_finite(id, 0)) {
                report(AnomalyKind::Type, Some(kind.name().to_string()));
            }
            return false;
        }
        match (&e.shape, shape) {
            (Shape::Enum { names, .. }, Seen::Str(s)) if !names.contains(*s) => {
                report(AnomalyKind::Enum, Some(example(v)));
            }
            (Shape::Enum { numbers, .. }, Seen::Number(n)) if !n.as_i64().is_some_and(|i| numbers.contains(&i)) => {
                report(AnomalyKind::Enum, Some(example(v)));
            }
            _ => {}
        }
        if let Some(allowed) = &e.allowed
            && !allowed.iter().any(|a| same_value(a, v, shape))
        {
            report(AnomalyKind::Enum, Some(example(v)));
        }
        match shape {
            Seen::Number(n) => {
                if let Some(f) = n.as_f64() {
                    let low = e.minimum.is_some_and(|(m, excl)| if excl { f <= m } else { f < m });
                    let high = e.maximum.is_some_and(|(m, excl)| if excl { f >= m } else { f > m });
                    if low || high {
                        report(AnomalyKind::Range, Some(example(v)));
                    }
                }
            }
            Seen::Str(s) => {
                if e.min_length.is_some() || e.max_length.is_some() {
                    let len = s.chars().count() as u64;
                    if e.min_length.is_some_and(|m| len < m) || e.max_length.is_some_and(|m| len > m) {
                        report(AnomalyKind::Length, Some(example(v)));
                    }
                }
                if let Some(f) = e.format
                    && formats & (1 << f.index()) == 0
                    && !f.matches(s)
                {
                    report(AnomalyKind::Format, Some(example(v)));
                }
                if let Some(p) = &e.pattern
                    && !p.is_match(s)
                {
                    report(AnomalyKind::Pattern, Some(example(v)));
                }
            }
            Seen::Array(len) => {
                let len = *len as u64;
                if e.min_items.is_some_and(|m| len < m) || e.max_items.is_some_and(|m| len > m) {
                    report(AnomalyKind::Length, Some(format!("{len} items")));
                }
            }
            _ => {}
        }
        true
    }

    /// How a key of an object value is judged under a resolved node, and the key's index among
    /// the node's [`Expectations::required`] fields when it is one.
    pub fn field(&self, id: Eid, key: &str) -> (Check, Option<u32>) {
        match &self.node(id).shape {
            Shape::Object { fields, additional, .. } => match fields.get(key) {
                Some((f, required)) => (Check::Declared(*f), *required),
                None => match additional {
                    Extra::Schema(s) => (Check::Declared(*s), None),
                    Extra::Any | Extra::Forbidden => (Check::Undeclared, None),
                },
            },
            Shape::Map(value) => (Check::Declared(*value), None),
            _ => (Check::Unchecked, None),
        }
    }

    /// The required fields of a resolved object node.
    pub fn required(&self, id: Eid) -> &[(String, Eid)] {
        match &self.node(id).shape {
            Shape::Object { required, .. } => required,
            _ => &[],
        }
    }

    /// The item node of a resolved array node.
    pub fn items(&self, id: Eid) -> Option<Eid> {
        match &self.node(id).shape {
            Shape::Array(items) => Some(*items),
            _ => None,
        }
    }

    fn forbids_others(&self, id: Eid) -> bool {
        matches!(
            &self.node(id).shape,
            Shape::Object {
                additional: Extra::Forbidden,
                ..
            }
        )
    }
}

/// Numbers compare by value (`1` equals `1.0`); everything else structurally.
fn same_value(a: &Value, v: View, shape: &Seen) -> bool {
    match (a, shape) {
        (Value::Number(x), Seen::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(x), Seen::Str(y)) => x == y,
        (Value::Null, Seen::Null) => true,
        (Value::Bool(x), Seen::Bool(y)) => x == y,
        (Value::String(_) | Value::Null | Value::Bool(_) | Value::Number(_), _) => false,
        _ => *a == v.to_value(),
    }
}

/// A value as shown in a message: JSON, at most 60 characters.
fn example(v: View) -> String {
    let s = v.to_value().to_string();
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(57).collect();
        format!("{cut}...")
    } else {
        s
    }
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
