//! The contract type compiled for checking sample values: references followed, `allOf` objects
//! flattened, patterns compiled. The scan ([`super::observe`]) checks each value against it.

use std::collections::{HashMap, HashSet};

use indexmap::IndexMap;
use serde_json::Value;

use crate::format::StringFormat;
use crate::json::{Kind, Shape as Seen, View};
use crate::model::{Additional, Location, NamedType, Primitive, Type, TypeKind};

/// One kind of drift at one path, against one contract node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AnomalyKind {
    Undeclared,
    Missing,
    Null,
    Type,
    Enum,
    Format,
    Length,
    Range,
    Pattern,
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
pub(crate) enum Shape {
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
pub(crate) enum Extra {
    Any,
    Forbidden,
    Schema(Eid),
}

#[derive(Debug)]
pub(crate) struct Expect {
    pub(crate) shape: Shape,
    pub(crate) nullable: bool,
    pub(crate) location: Location,
    pub(crate) minimum: Option<(f64, bool)>,
    pub(crate) maximum: Option<(f64, bool)>,
    pub(crate) min_length: Option<u64>,
    pub(crate) max_length: Option<u64>,
    pub(crate) pattern: Option<regex::Regex>,
    pub(crate) format: Option<StringFormat>,
    pub(crate) min_items: Option<u64>,
    pub(crate) max_items: Option<u64>,
    pub(crate) allowed: Option<Vec<Value>>,
}

/// A contract type compiled for checking values.
#[derive(Debug)]
pub struct Expectations {
    pub(crate) nodes: Vec<Expect>,
    /// Per node, the kinds it accepts (as [`Kind::bit`]s, null included), worked out once after
    /// compiling: every value of every record asks.
    pub(crate) accepts: Vec<u8>,
    pub(crate) root: Eid,
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

/// The JSON kinds a sample value of a primitive type may arrive as: how JSON writes it natively
/// ([`Primitive::json`]; an integer is a number too), and the encodings producers also use.
fn primitive_kinds(p: Primitive) -> u8 {
    let native = match p.json().0 {
        Kind::Bool => BOOL,
        Kind::Integer => INT,
        Kind::Number => INT | NUM,
        Kind::String => STR,
        Kind::Null | Kind::Object | Kind::Array => 0,
    };
    let also = match p {
        // Protobuf's JSON mapping writes 64-bit integers as strings, and decimals travel as text.
        Primitive::Int64 | Primitive::Uint64 | Primitive::Decimal { .. } => STR,
        // ... and floats as "NaN" and "Infinity".
        Primitive::Float | Primitive::Double => NON_FINITE,
        // Avro writes dates, times, timestamps and durations as numbers.
        Primitive::Date | Primitive::Time | Primitive::Timestamp | Primitive::LocalTimestamp | Primitive::Duration => {
            INT
        }
        _ => 0,
    };
    native | also
}

/// The format a sample string of a primitive type must have: its native JSON format, except for
/// local timestamps, which carry no offset and so are not RFC 3339 date-times.
fn primitive_format(p: Primitive) -> Option<StringFormat> {
    match p {
        Primitive::LocalTimestamp => None,
        _ => p.json().1,
    }
}

struct Compiler<'a> {
    types: &'a IndexMap<String, NamedType>,
    nodes: Vec<Expect>,
    by_ref: HashMap<String, Eid>,
    skipped_patterns: Vec<String>,
}

impl Compiler<'_> {
    pub(crate) fn push(&mut self, e: Expect) -> Eid {
        self.nodes.push(e);
        (self.nodes.len() - 1) as Eid
    }

    pub(crate) fn blank(shape: Shape, location: Location) -> Expect {
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
    pub(crate) fn deref<'t>(&'t self, mut t: &'t Type) -> &'t Type {
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

    pub(crate) fn compile(&mut self, ty: &Type) -> Eid {
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
    pub(crate) fn compile_all_of(&mut self, ty: &Type, members: &[Type]) -> Eid {
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

    pub(crate) fn node(&self, id: Eid) -> &Expect {
        &self.nodes[id as usize]
    }

    /// Follows links only.
    pub(crate) fn follow(&self, mut id: Eid) -> Eid {
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
    pub(crate) fn accepts_kind(&self, id: Eid, kind: Kind) -> bool {
        self.accepts[id as usize] & kind.bit() != 0
    }

    pub(crate) fn accepts_kind_walk(&self, id: Eid, kind: Kind, depth: u32) -> bool {
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
    pub(crate) fn accepts_non_finite(&self, id: Eid, depth: u32) -> bool {
        let id = self.follow(id);
        match &self.node(id).shape {
            Shape::Scalar(bits) => bits & NON_FINITE != 0,
            Shape::Union(vs) => depth < 16 && vs.iter().any(|v| self.accepts_non_finite(*v, depth + 1)),
            _ => false,
        }
    }

    pub(crate) fn allows_null(&self, mut id: Eid, depth: u32) -> bool {
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
    /// value: its kind and, for a string, the formats [`crate::format::detect`] found (a format
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

    pub(crate) fn forbids_others(&self, id: Eid) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives_accept_their_json_kind_and_what_producers_write() {
        let cases = [
            (Primitive::Bool, BOOL, None),
            (Primitive::Int32, INT, None),
            (Primitive::Uint32, INT, None),
            (Primitive::Integer, INT, None),
            (Primitive::Int64, INT | STR, None),
            (Primitive::Uint64, INT | STR, None),
            (Primitive::Float, INT | NUM | NON_FINITE, None),
            (Primitive::Double, INT | NUM | NON_FINITE, None),
            (Primitive::Number, INT | NUM, None),
            (Primitive::Decimal { precision: 9, scale: 2 }, INT | NUM | STR, None),
            (Primitive::Date, INT | STR, Some(StringFormat::Date)),
            (Primitive::Time, INT | STR, Some(StringFormat::Time)),
            (Primitive::Timestamp, INT | STR, Some(StringFormat::DateTime)),
            (Primitive::LocalTimestamp, INT | STR, None),
            (Primitive::Duration, INT | STR, None),
            (Primitive::String, STR, None),
            (Primitive::Bytes, STR, None),
            (Primitive::Uuid, STR, Some(StringFormat::Uuid)),
            (Primitive::Fixed { size: 16 }, STR, None),
        ];
        for (p, kinds, format) in cases {
            assert_eq!(primitive_kinds(p), kinds, "{p}");
            assert_eq!(primitive_format(p), format, "{p}");
        }
    }
}
