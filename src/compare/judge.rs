//! Findings judged by inclusion: where the subschema checker proves a position compatible, value
//! rules below it are not breaking; where it finds a witness no rule named, the keyword is reported.

use super::*;

impl<'a> Comparer<'a> {
    /// Whether the side `variance` protects is included in the other at this position.
    pub(super) fn inclusion(
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
    pub(super) fn judge(
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
                        why.rules.narrows,
                        format!("{shown}: the old schema accepts {}{reading_note}", why.what),
                        "the new schema rejects them".to_string(),
                        fix(&why.sub_at, &old.location),
                        fix(&why.sup_at, &new.location),
                    ),
                    Variance::Produces => (
                        why.rules.widens,
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
}
