//! The schema a data file says it was written with (an Avro file's writer schema), checked against
//! the contract before any record is: a writer schema the contract cannot read is drift even when
//! no record happens to show it.
//!
//! For an Avro contract, Avro's schema resolution decides, with the contract as the reader (the
//! same check as `mapcheck diff --mode backward`, writer schema as the old side); for other
//! contracts, the model comparison `diff` makes, between the contract and the JSON Schema of the
//! values the writer's records read as ([`super::avro_json`]).

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::compare::contracts;
use crate::compare::mode::Mode;
use crate::compare::{Comparer, TypeIndex};
use crate::finding::{Finding, Severity};
use crate::load::SourceFile;
use crate::model::{Contract, Format, Location, Pos, Type};

/// Findings for each distinct writer schema among `schemas` (file index, schema JSON), against the
/// contract's `contracts` and the type records are judged by (`type_id`, when a named type).
/// Findings are located at the first
/// sample file that carries the schema; the message names how many more do.
pub fn findings(
    files: &[String],
    schemas: &[(u32, String)],
    contracts: &[Contract],
    ty: &Type,
    type_id: Option<&str>,
) -> Vec<Finding> {
    let mut distinct: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (file, text) in schemas {
        distinct.entry(text.as_str()).or_default().push(*file);
    }
    let mut out = Vec::new();
    for (text, mut carriers) in distinct {
        carriers.sort_unstable();
        let Some(shown) = carriers.first().and_then(|i| files.get(*i as usize)) else {
            continue;
        };
        let others = carriers.len() - 1;
        let writer = match load(shown, text) {
            Ok(w) => w,
            Err(f) => {
                out.push(*f);
                continue;
            }
        };
        let avro_contract = contracts.len() == 1 && contracts[0].format == Format::Avro;
        let found = if avro_contract {
            // The contract reads as the type records are judged by (`--type` may pick a type
            // nested in it), not necessarily its top-level one.
            let mut reader = contracts[0].clone();
            if let Some(named) = type_id.and_then(|id| reader.types.get(id)) {
                reader.root = Some(Type::reference(named.id.clone(), named.location.clone()));
            }
            contracts::diff(
                std::slice::from_ref(&writer),
                std::slice::from_ref(&reader),
                Mode::Backward,
            )
        } else {
            // The writer schema as the JSON its records read as, against the contract's type.
            let as_json = match as_json_schema(shown, text) {
                Ok(c) => c,
                Err(f) => {
                    out.push(*f);
                    continue;
                }
            };
            let Some(writer_type) = top_level(&as_json) else {
                continue;
            };
            let mut c = Comparer::new(TypeIndex::new([&as_json]), TypeIndex::new(contracts), "");
            contracts::compare_types(&mut c, &writer_type, ty, Mode::Backward, &writer.name);
            c.into_findings()
        };
        for mut f in found {
            // Notes that are not about reading the data (version policy, renamed contracts) stay
            // with `diff`.
            if f.severity == Severity::Info {
                continue;
            }
            for loc in [&mut f.location, &mut f.old_location].into_iter().flatten() {
                if *loc.file == **shown {
                    // The schema is inside a binary file: no line to show.
                    *loc = Location::new(shown.as_str(), loc.pointer.as_str(), Pos::new(0, 0));
                }
            }
            let also = match others {
                0 => String::new(),
                1 => " (and 1 more file with the same writer schema)".to_string(),
                n => format!(" (and {n} more files with the same writer schema)"),
            };
            f.message = format!(
                "the writer schema of {shown}{also} cannot be read as the contract: {}",
                f.message
            );
            out.push(f);
        }
    }
    out
}

/// A writer schema that cannot be read, located at the file that carries it.
fn unreadable(shown: &str, message: String) -> Box<Finding> {
    Box::new(Finding::new(
        &crate::load::lint::PARSE_ERROR,
        message,
        Location::new(shown, "", Pos::new(0, 0)),
    ))
}

fn source(shown: &str) -> SourceFile {
    SourceFile {
        path: PathBuf::from(shown),
        display: shown.to_string(),
    }
}

/// A writer schema as an Avro contract named after the file that carries it.
fn load(shown: &str, text: &str) -> Result<Contract, Box<Finding>> {
    let node = crate::load::tree::parse_json(text)
        .map_err(|e| unreadable(shown, format!("the writer schema of {shown} is not JSON: {e}")))?;
    let (mut loaded, _) = crate::load::avro::load_set(vec![(source(shown), node)]);
    if loaded.is_empty() {
        return Err(unreadable(
            shown,
            format!("the writer schema of {shown} is not an Avro schema mapcheck can read"),
        ));
    }
    Ok(loaded.remove(0))
}

/// A writer schema as the JSON Schema of the values read from its data, loaded as a contract
/// named after the file that carries it.
fn as_json_schema(shown: &str, text: &str) -> Result<Contract, Box<Finding>> {
    let avro: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| unreadable(shown, format!("the writer schema of {shown} is not JSON: {e}")))?;
    let doc = super::avro_json::document(&avro, true).to_string();
    let node = crate::load::tree::parse_json(&doc)
        .map_err(|e| unreadable(shown, format!("the writer schema of {shown}: {e}")))?;
    let root = std::env::current_dir().unwrap_or_default();
    Ok(crate::load::jsonschema::load(&source(shown), node, &root).0)
}

fn top_level(contract: &Contract) -> Option<Type> {
    if let Some(root) = &contract.root {
        return Some(root.clone());
    }
    let (id, first) = contract.types.first()?;
    Some(Type::reference(id.clone(), first.location.clone()))
}
