//! Pairs old and new contracts and compares each pair's surface through the engine.

use std::collections::BTreeMap;

use super::mode::Mode;
use super::subschema::Reading;
use super::{Comparer, Effect, TypeIndex, Variance};
use crate::finding::{Finding, normalize};
use crate::model::{Contract, Format, Location, Type};

/// One side of a comparison: its contracts, and the directory (or file) they were read from, so
/// that contracts identified by file pair by their path under it.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    pub contracts: &'a [Contract],
    /// Display path of the directory given on the command line (empty: none).
    pub base: &'a str,
}

/// Compares every old contract with its new counterpart.
pub fn diff(old: &[Contract], new: &[Contract], mode: Mode) -> Vec<Finding> {
    diff_sides(
        Side {
            contracts: old,
            base: "",
        },
        Side {
            contracts: new,
            base: "",
        },
        mode,
    )
}

/// Compares every old contract with its new counterpart, pairing file-identified contracts
/// (OpenAPI, JSON Schema) by their path under each side's base first.
pub fn diff_sides(old_side: Side, new_side: Side, mode: Mode) -> Vec<Finding> {
    diff_sides_with(old_side, new_side, mode, &DiffOptions::default())
}

/// What a comparison needs besides the mode.
#[derive(Debug, Clone, Default)]
pub struct DiffOptions {
    /// How Protobuf changes are judged (`--proto-level`).
    pub proto: super::protobuf::ProtoOptions,
    /// How OpenAPI surface changes are judged (maturity markers).
    pub openapi: super::openapi::OpenapiOptions,
    /// The content model JSON Schema documents are read with (`None`: exact).
    pub jsonschema_reading: Option<Reading>,
    /// The content model OpenAPI schemas are read with (`None`: declared).
    pub openapi_reading: Option<Reading>,
    /// Today's date (`YYYY-MM-DD`), against which sunset dates are judged; empty: no date is
    /// known, so no sunset has passed.
    pub today: String,
}

/// [`diff_sides`] with options. Protobuf files are compared as one set, by fully-qualified names
/// (see [`super::protobuf`]), not pair by pair.
pub fn diff_sides_with(old_side: Side, new_side: Side, mode: Mode, opts: &DiffOptions) -> Vec<Finding> {
    let (old, new) = (old_side.contracts, new_side.contracts);
    let mode = mode.base();
    let mut c = Comparer::new(TypeIndex::new(old), TypeIndex::new(new), &opts.today);
    let not_proto = |(o, n): &Pair| o.or(*n).is_some_and(|c| c.format != Format::Protobuf);
    let pairs = pair(old_side, new_side);
    for &(o, n) in pairs.iter().filter(|p| not_proto(p)) {
        match (o, n) {
            (Some(o), Some(n)) => compare_pair(&mut c, o, n, mode, opts),
            (Some(o), None) => {
                let at = Location::new(o.files[0].clone(), "", Default::default());
                c.change(
                    &super::concepts::CONTRACT_REMOVED,
                    Effect::Replaces,
                    Variance::Accepts,
                    &o.name,
                    format!("contract `{}` ({}) was removed", o.name, o.files[0]),
                    &at,
                    &at,
                );
            }
            (None, Some(n)) => {
                let at = Location::new(n.files[0].clone(), "", Default::default());
                let mut f = crate::finding::Finding::new(
                    &super::concepts::CONTRACT_ADDED,
                    format!("contract `{}` ({}) was added", n.name, n.files[0]),
                    at,
                )
                .with_path(n.name.clone());
                f.direction = None;
                c.findings.push(f);
            }
            (None, None) => {}
        }
    }
    c.findings.extend(super::protobuf::diff(
        old,
        new,
        &opts.proto,
        [old_side.base, new_side.base],
    ));
    let policy = version_policy(&pairs, &c.findings);
    c.findings.extend(policy);
    if mode == Mode::None {
        for f in &mut c.findings {
            f.severity = crate::finding::Severity::Info;
        }
    }
    let mut findings = c.into_findings();
    normalize(&mut findings);
    findings
}

/// The leading number of a version (`2.4.1` -> 2, `v3` -> 3).
fn major(version: &str) -> Option<u64> {
    let v = version.trim().trim_start_matches(['v', 'V']);
    v.split(['.', '-', '+']).next()?.parse().ok()
}

/// Versioning policy over the breaking findings of each contract pair: a published canonical
/// version must not break in place, and a contract that breaks should say so in its version.
fn version_policy(pairs: &[Pair], findings: &[Finding]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (o, n) in pairs {
        let (Some(o), Some(n)) = (o, n) else { continue };
        let breaking: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.severity == crate::finding::Severity::Error)
            .filter(|f| {
                f.location
                    .as_ref()
                    .is_some_and(|l| n.files.iter().any(|x| **x == *l.file))
            })
            .collect();
        let Some(first) = breaking.first() else { continue };
        let at = Location::new(n.files[0].clone(), "", Default::default());
        let count = breaking.len();
        let changes = if count == 1 {
            "a breaking change".to_string()
        } else {
            format!("{count} breaking changes")
        };
        fn canonical(c: &Contract) -> Option<(&str, u32)> {
            c.files.first().and_then(|f| crate::model::canonical::entity_version(f))
        }
        match (canonical(o), canonical(n)) {
            // v1 -> v2 of one entity is a new version, published beside the old one: the
            // version in the file name is the bump, and a new major version may break.
            (Some((e1, v1)), Some((e2, v2))) if e1 == e2 && v2 > v1 => continue,
            _ => {}
        }
        if let Some((entity, version)) = canonical(n) {
            let mut f = Finding::new(
                &super::concepts::CANONICAL_VERSION_EDITED,
                format!(
                    "canonical `{entity}` v{version} is published, but this edit makes {changes} to it in place \
                     (first: {}); publish v{} beside it instead",
                    first.rule,
                    version + 1
                ),
                at,
            )
            .with_path(format!("{entity} v{version}"));
            f.old_location = Some(Location::new(o.files[0].clone(), "", Default::default()));
            out.push(f);
            continue;
        }
        if let (Some(a), Some(b)) = (o.version.as_deref(), n.version.as_deref())
            && let (Some(ma), Some(mb)) = (major(a), major(b))
            && mb <= ma
        {
            let mut f = Finding::new(
                &super::concepts::VERSION_NOT_BUMPED,
                format!(
                    "`{}` makes {changes} but its version went from {a} to {b}: bump the major version (to {}.0.0) so consumers see it",
                    n.name,
                    ma + 1
                ),
                at,
            )
            .with_path(n.name.clone());
            f.old_location = Some(Location::new(o.files[0].clone(), "", Default::default()));
            out.push(f);
        }
    }
    out
}

/// An old contract and its new counterpart; either may be missing.
type Pair<'a> = (Option<&'a Contract>, Option<&'a Contract>);

/// Pairs contracts by identity: Protobuf files by their import name and Avro types by full name
/// (so a message or record moved to another file still pairs), OpenAPI and JSON Schema documents by
/// their path under the side's base, then by title.
fn pair<'a>(old_side: Side<'a>, new_side: Side<'a>) -> Vec<Pair<'a>> {
    let (old, new) = (old_side.contracts, new_side.contracts);
    // With exactly one contract on each side, they are the pair whatever their names.
    if old.len() == 1 && new.len() == 1 && old[0].format == new[0].format {
        return vec![(old.first(), new.first())];
    }
    let by_file = |c: &Contract| matches!(c.format, Format::Openapi | Format::Jsonschema);
    let relative = |c: &'a Contract, base: &str| -> Option<String> {
        let file = c.files.first()?;
        let rel = file.strip_prefix(base)?.trim_start_matches('/');
        (!base.is_empty() && !rel.is_empty()).then(|| rel.to_string())
    };
    let mut map: BTreeMap<(Format, u8, String), Pair> = BTreeMap::new();
    let mut taken_new = vec![false; new.len()];
    let mut rest_old = Vec::new();
    // File-identified contracts first: same path under both bases.
    let new_paths: BTreeMap<String, usize> = new
        .iter()
        .enumerate()
        .filter(|(_, c)| by_file(c))
        .filter_map(|(i, c)| Some((relative(c, new_side.base)?, i)))
        .collect();
    for c in old {
        let found = if by_file(c) {
            relative(c, old_side.base)
                .and_then(|r| new_paths.get(&r).copied())
                .filter(|i| new[*i].format == c.format && !taken_new[*i])
        } else {
            None
        };
        match found {
            Some(i) => {
                taken_new[i] = true;
                map.insert((c.format, 0, c.files[0].clone()), (Some(c), Some(&new[i])));
            }
            None => rest_old.push(c),
        }
    }
    for c in rest_old {
        map.entry((c.format, 1, c.name.clone())).or_default().0 = Some(c);
    }
    for (i, c) in new.iter().enumerate() {
        if !taken_new[i] {
            map.entry((c.format, 1, c.name.clone())).or_default().1 = Some(c);
        }
    }
    map.into_values().collect()
}

fn compare_pair<'a>(c: &mut Comparer<'a>, old: &'a Contract, new: &'a Contract, mode: Mode, opts: &DiffOptions) {
    let outer = c.reading;
    c.reading = match old.format {
        Format::Openapi => Some(opts.openapi_reading.unwrap_or(Reading::Declared)),
        Format::Jsonschema => Some(opts.jsonschema_reading.unwrap_or(Reading::Exact)),
        Format::Avro | Format::Protobuf => None,
    };
    // Documents name their types by pointers into themselves: compare each pair on its own.
    let scope = matches!(old.format, Format::Openapi | Format::Jsonschema)
        .then(|| c.scope(TypeIndex::new([old]), TypeIndex::new([new])));
    compare_pair_read(c, old, new, mode, opts);
    if let Some(s) = scope {
        c.unscope(s);
    }
    c.reading = outer;
}

fn compare_pair_read<'a>(c: &mut Comparer<'a>, old: &'a Contract, new: &'a Contract, mode: Mode, opts: &DiffOptions) {
    match old.format {
        Format::Openapi => super::openapi::compare_contracts(c, old, new, mode, &opts.openapi),
        // Avro has its own resolution rules: readers and writers, names, aliases, promotions.
        Format::Avro => super::avro::compare_contracts(c, old, new, mode),
        _ => {
            if let (Some(a), Some(b)) = (&old.root, &new.root) {
                for v in mode.variances() {
                    c.compare(a, b, *v, &old.name, 0);
                }
            }
            for (id, a) in &old.types {
                match new
                    .types
                    .get(id)
                    .or_else(|| new.types.values().find(|t| t.aliases.contains(id)))
                {
                    Some(b) => {
                        // Through references, so a type reached from another is compared once.
                        let (ra, rb) = (
                            Type::reference(id.clone(), a.location.clone()),
                            Type::reference(b.id.clone(), b.location.clone()),
                        );
                        for v in mode.variances() {
                            c.compare(&ra, &rb, *v, &a.name, 0);
                        }
                    }
                    None if old.root.is_none() => {
                        let at = new
                            .types
                            .values()
                            .next()
                            .map(|t| t.location.clone())
                            .unwrap_or_else(|| a.location.clone());
                        c.change(
                            &super::concepts::TYPE_REMOVED,
                            Effect::Replaces,
                            Variance::Accepts,
                            id,
                            format!("type `{id}` was removed"),
                            &a.location,
                            &at,
                        );
                    }
                    None => {}
                }
            }
        }
    }
}

/// Compares one old and one new type directly (`mapcheck diff a.json b.json` on bare schemas).
pub fn compare_types<'a>(c: &mut Comparer<'a>, old: &'a Type, new: &'a Type, mode: Mode, path: &str) {
    for v in mode.variances() {
        c.compare(old, new, *v, path, 0);
    }
}
