//! `mapcheck map run`: applies a mapping to source records (NDJSON) and validates each canonical
//! record against the canonical JSON Schema.

use std::borrow::Cow;
use std::collections::BTreeMap;

pub use crate::json::Tree as Node;

use crate::format::{is_calendar_date, is_time_of_day};

use super::spec::{Mapping, Rule, Transform};

/// Looks a source id up in the crosswalk: the canonical id of (system, entity, id).
pub type Lookup<'a> = dyn FnMut(&str, &str, &str) -> Result<String, Miss> + 'a;

/// Why a crosswalk lookup gave no canonical id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Miss {
    /// The id has no active link (an orphan).
    Unlinked,
    /// The id has more than one active canonical id: none of them is the answer.
    Conflict,
}

/// What went wrong, by kind (a schema location, a rule's target), with a count, the first
/// message and the first few places. Kinds never include values, so their number stays small.
#[derive(Debug, Default)]
pub struct Problems {
    pub by_kind: BTreeMap<String, Problem>,
}

#[derive(Debug, Default)]
pub struct Problem {
    pub count: u64,
    /// The message of the first occurrence.
    pub example: String,
    /// The first few `file:line`s.
    pub places: Vec<String>,
}

impl Problems {
    pub fn add(&mut self, kind: &str, at: impl FnOnce() -> String, example: impl FnOnce() -> String) {
        let entry = match self.by_kind.get_mut(kind) {
            Some(e) => e,
            None => self.by_kind.entry(kind.to_string()).or_insert_with(|| Problem {
                example: example(),
                ..Problem::default()
            }),
        };
        entry.count += 1;
        if entry.places.len() < 3 {
            entry.places.push(at());
        }
    }

    pub fn merge(&mut self, other: Problems) {
        for (kind, p) in other.by_kind {
            let entry = self.by_kind.entry(kind).or_insert_with(|| Problem {
                example: p.example.clone(),
                ..Problem::default()
            });
            entry.count += p.count;
            for place in p.places {
                if entry.places.len() < 3 {
                    entry.places.push(place);
                }
            }
        }
    }
}

/// What a canonical record's validation failure counts under: the schema keyword, where in the
/// record (array positions as `*`, so kinds stay few), and for `required` the missing field.
pub fn failure_kind(e: &jsonschema::ValidationError) -> String {
    let mut kind = e.schema_path().to_string();
    let at: Vec<String> = e
        .instance_path()
        .to_string()
        .split('/')
        .skip(1)
        .map(|s| {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                "*".to_string()
            } else {
                s.to_string()
            }
        })
        .collect();
    if !at.is_empty() {
        kind.push_str(&format!(" at /{}", at.join("/")));
    }
    if let jsonschema::error::ValidationErrorKind::Required { property } = e.kind() {
        let name = property.as_str().map_or_else(|| property.to_string(), str::to_string);
        kind.push_str(&format!(" `{name}`"));
    }
    kind
}

/// Whether a rule's failure is a crosswalk id without a link (what [`apply`] says of it).
pub fn is_orphan(why: &str) -> bool {
    why.ends_with("(orphan)")
}

/// The key that marks a line of a rejects file (`map run --rejects`).
pub const REJECT_MARK: &str = "mapcheck_reject";

/// The source record a line of a rejects file carries, when `line` is one: fed back to `map run`
/// after a fix, the records that failed are mapped again as they first came in.
pub fn replayed<'v, 'a>(line: &'v Node<'a>) -> Option<&'v Node<'a>> {
    line.get(REJECT_MARK)?;
    line.get("source").filter(|s| matches!(s, Node::Object(_)))
}

/// One line of a rejects file, built as the record is judged: where it came from, the source
/// record as it was read, the canonical record as built, and every error.
pub struct Reject {
    head: Vec<u8>,
    errors: Vec<u8>,
}

impl Reject {
    pub fn new(file: &str, line: u64, source: &Node, canonical: &Node, failures: &[(&str, String)]) -> Reject {
        let mut head = Vec::with_capacity(256);
        head.extend_from_slice(b"{\"");
        head.extend_from_slice(REJECT_MARK.as_bytes());
        head.extend_from_slice(b"\":1,\"file\":");
        crate::json::write_str(&mut head, file);
        head.extend_from_slice(format!(",\"line\":{line},\"source\":").as_bytes());
        source.write_json(&mut head);
        head.extend_from_slice(b",\"canonical\":");
        canonical.write_json(&mut head);
        let mut reject = Reject {
            head,
            errors: Vec::new(),
        };
        for (target, why) in failures {
            let kind = if is_orphan(why) { "orphan" } else { "transform" };
            reject.error(kind, &[("rule", target)], why);
        }
        reject
    }

    /// A canonical validation error.
    pub fn invalid(&mut self, e: &jsonschema::ValidationError) {
        let keyword = e.schema_path().to_string();
        let path = e.instance_path().to_string();
        self.error("invalid", &[("keyword", &keyword), ("path", &path)], &e.to_string());
    }

    fn error(&mut self, kind: &str, fields: &[(&str, &str)], message: &str) {
        if !self.errors.is_empty() {
            self.errors.push(b',');
        }
        self.errors.extend_from_slice(b"{\"kind\":");
        crate::json::write_str(&mut self.errors, kind);
        for (name, value) in fields {
            self.errors.push(b',');
            crate::json::write_str(&mut self.errors, name);
            self.errors.push(b':');
            crate::json::write_str(&mut self.errors, value);
        }
        self.errors.extend_from_slice(b",\"message\":");
        crate::json::write_str(&mut self.errors, message);
        self.errors.push(b'}');
    }

    /// Appends the line (with its newline).
    pub fn write(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.head);
        out.extend_from_slice(b",\"errors\":[");
        out.extend_from_slice(&self.errors);
        out.extend_from_slice(b"]}\n");
    }
}

/// A scalar as text (strings as they are, numbers and booleans written out).
fn node_text<'a>(v: &Node<'a>) -> Option<Cow<'a, str>> {
    match v {
        Node::Str(s) => Some(s.clone()),
        Node::Number(n) => Some(Cow::Owned(n.to_string())),
        Node::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        _ => None,
    }
}

fn cast<'a>(v: &Node<'a>, to: &str) -> Result<Node<'a>, String> {
    match (to, v) {
        ("string", v) => node_text(v)
            .map(Node::Str)
            .ok_or_else(|| format!("cannot cast {} to string", kind(v))),
        ("integer", Node::Number(n)) => n
            .as_i64()
            .map(|i| Node::Number(i.into()))
            .or_else(|| n.as_f64().map(|f| Node::Number((f.trunc() as i64).into())))
            .ok_or_else(|| "number out of range".into()),
        ("integer", Node::Str(s)) => s
            .trim()
            .parse::<i64>()
            .map(|i| Node::Number(i.into()))
            .map_err(|_| format!("`{s}` is not an integer")),
        ("number", Node::Number(_)) => Ok(v.clone()),
        ("number", Node::Str(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Node::Number)
            .ok_or_else(|| format!("`{s}` is not a number")),
        ("boolean", Node::Bool(_)) => Ok(v.clone()),
        ("boolean", Node::Str(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Ok(Node::Bool(true)),
            "false" | "no" | "0" => Ok(Node::Bool(false)),
            _ => Err(format!("`{s}` is not a boolean")),
        },
        ("boolean", Node::Number(n)) => Ok(Node::Bool(n.as_f64() != Some(0.0))),
        (to, v) => Err(format!("cannot cast {} to {to}", kind(v))),
    }
}

fn kind(v: &Node) -> &'static str {
    match v {
        Node::Null => "null",
        Node::Bool(_) => "a boolean",
        Node::Number(_) => "a number",
        Node::Str(_) => "a string",
        Node::Array(_) => "an array",
        Node::Object(_) => "an object",
    }
}

/// A part of `s`, borrowed when `s` is.
fn part<'a>(s: &Cow<'a, str>, range: std::ops::Range<usize>) -> Cow<'a, str> {
    match s {
        Cow::Borrowed(b) => Cow::Borrowed(&b[range]),
        Cow::Owned(o) => Cow::Owned(o[range].to_string()),
    }
}

fn convert<'a>(v: &Node<'a>, to: &str) -> Result<Node<'a>, String> {
    let Some(s) = node_text(v) else {
        return Err(format!("cannot convert {} to {to}", kind(v)));
    };
    let out = match to {
        "lowercase" if !s.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) => s,
        "lowercase" => Cow::Owned(s.to_lowercase()),
        "uppercase" if !s.bytes().any(|b| b.is_ascii_lowercase() || !b.is_ascii()) => s,
        "uppercase" => Cow::Owned(s.to_uppercase()),
        "trim" => {
            let start = s.len() - s.trim_start().len();
            let end = start + s.trim().len();
            part(&s, start..end)
        }
        // The calendar decides, not only the shape: `2027-02-30` is no date.
        "date" => match s.get(..10).filter(|d| is_calendar_date(d)) {
            Some(_) => part(&s, 0..10),
            None => return Err(format!("`{s}` is not a date")),
        },
        "date-time" if is_calendar_date(&s) => Cow::Owned(format!("{s}T00:00:00Z")),
        "date-time"
            if s.get(..10).is_some_and(is_calendar_date)
                && matches!(s.as_bytes().get(10), Some(b'T' | b't' | b' '))
                && s.get(11..).is_some_and(is_time_of_day) =>
        {
            if s.contains(' ') {
                Cow::Owned(s.replacen(' ', "T", 1))
            } else {
                s
            }
        }
        "date-time" => return Err(format!("`{s}` is not a date or date-time")),
        "time" => {
            let start = s.rfind(['T', ' ']).map_or(0, |i| i + 1);
            part(&s, start..s.len())
        }
        "uuid" => {
            let l = s.trim().to_lowercase();
            let hex = l.chars().filter(|c| *c != '-').count();
            if hex != 32 || !l.chars().all(|c| c == '-' || c.is_ascii_hexdigit()) {
                return Err(format!("`{s}` is not a UUID"));
            }
            Cow::Owned(l)
        }
        other => return Err(format!("unknown conversion {other}")),
    };
    Ok(Node::Str(out))
}

/// One rule applied to one source value (an element, for element-wise rules).
fn apply_one<'a>(rule: &'a Rule, value: &Node<'a>, lookup: &mut Lookup) -> Result<Option<Node<'a>>, String> {
    Ok(Some(match &rule.transform {
        Transform::Copy => value.clone(),
        Transform::Cast(to) => cast(value, to)?,
        Transform::Split { separator } => match value {
            Node::Str(s) => Node::Array(
                s.split(separator.as_str())
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| {
                        // `p` lies within `s`: borrow it from the record when `s` is borrowed.
                        let at = p.as_ptr() as usize - s.as_ptr() as usize;
                        Node::Str(part(s, at..at + p.len()))
                    })
                    .collect(),
            ),
            v => return Err(format!("cannot split {}", kind(v))),
        },
        Transform::EnumMap(entries) => {
            let key = node_text(value).unwrap_or_default();
            match entries.iter().find(|(from, _, _)| *from == key) {
                Some((_, to, _)) => Node::Str(Cow::Borrowed(to)),
                None => return Err(format!("enum value `{key}` has no entry in the map")),
            }
        }
        Transform::Convert(to) => convert(value, to)?,
        Transform::Crosswalk { system, entity } => {
            let id = node_text(value).ok_or_else(|| format!("a crosswalk id cannot be {}", kind(value)))?;
            match lookup(system, entity, &id) {
                Ok(canonical) => Node::Str(Cow::Owned(canonical)),
                Err(Miss::Unlinked) => return Err(format!("unresolved {system}/{entity} id (orphan)")),
                Err(Miss::Conflict) => {
                    return Err(format!(
                        "{system}/{entity} id `{id}` has more than one active canonical id (crosswalk conflict)"
                    ));
                }
            }
        }
        Transform::Concat { .. } | Transform::Constant(_) => return Ok(None),
    }))
}

/// A path split once: (name, element-wise) per segment.
type Segments = Vec<(String, bool)>;

fn segments(path: &str) -> Segments {
    path.split('.')
        .filter(|s| !s.is_empty())
        .map(|s| match s.strip_suffix("[]") {
            Some(n) => (n.to_string(), true),
            None => (s.to_string(), false),
        })
        .collect()
}

/// The value at a path without `[]`.
fn read_one<'v, 'a>(record: &'v Node<'a>, path: &[(String, bool)]) -> Option<&'v Node<'a>> {
    let mut v = record;
    for (name, _) in path {
        if !name.is_empty() {
            v = v.get(name)?;
        }
    }
    Some(v)
}

/// Every value at a path with `[]` segments (each element of those arrays).
fn read_all<'v, 'a>(record: &'v Node<'a>, path: &[(String, bool)]) -> Vec<&'v Node<'a>> {
    let mut current = vec![record];
    for (name, elements) in path {
        let mut next = Vec::with_capacity(current.len());
        for v in current {
            let v = if name.is_empty() { Some(v) } else { v.get(name) };
            match (v, elements) {
                (Some(Node::Array(items)), true) => next.extend(items.iter()),
                (Some(_), true) | (None, _) => {}
                (Some(v), false) => next.push(v),
            }
        }
        current = next;
    }
    current
}

/// Where in the canonical record rules write: a key, the rules that write it (in order), and
/// the keys below it.
#[derive(Debug)]
struct Slot {
    key: String,
    /// `"key":` as JSON, written once.
    quoted: Vec<u8>,
    rules: Vec<usize>,
    children: Vec<Slot>,
    /// An array of objects (`lines[].sku`): one object per source element, built from the rules
    /// below it.
    array: bool,
    /// The rules anywhere below an array slot.
    under: Vec<usize>,
}

/// A rule's value: one value, or (under an array of objects) one per source element.
#[derive(Debug, Clone)]
enum Shaped<'a> {
    One(Node<'a>),
    Each(Vec<Option<Shaped<'a>>>),
}

/// How a rule whose target lies inside arrays of objects reads its source: the source path cut at
/// its first arrays (one cut per array level of the target; fewer when the source has fewer, and
/// then the value is the same for every element below), and the rest of each source path, read
/// from an element (or, for a source outside those arrays, from the record).
#[derive(Debug)]
struct Nested {
    levels: Vec<Segments>,
    rest: Vec<(Segments, bool)>,
    /// For the rest of the first source: the path to its first array, when it has one.
    rest_elementwise: Option<Segments>,
}

/// A mapping prepared for many records: source paths split once and the shape of the canonical
/// record worked out once, so each record costs one map insert per key it has.
pub struct Plan<'m> {
    mapping: &'m Mapping,
    /// Per rule, per source path: its segments.
    sources: Vec<Vec<Segments>>,
    /// Per rule: whether its (first) source path has `[]`, and the path up to the first `[]`.
    elementwise: Vec<Option<Segments>>,
    slots: Vec<Slot>,
    /// Per rule inside arrays of objects: how its source is read per element.
    nested: Vec<Option<Nested>>,
    /// Per rule: its constant (for `const` rules) and its default, as trees.
    constants: Vec<Option<Node<'m>>>,
    defaults: Vec<Option<Node<'m>>>,
}

impl<'m> Plan<'m> {
    pub fn new(mapping: &'m Mapping) -> Plan<'m> {
        let mut slots: Vec<Slot> = Vec::new();
        let mut depths = Vec::with_capacity(mapping.rules.len());
        for (i, rule) in mapping.rules.iter().enumerate() {
            let mut level = &mut slots;
            // A trailing `[]` makes the value an array built element-wise; one inside the path
            // (`lines[].sku`) makes an array of objects.
            let keys: Vec<(&str, bool)> = rule
                .target
                .trim_end_matches("[]")
                .split('.')
                .filter(|k| !k.is_empty())
                .map(|k| match k.strip_suffix("[]") {
                    Some(name) => (name, true),
                    None => (k, false),
                })
                .collect();
            depths.push(keys.iter().filter(|(_, array)| *array).count());
            for (depth, (key, array)) in keys.iter().enumerate() {
                let at = match level.iter().position(|s| s.key == *key) {
                    Some(at) => at,
                    None => {
                        level.push(Slot {
                            key: key.to_string(),
                            quoted: {
                                let mut q = Vec::new();
                                crate::json::write_str(&mut q, key);
                                q.push(b':');
                                q
                            },
                            rules: Vec::new(),
                            children: Vec::new(),
                            array: false,
                            under: Vec::new(),
                        });
                        level.len() - 1
                    }
                };
                let slot = &mut level[at];
                slot.array |= *array;
                if *array {
                    slot.under.push(i);
                }
                if depth + 1 == keys.len() {
                    slot.rules.push(i);
                }
                level = &mut slot.children;
            }
        }
        Plan {
            mapping,
            sources: mapping
                .rules
                .iter()
                .map(|r| r.from.iter().map(|(p, _)| segments(p)).collect())
                .collect(),
            elementwise: mapping
                .rules
                .iter()
                .map(|r| {
                    r.from
                        .first()
                        .filter(|(p, _)| p.contains("[]"))
                        .map(|(p, _)| segments(p.split("[]").next().unwrap_or(p)))
                })
                .collect(),
            slots,
            nested: mapping
                .rules
                .iter()
                .zip(&depths)
                .map(|(r, &depth)| (depth > 0).then(|| nested(r, depth)))
                .collect(),
            constants: mapping
                .rules
                .iter()
                .map(|r| match &r.transform {
                    Transform::Constant(v) => Some(Node::from_value(v)),
                    _ => None,
                })
                .collect(),
            defaults: mapping
                .rules
                .iter()
                .map(|r| r.default.as_ref().map(Node::from_value))
                .collect(),
        }
    }
}

/// The path up to the first array of `path` (`Tags` for `Tags[]`), when it has one.
fn to_first_array(path: &Segments) -> Option<Segments> {
    let at = path.iter().position(|(_, elements)| *elements)?;
    let mut to = path[..=at].to_vec();
    if let Some(last) = to.last_mut() {
        last.1 = false;
    }
    Some(to)
}

/// Cuts a rule's source paths for a target `depth` arrays of objects deep (see [`Nested`]).
fn nested(rule: &Rule, depth: usize) -> Nested {
    let paths: Vec<Segments> = rule.from.iter().map(|(p, _)| segments(p)).collect();
    let mut levels: Vec<Segments> = Vec::new();
    let mut rest: Segments = paths.first().cloned().unwrap_or_default();
    while levels.len() < depth {
        let Some(at) = rest.iter().position(|(_, elements)| *elements) else {
            break;
        };
        let tail = rest.split_off(at + 1);
        levels.push(std::mem::replace(&mut rest, tail));
    }
    let prefix: Vec<(String, bool)> = levels.iter().flatten().cloned().collect();
    let rest_all: Vec<(Segments, bool)> = paths
        .iter()
        .enumerate()
        .map(|(n, p)| match n {
            0 => (rest.clone(), false),
            _ if p.starts_with(&prefix) => (p[prefix.len()..].to_vec(), false),
            // Outside the arrays: read from the record, the same for every element.
            _ => (p.clone(), true),
        })
        .collect();
    Nested {
        levels,
        rest_elementwise: to_first_array(&rest),
        rest: rest_all,
    }
}

/// Builds the canonical record from the rules' values: the last value written at a key wins, and
/// keys below it merge into an object there. An array slot gets one object per element of its
/// rules' values, as many as the longest of them (the source arrays' lengths); a value that is one
/// for all (a constant, a field outside the arrays) goes into every element.
fn assemble<'a>(slots: &'a [Slot], values: &mut [Option<Shaped<'a>>]) -> Vec<(Cow<'a, str>, Node<'a>)> {
    let mut out = Vec::with_capacity(slots.len());
    for slot in slots {
        if slot.array {
            let length = slot
                .under
                .iter()
                .filter_map(|&i| match &values[i] {
                    Some(Shaped::Each(items)) => Some(items.len()),
                    _ => None,
                })
                .max();
            let taken: Vec<(usize, Option<Shaped<'a>>)> = slot.under.iter().map(|&i| (i, values[i].take())).collect();
            let Some(length) = length else { continue };
            let mut items = Vec::with_capacity(length);
            let mut element: Vec<Option<Shaped<'a>>> = vec![None; values.len()];
            for n in 0..length {
                for (i, value) in &taken {
                    element[*i] = match value {
                        Some(Shaped::Each(items)) => items.get(n).cloned().flatten(),
                        Some(one @ Shaped::One(_)) => Some(one.clone()),
                        None => None,
                    };
                }
                items.push(Node::Object(assemble(&slot.children, &mut element)));
            }
            out.push((Cow::Borrowed(slot.key.as_str()), Node::Array(items)));
            continue;
        }
        let own = slot.rules.iter().rev().find_map(|&i| match values[i].take() {
            Some(Shaped::One(v)) => Some(v),
            // Under fewer arrays than the value has: each element's value, as an array.
            Some(Shaped::Each(items)) => Some(Node::Array(items.into_iter().flatten().map(flatten).collect())),
            None => None,
        });
        let value = if slot.children.is_empty() {
            own
        } else {
            let inner = assemble(&slot.children, values);
            match own {
                Some(Node::Object(mut o)) => {
                    for (k, v) in inner {
                        match o.iter_mut().find(|(key, _)| *key == k) {
                            Some(entry) => entry.1 = v,
                            None => o.push((k, v)),
                        }
                    }
                    Some(Node::Object(o))
                }
                _ if !inner.is_empty() => Some(Node::Object(inner)),
                other => other,
            }
        };
        if let Some(v) = value {
            out.push((Cow::Borrowed(slot.key.as_str()), v));
        }
    }
    out
}

fn flatten(s: Shaped<'_>) -> Node<'_> {
    match s {
        Shaped::One(v) => v,
        Shaped::Each(items) => Node::Array(items.into_iter().flatten().map(flatten).collect()),
    }
}

impl Plan<'_> {
    /// Appends a canonical record [`apply`] built as compact JSON (what [`Node::write_json`]
    /// writes), with the keys written once in the plan rather than escaped per record.
    pub fn write(&self, record: &Node, out: &mut Vec<u8>) {
        write_slots(&self.slots, record, out);
    }
}

fn write_slots(slots: &[Slot], value: &Node, out: &mut Vec<u8>) {
    let Node::Object(entries) = value else {
        return value.write_json(out);
    };
    out.push(b'{');
    let mut next = 0;
    for (i, (key, v)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        // Entries come in slot order; a key no slot has (inside an object a rule copied) is
        // written as it is.
        match slots[next.min(slots.len())..].iter().position(|s| s.key == *key) {
            Some(at) => {
                let slot = &slots[next + at];
                next += at + 1;
                out.extend_from_slice(&slot.quoted);
                match v {
                    Node::Array(items) if slot.array => {
                        out.push(b'[');
                        for (n, item) in items.iter().enumerate() {
                            if n > 0 {
                                out.push(b',');
                            }
                            write_slots(&slot.children, item, out);
                        }
                        out.push(b']');
                    }
                    _ => write_slots(&slot.children, v, out),
                }
            }
            None => {
                crate::json::write_str(out, key);
                out.push(b':');
                v.write_json(out);
            }
        }
    }
    out.push(b'}');
}

/// Applies a mapping to one source record. Problems are reported by kind; the record is built
/// from every rule that could be applied. The record borrows from the plan and the source record.
pub fn apply<'m, 'a>(
    plan: &'a Plan<'m>,
    record: &'a Node<'a>,
    lookup: &mut Lookup,
    problems: &mut Vec<(&'m str, String)>,
) -> Node<'a> {
    let mut values: Vec<Option<Shaped<'a>>> = Vec::with_capacity(plan.mapping.rules.len());
    for i in 0..plan.mapping.rules.len() {
        let value = match &plan.nested[i] {
            None => {
                let first = plan.sources[i].first();
                let sources = plan.sources[i].iter().map(|p| (p, record));
                evaluate(
                    plan,
                    i,
                    sources,
                    first.map(|p| (p, plan.elementwise[i].as_ref())),
                    record,
                    lookup,
                    problems,
                )
                .or_else(|| plan.defaults[i].clone())
                .map(Shaped::One)
            }
            Some(nest) => each_element(plan, i, nest, 0, record, record, lookup, problems),
        };
        values.push(value);
    }
    Node::Object(assemble(&plan.slots, &mut values))
}

/// A rule inside arrays of objects, at array level `level` of its source: per element below, or
/// (past the levels) its value read from the element.
#[allow(clippy::too_many_arguments)]
fn each_element<'m, 'a>(
    plan: &'a Plan<'m>,
    i: usize,
    nest: &'a Nested,
    level: usize,
    node: &'a Node<'a>,
    record: &'a Node<'a>,
    lookup: &mut Lookup,
    problems: &mut Vec<(&'m str, String)>,
) -> Option<Shaped<'a>> {
    let Some(path) = nest.levels.get(level) else {
        let sources = nest
            .rest
            .iter()
            .map(|(p, from_record)| (p, if *from_record { record } else { node }));
        let first = nest.rest.first().map(|(p, _)| (p, nest.rest_elementwise.as_ref()));
        return evaluate(plan, i, sources, first, node, lookup, problems)
            .or_else(|| plan.defaults[i].clone())
            .map(Shaped::One);
    };
    match read_one(node, path)? {
        Node::Array(items) => Some(Shaped::Each(
            items
                .iter()
                .map(|item| each_element(plan, i, nest, level + 1, item, record, lookup, problems))
                .collect(),
        )),
        _ => None,
    }
}

/// One rule's value, its sources read from `root` (concat reads each source from its own node).
fn evaluate<'m, 'a, 's>(
    plan: &'a Plan<'m>,
    i: usize,
    sources: impl Iterator<Item = (&'s Segments, &'a Node<'a>)>,
    first: Option<(&'s Segments, Option<&'s Segments>)>,
    root: &'a Node<'a>,
    lookup: &mut Lookup,
    problems: &mut Vec<(&'m str, String)>,
) -> Option<Node<'a>> {
    let rule = &plan.mapping.rules[i];
    let fail = |problems: &mut Vec<(&'m str, String)>, why: String| problems.push((rule.target.as_str(), why));
    match &rule.transform {
        Transform::Constant(_) => plan.constants[i].clone(),
        Transform::Concat { separator } => {
            let parts: Vec<Cow<str>> = sources
                .filter_map(|(p, node)| read_all(node, p).first().and_then(|v| node_text(v)))
                .filter(|s| !s.is_empty())
                .collect();
            (!parts.is_empty()).then(|| Node::Str(Cow::Owned(parts.join(separator.as_str()))))
        }
        _ => match first {
            None => None,
            Some((path, Some(parent))) => {
                // Element-wise: each element through the transform.
                let found = read_all(root, path);
                let mut items = Vec::with_capacity(found.len());
                for v in found.into_iter().filter(|v| !v.is_null()) {
                    match apply_one(rule, v, lookup) {
                        Ok(Some(x)) => items.push(x),
                        Ok(None) => {}
                        Err(why) => fail(problems, why),
                    }
                }
                (!items.is_empty() || read_all(root, parent).iter().any(|v| matches!(v, Node::Array(_))))
                    .then_some(Node::Array(items))
            }
            Some((path, None)) => match read_one(root, path).filter(|v| !v.is_null()) {
                None => None,
                Some(v) => match apply_one(rule, v, lookup) {
                    Ok(x) => x,
                    Err(why) => {
                        fail(problems, why);
                        None
                    }
                },
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::spec::parse;

    #[test]
    fn applies_each_transform() {
        let text = r#"
source: {contract: a.yaml, type: A}
target: {entity: customer, version: 1}
rules:
  - {target: id, from: Id, crosswalk: {system: crm, entity: account}}
  - {target: name, from: [First, Last], concat: true}
  - {target: kind, const: business}
  - {target: status, from: Status, enum: {A: active, I: inactive}}
  - {target: revenue.amount, from: Revenue, cast: string}
  - {target: lines, from: Street, split: true, separator: "\n"}
  - {target: "tags[]", from: "Tags[]", convert: lowercase}
  - {target: created, from: Created, convert: date}
  - {target: country, from: Country, default: US}
"#;
        let (m, problems) = parse("m.yaml", text);
        assert!(problems.is_empty(), "{problems:?}");
        let m = m.unwrap();
        let record = serde_json::json!({
            "Id": "001A", "First": "Ada", "Last": "Lovelace", "Status": "A", "Revenue": 12.5,
            "Street": "1 Main St\nSuite 2", "Tags": ["VIP", "Gold"], "Created": "2024-05-01T10:00:00Z"
        });
        let mut lookup = |s: &str, e: &str, id: &str| match (s, e, id) {
            ("crm", "account", "001A") => Ok("c-1".to_string()),
            ("crm", "account", "002B") => Err(Miss::Conflict),
            _ => Err(Miss::Unlinked),
        };
        let mut problems: Vec<(&str, String)> = Vec::new();
        let text = record.to_string();
        let record: Node = serde_json::from_str(&text).unwrap();
        let plan = Plan::new(&m);
        let out = apply(&plan, &record, &mut lookup, &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
        let (mut by_plan, mut by_tree) = (Vec::new(), Vec::new());
        plan.write(&out, &mut by_plan);
        out.write_json(&mut by_tree);
        assert_eq!(String::from_utf8(by_plan), String::from_utf8(by_tree));
        assert_eq!(
            out.to_value(),
            serde_json::json!({
                "id": "c-1", "name": "Ada Lovelace", "kind": "business", "status": "active",
                "revenue": {"amount": "12.5"}, "lines": ["1 Main St", "Suite 2"], "tags": ["vip", "gold"],
                "created": "2024-05-01", "country": "US"
            })
        );
        let mut problems = Vec::new();
        let nope: Node = serde_json::from_str(r#"{"Id": "nope", "Status": "X"}"#).unwrap();
        apply(&plan, &nope, &mut lookup, &mut problems);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems.iter().any(|(_, why)| why.contains("(orphan)")), "{problems:?}");
        let mut problems = Vec::new();
        let conflicted: Node = serde_json::from_str(r#"{"Id": "002B"}"#).unwrap();
        apply(&plan, &conflicted, &mut lookup, &mut problems);
        assert!(
            problems
                .iter()
                .any(|(t, why)| *t == "id" && why.contains("crosswalk conflict")),
            "{problems:?}"
        );
    }

    /// Maps `text` rules over `record` (JSON): the canonical record, checked to write the same
    /// through the plan as through the tree.
    fn run(rules: &str, record: &str) -> (serde_json::Value, Vec<String>) {
        let text =
            format!("source: {{contract: a.yaml, type: A}}\ntarget: {{entity: order, version: 1}}\nrules:\n{rules}");
        let (m, found) = parse("m.yaml", &text);
        assert!(found.is_empty(), "{found:?}");
        let m = m.unwrap();
        let plan = Plan::new(&m);
        let record: Node = serde_json::from_str(record).unwrap();
        let mut problems = Vec::new();
        let mut lookup = |_: &str, _: &str, _: &str| Err(Miss::Unlinked);
        let out = apply(&plan, &record, &mut lookup, &mut problems);
        let (mut by_plan, mut by_tree) = (Vec::new(), Vec::new());
        plan.write(&out, &mut by_plan);
        out.write_json(&mut by_tree);
        assert_eq!(String::from_utf8(by_plan), String::from_utf8(by_tree));
        (
            out.to_value(),
            problems.into_iter().map(|(t, why)| format!("{t}: {why}")).collect(),
        )
    }

    #[test]
    fn arrays_of_objects_are_built_element_by_element() {
        let rules = r#"  - {target: id, from: Id}
  - {target: "lines[].sku", from: "line_items[].sku"}
  - {target: "lines[].quantity", from: "line_items[].qty", cast: integer}
  - {target: "lines[].price.amount", from: "line_items[].price"}
  - {target: "lines[].currency", from: Currency}
  - {target: "lines[].kind", const: product}
  - {target: "lines[].tags[]", from: "line_items[].tags[]", convert: lowercase}
"#;
        let (out, problems) = run(
            rules,
            r#"{"Id": "o1", "Currency": "EUR", "line_items": [
                {"sku": "TSHIRT-M", "qty": "2", "price": 10, "tags": ["A", "B"]},
                {"sku": "CAP", "qty": 1},
                null,
                {"qty": "x"}]}"#,
        );
        assert_eq!(
            out,
            serde_json::json!({"id": "o1", "lines": [
                {"sku": "TSHIRT-M", "quantity": 2, "price": {"amount": 10}, "currency": "EUR", "kind": "product", "tags": ["a", "b"]},
                {"sku": "CAP", "quantity": 1, "currency": "EUR", "kind": "product"},
                {"currency": "EUR", "kind": "product"},
                {"currency": "EUR", "kind": "product"}
            ]})
        );
        assert_eq!(problems, ["lines[].quantity: `x` is not an integer"]);
        // No source array: no target array.
        let (out, _) = run(rules, r#"{"Id": "o2", "Currency": "EUR"}"#);
        assert_eq!(out, serde_json::json!({"id": "o2"}));
        let (out, _) = run(rules, r#"{"Id": "o3", "line_items": []}"#);
        assert_eq!(out, serde_json::json!({"id": "o3", "lines": []}));
    }

    #[test]
    fn nested_arrays_of_objects_keep_each_level() {
        let rules = r#"  - {target: "orders[].id", from: "orders[].number"}
  - {target: "orders[].lines[].sku", from: "orders[].lines[].sku", convert: uppercase}
  - {target: "skus[]", from: "orders[].lines[].sku"}
"#;
        let (out, problems) = run(
            rules,
            r#"{"orders": [
                {"number": 1, "lines": [{"sku": "a"}, {"sku": "b"}]},
                {"number": 2, "lines": []},
                {"number": 3, "lines": [{"sku": "c"}]}]}"#,
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            out,
            serde_json::json!({
                "orders": [
                    {"id": 1, "lines": [{"sku": "A"}, {"sku": "B"}]},
                    {"id": 2, "lines": []},
                    {"id": 3, "lines": [{"sku": "C"}]}
                ],
                "skus": ["a", "b", "c"]
            })
        );
    }
}
