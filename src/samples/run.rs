//! A drift run: a contract's type against sample files. The contract is loaded and its type
//! picked, the samples scanned against the compiled type (and, with `validate`, against the
//! `jsonschema` validator), and the findings of every check gathered: drift, malformed records,
//! schema violations, freshness, change-data-capture envelopes, Avro writer schemas.

use std::path::{Path, PathBuf};

use crate::finding::{Finding, Severity, normalize};
use crate::load::load_paths;
use crate::model::{Contract, Location, Pos};
use crate::samples::drift::{self, DriftOptions, MALFORMED_RECORD};
use crate::samples::envelope::Envelope;
use crate::samples::expect::Expectations;
use crate::samples::freshness::Freshness;
use crate::samples::{self, Scan, ScanError, ScanOptions};

/// Why a drift run stopped without findings to report.
#[derive(Debug)]
pub enum Stop {
    /// The contract could not be loaded: its errors.
    Unusable(Vec<Finding>),
    /// More malformed records than allowed.
    TooManyErrors(ScanError),
}

/// Sample files under `paths`: files as given, directories searched (sorted) for sample files.
pub fn sample_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = walkdir::WalkDir::new(p)
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file() && crate::samples::read::is_sample_file(e.path()))
                .map(|e| e.into_path())
                .collect();
            found.sort();
            files.extend(found);
        } else if p.exists() {
            files.push(p.clone());
        } else {
            anyhow::bail!("{}: no such file or directory", p.display());
        }
    }
    if files.is_empty() {
        anyhow::bail!("no sample files found");
    }
    Ok(files)
}

/// The freshness check `--freshness`, `--max-age` and `--now` (or `[[samples]]` `freshness` and
/// `max_age`) ask for: the field defaults to the envelope's (Debezium's `source.ts_ms`).
pub fn freshness_of(
    field: Option<&str>,
    max_age_ms: Option<i64>,
    now_ms: Option<i64>,
    envelope: Envelope,
) -> anyhow::Result<Option<Freshness>> {
    let Some(max_age_ms) = max_age_ms else {
        return Ok(None);
    };
    let Some(field) = field.or(envelope.default_freshness()) else {
        anyhow::bail!("--max-age needs --freshness FIELD (the timestamp field to check)");
    };
    if field.split('.').any(str::is_empty) {
        anyhow::bail!("--freshness `{field}`: expected a field path like `updated_at` or `source.ts_ms`");
    }
    Ok(Some(Freshness {
        field: field.to_string(),
        max_age_ms,
        now_ms: now_ms.unwrap_or_else(crate::samples::freshness::now_ms),
    }))
}

/// What drift found for one contract and its samples.
pub struct DriftRun {
    pub findings: Vec<Finding>,
    /// The contract's files and the sample files, as reports show them.
    pub files: Vec<String>,
    pub contracts: usize,
}

/// How a drift run judges and stops.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_errors: u64,
    pub max_rate: f64,
    /// Validate every record with the `jsonschema` crate too.
    pub validate: bool,
    /// The largest record read.
    pub max_record_bytes: u64,
    /// How fresh the newest record must be.
    pub freshness: Option<Freshness>,
    /// How records wrap the rows.
    pub envelope: Envelope,
    /// The message binary Protobuf samples hold.
    pub proto: Option<crate::samples::protobuf::ProtoSpec>,
}

/// Scans `files` and compares what it saw with the type of `contract`. A contract that cannot be
/// used, or a scan stopped by malformed records, is a [`Stop`]. `loaded`: the contract's file as
/// the caller loaded it already (as `load` would, with nothing unusable); `None`: loaded here.
pub fn drift(
    contract: &Path,
    type_name: Option<&str>,
    files: &[PathBuf],
    limits: Limits,
    load: &crate::load::LoadOptions,
    loaded: Option<Vec<crate::model::Contract>>,
) -> anyhow::Result<Result<DriftRun, Stop>> {
    let Limits {
        max_errors,
        max_rate,
        validate,
        max_record_bytes,
        freshness,
        envelope,
        proto,
    } = limits;
    let loaded = match loaded {
        Some(contracts) => crate::load::Loaded {
            contracts,
            ..Default::default()
        },
        None => load_paths(&[contract.to_path_buf()], load)?,
    };
    if !loaded.unusable.is_empty() {
        let errors = loaded
            .findings
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        return Ok(Err(Stop::Unusable(errors)));
    }
    let (ty, types, type_id) = pick_type(&loaded.contracts, type_name)?;
    let expect = Expectations::compile(&ty, &types);
    let validator = if validate {
        Some(validator(contract, &loaded.contracts, type_id.as_deref())?)
    } else {
        None
    };
    for p in &expect.skipped_patterns {
        eprintln!("warning: pattern `{p}` is not supported by the regex engine; values are not checked against it");
    }
    let proto = match proto {
        Some(spec) => Some(
            spec.resolve(contract, &load.proto_paths)
                .map_err(|e| anyhow::anyhow!("--proto-type: {e}"))?,
        ),
        None => None,
    };
    let opts = ScanOptions {
        max_errors,
        max_record_bytes,
        envelope,
        proto,
        ..ScanOptions::default()
    };
    let path = freshness.as_ref().map(Freshness::path);
    let scan = match samples::scan_checking(files, Some(&expect), validator.as_ref(), path.as_deref(), opts) {
        Ok(s) => s,
        Err(ScanError::Read(r)) => return Err(r.into()),
        Err(e @ ScanError::TooManyErrors { .. }) => return Ok(Err(Stop::TooManyErrors(e))),
    };
    let mut findings = drift::findings(&scan.observed, &expect, &scan.files, DriftOptions { max_rate });
    findings.extend(malformed_findings(&scan));
    findings.extend(violation_findings(&scan, ty.location.clone(), max_rate));
    if let Some(f) = &freshness {
        findings.extend(crate::samples::freshness::findings(&scan.newest, f, &scan.files));
    }
    if envelope != Envelope::None {
        findings.extend(crate::samples::envelope::findings(
            envelope,
            &scan.events,
            &expect,
            &scan.files,
        ));
    }
    findings.extend(crate::samples::writer_schema::findings(
        &scan.files,
        &scan.writer_schemas,
        &loaded.contracts,
        &ty,
        type_id.as_deref(),
    ));
    normalize(&mut findings);
    let mut report_files: Vec<String> = loaded.contracts.iter().flat_map(|c| c.files.clone()).collect();
    report_files.extend(scan.files.iter().cloned());
    Ok(Ok(DriftRun {
        findings,
        files: report_files,
        contracts: loaded.contracts.len(),
    }))
}

/// A validator for the picked type of a JSON Schema or OpenAPI 3.1 contract (`--validate`): the
/// document itself for its root schema, else a schema that refers into the document, so its own
/// references resolve as they do in the contract.
fn validator(
    contract: &Path,
    contracts: &[Contract],
    type_id: Option<&str>,
) -> anyhow::Result<jsonschema::Validator<crate::json::Trees>> {
    let shown = crate::load::display_path(contract);
    let Some(c) = contracts.first() else {
        anyhow::bail!("{shown}: no contract to validate against");
    };
    let openapi_30 =
        c.format == crate::model::Format::Openapi && c.format_version.as_deref().is_some_and(|v| v.starts_with("3.0"));
    if !matches!(
        c.format,
        crate::model::Format::Jsonschema | crate::model::Format::Openapi
    ) || openapi_30
    {
        anyhow::bail!(
            "{shown}: --validate needs a JSON Schema or OpenAPI 3.1 contract (OpenAPI 3.0, Avro and Protobuf schemas are not JSON Schema); drift's own checks still run without it"
        );
    }
    let file = c.files.first().map_or(contract.to_path_buf(), PathBuf::from);
    let mut doc = crate::load::read_json_document(&file, &shown)?;
    let schema = match type_id {
        None => doc,
        Some(id) if id.starts_with("#/") => {
            let base = match doc.get("$id").and_then(|v| v.as_str()) {
                Some(b) => b.trim_end_matches('#').to_string(),
                None => {
                    doc["$id"] = serde_json::Value::from("urn:mapcheck:contract");
                    "urn:mapcheck:contract".to_string()
                }
            };
            serde_json::json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$defs": {"contract": doc},
                "$ref": format!("{base}{id}"),
            })
        }
        Some(id) => anyhow::bail!("{shown}: --validate cannot find type `{id}` in the document"),
    };
    jsonschema::options_for::<crate::json::Trees>()
        .build(&schema)
        .map_err(|e| anyhow::anyhow!("{shown}: the JSON Schema validator rejects it: {e}"))
}

/// One `schema-violation` finding per schema keyword that records failed (`--validate`).
pub fn violation_findings(scan: &Scan, at: Location, max_rate: f64) -> Vec<Finding> {
    let mut out = Vec::new();
    for (keyword, v) in &scan.violations.by_keyword {
        let rate = if scan.records == 0 {
            0.0
        } else {
            v.count as f64 / scan.records as f64
        };
        let first: Vec<String> = v
            .first
            .iter()
            .map(|(loc, instance, _)| {
                let file = scan.files.get(loc.file as usize).map_or("?", String::as_str);
                let instance = if instance.is_empty() { "/" } else { instance };
                format!("{file}:{} at {instance}", loc.line)
            })
            .collect();
        let message = v.first.first().map_or("", |(_, _, m)| m.as_str());
        let what = format!("records fail `{keyword}`");
        let mut f = Finding::new(&drift::SCHEMA_VIOLATION, what, at.clone())
            .with_path(keyword.trim_start_matches('/').replace('/', "."));
        f.message = format!(
            "{} of {} records ({:.2}%) fail `{keyword}`: {message}; first at {}",
            v.count,
            scan.records,
            rate * 100.0,
            first.join(", ")
        );
        let severity = DriftOptions { max_rate }.severity(f.severity, rate);
        f = f.with_severity(severity);
        out.push(f);
    }
    out
}

/// One `malformed-record` finding per file that had any.
pub fn malformed_findings(scan: &Scan) -> Vec<Finding> {
    let mut out = Vec::new();
    for (name, errors) in scan.files.iter().zip(&scan.errors) {
        if errors.count == 0 {
            continue;
        }
        let first: Vec<String> = errors
            .first
            .iter()
            .map(|m| format!("line {}: {}", m.line, m.message))
            .collect();
        let plural = if errors.count == 1 { "" } else { "s" };
        let what = format!("malformed record{plural} skipped");
        // Line 0: the text report shows no snippet (the file may be huge or compressed).
        let mut f = Finding::new(
            &MALFORMED_RECORD,
            what,
            Location::new(name.as_str(), "", Pos::new(0, 0)),
        );
        f.message = format!(
            "{} malformed record{plural} skipped; {}",
            errors.count,
            first.join("; ")
        );
        out.push(f);
    }
    out
}

/// The type records are judged against, with the named types its references may reach.
/// The type records should have, every named type (references), and the type's id when it is a
/// named one (`None` for a contract's root schema).
type Picked = (
    crate::model::Type,
    indexmap::IndexMap<String, crate::model::NamedType>,
    Option<String>,
);

fn pick_type(contracts: &[Contract], name: Option<&str>) -> anyhow::Result<Picked> {
    let mut types = indexmap::IndexMap::new();
    for c in contracts {
        for (id, t) in &c.types {
            types.entry(id.clone()).or_insert_with(|| t.clone());
        }
    }
    if let Some(name) = name {
        if let Some(t) = types.get(name) {
            return Ok((t.ty.clone(), types.clone(), Some(t.id.clone())));
        }
        let matching: Vec<&crate::model::NamedType> = types
            .values()
            .filter(|t| t.name == name || t.id.rsplit(['/', '.']).next() == Some(name))
            .collect();
        return match matching.as_slice() {
            [one] => Ok((one.ty.clone(), types.clone(), Some(one.id.clone()))),
            [] => anyhow::bail!(
                "--type {name}: no such type in the contract; its types: {}",
                list(types.keys())
            ),
            many => anyhow::bail!(
                "--type {name} is ambiguous: {}; give the full id",
                list(many.iter().map(|t| &t.id))
            ),
        };
    }
    if let Some(root) = contracts.iter().find_map(|c| c.root.as_ref())
        && root.kind != crate::model::TypeKind::Any
    {
        return Ok((root.clone(), types, None));
    }
    let referenced = referenced_types(&types);
    let objects: Vec<&crate::model::NamedType> = types
        .values()
        .filter(|t| {
            matches!(
                t.ty.kind,
                crate::model::TypeKind::Object(_) | crate::model::TypeKind::AllOf { .. }
            )
        })
        .collect();
    let top: Vec<&crate::model::NamedType> = objects
        .iter()
        .copied()
        .filter(|t| !referenced.contains(&t.id))
        .collect();
    match (top.as_slice(), objects.as_slice()) {
        ([one], _) | ([], [one]) => Ok((one.ty.clone(), types.clone(), Some(one.id.clone()))),
        ([], []) => anyhow::bail!("the contract declares no object type to check records against"),
        (candidates, _) => {
            let ids: Vec<&String> = if candidates.is_empty() {
                objects.iter().map(|t| &t.id).collect()
            } else {
                candidates.iter().map(|t| &t.id).collect()
            };
            anyhow::bail!(
                "the contract has {} candidate record types ({}); pick one with --type",
                ids.len(),
                list(ids)
            )
        }
    }
}

fn list<'a>(ids: impl IntoIterator<Item = &'a String>) -> String {
    let ids: Vec<&str> = ids.into_iter().map(String::as_str).collect();
    if ids.len() > 12 {
        format!("{}, ... ({} in all)", ids[..12].join(", "), ids.len())
    } else {
        ids.join(", ")
    }
}

/// Ids of named types another named type refers to.
fn referenced_types(types: &indexmap::IndexMap<String, crate::model::NamedType>) -> std::collections::HashSet<String> {
    use crate::model::{Additional, Type, TypeKind};
    fn walk(t: &Type, out: &mut std::collections::HashSet<String>) {
        match &t.kind {
            TypeKind::Ref { target } => {
                out.insert(target.clone());
            }
            TypeKind::Object(o) => {
                for f in &o.fields {
                    walk(&f.ty, out);
                }
                if let Additional::Schema(s) = &o.additional {
                    walk(s, out);
                }
            }
            TypeKind::Array { items, prefix_items } => {
                walk(items, out);
                prefix_items.iter().for_each(|p| walk(p, out));
            }
            TypeKind::Map { value, .. } => walk(value, out),
            TypeKind::Union { variants, .. } => variants.iter().for_each(|v| walk(v, out)),
            TypeKind::AllOf { members } => members.iter().for_each(|m| walk(m, out)),
            _ => {}
        }
    }
    let mut out = std::collections::HashSet::new();
    for t in types.values() {
        walk(&t.ty, &mut out);
    }
    out
}
