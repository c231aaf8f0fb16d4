//! Structural equality of two schemas (written alike, references followed by name), memoised per
//! pair of names: a contract against itself costs one walk.

use super::*;

impl<'a> Checker<'a> {
    /// Structural equality, ignoring where things are written and what only documents them.
    pub(super) fn same(&self, a: &Type, b: &Type, depth: usize) -> bool {
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
}
