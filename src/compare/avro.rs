//! Avro schema resolution: can a reader schema read what a writer schema wrote?
//!
//! The rules are the Avro specification's ("Schema Resolution", 1.11 and 1.12), applied to the
//! model: numeric promotions and string/bytes, records matched by unqualified name or a reader
//! alias, fields by name or a reader field's aliases, defaults for reader fields the writer lacks,
//! enum symbols and enum defaults, fixed names and sizes, unions on either side, arrays and maps
//! element-wise, recursion through named types. The verdicts are checked against the reference
//! checker of the Apache Avro Python package (`ci/avro-differential/`); where the specification and
//! that checker disagree, `docs/avro-compatibility.md` says which one mapcheck follows and why.
//!
//! Logical types do not change how values are encoded, and the reference checkers ignore them, so a
//! changed logical type never makes a pair incompatible. Readers still decode such values into
//! something else (milliseconds read as microseconds, a decimal with another scale), so those
//! changes are reported as warnings of their own.
//!
//! A change is judged per direction: `backward` asks whether the new schema reads data written with
//! the old one, `forward` the reverse, `full` both. Incompatibilities of a direction the mode does
//! not require are reported as info.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::mode::Mode;
use super::{Comparer, TypeIndex, Variance, concepts};
use crate::finding::{Finding, RuleMeta, Severity};
use crate::load::avro::{Base, EXT_INVALID_DEFAULT, EXT_LOGICAL_TYPE, EXT_NULL_FIRST, EXT_SIZE};
use crate::model::{Contract, EnumValue, Field, Location, NamedType, Primitive, Type, TypeKind, TypeOrigin};

crate::finding::rule_set! {
    READER_FIELD_MISSING_DEFAULT = "avro-reader-field-missing-default", Error,
        "A reader's record field has no usable default, and the writer's record does not have the field.",
        "When the writer's data lacks a field, an Avro reader fills it from the field's default; without one (or with a default that does not fit the field's type) decoding fails. Example: version 2 adds `{\"name\": \"region\", \"type\": \"string\"}`; records written with version 1 cannot be read with version 2. Add a default (`\"default\": \"\"`, or make it `[\"null\", \"string\"]` with `\"default\": null`).";
    NAME_MISMATCH = "avro-name-mismatch", Error,
        "A record, enum or fixed was renamed without an alias on the reader's side.",
        "Avro matches named types by unqualified name, or by the reader's aliases, which must list the writer's full name. Example: `com.acme.Customer` became `com.acme.Client`; a reader with `Client` cannot read `Customer` data unless `Client` has `\"aliases\": [\"com.acme.Customer\"]`. Aliases on the writer's schema do not count.";
    FIXED_SIZE_CHANGED = "avro-fixed-size-changed", Error,
        "A fixed type changed its size.",
        "A fixed value is exactly `size` bytes with no length prefix, so a reader with another size reads the wrong bytes: Avro refuses the pair. Example: `{\"type\": \"fixed\", \"name\": \"Hash\", \"size\": 16}` became size 32. Declare a new fixed type (and field) instead.";
    DECIMAL_CHANGED = "avro-decimal-changed", Warning,
        "A decimal's precision or scale changed.",
        "A decimal is stored as its unscaled integer; the reader applies its own scale. The specification says decimals match only when precision and scale match, but the reference checkers (Java, Python) accept the pair and readers decode it: a scale change from 2 to 3 turns 123.45 into 12.345. A lower precision may not hold the writer's values. Keep precision and scale, or add a new field.";
    LOGICAL_TYPE_CHANGED = "avro-logical-type-changed", Warning,
        "A logical type was changed, added or removed on a value whose encoding stays the same.",
        "Logical types do not change the bytes, so Avro resolves the pair, but readers interpret the value differently: `timestamp-millis` read as `timestamp-micros` is off by a factor of 1000, `date` read as plain `int` loses its meaning. A changed logical type is a warning; an added or removed one is reported as info.";
}

/// Which schema reads, and which wrote the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The new schema reads data written with the old one (what `backward` requires).
    NewReadsOld,
    /// The old schema reads data written with the new one (what `forward` requires).
    OldReadsNew,
}

impl Direction {
    fn variance(self) -> Variance {
        match self {
            Direction::NewReadsOld => Variance::Accepts,
            Direction::OldReadsNew => Variance::Produces,
        }
    }

    /// Who breaks when a pair is incompatible in this direction.
    pub fn who(self) -> &'static str {
        match self {
            Direction::NewReadsOld => "readers using the new schema cannot read data written with the old one",
            Direction::OldReadsNew => "readers using the old schema cannot read data written with the new one",
        }
    }

    fn reader_word(self) -> &'static str {
        match self {
            Direction::NewReadsOld => "new",
            Direction::OldReadsNew => "old",
        }
    }
}

/// One incompatibility (or, when not `breaking`, a change readers survive but should know about).
#[derive(Debug, Clone)]
pub struct Issue {
    pub rule: &'static RuleMeta,
    /// Whether reading fails. Notes (changed logical types) do not fail reading.
    pub breaking: bool,
    /// The severity when the direction is one the mode requires.
    pub severity: Severity,
    /// The data path: `Customer.address.city`, `Order.lines[]`, `Event.tags{}`.
    pub path: String,
    /// What changed, without who breaks.
    pub message: String,
    pub reader: Location,
    pub writer: Location,
}

impl Issue {
    /// An incompatibility at `path`, between the reader's and the writer's locations.
    fn new(rule: &'static RuleMeta, path: &str, message: String, reader: &Location, writer: &Location) -> Self {
        Issue {
            rule,
            breaking: true,
            severity: rule.severity,
            path: path.to_string(),
            message,
            reader: reader.clone(),
            writer: writer.clone(),
        }
    }

    /// Makes it a note: readers still read the data, and it is reported at `severity`.
    fn note(mut self, severity: Severity) -> Self {
        self.breaking = false;
        self.severity = severity;
        self
    }
}

/// A schema node to resolve: a type as written, or one branch of a nullable type.
#[derive(Clone, Copy)]
enum Schema<'t> {
    /// The type as written: a nullable type is a union with `null`.
    Whole(&'t Type),
    /// The type without its `null` branch.
    NonNull(&'t Type),
    /// The `null` branch of a nullable type.
    Null(&'t Type),
}

impl<'t> Schema<'t> {
    fn ty(self) -> &'t Type {
        match self {
            Schema::Whole(t) | Schema::NonNull(t) | Schema::Null(t) => t,
        }
    }
}

/// Whether a reader of type `reader` reads values written as `writer` (equal, or a promotion).
fn promotes(writer: Base, reader: Base) -> bool {
    use Base as B;
    writer == reader
        || matches!(
            (writer, reader),
            (B::Int, B::Long | B::Float | B::Double)
                | (B::Long, B::Float | B::Double)
                | (B::Float, B::Double)
                | (B::String, B::Bytes)
                | (B::Bytes, B::String)
        )
}

/// The shape of a schema node after following references.
enum Shape<'t> {
    Null,
    /// `boolean`, `int`, `long`, `float`, `double`, `bytes` or `string`.
    Primitive(Base),
    Record(&'t NamedType, &'t [Field]),
    Enum(&'t NamedType, &'t [EnumValue]),
    Fixed(&'t NamedType, u64),
    Array(&'t Type),
    Map(&'t Type),
    Union(Vec<Schema<'t>>),
    /// Invalid or unresolved: the loader reported it, and there is nothing to compare.
    Unknown,
}

impl Shape<'_> {
    /// The named type, for records, enums and fixed types.
    fn named(&self) -> Option<&NamedType> {
        match self {
            Shape::Record(n, _) | Shape::Enum(n, _) | Shape::Fixed(n, _) => Some(n),
            _ => None,
        }
    }

    /// Same kind of schema, names aside (with promotions for primitives).
    fn same_kind(&self, writer: &Shape<'_>) -> bool {
        match (self, writer) {
            (Shape::Primitive(r), Shape::Primitive(w)) => promotes(*w, *r),
            (Shape::Null, Shape::Null)
            | (Shape::Record(..), Shape::Record(..))
            | (Shape::Enum(..), Shape::Enum(..))
            | (Shape::Fixed(..), Shape::Fixed(..))
            | (Shape::Array(_), Shape::Array(_))
            | (Shape::Map(_), Shape::Map(_)) => true,
            _ => false,
        }
    }
}

/// Avro matches named types by unqualified name, or by a reader alias equal to the writer's full name.
fn names_match(reader: &NamedType, writer: &NamedType) -> bool {
    reader.name == writer.name || reader.aliases.contains(&writer.id)
}

/// A valid logical type on a node: its name, and precision and scale for decimals. Invalid and
/// unknown logical types are ignored, as the specification says.
fn logical(ty: &Type) -> Option<(&str, Option<(u32, u32)>)> {
    let TypeKind::Primitive { primitive } = &ty.kind else {
        return None;
    };
    let name = ty.extensions.get(EXT_LOGICAL_TYPE)?.as_str()?;
    match primitive {
        Primitive::Decimal { precision, scale } => Some((name, Some((*precision, *scale)))),
        Primitive::Uuid
        | Primitive::Date
        | Primitive::Time
        | Primitive::Timestamp
        | Primitive::LocalTimestamp
        | Primitive::Duration => Some((name, None)),
        _ => None,
    }
}

fn show_logical(l: Option<(&str, Option<(u32, u32)>)>) -> String {
    match l {
        Some((_, Some((p, s)))) => format!("decimal({p},{s})"),
        Some((name, None)) => name.to_string(),
        None => "none".to_string(),
    }
}

/// Deep enough for any real schema; a chain of named types deeper than this is not followed further.
const MAX_DEPTH: usize = 400;

/// One direction of schema resolution over two type indexes.
pub struct Resolver<'r, 'a> {
    reader_types: &'r TypeIndex<'a>,
    writer_types: &'r TypeIndex<'a>,
    direction: Direction,
    /// Named pairs (reader id, writer id): `None` while being resolved (a cycle resolves), then the result.
    memo: HashMap<(&'a str, &'a str), Option<Rc<[Issue]>>>,
}

impl<'r, 'a> Resolver<'r, 'a> {
    /// A resolver for `direction`, where `old` and `new` index each side's named types.
    pub fn new(old: &'r TypeIndex<'a>, new: &'r TypeIndex<'a>, direction: Direction) -> Self {
        let (reader_types, writer_types) = match direction {
            Direction::NewReadsOld => (new, old),
            Direction::OldReadsNew => (old, new),
        };
        Resolver {
            reader_types,
            writer_types,
            direction,
            memo: HashMap::new(),
        }
    }

    /// Resolves `writer` data with the `reader` schema; returns every incompatibility and note.
    pub fn resolve(&mut self, reader: &Type, writer: &Type, path: &str) -> Vec<Issue> {
        self.check(Schema::Whole(reader), Schema::Whole(writer), path, 0)
    }

    /// Resolves a message's parameters (a record without a name) field by field.
    pub fn resolve_fields(
        &mut self,
        reader: &[Field],
        writer: &[Field],
        writer_at: &Location,
        path: &str,
    ) -> Vec<Issue> {
        self.fields(reader, writer, writer_at, path, 0)
    }

    fn named(&self, s: Schema<'_>, reader_side: bool) -> Option<&'a NamedType> {
        let ty = match s {
            Schema::Whole(t) if !t.nullable => t,
            Schema::NonNull(t) => t,
            _ => return None,
        };
        let TypeKind::Ref { target } = &ty.kind else {
            return None;
        };
        let index = if reader_side {
            self.reader_types
        } else {
            self.writer_types
        };
        index.get(target)
    }

    fn shape<'t>(&self, s: Schema<'t>, reader_side: bool) -> Shape<'t>
    where
        'a: 't,
    {
        let ty = match s {
            Schema::Null(_) => return Shape::Null,
            Schema::Whole(t) if t.nullable && !matches!(t.kind, TypeKind::Null) => {
                let null_first = t.extensions.get(EXT_NULL_FIRST).and_then(|v| v.as_bool()) == Some(true);
                let mut branches = match &t.kind {
                    TypeKind::Union { variants, .. } => variants.iter().map(Schema::NonNull).collect(),
                    _ => vec![Schema::NonNull(t)],
                };
                if null_first {
                    branches.insert(0, Schema::Null(t));
                } else {
                    branches.push(Schema::Null(t));
                }
                return Shape::Union(branches);
            }
            Schema::Whole(t) | Schema::NonNull(t) => t,
        };
        match &ty.kind {
            TypeKind::Null => Shape::Null,
            // A fixed outside a named declaration is invalid Avro (already reported).
            TypeKind::Primitive { primitive } => match Base::of(ty, *primitive) {
                Base::Null | Base::Fixed(_) | Base::Other => Shape::Unknown,
                base => Shape::Primitive(base),
            },
            TypeKind::Array { items, .. } => Shape::Array(items),
            TypeKind::Map { value, .. } => Shape::Map(value),
            TypeKind::Union { variants, .. } => Shape::Union(variants.iter().map(Schema::NonNull).collect()),
            TypeKind::Ref { target } => {
                let index = if reader_side {
                    self.reader_types
                } else {
                    self.writer_types
                };
                match index.get(target) {
                    Some(named) => named_shape(named),
                    None => Shape::Unknown,
                }
            }
            _ => Shape::Unknown,
        }
    }

    fn check<'t>(&mut self, r: Schema<'t>, w: Schema<'t>, path: &str, depth: usize) -> Vec<Issue>
    where
        'a: 't,
    {
        if depth > MAX_DEPTH {
            return Vec::new();
        }
        if let (Some(rn), Some(wn)) = (self.named(r, true), self.named(w, false)) {
            let key = (rn.id.as_str(), wn.id.as_str());
            match self.memo.get(&key) {
                // Recursion: the pair resolves unless something outside the cycle fails.
                Some(None) => return Vec::new(),
                Some(Some(done)) => return done.to_vec(),
                None => {}
            }
            self.memo.insert(key, None);
            let issues = self.calculate(r, w, path, depth);
            self.memo.insert(key, Some(Rc::from(issues.as_slice())));
            return issues;
        }
        self.calculate(r, w, path, depth)
    }

    fn calculate<'t>(&mut self, r: Schema<'t>, w: Schema<'t>, path: &str, depth: usize) -> Vec<Issue>
    where
        'a: 't,
    {
        let rs = self.shape(r, true);
        let ws = self.shape(w, false);
        match (&rs, &ws) {
            (Shape::Unknown, _) | (_, Shape::Unknown) => Vec::new(),
            (Shape::Union(rb), Shape::Union(wb)) => {
                let mut out = Vec::new();
                for b in wb {
                    out.extend(self.branch_for(rb, *b, r, w, true, path, depth));
                }
                out
            }
            (_, Shape::Union(wb)) => {
                let mut out = Vec::new();
                for b in wb {
                    let bs = self.shape(*b, false);
                    if matches!(bs, Shape::Unknown) {
                        continue;
                    }
                    if rs.same_kind(&bs) {
                        out.extend(self.check(r, *b, path, depth + 1));
                    } else {
                        out.push(self.lost_branch(r, w, *b, &bs, path));
                    }
                }
                out
            }
            (Shape::Union(rb), _) => self.branch_for(rb, w, r, w, false, path, depth),
            (Shape::Null, Shape::Null) => Vec::new(),
            (Shape::Primitive(a), Shape::Primitive(b)) => {
                if promotes(*b, *a) {
                    self.logical_notes(r.ty(), w.ty(), path)
                } else {
                    vec![self.type_changed(r, w, &rs, &ws, path)]
                }
            }
            (Shape::Record(rn, rf), Shape::Record(wn, wf)) => {
                let mut out = self.name_check(rn, wn, r, w, "record", path);
                out.extend(self.fields(rf, wf, &wn.ty.location, path, depth));
                out
            }
            (Shape::Enum(rn, rv), Shape::Enum(wn, wv)) => {
                let mut out = self.name_check(rn, wn, r, w, "enum", path);
                if rn.enum_default.is_none() {
                    for v in wv.iter().filter(|v| !rv.iter().any(|x| x.name == v.name)) {
                        out.push(self.enum_symbol(rn, wn, v, r, path));
                    }
                }
                out
            }
            (Shape::Fixed(rn, rsize), Shape::Fixed(wn, wsize)) => {
                let mut out = self.name_check(rn, wn, r, w, "fixed", path);
                if rsize != wsize {
                    let (old, new) = self.old_new(*wsize, *rsize);
                    out.push(self.issue(
                        &FIXED_SIZE_CHANGED,
                        path,
                        format!("`{path}`: fixed {} changed size from {old} to {new} bytes", rn.id),
                        r.ty(),
                        w.ty(),
                    ));
                } else {
                    out.extend(self.logical_notes(&rn.ty, &wn.ty, path));
                }
                out
            }
            (Shape::Array(a), Shape::Array(b)) => {
                self.check(Schema::Whole(a), Schema::Whole(b), &format!("{path}[]"), depth + 1)
            }
            (Shape::Map(a), Shape::Map(b)) => {
                self.check(Schema::Whole(a), Schema::Whole(b), &format!("{path}{{}}"), depth + 1)
            }
            _ => vec![self.type_changed(r, w, &rs, &ws, path)],
        }
    }

    /// Finds the reader branch that reads writer schema `b`: the first that resolves. When none
    /// does, the branch of the same kind and name explains why (or, lacking one, the missing branch).
    #[allow(clippy::too_many_arguments)]
    fn branch_for<'t>(
        &mut self,
        reader_branches: &[Schema<'t>],
        b: Schema<'t>,
        r: Schema<'t>,
        w: Schema<'t>,
        writer_is_union: bool,
        path: &str,
        depth: usize,
    ) -> Vec<Issue>
    where
        'a: 't,
    {
        let bs = self.shape(b, false);
        if matches!(bs, Shape::Unknown) {
            return Vec::new();
        }
        let mut tried = Vec::with_capacity(reader_branches.len());
        for rb in reader_branches {
            let issues = self.check(*rb, b, path, depth + 1);
            if !issues.iter().any(|i| i.breaking) {
                return issues;
            }
            tried.push((*rb, issues));
        }
        let kind_matches: Vec<(Shape<'t>, Vec<Issue>)> = tried
            .into_iter()
            .map(|(rb, issues)| (self.shape(rb, true), issues))
            .filter(|(s, _)| s.same_kind(&bs))
            .collect();
        let named_match = kind_matches.iter().position(|(s, _)| match (s.named(), bs.named()) {
            (Some(x), Some(y)) => names_match(x, y),
            _ => true,
        });
        if let Some(i) = named_match.or((kind_matches.len() == 1).then_some(0))
            && let Some((_, issues)) = kind_matches.into_iter().nth(i)
        {
            return issues;
        }
        if writer_is_union {
            vec![self.lost_branch(r, w, b, &bs, path)]
        } else {
            let rs = self.shape(r, true);
            vec![self.type_changed(r, w, &rs, &bs, path)]
        }
    }

    /// Reader fields against writer fields: by name, then by the reader field's aliases.
    fn fields(
        &mut self,
        reader: &[Field],
        writer: &[Field],
        writer_at: &Location,
        path: &str,
        depth: usize,
    ) -> Vec<Issue> {
        let by_name: HashMap<&str, &Field> = writer.iter().map(|f| (f.name.as_str(), f)).collect();
        let mut out = Vec::new();
        for rf in reader {
            let fpath = format!("{path}.{}", rf.name);
            let found = by_name
                .get(rf.name.as_str())
                .or_else(|| rf.aliases.iter().find_map(|a| by_name.get(a.as_str())));
            match found {
                Some(wf) => out.extend(self.check(Schema::Whole(&rf.ty), Schema::Whole(&wf.ty), &fpath, depth + 1)),
                None => {
                    let invalid = rf.ty.extensions.contains_key(EXT_INVALID_DEFAULT);
                    if rf.required || invalid {
                        out.push(self.missing_default(rf, writer, invalid, writer_at, &fpath));
                    }
                }
            }
        }
        out
    }

    // --- issues --------------------------------------------------------------------------------

    /// Orders a (writer, reader) pair of anything as (old, new).
    fn old_new<T>(&self, writer: T, reader: T) -> (T, T) {
        match self.direction {
            Direction::NewReadsOld => (writer, reader),
            Direction::OldReadsNew => (reader, writer),
        }
    }

    fn issue(&self, rule: &'static RuleMeta, path: &str, message: String, reader: &Type, writer: &Type) -> Issue {
        Issue::new(rule, path, message, &reader.location, &writer.location)
    }

    fn describe(&self, s: Schema<'_>, reader_side: bool) -> String {
        describe(self, s, reader_side, 2)
    }

    fn type_changed(&self, r: Schema<'_>, w: Schema<'_>, rs: &Shape<'_>, ws: &Shape<'_>, path: &str) -> Issue {
        let rule = match (rs, ws) {
            (Shape::Primitive(rb), Shape::Primitive(wb)) => {
                let (old, new) = self.old_new(*wb, *rb);
                if promotes(old, new) {
                    &concepts::TYPE_WIDENED
                } else if promotes(new, old) {
                    &concepts::TYPE_NARROWED
                } else {
                    &concepts::TYPE_CHANGED
                }
            }
            _ => &concepts::TYPE_CHANGED,
        };
        let (old, new) = self.old_new(self.describe(w, false), self.describe(r, true));
        self.issue(
            rule,
            path,
            format!("`{path}` changed from {old} to {new}"),
            r.ty(),
            w.ty(),
        )
    }

    /// Writer branch `b` (of writer `w`) has no counterpart in reader `r`.
    fn lost_branch(&self, r: Schema<'_>, w: Schema<'_>, b: Schema<'_>, bs: &Shape<'_>, path: &str) -> Issue {
        let reader_new = self.direction == Direction::NewReadsOld;
        if matches!(bs, Shape::Null) {
            let (rule, message) = if reader_new {
                (&concepts::NULLABLE_REMOVED, format!("`{path}` no longer allows null"))
            } else {
                (&concepts::NULLABLE_ADDED, format!("`{path}` now allows null"))
            };
            return self.issue(rule, path, message, r.ty(), w.ty());
        }
        let branch = self.describe(b, false);
        let (old, new) = self.old_new(self.describe(w, false), self.describe(r, true));
        let (rule, message) = if reader_new {
            (
                &concepts::UNION_VARIANT_REMOVED,
                format!("`{path}` changed from {old} to {new}, which has no branch for {branch}"),
            )
        } else {
            (
                &concepts::UNION_VARIANT_ADDED,
                format!("`{path}` changed from {old} to {new}, adding {branch}, which the old schema cannot hold"),
            )
        };
        self.issue(rule, path, message, r.ty(), b.ty())
    }

    fn name_check(
        &self,
        rn: &NamedType,
        wn: &NamedType,
        r: Schema<'_>,
        w: Schema<'_>,
        kind: &str,
        path: &str,
    ) -> Vec<Issue> {
        if names_match(rn, wn) {
            return Vec::new();
        }
        let (old, new) = self.old_new(&wn.id, &rn.id);
        let message = format!(
            "`{path}`: {kind} {old} was renamed to {new}, and the {} schema's {kind} lists no alias {}",
            self.direction.reader_word(),
            wn.id
        );
        vec![self.issue(&NAME_MISMATCH, path, message, r.ty(), w.ty())]
    }

    fn enum_symbol(&self, rn: &NamedType, wn: &NamedType, v: &EnumValue, r: Schema<'_>, path: &str) -> Issue {
        let (rule, message) = match self.direction {
            Direction::NewReadsOld => (
                &concepts::ENUM_VALUE_REMOVED,
                format!(
                    "`{path}`: enum {} no longer has symbol `{}`, and has no default to read it as",
                    rn.id, v.name
                ),
            ),
            Direction::OldReadsNew => (
                &concepts::ENUM_VALUE_ADDED,
                format!(
                    "`{path}`: enum {} has a new symbol `{}`, and the old enum has no default to read it as",
                    wn.id, v.name
                ),
            ),
        };
        let mut issue = self.issue(rule, path, message, r.ty(), &wn.ty);
        issue.writer = v.location.clone();
        issue
    }

    fn missing_default(&self, rf: &Field, writer: &[Field], invalid: bool, writer_at: &Location, path: &str) -> Issue {
        let ty = self.describe(Schema::Whole(&rf.ty), true);
        let (rule, mut message) = match self.direction {
            Direction::NewReadsOld if invalid => (
                &READER_FIELD_MISSING_DEFAULT,
                format!("field `{path}` ({ty}) is new, and its default does not fit its type (see `mapcheck lint`)"),
            ),
            Direction::NewReadsOld => (
                &READER_FIELD_MISSING_DEFAULT,
                format!("field `{path}` ({ty}) is new and has no default"),
            ),
            Direction::OldReadsNew if invalid => (
                &concepts::FIELD_REMOVED,
                format!("field `{path}` ({ty}) was removed, and its default in the old schema does not fit its type"),
            ),
            Direction::OldReadsNew => (
                &concepts::FIELD_REMOVED,
                format!("field `{path}` ({ty}) was removed, and the old schema has no default for it"),
            ),
        };
        if let Some(renamed) = writer.iter().find(|w| w.aliases.contains(&rf.name)) {
            message.push_str(&format!(
                " (`{}` lists it as an alias, but only the reader's aliases match fields)",
                renamed.name
            ));
        }
        Issue::new(rule, path, message, &rf.location, writer_at)
    }

    /// Notes on logical types of two nodes whose encodings resolve.
    fn logical_notes(&self, reader: &Type, writer: &Type, path: &str) -> Vec<Issue> {
        let (old, new) = self.old_new(logical(writer), logical(reader));
        let (rule, severity, message) = match (old, new) {
            (Some((_, Some(a))), Some((_, Some(b)))) if a != b => (
                &DECIMAL_CHANGED,
                DECIMAL_CHANGED.severity,
                format!(
                    "`{path}` changed from {} to {}: readers decode the same unscaled digits {}",
                    show_logical(old),
                    show_logical(new),
                    if a.1 != b.1 {
                        "with another scale, so values change"
                    } else {
                        "with another precision, which may not hold every value"
                    }
                ),
            ),
            (Some((a, _)), Some((b, _))) if a != b => (
                &LOGICAL_TYPE_CHANGED,
                LOGICAL_TYPE_CHANGED.severity,
                format!(
                    "`{path}` changed logical type from {} to {}: the encoding is the same, but readers interpret values differently",
                    show_logical(old),
                    show_logical(new)
                ),
            ),
            (Some(_), None) => (
                &LOGICAL_TYPE_CHANGED,
                Severity::Info,
                format!("`{path}` is no longer annotated as {}", show_logical(old)),
            ),
            (None, Some(_)) => (
                &LOGICAL_TYPE_CHANGED,
                Severity::Info,
                format!("`{path}` is now annotated as {}", show_logical(new)),
            ),
            _ => return Vec::new(),
        };
        vec![Issue::new(rule, path, message, &reader.location, &writer.location).note(severity)]
    }
}

fn named_shape(named: &NamedType) -> Shape<'_> {
    match &named.ty.kind {
        TypeKind::Object(o) => Shape::Record(named, &o.fields),
        TypeKind::Enum { values } => Shape::Enum(named, values),
        TypeKind::Primitive { primitive } if named.origin == TypeOrigin::Fixed => {
            let size = match primitive {
                Primitive::Fixed { size } => Some(*size),
                _ => named.ty.extensions.get(EXT_SIZE).and_then(|v| v.as_u64()),
            };
            size.map_or(Shape::Unknown, |size| Shape::Fixed(named, size))
        }
        _ => Shape::Unknown,
    }
}

/// How a schema node is named in messages: `long`, `com.acme.Address`, `array<string>`, `[null, string]`.
fn describe(resolver: &Resolver<'_, '_>, s: Schema<'_>, reader_side: bool, depth: usize) -> String {
    let with_logical = |name: &str, ty: &Type| match logical(ty) {
        Some(l) => format!("{name} ({})", show_logical(Some(l))),
        None => name.to_string(),
    };
    match resolver.shape(s, reader_side) {
        Shape::Null => "null".to_string(),
        Shape::Primitive(b) => with_logical(b.name(), s.ty()),
        Shape::Record(n, _) => format!("record {}", n.id),
        Shape::Enum(n, _) => format!("enum {}", n.id),
        Shape::Fixed(n, size) => with_logical(&format!("fixed {}({size})", n.id), &n.ty),
        Shape::Array(items) if depth > 0 => {
            format!(
                "array<{}>",
                describe(resolver, Schema::Whole(items), reader_side, depth - 1)
            )
        }
        Shape::Map(values) if depth > 0 => {
            format!(
                "map<{}>",
                describe(resolver, Schema::Whole(values), reader_side, depth - 1)
            )
        }
        Shape::Array(_) => "array".to_string(),
        Shape::Map(_) => "map".to_string(),
        Shape::Union(branches) if depth > 0 => {
            let parts: Vec<String> = branches
                .iter()
                .map(|b| describe(resolver, *b, reader_side, depth - 1))
                .collect();
            format!("[{}]", parts.join(", "))
        }
        Shape::Union(_) => "union".to_string(),
        Shape::Unknown => "an unknown type".to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Contracts

/// The schema an `.avsc` file declares: its root, or its top-level named type. `None` for protocols.
fn top_level(contract: &Contract) -> Option<Type> {
    if let Some(root) = &contract.root {
        return Some(root.clone());
    }
    let (id, first) = contract.types.first()?;
    (contract.messages.is_empty() && *id == contract.name).then(|| Type::reference(id.clone(), first.location.clone()))
}

/// The path findings start from: the old top-level type's short name, or the contract's name.
fn root_path(contract: &Contract) -> String {
    match contract.root {
        Some(_) => contract.name.clone(),
        None => contract
            .types
            .get(&contract.name)
            .map_or_else(|| contract.name.clone(), |t| t.name.clone()),
    }
}

/// Compares an old and a new Avro contract by schema resolution, under `mode`.
pub fn compare_contracts<'a>(c: &mut Comparer<'a>, old: &'a Contract, new: &'a Contract, mode: Mode) {
    let required: &[Direction] = match mode.base() {
        Mode::Backward => &[Direction::NewReadsOld],
        Mode::Forward => &[Direction::OldReadsNew],
        Mode::Full => &[Direction::NewReadsOld, Direction::OldReadsNew],
        _ => &[],
    };
    // Notes (logical types) are the same seen from either side: report them once.
    let notes_from = required.first().copied().unwrap_or(Direction::NewReadsOld);
    let mut findings = Vec::new();
    let mut new_reads_old = Resolver::new(&c.old, &c.new, Direction::NewReadsOld);
    let mut old_reads_new = Resolver::new(&c.old, &c.new, Direction::OldReadsNew);
    for resolver in [&mut new_reads_old, &mut old_reads_new] {
        let direction = resolver.direction;
        let issues = resolve_contracts(resolver, old, new);
        let is_required = required.contains(&direction);
        report(&mut findings, issues, direction, is_required, direction == notes_from);
    }
    // Protocol messages: the new server reads requests of old clients; old clients read responses
    // (and errors) of the new server, whatever the mode. The resolvers remember the type pairs
    // resolved above.
    findings.extend(compare_messages(&mut new_reads_old, &mut old_reads_new, old, new));
    for f in findings {
        if f.severity == Severity::Info && !c.report_safe {
            continue;
        }
        c.findings.push(f);
    }
}

/// Every issue of one direction between two contracts (their top-level schemas, or for protocols
/// their named types pairwise).
fn resolve_contracts(resolver: &mut Resolver<'_, '_>, old: &Contract, new: &Contract) -> Vec<Issue> {
    let direction = resolver.direction;
    if let (Some(o), Some(n)) = (top_level(old), top_level(new)) {
        let (r, w) = match direction {
            Direction::NewReadsOld => (&n, &o),
            Direction::OldReadsNew => (&o, &n),
        };
        return resolver.resolve(r, w, &root_path(old));
    }
    // Type sets: each type of the old side against its counterpart by full name or alias.
    let mut out = Vec::new();
    for (id, a) in &old.types {
        let counterpart = new
            .types
            .get(id)
            .or_else(|| new.types.values().find(|t| t.aliases.contains(id)));
        let Some(b) = counterpart else { continue };
        let (ra, rb) = (
            Type::reference(a.id.clone(), a.location.clone()),
            Type::reference(b.id.clone(), b.location.clone()),
        );
        let (r, w) = match direction {
            Direction::NewReadsOld => (&rb, &ra),
            Direction::OldReadsNew => (&ra, &rb),
        };
        out.extend(resolver.resolve(r, w, &a.name));
    }
    out
}

/// Messages of two protocols: `requests` resolves with the new schema reading, `responses` with the old.
fn compare_messages(
    requests: &mut Resolver<'_, '_>,
    responses: &mut Resolver<'_, '_>,
    old: &Contract,
    new: &Contract,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    if old.messages.is_empty() {
        return findings;
    }
    let new_types = responses.writer_types;
    for m in &old.messages {
        let path = format!("{}.{}", old.name, m.name);
        let Some(n) = new.messages.iter().find(|n| n.name == m.name) else {
            let at = new.messages.first().map_or_else(
                || Location::new(new.files[0].clone(), "/messages", Default::default()),
                |n| n.location.clone(),
            );
            let mut f = Finding::new(
                &concepts::OPERATION_REMOVED,
                format!("message `{path}` was removed: clients that call it break"),
                at,
            )
            .with_path(&path);
            f.old_location = Some(m.location.clone());
            findings.push(f);
            continue;
        };
        let issues = requests.resolve_fields(&n.request, &m.request, &m.location, &format!("{path}.request"));
        report(&mut findings, issues, Direction::NewReadsOld, true, true);
        let issues = responses.resolve(&m.response, &n.response, &format!("{path}.response"));
        report(&mut findings, issues, Direction::OldReadsNew, true, false);
        for (i, e) in n.errors.iter().enumerate() {
            let e_id = match &e.kind {
                TypeKind::Ref { target } => target.as_str(),
                _ => continue,
            };
            let known = m.errors.iter().any(|x| match &x.kind {
                TypeKind::Ref { target } => {
                    target == e_id || new_types.get(e_id).is_some_and(|t| t.aliases.contains(target))
                }
                _ => false,
            });
            if !known {
                let issue = Issue::new(
                    &concepts::UNION_VARIANT_ADDED,
                    &format!("{path}.errors.{i}"),
                    format!("message `{path}` may now throw {e_id}, which the old protocol does not declare"),
                    &m.location,
                    &e.location,
                );
                report(&mut findings, vec![issue], Direction::OldReadsNew, true, false);
            }
        }
    }
    findings
}

/// Turns one direction's issues into findings.
fn report(findings: &mut Vec<Finding>, issues: Vec<Issue>, direction: Direction, required: bool, notes: bool) {
    let mut seen = HashSet::new();
    for issue in issues {
        if !issue.breaking && !notes {
            continue;
        }
        if !seen.insert((issue.rule.id, issue.path.clone(), issue.message.clone())) {
            continue;
        }
        let severity = if required { issue.severity } else { Severity::Info };
        let message = if issue.breaking {
            format!("{}: {}", issue.message, direction.who())
        } else {
            issue.message
        };
        let (old, new) = match direction {
            Direction::NewReadsOld => (issue.writer, issue.reader),
            Direction::OldReadsNew => (issue.reader, issue.writer),
        };
        let mut f = Finding::new(issue.rule, message, new)
            .with_path(issue.path)
            .with_severity(severity);
        f.old_location = Some(old);
        // A note (a logical type changed) is the same whichever side reads: it has no direction.
        f.direction = issue.breaking.then(|| direction.variance().as_str());
        findings.push(f);
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::load::{SourceFile, avro::load_set, tree};

    fn load(name: &str, text: &str) -> Contract {
        let source = SourceFile {
            path: PathBuf::from(format!("/work/{name}")),
            display: name.to_string(),
        };
        let node = tree::parse_json(text).expect("test schemas are JSON");
        let (mut contracts, _) = load_set(vec![(source, node)]);
        contracts.remove(0)
    }

    /// Every issue of reading `writer` data with `reader` (the reader as the new schema).
    fn resolve(reader: &str, writer: &str) -> Vec<Issue> {
        let (r, w) = (load("reader.avsc", reader), load("writer.avsc", writer));
        let (ri, wi) = (TypeIndex::new([&r]), TypeIndex::new([&w]));
        let mut resolver = Resolver::new(&wi, &ri, Direction::NewReadsOld);
        let (rt, wt) = (
            top_level(&r).expect("reader schema"),
            top_level(&w).expect("writer schema"),
        );
        resolver.resolve(&rt, &wt, "T")
    }

    fn compatible(reader: &str, writer: &str) -> bool {
        !resolve(reader, writer).iter().any(|i| i.breaking)
    }

    /// (rule, path) of the breaking issues.
    fn breaking(reader: &str, writer: &str) -> Vec<(&'static str, String)> {
        resolve(reader, writer)
            .into_iter()
            .filter(|i| i.breaking)
            .map(|i| (i.rule.id, i.path))
            .collect()
    }

    fn record(fields: &str) -> String {
        format!(r#"{{"type": "record", "name": "T", "namespace": "n", "fields": [{fields}]}}"#)
    }

    #[test]
    fn promotions_follow_the_specification_table() {
        let prims = ["boolean", "int", "long", "float", "double", "bytes", "string"];
        let reads = |reader: &str, writer: &str| {
            reader == writer
                || matches!(
                    (writer, reader),
                    ("int", "long" | "float" | "double")
                        | ("long", "float" | "double")
                        | ("float", "double")
                        | ("string", "bytes")
                        | ("bytes", "string")
                )
        };
        for r in prims {
            for w in prims {
                let (reader, writer) = (format!("\"{r}\""), format!("\"{w}\""));
                assert_eq!(compatible(&reader, &writer), reads(r, w), "reader {r}, writer {w}");
                // The same inside a record field, an array and a map.
                let field = |t: &str| record(&format!(r#"{{"name": "v", "type": {t}}}"#));
                assert_eq!(
                    compatible(&field(&reader), &field(&writer)),
                    reads(r, w),
                    "field {r} <- {w}"
                );
                let array = |t: &str| format!(r#"{{"type": "array", "items": {t}}}"#);
                assert_eq!(
                    compatible(&array(&reader), &array(&writer)),
                    reads(r, w),
                    "array {r} <- {w}"
                );
            }
        }
        // Narrowing and widening are named from the old schema to the new one.
        assert_eq!(
            breaking("\"int\"", "\"long\""),
            vec![("type-narrowed", "T".to_string())]
        );
        assert_eq!(
            breaking("\"int\"", "\"string\""),
            vec![("type-changed", "T".to_string())]
        );
    }

    #[test]
    fn unions_resolve_branch_by_branch_in_any_order() {
        assert!(compatible(
            r#"["string", "null", "int"]"#,
            r#"["null", "int", "string"]"#
        ));
        // Each writer branch needs a reader branch; promotions count.
        assert!(compatible(r#"["null", "long"]"#, r#"["int", "null"]"#));
        assert_eq!(
            breaking(r#"["null", "string"]"#, r#"["null", "string", "int"]"#),
            vec![("union-variant-removed", "T".to_string())]
        );
        assert_eq!(
            breaking(r#""string""#, r#"["null", "string"]"#),
            vec![("nullable-removed", "T".to_string())]
        );
        // A non-union writer needs one reader branch; a union writer needs every branch read.
        assert!(compatible(r#"["null", "double"]"#, r#""float""#));
        assert_eq!(
            breaking(r#"["null", "string"]"#, r#""int""#),
            vec![("type-changed", "T".to_string())]
        );
        assert!(compatible(r#""long""#, r#"["int"]"#));
        assert!(!compatible(r#""int""#, r#"["int", "long"]"#));
    }

    #[test]
    fn a_union_branch_of_the_same_name_explains_why_it_does_not_resolve() {
        let address = |fields: &str| {
            format!(r#"{{"type": "record", "name": "Address", "namespace": "n", "fields": [{fields}]}}"#)
        };
        let reader = record(&format!(
            r#"{{"name": "home", "type": ["null", {}], "default": null}}"#,
            address(r#"{"name": "city", "type": "string"}, {"name": "zip", "type": "string"}"#)
        ));
        let writer = record(&format!(
            r#"{{"name": "home", "type": ["null", {}], "default": null}}"#,
            address(r#"{"name": "city", "type": "string"}"#)
        ));
        assert_eq!(
            breaking(&reader, &writer),
            vec![("avro-reader-field-missing-default", "T.home.zip".to_string())]
        );
    }

    #[test]
    fn every_incompatibility_is_reported_with_its_path() {
        let writer = record(
            r#"{"name": "a", "type": "long"},
               {"name": "b", "type": {"type": "enum", "name": "E", "symbols": ["X", "Y"]}},
               {"name": "c", "type": {"type": "array", "items": {"type": "fixed", "name": "H", "size": 16}}},
               {"name": "d", "type": {"type": "map", "values": "string"}}"#,
        );
        let reader = record(
            r#"{"name": "a", "type": "int"},
               {"name": "b", "type": {"type": "enum", "name": "E", "symbols": ["X"]}},
               {"name": "c", "type": {"type": "array", "items": {"type": "fixed", "name": "H", "size": 32}}},
               {"name": "d", "type": {"type": "map", "values": "int"}},
               {"name": "e", "type": "string"}"#,
        );
        let mut got = breaking(&reader, &writer);
        got.sort();
        let want: Vec<(&str, String)> = vec![
            ("avro-fixed-size-changed", "T.c[]".into()),
            ("avro-reader-field-missing-default", "T.e".into()),
            ("enum-value-removed", "T.b".into()),
            ("type-changed", "T.d{}".into()),
            ("type-narrowed", "T.a".into()),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn names_match_unqualified_or_by_reader_alias() {
        let named = |name: &str, ns: &str, aliases: &str| {
            format!(
                r#"{{"type": "record", "name": "{name}", "namespace": "{ns}", "aliases": [{aliases}], "fields": []}}"#
            )
        };
        // The specification matches unqualified names: a moved namespace still resolves.
        assert!(compatible(&named("T", "a", ""), &named("T", "b", "")));
        assert_eq!(
            breaking(&named("U", "a", ""), &named("T", "a", "")),
            vec![("avro-name-mismatch", "T".to_string())]
        );
        assert!(compatible(&named("U", "a", r#""a.T""#), &named("T", "a", "")));
        // A dot-less alias is relative to the type's namespace.
        assert!(compatible(&named("U", "a", r#""T""#), &named("T", "a", "")));
        assert!(!compatible(&named("U", "a", r#""T""#), &named("T", "b", "")));
        // Writer aliases do not count.
        assert!(!compatible(&named("U", "a", ""), &named("T", "a", r#""a.U""#)));
    }

    #[test]
    fn fields_match_by_name_or_reader_alias_and_need_usable_defaults() {
        let writer = record(r#"{"name": "old_name", "type": "string"}, {"name": "gone", "type": "int"}"#);
        assert!(compatible(
            &record(r#"{"name": "new_name", "type": "string", "aliases": ["old_name"]}"#),
            &writer
        ));
        assert_eq!(
            breaking(&record(r#"{"name": "new_name", "type": "string"}"#), &writer),
            vec![("avro-reader-field-missing-default", "T.new_name".to_string())]
        );
        assert!(compatible(
            &record(r#"{"name": "added", "type": "string", "default": ""}"#),
            &writer
        ));
        // A default the loader found unusable is no default.
        let invalid = resolve(
            &record(r#"{"name": "added", "type": "int", "default": "zero"}"#),
            &writer,
        );
        assert_eq!(invalid.len(), 1);
        assert!(invalid[0].message.contains("does not fit"), "{}", invalid[0].message);
        // Avro 1.12 reads a union default as the first branch it matches.
        assert!(compatible(
            &record(r#"{"name": "added", "type": ["null", "int"], "default": 3}"#),
            &writer
        ));
    }

    #[test]
    fn enums_need_every_writer_symbol_or_a_reader_default() {
        let e = |symbols: &str, default: &str| {
            format!(r#"{{"type": "enum", "name": "E", "symbols": [{symbols}]{default}}}"#)
        };
        assert!(compatible(&e(r#""A", "B", "C""#, ""), &e(r#""A", "B""#, "")));
        let issues = breaking(&e(r#""A""#, ""), &e(r#""A", "B", "C""#, ""));
        assert_eq!(issues.len(), 2, "one finding per missing symbol: {issues:?}");
        assert!(compatible(
            &e(r#""A", "Z""#, r#", "default": "Z""#),
            &e(r#""A", "B""#, "")
        ));
        // The writer's default does not help the reader.
        assert!(!compatible(&e(r#""A""#, ""), &e(r#""A", "B""#, r#", "default": "A""#)));
    }

    #[test]
    fn fixed_needs_name_and_size() {
        let f = |name: &str, size: u32| format!(r#"{{"type": "fixed", "name": "{name}", "size": {size}}}"#);
        assert!(compatible(&f("H", 16), &f("H", 16)));
        assert_eq!(
            breaking(&f("H", 32), &f("H", 16)),
            vec![("avro-fixed-size-changed", "T".to_string())]
        );
        assert_eq!(
            breaking(&f("G", 16), &f("H", 16)),
            vec![("avro-name-mismatch", "T".to_string())]
        );
        assert!(!compatible(&f("H", 16), r#""bytes""#));
    }

    #[test]
    fn logical_types_are_notes_not_incompatibilities() {
        let dec = |p: u32, s: u32| {
            format!(r#"{{"type": "bytes", "logicalType": "decimal", "precision": {p}, "scale": {s}}}"#)
        };
        let issues = resolve(&dec(10, 3), &dec(10, 2));
        assert_eq!(issues.len(), 1);
        assert!(!issues[0].breaking);
        assert_eq!(issues[0].rule.id, "avro-decimal-changed");
        assert_eq!(issues[0].severity, Severity::Warning);
        let ts = |unit: &str| format!(r#"{{"type": "long", "logicalType": "timestamp-{unit}"}}"#);
        let issues = resolve(&ts("micros"), &ts("millis"));
        assert_eq!((issues.len(), issues[0].rule.id), (1, "avro-logical-type-changed"));
        assert!(!issues[0].breaking);
        // Added: info. Promoted underneath: still fine. Decimal on bytes against fixed: the encoding differs.
        let issues = resolve(&ts("millis"), r#""long""#);
        assert_eq!(issues[0].severity, Severity::Info);
        assert!(compatible(&ts("millis"), r#"{"type": "int", "logicalType": "date"}"#));
        let fixed_dec =
            r#"{"type": "fixed", "name": "D", "size": 8, "logicalType": "decimal", "precision": 10, "scale": 2}"#;
        assert!(!compatible(&dec(10, 2), fixed_dec));
        assert!(resolve(&dec(10, 2), &dec(10, 2)).is_empty());
    }

    #[test]
    fn recursive_types_terminate_and_report_inside_the_cycle() {
        let list = |value: &str| {
            format!(
                r#"{{"type": "record", "name": "Node", "fields": [
                    {{"name": "value", "type": "{value}"}},
                    {{"name": "next", "type": ["null", "Node"], "default": null}},
                    {{"name": "children", "type": {{"type": "array", "items": "Node"}}, "default": []}}]}}"#
            )
        };
        assert!(compatible(&list("long"), &list("int")));
        assert_eq!(
            breaking(&list("int"), &list("long")),
            vec![("type-narrowed", "T.value".to_string())]
        );
        // Mutual recursion.
        let pair = |leaf: &str| {
            format!(
                r#"{{"type": "record", "name": "A", "fields": [
                    {{"name": "b", "type": ["null", {{"type": "record", "name": "B", "fields": [
                        {{"name": "a", "type": ["null", "A"]}}, {{"name": "leaf", "type": "{leaf}"}}]}}]}}]}}"#
            )
        };
        assert!(compatible(&pair("double"), &pair("float")));
        assert_eq!(
            breaking(&pair("float"), &pair("double")),
            vec![("type-narrowed", "T.b.leaf".to_string())]
        );
    }

    #[test]
    fn long_chains_of_named_types_do_not_overflow() {
        // A protocol whose types form a chain 2,000 records long, and a message returning its head.
        let protocol = |leaf: &str| {
            let mut types = vec![format!(
                r#"{{"type": "record", "name": "R0", "fields": [{{"name": "v", "type": "{leaf}"}}]}}"#
            )];
            for i in 1..2000 {
                types.push(format!(
                    r#"{{"type": "record", "name": "R{i}", "fields": [{{"name": "f", "type": "R{}"}}]}}"#,
                    i - 1
                ));
            }
            format!(
                r#"{{"protocol": "P", "namespace": "p", "types": [{}],
                    "messages": {{"get": {{"request": [], "response": "R1999"}}}}}}"#,
                types.join(",")
            )
        };
        let (old, new) = (load("old.avpr", &protocol("int")), load("new.avpr", &protocol("long")));
        let (oi, ni) = (TypeIndex::new([&old]), TypeIndex::new([&new]));
        let mut new_reads_old = Resolver::new(&oi, &ni, Direction::NewReadsOld);
        let mut old_reads_new = Resolver::new(&oi, &ni, Direction::OldReadsNew);
        assert!(resolve_contracts(&mut new_reads_old, &old, &new).is_empty());
        let issues = resolve_contracts(&mut old_reads_new, &old, &new);
        assert!(
            issues.iter().any(|i| i.path == "R0.v" && i.rule.id == "type-widened"),
            "{issues:?}"
        );
        // The message's response reaches the change 2,000 records down, through pairs resolved
        // type by type above; nothing overflows on the way.
        let findings = compare_messages(&mut new_reads_old, &mut old_reads_new, &old, &new);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].rule, "type-widened");
        // Without those pairs, the walk stops at its depth limit instead of overflowing.
        let mut fresh_requests = Resolver::new(&oi, &ni, Direction::NewReadsOld);
        let mut fresh_responses = Resolver::new(&oi, &ni, Direction::OldReadsNew);
        compare_messages(&mut fresh_requests, &mut fresh_responses, &old, &new);
    }
}
