//! Inclusion of object sets: each declared property, the names patterns and additional properties
//! cover, `required`, dependencies, property names and counts; and emptiness.

use super::*;

impl<'a> Checker<'a> {
    /// Whether an object set surely has no member (a required property it forbids).
    pub(super) fn obj_empty(&mut self, x: &ObjSet<'_>) -> bool {
        self.obj_empty_at(x, 0)
    }

    /// [`Checker::obj_empty`], looking `depth` levels into required properties.
    pub(super) fn obj_empty_at(&mut self, x: &ObjSet<'_>, depth: usize) -> bool {
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
    pub(super) fn norm_empty(&mut self, n: &Norm<'_>, depth: usize) -> bool {
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
    pub(super) fn declared_names(x: &ObjSet<'_>, into: &mut BTreeSet<String>) {
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
    pub(super) fn declares(x: &ObjSet<'_>, name: &str) -> bool {
        x.parts.iter().any(|p| {
            matches!(p, ObjPart::Object(o, _) if o.fields.iter().any(|f| f.name == name && !norm::requirement_only(f)))
        })
    }

    pub(super) fn patterns(x: &ObjSet<'_>) -> Vec<String> {
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

    pub(super) fn obj_within<'t>(
        &mut self,
        x: &ObjSet<'t>,
        y: &ObjSet<'t>,
        declared: bool,
        path: &str,
        depth: usize,
    ) -> Verdict
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
                let rules = if Self::declares(x, name) {
                    c::REQUIRED
                } else {
                    c::Directed::new(&c::FIELD_ADDED, &c::FIELD_REMOVED)
                };
                return self.no(
                    rules,
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
                let rules = if in_x {
                    c::Directed::new(&c::FIELD_REMOVED, &c::FIELD_ADDED)
                } else {
                    c::ADDITIONAL_PROPERTIES
                };
                let mut v = self.no(
                    rules,
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
                        w.rules = c::Directed::new(&c::FIELD_ADDED, &c::FIELD_REMOVED);
                        w.reading = true;
                        w.what = format!("`{name}` as {}", w.what);
                    } else if in_x && !in_y {
                        w.rules = c::Directed::new(&c::FIELD_REMOVED, &c::FIELD_ADDED);
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
                    c::ADDITIONAL_PROPERTIES,
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
                    w.rules = c::ADDITIONAL_PROPERTIES;
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
                        w.rules = c::Directed::either(&c::PROPERTY_NAMES_CHANGED);
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
                        c::Directed::either(&c::PROPERTY_NAMES_CHANGED),
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
                c::MIN_LENGTH,
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
                    c::MAX_LENGTH,
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
                        c::Directed::either(&c::DEPENDENT_REQUIRED_CHANGED),
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
                            w.rules = c::Directed::either(&c::DEPENDENT_SCHEMAS_CHANGED);
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
    pub(super) fn patterns_bounded<'t>(&mut self, x: &ObjSet<'t>, y: &ObjSet<'t>, declared: bool, depth: usize) -> bool
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
}
