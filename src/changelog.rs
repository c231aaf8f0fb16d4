//! The changelog of two versions: every change, breaking or not, grouped by contract file and by
//! operation or type, as release notes (Markdown) or JSON (`mapcheck changelog`). Findings are
//! read as the documented JSON report shows them (docs/findings-json.md).

use std::io::Write;

use serde::Serialize;

use crate::finding::Finding;
use crate::report::plural;

/// One change as the changelog lists it.
#[derive(Debug, Serialize)]
pub struct Change {
    pub rule: String,
    pub severity: String,
    pub breaking: bool,
    pub path: String,
    pub message: String,
}

/// The changes of one operation or type.
#[derive(Debug, Serialize)]
pub struct Group {
    pub name: String,
    pub changes: Vec<Change>,
}

/// The changes of one contract file.
#[derive(Debug, Serialize)]
pub struct ContractChanges {
    pub file: String,
    pub groups: Vec<Group>,
}

/// Findings grouped by contract file (sorted) and, within one, by operation or type (in order).
pub fn group(findings: &[Finding]) -> Vec<ContractChanges> {
    // Each finding as the JSON report writes it, so the changelog says what the report says.
    let findings: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| serde_json::to_value(f).unwrap_or_default())
        .collect();
    let mut contracts: Vec<ContractChanges> = Vec::new();
    for f in &findings {
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

/// The changelog as release notes.
pub fn write_markdown(contracts: &[ContractChanges], out: &mut dyn Write) -> std::io::Result<()> {
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
