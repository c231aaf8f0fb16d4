//! Objects: fields paired by name (and aliases), required and optional, additional and pattern
//! properties, under the content model the reading gives.

use super::*;

impl<'a> Comparer<'a> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn compare_objects<'t>(
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
    pub(super) fn pattern_admits(&mut self, o: &ObjectType, name: &str) -> bool {
        o.pattern_properties
            .iter()
            .any(|(p, _)| self.checker.matches(p, name) == Some(true))
    }

    /// What declaring a property does to an object that admits its name undeclared (`added`:
    /// the old object `undeclared` admitted it, the new one declares it as `declared`; else the
    /// old one declared it and the new one admits it): the schema the undeclaring object gives the
    /// name (its matching patterns, else its additional schema, else any value) against the
    /// declared one, both ways.
    pub(super) fn property_effect(&mut self, undeclared: &ObjectType, declared: &Field, added: bool) -> Effect {
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
}
