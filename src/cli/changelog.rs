//! `mapcheck changelog`: every change between two versions, breaking or not, grouped by contract
//! and by operation or type, as release notes (markdown) or JSON. It runs the same comparison as
//! `diff` and reads its documented JSON report (docs/findings-json.md).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Serialize;

use super::diff::DiffArgs;
use super::{Exit, FailOn, LoadArgs, ReportArgs};
use crate::compare::mode::Mode;
use crate::compare::protobuf::Level;
use crate::report::{OutputFormat, plural};

#[derive(Debug, Args)]
pub struct ChangelogArgs {
    /// OLD NEW (files or directories); with --against, the working-tree paths (default: .).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// List what changed since this git ref (a branch, tag, `latest-tag`, `HEAD~3`).
    #[arg(long, value_name = "GIT-REF")]
    pub against: Option<String>,
    /// Compatibility mode that judges which changes break (as for `diff`).
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// Protobuf strictness (as for `diff`).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub proto_level: Option<Level>,
    /// How undeclared object properties are read (as for `diff`).
    #[arg(long, value_enum, value_name = "READING")]
    pub content_model: Option<crate::compare::subschema::Reading>,
    /// markdown (release notes) or json.
    #[arg(long, value_enum, default_value_t = ChangelogFormat::Markdown)]
    pub format: ChangelogFormat,
    #[command(flatten)]
    pub load: LoadArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChangelogFormat {
    Markdown,
    Json,
}

/// One change as the changelog lists it.
#[derive(Debug, Serialize)]
struct Change {
    rule: String,
    severity: String,
    breaking: bool,
    path: String,
    message: String,
}

/// The changes of one operation or type.
#[derive(Debug, Serialize)]
struct Group {
    name: String,
    changes: Vec<Change>,
}

/// The changes of one contract file.
#[derive(Debug, Serialize)]
struct ContractChanges {
    file: String,
    groups: Vec<Group>,
}

pub fn run(args: &ChangelogArgs, out: &mut dyn Write) -> anyhow::Result<Exit> {
    let diff = DiffArgs {
        paths: args.paths.clone(),
        against: args.against.clone(),
        mode: args.mode,
        proto_level: args.proto_level,
        content_model: args.content_model,
        breaking_only: false,
        report: ReportArgs {
            format: OutputFormat::Json,
            fail_on: FailOn::Never,
            context: 2,
        },
        load: LoadArgs {
            as_format: args.load.as_format,
            root: args.load.root.clone(),
            proto_paths: args.load.proto_paths.clone(),
        },
    };
    let mut json = Vec::new();
    if super::diff::run(&diff, false, &mut json)? == Exit::Error {
        return Ok(Exit::Error);
    }
    let report: serde_json::Value = serde_json::from_slice(&json)?;
    let contracts = group(report["findings"].as_array().map(Vec::as_slice).unwrap_or_default());
    match args.format {
        ChangelogFormat::Json => {
            let total: usize = contracts.iter().flat_map(|c| &c.groups).map(|g| g.changes.len()).sum();
            serde_json::to_writer_pretty(
                &mut *out,
                &serde_json::json!({ "schema_version": 1, "changes": total, "contracts": contracts }),
            )?;
            writeln!(out)?;
        }
        ChangelogFormat::Markdown => write_markdown(&contracts, out)?,
    }
    Ok(Exit::Clean)
}

/// Findings grouped by contract file (sorted) and, within one, by operation or type (in order).
fn group(findings: &[serde_json::Value]) -> Vec<ContractChanges> {
    let mut contracts: Vec<ContractChanges> = Vec::new();
    for f in findings {
        let text = |k: &str| f[k].as_str().unwrap_or_default().to_string();
        let file = f["location"]["file"]
            .as_str()
            .or_else(|| f["old_location"]["file"].as_str())
            .unwrap_or_default()
            .to_string();
        let severity = text("severity");
        let change = Change {
            rule: text("rule"),
            breaking: severity != "info",
            severity,
            path: text("path"),
            message: text("message"),
        };
        let name = subject(&change.path);
        let contract = match contracts.iter().position(|c| c.file == file) {
            Some(i) => &mut contracts[i],
            None => {
                contracts.push(ContractChanges {
                    file,
                    groups: Vec::new(),
                });
                contracts.last_mut().expect("pushed")
            }
        };
        match contract.groups.iter_mut().find(|g| g.name == name) {
            Some(g) => g.changes.push(change),
            None => contract.groups.push(Group {
                name,
                changes: vec![change],
            }),
        }
    }
    contracts.sort_by(|a, b| a.file.cmp(&b.file));
    contracts
}

/// The operation (`GET /users/{id}`, `webhook POST newPet`) or type (`Customer`) a finding's
/// model path is about; "" for the contract as a whole.
fn subject(path: &str) -> String {
    const METHODS: [&str; 8] = ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"];
    let words: Vec<&str> = path.split(' ').collect();
    match words.as_slice() {
        ["webhook", method, name, ..] if METHODS.contains(method) => format!("webhook {method} {name}"),
        [method, route, ..] if METHODS.contains(method) => format!("{method} {route}"),
        _ => {
            // A type: the path up to its first capitalised segment (`acme.orders.Order.id` ->
            // `acme.orders.Order`, as type names are by convention), else its first segment.
            let head = path.split(['<', '[', '{', ' ']).next().unwrap_or_default();
            let segments: Vec<&str> = head.split('.').collect();
            match segments.iter().position(|s| s.starts_with(|c: char| c.is_uppercase())) {
                Some(i) => segments[..=i].join("."),
                None => segments[0].to_string(),
            }
        }
    }
}

fn write_markdown(contracts: &[ContractChanges], out: &mut dyn Write) -> std::io::Result<()> {
    let changes: Vec<&Change> = contracts
        .iter()
        .flat_map(|c| &c.groups)
        .flat_map(|g| &g.changes)
        .collect();
    let breaking = changes.iter().filter(|c| c.breaking).count();
    writeln!(out, "# Changes\n")?;
    if changes.is_empty() {
        return writeln!(out, "No changes.");
    }
    writeln!(
        out,
        "{} ({} breaking) in {}.",
        plural(changes.len(), "change"),
        breaking,
        plural(contracts.len(), "contract")
    )?;
    let cell = |s: &str| crate::report::printable(s).into_owned();
    for c in contracts {
        writeln!(out, "\n## `{}`", cell(&c.file))?;
        for g in &c.groups {
            if !g.name.is_empty() {
                writeln!(out, "\n### `{}`\n", cell(&g.name))?;
            } else {
                writeln!(out)?;
            }
            for ch in &g.changes {
                let mark = if ch.breaking { "**breaking** " } else { "" };
                writeln!(out, "- {mark}`{}`: {}", ch.rule, cell(&ch.message))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::subject;

    #[test]
    fn changes_group_by_operation_or_type() {
        assert_eq!(subject("GET /users/{id} 200 application/json.name"), "GET /users/{id}");
        assert_eq!(subject("POST /orders request application/json"), "POST /orders");
        assert_eq!(subject("webhook POST newPet request"), "webhook POST newPet");
        assert_eq!(subject("Customer.tier"), "Customer");
        assert_eq!(subject("acme.warehouse.Parcel.weight_grams"), "acme.warehouse.Parcel");
        assert_eq!(subject("Customer.address.city"), "Customer");
        assert_eq!(subject("accounts.name"), "accounts");
        assert_eq!(subject(""), "");
    }
}
