//! Schemas as the sets of documents they accept, split by JSON type: the normal form inclusion
//! is decided on. Scalars are normalised fully; arrays and objects keep the schemas they are
//! the conjunction of, and are compared position by position.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use serde_json::Value;

use super::scalar::{Num, Str};
use super::{Checker, Side};
use crate::model::{Additional, Location, ObjectType, Primitive, Type, TypeKind, UnionKind};

/// The schema that accepts nothing, for positions a closed object or tuple forbids.
pub static NOTHING: LazyLock<Type> = LazyLock::new(|| Type::new(TypeKind::Nothing, Location::default()));
/// The schema that accepts anything.
pub static ANY: LazyLock<Type> = LazyLock::new(|| Type::new(TypeKind::Any, Location::default()));

/// One schema an object set is the conjunction of.
#[derive(Debug, Clone, Copy)]
pub enum ObjPart<'t> {
    /// Declared properties, patterns, additional properties (and the owning type's constraints).
    Object(&'t ObjectType, &'t Type),
    /// Every property's value has this type; names have the key type.
    Map {
        key: &'t Type,
        value: &'t Type,
        ty: &'t Type,
    },
    /// Only the object keywords of a type whose kind is not an object (`minProperties` on an
    /// untyped schema).
    Constraints(&'t Type),
}

/// A set of objects: the conjunction of its parts, perhaps limited to a finite list.
#[derive(Debug, Clone, Default)]
pub struct ObjSet<'t> {
    pub parts: Vec<ObjPart<'t>>,
    /// Names every member has besides what the parts require (a dependency's trigger).
    pub extra_required: Vec<String>,
    pub values: Option<Vec<Value>>,
    /// Read the parts as closed where they allow anything undeclared (the declared reading).
    pub declared: bool,
}

/// One schema an array set is the conjunction of.
#[derive(Debug, Clone, Copy)]
pub enum ArrPart<'t> {
    Array {
        items: &'t Type,
        prefix: &'t [Type],
        ty: &'t Type,
    },
    Constraints(&'t Type),
}

#[derive(Debug, Clone, Default)]
pub struct ArrSet<'t> {
    pub parts: Vec<ArrPart<'t>>,
    pub values: Option<Vec<Value>>,
}

/// The documents a schema accepts, by JSON type. Each list is a union.
#[derive(Debug, Clone, Default)]
pub struct Norm<'t> {
    pub null: bool,
    /// [false allowed, true allowed]
    pub bools: [bool; 2],
    pub nums: Vec<Num>,
    pub strs: Vec<Str>,
    pub arrs: Vec<ArrSet<'t>>,
    pub objs: Vec<ObjSet<'t>>,
    /// Set when the normal form accepts more than the schema (a keyword it cannot read exactly:
    /// a `not` of a composite schema, a `oneOf` read as `anyOf`): why.
    pub over: Option<String>,
}

impl<'t> Norm<'t> {
    pub fn nothing() -> Self {
        Norm::default()
    }

    pub fn any() -> Self {
        Norm {
            null: true,
            bools: [true, true],
            nums: vec![Num::any()],
            strs: vec![Str::default()],
            arrs: vec![ArrSet::default()],
            objs: vec![ObjSet::default()],
            over: None,
        }
    }

    pub fn union(mut self, other: Norm<'t>) -> Norm<'t> {
        self.null |= other.null;
        self.bools[0] |= other.bools[0];
        self.bools[1] |= other.bools[1];
        self.nums.extend(other.nums);
        self.strs.extend(other.strs);
        self.arrs.extend(other.arrs);
        self.objs.extend(other.objs);
        self.over = self.over.or(other.over);
        self
    }

    /// The intersection; `None` when its disjunctions would grow past `limit` members.
    pub fn intersect(&self, other: &Norm<'t>, limit: usize) -> Option<Norm<'t>> {
        let product = |a: usize, b: usize| a.saturating_mul(b) <= limit;
        if !(product(self.nums.len(), other.nums.len())
            && product(self.strs.len(), other.strs.len())
            && product(self.arrs.len(), other.arrs.len())
            && product(self.objs.len(), other.objs.len()))
        {
            return None;
        }
        let mut out = Norm {
            null: self.null && other.null,
            bools: [self.bools[0] && other.bools[0], self.bools[1] && other.bools[1]],
            over: self.over.clone().or_else(|| other.over.clone()),
            ..Norm::default()
        };
        for a in &self.nums {
            for b in &other.nums {
                let n = a.intersect(b);
                if !n.is_empty() {
                    out.nums.push(n);
                }
            }
        }
        for a in &self.strs {
            for b in &other.strs {
                out.strs.push(a.intersect(b));
            }
        }
        for a in &self.arrs {
            for b in &other.arrs {
                out.arrs.push(ArrSet {
                    parts: a.parts.iter().chain(&b.parts).copied().collect(),
                    values: intersect_values(&a.values, &b.values),
                });
            }
        }
        for a in &self.objs {
            for b in &other.objs {
                let mut extra = a.extra_required.clone();
                extra.extend(b.extra_required.iter().cloned());
                out.objs.push(ObjSet {
                    parts: a.parts.iter().chain(&b.parts).copied().collect(),
                    extra_required: extra,
                    values: intersect_values(&a.values, &b.values),
                    declared: a.declared || b.declared,
                });
            }
        }
        Some(out)
    }

    /// A finite set of values.
    pub fn finite(values: &[Value]) -> Norm<'t> {
        let mut n = Norm::nothing();
        let mut nums = Vec::new();
        let mut strs = BTreeSet::new();
        let mut arrs = Vec::new();
        let mut objs = Vec::new();
        for v in values {
            match v {
                Value::Null => n.null = true,
                Value::Bool(b) => n.bools[usize::from(*b)] = true,
                Value::Number(x) => nums.extend(x.as_f64()),
                Value::String(s) => {
                    strs.insert(s.clone());
                }
                Value::Array(_) => arrs.push(v.clone()),
                Value::Object(_) => objs.push(v.clone()),
            }
        }
        if !nums.is_empty() {
            n.nums.push(Num {
                values: Some(nums),
                ..Num::default()
            });
        }
        if !strs.is_empty() {
            n.strs.push(Str {
                values: Some(strs),
                ..Str::default()
            });
        }
        if !arrs.is_empty() {
            n.arrs.push(ArrSet {
                parts: Vec::new(),
                values: Some(arrs),
            });
        }
        if !objs.is_empty() {
            n.objs.push(ObjSet {
                values: Some(objs),
                ..ObjSet::default()
            });
        }
        n
    }
}

/// A field the loader made for a name listed in `required` but not under `properties`: it says
/// the name must be present, not what it holds (patterns or additional properties say that).
pub fn requirement_only(f: &crate::model::Field) -> bool {
    matches!(f.ty.kind, TypeKind::Any)
        && f.ty.constraints.is_none()
        && f.location.pointer.rsplit('/').nth(1) == Some("required")
}

/// What an anchored pattern says about lengths and values: the length of the literal text it
/// starts with, and the strings it matches when it is a literal or an alternation of literals
/// (`^(foo|bar)$`).
pub fn pattern_facts(pattern: &str) -> (u64, Option<BTreeSet<String>>) {
    let Some(body) = pattern.strip_prefix('^') else {
        return (0, None);
    };
    let meta = |c: char| "\\[](){}.*+?|^$".contains(c);
    if let Some(inner) = body.strip_suffix('$') {
        let alts = inner
            .strip_prefix('(')
            .and_then(|x| x.strip_suffix(')'))
            .unwrap_or(inner);
        let alts = alts.strip_prefix("?:").unwrap_or(alts);
        let parts: Vec<&str> = alts.split('|').collect();
        let nested = inner.starts_with('(') != inner.ends_with(')');
        if !nested && parts.iter().all(|p| !p.chars().any(meta)) && (parts.len() == 1 || inner.starts_with('(')) {
            let set: BTreeSet<String> = parts.iter().map(|p| p.to_string()).collect();
            let min = set.iter().map(|s| s.chars().count() as u64).min().unwrap_or(0);
            return (min, Some(set));
        }
    }
    (min_match_len(pattern).unwrap_or(0), None)
}

/// The shortest string a simple regular expression matches, choosing the first character of each
/// class; `None` for what it does not read (negated classes, look-around).
pub fn sample_match(pattern: &str) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut out = String::new();
    sample_alternatives(&chars, &mut i, &mut out)?;
    (i == chars.len()).then_some(out)
}

fn sample_alternatives(c: &[char], i: &mut usize, out: &mut String) -> Option<()> {
    sample_sequence(c, i, out)?;
    while *i < c.len() && c[*i] == '|' {
        *i += 1;
        let mut other = String::new();
        sample_sequence(c, i, &mut other)?;
    }
    Some(())
}

fn sample_sequence(c: &[char], i: &mut usize, out: &mut String) -> Option<()> {
    while *i < c.len() && c[*i] != '|' && c[*i] != ')' {
        let mut atom = String::new();
        match c[*i] {
            '^' | '$' => {
                *i += 1;
                continue;
            }
            '\\' => {
                let e = *c.get(*i + 1)?;
                *i += 2;
                match e {
                    'd' => atom.push('0'),
                    'w' => atom.push('a'),
                    's' => atom.push(' '),
                    'b' | 'B' => {}
                    x if x.is_ascii_alphanumeric() => return None,
                    x => atom.push(x),
                }
            }
            '[' => {
                let first = *c.get(*i + 1)?;
                if first == '^' {
                    return None;
                }
                let first = if first == '\\' { *c.get(*i + 2)? } else { first };
                let end = c[*i + 1..].iter().position(|x| *x == ']')? + *i + 1;
                *i = end + 1;
                atom.push(first);
            }
            '.' => {
                *i += 1;
                atom.push('a');
            }
            '(' => {
                *i += 1;
                if *i < c.len() && c[*i] == '?' {
                    if c.get(*i + 1) == Some(&':') {
                        *i += 2;
                    } else {
                        return None;
                    }
                }
                sample_alternatives(c, i, &mut atom)?;
                if c.get(*i) != Some(&')') {
                    return None;
                }
                *i += 1;
            }
            '*' | '+' | '?' | '{' | ')' => return None,
            x => {
                *i += 1;
                atom.push(x);
            }
        }
        let times = match c.get(*i) {
            Some('*') | Some('?') => {
                *i += 1;
                0
            }
            Some('+') => {
                *i += 1;
                1
            }
            Some('{') => {
                let end = c[*i..].iter().position(|x| *x == '}')? + *i;
                let body: String = c[*i + 1..end].iter().collect();
                *i = end + 1;
                body.split(',').next()?.trim().parse::<usize>().ok()?.min(64)
            }
            _ => 1,
        };
        if c.get(*i) == Some(&'?') {
            *i += 1;
        }
        for _ in 0..times {
            out.push_str(&atom);
        }
    }
    Some(())
}

/// The fewest characters any match of a simple regular expression has (literals, escapes,
/// classes, `.`, groups with alternatives, quantifiers); `None` for what it does not read.
pub fn min_match_len(pattern: &str) -> Option<u64> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let n = alternatives(&chars, &mut i)?;
    (i == chars.len()).then_some(n)
}

/// `a|b|c` up to a closing `)` or the end: the shortest alternative.
fn alternatives(c: &[char], i: &mut usize) -> Option<u64> {
    let mut best = sequence(c, i)?;
    while *i < c.len() && c[*i] == '|' {
        *i += 1;
        best = best.min(sequence(c, i)?);
    }
    Some(best)
}

fn sequence(c: &[char], i: &mut usize) -> Option<u64> {
    let mut total: u64 = 0;
    while *i < c.len() && c[*i] != '|' && c[*i] != ')' {
        let atom = match c[*i] {
            '^' | '$' => {
                *i += 1;
                continue;
            }
            '\\' => {
                *i += 2;
                if *i > c.len() {
                    return None;
                }
                // \b and \B match no character.
                if matches!(c[*i - 1], 'b' | 'B') { 0 } else { 1 }
            }
            '[' => {
                let mut j = *i + 1;
                if j < c.len() && c[j] == '^' {
                    j += 1;
                }
                if j < c.len() && c[j] == ']' {
                    j += 1;
                }
                while j < c.len() && c[j] != ']' {
                    j += if c[j] == '\\' { 2 } else { 1 };
                }
                if j >= c.len() {
                    return None;
                }
                *i = j + 1;
                1
            }
            '(' => {
                *i += 1;
                if *i + 1 < c.len() && c[*i] == '?' {
                    if c[*i + 1] == ':' {
                        *i += 2;
                    } else {
                        return None; // look-around and named groups
                    }
                }
                let inner = alternatives(c, i)?;
                if *i >= c.len() || c[*i] != ')' {
                    return None;
                }
                *i += 1;
                inner
            }
            '*' | '+' | '?' | '{' | ')' => return None,
            _ => {
                *i += 1;
                1
            }
        };
        // A quantifier scales the atom's minimum.
        let times = if *i < c.len() {
            match c[*i] {
                '*' | '?' => {
                    *i += 1;
                    0
                }
                '+' => {
                    *i += 1;
                    1
                }
                '{' => {
                    let end = c[*i..].iter().position(|x| *x == '}')? + *i;
                    let body: String = c[*i + 1..end].iter().collect();
                    *i = end + 1;
                    body.split(',').next()?.trim().parse::<u64>().ok()?
                }
                _ => 1,
            }
        } else {
            1
        };
        if *i < c.len() && c[*i] == '?' {
            *i += 1; // lazy
        }
        total = total.saturating_add(atom.saturating_mul(times));
    }
    Some(total)
}

/// Whether an array part accepts every array (`{"type": "array"}`).
fn all_arrays(p: &ArrPart<'_>) -> bool {
    match p {
        ArrPart::Array { items, prefix, ty } => {
            prefix.is_empty()
                && matches!(items.kind, TypeKind::Any)
                && !items.nullable
                && items.constraints.is_none()
                && items.not.is_none()
                && array_keywords_free(ty)
        }
        ArrPart::Constraints(ty) => array_keywords_free(ty),
    }
}

fn array_keywords_free(t: &Type) -> bool {
    let c = t.constraints();
    c.min_items.is_none() && c.max_items.is_none() && !c.unique_items && c.contains.is_none()
}

/// Whether an object part accepts every object (`{"type": "object"}`).
fn all_objects(p: &ObjPart<'_>) -> bool {
    let free = |t: &Type| {
        let c = t.constraints();
        c.min_properties.is_none() && c.max_properties.is_none()
    };
    match p {
        ObjPart::Object(o, ty) => {
            o.fields.is_empty()
                && o.pattern_properties.is_empty()
                && matches!(o.additional, Additional::Any)
                && o.unevaluated.is_none()
                && o.property_names.is_none()
                && o.dependent_required.is_empty()
                && o.dependent_schemas.is_empty()
                && free(ty)
        }
        ObjPart::Map { .. } => false,
        ObjPart::Constraints(ty) => free(ty),
    }
}

fn intersect_values(a: &Option<Vec<Value>>, b: &Option<Vec<Value>>) -> Option<Vec<Value>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.iter().filter(|v| b.contains(v)).cloned().collect()),
        (Some(a), None) | (None, Some(a)) => Some(a.clone()),
        (None, None) => None,
    }
}

/// The widest integer range of a fixed-width primitive.
fn width(p: Primitive) -> Option<(f64, f64)> {
    match p {
        Primitive::Int32 => Some((i32::MIN as f64, i32::MAX as f64)),
        Primitive::Int64 => Some((i64::MIN as f64, i64::MAX as f64)),
        Primitive::Uint32 => Some((0.0, u32::MAX as f64)),
        Primitive::Uint64 => Some((0.0, u64::MAX as f64)),
        _ => None,
    }
}

/// The format a string-like primitive stands for.
fn string_format(p: Primitive) -> Option<&'static str> {
    Some(match p {
        Primitive::Date => "date",
        Primitive::Time => "time",
        Primitive::Timestamp => "date-time",
        Primitive::LocalTimestamp => "local-date-time",
        Primitive::Uuid => "uuid",
        Primitive::Duration => "duration",
        Primitive::Bytes | Primitive::Fixed { .. } => "byte",
        _ => return None,
    })
}

impl<'a> Checker<'a> {
    /// The normal form of the conjunction of `types` (all of them apply).
    pub fn norm_all<'t>(&mut self, types: &[&'t Type], side: Side, declared: bool, depth: usize) -> Norm<'t>
    where
        'a: 't,
    {
        let mut out = Norm::any();
        for t in types {
            let n = self.norm(t, side, declared, depth);
            out = match out.intersect(&n, self.limit) {
                Some(x) => x,
                None => {
                    let mut x = out;
                    x.over = Some("the combination of `allOf` and `anyOf` branches is too large to expand".into());
                    x
                }
            };
        }
        out
    }

    /// The normal form of one schema.
    pub fn norm<'t>(&mut self, t: &'t Type, side: Side, declared: bool, depth: usize) -> Norm<'t>
    where
        'a: 't,
    {
        self.steps += 1;
        let t = self.resolve(t, side);
        if depth > 32 {
            let mut n = Norm::any();
            n.over = Some("the schema nests combinators or references too deeply".into());
            return n;
        }
        let mut n = match &t.kind {
            TypeKind::Any => Norm::any(),
            TypeKind::Nothing => Norm::nothing(),
            TypeKind::Null => Norm {
                null: true,
                ..Norm::nothing()
            },
            TypeKind::Primitive { primitive } => {
                let mut n = Norm::nothing();
                match primitive {
                    Primitive::Bool => n.bools = [true, true],
                    Primitive::Integer => n.nums.push(Num::integers()),
                    Primitive::Int32 | Primitive::Int64 | Primitive::Uint32 | Primitive::Uint64 => {
                        let mut x = Num::integers();
                        if let Some((lo, hi)) = width(*primitive) {
                            x.lo = Some((lo, false));
                            x.hi = Some((hi, false));
                        }
                        n.nums.push(x);
                    }
                    Primitive::Float | Primitive::Double | Primitive::Number | Primitive::Decimal { .. } => {
                        n.nums.push(Num::any())
                    }
                    Primitive::String => n.strs.push(Str::default()),
                    other => n.strs.push(Str {
                        format: string_format(*other).map(str::to_string),
                        ..Str::default()
                    }),
                }
                n
            }
            TypeKind::Enum { values } => Norm {
                strs: vec![Str {
                    values: Some(values.iter().map(|v| v.name.clone()).collect()),
                    ..Str::default()
                }],
                ..Norm::nothing()
            },
            TypeKind::Object(o) => Norm {
                objs: vec![ObjSet {
                    parts: vec![ObjPart::Object(o, t)],
                    declared,
                    ..ObjSet::default()
                }],
                ..Norm::nothing()
            },
            TypeKind::Map { key, value } => Norm {
                objs: vec![ObjSet {
                    parts: vec![ObjPart::Map { key, value, ty: t }],
                    declared,
                    ..ObjSet::default()
                }],
                ..Norm::nothing()
            },
            TypeKind::Array { items, prefix_items } => Norm {
                arrs: vec![ArrSet {
                    parts: vec![ArrPart::Array {
                        items,
                        prefix: prefix_items,
                        ty: t,
                    }],
                    values: None,
                }],
                ..Norm::nothing()
            },
            TypeKind::Union { union, variants, .. } => {
                let mut n = Norm::nothing();
                for v in variants {
                    n = n.union(self.norm(v, side, declared, depth + 1));
                }
                if *union == UnionKind::OneOf
                    && variants.len() > 1
                    && !self.pairwise_disjoint(variants, side, declared, depth)
                {
                    n.over = Some("a `oneOf` whose branches may overlap is read as `anyOf`".into());
                }
                n
            }
            TypeKind::AllOf { members } => {
                let members: Vec<&'t Type> = members.iter().collect();
                self.norm_all(&members, side, declared, depth + 1)
            }
            TypeKind::Ref { .. } => {
                let mut n = Norm::any();
                n.over = Some("a reference that does not resolve".into());
                n
            }
        };
        if t.implied {
            // `{"properties": ...}` constrains objects and lets every other value through.
            let mut others = Norm::any();
            match &t.kind {
                TypeKind::Object(_) | TypeKind::Map { .. } => others.objs.clear(),
                TypeKind::Array { .. } => others.arrs.clear(),
                _ => {}
            }
            n = n.union(others);
        }
        self.apply_constraints(&mut n, t);
        if t.nullable {
            n.null = true;
        }
        if let Some(not) = &t.not {
            let inner = self.norm(not, side, declared, depth + 1);
            match self.negate(&inner) {
                Some(neg) => match n.intersect(&neg, self.limit) {
                    Some(x) => n = x,
                    None => n.over = Some("`not` expands too far".into()),
                },
                None => n.over = Some("`not` of a schema with objects, arrays or patterns".into()),
            }
        }
        if let Some(cond) = &t.conditional {
            let cond_n = self.norm(&cond.condition, side, declared, depth + 1);
            let then_n = match &cond.then_type {
                Some(x) => self.norm(x, side, declared, depth + 1),
                None => Norm::any(),
            };
            let else_n = match &cond.else_type {
                Some(x) => self.norm(x, side, declared, depth + 1),
                None => Norm::any(),
            };
            let parts = self.negate(&cond_n).and_then(|neg| {
                let yes = cond_n.intersect(&then_n, self.limit)?;
                let no = neg.intersect(&else_n, self.limit)?;
                n.intersect(&yes.union(no), self.limit)
            });
            match parts {
                Some(x) => n = x,
                None => n.over = Some("`if`/`then`/`else` with a condition on objects, arrays or patterns".into()),
            }
        }
        n
    }

    /// Narrows `n` by the validation keywords of `t` (each applies to its JSON type only).
    fn apply_constraints<'t>(&mut self, n: &mut Norm<'t>, t: &'t Type) {
        let Some(c) = t.constraints.as_deref() else { return };
        for x in &mut n.nums {
            let extra = Num {
                lo: match (c.minimum, c.exclusive_minimum) {
                    (Some(a), Some(b)) if b >= a => Some((b, true)),
                    (Some(a), _) => Some((a, false)),
                    (None, Some(b)) => Some((b, true)),
                    (None, None) => None,
                },
                hi: match (c.maximum, c.exclusive_maximum) {
                    (Some(a), Some(b)) if b <= a => Some((b, true)),
                    (Some(a), _) => Some((a, false)),
                    (None, Some(b)) => Some((b, true)),
                    (None, None) => None,
                },
                multiples: c.multiple_of.into_iter().collect(),
                ..Num::default()
            };
            *x = x.intersect(&extra);
        }
        n.nums.retain(|x| !x.is_empty());
        let facts = c.pattern.as_deref().map(pattern_facts);
        for s in &mut n.strs {
            let extra = Str {
                min: c.min_length.unwrap_or(0).max(facts.as_ref().map_or(0, |f| f.0)),
                values: facts.as_ref().and_then(|f| f.1.clone()),
                max: c.max_length,
                patterns: c.pattern.iter().cloned().collect(),
                format: c
                    .format
                    .clone()
                    .filter(|f| !matches!(f.as_str(), "int32" | "int64" | "float" | "double")),
                ..Str::default()
            };
            *s = s.intersect(&extra);
        }
        let arr_keywords = c.min_items.is_some()
            || c.max_items.is_some()
            || c.unique_items
            || c.contains.is_some()
            || c.min_contains.is_some()
            || c.max_contains.is_some();
        if arr_keywords {
            for a in &mut n.arrs {
                let own = a
                    .parts
                    .iter()
                    .any(|p| matches!(p, ArrPart::Array { ty, .. } if std::ptr::eq(*ty, t)));
                if !own {
                    a.parts.push(ArrPart::Constraints(t));
                }
            }
        }
        if c.min_properties.is_some() || c.max_properties.is_some() {
            for o in &mut n.objs {
                let own = o.parts.iter().any(|p| match p {
                    ObjPart::Object(_, ty) | ObjPart::Map { ty, .. } => std::ptr::eq(*ty, t),
                    ObjPart::Constraints(_) => false,
                });
                if !own {
                    o.parts.push(ObjPart::Constraints(t));
                }
            }
        }
        let finite = match (&c.const_value, &c.allowed_values) {
            (Some(v), _) => Some(vec![v.clone()]),
            (None, Some(list)) => Some(list.clone()),
            (None, None) => None,
        };
        if let Some(values) = finite {
            // Arrays and objects of the list stay values, checked against the schema on use.
            // The list holds at most one set per JSON type, so the product cannot grow.
            if let Some(x) = n.intersect(&Norm::finite(&values), usize::MAX) {
                *n = x;
            }
        }
    }

    /// The complement of a normal form, where it can be written: types, finite scalar lists,
    /// one numeric interval, one length range. `None` otherwise.
    pub fn negate<'t>(&self, n: &Norm<'t>) -> Option<Norm<'t>> {
        if n.over.is_some() {
            return None;
        }
        let mut out = Norm {
            null: !n.null,
            bools: [!n.bools[0], !n.bools[1]],
            ..Norm::nothing()
        };
        // Numbers.
        match n.nums.as_slice() {
            [] => out.nums.push(Num::any()),
            [x] if x.values.is_some() && !x.integer && x.multiples.is_empty() && x.lo.is_none() && x.hi.is_none() => {
                out.nums.push(Num {
                    excluded: x.values.clone().unwrap_or_default(),
                    ..Num::default()
                })
            }
            [x] if x.values.is_none() && x.multiples.is_empty() && x.excluded.is_empty() && !x.integer => {
                if x.lo.is_none() && x.hi.is_none() {
                    // every number: the complement has none
                } else {
                    if let Some((lo, ex)) = x.lo {
                        out.nums.push(Num {
                            hi: Some((lo, !ex)),
                            ..Num::default()
                        });
                    }
                    if let Some((hi, ex)) = x.hi {
                        out.nums.push(Num {
                            lo: Some((hi, !ex)),
                            ..Num::default()
                        });
                    }
                }
            }
            _ => return None,
        }
        // Strings.
        match n.strs.as_slice() {
            [] => out.strs.push(Str::default()),
            [s] if s.patterns.is_empty() && s.format.is_none() && s.excluded.is_empty() => match &s.values {
                Some(values) if s.min == 0 && s.max.is_none() => out.strs.push(Str {
                    excluded: values.clone(),
                    ..Str::default()
                }),
                Some(_) => return None,
                None => {
                    if s.min > 0 {
                        out.strs.push(Str {
                            max: Some(s.min - 1),
                            ..Str::default()
                        });
                    }
                    if let Some(m) = s.max {
                        out.strs.push(Str {
                            min: m + 1,
                            ..Str::default()
                        });
                    }
                }
            },
            _ => return None,
        }
        // Arrays and objects: only all or none.
        match n.arrs.as_slice() {
            [] => out.arrs.push(ArrSet::default()),
            [a] if a.values.is_none() && a.parts.iter().all(|p| all_arrays(p)) => {}
            _ => return None,
        }
        match n.objs.as_slice() {
            [] => out.objs.push(ObjSet::default()),
            [o] if o.values.is_none()
                && o.extra_required.is_empty()
                && !o.declared
                && o.parts.iter().all(|p| all_objects(p)) => {}
            _ => return None,
        }
        Some(out)
    }

    /// Whether no document matches two of `variants` (told apart by JSON type, or by a required
    /// property whose values do not overlap).
    fn pairwise_disjoint(&mut self, variants: &[Type], side: Side, declared: bool, depth: usize) -> bool {
        let norms: Vec<Norm<'_>> = variants
            .iter()
            .map(|v| self.norm(v, side, declared, depth + 1))
            .collect();
        for i in 0..norms.len() {
            for j in i + 1..norms.len() {
                if !self.disjoint(&norms[i], &norms[j], side) {
                    return false;
                }
            }
        }
        true
    }

    /// Whether two normal forms surely share no document.
    pub fn disjoint(&mut self, a: &Norm<'_>, b: &Norm<'_>, side: Side) -> bool {
        if (a.null && b.null) || (a.bools[0] && b.bools[0]) || (a.bools[1] && b.bools[1]) {
            return false;
        }
        for x in &a.nums {
            for y in &b.nums {
                if !x.intersect(y).is_empty() {
                    return false;
                }
            }
        }
        for x in &a.strs {
            for y in &b.strs {
                let s = x.intersect(y);
                let empty = s
                    .values
                    .as_ref()
                    .is_some_and(|v| v.iter().all(|w| !self.str_admits(&s, w)))
                    || s.max.is_some_and(|m| m < s.min);
                if !empty {
                    return false;
                }
            }
        }
        if !a.arrs.is_empty() && !b.arrs.is_empty() {
            return false;
        }
        for x in &a.objs {
            for y in &b.objs {
                if !self.objects_disjoint(x, y, side) {
                    return false;
                }
            }
        }
        true
    }

    /// Two object sets are disjoint when one requires a property whose values the other cannot
    /// have (a discriminating `const` or `enum`), or forbids.
    fn objects_disjoint(&mut self, a: &ObjSet<'_>, b: &ObjSet<'_>, side: Side) -> bool {
        let names: BTreeSet<String> = self
            .required_names(a)
            .into_iter()
            .chain(self.required_names(b))
            .collect();
        for name in names {
            let (Some(x), Some(y)) = (self.property_types(a, &name), self.property_types(b, &name)) else {
                // One side forbids a property the other requires.
                return true;
            };
            let nx = self.norm_all(&x, side, a.declared, 1);
            let ny = self.norm_all(&y, side, b.declared, 1);
            if nx.over.is_none() && ny.over.is_none() && self.disjoint_scalars(&nx, &ny) {
                return true;
            }
        }
        false
    }

    fn disjoint_scalars(&mut self, a: &Norm<'_>, b: &Norm<'_>) -> bool {
        if !a.arrs.is_empty() && !b.arrs.is_empty() || !a.objs.is_empty() && !b.objs.is_empty() {
            return false;
        }
        let (aa, bb) = (
            Norm {
                arrs: Vec::new(),
                objs: Vec::new(),
                ..a.clone()
            },
            Norm {
                arrs: Vec::new(),
                objs: Vec::new(),
                ..b.clone()
            },
        );
        self.disjoint(&aa, &bb, Side::Old)
    }

    /// The names an object set requires to be present.
    pub fn required_names(&self, o: &ObjSet<'_>) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = o.extra_required.iter().cloned().collect();
        for p in &o.parts {
            if let ObjPart::Object(obj, _) = p {
                out.extend(obj.fields.iter().filter(|f| f.required).map(|f| f.name.clone()));
            }
        }
        // A present property brings its dependents.
        let mut grew = true;
        while grew {
            grew = false;
            for p in &o.parts {
                if let ObjPart::Object(obj, _) = p {
                    for (trigger, deps) in &obj.dependent_required {
                        if out.contains(trigger) {
                            for d in deps {
                                grew |= out.insert(d.clone());
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// The schemas that apply to property `name` of an object set (each part's declaration,
    /// matching patterns or additional schema), or `None` when some part forbids it.
    pub fn property_types<'t>(&mut self, o: &ObjSet<'t>, name: &str) -> Option<Vec<&'t Type>> {
        let mut out: Vec<&'t Type> = Vec::new();
        let declared_anywhere = o.parts.iter().any(|p| match p {
            ObjPart::Object(obj, _) => {
                obj.fields.iter().any(|f| f.name == name && !requirement_only(f))
                    || obj
                        .pattern_properties
                        .iter()
                        .any(|(pat, _)| self.matches(pat, name) == Some(true))
            }
            ObjPart::Map { .. } => true,
            ObjPart::Constraints(_) => false,
        });
        let evaluated_anywhere = o.parts.iter().any(|p| match p {
            ObjPart::Object(obj, _) => {
                obj.fields.iter().any(|f| f.name == name && !requirement_only(f))
                    || obj
                        .pattern_properties
                        .iter()
                        .any(|(pat, _)| self.matches(pat, name) == Some(true))
                    || !matches!(obj.additional, Additional::Any)
            }
            ObjPart::Map { .. } => true,
            ObjPart::Constraints(_) => false,
        });
        for p in &o.parts {
            match p {
                ObjPart::Object(obj, _) => {
                    // `properties` and every matching `patternProperties` entry apply together;
                    // `additionalProperties` only to names neither covers.
                    let mut matched = false;
                    if let Some(f) = obj.fields.iter().find(|f| f.name == name && !requirement_only(f)) {
                        out.push(&f.ty);
                        matched = true;
                    }
                    for (pat, ty) in &obj.pattern_properties {
                        if self.matches(pat, name) == Some(true) {
                            out.push(ty);
                            matched = true;
                        }
                    }
                    if matched {
                        continue;
                    }
                    match &obj.additional {
                        Additional::Forbidden => return None,
                        Additional::Schema(t) => out.push(t),
                        // Declared reading: a name no part declares is absent (one another
                        // part of the same allOf declares is fine).
                        Additional::Any if o.declared && !declared_anywhere => return None,
                        Additional::Any if o.declared => {}
                        Additional::Any => {
                            if !evaluated_anywhere {
                                match &obj.unevaluated {
                                    Some(Additional::Forbidden) => return None,
                                    Some(Additional::Schema(t)) => out.push(t),
                                    _ => {}
                                }
                            }
                        }
                    }
                }
                ObjPart::Map { value, .. } => out.push(value),
                ObjPart::Constraints(_) => {}
            }
        }
        Some(out)
    }

    /// Whether the string `s` has the length, value, pattern and format of `set` (patterns that
    /// do not compile count as matching).
    pub fn str_admits(&mut self, set: &Str, s: &str) -> bool {
        set.shape_admits(s)
            && set.values.as_ref().is_none_or(|v| v.contains(s))
            && set.patterns.iter().all(|p| self.matches(p, s) != Some(false))
    }
}
