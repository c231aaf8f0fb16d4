//! The variance-aware comparison of two model types.
//!
//! A change is described once by what it does to the set of valid values: it *narrows* it
//! (fewer values valid: an enum value removed, a maximum lowered), *widens* it (an enum value
//! added, a field made optional), or both (a type swapped for an unrelated one). Whether it
//! breaks someone depends only on which side must keep working:
//!
//! - [`Variance::Accepts`]: the new schema must accept everything the old one accepted (request
//!   bodies and parameters; a reader's schema in `backward` mode). Narrowing breaks.
//! - [`Variance::Produces`]: the new schema must produce nothing the old one's consumers reject
//!   (responses; a writer's schema in `forward` mode). Widening breaks.
//!
//! Full compatibility checks both. Concepts are rules in [`concepts`]; this module only walks.

pub mod avro;
pub mod concepts;
pub mod contracts;
pub mod mode;
pub mod openapi;
pub mod protobuf;
pub mod subschema;

use std::collections::{HashMap, HashSet};

use crate::finding::{Finding, RuleMeta, Severity};
use crate::model::{Additional, Contract, Field, Location, NamedType, ObjectType, Primitive, Type, TypeKind};

/// Which side must keep working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Variance {
    /// The new schema must accept every value the old one accepted.
    Accepts,
    /// The new schema must produce only values the old one's consumers accept.
    Produces,
}

impl Variance {
    pub fn as_str(self) -> &'static str {
        match self {
            Variance::Accepts => "accepts",
            Variance::Produces => "produces",
        }
    }
}

/// What a change does to the set of valid values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Narrows,
    Widens,
    /// Neither a subset nor a superset (an unrelated type, a changed pattern).
    Replaces,
    /// Valid values are unchanged (documentation, defaults, deprecation).
    Neutral,
}

impl Effect {
    /// Whether this change breaks the side that `variance` protects.
    pub fn breaks(self, variance: Variance) -> bool {
        matches!(
            (self, variance),
            (Effect::Replaces, _) | (Effect::Narrows, Variance::Accepts) | (Effect::Widens, Variance::Produces)
        )
    }
}

/// Named types of one side, by id, for following references.
#[derive(Default, Clone)]
pub struct TypeIndex<'a> {
    types: HashMap<&'a str, &'a NamedType>,
}

impl<'a> TypeIndex<'a> {
    pub fn new(contracts: impl IntoIterator<Item = &'a Contract>) -> Self {
        let mut types = HashMap::new();
        for c in contracts {
            for (id, t) in &c.types {
                types.entry(id.as_str()).or_insert(t);
            }
        }
        TypeIndex { types }
    }

    pub fn get(&self, id: &str) -> Option<&'a NamedType> {
        self.types.get(id).copied()
    }
}

/// What a [`Comparer::scope`] replaced.
pub struct Scope<'a> {
    old: TypeIndex<'a>,
    new: TypeIndex<'a>,
    checker: (TypeIndex<'a>, TypeIndex<'a>),
    seen: HashSet<(String, String, Variance)>,
    reached: HashMap<(String, String, Variance), (usize, usize)>,
}

/// One comparison run: both sides' type indexes, the findings so far, and cycle guards.
pub struct Comparer<'a> {
    pub old: TypeIndex<'a>,
    pub new: TypeIndex<'a>,
    pub findings: Vec<Finding>,
    /// Pairs of named types (or of `allOf`s, by place) already compared under a variance: each is
    /// compared once, and recursion stops here.
    seen: HashSet<(String, String, Variance)>,
    /// While a trial runs, the `seen` entries it added (removed again when it ends).
    trial_log: Option<Vec<(String, String, Variance)>>,
    /// The findings each compared pair produced (a range of `findings`), so that the other places
    /// that reach the same pair (a shared component) can be named on them.
    reached: HashMap<(String, String, Variance), (usize, usize)>,
    /// Findings ranges reached again from another path: (start, end, path).
    also: Vec<(usize, usize, String)>,
    /// Report non-breaking changes too (as info).
    pub report_safe: bool,
    /// How JSON-Schema-family types are judged by inclusion (`None`: keyword rules only, as for
    /// Avro and Protobuf).
    pub reading: Option<subschema::Reading>,
    checker: subschema::Checker<'a>,
    /// Per variance (accepts, produces): how many enclosing positions inclusion already proved
    /// compatible (nothing below them can break).
    covered: [usize; 2],
    /// For findings made by [`Comparer::change_because`]: index -> length of the message before
    /// the "why" that a breaking finding gets.
    base_len: HashMap<usize, usize>,
    /// While set, findings made are about meaning rather than valid values (an extensible enum's
    /// values): inclusion never settles them.
    pub pin: bool,
    pinned: HashSet<usize>,
    /// Today's date (`YYYY-MM-DD`; empty: none known), for sunset dates.
    pub today: String,
}

impl<'a> Comparer<'a> {
    /// A comparer of `old` with `new`; `today` (`YYYY-MM-DD`, or empty for no date) is what
    /// deprecation sunset dates are judged against.
    pub fn new(old: TypeIndex<'a>, new: TypeIndex<'a>, today: &str) -> Self {
        let checker = subschema::Checker::new(old.clone(), new.clone());
        Comparer {
            today: today.to_string(),
            old,
            new,
            checker,
            reading: None,
            covered: [0, 0],
            base_len: HashMap::new(),
            pin: false,
            pinned: HashSet::new(),
            findings: Vec::new(),
            seen: HashSet::new(),
            trial_log: None,
            reached: HashMap::new(),
            also: Vec::new(),
            report_safe: true,
        }
    }

    /// Records a change at `path`, judged by its effect under `variance`.
    // What judges the change (rule, effect, variance) and what reports it (path, message, both
    // locations) are all needed at every call; a struct for them would only rename the arguments.
    #[allow(clippy::too_many_arguments)]
    pub fn change(
        &mut self,
        rule: &'static RuleMeta,
        effect: Effect,
        variance: Variance,
        path: &str,
        message: String,
        old: &Location,
        new: &Location,
    ) {
        let why = match variance {
            Variance::Accepts => "what was accepted before is rejected now",
            Variance::Produces => "consumers of the old contract can receive values it did not allow",
        };
        self.change_because(rule, effect, variance, path, message, why, old, new);
    }

    /// [`Comparer::change`], saying what happens (`why`) when the change breaks.
    #[allow(clippy::too_many_arguments)]
    pub fn change_because(
        &mut self,
        rule: &'static RuleMeta,
        effect: Effect,
        variance: Variance,
        path: &str,
        message: String,
        why: &str,
        old: &Location,
        new: &Location,
    ) {
        let breaking = effect.breaks(variance);
        if !breaking && !self.report_safe {
            return;
        }
        let severity = if breaking { rule.severity } else { Severity::Info };
        if breaking && self.trial_log.is_none() {
            self.base_len.insert(self.findings.len(), message.len());
            if self.pin {
                self.pinned.insert(self.findings.len());
            }
        }
        let message = if breaking { format!("{message}: {why}") } else { message };
        let mut f = Finding::new(rule, message, new.clone())
            .with_path(path)
            .with_severity(severity);
        f.old_location = Some(old.clone());
        // A neutral change (documentation, a default) is the same change whichever side is judged.
        f.direction = (effect != Effect::Neutral).then(|| variance.as_str());
        self.findings.push(f);
    }

    /// Follows references to the underlying type (at most a few hops; cycles end at a reference).
    fn resolve<'t>(&self, ty: &'t Type, new_side: bool) -> (&'t Type, Option<String>)
    where
        'a: 't,
    {
        let mut current = ty;
        let mut id = None;
        for _ in 0..16 {
            let TypeKind::Ref { target } = &current.kind else { break };
            let index = if new_side { &self.new } else { &self.old };
            match index.get(target) {
                Some(named) => {
                    id = Some(target.clone());
                    current = &named.ty;
                }
                None => break,
            }
        }
        (current, id)
    }

    /// Compares two types at `path`.
    pub fn compare<'t>(&mut self, old: &'t Type, new: &'t Type, variance: Variance, path: &str, depth: usize) {
        if depth > 64 {
            return;
        }
        let (old_t, old_id) = self.resolve(old, false);
        let (new_t, new_id) = self.resolve(new, true);
        let mut tracked = None;
        if let (Some(o), Some(n)) = (identity(old_t, old_id), identity(new_t, new_id)) {
            let key = (o, n, variance);
            if self.seen.contains(&key) {
                if self.trial_log.is_none()
                    && let Some(&(start, end)) = self.reached.get(&key)
                    && start < end
                {
                    self.also.push((start, end, path.to_string()));
                }
                return;
            }
            match &mut self.trial_log {
                Some(log) => log.push(key.clone()),
                None => tracked = Some((key.clone(), self.findings.len())),
            }
            self.seen.insert(key);
        }
        let start = self.findings.len();
        let slot = variance_slot(variance);
        let judge = self
            .reading
            .filter(|_| self.trial_log.is_none() && self.covered[slot] == 0);
        // Under the exact reading inclusion is asked first: a position it proves compatible
        // cannot break below, and one it cannot prove gets a finding if no rule explains why.
        let before = match judge {
            Some(reading @ subschema::Reading::Exact) => Some(self.inclusion(old, new, variance, reading)),
            _ => None,
        };
        let proved = matches!(before, Some(subschema::Verdict::Yes));
        if proved {
            self.covered[slot] += 1;
        }
        self.compare_nullability(old_t, new_t, old, new, variance, path);
        self.compare_shape(old_t, new_t, variance, path, depth);
        concepts::compare_constraints(self, old_t, new_t, variance, path);
        concepts::compare_annotations(self, old_t, new_t, variance, path);
        concepts::compare_keywords(self, old_t, new_t, variance, path, depth);
        if proved {
            self.covered[slot] -= 1;
        }
        if let Some(reading) = judge {
            self.judge(old, new, variance, path, start, reading, before);
        }
        if let Some((key, start)) = tracked {
            self.reached.insert(key, (start, self.findings.len()));
        }
    }

    /// Compares within one pair of documents from now on: references resolve in `old` and `new`
    /// only, and types compared once are remembered apart. JSON Schema and OpenAPI ids are
    /// pointers into their own document (`#/definitions/Address`), so two documents of a
    /// directory may use the same id for different types. Returns what [`Comparer::unscope`]
    /// restores.
    pub fn scope(&mut self, old: TypeIndex<'a>, new: TypeIndex<'a>) -> Scope<'a> {
        let checker = self.checker.set_indexes(old.clone(), new.clone());
        Scope {
            old: std::mem::replace(&mut self.old, old),
            new: std::mem::replace(&mut self.new, new),
            checker,
            seen: std::mem::take(&mut self.seen),
            reached: std::mem::take(&mut self.reached),
        }
    }

    /// Ends a [`Comparer::scope`].
    pub fn unscope(&mut self, s: Scope<'a>) {
        self.old = s.old;
        self.new = s.new;
        self.checker.set_indexes(s.checker.0, s.checker.1);
        self.seen = s.seen;
        self.reached = s.reached;
    }

    /// Whether the side `variance` protects is included in the other at this position.
    fn inclusion(
        &mut self,
        old: &Type,
        new: &Type,
        variance: Variance,
        reading: subschema::Reading,
    ) -> subschema::Verdict {
        match variance {
            Variance::Accepts => self.checker.includes(old, new, subschema::Side::Old, reading),
            Variance::Produces => self.checker.includes(new, old, subschema::Side::New, reading),
        }
    }

    /// Settles the findings of one position by inclusion: breaking findings where inclusion holds
    /// are not breaking (the keyword changed, the set of valid values did not); where it fails
    /// (or cannot be decided) and no rule said why, the witness (or the reason) is reported.
    #[allow(clippy::too_many_arguments)]
    fn judge(
        &mut self,
        old: &Type,
        new: &Type,
        variance: Variance,
        path: &str,
        start: usize,
        reading: subschema::Reading,
        before: Option<subschema::Verdict>,
    ) {
        let dir = variance.as_str();
        let breaking = |f: &Finding| {
            f.severity != Severity::Info && f.direction == Some(dir) && f.rule != concepts::DEFAULT_CHANGED.id
        };
        let has_breaking = self.findings[start..].iter().any(breaking);
        if !has_breaking && before.is_none() {
            return;
        }
        let verdict = match before {
            Some(v) => v,
            None => self.inclusion(old, new, variance, reading),
        };
        match verdict {
            subschema::Verdict::Yes => {
                let note = match variance {
                    Variance::Accepts => "not breaking: the new schema still accepts every value the old one accepts",
                    Variance::Produces => "not breaking: the old schema accepts every value the new one allows",
                };
                for i in start..self.findings.len() {
                    if !breaking(&self.findings[i])
                        || self.pinned.contains(&i)
                        || !settled_by_values(self.findings[i].rule, reading)
                    {
                        continue;
                    }
                    let base = self.base_len.get(&i).copied();
                    let f = &mut self.findings[i];
                    if let Some(n) = base
                        && f.message.is_char_boundary(n)
                    {
                        f.message.truncate(n);
                    }
                    f.message = format!("{} ({note})", f.message);
                    f.severity = Severity::Info;
                }
            }
            subschema::Verdict::No(_) if has_breaking => {}
            subschema::Verdict::No(why) => {
                let full = format!("{path}{}", why.path);
                let shown = if full.is_empty() {
                    "the value".to_string()
                } else {
                    format!("`{full}`")
                };
                let reading_note = if why.reading {
                    match reading {
                        subschema::Reading::Exact => {
                            " (exact content model: an object without `additionalProperties: false` accepts undeclared properties)"
                        }
                        subschema::Reading::Declared => " (declared content model)",
                    }
                } else {
                    ""
                };
                let fix = |l: &Location, fallback: &Location| {
                    if l.file.is_empty() { fallback.clone() } else { l.clone() }
                };
                let (rule, message, why_text, old_at, new_at) = match variance {
                    Variance::Accepts => (
                        why.narrow,
                        format!("{shown}: the old schema accepts {}{reading_note}", why.what),
                        "the new schema rejects them".to_string(),
                        fix(&why.sub_at, &old.location),
                        fix(&why.sup_at, &new.location),
                    ),
                    Variance::Produces => (
                        why.widen,
                        format!("{shown}: the new schema allows {}{reading_note}", why.what),
                        "consumers of the old contract reject them".to_string(),
                        fix(&why.sup_at, &old.location),
                        fix(&why.sub_at, &new.location),
                    ),
                };
                let effect = match variance {
                    Variance::Accepts => Effect::Narrows,
                    Variance::Produces => Effect::Widens,
                };
                self.change_because(rule, effect, variance, &full, message, &why_text, &old_at, &new_at);
            }
            subschema::Verdict::Unknown(reason) => {
                // Once per question: a position below that could not be decided already said why.
                let said = self.findings[start..]
                    .iter()
                    .any(|f| f.rule == concepts::COMPATIBILITY_UNDECIDED.id && f.direction == Some(dir));
                if !self.report_safe || said {
                    return;
                }
                let question = match variance {
                    Variance::Accepts => "whether the new schema accepts every value the old one accepts",
                    Variance::Produces => "whether the old schema accepts every value the new one allows",
                };
                let shown = if path.is_empty() {
                    "the value".to_string()
                } else {
                    format!("`{path}`")
                };
                let mut f = Finding::new(
                    &concepts::COMPATIBILITY_UNDECIDED,
                    format!("{shown}: {question} is not decided: {reason}"),
                    new.location.clone(),
                )
                .with_path(path);
                f.old_location = Some(old.location.clone());
                f.direction = Some(dir);
                self.findings.push(f);
            }
        }
    }

    /// The findings, each change to a shared type naming the other places it reaches (the first
    /// place reports it; the type is compared once).
    pub fn into_findings(mut self) -> Vec<Finding> {
        let mut extra: HashMap<usize, Vec<String>> = HashMap::new();
        for (start, end, path) in std::mem::take(&mut self.also) {
            for i in start..end.min(self.findings.len()) {
                extra.entry(i).or_default().push(path.clone());
            }
        }
        for (i, mut paths) in extra {
            let f = &mut self.findings[i];
            paths.sort();
            paths.dedup();
            paths.retain(|p| *p != f.path);
            if paths.is_empty() {
                continue;
            }
            const SHOWN: usize = 3;
            let mut list: Vec<String> = paths.iter().take(SHOWN).map(|p| format!("`{p}`")).collect();
            if paths.len() > SHOWN {
                list.push(format!("{} more", paths.len() - SHOWN));
            }
            f.message
                .push_str(&format!(" (the same change reaches {})", list.join(", ")));
        }
        self.findings
    }

    fn compare_nullability(
        &mut self,
        old_t: &Type,
        new_t: &Type,
        old: &Type,
        new: &Type,
        variance: Variance,
        path: &str,
    ) {
        let old_null = old.nullable || old_t.nullable;
        let new_null = new.nullable || new_t.nullable;
        if old_null && !new_null {
            self.change(
                &concepts::NULLABLE_REMOVED,
                Effect::Narrows,
                variance,
                path,
                format!("`{path}` no longer allows null"),
                &old.location,
                &new.location,
            );
        } else if !old_null && new_null {
            self.change(
                &concepts::NULLABLE_ADDED,
                Effect::Widens,
                variance,
                path,
                format!("`{path}` now allows null"),
                &old.location,
                &new.location,
            );
        }
    }

    fn compare_shape<'t>(&mut self, old: &'t Type, new: &'t Type, variance: Variance, path: &str, depth: usize) {
        use TypeKind as K;
        match (&old.kind, &new.kind) {
            (K::Any, K::Any) | (K::Null, K::Null) | (K::Nothing, K::Nothing) => {}
            (K::Any, _) => self.change(
                &concepts::TYPE_NARROWED,
                Effect::Narrows,
                variance,
                path,
                format!("`{path}` changed from any value to {}", new.summary()),
                &old.location,
                &new.location,
            ),
            (_, K::Any) => self.change(
                &concepts::TYPE_WIDENED,
                Effect::Widens,
                variance,
                path,
                format!("`{path}` changed from {} to any value", old.summary()),
                &old.location,
                &new.location,
            ),
            (K::Primitive { primitive: a }, K::Primitive { primitive: b }) => {
                if a != b {
                    let effect = primitive_effect(*a, *b);
                    let rule = match effect {
                        Effect::Narrows => &concepts::TYPE_NARROWED,
                        Effect::Widens => &concepts::TYPE_WIDENED,
                        _ => &concepts::TYPE_CHANGED,
                    };
                    self.change(
                        rule,
                        effect,
                        variance,
                        path,
                        format!("`{path}` changed type from {a} to {b}"),
                        &old.location,
                        &new.location,
                    );
                }
            }
            (K::Enum { values: a }, K::Enum { values: b }) => {
                for v in a.iter().filter(|v| !b.iter().any(|w| w.name == v.name)) {
                    self.change(
                        &concepts::ENUM_VALUE_REMOVED,
                        Effect::Narrows,
                        variance,
                        path,
                        format!("`{path}` no longer has enum value `{}`", v.name),
                        &v.location,
                        &new.keyword_location(&["enum"]),
                    );
                }
                for v in b.iter().filter(|v| !a.iter().any(|w| w.name == v.name)) {
                    self.change(
                        &concepts::ENUM_VALUE_ADDED,
                        Effect::Widens,
                        variance,
                        path,
                        format!("`{path}` has a new enum value `{}`", v.name),
                        &old.keyword_location(&["enum"]),
                        &v.location,
                    );
                }
            }
            (
                K::Enum { values },
                K::Primitive {
                    primitive: Primitive::String,
                },
            ) => {
                let names: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
                self.change(
                    &concepts::TYPE_WIDENED,
                    Effect::Widens,
                    variance,
                    path,
                    format!("`{path}` is no longer limited to {}", names.join(", ")),
                    &old.location,
                    &new.location,
                );
            }
            (
                K::Primitive {
                    primitive: Primitive::String,
                },
                K::Enum { values },
            ) => {
                let names: Vec<&str> = values.iter().map(|v| v.name.as_str()).collect();
                self.change(
                    &concepts::TYPE_NARROWED,
                    Effect::Narrows,
                    variance,
                    path,
                    format!("`{path}` is now limited to {}", names.join(", ")),
                    &old.location,
                    &new.location,
                );
            }
            (K::Object(a), K::Object(b)) => self.compare_objects(a, b, old, new, variance, path, depth),
            (K::Array { items: a, .. }, K::Array { items: b, .. }) => {
                self.compare(a, b, variance, &format!("{path}[]"), depth + 1)
            }
            (K::Map { key: ka, value: a }, K::Map { key: kb, value: b }) => {
                // Keys carry `propertyNames` (JSON Schema) or the key type (Avro, Protobuf).
                self.compare(ka, kb, variance, &format!("{path}{{key}}"), depth + 1);
                self.compare(a, b, variance, &format!("{path}{{}}"), depth + 1)
            }
            (K::Union { variants: a, .. }, K::Union { variants: b, .. }) => {
                self.compare_unions(a, b, old, new, variance, path, depth)
            }
            (_, K::Union { variants, .. }) if variants.iter().any(|v| self.same_shape(old, v)) => {
                self.change(
                    &concepts::UNION_VARIANT_ADDED,
                    Effect::Widens,
                    variance,
                    path,
                    format!("`{path}` became a union of {}", new.summary()),
                    &old.location,
                    &new.location,
                );
            }
            (K::Union { variants, .. }, _) if variants.iter().any(|v| self.same_shape(v, new)) => {
                self.change(
                    &concepts::UNION_VARIANT_REMOVED,
                    Effect::Narrows,
                    variance,
                    path,
                    format!(
                        "`{path}` is no longer a union ({} became {})",
                        old.summary(),
                        new.summary()
                    ),
                    &old.location,
                    &new.location,
                );
            }
            (K::AllOf { .. }, _) | (_, K::AllOf { .. }) => {
                // allOf is compared by meaning: the object members merge into one object on each
                // side; the other members (unions, primitives) pair by shape and compare one by one.
                match (self.split_all_of(old, false), self.split_all_of(new, true)) {
                    (Some((a, rest_a)), Some((b, rest_b))) => {
                        match (a, b) {
                            (Some(a), Some(b)) => self.compare_shape(&a, &b, variance, path, depth + 1),
                            (None, None) => {}
                            (Some(a), None) => self.all_of_member(&a, old, new, false, variance, path),
                            (None, Some(b)) => self.all_of_member(&b, old, new, true, variance, path),
                        }
                        self.compare_all_of_rest(&rest_a, &rest_b, old, new, variance, path, depth);
                    }
                    // Too deep to split (an allOf that refers to itself): a change only if the
                    // two sides differ.
                    _ if self.checker.identical(old, new) => {}
                    _ => self.type_changed(old, new, variance, path),
                }
            }
            (K::Ref { target: a }, K::Ref { target: b }) => {
                // Unresolvable on at least one side: compare by name.
                if a != b {
                    self.change(
                        &concepts::TYPE_CHANGED,
                        Effect::Replaces,
                        variance,
                        path,
                        format!("`{path}` changed from {a} to {b}"),
                        &old.location,
                        &new.location,
                    );
                }
            }
            _ => self.type_changed(old, new, variance, path),
        }
    }

    /// An unrelated type took the old one's place.
    fn type_changed(&mut self, old: &Type, new: &Type, variance: Variance, path: &str) {
        let message = format!("`{path}` changed from {} to {}", old.summary(), new.summary());
        self.change(
            &concepts::TYPE_CHANGED,
            Effect::Replaces,
            variance,
            path,
            message,
            &old.location,
            &new.location,
        );
    }

    fn same_shape(&self, a: &Type, b: &Type) -> bool {
        let (a, _) = self.resolve(a, false);
        let (b, _) = self.resolve(b, true);
        std::mem::discriminant(&a.kind) == std::mem::discriminant(&b.kind)
            && match (&a.kind, &b.kind) {
                (TypeKind::Primitive { primitive: x }, TypeKind::Primitive { primitive: y }) => x == y,
                _ => true,
            }
    }

    /// Of several candidate partners for `x` (index `i` on its side), the one whose comparison with
    /// it reports the fewest changes; the same index wins ties. Nothing is reported.
    fn closest<'t>(
        &mut self,
        x: &Type,
        candidates: impl Iterator<Item = (usize, &'t Type)>,
        i: usize,
        variance: Variance,
        depth: usize,
    ) -> usize {
        let mut best: Option<(usize, bool, usize)> = None;
        for (j, y) in candidates {
            let cost = self.trial(x, y, variance, depth);
            let better = match best {
                None => true,
                Some((c, same, _)) => cost < c || (cost == c && !same && j == i),
            };
            if better {
                best = Some((cost, j == i, j));
            }
        }
        best.map_or(0, |(_, _, j)| j)
    }

    /// Of `candidates` (indexes into `pool`) for `x` (index `i` on its side): none, the only one,
    /// or the [closest](Comparer::closest).
    fn pick(
        &mut self,
        x: &Type,
        i: usize,
        candidates: &[usize],
        pool: &[Type],
        variance: Variance,
        depth: usize,
    ) -> Option<usize> {
        match candidates {
            [] => None,
            [only] => Some(*only),
            many => Some(self.closest(x, many.iter().map(|j| (*j, &pool[*j])), i, variance, depth)),
        }
    }

    /// How many changes comparing `x` with `y` would report, without reporting them.
    fn trial(&mut self, x: &Type, y: &Type, variance: Variance, depth: usize) -> usize {
        let before = self.findings.len();
        let outer = self.trial_log.replace(Vec::new());
        let report_safe = std::mem::replace(&mut self.report_safe, true);
        self.compare(x, y, variance, "", depth + 1);
        let cost = self.findings.len() - before;
        self.findings.truncate(before);
        for key in std::mem::replace(&mut self.trial_log, outer).unwrap_or_default() {
            self.seen.remove(&key);
        }
        self.report_safe = report_safe;
        cost
    }

    /// A member only one side's allOf has: adding one narrows, dropping one widens.
    #[allow(clippy::too_many_arguments)]
    fn all_of_member(&mut self, member: &Type, old: &Type, new: &Type, added: bool, variance: Variance, path: &str) {
        let (rule, effect, word) = if added {
            (&concepts::TYPE_NARROWED, Effect::Narrows, "must now also match")
        } else {
            (&concepts::TYPE_WIDENED, Effect::Widens, "no longer has to match")
        };
        self.change(
            rule,
            effect,
            variance,
            path,
            format!("`{path}` {word} {}", member.summary()),
            &old.location,
            &new.location,
        );
    }

    /// Pairs the non-object members of two allOfs by shape (a union with a union, a reference
    /// with the same reference) and compares each pair; members without a partner are added or
    /// dropped constraints.
    #[allow(clippy::too_many_arguments)]
    fn compare_all_of_rest(
        &mut self,
        a: &[Type],
        b: &[Type],
        old: &Type,
        new: &Type,
        variance: Variance,
        path: &str,
        depth: usize,
    ) {
        let mut taken = vec![false; b.len()];
        for (i, x) in a.iter().enumerate() {
            let same_shape: Vec<usize> = (0..b.len())
                .filter(|j| !taken[*j] && self.same_shape(x, &b[*j]))
                .collect();
            let partner = (0..b.len())
                .find(|j| !taken[*j] && same_reference(x, &b[*j]))
                .or_else(|| self.pick(x, i, &same_shape, b, variance, depth));
            match partner {
                Some(j) => {
                    taken[j] = true;
                    self.compare(x, &b[j], variance, &format!("{path}&{i}"), depth + 1);
                }
                None => self.all_of_member(x, old, new, false, variance, path),
            }
        }
        for (j, y) in b.iter().enumerate() {
            if !taken[j] {
                self.all_of_member(y, old, new, true, variance, path);
            }
        }
    }

    /// An allOf (or any type, as a one-member allOf) as its object members merged into one object
    /// (`None` when it has none) and its other members. `None` when it is too deep to tell.
    fn split_all_of(&self, ty: &Type, new_side: bool) -> Option<(Option<Type>, Vec<Type>)> {
        let mut fields: Vec<Field> = Vec::new();
        let mut additional = Additional::Any;
        let mut objects = 0;
        let mut rest: Vec<Type> = Vec::new();
        let mut stack: Vec<&Type> = vec![ty];
        let mut guard = 0;
        while let Some(t) = stack.pop() {
            guard += 1;
            if guard > 256 {
                return None;
            }
            let (t, _) = self.resolve(t, new_side);
            match &t.kind {
                TypeKind::AllOf { members } => stack.extend(members.iter().rev()),
                TypeKind::Object(o) => {
                    objects += 1;
                    for f in &o.fields {
                        match fields.iter_mut().find(|g| g.name == f.name) {
                            Some(g) => {
                                g.required |= f.required;
                                if matches!(g.ty.kind, TypeKind::Any) {
                                    g.ty = f.ty.clone();
                                }
                            }
                            None => fields.push(f.clone()),
                        }
                    }
                    if matches!(o.additional, Additional::Forbidden) {
                        additional = Additional::Forbidden;
                    }
                }
                TypeKind::Any => {}
                _ => rest.push(t.clone()),
            }
        }
        if objects == 0 {
            return Some((None, rest));
        }
        let mut obj = ObjectType::new(fields);
        obj.additional = additional;
        let mut out = Type::new(TypeKind::Object(Box::new(obj)), ty.location.clone());
        out.nullable = ty.nullable;
        Some((Some(out), rest))
    }

    #[allow(clippy::too_many_arguments)]
    fn compare_objects<'t>(
        &mut self,
        a: &'t ObjectType,
        b: &'t ObjectType,
        old: &Type,
        new: &Type,
        variance: Variance,
        path: &str,
        depth: usize,
    ) {
        let old_closed = matches!(a.additional, Additional::Forbidden);
        let new_closed = matches!(b.additional, Additional::Forbidden);
        for f in &a.fields {
            let fpath = format!("{path}.{}", f.name);
            match b
                .fields
                .iter()
                .find(|g| g.name == f.name || g.aliases.contains(&f.name))
            {
                Some(g) => {
                    if !f.required && g.required {
                        self.change(
                            &concepts::FIELD_BECAME_REQUIRED,
                            Effect::Narrows,
                            variance,
                            &fpath,
                            format!("`{fpath}` became required"),
                            &f.location,
                            &g.location,
                        );
                    } else if f.required && !g.required {
                        self.change(
                            &concepts::FIELD_BECAME_OPTIONAL,
                            Effect::Widens,
                            variance,
                            &fpath,
                            format!("`{fpath}` became optional"),
                            &f.location,
                            &g.location,
                        );
                    }
                    self.compare(&f.ty, &g.ty, variance, &fpath, depth + 1);
                }
                None => {
                    // In a closed model the field is now forbidden (where it was required, no old
                    // value is valid any more); in an open one it is unconstrained.
                    let new_closed = new_closed && !self.pattern_admits(b, &f.name);
                    let (rule, effect) = match (new_closed, f.required) {
                        (true, true) => (&concepts::FIELD_REMOVED, Effect::Replaces),
                        (true, false) => (&concepts::FIELD_REMOVED, Effect::Narrows),
                        (false, true) => (&concepts::FIELD_REMOVED, Effect::Widens),
                        (false, false) if self.reading == Some(subschema::Reading::Exact) => {
                            // The new object still admits the name, as its pattern or additional
                            // schema says (any value when it says nothing).
                            match self.property_effect(b, f, false) {
                                Effect::Neutral => (&concepts::OPTIONAL_FIELD_REMOVED, Effect::Neutral),
                                effect => (&concepts::FIELD_REMOVED, effect),
                            }
                        }
                        (false, false) => (&concepts::OPTIONAL_FIELD_REMOVED, Effect::Widens),
                    };
                    let exact_note = !new_closed
                        && !f.required
                        && self.reading == Some(subschema::Reading::Exact)
                        && rule.id == concepts::FIELD_REMOVED.id;
                    let what = if f.required { "required field" } else { "field" };
                    let why = match variance {
                        Variance::Produces if f.required => {
                            format!(
                                "consumers of the old contract rely on `{}` and stop receiving it",
                                f.name
                            )
                        }
                        Variance::Produces => format!("consumers of the old contract stop receiving `{}`", f.name),
                        Variance::Accepts => format!("values that carry `{}` are rejected now", f.name),
                    };
                    let before = self.findings.len();
                    let note = if exact_note {
                        " (exact content model: the new object accepts the name as an undeclared property)"
                    } else {
                        ""
                    };
                    self.change_because(
                        rule,
                        effect,
                        variance,
                        &fpath,
                        format!("{what} `{fpath}` was removed{note}"),
                        &why,
                        &f.location,
                        &new.location,
                    );
                    openapi::apply_sunset_policy(self, before, f.ty.deprecated, &f.ty.extensions);
                }
            }
        }
        for g in &b.fields {
            if a.fields.iter().any(|f| f.name == g.name || g.aliases.contains(&f.name)) {
                continue;
            }
            let fpath = format!("{path}.{}", g.name);
            // In a closed old model the field was forbidden: required now, no old value is valid.
            // A closed object still admits a name one of its patterns matches.
            let old_admits = !old_closed || self.pattern_admits(a, &g.name);
            let effect = if g.required && !old_admits {
                Effect::Replaces
            } else if g.required {
                Effect::Narrows
            } else if !old_admits {
                Effect::Widens
            } else if self.reading == Some(subschema::Reading::Exact) {
                // The old object already allowed the name (as any value, or as its pattern or
                // additional schema says): the declaration narrows or widens that.
                self.property_effect(a, g, true)
            } else {
                Effect::Neutral
            };
            let what = if g.required { "required field" } else { "optional field" };
            let note = if !g.required && old_admits && effect != Effect::Neutral {
                " (exact content model: the old object accepted the name as an undeclared property)"
            } else {
                ""
            };
            self.change(
                &concepts::FIELD_ADDED,
                effect,
                variance,
                &fpath,
                format!("{what} `{fpath}` was added{note}"),
                &old.location,
                &g.location,
            );
        }
        match (old_closed, new_closed) {
            (false, true) => self.change(
                &concepts::ADDITIONAL_PROPERTIES_CLOSED,
                Effect::Narrows,
                variance,
                path,
                format!("`{path}` no longer allows undeclared properties"),
                &old.location,
                &new.location,
            ),
            (true, false) => self.change(
                &concepts::ADDITIONAL_PROPERTIES_OPENED,
                Effect::Widens,
                variance,
                path,
                format!("`{path}` now allows undeclared properties"),
                &old.location,
                &new.location,
            ),
            _ => {}
        }
        if let (Additional::Schema(x), Additional::Schema(y)) = (&a.additional, &b.additional) {
            self.compare(x, y, variance, &format!("{path}{{}}"), depth + 1);
        }
    }

    /// Whether one of an object's `patternProperties` matches `name`.
    fn pattern_admits(&mut self, o: &ObjectType, name: &str) -> bool {
        o.pattern_properties
            .iter()
            .any(|(p, _)| self.checker.matches(p, name) == Some(true))
    }

    /// What declaring a property does to an object that admits its name undeclared (`added`:
    /// the old object `undeclared` admitted it, the new one declares it as `declared`; else the
    /// old one declared it and the new one admits it): the schema the undeclaring object gives the
    /// name (its matching patterns, else its additional schema, else any value) against the
    /// declared one, both ways.
    fn property_effect(&mut self, undeclared: &ObjectType, declared: &Field, added: bool) -> Effect {
        let mut open: Vec<&Type> = Vec::new();
        for (pattern, t) in &undeclared.pattern_properties {
            if self.checker.matches(pattern, &declared.name) == Some(true) {
                open.push(t);
            }
        }
        if open.is_empty()
            && let Additional::Schema(t) = &undeclared.additional
        {
            open.push(t);
        }
        let reading = subschema::Reading::Exact;
        let d = [&declared.ty];
        let (old, new): (&[&Type], &[&Type]) = if added { (&open, &d) } else { (&d, &open) };
        let accepts = self.checker.includes_all(old, new, subschema::Side::Old, reading);
        let produces = self.checker.includes_all(new, old, subschema::Side::New, reading);
        match (accepts.is_yes(), produces.is_yes()) {
            (true, true) => Effect::Neutral,
            (false, true) => Effect::Narrows,
            (true, false) => Effect::Widens,
            (false, false) => Effect::Replaces,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn compare_unions<'t>(
        &mut self,
        a: &'t [Type],
        b: &'t [Type],
        old: &Type,
        new: &Type,
        variance: Variance,
        path: &str,
        depth: usize,
    ) {
        // Branches pair by reference id when they have one, else by shape; among branches of the
        // same shape (several inline objects), by which pairing changes least. Then a branch the
        // other side cannot name (an inline one, or a reference to a type the other side does
        // not define: a renamed or extracted schema) pairs with one of the same resolved shape.
        let key = |t: &Type| match &t.kind {
            TypeKind::Ref { target } => target.clone(),
            other => format!("{:?}", std::mem::discriminant(other)) + &t.summary(),
        };
        let unnamed = |t: &Type, other: &TypeIndex| match &t.kind {
            TypeKind::Ref { target } => other.get(target).is_none(),
            _ => true,
        };
        let mut taken = vec![false; b.len()];
        let mut partner: Vec<Option<usize>> = vec![None; a.len()];
        for (i, x) in a.iter().enumerate() {
            let candidates: Vec<usize> = (0..b.len()).filter(|j| !taken[*j] && key(&b[*j]) == key(x)).collect();
            partner[i] = self.pick(x, i, &candidates, b, variance, depth);
            if let Some(j) = partner[i] {
                taken[j] = true;
            }
        }
        for (i, x) in a.iter().enumerate() {
            if partner[i].is_some() || !unnamed(x, &self.new) {
                continue;
            }
            let candidates: Vec<usize> = (0..b.len())
                .filter(|j| !taken[*j] && unnamed(&b[*j], &self.old) && self.same_shape(x, &b[*j]))
                .collect();
            partner[i] = self.pick(x, i, &candidates, b, variance, depth);
            if let Some(j) = partner[i] {
                taken[j] = true;
            }
        }
        for (i, x) in a.iter().enumerate() {
            match partner[i].map(|j| &b[j]) {
                Some(y) => self.compare(x, y, variance, &format!("{path}<{i}>"), depth + 1),
                None => self.change(
                    &concepts::UNION_VARIANT_REMOVED,
                    Effect::Narrows,
                    variance,
                    path,
                    format!("`{path}` lost the variant {}", x.summary()),
                    &x.location,
                    &new.location,
                ),
            }
        }
        for y in b.iter().enumerate().filter(|(j, _)| !taken[*j]).map(|(_, y)| y) {
            self.change(
                &concepts::UNION_VARIANT_ADDED,
                Effect::Widens,
                variance,
                path,
                format!("`{path}` has a new variant {}", y.summary()),
                &old.location,
                &y.location,
            );
        }
    }
}

/// What identifies a type for the once-per-pair rule: a named type by its id; an `allOf` by its
/// place in the source (`allOf: [{$ref: X}, {description: ...}]` wraps a reference to annotate it,
/// and recursion through such wrappers must stop as it does through plain references).
fn identity(resolved: &Type, id: Option<String>) -> Option<String> {
    id.or_else(|| match resolved.kind {
        TypeKind::AllOf { .. } if !resolved.location.pointer.is_empty() => {
            Some(format!("{}#{}", resolved.location.file, resolved.location.pointer))
        }
        _ => None,
    })
}

/// Whether a rule's findings are about the set of valid values, so that inclusion settles them.
/// Annotations that change meaning (formats, discriminators, read/write-only, defaults) are not;
/// under the declared reading neither are changes of the content model itself (a property
/// removed from a response, an object opened), which that reading takes no side on.
fn settled_by_values(rule: &str, reading: subschema::Reading) -> bool {
    use concepts as c;
    let meaning = [
        c::FORMAT_CHANGED.id,
        c::DISCRIMINATOR_CHANGED.id,
        c::READ_ONLY_CHANGED.id,
        c::WRITE_ONLY_CHANGED.id,
        c::DEFAULT_CHANGED.id,
        c::DEPRECATED.id,
        c::EXTENSIBLE_ENUM_VALUE_ADDED.id,
    ];
    let content_model = [
        c::OPTIONAL_FIELD_REMOVED.id,
        c::FIELD_REMOVED.id,
        c::FIELD_ADDED.id,
        c::ADDITIONAL_PROPERTIES_OPENED.id,
        c::ADDITIONAL_PROPERTIES_CLOSED.id,
    ];
    !meaning.contains(&rule) && (reading == subschema::Reading::Exact || !content_model.contains(&rule))
}

fn variance_slot(v: Variance) -> usize {
    match v {
        Variance::Accepts => 0,
        Variance::Produces => 1,
    }
}

/// Whether two types are references to the same id.
fn same_reference(a: &Type, b: &Type) -> bool {
    matches!((&a.kind, &b.kind), (TypeKind::Ref { target: x }, TypeKind::Ref { target: y }) if x == y)
}

/// How a primitive change affects the values it admits.
pub fn primitive_effect(old: Primitive, new: Primitive) -> Effect {
    use Primitive as P;
    let rank = |p: P| -> Option<(u8, u8)> {
        // (family, width): integers inside numbers.
        Some(match p {
            P::Int32 => (0, 1),
            P::Int64 => (0, 2),
            P::Integer => (0, 3),
            P::Float => (1, 1),
            P::Double => (1, 2),
            P::Number => (1, 3),
            _ => return None,
        })
    };
    match (rank(old), rank(new)) {
        (Some((fa, wa)), Some((fb, wb))) => {
            if fa == fb {
                if wb > wa { Effect::Widens } else { Effect::Narrows }
            } else if fa == 0 && fb == 1 {
                // Every integer is a number.
                Effect::Widens
            } else {
                Effect::Narrows
            }
        }
        _ => match (old, new) {
            (P::Uuid | P::Date | P::Time | P::Timestamp | P::Duration, P::String) => Effect::Widens,
            (P::String, P::Uuid | P::Date | P::Time | P::Timestamp | P::Duration) => Effect::Narrows,
            _ => Effect::Replaces,
        },
    }
}
