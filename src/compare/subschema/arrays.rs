//! Inclusion of array sets position by position: tuple indexes, the items after them, lengths,
//! `uniqueItems`, `contains`.

use super::*;

impl<'a> Checker<'a> {
    /// The schemas at index `i` of an array set (`None` for the part-less "any array").
    pub(super) fn arr_at<'t>(x: &ArrSet<'t>, i: usize) -> Vec<&'t Type> {
        let mut out = Vec::new();
        for p in &x.parts {
            if let ArrPart::Array { items, prefix, .. } = p {
                out.push(prefix.get(i).unwrap_or(items));
            }
        }
        out
    }

    /// The length range of an array set from its keywords: (min, max).
    pub(super) fn arr_lengths<'t>(&self, x: &ArrSet<'t>) -> (u64, Option<u64>) {
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
    pub(super) fn forbids(&self, t: &Type) -> bool {
        let r = self.resolve(t, self.sub_side);
        let r2 = self.resolve(t, self.sub_side.other());
        matches!(r.kind, TypeKind::Nothing) && !r.nullable || matches!(r2.kind, TypeKind::Nothing) && !r2.nullable
    }

    pub(super) fn arr_within<'t>(
        &mut self,
        x: &ArrSet<'t>,
        y: &ArrSet<'t>,
        declared: bool,
        path: &str,
        depth: usize,
    ) -> Verdict
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
                c::MIN_LENGTH,
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
            let rules = if tuple {
                c::Directed::either(&c::PREFIX_ITEMS_CHANGED)
            } else {
                c::MAX_LENGTH
            };
            return self.no(
                rules,
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
                c::Directed::either(&c::UNIQUE_ITEMS_CHANGED),
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
                        c::Directed::either(&c::CONTAINS_CHANGED),
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
                        c::Directed::either(&c::CONTAINS_CHANGED),
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
}
