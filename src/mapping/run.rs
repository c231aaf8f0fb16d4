//! `mapcheck map run`: applies a mapping to source records (NDJSON) and validates each canonical
//! record against the canonical JSON Schema.

use std::borrow::Cow;
use std::collections::BTreeMap;

pub use crate::json::Tree as Node;

use crate::samples::format::{is_calendar_date, is_time_of_day};

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
    /// Per rule: its constant (for `const` rules) and its default, as trees.
    constants: Vec<Option<Node<'m>>>,
    defaults: Vec<Option<Node<'m>>>,
}

impl<'m> Plan<'m> {
    pub fn new(mapping: &'m Mapping) -> Plan<'m> {
        let mut slots: Vec<Slot> = Vec::new();
        for (i, rule) in mapping.rules.iter().enumerate() {
            let mut level = &mut slots;
            let keys: Vec<&str> = rule
                .target
                .trim_end_matches("[]")
                .split('.')
                .filter(|k| !k.is_empty())
                .collect();
            for (depth, key) in keys.iter().enumerate() {
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
                        });
                        level.len() - 1
                    }
                };
                if depth + 1 == keys.len() {
                    level[at].rules.push(i);
                }
                level = &mut level[at].children;
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

/// Builds the canonical record from the rules' values: the last value written at a key wins, and
/// keys below it merge into an object there.
fn assemble<'a>(slots: &'a [Slot], values: &mut [Option<Node<'a>>]) -> Vec<(Cow<'a, str>, Node<'a>)> {
    let mut out = Vec::with_capacity(slots.len());
    for slot in slots {
        let own = slot.rules.iter().rev().find_map(|&i| values[i].take());
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
                write_slots(&slot.children, v, out);
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
    let mut values: Vec<Option<Node<'a>>> = Vec::with_capacity(plan.mapping.rules.len());
    for (i, rule) in plan.mapping.rules.iter().enumerate() {
        let fail = |problems: &mut Vec<(&'m str, String)>, why: String| {
            problems.push((plan.mapping.rules[i].target.as_str(), why))
        };
        let sources = &plan.sources[i];
        let value: Option<Node<'a>> = match &rule.transform {
            Transform::Constant(_) => plan.constants[i].clone(),
            Transform::Concat { separator } => {
                let parts: Vec<Cow<str>> = sources
                    .iter()
                    .filter_map(|p| read_all(record, p).first().and_then(|v| node_text(v)))
                    .filter(|s| !s.is_empty())
                    .collect();
                (!parts.is_empty()).then(|| Node::Str(Cow::Owned(parts.join(separator.as_str()))))
            }
            _ => match (sources.first(), &plan.elementwise[i]) {
                (None, _) => None,
                (Some(path), Some(parent)) => {
                    // Element-wise: each element through the transform.
                    let found = read_all(record, path);
                    let mut items = Vec::with_capacity(found.len());
                    for v in found.into_iter().filter(|v| !v.is_null()) {
                        match apply_one(rule, v, lookup) {
                            Ok(Some(x)) => items.push(x),
                            Ok(None) => {}
                            Err(why) => fail(problems, why),
                        }
                    }
                    (!items.is_empty() || read_all(record, parent).iter().any(|v| matches!(v, Node::Array(_))))
                        .then_some(Node::Array(items))
                }
                (Some(path), None) => match read_one(record, path).filter(|v| !v.is_null()) {
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
        };
        values.push(value.or_else(|| plan.defaults[i].clone()));
    }
    Node::Object(assemble(&plan.slots, &mut values))
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
}
