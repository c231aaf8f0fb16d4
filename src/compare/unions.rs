//! Unions: each old variant paired with the closest new one (trial comparisons), variants added
//! and removed.

use super::*;

impl<'a> Comparer<'a> {
    /// Of several candidate partners for `x` (index `i` on its side), the one whose comparison with
    /// it reports the fewest changes; the same index wins ties. Nothing is reported.
    pub(super) fn closest<'t>(
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
    pub(super) fn pick(
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
    pub(super) fn trial(&mut self, x: &Type, y: &Type, variance: Variance, depth: usize) -> usize {
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
}

impl<'a> Comparer<'a> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn compare_unions<'t>(
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
