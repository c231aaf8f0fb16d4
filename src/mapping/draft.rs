//! `mapcheck map draft`: a first mapping file for a person to edit. Every canonical field is paired
//! with the most likely source field by normalised names (case, separators, common abbreviations
//! and synonyms), types and formats, and, with samples, by the values seen. Nothing is invented: a
//! draft only names source fields the contract has, and a required canonical field without a
//! likely source is left as a `# TODO` comment.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::resolve::{Kind, deref, field_paths};
use crate::compare::TypeIndex;
use crate::model::Type;

/// Words that name the same thing, each to one spelling.
const SYNONYMS: &[(&str, &str)] = &[
    ("identifier", "id"),
    ("ident", "id"),
    ("key", "id"),
    ("uuid", "id"),
    ("guid", "id"),
    ("zip", "postal"),
    ("zipcode", "postal"),
    ("postcode", "postal"),
    ("mail", "email"),
    ("tel", "phone"),
    ("telephone", "phone"),
    ("mobile", "phone"),
    ("qty", "quantity"),
    ("amt", "amount"),
    ("addr", "address"),
    ("desc", "description"),
    ("num", "number"),
    ("nbr", "number"),
    ("no", "number"),
    ("org", "organization"),
    ("organisation", "organization"),
    ("company", "organization"),
    ("ccy", "currency"),
    ("cur", "currency"),
    ("created", "created"),
    ("creation", "created"),
    ("modified", "updated"),
    ("changed", "updated"),
    ("lastmodified", "updated"),
    ("region", "state"),
    ("province", "state"),
    ("country", "country"),
    ("revenue", "revenue"),
    ("sku", "sku"),
    ("fullname", "name"),
    ("url", "website"),
    ("homepage", "website"),
    ("web", "website"),
    ("title", "name"),
];

/// Words that say little about which field is meant.
const FILLER: &[&str] = &[
    "c",
    "the",
    "of",
    "code",
    "iso",
    "value",
    "date",
    "at",
    "ts",
    "time",
    "timestamp",
];

/// The words of a name: split at case changes, separators and digits, lower-cased, synonyms
/// folded, filler and `drop` (the entity's and type's own names) left out.
fn words(name: &str, drop: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            prev_lower = false;
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            continue;
        }
        if c.is_uppercase() && prev_lower && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        word.extend(c.to_lowercase());
    }
    if !word.is_empty() {
        out.push(word);
    }
    let folded: Vec<String> = out
        .into_iter()
        .map(|w| {
            SYNONYMS
                .iter()
                .find(|(from, _)| *from == w)
                .map_or(w.clone(), |(_, to)| to.to_string())
        })
        .collect();
    let kept: Vec<String> = folded
        .iter()
        .filter(|w| !FILLER.contains(&w.as_str()) && !drop.contains(w))
        .cloned()
        .collect();
    // A name made only of filler or dropped words keeps them (`Id` of an `Account` is `id`).
    if kept.is_empty() { folded } else { kept }
}

/// The filler words of a name (left out of [`words`]).
fn filler_of(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric())
        .map(str::to_ascii_lowercase)
        .filter(|w| FILLER.contains(&w.as_str()))
        .collect()
}

/// How alike two word lists are, 0 to 1 (shared words over all words; near spellings count).
fn alike(a: &[String], b: &[String]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let mut shared = 0.0;
    for w in a {
        let best = b
            .iter()
            .map(|x| {
                if x == w {
                    1.0
                } else if w.len() >= 4 && x.len() >= 4 && (x.starts_with(w.as_str()) || w.starts_with(x.as_str())) {
                    0.8
                } else if crate::suggest::edit_distance(w, x) <= 1 && w.len() >= 4 {
                    0.7
                } else {
                    0.0
                }
            })
            .fold(0.0, f64::max);
        shared += best;
    }
    2.0 * shared / (a.len() + b.len()) as f64
}

/// A field of one side, as the draft sees it.
struct Slot {
    /// As written in a mapping (`billing_address.city`, `lines[].sku`, `tags[]`).
    path: String,
    /// Its own name, lower-cased without separators (`postalcode`), to break ties.
    plain: String,
    /// The words of its own name and of its parents' names.
    own: Vec<String>,
    /// Its own name's words with the filler kept (`created_at`: created, at).
    raw: Vec<String>,
    parents: Vec<String>,
    kind: Kind,
    required: bool,
    /// The value may be absent or null.
    maybe_missing: bool,
}

fn slots(ty: &Type, index: &TypeIndex, drop: &[String]) -> Vec<Slot> {
    field_paths(ty, index)
        .into_iter()
        .filter_map(|(path, field)| {
            let (t, _) = deref(&field.ty, index);
            let kind = Kind::of(t);
            // Objects are filled through their fields; arrays of objects through their items.
            let path = match &kind {
                Kind::Object => return None,
                Kind::Array => {
                    let items = match &t.kind {
                        crate::model::TypeKind::Array { items, .. } => Kind::of(deref(items, index).0),
                        _ => Kind::Any,
                    };
                    if !items.is_scalar() {
                        return None;
                    }
                    format!("{path}[]")
                }
                _ => path,
            };
            let plain = path.replace("[]", "");
            let (parent, own) = plain.rsplit_once('.').unwrap_or(("", plain.as_str()));
            Some(Slot {
                plain: own
                    .chars()
                    .filter(|c| c.is_alphanumeric())
                    .flat_map(char::to_lowercase)
                    .collect(),
                own: words(own, drop),
                raw: words(own, &[]).into_iter().chain(filler_of(own)).collect(),
                parents: words(parent, drop),
                path,
                kind,
                required: field.required,
                maybe_missing: !field.required || field.nullable(),
            })
        })
        .collect()
}

/// How well a source kind can fill a target kind: 1 as it is, less through a transform, 0 not.
fn fits(target: &Kind, source: &Kind) -> f64 {
    use Kind::*;
    match (target, source) {
        (Any, _) | (_, Any) => 0.8,
        (Str(a), Str(b)) if a == b => 1.0,
        (Str(Some(_)), Str(None)) | (Str(None), Str(Some(_))) => 0.8,
        (Str(_), Enum(_)) | (Enum(_), Enum(_)) | (Enum(_), Str(None)) => 0.9,
        (Int, Int) | (Num, Num) | (Num, Int) | (Bool, Bool) | (Array, Array) => 1.0,
        (Int, Num) => 0.6,
        (Str(None), Int | Num | Bool) => 0.6,
        (Int | Num | Bool, Str(None)) => 0.5,
        _ => 0.0,
    }
}

/// The transform a rule needs for `source` to fill `target`, as mapping keys, and what in it is a
/// guess to check.
fn transform(target: &Kind, source: &Kind, values: &[String]) -> (Vec<String>, Option<String>) {
    use Kind::*;
    match (target, source) {
        // Not `uuid`: an id of another system is rarely one (a crosswalk lookup is the usual answer).
        (Str(Some(f)), Str(None)) if *f != "uuid" && super::spec::CONVERSIONS.contains(f) => {
            (vec![format!("convert: {f}")], None)
        }
        (Str(None), Int | Num | Bool) => (vec!["cast: string".into()], None),
        (Int, Str(None)) | (Int, Num) => (vec!["cast: integer".into()], None),
        (Num, Str(None)) => (vec!["cast: number".into()], None),
        (Bool, Str(None)) => (vec!["cast: boolean".into()], None),
        (Enum(canonical), Enum(_) | Str(None)) => {
            let from: Vec<String> = match source {
                Enum(v) => v.clone(),
                _ => values.to_vec(),
            };
            if from.is_empty() {
                return (Vec::new(), None);
            }
            let mut entries = Vec::new();
            let mut unpaired = Vec::new();
            for v in &from {
                let target_value = canonical
                    .iter()
                    .map(|c| (alike(&words(v, &[]), &words(c, &[])), c))
                    .filter(|(score, _)| *score > 0.0)
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .map(|(_, c)| c.clone());
                let c = target_value.unwrap_or_else(|| {
                    unpaired.push(v.clone());
                    canonical.first().cloned().unwrap_or_default()
                });
                entries.push(format!("{}: {}", yaml_str(v), yaml_str(&c)));
            }
            let todo = (!unpaired.is_empty()).then(|| {
                format!(
                    "TODO: no canonical value is alike {} (mapped to the first)",
                    unpaired.join(", ")
                )
            });
            (vec![format!("enum: {{{}}}", entries.join(", "))], todo)
        }
        _ => (Vec::new(), None),
    }
}

fn yaml_str(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off"
        )
        && s.parse::<f64>().is_err();
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

/// What the draft is made from.
pub struct Request<'a> {
    pub source_contract: &'a str,
    pub source_name: &'a str,
    pub source: &'a Type,
    pub source_index: &'a TypeIndex<'a>,
    pub entity: &'a str,
    pub version: u32,
    pub target: &'a Type,
    pub target_index: &'a TypeIndex<'a>,
    /// Distinct string values seen in samples, by source path (`Status`, `line_items[].sku`).
    pub seen: &'a BTreeMap<String, Vec<String>>,
}

/// The least score a proposal needs.
const THRESHOLD: f64 = 0.45;

/// Writes the draft mapping (YAML with comments).
pub fn draft(r: &Request) -> String {
    let drop: Vec<String> = words(r.entity, &[])
        .into_iter()
        .chain(words(r.source_name.rsplit(['.', '/']).next().unwrap_or(""), &[]))
        .collect();
    let sources = slots(r.source, r.source_index, &drop);
    let targets = slots(r.target, r.target_index, &drop);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# A draft from `mapcheck map draft`: check each rule (its confidence and the runner-up are in\n\
         # the comment after it), fill in the TODOs, then run `mapcheck map validate`."
    );
    let _ = writeln!(
        out,
        "source: {{contract: {}, type: {}}}",
        yaml_str(r.source_contract),
        yaml_str(r.source_name)
    );
    let _ = writeln!(
        out,
        "target: {{entity: {}, version: {}}}",
        yaml_str(r.entity),
        r.version
    );
    let _ = writeln!(out, "rules:");
    let mut todo = Vec::new();
    for t in &targets {
        let mut scored: Vec<(f64, &Slot)> = sources
            .iter()
            .filter(|s| t.path.contains("[]") == s.path.contains("[]"))
            .map(|s| {
                // Names made of filler (`at`) still pair with names that hold it (`created_at`).
                let names = alike(&t.own, &s.own).max(0.8 * alike(&t.raw, &s.raw));
                let parents = if t.parents.is_empty() && s.parents.is_empty() {
                    1.0
                } else {
                    alike(&t.parents, &s.parents)
                };
                let kinds = fits(&t.kind, &s.kind);
                // The whole path too (`annual_revenue.amount` and `AnnualRevenue`).
                let whole = {
                    let a: Vec<String> = t.parents.iter().chain(&t.own).cloned().collect();
                    let b: Vec<String> = s.parents.iter().chain(&s.own).cloned().collect();
                    alike(&a, &b)
                };
                // Spelling, to break ties (`country_code` is nearer `CountryCode` than `Country`).
                let spelling = 1.0
                    - crate::suggest::edit_distance(&t.plain, &s.plain) as f64
                        / t.plain.len().max(s.plain.len()).max(1) as f64;
                let mut score = (0.65 * names + 0.15 * parents).max(0.75 * whole) + 0.2 * kinds + 0.02 * spelling;
                if kinds == 0.0 {
                    score *= 0.3;
                }
                // Values seen that are the canonical enum's own values: a strong sign.
                if let (Kind::Enum(canonical), Some(values)) = (&t.kind, r.seen.get(&s.path.replace("[]", "")))
                    && !values.is_empty()
                {
                    let hits = values
                        .iter()
                        .filter(|v| canonical.iter().any(|c| c.eq_ignore_ascii_case(v)))
                        .count();
                    score += 0.3 * hits as f64 / values.len() as f64;
                }
                (score, s)
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.path.cmp(&b.1.path)));
        match scored.first() {
            Some((score, s)) if *score >= THRESHOLD => {
                let score = score.min(1.0);
                let values = r.seen.get(&s.path.replace("[]", "")).cloned().unwrap_or_default();
                let mut keys = vec![
                    format!("target: {}", yaml_str(&t.path)),
                    format!("from: {}", yaml_str(&s.path)),
                ];
                let (transform, todo) = transform(&t.kind, &s.kind, &values);
                keys.extend(transform);
                let mut todo = todo.map(|t| format!("; {t}")).unwrap_or_default();
                if t.required && s.maybe_missing {
                    todo.push_str(
                        "; TODO: the source may be absent or null, and the target is required: add a `default`",
                    );
                }
                let runner_up = scored
                    .get(1)
                    .filter(|(score, _)| *score >= THRESHOLD / 2.0)
                    .map(|(score, s)| format!("; runner-up `{}` ({:.2})", s.path, score.min(1.0)))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  - {{{}}}  # confidence {score:.2}{runner_up}{todo}",
                    keys.join(", ")
                );
            }
            best => {
                if t.required {
                    let hint = best
                        .map(|(score, s)| format!(" (closest: `{}`, {score:.2})", s.path))
                        .unwrap_or_default();
                    todo.push(format!(
                        "  # - {{target: {}}}  # TODO: required, no likely source{hint}",
                        yaml_str(&t.path)
                    ));
                }
            }
        }
    }
    for line in todo {
        let _ = writeln!(out, "{line}");
    }
    out
}

/// `--target`: `customer@1` or `customer@v1` -> (`customer`, 1).
pub fn parse_target(target: &str) -> anyhow::Result<(&str, u32)> {
    target
        .split_once('@')
        .and_then(|(e, v)| Some((e, v.trim_start_matches('v').parse::<u32>().ok()?)))
        .filter(|(e, _)| !e.is_empty())
        .ok_or_else(|| anyhow::anyhow!("--target {target}: expected ENTITY@VERSION, like customer@1"))
}

/// Distinct values per source path from sample records (for enum maps and value overlap).
pub fn seen_values(observed: &crate::samples::observe::Node) -> BTreeMap<String, Vec<String>> {
    fn walk(node: &crate::samples::observe::Node, path: &str, out: &mut BTreeMap<String, Vec<String>>) {
        for (key, child) in node.fields() {
            let p = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            if !child.distinct.overflow && !child.distinct.is_empty() {
                out.insert(p.clone(), child.distinct.sorted().into_iter().cloned().collect());
            }
            walk(child, &p, out);
            if let Some(items) = &child.items {
                walk(items, &p, out);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(observed, "", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_name_an_entity_and_a_version() {
        assert_eq!(parse_target("customer@1").unwrap(), ("customer", 1));
        assert_eq!(parse_target("customer@v12").unwrap(), ("customer", 12));
        for bad in ["customer", "@1", "customer@", "customer@vx", "customer@-1"] {
            let e = parse_target(bad).unwrap_err().to_string();
            assert!(e.contains("expected ENTITY@VERSION"), "{bad}: {e}");
        }
    }

    #[test]
    fn names_fold_case_separators_and_synonyms() {
        assert_eq!(words("BillingPostalCode", &[]), ["billing", "postal"]);
        assert_eq!(words("zip", &[]), ["postal"]);
        assert_eq!(words("customer_id", &["customer".into()]), ["id"]);
        assert_eq!(words("Id", &["account".into()]), ["id"]);
        assert_eq!(words("PaymentTerms__c", &[]), ["payment", "terms"]);
        assert!(alike(&words("customer_email", &[]), &words("CustomerMail", &[])) > 0.99);
        assert!(alike(&words("legal_name", &[]), &words("Name", &[])) > 0.6);
    }
}
