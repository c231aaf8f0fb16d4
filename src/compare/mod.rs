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

mod all_of;
mod judge;
mod objects;
mod shape;
mod unions;

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
