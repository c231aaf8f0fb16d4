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

pub mod norm;
pub mod scalar;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::LazyLock;

use serde_json::Value;

use super::TypeIndex;
use super::concepts as c;
use crate::finding::RuleMeta;
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
    /// The rule when the old schema must be included in the new one (a narrowing).
    pub narrow: &'static RuleMeta,
    /// The rule when the new schema must be included in the old one (a widening).
    pub widen: &'static RuleMeta,
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

    /// Structural equality, ignoring where things are written and what only documents them.
    fn same(&self, a: &Type, b: &Type, depth: usize) -> bool {
        if depth > 512 {
            return false;
        }
        if let (TypeKind::Ref { target: x }, TypeKind::Ref { target: y }) = (&a.kind, &b.kind) {
            if x != y {
                return false;
            }
            // A name compared before (in this pair of documents) has its answer; one found equal
            // inside the comparison running is equal unless that comparison fails.
            if let Some(known) = self.same_known.borrow().get(x) {
                return *known;
            }
            if self.same_provisional.borrow().contains(x) {
                return true;
            }
            // Recursion through the same name on both sides: equal unless shown otherwise.
            if !self.same_refs.borrow_mut().insert(x.clone()) {
                return true;
            }
            let result = {
                let (sa, sb) = (self.sub_side, self.sub_side.other());
                let (ra, rb) = (self.resolve(a, sa), self.resolve(b, sb));
                if matches!(ra.kind, TypeKind::Ref { .. }) || matches!(rb.kind, TypeKind::Ref { .. }) {
                    true
                } else {
                    self.same(ra, rb, depth + 1)
                }
            };
            self.same_refs.borrow_mut().remove(x);
            // `same` is a conjunction: a difference anywhere makes the outermost comparison fail,
            // so equal answers found under an assumption hold once it succeeds, and a difference
            // is final at once.
            if !result {
                self.same_known.borrow_mut().insert(x.clone(), false);
                self.same_provisional.borrow_mut().clear();
            } else if self.same_refs.borrow().is_empty() {
                let mut known = self.same_known.borrow_mut();
                for name in self.same_provisional.borrow_mut().drain() {
                    known.insert(name, true);
                }
                known.insert(x.clone(), true);
            } else {
                self.same_provisional.borrow_mut().insert(x.clone());
            }
            return result;
        }
        let (sa, sb) = (self.sub_side, self.sub_side.other());
        let a = unwrap_single(self.resolve(a, sa));
        let b = unwrap_single(self.resolve(b, sb));
        if a.nullable != b.nullable || a.implied != b.implied || !same_constraints(a, b) {
            return false;
        }
        let opt = |x: &Option<Box<Type>>, y: &Option<Box<Type>>| match (x, y) {
            (None, None) => true,
            (Some(x), Some(y)) => self.same(x, y, depth + 1),
            _ => false,
        };
        if !opt(&a.not, &b.not) || !opt(&a.constraints().contains, &b.constraints().contains) {
            return false;
        }
        match (&a.conditional, &b.conditional) {
            (None, None) => {}
            (Some(x), Some(y)) => {
                let o = |x: &Option<Type>, y: &Option<Type>| match (x, y) {
                    (None, None) => true,
                    (Some(x), Some(y)) => self.same(x, y, depth + 1),
                    _ => false,
                };
                if !self.same(&x.condition, &y.condition, depth + 1)
                    || !o(&x.then_type, &y.then_type)
                    || !o(&x.else_type, &y.else_type)
                {
                    return false;
                }
            }
            _ => return false,
        }
        let all =
            |x: &[Type], y: &[Type]| x.len() == y.len() && x.iter().zip(y).all(|(x, y)| self.same(x, y, depth + 1));
        let additional = |x: &crate::model::Additional, y: &crate::model::Additional| {
            use crate::model::Additional as A;
            match (x, y) {
                (A::Any, A::Any) | (A::Forbidden, A::Forbidden) => true,
                (A::Schema(x), A::Schema(y)) => self.same(x, y, depth + 1),
                _ => false,
            }
        };
        use TypeKind as K;
        match (&a.kind, &b.kind) {
            (K::Any, K::Any) | (K::Nothing, K::Nothing) | (K::Null, K::Null) => true,
            (K::Primitive { primitive: x }, K::Primitive { primitive: y }) => x == y,
            (K::Enum { values: x }, K::Enum { values: y }) => {
                x.len() == y.len() && x.iter().zip(y).all(|(x, y)| x.name == y.name)
            }
            (K::Object(x), K::Object(y)) => {
                x.fields.len() == y.fields.len()
                    && x.fields.iter().zip(&y.fields).all(|(f, g)| {
                        f.name == g.name
                            && f.required == g.required
                            && norm::requirement_only(f) == norm::requirement_only(g)
                            && self.same(&f.ty, &g.ty, depth + 1)
                    })
                    && additional(&x.additional, &y.additional)
                    && match (&x.unevaluated, &y.unevaluated) {
                        (None, None) => true,
                        (Some(p), Some(q)) => additional(p, q),
                        _ => false,
                    }
                    && x.pattern_properties.len() == y.pattern_properties.len()
                    && x.pattern_properties
                        .iter()
                        .zip(&y.pattern_properties)
                        .all(|((p, s), (q, t))| p == q && self.same(s, t, depth + 1))
                    && match (&x.property_names, &y.property_names) {
                        (None, None) => true,
                        (Some(p), Some(q)) => self.same(p, q, depth + 1),
                        _ => false,
                    }
                    && x.dependent_required == y.dependent_required
                    && x.dependent_schemas.len() == y.dependent_schemas.len()
                    && x.dependent_schemas
                        .iter()
                        .zip(&y.dependent_schemas)
                        .all(|((p, s), (q, t))| p == q && self.same(s, t, depth + 1))
            }
            (
                K::Array {
                    items: x,
                    prefix_items: px,
                },
                K::Array {
                    items: y,
                    prefix_items: py,
                },
            ) => self.same(x, y, depth + 1) && all(px, py),
            (K::Map { key: kx, value: vx }, K::Map { key: ky, value: vy }) => {
                self.same(kx, ky, depth + 1) && self.same(vx, vy, depth + 1)
            }
            (
                K::Union {
                    union: u, variants: x, ..
                },
                K::Union {
                    union: v, variants: y, ..
                },
            ) => u == v && all(x, y),
            (K::AllOf { members: x }, K::AllOf { members: y }) => all(x, y),
            (K::Ref { target: x }, K::Ref { target: y }) => x == y,
            _ => false,
        }
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
    fn no(
        &self,
        narrow: &'static RuleMeta,
        widen: &'static RuleMeta,
        path: &str,
        what: String,
        a: &[&Type],
        b: &[&Type],
        keywords: &[&str],
    ) -> Verdict {
        Verdict::No(Box::new(Why {
            narrow,
            widen,
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
            return self.no(&c::NULLABLE_REMOVED, &c::NULLABLE_ADDED, path, "null".into(), a, b, &[]);
        }
        for (i, word) in ["false", "true"].iter().enumerate() {
            if na.bools[i] && !nb.bools[i] {
                let what = if nb.bools.iter().any(|x| *x) {
                    format!("`{word}`")
                } else {
                    "booleans".to_string()
                };
                return self.no(
                    &c::TYPE_NARROWED,
                    &c::TYPE_WIDENED,
                    path,
                    what,
                    a,
                    b,
                    &["enum", "const"],
                );
            }
        }
        for x in &na.nums {
            if x.is_empty() {
                continue;
            }
            if nb.nums.is_empty() {
                return self.no(&c::TYPE_NARROWED, &c::TYPE_WIDENED, path, "numbers".into(), a, b, &[]);
            }
            if let Err(gap) = scalar::num_within(x, &nb.nums) {
                let (narrow, widen, what, kw): (&'static RuleMeta, &'static RuleMeta, String, &[&str]) = match gap {
                    NumGap::Value(v) if nb.nums.iter().any(|n| n.values.is_some()) || x.values.is_some() => (
                        &c::ENUM_CONSTRAINT_CHANGED,
                        &c::ENUM_CONSTRAINT_CHANGED,
                        format!("the number {}", show_num(v)),
                        &["enum", "const"],
                    ),
                    NumGap::Value(v) => (
                        &c::MINIMUM_INCREASED,
                        &c::MINIMUM_DECREASED,
                        format!("the number {}", show_num(v)),
                        &["minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"],
                    ),
                    NumGap::Below => (
                        &c::MINIMUM_INCREASED,
                        &c::MINIMUM_DECREASED,
                        "numbers below the new lower bound".into(),
                        &["minimum", "exclusiveMinimum"],
                    ),
                    NumGap::Above => (
                        &c::MAXIMUM_DECREASED,
                        &c::MAXIMUM_INCREASED,
                        "numbers above the new upper bound".into(),
                        &["maximum", "exclusiveMaximum"],
                    ),
                    NumGap::Fraction => (
                        &c::TYPE_NARROWED,
                        &c::TYPE_WIDENED,
                        "numbers with a fraction".into(),
                        &["type"],
                    ),
                    NumGap::Step => (
                        &c::MULTIPLE_OF_CHANGED,
                        &c::MULTIPLE_OF_CHANGED,
                        "numbers that are not multiples of the new step".into(),
                        &["multipleOf"],
                    ),
                    NumGap::Excluded(v) => (
                        &c::NOT_CHANGED,
                        &c::NOT_CHANGED,
                        format!("the number {}", show_num(v)),
                        &["not"],
                    ),
                };
                return self.no(narrow, widen, path, what, a, b, kw);
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

    /// `Some(verdict)` when the string set `x` is not (surely) within `ys`.
    fn str_within(&mut self, x: &Str, ys: &[Str], path: &str, a: &[&Type], b: &[&Type]) -> Option<Verdict> {
        if x.max.is_some_and(|m| m < x.min) {
            return None;
        }
        if let Some(values) = &x.values {
            for v in values.clone() {
                if !self.str_admits(x, &v) {
                    continue;
                }
                let ok = ys
                    .iter()
                    .any(|y| (y.format.is_none() || y.format == x.format) && self.str_admits(y, &v));
                if !ok {
                    let rule = if ys.iter().any(|y| y.values.is_some()) {
                        (&c::ENUM_VALUE_REMOVED, &c::ENUM_VALUE_ADDED)
                    } else if ys.is_empty() {
                        (&c::TYPE_NARROWED, &c::TYPE_WIDENED)
                    } else {
                        (&c::PATTERN_CHANGED, &c::PATTERN_CHANGED)
                    };
                    return Some(self.no(
                        rule.0,
                        rule.1,
                        path,
                        format!("the string \"{v}\""),
                        a,
                        b,
                        &["enum", "const"],
                    ));
                }
            }
            return None;
        }
        if ys.is_empty() {
            return Some(self.no(
                &c::TYPE_NARROWED,
                &c::TYPE_WIDENED,
                path,
                "strings".into(),
                a,
                b,
                &["type"],
            ));
        }
        // A finite set cannot hold an infinite one.
        if ys.iter().all(|y| y.values.is_some()) {
            return Some(self.no(
                &c::TYPE_NARROWED,
                &c::TYPE_WIDENED,
                path,
                "strings outside the listed values".into(),
                a,
                b,
                &["enum", "const"],
            ));
        }
        let mut pattern_gap = None;
        let mut format_gap = false;
        let mut excluded_gap = None;
        let mut usable = Vec::new();
        for y in ys.iter().filter(|y| y.values.is_none()) {
            if y.format.is_some() && y.format != x.format {
                format_gap = true;
                continue;
            }
            if let Some(p) = y.patterns.iter().find(|p| !x.patterns.contains(p)) {
                pattern_gap = Some(p.clone());
                continue;
            }
            if let Some(e) = y.excluded.iter().find(|e| self.str_admits(x, e)) {
                excluded_gap = Some(e.clone());
                continue;
            }
            usable.push((y.min, y.max));
        }
        if crate::compare::subschema::scalar::range_within((x.min, x.max), &usable) {
            return None;
        }
        if usable.is_empty() {
            if let Some(e) = excluded_gap.filter(|_| pattern_gap.is_none() && !format_gap) {
                return Some(self.no(
                    &c::NOT_CHANGED,
                    &c::NOT_CHANGED,
                    path,
                    format!("the string \"{e}\""),
                    a,
                    b,
                    &["not"],
                ));
            }
            if format_gap && pattern_gap.is_none() {
                return Some(self.no(
                    &c::FORMAT_CHANGED,
                    &c::FORMAT_CHANGED,
                    path,
                    "strings of another format".into(),
                    a,
                    b,
                    &["format"],
                ));
            }
            if let Some(p) = pattern_gap {
                // Look for a string of `x` the pattern rejects.
                for probe in probes(x) {
                    if self.str_admits(x, &probe) && !ys.iter().any(|y| self.str_admits(y, &probe)) {
                        return Some(self.no(
                            &c::PATTERN_CHANGED,
                            &c::PATTERN_CHANGED,
                            path,
                            format!("the string \"{probe}\""),
                            a,
                            b,
                            &["pattern"],
                        ));
                    }
                }
                return Some(Verdict::Unknown(format!(
                    "whether the strings of one pattern all match `{p}` (regular-expression inclusion is not decided)"
                )));
            }
        }
        // Lengths.
        let min_ok = usable.iter().any(|(l, _)| *l <= x.min);
        let (narrow, widen, what, kw): (&'static RuleMeta, &'static RuleMeta, String, &[&str]) = if !min_ok {
            (
                &c::MIN_LENGTH_INCREASED,
                &c::MIN_LENGTH_DECREASED,
                format!("strings of {} characters", x.min),
                &["minLength"],
            )
        } else {
            (
                &c::MAX_LENGTH_DECREASED,
                &c::MAX_LENGTH_INCREASED,
                "longer strings".into(),
                &["maxLength"],
            )
        };
        Some(self.no(narrow, widen, path, what, a, b, kw))
    }

    /// Whether the array set `x` is within one of `ys`.
    #[allow(clippy::too_many_arguments)]
    fn arr_in_union<'t>(
        &mut self,
        x: &ArrSet<'t>,
        ys: &[ArrSet<'t>],
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
        if let Some(values) = &x.values {
            for v in values {
                if self.arr_accepts(x, v, depth) && !self.norm_accepts(nb, v, depth) {
                    return self.no(
                        &c::ENUM_CONSTRAINT_CHANGED,
                        &c::ENUM_CONSTRAINT_CHANGED,
                        path,
                        format!("the array {v}"),
                        a,
                        b,
                        &["enum", "const"],
                    );
                }
            }
            return Verdict::Yes;
        }
        if ys.is_empty() {
            return self.no(
                &c::TYPE_NARROWED,
                &c::TYPE_WIDENED,
                path,
                "arrays".into(),
                a,
                b,
                &["type"],
            );
        }
        let mut first = None;
        for y in ys.iter().filter(|y| y.values.is_none()) {
            match self.arr_within(x, y, declared, path, depth) {
                Verdict::Yes => return Verdict::Yes,
                other => keep_first(&mut first, other),
            }
        }
        self.settle_alternatives(first, ys.len(), "arrays", path, a, b)
    }

    /// The verdict of a set within a union of alternatives none of which holds it alone (`first`:
    /// the first failure, `None` when every alternative is a finite list): with one alternative
    /// its failure; with several, undecided (together they may hold what none holds alone).
    fn settle_alternatives(
        &self,
        first: Option<Verdict>,
        alternatives: usize,
        what: &str,
        path: &str,
        a: &[&Type],
        b: &[&Type],
    ) -> Verdict {
        match first {
            Some(Verdict::No(w)) if alternatives > 1 => Verdict::Unknown(format!(
                "the {what} fit none of the alternatives alone ({} at `{}`), and may fit their union",
                w.what, w.path
            )),
            Some(v) => v,
            None => self.no(
                &c::TYPE_NARROWED,
                &c::TYPE_WIDENED,
                path,
                format!("{what} outside the listed values"),
                a,
                b,
                &["enum", "const"],
            ),
        }
    }

    /// Whether the object set `x` is within one of `ys`.
    #[allow(clippy::too_many_arguments)]
    fn obj_in_union<'t>(
        &mut self,
        x: &ObjSet<'t>,
        ys: &[ObjSet<'t>],
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
        if let Some(values) = &x.values {
            for v in values {
                if self.obj_accepts(x, v, depth) && !self.norm_accepts(nb, v, depth) {
                    return self.no(
                        &c::ENUM_CONSTRAINT_CHANGED,
                        &c::ENUM_CONSTRAINT_CHANGED,
                        path,
                        format!("the object {v}"),
                        a,
                        b,
                        &["enum", "const"],
                    );
                }
            }
            return Verdict::Yes;
        }
        if self.obj_empty(x) {
            return Verdict::Yes;
        }
        if ys.is_empty() {
            return self.no(
                &c::TYPE_NARROWED,
                &c::TYPE_WIDENED,
                path,
                "objects".into(),
                a,
                b,
                &["type"],
            );
        }
        let mut first = None;
        for y in ys.iter().filter(|y| y.values.is_none()) {
            match self.obj_within(x, y, declared, path, depth) {
                Verdict::Yes => return Verdict::Yes,
                other => keep_first(&mut first, other),
            }
        }
        self.settle_alternatives(first, ys.len(), "objects", path, a, b)
    }

    /// The schemas at index `i` of an array set (`None` for the part-less "any array").
    fn arr_at<'t>(x: &ArrSet<'t>, i: usize) -> Vec<&'t Type> {
        let mut out = Vec::new();
        for p in &x.parts {
            if let ArrPart::Array { items, prefix, .. } = p {
                out.push(prefix.get(i).unwrap_or(items));
            }
        }
        out
    }

    /// The length range of an array set from its keywords: (min, max).
    fn arr_lengths<'t>(&self, x: &ArrSet<'t>) -> (u64, Option<u64>) {
        let mut min = 0;
        let mut max: Option<u64> = None;
        for p in &x.parts {
            let ty = match p {
                ArrPart::Array { ty, .. } | ArrPart::Constraints(ty) => ty,
            };
            let c = ty.constraints();
            min = min.max(c.min_items.unwrap_or(0));
            if let Some(m) = c.max_items {
                max = Some(max.map_or(m, |x| x.min(m)));
            }
        }
        // The first index no item may take ends the array.
        let k = x
            .parts
            .iter()
            .map(|p| match p {
                ArrPart::Array { prefix, .. } => prefix.len(),
                ArrPart::Constraints(_) => 0,
            })
            .max()
            .unwrap_or(0);
        for i in 0..=k {
            let side = self.sub_side;
            let _ = side;
            if Self::arr_at(x, i).iter().any(|t| self.forbids(t)) {
                let i = i as u64;
                max = Some(max.map_or(i, |m| m.min(i)));
                break;
            }
        }
        (min, max)
    }

    /// Whether a schema surely accepts nothing (`false`, `not: {}`), without expanding it.
    fn forbids(&self, t: &Type) -> bool {
        let r = self.resolve(t, self.sub_side);
        let r2 = self.resolve(t, self.sub_side.other());
        matches!(r.kind, TypeKind::Nothing) && !r.nullable || matches!(r2.kind, TypeKind::Nothing) && !r2.nullable
    }

    fn arr_within<'t>(&mut self, x: &ArrSet<'t>, y: &ArrSet<'t>, declared: bool, path: &str, depth: usize) -> Verdict
    where
        'a: 't,
    {
        let (xmin, xmax) = self.arr_lengths(x);
        if xmax.is_some_and(|m| m < xmin) {
            return Verdict::Yes;
        }
        let (ymin, ymax) = self.arr_lengths(y);
        let xa: Vec<&Type> = x.parts.iter().map(arr_ty).collect();
        let ya: Vec<&Type> = y.parts.iter().map(arr_ty).collect();
        if xmin < ymin {
            return self.no(
                &c::MIN_LENGTH_INCREASED,
                &c::MIN_LENGTH_DECREASED,
                path,
                format!("arrays of {xmin} items"),
                &xa,
                &ya,
                &["minItems", "prefixItems", "items"],
            );
        }
        if let Some(ym) = ymax
            && xmax.is_none_or(|xm| xm > ym)
        {
            let tuple = y
                .parts
                .iter()
                .any(|p| matches!(p, ArrPart::Array { prefix, .. } if !prefix.is_empty()));
            let (narrow, widen) = if tuple {
                (&c::PREFIX_ITEMS_CHANGED, &c::PREFIX_ITEMS_CHANGED)
            } else {
                (&c::MAX_LENGTH_DECREASED, &c::MAX_LENGTH_INCREASED)
            };
            return self.no(
                narrow,
                widen,
                path,
                format!("arrays of {} items", ym + 1),
                &xa,
                &ya,
                &["maxItems", "additionalItems", "items"],
            );
        }
        // A position that cannot be decided does not hide one that surely fails.
        let mut undecided: Option<String> = None;
        let k = x
            .parts
            .iter()
            .chain(&y.parts)
            .map(|p| match p {
                ArrPart::Array { prefix, .. } => prefix.len(),
                ArrPart::Constraints(_) => 0,
            })
            .max()
            .unwrap_or(0);
        for i in 0..=k {
            if xmax.is_some_and(|m| m <= i as u64) {
                break;
            }
            let (ta, tb) = (Self::arr_at(x, i), Self::arr_at(y, i));
            let seg = if i == k { "[]".to_string() } else { format!("[{i}]") };
            match self.within(&ta, &tb, declared, &join(path, &seg), depth + 1) {
                Verdict::Yes => {}
                Verdict::Unknown(r) => undecided = undecided.or(Some(r)),
                no => return no,
            }
        }
        let unique = |s: &ArrSet| s.parts.iter().any(|p| arr_ty(p).constraints().unique_items);
        if unique(y) && !unique(x) && xmax.is_none_or(|m| m > 1) {
            return self.no(
                &c::UNIQUE_ITEMS_CHANGED,
                &c::UNIQUE_ITEMS_CHANGED,
                path,
                "arrays with duplicate items".into(),
                &xa,
                &ya,
                &["uniqueItems"],
            );
        }
        // `contains` of the including side.
        for yp in &y.parts {
            let yc = arr_ty(yp).constraints();
            let Some(cy) = yc.contains.as_deref() else { continue };
            let need = yc.min_contains.unwrap_or(1);
            if need > 0 {
                let mut ok = false;
                for xp in &x.parts {
                    let xc = arr_ty(xp).constraints();
                    if let Some(cx) = xc.contains.as_deref()
                        && xc.min_contains.unwrap_or(1) >= need
                        && self.within(&[cx], &[cy], declared, path, depth + 1).is_yes()
                    {
                        ok = true;
                    }
                }
                if !ok && xmin >= need {
                    let all_in = (0..=k).all(|i| {
                        let ta = Self::arr_at(x, i);
                        xmax.is_some_and(|m| m <= i as u64)
                            || self.within(&ta, &[cy], declared, path, depth + 1).is_yes()
                    });
                    ok = all_in;
                }
                if !ok {
                    return self.no(
                        &c::CONTAINS_CHANGED,
                        &c::CONTAINS_CHANGED,
                        path,
                        format!("arrays with fewer than {need} items matching `contains`"),
                        &xa,
                        &ya,
                        &["contains", "minContains"],
                    );
                }
            }
            if let Some(most) = yc.max_contains {
                let mut ok = xmax.is_some_and(|m| m <= most);
                for xp in &x.parts {
                    let xc = arr_ty(xp).constraints();
                    if let (Some(cx), Some(mx)) = (xc.contains.as_deref(), xc.max_contains)
                        && mx <= most
                        && self.within(&[cy], &[cx], declared, path, depth + 1).is_yes()
                    {
                        ok = true;
                    }
                }
                if !ok {
                    return self.no(
                        &c::CONTAINS_CHANGED,
                        &c::CONTAINS_CHANGED,
                        path,
                        format!("arrays with more than {most} items matching `contains`"),
                        &xa,
                        &ya,
                        &["maxContains"],
                    );
                }
            }
        }
        match undecided {
            Some(r) => Verdict::Unknown(r),
            None => Verdict::Yes,
        }
    }

    /// Whether an object set surely has no member (a required property it forbids).
    fn obj_empty(&mut self, x: &ObjSet<'_>) -> bool {
        self.obj_empty_at(x, 0)
    }

    /// [`Checker::obj_empty`], looking `depth` levels into required properties.
    fn obj_empty_at(&mut self, x: &ObjSet<'_>, depth: usize) -> bool {
        let required = self.required_names(x);
        let side = self.sub_side;
        let forbidden = required.iter().any(|n| match self.property_types(x, n) {
            None => true,
            Some(ts) => {
                ts.iter().any(|t| self.forbids(t))
                    || depth < 3 && {
                        let n = self.norm_all(&ts, side, x.declared, 0);
                        self.norm_empty(&n, depth + 1)
                    }
            }
        });
        // More properties required (by count or by name) than allowed.
        let (mut min, mut max) = (required.len() as u64, u64::MAX);
        for p in &x.parts {
            let c = obj_ty(p).constraints();
            min = min.max(c.min_properties.unwrap_or(0));
            max = max.min(c.max_properties.unwrap_or(u64::MAX));
        }
        forbidden || min > max
    }

    /// Whether a normal form surely has no member.
    fn norm_empty(&mut self, n: &Norm<'_>, depth: usize) -> bool {
        if n.over.is_some() || n.null || n.bools.iter().any(|b| *b) {
            return false;
        }
        let strs_empty = n.strs.iter().all(|s| {
            s.max.is_some_and(|m| m < s.min) || s.values.as_ref().is_some_and(|v| v.iter().all(|w| !s.shape_admits(w)))
        });
        let arrs_empty = n.arrs.iter().all(|a| {
            let (min, max) = self.arr_lengths(a);
            max.is_some_and(|m| m < min) || a.values.as_ref().is_some_and(|v| v.is_empty())
        });
        let objs = n.objs.clone();
        n.nums.iter().all(|x| x.is_empty())
            && strs_empty
            && arrs_empty
            && objs
                .iter()
                .all(|o| o.values.as_ref().is_some_and(|v| v.is_empty()) || self.obj_empty_at(o, depth))
    }

    /// Names an object set says something about.
    fn declared_names(x: &ObjSet<'_>, into: &mut BTreeSet<String>) {
        into.extend(x.extra_required.iter().cloned());
        for p in &x.parts {
            if let ObjPart::Object(o, _) = p {
                into.extend(o.fields.iter().map(|f| f.name.clone()));
                for (t, deps) in &o.dependent_required {
                    into.insert(t.clone());
                    into.extend(deps.iter().cloned());
                }
                into.extend(o.dependent_schemas.keys().cloned());
            }
        }
    }

    /// Whether a part declares `name` under `properties` (not only lists it as required).
    fn declares(x: &ObjSet<'_>, name: &str) -> bool {
        x.parts.iter().any(|p| {
            matches!(p, ObjPart::Object(o, _) if o.fields.iter().any(|f| f.name == name && !norm::requirement_only(f)))
        })
    }

    fn patterns(x: &ObjSet<'_>) -> Vec<String> {
        let mut out = Vec::new();
        for p in &x.parts {
            if let ObjPart::Object(o, _) = p {
                for (pat, _) in &o.pattern_properties {
                    if !out.contains(pat) {
                        out.push(pat.clone());
                    }
                }
            }
        }
        out
    }

    fn obj_within<'t>(&mut self, x: &ObjSet<'t>, y: &ObjSet<'t>, declared: bool, path: &str, depth: usize) -> Verdict
    where
        'a: 't,
    {
        let xa: Vec<&Type> = x.parts.iter().map(obj_ty).collect();
        let ya: Vec<&Type> = y.parts.iter().map(obj_ty).collect();
        let mut names = BTreeSet::new();
        Self::declared_names(x, &mut names);
        Self::declared_names(y, &mut names);
        let req_x = self.required_names(x);
        let req_y = self.required_names(y);
        // A property that cannot be decided does not hide one that surely fails.
        let mut undecided: Option<String> = None;
        // When the required names fill `maxProperties`, no other name can appear.
        let x_max = x
            .parts
            .iter()
            .filter_map(|p| obj_ty(p).constraints().max_properties)
            .min();
        let room = x_max.is_none_or(|m| m > req_x.len() as u64);
        for name in &names {
            let fpath = join(path, &field_seg(name));
            let tx = self.property_types(x, name);
            if req_y.contains(name) && !req_x.contains(name) {
                let (narrow, widen) = if Self::declares(x, name) {
                    (&c::FIELD_BECAME_REQUIRED, &c::FIELD_BECAME_OPTIONAL)
                } else {
                    (&c::FIELD_ADDED, &c::FIELD_REMOVED)
                };
                return self.no(
                    narrow,
                    widen,
                    &fpath,
                    format!("documents without `{name}`"),
                    &xa,
                    &ya,
                    &["required"],
                );
            }
            let Some(tx) = tx else { continue };
            if tx.iter().any(|t| self.forbids(t)) || !room && !req_x.contains(name) {
                continue;
            }
            let ty = self.property_types(y, name);
            let in_x = Self::declares(x, name);
            let in_y = Self::declares(y, name);
            let Some(ty) = ty else {
                let (narrow, widen) = if in_x {
                    (&c::FIELD_REMOVED, &c::FIELD_ADDED)
                } else {
                    (&c::ADDITIONAL_PROPERTIES_CLOSED, &c::ADDITIONAL_PROPERTIES_OPENED)
                };
                let mut v = self.no(
                    narrow,
                    widen,
                    &fpath,
                    format!("documents with `{name}`"),
                    &xa,
                    &ya,
                    &["additionalProperties"],
                );
                if let Verdict::No(w) = &mut v {
                    w.reading = !in_x;
                }
                return v;
            };
            match self.within(&tx, &ty, declared, &fpath, depth + 1) {
                Verdict::Yes => {}
                Verdict::No(mut w) => {
                    if in_y && !in_x {
                        // Declared only on the including side: the old object allowed the name
                        // through its pattern or additional properties.
                        w.narrow = &c::FIELD_ADDED;
                        w.widen = &c::FIELD_REMOVED;
                        w.reading = true;
                        w.what = format!("`{name}` as {}", w.what);
                    } else if in_x && !in_y {
                        w.narrow = &c::FIELD_REMOVED;
                        w.widen = &c::FIELD_ADDED;
                        w.reading = true;
                        w.what = format!("`{name}` as {}", w.what);
                    }
                    return Verdict::No(w);
                }
                Verdict::Unknown(r) => undecided = undecided.or(Some(r)),
            }
        }
        // Undeclared names: one that no pattern matches, and names each pattern matches.
        let mut pats = Self::patterns(x);
        for p in Self::patterns(y) {
            if !pats.contains(&p) {
                pats.push(p);
            }
        }
        // (name, pattern it was made for: `None` for a name no pattern matches)
        let mut probes_: Vec<(String, Option<String>)> = Vec::new();
        for candidate in ["zq_other", "~", "0", "_", "Z9"] {
            if !names.contains(candidate) && pats.iter().all(|p| self.matches(p, candidate) == Some(false)) {
                probes_.push((candidate.to_string(), None));
                break;
            }
        }
        for p in &pats {
            for probe in name_probes(p) {
                if !names.contains(&probe) && self.matches(p, &probe) == Some(true) {
                    probes_.push((probe, Some(p.clone())));
                }
            }
        }
        for (probe, pattern) in probes_.iter().filter(|_| room) {
            let which = match pattern {
                None => "undeclared properties".to_string(),
                Some(p) => format!("properties matching `{p}` (such as `{probe}`)"),
            };
            let Some(tx) = self.property_types(x, probe) else {
                continue;
            };
            if tx.iter().any(|t| self.forbids(t)) {
                continue;
            }
            let fpath = join(path, "{}");
            let Some(ty) = self.property_types(y, probe) else {
                let mut v = self.no(
                    &c::ADDITIONAL_PROPERTIES_CLOSED,
                    &c::ADDITIONAL_PROPERTIES_OPENED,
                    &fpath,
                    which.clone(),
                    &xa,
                    &ya,
                    &["additionalProperties", "patternProperties"],
                );
                if let Verdict::No(w) = &mut v {
                    w.reading = true;
                }
                return v;
            };
            match self.within(&tx, &ty, declared, &fpath, depth + 1) {
                Verdict::Yes => {}
                Verdict::No(mut w) => {
                    w.what = format!("{which} with {}", w.what);
                    w.reading = true;
                    w.narrow = &c::ADDITIONAL_PROPERTIES_CLOSED;
                    w.widen = &c::ADDITIONAL_PROPERTIES_OPENED;
                    return Verdict::No(w);
                }
                Verdict::Unknown(r) => undecided = undecided.or(Some(r)),
            }
        }
        if Self::patterns(x) != Self::patterns(y) && !pats.is_empty() && !self.patterns_bounded(x, y, declared, depth) {
            undecided = undecided.or(Some(
                "`patternProperties` differ: which property names the patterns share is not decided".into(),
            ));
        }
        // Property names.
        for yp in &y.parts {
            let pn = match yp {
                ObjPart::Object(o, _) => o.property_names.as_ref(),
                ObjPart::Map { key, .. } => Some(*key),
                ObjPart::Constraints(_) => None,
            };
            let Some(pn) = pn else { continue };
            let mut xnames: Vec<&Type> = Vec::new();
            for xp in &x.parts {
                match xp {
                    ObjPart::Object(o, _) => xnames.extend(o.property_names.as_ref()),
                    ObjPart::Map { key, .. } => xnames.push(key),
                    ObjPart::Constraints(_) => {}
                }
            }
            if xnames.is_empty() {
                xnames.push(&STRING);
            }
            // Names the included side can only have as declared properties need not be checked
            // against its own name schema: they are checked one by one.
            let open = probes_.iter().any(|(p, _)| self.property_types(x, p).is_some());
            if open {
                match self.within(&xnames, &[pn], declared, &join(path, "{key}"), depth + 1) {
                    Verdict::Yes => {}
                    Verdict::No(mut w) => {
                        w.narrow = &c::PROPERTY_NAMES_CHANGED;
                        w.widen = &c::PROPERTY_NAMES_CHANGED;
                        w.what = format!("property names such as {}", w.what);
                        return Verdict::No(w);
                    }
                    u => return u,
                }
            }
            for name in &names {
                if self.property_types(x, name).is_some()
                    && !self.norm_accepts_type(pn, &Value::String(name.clone()), depth)
                {
                    return self.no(
                        &c::PROPERTY_NAMES_CHANGED,
                        &c::PROPERTY_NAMES_CHANGED,
                        path,
                        format!("documents with the property `{name}`"),
                        &xa,
                        &ya,
                        &["propertyNames"],
                    );
                }
            }
        }
        // Property counts.
        let counts = |s: &ObjSet| {
            let mut min = 0;
            let mut max: Option<u64> = None;
            for p in &s.parts {
                let c = obj_ty(p).constraints();
                min = min.max(c.min_properties.unwrap_or(0));
                if let Some(m) = c.max_properties {
                    max = Some(max.map_or(m, |x: u64| x.min(m)));
                }
            }
            (min, max)
        };
        let (xmin, xmax) = counts(x);
        let xmin = xmin.max(req_x.len() as u64);
        let (ymin, ymax) = counts(y);
        if xmin < ymin {
            return self.no(
                &c::MIN_LENGTH_INCREASED,
                &c::MIN_LENGTH_DECREASED,
                path,
                format!("objects with {xmin} properties"),
                &xa,
                &ya,
                &["minProperties"],
            );
        }
        if let Some(ym) = ymax {
            let closed = probes_.iter().all(|(p, _)| self.property_types(x, p).is_none());
            let allowed = if closed {
                Some(names.iter().filter(|n| self.property_types(x, n).is_some()).count() as u64)
            } else {
                None
            };
            let xm = match (xmax, allowed) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if xm.is_none_or(|xm| xm > ym) {
                return self.no(
                    &c::MAX_LENGTH_DECREASED,
                    &c::MAX_LENGTH_INCREASED,
                    path,
                    format!("objects with {} properties", ym + 1),
                    &xa,
                    &ya,
                    &["maxProperties"],
                );
            }
        }
        // Dependencies of the including side.
        for yp in &y.parts {
            let ObjPart::Object(o, _) = yp else { continue };
            for (trigger, deps) in &o.dependent_required {
                if self.property_types(x, trigger).is_none() {
                    continue;
                }
                let mut with = x.clone();
                with.extra_required.push(trigger.clone());
                if self.obj_empty(&with) {
                    continue;
                }
                let have = self.required_names(&with);
                if let Some(d) = deps.iter().find(|d| !have.contains(*d)) {
                    return self.no(
                        &c::DEPENDENT_REQUIRED_CHANGED,
                        &c::DEPENDENT_REQUIRED_CHANGED,
                        &join(path, &field_seg(trigger)),
                        format!("documents with `{trigger}` but without `{d}`"),
                        &xa,
                        &ya,
                        &["dependentRequired", "dependencies"],
                    );
                }
            }
            for (trigger, schema) in &o.dependent_schemas {
                if self.property_types(x, trigger).is_none() {
                    continue;
                }
                let mut with = x.clone();
                with.extra_required.push(trigger.clone());
                if self.obj_empty(&with) {
                    continue;
                }
                // The included side's own dependency on the same trigger narrows it first.
                let mut own: Vec<&Type> = Vec::new();
                for xp in &x.parts {
                    if let ObjPart::Object(xo, _) = xp
                        && let Some(s) = xo.dependent_schemas.get(trigger)
                    {
                        own.push(s);
                    }
                }
                let sup_side = self.sub_side.other();
                let ns = self.norm(schema, sup_side, false, 0);
                if ns.over.is_some() {
                    return Verdict::Unknown(ns.over.unwrap_or_default());
                }
                let mut nx = Norm {
                    objs: vec![with],
                    ..Norm::nothing()
                };
                if !own.is_empty() {
                    let sub_side = self.sub_side;
                    let no = self.norm_all(&own, sub_side, declared, 0);
                    if let Some(n) = nx.intersect(&no, self.limit) {
                        nx = n;
                    }
                }
                let keep: Vec<ObjSet<'t>> = ns.objs.clone();
                for xo in &nx.objs {
                    match self.obj_in_union(xo, &keep, &ns, declared, path, depth + 1, &xa, &[schema]) {
                        Verdict::Yes => {}
                        Verdict::No(mut w) => {
                            w.narrow = &c::DEPENDENT_SCHEMAS_CHANGED;
                            w.widen = &c::DEPENDENT_SCHEMAS_CHANGED;
                            w.what = format!("documents with `{trigger}` and {}", w.what);
                            return Verdict::No(w);
                        }
                        u => return u,
                    }
                }
            }
        }
        match undecided {
            Some(r) => Verdict::Unknown(r),
            None => Verdict::Yes,
        }
    }

    /// A sound check for undeclared names when the two sides' patterns differ: everything the
    /// included side may hold under any undeclared name (its additional schema, or any of its
    /// pattern schemas) is within everything the including side could demand of such a name
    /// (its additional schema and every pattern schema together).
    fn patterns_bounded<'t>(&mut self, x: &ObjSet<'t>, y: &ObjSet<'t>, declared: bool, depth: usize) -> bool
    where
        'a: 't,
    {
        let sub_side = self.sub_side;
        let mut upper = Norm::any();
        for p in &x.parts {
            let ObjPart::Object(o, _) = p else { return false };
            let mut options: Vec<&Type> = o.pattern_properties.iter().map(|(_, t)| t).collect();
            match &o.additional {
                crate::model::Additional::Schema(t) => options.push(t),
                crate::model::Additional::Any if !x.declared => options.push(&norm::ANY),
                _ => {}
            }
            let mut u = Norm::nothing();
            for t in options {
                u = u.union(self.norm(t, sub_side, declared, 0));
            }
            match upper.intersect(&u, self.limit) {
                Some(n) => upper = n,
                None => return false,
            }
        }
        let mut lower: Vec<&'t Type> = Vec::new();
        for p in &y.parts {
            let ObjPart::Object(o, _) = p else { return false };
            lower.extend(o.pattern_properties.iter().map(|(_, t)| t));
            match &o.additional {
                crate::model::Additional::Schema(t) => lower.push(t),
                crate::model::Additional::Forbidden => lower.push(&norm::NOTHING),
                crate::model::Additional::Any => {}
            }
        }
        let lower_n = self.norm_all(&lower, sub_side.other(), false, 0);
        if lower_n.over.is_some() || upper.over.is_some() {
            return false;
        }
        self.norm_within(&upper, &lower_n, declared, "", depth + 1, &[], &[])
            .is_yes()
    }

    // ----- values -----

    fn norm_accepts_type(&mut self, t: &Type, v: &Value, depth: usize) -> bool {
        let side = self.sub_side.other();
        let n = self.norm(t, side, false, 0);
        self.norm_accepts(&n, v, depth)
    }

    /// Whether a normal form accepts the value `v`.
    pub fn norm_accepts(&mut self, n: &Norm<'_>, v: &Value, depth: usize) -> bool {
        if depth > 40 {
            return true;
        }
        match v {
            Value::Null => n.null,
            Value::Bool(b) => n.bools[usize::from(*b)],
            Value::Number(x) => {
                let x = x.as_f64().unwrap_or(0.0);
                n.nums.iter().any(|s| s.admits(x))
            }
            Value::String(s) => {
                let sets = n.strs.clone();
                sets.iter().any(|set| self.str_admits(set, s))
            }
            Value::Array(_) => {
                let sets = n.arrs.clone();
                sets.iter()
                    .any(|set| set.values.as_ref().is_none_or(|vs| vs.contains(v)) && self.arr_accepts(set, v, depth))
            }
            Value::Object(_) => {
                let sets = n.objs.clone();
                sets.iter()
                    .any(|set| set.values.as_ref().is_none_or(|vs| vs.contains(v)) && self.obj_accepts(set, v, depth))
            }
        }
    }

    fn types_accept(&mut self, ts: &[&Type], v: &Value, depth: usize) -> bool {
        let side = self.sub_side;
        let n = self.norm_all(ts, side, false, 0);
        self.norm_accepts(&n, v, depth + 1)
    }

    fn arr_accepts(&mut self, x: &ArrSet<'_>, v: &Value, depth: usize) -> bool {
        let Value::Array(items) = v else { return false };
        let (min, max) = self.arr_lengths(x);
        let n = items.len() as u64;
        if n < min || max.is_some_and(|m| n > m) {
            return false;
        }
        for (i, item) in items.iter().enumerate() {
            let ts = Self::arr_at(x, i);
            if !self.types_accept(&ts, item, depth) {
                return false;
            }
        }
        for p in &x.parts {
            let c = arr_ty(p).constraints();
            if c.unique_items {
                for i in 0..items.len() {
                    if items[i + 1..].contains(&items[i]) {
                        return false;
                    }
                }
            }
            if let Some(ct) = c.contains.as_deref() {
                let count = items.iter().filter(|it| self.types_accept(&[ct], it, depth)).count() as u64;
                if count < c.min_contains.unwrap_or(1) || c.max_contains.is_some_and(|m| count > m) {
                    return false;
                }
            }
        }
        true
    }

    fn obj_accepts(&mut self, x: &ObjSet<'_>, v: &Value, depth: usize) -> bool {
        let Value::Object(map) = v else { return false };
        for name in self.required_names(x) {
            if !map.contains_key(&name) {
                return false;
            }
        }
        for (k, val) in map {
            match self.property_types(x, k) {
                None => return false,
                Some(ts) => {
                    if !self.types_accept(&ts, val, depth) {
                        return false;
                    }
                }
            }
        }
        for p in &x.parts {
            let c = obj_ty(p).constraints();
            let n = map.len() as u64;
            if c.min_properties.is_some_and(|m| n < m) || c.max_properties.is_some_and(|m| n > m) {
                return false;
            }
            if let ObjPart::Object(o, _) = p {
                for (t, deps) in &o.dependent_required {
                    if map.contains_key(t) && deps.iter().any(|d| !map.contains_key(d)) {
                        return false;
                    }
                }
                if let Some(pn) = &o.property_names {
                    for k in map.keys() {
                        if !self.types_accept(&[pn], &Value::String(k.clone()), depth) {
                            return false;
                        }
                    }
                }
            }
        }
        true
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

/// The literal text a pattern starts with (`^x_` gives `x_`), if it starts with one.
pub(crate) fn literal_prefix(pattern: &str) -> String {
    let p = pattern.strip_prefix('^').unwrap_or(pattern);
    let mut out = String::new();
    let mut chars = p.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch == '\\' {
            match chars.next() {
                Some(n) if !n.is_ascii_alphanumeric() => out.push(n),
                _ => break,
            }
        } else if "[](){}.*+?|^$".contains(ch) {
            // A quantifier makes the previous character optional or repeated.
            if "*?{".contains(ch) {
                out.pop();
            }
            break;
        } else {
            out.push(ch);
        }
    }
    out
}

/// The characters a bracket class at the start of `rest` lists (ranges by their ends and middle).
fn class_chars(rest: &str) -> Vec<char> {
    let Some(body) = rest.strip_prefix('[') else {
        return Vec::new();
    };
    if body.starts_with('^') {
        return Vec::new();
    }
    let Some(end) = body.find(']') else { return Vec::new() };
    let chars: Vec<char> = body[..end].chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if i + 2 < chars.len() && chars[i + 1] == '-' {
            let (a, b) = (chars[i] as u32, chars[i + 2] as u32);
            for c in [a, (a + b) / 2, b] {
                out.extend(char::from_u32(c));
            }
            i += 3;
        } else if chars[i] != '\\' {
            out.push(chars[i]);
            i += 1;
        } else {
            i += 2;
        }
    }
    out.truncate(8);
    out
}

/// Property names (or strings) to try for a pattern: its literal start, each character of a
/// class that follows it, and a few endings.
fn name_probes(pattern: &str) -> Vec<String> {
    let prefix = literal_prefix(pattern);
    let body = pattern.strip_prefix('^').unwrap_or(pattern);
    let rest = body.get(prefix.len()..).unwrap_or("");
    let mut stems = vec![prefix.clone()];
    for c in class_chars(rest) {
        stems.push(format!("{prefix}{c}"));
    }
    let mut out = Vec::new();
    if let Some(sample) = norm::sample_match(pattern) {
        out.push(sample);
    }
    for stem in &stems {
        for suffix in ["a", "", "1", "ab", "A", "_", "-", "aaaaaaaaaaaaaaaaaaaa"] {
            let s = format!("{stem}{suffix}");
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    for s in ["a", "b", "abc", "A", "1", "x_a", "x-a", "_a", ""] {
        if !out.contains(&s.to_string()) {
            out.push(s.to_string());
        }
    }
    out
}

/// Strings to try against a string set with patterns: from its patterns' literal starts and its
/// length range.
fn probes(x: &Str) -> Vec<String> {
    let mut out = Vec::new();
    let min = x.min as usize;
    let pad = |s: String| {
        if s.chars().count() < min {
            let n = min - s.chars().count();
            s + &"a".repeat(n)
        } else {
            s
        }
    };
    for p in &x.patterns {
        for n in name_probes(p) {
            out.push(pad(n));
        }
    }
    for s in ["", "a", "abc", "A", "1", "0", "-", "aaaaaaaaaa", "ABC", "a1", " "] {
        out.push(pad(s.to_string()));
    }
    out.dedup();
    out
}

#[cfg(test)]
mod tests;
