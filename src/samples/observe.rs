//! The observed schema: per path (`a.b[].c`), what the samples held. One [`Node`] per path, built
//! a record at a time, merged across chunks and files. Merging is commutative and associative, so
//! the result does not depend on how the work was split or in which order it finished.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use indexmap::IndexMap;

use serde_json::Value;

pub use super::expect::AnomalyKind;
use super::expect::{Check, Eid, Expectations};
use crate::format::{self, StringFormat};
pub use crate::json::Kind;
use crate::json::{Shape, Tree, View};

/// Distinct string values kept per path (enough for any enum a draft would declare).
pub const DISTINCT_CAP: usize = 64;
/// Strings longer than this are never enum values: they make a path's distinct set overflow.
const DISTINCT_MAX_LEN: usize = 64;
/// Record locations and example values kept per anomaly.
pub const EXAMPLES: usize = 5;

/// Where a record is: the file's index in the scan and its 1-based line (CSV: the row's line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    pub file: u32,
    pub line: u64,
}

/// A small inclusive range that grows to cover what it sees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Span<T> {
    pub min: T,
    pub max: T,
}

fn widen<T: PartialOrd + Copy>(span: &mut Option<Span<T>>, v: T) {
    match span {
        Some(s) => {
            if v < s.min {
                s.min = v;
            }
            if v > s.max {
                s.max = v;
            }
        }
        None => *span = Some(Span { min: v, max: v }),
    }
}

fn join<T: PartialOrd + Copy>(a: &mut Option<Span<T>>, b: Option<Span<T>>) {
    if let Some(b) = b {
        widen(a, b.min);
        widen(a, b.max);
    }
}

/// Distinct string values, up to [`DISTINCT_CAP`]: the smallest ones, with their counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Distinct {
    values: HashMap<String, u64, foldhash::fast::RandomState>,
    /// The largest value kept: once the set is full, a larger one can never be kept.
    largest: Option<String>,
    /// More distinct values were seen than kept (or one too long to be an enum value).
    pub overflow: bool,
}

impl Distinct {
    /// The values kept, smallest first.
    pub fn sorted(&self) -> Vec<&String> {
        let mut v: Vec<&String> = self.values.keys().collect();
        v.sort();
        v
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    fn add(&mut self, s: &str) {
        if s.len() > DISTINCT_MAX_LEN {
            self.overflow = true;
            return;
        }
        // Full, and above the largest kept value: one comparison, no hashing, no allocation (the
        // common case for ids, emails and timestamps).
        let above = self.largest.as_deref().is_none_or(|l| s > l);
        if above && self.values.len() >= DISTINCT_CAP {
            self.overflow = true;
            return;
        }
        if let Some(n) = self.values.get_mut(s) {
            *n += 1;
            return;
        }
        self.values.insert(s.to_string(), 1);
        if above {
            self.largest = Some(s.to_string());
        }
        self.trim();
    }

    /// Drops the largest values until at most [`DISTINCT_CAP`] are left.
    fn trim(&mut self) {
        while self.values.len() > DISTINCT_CAP {
            self.overflow = true;
            if let Some(l) = self.largest.take() {
                self.values.remove(&l);
            }
            self.largest = self.values.keys().max().cloned();
        }
    }

    fn merge(&mut self, other: Distinct) {
        self.overflow |= other.overflow;
        for (k, n) in other.values {
            *self.values.entry(k).or_insert(0) += n;
        }
        self.largest = self.values.keys().max().cloned();
        self.trim();
    }
}

/// How often an anomaly happened, where first, and a few of the values involved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Anomaly {
    pub count: u64,
    /// The earliest record locations (smallest first).
    pub first: Vec<Loc>,
    /// The smallest offending values, as JSON text.
    pub examples: BTreeSet<String>,
}

impl Anomaly {
    fn add(&mut self, at: Loc, example: Option<String>) {
        self.count += 1;
        if !self.first.contains(&at) && (self.first.len() < EXAMPLES || self.first.last().is_some_and(|l| at < *l)) {
            let i = self.first.partition_point(|l| *l < at);
            self.first.insert(i, at);
            self.first.truncate(EXAMPLES);
        }
        if let Some(e) = example {
            if self.examples.len() < EXAMPLES || self.examples.last().is_some_and(|l| e < *l) {
                self.examples.insert(e);
                while self.examples.len() > EXAMPLES {
                    self.examples.pop_last();
                }
            }
        }
    }

    fn merge(&mut self, other: Anomaly) {
        self.count += other.count;
        self.first.extend(other.first);
        self.first.sort_unstable();
        self.first.dedup();
        self.first.truncate(EXAMPLES);
        self.examples.extend(other.examples);
        while self.examples.len() > EXAMPLES {
            self.examples.pop_last();
        }
    }
}

/// What the keys at each position of the last object seen at a path resolved to: its child's
/// index and how the contract judges it. Records of one feed repeat their keys in the same order,
/// so most keys are found by comparing them with one remembered key instead of hashing them twice
/// (once for the child, once for the contract). Only a cache: it never changes what is observed,
/// and equality ignores it.
#[derive(Debug, Clone, Default)]
pub struct KeyCache {
    /// The contract node the cached checks were made under.
    judged: Option<Eid>,
    slots: Vec<(usize, Check, Option<u32>)>,
}

impl PartialEq for KeyCache {
    fn eq(&self, _: &KeyCache) -> bool {
        true
    }
}

/// What was observed at one path.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Node {
    /// The earliest record the path appeared in, and the field's position in its object there
    /// (orders fields in drafts).
    pub first_seen: Option<(Loc, u32)>,
    /// Values seen at this path, nulls included. For a field: the objects that had it.
    pub present: u64,
    /// Values by [`Kind`] (index = `Kind as usize`).
    pub kinds: [u64; 7],
    pub numbers: Option<Span<f64>>,
    /// String lengths in characters.
    pub lengths: Option<Span<u64>>,
    /// Array lengths.
    pub items_count: Option<Span<u64>>,
    /// Strings of each format (index = [`StringFormat::index`]).
    pub formats: [u64; 7],
    pub distinct: Distinct,
    /// Fields of object values (a fast non-cryptographic hash: keys come from the samples, and the
    /// lookup runs for every field of every record). Insertion order is not meaningful: merges
    /// and parallel scans insert in any order, and equality ignores it.
    pub children: IndexMap<String, Node, foldhash::fast::RandomState>,
    /// The keys of the last objects seen here, by position (see [`KeyCache`]).
    pub keys: KeyCache,
    /// Elements of array values.
    pub items: Option<Box<Node>>,
    /// Drift against a contract, by kind and contract node.
    pub anomalies: BTreeMap<(AnomalyKind, Eid), Anomaly>,
}

impl Node {
    pub fn count(&self, kind: Kind) -> u64 {
        self.kinds[kind as usize]
    }

    pub fn format_count(&self, f: StringFormat) -> u64 {
        self.formats[f.index()]
    }

    /// Adds one value (and, with `expect`, checks it against the contract).
    pub fn observe(&mut self, v: &Value, at: Loc, expect: Option<(&Expectations, Eid)>) {
        self.observe_view(View::Tree(&Tree::from_value(v)), at, expect);
    }

    /// [`Node::observe`] for a parsed value (a tree, or the NDJSON reader's tape).
    pub fn observe_view(&mut self, v: View, at: Loc, expect: Option<(&Expectations, Eid)>) {
        self.observe_at(v, at, 0, expect);
    }

    /// [`Node::observe_view`] for the field at position `position` of its object.
    fn observe_at(&mut self, v: View, at: Loc, position: u32, expect: Option<(&Expectations, Eid)>) {
        self.present += 1;
        if self.first_seen.is_none_or(|first| (at, position) < first) {
            self.first_seen = Some((at, position));
        }
        let shape = v.shape();
        let kind = Kind::of(&shape);
        self.kinds[kind as usize] += 1;
        // Formats of a string value (for the draft, and so the contract check need not look again).
        let mut bits = 0u8;
        match &shape {
            Shape::Number(n) => {
                if let Some(f) = n.as_f64() {
                    widen(&mut self.numbers, f);
                }
            }
            Shape::Str(s) => {
                let len = if s.is_ascii() { s.len() } else { s.chars().count() };
                widen(&mut self.lengths, len as u64);
                bits = format::detect(s);
                if bits != 0 {
                    for f in StringFormat::ALL {
                        if bits & (1 << f.index()) != 0 {
                            self.formats[f.index()] += 1;
                        }
                    }
                }
                self.distinct.add(s);
            }
            Shape::Array(len) => widen(&mut self.items_count, *len as u64),
            _ => {}
        }
        // The contract node this value is judged against, after references and union branches.
        let judged = expect.map(|(x, id)| (x, x.resolve(id, kind)));
        let mut descend = true;
        if let Some((x, id)) = judged {
            let anomalies = &mut self.anomalies;
            descend = x.check(id, v, &shape, kind, bits, &mut |kind, example| {
                anomalies.entry((kind, id)).or_default().add(at, example);
            });
        }
        let judged = judged.filter(|_| descend);
        match shape {
            Shape::Object(_) => {
                // Required fields seen, as bits by their index (objects with more than 128
                // required fields are checked by name below).
                let mut seen: u128 = 0;
                let judged_id = judged.map(|(_, id)| id);
                if self.keys.judged != judged_id {
                    self.keys.judged = judged_id;
                    self.keys.slots.clear();
                }
                for (position, (key, value)) in v.entries().enumerate() {
                    let cached = self.keys.slots.get(position).copied().filter(|(index, _, _)| {
                        self.children.get_index(*index).is_some_and(|(k, _)| k.as_str() == key)
                    });
                    let (index, check, required) = match cached {
                        Some(slot) => slot,
                        None => {
                            let index = self.child_index(key);
                            let (check, required) = match judged {
                                Some((x, id)) => x.field(id, key),
                                None => (Check::Unchecked, None),
                            };
                            let slot = (index, check, required);
                            if position < self.keys.slots.len() {
                                self.keys.slots[position] = slot;
                            } else if position == self.keys.slots.len() {
                                self.keys.slots.push(slot);
                            }
                            slot
                        }
                    };
                    let child = &mut self.children[index];
                    let child_expect = match (judged, check) {
                        (Some((x, _)), Check::Declared(c)) => {
                            if let Some(i) = required.filter(|i| *i < 128) {
                                seen |= 1 << i;
                            }
                            Some((x, c))
                        }
                        (Some((_, id)), Check::Undeclared) => {
                            child
                                .anomalies
                                .entry((AnomalyKind::Undeclared, id))
                                .or_default()
                                .add(at, None);
                            None
                        }
                        _ => None,
                    };
                    child.observe_at(value, at, position as u32, child_expect);
                }
                if let Some((x, id)) = judged {
                    let required = x.required(id);
                    let all = if required.len() >= 128 {
                        u128::MAX
                    } else {
                        (1u128 << required.len()) - 1
                    };
                    if seen != all || required.len() > 128 {
                        for (i, (name, field)) in required.iter().enumerate() {
                            let present = if i < 128 {
                                seen & (1 << i) != 0
                            } else {
                                v.entries().any(|(k, _)| k == name)
                            };
                            if !present {
                                self.child(name)
                                    .anomalies
                                    .entry((AnomalyKind::Missing, *field))
                                    .or_default()
                                    .add(at, None);
                            }
                        }
                    }
                }
            }
            Shape::Array(_) => {
                let item_expect = judged.and_then(|(x, id)| x.items(id).map(|i| (x, i)));
                let items = self.items.get_or_insert_with(Box::default);
                for item in v.items() {
                    items.observe_at(item, at, 0, item_expect);
                }
            }
            _ => {}
        }
    }

    fn child(&mut self, key: &str) -> &mut Node {
        let index = self.child_index(key);
        &mut self.children[index]
    }

    /// The index of the child for `key`, made when missing.
    fn child_index(&mut self, key: &str) -> usize {
        // Look up before inserting: most keys exist, and an owned key costs an allocation.
        match self.children.get_index_of(key) {
            Some(i) => i,
            None => self.children.insert_full(key.to_string(), Node::default()).0,
        }
    }

    /// Adds everything `other` observed.
    pub fn merge(&mut self, other: Node) {
        self.first_seen = match (self.first_seen, other.first_seen) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.present += other.present;
        for (a, b) in self.kinds.iter_mut().zip(other.kinds) {
            *a += b;
        }
        for (a, b) in self.formats.iter_mut().zip(other.formats) {
            *a += b;
        }
        join(&mut self.numbers, other.numbers);
        join(&mut self.lengths, other.lengths);
        join(&mut self.items_count, other.items_count);
        self.distinct.merge(other.distinct);
        for (k, child) in other.children {
            match self.children.get_mut(&k) {
                Some(mine) => mine.merge(child),
                None => {
                    self.children.insert(k, child);
                }
            }
        }
        match (&mut self.items, other.items) {
            (Some(mine), Some(theirs)) => mine.merge(*theirs),
            (None, theirs) => self.items = theirs,
            _ => {}
        }
        for (k, a) in other.anomalies {
            self.anomalies.entry(k).or_default().merge(a);
        }
    }

    /// Children in the order they first appeared (ties by name).
    pub fn fields(&self) -> Vec<(&String, &Node)> {
        let mut v: Vec<(&String, &Node)> = self.children.iter().collect();
        v.sort_by(|a, b| (a.1.first_seen, a.0).cmp(&(b.1.first_seen, b.0)));
        v
    }
}

/// Appends a field to a path: `a` + `b` is `a.b`; the record itself is the empty path.
pub fn path_push(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(records: &[Value], first_line: u64) -> Node {
        let mut n = Node::default();
        for (i, r) in records.iter().enumerate() {
            n.observe(
                r,
                Loc {
                    file: 0,
                    line: first_line + i as u64,
                },
                None,
            );
        }
        n
    }

    fn records() -> Vec<Value> {
        (0..200)
            .map(|i| {
                serde_json::json!({
                    "id": i,
                    "name": format!("n{}", i % 7),
                    "score": if i % 3 == 0 { Value::Null } else { serde_json::json!(i as f64 / 3.0) },
                    "tags": (0..i % 4).map(|t| format!("t{t}")).collect::<Vec<_>>(),
                    "address": {"zip": format!("{:05}", i), "since": "2024-01-02"},
                    "extra": if i % 50 == 0 { serde_json::json!(format!("long-{i}-{}", "x".repeat(i % 90))) } else { Value::Null },
                })
            })
            .collect()
    }

    #[test]
    fn merging_two_halves_equals_scanning_the_whole() {
        let all = records();
        let whole = scan(&all, 1);
        for split in [0, 1, 37, 100, 199, 200] {
            let mut a = scan(&all[..split], 1);
            let b = scan(&all[split..], 1 + split as u64);
            a.merge(b.clone());
            assert_eq!(a, whole, "split at {split}");
            // The other way round gives the same.
            let mut b2 = b;
            b2.merge(scan(&all[..split], 1));
            assert_eq!(b2, whole, "split at {split}, reversed");
        }
    }

    #[test]
    fn merge_is_independent_of_chunking_and_order() {
        let all = records();
        let whole = scan(&all, 1);
        // Chunks of every size, merged in reverse order.
        for size in [1, 3, 16, 64] {
            let mut parts: Vec<Node> = all
                .chunks(size)
                .enumerate()
                .map(|(i, c)| scan(c, 1 + (i * size) as u64))
                .collect();
            parts.reverse();
            let mut acc = Node::default();
            for p in parts {
                acc.merge(p);
            }
            assert_eq!(acc, whole, "chunk size {size}");
        }
    }

    #[test]
    fn counts_kinds_presence_and_formats() {
        let n = scan(&records(), 1);
        assert_eq!(n.count(Kind::Object), 200);
        let score = &n.children["score"];
        assert_eq!(score.present, 200);
        assert_eq!(score.count(Kind::Null), 67);
        let zip = &n.children["address"].children["zip"];
        assert_eq!(zip.format_count(StringFormat::IntegerString), 200);
        assert!(zip.distinct.overflow);
        let name = &n.children["name"];
        assert_eq!(name.distinct.values.len(), 7);
        assert!(!name.distinct.overflow);
        assert_eq!(n.children["tags"].items.as_ref().map(|i| i.present), Some(300));
        assert_eq!(n.children["id"].numbers, Some(Span { min: 0.0, max: 199.0 }));
    }
}
