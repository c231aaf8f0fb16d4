//! Compatibility as inclusion: whether every document one schema accepts, another accepts too.
//!
//! Each side is put in a normal form ([`norm`]): the documents it accepts split by JSON type,
//! scalars as intervals, length ranges, patterns and finite lists, `allOf` as intersection,
//! `anyOf` and type lists as union, `not` as complement where it can be written. Inclusion is
//! then decided type by type; objects and arrays position by position (each declared property,
//! the names patterns and additional properties cover, each tuple index and the items after it),
//! recursively, with a budget. The answer is yes, no with the first witness found (what escapes,
//! where, and which rule names the change), or *undecided* with the reason (two different
//! patterns, a `not` of an object schema, a budget spent) — never a guess.
//!
//! How undeclared properties are read is the *content model*: under the exact reading an object
//! without `additionalProperties: false` accepts any undeclared property (JSON Schema's meaning);
//! under the declared reading the documents of the side that must be included carry only what
//! their schema declares (an API's convention: clients do not send, and servers do not return,
//! undeclared properties).

mod arrays;
mod objects;
mod same;
mod strings;
mod unions;
mod values;

use strings::*;

pub mod norm;
pub mod scalar;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::LazyLock;

use serde_json::Value;

use super::TypeIndex;
use super::concepts as c;
use crate::model::{Location, Type, TypeKind};
use norm::{ArrPart, ArrSet, Norm, ObjPart, ObjSet};
use scalar::{NumGap, Str};

/// Which side's named types a reference resolves in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Old,
    New,
}

impl Side {
    fn other(self) -> Side {
        match self {
            Side::Old => Side::New,
            Side::New => Side::Old,
        }
    }
}

/// Why a schema is not included in another: what escapes, where, and the rules that name the
/// change (one when the included side is the old one, one when it is the new one).
#[derive(Debug, Clone)]
pub struct Why {
    /// The rules: `narrows` when the old schema must be included in the new one, `widens` when
    /// the new one must be included in the old one.
    pub rules: c::Directed,
    /// Where, below the compared position (`.bar`, `[]`, `[0]`, `{}`).
    pub path: String,
    /// The documents that escape: "null", "`bar` as a string", "arrays with 3 items".
    pub what: String,
    /// Where on the included (sub) side and on the including (sup) side.
    pub sub_at: Location,
    pub sup_at: Location,
    /// The content-model reading decided it (an undeclared property).
    pub reading: bool,
}

#[derive(Debug, Clone)]
pub enum Verdict {
    Yes,
    No(Box<Why>),
    /// Inclusion could not be decided: why.
    Unknown(String),
}

impl Verdict {
    pub fn is_yes(&self) -> bool {
        matches!(self, Verdict::Yes)
    }
}

/// How undeclared object properties of the included side are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Reading {
    /// JSON Schema's meaning: an open object may carry any undeclared property.
    Exact,
    /// An API's convention: documents carry only declared properties.
    Declared,
}

impl Reading {
    pub fn as_str(self) -> &'static str {
        match self {
            Reading::Exact => "exact",
            Reading::Declared => "declared",
        }
    }
}

static STRING: LazyLock<Type> = LazyLock::new(|| Type::primitive(crate::model::Primitive::String, Location::default()));

type Key = (Vec<usize>, Vec<usize>, bool);

/// Decides inclusion between types of the two sides of a comparison.
pub struct Checker<'a> {
    old: TypeIndex<'a>,
    new: TypeIndex<'a>,
    /// Which side the included (sub) schema is on, for the query running.
    sub_side: Side,
    /// The most members a union may grow to while intersecting.
    pub limit: usize,
    pub steps: usize,
    budget: usize,
    regexes: HashMap<String, Option<regex::Regex>>,
    active: HashSet<Key>,
    memo: HashMap<Key, Verdict>,
    /// Reference names [`Checker::same`] is inside of.
    same_refs: std::cell::RefCell<HashSet<String>>,
    /// Reference names whose two definitions [`Checker::same`] has compared: the answer.
    same_known: std::cell::RefCell<HashMap<String, bool>>,
    /// Names found equal inside the outermost comparison running (final when it succeeds).
    same_provisional: std::cell::RefCell<HashSet<String>>,
}

fn key(a: &[&Type], b: &[&Type], declared: bool) -> Key {
    (
        a.iter().map(|t| *t as *const Type as usize).collect(),
        b.iter().map(|t| *t as *const Type as usize).collect(),
        declared,
    )
}

fn join(path: &str, seg: &str) -> String {
    format!("{path}{seg}")
}

fn field_seg(name: &str) -> String {
    format!(".{name}")
}

impl<'a> Checker<'a> {
    pub fn new(old: TypeIndex<'a>, new: TypeIndex<'a>) -> Self {
        Checker {
            old,
            new,
            sub_side: Side::Old,
            limit: 64,
            steps: 0,
            budget: 20_000,
            regexes: HashMap::new(),
            active: HashSet::new(),
            memo: HashMap::new(),
            same_refs: std::cell::RefCell::new(HashSet::new()),
            same_known: std::cell::RefCell::new(HashMap::new()),
            same_provisional: std::cell::RefCell::new(HashSet::new()),
        }
    }

    /// Whether every document `sub` (on `sub_side`) accepts, `sup` (on the other side) accepts.
    pub fn includes<'t>(&mut self, sub: &'t Type, sup: &'t Type, sub_side: Side, reading: Reading) -> Verdict
    where
        'a: 't,
    {
        self.sub_side = sub_side;
        self.steps = 0;
        self.memo.clear();
        self.active.clear();
        if self.same(sub, sup, 0) {
            return Verdict::Yes;
        }
        self.within(&[sub], &[sup], reading == Reading::Declared, "", 0)
    }

    /// Resolves references in these indexes from now on (a comparison scoped to one pair of
    /// documents); returns the previous ones.
    pub fn set_indexes(&mut self, old: TypeIndex<'a>, new: TypeIndex<'a>) -> (TypeIndex<'a>, TypeIndex<'a>) {
        self.same_known.borrow_mut().clear();
        (
            std::mem::replace(&mut self.old, old),
            std::mem::replace(&mut self.new, new),
        )
    }

    /// Whether an old and a new type are written alike (references followed by name).
    pub fn identical(&mut self, old: &Type, new: &Type) -> bool {
        self.sub_side = Side::Old;
        self.same(old, new, 0)
    }

    /// [`Checker::includes`] for conjunctions (an empty one accepts anything).
    pub fn includes_all<'t>(&mut self, sub: &[&'t Type], sup: &[&'t Type], sub_side: Side, reading: Reading) -> Verdict
    where
        'a: 't,
    {
        self.sub_side = sub_side;
        self.steps = 0;
        self.memo.clear();
        self.active.clear();
        self.within(sub, sup, reading == Reading::Declared, "", 0)
    }

    /// Follows references on `side` to the type they name.
    pub fn resolve<'t>(&self, t: &'t Type, side: Side) -> &'t Type
    where
        'a: 't,
    {
        let mut current = t;
        for _ in 0..16 {
            let TypeKind::Ref { target } = &current.kind else { break };
            let index = match side {
                Side::Old => &self.old,
                Side::New => &self.new,
            };
            match index.get(target) {
                Some(named) => current = &named.ty,
                None => break,
            }
        }
        current
    }

    /// Whether `pattern` (ECMA-262, as JSON Schema writes it) matches `s`; `None` when the
    /// pattern does not compile.
    pub fn matches(&mut self, pattern: &str, s: &str) -> Option<bool> {
        let re = self
            .regexes
            .entry(pattern.to_string())
            .or_insert_with(|| regex::Regex::new(pattern).ok());
        re.as_ref().map(|r| r.is_match(s))
    }

    /// Whether the conjunction `a` (sub side) is included in the conjunction `b` (sup side).
    pub fn within<'t>(&mut self, a: &[&'t Type], b: &[&'t Type], declared: bool, path: &str, depth: usize) -> Verdict
    where
        'a: 't,
    {
        self.steps += 1;
        if self.steps > self.budget {
            return Verdict::Unknown("the schemas are too large to compare exactly within the step budget".into());
        }
        if depth > 40 {
            return Verdict::Unknown("the schemas nest too deeply to compare exactly".into());
        }
        if a.len() == 1 && b.len() == 1 && self.same(a[0], b[0], 0) {
            return Verdict::Yes;
        }
        if b.is_empty() {
            return Verdict::Yes;
        }
        let k = key(a, b, declared);
        if let Some(v) = self.memo.get(&k) {
            return v.clone();
        }
        if !self.active.insert(k.clone()) {
            // Recursion: assume inclusion; a difference shows at a finite depth.
            return Verdict::Yes;
        }
        let (a2, b2) = self.drop_shared(a, b);
        let dropped = a2.len() != a.len() || b2.len() != b.len();
        let mut v = self.within_norms(&a2, &b2, declared, path, depth, a, b);
        // Setting shared conditions aside proves inclusion, never its failure: ask again whole.
        if dropped && matches!(v, Verdict::No(_)) {
            let (fa, fb) = (
                self.spread_all(a, self.sub_side),
                self.spread_all(b, self.sub_side.other()),
            );
            v = self.within_norms(&fa, &fb, declared, path, depth, a, b);
        }
        self.active.remove(&k);
        self.memo.insert(k, v.clone());
        v
    }

    #[allow(clippy::too_many_arguments)]
    fn within_norms<'t>(
        &mut self,
        a2: &[&'t Type],
        b2: &[&'t Type],
        declared: bool,
        path: &str,
        depth: usize,
        a: &[&'t Type],
        b: &[&'t Type],
    ) -> Verdict
    where
        'a: 't,
    {
        let sub_side = self.sub_side;
        let na = self.norm_all(a2, sub_side, declared, 0);
        let nb = self.norm_all(b2, sub_side.other(), false, 0);
        let v = self.norm_within(&na, &nb, declared, path, depth, a, b);
        match v {
            Verdict::No(_) if na.over.is_some() => Verdict::Unknown(na.over.unwrap_or_default()),
            Verdict::Yes if nb.over.is_some() => Verdict::Unknown(nb.over.unwrap_or_default()),
            v => v,
        }
    }

    fn spread_all<'t>(&self, list: &[&'t Type], side: Side) -> Vec<&'t Type>
    where
        'a: 't,
    {
        let mut out = Vec::new();
        self.spread(list, side, &mut out, 0);
        out
    }

    /// The two conjunctions with their `allOf` members spread out and the conditions both sides
    /// share (an `if`/`then`/`else` or a `not` written alike on both) set aside: `A ∧ C ⊆ B ∧ C`
    /// whenever `A ⊆ B`, and a condition on objects has no complement to expand it with.
    fn drop_shared<'t>(&self, a: &[&'t Type], b: &[&'t Type]) -> (Vec<&'t Type>, Vec<&'t Type>)
    where
        'a: 't,
    {
        let (sa, sb) = (self.sub_side, self.sub_side.other());
        let mut fa = Vec::new();
        let mut fb = Vec::new();
        self.spread(a, sa, &mut fa, 0);
        self.spread(b, sb, &mut fb, 0);
        let condition_only = |t: &Type| {
            matches!(t.kind, TypeKind::Any)
                && !t.nullable
                && t.constraints.is_none()
                && (t.conditional.is_some() || t.not.is_some())
        };
        let mut i = 0;
        while i < fa.len() {
            let x = fa[i];
            if condition_only(x)
                && let Some(j) = fb.iter().position(|y| condition_only(y) && self.same(x, y, 1))
            {
                fa.remove(i);
                fb.remove(j);
                continue;
            }
            i += 1;
        }
        (fa, fb)
    }

    /// Spreads the members of plain `allOf`s (nothing beside them) into `out`.
    fn spread<'t>(&self, list: &[&'t Type], side: Side, out: &mut Vec<&'t Type>, depth: usize)
    where
        'a: 't,
    {
        for t in list {
            let r = self.resolve(t, side);
            match &r.kind {
                TypeKind::AllOf { members }
                    if depth < 8
                        && !r.nullable
                        && r.constraints.is_none()
                        && r.not.is_none()
                        && r.conditional.is_none() =>
                {
                    let members: Vec<&'t Type> = members.iter().collect();
                    self.spread(&members, side, out, depth + 1);
                }
                _ => out.push(t),
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn no(&self, rules: c::Directed, path: &str, what: String, a: &[&Type], b: &[&Type], keywords: &[&str]) -> Verdict {
        Verdict::No(Box::new(Why {
            rules,
            path: path.to_string(),
            what,
            sub_at: at(a, keywords),
            sup_at: at(b, keywords),
            reading: false,
        }))
    }

    #[allow(clippy::too_many_arguments)]
    fn norm_within<'t>(
        &mut self,
        na: &Norm<'t>,
        nb: &Norm<'t>,
        declared: bool,
        path: &str,
        depth: usize,
        a: &[&'t Type],
        b: &[&'t Type],
    ) -> Verdict
    where
        'a: 't,
    {
        if na.null && !nb.null {
            return self.no(c::NULLABLE, path, "null".into(), a, b, &[]);
        }
        for (i, word) in ["false", "true"].iter().enumerate() {
            if na.bools[i] && !nb.bools[i] {
                let what = if nb.bools.iter().any(|x| *x) {
                    format!("`{word}`")
                } else {
                    "booleans".to_string()
                };
                return self.no(c::TYPE, path, what, a, b, &["enum", "const"]);
            }
        }
        for x in &na.nums {
            if x.is_empty() {
                continue;
            }
            if nb.nums.is_empty() {
                return self.no(c::TYPE, path, "numbers".into(), a, b, &[]);
            }
            if let Err(gap) = scalar::num_within(x, &nb.nums) {
                let (rules, what, kw): (c::Directed, String, &[&str]) = match gap {
                    NumGap::Value(v) if nb.nums.iter().any(|n| n.values.is_some()) || x.values.is_some() => (
                        c::Directed::either(&c::ENUM_CONSTRAINT_CHANGED),
                        format!("the number {}", show_num(v)),
                        &["enum", "const"],
                    ),
                    NumGap::Value(v) => (
                        c::MINIMUM,
                        format!("the number {}", show_num(v)),
                        &["minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"],
                    ),
                    NumGap::Below => (
                        c::MINIMUM,
                        "numbers below the new lower bound".into(),
                        &["minimum", "exclusiveMinimum"],
                    ),
                    NumGap::Above => (
                        c::MAXIMUM,
                        "numbers above the new upper bound".into(),
                        &["maximum", "exclusiveMaximum"],
                    ),
                    NumGap::Fraction => (c::TYPE, "numbers with a fraction".into(), &["type"]),
                    NumGap::Step => (
                        c::Directed::either(&c::MULTIPLE_OF_CHANGED),
                        "numbers that are not multiples of the new step".into(),
                        &["multipleOf"],
                    ),
                    NumGap::Excluded(v) => (
                        c::Directed::either(&c::NOT_CHANGED),
                        format!("the number {}", show_num(v)),
                        &["not"],
                    ),
                };
                return self.no(rules, path, what, a, b, kw);
            }
        }
        for x in &na.strs {
            if let Some(v) = self.str_within(x, &nb.strs, path, a, b) {
                return v;
            }
        }
        let mut undecided: Option<String> = None;
        for x in &na.arrs {
            match self.arr_in_union(x, &nb.arrs, nb, declared, path, depth, a, b) {
                Verdict::Yes => {}
                Verdict::Unknown(r) => undecided = undecided.or(Some(r)),
                no => return no,
            }
        }
        for x in &na.objs {
            match self.obj_in_union(x, &nb.objs, nb, declared, path, depth, a, b) {
                Verdict::Yes => {}
                Verdict::Unknown(r) => undecided = undecided.or(Some(r)),
                no => return no,
            }
        }
        match undecided {
            Some(r) => Verdict::Unknown(r),
            None => Verdict::Yes,
        }
    }
}

/// Keeps the first failure among alternatives, an undecided one over a sure one.
fn keep_first(first: &mut Option<Verdict>, v: Verdict) {
    if first.is_none() || matches!(first, Some(Verdict::No(_))) && matches!(v, Verdict::Unknown(_)) {
        *first = Some(v);
    }
}

fn arr_ty<'t>(p: &ArrPart<'t>) -> &'t Type {
    match p {
        ArrPart::Array { ty, .. } | ArrPart::Constraints(ty) => ty,
    }
}

fn obj_ty<'t>(p: &ObjPart<'t>) -> &'t Type {
    match p {
        ObjPart::Object(_, ty) | ObjPart::Map { ty, .. } | ObjPart::Constraints(ty) => ty,
    }
}

/// Where the first of `keywords` is written in the first of `types` that writes one, else the first type.
fn at(types: &[&Type], keywords: &[&str]) -> Location {
    for t in types {
        let l = t.keyword_location(keywords);
        if l != t.location {
            return l;
        }
    }
    types.first().map(|t| t.location.clone()).unwrap_or_default()
}

/// The one branch of an `anyOf`, `oneOf` or `allOf` that has nothing else beside it: the
/// same schema.
fn unwrap_single(t: &Type) -> &Type {
    let mut t = t;
    for _ in 0..8 {
        let only = match &t.kind {
            TypeKind::Union { variants, .. } if variants.len() == 1 => &variants[0],
            TypeKind::AllOf { members } if members.len() == 1 => &members[0],
            _ => return t,
        };
        if t.nullable || t.constraints.is_some() || t.not.is_some() || t.conditional.is_some() {
            return t;
        }
        t = only;
    }
    t
}

fn same_constraints(a: &Type, b: &Type) -> bool {
    match (a.constraints.as_deref(), b.constraints.as_deref()) {
        (None, None) => true,
        (Some(x), Some(y)) => {
            x.minimum == y.minimum
                && x.maximum == y.maximum
                && x.exclusive_minimum == y.exclusive_minimum
                && x.exclusive_maximum == y.exclusive_maximum
                && x.multiple_of == y.multiple_of
                && x.min_length == y.min_length
                && x.max_length == y.max_length
                && x.pattern == y.pattern
                && x.format == y.format
                && x.min_items == y.min_items
                && x.max_items == y.max_items
                && x.unique_items == y.unique_items
                && x.min_properties == y.min_properties
                && x.max_properties == y.max_properties
                && x.min_contains == y.min_contains
                && x.max_contains == y.max_contains
                && x.const_value == y.const_value
                && x.allowed_values == y.allowed_values
                && x.contains.is_none() == y.contains.is_none()
        }
        _ => false,
    }
}

fn show_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests;
