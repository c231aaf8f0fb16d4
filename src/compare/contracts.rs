//! Pairs old and new contracts and compares each pair's surface through the engine.

use std::collections::BTreeMap;

use super::{Comparer, Effect, TypeIndex, Variance};
use crate::finding::{Finding, normalize};
use crate::model::{Contract, Format, Location, Operation, Type};

/// Compatibility modes, as schema registries name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// New readers read old data (the new schema accepts what the old one allowed).
    Backward,
    /// Old readers read new data (the new schema produces only what the old one allowed).
    Forward,
    /// Both.
    Full,
    /// Report changes, judge none breaking.
    None,
    /// `backward` against every earlier version given, not only the latest.
    BackwardTransitive,
    /// `forward` against every earlier version given.
    ForwardTransitive,
    /// `full` against every earlier version given.
    FullTransitive,
}

impl Mode {
    /// The variances a data-schema change is judged under.
    fn variances(self) -> &'static [Variance] {
        match self.base() {
            Mode::Backward => &[Variance::Accepts],
            Mode::Forward => &[Variance::Produces],
            Mode::Full => &[Variance::Accepts, Variance::Produces],
            _ => &[],
        }
    }

    /// The mode one comparison of two versions runs under.
    pub fn base(self) -> Mode {
        match self {
            Mode::BackwardTransitive => Mode::Backward,
            Mode::ForwardTransitive => Mode::Forward,
            Mode::FullTransitive => Mode::Full,
            m => m,
        }
    }

    /// Whether the newest version is compared with every earlier one, not only the one before it.
    pub fn is_transitive(self) -> bool {
        self.base() != self
    }
}

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
}

/// [`diff_sides`] with options. Protobuf files are compared as one set, by fully-qualified names
/// (see [`super::protobuf`]), not pair by pair.
pub fn diff_sides_with(old_side: Side, new_side: Side, mode: Mode, opts: &DiffOptions) -> Vec<Finding> {
    let (old, new) = (old_side.contracts, new_side.contracts);
    let mode = mode.base();
    let mut c = Comparer::new(TypeIndex::new(old), TypeIndex::new(new));
    let not_proto = |(o, n): &Pair| o.or(*n).is_some_and(|c| c.format != Format::Protobuf);
    for (o, n) in pair(old_side, new_side).into_iter().filter(not_proto) {
        match (o, n) {
            (Some(o), Some(n)) => compare_pair(&mut c, o, n, mode),
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
    c.findings.extend(super::protobuf::diff(old, new, &opts.proto));
    if mode == Mode::None {
        for f in &mut c.findings {
            f.severity = crate::finding::Severity::Info;
        }
    }
    let mut findings = c.findings;
    normalize(&mut findings);
    findings
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

fn compare_pair<'a>(c: &mut Comparer<'a>, old: &'a Contract, new: &'a Contract, mode: Mode) {
    match old.format {
        Format::Openapi => compare_openapi(c, old, new, mode),
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

/// A path template with parameter names erased: `/users/{id}` and `/users/{userId}` are one path.
fn path_shape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for ch in path.chars() {
        match ch {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(ch),
        }
    }
    out
}

fn compare_openapi<'a>(c: &mut Comparer<'a>, old: &'a Contract, new: &'a Contract, mode: Mode) {
    if mode == Mode::None && !c.report_safe {
        return;
    }
    for (o, is_hook) in old
        .operations
        .iter()
        .map(|o| (o, false))
        .chain(old.webhooks.iter().map(|o| (o, true)))
    {
        let pool = if is_hook { &new.webhooks } else { &new.operations };
        let found = pool
            .iter()
            .find(|n| n.method == o.method && path_shape(&n.path) == path_shape(&o.path));
        let name = format!("{} {}", o.method.to_uppercase(), o.path);
        match found {
            Some(n) => compare_operation(c, o, n, &name),
            None => {
                let at = Location::new(new.files[0].clone(), "/paths", Default::default());
                c.change(
                    &super::concepts::OPERATION_REMOVED,
                    Effect::Replaces,
                    Variance::Accepts,
                    &name,
                    format!("operation `{name}` was removed"),
                    &o.location,
                    &at,
                );
            }
        }
    }
}

fn compare_operation<'a>(c: &mut Comparer<'a>, old: &'a Operation, new: &'a Operation, name: &str) {
    // Parameters: requests, so the new side must accept what the old one did.
    for p in &old.parameters {
        let key = |q: &crate::model::Parameter| {
            (
                q.location_in.clone(),
                if q.location_in == "path" {
                    String::new()
                } else {
                    q.name.clone()
                },
            )
        };
        let candidates: Vec<_> = new.parameters.iter().filter(|q| key(q) == key(p)).collect();
        let q = if p.location_in == "path" {
            // Path parameters pair by position in the template.
            let pos = template_position(&old.path, &p.name);
            new.parameters
                .iter()
                .find(|q| q.location_in == "path" && template_position(&new.path, &q.name) == pos)
        } else {
            candidates.first().copied()
        };
        let path = format!("{name} {}:{}", p.location_in, p.name);
        match q {
            Some(q) => {
                if !p.required && q.required {
                    c.change(
                        &super::concepts::FIELD_BECAME_REQUIRED,
                        Effect::Narrows,
                        Variance::Accepts,
                        &path,
                        format!("parameter `{}` of `{name}` became required", p.name),
                        &p.location,
                        &q.location,
                    );
                }
                c.compare(&p.schema, &q.schema, Variance::Accepts, &path, 0);
            }
            None => {
                let effect = Effect::Narrows;
                c.change(
                    &super::concepts::PARAMETER_REMOVED,
                    effect,
                    Variance::Accepts,
                    &path,
                    format!("parameter `{}` ({}) of `{name}` was removed", p.name, p.location_in),
                    &p.location,
                    &new.location,
                );
            }
        }
    }
    for q in &new.parameters {
        let exists = old
            .parameters
            .iter()
            .any(|p| p.location_in == q.location_in && (p.name == q.name || q.location_in == "path"));
        if !exists && q.required {
            let path = format!("{name} {}:{}", q.location_in, q.name);
            c.change(
                &super::concepts::FIELD_ADDED,
                Effect::Narrows,
                Variance::Accepts,
                &path,
                format!(
                    "required parameter `{}` ({}) was added to `{name}`",
                    q.name, q.location_in
                ),
                &old.location,
                &q.location,
            );
        }
    }
    // Request bodies.
    match (&old.request_body, &new.request_body) {
        (Some(a), Some(b)) => {
            if !a.required && b.required {
                c.change(
                    &super::concepts::FIELD_BECAME_REQUIRED,
                    Effect::Narrows,
                    Variance::Accepts,
                    &format!("{name} request"),
                    format!("the request body of `{name}` became required"),
                    &a.location,
                    &b.location,
                );
            }
            for (media, ma) in &a.content {
                match b.content.get(media) {
                    Some(mb) => c.compare(
                        &ma.schema,
                        &mb.schema,
                        Variance::Accepts,
                        &format!("{name} request {media}"),
                        0,
                    ),
                    None => c.change(
                        &super::concepts::MEDIA_TYPE_REMOVED,
                        Effect::Narrows,
                        Variance::Accepts,
                        &format!("{name} request {media}"),
                        format!("`{name}` no longer accepts `{media}` request bodies"),
                        &ma.location,
                        &b.location,
                    ),
                }
            }
        }
        (None, Some(b)) if b.required => c.change(
            &super::concepts::FIELD_ADDED,
            Effect::Narrows,
            Variance::Accepts,
            &format!("{name} request"),
            format!("`{name}` now requires a request body"),
            &old.location,
            &b.location,
        ),
        _ => {}
    }
    // Responses: produced by the server, read by clients.
    for (status, ra) in &old.responses {
        let path = format!("{name} {status}");
        match new.responses.get(status) {
            Some(rb) => {
                for (media, ma) in &ra.content {
                    match rb.content.get(media) {
                        Some(mb) => c.compare(
                            &ma.schema,
                            &mb.schema,
                            Variance::Produces,
                            &format!("{path} {media}"),
                            0,
                        ),
                        None => c.change(
                            &super::concepts::MEDIA_TYPE_REMOVED,
                            Effect::Replaces,
                            Variance::Produces,
                            &format!("{path} {media}"),
                            format!("`{name}` no longer returns `{media}` for {status}"),
                            &ma.location,
                            &rb.location,
                        ),
                    }
                }
                for (header, ha) in &ra.headers {
                    match rb.headers.get(header) {
                        Some(hb) => {
                            if ha.required && !hb.required {
                                c.change(
                                    &super::concepts::FIELD_BECAME_OPTIONAL,
                                    Effect::Widens,
                                    Variance::Produces,
                                    &format!("{path} header {header}"),
                                    format!("response header `{header}` of `{name}` became optional"),
                                    &ha.location,
                                    &hb.location,
                                );
                            }
                            c.compare(
                                &ha.schema,
                                &hb.schema,
                                Variance::Produces,
                                &format!("{path} header {header}"),
                                0,
                            );
                        }
                        None => c.change(
                            &super::concepts::FIELD_REMOVED,
                            Effect::Widens,
                            Variance::Produces,
                            &format!("{path} header {header}"),
                            format!("response header `{header}` of `{name}` was removed"),
                            &ha.location,
                            &rb.location,
                        ),
                    }
                }
            }
            None if status.starts_with('2') => c.change(
                &super::concepts::RESPONSE_REMOVED,
                Effect::Replaces,
                Variance::Produces,
                &path,
                format!("`{name}` no longer returns {status}"),
                &ra.location,
                &new.location,
            ),
            None => c.change(
                &super::concepts::RESPONSE_REMOVED,
                Effect::Neutral,
                Variance::Produces,
                &path,
                format!("`{name}` no longer documents {status}"),
                &ra.location,
                &new.location,
            ),
        }
    }
    if old.operation_id.is_some() && old.operation_id != new.operation_id {
        c.change(
            &super::concepts::OPERATION_ID_CHANGED,
            Effect::Replaces,
            Variance::Accepts,
            name,
            format!(
                "operationId of `{name}` changed from `{}` to `{}`",
                old.operation_id.as_deref().unwrap_or(""),
                new.operation_id.as_deref().unwrap_or("")
            ),
            &old.location,
            &new.location,
        );
    }
    if !old.deprecated && new.deprecated {
        c.change(
            &super::concepts::DEPRECATED,
            Effect::Neutral,
            Variance::Accepts,
            name,
            format!("`{name}` was deprecated"),
            &old.location,
            &new.location,
        );
    }
}

fn template_position(path: &str, name: &str) -> Option<usize> {
    path.split('/')
        .filter(|s| s.starts_with('{'))
        .position(|s| s.trim_matches(|c| c == '{' || c == '}') == name)
}

/// Compares one old and one new type directly (`mapcheck diff a.json b.json` on bare schemas).
pub fn compare_types<'a>(c: &mut Comparer<'a>, old: &'a Type, new: &'a Type, mode: Mode, path: &str) {
    for v in mode.variances() {
        c.compare(old, new, *v, path, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameter_names_do_not_matter() {
        assert_eq!(
            path_shape("/users/{id}/posts/{postId}"),
            path_shape("/users/{userId}/posts/{p}")
        );
        assert_ne!(path_shape("/users/{id}"), path_shape("/accounts/{id}"));
    }
}
