//! `allOf`: members compared as the object they make together, or one by one when they cannot
//! be merged.

use super::*;

impl<'a> Comparer<'a> {
    /// A member only one side's allOf has: adding one narrows, dropping one widens.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn all_of_member(
        &mut self,
        member: &Type,
        old: &Type,
        new: &Type,
        added: bool,
        variance: Variance,
        path: &str,
    ) {
        let (effect, word) = if added {
            (Effect::Narrows, "must now also match")
        } else {
            (Effect::Widens, "no longer has to match")
        };
        self.change(
            concepts::TYPE.of(effect),
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
    pub(super) fn compare_all_of_rest(
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
    pub(super) fn split_all_of(&self, ty: &Type, new_side: bool) -> Option<(Option<Type>, Vec<Type>)> {
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
}
